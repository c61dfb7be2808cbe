"""The JodGig reader process: what it reads, how its errors and its death reach the batch, and that a
batch writes exactly what it writes without it (SPEC §3, §8)."""

import gc
import os
import signal
import time

import pytest
import sqlalchemy as sa

from employer_sync_pipeline.db.engines import create_jodgig_engine, create_platform_engine
from employer_sync_pipeline.db.limits import ConnectionLimits
from employer_sync_pipeline.demo.generator import DEMO_OBSOLETE_COMPANY_IDS, generate_demo_data
from employer_sync_pipeline.domain.timezone import TimezoneService
from employer_sync_pipeline.sync import batch, reader_process
from employer_sync_pipeline.sync.employer_batch import sync_employer_batch
from employer_sync_pipeline.sync.failure_reporting import NoReporter
from employer_sync_pipeline.sync.reader_process import ChunkLoader, ReaderProcess, ReaderProcessFailed
from employer_sync_pipeline.sync.source_rules import Databases, SourceRules

from ..support.platform_state import comparable_state
from ..support.servers import create_platform_database, drop_platform_database

LIMITS = ConnectionLimits(connect=5, jodgig_statement=7, platform_lock=5, platform_statement=30)
#: A child that does not answer within this fails the test instead of hanging it.
BOUND_SECONDS = 10


@pytest.fixture
def source(jodgig_db):
    engine = create_jodgig_engine(jodgig_db.reader_url, LIMITS)
    yield engine
    engine.dispose()


def loader(source, read) -> ChunkLoader:
    return ChunkLoader(source, read, prepare=tuple)


def session_of_reader(conn, user_ids):
    """Where and how a chunk was read: the process, and the JodGig session's limits."""
    read_only, statement_time = conn.exec_driver_sql("SELECT @@tx_read_only, @@max_statement_time").one()
    return os.getpid(), user_ids, read_only, float(statement_time)


def test_chunks_are_read_in_another_process_with_the_engines_session_and_limits(source):
    with source.connect() as conn:  # a pooled connection of the parent, which the child must not use
        parent_session = conn.exec_driver_sql("SELECT CONNECTION_ID()").scalar_one()
    with ReaderProcess(loader(source, session_of_reader)) as reader:
        answers = []
        for chunk in [(1, 2), (3,), (4, 5, 6)]:
            reader.submit(chunk)
            answers.append(reader.result())

    assert [user_ids for _, user_ids, _, _ in answers] == [(1, 2), (3,), (4, 5, 6)]
    assert {pid for pid, _, _, _ in answers} != {os.getpid()} and len({pid for pid, *_ in answers}) == 1
    assert {(read_only, statement_time) for _, _, read_only, statement_time in answers} == {(1, 7.0)}
    with source.connect() as conn:
        assert conn.exec_driver_sql("SELECT CONNECTION_ID()").scalar_one() == parent_session, "the pool is intact"


def test_two_readers_take_the_chunks_in_turn_and_return_them_in_order(source):
    chunks = [(1, 2), (3,), (4, 5, 6), (7,), (8, 9)]
    with ReaderProcess(loader(source, session_of_reader), count=2) as reader:
        first, second = reader._children
        reader.submit(chunks[0])
        reader.submit(chunks[1])
        answers = []
        for index in range(len(chunks)):
            answers.append(reader.result())
            if index + 2 < len(chunks):
                reader.submit(chunks[index + 2])
        closing = time.monotonic()
    # Idle children see their pipes close and exit at once: none is waited out and killed.
    assert time.monotonic() - closing < 1
    assert [user_ids for _, user_ids, _, _ in answers] == chunks
    assert [pid for pid, *_ in answers] == [first.pid, second.pid] * 2 + [first.pid]
    for child in (first, second):
        with pytest.raises(ProcessLookupError):
            os.kill(child.pid, 0)


def dies_on_the_second_chunk(conn, user_ids):
    if user_ids == (2,):
        os.kill(os.getpid(), signal.SIGKILL)
    return user_ids


def collector_of_reader(conn, user_ids):
    """Whether the reader's collector runs on its own, and how many full collections it has made."""
    return gc.isenabled(), gc.get_stats()[2]["collections"]


@pytest.mark.parametrize("collecting", [True, False], ids=["collector on", "collector off"])
def test_collection_is_paused_while_the_readers_live_and_made_every_few_chunks(source, monkeypatch, collecting):
    monkeypatch.setattr(reader_process, "COLLECT_EVERY", 2)
    (gc.enable if collecting else gc.disable)()
    try:
        with ReaderProcess(loader(source, collector_of_reader)) as reader:
            answers, parent = [], []
            for chunk in [(1,), (2,), (3,), (4,)]:
                reader.submit(chunk)
                answers.append(reader.result())
                parent.append(gc.get_stats()[2]["collections"])
                assert not gc.isenabled()
        assert gc.isenabled() is collecting, "the collector is as it was before"
    finally:
        gc.enable()
    assert {enabled for enabled, _ in answers} == {False}
    child = [collections for _, collections in answers]
    assert child[1] == child[0] and child[2] == child[1] + 1, "the reader collects after every second chunk"
    assert [after - parent[0] for after in parent] == [0, 1, 1, 2], "so does the batch's process"


