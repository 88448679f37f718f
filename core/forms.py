"""Form pieces shared by every app."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from .history import one_history_record


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


class VersionedModelForm(DatePickerMixin, forms.ModelForm):
    """Carries the version the editor loaded, so a stale save can be refused."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.fields["version"].initial = self.instance.version
        else:
            del self.fields["version"]

    def save(self, commit: bool = True) -> Any:
        if not commit:
            return super().save(commit=False)
        instance = super().save(commit=False)
        with one_history_record(instance, created=instance._state.adding):
            instance.save()
            self._save_m2m()
        return instance

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if "version" in self.fields:
            loaded = cleaned.get("version")
            if loaded is None:
                raise forms.ValidationError("This form is missing its version; reload the page.")
            self.instance.version = loaded
        return cleaned
