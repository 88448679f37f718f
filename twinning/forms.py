"""Form pieces shared by every app."""

from __future__ import annotations

from typing import Any

from django import forms

from .history import one_history_record


class DateInput(forms.DateInput):
    """The browser's own date picker, which is keyboard- and screen-reader-usable."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class DatePickerMixin:
    """Every date field gets the browser's own date picker."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[call-arg]
        for field in self.fields.values():  # type: ignore[attr-defined]
            if isinstance(field, forms.DateField):
                field.widget = DateInput(attrs=field.widget.attrs)


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
