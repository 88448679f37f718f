"""What budgets adds to the register's relationship page."""

from __future__ import annotations

from typing import Any

from partners.extensions import section

from .selectors import budget_line_list


@section("budgets/_relationship_budget.html", shown_to="budgets.view_budgetline")
def relationship_budget_section(relationship: Any, user: Any) -> dict[str, Any]:
    return {
        "relationship": relationship,
        "lines": list(
            budget_line_list().filter(relationship=relationship).order_by("financial_year__start_year", "pk")
        ),
        "shares": list(relationship.cost_shares.select_related("council")),
        "can_share": user.has_perm("budgets.change_costshare"),
    }
