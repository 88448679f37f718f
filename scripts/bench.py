#!/usr/bin/env python
"""``make bench``: time the main pages on a large register in a scratch database.

Builds the register (scripts/benchdata.py) in a database of its own — a file
under var/bench/ on SQLite, or ``<name>_bench`` beside DATABASE_URL's
database on PostgreSQL, created and dropped here — never the developer's.
It counts each page's SQL queries on a small register and again on the large
one (the two must be equal), times each page in-process with Django's test
client signed in as a role that may see it, times the Django admin's
changelist of the same model at the same page size for comparison, and times
the demo Cabinet report's PDF: ``render_report`` whole against WeasyPrint
alone on the same HTML. Prints a table and writes var/bench/bench-<backend>.json.

    make bench BENCH_ARGS="--scale 0.1"          # a quick run
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/twinning make bench
"""

from __future__ import annotations

import argparse
import io
import os
import secrets
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from scripts.benchlib import (
    RESULTS_DIR,
    ROOT,
    database_name,
    drop_postgres_database,
    format_table,
    machine_facts,
    publish_demo_report,
    recreate_postgres_database,
    redact,
    source_line,
    summarise,
    write_json,
)

# The app's page must cost at most this share of the admin's changelist.
TARGET_RATIO = 0.5
SQLITE_PATH = RESULTS_DIR / "bench.sqlite3"


def say(message: str = "") -> None:
    print(message, flush=True)


# --- the pages measured -----------------------------------------------------------------------


@dataclass
class Page:
    """One page of the app and the admin page it is compared with."""

    name: str
    url_name: str
    role: str
    admin: str  # "app_label.Model" for its changelist, or "url:<name>" for another admin page
    url_args: Callable[[], list[Any]] = list
    admin_query: Callable[[], str] = str
    rows: Callable[[], int] = int
    # A reference row (no list, nothing to compare a target with).
    reference: bool = False
    results: dict[str, Any] = field(default_factory=dict)

    def url(self) -> str:
        from django.urls import reverse

        return reverse(self.url_name, args=self.url_args())

    def admin_url(self) -> str:
        from django.urls import reverse

        if self.admin.startswith("url:"):
            return reverse(self.admin.removeprefix("url:"))
        app_label, model = self.admin.split(".")
        query = self.admin_query()
        return reverse(f"admin:{app_label}_{model.lower()}_changelist") + (f"?{query}" if query else "")


def busiest_year() -> Any:
    from django.db.models import Count

    from budgets.models import FinancialYear

    return FinancialYear.objects.annotate(n=Count("budget_lines")).order_by("-n", "start_year").first()


def pages() -> list[Page]:
    from budgets.models import BudgetLine, FinancialYear, LineStatus, Spend
    from delegations.models import Gift, Visit
    from partners.models import Action, Approach, Contact, Exchange, Organisation, Place, Relationship
    from reports.models import Report

    def count(model: Any, **filters: Any) -> Callable[[], int]:
        return lambda: model.objects.filter(**filters).count()

    def listed(name: str, url_name: str, role: str, model: Any) -> Page:
        """A model's list, against the model's changelist in the admin, both of every row."""
        return Page(name, url_name, role, model._meta.label, rows=count(model))

    def some_lines(name: str, url_name: str, admin_query: Callable[[], str], **more: Any) -> Page:
        """Finance's page of some budget lines, against the admin's list of budget lines filtered to the same."""
        return Page(name, url_name, "finance", "budgets.BudgetLine", admin_query=admin_query, **more)

    return [
        # What every page costs before it shows anything: sign-in, session, permissions, layout.
        Page(
            "floor (a static page)",
            "password_change_done",
            "officer",
            "url:admin:password_change_done",
            reference=True,
        ),
        Page("dashboard", "overview:dashboard", "officer", "url:admin:index", rows=count(Relationship)),
        listed("places", "partners:place-list", "officer", Place),
        listed("relationships", "partners:relationship-list", "officer", Relationship),
        listed("approaches", "partners:approach-list", "officer", Approach),
        listed("organisations", "partners:organisation-list", "officer", Organisation),
        listed("contacts", "partners:contact-list", "officer", Contact),
        listed("actions", "partners:action-list", "officer", Action),
        listed("exchanges", "partners:exchange-list", "officer", Exchange),
        listed("visits", "delegations:visit-list", "officer", Visit),
        listed("gifts", "delegations:gift-list", "officer", Gift),
        listed("budget years", "budgets:year-list", "finance", FinancialYear),
        some_lines(
            "budget year (busiest)",
            "budgets:year-detail",
            lambda: f"financial_year__id__exact={busiest_year().pk}",
            rows=lambda: busiest_year().budget_lines.count(),
            url_args=lambda: [busiest_year().start_year],
        ),
        listed("budget lines", "budgets:line-list", "finance", BudgetLine),
        listed("spend", "budgets:spend-list", "finance", Spend),
        some_lines(
            "review queue",
            "budgets:review",
            lambda: "status__exact=proposed",
            rows=count(BudgetLine, status=LineStatus.PROPOSED),
        ),
        listed("reports", "reports:report-list", "officer", Report),
    ]


