"""The demo register, for the browser tests that walk it as a person would."""

from __future__ import annotations

from demo.register import load_demo
from tests.factories import PASSWORD
from twinning.celery import app as celery_app


def load_the_demo() -> None:
    """The demo register, its PDF rendered here; the worker's after-commit message runs
    in-process (and finds the PDF made), so nothing is left in Redis in the services run."""
    eager = celery_app.conf.task_always_eager
    celery_app.conf.update(task_always_eager=True)
    try:
        load_demo(with_users=False, password=PASSWORD)
    finally:
        celery_app.conf.update(task_always_eager=eager)
