"""Recognising a wait that hit its limit, and saying so in words an operator can act on.

The engines turn such a driver error into :class:`DatabaseTimeout` (see ``engines.py``). The
message names the database by its variable, what was waited on (the statement's kind and
table, never its values), the limit, and the query that finds the blocking session.
"""

import re
from dataclasses import dataclass

LOCK = "lock"
STATEMENT = "statement"
SILENT = "silent"

# MySQL/MariaDB: lock wait timeout (metadata and row locks), MariaDB max_statement_time,
# MySQL max_execution_time; 2013 is the client's read timeout ("Lost connection ..."), the same
# server numbers under pymysql and mysqlclient.
_MYSQL_CODES = {1205: LOCK, 1969: STATEMENT, 3024: STATEMENT}
_MYSQL_LOST_CONNECTION = 2013
# PostgreSQL SQLSTATEs: lock_not_available (lock_timeout), query_canceled (statement_timeout).
_PG_LOCK_NOT_AVAILABLE = "55P03"
_PG_QUERY_CANCELED = "57014"

#: A table after INTO, FROM, …; a function read FROM (``json_to_recordset(…)``) is not one.
_TARGET = re.compile(
    r"\b(?:INTO|UPDATE|TABLE)\s+[`\"]?(\w+)|\b(?:FROM|JOIN)\s+[`\"]?(\w+)\b(?![`\"]?\s*\()", re.IGNORECASE
)
#: The write inside a ``WITH …`` statement, which is what such a statement does (the first one: an
#: upsert's ``DO UPDATE SET`` comes after its ``INSERT INTO``).
_WRITE = re.compile(r"\b(INSERT|UPDATE|DELETE)\s+(?:INTO\s+|FROM\s+)?[`\"]?(\w+)", re.IGNORECASE)
_KIND = re.compile(r"^\s*(\w+)")

BLOCKER_QUERIES = {
    "mysql": (
        "SHOW FULL PROCESSLIST; SELECT * FROM information_schema.INNODB_TRX; "
        "SHOW OPEN TABLES WHERE In_use > 0; then, if that session is stuck, KILL <Id>"
    ),
    "postgresql": (
        "SELECT a.pid, a.usename, a.application_name, a.state, a.xact_start, left(a.query, 80) "
        "FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
        "WHERE l.granted AND l.relation = '{table}'::regclass; "
        "then, if that session is stuck, SELECT pg_terminate_backend(<pid>)"
    ),
    "sqlite": "another process has the SQLite file open in a write transaction; stop it or wait for it",
}


class DatabaseTimeout(Exception):
    """A database wait hit its limit; the message says which, on what, and how to find the blocker."""


@dataclass(frozen=True)
class TimeoutPolicy:
    """One engine's limits, with the variables that set them, for messages."""

    database_setting: str
    lock_seconds: float
    lock_setting: str
    statement_seconds: float
    statement_setting: str
    connect_seconds: float
    connect_setting: str = "DB_CONNECT_TIMEOUT_SECONDS"


def wait_kind(dialect: str, error: BaseException, read_deadline_passed: bool = False) -> str | None:
    """LOCK, STATEMENT or SILENT when ``error`` is a driver error for a limit that fired; else None.

    pymysql says "timed out" when its read timeout fires; mysqlclient reports a bare lost
    connection, as for a killed one, so its caller says whether the read waited its whole limit.
    """
    if dialect == "mysql":
        code = error.args[0] if error.args and isinstance(error.args[0], int) else None
        if code == _MYSQL_LOST_CONNECTION and ("timed out" in str(error) or read_deadline_passed):
            return SILENT
        return _MYSQL_CODES.get(code)
    if dialect == "postgresql":
        code = getattr(error, "pgcode", None)
        if code == _PG_LOCK_NOT_AVAILABLE:
            return LOCK
        if code == _PG_QUERY_CANCELED and "statement timeout" in str(error):
            return STATEMENT
        return None
    if dialect == "sqlite":
        return LOCK if "database is locked" in str(error) else None
    return None


def describe_statement(sql: str | None) -> tuple[str, str | None]:
    """The statement's kind (SELECT, INSERT, …) and its first table; never its values."""
    if not sql:
        return "statement", None
    kind = _KIND.match(sql)
    verb = kind.group(1).upper() if kind else "statement"
    if verb == "WITH" and (write := _WRITE.search(sql)):
        return write.group(1).upper(), write.group(2)
    target = _TARGET.search(sql)
    return verb, (target.group(1) or target.group(2) if target else None)


def timeout_message(dialect: str, kind: str, sql: str | None, policy: TimeoutPolicy) -> str:
    verb, table = describe_statement(sql)
    article = "an" if verb[0] in "AEIOU" else "a"
    what = f"{article} {verb} on {table}" if table else f"{article} {verb}"
    if kind == LOCK:
        waited = f"waited {policy.lock_seconds:g} s for a lock held by another session ({policy.lock_setting})"
    elif kind == STATEMENT:
        waited = f"ran for {policy.statement_seconds:g} s, its limit ({policy.statement_setting}), and was cancelled"
    else:
        waited = (
            f"got no answer from the server within {policy.statement_seconds + policy.connect_seconds:g} s "
            f"({policy.statement_setting} + {policy.connect_setting})"
        )
    blockers = BLOCKER_QUERIES.get(dialect, "").format(table=table or "<table>")
    return (
        f"{policy.database_setting}: {what} {waited}. Nothing of this transaction was written. "
        f"Find the blocking session with: {blockers}. Or raise the limit if the work is legitimately slow."
    )
