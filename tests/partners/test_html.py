"""Reading a page as a person does: fields by their label, text as shown.

``Page`` is shared by the register's tests (imported from here, as this
folder holds only test modules); the tests below check that it finds what a
person would and nothing else, so a passing register test means the page
really says it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

import pytest

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


@dataclass
class Node:
    tag: str
    attrs: dict[str, str]
    children: list[Node | str] = field(default_factory=list)
    parent: Node | None = None

    @property
    def text(self) -> str:
        parts: list[str] = []

        def collect(node: Node) -> None:
            for child in node.children:
                if isinstance(child, str):
                    parts.append(child)
                elif child.tag not in ("script", "style"):
                    collect(child)

        collect(self)
        return " ".join(" ".join(parts).split())

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
        """The cells under a column header of the page's table, in order."""
        tables = self.root.find_all("table")
        assert tables, "The page has no table"
        table = tables[0]
        headers = [th.text.split(" (")[0].rstrip(" ▲▼") for th in table.find_all("thead")[0].find_all("th")]
        assert header in headers, f"No column {header!r}; columns are {headers}"
        index = headers.index(header)
        rows = table.find_all("tbody")[0].find_all("tr")
        return [[c for c in row.children if isinstance(c, Node)][index].text for row in rows]

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


# --- The reader's own tests --------------------------------------------------------

FORM_WITH_ERROR = """
<main><form>
<div id="div_id_name" class="mb-3"> <label for="id_name" class="form-label requiredField">
  English name<span class="asteriskField">*</span> </label>
  <input type="text" name="name" value="Xi&#x27;an" class="textinput form-control is-invalid" required
   aria-invalid="true" aria-describedby="id_name_error" id="id_name">
  <div id="id_name_error" class="invalid-feedback">
   <p id="error_1_id_name"><strong>Too long.</strong></p></div>
</div>
<label for="id_country">Country</label><input type="text" name="country" value="China" id="id_country"
 aria-describedby="id_country_helptext"><div id="id_country_helptext">Say the country.</div>
<label for="id_kind">Kind</label><select id="id_kind" name="kind"><option value="">---</option>
<option value="city" selected>City</option><option value="province">Province</option></select>
<label for="id_notes">Notes</label><textarea id="id_notes" name="notes">
Line one</textarea>
</form></main>
"""


def test_reads_a_fields_error_by_its_label() -> None:
    page = Page(FORM_WITH_ERROR)
    assert page.field_error("English name") == "Too long."
    assert page.value("English name") == "Xi'an"
    assert page.invalid_fields() == ["English name"]


def test_a_field_without_an_error_is_not_reported_as_having_one() -> None:
    page = Page(FORM_WITH_ERROR)
    with pytest.raises(AssertionError, match="not marked invalid"):
        page.field_error("Country")


def test_reads_choices_values_and_text() -> None:
    page = Page(FORM_WITH_ERROR)
    assert page.options("Kind") == ["City", "Province"]
    assert page.value("Kind") == "city"
    assert page.value("Notes") == "Line one"
    with pytest.raises(AssertionError, match="No field labelled"):
        page.control("Population")


def test_reads_what_a_form_would_send() -> None:
    page = Page(
        FORM_WITH_ERROR.replace(
            "</form>",
            '<input type="hidden" name="version" value="3"><input type="checkbox" name="sectors" value="1"'
            ' id="s1" checked><label for="s1">Rail</label><input type="checkbox" name="sectors" value="2"'
            ' id="s2"><label for="s2">Aerospace</label></form>',
        )
    )
    assert page.form_values("English name") == {
        "name": "Xi'an",
        "country": "China",
        "kind": "city",
        "notes": "Line one",
        "version": "3",
        "sectors": ["1"],
    }
    assert page.checked("English name") == ["Rail"]


def test_reads_a_tables_column() -> None:
    page = Page(
        "<main><table><thead><tr><th><a>Place<span> ▲</span><span> (sort descending)</span></a></th>"
        "<th>Kind</th></tr></thead><tbody><tr><td>Xi'an</td><td>City</td></tr>"
        "<tr><td>Hefei</td><td>City</td></tr></tbody></table></main>"
    )
    assert page.column("Place") == ["Xi'an", "Hefei"]
    assert page.column("Kind") == ["City", "City"]
