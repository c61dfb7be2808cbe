"""Settings and limits: every bad value is an error naming its variable, never echoing a URL."""

from datetime import timedelta

import pytest

from employer_sync_pipeline.db.engines import mysql_session_limits
from employer_sync_pipeline.db.limits import ConnectionLimits
from employer_sync_pipeline.db.timeouts import LOCK, STATEMENT, TimeoutPolicy, describe_statement, timeout_message
from employer_sync_pipeline.settings import (
    SETTINGS_VARIABLES, CodeLocationSettings, Settings, SettingsError, failed_record_max_age,
)

LIMITS = ConnectionLimits(connect=10, jodgig_statement=300, platform_lock=30, platform_statement=300)


def test_defaults_bound_every_wait():
    settings = Settings.from_env({})
    assert settings.limits == LIMITS
    assert settings.jit_limits == ConnectionLimits(connect=5, jodgig_statement=5, platform_lock=2, platform_statement=5)
    assert (settings.run_limits.incremental_seconds, settings.run_limits.full_refresh_seconds) == (2700, 14400)


@pytest.mark.parametrize(
    ("env", "names"),
    [
        ({"JODGIG_TIMEZONE": "Mars/Olympus_Mons"}, ["JODGIG_TIMEZONE", "'Mars/Olympus_Mons'", "Asia/Singapore"]),
        ({"DB_CONNECT_TIMEOUT_SECONDS": "-3"}, ["DB_CONNECT_TIMEOUT_SECONDS", "positive number"]),
        ({"PLATFORM_LOCK_TIMEOUT_SECONDS": "0"}, ["PLATFORM_LOCK_TIMEOUT_SECONDS", "positive number"]),
        ({"JODGIG_STATEMENT_TIMEOUT_SECONDS": "five"}, ["JODGIG_STATEMENT_TIMEOUT_SECONDS", "'five'"]),
        ({"PLATFORM_STATEMENT_TIMEOUT_SECONDS": "inf"}, ["PLATFORM_STATEMENT_TIMEOUT_SECONDS"]),
        ({"JIT_TIMEOUT_SECONDS": "nan"}, ["JIT_TIMEOUT_SECONDS"]),
        ({"SYNC_MAX_RUNTIME_SECONDS": "1h"}, ["SYNC_MAX_RUNTIME_SECONDS"]),
        ({"JODGIG_OBSOLETE_COMPANY_IDS": "3,x"}, ["JODGIG_OBSOLETE_COMPANY_IDS"]),
        ({"PLATFORM_DATABASE_URL": "host=db password=s3cret"}, ["PLATFORM_DATABASE_URL", "not a SQLAlchemy"]),
        ({"PLATFORM_DATABASE_URL": "postgresql://u:s3cret@db/platform"}, ["PLATFORM_DATABASE_URL", "'psycopg'"]),
        ({"PLATFORM_DATABASE_URL": "mysql+pymysql://u:s3cret@db/platform"}, ["PLATFORM_DATABASE_URL", "'mysql'"]),
        ({"JODGIG_DATABASE_URL": "postgresql+psycopg2://u:s3cret@db/jodgig"}, ["JODGIG_DATABASE_URL", "mysql"]),
        ({"JODGIG_DATABASE_URL": "oracle://u:s3cret@db/jodgig"}, ["JODGIG_DATABASE_URL"]),
        ({"SENTRY_DSN": "s3cret-key-without-a-host"}, ["SENTRY_DSN", "Client Keys"]),
    ],
    ids=["unknown-zone", "negative", "zero", "not-a-number", "infinite", "nan", "runtime-with-unit",
         "bad-ids", "not-a-url", "psycopg3", "platform-on-mysql", "jodgig-on-postgres", "unsupported", "sentry-dsn"],
)
def test_a_bad_setting_names_its_variable_and_never_the_secret(env, names):
    with pytest.raises(SettingsError) as raised:
        Settings.from_env(env)
    message = str(raised.value)
    for name in names:
        assert name in message
    assert "s3cret" not in message


def test_the_code_location_checks_its_zone_and_runtimes():
    with pytest.raises(SettingsError, match="JODGIG_TIMEZONE"):
        CodeLocationSettings.from_env({"JODGIG_TIMEZONE": "Mars/Olympus_Mons"})
    assert CodeLocationSettings.from_env({"SYNC_MAX_RUNTIME_SECONDS": "600"}).run_limits.incremental_seconds == 600


def test_jit_limits_tighten_but_never_loosen():
    tight = LIMITS.tightened(lock=2, total=5)
    assert (tight.connect, tight.jodgig_statement, tight.platform_lock, tight.platform_statement) == (5, 5, 2, 5)
    loose = ConnectionLimits(1, 1, 1, 1).tightened(lock=2, total=5)
    assert loose == ConnectionLimits(1, 1, 1, 1)


