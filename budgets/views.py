"""Budget pages: years, lines, spend, Finance's decisions and shared costs."""

from __future__ import annotations

from datetime import datetime, time
from operator import attrgetter
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone

from core.models import DocumentKind
from core.status import RuleBroken
from core.tables import NONE, Column, day, label_of, link, money, record_link, table_rows
from core.text import first_words, person_name
from core.versioning import StaleEditError
from core.views import Crumbs, FormPageView, Page, RecordPages, SentOnce, StatusChangeView
from partners.models import Council, Relationship

from . import filters, forms, selectors, services
from .chart import budget_chart
from .models import BudgetLine, CostShare, FinancialYear, LineStatus, Spend

VIEW_BUDGETS = "budgets.view_budgetline"


class YearListView(Page):
    """Every year's budget against its spend, as a chart and as a table."""

    permission_required = VIEW_BUDGETS
    template_name = "budgets/year_list.html"
    title = "Budgets by financial year"

    def context(self) -> dict[str, Any]:
        years = selectors.years_overview()
        return {"years": years, "chart": budget_chart(years)}


class YearDetailView(Page):
    permission_required = VIEW_BUDGETS
    template_name = "budgets/year_detail.html"

    def context(self) -> dict[str, Any]:
        year = get_object_or_404(FinancialYear, start_year=self.kwargs["start_year"])
        summary = selectors.year_page(year, self.request.GET.get("page"))
        return {
            "summary": summary,
            "page_obj": summary.page,
            "paginator": summary.page.paginator,
            "is_paginated": summary.page.has_other_pages(),
            "year": year,
            "title": f"Budget {year.label}",
            "breadcrumbs": [("Budgets", reverse("budgets:year-list")), (year.label, None)],
        }


# --- Budget lines -----------------------------------------------------------------------------


def _line_link(line: BudgetLine) -> Any:
    """A line by its title; its year, read out too, tells one year's line from another's."""
    return link(line.get_absolute_url(), line.title, f"({line.financial_year.label})")


class BudgetLinePages(RecordPages):
    url_prefix = "lines"
    url_name = "line"
    list_title = "Budget lines"
    create_title = "Propose a budget line"
    create_crumb = "Propose"
    created_message = "“{record}” was proposed; Finance will decide on it."
    filterset_class = filters.BudgetLineFilter
    form_class = forms.BudgetLineForm
    columns = (
        Column("Year", lambda line: line.financial_year.label, sort="year"),
        Column("Cost centre", attrgetter("cost_centre"), sort="cost_centre"),
        Column("Line", _line_link, sort="title"),
        Column("Funding", label_of("funding_source")),
        Column("Status", label_of("status"), sort="status"),
        Column("Amount", lambda line: money(line.amount), sort="amount", numeric=True),
        Column("Committed", lambda line: money(line.committed), numeric=True),
        Column(
            "Remaining",
            lambda line: money(line.remaining) if line.status == LineStatus.APPROVED else "Not approved",
            numeric=True,
            css=lambda line: "overdue" if line.status == LineStatus.APPROVED and line.remaining < 0 else "",
        ),
    )

    def template(self, page: str) -> str:
        return f"budgets/line_{page}.html"

    list_selector = selectors.budget_line_list
    detail_selector = selectors.budget_line_detail
    keys_first = True  # each line's estimated, committed and paid are sums over its spend

    def record_crumbs(self, record: BudgetLine) -> Crumbs:
        year = record.financial_year
        return [
            ("Budgets", reverse("budgets:year-list")),
            (year.label, year.get_absolute_url()),
            (record.title, record.get_absolute_url()),
        ]

    def detail_context(self, request: HttpRequest, record: BudgetLine) -> dict[str, Any]:
        context: dict[str, Any] = {
            "figures": selectors.line_figures(record),
            "shares": selectors.cost_share_parts(record),
            "decision_form": forms.DecisionForm(record=record),
        }
        as_at = forms.AsAtForm(request.GET or None)
        context["as_at_form"] = as_at
        if as_at.is_bound and as_at.is_valid():
            moment = timezone.make_aware(datetime.combine(as_at.cleaned_data["as_at"], time.max))
            context["as_at"] = as_at.cleaned_data["as_at"]
            context["as_at_line"] = (
                record.history.as_of(moment)
                if record.history.filter(history_date__lte=moment).exists()
                else None
            )
        return context

    def may_edit(self, request: HttpRequest, record: BudgetLine) -> bool:
        """Officers change lines still proposed; once decided, only Finance may."""
        return record.status == LineStatus.PROPOSED or request.user.has_perm(
            "budgets.change_approved_budgetline"
        )

    def create(self, request: HttpRequest, form: Any) -> BudgetLine:
        return services.budget_line_propose(
            year=form.cleaned_data["year"], values=form.values(), by=request.user
        )

    def update(self, request: HttpRequest, record: BudgetLine, form: Any) -> BudgetLine:
        return services.budget_line_update(
            line=record,
            year=form.cleaned_data["year"],
            values=form.values(),
            expected_version=form.loaded_version,
        )


