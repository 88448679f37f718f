"""The page reader: a page read as a person reads it, fields by their label,
sections by their heading, text as shown.

``Page`` parses a response's HTML into a small tree of ``Node``; ``within``
reads one part of it (a form, a section, a table row) on its own. The visit,
budget and report pages hold several small forms whose labels repeat, so a
form is found by where it posts (``form_posting_to``) and filled as a person
would (``fill``, ``choose``). Its own tests are in tests/test_support.py, so a
passing page test means the page really says it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlencode

from django.test import Client

VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}


# Elements a browser sets in the line with the text around them.
INLINE = {
    "a",
    "abbr",
    "b",
    "cite",
    "code",
    "em",
    "i",
    "kbd",
    "mark",
    "q",
    "s",
    "small",
    "span",
    "strong",
    "sub",
    "sup",
    "time",
    "u",
}


@dataclass
class Node:
    tag: str
    attrs: dict[str, str]
    children: list[Node | str] = field(default_factory=list)
    parent: Node | None = None

    @property
    def text(self) -> str:
        """The words as a browser shows them and reads them out: an inline element (a name in
        local script in its ``span``) runs on with the text around it; any other element is
        set apart."""
        return self.words()

    @property
    def seen(self) -> str:
        """The words as they are seen: ``text`` without what only a screen reader reads out."""
        return self.words(unseen=False)

    def words(self, *, unseen: bool = True) -> str:
        parts: list[str] = []

        def collect(node: Node) -> None:
            for child in node.children:
                if isinstance(child, str):
                    parts.append(child)
                elif not unseen and "visually-hidden" in child.attrs.get("class", "").split():
                    continue
                elif child.tag in INLINE and "d-block" not in child.attrs.get("class", "").split():
                    collect(child)
                elif child.tag not in ("script", "style"):
                    parts.append(" ")
                    collect(child)
                    parts.append(" ")

        collect(self)
        return " ".join("".join(parts).split())

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    def iter(self) -> Any:
        for child in self.children:
            if isinstance(child, Node):
                yield child
                yield from child.iter()

    def find_all(self, tag: str | None = None, **attrs: str) -> list[Node]:
        return [
            node
            for node in self.iter()
            if (tag is None or node.tag == tag)
            and all(node.attrs.get(key.rstrip("_")) == value for key, value in attrs.items())
        ]


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: (v if v is not None else "") for k, v in attrs}, parent=self.stack[-1])
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: (v if v is not None else "") for k, v in attrs}, parent=self.stack[-1])
        self.stack[-1].children.append(node)

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def _label_text(node: Node) -> str:
    return node.text.replace("*", "").strip()


class Page:
    """A response's HTML, read by label and visible text."""

    def __init__(self, response_or_html: Any) -> None:
        html = response_or_html
        if not isinstance(html, str):
            html = response_or_html.content.decode()
        self.html = html
        builder = _Builder()
        builder.feed(html)
        builder.close()
        self.root = builder.root
        self.by_id = {node.attrs["id"]: node for node in self.root.iter() if "id" in node.attrs}

    @property
    def text(self) -> str:
        body = self.root.find_all("main") or [self.root]
        return body[0].text

    def control(self, label: str) -> Node:
        """The input, select or textarea whose <label> reads ``label``."""
        labels = [node for node in self.root.find_all("label") if _label_text(node) == label]
        assert labels, f"No field labelled {label!r}; labels are {self.labels()}"
        assert len(labels) == 1, f"{len(labels)} fields are labelled {label!r}"
        target = labels[0].attrs.get("for", "")
        assert target in self.by_id, f"The label {label!r} points at no element (for={target!r})"
        return self.by_id[target]

    def labels(self) -> list[str]:
        return [_label_text(node) for node in self.root.find_all("label")]

    def value(self, label: str) -> str:
        control = self.control(label)
        if control.tag == "textarea":
            return "".join(c for c in control.children if isinstance(c, str)).strip("\n")
        if control.tag == "select":
            chosen = [o for o in control.find_all("option") if "selected" in o.attrs]
            return chosen[0].attrs.get("value", "") if chosen else ""
        return control.attrs.get("value", "")

    def options(self, label: str) -> list[str]:
        """The visible choices of a select, blank choice left out."""
        control = self.control(label)
        assert control.tag == "select", f"{label!r} is a {control.tag}, not a list of choices"
        return [o.text for o in control.find_all("option") if o.attrs.get("value", "") != ""]

    def field_error(self, label: str) -> str:
        """The error shown beside a field; fails if the field is not marked invalid."""
        control = self.control(label)
        assert control.attrs.get("aria-invalid") == "true", (
            f"The field {label!r} is not marked invalid (aria-invalid); page says: {self.errors_summary()}"
        )
        assert "is-invalid" in control.classes, f"The field {label!r} is not styled as invalid"
        described = control.attrs.get("aria-describedby", "").split()
        messages = [self.by_id[d].text for d in described if d in self.by_id and d.endswith("_error")]
        assert messages, f"The field {label!r} is marked invalid but no error is tied to it"
        return " ".join(messages)

    def invalid_fields(self) -> list[str]:
        found = []
        for label in self.root.find_all("label"):
            target = self.by_id.get(label.attrs.get("for", ""))
            if target is not None and target.attrs.get("aria-invalid") == "true":
                found.append(_label_text(label))
        return found

    def errors_summary(self) -> str:
        summary = self.by_id.get("error-summary")
        return summary.text if summary is not None else ""

    def section(self, heading: str) -> Node:
        """The <section> whose heading reads ``heading``."""
        for node in self.root.find_all("section"):
            headings = [h for h in node.iter() if re.fullmatch(r"h[1-6]", h.tag)]
            if headings and headings[0].text == heading:
                return node
        raise AssertionError(f"No section headed {heading!r}")

    def column(self, header: str) -> list[str]:
        """The cells under a column header of the page's table, in order, as they are seen."""
        tables = self.root.find_all("table")
        assert tables, "The page has no table"
        table = tables[0]
        headers = [th.text.split(" (")[0].rstrip(" ▲▼") for th in table.find_all("thead")[0].find_all("th")]
        assert header in headers, f"No column {header!r}; columns are {headers}"
        index = headers.index(header)
        rows = table.find_all("tbody")[0].find_all("tr")
        return [[c for c in row.children if isinstance(c, Node)][index].seen for row in rows]

    def form_of(self, label: str) -> Node:
        """The <form> holding the field labelled ``label``."""
        node: Node | None = self.control(label)
        while node is not None and node.tag != "form":
            node = node.parent
        assert node is not None, f"The field {label!r} is in no form"
        return node

    def form_values(self, label: str) -> dict[str, Any]:
        """What the browser would send for the form holding ``label``, as it stands."""
        data: dict[str, Any] = {}

        def put(name: str, value: str, many: bool = False) -> None:
            if many:
                data.setdefault(name, []).append(value)
            else:
                data[name] = value

        for node in self.form_of(label).iter():
            name = node.attrs.get("name")
            if not name or name == "csrfmiddlewaretoken" or "disabled" in node.attrs:
                continue
            if node.tag == "input":
                kind = node.attrs.get("type", "text")
                if kind in ("checkbox", "radio"):
                    if "checked" in node.attrs:
                        put(name, node.attrs.get("value", "on"), many=kind == "checkbox")
                elif kind not in ("submit", "button", "reset", "file"):
                    put(name, node.attrs.get("value", ""))
            elif node.tag == "textarea":
                put(name, "".join(c for c in node.children if isinstance(c, str)).removeprefix("\n"))
            elif node.tag == "select":
                chosen = [
                    o.attrs.get("value", o.text) for o in node.find_all("option") if "selected" in o.attrs
                ]
                if "multiple" in node.attrs:
                    data[name] = chosen
                elif chosen:
                    put(name, chosen[0])
                else:
                    options = node.find_all("option")
                    put(name, options[0].attrs.get("value", options[0].text) if options else "")
        return data

    def form_posting_to(self, url: str) -> Page:
        """The one form on the page that posts to ``url``, read on its own."""
        forms = [f for f in self.root.find_all("form") if f.attrs.get("action") == url]
        assert len(forms) == 1, f"{len(forms)} forms post to {url}"
        return within(forms[0])

    def fill(self, values: dict[str, Any]) -> dict[str, Any]:
        """What this form sends once each field named by its label is filled in.

        A choice is picked by its visible text; a tick box takes True or False.
        Fields not named keep what the page put in them.
        """
        labels = self.labels()
        assert labels, "The form has no labelled fields"
        data = self.form_values(labels[0])
        for label, value in values.items():
            control = self.control(label)
            name = control.attrs["name"]
            if control.tag == "select":
                matches = [o.attrs.get("value", "") for o in control.find_all("option") if o.text == value]
                assert matches, f"{label!r} offers no {value!r}: {self.options(label)}"
                data[name] = matches[0]
            elif control.attrs.get("type") == "checkbox":
                if value:
                    data[name] = control.attrs.get("value", "on")
                else:
                    data.pop(name, None)
            else:
                data[name] = value
        return data

    def choose(self, data: dict[str, Any], label: str) -> dict[str, Any]:
        """``data`` with the radio button labelled ``label`` ticked."""
        control = self.control(label)
        assert control.attrs.get("type") == "radio", f"{label!r} is not a radio button"
        return {**data, control.attrs["name"]: control.attrs["value"]}

    def checked(self, label: str) -> list[str]:
        """The labels of the ticked boxes in the form holding the field labelled ``label``."""
        form = self.form_of(label)
        ticked = []
        for box in form.find_all("input", type="checkbox"):
            if "checked" in box.attrs:
                labels = [
                    lab for lab in form.find_all("label") if lab.attrs.get("for") == box.attrs.get("id")
                ]
                ticked.append(_label_text(labels[0]) if labels else box.attrs.get("value", ""))
        return ticked

    def link(self, text: str) -> str:
        for node in self.root.find_all("a"):
            if node.text == text:
                return node.attrs.get("href", "")
        raise AssertionError(f"No link reading {text!r}")

    def links(self) -> list[str]:
        """Where every link on the page goes, in order."""
        return [node.attrs["href"] for node in self.root.find_all("a") if node.attrs.get("href")]

    def described(self) -> dict[str, str]:
        """The page's first description list, term -> what it says (as read aloud)."""
        found = self.root.find_all("dl")
        assert found, "The page has no description list"
        terms, values = found[0].find_all("dt"), found[0].find_all("dd")
        return {term.text: said(value) for term, value in zip(terms, values, strict=True)}


