"""Who may do what: the one place that says so.

Roles are Django groups. Each role is granted a set of model permissions
(``app_label.codename``); each view declares the permission it needs and is
wrapped, when it is built, so that a signed-in user without it gets 403
before anything is looked up (core/views.py). Anonymous users never get this
far: the login-required middleware sends them to the sign-in page.

The groups are created, and brought back in line with this table, after
every ``migrate`` (so permissions of models added later are granted as soon
as their tables exist).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

OFFICER = "Officer"
FINANCE = "Finance"
LEADERS_OFFICE = "Leader's Office"
ADMINISTRATOR = "Administrator"
ROLES = (OFFICER, FINANCE, LEADERS_OFFICE, ADMINISTRATOR)

# The register kept by officers; everyone with a role may read it.
PARTNERS_MODELS = (
    "council",
    "sector",
    "place",
    "relationship",
    "relationshipstatuschange",
    "approach",
    "organisation",
    "stakeholder",
    "contact",
    "action",
    "exchange",
    "triagecriterion",
    "approachscore",
)
# Written only by the system (status moves) or kept as reference data by the
# Administrator in the Django admin (councils, sectors, the triage criteria):
# officers read them.
PARTNERS_NOT_OFFICER_WRITTEN = ("relationshipstatuschange", "council", "sector", "triagecriterion")


# Delegations: visits, who took part, meetings, costs and the gifts register.
DELEGATIONS_MODELS = (
    "visit",
    "visitstatuschange",
    "participant",
    "meeting",
    "costitem",
    "gift",
    "visitfollowup",
)
DELEGATIONS_OFFICER_WRITTEN = tuple(m for m in DELEGATIONS_MODELS if m != "visitstatuschange")
# Parts of a visit an officer may remove from it (entered in error).
DELEGATIONS_REMOVABLE = ("participant", "meeting", "costitem")


# Budgets: financial years, budget lines, spend and shared costs.
BUDGETS_MODELS = ("financialyear", "budgetline", "spend", "costshare")
# Finance's decisions, written only by the decision itself.
BUDGETS_DECISION_LOGS = ("budgetlinestatuschange", "spendoverridechange")
# Finance alone decides lines, changes decided ones and lets spend go over a line.
FINANCE_ONLY = {
    "budgets.decide_budgetline",
    "budgets.change_approved_budgetline",
    "budgets.override_spend",
}


# Reports: Cabinet reports, their paragraphs, sign-offs and PDF renderings.
REPORTS_MODELS = ("report", "paragraph", "signoff", "rendering", "reportstatuschange")


def _perms(app_label: str, models: Iterable[str], actions: Iterable[str]) -> set[str]:
    return {f"{app_label}.{action}_{model}" for model in models for action in actions}


def _register_read() -> set[str]:
    return (
        _perms("partners", PARTNERS_MODELS, ("view",))
        | _perms("delegations", DELEGATIONS_MODELS, ("view",))
        | _perms("budgets", BUDGETS_MODELS + BUDGETS_DECISION_LOGS, ("view",))
        | _perms("reports", REPORTS_MODELS, ("view",))
        | {"reports.download_report"}
    )


def _register_write() -> set[str]:
    editable = [m for m in PARTNERS_MODELS if m not in PARTNERS_NOT_OFFICER_WRITTEN]
    return (
        _register_read()
        | _perms("partners", editable, ("add", "change"))
        # Officers may remove a stakeholder link they made by mistake; other
        # records are ended by status, never deleted, so their history stays.
        | {"partners.delete_stakeholder"}
        | _perms("delegations", DELEGATIONS_OFFICER_WRITTEN, ("add", "change"))
        | _perms("delegations", DELEGATIONS_REMOVABLE, ("delete",))
        # Officers propose lines and record spend; Finance decides.
        | _perms("budgets", ("budgetline", "spend"), ("add", "change"))
        # Officers draft reports and ask for their PDFs; the Leader's Office approves.
        | _perms("reports", ("report", "paragraph", "signoff"), ("add", "change"))
        | {"reports.delete_paragraph", "reports.add_rendering"}
    )


ROLE_PERMISSIONS: dict[str, set[str]] = {
    OFFICER: _register_write(),
    FINANCE: _register_read() | _perms("budgets", BUDGETS_MODELS, ("add", "change")) | FINANCE_ONLY,
    LEADERS_OFFICE: _register_read()
    | {"reports.approve_report", "reports.publish_report", "reports.add_rendering"},
    ADMINISTRATOR: _register_read()
    | _perms("partners", ("council", "sector", "triagecriterion"), ("add", "change"))
    | _perms("auth", ("user", "group"), ("view", "add", "change", "delete"))
    # The record of signing in, read in the Django admin.
    | {"core.view_signinevent"}
    # Personal data: the retention schedule, the review of what has passed it, erasure and
    # subject access, each its own permission, given to the Administrator alone.
    | {
        "privacy.view_retentionrule",
        "privacy.change_retentionrule",
        "privacy.review_retention",
        "privacy.erase_personal_data",
        "privacy.subject_access",
    },
}


def sync_groups(apps: Any = None) -> None:
    """Create each role's group and give it exactly the permissions above.

    ``apps`` is the migration state registry when called from a migration,
    the live registry otherwise. Permissions whose models do not exist yet
    are skipped; the post-migrate hook grants them once they do.
    """
    if apps is None:
        from django.apps import apps as live_apps

        apps = live_apps
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")

    wanted = set().union(*ROLE_PERMISSIONS.values())
    by_name: dict[str, Any] = {}
    for perm in Permission.objects.select_related("content_type").filter(
        codename__in={name.split(".", 1)[1] for name in wanted}
    ):
        by_name[f"{perm.content_type.app_label}.{perm.codename}"] = perm

    for role, names in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.set([by_name[name] for name in names if name in by_name])


def role_names(user: Any) -> list[str]:
    """The roles a user holds, in the fixed order of ROLES."""
    if not getattr(user, "is_authenticated", False):
        return []
    # Read with the person's permissions when the request has already asked for them.
    held = getattr(user, "_role_names", None)
    if held is None and not user.is_superuser:
        user.get_all_permissions()  # the role backend reads the roles with the permissions
        held = getattr(user, "_role_names", None)
    if held is None:
        held = {group.name for group in user.groups.all()}
    return [role for role in ROLES if role in held]