@pytest.mark.parametrize(
    ("version", "setting", "value"),
    [("10.11.19-MariaDB-0+deb12u1", "max_statement_time", 300), ("8.0.36", "max_execution_time", 300000)],
    ids=["mariadb-seconds", "mysql8-milliseconds"],
)
def test_jodgig_sessions_get_the_statement_limit_of_their_server(version, setting, value):
    sql, params = mysql_session_limits(version, LIMITS)
    assert setting in sql and "lock_wait_timeout" in sql
    assert params == (value, 300, 300)


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("SELECT users.id FROM users WHERE users.email = %(e)s", ("SELECT", "users")),
        ("INSERT INTO identities_users (email) VALUES (%(e)s) ON CONFLICT", ("INSERT", "identities_users")),
        ("UPDATE org_memberships SET role=%(r)s", ("UPDATE", "org_memberships")),
        ("  delete from org_outlet_assignments where id = 1", ("DELETE", "org_outlet_assignments")),
        ("WITH staged AS (SELECT decoded.id FROM json_to_recordset(CAST(%(rows)s AS JSON)) AS decoded(id BIGINT)), "
         "written AS (INSERT INTO identities_users (id) SELECT staged.id FROM staged RETURNING identities_users.id) "
         "SELECT written.id FROM written", ("INSERT", "identities_users")),
        ("SELECT wanted.email FROM unnest(CAST(%(p)s AS TEXT[])) AS wanted(email) JOIN identities_users ON true",
         ("SELECT", "identities_users")),
        (None, ("statement", None)),
    ],
    ids=["select", "insert", "update", "delete", "a write in a WITH", "from a function", "unknown"],
)
def test_a_timed_out_statement_is_described_by_kind_and_table_only(sql, expected):
    assert describe_statement(sql) == expected


def test_a_timeout_message_names_the_variable_the_wait_the_limit_and_the_blocker_query():
    policy = TimeoutPolicy("PLATFORM_DATABASE_URL", 30, "PLATFORM_LOCK_TIMEOUT_SECONDS", 300,
                           "PLATFORM_STATEMENT_TIMEOUT_SECONDS", 10)
    sql = "UPDATE identities_users SET email = %(email)s WHERE id = %(id)s"
    lock = timeout_message("postgresql", LOCK, sql, policy)
    assert lock.startswith("PLATFORM_DATABASE_URL: an UPDATE on identities_users waited 30 s for a lock")
    assert "PLATFORM_LOCK_TIMEOUT_SECONDS" in lock and "'identities_users'::regclass" in lock
    assert "%(email)s" not in lock
    statement = timeout_message("postgresql", STATEMENT, sql, policy)
    assert "ran for 300 s" in statement and "PLATFORM_STATEMENT_TIMEOUT_SECONDS" in statement


def test_the_failed_record_age_limit_is_a_day_unless_set():
    assert failed_record_max_age({}) == timedelta(days=1)
    assert failed_record_max_age({"FAILED_RECORD_MAX_AGE_SECONDS": "3600"}) == timedelta(hours=1)
    with pytest.raises(SettingsError, match="FAILED_RECORD_MAX_AGE_SECONDS must be a positive number"):
        failed_record_max_age({"FAILED_RECORD_MAX_AGE_SECONDS": "a week"})


def test_the_jit_limits_name_the_variable_that_set_them():
    tight = LIMITS.tightened(lock=2, total=5)
    assert (tight.platform_lock_setting, tight.platform_statement_setting, tight.connect_setting,
            tight.jodgig_statement_setting) == ("JIT_LOCK_TIMEOUT_SECONDS", "JIT_TIMEOUT_SECONDS",
                                                "JIT_TIMEOUT_SECONDS", "JIT_TIMEOUT_SECONDS")
    loose = ConnectionLimits(1, 1, 1, 1).tightened(lock=2, total=5)
    assert loose.platform_lock_setting == "PLATFORM_LOCK_TIMEOUT_SECONDS"
    assert loose.connect_setting == "DB_CONNECT_TIMEOUT_SECONDS"


class _RecordingEnvironment(dict):
    def __init__(self, *args):
        super().__init__(*args)
        self.read: set[str] = set()

    def get(self, key, default=None):
        self.read.add(key)
        return super().get(key, default)

    def __getitem__(self, key):
        self.read.add(key)
        return super().__getitem__(key)


def test_the_process_settings_are_kept_under_every_variable_they_read():
    env = _RecordingEnvironment()
    Settings.from_env(env)
    assert env.read <= set(SETTINGS_VARIABLES)


def test_the_process_settings_follow_the_environment(monkeypatch):
    monkeypatch.setenv("JIT_TIMEOUT_SECONDS", "3")
    first = Settings.from_env()
    assert Settings.from_env() is first
    monkeypatch.setenv("JIT_TIMEOUT_SECONDS", "4")
    assert Settings.from_env().jit_limits.jodgig_statement == 4
    monkeypatch.setenv("JIT_TIMEOUT_SECONDS", "0")
    with pytest.raises(SettingsError, match="JIT_TIMEOUT_SECONDS"):
        Settings.from_env()
