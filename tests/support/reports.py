"""What the reports tests share: a draft started as an officer starts one, the
paragraphs as the editor and the preview number them, and a PDF made as the
worker makes it."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.test import Client

from reports import rendering as report_rendering
from reports import services
from reports.models import Paragraph, Rendering, Report, SignOff
from tests.support.database import unchanged
from tests.support.pages import Page, press, record_page
from twinning.celery import app as celery_app


class report_unchanged(unchanged):  # lower case: ``with report_unchanged():``
    """Around a request that must save nothing: no row written anywhere, and every report,
    paragraph, sign-off and rendering exactly as it was."""

    def __init__(self) -> None:
        super().__init__(Report, Paragraph, SignOff, Rendering)


TITLE = "Opportunities for Overseas Economic Twinning"

# Section 4 of the Derby report, abridged.
SUPPORTING = [
    "Derby has longstanding twinning links with Osnabrück and Toyota City.",
    "The British Consulate-General in Shanghai has passed on an approach from Hefei.",
    "Xi'an is home to Xian Aerospace, a joint venture partner of Rolls-Royce.",
    "Zhejiang Province has asked to explore links in rail engineering.",
]


def draft(by: Any, **fields: Any) -> Report:
    """A draft started as an officer starts one on its page: with a sign-off row for every role."""
    values = {
        "title": TITLE,
        "meeting_date": date(2015, 9, 9),
        "report_of": "the Strategic Director for Neighbourhoods",
        "author_name": "Report Author",
        "contact_phone": "01332 000000",
        "contact_email": "author@council.example",
        **fields,
    }
    return services.report_create(values=values, by=by)


def editor_paragraphs(page: Page) -> list[tuple[str, str]]:
    """The report page's paragraphs as (number, words), in the order shown.

    The number a screen reader announces ("Paragraph 4.1:", "Implications
    paragraph 1.1:" in the appendix) must be the one printed beside the words.
    """
    found = []
    for item in page.section("The report").find_all("li"):
        spans = item.find_all("span")
        shown = spans[0].text
        spoken = next(s.text for s in spans if "visually-hidden" in s.classes)
        assert spoken in (f"Paragraph {shown}:", f"Implications paragraph {shown}:"), (
            f"{shown} is read aloud as {spoken!r}"
        )
        words = item.find_all("div")[0]
        found.append((shown, " ".join("".join(c for c in words.children if isinstance(c, str)).split())))
    return found


def preview_paragraphs(page: Page) -> list[tuple[str, str]]:
    """The preview's body paragraphs as (number, words), in the order printed."""
    found = []
    for section in page.root.find_all("section"):
        if "report-section" not in section.classes:
            continue
        for numbered in section.find_all("div"):
            if "numbered" in numbered.classes:
                found.append((numbered.find_all("span")[0].text, numbered.find_all("p")[0].text))
    return found


def make_the_pdf(client: Client, report: Report, capture: Any) -> Rendering:
    """Presses "Make the PDF" and lets the worker do its part.

    In the embedded run Celery is eager: the task told after commit runs
    in-process, as it does for a person. With REDIS_URL set it would go to
    Redis, so the test does the worker's job itself (``rendering_run``).
    """
    with capture(execute=False) as callbacks:
        response = press(client, record_page(client, report), "Make the PDF")
    assert response.status_code == 302
    rendering = Rendering.objects.filter(report=report).latest("pk")
    assert response["Location"] == rendering.get_absolute_url()
    run_the_worker(callbacks, rendering)
    return rendering


def run_the_worker(callbacks: list[Any], rendering: Rendering) -> None:
    if celery_app.conf.task_always_eager:
        # Besides the kept values made afresh after the commit (core/kept.py).
        told = [callback for callback in callbacks if callback.__module__ != "core.kept"]
        assert len(told) == 1, "the worker must be told once, after commit"
        for callback in callbacks:
            callback()
    else:
        services.rendering_run(rendering_id=rendering.pk)


def render_each_html_once(monkeypatch: Any, rendered: dict[str, Any]) -> None:
    """PDFs made from the same HTML are made once and kept in ``rendered``: a module that
    loads the same report many times pays for one render (a changed report renders afresh)."""
    render = report_rendering.render_pdf

    def render_once(html: str) -> Any:
        if html not in rendered:
            rendered[html] = render(html)
        return rendered[html]

    monkeypatch.setattr(report_rendering, "render_pdf", render_once)
