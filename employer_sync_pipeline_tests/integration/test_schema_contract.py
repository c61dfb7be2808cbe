"""The Core table definitions match the spec DDL column for column, on the real servers."""

from pathlib import Path

import pytest
import sqlalchemy as sa

from employer_sync_pipeline.db import jodgig_tables, platform_tables

from ..support.servers import ddl

SHARED_SPEC = Path(__file__).resolve().parents[3] / "shared" / "spec"


def describe(column_type) -> str:
    """Type family, length and time zone, whatever the dialect spells it."""
    if isinstance(column_type, sa.types.TypeDecorator):
        column_type = column_type.impl
    if isinstance(column_type, sa.DateTime):
        return f"datetime(tz={bool(column_type.timezone)})"
    python_type = {sa.String: "string", sa.Boolean: "bool", sa.JSON: "json"}
    for family, name in python_type.items():
        if isinstance(column_type, family):
            return f"{name}({getattr(column_type, 'length', '') or ''})"
    if isinstance(column_type, sa.Integer):
        return "integer"
    return type(column_type).__name__


def reflected(engine, metadata: sa.MetaData) -> dict:
    inspector = sa.inspect(engine)
    return {
        table: [(c["name"], c["nullable"], describe(c["type"])) for c in inspector.get_columns(table)]
        for table in metadata.tables
    }


def declared(metadata: sa.MetaData, dialect) -> dict:
    return {
        name: [(c.name, c.nullable, describe(c.type.dialect_impl(dialect))) for c in table.columns]
        for name, table in metadata.tables.items()
    }


def test_jodgig_tables_match_the_ddl(jodgig_db):
    expected = reflected(jodgig_db.writer, jodgig_tables.metadata)
    assert declared(jodgig_tables.metadata, jodgig_db.writer.dialect) == expected


def test_platform_tables_match_the_ddl(platform_db):
    expected = reflected(platform_db.engine, platform_tables.metadata)
    assert declared(platform_tables.metadata, platform_db.engine.dialect) == expected


@pytest.mark.parametrize("name", ["jodgig_schema.sql", "platform_schema.sql"])
def test_packaged_ddl_is_the_spec_ddl(name):
    if not SHARED_SPEC.exists():
        pytest.skip(f"no ../shared/spec beside the project at {SHARED_SPEC}")
    assert ddl(name) == (SHARED_SPEC / name).read_text()
