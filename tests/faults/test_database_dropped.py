"""PostgreSQL drops the app's connections (a restart, a failover, an
administrator): the next request opens a new one and goes on, and a request
whose connection dies between two writes leaves nothing half-written.

Requests go through Django's WSGI handler in this process, as gunicorn's
worker calls it: the persistent connection (CONN_MAX_AGE) and its health
check at the start of each request are the production ones (the test client
skips that check). Connections are ended from a separate connection to the
``postgres`` database."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator
from http.cookies import SimpleCookie

import psycopg
import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection
from django.db.models.signals import post_save
from django.test import RequestFactory
from django.urls import reverse

from core.models import FormSubmission
from reports.models import Report, SignOff
from tests.factories import PASSWORD
from tests.support.services import needs_services

pytestmark = [pytest.mark.services, needs_services, pytest.mark.django_db(transaction=True)]

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
SUBMISSION_INPUT = re.compile(r'name="submission" value="([0-9a-f]+)"')


class Browser:
    """Cookies, CSRF tokens and requests through the WSGI handler, as a person's browser sends them."""

    def __init__(self) -> None:
        self.handler = WSGIHandler()
        self.cookies: SimpleCookie = SimpleCookie()

    def request(self, method: str, path: str, data: dict[str, str] | None = None) -> tuple[int, dict, str]:
        factory = RequestFactory()
        factory.cookies = self.cookies
        built = factory.post(path, data or {}) if method == "POST" else factory.get(path)
        answer: dict[str, object] = {}

        def start_response(status: str, headers: list[tuple[str, str]], exc_info=None) -> None:
            answer["status"] = int(status.split()[0])
            answer["headers"] = headers

        body = self.handler(built.environ, start_response)
        try:
            content = b"".join(body).decode()
        finally:
            body.close()  # sends request_finished, as the server does
        for name, value in answer["headers"]:
            if name == "Set-Cookie":
                self.cookies.load(value)
        return answer["status"], dict(answer["headers"]), content

    def get(self, path: str) -> tuple[int, dict, str]:
        return self.request("GET", path)

    def post(self, path: str, data: dict[str, str]) -> tuple[int, dict, str]:
        return self.request("POST", path, data)

    def sign_in(self, username: str) -> None:
        status, _, page = self.get(reverse("login"))
        assert status == 200
        token = CSRF_INPUT.search(page).group(1)
        status, headers, _ = self.post(
            reverse("login"), {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token}
        )
        assert (status, headers.get("Location")) == (302, reverse("overview:dashboard"))


@pytest.fixture
def postgres() -> Iterator[psycopg.Connection]:
    """A connection of the database server's own, to end the app's from outside."""
    settings_dict = connection.settings_dict
    with psycopg.connect(
        dbname="postgres",
        user=settings_dict["USER"],
        host=settings_dict["HOST"] or None,
        port=settings_dict["PORT"] or None,
        password=settings_dict["PASSWORD"] or None,
        autocommit=True,
    ) as server:
        yield server
    # Whatever the test left, the next one starts on a working connection.
    connection.close()


def _backends(server: psycopg.Connection, database: str) -> list[int]:
    return [
        pid
        for (pid,) in server.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", [database]
        )
    ]


def _end_connections(server: psycopg.Connection, database: str, pids: list[int] | None = None) -> list[int]:
    """Ends the database's connections (or those given) and waits until they are gone."""
    ended = [pid for pid in _backends(server, database) if pids is None or pid in pids]
    for pid in ended:
        server.execute("SELECT pg_terminate_backend(%s)", [pid])
    deadline = time.monotonic() + 30
    while set(ended) & set(_backends(server, database)):
        assert time.monotonic() < deadline, "the connections were not ended"
        time.sleep(0.05)
    return ended


def _app_backend() -> int:
    return connection.connection.info.backend_pid


def test_after_the_database_drops_every_connection_the_next_request_works_still_signed_in(officer, postgres):
    database = connection.settings_dict["NAME"]
    assert connection.settings_dict["CONN_HEALTH_CHECKS"]
    browser = Browser()
    browser.sign_in(officer.username)
    status, _, page = browser.get(reverse("partners:relationship-list"))
    assert status == 200
    # One persistent connection serves request after request.
    kept = _app_backend()
    assert browser.get(reverse("overview:dashboard"))[0] == 200
    assert _app_backend() == kept

    ended = _end_connections(postgres, database)
    assert kept in ended

    status, _, page = browser.get(reverse("partners:relationship-list"))

    assert status == 200, page
    assert "Olivia" in page  # still signed in: the session is in the database, not the connection
    assert _app_backend() != kept
    assert _app_backend() in _backends(postgres, database)


def test_a_connection_that_dies_between_two_writes_leaves_nothing_half_written(officer, postgres):
    database = connection.settings_dict["NAME"]
    browser = Browser()
    browser.sign_in(officer.username)
    status, _, form_page = browser.get(reverse("reports:report-create"))
    assert status == 200
    form = {
        "csrfmiddlewaretoken": CSRF_INPUT.search(form_page).group(1),
        "submission": SUBMISSION_INPUT.search(form_page).group(1),
        "committee": "Council Cabinet",
        "meeting_date": "11/03/2026",
        "title": f"Options for a link with Hefei {uuid.uuid4().hex[:6]}",
        "report_of": "the Strategic Director for Neighbourhoods",
        "wards_affected": "All wards",
        "author_name": "Olivia Officer",
        "contact_phone": "01332 000000",
        "contact_email": "olivia@council.example",
        "background_papers": "None",
        "appendices": "Appendix 1 – Implications",
    }
    rows_before = _rows()

    def end_the_connection(sender, instance: Report, created: bool, **kwargs) -> None:
        # The report row (and its history and the form's receipt) are written;
        # its sign-offs come next, on a connection that is no more.
        if created and instance.title == form["title"]:
            _end_connections(postgres, database, [_app_backend()])

    post_save.connect(end_the_connection, sender=Report, weak=False, dispatch_uid="end-the-connection")
    try:
        status, _, page = browser.post(reverse("reports:report-create"), form)
    finally:
        post_save.disconnect(sender=Report, dispatch_uid="end-the-connection")

    assert status == 500
    assert "Nothing you were saving has been half-saved." in page
    assert not Report.objects.filter(title=form["title"]).exists()
    assert not FormSubmission.objects.filter(token=form["submission"]).exists()
    assert _rows() == rows_before

    # The officer sends the form again: it is saved whole, as if the first had never been.
    status, headers, _ = browser.post(reverse("reports:report-create"), form)

    assert status == 302
    report = Report.objects.get(title=form["title"])
    assert headers["Location"] == report.get_absolute_url()
    assert SignOff.objects.filter(report=report).count() == len(SignOff._meta.get_field("role").choices)
    assert report.history.count() == 1
    assert FormSubmission.objects.get(token=form["submission"]).redirect_to == report.get_absolute_url()


def _rows() -> dict[str, int]:
    return {
        "reports": Report.objects.count(),
        "report history": Report.history.count(),
        "sign-offs": SignOff.objects.count(),
        "form receipts": FormSubmission.objects.count(),
    }
