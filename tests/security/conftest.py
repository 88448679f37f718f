"""What the hostile-input and other-records tests share: a repeatable Hypothesis
profile, two registers of records, clients per persona and a picture of the
database to compare before and after a request."""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any

import pytest
from django.apps import apps
from django.db import connection, transaction
from django.db.models import Model
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from hypothesis import HealthCheck, settings

from budgets.models import OverrideState
from core import roles
from delegations.models import CalendarFeed
from partners.models import RelationshipKind, TriageCriterion
from reports.models import Rendering, RenderingStatus, ReportStatus, SignOffRole
from tests.factories import (
    ActionFactory,
    ApproachFactory,
    BudgetLineFactory,
    ContactFactory,
    CostItemFactory,
    CostShareFactory,
    CouncilFactory,
    ExchangeFactory,
    GiftFactory,
    MeetingFactory,
    OrganisationFactory,
    ParagraphFactory,
    ParticipantFactory,
    PlaceFactory,
    RelationshipFactory,
    ReportFactory,
    SignOffFactory,
    SpendFactory,
    UserFactory,
    VisitFactory,
)

# The same examples on every run and every machine, and none remembered
# between runs: a failure in CI is the failure seen at a desk.
settings.register_profile(
    "security",
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
settings.load_profile("security")

PERSONAS = ("anonymous", "officer", "finance", "leader", "administrator", "outsider")

# Every record of the second register carries this word, so that a page that
# leaks one of them is easy to catch.
OTHER = "Zephyrine"

FAKE_PDF = b"%PDF-1.7\n% a stand-in for a rendered report\n%%EOF\n"


# --- Records ---------------------------------------------------------------------------


def _report(title: str, meeting: date, **extra: Any) -> Any:
    report = ReportFactory(title=title, meeting_date=meeting, **extra)
    required = {SignOffRole.LEGAL, SignOffRole.FINANCIAL, SignOffRole.SERVICE_DIRECTOR}
    for role in SignOffRole.values:
        SignOffFactory(
            report=report,
            role=role,
            is_required=role in required,
            officer_name=f"{title} clearer" if role in required else "",
            cleared_on=date(2015, 8, 28) if role in required else None,
        )
    return report


def the_councils_criteria() -> None:
    """The triage criteria the data migration gives a new register (a test run on a
    database emptied between tests, as the browser tests are, takes them away)."""
    defaults = importlib.import_module("partners.migrations.0004_default_triage_criteria")
    for position, (name, question, weight) in enumerate(defaults.CRITERIA, start=1):
        TriageCriterion.objects.get_or_create(
            name=name, defaults={"question": question, "weight": weight, "position": position}
        )


def build_register(tag: str = "") -> dict[str, Any]:
    """One of every kind of record; ``tag`` is written into every name of the set.

    The report is a draft ready for approval with a ready, a failed and a
    queued PDF; the approved report has its decision record; the budget has
    an approved line with spend, spend awaiting an override, a proposed line
    and a rejected one.
    """
    suffix = f" {tag}" if tag else ""
    the_councils_criteria()
    home = CouncilFactory(name="Derby City Council", is_home=True)
    county = CouncilFactory(name="Derbyshire County Council")
    place = PlaceFactory(name=f"Toyota City{suffix}", local_name="豊田市", country="Japan")
    relationship = RelationshipFactory(
        place=place, kind=RelationshipKind.ECONOMIC, narrative=f"The economic link{suffix}."
    )
    relationship.councils.add(home)
    CostShareFactory(relationship=relationship, council=home, percentage="100.00")
    organisation = OrganisationFactory(name=f"Toyota Motor Manufacturing UK{suffix}")
    visit = VisitFactory(
        relationship=relationship,
        title=f"Civic visit to Toyota City{suffix}",
        starts_on=date(2015, 10, 12),
        ends_on=date(2015, 10, 16),
        party_size=4,
    )
    year_start = 2015 if not tag else 2014
    line = BudgetLineFactory(
        financial_year__start_year=year_start,
        title=f"Civic visit budget{suffix}",
        amount="4000.00",
        relationship=relationship,
        approved=True,
    )
    draft = _report(
        f"Opportunities for Overseas Economic Twinning{suffix}",
        date(2015, 9, 9),
    )
    paragraph = ParagraphFactory(report=draft, section=1, text=f"Derby has been approached by Hefei{suffix}.")
    ParagraphFactory(report=draft, section=1, text=f"Officers have explored the options{suffix}.")
    approved = _report(
        f"Toyota City: renewing the link{suffix}",
        date(2015, 7, 15),
        status=ReportStatus.APPROVED,
        approved_at=datetime(2015, 7, 15, 18, 0, tzinfo=UTC),
        decision=f"Cabinet agreed to renew the link{suffix}.",
        decision_date=date(2015, 7, 15),
        decision_reasons="The link supports investment.",
        alternatives_rejected="Letting the link lapse.",
        conflicts_declared="None",
    )
    approved_paragraph = ParagraphFactory(
        report=approved, section=1, text=f"The link is due for renewal{suffix}."
    )

    def rendering(report: Any, status: str, **extra: Any) -> Rendering:
        return Rendering.objects.create(report=report, report_version=report.version, status=status, **extra)

    ready_pdf = FAKE_PDF.replace(b"stand-in", f"stand-in{suffix}".encode())
    return {
        "home_council": home,
        "council": county,
        "place": place,
        "place_without_link": PlaceFactory(name=f"Hefei{suffix}", local_name="合肥市"),
        "relationship": relationship,
        "organisation": organisation,
        "other_organisation": OrganisationFactory(name=f"Derby and Derbyshire Rail{suffix}"),
        "contact": ContactFactory(organisation=organisation, name=f"Aiko Tanaka{suffix}"),
        "stakeholder": relationship.stakeholders.create(organisation=organisation, role=f"Investor{suffix}"),
        "approach": ApproachFactory(
            place=place, relationship=relationship, request=f"Asks for a trade visit{suffix}."
        ),
        "action": ActionFactory(relationship=relationship, title=f"Discuss options{suffix}"),
        "exchange": ExchangeFactory(relationship=relationship, title=f"Policy officer placement{suffix}"),
        "visit": visit,
        "participant": ParticipantFactory(visit=visit, name=f"Cllr Ranjit Banwait{suffix}"),
        "meeting": MeetingFactory(visit=visit, organisation=organisation, outcome=f"Agreed to talk{suffix}."),
        "costitem": CostItemFactory(visit=visit, description=f"Hotel in Toyota{suffix}"),
        "gift": GiftFactory(visit=visit, description=f"Derby porcelain plate{suffix}", direction="given"),
        "line": line,
        "proposed_line": BudgetLineFactory(
            financial_year=line.financial_year, title=f"Hefei trade visit{suffix}"
        ),
        "rejected_line": BudgetLineFactory(
            financial_year=line.financial_year, title=f"Zhejiang expo{suffix}", rejected=True
        ),
        "spend": SpendFactory(budget_line=line, description=f"Flights to Nagoya{suffix}", amount="2600.00"),
        "awaiting_spend": SpendFactory(
            budget_line=line,
            description=f"Interpreter for the civic visit{suffix}",
            amount="4500.00",
            status="committed",
            override_state=OverrideState.REQUESTED,
            override_reason="Booked by the partner at short notice.",
        ),
        "report": draft,
        "paragraph": paragraph,
        "approved_report": approved,
        "approved_paragraph": approved_paragraph,
        "rendering": rendering(
            draft,
            RenderingStatus.READY,
            pdf=ready_pdf,
            sha256="0" * 64,
            size_bytes=len(ready_pdf),
            page_count=1,
        ),
        "failed_rendering": rendering(draft, RenderingStatus.FAILED, error=f"OSError: out of memory{suffix}"),
        "queued_rendering": rendering(draft, RenderingStatus.QUEUED),
    }


def make_personas() -> dict[str, Any]:
    """The personas of tests/conftest.py, made once for a whole module."""
    made = {
        "officer": UserFactory(
            username="olivia", first_name="Olivia", last_name="Officer", roles=[roles.OFFICER]
        ),
        "finance": UserFactory(
            username="fred", first_name="Fred", last_name="Finance", roles=[roles.FINANCE]
        ),
        "leader": UserFactory(
            username="lena", first_name="Lena", last_name="Leader", roles=[roles.LEADERS_OFFICE]
        ),
        "administrator": UserFactory(
            username="ada", first_name="Ada", last_name="Admin", roles=[roles.ADMINISTRATOR]
        ),
        "outsider": UserFactory(username="oscar", first_name="Oscar", last_name="Outsider"),
    }
    made["administrator"].is_staff = True
    made["administrator"].save()
    return made


@contextmanager
def kept_for_the_module(django_db_blocker: Any) -> Iterator[None]:
    """Records made inside stay for every test of a module, then are rolled back.

    Building the registers once per module rather than once per test keeps
    these tests quick; each test still runs in its own savepoint (the ``db``
    fixture), so none sees another's changes.
    """
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture(scope="module")
def module_register(django_db_setup: Any, django_db_blocker: Any) -> Iterator[dict[str, Any]]:
    with kept_for_the_module(django_db_blocker):
        records = build_register()
        records["personas"] = make_personas()
        records["clients"] = {name: client_for(records["personas"].get(name)) for name in PERSONAS}
        yield records


@pytest.fixture
def register(db: Any, module_register: dict[str, Any]) -> dict[str, Any]:
    """A register every form is posted to, with the personas and a signed-in client for each."""
    return module_register


@pytest.fixture(scope="module")
def module_registers(
    django_db_setup: Any, django_db_blocker: Any
) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    with kept_for_the_module(django_db_blocker):
        mine, other = build_register(), build_register(OTHER)
        mine["personas"] = other["personas"] = make_personas()
        mine["clients"] = other["clients"] = {
            name: client_for(mine["personas"].get(name)) for name in PERSONAS
        }
        yield mine, other


@pytest.fixture
def two_registers(
    db: Any, module_registers: tuple[dict[str, Any], dict[str, Any]]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A register, and a second one whose every name carries OTHER."""
    return module_registers


def calendar_owner(username: str, *, role: str | None = roles.LEADERS_OFFICE) -> CalendarFeed:
    """The calendar address of a new user (never a persona: making one again would change its password)."""
    assert username not in ("olivia", "fred", "lena", "ada", "oscar"), username
    user = UserFactory(username=username, roles=[role] if role else [])
    return CalendarFeed.objects.get_or_create(user=user)[0]


# --- Clients ----------------------------------------------------------------------------


def client_for(user: Any) -> Client:
    """A client signed in as ``user`` (or anonymous) that answers a crash with a 500 page."""
    client = Client()
    client.raise_request_exception = False
    if user is not None:
        client.force_login(user)
    return client


# --- The URL conf -----------------------------------------------------------------------

SKIPPED_NAMESPACES = {"admin"}


def walk_urls(patterns: Iterable[Any] | None = None, namespace: str = "") -> Iterator[tuple[str, URLPattern]]:
    """Every named URL the resolver knows, by its full name (the Django admin apart)."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace in SKIPPED_NAMESPACES:
                continue
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from walk_urls(entry.url_patterns, inner)
        elif entry.name:
            yield f"{namespace}{entry.name}", entry


def fill_url(name: str, register: dict[str, Any], feed_owner: str = "calendar-owner") -> str:
    """The URL ``name`` with its ids taken from ``register``: the record of the kind the URL
    names (as the role matrix of tests/core/test_roles.py says), a calendar address of a
    Leader's Office user, the budget line's financial year."""
    from tests.core.test_roles import PK_OF

    pattern = dict(walk_urls())[name]
    kwargs: dict[str, Any] = {}
    for key in pattern.pattern.converters:
        if key == "token":
            kwargs["token"] = calendar_owner(feed_owner).token
        elif key == "start_year":
            kwargs["start_year"] = register["line"].financial_year.start_year
        else:
            assert key == "pk", f"{name} takes <{key}>; teach fill_url how to fill it"
            kwargs["pk"] = register[PK_OF.get(name, name.split(":")[-1].rsplit("-", 1)[0])].pk
    return reverse(name, kwargs=kwargs)


def takes_post(pattern: URLPattern) -> bool:
    """Whether the view behind a URL handles POST (class-based views say so)."""
    view_class = getattr(pattern.callback, "view_class", None)
    if view_class is None:
        return False
    allowed = getattr(view_class, "http_method_names", ())
    return "post" in allowed and callable(getattr(view_class, "post", None))


# --- The database, before and after -----------------------------------------------------

APP_LABELS = ("core", "partners", "delegations", "budgets", "reports", "overview")


def app_models() -> list[type[Model]]:
    """Every table of the register, history tables included, and the users and groups."""
    found = [model for label in APP_LABELS for model in apps.get_app_config(label).get_models()]
    found += [apps.get_model("auth", "User"), apps.get_model("auth", "Group")]
    return found


def row_counts() -> dict[str, int]:
    """How many rows each table holds, in one query."""
    tables = sorted({model._meta.db_table for model in app_models()})
    quote = connection.ops.quote_name
    # Table names come from the models, quoted by the database's own rules.
    select = ", ".join(f"(SELECT COUNT(*) FROM {quote(table)})" for table in tables)  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {select}")
        counts = cursor.fetchone()
    return dict(zip(tables, counts, strict=True))


def rows(*models: type[Model]) -> dict[str, list[dict[str, Any]]]:
    """Every row of the given tables as stored."""
    return {model._meta.label: list(model._default_manager.order_by("pk").values()) for model in models}


@contextmanager
def rolled_back() -> Iterator[None]:
    """Whatever happens inside is undone, so each example starts from the same register."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)
