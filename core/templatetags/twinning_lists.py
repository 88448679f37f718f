"""Tags for the register's lists and menu: sortable column headers, tables that scroll, menu items."""

from __future__ import annotations

import re
from typing import Any

from django import template
from django.template.base import token_kwargs
from django.template.defaulttags import ForNode
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


class Resolved:
    """A sequence already read, handed to Django's own ``{% for %}`` to go through."""

    def __init__(self, rows: list[Any]) -> None:
        self.rows = rows

    def resolve(self, context: template.Context, ignore_failures: bool = False) -> list[Any]:
        return self.rows


class Each:
    """``for row in rows``, for a tag that wraps its rows: they are read once; with none the
    wrapper is left out and what ``{% empty %}`` holds is said instead. ``forloop`` is there
    as in ``{% for %}``. A table has a head before ``{% each %}`` and may have ``{% foot %}``."""

    def __init__(self, parser: template.base.Parser, bits: list[str], tag: str, table: bool) -> None:
        if len(bits) < 3 or bits[-2] != "in":
            raise template.TemplateSyntaxError(f"{tag}: name the rows as 'row in rows'")
        self.loopvars = re.split(r" *, *", " ".join(bits[:-2]))
        self.sequence = parser.compile_filter(bits[-1])
        self.head = self.foot = self.empty = template.NodeList()
        if table:
            self.head = parser.parse(("each",))
            parser.delete_first_token()
        self.row = parser.parse(("foot", "empty", f"end{tag}"))
        after = parser.next_token().contents
        if after == "foot" and table:
            self.foot = parser.parse(("empty", f"end{tag}"))
            after = parser.next_token().contents
        if after == "empty":
            self.empty = parser.parse((f"end{tag}",))
            after = parser.next_token().contents
        if after != f"end{tag}":
            raise template.TemplateSyntaxError(f"{tag}: '{after}' out of place")

    def render(self, context: template.Context, wrap: Any) -> str:
        rows = list(self.sequence.resolve(context, ignore_failures=True) or ())
        if not rows:
            return self.empty.render(context)
        return wrap(ForNode(self.loopvars, Resolved(rows), False, self.row).render(context))


class ScrollingTableNode(template.Node):
    def __init__(self, label: list[Any], options: dict[str, Any], each: Each | None, nodelist: Any) -> None:
        self.label, self.css, self.caption = label, options.get("css"), options.get("caption")
        self.each, self.nodelist = each, nodelist

    def render(self, context: template.Context) -> str:
        if self.each:
            return self.each.render(context, lambda rows: self.table(context, self.rows(context, rows)))
        return self.table(context, self.nodelist.render(context))

    def rows(self, context: template.Context, rows: str) -> str:
        return format_html(
            "{}<tbody>{}</tbody>{}", self.each.head.render(context), rows, self.each.foot.render(context)
        )

    def table(self, context: template.Context, content: str) -> str:
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
            content,
        )


def words_and_options(
    parser: template.base.Parser, token: template.base.Token
) -> tuple[list[str], dict[str, Any]]:
    """A tag's words after its name, and apart from them its ``name=value`` options."""
    bits = token.split_contents()[1:]
    options = [bit for bit in bits if OPTION.match(bit)]
    return [bit for bit in bits if bit not in options], token_kwargs(options, parser)


@register.tag
def scrolling_table(parser: template.base.Parser, token: template.base.Token) -> ScrollingTableNode:
    """``{% scrolling_table "Visits under " section.caption css="table table-sm" %}`` … ``{% endscrolling_table %}``:
    a table that scrolls sideways on a narrow screen, inside a region that keyboards reach
    and screen readers name by the label (its parts joined); the label is its hidden caption
    too, unless ``caption=False`` where the table gives its own.

    With ``for row in rows`` it writes the table only when there are rows: its head, then
    ``{% each %}`` and the row (inside ``<tbody>``), ``{% foot %}`` and the foot if it has
    one, ``{% empty %}`` and what to say when there are none::

        {% scrolling_table "Spend" for spend in line.spend.all %}
          <thead>…</thead>
        {% each %}
          <tr>…</tr>
        {% empty %}
          <p>No spend recorded.</p>
        {% endscrolling_table %}
    """
    words, options = words_and_options(parser, token)
    said, rows = words, None
    if "for" in words:
        said, rows = words[: words.index("for")], words[words.index("for") + 1 :]
    label = [parser.compile_filter(word) for word in said]
    if not label or set(options) - {"css", "caption"}:
        raise template.TemplateSyntaxError("scrolling_table takes a label, and css= and caption= at most")
    if rows is not None:
        return ScrollingTableNode(label, options, Each(parser, rows, "scrolling_table", table=True), None)
    nodelist = parser.parse(("endscrolling_table",))
    parser.delete_first_token()
    return ScrollingTableNode(label, options, None, nodelist)


class ListingNode(template.Node):
    def __init__(self, options: dict[str, Any], each: Each) -> None:
        self.css, self.each = options.get("css"), each

    def render(self, context: template.Context) -> str:
        css = format_html(' class="{}"', self.css.resolve(context)) if self.css else ""
        return self.each.render(context, lambda items: format_html("<ul{}>{}</ul>", css, items))


@register.tag
def listing(parser: template.base.Parser, token: template.base.Token) -> ListingNode:
    """``{% listing contact in contacts css="list-group" %}<li>…</li>{% empty %}<p>None.</p>{% endlisting %}``:
    a bulleted list of the rows, read once, or what to say when there are none."""
    rows, options = words_and_options(parser, token)
    if set(options) - {"css"}:
        raise template.TemplateSyntaxError("listing takes 'row in rows', and css= at most")
    return ListingNode(options, Each(parser, rows, "listing", table=False))