# The public pages, read signed out: (name, url name, takes the published report's id).
PUBLIC_PAGES = (
    ("public index", "public:index", False),
    ("public report page", "public:report", True),
    ("public relationships", "public:relationships", False),
    ("public travel", "public:travel", False),
    ("public gifts", "public:gifts", False),
)


def public_urls(report_id: int) -> list[tuple[str, str]]:
    from django.urls import reverse

    return [
        (name, reverse(url_name, args=[report_id] if by_report else []))
        for name, url_name, by_report in PUBLIC_PAGES
    ]


def public_queries(urls: list[tuple[str, str]]) -> dict[str, int]:
    """Each public page's queries when it is made afresh (not served from the cache)."""
    from django.test import Client

    reader = Client()
    return {name: count_queries_uncached(reader, url)[0] for name, url in urls}


def count_queries_uncached(client: Any, url: str) -> tuple[int, list[dict[str, Any]]]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from public.cache import refresh_public_pages

    get_ok(client, url)
    refresh_public_pages()
    with CaptureQueriesContext(connection) as captured:
        response = get_ok(client, url)
    if response["X-Cache"] != "miss":
        raise SystemExit(f"{url} was served from the cache after the cache was refreshed.")
    return len(captured), [{"sql": q["sql"][:2000], "ms": float(q["time"]) * 1000} for q in captured]


def public_benchmark(urls: list[tuple[str, str]], warmup: int, repeat: int) -> list[dict[str, Any]]:
    """Times each public page as an anonymous reader gets it: from the cache, and made afresh
    (the cache refreshed, untimed, before each request, as a publication would)."""
    from django.test import Client

    from public.cache import refresh_public_pages

    reader = Client()
    results = []
    for name, url in urls:
        for _ in range(warmup):
            get_ok(reader, url)
        timed: dict[str, list[float]] = {"cached": [], "uncached": []}
        cpu: dict[str, list[float]] = {"cached": [], "uncached": []}
        size = 0
        for _ in range(repeat):
            for kind in ("cached", "uncached"):
                if kind == "uncached":
                    refresh_public_pages()
                started, cpu_started = time.perf_counter(), time.process_time()
                response = get_ok(reader, url)
                timed[kind].append((time.perf_counter() - started) * 1000)
                cpu[kind].append((time.process_time() - cpu_started) * 1000)
                expected = "hit" if kind == "cached" else "miss"
                if response["X-Cache"] != expected:
                    raise SystemExit(f"{url} answered X-Cache {response['X-Cache']}, not {expected}.")
                size = len(response.content)
        results.append(
            {
                "name": name,
                "url": url,
                "bytes": size,
                **{f"{kind}_ms": summarise(values) | {"samples": values} for kind, values in timed.items()},
                **{f"{kind}_cpu_ms": summarise(values) for kind, values in cpu.items()},
            }
        )
    return results


