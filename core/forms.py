"""Form pieces shared by every app.

Forms check what was typed; they never write. A view hands a valid form's
``values()`` to a service, which saves them.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any, ClassVar

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.template.defaultfilters import filesizeformat

from .files import FileRefused, accepted_extensions, allowed_in_words, check_upload
from .models import DocumentKind
from .status import HasStatusFlow, RuleBroken
from .text import person_name


class DateInput(forms.DateInput):
    """The browser's own date picker, which is keyboard- and screen-reader-usable."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


# Dates the register can hold: a typo such as 20155 for 2015, or 9999, is
# refused beside the field rather than stored (and overflowing date sums later).
EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2199, 12, 31)


def validate_reasonable_date(value: date | None) -> None:
    if value is not None and not (EARLIEST_DATE <= value <= LATEST_DATE):
        raise ValidationError(
            f"Enter a date between {EARLIEST_DATE.year} and {LATEST_DATE.year}.", code="unreasonable_date"
        )


class DatePickerMixin:
    """Every date field gets the browser's own date picker and a sane range."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[call-arg]
        for field in self.fields.values():  # type: ignore[attr-defined]
            if isinstance(field, forms.DateField):
                field.widget = DateInput(attrs=field.widget.attrs)
                if validate_reasonable_date not in field.validators:
                    field.validators.append(validate_reasonable_date)


class FiniteDecimalField(forms.DecimalField):
    """A DecimalField that refuses NaN and infinity as it reads them, so even a
    formset's has-it-changed check never compares a signalling NaN."""

    def to_python(self, value: Any) -> Decimal | None:
        number = super().to_python(value)
        if number is not None and not number.is_finite():
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return number


def people() -> QuerySet:
    """Active users, by name: who can lead, own or be assigned something."""
    return get_user_model().objects.filter(is_active=True).order_by("first_name", "last_name", "username")


class UserChoiceField(forms.ModelChoiceField):
    """Offers people by name, as the pages show them."""

    def label_from_instance(self, obj: Any) -> str:
        return person_name(obj)


# What Django shows in a select before anything is chosen.
DJANGO_UNCHOSEN = "---------"


def says_unchosen(field: forms.Field) -> None:
    """Has a form's select say in words what its empty choice means: "Choose one" where
    a choice is needed, "None" where it may be left empty; never a row of dashes."""
    words = "Choose one" if field.required else "None"
    if isinstance(field, forms.ModelChoiceField):
        if field.empty_label == DJANGO_UNCHOSEN:
            field.empty_label = words
    elif isinstance(field, forms.ChoiceField):
        choices = list(field.choices)
        if choices and choices[0][1] == DJANGO_UNCHOSEN:
            field.choices = [(choices[0][0], words), *choices[1:]]


class RecordForm(DatePickerMixin, forms.ModelForm):
    """A form for one record's fields. It checks them (the model's own rules too) and never saves:
    a view hands ``values()`` to a service."""

    # Related fields whose choices are not the model's default rows: listed by name, or
    # with the rows their labels read loaded alongside (not a query per choice). A person
    # the record names (core.models.named_user) is chosen among the active people, by name.
    choices: ClassVar[Mapping[str, QuerySet]] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.ModelChoiceField) and field.queryset.model is get_user_model():
                field.queryset, field.label_from_instance = people(), person_name
        for name, queryset in self.choices.items():
            if name in self.fields:
                self.fields[name].queryset = queryset
        for field in self.fields.values():
            says_unchosen(field)

    def values(self) -> dict[str, Any]:
        """The checked values of the model's own fields, for a service to save."""
        return {name: self.cleaned_data[name] for name in self._meta.fields if name in self.cleaned_data}

    def save(self, commit: bool = True) -> Any:
        raise NotImplementedError("Forms do not write: hand values() to a service.")


