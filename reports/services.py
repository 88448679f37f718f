"""Writes to reports and their renderings, each one transaction."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from datetime import timedelta
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import models, transaction
from django.db.models import F, Max
from django.utils import timezone

from core.services import record_create
from core.status import Move, RuleBroken, StatusMover
from core.versioning import StaleEditError

from .models import (
    Paragraph,
    Part,
    Rendering,
    RenderingFailure,
    RenderingStatus,
    Report,
    ReportStatus,
    ReportStatusChange,
    SignOff,
    SignOffRole,
)
from .signals import rendering_finished

log = logging.getLogger(__name__)


@transaction.atomic
def rendering_request(*, report: Report, by: Any) -> Rendering:
    """Queues a PDF of the report as it stands; the worker is told after commit.

    Asking again while one is queued, rendering or made for the same version
    returns that one instead of making a second: the same report makes the
    same PDF (the one made when it was approved or published, say).
    """
    pending = (
        Rendering.objects.filter(
            report=report,
            report_version=report.version,
            status__in=[RenderingStatus.QUEUED, RenderingStatus.RENDERING, RenderingStatus.READY],
        )
        .only("id", "status")
        .order_by("-pk")
        .first()
    )
    if pending is not None:
        return pending
    refused = rendering_refused_because(report)
    if refused:
        raise RuleBroken(refused)
    rendering = Rendering.objects.create(report=report, report_version=report.version, requested_by=by)
    _enqueue_after_commit(rendering)
    return rendering


def rendering_refused_because(report: Report, renderings: Iterable[Rendering] | None = None) -> str:
    """Why a PDF of the report as it stands would only fail again: the latest one made of
    this version failed for its time, its size or a worker that kept stopping. Empty if
    a PDF may be made.

    ``renderings``: the report's renderings already loaded, newest first (no query then).
    """
    if renderings is None:
        renderings = Rendering.objects.without_pdf().filter(report=report, report_version=report.version)[:1]
    latest = next((r for r in renderings if r.report_version == report.version), None)
    if latest is None:
        return ""
    latest.report = report
    return latest.retry_refused_because


@transaction.atomic
def rendering_retry(*, rendering: Rendering, by: Any) -> Rendering:
    """Puts a failed rendering back in the queue.

    Refused when it failed for its time, its size or a worker that kept
    stopping and the report has not changed since: it would fail the same way.
    """
    current = Rendering.objects.without_pdf().select_related("report").filter(pk=rendering.pk).first()
    if current is not None and current.retry_refused_because:
        raise RuleBroken(current.retry_refused_because)
    claimed = Rendering.objects.filter(pk=rendering.pk, status=RenderingStatus.FAILED).update(
        status=RenderingStatus.QUEUED, error="", failure="", requested_by=by, finished_at=None
    )
    if not claimed:
        raise RuleBroken("Only a failed PDF can be tried again.")
    rendering.refresh_from_db(fields=["status", "error", "failure"])
    _enqueue_after_commit(rendering)
    return rendering


def _enqueue_after_commit(rendering: Rendering) -> None:
    # The worker must never look for a row that is not committed yet.
    rendering_id = rendering.pk
    transaction.on_commit(lambda: rendering_send(rendering_id))


def rendering_send(rendering_id: int, *, queue: str | None = None) -> bool:
    """Tells the worker about a committed rendering; False if the broker could not be reached.

    The row stays queued either way: when Redis is unreachable the request
    still succeeds, and the sweep (``renderings_to_resend``) sends it again.
    """
    from kombu.exceptions import OperationalError

    from .tasks import render_report_pdf

    try:
        render_report_pdf.apply_async(args=(rendering_id,), queue=queue)
    except OperationalError as exc:
        log.warning(
            "Rendering %s stays queued: the broker could not be reached (%s); "
            "it is sent again when the broker is back.",
            rendering_id,
            exc,
        )
        # Recorded so that its page says it waits for the PDF service, not that it is being made.
        Rendering.objects.filter(pk=rendering_id, status=RenderingStatus.QUEUED).update(
            send_failed_at=timezone.now()
        )
        return False
    Rendering.objects.filter(pk=rendering_id, send_failed_at__isnull=False).update(send_failed_at=None)
    return True


# A rendering whose worker died this many times is not tried again by itself:
# it is what kills the worker (memory, time), and an officer can try again.
STALE_ATTEMPTS_LIMIT = 3


def renderings_given_up() -> int:
    """Marks failed the renderings left by a dead worker STALE_ATTEMPTS_LIMIT times; how many."""
    now = timezone.now()
    return Rendering.objects.filter(
        status=RenderingStatus.RENDERING,
        started_at__lt=now - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT),
        attempts__gte=STALE_ATTEMPTS_LIMIT,
    ).update(
        status=RenderingStatus.FAILED,
        failure=RenderingFailure.WORKER,
        error=(
            f"the PDF service stopped while making it, {STALE_ATTEMPTS_LIMIT} times: the report may need "
            "more memory or time than the service has."
        ),
        finished_at=now,
    )


def renderings_to_resend(*, queued_for: int, limit: int = 100) -> list[int]:
    """Renderings no worker may be making, oldest first.

    Those queued at least ``queued_for`` seconds ago (the request could not
    reach the broker, or the broker lost the message), and those claimed
    longer ago than the task time limit (the worker died while making them;
    ``rendering_run`` takes such a claim over).
    """
    from django.db.models import Q

    now = timezone.now()
    asked_before = now - timedelta(seconds=queued_for)
    stale_before = now - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)
    return list(
        Rendering.objects.filter(
            Q(status=RenderingStatus.QUEUED, requested_at__lte=asked_before)
            | Q(status=RenderingStatus.RENDERING, started_at__lt=stale_before)
        )
        .order_by("requested_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )


def rendering_run(*, rendering_id: int) -> str:
    """Renders one queued PDF. Safe to run twice: only one run claims the row.

    A row left "rendering" by a worker that died is claimed again once it is
    older than the task time limit (its task is then being redelivered).
    """
    from .rendering import report_pdf

    stale_before = timezone.now() - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)
    claimed_at = timezone.now()
    with transaction.atomic():
        claimed = Rendering.objects.filter(pk=rendering_id, status=RenderingStatus.QUEUED).update(
            status=RenderingStatus.RENDERING, started_at=claimed_at
        ) or Rendering.objects.filter(
            pk=rendering_id, status=RenderingStatus.RENDERING, started_at__lt=stale_before
        ).update(started_at=claimed_at)
    if not claimed:
        status = Rendering.objects.filter(pk=rendering_id).values_list("status", flat=True).first()
        log.info("Rendering %s not claimed (status %s): nothing to do", rendering_id, status)
        return status or "missing"

    # Only this run's claim may finish the row: a slow run whose claim was
    # taken over after the time limit must not overwrite the newer result.
    ours = Rendering.objects.filter(pk=rendering_id, status=RenderingStatus.RENDERING, started_at=claimed_at)
    ours.update(attempts=F("attempts") + 1)
    report_id = Rendering.objects.values_list("report_id", flat=True).get(pk=rendering_id)
    report: Report | None = None
    try:
        report = Report.objects.prefetch_related("paragraphs", "sign_offs").get(pk=report_id)
        # The version this run makes, recorded now: should the worker die on it, the
        # rendering given up says which version cannot be made, not the one asked for.
        ours.update(report_version=report.version)
        length, most = report_text_length(report), settings.REPORTS_TEXT_MAX_CHARS
        if length > most:
            # Refused before WeasyPrint starts: its time grows with the text, and a worker stays free.
            log.warning("Rendering %s refused: the report has %s characters of text", rendering_id, length)
            return _failed(
                ours,
                rendering_id,
                report,
                RenderingFailure.SIZE,
                f"the report has {length:,} characters of text, more than the {most:,} a PDF is made from.",
            )
        pdf = report_pdf(report)
    except SoftTimeLimitExceeded:
        seconds = settings.REPORTS_RENDER_SOFT_TIME_LIMIT
        log.warning("Rendering %s stopped: it took longer than %s seconds", rendering_id, seconds)
        took = f"{seconds} second{'' if seconds == 1 else 's'}"
        return _failed(ours, rendering_id, report, RenderingFailure.TIME, f"it took longer than {took}.")
    except Exception:  # the detail is for the log; the person is told in plain words
        log.exception("Rendering %s failed", rendering_id)
        return _failed(ours, rendering_id, report, RenderingFailure.ERROR, "")
    with transaction.atomic():
        ours.update(
            status=RenderingStatus.READY,
            # The version actually rendered: a draft may have changed since it was asked for.
            report_version=report.version,
            pdf=pdf.content,
            sha256=pdf.sha256,
            page_count=pdf.page_count,
            size_bytes=pdf.size,
            finished_at=timezone.now(),
            error="",
        )
        _tell_finished(rendering_id)
    return RenderingStatus.READY


def _failed(ours: Any, rendering_id: int, report: Report | None, failure: str, reason: str) -> str:
    version = {"report_version": report.version} if report is not None else {}
    # The version it tried is kept, so that trying again unchanged can be refused.
    ours.update(
        status=RenderingStatus.FAILED, failure=failure, error=reason, finished_at=timezone.now(), **version
    )
    _tell_finished(rendering_id)
    return RenderingStatus.FAILED


def _tell_finished(rendering_id: int) -> None:
    transaction.on_commit(lambda: rendering_finished.send(sender=Rendering, rendering_id=rendering_id))


def report_text_length(report: Report) -> int:
    """Characters of text the PDF would print: the paragraphs (prefetched) and the report's own fields."""
    own = sum(
        len(getattr(report, field.attname) or "")
        for field in Report._meta.concrete_fields
        if isinstance(field, (models.CharField, models.TextField))
    )
    return own + sum(len(paragraph.text) for paragraph in report.paragraphs.all())