# --- Parts of a page, and its forms as a person fills them --------------------------------

# The header htmx sends with the requests it makes.
HX = {"HTTP_HX_REQUEST": "true"}
# Django's word for a required field left empty.
REQUIRED = "This field is required."


def within(node: Node) -> Page:
    """A Page reading only ``node`` and what it holds (one form, one section, one row)."""
    page = Page.__new__(Page)
    page.html = ""
    page.root = node
    page.by_id = {n.attrs["id"]: n for n in node.iter() if "id" in n.attrs}
    return page


def said(text_or_node: str | Node) -> str:
    """Text as read aloud: no space before punctuation that followed a tag."""
    text = text_or_node if isinstance(text_or_node, str) else text_or_node.text
    return re.sub(r" ([.,;:])", r"\1", text)


def open_page(client: Client, url: str, **query: str) -> Page:
    """The page at ``url``, which must answer 200."""
    response = client.get(url, query)
    assert response.status_code == 200, f"{url}: {response.status_code}"
    return Page(response)


def record_page(client: Client, record: Any, **query: str) -> Page:
    """The page of a record of the register (a line, a visit, a report), which must answer 200."""
    return open_page(client, record.get_absolute_url(), **query)


def open_list(client: Client, url: str, query: str = "", **chosen: str) -> Page:
    """A list page, each filter named by its label (an underscore for a space) and
    chosen by its visible text, or typed for a text box, as the filter form sends it."""
    if chosen:
        form = open_page(client, url)
        params: dict[str, str] = {}
        for label, text in chosen.items():
            control = form.control(label.replace("_", " "))
            if control.tag == "select":
                values = [o.attrs.get("value", "") for o in control.find_all("option") if o.text == text]
                assert values, f"The {label!r} filter offers no {text!r}: {form.options(label)}"
                params[control.attrs["name"]] = values[0]
            else:
                params[control.attrs["name"]] = text
        query = "?" + urlencode(params)
    return open_page(client, url + query)


