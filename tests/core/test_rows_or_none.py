"""A table or a list of rows, or what to say when there are none: ``{% scrolling_table … for
row in rows %}`` and ``{% listing row in rows %}`` (core/templatetags/twinning_lists.py),
which the record pages use for each part they list."""

from __future__ import annotations

from typing import Any

import pytest
from django.template import Context, Template, TemplateSyntaxError

from tests.support.pages import Page

TABLE = """{% load twinning_lists %}
{% scrolling_table "Spend on " line css="table table-sm" for description, amount in rows %}
  <thead><tr><th scope="col">No.</th><th scope="col">Description</th><th scope="col">Amount</th></tr></thead>
{% each %}
  <tr><td>{{ forloop.counter }}</td><td>{{ description }}</td><td>{{ amount }}</td></tr>
{% foot %}
  <tfoot><tr><th scope="row" colspan="2">Total</th><td>{{ total }}</td></tr></tfoot>
{% empty %}
  <p>No spend recorded on {{ line }}.</p>
{% endscrolling_table %}"""

LIST = """{% load twinning_lists %}
{% listing name in names css="list-group" %}<li class="list-group-item">{{ name }}</li>
{% empty %}<p>Nobody yet.</p>{% endlisting %}"""


class ReadOnce:
    """Rows that count how often they are gone through, as a query set sends its query."""

    def __init__(self, rows: list[Any]) -> None:
        self.rows, self.reads = rows, 0

    def __iter__(self) -> Any:
        self.reads += 1
        return iter(self.rows)


def rendered(source: str, **context: Any) -> Page:
    return Page(Template(source).render(Context(context)))


def test_a_table_with_rows_has_its_head_each_row_in_the_body_and_its_foot() -> None:
    page = rendered(
        TABLE, line="Osnabrück visits", rows=[("Flights", "£900"), ("Hotel", "£300")], total="£1,200"
    )

    region = page.root.find_all("div", role="region")
    assert [r.attrs["aria-label"] for r in region] == ["Spend on Osnabrück visits"]
    table = region[0].find_all("table")[0]
    assert table.attrs["class"] == "table table-sm"
    assert table.find_all("caption")[0].text == "Spend on Osnabrück visits"
    assert page.column("Description") == ["Flights", "Hotel"]
    assert page.column("No.") == ["1", "2"]
    assert table.find_all("tfoot")[0].text == "Total £1,200"
    assert "No spend recorded" not in page.text


def test_a_table_without_rows_is_left_out_and_the_empty_words_said() -> None:
    page = rendered(TABLE, line="Toyota City visits", rows=[], total="£0")

    assert page.root.find_all("table") == []
    assert page.root.find_all("div", role="region") == []
    assert page.text == "No spend recorded on Toyota City visits."


def test_a_table_without_empty_words_says_nothing_when_there_are_no_rows() -> None:
    source = TABLE.replace("{% empty %}\n  <p>No spend recorded on {{ line }}.</p>\n", "")

    assert rendered(source, line="Xi'an", rows=[]).text == ""
    assert rendered(source, line="Xi'an", rows=[("Gift", "£40")]).column("Description") == ["Gift"]


def test_the_rows_are_read_once() -> None:
    rows = ReadOnce([("Flights", "£900")])

    for source in (TABLE, LIST.replace("names", "rows").replace("name ", "row ")):
        rows.reads = 0
        Template(source).render(Context({"rows": rows}))
        assert rows.reads == 1


def test_a_listing_is_a_list_of_its_rows_or_the_empty_words() -> None:
    page = rendered(LIST, names=["Osnabrück", "Toyota City"])

    lists = page.root.find_all("ul")
    assert len(lists) == 1 and lists[0].classes == {"list-group"}
    assert [item.text for item in lists[0].find_all("li")] == ["Osnabrück", "Toyota City"]
    assert "Nobody yet." not in page.text

    none = rendered(LIST, names=[])
    assert none.root.find_all("ul") == []
    assert none.text == "Nobody yet."


def test_a_listing_without_a_class_is_a_plain_list() -> None:
    page = rendered(LIST.replace(' css="list-group"', ""), names=["Hefei"])

    assert [(node.attrs, node.text) for node in page.root.find_all("ul")] == [({}, "Hefei")]


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ('{% scrolling_table "Spend" for spend %}{% each %}{% endscrolling_table %}', "'row in rows'"),
        ('{% scrolling_table "Spend" for spend in rows %}<thead></thead>{% endscrolling_table %}', "each"),
        ('{% scrolling_table "Spend" rows=rows %}{% endscrolling_table %}', "css= and caption= at most"),
        ("{% listing name of names %}{% endlisting %}", "'row in rows'"),
        ("{% listing name in names %}<li></li>{% foot %}{% endlisting %}", "'foot' out of place"),
        ('{% listing name in names caption="Names" %}{% endlisting %}', "css= at most"),
    ],
)
def test_a_tag_written_wrong_is_refused_with_what_it_takes(source: str, message: str) -> None:
    with pytest.raises(TemplateSyntaxError, match=message):
        Template("{% load twinning_lists %}" + source)
