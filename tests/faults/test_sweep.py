"""The sweep that sends renderings to the worker again: which ones it picks,
that it holds back while messages wait in the queue, and that a copy it
sends makes no second PDF.

Messages go through kombu's in-memory transport here (in both runs), so the
queue can be read back; the real Redis and workers are in the other tests."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from core.status import RuleBroken
from reports.models import Rendering, RenderingStatus
from reports.services import STALE_ATTEMPTS_LIMIT, rendering_retry, renderings_to_resend
from reports.tasks import render_report_pdf, requeue_stale_renderings
from tests.factories import ParagraphFactory, ReportFactory
from twinning.celery import app as celery_app


@pytest.fixture
def report(db):
    report = ReportFactory(title="Options for a link with Osnabrück")
    ParagraphFactory(report=report, text="Osnabrück has been twinned with Derby since 1976.")
    return report


@pytest.fixture
def renderings(report) -> dict[str, Rendering]:
    """One of each: waited too long, just asked for, left by a dead worker, being made, made, failed."""
    now = timezone.now()
    waited = now - timedelta(seconds=settings.RENDERING_RESEND_SECONDS + 30)
    dead = now - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 30)

    def rendering(**fields) -> Rendering:
        made = Rendering.objects.create(report=report, report_version=report.version)
        if fields:
            Rendering.objects.filter(pk=made.pk).update(**fields)
        return made

    return {
        "waited": rendering(requested_at=waited),
        "just asked": rendering(),
        "dead worker's": rendering(
            status=RenderingStatus.RENDERING, started_at=dead, attempts=1, requested_at=waited
        ),
        "being made": rendering(
            status=RenderingStatus.RENDERING, started_at=now, attempts=1, requested_at=waited
        ),
        "failed": rendering(status=RenderingStatus.FAILED, error="Earlier", requested_at=waited),
    }


@pytest.fixture
def memory_broker():
    """Tasks sent to kombu's in-memory transport instead of run in-process or sent to Redis."""
    before = (celery_app.conf.broker_url, celery_app.conf.task_always_eager)
    celery_app.conf.update(broker_url=f"memory://sweep-{id(before)}", task_always_eager=False)
    _forget_pools()
    queue = celery_app.amqp.router.route({}, render_report_pdf.name)["queue"].name
    with celery_app.connection_for_write() as connection:
        waiting = _Queue(connection.default_channel, queue)
        waiting.take_all()  # nothing left by earlier tests
        yield waiting
    celery_app.conf.update(broker_url=before[0], task_always_eager=before[1])
    _forget_pools()


def _forget_pools() -> None:
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


class _Queue:
    def __init__(self, channel, name: str) -> None:
        self.channel = channel
        self.name = name

    def take_all(self) -> list[tuple[str, list]]:
        """Every waiting message, as (task name, arguments), oldest first; the queue is left empty."""
        taken = []
        while (message := self.channel.basic_get(self.name, no_ack=True)) is not None:
            args, _kwargs, _embed = json.loads(message.body)
            taken.append((message.headers["task"], args))
        return taken


def test_the_sweep_picks_renderings_waiting_too_long_and_those_a_dead_worker_left(renderings):
    picked = renderings_to_resend(queued_for=settings.RENDERING_RESEND_SECONDS)

    assert picked == [renderings["waited"].pk, renderings["dead worker's"].pk]


def test_as_a_worker_starts_the_sweep_picks_every_queued_rendering_too(renderings):
    picked = renderings_to_resend(queued_for=0)

    assert picked == [renderings["waited"].pk, renderings["dead worker's"].pk, renderings["just asked"].pk]


def test_the_sweep_sends_them_once_the_queue_is_empty_and_holds_back_while_messages_wait(
    renderings, memory_broker
):
    render_report_pdf.delay(renderings["just asked"].pk)

    assert requeue_stale_renderings() == 0
    assert memory_broker.take_all() == [("reports.render_report_pdf", [renderings["just asked"].pk])]

    assert requeue_stale_renderings() == 2
    assert memory_broker.take_all() == [
        ("reports.render_report_pdf", [renderings["waited"].pk]),
        ("reports.render_report_pdf", [renderings["dead worker's"].pk]),
    ]
    assert requeue_stale_renderings(on_start=True) == 3
    assert [args for _, args in memory_broker.take_all()] == [
        [renderings["waited"].pk],
        [renderings["dead worker's"].pk],
        [renderings["just asked"].pk],
    ]