_spend_status_label = label_of("status")
_override_label = label_of("override_state")


def spend_status(spend: Spend) -> str:
    if spend.override_state:
        return f"{_spend_status_label(spend)} ({_override_label(spend).lower()})"
    return _spend_status_label(spend)


class SpendPages(RecordPages):
    """Spend is recorded from its line's page (SpendCreateView); here its list, page, edit and history."""

    url_prefix = "spend"
    document_kinds = (DocumentKind.RECEIPT, DocumentKind.INVOICE, DocumentKind.OTHER)
    pages = ("list", "detail", "update", "history")
    list_title = "Spend"
    filterset_class = filters.SpendFilter
    form_class = forms.SpendForm
    columns = (
        Column("Date", lambda spend: day(spend.spent_on), sort="date"),
        Column(
            "Description", lambda spend: link(spend.get_absolute_url(), spend.description), sort="description"
        ),
        Column("Line", lambda spend: record_link(spend.budget_line)),
        Column("Status", lambda spend: spend_status(spend)),
        Column("Amount", lambda spend: money(spend.amount), sort="amount", numeric=True),
    )
    list_selector = selectors.spend_list

    def record_crumbs(self, record: Spend) -> Crumbs:
        line = record.budget_line
        return [
            ("Budget lines", reverse("budgets:line-list")),
            (str(line), line.get_absolute_url()),
            (str(record), record.get_absolute_url()),
        ]

    def detail_context(self, request: HttpRequest, record: Spend) -> dict[str, Any]:
        return {"override_form": forms.OverrideDecisionForm(record=record)}

    def form_kwargs(self, request: HttpRequest, record: Spend | None) -> dict[str, Any]:
        return {"budget_line": record.budget_line, "may_override": may_override(request)}

    def update(self, request: HttpRequest, record: Spend, form: Any) -> Spend:
        return services.spend_record(
            budget_line=form.cleaned_data["budget_line"],
            spend=record,
            values=form.values(),
            by=request.user,
            may_override=may_override(request),
            override_reason=form.cleaned_data.get("override_reason", ""),
            expected_version=form.loaded_version,
        )


lines = BudgetLinePages()
spend = SpendPages()


def may_override(request: HttpRequest) -> bool:
    return request.user.has_perm("budgets.override_spend")


def spend_recorded(spend: Spend) -> str:
    if spend.is_awaiting_override:
        return f"“{spend}” was recorded and awaits Finance's decision to go over the line."
    return f"“{spend}” was recorded."