def test_a_second_reader_that_dies_fails_the_batch_when_its_chunk_is_due(source):
    started = time.monotonic()
    with pytest.raises(ReaderProcessFailed, match=r"killed by signal 9"):
        with ReaderProcess(loader(source, dies_on_the_second_chunk), count=2) as reader:
            reader.submit((1,))
            reader.submit((2,))
            assert reader.result() == (1,)
            reader.result()
    assert time.monotonic() - started < BOUND_SECONDS


def fails_with_a_database_error(conn, user_ids):
    conn.exec_driver_sql("SELECT no_such_column FROM users")


def test_an_error_in_the_reader_is_raised_in_the_batch_as_it_was(source):
    with pytest.raises(sa.exc.OperationalError, match="no_such_column") as raised:
        with ReaderProcess(loader(source, fails_with_a_database_error)) as reader:
            reader.submit((1,))
            reader.result()

    note = "\n".join(raised.value.__notes__)
    assert "raised in the JodGig reader process" in note and "fails_with_a_database_error" in note


class NotPicklable(Exception):
    def __init__(self, reason, detail):
        super().__init__(f"{reason}: {detail}")


def fails_with_an_unpicklable_error(conn, user_ids):
    raise NotPicklable("the facts were odd", "user 1")


def test_an_error_that_cannot_travel_is_raised_as_its_text(source):
    with pytest.raises(ReaderProcessFailed, match="NotPicklable: the facts were odd: user 1"):
        with ReaderProcess(loader(source, fails_with_an_unpicklable_error)) as reader:
            reader.submit((1,))
            reader.result()


def dies(conn, user_ids):
    os.kill(os.getpid(), signal.SIGKILL)


def test_a_reader_that_dies_fails_the_batch_at_once_saying_so(source):
    started = time.monotonic()
    with pytest.raises(ReaderProcessFailed, match=r"killed by signal 9 \(SIGKILL\).*the next run covers its window"):
        with ReaderProcess(loader(source, dies)) as reader:
            reader.submit((1,))
            reader.result()
    assert time.monotonic() - started < BOUND_SECONDS


def reads_forever(conn, user_ids):
    conn.exec_driver_sql("SELECT SLEEP(60)")


def test_a_batch_that_fails_ends_its_busy_reader(source):
    with pytest.raises(RuntimeError, match="the batch failed"):
        with ReaderProcess(loader(source, reads_forever)) as reader:
            reader.submit((1,))
            pid = reader._children[0].pid
            raise RuntimeError("the batch failed")

    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def sync_both_ways(jodgig_db, platform_url, monkeypatch, with_reader: bool):
    monkeypatch.setattr(batch, "can_fork", lambda: with_reader)
    monkeypatch.setattr(batch, "WRITE_CHUNK", 500)
    source, platform = create_jodgig_engine(jodgig_db.reader_url, LIMITS), create_platform_engine(platform_url, LIMITS)
    try:
        dbs = Databases(source, platform, SourceRules(DEMO_OBSOLETE_COMPANY_IDS, TimezoneService()))
        with source.connect() as conn:
            ids = conn.execute(sa.text("SELECT id FROM users WHERE role <> 'TALENT' ORDER BY company_id, id")).scalars().all()
        return sync_employer_batch(dbs, ids, NoReporter(), defer=frozenset())
    finally:
        source.dispose()
        platform.dispose()


def test_a_batch_writes_the_same_with_and_without_the_reader_process(jodgig_db, monkeypatch):
    with jodgig_db.writer.begin() as conn:
        generate_demo_data(conn, scale=1)
    platforms = [create_platform_database(), create_platform_database()]
    try:
        with_reader = sync_both_ways(jodgig_db, platforms[0].url, monkeypatch, with_reader=True)
        in_process = sync_both_ways(jodgig_db, platforms[1].url, monkeypatch, with_reader=False)
        states = [comparable_state(platform.engine) for platform in platforms]
    finally:
        for platform in platforms:
            drop_platform_database(platform)

    assert with_reader.selected > 3 * 500, "several chunks, so the reader process ran"
    outcome = lambda record: (record.remote_gig_user_id, record.scope_set, record.outcome, record.failure)  # noqa: E731
    assert [outcome(r) for r in with_reader.records] == [outcome(r) for r in in_process.records]
    assert with_reader.table_rows == in_process.table_rows
    assert states[0] == states[1]
