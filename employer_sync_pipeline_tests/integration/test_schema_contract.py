"""The Core table definitions match the spec DDL column for column, on the real servers."""

import hashlib
from pathlib import Path

import pytest
import sqlalchemy as sa

from employer_sync_pipeline.db import jodgig_tables, platform_tables


PROJECT = Path(__file__).resolve().parents[2]
SHARED_SPEC = PROJECT.parent / "shared" / "spec"


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


#: The repository's copies of the spec (the shared spec wins where they differ) and their sources.
SPEC_COPIES = {
    "SPEC.md": PROJECT / "docs" / "SPEC.md",
    "jodgig_schema.sql": PROJECT / "employer_sync_pipeline" / "sql" / "jodgig_schema.sql",
    "platform_schema.sql": PROJECT / "employer_sync_pipeline" / "sql" / "platform_schema.sql",
}


def recorded_digests() -> dict[str, str]:
    """``docs/spec.sha256``: the digests of the spec version the copies were taken from."""
    lines = (PROJECT / "docs" / "spec.sha256").read_text().splitlines()
    return {Path(path).name: digest for digest, path in (line.split(maxsplit=1) for line in lines)}


@pytest.mark.parametrize("name", sorted(SPEC_COPIES))
def test_the_repository_copy_of_the_spec_is_current(name):
    """Against ``../shared/spec`` where it is beside the project (CI), else against the recorded digest."""
    copy = SPEC_COPIES[name].read_bytes()
    shared = SHARED_SPEC / name
    if shared.exists():
        assert copy == shared.read_bytes(), f"{SPEC_COPIES[name]} differs from {shared}: copy the shared one"
    assert hashlib.sha256(copy).hexdigest() == recorded_digests()[name], "update docs/spec.sha256 with the copy"
