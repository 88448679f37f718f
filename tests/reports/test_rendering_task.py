"""The PDF pipeline: a request queues a rendering, the worker is told after
commit, and a task that runs twice (a redelivery) makes one PDF.

In-process tests run the task eagerly, as the embedded mode does, in both the
embedded and the services run; the services test at the end sends it through
Redis to a real Celery worker."""

from __future__ import annotations

import hashlib
import os
import uuid
from datetime import timedelta
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.utils import timezone
from pypdf import PdfReader

from core.status import RuleBroken
from reports import rendering as report_rendering
from reports.models import Rendering, RenderingFailure, RenderingStatus, Report
from reports.services import rendering_request, rendering_retry, rendering_run
from reports.tasks import render_report_pdf
from tests.factories import ParagraphFactory, ReportFactory
from tests.support.services import Worker, forget_queue, needs_services, wait_until


@pytest.fixture
def report(db) -> Report:
    report = ReportFactory(title="Options for a link with Hefei")
    ParagraphFactory(report=report, section=1, text="This report sets out the options for Hefei.")
    ParagraphFactory(report=report, section=2, text="Cabinet is asked to note the approach.")
    return report


def _row(rendering: Rendering) -> dict:
    return Rendering.objects.values(
        "status", "sha256", "page_count", "size_bytes", "started_at", "finished_at", "attempts", "error"
    ).get(pk=rendering.pk)


def assert_ready_with_its_pdf(rendering: Rendering, report: Report) -> bytes:
    rendering.refresh_from_db()
    assert rendering.status == RenderingStatus.READY, rendering.error
    content = bytes(rendering.pdf)
    assert content.startswith(b"%PDF-")
    assert rendering.sha256 == hashlib.sha256(content).hexdigest()
    assert rendering.size_bytes == len(content)
    reader = PdfReader(BytesIO(content))
    assert rendering.page_count == len(reader.pages)
    assert report.title in reader.pages[0].extract_text()
    assert rendering.error == ""
    assert rendering.started_at <= rendering.finished_at
    return content


# The worker is told once, after the commit; then, the PDF made, whatever shows it (the public pages).
ONCE_THEN_FINISHED = ["_enqueue_after_commit", "_tell_finished"]


def told(callbacks: list[Any]) -> list[str]:
    """Which functions queued the on-commit callbacks, in order (besides the kept values
    made afresh after the commit, core/kept.py)."""
    return [
        callback.__qualname__.split(".")[0] for callback in callbacks if callback.__module__ != "core.kept"
    ]