class VersionedModelForm(RecordForm):
    """Carries the version the editor loaded, so a stale save can be refused."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.fields["version"].initial = self.instance.version
        else:
            del self.fields["version"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if "version" in self.fields and cleaned.get("version") is None:
            raise forms.ValidationError("This form is missing its version; reload the page.")
        return cleaned

    @property
    def loaded_version(self) -> int | None:
        """The version of the record the editor saw (None for a new record)."""
        return self.cleaned_data.get("version")


class StatusChangeForm(forms.Form):
    """One of a record's allowed moves, the reason for it, and the version the mover saw.

    Offers only the moves the record's status flow allows; any known status
    is accepted here, and the service that makes the move explains in words
    why a move is refused. ``to_status`` given when the form is made fixes
    the move (a button such as "Approve the report").
    """

    to_status = forms.ChoiceField(label="New status")
    note = forms.CharField(
        label="Reason for the change",
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=2000,
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    # What each move is called on the form, where not the status's own name ("Approve").
    move_labels: dict[str, str] = {}
    radio = False
    note_label = ""
    note_help = ""
    note_required = False

    def __init__(self, *args: Any, record: HasStatusFlow, to_status: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.record = record
        flow = record.status_flow
        field = self.fields["to_status"]
        field.choices = flow.choices.choices
        allowed = [to_status] if to_status else record.allowed_next_statuses
        offered = [status for status in flow.choices.values if status in allowed]  # in the choices' order
        field.widget = (forms.RadioSelect if self.radio else forms.Select)(
            choices=[(status, self.move_labels.get(status, flow.label(status))) for status in offered]
        )
        if to_status:
            # The page's address makes the move: the form need not say it.
            field.initial = to_status
            field.required = False
            field.widget = forms.HiddenInput()
        note = self.fields["note"]
        note.required = self.note_required
        note.label = self.note_label or note.label
        note.help_text = self.note_help
        self.fields["version"].initial = record.version  # type: ignore[attr-defined]

    def clean_to_status(self) -> str:
        to_status = self.cleaned_data["to_status"]
        fixed = self.initial_to_status
        if fixed and to_status not in ("", fixed):
            # The page's address decides the move (and who may make it), not the form's data.
            raise forms.ValidationError("This form makes one move only; reload the page.")
        return fixed or to_status

    def add_refusal(self, refusal: RuleBroken) -> None:
        """A rule's refusal beside its field, or over the form when that field is not shown."""
        field = refusal.field if refusal.field in self.fields else None
        if field is not None and self.fields[field].widget.is_hidden:
            field = None
        self.add_error(field, refusal.message)

    def with_current_version(self, record: HasStatusFlow) -> StatusChangeForm:
        """The same submission against the record as it now stands, after a colleague's move."""
        data = self.data.copy()
        data["version"] = str(record.version)  # type: ignore[attr-defined]
        fresh = type(self)(data, record=record, to_status=self.initial_to_status)
        fresh.is_valid()
        return fresh

    @property
    def initial_to_status(self) -> str:
        return self.fields["to_status"].initial or ""


class DocumentForm(DatePickerMixin, forms.Form):
    """A file to keep with a record: what it is called, what kind of document and its date.

    The file is checked as it is cleaned (core/files.py): its size, its type by content,
    viruses; a photograph loses its location. ``kinds`` are those the record offers.
    """

    prefix = "document"
    title = forms.CharField(
        label="Document title", max_length=200, help_text="As the document calls itself, or what it is."
    )
    kind = forms.ChoiceField(label="Kind of document")
    dated = forms.DateField(label="Document date", help_text="The date it bears: signed, sent or received.")
    file = forms.FileField(label="File")

    def __init__(self, *args: Any, kinds: tuple[str, ...], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", "Choose one")] + [
            (kind, DocumentKind(kind).label) for kind in kinds
        ]
        file_field = self.fields["file"]
        file_field.widget.attrs["accept"] = accepted_extensions()
        file_field.help_text = f"{allowed_in_words()}; at most {filesizeformat(settings.DOCUMENT_MAX_BYTES)}."
        self.checked: Any = None

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        try:
            self.checked = check_upload(upload, upload.name)
        except FileRefused as refusal:
            raise ValidationError(refusal.message, code="refused") from None
        return upload

    def values(self) -> dict[str, Any]:
        return {
            "title": self.cleaned_data["title"],
            "kind": self.cleaned_data["kind"],
            "dated": self.cleaned_data["dated"],
            "checked": self.checked,
        }
