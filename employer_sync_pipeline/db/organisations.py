"""``org_organisations`` and ``org_outlets``: every read and write of organisations and their outlets.

Writes are set-based and never commit: the caller owns the transaction.
"""

from collections.abc import Collection, Iterable, Mapping
from functools import lru_cache, partial

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..domain.mapping import storable_text
from ..domain.records import Company, Outlet
from .id_lists import execute_with_ids, one_of
from .platform_tables import ACTIVE, DEACTIVATED, org_organisations, org_outlets
from .upsert import find_ids, upsert_returning_ids

def upsert_organisations(conn: Connection, companies: Iterable[Company]) -> tuple[dict[int, int], int]:
    """Active organisations for live companies: (company id → organisation id, rows written)."""
    values = [
        {"remote_gig_company_id": c.id, "name": storable_text(c.name), "uen": storable_text(c.uen), "status": ACTIVE}
        for c in companies
    ]
    ids, written = upsert_returning_ids(
        conn, org_organisations, values, ["remote_gig_company_id"], ["name", "uen", "status"]
    )
    return {key[0]: org_id for key, org_id in ids.items()}, written


def find_organisation_ids(conn: Connection, company_ids: Collection[int]) -> dict[int, int]:
    found = find_ids(conn, org_organisations, ["remote_gig_company_id"], {(i,) for i in company_ids})
    return {key[0]: org_id for key, org_id in found.items()}


def deactivate_organisations(conn: Connection, company_ids: Collection[int]) -> int:
    return _deactivate(conn, org_organisations, org_organisations.c.remote_gig_company_id, company_ids)


def upsert_outlets(
    conn: Connection, outlets: Iterable[Outlet], organisation_ids: Mapping[int, int]
) -> tuple[dict[int, int], int]:
    """Active outlets: (JodGig outlet id → org outlet id, rows written)."""
    values = [
        {
            "remote_gig_outlet_id": o.id,
            "organisation_id": organisation_ids[o.company_id],
            "name": storable_text(o.name),
            "address": storable_text(o.address),
            "status": ACTIVE,
        }
        for o in outlets
    ]
    ids, written = upsert_returning_ids(
        conn, org_outlets, values, ["remote_gig_outlet_id"], ["organisation_id", "name", "address", "status"]
    )
    return {key[0]: outlet_id for key, outlet_id in ids.items()}, written


def deactivate_outlets(conn: Connection, outlet_ids: Collection[int]) -> int:
    return _deactivate(conn, org_outlets, org_outlets.c.remote_gig_outlet_id, outlet_ids)


def _deactivate(conn: Connection, table: sa.Table, key: sa.Column, remote_ids: Collection[int]) -> int:
    if not remote_ids:
        return 0
    return execute_with_ids(conn, partial(_deactivation, table, key), remote_ids).rowcount


@lru_cache(maxsize=None)
def _deactivation(table: sa.Table, key: sa.Column, form: str) -> sa.Update:
    """Built once per form: a re-sync of a company with closed outlets sends it every time."""
    return (
        sa.update(table)
        .where(one_of(form, key, "ids"), table.c.status == ACTIVE)
        .values(status=DEACTIVATED, updated_at=sa.func.now())
    )
