"""An explanation as a readable summary for a terminal."""

from .explanation import (
    AssignmentComparison,
    CompanyFacts,
    Explanation,
    LoggedFailure,
    MembershipComparison,
    UserFacts,
)


def render_explanation(explanation: Explanation) -> str:
    """The explanation as lines of text: facts, set and rule, owners, differences, identity, failures."""
    e = explanation
    lines = [
        f"{e.kind.capitalize()} {e.user_id}: " + (f"set {e.scope_set}, by rule {e.rule}" if e.scope_set else e.rule),
        f"The next sync: {e.outcome}; its identity row: {e.identity_change}",
    ]
    if e.error is not None:
        lines.append(f"It would fail: {e.error.error}: {e.error.message}")
    if e.facts is not None:
        lines += ["", "JodGig facts", *_user_lines(e.facts)]
        if e.kind == "employer":
            lines += _company_lines(e)
    if e.owners:
        lines += ["", "Resolved owners"]
        for o in e.owners:
            lines += [
                f"  company {o.company_id}: {_user_or_none(o.owner_user_id)} "
                f"(candidates in seniority order: {_ids(o.candidate_ids)})",
                f"    because {o.detail}",
            ]
    lines += ["", "Memberships (JodGig company: role)", *_membership_lines(e.memberships)]
    if e.kind == "employer":
        lines += ["", "Outlet assignments (JodGig outlet ids)", *_assignment_lines(e.assignments)]
    lines += ["", "Identity", *_identity_lines(e)]
    lines += ["", "Failures in the sync log, newest first"]
    lines += [
        f"  {f.finished_at.isoformat()} {f.sync_mode} run {f.run_id or '-'} (sync log {f.sync_log_id}): "
        f"{f.error}: {f.message}\n    {_streak(f)}"
        for f in e.failures
    ] or ["  none"]
    return "\n".join(lines)


def _streak(f: LoggedFailure) -> str:
    if f.failed_runs == 1:
        return "its first failure in a row"
    return (
        f"failed {f.failed_runs} runs in a row, since {f.first_failed_at.isoformat()} "
        f"(run {f.first_failed_run_id or '-'})"
    )


def _user_lines(u: UserFacts) -> list[str]:
    return [
        f"  user: role {u.role}, status {u.status}, is_deleted {u.is_deleted}, company_id {_or_null(u.company_id)}",
        f"        email {_or_null(u.email)}, name {_or_null(u.first_name)} {_or_null(u.last_name)}, "
        f"mobile {_or_null(u.mobile)}",
        f"        created_at {u.created_at}, updated_at {_or_null(u.updated_at)} (JodGig local time)",
    ]


def _company_lines(e: Explanation) -> list[str]:
    lines = [f"  company: {_company(e.company)}" if e.company else "  company: none (company_id is NULL)"]
    lines += [f"  pivot: {_company(p)}" for p in e.pivots] or ["  pivots: none"]
    lines += [
        f"  outlet link {link.outlet_id}"
        + (f" (company {link.company_id}, {'live' if link.live else 'not live'})" if link.outlet_exists else "")
        + f": {link.note}"
        for link in e.outlet_links
    ] or ["  outlet links: none"]
    return lines


def _company(c: CompanyFacts) -> str:
    if not c.exists:
        return f"{c.company_id}: no such company" + (", on the obsolete list" if c.obsolete else "")
    return (
        f"{c.company_id} {c.name!r}: status {c.status}, deleted_at {_or_null(c.deleted_at)}, "
        f"{'obsolete' if c.obsolete else 'not obsolete'}: {'live' if c.live else 'not live'}; "
        f"owner_user_id {_or_null(c.owner_user_id)}"
    )


def _membership_lines(m: MembershipComparison) -> list[str]:
    wanted = "nothing written (see above)" if m.wanted is None else _pairs((w.company_id, w.role) for w in m.wanted)
    platform = _pairs((p.company_id, f"{p.role} ({p.organisation_status} organisation)") for p in m.platform)
    changes = _pairs((c.company_id, f"{c.platform_role} → {c.wanted_role}") for c in m.role_changes)
    return [
        f"  wanted:   {wanted}",
        f"  platform: {platform}",
        f"  to add: {_pairs((a.company_id, a.role) for a in m.to_add)}; to delete: {_ids(m.to_delete)}; "
        f"role changes: {changes}",
    ]


def _assignment_lines(a: AssignmentComparison) -> list[str]:
    wanted = "nothing written (see above)" if a.wanted is None else _ids(a.wanted)
    platform = ", ".join(f"{p.outlet_id} (company {p.company_id}, {p.outlet_status})" for p in a.platform) or "-"
    return [
        f"  wanted:   {wanted}",
        f"  platform: {platform}",
        f"  to add: {_ids(a.to_add)}; to delete: {_ids(a.to_delete)}",
    ]


def _identity_lines(e: Explanation) -> list[str]:
    i, n, g = e.identity, e.incoming_identity, e.guard
    lines = [f"  platform: id {i.id}, {i.kind}, {i.status}, {_identity_values(i)}" if i else "  platform: none"]
    if n is not None:
        lines.append(f"  incoming: {n.kind}, {_identity_values(n)}")
    lines.append(f"  guard: {'skips the update (the platform row is newer)' if g.skips_update else 'does not skip'}")
    return lines


def _identity_values(row) -> str:
    return (
        f"email {row.email}, name {_or_null(row.first_name)} {_or_null(row.last_name)}, "
        f"phone {_or_null(row.phone_number)}, remote_updated_at {row.remote_updated_at.isoformat()}"
    )


def _pairs(pairs) -> str:
    return ", ".join(f"{key}: {value}" for key, value in pairs) or "-"


def _ids(ids) -> str:
    return ", ".join(str(i) for i in ids) or "-"


def _user_or_none(user_id: int | None) -> str:
    return f"user {user_id}" if user_id is not None else "no owner"


def _or_null(value) -> str:
    return "NULL" if value is None else str(value)