def sorted_by(client: Client, url: str, header: str, times: int = 1) -> Page:
    """A list page after its column header is clicked ``times`` times (once ascending, twice descending)."""
    page = open_page(client, url)
    for _ in range(times):
        links = [
            a
            for th in page.root.find_all("th")
            for a in th.find_all("a")
            if a.text.split(" (")[0].rstrip(" ▲▼") == header
        ]
        assert links, f"No sortable column {header!r}"
        page = open_page(client, url + links[0].attrs["href"])
    return page


def open_form(client: Client, url: str, label: str) -> dict[str, Any]:
    """What the form holding the field labelled ``label`` sends as the page loads it."""
    return open_page(client, url).form_values(label)


def second_save(
    first: Client,
    second: Client,
    url: str,
    label: str,
    changes: tuple[dict[str, Any], dict[str, Any]],
    *,
    post_to: str = "",
    status: int = 200,
) -> Page:
    """Two people open the form holding the field labelled ``label`` at ``url``; the first
    saves their changes, then the second sends theirs from the form as they opened it.

    Returns the page the second is sent back with (``status``): an edit page answers
    200, a form on a record's own page (``post_to``) 400.
    """
    forms = open_form(first, url, label), open_form(second, url, label)
    assert forms[0]["version"] == forms[1]["version"], "The two opened different versions"
    saved = first.post(post_to or url, {**forms[0], **changes[0]})
    assert saved.status_code == 302, f"The first save was refused: {saved.status_code}"
    response = second.post(post_to or url, {**forms[1], **changes[1]})
    assert response.status_code == status, f"expected {status}, got {response.status_code}"
    return Page(response)


