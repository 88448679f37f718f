#!/usr/bin/env python
"""``make loadtest``: signed-in clients and anonymous readers against gunicorn and a
Celery worker on PostgreSQL.

Needs DATABASE_URL (PostgreSQL) and REDIS_URL. Creates and migrates a scratch
database ``<name>_loadtest`` beside DATABASE_URL's own, loads the demo
register and one user per role, collects the static files, then starts
gunicorn (2 workers, 127.0.0.1, a free port) and a Celery worker in
production mode (DEBUG off). Each client is a thread with its own session:
it signs in through the login form with its CSRF token as a browser does
(Finance, whose role requires two-step sign-in, then gives one of its
recovery codes: clients signing in at once as one user cannot share a code),
then walks the main pages of its role and, once, asks for the Cabinet
report's PDF and downloads it when the worker has made it, polling as the
page does.

Alongside them, --readers anonymous readers (50 by default; 0 for none) read
the public part of the site, signed out and sending no cookie: the index,
the published report as a page and as a PDF, the Atom feed, and each open
dataset as a page, CSV and JSON. The demo register publishes no report, so
the Cabinet report is published for them first (its decision marked as
measurement data), and the readers start once the worker has made its PDF.
A public page must answer 200 with the body its kind starts with (a PDF
``%PDF``, and so on) and must set no cookie; the report page must link its
PDF. How often the public pages came from the cache (X-Cache) is reported.

The run stops after --seconds or --max-requests, whichever comes first;
gunicorn and the worker are stopped and the scratch database dropped even
on Ctrl-C or an error.

Prints requests per second, p50/p95/p99 latency overall, per group (signed
in, public) and per page, and every error (a status other than 2xx/3xx, or
other than 200 on a public page, a redirect to sign in, a broken PDF, a
cookie set on a public page, or an exception); exits 1 if there was any.
Writes var/bench/loadtest.json.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/twinning_load \\
    REDIS_URL=redis://127.0.0.1:6379/9 make loadtest LOADTEST_ARGS="--seconds 30 --readers 20"
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import http.client
import os
import random
import re
import secrets
import signal
import subprocess
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from scripts.benchlib import (
    RESULTS_DIR,
    ROOT,
    database_name,
    database_url_with_name,
    drop_postgres_database,
    format_table,
    free_port,
    machine_facts,
    percentile,
    recreate_postgres_database,
    redact,
    source_line,
    write_json,
)

VENV_BIN = Path(sys.executable).parent
LOG_DIR = RESULTS_DIR / "loadtest-logs"
SETTINGS_MODULE = "scripts.loadtest_settings"
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
SECOND_STEP = "/accounts/two-factor/verify/"
DOWNLOAD_LINK = re.compile(r'href="(/reports/pdfs/\d+/download/)"')
READER = "reader"  # the anonymous readers' entry in Plan.pages
# The public pages the readers walk: (label, URL name, takes the report's id, how the body starts).
PUBLIC_PAGES = (
    ("public: index", "public:index", False, b"<!doctype html"),
    ("public: report", "public:report", True, b"<!doctype html"),
    ("public: report.pdf", "public:report-pdf", True, b"%PDF"),
    ("public: feed.atom", "public:report-feed", False, b"<?xml"),
    ("public: relationships", "public:relationships", False, b"<!doctype html"),
    ("public: relationships.csv", "public:relationships-csv", False, b"\xef\xbb\xbf"),  # UTF-8 BOM
    ("public: relationships.json", "public:relationships-json", False, b"{"),
    ("public: travel", "public:travel", False, b"<!doctype html"),
    ("public: travel.csv", "public:travel-csv", False, b"\xef\xbb\xbf"),
    ("public: travel.json", "public:travel-json", False, b"{"),
    ("public: gifts", "public:gifts", False, b"<!doctype html"),
    ("public: gifts.csv", "public:gifts-csv", False, b"\xef\xbb\xbf"),
    ("public: gifts.json", "public:gifts-json", False, b"{"),
)
PUBLIC_STARTS = {label: start for label, _, _, start in PUBLIC_PAGES}


def say(message: str = "") -> None:
    print(message, flush=True)


# --- what the clients do --------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """The pages each role walks (the anonymous readers' under READER), the report whose
    PDF is asked for, and the public report page's link to its PDF."""

    pages: dict[str, list[tuple[str, str]]]
    pdf_report: int
    # Roles that may ask for a PDF (reports.add_rendering); Finance only reads reports.
    pdf_roles: tuple[str, ...] = ("officer", "leader")
    public_pdf: str = ""  # the path the public report page links its PDF at
    # Recovery codes for the users whose role must take a second step (two_factor.required_for).
    recovery_codes: dict[str, list[str]] = field(default_factory=dict)


def build_plan(ids: dict[str, Any]) -> Plan:
    """(label, path) per role, from the ids the demo register was given."""
    common = [("dashboard", "/")]
    officer = [
        ("places", "/partners/places/"),
        ("relationships", "/partners/relationships/"),
        ("approaches", "/partners/approaches/"),
        ("organisations", "/partners/organisations/"),
        ("contacts", "/partners/contacts/"),
        ("actions", "/partners/actions/"),
        ("visits", "/delegations/visits/"),
        ("gifts", "/delegations/gifts/"),
        ("reports", "/reports/"),
        ("place page", f"/partners/places/{ids['place']}/"),
        ("relationship page", f"/partners/relationships/{ids['relationship']}/"),
        ("visit page", f"/delegations/visits/{ids['visit']}/"),
        ("report page", f"/reports/{ids['report']}/"),
    ]
    finance = [
        ("budget years", "/budgets/"),
        ("budget year", f"/budgets/years/{ids['year']}/"),
        ("budget lines", "/budgets/lines/"),
        ("budget line page", f"/budgets/lines/{ids['line']}/"),
        ("spend", "/budgets/spend/"),
        ("review queue", "/budgets/review/"),
        ("visits", "/delegations/visits/"),
    ]
    leader = [
        ("reports", "/reports/"),
        ("report page", f"/reports/{ids['report']}/"),
        ("relationships", "/partners/relationships/"),
        ("visits", "/delegations/visits/"),
        ("budget years", "/budgets/"),
    ]
    pages = {"officer": common + officer, "finance": common + finance, "leader": common + leader}
    public = ids.get("public", {})
    if public:
        pages[READER] = list(public.items())
    return Plan(
        pages=pages,
        pdf_report=ids["report"],
        public_pdf=public.get("public: report.pdf", ""),
        recovery_codes=ids.get("recovery_codes", {}),
    )


def public_paths(report: int) -> dict[str, str]:
    """The public pages' paths, from the URL conf (Django set up): {label: path}."""
    from django.urls import reverse

    return {
        label: reverse(name, args=[report] if by_report else []) for label, name, by_report, _ in PUBLIC_PAGES
    }


@dataclass
class Sample:
    label: str
    status: int
    ms: float
    at: float  # seconds since the run started
    error: str = ""


class Budget:
    """Requests the run may still make; shared by the clients."""

    def __init__(self, limit: int) -> None:
        self._left = limit
        self._lock = threading.Lock()

    def take(self) -> bool:
        with self._lock:
            if self._left <= 0:
                return False
            self._left -= 1
            return True


class Client:
    """One browser: its own connection and cookies, following nothing by itself."""

    def __init__(self, host: str, port: int, started: float, timeout: float = 30.0) -> None:
        self.host, self.port, self.started, self.timeout = host, port, started, timeout
        self.cookies: dict[str, str] = {}
        self.samples: list[Sample] = []
        self.connection: http.client.HTTPConnection | None = None

    def request(
        self,
        label: str,
        method: str,
        path: str,
        *,
        form: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, dict[str, str], bytes]:
        """Makes one request and records it; exceptions are recorded and raised again."""
        body = urlencode(form).encode() if form is not None else None
        sent = {
            "Host": f"{self.host}:{self.port}",
            "User-Agent": "twinning-loadtest",
            "Accept": "text/html,application/xhtml+xml",
            **(headers or {}),
        }
        if body is not None:
            sent["Content-Type"] = "application/x-www-form-urlencoded"
            # Django checks the Origin of a form post against the host, as a browser sends it.
            sent["Origin"] = f"http://{self.host}:{self.port}"
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        began = time.perf_counter()
        try:
            if self.connection is None:
                self.connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            self.connection.request(method, path, body=body, headers=sent)
            response = self.connection.getresponse()
            content = response.read()
            if response.will_close:
                self.connection.close()
                self.connection = None
        except (OSError, http.client.HTTPException) as exc:
            self._drop_connection()
            self.samples.append(
                Sample(label, 0, (time.perf_counter() - began) * 1000, began - self.started, repr(exc))
            )
            raise
        elapsed = (time.perf_counter() - began) * 1000
        for header in response.headers.get_all("Set-Cookie") or []:
            self._keep_cookie(header)
        status = response.status
        response_headers = {k.lower(): v for k, v in response.getheaders()}
        error = classify(status, response_headers.get("location", ""))
        self.samples.append(Sample(label, status, elapsed, began - self.started, error))
        return status, response_headers, content

    def _keep_cookie(self, header: str) -> None:
        # The Secure flag is set in production; on plain HTTP over loopback it is kept anyway.
        jar: SimpleCookie = SimpleCookie()
        jar.load(header)
        for name, morsel in jar.items():
            if morsel["max-age"] == "0" or not morsel.value:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = morsel.value

    def _drop_connection(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None

    def record_error(self, label: str, message: str) -> None:
        self.samples.append(Sample(label, 0, 0.0, time.perf_counter() - self.started, message))

    def fail_last(self, message: str) -> None:
        """Counts the request just made as an error (once: an error it had already stays)."""
        if self.samples and not self.samples[-1].error:
            self.samples[-1].error = message


def classify(status: int, location: str = "") -> str:
    """The error a response counts as, or "" when it is fine."""
    if not 200 <= status < 400:
        return f"HTTP {status}"
    if 300 <= status < 400 and urlsplit(location).path.startswith("/accounts/login/"):
        return f"HTTP {status} to the sign-in page (signed out)"
    return ""


def csrf_token(html: bytes) -> str:
    found = CSRF_FIELD.search(html.decode("utf-8", "replace"))
    if not found:
        raise ValueError("no CSRF token in the page")
    return found.group(1)


class RecoveryCodes:
    """Each role that must take a second step signs in with a recovery code, each used once
    (clients signing in at once as one user cannot all give the same app code)."""

    def __init__(self, codes: dict[str, list[str]]) -> None:
        self._codes = {username: list(found) for username, found in codes.items()}
        self._lock = threading.Lock()

    def take(self, username: str) -> str | None:
        with self._lock:
            left = self._codes.get(username)
            return left.pop() if left else None


def sign_in(client: Client, username: str, password: str, codes: RecoveryCodes | None = None) -> bool:
    status, _, page = client.request("sign-in form", "GET", "/accounts/login/")
    if status != 200:
        return False
    token = csrf_token(page)
    status, headers, _ = client.request(
        "sign-in",
        "POST",
        "/accounts/login/",
        form={"csrfmiddlewaretoken": token, "username": username, "password": password, "next": "/"},
    )
    if status != 302 or "sessionid" not in client.cookies:
        client.record_error("sign-in", f"sign-in refused (HTTP {status}, to {headers.get('location', '')!r})")
        return False
    code = codes.take(username) if codes is not None else None
    if code is None:
        return True
    # The second step, as a person with their recovery codes takes it.
    status, _, page = client.request("second step form", "GET", SECOND_STEP)
    if status != 200:
        client.record_error("second step form", f"no second step asked for (HTTP {status})")
        return False
    status, headers, _ = client.request(
        "second step",
        "POST",
        SECOND_STEP,
        form={"csrfmiddlewaretoken": csrf_token(page), "code": code, "next": "/"},
    )
    if status != 302 or headers.get("location") != "/":
        client.record_error("second step", f"second step refused (HTTP {status})")
        return False
    return True


def ask_for_pdf(client: Client, report: int, deadline: float, poll_seconds: float) -> dict[str, Any]:
    """As the report page does: ask, follow the rendering page until ready, download, check."""
    asked_at = time.perf_counter()
    _, _, page = client.request("report page", "GET", f"/reports/{report}/")
    status, headers, _ = client.request(
        "PDF asked for",
        "POST",
        f"/reports/{report}/pdf/",
        form={"csrfmiddlewaretoken": csrf_token(page)},
    )
    rendering_path = urlsplit(headers.get("location", "")).path
    if status != 302 or not rendering_path.startswith("/reports/pdfs/"):
        if not classify(status, headers.get("location", "")):  # else already counted as an error
            client.record_error("PDF asked for", f"no rendering page after asking (HTTP {status})")
        return {"ok": False}
    _, _, page = client.request("PDF status page", "GET", rendering_path)
    while True:
        link = DOWNLOAD_LINK.search(page.decode("utf-8", "replace"))
        if link:
            break
        if b"could not be made" in page:
            client.record_error("PDF status poll", "the worker could not make the PDF")
            return {"ok": False}
        if time.perf_counter() > deadline:
            client.record_error("PDF status poll", "the PDF was not ready in time")
            return {"ok": False}
        time.sleep(poll_seconds)
        _, _, page = client.request("PDF status poll", "GET", rendering_path, headers={"HX-Request": "true"})
    ready_at = time.perf_counter()
    status, headers, content = client.request("PDF download", "GET", link.group(1))
    expected = headers.get("x-content-sha256", "")
    if status == 200 and not (
        content.startswith(b"%PDF") and hashlib.sha256(content).hexdigest() == expected
    ):
        client.record_error("PDF download", "the download is not the PDF the rendering recorded")
        return {"ok": False}
    return {"ok": status == 200, "seconds_to_ready": ready_at - asked_at, "bytes": len(content)}


@dataclass
class Outcome:
    """One client's part: its role, when it asks for the PDF, and what came of it."""

    client: Client
    role: str
    pdf_at: float | None = None  # perf_counter time, set when the clock starts
    pdf_deadline: float = 0.0
    pdf: dict[str, Any] = field(default_factory=dict)
    signed_in: bool = False
    tried: threading.Event = field(default_factory=threading.Event)
    sign_in_samples: int = 0


@contextlib.contextmanager
def errors_recorded(client: Client, what: str) -> Iterator[None]:
    """Any failure of a client or a reader is an error of the run, never silent."""
    try:
        yield
    except Exception as exc:
        client.record_error(what, f"{type(exc).__name__}: {exc}")


def run_client(
    outcome: Outcome,
    credentials: tuple[str, str],
    plan: Plan,
    *,
    go: threading.Event,
    stop: threading.Event,
    budget: Budget,
    seed: int,
    poll_seconds: float,
    think_seconds: float,
    codes: RecoveryCodes | None = None,
) -> None:
    client, rng = outcome.client, random.Random(seed)  # noqa: S311 - a page order, not a secret
    with errors_recorded(client, "client"):
        try:
            outcome.signed_in = sign_in(client, *credentials, codes=codes)
        finally:
            outcome.sign_in_samples = len(client.samples)
            outcome.tried.set()
        go.wait()
        if not outcome.signed_in:
            return
        pages = plan.pages[outcome.role]
        while not stop.is_set():
            if outcome.pdf_at is not None and time.perf_counter() >= outcome.pdf_at:
                outcome.pdf_at = None
                if budget.take():
                    try:
                        outcome.pdf = ask_for_pdf(client, plan.pdf_report, outcome.pdf_deadline, poll_seconds)
                    except (OSError, http.client.HTTPException):
                        outcome.pdf = {"ok": False}  # the failed request is recorded
                    except ValueError as exc:
                        client.record_error("PDF asked for", str(exc))
                        outcome.pdf = {"ok": False}
                continue
            if not budget.take():
                return
            label, path = rng.choice(pages)
            # A failure is recorded by request(); carry on as a person would, with the next page.
            with contextlib.suppress(OSError, http.client.HTTPException):
                client.request(label, "GET", path)
            if think_seconds:
                time.sleep(think_seconds)


@dataclass
class Reader:
    """One anonymous reader of the public pages, and how often the cache served it."""

    client: Client
    x_cache: dict[str, dict[str, int]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(int)))


def check_public(
    client: Client, label: str, status: int, headers: dict[str, str], content: bytes, plan: Plan
) -> None:
    """What a public page must be besides an answer: 200, no cookie, the body of its kind."""
    if status != 200:
        client.fail_last(f"HTTP {status}, not 200")
    elif "set-cookie" in headers:
        names = sorted(client.cookies) or [headers["set-cookie"].split("=", 1)[0]]
        client.fail_last(f"set a cookie on a public page ({', '.join(names)})")
    elif not content[:32].lower().startswith(PUBLIC_STARTS[label].lower()):
        client.fail_last(f"the body does not start as it should ({PUBLIC_STARTS[label]!r}): {content[:32]!r}")
    elif (
        label == "public: report" and plan.public_pdf and f'href="{plan.public_pdf}"'.encode() not in content
    ):
        # Its PDF was ready before the readers started: a page without the link is stale.
        client.fail_last("the published report's page does not link its PDF, which is ready")
    # Stay anonymous: whatever was set is neither kept nor sent back.
    client.cookies.clear()


def run_reader(
    reader: Reader,
    plan: Plan,
    *,
    go: threading.Event,
    stop: threading.Event,
    budget: Budget,
    seed: int,
    think_seconds: float,
) -> None:
    client, rng = reader.client, random.Random(seed)  # noqa: S311 - a page order, not a secret
    with errors_recorded(client, "public: reader"):
        go.wait()
        pages = plan.pages[READER]
        while not stop.is_set() and budget.take():
            label, path = rng.choice(pages)
            try:
                status, headers, content = client.request(label, "GET", path)
            except (OSError, http.client.HTTPException):
                continue  # recorded by request(); on with the next page
            check_public(client, label, status, headers, content, plan)
            if "x-cache" in headers:
                reader.x_cache[label][headers["x-cache"]] += 1
            if think_seconds:
                time.sleep(think_seconds)


# --- the servers --------------------------------------------------------------------------


@dataclass
class Servers:
    processes: list[subprocess.Popen] = field(default_factory=list)
    logs: list[Any] = field(default_factory=list)

    def start(self, name: str, command: list[str], env: dict[str, str]) -> subprocess.Popen:
        LOG_DIR.mkdir(parents=True, exist_ok=True)
        log = (LOG_DIR / f"{name}.log").open("w")
        self.logs.append(log)
        # A session of its own, so stopping it stops its children (gunicorn's and the worker's).
        process = subprocess.Popen(  # noqa: S603 - our own venv's programs, fixed arguments
            command,
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_stop_with_parent,  # only sets a signal; no client thread runs yet
        )
        self.processes.append(process)
        return process

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 20
        for process in self.processes:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        for log in self.logs:
            log.close()


def _stop_with_parent() -> None:
    """Linux: the server gets SIGTERM if the load test itself is killed outright."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def wait_for_health(host: str, port: int, seconds: float, servers: Servers) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for process in servers.processes:
            if process.poll() is not None:
                raise SystemExit(f"A server stopped at start-up (exit {process.returncode}); see {LOG_DIR}.")
        try:
            connection = http.client.HTTPConnection(host, port, timeout=2)
            connection.request("GET", "/healthz", headers={"Host": f"{host}:{port}"})
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"gunicorn did not answer /healthz within {seconds:.0f} s; see {LOG_DIR}.")


def wait_for_worker(log_path: Path, seconds: float, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"The Celery worker stopped at start-up; see {log_path}.")
        if log_path.exists() and " ready." in log_path.read_text(errors="replace"):
            return
        time.sleep(0.5)
    raise SystemExit(f"The Celery worker was not ready within {seconds:.0f} s; see {log_path}.")


# --- preparing the scratch database ------------------------------------------------------------


def prepare(env: dict[str, str], password: str, *, publish: bool) -> dict[str, Any]:
    """Migrates, collects static files, loads the demo and makes one user per role (in this process);
    with ``publish``, publishes the Cabinet report for the readers and finds the public pages' paths."""
    os.environ.update(env)
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.core.management import call_command
    from django.db import connections

    from budgets.models import BudgetLine
    from core import roles, two_factor
    from delegations.models import Visit
    from demo.register import CABINET_REPORT, load_demo
    from partners.models import Place, Relationship
    from reports.models import Report
    from scripts.benchlib import publish_demo_report

    clock = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    say(f"Migrated in {time.perf_counter() - clock:.1f} s.")
    clock = time.perf_counter()
    if static_files_current():
        say("The collected static files are current.")
    else:
        call_command("collectstatic", verbosity=0, interactive=False)
        say(f"Collected the static files in {time.perf_counter() - clock:.1f} s.")
    clock = time.perf_counter()
    load_demo(with_users=False, password="unused-no-logins")  # noqa: S106 - no demo logins are made
    say(f"Loaded the demo register in {time.perf_counter() - clock:.1f} s.")
    User = get_user_model()
    recovery_codes: dict[str, list[str]] = {}
    for key, role in (
        ("officer", roles.OFFICER),
        ("finance", roles.FINANCE),
        ("leader", roles.LEADERS_OFFICE),
    ):
        user = User.objects.create_user(
            username=f"load-{key}", password=password, first_name="Load", last_name=role
        )
        user.groups.add(Group.objects.get(name=role))
        if two_factor.required_for(user):
            recovery_codes[user.username] = second_step_for(user)
    report = Report.objects.filter(**CABINET_REPORT).order_by("revision", "pk").first()
    line = BudgetLine.objects.select_related("financial_year").order_by("pk").first()
    ids = {
        "recovery_codes": recovery_codes,
        "place": Place.objects.order_by("pk").values_list("pk", flat=True).first(),
        "relationship": Relationship.objects.order_by("pk").values_list("pk", flat=True).first(),
        "visit": Visit.objects.order_by("pk").values_list("pk", flat=True).first(),
        "report": report.pk,
        "line": line.pk,
        "year": line.financial_year.start_year,
    }
    if publish:
        # Its PDF is asked for as it is published: the rendering is committed and its task sent
        # to Redis, where it waits for the worker started below (wait_for_published_pdf).
        published = publish_demo_report()
        if published != report.pk:
            raise SystemExit(f"publish_demo_report published report {published}, not {report.pk}.")
        ids["public"] = public_paths(published)
        say(f"Published the Cabinet report ({published}) for the readers.")
    connections.close_all()
    return ids


def wait_for_published_pdf(report_id: int, seconds: float, worker: subprocess.Popen) -> float:
    """Waits until the PDF of the report as published is ready, as the public pages look for it
    (public.selectors.published_pdf); how long that took. Only then does the public report page
    link its PDF and the PDF download answer 200."""
    from django.db import connections

    from public.selectors import published_pdf
    from reports.models import Rendering, RenderingStatus, Report

    began = time.monotonic()
    try:
        while True:
            report = Report.objects.get(pk=report_id)
            if published_pdf(report) is not None:
                return time.monotonic() - began
            latest = (
                Rendering.objects.without_pdf()
                .filter(report=report, report_version=report.version)
                .order_by("-pk")
                .first()
            )
            if latest is None:
                raise SystemExit(
                    f"No PDF was asked for when report {report_id} was published: the readers would "
                    "find no PDF to download."
                )
            if latest.status == RenderingStatus.FAILED:
                raise SystemExit(
                    f"The worker could not make the published report's PDF (rendering {latest.pk}: "
                    f"{latest.error or latest.failure}); see {LOG_DIR / 'worker.log'}."
                )
            if worker.poll() is not None:
                raise SystemExit(
                    f"The Celery worker stopped before making the PDF; see {LOG_DIR / 'worker.log'}."
                )
            if time.monotonic() - began > seconds:
                raise SystemExit(
                    f"The published report's PDF was not ready within {seconds:.0f} s of the worker "
                    f"starting (rendering {latest.pk} is {latest.status}); see {LOG_DIR / 'worker.log'}."
                )
            time.sleep(0.5)
    finally:
        connections.close_all()


def second_step_for(user: Any, count: int = 500) -> list[str]:
    """An authenticator app set up for ``user``, as their role requires, and recovery codes enough
    for every client that signs in as them."""
    from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    device = StaticDevice.objects.create(user=user, name="Recovery codes", confirmed=True)
    codes = [StaticToken.random_token() for _ in range(count)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def static_files_current() -> bool:
    """Whether the manifest collected last time is newer than every static file found."""
    from django.conf import settings
    from django.contrib.staticfiles.finders import get_finders

    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    if not manifest.exists():
        return False
    collected_at = manifest.stat().st_mtime
    for finder in get_finders():
        for path, storage in finder.list([]):
            if Path(storage.path(path)).stat().st_mtime > collected_at:
                return False
    return True


# --- results ------------------------------------------------------------------------------------


def summarise_samples(samples: list[Sample], seconds: float) -> dict[str, Any]:
    """Throughput, latency percentiles overall and per page, and the errors."""
    by_label: dict[str, list[Sample]] = defaultdict(list)
    for sample in samples:
        by_label[sample.label].append(sample)
    answered = [s for s in samples if s.status]
    errors = [s for s in samples if s.error]

    def latency(group: list[Sample]) -> dict[str, float]:
        values = [s.ms for s in group if s.status] or [0.0]
        return {
            "p50": percentile(values, 50),
            "p95": percentile(values, 95),
            "p99": percentile(values, 99),
            "max": max(values),
        }

    return {
        "requests": len(samples),
        "seconds": seconds,
        "requests_per_second": len(answered) / seconds if seconds else 0.0,
        "latency_ms": latency(samples),
        "errors": len(errors),
        "error_kinds": dict(sorted(_count(f"{s.label}: {s.error}" for s in errors).items())),
        "pages": {
            label: {"requests": len(group), "errors": sum(1 for s in group if s.error), **latency(group)}
            for label, group in sorted(by_label.items())
        },
    }


def _ratio(counts: dict[str, int] | None) -> str:
    """The share of hits in X-Cache counts, as a percentage; "" for none."""
    if not counts or not counts["hit"] + counts["miss"]:
        return ""
    return f"{100 * counts['hit'] / (counts['hit'] + counts['miss']):.1f}%"


def _count(items: Any) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for item in items:
        counts[item] += 1
    return counts


def print_results(result: dict[str, Any]) -> None:
    run, signing_in, machine = result["run"], result["sign_in"], result["machine"]
    say("")
    say(
        f"Machine: {machine['cpu_model']}, {machine['cpu_cores']} cores, {machine['memory_mib']} MiB; "
        f"Python {machine['python']}; {machine['database']}; Redis {machine['redis']}; load average "
        f"{machine['load_average']} before, {machine['load_average_after']} after."
    )
    say(source_line(machine["source"]))
    config = result["config"]
    say(
        f"gunicorn {config['gunicorn_workers']} workers ({config['gunicorn_worker_class']}), Celery worker "
        f"concurrency {config['worker_concurrency']}; {config['clients']} signed-in clients "
        f"({', '.join(f'{n} {r}' for r, n in config['clients_by_role'].items())}) and "
        f"{config['readers']} anonymous readers, "
        f"{run['seconds']:.1f} s, think time {config['think_ms']} ms."
    )
    say(
        f"Sign-in: {signing_in['requests']} requests before the clock started, "
        f"p50 {signing_in['latency_ms']['p50']:.0f} ms, p95 {signing_in['latency_ms']['p95']:.0f} ms, "
        f"{signing_in['errors']} errors."
    )
    say("")
    hits = result["readers"]["x_cache"]["pages"]

    def row(label: str, counts: dict[str, Any], latency: dict[str, float], hit: str = "") -> list[Any]:
        return [
            label,
            counts["requests"],
            counts["errors"],
            f"{latency['p50']:.0f}",
            f"{latency['p95']:.0f}",
            f"{latency['p99']:.0f}",
            f"{latency['max']:.0f}",
            hit,
        ]

    rows = []
    # The signed-in pages, then the public ones (each group with its total), then everything.
    for name, group in result["groups"].items():
        if not group["requests"]:
            continue
        for label, page in group["pages"].items():
            rows.append(row(label, page, page, _ratio(hits.get(label))))
        if len(result["groups"]) > 1:
            total = result["readers"]["x_cache"]["all"] if name == "public" else None
            rows.append(row(f"all {name}", group, group["latency_ms"], _ratio(total)))
    rows.append(row("ALL", run, run["latency_ms"]))
    headers = ["page", "requests", "errors", "p50 ms", "p95 ms", "p99 ms", "max ms", "X-Cache hit"]
    if not result["readers"]["count"]:  # only the public pages say whether they came from the cache
        headers, rows = headers[:-1], [r[:-1] for r in rows]
    say(format_table(headers, rows, "lrrrrrrr"))
    say("")
    by_group = ", ".join(
        f"{name} {group['requests_per_second']:.1f}" for name, group in result["groups"].items()
    )
    say(f"Throughput: {run['requests_per_second']:.1f} requests per second ({by_group}).")
    readers = result["readers"]
    if readers["count"]:
        cached = readers["x_cache"]["all"]
        say(
            f"Public pages: {cached['hit']} of {cached['hit'] + cached['miss']} served from the cache "
            f"({_ratio(cached) or '-'}); the published report's PDF was ready "
            f"{readers['pdf_ready_seconds']:.1f} s after the worker started."
        )
    pdf = result["pdf"]
    if pdf["asked"]:
        ready = pdf["seconds_to_ready"]
        timing = (
            f"; asked to ready p50 {percentile(ready, 50):.1f} s, max {max(ready):.1f} s" if ready else ""
        )
        say(f"PDFs: {pdf['asked']} asked for, {pdf['downloaded']} downloaded and checked{timing}.")
    errors = run["errors"] + signing_in["errors"]
    say(f"Errors: {errors}.")
    for kind, count in {**signing_in["error_kinds"], **run["error_kinds"]}.items():
        say(f"  {count:>5} x {kind}")


# --- the run ------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=int, default=20, help="signed-in clients (default 20)")
    parser.add_argument(
        "--readers",
        type=int,
        default=50,
        help="anonymous readers of the public pages, alongside the clients (default 50; 0 for none)",
    )
    parser.add_argument("--seconds", type=float, default=60, help="length of the run (default 60)")
    parser.add_argument(
        "--max-requests",
        type=int,
        default=50_000,
        help="stop the signed-in clients after this many requests, and the readers after as many again "
        "(default 50000)",
    )
    parser.add_argument("--think-ms", type=float, default=0, help="pause after each page (default 0)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument(
        "--worker-concurrency", type=int, default=1, help="Celery worker processes (default 1)"
    )
    parser.add_argument(
        "--pdf-timeout",
        type=float,
        default=90,
        help="seconds a PDF may take after the run, and the published report's PDF before it (default 90)",
    )
    parser.add_argument(
        "--no-pdf",
        action="store_true",
        help="the signed-in clients ask for no PDF (the readers still download one)",
    )
    parser.add_argument("--seed", type=int, default=2015)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database afterwards")
    parser.add_argument("--output", default="", help="JSON file (default var/bench/loadtest.json)")
    return parser.parse_args(argv)


def require_services() -> tuple[str, str]:
    database_url = os.environ.get("DATABASE_URL", "").strip()
    redis_url = os.environ.get("REDIS_URL", "").strip()
    if not database_url.startswith(("postgres://", "postgresql://", "pgsql://")):
        raise SystemExit(
            "make loadtest runs against PostgreSQL, Redis and a Celery worker as deployed: set DATABASE_URL "
            "to a PostgreSQL URL and REDIS_URL, e.g.\n"
            "  DATABASE_URL=postgres://postgres@127.0.0.1:5432/twinning_load "
            "REDIS_URL=redis://127.0.0.1:6379/9 make loadtest"
        )
    if not redis_url:
        raise SystemExit(
            "make loadtest needs REDIS_URL (the Celery broker), e.g. REDIS_URL=redis://127.0.0.1:6379/9"
        )
    return database_url, redis_url


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.clients < 1 or args.seconds <= 0 or args.max_requests < 1:
        raise SystemExit("--clients, --seconds and --max-requests must be positive.")
    if args.readers < 0:
        raise SystemExit("--readers must be 0 or more.")
    database_url, redis_url = require_services()
    scratch = f"{database_name(database_url)}_loadtest"
    scratch_url = database_url_with_name(database_url, scratch)
    host, port = "127.0.0.1", free_port()
    password = secrets.token_urlsafe(24)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": SETTINGS_MODULE,
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": scratch_url,
        "REDIS_URL": redis_url,
        "DJANGO_DEBUG": "false",
        "SECRET_KEY": os.environ.get("SECRET_KEY") or "loadtest-" + secrets.token_urlsafe(40),
        "ALLOWED_HOSTS": f"{host},localhost",
        # Plain HTTP on loopback: production would sit behind a TLS proxy.
        "SECURE_SSL_REDIRECT": "false",
    }
    facts = machine_facts()
    started_at = datetime.now(UTC)
    say(f"Scratch database {scratch!r} on {redact(database_url)}; broker {redact(redis_url)}.")
    recreate_postgres_database(database_url, scratch)
    servers = Servers()
    previous_handler = signal.signal(signal.SIGTERM, _terminate)
    try:
        # With no readers the run is what it was before them: the report is left approved.
        ids = prepare(env, password, publish=args.readers > 0)
        facts |= {"database": _database_version(), "redis": _redis_version(redis_url)}
        plan = build_plan(ids)
        gunicorn_command = [
            str(VENV_BIN / "gunicorn"),
            "twinning.wsgi:application",
            "--bind",
            f"{host}:{port}",
            "--workers",
            str(args.workers),
            "--worker-tmp-dir",
            "/dev/shm",  # noqa: S108 - as the Dockerfile runs it: heartbeat files off the disk
            "--access-logfile",
            "-",
        ]
        servers.start("gunicorn", gunicorn_command, env)
        worker_log = LOG_DIR / "worker.log"
        worker = servers.start(
            "worker",
            [
                str(VENV_BIN / "celery"),
                "-A",
                "twinning",
                "worker",
                "--loglevel=INFO",
                f"--concurrency={args.worker_concurrency}",
                f"--hostname=loadtest-{os.getpid()}@%h",
            ],
            env,
        )
        wait_for_health(host, port, 60, servers)
        wait_for_worker(worker_log, 60, worker)
        say(f"gunicorn on http://{host}:{port}/ with {args.workers} workers; Celery worker ready.")
        pdf_ready = 0.0
        if args.readers:
            pdf_ready = wait_for_published_pdf(ids["report"], args.pdf_timeout, worker)
            say(f"The published report's PDF was ready {pdf_ready:.1f} s after the worker started.")
        result = load(args, plan, host, port, password)
        result["readers"]["pdf_ready_seconds"] = pdf_ready
        facts["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
        result |= {
            "started_at": started_at.isoformat(),
            "machine": facts,
            "config": result["config"]
            | {
                "gunicorn_workers": args.workers,
                "gunicorn_worker_class": "sync",
                "worker_concurrency": args.worker_concurrency,
                "database": scratch,
            },
        }
        print_results(result)
        output = Path(args.output) if args.output else RESULTS_DIR / "loadtest.json"
        write_json(output, result)
        say(f"\nSaved {output}; server logs in {LOG_DIR}.")
        return 1 if result["run"]["errors"] + result["sign_in"]["errors"] else 0
    finally:
        servers.stop()
        signal.signal(signal.SIGTERM, previous_handler)
        _close_connections()
        if args.keep:
            say(f"Kept the scratch database {scratch}.")
        else:
            drop_postgres_database(database_url, scratch)
            say(f"Stopped gunicorn and the worker; dropped the scratch database {scratch}.")


def _terminate(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt  # the same clean-up as Ctrl-C


def _close_connections() -> None:
    if "django.db" in sys.modules:
        from django.db import connections

        connections.close_all()


def _database_version() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
    connection.close()
    return f"PostgreSQL {version}"


def _redis_version(url: str) -> str:
    import redis

    client = redis.Redis.from_url(url)
    try:
        return str(client.info("server").get("redis_version", "?"))
    finally:
        client.close()


def load(args: argparse.Namespace, plan: Plan, host: str, port: int, password: str) -> dict[str, Any]:
    """Signs every client in, then lets them and the readers loose until the time or the
    request budget is spent."""
    go, stop = threading.Event(), threading.Event()
    budget = Budget(args.max_requests)
    # The readers have a budget of their own, as large: their cached pages are answered many
    # times faster than a signed-in page, so a shared one would be spent mostly by them and
    # would stop the signed-in clients early; with two, --max-requests bounds each group as it
    # bounded the clients alone before, and neither group can end the other's run.
    reader_budget = Budget(args.max_requests)
    origin = time.perf_counter()
    rng = random.Random(args.seed)  # noqa: S311 - spreading the PDF requests, not a secret
    outcomes, threads = [], []
    codes = RecoveryCodes(plan.recovery_codes)
    for number in range(args.clients):
        # Half officers, a quarter each Finance and the Leader's Office.
        role = ("officer", "officer", "finance", "leader")[number % 4]
        outcome = Outcome(Client(host, port, origin), role)
        outcomes.append(outcome)
        threads.append(
            threading.Thread(
                target=run_client,
                name=f"client-{number}",
                args=(outcome, (f"load-{role}", password), plan),
                kwargs={
                    "go": go,
                    "stop": stop,
                    "budget": budget,
                    "seed": args.seed + number,
                    "poll_seconds": 2.0,  # as the rendering page polls
                    "think_seconds": args.think_ms / 1000,
                    "codes": codes,
                },
                daemon=True,
            )
        )
    readers = []
    for number in range(args.readers):
        reader = Reader(Client(host, port, origin))
        readers.append(reader)
        threads.append(
            threading.Thread(
                target=run_reader,
                name=f"reader-{number}",
                args=(reader, plan),
                kwargs={
                    "go": go,
                    "stop": stop,
                    "budget": reader_budget,
                    "seed": args.seed + 100_000 + number,
                    "think_seconds": args.think_ms / 1000,
                },
                daemon=True,
            )
        )
    for thread in threads:
        thread.start()
    # Every client signs in first (PBKDF2 makes that slow on purpose); the clock starts after.
    for outcome in outcomes:
        outcome.tried.wait(timeout=max(0.0, origin + 180 - time.perf_counter()))
    clock_started = time.perf_counter()
    for outcome in outcomes:
        outcome.pdf_deadline = clock_started + args.seconds + args.pdf_timeout
        if not args.no_pdf and outcome.role in plan.pdf_roles:
            # Each client asks for the PDF once, somewhere in the first half of the run.
            outcome.pdf_at = clock_started + rng.uniform(0, args.seconds / 2)
    go.set()
    try:
        while time.perf_counter() - clock_started < args.seconds and any(t.is_alive() for t in threads):
            time.sleep(0.1)
    finally:
        stop.set()
    run_seconds = time.perf_counter() - clock_started
    # Clients finish the request in hand, and a PDF in progress its polling.
    for thread in threads:
        thread.join(
            timeout=max(0.0, clock_started + args.seconds + args.pdf_timeout + 35 - time.perf_counter())
        )
    signing = [s for o in outcomes for s in o.client.samples[: o.sign_in_samples]]
    signed_in = [s for o in outcomes for s in o.client.samples[o.sign_in_samples :]]
    public = [s for r in readers for s in r.client.samples]
    running = signed_in + public
    unsigned = [o for o in outcomes if not o.tried.is_set()]
    pdfs = [o.pdf for o in outcomes if o.pdf]
    hung = [t.name for t in threads if t.is_alive()]
    run = summarise_samples(running, run_seconds)
    groups = {"signed in": summarise_samples(signed_in, run_seconds)}
    if readers:
        groups["public"] = summarise_samples(public, run_seconds)
    sign_in = summarise_samples(signing, clock_started - origin)
    x_cache: dict[str, dict[str, int]] = defaultdict(lambda: {"hit": 0, "miss": 0})
    for reader in readers:
        for label, counts in reader.x_cache.items():
            for kind, n in counts.items():
                x_cache[label][kind] = x_cache[label].get(kind, 0) + n
    if unsigned:
        sign_in["errors"] += len(unsigned)
        sign_in["error_kinds"]["clients that never finished signing in"] = len(unsigned)
    if hung:
        run["errors"] += len(hung)
        run["error_kinds"][f"clients or readers still busy after the run: {', '.join(hung)}"] = len(hung)
    return {
        "config": {
            "clients": args.clients,
            "clients_by_role": dict(_count(o.role for o in outcomes)),
            "readers": args.readers,
            "seconds": args.seconds,
            "max_requests": args.max_requests,
            "think_ms": args.think_ms,
            "pages": plan.pages,
        },
        "sign_in": sign_in,
        "run": run,
        "groups": groups,
        "readers": {
            "count": args.readers,
            "x_cache": {
                "all": {kind: sum(c.get(kind, 0) for c in x_cache.values()) for kind in ("hit", "miss")},
                "pages": dict(sorted(x_cache.items())),
            },
        },
        "pdf": {
            "asked": len(pdfs),
            "downloaded": sum(1 for p in pdfs if p.get("ok")),
            "seconds_to_ready": [p["seconds_to_ready"] for p in pdfs if "seconds_to_ready" in p],
        },
    }


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        say("Stopped.")
        sys.exit(130)
