"""Background work for reports: PDFs are rendered by a Celery worker."""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task
from celery.signals import worker_ready
from django.conf import settings

from . import services

log = logging.getLogger(__name__)


# Bounded on its own, below the workers' general limits: at the soft limit the
# rendering is marked failed ("it took longer than ..."), and a worker that does
# not stop by the hard limit is killed and replaced.
@shared_task(
    name="reports.render_report_pdf",
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=settings.REPORTS_RENDER_SOFT_TIME_LIMIT,
    time_limit=settings.REPORTS_RENDER_TIME_LIMIT,
)
def render_report_pdf(rendering_id: int) -> str:
    """Takes the rendering's primary key; a redelivered task finds it claimed and does nothing."""
    return services.rendering_run(rendering_id=rendering_id)


@shared_task(bind=True, name="reports.requeue_stale_renderings", ignore_result=True)
def requeue_stale_renderings(self: Any, on_start: bool = False) -> int:
    """Sends again the renderings no worker is making: queued while Redis was
    down (or lost by it), or left half made by a worker that died.

    Beat runs it every RENDERING_RESEND_SECONDS, sending renderings queued at
    least that long ago; a worker runs it as it starts (``on_start``), sending
    every queued one. The renderings go to the queue the sweep came from. While
    messages wait in that queue it leaves them to the workers, so a broker
    without a worker does not fill up with copies; a copy that does reach a
    worker finds the rendering claimed or made and does nothing.
    """
    from kombu.exceptions import OperationalError

    queue = (self.request.delivery_info or {}).get("routing_key") or _rendering_queue()
    try:
        waiting = _messages_waiting(queue)
    except OperationalError as exc:
        log.warning("The rendering sweep could not reach the broker (%s): the next one tries again", exc)
        return 0
    if waiting:
        log.info("%s message(s) wait in %s: no rendering is sent again yet", waiting, queue)
        return 0
    given_up = services.renderings_given_up()
    if given_up:
        log.warning("%s rendering(s) whose worker kept dying were marked failed", given_up)
    queued_for = 0 if on_start else settings.RENDERING_RESEND_SECONDS
    sent = 0
    for rendering_id in services.renderings_to_resend(queued_for=queued_for):
        if not services.rendering_send(rendering_id, queue=queue):
            break  # the broker is down: the next sweep tries again
        sent += 1
    if sent:
        log.info("Sent %s rendering(s) again to the worker", sent)
    return sent


def _rendering_queue() -> str:
    return render_report_pdf.app.amqp.router.route({}, render_report_pdf.name)["queue"].name


def _messages_waiting(queue: str) -> int:
    """Messages waiting in the queue (none when tasks run in-process)."""
    app = render_report_pdf.app
    if app.conf.task_always_eager:
        return 0
    with app.connection_for_write() as connection:
        return connection.default_channel.queue_declare(queue=queue, passive=False).message_count


@worker_ready.connect
def _sweep_when_a_worker_starts(sender: Any = None, **kwargs: Any) -> None:
    """A worker that starts (often in place of one that died) looks for renderings left behind."""
    consumed = [queue.name for queue in getattr(getattr(sender, "task_consumer", None), "queues", None) or []]
    default = _rendering_queue()
    queue = default if default in consumed or not consumed else consumed[0]
    try:
        requeue_stale_renderings.apply_async(
            kwargs={"on_start": True}, queue=queue, expires=settings.RENDERING_RESEND_SECONDS
        )
    except Exception:  # the worker runs without this sweep rather than not at all
        log.warning("Could not send the rendering sweep as the worker started", exc_info=True)