@pytest.mark.django_db
def test_a_request_is_queued_then_made_ready_once_committed(
    report, officer, eager_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        rendering = rendering_request(report=report, by=officer)
        # Until the transaction commits the worker is not told: the row waits.
        assert _row(rendering)["status"] == RenderingStatus.QUEUED
        assert Rendering.objects.get(pk=rendering.pk).pdf is None

    assert told(callbacks) == ONCE_THEN_FINISHED
    assert_ready_with_its_pdf(rendering, report)
    rendering.refresh_from_db()
    assert rendering.report_version == report.version
    assert rendering.requested_by == officer
    assert rendering.attempts == 1


@pytest.mark.django_db
def test_asking_twice_while_queued_returns_the_same_rendering(
    report, officer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        first = rendering_request(report=report, by=officer)
        second = rendering_request(report=report, by=officer)

    assert second.pk == first.pk
    assert Rendering.objects.filter(report=report).count() == 1
    assert told(callbacks) == ["_enqueue_after_commit"], "the worker was told twice about one rendering"


@pytest.mark.django_db
def test_a_changed_report_gets_a_rendering_of_its_own_version(
    report, officer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        first = rendering_request(report=report, by=officer)
        report.title = "Options for a link with Hefei (revised)"
        report.save()
        second = rendering_request(report=report, by=officer)

    assert second.pk != first.pk
    assert (first.report_version, second.report_version) == (report.version - 1, report.version)


@pytest.mark.django_db
def test_a_redelivered_task_makes_no_second_pdf(
    report, officer, eager_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        rendering = rendering_request(report=report, by=officer)

    assert render_report_pdf(rendering.pk) == RenderingStatus.READY
    content = assert_ready_with_its_pdf(rendering, report)
    after_first = _row(rendering)

    # The broker delivers the same message again, through Celery this time.
    assert render_report_pdf.apply(args=[rendering.pk]).get() == RenderingStatus.READY

    assert _row(rendering) == after_first
    assert bytes(Rendering.objects.get(pk=rendering.pk).pdf) == content
    assert after_first["attempts"] == 1
    assert Rendering.objects.filter(report=report).count() == 1


@pytest.mark.django_db
def test_a_run_on_a_ready_or_failed_rendering_does_nothing(report):
    ready = Rendering.objects.create(report=report, report_version=report.version)
    rendering_run(rendering_id=ready.pk)
    ready_before = _row(ready)
    failed = Rendering.objects.create(
        report=report, report_version=report.version, status=RenderingStatus.FAILED, error="Earlier failure"
    )
    failed_before = _row(failed)

    assert rendering_run(rendering_id=ready.pk) == RenderingStatus.READY
    assert rendering_run(rendering_id=failed.pk) == RenderingStatus.FAILED

    assert _row(ready) == ready_before
    assert _row(failed) == failed_before


@pytest.mark.django_db
def test_a_run_for_a_rendering_that_is_gone_says_so(db):
    assert rendering_run(rendering_id=987654) == "missing"


@pytest.mark.django_db
def test_a_failed_render_keeps_its_error_and_a_retry_makes_it_ready(
    report, officer, eager_tasks, django_capture_on_commit_callbacks, monkeypatch
):
    def broken(html: str) -> report_rendering.Pdf:
        raise RuntimeError("Pango could not load a font")

    # Fault injection: the renderer fails as a worker missing its fonts would.
    monkeypatch.setattr(report_rendering, "render_pdf", broken)
    with django_capture_on_commit_callbacks(execute=True):
        rendering = rendering_request(report=report, by=officer)

    rendering.refresh_from_db()
    assert rendering.status == RenderingStatus.FAILED
    # Something went wrong, said plainly on its page; the exception is for the log only.
    assert (rendering.failure, rendering.error) == (RenderingFailure.ERROR, "")
    assert rendering.pdf is None and rendering.sha256 == ""
    assert rendering.finished_at is not None and rendering.attempts == 1

    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        retried = rendering_retry(rendering=rendering, by=officer)
        assert retried.pk == rendering.pk
        assert _row(rendering)["status"] == RenderingStatus.QUEUED
        assert _row(rendering)["error"] == ""

    assert told(callbacks) == ONCE_THEN_FINISHED
    assert_ready_with_its_pdf(rendering, report)
    assert _row(rendering)["attempts"] == 2


@pytest.mark.django_db
def test_only_a_failed_rendering_can_be_retried(report, officer):
    rendering = Rendering.objects.create(report=report, report_version=report.version)
    rendering_run(rendering_id=rendering.pk)
    before = _row(rendering)

    with pytest.raises(RuleBroken, match=r"^Only a failed PDF can be tried again\.$"):
        rendering_retry(rendering=rendering, by=officer)

    assert _row(rendering) == before


@pytest.mark.django_db
def test_a_rendering_left_by_a_worker_that_died_is_claimed_again_and_completed(report):
    limit = timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)
    stale = Rendering.objects.create(
        report=report,
        report_version=report.version,
        status=RenderingStatus.RENDERING,
        started_at=timezone.now() - limit - timedelta(seconds=5),
        attempts=1,
    )

    assert rendering_run(rendering_id=stale.pk) == RenderingStatus.READY

    assert_ready_with_its_pdf(stale, report)
    stale.refresh_from_db()
    assert stale.started_at > timezone.now() - limit
    assert stale.attempts == 2


@pytest.mark.django_db
def test_a_rendering_another_worker_has_just_started_is_left_to_it(report):
    started_at = timezone.now() - timedelta(seconds=10)
    fresh = Rendering.objects.create(
        report=report,
        report_version=report.version,
        status=RenderingStatus.RENDERING,
        started_at=started_at,
        attempts=1,
    )
    before = _row(fresh)

    assert rendering_run(rendering_id=fresh.pk) == RenderingStatus.RENDERING

    assert _row(fresh) == before
    assert Rendering.objects.get(pk=fresh.pk).pdf is None


# --- With the real services (CI sets DATABASE_URL and REDIS_URL) ---------------------------


@pytest.mark.services
@needs_services
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_renders_a_queued_pdf_once_though_told_twice(tmp_path: Path):
    """Both messages wait in Redis before the worker starts; it takes both, the
    first makes the PDF and the second finds it made."""
    import redis

    report = ReportFactory(title="Options for a link with Zhejiang")
    ParagraphFactory(report=report, section=4, text="Zhejiang (浙江省) has asked to visit Derby.")
    rendering = Rendering.objects.create(report=report, report_version=report.version)

    # A queue of its own, so that nothing else on this Redis takes the messages.
    queue = f"twinning-test-{uuid.uuid4().hex}"
    broker = redis.Redis.from_url(os.environ["REDIS_URL"])
    worker: Worker | None = None
    try:
        sent = [render_report_pdf.apply_async(args=[rendering.pk], queue=queue) for _ in range(2)]
        assert broker.llen(queue) == 2, "the tasks did not wait in Redis"

        worker = Worker.start(queue=queue, log_path=tmp_path / "worker.log", pool="solo")
        done = [f"Task reports.render_report_pdf[{result.id}] succeeded" for result in sent]
        wait_until(lambda: all(line in worker.log() for line in done), "the PDF was made", worker=worker)
    finally:
        if worker is not None:
            worker.stop()
        forget_queue(broker, queue)
        broker.close()

    content = assert_ready_with_its_pdf(rendering, report)
    assert "浙江省" in PdfReader(BytesIO(content)).pages[0].extract_text()
    rendering.refresh_from_db()
    assert rendering.attempts == 1, "the second message rendered again"
    assert Rendering.objects.filter(report=report).count() == 1
