"""The public part of the site: no sign-in, no cookie, GET and HEAD only, each page
cached until what it shows changes (see cache.py), and each table also as CSV and JSON
under the Open Government Licence."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.contrib.syndication.views import Feed
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_safe

from core.exports import spreadsheet_safe
from reports.document import build_document, local_names
from reports.selectors import report_detail

from . import selectors
from .cache import cached_page

LICENCE = "Open Government Licence v3.0"
LICENCE_URL = "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"


def public(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A public page: anyone may read it (GET or HEAD), from the cache where it can."""
    return login_not_required(require_safe(cached_page(view)))


INDEX_TITLE = "Twinning: published reports and open data"


def _page(
    request: HttpRequest, template: str, title: str, *, trail: bool = True, **context: Any
) -> HttpResponse:
    """A public page, with a trail back to the index (but for the index itself)."""
    trail = [(INDEX_TITLE, reverse("public:index")), (title, None)] if trail else []
    return render(
        request, template, {"title": title, "taken_at": timezone.localtime(), "breadcrumbs": trail, **context}
    )


@public
def index(request: HttpRequest) -> HttpResponse:
    return _page(
        request,
        "public/index.html",
        INDEX_TITLE,
        trail=False,
        reports=selectors.published_reports(),
    )


@public
def report(request: HttpRequest, pk: int) -> HttpResponse:
    found = get_object_or_404(
        report_detail().filter(pk__in=selectors.published_reports().values("pk")), pk=pk
    )
    context: dict[str, Any] = {"report": found}
    if not found.is_exempt:
        context |= {
            "document": build_document(found),
            "local_names": local_names(),
            "pdf": selectors.published_pdf(found),
        }
    return _page(request, "public/report.html", found.title, **context)


@public
def report_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    found = get_object_or_404(selectors.published_reports().filter(is_exempt=False), pk=pk)
    made = selectors.published_pdf(found)
    if made is None:
        raise Http404("The PDF of this report is not ready yet.")
    content = bytes(type(made).objects.values_list("pdf", flat=True).get(pk=made.pk))
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(False, found.pdf_filename)
    return response


class ReportFeed(Feed):
    """Published reports and their decisions, newest first, for a feed reader (Atom)."""

    feed_type = Atom1Feed

    def title(self) -> str:
        return f"{settings.COUNCIL_NAME}: international twinning reports and decisions"

    def link(self) -> str:
        return reverse("public:index")

    def items(self) -> Any:
        return selectors.published_reports()[:50]

    def item_title(self, item: Any) -> str:
        return item.title

    def item_description(self, item: Any) -> str:
        meeting = f"{item.committee}, {item.meeting_date:%-d %B %Y}."
        if item.is_exempt:
            return f"{meeting} Not published: exempt under paragraph {item.exempt_paragraph} of Schedule 12A."
        return f"{meeting} Decision: {item.decision}"

    def item_link(self, item: Any) -> str:
        return reverse("public:report", args=[item.pk])

    def item_pubdate(self, item: Any) -> Any:
        return item.published_at

    def item_updateddate(self, item: Any) -> Any:
        return item.published_at


report_feed = public(ReportFeed())


# --- Open data: each table as a page, CSV and JSON -------------------------------------------


class InLanguage(str):
    """Text in another language than the page's (a place's name in local script): the same
    string in the CSV and JSON, marked with its language in the page's table."""

    lang: str

    def __new__(cls, text: str, lang: str) -> InLanguage:
        marked = super().__new__(cls, text)
        marked.lang = lang
        return marked


def _relationship_rows() -> list[dict[str, Any]]:
    return [
        {
            "Place": relationship.place.name,
            "Name in local script": InLanguage(
                relationship.place.local_name, relationship.place.local_language
            ),
            "Country": relationship.place.country,
            "Kind": relationship.get_kind_display(),
            "Status": relationship.get_status_display(),
            "Since": relationship.established_year or "",
            "Councils": "; ".join(council.name for council in relationship.councils.all()),
        }
        for relationship in selectors.public_relationships()
    ]


