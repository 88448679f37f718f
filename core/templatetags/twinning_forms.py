"""Template tags for forms."""

from __future__ import annotations

import html
import uuid
from typing import Any

from django import forms, template
from django.forms.widgets import Input
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from core.links import may_send

register = template.Library()


@register.simple_tag
def submission_token() -> SafeString:
    """A one-off token for a form that adds something, so that sending it twice adds it once
    (core.views.sent_before)."""
    from core.views import SUBMISSION_FIELD

    return format_html('<input type="hidden" name="{}" value="{}">', SUBMISSION_FIELD, uuid.uuid4().hex)


@register.inclusion_tag("components/offered_part_form.html", takes_context=True)
def part_form(
    context: template.Context, form: Any, url_name: str, *args: Any, heading: str, **options: Any
) -> dict[str, Any]:
    """``{% part_form meeting_form "delegations:meeting-add" visit.pk heading="Record a meeting" submit="Record meeting" %}``:
    the form adding a part to the record on the page, under its heading, for those whose role
    lets them send it (what its view requires, read from the view), and nothing for the others.
    The other options are components/part_form.html's, and ``heading_class``."""
    action = reverse(url_name, args=args)
    if not may_send(context["request"].user, action):
        return {}
    return {**options, "form": form, "action": action, "heading": heading}


@register.inclusion_tag("components/status_form.html", takes_context=True)
def decision_form(
    context: template.Context, form: Any, url_name: str, *args: Any, open: Any = True, **options: Any
) -> dict[str, Any]:
    """``{% decision_form status_form "delegations:visit-status" visit.pk open=visit.allowed_next_statuses heading="Change status" submit="Change status" %}``:
    a record's status move or decision, offered while the record is open to it (``open``) to
    those whose role lets them send it (what its view requires). One whose move was refused
    sees the form again with what was wrong, or, once the record has closed to it, what was
    wrong and ``closed``. The other options are components/status_form.html's."""
    action = reverse(url_name, args=args)
    if not ((open and may_send(context["request"].user, action)) or form.errors):
        return {}
    return {**options, "form": form, "action": action if open else None}


@register.filter
def has_required_fields(form: Any) -> bool:
    """Whether the form shows a field that must be filled in (and so an asterisk to explain)."""
    return any(field.field.required and not field.is_hidden for field in form)


def _choices(field: forms.Field) -> list[tuple[Any, Any]]:
    """A select's choices. A model's records are read as a plain list: Django's own choice
    iterator reads them through a cursor held open, a costly thing outside a transaction.
    Records already read (a filter's kept choices, core/filters.py) are not read again."""
    if isinstance(field, forms.ModelChoiceField) and "_choices" not in vars(field):
        empty = [("", field.empty_label)] if field.empty_label is not None else []
        return empty + [
            (field.prepare_value(obj), field.label_from_instance(obj)) for obj in field.queryset.all()
        ]
    return list(field.widget.choices)


def _options(field: forms.BoundField) -> SafeString:
    chosen = field.value()
    chosen = {str(value) for value in chosen} if isinstance(chosen, list | tuple) else {str(chosen or "")}
    # Plain escaping (the standard library's, as Django's escape() does without its checks
    # for lazy text), not format_html per option: a filter may offer every country or year.
    return mark_safe(  # noqa: S308 - every value and label is escaped here
        "".join(
            f'<option value="{html.escape(str(value))}"{" selected" if str(value) in chosen else ""}>'
            f"{html.escape(str(label))}</option>"
            for value, label in _choices(field.field)
        )
    )


@register.simple_tag
def filter_field(field: forms.BoundField) -> SafeString:
    """One of a list's filters: label, control, error and hint, in Bootstrap's markup.

    Written out here rather than through a template per field and per option:
    every list page shows its filters, and a select of every country or year
    would otherwise render a template for each option.
    """
    name = field.auto_id
    invalid = bool(field.errors)
    described = f"{name}_error" if invalid else (f"{name}_helptext" if field.help_text else "")
    aria = {"aria-invalid": "true"} if invalid else {}
    if described:
        aria["aria-describedby"] = described
    widget = field.field.widget
    if isinstance(widget, forms.Select) and not isinstance(widget, forms.SelectMultiple):
        control = format_html(
            '<select name="{}" id="{}" class="form-select{}"{}>{}</select>',
            field.html_name,
            name,
            " is-invalid" if invalid else "",
            format_html_join("", ' {}="{}"', aria.items()),
            _options(field),
        )
    elif isinstance(widget, Input) and not isinstance(widget, forms.CheckboxInput):
        value = widget.format_value(field.value())
        attrs = {**widget.attrs, **aria}
        control = format_html(
            '<input type="{}" name="{}" id="{}" class="form-control{}"{}{}>',
            widget.input_type,
            field.html_name,
            name,
            " is-invalid" if invalid else "",
            format_html(' value="{}"', value) if value not in (None, "") else "",
            format_html_join("", ' {}="{}"', ((key, val) for key, val in attrs.items() if key != "class")),
        )
    else:
        css = "form-control is-invalid" if invalid else "form-control"
        control = field.as_widget(attrs={"class": css, **aria})
    errors = format_html_join(
        "",
        '<p id="error_{}_{}"><strong>{}</strong></p>',
        ((i, name, e) for i, e in enumerate(field.errors, 1)),
    )
    return format_html(
        '<div class="col-sm-6 col-lg filter-field"><div id="div_{}" class="mb-3"><label for="{}" class="form-label">{}</label>'
        "{}{}{}</div></div>",
        name,
        name,
        field.label,
        control,
        format_html('<div id="{}_error" class="invalid-feedback">{}</div>', name, errors) if invalid else "",
        format_html('<div id="{}_helptext" class="form-text">{}</div>', name, field.help_text)
        if field.help_text
        else "",
    )
