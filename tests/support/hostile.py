"""Hostile values for each kind of form field, as Hypothesis strategies.

Text fields get markup that would run if echoed unescaped, spreadsheet
formulas, NUL and other control characters, right-to-left overrides, CJK,
and very long strings; number fields get huge, negative and non-numbers;
date fields impossible dates; choice fields unknown values beside the real
ones; record choices the ids of other records and ids that name nothing.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from django import forms
from django.forms import BaseFormSet
from hypothesis import strategies as st

# Markup that runs if a page echoes it as it came: none of it may ever appear
# raw in an HTML response (its escaped form may).
SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
SVG = "<svg onload=alert(1)>"
RAW_MARKERS = ("<script>alert(", "<img src=x onerror=", "<svg onload=")

FORMULAS = (
    "=cmd|' /C calc'!A0",
    '=HYPERLINK("http://example.invalid","click")',
    "+1+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
)

TEXT_SAMPLES = (
    "",
    " ",
    "\x00",
    "Hefei\x00",
    "a\x00b",
    "\x01\x02\x07\x08\x0b\x0c\x1b\x7f",
    "\r\n\t",
    "line one\nline two",
    SCRIPT,
    IMG,
    SVG,
    f"Toyota{SCRIPT}",
    f"  {IMG}  ",
    "javascript:alert(1)",
    "' OR '1'='1' --",
    "Robert'); DROP TABLE partners_place;--",
    "{{ request.user.password }}",
    "{% debug %}",
    "%s%s%s%n",
    "../../../../etc/passwd",
    "合肥市",
    "豊田市 トヨタ",
    "中华人民共和国浙江省杭州市西湖区",
    "مرحبا بالعالم",
    "שלום",
    "abc\u202eevil\u202c",
    "\u200b\u200c\u200d\ufeff",
    "e\u0301\u0301\u0301\u0301",
    "Z̵̢̛a̶͝l̸g̴o̵",
    "🇬🇧🇯🇵 👍🏽",
    "\U0001f4a9" * 10,
    "Ⅷ ﬁ ＡＢＣ",
    *FORMULAS,
)

LONG_SAMPLES = (
    "x" * 10_000,
    "長" * 3_000,
    SCRIPT * 200,
    "=" * 1_000,
)

NUMBER_SAMPLES = (
    "0",
    "-0",
    "-1",
    "-1000000",
    "0.001",
    "0.005",
    "1.999",
    "12.",
    ".5",
    "1e400",
    "1E5",
    "-1e-400",
    "1e-7",
    "NaN",
    "nan",
    "Infinity",
    "-inf",
    "sNaN",
    "9" * 30,
    "-" + "9" * 30,
    "9" * 400,
    "32767",
    "32768",
    "65536",
    "2147483647",
    "2147483648",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775809",
    "18446744073709551616",
    "9999999999.99",
    "99999999999.99",
    "1,000",
    "1_000",
    "١٢٣",
    "１２",
    " 12 ",
    "0x1A",
    "1/2",
    "£5",
    "5%",
    "",
    "\x00",
    "1\x00",
)

DATE_SAMPLES = (
    "2200-01-01",
    "2015-02-30",
    "2015-02-29",
    "2016-02-29",
    "2015-04-31",
    "2015-13-01",
    "2015-00-10",
    "2015-10-00",
    "0000-01-01",
    "0001-01-01",
    "1000-01-01",
    "1899-12-31",
    "9999-12-31",
    "9999-12-30",
    "10000-01-01",
    "-2015-01-01",
    "2015-1-1",
    "15-10-2015",
    "30/02/2015",
    "31/12/2015",
    "12/31/2015",
    "2015-10-12T10:00:00",
    "2015-10-12 25:61",
    "today",
    "",
    " ",
    "\x00",
    "2015-10-12\x00",
)

BOOLEAN_SAMPLES = ("on", "off", "", "true", "false", "True", "0", "1", "yes", "\x00", "on\x00")

ID_SAMPLES = (
    "0",
    "-1",
    "1.5",
    "99999999",
    "9223372036854775807",
    "9223372036854775808",
    "99999999999999999999999999",
    "1e3",
    "abc",
    "",
    "\x00",
    "1\x00",
    "1 OR 1=1",
    "[1]",
    "None",
)


def text() -> st.SearchStrategy[str]:
    """Strings a person, a bot or an attacker might type into a text box."""
    typed = st.text(max_size=40)
    return st.one_of(
        st.sampled_from(TEXT_SAMPLES),
        typed,
        st.builds(lambda a, b, c: a + b + c, typed, st.sampled_from(TEXT_SAMPLES), typed),
        st.sampled_from(LONG_SAMPLES),
    )


def numbers() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(NUMBER_SAMPLES),
        st.integers().map(str),
        st.decimals(allow_nan=True, allow_infinity=True).map(str),
        st.floats().map(repr),
        text(),
    )


def dates() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(DATE_SAMPLES),
        st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31)).map(date.isoformat),
        st.dates().map(lambda day: day.strftime("%d/%m/%Y")),
        text(),
    )


def ids(existing: list[int]) -> st.SearchStrategy[str]:
    """Ids of real records (of whatever register) and ids that name nothing."""
    real = [st.sampled_from([str(pk) for pk in existing])] if existing else []
    return st.one_of(*real, st.sampled_from(ID_SAMPLES), st.integers().map(str), text())


def choices(field: forms.ChoiceField) -> st.SearchStrategy[str]:
    values = [str(value) for value, _ in _flat_choices(field) if value not in ("", None)]
    known = [st.sampled_from(values)] if values else []
    return st.one_of(*known, text())


def _flat_choices(field: forms.ChoiceField) -> list[tuple[Any, Any]]:
    flat: list[tuple[Any, Any]] = []
    for value, label in field.choices:
        if isinstance(label, (list, tuple)):
            flat.extend(label)
        else:
            flat.append((value, label))
    return flat


def for_field(field: forms.Field) -> st.SearchStrategy[Any]:
    """Hostile values for one form field, chosen by its kind (multiple choices as lists)."""
    if isinstance(field, forms.ModelMultipleChoiceField):
        existing = list(field.queryset.model._default_manager.values_list("pk", flat=True))
        return st.lists(ids(existing), max_size=4)
    if isinstance(field, forms.ModelChoiceField):
        existing = list(field.queryset.model._default_manager.values_list("pk", flat=True))
        return ids(existing)
    if isinstance(field, forms.MultipleChoiceField):
        return st.lists(choices(field), max_size=4)
    if isinstance(field, forms.ChoiceField):
        return choices(field)
    if isinstance(field, forms.BooleanField):
        return st.one_of(st.sampled_from(BOOLEAN_SAMPLES), text())
    if isinstance(field, forms.DateField):
        return dates()
    if isinstance(field, (forms.DecimalField, forms.IntegerField, forms.FloatField)):
        return numbers()
    return text()


# --- Values a form may well accept: stored, they must be shown safely everywhere ---------

STORED_TEXT = (
    SCRIPT,
    IMG,
    SVG,
    f"{IMG}{SCRIPT}",
    *FORMULAS,
    "合肥市 豊田市 트윈",
    "مرحبا \u202eevil\u202c שלום",
    "\u200b\u200c\u200d\ufeff",
    "Z̵̢̛a̶͝l̸g̴o̵ 🇬🇧👍🏽",
    "line one\r\nline two\n\n<b>three</b>",
    "\x01\x07\x08\x0b\x0c\x1b\x7f control characters",
    "{{ request.user.password }}{% debug %}",
    "' OR '1'='1' --",
    "%s %n %x",
)
STORED_EMAILS = ('"<script>alert(1)</script>"@example.org', '"=cmd|calc"@example.org', "李@例子.测试")
STORED_URLS = (
    "https://example.org/?q=<script>alert(1)</script>",
    'https://example.org/"><img src=x onerror=alert(1)>',
    "https://例子.测试/路径",
)


def accepted_dates() -> tuple[date, date]:
    """The first and last day a date field takes: the register's own range where
    core.forms sets one, else the first and last day a date can hold."""
    from core import forms as shared

    return getattr(shared, "EARLIEST_DATE", date.min), getattr(shared, "LATEST_DATE", date.max)


EARLIEST, LATEST = (day.isoformat() for day in accepted_dates())
STORED_DATES = (EARLIEST, LATEST, "2016-02-29", "1900-03-01")


def _fit(value: str, field: forms.Field) -> str:
    limit = getattr(field, "max_length", None)
    return value[:limit] if limit else value


def _integer_extremes(field: forms.IntegerField) -> list[str]:
    low = field.min_value if field.min_value is not None else -(2**63)
    high = field.max_value if field.max_value is not None else 2**63 - 1
    candidates = {low, high, 0, 1, 32767, 32768, 2**31 - 1, 2**63 - 1, -1}
    return [str(n) for n in sorted(candidates) if low <= n <= high]


def _decimal_extremes(field: forms.DecimalField) -> list[str]:
    digits, places = field.max_digits or 20, field.decimal_places or 0
    whole = digits - places
    biggest = "9" * whole + ("." + "9" * places if places else "")
    smallest = "0." + "0" * (places - 1) + "1" if places else "1"
    found = [biggest, smallest, "0"]
    if field.min_value is None or field.min_value < 0:
        found.append("-" + biggest)
    return found


def stored(field: forms.Field) -> st.SearchStrategy[Any]:
    """The extremes a field accepts: markup, formulas and scripts of every kind, the first
    and last days a date field takes, the largest and smallest numbers, every choice."""
    if isinstance(field, forms.ModelMultipleChoiceField):
        existing = [str(pk) for pk in field.queryset.values_list("pk", flat=True)]
        return st.lists(st.sampled_from(existing), max_size=3, unique=True) if existing else st.just([])
    if isinstance(field, forms.ModelChoiceField):
        existing = [str(pk) for pk in field.queryset.values_list("pk", flat=True)]
        return st.sampled_from(existing or [""])
    if isinstance(field, forms.MultipleChoiceField):
        values = [str(value) for value, _ in _flat_choices(field) if value not in ("", None)]
        return st.lists(st.sampled_from(values), max_size=3, unique=True) if values else st.just([])
    if isinstance(field, forms.ChoiceField):
        values = [str(value) for value, _ in _flat_choices(field)]
        return st.sampled_from(values or [""])
    if isinstance(field, forms.BooleanField):
        return st.sampled_from(["on", ""])
    if isinstance(field, forms.DateField):
        return st.sampled_from(STORED_DATES)
    if isinstance(field, forms.DecimalField):
        return st.sampled_from(_decimal_extremes(field))
    if isinstance(field, forms.IntegerField):
        return st.sampled_from(_integer_extremes(field))
    if isinstance(field, forms.EmailField):
        return st.sampled_from(STORED_EMAILS)
    if isinstance(field, forms.URLField):
        return st.sampled_from(STORED_URLS)
    longest = _fit("長" * 5000, field)
    return st.sampled_from([_fit(value, field) for value in (*STORED_TEXT, longest)])


def extreme(field: forms.Field, late: bool) -> Any:
    """One fixed extreme for a field, or None to leave the valid value: the last (or
    first) day a date field takes, and markup (or a formula and CJK) in text."""
    if isinstance(field, (forms.ModelChoiceField, forms.ChoiceField, forms.BooleanField)):
        return None
    if isinstance(field, forms.DateField):
        return LATEST if late else EARLIEST
    if isinstance(field, (forms.DecimalField, forms.IntegerField)):
        return None
    if isinstance(field, forms.EmailField):
        return STORED_EMAILS[0 if late else 1]
    if isinstance(field, forms.URLField):
        return STORED_URLS[1 if late else 2]
    return _fit(f"{IMG}{SCRIPT}" if late else f"{FORMULAS[0]} 合肥市", field)


# --- Forms and what is posted to them ---------------------------------------------------


@dataclass
class Fields:
    """The fields a form or formset posts, by the name they are posted under."""

    fields: dict[str, forms.Field]
    # A formset's row count, and a row it did not offer (posted only with the count raised).
    total_key: str | None = None
    extra_row: str | None = None
    total_with_extra_row: int = 0


def fields_of(form: Any) -> Fields:
    if isinstance(form, BaseFormSet):
        management = form.management_form
        found = {management.add_prefix(name): field for name, field in management.fields.items()}
        for each in form.forms:
            found.update(fields_of(each).fields)
        extra_row = form.add_prefix(str(len(form.forms))) + "-"
        for name, field in form.empty_form.fields.items():
            found[extra_row + name] = field
        return Fields(found, management.add_prefix("TOTAL_FORMS"), extra_row, len(form.forms) + 1)
    return Fields({form.add_prefix(name): field for name, field in form.fields.items()})


LEAVE_OUT = "leave out"
# The hidden fields that keep a form working: the version it was loaded at, a
# formset's row ids and counts.
PLUMBING = (
    "version",
    "-id",
    "TOTAL_FORMS",
    "INITIAL_FORMS",
    "MIN_NUM_FORMS",
    "MAX_NUM_FORMS",
    "scored_as",
    "submission",
)
STRAY_FIELDS = (
    "status",
    "report",
    "visit",
    "budget_line",
    "relationship",
    "decided_by",
    "approved_by",
    "pk",
    "id",
)


def submissions(form: Fields, valid: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    """What a hostile client posts, in one of two ways.

    * To be stored: every field either as a browser would send it or set to an
      extreme the field accepts (see ``stored``), so that the save happens
      and the pages showing the record meet the values;
    * to be refused: a valid submission with one to three fields made
      hostile in any way (NUL, impossible dates, nonsense numbers, unknown
      choices, ids of nothing) or left out.

    Now and then the plumbing is tampered with too (a stale or nonsense
    version, another record's row id, a formset row it did not offer), and
    fields no form has are added: a client may post anything.
    """
    fields = form.fields
    keys = sorted(set(fields) | set(valid))
    extra = [key for key in keys if form.extra_row and key.startswith(form.extra_row)]
    plumbing = [key for key in keys if key.endswith(PLUMBING) and key not in extra]
    ordinary = [key for key in keys if key not in plumbing and key not in extra]

    # Built once: the strategies for record choices list the records there are.
    hostile_values = {
        key: st.one_of(for_field(fields[key]) if key in fields else text(), st.just(LEAVE_OUT))
        for key in keys
    }
    stored_values = {key: stored(field) for key, field in fields.items()}

    @st.composite
    def build(draw: Any) -> dict[str, Any]:
        posted = dict(valid)
        to_be_stored = draw(st.booleans())
        if to_be_stored:
            for key in ordinary:
                field = fields.get(key)
                if field is not None and draw(st.booleans()):
                    posted[key] = draw(stored_values[key])
        elif ordinary:
            for key in draw(st.lists(st.sampled_from(ordinary), min_size=1, max_size=3, unique=True)):
                posted[key] = draw(hostile_values[key])
        if plumbing and draw(st.integers(0, 4)) == 0:
            key = draw(st.sampled_from(plumbing))
            posted[key] = draw(hostile_values[key])
        if extra and draw(st.integers(0, 3)) == 0:
            for key in extra:
                posted[key] = draw(stored_values[key] if to_be_stored else hostile_values[key])
            if form.total_key and posted.get(form.total_key, LEAVE_OUT) == valid.get(form.total_key):
                posted[form.total_key] = str(form.total_with_extra_row)
        stray = draw(
            st.dictionaries(
                st.sampled_from(STRAY_FIELDS), st.one_of(text(), st.integers().map(str)), max_size=2
            )
        )
        for key, value in stray.items():
            posted.setdefault(key, value)
        return {key: value for key, value in posted.items() if value != LEAVE_OUT}

    return build()


def extremes(form: Fields, valid: dict[str, Any], late: bool) -> dict[str, Any]:
    """A valid submission with every date at its last (or first) possible day and every
    text field holding markup (or a formula): the two fixed examples each form gets."""
    posted = dict(valid)
    for key, field in form.fields.items():
        if key.endswith(PLUMBING) or (form.extra_row and key.startswith(form.extra_row)):
            continue
        value = extreme(field, late)
        if value is not None:
            posted[key] = value
    return posted


# --- What comes back ------------------------------------------------------------------------


def raw_markup(body: bytes) -> list[str]:
    """The hostile markup a response carries as it was posted (not escaped)."""
    page = body.decode("utf-8", "replace")
    return [marker for marker in RAW_MARKERS if marker in page]


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"-?\d+(\.\d+)?")


def formula_cells(rows: list[list[Any]]) -> list[str]:
    """Cells a spreadsheet would run as a formula: text starting with =, +, -, @, tab or CR."""
    return [
        str(cell)
        for row in rows
        for cell in row
        if isinstance(cell, str) and cell.startswith(FORMULA_START) and not NUMBER.fullmatch(cell)
    ]


def csv_rows(body: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def xlsx_rows(body: bytes) -> list[list[Any]]:
    """Every cell of every sheet; a cell stored as a formula comes back as its formula text."""
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(body))
    found: list[list[Any]] = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            found.append([cell.value for cell in row])
    return found