# --- Reports and their paragraphs ---------------------------------------------------------

# Cleared by default before approval; the officer may mark others required too.
REQUIRED_SIGN_OFFS = {"legal", "financial", "service_director"}


@transaction.atomic
def report_create(*, values: Mapping[str, Any], by: Any) -> Report:
    """Saves a new draft with a sign-off row for every role."""
    report = record_create(model=Report, values={**values, "created_by": by})
    SignOff.objects.bulk_create(
        SignOff(report=report, role=role, is_required=role in REQUIRED_SIGN_OFFS)
        for role in SignOffRole.values
    )
    return report


def _require_draft(report: Report) -> None:
    if not report.is_editable:
        raise RuleBroken(
            f"This report is {report.get_status_display().lower()}: it cannot change. Start a new draft to revise it."
        )


def report_touch(report: Report) -> None:
    """Marks a change to a draft's sign-off as a new version of the report."""
    _touch(report)


def _touch(report: Report) -> None:
    """Any change to the report's content is a new version of it (so its PDFs say which they show)."""
    report.save(update_fields=["version"])


@transaction.atomic
def paragraph_save(
    *,
    report: Report,
    values: Mapping[str, Any],
    paragraph: Paragraph | None = None,
    expected_version: int | None = None,
) -> Paragraph:
    """Adds a paragraph at the end of its section, or saves changes to one (moved to the end of
    another section if its section changed). Refused while the report is not a draft, and
    (StaleEditError) when the paragraph was saved by someone else since ``expected_version``."""
    report = Report.objects.select_for_update().get(pk=report.pk)
    _require_draft(report)
    if paragraph is None:
        paragraph = Paragraph(report=report)
        moved = True
    else:
        before = Paragraph.objects.values_list("part", "section").get(pk=paragraph.pk)
        moved = before != (values["part"], values["section"])
        if expected_version is not None:
            paragraph.version = expected_version
    for name, value in values.items():
        setattr(paragraph, name, value)
    if moved:
        last = Paragraph.objects.filter(
            report=report, part=paragraph.part, section=paragraph.section
        ).aggregate(last=Max("position"))["last"]
        paragraph.position = (last or 0) + 1
    paragraph.save()
    _touch(report)
    return paragraph


