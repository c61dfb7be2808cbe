"""The two syncs as data: what differs between employers and talents, and nothing else.

Like the seeds' generic batch processor: the run steps, the Dagster graph and
the batch processor are shared; a ``SyncDefinition`` plugs in selection,
classification and the batch writer.
"""

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy.engine import Connection

from ..db import jodgig_queries as jq
from ..domain.scope import empty_scope_counts
from ..domain.talent import empty_talent_counts
from .employer_batch import sync_employer_batch
from .failure_reporting import FailureReporter
from .reconciliation import Reconciliation, reconcile_employers, reconcile_talents
from .results import BatchResult
from .source_rules import Databases
from .talent_batch import sync_talent_batch

#: (connection, lower, upper, retry ids) → selected id → raw e-mail, in batching order.
SelectChanged = Callable[[Connection, datetime | None, datetime, Collection[int]], dict[int, str | None]]


class SyncBatch(Protocol):
    """Sync a batch of JodGig user ids; ``defer`` as in :func:`~.identity.settle_emails`."""

    def __call__(
        self, dbs: Databases, user_ids: Sequence[int], reporter: FailureReporter, defer: Collection[int] | None = None
    ) -> BatchResult: ...


@dataclass(frozen=True)
class SyncDefinition:
    name: str
    origin_table: str
    select_changed: SelectChanged
    empty_scope_counts: Callable[[], dict[str, int]]
    sync_batch: SyncBatch
    scope_labels: Mapping[str, str]
    written_tables: tuple[str, ...]
    #: What the hourly job does, for its description in the UI.
    description: str
    #: JodGig's users in scope against the platform's active identities of this kind, everywhere.
    reconcile: Callable[[Databases], Reconciliation]
    #: Who is in scope, for the reconciliation check's description.
    in_scope: str


EMPLOYER_SYNC = SyncDefinition(
    name="employer",
    origin_table="jodgig_users_employers",
    select_changed=jq.select_changed_employers,
    empty_scope_counts=empty_scope_counts,
    sync_batch=sync_employer_batch,
    scope_labels={
        "G": "G: user enabled, company live (migrate)",
        "S": "S: super-HQ external (migrate when valid)",
        "S_invalid": "S_invalid: of which invalid (skip)",
        "A": "A: user deleted",
        "B": "B: no company",
        "C": "C: obsolete company",
        "D": "D: company deleted",
        "E": "E: company disabled",
        "F": "F: user disabled",
    },
    written_tables=(
        "identities_users",
        "org_organisations",
        "org_outlets",
        "org_memberships",
        "org_outlet_assignments",
        "gig_sync_logs",
    ),
    description="Hourly incremental sync of JodGig employers into the platform (SPEC §3–§5).",
    reconcile=reconcile_employers,
    in_scope="employers in scope in JodGig (G + valid S)",
)

TALENT_SYNC = SyncDefinition(
    name="talent",
    origin_table="jodgig_users_talents",
    select_changed=jq.select_changed_talents,
    empty_scope_counts=empty_talent_counts,
    sync_batch=sync_talent_batch,
    scope_labels={
        "T": "T: talent enabled (migrate)",
        "T_deleted": "T_deleted: talent deleted (skip)",
        "T_disabled": "T_disabled: talent disabled (skip)",
    },
    written_tables=("identities_users", "org_memberships", "gig_sync_logs"),
    description="Hourly incremental sync of JodGig talents into identities_users (SPEC §7).",
    reconcile=reconcile_talents,
    in_scope="talents in scope (T)",
)

#: Every sync: the jobs, schedules, JIT jobs and checks are built for each entry.
SYNCS = (EMPLOYER_SYNC, TALENT_SYNC)
