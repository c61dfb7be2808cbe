"""Builds JodGig rows for tests, with defaults that make a G employer."""

from datetime import datetime, timedelta
from itertools import count

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from employer_sync_pipeline.db import jodgig_tables as t
from employer_sync_pipeline.db.jodgig_queries import source_clock_utc
from employer_sync_pipeline.domain.timezone import TimezoneService

BASE_TIME = datetime(2026, 3, 1, 9, 0, 0)


class JodgigFactory:
    """Inserts rows through the writer engine; every timestamp is JodGig local time."""

    def __init__(self, writer: Engine):
        self.writer = writer
        self._ids = count(1)

    def _next(self) -> int:
        return next(self._ids)

    def company(self, **values) -> int:
        company_id = values.pop("id", None) or self._next()
        row = {"id": company_id, "name": f"Company {company_id}", "uen": f"2019{company_id:05d}K", "status": 1,
               "owner_user_id": None, "created_at": BASE_TIME, "updated_at": BASE_TIME, "deleted_at": None}
        self._insert(t.companies, {**row, **values})
        return company_id

    def outlet(self, company_id: int, **values) -> int:
        outlet_id = values.pop("id", None) or self._next()
        row = {"id": outlet_id, "company_id": company_id, "name": f"Outlet {outlet_id}", "address": "1 Main St",
               "status": 1, "created_at": BASE_TIME, "updated_at": BASE_TIME, "deleted_at": None}
        self._insert(t.outlets, {**row, **values})
        return outlet_id

    def user(self, role: str = "HQ_MANAGER", company_id: int | None = None, **values) -> int:
        user_id = values.pop("id", None) or self._next()
        row = {"id": user_id, "role": role, "email": f"user{user_id}@example.com", "first_name": "Ada",
               "last_name": "Tan", "mobile": "9123 4567", "company_id": company_id, "status": 1, "is_deleted": 0,
               "last_login_at": None, "created_at": BASE_TIME + timedelta(minutes=user_id),
               "updated_at": BASE_TIME + timedelta(minutes=user_id)}
        self._insert(t.users, {**row, **values})
        return user_id

    def pivot(self, user_id: int, company_id: int, **values) -> None:
        row = {"user_id": user_id, "company_id": company_id, "created_at": BASE_TIME, "updated_at": BASE_TIME}
        self._insert(t.super_hq_external_companies, {**row, **values})

    def outlet_user(self, outlet_id: int, user_id: int, **values) -> None:
        row = {"outlet_id": outlet_id, "user_id": user_id, "created_at": BASE_TIME, "updated_at": BASE_TIME}
        self._insert(t.outlet_user, {**row, **values})

    def update(self, table: sa.Table, row_id: int, **values) -> None:
        with self.writer.begin() as conn:
            conn.execute(sa.update(table).where(table.c.id == row_id).values(**values))

    def delete_outlet_user(self, outlet_id: int, user_id: int) -> None:
        ou = t.outlet_user
        with self.writer.begin() as conn:
            conn.execute(sa.delete(ou).where(ou.c.outlet_id == outlet_id, ou.c.user_id == user_id))

    def local_now(self) -> datetime:
        """JodGig's clock as local wall-clock time: what a row changed now carries."""
        with self.writer.connect() as conn:
            return TimezoneService().to_local(source_clock_utc(conn))

    def _insert(self, table: sa.Table, row: dict) -> None:
        with self.writer.begin() as conn:
            conn.execute(sa.insert(table).values(**row))
