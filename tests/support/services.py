"""What the tests that need the real services share: a real Celery worker on a
queue of its own, waiting for what it does, and tidying Redis after it."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings
from django.db import connection

BASE_DIR = Path(__file__).resolve().parents[2]

SERVICES = bool(os.environ.get("DATABASE_URL") and os.environ.get("REDIS_URL"))

needs_services = pytest.mark.skipif(
    not SERVICES, reason="needs REDIS_URL and DATABASE_URL (the services run)"
)


def database_url_of_this_run() -> str:
    """DATABASE_URL pointing at the database this test run uses."""
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path="/" + settings.DATABASES["default"]["NAME"]))


def redis_url_of_process(url: str, process: str) -> str:
    """The Redis database of one of the suite's processes (pytest-xdist's gw0, gw1 …): gw0
    keeps ``url``'s, gw1 takes the one below it, and so on; ``url`` itself outside xdist."""
    if not (url and process.startswith("gw")):
        return url
    parts = urlsplit(url)
    number = (int(parts.path.strip("/") or 0) - int(process.removeprefix("gw"))) % 16
    return urlunsplit(parts._replace(path=f"/{number}"))


def wait_until(
    condition: Callable[[], object], what: str, *, worker: Worker | None = None, seconds: int = 90
):
    """Polls ``condition`` until it is true; fails naming ``what`` (with the worker's log) if it never is."""
    deadline = time.monotonic() + seconds
    while True:
        value = condition()
        if value:
            return value
        if worker is not None:
            assert worker.process.poll() is None, f"the worker exited before {what}:\n{worker.log()}"
        assert time.monotonic() < deadline, f"never {what}:\n{worker.log() if worker else ''}"
        time.sleep(0.1)


class Worker:
    """A real Celery worker on a queue of its own, in a process group of its own."""

    def __init__(self, process: subprocess.Popen[bytes], log_path: Path) -> None:
        self.process = process
        self.log_path = log_path

    @classmethod
    def start(
        cls, *, queue: str, log_path: Path, env: dict[str, str] | None = None, pool: str = "prefork"
    ) -> Worker:
        """A worker taking ``queue`` alone, logging to ``log_path``, on this run's database."""
        database = {"DATABASE_URL": database_url_of_this_run()} if os.environ.get("DATABASE_URL") else {}
        command = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "twinning",
            "worker",
            f"--pool={pool}",
            "--concurrency=1",
            "--loglevel=INFO",
            "-Q",
            queue,
            "--hostname",
            f"{queue}-{log_path.stem}@%h",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
        ]
        with log_path.open("wb") as sink:
            process = subprocess.Popen(
                command,
                cwd=BASE_DIR,
                env={**os.environ, **(env or {}), **database},
                stdout=sink,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return cls(process, log_path)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def kill(self) -> int:
        """SIGKILL to the worker and its pool processes: nothing is acknowledged or cleaned up."""
        os.killpg(self.process.pid, signal.SIGKILL)
        return self.process.wait(timeout=20)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)


def free_port() -> int:
    """A local port nothing listens on (a moment ago)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def stop(process: subprocess.Popen[bytes]) -> None:
    """Asks a process started by a test to end, and kills it if it will not."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def run(arguments: list[str], *, env: dict[str, str], cwd: Path = BASE_DIR, timeout: int = 120) -> Any:
    """Runs this Python with ``arguments`` (``manage.py check``, ``-c ...``) to the end; its output as text."""
    return subprocess.run(
        [sys.executable, *arguments],
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def conninfo(database: str, **extra: object) -> dict[str, object]:
    """How psycopg reaches ``database`` on the server this run's database is on."""
    settings_dict = connection.settings_dict
    return {
        "dbname": database,
        "user": settings_dict["USER"],
        "host": settings_dict["HOST"] or None,
        "port": settings_dict["PORT"] or None,
        "password": settings_dict["PASSWORD"] or None,
        **extra,
    }


def forget_queue(broker, queue: str) -> None:
    """Removes the queue's messages, bindings and unacknowledged copies from Redis."""
    for key in broker.scan_iter(match=f"*{queue}*"):
        broker.delete(key)
    for tag, payload in broker.hgetall("unacked").items():
        _message, _exchange, routing_key = json.loads(payload)
        if routing_key == queue:
            broker.hdel("unacked", tag)
            broker.zrem("unacked_index", tag)


def queued_task_ids(broker, queue: str) -> list[str]:
    """The tasks whose messages wait in the queue."""
    return [json.loads(payload)["headers"]["id"] for payload in broker.lrange(queue, 0, -1)]


def unacked_task_ids(broker) -> list[str]:
    """The tasks a worker took and has not acknowledged."""
    return [json.loads(payload)[0]["headers"]["id"] for payload in broker.hgetall("unacked").values()]
