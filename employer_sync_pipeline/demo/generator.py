"""The deterministic demo JodGig data set (SPEC §9).

It reproduces the production audit's seven-set counts (SPEC §2) exactly, times a
scale factor, together with the legacy dirt the sync must cope with. Every value
comes from one seeded ``random.Random``, so a seed always gives the same rows.
Rows are built in memory, then bulk-inserted through SQLAlchemy Core; the caller
creates the tables and owns the transaction.
"""

import random
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa

from ..db import jodgig_tables as jodgig
from ..domain.scope import (
    HQ_MANAGER,
    JOD_ADMIN,
    OUTLET_MANAGER,
    SUPER_HQ_EXTERNAL,
    TALENT,
    ScopeSet,
    count_scope_sets,
)
from . import values

DEMO_OBSOLETE_COMPANY_IDS: frozenset[int] = frozenset(range(1, 12))
DEMO_SCOPE_COUNTS: dict[str, int] = {
    "G": 1616, "S": 72, "S_invalid": 6, "A": 1, "B": 1, "C": 57, "D": 0, "E": 1157, "F": 348,
}  # fmt: skip
_TALENTS_PER_SCALE = 3000
_JOD_ADMIN_USERS = 3
_DELETED_COMPANIES_PER_SCALE = 3
_FOREIGN_OWNERS = 2
_DANGLING_OUTLET_LINKS = 2
_NULL_EMAILS_PER_SCALE = 5
_DUPLICATE_PAIRS_PER_SCALE = 2
_INVALID_EMAILS = ("user{id}-no-at-sign.example.com", "user{id}@@x.com", "user {id}@x.com")
_INSERT_CHUNK = 5000


@dataclass(frozen=True)
class DemoSummary:
    """How many rows of each kind were written, and the employers' set counts."""

    companies: int
    outlets: int
    employers: int
    talents: int
    super_hq_pivots: int
    outlet_users: int
    scope_counts: dict[str, int]


def generate_demo_data(connection: sa.engine.Connection, scale: int = 1, seed: int = 20260310) -> DemoSummary:
    """Insert the demo data set (``DEMO_SCOPE_COUNTS`` times ``scale``) into empty JodGig tables."""
    demo = _DemoBuilder(random.Random(seed), scale)
    demo.build()
    tables = (
        (jodgig.companies, demo.companies),
        (jodgig.outlets, demo.outlets),
        (jodgig.users, [user.row for user in demo.users]),
        (jodgig.super_hq_external_companies, demo.pivots),
        (jodgig.outlet_user, demo.outlet_users),
    )
    for table, rows in tables:
        for start in range(0, len(rows), _INSERT_CHUNK):
            connection.execute(table.insert(), rows[start : start + _INSERT_CHUNK])
    return demo.summary()


@dataclass(slots=True)
class _PlannedUser:
    row: dict
    scope: ScopeSet | None  # None for talents and admins
    pivot_company_ids: list[int] = field(default_factory=list)  # super-HQ users only


