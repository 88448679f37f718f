from __future__ import annotations

from typing import Any

from django import forms
from django.db.models.functions import Lower

from core.forms import RecordForm, UserChoiceField, VersionedModelForm, people

from .models import (
    Action,
    Approach,
    Contact,
    Exchange,
    Organisation,
    Place,
    PlaceKind,
    Relationship,
    RelationshipKind,
    Stakeholder,
    TriageScore,
)


class PlaceForm(VersionedModelForm):
    class Meta:
        model = Place
        fields = ["name", "local_name", "country", "region", "kind", "population", "sectors", "notes"]
        widgets = {"sectors": forms.CheckboxSelectMultiple}


class RelationshipForm(VersionedModelForm):
    lead_officer = UserChoiceField(queryset=people(), required=False)

    class Meta:
        model = Relationship
        fields = [
            "place",
            "kind",
            "status",
            "councils",
            "established_year",
            "lead_officer",
            "rag",
            "next_review_on",
            "narrative",
        ]
        widgets = {"councils": forms.CheckboxSelectMultiple}
        labels = {"status": "Status to start in"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["lead_officer"].queryset = people()
        if self.instance.pk is not None:
            # Status moves only through the status form, which records each move;
            # the place is what the relationship is, so it is fixed once made.
            del self.fields["status"]
            del self.fields["place"]


class StakeholderForm(RecordForm):
    class Meta:
        model = Stakeholder
        fields = ["organisation", "role"]

    def __init__(self, *args: Any, relationship: Relationship, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instance.relationship = relationship
        self.fields["organisation"].queryset = Organisation.objects.order_by("name")


class ApproachCreateForm(VersionedModelForm):
    """Records an approach from a place in the register, or from a new one."""

    new_place_name = forms.CharField(label="English name", max_length=120, required=False)
    new_place_local_name = forms.CharField(
        label="Name in local script",
        max_length=120,
        required=False,
        help_text="As the place writes it, for example 合肥市.",
    )
    new_place_region = forms.CharField(
        label="Region or province",
        max_length=120,
        required=False,
        help_text="For example Sichuan, for Chengdu.",
    )
    new_place_country = forms.CharField(label="Country", max_length=80, required=False)
    new_place_kind = forms.ChoiceField(
        label="Kind of place", choices=PlaceKind.choices, initial=PlaceKind.CITY
    )
    relationship_kind = forms.ChoiceField(
        label="Kind of link sought",
        choices=RelationshipKind.choices,
        initial=RelationshipKind.ECONOMIC,
        help_text="Used when the place has no open relationship of this kind yet; one is opened in "
        "“Approach received”.",
    )

    class Meta:
        model = Approach
        fields = ["place", "received_on", "via_organisation", "via_contact", "request", "respond_by"]
        help_texts = {
            "place": "Choose a place already in the register, or leave blank and give a new one below."
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["place"].required = False
        self.fields["place"].queryset = Place.objects.order_by(Lower("name"))
        self.fields["via_contact"].queryset = Contact.objects.select_related("organisation")
        self.fields["via_organisation"].queryset = Organisation.objects.order_by("name")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        place = cleaned.get("place")
        new_name = (cleaned.get("new_place_name") or "").strip()
        new_country = (cleaned.get("new_place_country") or "").strip()
        if place and new_name:
            self.add_error(
                "new_place_name", "Either choose a place from the list or name a new one, not both."
            )
        elif not place and not new_name:
            self.add_error("place", "Choose the place the approach came from, or name a new place below.")
        elif not place:
            if not new_country:
                self.add_error("new_place_country", "Give the new place's country.")
            else:
                existing = Place.objects.filter(name__iexact=new_name, country__iexact=new_country).first()
                if existing is not None:
                    self.add_error(
                        "new_place_name",
                        f"{existing} is already in the register; choose it from the list instead.",
                    )
        return cleaned

    def new_place(self) -> dict[str, str] | None:
        """The new place's values, where the approach came from a place not yet in the register."""
        if self.cleaned_data.get("place") is not None:
            return None
        return {
            "name": self.cleaned_data["new_place_name"].strip(),
            "local_name": self.cleaned_data["new_place_local_name"].strip(),
            "region": self.cleaned_data["new_place_region"].strip(),
            "country": self.cleaned_data["new_place_country"].strip(),
            "kind": self.cleaned_data["new_place_kind"],
        }


class ApproachForm(VersionedModelForm):
    class Meta:
        model = Approach
        fields = [
            "received_on",
            "via_organisation",
            "via_contact",
            "request",
            "respond_by",
            "response",
            "responded_on",
            "outcome",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["via_contact"].queryset = Contact.objects.select_related("organisation")


class OrganisationForm(VersionedModelForm):
    # A website typed without a scheme is taken as https (Django 6's default).
    website = forms.URLField(label="Website", max_length=200, required=False, assume_scheme="https")

    class Meta:
        model = Organisation
        fields = ["name", "kind", "country", "website", "sectors", "notes"]
        widgets = {"sectors": forms.CheckboxSelectMultiple}


class ContactForm(VersionedModelForm):
    class Meta:
        model = Contact
        fields = ["name", "job_title", "organisation", "email", "phone", "notes"]


class ActionForm(VersionedModelForm):
    owner = UserChoiceField(queryset=people(), required=False)

    class Meta:
        model = Action
        fields = ["title", "description", "relationship", "owner", "due_on", "status", "source"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = people()
        self.fields["relationship"].queryset = Relationship.objects.select_related("place")


class ExchangeForm(VersionedModelForm):
    class Meta:
        model = Exchange
        fields = [
            "relationship",
            "kind",
            "title",
            "host",
            "starts_on",
            "ends_on",
            "duration_months",
            "description",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["relationship"].queryset = Relationship.objects.select_related("place")


class ApproachTriageForm(forms.Form):
    """A score (0-5) and its reason for each criterion in use; a criterion left
    unscored stays as it was. ``scored_as`` is what the scores were when the
    form was shown, so a colleague's scoring in between is not overwritten
    unseen."""

    scored_as = forms.CharField(widget=forms.HiddenInput, required=False, max_length=2000)

    def __init__(self, *args: Any, criteria: list[Any], current: dict[int, Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        for criterion in criteria:
            existing = current.get(criterion.pk)
            self.fields[f"score_{criterion.pk}"] = forms.TypedChoiceField(
                label=f"{criterion.name} (weight {criterion.weight})",
                help_text=criterion.question,
                choices=[("", "Not scored"), *TriageScore.choices],
                coerce=int,
                empty_value=None,
                required=False,
                initial=existing.score if existing else "",
            )
            self.fields[f"reason_{criterion.pk}"] = forms.CharField(
                label=f"Reason for the {criterion.name.lower()} score",
                widget=forms.Textarea(attrs={"rows": 2}),
                required=False,
                max_length=4000,
                initial=existing.reason if existing else "",
            )

    def rows(self) -> list[tuple[Any, Any, Any]]:
        """(criterion, score field, reason field) for the template."""
        return [(c, self[f"score_{c.pk}"], self[f"reason_{c.pk}"]) for c in self.criteria]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        for criterion in self.criteria:
            score = cleaned.get(f"score_{criterion.pk}")
            reason = (cleaned.get(f"reason_{criterion.pk}") or "").strip()
            if score is not None and not reason:
                self.add_error(f"reason_{criterion.pk}", "Give the reason for this score.")
            if score is None and reason:
                self.add_error(
                    f"score_{criterion.pk}", "Choose a score for this reason, or clear the reason."
                )
        return cleaned

    def given(self) -> list[tuple[Any, int, str]]:
        return [
            (c, self.cleaned_data[f"score_{c.pk}"], self.cleaned_data[f"reason_{c.pk}"].strip())
            for c in self.criteria
            if self.cleaned_data.get(f"score_{c.pk}") is not None
        ]