class SignOffClash(Exception):
    """Colleagues saved other values in the fields this person changed, after the page was opened."""

    def __init__(self, clashes: dict[tuple[int, str], Any], rows: dict[int, SignOff]) -> None:
        super().__init__(f"{len(clashes)} sign-off field(s) changed by someone else")
        self.clashes, self.rows = clashes, rows


@transaction.atomic
def sign_offs_record(
    *, report: Report, changes: Iterable[tuple[SignOff, Mapping[str, tuple[Any, Any]]]]
) -> None:
    """Saves changes to a draft's sign-off rows (officer, date cleared, whether required).

    Each change is (as the page showed it, as the person left it), and only those
    fields are written, so a colleague's save to another field or row since the page
    was opened stands. Where the colleague changed the same field to something else,
    nothing is saved (SignOffClash names those fields and what they now hold).
    Whoever is about to approve must see the sign-off as it now is, so the
    report's version moves on.
    """
    report = Report.objects.select_for_update().get(pk=report.pk)
    _require_draft(report)
    current = {row.pk: row for row in SignOff.objects.select_for_update().filter(report=report)}
    clashes: dict[tuple[int, str], Any] = {}
    for sign_off, values in changes:
        if sign_off.pk not in current:
            raise RuleBroken("A sign-off of another report cannot be changed here.")
        now = current[sign_off.pk]
        for name, (shown, new) in values.items():
            if getattr(now, name) not in (shown, new):
                clashes[(now.pk, name)] = getattr(now, name)
    if clashes:
        raise SignOffClash(clashes, current)
    for sign_off, values in changes:
        now = current[sign_off.pk]
        for name, (_shown, new) in values.items():
            setattr(now, name, new)
        now.save()
    _touch(report)