class _DemoBuilder:
    """Builds every row in memory; company and outlet ids are their list position + 1."""

    def __init__(self, rng: random.Random, scale: int):
        self.rng = rng
        self.scale = scale
        self.companies: list[dict] = []
        self.outlets: list[dict] = []
        self.outlets_of: dict[int, list[dict]] = {}
        self.company_ids: dict[str, list[int]] = {"obsolete": [], "live": [], "disabled": [], "deleted": []}
        self.outlet_only_company_ids: set[int] = set()
        self.users: list[_PlannedUser] = []
        self.members_of: dict[int, list[_PlannedUser]] = {}
        self.pivots: list[dict] = []
        self.outlet_users: list[dict] = []
        self.missing_company_id = 0

    def build(self) -> None:
        self._add_obsolete_companies()
        self._add_other_companies()
        self._add_disabled_and_deleted_employers_of_live_companies()
        self._add_employers_without_company()
        self._add_talents_and_admins()
        self._number_users_by_creation()
        self._add_emails()
        self._add_owners()
        self._add_outlet_users()
        self._add_pivots()

    def summary(self) -> DemoSummary:
        scopes = [user.scope for user in self.users if user.scope is not None]
        return DemoSummary(
            companies=len(self.companies),
            outlets=len(self.outlets),
            employers=len(scopes),
            talents=sum(user.row["role"] == TALENT for user in self.users),
            super_hq_pivots=len(self.pivots),
            outlet_users=len(self.outlet_users),
            scope_counts=count_scope_sets(scopes),
        )

    def _count(self, scope_key: str) -> int:
        return DEMO_SCOPE_COUNTS[scope_key] * self.scale

    # Companies and outlets

    def _add_obsolete_companies(self) -> None:
        for company_id in sorted(DEMO_OBSOLETE_COMPANY_IDS):
            self._add_company(company_id, "obsolete")
        for _ in range(self._count("C")):
            company_id = self.rng.choice(self.company_ids["obsolete"])
            self._add_employer(ScopeSet.C, company_id, self._role(company_id), status=self._mostly_enabled())

    def _add_other_companies(self) -> None:
        """Live companies staffed with G (a few empty), disabled ones with E, soft-deleted ones empty; interleaved."""
        plan = [("live", size) for size in self._company_sizes(self._count("G"))]
        plan += [("live", 0)] * (len(plan) // 20)
        plan += [("disabled", size) for size in self._company_sizes(self._count("E"))]
        plan += [("deleted", 0)] * (_DELETED_COMPANIES_PER_SCALE * self.scale)
        self.rng.shuffle(plan)
        for company_id, (kind, size) in enumerate(plan, start=len(self.companies) + 1):
            self._add_company(company_id, kind)
            if kind == "live" and size and self.rng.random() < 0.03:
                self.outlet_only_company_ids.add(company_id)
            scope = ScopeSet.G if kind == "live" else ScopeSet.E
            for index in range(size):
                status = 1 if scope is ScopeSet.G else self._mostly_enabled()
                self._add_employer(scope, company_id, self._role(company_id, first=index == 0), status=status)
        self.missing_company_id = len(self.companies) + 1000

    def _company_sizes(self, employers: int) -> list[int]:
        """Employers per company: 1..12, about 4 on average, summing to ``employers``."""
        sizes: list[int] = []
        remaining = employers
        while remaining > 0:
            sizes.append(min(remaining, 12, int(self.rng.triangular(1, 13, 1))))
            remaining -= sizes[-1]
        return sizes

    def _add_company(self, company_id: int, kind: str) -> None:
        created = self._moment()
        updated = self._moment(created)
        self.companies.append({
            "id": company_id,
            "name": values.company_name(self.rng),
            "uen": values.uen(self.rng, created),
            "status": 0 if kind == "disabled" else 1,
            "owner_user_id": None,
            "created_at": created,
            "updated_at": updated,
            "deleted_at": updated if kind == "deleted" else None,
        })  # fmt: skip
        self.company_ids[kind].append(company_id)
        for _ in range(self.rng.randint(1, 5)):
            self._add_outlet(company_id, created)

    def _add_outlet(self, company_id: int, company_created: datetime) -> None:
        created = self._moment(company_created)
        updated = self._moment(created)
        liveness = self.rng.random()
        outlet = {
            "id": len(self.outlets) + 1,
            "company_id": company_id,
            "name": values.outlet_name(self.rng),
            "address": values.address(self.rng),
            "status": 0 if liveness < 0.08 else 1,
            "created_at": created,
            "updated_at": updated,
            "deleted_at": updated if liveness > 0.93 else None,
        }
        self.outlets.append(outlet)
        self.outlets_of.setdefault(company_id, []).append(outlet)

    # Users

    def _add_disabled_and_deleted_employers_of_live_companies(self) -> None:
        staffed = [company_id for company_id in self.company_ids["live"] if company_id in self.members_of]
        for _ in range(self._count("F")):
            company_id = self.rng.choice(staffed)
            self._add_employer(ScopeSet.F, company_id, self._role(company_id), status=0)
        for _ in range(self._count("A")):
            company_id = self.rng.choice(staffed)
            self._add_employer(ScopeSet.A, company_id, self._role(company_id), is_deleted=1)

    def _add_employers_without_company(self) -> None:
        for _ in range(self._count("B")):
            self._add_employer(ScopeSet.B, self.missing_company_id, HQ_MANAGER)
        live = self.company_ids["live"]
        for _ in range(self._count("S") - self._count("S_invalid")):
            extra = self.rng.sample(range(1, len(self.companies) + 1), self.rng.randint(0, 2))
            self._add_super_hq(ScopeSet.S, [self.rng.choice(live), *extra])
        # One per way of being invalid (user status, pivot companies), per scale unit: these six are S_invalid.
        invalid_ways = (
            (0, live), (1, self.company_ids["disabled"]), (1, self.company_ids["obsolete"]),
            (1, self.company_ids["deleted"]), (1, [self.missing_company_id]), (1, []),
        )  # fmt: skip
        for status, pool in invalid_ways * self.scale:
            pivots = self.rng.sample(pool, min(len(pool), self.rng.randint(1, 2)))
            self._add_super_hq(ScopeSet.S_INVALID, pivots, status)

    def _add_super_hq(self, scope: ScopeSet, pivot_company_ids: list[int], status: int = 1) -> None:
        user = self._add_user(SUPER_HQ_EXTERNAL, None, scope, status=status)
        user.pivot_company_ids = list(dict.fromkeys(pivot_company_ids))

    def _add_talents_and_admins(self) -> None:
        for _ in range(_TALENTS_PER_SCALE * self.scale):
            draw = self.rng.random()
            self._add_user(TALENT, None, None, status=0 if draw < 0.06 else 1, is_deleted=int(draw > 0.98))
        for _ in range(_JOD_ADMIN_USERS):
            self._add_user(JOD_ADMIN, None, None)

    def _role(self, company_id: int, first: bool = False) -> str:
        """HQ for a company's first employer, else about one in four; outlet-only companies have none."""
        if company_id in self.outlet_only_company_ids:
            return OUTLET_MANAGER
        return HQ_MANAGER if first or self.rng.random() < 0.25 else OUTLET_MANAGER

    def _add_employer(self, scope: ScopeSet, company_id: int, role: str, **flags: int) -> None:
        user = self._add_user(role, company_id, scope, **flags)
        self.members_of.setdefault(company_id, []).append(user)

    def _add_user(
        self, role: str, company_id: int | None, scope: ScopeSet | None, status: int = 1, is_deleted: int = 0
    ) -> _PlannedUser:
        created = self._moment()
        row = {
            "id": None,
            "role": role,
            "email": None,
            "first_name": values.first_name(self.rng),
            "last_name": values.last_name(self.rng),
            "mobile": values.mobile(self.rng),
            "company_id": company_id,
            "status": status,
            "is_deleted": is_deleted,
            "last_login_at": self._moment(created) if self.rng.random() < 0.5 else None,
            "created_at": created,
            "updated_at": None if self.rng.random() < 0.01 else self._moment(created),
        }
        user = _PlannedUser(row, scope)
        self.users.append(user)
        return user

    def _number_users_by_creation(self) -> None:
        self.users.sort(key=lambda user: user.row["created_at"])
        for user_id, user in enumerate(self.users, start=1):
            user.row["id"] = user_id

    def _add_emails(self) -> None:
        """Unique e-mails from the user id, then the dirt: invalid and duplicate in G, NULL out of scope."""
        for user in self.users:
            user.row["email"] = values.email(self.rng, user.row["id"])
        in_g = [user.row for user in self.users if user.scope is ScopeSet.G]
        invalid_count = len(_INVALID_EMAILS) * self.scale
        dirty = self.rng.sample(in_g, invalid_count + 2 * _DUPLICATE_PAIRS_PER_SCALE * self.scale)
        for index, row in enumerate(dirty[:invalid_count]):
            row["email"] = _INVALID_EMAILS[index % len(_INVALID_EMAILS)].format(id=row["id"])
        duplicates = dirty[invalid_count:]
        for pair, (first, second) in enumerate(zip(duplicates[::2], duplicates[1::2])):
            first["email"], second["email"] = f"Dup.Pair{pair}@Example.com", f"  dup.pair{pair}@example.com "
        skipped = [user.row for user in self.users if user.scope in (ScopeSet.C, ScopeSet.E, ScopeSet.F)]
        for row in self.rng.sample(skipped, _NULL_EMAILS_PER_SCALE * self.scale):
            row["email"] = None

    # Links between users and companies

    def _add_owners(self) -> None:
        for kind, scope in (("obsolete", ScopeSet.C), ("live", ScopeSet.G), ("disabled", ScopeSet.E)):
            for company_id in self.company_ids[kind]:
                self.companies[company_id - 1]["owner_user_id"] = self._pick_owner(company_id, scope)
        owned = [company_id for company_id in self.company_ids["live"] if self._hq_ids(company_id, ScopeSet.G)]
        chosen = self.rng.sample(owned, 2 * _FOREIGN_OWNERS)
        for company_id, other_company_id in zip(chosen[::2], chosen[1::2]):
            foreign_owner = self.rng.choice(self._hq_ids(other_company_id, ScopeSet.G))
            self.companies[company_id - 1]["owner_user_id"] = foreign_owner

    def _pick_owner(self, company_id: int, scope: ScopeSet) -> int | None:
        """Mostly one of the company's HQ managers in ``scope``; sometimes none, or a disabled one."""
        candidates = self._hq_ids(company_id, scope)
        disabled = self._hq_ids(company_id, ScopeSet.F)
        draw = self.rng.random()
        if not candidates or draw < 0.08:
            return None
        return self.rng.choice(disabled if draw < 0.13 and disabled else candidates)

    def _hq_ids(self, company_id: int, scope: ScopeSet) -> list[int]:
        members = self.members_of.get(company_id, [])
        return [user.row["id"] for user in members if user.scope is scope and user.row["role"] == HQ_MANAGER]

    def _add_outlet_users(self) -> None:
        for user in self.users:
            if user.row["role"] in (HQ_MANAGER, OUTLET_MANAGER):
                self._link_outlets(user.row)
        in_g = [user.row for user in self.users if user.scope is ScopeSet.G]
        for index, row in enumerate(self.rng.sample(in_g, _DANGLING_OUTLET_LINKS)):
            self.outlet_users.append(self._link(row, outlet_id=len(self.outlets) + 1000 + index))

    def _link_outlets(self, user_row: dict) -> None:
        """0..3 outlets of the user's company, of which about 2% are swapped for any company's outlet."""
        own = self.outlets_of.get(user_row["company_id"], [])
        chosen = self.rng.sample(own, min(len(own), self.rng.randint(0, 3)))
        outlet_ids = [
            outlet["id"] if self.rng.random() >= 0.02 else self.rng.choice(self.outlets)["id"] for outlet in chosen
        ]
        for outlet_id in dict.fromkeys(outlet_ids):
            self.outlet_users.append(self._link(user_row, outlet_id=outlet_id))

    def _add_pivots(self) -> None:
        for user in self.users:
            self.pivots.extend(self._link(user.row, company_id=company_id) for company_id in user.pivot_company_ids)

    def _link(self, user_row: dict, **target: int) -> dict:
        """A pivot or ``outlet_user`` row of the user, made after the user was."""
        created = self._moment(user_row["created_at"])
        return {"user_id": user_row["id"], **target, "created_at": created, "updated_at": self._moment(created)}

    def _moment(self, after: datetime = values.START) -> datetime:
        return values.moment(self.rng, after)

    def _mostly_enabled(self) -> int:
        return 0 if self.rng.random() < 0.15 else 1
