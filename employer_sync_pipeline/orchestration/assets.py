"""The JodGig and platform tables as assets, for lineage in the UI.

The sync jobs are op jobs; they report an AssetMaterialization for each
platform table they write, so these specs show counts over time.
"""

import dagster as dg

_JODGIG_TABLES = {
    "users": "JodGig users: employers (HQ_MANAGER, OUTLET_MANAGER, SUPER_HQ_EXTERNAL), talents and admins.",
    "companies": "JodGig companies: status, soft delete and the designated owner.",
    "outlets": "JodGig outlets of each company.",
    "outlet_user": "Which outlets a manager works at; rows are hard-deleted.",
    "super_hq_external_companies": "The companies a super-HQ external user oversees.",
}

#: platform table → (description, the tables the sync reads to write it)
_PLATFORM_TABLES = {
    "identities_users": ("One identity per JodGig user (employer or talent).", [["jodgig", "users"]]),
    "org_organisations": (
        "Organisations for live companies of in-scope employers.",
        [["jodgig", "companies"], ["jodgig", "users"], ["jodgig", "super_hq_external_companies"]],
    ),
    "org_outlets": (
        "Outlets of those organisations; non-live ones deactivated.",
        [["jodgig", "outlets"], ["platform", "org_organisations"]],
    ),
    "org_memberships": (
        "Employer memberships with their role (owner, admin, manager).",
        [
            ["jodgig", "users"],
            ["jodgig", "companies"],
            ["jodgig", "super_hq_external_companies"],
            ["platform", "identities_users"],
            ["platform", "org_organisations"],
        ],
    ),
    "org_outlet_assignments": (
        "The outlets each manager is assigned to.",
        [["jodgig", "outlet_user"], ["jodgig", "outlets"], ["platform", "org_memberships"], ["platform", "org_outlets"]],
    ),
    "gig_sync_logs": (
        "One row per sync run: window, counts, fail log, set counts.",
        [["platform", t] for t in ("identities_users", "org_organisations", "org_outlets", "org_memberships",
                                   "org_outlet_assignments")],
    ),
}

jodgig_table_specs = [
    dg.AssetSpec(["jodgig", name], description=text, kinds={"mysql"}, group_name="jodgig")
    for name, text in _JODGIG_TABLES.items()
]

platform_table_specs = [
    dg.AssetSpec(["platform", name], description=text, deps=deps, kinds={"postgres"}, group_name="platform")
    for name, (text, deps) in _PLATFORM_TABLES.items()
]
