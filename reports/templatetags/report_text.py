"""A report's paragraphs as HTML, names in local script marked with their language."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.safestring import SafeString

from reports.document import text_with_languages

register = template.Library()


@register.simple_tag(takes_context=True)
def report_text(context: Any, text: str) -> SafeString:
    """``{% report_text item.text %}``: uses the ``local_names`` the page was given."""
    return text_with_languages(text, context.get("local_names") or {})