@transaction.atomic
def paragraph_move(*, paragraph: Paragraph, up: bool) -> None:
    """Swaps a paragraph with its neighbour in the section; numbers follow from the order."""
    report = Report.objects.select_for_update().get(pk=paragraph.report_id)
    _require_draft(report)
    siblings = list(Paragraph.objects.filter(report=report, part=paragraph.part, section=paragraph.section))
    siblings.sort(key=lambda p: (p.position, p.pk))
    index = next(i for i, p in enumerate(siblings) if p.pk == paragraph.pk)
    other = index - 1 if up else index + 1
    if not 0 <= other < len(siblings):
        return
    siblings[index], siblings[other] = siblings[other], siblings[index]
    for position, sibling in enumerate(siblings, start=1):
        if sibling.position != position:
            sibling.position = position
            sibling.save(update_fields=["position"])
    _touch(report)


@transaction.atomic
def paragraph_delete(*, paragraph: Paragraph, expected_version: int | None = None) -> None:
    """Removes the paragraph from its draft; refused (StaleEditError) when it was saved by
    someone else since ``expected_version``. Checked under the report's lock, as saves are."""
    report = Report.objects.select_for_update().get(pk=paragraph.report_id)
    _require_draft(report)
    current = Paragraph.objects.filter(pk=paragraph.pk).values_list("version", flat=True).first()
    if expected_version is not None and current is not None and current != expected_version:
        raise StaleEditError(paragraph)
    paragraph.delete()
    _touch(report)


def report_approval_blockers(report: Report) -> list[str]:
    """Why approving the draft would be refused now, one sentence each; none if it may be.

    Reads the report's sign-offs and paragraphs through ``.all()``, so a page
    that prefetched them (selectors.report_detail) asks nothing more.
    """
    blockers = []
    sign_offs = {sign_off.role: sign_off for sign_off in report.sign_offs.all()}
    missing = []
    for role in SignOffRole.values:
        sign_off = sign_offs.get(role)
        required = role in REQUIRED_SIGN_OFFS or (sign_off is not None and sign_off.is_required)
        if not required or (sign_off is not None and sign_off.is_cleared):
            continue
        name = sign_off.officer_name.strip() if sign_off is not None else ""
        # Who must clear it: the officer named, or the role when no one is named yet.
        who = f"{name}, no date yet" if name else "no officer named"
        missing.append(f"{SignOffRole(role).label} ({who})")
    if missing:
        blockers.append("Not yet cleared: " + ", ".join(missing) + ".")
    if not any(paragraph.part == Part.BODY for paragraph in report.paragraphs.all()):
        blockers.append("It has no paragraphs.")
    if report.is_exempt and (not report.exempt_paragraph or not report.public_interest_reasoning.strip()):
        blockers.append(
            "An exempt report must name its Schedule 12A paragraph and give the public interest reasoning."
        )
    return blockers


def _cleared_by_every_required_officer(move: Move) -> None:
    if move.to_status != ReportStatus.APPROVED:
        return
    blockers = report_approval_blockers(move.record)
    if blockers:
        raise RuleBroken("It cannot be approved yet. " + " ".join(blockers))


