"""The suite's own helpers (tests/support/) and its layout.

The page reader must find what a person would and nothing else; the
query-count harness must fail a page whose queries grow with its rows; the
URL walker must list every URL; and no test module may import another
(shared helpers live in tests/support/, which is never collected).
"""

from __future__ import annotations

import ast
import os
import uuid
from fnmatch import fnmatch
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import redis
from django.core.cache import cache
from django.http import HttpResponse
from django.urls import include, path, reverse

from partners.models import Place
from tests.factories import PlaceFactory
from tests.support.pages import Page
from tests.support.queries import assert_queries_do_not_grow, assert_work_does_not_grow
from tests.support.services import needs_services, redis_url_of_process
from tests.support.urls import url_for, walk_urls
from twinning.celery import app as celery_app

TESTS = Path(__file__).resolve().parent

# --- The page reader -------------------------------------------------------------------

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


# --- The query-count harness ---------------------------------------------------------------


def one_query_per_place() -> None:
    for place in Place.objects.all():
        Place.objects.filter(pk=place.pk).exists()


class LazyClient:
    """Answers every page making one query per place: an N+1 in miniature."""

    def get(self, url: str, **headers: str) -> Any:
        one_query_per_place()
        return SimpleNamespace(status_code=200, streaming=False, content=url.encode())


def more_places() -> None:
    PlaceFactory.create_batch(5)


def test_the_harness_fails_a_page_whose_queries_grow_with_its_rows(db: Any) -> None:
    PlaceFactory.create_batch(2)
    with pytest.raises(AssertionError, match="differ"):
        assert_queries_do_not_grow(LazyClient(), "/any/page/", more_places)
    with pytest.raises(AssertionError, match="differ"):
        assert_work_does_not_grow(one_query_per_place, more_places)


def test_the_harness_passes_a_page_that_reads_its_rows_at_once(db: Any, officer_client: Any) -> None:
    PlaceFactory.create_batch(2)
    url = reverse("partners:place-list")
    bodies = assert_queries_do_not_grow(officer_client, url, more_places, at_most=25)
    assert len(Page(bodies[url].decode()).column("Place")) == 7
    with pytest.raises(AssertionError, match="over 1 queries"):
        assert_queries_do_not_grow(officer_client, url, more_places, at_most=1)


# --- The URL walker ------------------------------------------------------------------------


def view(request: Any, **kwargs: Any) -> HttpResponse:
    return HttpResponse("")


urlpatterns = [
    path("places/<int:pk>/", view, name="place-detail"),
    path("stakeholders/<int:pk>/remove/", view, name="stakeholder-delete"),
    path("nameless/", view),
    path("inner/", include(([path("list/", view, name="thing-list")], "inner"))),
    path("admin/", include(([path("", view, name="index")], "admin"))),
    path("static/logo.png", view),
]


@pytest.mark.urls("tests.test_support")
def test_the_walker_lists_every_url_but_the_admin_and_static_files() -> None:
    assert sorted(walk_urls()) == [
        "(unnamed) nameless/",
        "inner:thing-list",
        "place-detail",
        "stakeholder-delete",
    ]


@pytest.mark.urls("tests.test_support")
def test_the_walker_fills_a_url_with_the_record_it_names() -> None:
    register = {"place": SimpleNamespace(pk=7), "stakeholder": SimpleNamespace(pk=9)}
    assert url_for("place-detail", register) == "/places/7/"
    assert url_for("stakeholder-delete", register) == "/stakeholders/9/remove/"
    with pytest.raises(AssertionError, match="no record kind"):
        url_for("place-detail", {})


# --- The suite's layout ----------------------------------------------------------------------


def is_test_module(name: str) -> bool:
    """Whether a dotted module name is a test module or a conftest of the suite."""
    last = name.rsplit(".", 1)[-1]
    return name.startswith("tests.") and (last.startswith("test_") or last == "conftest")


def imported_modules(path: Path, source: str | None = None) -> list[str]:
    """Every module the module at ``path`` imports (or ``source``, as if it stood there), by its
    full dotted name; a name imported from a package is listed as a module of it too."""
    package = ".".join(path.relative_to(TESTS.parent).with_suffix("").parts[:-1])
    found = []
    text = path.read_text(encoding="utf-8") if source is None else source
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{parent}.{base}" if base else parent
            found += [base, *(f"{base}.{alias.name}" for alias in node.names)]
    return found


def test_no_module_of_the_suite_imports_a_test_module_or_a_conftest() -> None:
    offenders = {
        str(path.relative_to(TESTS.parent)): sorted(set(filter(is_test_module, imported_modules(path))))
        for path in TESTS.rglob("*.py")
    }
    offenders = {path: names for path, names in offenders.items() if names}
    assert not offenders, (
        "Test modules import from other test modules or conftests; move what they share to tests/support/: "
        f"{offenders}"
    )


def test_the_import_check_finds_a_test_module_imported() -> None:
    examples = {
        "from tests.core.test_roles import MATRIX": True,
        "from tests.security.conftest import OTHER": True,
        "from tests.security import test_hostile_input": True,
        "import tests.partners.test_html": True,
        "from .test_lines import money": True,
        "from . import conftest": True,
        "from tests.support.pages import Page": False,
        "from tests.factories import PlaceFactory": False,
        "from .. import factories": False,
    }
    where = TESTS / "budgets" / "test_example.py"
    found = {source: any(map(is_test_module, imported_modules(where, source))) for source in examples}
    assert found == examples


def test_nothing_in_tests_support_is_collected(pytestconfig: pytest.Config) -> None:
    patterns = pytestconfig.getini("python_files")
    support = sorted(path.name for path in (TESTS / "support").glob("*.py"))
    assert "pages.py" in support
    collected = [name for name in support if name == "conftest.py" or any(fnmatch(name, p) for p in patterns)]
    assert not collected, f"tests/support/ holds helpers, never tests: {collected}"


# --- Test processes --------------------------------------------------------------------


def test_each_test_process_after_the_first_takes_the_redis_database_below_the_last() -> None:
    assert redis_url_of_process("redis://127.0.0.1:6379/14", "gw0") == "redis://127.0.0.1:6379/14"
    assert redis_url_of_process("redis://127.0.0.1:6379/14", "gw1") == "redis://127.0.0.1:6379/13"
    assert redis_url_of_process("redis://:secret@redis:6379", "gw2") == "redis://:secret@redis:6379/14"
    assert redis_url_of_process("redis://127.0.0.1:6379/14", "") == "redis://127.0.0.1:6379/14"


@needs_services
def test_this_process_s_cache_and_broker_are_on_the_redis_database_its_workers_are_told(db: Any) -> None:
    """The cache and the Celery broker must be on the database that the workers a test
    starts are told (through REDIS_URL in the environment)."""
    told = os.environ["REDIS_URL"]
    mark = uuid.uuid4().hex
    cache.set("which-process", mark, 60)

    with redis.Redis.from_url(told) as database:
        assert mark.encode() in (database.get(cache.make_and_validate_key("which-process")) or b"")
    assert celery_app.conf.broker_url == told