def test_what_the_sweep_sends_is_made_once_and_a_second_copy_changes_nothing(renderings):
    # Tasks run in-process here, as in the embedded mode.
    before = celery_app.conf.task_always_eager
    celery_app.conf.update(task_always_eager=True)
    try:
        assert requeue_stale_renderings() == 2
        made = {
            name: Rendering.objects.values("status", "attempts", "sha256").get(pk=rendering.pk)
            for name, rendering in renderings.items()
        }
        render_report_pdf.delay(renderings["dead worker's"].pk)
    finally:
        celery_app.conf.update(task_always_eager=before)

    assert made["waited"]["status"] == made["dead worker's"]["status"] == RenderingStatus.READY
    assert (made["waited"]["attempts"], made["dead worker's"]["attempts"]) == (1, 2)
    for name in ("just asked", "being made", "failed"):
        assert made[name]["sha256"] == "", name
    assert [made["just asked"]["status"], made["being made"]["status"], made["failed"]["status"]] == [
        RenderingStatus.QUEUED,
        RenderingStatus.RENDERING,
        RenderingStatus.FAILED,
    ]
    again = Rendering.objects.values("status", "attempts", "sha256").get(pk=renderings["dead worker's"].pk)
    assert again == made["dead worker's"]


def test_a_rendering_whose_worker_keeps_dying_is_marked_failed_not_sent_again(
    report, renderings, memory_broker
):
    dead = timezone.now() - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 30)
    killer = Rendering.objects.create(report=report, report_version=report.version)
    Rendering.objects.filter(pk=killer.pk).update(
        status=RenderingStatus.RENDERING, started_at=dead, attempts=STALE_ATTEMPTS_LIMIT
    )

    assert requeue_stale_renderings() == 2

    assert [args for _, args in memory_broker.take_all()] == [
        [renderings["waited"].pk],
        [renderings["dead worker's"].pk],
    ]
    killer.refresh_from_db()
    assert killer.status == RenderingStatus.FAILED
    assert killer.attempts == STALE_ATTEMPTS_LIMIT
    assert killer.error.startswith(f"the PDF service stopped while making it, {STALE_ATTEMPTS_LIMIT} times")
    assert killer.pdf is None and killer.finished_at is not None
    # Trying again unchanged would kill the worker again: refused until the report changes.
    with pytest.raises(RuleBroken, match="would fail the same way"):
        rendering_retry(rendering=killer, by=None)
    assert Rendering.objects.get(pk=killer.pk).status == RenderingStatus.FAILED


class WorkerDied(BaseException):
    """Stands for the worker process dying mid-render: nothing in the task catches it."""


def test_a_worker_dying_on_an_edited_report_is_given_up_for_the_version_it_was_making(
    report, memory_broker, monkeypatch
):
    from reports import rendering as report_rendering
    from reports.services import rendering_request, rendering_run

    asked_for = report.version
    rendering = Rendering.objects.create(report=report, report_version=asked_for)
    # Edited between the request and the render: the worker makes the newer version.
    report.title = "Options for a link with Osnabrück, revised"
    report.save()
    report.refresh_from_db()
    assert report.version != asked_for

    def dies(_report):
        raise WorkerDied()

    monkeypatch.setattr(report_rendering, "report_pdf", dies)
    with pytest.raises(WorkerDied):
        rendering_run(rendering_id=rendering.pk)
    assert Rendering.objects.get(pk=rendering.pk).report_version == report.version

    dead = timezone.now() - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 30)
    Rendering.objects.filter(pk=rendering.pk).update(started_at=dead, attempts=STALE_ATTEMPTS_LIMIT)
    requeue_stale_renderings()

    assert Rendering.objects.get(pk=rendering.pk).status == RenderingStatus.FAILED
    # The version that kills the worker is not made again, by "Try again" or by a new request.
    with pytest.raises(RuleBroken, match="would fail the same way"):
        rendering_retry(rendering=rendering, by=None)
    with pytest.raises(RuleBroken, match="would fail the same way"):
        rendering_request(report=report, by=None)
    assert Rendering.objects.filter(report=report).count() == 1
