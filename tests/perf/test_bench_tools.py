"""The benchmark's own parts: the register it builds and the arithmetic it reports.

The benchmarks themselves (make bench, make loadtest) are not run here; these
tests only show that the generator keeps its promises on a tiny register and
that the percentiles and tables printed are right.
"""

from __future__ import annotations

import random
import statistics

import pytest

from scripts.benchdata import (
    FIXED,
    GENERATED_REPORT_TITLE,
    SIZES,
    capped_sizes,
    grow_register,
    scaled_sizes,
    table_counts,
)
from scripts.benchlib import database_url_with_name, format_table, percentile, redact, summarise


def test_percentile_interpolates_between_ranks() -> None:
    values = list(range(1, 101))
    random.Random(7).shuffle(values)
    assert percentile(values, 0) == 1
    assert percentile(values, 100) == 100
    assert percentile(values, 50) == 50.5
    assert percentile(values, 95) == pytest.approx(95.05)
    assert percentile([4.0], 99) == 4.0
    assert percentile([10, 20], 25) == 12.5


def test_percentile_agrees_with_the_standard_library() -> None:
    rng = random.Random(2015)
    values = [rng.expovariate(1 / 40) for _ in range(257)]
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    for pct in (1, 25, 50, 90, 95, 99):
        assert percentile(values, pct) == pytest.approx(cuts[pct - 1])


def test_percentile_refuses_nonsense() -> None:
    with pytest.raises(ValueError):
        percentile([], 50)
    with pytest.raises(ValueError):
        percentile([1, 2], 101)


def test_summary_reports_median_and_tail() -> None:
    summary = summarise([5, 1, 3, 2, 4])
    assert summary["n"] == 5
    assert summary["median"] == 3
    assert summary["min"] == 1
    assert summary["max"] == 5
    assert 4 < summary["p95"] <= summary["p99"] <= 5


def test_table_lines_up_its_columns() -> None:
    text = format_table(["page", "ms"], [["places", "12.5"], ["visits", "7"]], align="lr")
    lines = text.splitlines()
    assert lines[0] == "page      ms"
    assert lines[2] == "places  12.5"
    assert lines[3] == "visits     7"


def test_database_urls_keep_the_server_and_hide_the_password() -> None:
    url = "postgres://app:s3cret@db.example:5433/twinning"
    assert (
        database_url_with_name(url, "twinning_loadtest")
        == "postgres://app:s3cret@db.example:5433/twinning_loadtest"
    )
    assert "s3cret" not in redact(url)


def test_sizes_scale_and_can_be_set_by_table() -> None:
    tenth = scaled_sizes(0.1, {"visits": 123})
    assert tenth["places"] == SIZES["places"] // 10
    assert tenth["participants"] == SIZES["participants"] // 10
    assert tenth["visits"] == 123
    assert all(tenth[name] == SIZES[name] for name in FIXED)
    small = capped_sizes(scaled_sizes(1), 100)
    assert max(count for name, count in small.items() if name not in FIXED) == 100
    with pytest.raises(ValueError):
        scaled_sizes(1, {"no_such_table": 5})
    with pytest.raises(ValueError):
        scaled_sizes(0)


@pytest.mark.django_db
def test_a_tiny_register_has_the_promised_rows_and_keeps_the_rules() -> None:
    from budgets.models import LineStatus, Spend, SpendStatus
    from delegations.models import Meeting, Participant
    from reports.models import Paragraph, Rendering

    sizes = scaled_sizes(0.004)
    counts = grow_register(sizes, seed=9, say=lambda message: None)
    assert counts == sizes
    assert table_counts() == sizes

    # Spend keeps to its line: within the line's financial year, none on a rejected
    # line, and only estimates on a line still proposed.
    for spend in Spend.objects.select_related("budget_line__financial_year"):
        year = spend.budget_line.financial_year
        assert year.contains(spend.spent_on)
        assert spend.budget_line.status != LineStatus.REJECTED
        if spend.budget_line.status == LineStatus.PROPOSED:
            assert spend.status == SpendStatus.ESTIMATED
    for meeting in Meeting.objects.select_related("visit").exclude(held_on=None):
        assert meeting.visit.starts_on <= meeting.held_on <= meeting.visit.ends_on
    names = list(Participant.objects.values_list("visit_id", "name"))
    assert len(names) == len(set(names))
    assert not Paragraph.objects.exclude(report__title__startswith=GENERATED_REPORT_TITLE).exists()
    assert not Rendering.objects.exclude(report__title__startswith=GENERATED_REPORT_TITLE).exists()


@pytest.mark.django_db
def test_growing_tops_up_to_the_larger_size_only() -> None:
    small = scaled_sizes(0.002)
    grow_register(small, seed=3, say=lambda message: None)
    larger = scaled_sizes(0.004)
    made: list[str] = []
    counts = grow_register(larger, seed=3, say=made.append)
    assert counts == larger
    # Tables already at their size (the financial years) are left alone.
    assert not any(line.split()[0] == "financial_years" for line in made)


def test_load_test_counts_what_a_person_would_call_an_error() -> None:
    from scripts.loadtest import classify

    assert classify(200) == ""
    assert classify(302, "/reports/pdfs/4/") == ""
    assert classify(302, "/accounts/login/?next=/partners/places/") != ""
    assert classify(403) == "HTTP 403"
    assert classify(500) == "HTTP 500"


def test_load_test_summary_gives_rate_percentiles_and_errors() -> None:
    from scripts.loadtest import Sample, summarise_samples

    samples = [Sample("places", 200, float(ms), 0.0) for ms in range(1, 101)]
    samples += [Sample("visits", 500, 40.0, 0.0, "HTTP 500"), Sample("visits", 0, 5.0, 0.0, "timed out")]
    summary = summarise_samples(samples, seconds=10)
    assert summary["requests"] == 102
    # An exception has no answer: it is an error, not a request per second.
    assert summary["requests_per_second"] == 10.1
    assert summary["errors"] == 2
    assert summary["error_kinds"] == {"visits: HTTP 500": 1, "visits: timed out": 1}
    assert summary["pages"]["places"]["p50"] == 50.5
    assert summary["pages"]["places"]["p99"] == pytest.approx(99.01)
    assert summary["pages"]["visits"]["errors"] == 2


def test_load_test_client_keeps_and_forgets_cookies_as_told() -> None:
    from scripts.loadtest import Client, csrf_token

    client = Client("127.0.0.1", 1, started=0.0)
    client._keep_cookie("csrftoken=abc; Path=/; SameSite=Lax; Secure")
    client._keep_cookie("sessionid=xyz; HttpOnly; Path=/; Secure")
    assert client.cookies == {"csrftoken": "abc", "sessionid": "xyz"}
    client._keep_cookie('sessionid=""; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/')
    assert client.cookies == {"csrftoken": "abc"}
    page = b'<form><input type="hidden" name="csrfmiddlewaretoken" value="t0k3n"></form>'
    assert csrf_token(page) == "t0k3n"
    with pytest.raises(ValueError):
        csrf_token(b"<p>no form</p>")


def test_load_test_refuses_to_run_without_postgresql_and_redis(monkeypatch: pytest.MonkeyPatch) -> None:
    from scripts.loadtest import main

    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/9")
    with pytest.raises(SystemExit, match="PostgreSQL"):
        main(["--seconds", "1"])
    monkeypatch.setenv("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/twinning_load")
    monkeypatch.delenv("REDIS_URL")
    with pytest.raises(SystemExit, match="REDIS_URL"):
        main(["--seconds", "1"])
