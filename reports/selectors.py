"""Reads the report pages need, with their queries fixed in number."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q, QuerySet

from core.querysets import built_once

from .models import Paragraph, Rendering, RenderingStatus, Report, SignOff


@built_once
def report_list() -> QuerySet[Report]:
    return (
        Report.objects.select_related("approved_by", "created_by")
        .annotate(ready_pdfs=Count("renderings", filter=Q(renderings__status=RenderingStatus.READY)))
        .order_by("-meeting_date", "-pk")
    )


def renderings() -> QuerySet[Rendering]:
    """Renderings without their PDF bytes, which only the download reads."""
    return Rendering.objects.without_pdf().select_related("requested_by")


def report_detail() -> QuerySet[Report]:
    return Report.objects.select_related(
        "approved_by", "published_by", "created_by", "supersedes"
    ).prefetch_related(
        Prefetch("paragraphs", queryset=Paragraph.objects.order_by("part", "section", "position", "pk")),
        Prefetch("sign_offs", queryset=SignOff.objects.all()),
        Prefetch("renderings", queryset=renderings()),
        "later_drafts",
    )
