"""The privacy pages' forms: they check what was typed, and never write."""

from __future__ import annotations

from django import forms


class ReasonForm(forms.Form):
    """Why the details are erased: the request or the review that asked for it."""

    reason = forms.CharField(
        label="Why they are erased",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text="The request (its reference), or the retention review. Kept with the record of the erasure.",
    )


class KeepForm(forms.Form):
    """Keeping a record past its retention date, for a while and for a reason."""

    reason = forms.CharField(
        label="Why it is kept", widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )
    months = forms.IntegerField(
        label="Keep for (months)",
        min_value=1,
        max_value=120,
        initial=12,
        help_text="It is listed again after this.",
    )


class PersonForm(forms.Form):
    """Whom to look for, and the request's reference."""

    name = forms.CharField(
        label="Name", min_length=3, max_length=150, help_text="Any part of the name the register may hold."
    )
    email = forms.EmailField(label="E-mail address", required=False)
    reference = forms.CharField(
        label="Request reference", max_length=100, help_text="The subject access request's case number."
    )
