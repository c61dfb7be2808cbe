"""The platform on one pinned connection: reads without a transaction of their own, writes atomic."""

import pytest
import sqlalchemy as sa

from employer_sync_pipeline.db.engines import create_platform_engine
from employer_sync_pipeline.db.platform_tables import org_organisations
from employer_sync_pipeline.settings import Settings
from employer_sync_pipeline.sync.one_connection import one_connection

OWN_TRANSACTION = sa.text("SELECT transaction_timestamp() = statement_timestamp()")


@pytest.fixture
def platform(platform_db):
    engine = create_platform_engine(platform_db.url, Settings.from_env({}).limits)
    yield engine
    engine.dispose()


def test_a_read_is_its_own_transaction_with_no_begin_or_rollback_sent(platform):
    with one_connection(platform) as pinned:
        with pinned.connect() as conn:
            assert conn.execute(OWN_TRANSACTION).scalar_one(), "no BEGIN before the read"
            assert conn.execute(OWN_TRANSACTION).scalar_one()
        with pinned.begin() as conn:
            conn.execute(sa.text("SELECT pg_sleep(0.01)"))
            assert not conn.execute(OWN_TRANSACTION).scalar_one(), "a write block is one transaction"


def test_a_write_block_that_fails_leaves_nothing_and_the_next_read_works(platform):
    row = {"remote_gig_company_id": 1, "name": "Acme", "uen": None, "status": "active"}
    with one_connection(platform) as pinned:
        with pytest.raises(RuntimeError):
            with pinned.begin() as conn:
                conn.execute(sa.insert(org_organisations), row)
                raise RuntimeError("the write fails after its first statement")
        with pinned.connect() as conn:
            assert conn.execute(sa.select(sa.func.count()).select_from(org_organisations)).scalar_one() == 0
