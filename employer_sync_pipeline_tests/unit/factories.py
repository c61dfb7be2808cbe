"""Plain domain records for unit tests."""

from datetime import datetime

from employer_sync_pipeline.domain.records import Company, JodgigUser, Outlet

T0 = datetime(2026, 3, 1, 9, 0)


def user(id: int = 1, role: str = "HQ_MANAGER", company_id: int | None = 10, **values) -> JodgigUser:
    fields = {"email": f"u{id}@example.com", "first_name": "Ada", "last_name": "Tan", "mobile": None,
              "status": 1, "is_deleted": 0, "created_at": T0, "updated_at": T0}
    return JodgigUser(id=id, role=role, company_id=company_id, **{**fields, **values})


def company(id: int = 10, **values) -> Company:
    fields = {"name": f"Company {id}", "uen": None, "status": 1, "owner_user_id": None, "deleted_at": None}
    return Company(id=id, **{**fields, **values})


def outlet(id: int = 100, company_id: int = 10, **values) -> Outlet:
    fields = {"name": f"Outlet {id}", "address": None, "status": 1, "deleted_at": None}
    return Outlet(id=id, company_id=company_id, **{**fields, **values})
