"""JodGig source tables (``sql/jodgig_schema.sql``), column for column.

DATETIME columns hold JodGig local wall-clock time with no zone; they are
converted only through :class:`~employer_sync_pipeline.domain.timezone.TimezoneService`.
"""

import sqlalchemy as sa

from .types import TinyInt, UnsignedBigInt

metadata = sa.MetaData()

companies = sa.Table(
    "companies",
    metadata,
    sa.Column("id", UnsignedBigInt, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("uen", sa.String(20)),
    sa.Column("status", TinyInt, nullable=False, server_default="1"),
    sa.Column("owner_user_id", UnsignedBigInt),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
    sa.Column("deleted_at", sa.DateTime),
    sa.Index("idx_companies_updated_at", "updated_at"),
)

outlets = sa.Table(
    "outlets",
    metadata,
    sa.Column("id", UnsignedBigInt, primary_key=True, autoincrement=True),
    sa.Column("company_id", UnsignedBigInt, nullable=False),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("address", sa.String(500)),
    sa.Column("status", TinyInt, nullable=False, server_default="1"),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
    sa.Column("deleted_at", sa.DateTime),
    sa.Index("idx_outlets_company_id", "company_id"),
    sa.Index("idx_outlets_updated_at", "updated_at"),
)

users = sa.Table(
    "users",
    metadata,
    sa.Column("id", UnsignedBigInt, primary_key=True, autoincrement=True),
    sa.Column("role", sa.String(32), nullable=False),
    sa.Column("email", sa.String(255)),
    sa.Column("first_name", sa.String(100)),
    sa.Column("last_name", sa.String(100)),
    sa.Column("mobile", sa.String(32)),
    sa.Column("company_id", UnsignedBigInt),
    sa.Column("status", TinyInt, nullable=False, server_default="1"),
    sa.Column("is_deleted", TinyInt, nullable=False, server_default="0"),
    sa.Column("last_login_at", sa.DateTime),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("updated_at", sa.DateTime),
    sa.Index("idx_users_updated_at", "updated_at"),
    sa.Index("idx_users_company_id", "company_id"),
    sa.Index("idx_users_role", "role"),
    sa.Index("idx_users_last_login_at", "last_login_at"),
)

super_hq_external_companies = sa.Table(
    "super_hq_external_companies",
    metadata,
    sa.Column("user_id", UnsignedBigInt, primary_key=True, autoincrement=False),
    sa.Column("company_id", UnsignedBigInt, primary_key=True, autoincrement=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
    sa.Index("idx_shec_company_id", "company_id"),
    sa.Index("idx_shec_updated_at", "updated_at"),
)

outlet_user = sa.Table(
    "outlet_user",
    metadata,
    sa.Column("outlet_id", UnsignedBigInt, primary_key=True, autoincrement=False),
    sa.Column("user_id", UnsignedBigInt, primary_key=True, autoincrement=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
    sa.Index("idx_outlet_user_user_id", "user_id"),
    sa.Index("idx_outlet_user_updated_at", "updated_at"),
)
