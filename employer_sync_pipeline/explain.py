"""Explain one user (SPEC §10): why they are, or are not, what they are in the platform.

    from employer_sync_pipeline.explain import explain_employer
    explanation = explain_employer(1234)   # Explanation(scope_set='G', rule='8 G: ...', owners=..., ...)
    explanation.as_json()                  # the same, as one JSON-ready dict

Settings come from the environment as for the sync. It never writes: JodGig is read through
the read-only engine, the platform through read-only connections. E-mails, names and phones are
masked unless ``show_pii`` is true.
"""

from collections.abc import Callable

from .domain.explanation import Explanation
from .settings import Settings
from .sync.databases import jodgig_engine_and_rules, platform_engine
from .sync.source_rules import Databases
from .sync.user_explainer import explain_employer as _explain_employer
from .sync.user_explainer import explain_talent as _explain_talent

__all__ = ["Explanation", "explain_employer", "explain_talent"]


def explain_employer(remote_gig_user_id: int, show_pii: bool = False) -> Explanation:
    """The set, rule, owners, wanted and platform rows, guard and failures of one employer."""
    return _explain(_explain_employer, remote_gig_user_id, show_pii)


def explain_talent(remote_gig_user_id: int, show_pii: bool = False) -> Explanation:
    """The set, rule, identity, guard and failures of one talent."""
    return _explain(_explain_talent, remote_gig_user_id, show_pii)


def _explain(explain: Callable[[Databases, int, bool], Explanation], user_id: int, show_pii: bool) -> Explanation:
    settings = Settings.from_env()
    source, rules = jodgig_engine_and_rules(settings)
    dbs = Databases(source, platform_engine(settings), rules)
    try:
        return explain(dbs, user_id, show_pii)
    finally:
        dbs.source.dispose()
        dbs.platform.dispose()