class SpendCreateView(SentOnce, FormPageView):
    """Spend recorded against a line, guarded by what the line has left; once however often sent."""

    permission_required = "budgets.add_spend"
    record_pages = spend

    def setup(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        super().setup(request, *args, **kwargs)
        self.line = get_object_or_404(BudgetLine.objects.select_related("financial_year"), pk=kwargs["pk"])

    def form(self, data: Any = None) -> forms.SpendForm:
        return self.with_submission_token(
            forms.SpendForm(data, budget_line=self.line, may_override=may_override(self.request))
        )

    def context(self) -> dict[str, Any]:
        return {
            "title": f"Record spend against {self.line}",
            "breadcrumbs": [*lines.record_crumbs(self.line)[1:], ("Record spend", None)],
            "cancel_url": self.line.get_absolute_url(),
        }

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self.once(
            request,
            lambda: self.submit(
                self.form(request.POST), self.record, spend_recorded, then=lambda _: self.line
            ),
        )

    def record(self, form: forms.SpendForm) -> Spend:
        return services.spend_record(
            budget_line=self.line,
            values=form.values(),
            by=self.request.user,
            may_override=may_override(self.request),
            override_reason=form.cleaned_data.get("override_reason", ""),
        )


def finance_decides(pages: RecordPages, form_class: Any, permission: str, move: Any) -> Any:
    """A decision Finance alone takes on a record's page, with the reason for it: a line approved
    or rejected, an override granted or refused. The form says what it decides."""
    return StatusChangeView.as_view(
        permission_required=permission,
        record_pages=pages,
        form_class=form_class,
        form_name=form_class.context_name,
        move=move,
        done=form_class.done,
    )


# --- Finance's review queue and shared costs -----------------------------------------------------


# The review queue's two tables (their headings are the template's).
LINES_AWAITING = (
    Column("Year", lambda line: line.financial_year.label),
    Column("Line", _line_link),
    Column("Funding", label_of("funding_source")),
    Column("Proposed by", lambda line: person_name(line.proposed_by) if line.proposed_by else NONE),
    Column("Amount", lambda line: money(line.amount), numeric=True),
)
OVERRIDES_AWAITING = (
    Column("Spend", lambda spend: link(spend.get_absolute_url(), spend.description)),
    Column("Line", lambda spend: record_link(spend.budget_line)),
    Column("Reason given", lambda spend: first_words(spend.override_reason, 20, " …")),
    Column("Amount", lambda spend: money(spend.amount), numeric=True),
    Column(
        "Already committed on the line",
        lambda spend: f"{money(spend.line_committed)} of {money(spend.budget_line.amount)}",
        numeric=True,
    ),
)


class ReviewQueueView(Page):
    permission_required = "budgets.decide_budgetline"
    template_name = "budgets/review.html"
    title = "Awaiting Finance"

    def context(self) -> dict[str, Any]:
        queue = selectors.review_queue()
        return {
            **queue,
            "lines_awaiting_rows": table_rows(LINES_AWAITING, queue["lines_awaiting"]),
            "overrides_awaiting_rows": table_rows(OVERRIDES_AWAITING, queue["overrides_awaiting"]),
        }


class CostShareView(Page):
    """Finance sets how the councils holding a relationship split its costs."""

    permission_required = "budgets.view_costshare"
    template_name = "budgets/cost_shares.html"

    def setup(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        super().setup(request, *args, **kwargs)
        self.relationship = get_object_or_404(
            Relationship.objects.select_related("place").prefetch_related("councils", "cost_shares__council"),
            pk=kwargs["pk"],
        )

    def get_title(self) -> str:
        return f"Cost shares: {self.relationship}"

    def get_breadcrumbs(self) -> Crumbs:
        return [(str(self.relationship), self.relationship.get_absolute_url()), ("Cost shares", None)]

    def initial_rows(self) -> list[dict[str, Any]]:
        shares = {share.council_id: share.percentage for share in self.relationship.cost_shares.all()}
        councils = list(self.relationship.councils.all())
        rows = [{"council": c.pk, "percentage": shares.get(c.pk)} for c in councils]
        rows += [
            {"council": s.council_id, "percentage": s.percentage}
            for s in self.relationship.cost_shares.all()
            if s.council not in councils
        ]
        return rows

    def formset(self, data: Any = None) -> Any:
        councils = list(Council.objects.all())
        return forms.CostShareFormSet(
            data, initial=self.initial_rows(), prefix="shares", form_kwargs={"councils": councils}
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["relationship"] = self.relationship
        context.setdefault("formset", self.formset())
        context.setdefault("shown", services.split_as_shown(self.relationship.cost_shares.all()))
        return context

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not request.user.has_perm("budgets.change_costshare"):
            raise PermissionDenied
        formset = self.formset(request.POST)
        shown = request.POST.get("shown")
        if formset.is_valid():
            try:
                with transaction.atomic():
                    services.cost_shares_set(
                        relationship=self.relationship, shares=formset.shares(), shown=shown
                    )
            except StaleEditError:
                return self.changed_meanwhile(formset)
            except RuleBroken as refusal:
                formset._non_form_errors = formset.error_class([refusal.message])
            else:
                messages.success(request, f"The cost shares of {self.relationship} were saved.")
                return redirect(reverse("budgets:cost-shares", args=[pk]))
        return self.render_to_response(self.get_context_data(formset=formset, shown=shown), status=400)

    def changed_meanwhile(self, formset: Any) -> HttpResponse:
        """The split this person typed, kept, with the split a colleague saved meanwhile; sent
        again, theirs replaces it knowingly."""
        now = list(CostShare.objects.filter(relationship=self.relationship).select_related("council"))
        split = ", ".join(f"{share.council} {share.percentage:.2f}%" for share in now) or "no shares"
        formset._non_form_errors = formset.error_class(
            [
                f"Someone changed these cost shares after you opened this page: they now stand at {split}. "
                "Your split is kept below: save again to put it in their place."
            ]
        )
        context = self.get_context_data(formset=formset, shown=services.split_as_shown(now))
        return self.render_to_response(context, status=409)


urlpatterns = [
    path("", YearListView.as_view(), name="year-list"),
    path("years/<int:start_year>/", YearDetailView.as_view(), name="year-detail"),
    *lines.urls(),
    path(
        "lines/<int:pk>/decision/",
        finance_decides(lines, forms.DecisionForm, "budgets.decide_budgetline", services.budget_line_decide),
        name="line-decide",
    ),
    path("lines/<int:pk>/spend/new/", SpendCreateView.as_view(), name="spend-create"),
    *spend.urls(),
    path(
        "spend/<int:pk>/override/",
        finance_decides(
            spend, forms.OverrideDecisionForm, "budgets.override_spend", services.spend_decide_override
        ),
        name="spend-override",
    ),
    path("review/", ReviewQueueView.as_view(), name="review"),
    path("relationships/<int:pk>/cost-shares/", CostShareView.as_view(), name="cost-shares"),
]