# Admin pages for the models the project does not register, built here for the
# comparison only: the app's columns, the related rows joined as the app does.
EXTRA_ADMINS: dict[str, dict[str, Any]] = {
    "delegations.Visit": {
        "list_display": (
            "title",
            "relationship__place__name",
            "direction",
            "purpose",
            "starts_on",
            "status",
            "funder",
            "party_size",
        ),
        "list_select_related": ("relationship__place",),
    },
    "delegations.Gift": {
        "list_display": ("on", "description", "direction", "counterparty", "value", "visit", "declared_on"),
        "list_select_related": ("visit",),
    },
    "budgets.FinancialYear": {"list_display": ("start_year",)},
    "budgets.BudgetLine": {
        "list_display": ("financial_year", "cost_centre", "title", "funding_source", "status", "amount"),
        "list_select_related": ("financial_year",),
        "list_filter": ("status", "financial_year"),
    },
    "budgets.Spend": {
        "list_display": ("spent_on", "description", "budget_line", "status", "amount"),
        "list_select_related": ("budget_line__financial_year",),
    },
    "reports.Report": {"list_display": ("meeting_date", "committee", "title", "status", "revision")},
}


def prepare_admin(page_size: int) -> None:
    """Registers the comparison admins and gives every changelist the app's page size."""
    from django.apps import apps
    from django.contrib import admin

    for label, options in EXTRA_ADMINS.items():
        model = apps.get_model(label)
        if not admin.site.is_registered(model):
            admin.site.register(model, type(f"Bench{model.__name__}Admin", (admin.ModelAdmin,), options))
    for model_admin in admin.site._registry.values():
        model_admin.list_per_page = page_size


# --- set-up -----------------------------------------------------------------------------------


@dataclass
class Scratch:
    backend: str  # "sqlite" or "postgresql"
    name: str  # file path or database name
    server_url: str = ""


def configure(args: argparse.Namespace) -> Scratch:
    """Points Django at a scratch database, in production mode, before it starts."""
    database_url = os.environ.get("DATABASE_URL", "").strip()
    os.environ["DJANGO_SETTINGS_MODULE"] = "twinning.settings"
    # Measured as deployed: DEBUG off (no query log, cached templates).
    os.environ["DJANGO_DEBUG"] = "false"
    os.environ.setdefault("SECRET_KEY", "bench-" + secrets.token_urlsafe(40))
    os.environ["ALLOWED_HOSTS"] = "testserver,localhost,127.0.0.1"
    os.environ["SECURE_SSL_REDIRECT"] = "false"
    # Tasks run in-process here: the benchmark needs no broker and leaves none behind.
    os.environ.pop("REDIS_URL", None)

    from django.conf import settings

    db = settings.DATABASES["default"]
    if database_url:
        own = database_name(database_url)
        scratch = Scratch("postgresql", args.database or f"{own}_bench", database_url)
        if scratch.name == own:
            raise SystemExit(f"The scratch database must not be DATABASE_URL's own ({own}).")
        say(f"Scratch database {scratch.name!r} on {redact(database_url)} (created and dropped here).")
        recreate_postgres_database(database_url, scratch.name)
        db["NAME"] = scratch.name
    else:
        scratch = Scratch("sqlite", str(SQLITE_PATH))
        SQLITE_PATH.parent.mkdir(parents=True, exist_ok=True)
        remove_sqlite(SQLITE_PATH)
        say(f"Scratch database {SQLITE_PATH.relative_to(ROOT)} (SQLite; set DATABASE_URL for PostgreSQL).")
        db["NAME"] = SQLITE_PATH
    # Plain HTTP through the test client, static files named without a manifest.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False

    import django

    django.setup()
    return scratch


