"""mysqlclient is optional: nothing needs it but a mysql+mysqldb URL, which says how to install it without it."""

import subprocess
import sys
from datetime import datetime

import pytest

from employer_sync_pipeline.db.engines import mysqldb_read_timeout
from employer_sync_pipeline.db.jodgig_reads import decode_datetime, mysqldb_conversions
from employer_sync_pipeline.db.limits import ConnectionLimits
from employer_sync_pipeline.db.timeouts import SILENT, wait_kind
from employer_sync_pipeline.settings import Settings, SettingsError

from ..support.servers import require_jodgig_driver

#: Importing MySQLdb fails in this process, as where the extra is not installed.
WITHOUT_MYSQLCLIENT = "import sys; sys.modules['MySQLdb'] = None; "


class LostConnection(Exception):
    """The shape of both drivers' OperationalError 2013."""


@pytest.mark.parametrize("url", ["mysql+mysqldb://sync:s3cret@db/jodgig", "mysql://sync:s3cret@db/jodgig"],
                         ids=["mysqldb", "bare-mysql"])
def test_a_mysqldb_url_without_mysqlclient_names_the_extra_to_install(monkeypatch, url):
    monkeypatch.setitem(sys.modules, "MySQLdb", None)
    with pytest.raises(SettingsError) as raised:
        Settings.from_env({"JODGIG_DATABASE_URL": url})
    message = str(raised.value)
    assert message.startswith("JODGIG_DATABASE_URL asks for the driver 'mysqldb', which is not installed;")
    assert "pip install -e '.[mysqlclient]'" in message and "mysql+pymysql://" in message
    assert "s3cret" not in message


def test_the_definitions_load_without_mysqlclient():
    load = "import employer_sync_pipeline.definitions as d; d.defs.get_job_def('employer_sync_job'); print('loaded')"
    done = subprocess.run([sys.executable, "-c", WITHOUT_MYSQLCLIENT + load], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "loaded"


def test_a_pymysql_url_needs_no_mysqlclient(monkeypatch):
    monkeypatch.setitem(sys.modules, "MySQLdb", None)
    url = "mysql+pymysql://sync:s3cret@db/jodgig"
    assert Settings.from_env({"JODGIG_DATABASE_URL": url}).jodgig_database_url == url


def test_mysqlclient_reads_wait_whole_seconds_as_long_as_a_statement_plus_the_connect_limit():
    limits = ConnectionLimits(connect=10, jodgig_statement=300, platform_lock=30, platform_statement=300)
    assert mysqldb_read_timeout(limits) == 310
    assert mysqldb_read_timeout(ConnectionLimits(0.5, 0.7, 1, 1)) == 2


@pytest.mark.parametrize(
    ("message", "deadline_passed", "kind"),
    [
        ("Lost connection to MySQL server during query (timed out)", False, SILENT),  # pymysql
        ("Lost connection to server during query", True, SILENT),  # mysqlclient, its read limit waited out
        ("Lost connection to server during query", False, None),  # either, killed
    ],
    ids=["pymysql-read-timeout", "mysqlclient-read-timeout", "killed"],
)
def test_a_lost_connection_is_a_silent_server_only_when_the_read_waited_its_limit(message, deadline_passed, kind):
    assert wait_kind("mysql", LostConnection(2013, message), deadline_passed) == kind


def test_mysqlclient_decodes_datetimes_with_the_pymysql_decoder_and_keeps_its_other_converters():
    require_jodgig_driver("mysqldb")
    from MySQLdb.constants import FIELD_TYPE
    from MySQLdb.converters import conversions as mysqlclient_own

    conversions = mysqldb_conversions()
    assert conversions[FIELD_TYPE.DATETIME] is decode_datetime is conversions[FIELD_TYPE.TIMESTAMP]
    assert conversions[FIELD_TYPE.DATETIME]("0000-00-00 00:00:00") == "0000-00-00 00:00:00"
    assert conversions[FIELD_TYPE.DATETIME]("2026-03-01 09:00:00.5") == datetime(2026, 3, 1, 9, 0, 0, 500000)
    others = set(mysqlclient_own) - {FIELD_TYPE.DATETIME, FIELD_TYPE.TIMESTAMP}
    assert {key: conversions[key] for key in others} == {key: mysqlclient_own[key] for key in others}
