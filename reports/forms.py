from __future__ import annotations

from typing import Any

from django import forms
from django.forms import modelformset_factory
from django.utils.html import format_html

from core.forms import DatePickerMixin, RecordForm, StatusChangeForm, VersionedModelForm

from .models import (
    IMPLICATION_HEADINGS,
    PARAGRAPH_MAX_CHARS,
    PARAGRAPH_TOO_LONG,
    SECTIONS,
    Paragraph,
    Report,
    SignOff,
)


class ReportForm(VersionedModelForm):
    class Meta:
        model = Report
        fields = [
            "committee",
            "meeting_date",
            "title",
            "report_of",
            "is_key_decision",
            "wards_affected",
            "is_exempt",
            "exempt_paragraph",
            "public_interest_reasoning",
            "author_name",
            "contact_phone",
            "contact_email",
            "background_papers",
            "appendices",
        ]
        error_messages = {"title": {"required": "Give the report a title."}}
        widgets = {
            "background_papers": forms.Textarea(attrs={"rows": 2}),
            "appendices": forms.Textarea(attrs={"rows": 2}),
            "public_interest_reasoning": forms.Textarea(attrs={"rows": 3}),
        }


SECTION_CHOICES = [(f"body:{n}", f"{n} {title}") for n, title in SECTIONS.items()] + [
    (f"implications:{n}", f"Appendix 1 – {n} {title}") for n, title in IMPLICATION_HEADINGS.items()
]


class ParagraphForm(VersionedModelForm):
    """A paragraph's words and the section it belongs to; its number is worked out, never typed."""

    where = forms.ChoiceField(label="Section", choices=SECTION_CHOICES)

    class Meta:
        model = Paragraph
        fields = ["text"]
        labels = {"text": "Paragraph"}
        widgets = {"text": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args: Any, report: Report, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "paragraph")
        super().__init__(*args, **kwargs)
        self.instance.report = report
        # Keep the spaces so that clean_text can say what is wrong with them.
        self.fields["text"].strip = False
        self.fields["text"].error_messages["required"] = "Write the paragraph."
        if self.instance.pk:
            self.fields["where"].initial = f"{self.instance.part}:{self.instance.section}"

    def clean_text(self) -> str:
        text = self.cleaned_data["text"]
        if not text.strip():
            raise forms.ValidationError("A paragraph needs some words: it cannot be only spaces.")
        text = text.strip()
        if len(text) > PARAGRAPH_MAX_CHARS:
            raise forms.ValidationError(PARAGRAPH_TOO_LONG, params={"show_value": len(text)})
        return text

    def values(self) -> dict[str, Any]:
        part, section = self.cleaned_data["where"].split(":")
        return {"text": self.cleaned_data["text"], "part": part, "section": int(section)}


class DraftFromRegisterForm(DatePickerMixin, forms.Form):
    meeting_date = forms.DateField(label="Meeting date")
    title = forms.CharField(max_length=250, initial="Opportunities for Overseas Economic Twinning")
    report_of = forms.CharField(
        label="Report of", max_length=200, help_text="For example: the Strategic Director for Neighbourhoods."
    )

    def clean_title(self) -> str:
        title = self.cleaned_data["title"].strip()
        if not title:
            raise forms.ValidationError("Give the report a title.")
        return title

    def values(self) -> dict[str, Any]:
        """What the paper is drafted with (not the page's one-off token)."""
        return {name: self.cleaned_data[name] for name in ("meeting_date", "title", "report_of")}


class SignOffForm(RecordForm):
    class Meta:
        model = SignOff
        fields = ["officer_name", "cleared_on", "is_required"]

    # The table's column headers say these visibly; each field's name also says its row.
    column_words = {"officer_name": "Officer name", "cleared_on": "Cleared on", "is_required": "Required"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from .services import REQUIRED_SIGN_OFFS

        role = self.instance.get_role_display()
        for name, words in self.column_words.items():
            # Read aloud as "Legal officer: Officer name", not "Officer" six times over.
            self.fields[name].label = format_html('<span class="visually-hidden">{}: </span>{}', role, words)

            # The page keeps what it showed, so that only what this person changed is saved
            # and a colleague's save in between is neither undone nor overwritten unseen.
            self.fields[name].show_hidden_initial = True

        if self.instance.role in REQUIRED_SIGN_OFFS:
            # Legal, financial and service director clearance is always needed.
            self.fields["is_required"].disabled = True
            self.initial["is_required"] = True
            self.fields["is_required"].help_text = "Always required."

    def changes(self) -> dict[str, tuple[Any, Any]]:
        """Each field this person changed: (as the page showed it, as they left it).

        Without what the page showed (a client that did not send it), the row as it
        now stands is taken to be what was shown.
        """
        changed = {}
        for name in self.column_words:
            bound = self[name]
            if bound.field.disabled:
                continue
            shown = bound.initial
            if bound.html_initial_name in self.data:
                try:
                    shown = bound.field.to_python(self.data[bound.html_initial_name])
                except forms.ValidationError:
                    shown = None  # not what the page sent: whatever stands now differs, so ask
            if self.cleaned_data[name] != shown:
                changed[name] = (shown, self.cleaned_data[name])
        return changed

    def show_as_it_stands(self, data: Any, sign_off: SignOff) -> None:
        """Makes ``data`` (the page sent back) say the row was shown as it now stands."""
        for name in self.column_words:
            bound = self[name]
            value = getattr(sign_off, name)
            data[bound.html_initial_name] = bound.field.hidden_widget().format_value(value) or ""


# edit_only: a post with more rows than the page showed cannot create sign-offs.
SignOffFormSet = modelformset_factory(SignOff, form=SignOffForm, extra=0, can_delete=False, edit_only=True)


class ReportDecisionForm(StatusChangeForm):
    """The Leader's Office's approval or publication: the one move its button makes, and a note."""

    note_label = "Note (optional)"
    note_help = "Kept with the decision in the report's record."


class DecisionRecordForm(VersionedModelForm):
    class Meta:
        model = Report
        fields = [
            "decision",
            "decision_date",
            "decision_reasons",
            "alternatives_rejected",
            "conflicts_declared",
        ]
        widgets = {name: forms.Textarea(attrs={"rows": 3}) for name in fields if name != "decision_date"}