def _decision_recorded(move: Move) -> None:
    report = move.record
    if move.to_status != ReportStatus.PUBLISHED:
        return
    missing = [
        label
        for label, value in (
            ("the decision", report.decision),
            ("its date", report.decision_date),
            ("the reasons", report.decision_reasons),
            ("the alternative options rejected", report.alternatives_rejected),
            ("the conflicts of interest declared (or “None”)", report.conflicts_declared),
        )
        if not (value.strip() if isinstance(value, str) else value)
    ]
    if missing:
        raise RuleBroken("Record the decision before publishing: " + ", ".join(missing) + " missing.")


def _not_already(move: Move) -> None:
    report, to_status = move.record, move.to_status
    if report.status == to_status or (
        to_status == ReportStatus.APPROVED and report.status != ReportStatus.DRAFT
    ):
        raise RuleBroken(f"This report is already {report.get_status_display().lower()}.")
    if to_status == ReportStatus.PUBLISHED and report.status != ReportStatus.APPROVED:
        raise RuleBroken("Only an approved report can be published.")


def _decided(move: Move) -> None:
    if move.to_status == ReportStatus.APPROVED:
        move.record.approved_by, move.record.approved_at = move.by, timezone.now()
    else:
        move.record.published_by, move.record.published_at = move.by, timezone.now()
    # Its PDF is made as soon as it is approved, and again as published, so the Leader's
    # Office finds it ready rather than waiting for the worker when it is wanted.
    report_id, by = move.record.pk, move.by
    transaction.on_commit(lambda: _pdf_as_decided(report_id, by))


def _pdf_as_decided(report_id: int, by: Any) -> None:
    report = Report.objects.filter(pk=report_id).first()
    if report is None:
        return
    try:
        rendering_request(report=report, by=by)
    except RuleBroken as refusal:  # a report too long for a PDF: its page says so
        log.warning("No PDF made of report %s as decided: %s", report_id, refusal.message)


# The Leader's Office approves a draft, or publishes an approved report; silence is not consent.
# Approval is refused while a required sign-off is not cleared (named officer and date), with no
# paragraphs, or while an exempt report lacks its paragraph or public interest reasoning;
# publication while the decision record is incomplete.
report_decide = StatusMover(
    ReportStatusChange,
    rules=(_not_already, _cleared_by_every_required_officer, _decision_recorded),
    apply=_decided,
    lock=True,
)


def later_revision(report: Report) -> Report | None:
    """The revision made from this report, if there is one (a report is revised once)."""
    return Report.objects.filter(supersedes=report).order_by("-revision", "-pk").first()


@transaction.atomic
def report_revise(*, report: Report, by: Any) -> Report:
    """A new draft of an approved report, its paragraphs and sign-offs copied; the approved one stays as it was."""
    # Locked, so that two clicks at once start one draft.
    report = Report.objects.select_for_update().get(pk=report.pk)
    if report.is_editable:
        raise RuleBroken("A draft is revised by editing it.")
    later = later_revision(report)
    if later is not None and later.status == ReportStatus.DRAFT:
        return later  # a second click opens the draft already started
    if later is not None:
        raise RuleBroken(
            f"Revision {later.revision} was made from this report and is "
            f"{later.get_status_display().lower()}: revise that one instead."
        )
    draft = Report.objects.get(pk=report.pk)
    draft.pk = None
    draft._state.adding = True
    draft.version = 1
    draft.status = "draft"
    draft.revision = report.revision + 1
    draft.supersedes = report
    draft.approved_by = draft.published_by = None
    draft.approved_at = draft.published_at = None
    # A revision is decided afresh: the decision taken on the approved one stays with it.
    draft.decision = draft.decision_reasons = draft.alternatives_rejected = draft.conflicts_declared = ""
    draft.decision_date = None
    draft.created_by = by
    draft.save()
    Paragraph.objects.bulk_create(
        Paragraph(report=draft, part=p.part, section=p.section, position=p.position, text=p.text)
        for p in report.paragraphs.all()
    )
    SignOff.objects.bulk_create(
        SignOff(report=draft, role=s.role, officer_name="", cleared_on=None, is_required=s.is_required)
        for s in report.sign_offs.all()
    )
    return draft
