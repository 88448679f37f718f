"""Budget pages: years, lines, spend, Finance's decisions and shared costs."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse, reverse_lazy
from django.utils import timezone
from django.views import View
from django.views.generic import TemplateView

from core.roles import RoleRequiredMixin
from core.versioning import StaleEditError
from core.views import (
    ConcurrencySafeUpdateView,
    HistoryView,
    PageMixin,
    RegisterCreateView,
    RegisterDetailView,
    RegisterListView,
    rebind_with_current_version,
)
from partners.models import Council, Relationship

from . import filters, forms, selectors, services
from .chart import budget_chart
from .models import BudgetLine, FinancialYear, LineStatus, Spend

# --- Years ------------------------------------------------------------------------------


class YearListView(RoleRequiredMixin, PageMixin, TemplateView):
    """Every year's budget against its spend, as a chart and as a table."""

    permission_required = "budgets.view_budgetline"
    template_name = "budgets/year_list.html"
    title = "Budgets by financial year"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        years = selectors.years_overview()
        context["years"] = years
        context["chart"] = budget_chart(years)
        return context


class YearDetailView(RoleRequiredMixin, PageMixin, TemplateView):
    permission_required = "budgets.view_budgetline"
    template_name = "budgets/year_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        year = get_object_or_404(FinancialYear, start_year=self.kwargs["start_year"])
        summary = selectors.year_page(year, self.request.GET.get("page"))
        context["summary"] = summary
        context["page_obj"] = summary.page
        context["paginator"] = summary.page.paginator
        context["is_paginated"] = summary.page.has_other_pages()
        context["year"] = year
        context["title"] = f"Budget {year.label}"
        context["breadcrumbs"] = [("Budgets", reverse("budgets:year-list")), (year.label, None)]
        return context


# --- Budget lines -----------------------------------------------------------------------------


class BudgetLineListView(RegisterListView):
    permission_required = "budgets.view_budgetline"
    filterset_class = filters.BudgetLineFilter
    template_name = "budgets/line_list.html"
    title = "Budget lines"

    def get_queryset(self) -> Any:
        return selectors.budget_line_list()


class BudgetLineDetailView(RegisterDetailView):
    permission_required = "budgets.view_budgetline"
    template_name = "budgets/line_detail.html"

    def get_queryset(self) -> Any:
        return selectors.budget_line_detail()

    def get_title(self) -> str:
        return self.object.title

    def get_breadcrumbs(self) -> list[tuple[str, str | None]]:
        year = self.object.financial_year
        return [
            ("Budgets", reverse("budgets:year-list")),
            (year.label, year.get_absolute_url()),
            (self.object.title, None),
        ]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        line = self.object
        context["figures"] = selectors.line_figures(line)
        context["shares"] = selectors.cost_share_parts(line)
        context.setdefault("decision_form", forms.DecisionForm(record=line))
        as_at = forms.AsAtForm(self.request.GET or None)
        context["as_at_form"] = as_at
        if as_at.is_bound and as_at.is_valid():
            moment = timezone.make_aware(datetime.combine(as_at.cleaned_data["as_at"], time.max))
            context["as_at"] = as_at.cleaned_data["as_at"]
            context["as_at_line"] = (
                line.history.as_of(moment) if line.history.filter(history_date__lte=moment).exists() else None
            )
        return context


class BudgetLineCreateView(RegisterCreateView):
    permission_required = "budgets.add_budgetline"
    form_class = forms.BudgetLineForm
    title = "Propose a budget line"
    breadcrumbs = [("Budget lines", reverse_lazy("budgets:line-list")), ("Propose", None)]
    success_message = "“{object}” was proposed; Finance will decide on it."

    def save(self, form: Any) -> BudgetLine:
        return services.budget_line_propose(line=form.save(commit=False), by=self.request.user)


class BudgetLineUpdateView(ConcurrencySafeUpdateView):
    """Officers change lines still proposed; once decided, only Finance may."""

    permission_required = "budgets.change_budgetline"
    model = BudgetLine
    form_class = forms.BudgetLineForm

    def get_title(self) -> str:
        return f"Edit {self.object}"

    def has_permission(self) -> bool:
        if not super().has_permission():
            return False
        line = self.get_object()
        return line.status == LineStatus.PROPOSED or self.request.user.has_perm(
            "budgets.change_approved_budgetline"
        )


class BudgetLineHistoryView(HistoryView):
    permission_required = "budgets.view_budgetline"
    model = BudgetLine


