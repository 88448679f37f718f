"""Redis unreachable: the pages work, a PDF asked for waits queued (the request
neither fails nor hangs), /healthz answers 503 naming the broker, and the
rendering is made once Redis and a worker are back.

Redis is "down" in two ways: nothing listening (the connection is refused at
once) and a server that accepts the connection but never answers. Both the
Celery broker and the cache point at it. The in-process tests run in both
runs (in the embedded one the tasks stop running eagerly for them); the last
test needs the real Redis and a worker."""

from __future__ import annotations

import hashlib
import logging
import os
import signal
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import redis
from django.urls import reverse

from core import roles
from reports.models import Rendering, RenderingStatus
from reports.services import rendering_send
from tests import factories as make
from tests.support.pages import Page
from tests.support.register import client_for
from tests.support.services import Worker, forget_queue, free_port, needs_services, wait_until
from tests.support.urls import crawl
from twinning.celery import app as celery_app


@pytest.fixture
def silent_server() -> Iterator[int]:
    """Accepts TCP connections (the kernel completes them) and never answers, as a hung Redis."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(64)
        yield server.getsockname()[1]


def _point_redis_at(settings, url: str) -> None:
    """Broker and cache at ``url``, tasks sent to it rather than run in-process."""
    settings.REDIS_URL = url
    settings.CELERY_BROKER_URL = url
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": "twinning",
            "OPTIONS": settings.REDIS_CACHE_OPTIONS,  # as deployed
        }
    }
    celery_app.conf.update(broker_url=url, task_always_eager=False)
    _forget_broker_connections()


def _forget_broker_connections() -> None:
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def celery_config_restored():
    before = (celery_app.conf.broker_url, celery_app.conf.task_always_eager)
    yield
    celery_app.conf.update(broker_url=before[0], task_always_eager=before[1])
    _forget_broker_connections()


@pytest.fixture(params=["refused", "silent"])
def redis_down(request, settings, celery_config_restored) -> str:
    """Redis refusing connections, or accepting them and never answering."""
    if request.param == "refused":
        url = f"redis://127.0.0.1:{free_port()}/0"
    else:
        url = f"redis://127.0.0.1:{request.getfixturevalue('silent_server')}/0"
    _point_redis_at(settings, url)
    return request.param


class Hung(Exception):
    pass


@contextmanager
def _hang_guard(seconds: int = 60) -> Iterator[None]:
    """Turns a request that never comes back into a failure instead of a stuck run."""

    def hung(signum: int, frame: object) -> None:
        raise Hung(f"the request hung on the unreachable broker for {seconds} s")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture
def register(officer):
    """A little of everything, so that every kind of page has a record to show."""
    relationship = make.RelationshipFactory()
    make.ApproachFactory()
    make.ContactFactory()
    make.ActionFactory(relationship=relationship)
    make.ExchangeFactory(relationship=relationship)
    participant = make.ParticipantFactory(visit__relationship=relationship)
    make.CostItemFactory(visit=participant.visit)
    make.MeetingFactory(visit=participant.visit)
    make.GiftFactory(visit=participant.visit)
    make.SpendFactory(budget_line=make.BudgetLineFactory(approved=True, relationship=relationship))
    report = make.ReportFactory(title="Options for a link with Hefei")
    make.ParagraphFactory(report=report, text="Hefei has approached the council.")
    pdf = b"%PDF-1.7 a stored rendering"
    Rendering.objects.create(
        report=report,
        report_version=report.version,
        status=RenderingStatus.READY,
        pdf=pdf,
        sha256=hashlib.sha256(pdf).hexdigest(),
        size_bytes=len(pdf),
        page_count=1,
        requested_by=officer,
    )
    return report


SKIPPED = ("/admin/", "/static/", "/accounts/logout/")


@pytest.mark.django_db
def test_with_redis_refusing_connections_every_page_still_works(register, settings, celery_config_restored):
    # One person holding the officer's, Finance's and the Leader's Office's roles reaches every page.
    everyone = make.UserFactory(username="evelyn", roles=[roles.OFFICER, roles.FINANCE, roles.LEADERS_OFFICE])
    client = client_for(everyone)
    _point_redis_at(settings, f"redis://127.0.0.1:{free_port()}/0")

    pages = crawl(client, reverse("overview:dashboard"), limit=200, skipped=SKIPPED)

    failed = {url: status for url, status in pages.items() if status != 200}
    assert not failed, f"pages that did not answer 200 with Redis down: {failed}"
    # The crawl went through the whole register, to the report's PDF and its download.
    rendering = register.renderings.get()
    for page in (
        reverse("partners:relationship-list"),
        reverse("delegations:visit-list"),
        reverse("budgets:line-list"),
        register.get_absolute_url(),
        rendering.get_absolute_url(),
        reverse("reports:rendering-download", args=[rendering.pk]),
    ):
        assert page in pages


# On commit inside the request, as in production: the test's transaction must not hold it back.
@pytest.mark.django_db(transaction=True)
def test_asking_for_a_pdf_with_redis_down_queues_it_and_says_it_waits_for_the_pdf_service(
    redis_down, register, leader, leader_client, caplog, settings
):
    # Changed since its stored PDF was made: a new one is wanted.
    register.title = "Options for a link with Hefei, revised"
    register.save()
    before = set(Rendering.objects.values_list("pk", flat=True))
    # The request must come back: a Redis that never answers must not hold it.
    with _hang_guard(), caplog.at_level(logging.WARNING, logger="reports.services"):
        response = leader_client.post(reverse("reports:rendering-request", args=[register.pk]), follow=True)

    assert response.status_code == 200
    (rendering,) = Rendering.objects.exclude(pk__in=before)
    assert response.redirect_chain == [(rendering.get_absolute_url(), 302)]
    assert rendering.status == RenderingStatus.QUEUED
    assert rendering.requested_by == leader
    assert rendering.pdf is None
    # The page says the PDF waits for the service, not that it is being made.
    said = Page(response).by_id["rendering-status"].text
    assert said.startswith("Queued, waiting for the PDF service: it could not be reached")
    assert "being made" not in said
    warnings = [r.getMessage() for r in caplog.records if r.name == "reports.services"]
    assert any(f"Rendering {rendering.pk} stays queued" in message for message in warnings), warnings

    # Asking again finds the queued one rather than queueing a second.
    again = leader_client.post(reverse("reports:rendering-request", args=[register.pk]))
    assert again.status_code == 302
    assert again["Location"] == rendering.get_absolute_url()
    assert Rendering.objects.exclude(pk__in=before).count() == 1

    # Once the worker has been told (the sweep sends it when the broker is back), it is being made.
    _point_redis_at(settings, "memory://")
    assert rendering_send(rendering.pk)
    said = Page(leader_client.get(rendering.get_absolute_url())).by_id["rendering-status"].text
    assert said.startswith("Queued: the PDF is being made.")


@pytest.mark.django_db
def test_retrying_a_failed_pdf_with_redis_refusing_connections_queues_it_again(
    register, officer_client, settings, celery_config_restored, django_capture_on_commit_callbacks
):
    _point_redis_at(settings, f"redis://127.0.0.1:{free_port()}/0")
    failed = Rendering.objects.create(
        report=register, report_version=register.version, status=RenderingStatus.FAILED, error="Earlier"
    )

    with django_capture_on_commit_callbacks(execute=True) as told:
        response = officer_client.post(reverse("reports:rendering-retry", args=[failed.pk]), follow=True)

    assert len(told) == 1
    assert response.status_code == 200
    assert "The PDF is queued again." in response.content.decode()
    failed.refresh_from_db()
    assert (failed.status, failed.error) == (RenderingStatus.QUEUED, "")


@pytest.mark.django_db
def test_healthz_answers_503_naming_the_broker_while_redis_is_down(redis_down, client):
    response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["database"] == "ok"
    assert body["broker"].startswith("failed: ")


# --- Redis back: the rendering is made (services run) ------------------------------------


@pytest.mark.services
@needs_services
@pytest.mark.django_db(transaction=True)
def test_a_pdf_asked_for_while_redis_was_down_is_made_once_redis_and_a_worker_are_back(
    tmp_path: Path, settings, celery_config_restored, leader_client
):
    report = make.ReportFactory(title="Options for a link with Zhejiang")
    make.ParagraphFactory(report=report, text="Zhejiang (浙江省) has asked to visit Derby.")

    real_redis = os.environ["REDIS_URL"]
    _point_redis_at(settings, f"redis://127.0.0.1:{free_port()}/0")
    response = leader_client.post(reverse("reports:rendering-request", args=[report.pk]))
    assert response.status_code == 302
    (rendering,) = Rendering.objects.filter(report=report)
    assert rendering.status == RenderingStatus.QUEUED

    # Redis is back; a worker starts, and the sweep it runs as it starts sends the rendering.
    _point_redis_at(settings, real_redis)
    queue = f"twinning-faults-{uuid.uuid4().hex}"
    broker = redis.Redis.from_url(real_redis)
    worker = Worker.start(queue=queue, log_path=tmp_path / "worker.log")
    try:
        wait_until(
            lambda: Rendering.objects.filter(pk=rendering.pk, status=RenderingStatus.READY).exists(),
            "the rendering was made",
            worker=worker,
        )
    finally:
        worker.stop()
        forget_queue(broker, queue)
        broker.close()

    (made,) = Rendering.objects.filter(report=report)
    content = bytes(made.pdf)
    assert content.startswith(b"%PDF-")
    assert made.sha256 == hashlib.sha256(content).hexdigest()
    assert made.attempts == 1
    assert "Sent 1 rendering(s) again to the worker" in worker.log()
