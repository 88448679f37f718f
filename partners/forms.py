from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.db.models.functions import Lower
from django.urls import reverse

from core.forms import RecordForm, VersionedModelForm

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

# The choices many forms offer: relationships, named by their place; organisations by name.
RELATIONSHIPS = Relationship.objects.select_related("place")
ORGANISATIONS = Organisation.objects.order_by("name")


class PlaceForm(VersionedModelForm):
    class Meta:
        model = Place
        fields = ["name", "local_name", "country", "region", "kind", "population", "sectors", "notes"]
        widgets = {"sectors": forms.CheckboxSelectMultiple}


class RelationshipForm(VersionedModelForm):
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
        if self.instance.pk is not None:
            # Status moves only through the status form, which records each move;
            # the place is what the relationship is, so it is fixed once made.
            del self.fields["status"]
            del self.fields["place"]


class StakeholderForm(RecordForm):
    class Meta:
        model = Stakeholder
        fields = ["organisation", "role"]

    choices = {"organisation": ORGANISATIONS}

    def __init__(self, *args: Any, relationship: Relationship, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instance.relationship = relationship


# The in-place forms' fields, posted with the approach form they sit in.
IN_PLACE_PREFIXES = ("new_organisation-", "new_contact-")


class InPlaceForm(RecordForm):
    """A small form inside the approach form, its fields prefixed so the two do not mix."""

    def has_typed(self, *names: str) -> bool:
        """Whether anything was typed in these fields (the form is shown with what was typed)."""
        return any(str(self.initial.get(name) or "").strip() for name in names)


def in_place_form(form_class: type[InPlaceForm], typed: Mapping[str, Any]) -> InPlaceForm:
    """The in-place form, unbound, showing what was typed in it."""
    prefix = form_class.prefix
    initial = {name: typed.get(f"{prefix}-{name}", "") for name in form_class.base_fields}
    return form_class(initial={name: value for name, value in initial.items() if value})


THROUGH_CONTACT_HELP = "Once an organisation is chosen, only its contacts are listed."


class ThroughContactMixin:
    """The organisation an approach came through, and a contact of it.

    The contact select offers only the chosen organisation's contacts (htmx
    asks for them again when the organisation changes); every contact stays
    acceptable to the field, so that one of another organisation is refused by
    the approach's own rule, with its message beside the field, rather than as
    an unknown choice.
    """

    fields: dict[str, forms.Field]
    initial: dict[str, Any]
    data: Any
    is_bound: bool
    instance: Approach

    def narrow_contacts(self) -> None:
        organisation_field, contact_field = self.fields["via_organisation"], self.fields["via_contact"]
        organisation_field.queryset = ORGANISATIONS
        organisation_field.widget.attrs.update(
            {
                "hx-get": reverse("partners:approach-contact-choices"),
                "hx-trigger": "change",
                "hx-target": "#div_id_via_contact",
                "hx-swap": "outerHTML",
                "hx-include": "#id_via_contact",
            }
        )
        contacts = Contact.objects.select_related("organisation")
        contact_field.queryset = contacts
        contact_field.help_text = THROUGH_CONTACT_HELP
        organisation = self.chosen_organisation()
        if organisation is None:
            return
        offered = Q(organisation=organisation)
        if self.instance.pk is not None and self.instance.via_contact_id:
            # Whom the approach was recorded through stays on offer while it is edited.
            offered |= Q(pk=self.instance.via_contact_id)
        contact_field.widget.choices = forms.ModelChoiceField(
            queryset=contacts.filter(offered), empty_label=contact_field.empty_label
        ).choices

    def chosen_organisation(self) -> Organisation | None:
        """The organisation chosen in the form as sent or as it opens, if a real one."""
        if self.is_bound:
            chosen = self.data.get(self.add_prefix("via_organisation"))  # type: ignore[attr-defined]
        else:
            chosen = self.initial.get("via_organisation")
        if chosen in (None, ""):
            return None
        try:
            return self.fields["via_organisation"].clean(chosen)
        except ValidationError:
            return None


class ApproachCreateForm(ThroughContactMixin, VersionedModelForm):
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

    def __init__(self, *args: Any, draft: Mapping[str, str] | None = None, **kwargs: Any) -> None:
        if draft:
            kwargs["initial"] = {**kwargs.get("initial", {}), **draft}
        super().__init__(*args, **kwargs)
        self.fields["place"].required = False
        self.fields["place"].queryset = Place.objects.order_by(Lower("name"))
        self.narrow_contacts()
        # The organisation and contact that may be added from within this form, as typed so far.
        typed = self.data if self.is_bound else self.initial
        self.new_organisation = in_place_form(NewOrganisationForm, typed)
        self.new_contact = in_place_form(NewContactForm, typed)

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
                new_region = (cleaned.get("new_place_region") or "").strip()
                existing = Place.objects.filter(
                    name__iexact=new_name, country__iexact=new_country, region__iexact=new_region
                ).first()
                if existing is not None:
                    self.add_error(
                        "new_place_name",
                        f"{existing} is already in the register; choose it from the list instead, "
                        "or give the region or province if it is another place of the same name.",
                    )
        return cleaned

    def clean_via_organisation(self) -> Organisation | None:
        # A new organisation typed but never added would otherwise be lost without a word.
        if self.new_organisation.has_typed("name"):
            raise ValidationError(
                "You typed a new organisation but did not add it: press “Add the organisation and "
                "choose it”, or clear its name."
            )
        return self.cleaned_data.get("via_organisation")

    def clean_via_contact(self) -> Contact | None:
        if self.new_contact.has_typed("name", "job_title"):
            raise ValidationError(
                "You typed a new contact but did not add them: press “Add the contact and choose "
                "them”, or clear their name and job title."
            )
        return self.cleaned_data.get("via_contact")

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


class ApproachForm(ThroughContactMixin, VersionedModelForm):
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
        self.narrow_contacts()


class OrganisationForm(VersionedModelForm):
    # A website typed without a scheme is taken as https (Django 6's default).
    website = forms.URLField(label="Website", max_length=200, required=False, assume_scheme="https")

    class Meta:
        model = Organisation
        fields = ["name", "kind", "country", "website", "sectors", "notes"]
        widgets = {"sectors": forms.CheckboxSelectMultiple}


class NewOrganisationForm(InPlaceForm):
    """An organisation added from within the approach form: what it takes to choose it there."""

    prefix = "new_organisation"

    class Meta:
        model = Organisation
        fields = ["name", "kind", "country"]
        labels = {
            "name": "New organisation's name",
            "kind": "New organisation's kind",
            "country": "New organisation's country",
        }


class NewContactForm(InPlaceForm):
    """A contact added from within the approach form, at the organisation chosen there."""

    prefix = "new_contact"

    class Meta:
        model = Contact
        fields = ["name", "job_title", "email", "phone"]
        labels = {
            "name": "New contact's name",
            "job_title": "New contact's job title",
            "email": "New contact's email",
            "phone": "New contact's phone",
        }
        help_texts = {"name": "Leave blank if only their post is known."}


class ContactForm(VersionedModelForm):
    class Meta:
        model = Contact
        fields = ["name", "job_title", "organisation", "email", "phone", "notes"]


class ActionForm(VersionedModelForm):
    class Meta:
        model = Action
        fields = ["title", "description", "relationship", "owner", "due_on", "status", "source"]

    choices = {"relationship": RELATIONSHIPS}


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

    choices = {"relationship": RELATIONSHIPS}


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
