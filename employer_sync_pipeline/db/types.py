"""Column types shared by the table definitions, portable to SQLite."""

from datetime import datetime, timezone

import sqlalchemy as sa
from sqlalchemy.dialects import mysql, postgresql

#: A MySQL ``BIGINT UNSIGNED`` key; SQLite only auto-increments ``INTEGER PRIMARY KEY``.
UnsignedBigInt = (
    sa.BigInteger().with_variant(mysql.BIGINT(unsigned=True), "mysql").with_variant(sa.Integer(), "sqlite")
)

#: A PostgreSQL ``BIGSERIAL``/``BIGINT`` key, auto-incrementing on SQLite too.
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

TinyInt = sa.SmallInteger().with_variant(mysql.TINYINT(), "mysql")

Json = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


class UtcDateTime(sa.types.TypeDecorator):
    """``TIMESTAMPTZ``: stores aware datetimes as UTC and always returns them aware.

    SQLite keeps no zone, so values are normalised to UTC on the way in and
    tagged as UTC on the way out; that also keeps SQLite's text comparison of
    timestamps (used by the upsert guards) in chronological order.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r} given for a UTC column")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)
