"""Reading JodGig rows at driver speed: DATETIMEs decoded cheaply.

Decoding rows is most of what reading JodGig costs, because pymysql is pure Python. Its DATETIME
converter matches a regular expression and builds the value from its parts; the C-level
``datetime.fromisoformat`` gives the same value for everything MySQL sends, several times
faster (``benchmarks/bench_reads.py``). A value it cannot parse, such as MySQL's zero date,
still goes to pymysql's converter, which returns it as the string it is.
"""

from datetime import datetime

from pymysql import converters
from pymysql.constants import FIELD_TYPE
from sqlalchemy.engine import Connection


def decode_datetime(text: str) -> datetime | str:
    """A MySQL DATETIME or TIMESTAMP as pymysql's converter decodes it, only cheaper."""
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return converters.convert_datetime(text)


def use_cheap_datetimes(conn: Connection) -> Connection:
    """Decode DATETIMEs on this pooled pymysql connection with :func:`decode_datetime`; returns ``conn``.

    Other drivers (the embedded SQLite) are left alone. pymysql picks its converters per
    result, so this holds from the next statement on.
    """
    decoders = getattr(conn.connection.dbapi_connection, "decoders", None)
    if decoders is not None:
        decoders[FIELD_TYPE.DATETIME] = decode_datetime
        decoders[FIELD_TYPE.TIMESTAMP] = decode_datetime
    return conn
