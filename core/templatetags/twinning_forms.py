"""Template tags for forms."""

from __future__ import annotations

import html
import uuid
from typing import Any

from django import forms, template
from django.forms.widgets import Input
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.simple_tag
def submission_token() -> SafeString:
    """A one-off token for a form that adds something, so that sending it twice adds it once
    (core.views.sent_before)."""
    from core.views import SUBMISSION_FIELD

    return format_html('<input type="hidden" name="{}" value="{}">', SUBMISSION_FIELD, uuid.uuid4().hex)


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