def refused(response: Any, status: int = 200) -> Page:
    """A post sent back with ``status`` and a page saying that something needs fixing."""
    assert response.status_code == status, (
        f"expected {status}, got {response.status_code} {response.get('Location', '')}"
    )
    page = Page(response)
    assert "There is a problem" in page.text, "The page does not say that something needs fixing"
    return page


def button_form(page: Page, words: str) -> tuple[str, dict[str, str]]:
    """Where the form with the button reading ``words`` posts, and what it sends."""
    buttons = [b for b in page.root.find_all("button") if b.text == words]
    assert len(buttons) == 1, f"{len(buttons)} buttons read {words!r}"
    form: Node | None = buttons[0]
    while form is not None and form.tag != "form":
        form = form.parent
    assert form is not None, f"The button {words!r} is in no form"
    data = {
        node.attrs["name"]: node.attrs.get("value", "")
        for node in form.find_all("input")
        if node.attrs.get("name") and node.attrs["name"] != "csrfmiddlewaretoken"
    }
    if buttons[0].attrs.get("name"):  # the button pressed is sent too, as a browser sends it
        data[buttons[0].attrs["name"]] = buttons[0].attrs.get("value", "")
    return form.attrs["action"], data


def press(client: Client, page: Page, words: str) -> Any:
    """Presses the button reading ``words``: its form sent as it stands."""
    url, data = button_form(page, words)
    return client.post(url, data)


def asked_to_remove(client: Client, page: Page, words: str) -> Page:
    """Follows the link reading ``words`` ("Remove Flights") to the page that asks first."""
    response = client.get(page.link(words))
    assert response.status_code == 200, f"{words!r} led to {response.status_code}"
    asked = Page(response)
    assert "This cannot be undone" in asked.text, f"{words!r} did not ask before removing"
    return asked


def kept_at(client: Client, asked: Page) -> str:
    """Where "No, keep it" on the question leads back to: the heading of the record page's
    section that its address names, as the browser would scroll to it."""
    url, _, fragment = asked.link("No, keep it").partition("#")
    assert fragment, "No, keep it leads to the top of the record's page, not to its section"
    section = Page(client.get(url)).by_id.get(fragment)
    assert section is not None, f"The record's page has nothing with the id {fragment!r}"
    return next(node for node in section.iter() if re.fullmatch(r"h[1-6]", node.tag)).text


def remove(client: Client, page: Page, words: str, **headers: Any) -> Any:
    """Removes what the link reading ``words`` names, as a person does: the link, then
    "Yes, remove it" on the page that asks. The answer to that button."""
    url, data = button_form(asked_to_remove(client, page, words), "Yes, remove it")
    return client.post(url, data, **headers)


def status_message(response: Any) -> str:
    """What the page's status regions say (the message shown after a save)."""
    regions = [node for node in Page(response).root.find_all("div") if node.attrs.get("role") == "status"]
    return " ".join(region.text for region in regions)


def money(text: str) -> Decimal:
    """£4,000 or -£12.50 as a Decimal, exactly."""
    match = re.fullmatch(r"(-?)£([\d,]+(?:\.\d\d)?)", text.strip())
    assert match, f"{text!r} is not an amount of money"
    return Decimal(match[1] + match[2].replace(",", ""))
