"""Helpers shared by the benchmark and the load test; no Django at import time."""

from __future__ import annotations

import json
import math
import os
import platform
import socket
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = ROOT / "var" / "bench"


def percentile(values: Iterable[float], pct: float) -> float:
    """The pct-th percentile (0–100) by linear interpolation between the closest ranks.

    The same definition as numpy's default and ``statistics.quantiles(method="inclusive")``:
    0 is the smallest value, 100 the largest, 50 the median.
    """
    ordered = sorted(values)
    if not ordered:
        raise ValueError("percentile of no values")
    if not 0 <= pct <= 100:
        raise ValueError(f"percentile must be between 0 and 100, not {pct}")
    rank = (len(ordered) - 1) * pct / 100
    below = math.floor(rank)
    above = math.ceil(rank)
    if below == above:
        return float(ordered[below])
    weight = rank - below
    return ordered[below] * (1 - weight) + ordered[above] * weight


def summarise(samples: Sequence[float]) -> dict[str, float]:
    """Median, p95, p99, fastest and slowest of a list of durations (same unit in, same out)."""
    return {
        "n": len(samples),
        "median": percentile(samples, 50),
        "p95": percentile(samples, 95),
        "p99": percentile(samples, 99),
        "min": min(samples),
        "max": max(samples),
    }


def format_table(headers: Sequence[str], rows: Iterable[Sequence[Any]], align: str = "") -> str:
    """A plain-text table; ``align`` gives "l" or "r" per column (left by default)."""
    body = [[("" if cell is None else str(cell)) for cell in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in body:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], len(cell))

    def line(cells: Sequence[str]) -> str:
        parts = []
        for i, cell in enumerate(cells):
            right = i < len(align) and align[i] == "r"
            parts.append(cell.rjust(widths[i]) if right else cell.ljust(widths[i]))
        return "  ".join(parts).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(list(headers)), rule, *(line(row) for row in body)])


def cpu_model() -> str:
    try:
        for text_line in Path("/proc/cpuinfo").read_text().splitlines():
            if text_line.lower().startswith("model name"):
                return text_line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def memory_total_mib() -> int | None:
    try:
        for text_line in Path("/proc/meminfo").read_text().splitlines():
            if text_line.startswith("MemTotal:"):
                return int(text_line.split()[1]) // 1024
    except (OSError, ValueError):
        pass
    return None


def machine_facts() -> dict[str, Any]:
    """What the figures were measured on (the database's version is added by the caller)."""
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    return {
        "cpu_model": cpu_model(),
        "cpu_cores": os.cpu_count(),
        "cpu_cores_usable": usable,
        "memory_mib": memory_total_mib(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "os": platform.platform(),
        "python": sys.version.split()[0],
        "source": source_state(),
    }


def source_state() -> dict[str, Any]:
    """The commit measured, and the files changed in the working tree since (they were measured too)."""
    import subprocess

    def git(*args: str) -> str:
        command = ["git", *args]
        try:
            done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True, timeout=10)  # noqa: S603
        except (OSError, subprocess.SubprocessError):
            return ""
        return done.stdout

    changed = [line[3:] for line in git("status", "--porcelain", "--untracked-files=no").splitlines() if line]
    return {"commit": git("rev-parse", "--short", "HEAD").strip(), "changed_files": changed}


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


def database_url_with_name(url: str, name: str) -> str:
    """The same server and credentials, another database."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


def database_name(url: str) -> str:
    name = urlsplit(url).path.lstrip("/")
    if not name:
        raise ValueError(f"DATABASE_URL names no database: {redact(url)}")
    return name


def redact(url: str) -> str:
    """The URL without its password, for printing."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def server_connection_kwargs(url: str) -> dict[str, Any]:
    """psycopg keyword arguments for the server's maintenance database."""
    parts = urlsplit(url)
    kwargs: dict[str, Any] = {"dbname": "postgres", "autocommit": True}
    if parts.hostname:
        kwargs["host"] = parts.hostname
    if parts.port:
        kwargs["port"] = parts.port
    if parts.username:
        kwargs["user"] = parts.username
    if parts.password:
        kwargs["password"] = parts.password
    return kwargs


def recreate_postgres_database(url: str, name: str) -> None:
    """Drops (if there) and creates the scratch database ``name`` on the server of ``url``."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(**server_connection_kwargs(url)) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def drop_postgres_database(url: str, name: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(**server_connection_kwargs(url)) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, default=str) + "\n")


def source_line(source: dict[str, Any]) -> str:
    """Which code was measured: the commit, and how many files were changed beside it."""
    changed = (
        f", with {len(source['changed_files'])} files changed in the working tree"
        if source["changed_files"]
        else ""
    )
    return f"Source: commit {source['commit']}{changed}."


def publish_demo_report() -> int:
    """Publishes the demo Cabinet report, so the public pages have a report to show, and
    returns its id. The seed records no Cabinet decision: the one recorded here says it
    was made up for the measurement. Its PDF is made again as published, as on the site."""
    from demo.register import CABINET_REPORT
    from reports.models import Report, ReportStatus
    from reports.services import report_decide

    report = Report.objects.filter(**CABINET_REPORT).order_by("revision", "pk").first()
    if report is None:
        raise SystemExit("The demo Cabinet report is missing: load_demo did not make it.")
    report.decision = "Recorded for measuring the public pages; not a decision of the Cabinet."
    report.decision_date = report.meeting_date
    report.decision_reasons = "None: this is measurement data."
    report.alternatives_rejected = "None."
    report.conflicts_declared = "None"
    report.save()
    report_decide(record=report, to_status=ReportStatus.PUBLISHED, by=None)
    return report.pk