def _travel_rows() -> list[dict[str, Any]]:
    return [
        {
            "Visit": trip.title,
            "Destination": trip.destination,
            "Country": trip.country,
            "Purpose": trip.purpose,
            "From": trip.starts_on.isoformat() if trip.starts_on else "",
            "To": trip.ends_on.isoformat() if trip.ends_on else "",
            "Party size": trip.party_size,
            "Elected Members": "; ".join(trip.members),
            "Others who travelled": trip.others,
            "Estimated cost to the council (GBP)": ""
            if trip.council_cost is None
            else f"{trip.council_cost:.2f}",
            "Actual cost (GBP)": "" if trip.actual_cost is None else f"{trip.actual_cost:.2f}",
        }
        for trip in selectors.completed_travel()
    ]


def _gift_rows() -> list[dict[str, Any]]:
    return [
        {
            "Date": gift.on.isoformat(),
            "Kind": gift.get_kind_display(),
            "What": gift.description,
            "Estimated value (GBP)": f"{gift.value:.2f}",
            "Given by": gift.counterparty,
            "Received by (role)": gift.recipient_role,
            "Refused": "Yes" if gift.was_refused else "No",
            "What was done with it": gift.what_became_of_it,
            "Declared on": gift.declared_on.isoformat(),
        }
        for gift in selectors.declared_gifts()
    ]


DATASETS: dict[str, tuple[str, Callable[[], list[dict[str, Any]]], str]] = {
    # slug: (title, rows, what is published and when)
    "relationships": (
        "Twinning relationships",
        _relationship_rows,
        "The relationships the council has entered into: active, dormant and ended. Approaches and "
        "links still being explored are published once the Cabinet decides on them.",
    ),
    "travel": (
        "Overseas travel",
        _travel_rows,
        "Each overseas visit once it is completed. Elected Members who travelled are named; "
        "everyone else is counted by role.",
    ),
    "gifts": (
        "Gifts and hospitality received",
        _gift_rows,
        "Each gift or hospitality received at or above the declaration threshold, once it has been "
        "declared: who gave it, who received it (by role) and what was done with it.",
    ),
}


def _dataset(slug: str) -> tuple[str, list[dict[str, Any]], str]:
    title, rows, about = DATASETS[slug]
    return title, rows(), about


def _table_page(slug: str) -> Callable[..., HttpResponse]:
    @public
    def page(request: HttpRequest) -> HttpResponse:
        title, rows, about = _dataset(slug)
        return _page(
            request,
            "public/dataset.html",
            title,
            slug=slug,
            rows=rows,
            about=about,
            columns=list(rows[0]) if rows else [],
            licence=LICENCE,
            licence_url=LICENCE_URL,
        )

    return page


def _csv(slug: str) -> Callable[..., HttpResponse]:
    @public
    def download(request: HttpRequest) -> HttpResponse:
        _title, rows, _about = _dataset(slug)
        out = io.StringIO()
        writer = csv.writer(out)
        columns = list(rows[0]) if rows else []
        writer.writerow(columns)
        for row in rows:
            writer.writerow([spreadsheet_safe(v) if isinstance(v, str) else v for v in row.values()])
        response = HttpResponse(out.getvalue().encode("utf-8-sig"), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = content_disposition_header(True, f"{slug}.csv")
        return response

    return download


def _json(slug: str) -> Callable[..., HttpResponse]:
    @public
    def download(request: HttpRequest) -> HttpResponse:
        title, rows, about = _dataset(slug)
        body = {
            "title": title,
            "about": about,
            "licence": LICENCE,
            "licence_url": LICENCE_URL,
            "taken_at": timezone.localtime().isoformat(timespec="seconds"),
            "rows": rows,
        }
        return HttpResponse(json.dumps(body, ensure_ascii=False, indent=1), content_type="application/json")

    return download


def dataset_urls() -> Iterable[Any]:
    for slug in DATASETS:
        yield path(f"{slug}/", _table_page(slug), name=slug)
        yield path(f"{slug}.csv", _csv(slug), name=f"{slug}-csv")
        yield path(f"{slug}.json", _json(slug), name=f"{slug}-json")
