"""The benchmark's public-page rows: the demo report it publishes for them, and each page
timed both from the cache and made afresh (checked by the page's own X-Cache header)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from demo.register import load_demo
from reports.models import Rendering, RenderingStatus, Report, ReportStatus
from scripts.bench import public_benchmark, public_queries, public_urls
from scripts.benchlib import publish_demo_report
from tests.support.pages import Page

# Committed, as the benchmark's publication is, so the PDF asked for on publishing is made
# (in-process here, as the benchmark makes it, whether or not a broker is configured).
pytestmark = pytest.mark.django_db(transaction=True)


def test_the_benchmark_publishes_the_demo_report_saying_its_decision_is_not_the_cabinet_s(
    client, eager_tasks
) -> None:
    load_demo(with_users=False, password="unused-no-logins")

    report = Report.objects.get(pk=publish_demo_report())

    assert report.status == ReportStatus.PUBLISHED
    assert Rendering.objects.filter(
        report=report, report_version=report.version, status=RenderingStatus.READY
    ).exists()
    page = Page(client.get(reverse("public:report", args=[report.pk])))
    assert "not a decision of the Cabinet" in page.text
    assert "Opportunities for Overseas Economic Twinning" in page.text


def test_each_public_page_is_timed_from_the_cache_and_made_afresh(client, eager_tasks) -> None:
    load_demo(with_users=False, password="unused-no-logins")
    urls = public_urls(publish_demo_report())

    rows = public_benchmark(urls, warmup=1, repeat=2)
    queries = public_queries(urls)

    assert [row["name"] for row in rows] == [name for name, _ in urls]
    for row in rows:
        assert len(row["cached_ms"]["samples"]) == len(row["uncached_ms"]["samples"]) == 2
        assert row["bytes"] > 0
        assert queries[row["name"]] >= 1  # made afresh, it reads the register
        client.get(row["url"])
        with CaptureQueriesContext(connection) as cached:
            assert client.get(row["url"])["X-Cache"] == "hit"
        assert len(cached) == 0  # from the cache, it does not
