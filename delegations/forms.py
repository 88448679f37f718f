from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms

from core.forms import RecordForm, VersionedModelForm
from core.templatetags.twinning_format import gbp
from partners.forms import ORGANISATIONS, RELATIONSHIPS
from partners.models import Action

from .models import (
    LARGEST_QUANTITY,
    LARGEST_SUM,
    CostCategory,
    CostItem,
    Gift,
    Meeting,
    Participant,
    Visit,
    VisitStatus,
    too_much_message,
)
from .services import QuickEstimate

# Visits as choices, named by their relationship's place.
VISITS = Visit.objects.select_related("relationship__place")

# Beyond a field's digits, said in words rather than as a count of digits.
TOO_MUCH = f"can be at most {gbp(LARGEST_SUM)}."
SUM_TOO_LARGE = {"max_digits": f"A sum {TOO_MUCH}", "max_whole_digits": f"A sum {TOO_MUCH}"}
MONEY_FIELD = {
    "max_digits": 12,
    "decimal_places": 2,
    "min_value": Decimal("0"),
    "error_messages": SUM_TOO_LARGE,
}


class VisitForm(VersionedModelForm):
    class Meta:
        model = Visit
        fields = [
            "relationship",
            "direction",
            "purpose",
            "title",
            "starts_on",
            "ends_on",
            "dates_are_approximate",
            "location",
            "status",
            "lead_officer",
            "funder",
            "funder_organisation",
            "party_size",
            "outcomes",
            "actual_cost",
        ]
        labels = {"status": "Status to start in"}

    choices = {"relationship": RELATIONSHIPS, "funder_organisation": ORGANISATIONS}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is None:
            # A new visit is planned or booked; it is completed once its
            # participants are recorded, through the status form.
            self.fields["status"].choices = [
                (value, label)
                for value, label in VisitStatus.choices
                if value in (VisitStatus.PROPOSED, VisitStatus.CONFIRMED)
            ]
        else:
            del self.fields["status"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        # Only when the start date was left out, not when it was mistyped
        # (that has its own message already).
        if cleaned.get("ends_on") and not cleaned.get("starts_on") and "starts_on" not in self.errors:
            self.add_error("starts_on", "Give the start date as well as the end date.")
        return cleaned


class VisitPartForm(RecordForm):
    """A form for a part of a visit (participant, meeting, cost item) added on its page."""

    choices = {"organisation": ORGANISATIONS}

    def __init__(self, *args: Any, visit: Visit, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", self._meta.model._meta.model_name)
        super().__init__(*args, **kwargs)
        self.instance.visit = visit


class ParticipantForm(VisitPartForm):
    class Meta:
        model = Participant
        fields = ["name", "role", "organisation"]
        help_texts = {"name": "A person, or a group when names are not recorded."}


class MeetingForm(VisitPartForm):
    class Meta:
        model = Meeting
        fields = ["organisation", "held_on", "outcome"]
        widgets = {"outcome": forms.Textarea(attrs={"rows": 2})}


class CostItemForm(VisitPartForm, VersionedModelForm):
    """A cost item added on the visit's page or, with the version its editor loaded, changed in its row."""

    class Meta:
        model = CostItem
        fields = ["category", "description", "quantity", "unit_cost", "funder"]
        error_messages = {
            "quantity": dict.fromkeys(
                ("max_digits", "max_whole_digits"), f"The quantity can be at most {LARGEST_QUANTITY:,}."
            ),
            "unit_cost": dict.fromkeys(("max_digits", "max_whole_digits"), f"A unit cost {TOO_MUCH}"),
        }

    def __init__(self, *args: Any, visit: Visit, **kwargs: Any) -> None:
        if kwargs.get("instance") is not None:
            # Apart from the form adding an item, so that no two fields on the page share an id.
            kwargs.setdefault("prefix", "change")
        super().__init__(*args, visit=visit, **kwargs)
        if self.instance.pk is None:
            self.fields["funder"].initial = visit.funder
        else:
            # Straight into the row's form, for a keyboard or screen reader, once it is shown.
            self.fields["category"].widget.attrs["autofocus"] = True


class QuickEstimateForm(forms.Form):
    """people x nights x nightly rate + fares + gifts + materials."""

    people = forms.IntegerField(label="People travelling", min_value=1, max_value=500)
    nights = forms.IntegerField(label="Nights", min_value=0, max_value=365)
    nightly_rate = forms.DecimalField(label="Nightly rate per person (£)", **MONEY_FIELD)
    fare_per_person = forms.DecimalField(label="Fare per person (£)", **MONEY_FIELD)
    civic_gifts = forms.DecimalField(label="Civic gifts (£)", initial=Decimal("0"), **MONEY_FIELD)
    presentation_materials = forms.DecimalField(
        label="Presentation materials (£)", initial=Decimal("0"), **MONEY_FIELD
    )
    funder = forms.ChoiceField(label="Who pays", choices=CostItem._meta.get_field("funder").choices)

    def __init__(self, *args: Any, visit: Visit, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "estimate")
        super().__init__(*args, **kwargs)
        self.fields["funder"].initial = visit.funder
        if visit.party_size:
            self.fields["people"].initial = visit.party_size
        if visit.nights is not None:
            self.fields["nights"].initial = visit.nights

    def estimate(self) -> QuickEstimate:
        data = self.cleaned_data
        return QuickEstimate(
            people=data["people"],
            nights=data["nights"],
            nightly_rate=data["nightly_rate"],
            fare_per_person=data["fare_per_person"],
            civic_gifts=data["civic_gifts"],
            presentation_materials=data["presentation_materials"],
            funder=data["funder"],
        )

    # The field each part of the estimate is priced from, where a part's total can be too large.
    priced_by = {
        CostCategory.ACCOMMODATION: (
            "nightly_rate",
            "The accommodation",
            "the people, the nights and the nightly rate",
        ),
        CostCategory.TRAVEL: ("fare_per_person", "The fares", "the people and the fare"),
    }

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if self.errors:
            return cleaned
        estimate = self.estimate()
        if estimate.total <= 0:
            raise forms.ValidationError("The estimate comes to nothing: give at least one rate or amount.")
        for category, _, quantity, unit_cost in estimate.lines():
            if category in self.priced_by and quantity * unit_cost > LARGEST_SUM:
                field, what, check = self.priced_by[category]
                self.add_error(field, too_much_message(what, quantity * unit_cost, check))
        return cleaned


class FollowUpForm(RecordForm):
    class Meta:
        model = Action
        fields = ["title", "description", "owner", "due_on"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "follow_up")
        super().__init__(*args, **kwargs)


class GiftForm(VersionedModelForm):
    class Meta:
        model = Gift
        fields = [
            "direction",
            "kind",
            "description",
            "value",
            "counterparty",
            "counterparty_organisation",
            "on",
            "visit",
            "was_refused",
            "declared_on",
            "recipient_role",
            "what_became_of_it",
            "notes",
        ]

    choices = {"visit": VISITS, "counterparty_organisation": ORGANISATIONS}
