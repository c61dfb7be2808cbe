"""The platform's state as two databases can compare it, whatever their histories."""

import sqlalchemy as sa

from employer_sync_pipeline.db.platform_snapshot import read_platform_state


def comparable_state(engine: sa.Engine) -> dict[str, set[tuple]]:
    """Every platform table but ``gig_sync_logs``, as sets of tuples keyed by JodGig ids.

    Surrogate ids, ``created_at`` and ``updated_at`` are left out: they depend on history.
    """
    with engine.connect() as conn:
        state = read_platform_state(conn)
    # The columns in table order, status where each table has it (the convergence test reads them so).
    return {
        "identities": {(key, *rest[:5], status, *rest[5:]) for key, (status, *rest) in state.identities.items()},
        "organisations": {(key, *rest, status) for key, (status, *rest) in state.organisations.items()},
        "outlets": {(key, *rest, status) for key, (status, *rest) in state.outlets.items()},
        "memberships": {(company, user, role) for (company, user), role in state.memberships.items()},
        "assignments": set(state.assignments),
    }
