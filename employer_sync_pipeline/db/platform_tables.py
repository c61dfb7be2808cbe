"""Platform target tables (``sql/platform_schema.sql``), column for column."""

import sqlalchemy as sa

from .types import BigId, Json, UtcDateTime

metadata = sa.MetaData()

ACTIVE = "active"
DEACTIVATED = "deactivated"
_STATUS_CHECK = "status IN ('active', 'deactivated')"


def _bookkeeping_columns() -> list[sa.Column]:
    return [
        sa.Column("created_at", UtcDateTime, nullable=False, server_default=sa.func.now()),
        sa.Column("updated_at", UtcDateTime, nullable=False, server_default=sa.func.now()),
    ]


identities_users = sa.Table(
    "identities_users",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("remote_gig_user_id", sa.BigInteger, nullable=False, unique=True),
    sa.Column("kind", sa.String(16), sa.CheckConstraint("kind IN ('talent', 'employer')"), nullable=False),
    sa.Column("email", sa.String(255), nullable=False),
    sa.Column("first_name", sa.String(100)),
    sa.Column("last_name", sa.String(100)),
    sa.Column("phone_number", sa.String(16)),
    sa.Column("status", sa.String(16), sa.CheckConstraint(_STATUS_CHECK), nullable=False),
    sa.Column("remote_created_at", UtcDateTime, nullable=False),
    sa.Column("remote_updated_at", UtcDateTime, nullable=False),
    *_bookkeeping_columns(),
)
sa.Index(
    "index_identities_users_on_kind_and_email_active",
    identities_users.c.kind,
    identities_users.c.email,
    unique=True,
    postgresql_where=identities_users.c.status == ACTIVE,
    sqlite_where=identities_users.c.status == ACTIVE,
)

org_organisations = sa.Table(
    "org_organisations",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("remote_gig_company_id", sa.BigInteger, nullable=False, unique=True),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("uen", sa.String(20)),
    sa.Column("status", sa.String(16), sa.CheckConstraint(_STATUS_CHECK), nullable=False),
    *_bookkeeping_columns(),
)

org_outlets = sa.Table(
    "org_outlets",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("remote_gig_outlet_id", sa.BigInteger, nullable=False, unique=True),
    sa.Column("organisation_id", sa.BigInteger, sa.ForeignKey("org_organisations.id"), nullable=False),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("address", sa.String(500)),
    sa.Column("status", sa.String(16), sa.CheckConstraint(_STATUS_CHECK), nullable=False),
    *_bookkeeping_columns(),
)

org_memberships = sa.Table(
    "org_memberships",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("organisation_id", sa.BigInteger, sa.ForeignKey("org_organisations.id"), nullable=False),
    sa.Column("identities_user_id", sa.BigInteger, sa.ForeignKey("identities_users.id"), nullable=False),
    sa.Column(
        "role", sa.String(16), sa.CheckConstraint("role IN ('owner', 'admin', 'manager')"), nullable=False
    ),
    *_bookkeeping_columns(),
    sa.UniqueConstraint("organisation_id", "identities_user_id"),
)
sa.Index(
    "index_org_memberships_one_owner",
    org_memberships.c.organisation_id,
    unique=True,
    postgresql_where=org_memberships.c.role == "owner",
    sqlite_where=org_memberships.c.role == "owner",
)

org_outlet_assignments = sa.Table(
    "org_outlet_assignments",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column(
        "org_membership_id",
        sa.BigInteger,
        sa.ForeignKey("org_memberships.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("org_outlet_id", sa.BigInteger, sa.ForeignKey("org_outlets.id"), nullable=False),
    *_bookkeeping_columns(),
    sa.UniqueConstraint("org_membership_id", "org_outlet_id"),
)

gig_sync_logs = sa.Table(
    "gig_sync_logs",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column(
        "origin_table",
        sa.String(64),
        sa.CheckConstraint("origin_table IN ('jodgig_users_talents', 'jodgig_users_employers')"),
        nullable=False,
    ),
    sa.Column("destination_table", sa.String(64), nullable=False),
    sa.Column(
        "sync_mode",
        sa.String(16),
        sa.CheckConstraint("sync_mode IN ('incremental', 'full_refresh', 'backfill')"),
        nullable=False,
    ),
    sa.Column("is_successful", sa.Boolean, nullable=False),
    sa.Column("watermark_from", UtcDateTime),
    sa.Column("watermark_to", UtcDateTime, nullable=False),
    sa.Column("started_at", UtcDateTime, nullable=False),
    sa.Column("finished_at", UtcDateTime, nullable=False),
    sa.Column("records_selected", sa.Integer, nullable=False, server_default="0"),
    sa.Column("records_synced", sa.Integer, nullable=False, server_default="0"),
    sa.Column("records_deactivated", sa.Integer, nullable=False, server_default="0"),
    sa.Column("records_skipped", sa.Integer, nullable=False, server_default="0"),
    sa.Column("records_failed", sa.Integer, nullable=False, server_default="0"),
    sa.Column("fail_log", Json, nullable=False, server_default=sa.text("'[]'")),
    sa.Column("scope_counts", Json, nullable=False, server_default=sa.text("'{}'")),
    sa.Column("run_id", sa.String(64)),
    sa.Column("created_at", UtcDateTime, nullable=False, server_default=sa.func.now()),
    sa.Index(
        "index_gig_sync_logs_on_watermark_lookup",
        "origin_table",
        "destination_table",
        "is_successful",
        "watermark_to",
    ),
)