def remove_sqlite(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def tear_down(scratch: Scratch, keep: bool) -> None:
    from django.db import connections

    connections.close_all()
    if keep:
        say(f"Kept the scratch database {scratch.name}.")
        return
    if scratch.backend == "postgresql":
        drop_postgres_database(scratch.server_url, scratch.name)
    else:
        remove_sqlite(Path(scratch.name))
    say(f"Dropped the scratch database {scratch.name}.")


def personas() -> dict[str, Any]:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from core import roles

    User = get_user_model()
    people = {}
    for key, role in (
        ("officer", roles.OFFICER),
        ("finance", roles.FINANCE),
        ("leader", roles.LEADERS_OFFICE),
    ):
        user = User.objects.create_user(username=f"bench-{key}", first_name="Bench", last_name=role)
        user.groups.add(Group.objects.get(name=role))
        people[key] = user
    people["superuser"] = User.objects.create_superuser(username="bench-superuser", email="su@bench.invalid")
    return people


def clients(people: dict[str, Any]) -> dict[str, Any]:
    from django.test import Client

    signed_in = {}
    for key, user in people.items():
        client = Client()
        client.force_login(user)
        signed_in[key] = client
    return signed_in


# --- measuring --------------------------------------------------------------------------------


def get_ok(client: Any, url: str) -> Any:
    response = client.get(url)
    if response.status_code != 200:
        raise SystemExit(f"{url} answered {response.status_code}, not 200: the benchmark cannot time it.")
    return response


def count_queries(client: Any, url: str) -> tuple[int, list[dict[str, Any]]]:
    """Queries of one request after a warm-up (the first fills per-process caches)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    get_ok(client, url)
    with CaptureQueriesContext(connection) as captured:
        get_ok(client, url)
    return len(captured), [{"sql": q["sql"][:2000], "ms": float(q["time"]) * 1000} for q in captured]


def time_requests(
    targets: list[tuple[Any, str]], warmup: int, repeat: int
) -> tuple[list[list[float]], list[list[float]], list[int]]:
    """Times ``repeat`` requests to each (client, url), taken in turn so that a burst of
    load on the machine falls on all of them alike, after ``warmup`` untimed rounds.

    Returns per target the wall-clock milliseconds, the milliseconds of this process's
    CPU (less disturbed by other work on the machine; on PostgreSQL it leaves out the
    server's own time) and the body size.
    """
    for _ in range(warmup):
        for client, url in targets:
            get_ok(client, url)
    wall: list[list[float]] = [[] for _ in targets]
    cpu: list[list[float]] = [[] for _ in targets]
    sizes = [0] * len(targets)
    for _ in range(repeat):
        for i, (client, url) in enumerate(targets):
            started, cpu_started = time.perf_counter(), time.process_time()
            response = get_ok(client, url)
            wall[i].append((time.perf_counter() - started) * 1000)
            cpu[i].append((time.process_time() - cpu_started) * 1000)
            sizes[i] = len(response.content)
    return wall, cpu, sizes


def profile_page(client: Any, url: str, name: str, backend: str, runs: int = 5) -> Path | None:
    try:
        from pyinstrument import Profiler
    except ImportError:
        say("  --profile needs pyinstrument in the venv (.venv/bin/pip install pyinstrument); skipped.")
        return None
    get_ok(client, url)
    profiler = Profiler(interval=0.0005)
    profiler.start()
    for _ in range(runs):
        get_ok(client, url)
    profiler.stop()
    target = (
        RESULTS_DIR / "profiles" / f"{backend}-{name.replace(' ', '-').replace('(', '').replace(')', '')}"
    )
    target.parent.mkdir(parents=True, exist_ok=True)
    # Almost all of a page's time is in Django's own frames, so none are hidden; the
    # branches under 2% are.
    text = profiler.output_text(
        unicode=True, color=False, show_all=True, processor_options={"filter_threshold": 0.02}
    )
    target.with_suffix(".txt").write_text(text)
    target.with_suffix(".html").write_text(profiler.output_html())
    return target.with_suffix(".txt")


def render_benchmark(warmup: int, repeat: int) -> dict[str, Any]:
    """The demo Cabinet report: render_report whole against WeasyPrint alone on the same HTML."""
    from django.contrib.staticfiles import finders
    from django.core.management import call_command
    from weasyprint import CSS, HTML

    from demo.register import CABINET_REPORT
    from reports.models import Report
    from reports.rendering import REPORT_STYLESHEET, _refusing_fetcher, report_html

    report = Report.objects.filter(**CABINET_REPORT).order_by("revision", "pk").first()
    if report is None:
        raise SystemExit("The demo Cabinet report is missing: load_demo did not make it.")
    output = RESULTS_DIR / "cabinet-report.pdf"

    def whole_command() -> None:
        call_command("render_report", str(report.pk), output=str(output), stdout=io.StringIO())

    html = report_html(Report.objects.prefetch_related("paragraphs", "sign_offs").get(pk=report.pk))
    pages = {}

    def weasyprint_alone(variant: str | None) -> Callable[[], None]:
        def run() -> None:
            fetcher = _refusing_fetcher()
            stylesheet = CSS(filename=finders.find(REPORT_STYLESHEET))
            document = HTML(string=html, url_fetcher=fetcher).render(stylesheets=[stylesheet])
            document.write_pdf(pdf_variant=variant)
            pages["count"] = len(document.pages)

        return run

    def html_only() -> None:
        report_html(Report.objects.prefetch_related("paragraphs", "sign_offs").get(pk=report.pk))

    runs = {
        "render_report": whole_command,
        "weasyprint": weasyprint_alone("pdf/ua-1"),
        "weasyprint_untagged": weasyprint_alone(None),
        "html": html_only,
    }
    for _ in range(warmup):
        for run in runs.values():
            run()
    samples: dict[str, list[float]] = {label: [] for label in runs}
    cpu: dict[str, list[float]] = {label: [] for label in runs}
    # In turn, like the pages, so load from elsewhere falls on each alike.
    for _ in range(repeat):
        for label, run in runs.items():
            started, cpu_started = time.perf_counter(), time.process_time()
            run()
            samples[label].append((time.perf_counter() - started) * 1000)
            cpu[label].append((time.process_time() - cpu_started) * 1000)
    timings = {label: summarise(values) | {"samples": values} for label, values in samples.items()}
    cpu_timings = {label: summarise(values) | {"samples": values} for label, values in cpu.items()}
    whole = timings["render_report"]["median"]
    alone = timings["weasyprint"]["median"]
    return {
        "report": str(report),
        "report_id": report.pk,
        "pages": pages["count"],
        "html_bytes": len(html.encode()),
        "pdf_bytes": output.stat().st_size,
        "timings_ms": timings,
        "cpu_ms": cpu_timings,
        "overhead_ratio": whole / alone,
        "cpu_overhead_ratio": cpu_timings["render_report"]["median"] / cpu_timings["weasyprint"]["median"],
        "ms_per_page": whole / pages["count"],
        "weasyprint_ms_per_page": alone / pages["count"],
    }


def database_version(backend: str) -> str:
    from django.db import connection

    if backend == "sqlite":
        import sqlite3

        return f"SQLite {sqlite3.sqlite_version}"
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return f"PostgreSQL {cursor.fetchone()[0]}"


def versions() -> dict[str, str]:
    import django
    import weasyprint

    return {"django": django.get_version(), "weasyprint": weasyprint.__version__}


# --- the run ------------------------------------------------------------------------------------


def parse_sizes(values: list[str]) -> dict[str, int]:
    sizes = {}
    for value in values:
        name, _, number = value.partition("=")
        if not number.strip().isdigit():
            raise argparse.ArgumentTypeError(f"--size wants NAME=ROWS, not {value!r}")
        sizes[name.strip()] = int(number)
    return sizes


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every table's size (default 1)")
    parser.add_argument(
        "--size", action="append", default=[], metavar="TABLE=ROWS", help="one table's size, e.g. visits=2000"
    )
    parser.add_argument("--small-rows", type=int, default=100, help="rows per table in the small register")
    parser.add_argument("--repeat", type=int, default=15, help="timed requests per page (default 15)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed requests first (default 3)")
    parser.add_argument("--render-repeat", type=int, default=5, help="timed PDF renders (default 5)")
    parser.add_argument("--no-render", action="store_true", help="skip the PDF timing")
    parser.add_argument("--only", default="", help="comma-separated page names to measure")
    parser.add_argument("--profile", action="store_true", help="profile each page with pyinstrument")
    parser.add_argument("--seed", type=int, default=2015)
    parser.add_argument(
        "--database", default="", help="PostgreSQL scratch database name (default <name>_bench)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the scratch database afterwards")
    parser.add_argument("--output", default="", help="JSON file (default var/bench/bench-<backend>.json)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    from scripts.benchdata import capped_sizes, scaled_sizes

    large = scaled_sizes(args.scale, parse_sizes(args.size))
    small = capped_sizes(large, args.small_rows)
    started_at = datetime.now(UTC)
    facts = machine_facts()
    scratch = configure(args)
    previous_handler = signal.signal(signal.SIGTERM, _terminate)
    try:
        return run(args, scratch, small, large, started_at, facts)
    finally:
        signal.signal(signal.SIGTERM, previous_handler)
        tear_down(scratch, args.keep)


def _terminate(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt  # the same clean-up as Ctrl-C


def run(
    args: argparse.Namespace,
    scratch: Scratch,
    small: dict[str, int],
    large: dict[str, int],
    started_at: datetime,
    facts: dict[str, Any],
) -> int:
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from demo.register import load_demo
    from scripts.benchdata import grow_register

    prepare_admin(settings.PAGE_SIZE)
    clock = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    say(f"Migrated in {time.perf_counter() - clock:.1f} s.")
    clock = time.perf_counter()
    load_demo(with_users=False, password="unused-no-logins")  # noqa: S106 - no users are made
    say(f"Loaded the demo register (with its Cabinet report PDF) in {time.perf_counter() - clock:.1f} s.")
    clock = time.perf_counter()
    published = publish_demo_report()
    say(f"Published the demo Cabinet report (its PDF made again) in {time.perf_counter() - clock:.1f} s.")
    signed_in = clients(personas())

    only = {name.strip() for name in args.only.split(",") if name.strip()}
    selected = [p for p in pages() if not only or p.name in only]
    readable = [(name, url) for name, url in public_urls(published) if not only or name in only]
    if not selected and not readable:
        every = [p.name for p in pages()] + [name for name, _, _ in PUBLIC_PAGES]
        raise SystemExit(f"--only matched no page; the pages are: {', '.join(every)}")

    say(f"Growing the small register (at most {args.small_rows} rows a table):")
    clock = time.perf_counter()
    small_counts = grow_register(small, seed=args.seed, say=say)
    small_seconds = time.perf_counter() - clock
    analyse(scratch.backend)
    say("Counting queries on the small register ...")
    for page in selected:
        page.results["rows_small"] = page.rows()
        page.results["queries_small"], _ = count_queries(signed_in[page.role], page.url())
        page.results["admin_queries_small"], _ = count_queries(signed_in["superuser"], page.admin_url())
    public_small = public_queries(readable)

    say("Growing the large register:")
    clock = time.perf_counter()
    large_counts = grow_register(large, seed=args.seed, say=say)
    large_seconds = time.perf_counter() - clock
    clock = time.perf_counter()
    analyse(scratch.backend)
    say(
        f"Built in {small_seconds + large_seconds:.1f} s (+{time.perf_counter() - clock:.1f} s VACUUM ANALYZE)."
    )

    say(
        f"Timing {len(selected)} pages and their admin pages ({args.warmup} warm-ups, {args.repeat} timed) ..."
    )
    for page in selected:
        client, url, admin_url = signed_in[page.role], page.url(), page.admin_url()
        page.results["url"], page.results["admin_url"] = url, admin_url
        page.results["rows_large"] = page.rows()
        page.results["queries_large"], page.results["sql"] = count_queries(client, url)
        page.results["admin_queries_large"], _ = count_queries(signed_in["superuser"], admin_url)
        wall, cpu, sizes = time_requests(
            [(client, url), (signed_in["superuser"], admin_url)], args.warmup, args.repeat
        )
        for key, samples in (
            ("app_ms", wall[0]),
            ("admin_ms", wall[1]),
            ("app_cpu_ms", cpu[0]),
            ("admin_cpu_ms", cpu[1]),
        ):
            page.results[key] = summarise(samples) | {"samples": samples}
        page.results["app_bytes"], page.results["admin_bytes"] = sizes
        page.results["sql_ms"] = sum(query["ms"] for query in page.results["sql"])
        page.results["ratio"] = page.results["app_ms"]["median"] / page.results["admin_ms"]["median"]
        page.results["cpu_ratio"] = (
            page.results["app_cpu_ms"]["median"] / page.results["admin_cpu_ms"]["median"]
        )
        page.results["queries_grow"] = page.results["queries_small"] != page.results["queries_large"]
        page.results["slow"] = not page.reference and page.results["ratio"] > TARGET_RATIO
        say(
            f"  {page.name:<22} app {page.results['app_ms']['median']:8.1f} ms   "
            f"admin {page.results['admin_ms']['median']:8.1f} ms   ratio {page.results['ratio']:.2f}"
        )
        if args.profile:
            target = profile_page(client, url, page.name, scratch.backend)
            if target:
                page.results["profile"] = str(target.relative_to(ROOT))

    public_pages = []
    if readable:
        say("Timing the public pages, signed out, from the cache and made afresh ...")
        public_large = public_queries(readable)
        public_pages = public_benchmark(readable, args.warmup, args.repeat)
        for row in public_pages:
            row["queries_small"], row["queries_large"] = public_small[row["name"]], public_large[row["name"]]
            row["queries_grow"] = row["queries_small"] != row["queries_large"]

    rendering = None
    if not args.no_render:
        say("Timing the demo Cabinet report's PDF ...")
        rendering = render_benchmark(warmup=1, repeat=args.render_repeat)

    facts |= {"database": database_version(scratch.backend), **versions()}
    facts["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    result = {
        "started_at": started_at.isoformat(),
        "backend": scratch.backend,
        "connection": connection.vendor,
        "machine": facts,
        "page_size": settings.PAGE_SIZE,
        "target_ratio": TARGET_RATIO,
        "settings": {"repeat": args.repeat, "warmup": args.warmup, "scale": args.scale, "seed": args.seed},
        "sizes_small": small_counts,
        "sizes_large": large_counts,
        "build_seconds": {"small": small_seconds, "large": large_seconds},
        "pages": [
            {"name": p.name, "role": p.role, "admin": p.admin, "reference": p.reference, **p.results}
            for p in selected
        ],
        "public_pages": public_pages,
        "rendering": rendering,
    }
    print_report(result)
    output = Path(args.output) if args.output else RESULTS_DIR / f"bench-{scratch.backend}.json"
    write_json(output, result)
    say(f"\nSaved {output}.")
    return 0


def print_public_pages(rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    say("")
    say("Public pages, signed out (the cache is local memory here; Redis when deployed):")
    say(
        format_table(
            ["page", "queries small/large", "cached ms", "uncached ms", "CPU ms cached/uncached", "KiB", ""],
            [
                [
                    row["name"],
                    f"{row['queries_small']}/{row['queries_large']}",
                    f"{row['cached_ms']['median']:.1f}",
                    f"{row['uncached_ms']['median']:.1f}",
                    f"{row['cached_cpu_ms']['median']:.1f}/{row['uncached_cpu_ms']['median']:.1f}",
                    f"{row['bytes'] / 1024:.0f}",
                    "QUERIES GROW" if row["queries_grow"] else "",
                ]
                for row in rows
            ],
            align="lrrrrr",
        )
    )
    say("Uncached: the cache refreshed before each request (untimed), as a publication or a change does.")


def analyse(backend: str) -> None:
    """PostgreSQL as autovacuum would have left it by now in production: statistics to plan
    from, and the visibility map that lets a count read an index alone."""
    if backend != "postgresql":
        return
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def print_report(result: dict[str, Any]) -> None:
    machine = result["machine"]
    say("")
    say(
        f"Machine: {machine['cpu_model']}, {machine['cpu_cores']} cores "
        f"({machine['cpu_cores_usable']} usable), {machine['memory_mib']} MiB; Python {machine['python']}, "
        f"Django {machine['django']}, WeasyPrint {machine['weasyprint']}; {machine['database']}; "
        f"load average {machine['load_average']} before, {machine['load_average_after']} after."
    )
    say(source_line(machine["source"]))
    say(
        f"Median server time of {result['settings']['repeat']} requests after {result['settings']['warmup']} "
        f"warm-ups; admin changelists at the app's page size ({result['page_size']}); "
        f"target app/admin <= {result['target_ratio']}."
    )
    say("")
    rows = []
    for page in result["pages"]:
        flags = []
        if page["queries_grow"]:
            flags.append("QUERIES GROW")
        if page["slow"]:
            flags.append("SLOW")
        rows.append(
            [
                page["name"],
                f"{page['rows_small']:,}/{page['rows_large']:,}",
                page["queries_small"],
                page["queries_large"],
                f"{page['app_ms']['median']:.1f}",
                f"{page['admin_ms']['median']:.1f}",
                f"{page['ratio']:.2f}",
                f"{page['app_cpu_ms']['median']:.1f}/{page['admin_cpu_ms']['median']:.1f}",
                f"{page['cpu_ratio']:.2f}",
                f"{page['sql_ms']:.0f}",
                f"{page['admin_queries_small']}/{page['admin_queries_large']}",
                f"{page['app_bytes'] / 1024:.0f}",
                " ".join(flags),
            ]
        )
    say(
        format_table(
            [
                "page",
                "rows small/large",
                "queries small",
                "queries large",
                "app ms",
                "admin ms",
                "app/admin",
                "CPU ms app/admin",
                "CPU ratio",
                "SQL ms",
                "admin queries",
                "KiB",
                "",
            ],
            rows,
            align="lrrrrrrrrrrr",
        )
    )
    say(
        "CPU ms: this process's CPU time per request (steadier when the machine is busy; on PostgreSQL "
        "it leaves out the server's time). SQL ms: the page's queries on the large register, one request."
    )
    print_public_pages(result["public_pages"])
    rendering = result["rendering"]
    if rendering:
        timings, cpu = rendering["timings_ms"], rendering["cpu_ms"]
        say("")
        say(
            f"Cabinet report PDF ({rendering['report']}): {rendering['pages']} pages, "
            f"{rendering['pdf_bytes']:,} bytes"
        )
        say(
            format_table(
                ["step", "median ms", "min ms", "CPU ms", "ms/page"],
                [
                    [
                        "render_report (whole command)",
                        f"{timings['render_report']['median']:.0f}",
                        f"{timings['render_report']['min']:.0f}",
                        f"{cpu['render_report']['median']:.0f}",
                        f"{rendering['ms_per_page']:.0f}",
                    ],
                    [
                        "WeasyPrint alone, same HTML (PDF/UA)",
                        f"{timings['weasyprint']['median']:.0f}",
                        f"{timings['weasyprint']['min']:.0f}",
                        f"{cpu['weasyprint']['median']:.0f}",
                        f"{rendering['weasyprint_ms_per_page']:.0f}",
                    ],
                    [
                        "WeasyPrint alone, untagged",
                        f"{timings['weasyprint_untagged']['median']:.0f}",
                        f"{timings['weasyprint_untagged']['min']:.0f}",
                        f"{cpu['weasyprint_untagged']['median']:.0f}",
                        "",
                    ],
                    [
                        "report HTML only (queries + template)",
                        f"{timings['html']['median']:.1f}",
                        "",
                        f"{cpu['html']['median']:.1f}",
                        "",
                    ],
                ],
                align="lrrrr",
            )
        )
        say(
            f"App overhead: render_report / WeasyPrint alone = {rendering['overhead_ratio']:.2f} "
            f"(CPU {rendering['cpu_overhead_ratio']:.2f})"
        )


if __name__ == "__main__":
    sys.exit(main())
