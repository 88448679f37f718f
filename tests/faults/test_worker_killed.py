"""A worker killed (SIGKILL) in the middle of a rendering: the next worker
makes the PDF, once.

The killed worker never acknowledges its message, so Redis would hand it out
again only after the visibility timeout; the rendering does not wait for
that: the sweep a worker runs as it starts re-sends a rendering whose claim
is older than the task time limit, and the new worker takes the claim over.
The time limit is short here (the workers' environment) so the test takes
seconds, not minutes."""

from __future__ import annotations

import hashlib
import os
import uuid
from datetime import timedelta
from io import BytesIO
from pathlib import Path

import psycopg
import pytest
import redis
from django.db import connection
from django.utils import timezone
from pypdf import PdfReader

from reports.models import Rendering, RenderingStatus
from reports.tasks import render_report_pdf
from tests.factories import ParagraphFactory, ReportFactory
from tests.support.services import (
    Worker,
    conninfo,
    forget_queue,
    needs_services,
    queued_task_ids,
    unacked_task_ids,
    wait_until,
)

# A claim older than the time limit is the mark of a dead worker.
TIME_LIMIT = 10
SHORT_LIMITS = {"CELERY_TASK_TIME_LIMIT": str(TIME_LIMIT), "CELERY_TASK_SOFT_TIME_LIMIT": str(TIME_LIMIT - 2)}


def _waiting_on_a_lock(database: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND wait_event_type = 'Lock'",
            [database],
        )
        return cursor.fetchone()[0] > 0


@pytest.mark.services
@needs_services
@pytest.mark.django_db(transaction=True)
def test_a_pdf_whose_worker_is_killed_mid_render_is_made_once_by_the_next_worker(tmp_path: Path):
    report = ReportFactory(title="Options for a link with Hefei")
    for section in range(1, 5):
        ParagraphFactory(report=report, section=section, text=f"Hefei (合肥) paragraph {section}.")
    rendering = Rendering.objects.create(report=report, report_version=report.version)
    database = connection.settings_dict["NAME"]

    queue = f"twinning-faults-{uuid.uuid4().hex}"
    broker = redis.Redis.from_url(os.environ["REDIS_URL"])
    first = second = None
    try:
        # Holding the paragraphs table stops the worker once it has claimed the
        # rendering and is reading the report to render: a known point mid-render.
        with psycopg.connect(**conninfo(database, autocommit=False)) as blocker:
            blocker.execute("LOCK TABLE reports_paragraph IN ACCESS EXCLUSIVE MODE")
            sent = render_report_pdf.apply_async(args=[rendering.pk], queue=queue)
            first = Worker.start(queue=queue, log_path=tmp_path / "first.log", env=SHORT_LIMITS)
            wait_until(
                lambda: (
                    Rendering.objects.filter(pk=rendering.pk, status=RenderingStatus.RENDERING).exists()
                    and _waiting_on_a_lock(database)
                ),
                "the worker claimed the rendering and began rendering it",
                worker=first,
            )
            assert first.kill() == -9
            blocker.rollback()

        left = Rendering.objects.values("status", "attempts", "sha256").get(pk=rendering.pk)
        assert left == {"status": RenderingStatus.RENDERING, "attempts": 1, "sha256": ""}
        assert Rendering.objects.get(pk=rendering.pk).pdf is None
        # The message is neither acknowledged nor back in the queue: Redis keeps
        # it aside until the visibility timeout.
        assert sent.id not in queued_task_ids(broker, queue)
        assert sent.id in unacked_task_ids(broker)

        # The next worker starts once the claim is older than the time limit,
        # so that no live run can still hold it.
        wait_until(
            lambda: Rendering.objects.filter(
                pk=rendering.pk, started_at__lt=timezone.now() - timedelta(seconds=TIME_LIMIT)
            ).exists(),
            "the dead worker's claim went stale",
            seconds=TIME_LIMIT + 30,
        )
        second = Worker.start(queue=queue, log_path=tmp_path / "second.log", env=SHORT_LIMITS)
        wait_until(
            lambda: (
                Rendering.objects.filter(pk=rendering.pk)
                .exclude(status__in=[RenderingStatus.QUEUED, RenderingStatus.RENDERING])
                .exists()
            ),
            "the new worker finished the rendering",
            worker=second,
        )
    finally:
        for worker in (first, second):
            if worker is not None:
                worker.stop()
        forget_queue(broker, queue)
        broker.close()

    (made,) = Rendering.objects.filter(report=report)
    assert made.pk == rendering.pk
    assert made.status == RenderingStatus.READY, made.error
    content = bytes(made.pdf)
    assert made.sha256 == hashlib.sha256(content).hexdigest()
    assert made.size_bytes == len(content)
    reader = PdfReader(BytesIO(content))
    assert made.page_count == len(reader.pages)
    assert "Options for a link with Hefei" in reader.pages[0].extract_text()
    # The dead worker's attempt and the one that made it.
    assert made.attempts == 2
    assert made.started_at <= made.finished_at
    assert "Sent 1 rendering(s) again to the worker" in second.log()
