from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.forms import BaseFormSet, formset_factory
from django.utils import timezone

from core.forms import DatePickerMixin, FiniteDecimalField, StatusChangeForm, VersionedModelForm
from delegations.forms import VISITS
from delegations.models import CostItem
from partners.forms import RELATIONSHIPS
from partners.models import Council

from .models import (
    PAID_STAYS_PAID,
    BudgetLine,
    FinancialYear,
    LineStatus,
    OverrideState,
    Spend,
    SpendStatus,
    financial_year_label,
    financial_year_start,
)

FIRST_YEAR = 2000


def year_choices(around: date | None = None) -> list[tuple[int, str]]:
    """Financial years from 2000–01 to five ahead, newest first, plus any the register holds."""
    this_year = financial_year_start(around or timezone.localdate())
    years = set(range(FIRST_YEAR, this_year + 6))
    years |= set(FinancialYear.objects.values_list("start_year", flat=True))
    return [(year, financial_year_label(year)) for year in sorted(years, reverse=True)]


class BudgetLineForm(VersionedModelForm):
    year = forms.TypedChoiceField(label="Financial year", coerce=int, choices=[])

    class Meta:
        model = BudgetLine
        fields = ["cost_centre", "title", "amount", "funding_source", "relationship", "notes"]

    choices = {"relationship": RELATIONSHIPS}
    field_order = ["year", "cost_centre", "title", "amount", "funding_source", "relationship", "notes"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = year_choices()
        if self.instance.pk is not None:
            self.fields["year"].initial = self.instance.financial_year.start_year
        else:
            self.fields["year"].initial = financial_year_start(timezone.localdate())

    def clean_year(self) -> int:
        year = self.cleaned_data["year"]
        if self.instance.pk is not None and year != self.instance.financial_year.start_year:
            # Spend stays in its line's year: a line with spend cannot leave it.
            starts, ends = FinancialYear(start_year=year).starts_on, FinancialYear(start_year=year).ends_on
            outside = self.instance.spend.exclude(spent_on__range=(starts, ends)).count()
            if outside:
                current = self.instance.financial_year.label
                raise forms.ValidationError(
                    f"This line has {outside} spend record{'s' if outside != 1 else ''} dated in {current}, "
                    f"outside {financial_year_label(year)}: move or correct the spend before moving the line."
                )
        return year


class DecisionForm(StatusChangeForm):
    """Finance approves or rejects a proposed line, saying why."""

    context_name = "decision_form"  # as the line's page shows it
    done = "“{record.title}” was {status_lower}."
    move_labels = {LineStatus.APPROVED: "Approve", LineStatus.REJECTED: "Reject"}
    radio = True
    note_label = "Comment"
    note_help = "Kept with the decision: why it was approved or rejected."
    note_required = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_status"].label = "Decision"


class OverrideDecisionForm(DecisionForm):
    """Finance grants or refuses an officer's request to go over a line, saying why."""

    context_name = "override_form"  # as the spend's page shows it
    done = "The override for “{record}” was {status_lower}."
    move_labels = {
        OverrideState.GRANTED: "Grant the override",
        OverrideState.REFUSED: "Refuse it (the spend goes back to estimated)",
    }
    note_help = "Kept with the decision: why it was granted or refused."


class SpendForm(VersionedModelForm):
    rejected_line: BudgetLine | None = None  # the line it stands on, when Finance rejected it
    override_reason = forms.CharField(
        label="Reason for going over the line",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Only if this commits more than the line has left: it goes to Finance to decide.",
    )

    class Meta:
        model = Spend
        fields = [
            "budget_line",
            "description",
            "amount",
            "spent_on",
            "status",
            "supplier",
            "reference",
            "visit",
            "cost_item",
        ]

    choices = {
        "visit": VISITS,
        "cost_item": CostItem.objects.select_related("visit"),
        # Spend moves to any line not rejected, newest year first; its line's money is checked again.
        "budget_line": BudgetLine.objects.exclude(status=LineStatus.REJECTED)
        .select_related("financial_year")
        .order_by("-financial_year__start_year", "title", "pk"),
    }

    def __init__(
        self, *args: Any, budget_line: BudgetLine, may_override: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.instance.budget_line = budget_line
        status = self.fields["status"]
        if self.instance.pk is None or self.instance.status in (SpendStatus.COMMITTED, SpendStatus.PAID):
            # Only an estimate is withdrawn (the model says why, should a page from before ask).
            status.choices = [c for c in status.choices if c[0] != SpendStatus.WITHDRAWN]
        else:
            status.help_text = (
                "Withdrawn: an estimate no longer expected. It stays on record but counts nowhere."
            )
        if self.instance.status == SpendStatus.PAID and self.instance.pk and not may_override:
            status.choices = [c for c in status.choices if c[0] == SpendStatus.PAID]
            status.help_text = status.error_messages["invalid_choice"] = PAID_STAYS_PAID
        if self.instance.pk is None:
            del self.fields["budget_line"]  # new spend is recorded from its line's page
        else:
            moving = self.fields["budget_line"]
            moving.help_text = "Moving it to another line checks that line's money again."
            if budget_line.status == LineStatus.REJECTED:
                # Its line is not offered: it stays until a line it can be spent from is chosen,
                # or, withdrawn, stays there on record.
                self.rejected_line = budget_line
                self.initial["budget_line"] = None
                moving.required = False
                moving.help_text = (
                    f"Its line, “{budget_line}”, was rejected: choose the line it is to be spent from, "
                    "or withdraw it if it is no longer expected."
                )
        if may_override:
            self.fields["override_reason"].label = "Reason for overriding the line"
            self.fields[
                "override_reason"
            ].help_text = (
                "Only if this commits more than the line has left: as Finance, your reason grants it."
            )
        if self.instance.pk and self.instance.override_state == OverrideState.REQUESTED:
            # Still the request Finance has to decide; a granted one needs a new reason to go further.
            self.fields["override_reason"].initial = self.instance.override_reason

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if (
            self.rejected_line is not None
            and not cleaned.get("budget_line")
            and "budget_line" not in self.errors
        ):
            if cleaned.get("status") == SpendStatus.WITHDRAWN:
                cleaned["budget_line"] = self.rejected_line  # withdrawn where it stood, kept on record
            else:
                self.add_error(
                    "budget_line",
                    "Choose the line it is to be spent from, or withdraw it if it is no longer expected.",
                )
        return cleaned


class AsAtForm(DatePickerMixin, forms.Form):
    as_at = forms.DateField(label="Show the line as it stood on")


class CostShareForm(forms.Form):
    council = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)
    percentage = FiniteDecimalField(
        label="Share (%)", max_digits=5, decimal_places=2, min_value=0, max_value=100, required=False
    )

    def __init__(self, *args: Any, councils: list[Council], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # One list of councils for every row, so the page costs one query, not one per row.
        self.councils = {council.pk: council for council in councils}
        self.fields["council"].choices = [("", "None")] + [(c.pk, c.name) for c in councils]

    def clean_council(self) -> Council | None:
        pk = self.cleaned_data.get("council")
        return self.councils[pk] if pk is not None else None

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        council, percentage = cleaned.get("council"), cleaned.get("percentage")
        if council and percentage in (None, 0) and "percentage" not in self.errors:
            self.add_error("percentage", "Give this council's share, more than 0%.")
        if percentage and not council and "council" not in self.errors:
            self.add_error("council", "Choose the council this share belongs to.")
        return cleaned


class BaseCostShareFormSet(BaseFormSet):
    def clean(self) -> None:
        if any(self.errors):
            return
        chosen = [f.cleaned_data for f in self.forms if f.cleaned_data.get("council")]
        councils = [row["council"].pk for row in chosen]
        if len(set(councils)) != len(councils):
            raise forms.ValidationError("Each council can have only one share.")
        total = sum(row["percentage"] for row in chosen)
        if chosen and total != 100:
            raise forms.ValidationError(f"The shares add up to {total}%; they must add up to 100%.")

    def shares(self) -> list[tuple[Council, Any]]:
        return [
            (f.cleaned_data["council"], f.cleaned_data["percentage"])
            for f in self.forms
            if f.cleaned_data.get("council")
        ]


CostShareFormSet = formset_factory(CostShareForm, formset=BaseCostShareFormSet, extra=1, max_num=10)
