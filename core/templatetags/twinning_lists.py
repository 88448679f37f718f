"""Tags for the register's lists and menu: sortable column headers, tables that scroll, menu items."""

from __future__ import annotations

import re
from typing import Any

from django import template
from django.template.base import token_kwargs
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe

from core import tables
from core.links import page_url

register = template.Library()


@register.simple_tag(takes_context=True)
def nav_link(context: template.Context, url_name: str, label: str) -> str:
    """An item of the main menu, marked as the current page when it is its address, and as
    the current section on a page below it (a record of the list it leads to)."""
    target = page_url(url_name)
    path = context["request"].path
    current = (
        ' aria-current="page"'
        if path == target
        else ' aria-current="true"'
        if path.startswith(target)
        else ""
    )
    return mark_safe(  # noqa: S308 - the address is the app's own, the label escaped
        f'<li class="nav-item"><a class="nav-link" href="{target}"{current}>{escape(label)}</a></li>'
    )


@register.simple_tag(takes_context=True)
def table_head(context: template.Context, columns: Any) -> str:
    """A list's header row from its columns (core/tables.py), sortable ones as links."""
    return tables.table_head(context["request"], columns)


@register.simple_tag
def table_rows(columns: Any, records: Any) -> str:
    """A list's rows from its columns (core/tables.py)."""
    return tables.table_rows(columns, records)


@register.simple_tag
def page(url_name: str) -> str:
    """The address of a page without arguments ({% url %} for the layout's links, worked out once)."""
    return page_url(url_name)


OPTION = re.compile(r"\w+=")


class ScrollingTableNode(template.Node):
    def __init__(self, label: list[Any], css: Any, caption: Any, nodelist: template.NodeList) -> None:
        self.label, self.css, self.caption, self.nodelist = label, css, caption, nodelist

    def render(self, context: template.Context) -> str:
        label = "".join(str(part.resolve(context)) for part in self.label)
        css = self.css.resolve(context) if self.css else "table"
        captioned = self.caption is None or self.caption.resolve(context)
        caption = format_html('\n<caption class="visually-hidden">{}</caption>', label) if captioned else ""
        return format_html(
            '<div class="table-responsive" tabindex="0" role="region" aria-label="{}">\n'
            '<table class="{}">{}{}</table>\n</div>',
            label,
            css,
            caption,
            mark_safe(self.nodelist.render(context)),  # noqa: S308 - the template's own, rendered
        )


@register.tag
def scrolling_table(parser: template.base.Parser, token: template.base.Token) -> ScrollingTableNode:
    """``{% scrolling_table "Visits under " section.caption css="table table-sm" %}`` … ``{% endscrolling_table %}``:
    a table that scrolls sideways on a narrow screen, inside a region that keyboards reach
    and screen readers name by the label (its parts joined); the label is its hidden caption
    too, unless ``caption=False`` where the table gives its own."""
    bits = token.split_contents()[1:]
    label = [parser.compile_filter(bit) for bit in bits if not OPTION.match(bit)]
    options = token_kwargs([bit for bit in bits if OPTION.match(bit)], parser)
    if not label or set(options) - {"css", "caption"}:
        raise template.TemplateSyntaxError("scrolling_table takes a label, and css= and caption= at most")
    nodelist = parser.parse(("endscrolling_table",))
    parser.delete_first_token()
    return ScrollingTableNode(label, options.get("css"), options.get("caption"), nodelist)