class BudgetLineDecideView(RoleRequiredMixin, View):
    """Finance approves or rejects a proposed line, with a comment."""

    permission_required = "budgets.decide_budgetline"
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        line = get_object_or_404(BudgetLine, pk=pk)
        form = forms.DecisionForm(request.POST, record=line)
        if form.is_valid():
            try:
                with transaction.atomic():
                    decided = services.budget_line_decide(
                        line=line,
                        approve=form.approves,
                        comment=form.cleaned_data["comment"],
                        by=request.user,
                        expected_version=form.cleaned_data["version"],
                    )
            except StaleEditError:
                line = get_object_or_404(BudgetLine, pk=pk)
                form = rebind_with_current_version(form, forms.DecisionForm, record=line)
                form.add_error(
                    None, "Someone changed this line after you opened it; check it and decide again."
                )
            except services.BudgetRuleBroken as refusal:
                form.add_error(refusal.field, str(refusal))
            else:
                messages.success(request, f"“{decided.title}” was {decided.get_status_display().lower()}.")
                return redirect(decided)
        view = BudgetLineDetailView()
        view.setup(request, pk=pk)
        view.object = get_object_or_404(selectors.budget_line_detail(), pk=pk)
        return render(request, view.template_name, view.get_context_data(decision_form=form), status=400)


# --- Spend ------------------------------------------------------------------------------------


class SpendListView(RegisterListView):
    permission_required = "budgets.view_spend"
    filterset_class = filters.SpendFilter
    template_name = "budgets/spend_list.html"
    title = "Spend"

    def get_queryset(self) -> Any:
        return selectors.spend_list()


class SpendDetailView(RegisterDetailView):
    permission_required = "budgets.view_spend"
    template_name = "budgets/spend_detail.html"

    def get_queryset(self) -> Any:
        return selectors.spend_list()

    def get_title(self) -> str:
        return str(self.object)

    def get_breadcrumbs(self) -> list[tuple[str, str | None]]:
        line = self.object.budget_line
        return [
            ("Budget lines", reverse("budgets:line-list")),
            (str(line), line.get_absolute_url()),
            (str(self.object), None),
        ]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.setdefault("override_form", forms.OverrideDecisionForm(record=self.object))
        return context


class SpendFormMixin:
    """Spend is saved through the service that guards what the line has left."""

    request: HttpRequest

    def may_override(self) -> bool:
        return self.request.user.has_perm("budgets.override_spend")

    def save(self, form: Any) -> Spend:
        try:
            with transaction.atomic():
                return services.spend_record(
                    spend=form.save(commit=False),
                    by=self.request.user,
                    may_override=self.may_override(),
                    override_reason=form.cleaned_data.get("override_reason", ""),
                )
        except services.BudgetRuleBroken as refusal:
            form.add_error(refusal.field, str(refusal))
            raise

    def success_text(self, spend: Spend) -> str:
        if spend.is_awaiting_override:
            return f"“{spend}” was recorded and awaits Finance's decision to go over the line."
        return f"“{spend}” was recorded."


class SpendCreateView(SpendFormMixin, RegisterCreateView):
    permission_required = "budgets.add_spend"
    form_class = forms.SpendForm
    title = "Record spend"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # The role first: someone refused learns nothing of which lines exist.
        if not self.has_permission():
            return self.handle_no_permission()
        self.line = get_object_or_404(BudgetLine.objects.select_related("financial_year"), pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_title(self) -> str:
        return f"Record spend against {self.line}"

    def get_breadcrumbs(self) -> list[tuple[str, str | None]]:
        return [
            ("Budget lines", reverse("budgets:line-list")),
            (str(self.line), self.line.get_absolute_url()),
            ("Record spend", None),
        ]

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        kwargs.update(budget_line=self.line, may_override=self.may_override())
        return kwargs

    def form_valid(self, form: Any) -> HttpResponse:
        try:
            self.object = self.save(form)
        except services.BudgetRuleBroken:
            return self.form_invalid(form)
        messages.success(self.request, self.success_text(self.object))
        return redirect(self.line)


class SpendUpdateView(SpendFormMixin, ConcurrencySafeUpdateView):
    permission_required = "budgets.change_spend"
    model = Spend
    form_class = forms.SpendForm

    def get_title(self) -> str:
        return f"Edit spend: {self.object}"

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        kwargs.update(budget_line=self.object.budget_line, may_override=self.may_override())
        return kwargs

    def form_valid(self, form: Any) -> HttpResponse:
        try:
            return super().form_valid(form)
        except services.BudgetRuleBroken:
            return self.form_invalid(form)


class SpendHistoryView(HistoryView):
    permission_required = "budgets.view_spend"
    model = Spend


class OverrideDecideView(RoleRequiredMixin, View):
    permission_required = "budgets.override_spend"
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        spend = get_object_or_404(Spend, pk=pk)
        form = forms.OverrideDecisionForm(request.POST, record=spend)
        if form.is_valid():
            try:
                with transaction.atomic():
                    decided = services.spend_decide_override(
                        spend=spend,
                        grant=form.approves,
                        comment=form.cleaned_data["comment"],
                        by=request.user,
                        expected_version=form.cleaned_data["version"],
                    )
            except StaleEditError:
                spend = get_object_or_404(Spend, pk=pk)
                form = rebind_with_current_version(form, forms.OverrideDecisionForm, record=spend)
                form.add_error(
                    None, "This spend was changed after you opened it; check the amount and decide again."
                )
            except services.BudgetRuleBroken as refusal:
                form.add_error(refusal.field, str(refusal))
            else:
                messages.success(
                    request,
                    f"The override for “{decided}” was {decided.get_override_state_display().lower()}.",
                )
                if request.POST.get("from_review"):
                    return redirect("budgets:review")
                return redirect(decided)
        view = SpendDetailView()
        view.setup(request, pk=pk)
        view.object = get_object_or_404(selectors.spend_list(), pk=pk)
        return render(request, view.template_name, view.get_context_data(override_form=form), status=400)


# --- Finance's review queue and shared costs -----------------------------------------------------


class ReviewQueueView(RoleRequiredMixin, PageMixin, TemplateView):
    permission_required = "budgets.decide_budgetline"
    template_name = "budgets/review.html"
    title = "Awaiting Finance"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(selectors.review_queue())
        return context


class CostShareView(RoleRequiredMixin, PageMixin, TemplateView):
    """Finance sets how the councils holding a relationship split its costs."""

    permission_required = "budgets.view_costshare"
    template_name = "budgets/cost_shares.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # The role first: someone refused learns nothing of which relationships exist.
        if not self.has_permission():
            return self.handle_no_permission()
        self.relationship = get_object_or_404(
            Relationship.objects.select_related("place").prefetch_related("councils", "cost_shares__council"),
            pk=kwargs["pk"],
        )
        return super().dispatch(request, *args, **kwargs)

    def get_title(self) -> str:
        return f"Cost shares: {self.relationship}"

    def get_breadcrumbs(self) -> list[tuple[str, str | None]]:
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
        return context

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not request.user.has_perm("budgets.change_costshare"):
            raise PermissionDenied
        formset = self.formset(request.POST)
        if formset.is_valid():
            try:
                with transaction.atomic():
                    services.cost_shares_set(relationship=self.relationship, shares=formset.shares())
            except services.BudgetRuleBroken as refusal:
                formset._non_form_errors = formset.error_class([str(refusal)])
            else:
                messages.success(request, f"The cost shares of {self.relationship} were saved.")
                return redirect(reverse("budgets:cost-shares", args=[pk]))
        return self.render_to_response(self.get_context_data(formset=formset), status=400)


urlpatterns = [
    path("", YearListView.as_view(), name="year-list"),
    path("years/<int:start_year>/", YearDetailView.as_view(), name="year-detail"),
    path("lines/", BudgetLineListView.as_view(), name="line-list"),
    path("lines/new/", BudgetLineCreateView.as_view(), name="line-create"),
    path("lines/<int:pk>/", BudgetLineDetailView.as_view(), name="line-detail"),
    path("lines/<int:pk>/edit/", BudgetLineUpdateView.as_view(), name="line-update"),
    path("lines/<int:pk>/history/", BudgetLineHistoryView.as_view(), name="line-history"),
    path("lines/<int:pk>/decision/", BudgetLineDecideView.as_view(), name="line-decide"),
    path("lines/<int:pk>/spend/new/", SpendCreateView.as_view(), name="spend-create"),
    path("spend/", SpendListView.as_view(), name="spend-list"),
    path("spend/<int:pk>/", SpendDetailView.as_view(), name="spend-detail"),
    path("spend/<int:pk>/edit/", SpendUpdateView.as_view(), name="spend-update"),
    path("spend/<int:pk>/history/", SpendHistoryView.as_view(), name="spend-history"),
    path("spend/<int:pk>/override/", OverrideDecideView.as_view(), name="spend-override"),
    path("review/", ReviewQueueView.as_view(), name="review"),
    path("relationships/<int:pk>/cost-shares/", CostShareView.as_view(), name="cost-shares"),
]
