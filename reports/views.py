"""Report pages: drafting, the preview, approval and the PDFs."""

from __future__ import annotations

from operator import attrgetter
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.utils.http import content_disposition_header
from django.views import View
from django.views.decorators.cache import never_cache

from core.models import DocumentKind
from core.services import record_update
from core.status import RuleBroken
from core.tables import Column, badge, day, label_of, link
from core.text import long_date, person_name
from core.versioning import StaleEditError
from core.views import (
    Crumbs,
    FormPageView,
    PartAddView,
    RecordPages,
    Removal,
    RoleRequired,
    SentOnce,
    StatusChangeView,
    confirm_removal,
    gone_from,
    removal_confirmed,
    removal_shown_version,
    typed_again,
)

from . import forms, selectors, services
from .document import build_document, local_names, paragraph_name
from .drafting import report_draft_from_register
from .filters import ReportFilter
from .models import Paragraph, Rendering, RenderingStatus, Report, ReportStatus
from .rendering import report_html


def titled(report: Report) -> Any:
    title = link(report.get_absolute_url(), report.title)
    return format_html("{} {}", title, badge("text-bg-dark", "Exempt")) if report.is_exempt else title


class ReportPages(RecordPages):
    document_kinds = (DocumentKind.BACKGROUND_PAPER, DocumentKind.APPENDIX, DocumentKind.OTHER)
    list_title = "Cabinet reports"
    create_title = "Start a Cabinet report"
    create_crumb = "Start"
    created_message = "The draft “{record}” was started."
    filterset_class = ReportFilter
    form_class = forms.ReportForm
    empty_text = "No reports yet."
    columns = (
        Column("Meeting", lambda report: day(report.meeting_date), sort="meeting"),
        Column("Committee", attrgetter("committee")),
        Column("Title", lambda report: titled(report), sort="title"),
        Column("Status", label_of("status"), sort="status"),
        Column("Revision", attrgetter("revision")),
        Column("Ready PDFs", attrgetter("ready_pdfs"), numeric=True),
    )
    list_selector = selectors.report_list
    detail_selector = selectors.report_detail

    def detail_context(self, request: HttpRequest, record: Report) -> dict[str, Any]:
        return {
            "document": build_document(record),
            # The editor marks names in local script with their language, as the report does.
            "local_names": local_names(),
            "renderings": (renderings := list(record.renderings.all())),
            # Said instead of the button while a new PDF could only fail as the last one did.
            "pdf_refused_because": services.rendering_refused_because(record, renderings),
            "paragraph_form": forms.ParagraphForm(report=record),
            "approval_form": forms.ReportDecisionForm(record=record, to_status=ReportStatus.APPROVED),
            # Said before the button, which is not offered while approval can only be refused.
            "approval_blockers": services.report_approval_blockers(record) if record.is_editable else [],
            "publish_form": forms.ReportDecisionForm(record=record, to_status=ReportStatus.PUBLISHED),
            # A frozen report is revised once: its page then leads to that revision instead.
            "later_revision": None if record.is_editable else services.later_revision(record),
        }

    def frozen_because(self, record: Report) -> str:
        if record.is_editable:
            return ""
        return (
            f"This report is {record.get_status_display().lower()} and cannot change; "
            "start a new draft to revise it."
        )

    def create(self, request: HttpRequest, form: Any) -> Report:
        return services.report_create(values=form.values(), by=request.user)


reports = ReportPages()


def _paragraph_crumbs(report: Report, last: str) -> Crumbs:
    return [*reports.record_crumbs(report), (last, None)]


class DraftFromRegisterView(SentOnce, FormPageView):
    """A new options paper drafted from the register's live data, then edited by hand;
    drafted once however often its form is sent."""

    permission_required = "reports.add_report"
    submit_label = "Draft the paper"

    def form(self, data: Any = None) -> forms.DraftFromRegisterForm:
        return self.with_submission_token(forms.DraftFromRegisterForm(data))

    def context(self) -> dict[str, Any]:
        return {
            "title": "New options paper from the register",
            "breadcrumbs": [(reports.list_crumb, reports.url("list")), ("From the register", None)],
        }

    def post(self, request: HttpRequest) -> HttpResponse:
        return self.once(
            request,
            lambda: self.submit(
                self.form(request.POST),
                lambda form: report_draft_from_register(by=request.user, **form.values()),
                lambda report: (
                    f"“{report}” was drafted from the register as at {long_date(report.facts_as_at)}; "
                    "edit it as needed."
                ),
            ),
        )


class ReportPreviewView(RoleRequired, View):
    """The report exactly as the PDF lays it out, from the same template."""

    permission_required = "reports.view_report"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return HttpResponse(report_html(reports.get_record(pk), preview=True))


# --- Paragraphs and sign-off (drafts only) -----------------------------------------------------


class ParagraphAddView(PartAddView):
    permission_required = "reports.add_paragraph"
    record_pages = reports
    form_class = forms.ParagraphForm
    form_name = "paragraph_form"
    parent_field = "report"

    def add(self, request: HttpRequest, record: Report, form: Any) -> str:
        services.paragraph_save(report=record, values=form.values())
        return "The paragraph was added; its number follows from its place."


class ParagraphView(RoleRequired, View):
    """A change to one paragraph; refused with a message once its report is approved."""

    def setup(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        super().setup(request, *args, **kwargs)
        self.paragraph = Paragraph.objects.select_related("report").filter(pk=kwargs["pk"]).first()

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if self.paragraph is None:
            return self.gone(request)
        return reports.refuse_frozen(request, self.paragraph.report) or super().dispatch(
            request, *args, **kwargs
        )

    def gone(self, request: HttpRequest) -> HttpResponse:
        raise Http404

    def back_to_section(self) -> HttpResponse:
        paragraph = self.paragraph
        return redirect(
            reverse("reports:report-detail", args=[paragraph.report_id])
            + f"#section-{paragraph.part}-{paragraph.section}"
        )


class ParagraphUpdateView(ParagraphView):
    permission_required = "reports.change_paragraph"

    def form(self, data: Any = None) -> forms.ParagraphForm:
        return forms.ParagraphForm(data, report=self.paragraph.report, instance=self.paragraph)

    def show(self, form: Any, status: int = 200) -> HttpResponse:
        report = self.paragraph.report
        title = f"Edit {paragraph_name(self.paragraph)}"
        context = {
            "form": form,
            "title": title,
            "submit_label": "Save paragraph",
            "cancel_url": report.get_absolute_url(),
            "breadcrumbs": _paragraph_crumbs(report, title),
        }
        return render(self.request, "components/form_page.html", context, status=status)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self.show(self.form())

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        form = self.form(request.POST)
        if form.is_valid():
            try:
                services.paragraph_save(
                    report=self.paragraph.report,
                    paragraph=self.paragraph,
                    values=form.values(),
                    expected_version=form.loaded_version,
                )
            except StaleEditError:
                return self.show(self.refused_stale(request, form.loaded_version), status=409)
            except RuleBroken as refusal:
                form.add_error(None, refusal.message)
            else:
                messages.success(request, "The paragraph was saved.")
                return redirect(self.paragraph.report)
        return self.show(form, status=400)

    def refused_stale(self, request: HttpRequest, loaded_version: int | None) -> forms.ParagraphForm:
        """The form again with what was typed, saying who saved the paragraph meanwhile."""
        self.paragraph = Paragraph.objects.select_related("report").get(pk=self.paragraph.pk)
        return typed_again(
            request, self.paragraph, loaded_version, self.form, version_field="paragraph-version"
        )


class ParagraphMoveView(ParagraphView):
    permission_required = "reports.change_paragraph"
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        try:
            services.paragraph_move(paragraph=self.paragraph, up=request.POST.get("direction") == "up")
        except RuleBroken as refusal:
            messages.error(request, refusal.message)
        return self.back_to_section()


class ParagraphDeleteView(ParagraphView):
    """Removes a paragraph once the person has confirmed it; the address shows the confirmation."""

    permission_required = "reports.delete_paragraph"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self.confirmation(request)

    def confirmation(self, request: HttpRequest) -> HttpResponse:
        paragraph = self.paragraph
        removal = Removal(
            question=f"Remove {paragraph_name(paragraph)}?",
            back_url=self.back_to_section().url,
            quoted=paragraph.text,
            consequence=f"The paragraphs after it in section {paragraph.section} are renumbered.",
            version=removal_shown_version(request, paragraph.version),
            record_pk=paragraph.report_id,
        )
        return confirm_removal(
            request, removal, record=paragraph.report, crumbs=reports.record_crumbs(paragraph.report)
        )

    def gone(self, request: HttpRequest) -> HttpResponse:
        """A second press, or a colleague's removal first: back to the report, saying so."""
        if (report_pk := gone_from(request)) is None:
            raise Http404
        messages.warning(request, "That paragraph was removed already: someone may have removed it first.")
        return redirect(reports.get_record(report_pk))

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not removal_confirmed(request):
            return self.confirmation(request)
        shown = request.POST.get("version", "")
        try:
            services.paragraph_delete(
                paragraph=self.paragraph, expected_version=int(shown) if shown.isdigit() else None
            )
        except StaleEditError:
            messages.warning(request, PARAGRAPH_CHANGED)
            return self.back_to_section()
        except RuleBroken as refusal:
            messages.error(request, refusal.message)
        else:
            messages.success(request, "The paragraph was removed; the ones after it were renumbered.")
        return redirect(reverse("reports:report-detail", args=[self.paragraph.report_id]))


PARAGRAPH_CHANGED = (
    "The paragraph was changed by someone else after you opened the page, so it was not removed. "
    "It now stands as shown; remove it again if it should go."
)


class SignOffsView(RoleRequired, View):
    """The officers who cleared the draft, and when."""

    permission_required = "reports.change_signoff"

    def setup(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        super().setup(request, *args, **kwargs)
        self.report = get_object_or_404(Report, pk=kwargs["pk"])

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return reports.refuse_frozen(request, self.report) or super().dispatch(request, *args, **kwargs)

    def formset(self, data: Any = None) -> Any:
        return forms.SignOffFormSet(data, queryset=self.report.sign_offs.all(), prefix="signoffs")

    def page(self, formset: Any, status: int = 200) -> HttpResponse:
        context = {
            "report": self.report,
            "formset": formset,
            "title": f"Sign-off: {self.report}",
            "breadcrumbs": _paragraph_crumbs(self.report, "Sign-off"),
        }
        return render(self.request, "reports/sign_offs.html", context, status=status)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self.page(self.formset())

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        formset = self.formset(request.POST)
        if not formset.is_valid():
            return self.page(formset, status=400)
        # edit_only: rows the page did not show (no id, or another report's) are never saved,
        # and the message names only the rows that were.
        changes = [(form.instance, form.changes()) for form in formset.forms if form.instance.pk]
        changes = [(sign_off, changed) for sign_off, changed in changes if changed]
        not_offered = sum(1 for form in formset.forms if not form.instance.pk and form.has_changed())
        if changes:
            try:
                services.sign_offs_record(report=self.report, changes=changes)
            except services.SignOffClash as clash:
                return self.page(self.clashed(request, clash), status=409)
            except RuleBroken as refusal:  # approved while this page was open
                messages.error(request, refusal.message)
                return redirect(self.report)
            roles = ", ".join(sign_off.get_role_display() for sign_off, _ in changes)
            messages.success(request, f"The sign-off was saved for: {roles}.")
        else:
            messages.info(request, "Nothing was changed, so nothing was saved.")
        if not_offered:
            messages.warning(
                request,
                f"{not_offered} row{'s' if not_offered != 1 else ''} this page did not offer "
                f"{'were' if not_offered != 1 else 'was'} not saved.",
            )
        return redirect(self.report)

    def clashed(self, request: HttpRequest, clash: Any) -> Any:
        """The page again with what this person typed, each clashing field saying what a
        colleague saved there; sent again, it is measured against the rows as they now stand."""
        data = request.POST.copy()
        for form in self.formset(request.POST).forms:
            if form.instance.pk in clash.rows:
                form.show_as_it_stands(data, clash.rows[form.instance.pk])
        formset = self.formset(data)
        formset.is_valid()
        for form in formset.forms:
            for (pk, name), value in clash.clashes.items():
                if form.instance.pk == pk:
                    form.add_error(name, _saved_meanwhile(clash.rows[pk], name, value))
        return formset


def _saved_meanwhile(sign_off: Any, name: str, value: Any) -> str:
    latest = sign_off.history.select_related("history_user").order_by("-history_date").first()
    who = person_name(latest.history_user) if latest and latest.history_user else "A colleague"
    if name == "cleared_on":
        now = long_date(value) if value else "no date"
    elif name == "is_required":
        now = "required" if value else "not required"
    else:
        now = f"“{value}”" if value else "nothing"
    return (
        f"{who} saved {now} here after you opened this page. What you typed is kept below: "
        "save again to put it in place of theirs, or change it."
    )


# --- The Leader's Office's decisions -------------------------------------------------------------


def report_decision(move: str, form_name: str, permission: str) -> Any:
    """Approving or publishing: the move is the page's address, each under its own permission."""
    return StatusChangeView.as_view(
        permission_required=permission,
        record_pages=reports,
        form_class=forms.ReportDecisionForm,
        form_name=form_name,
        to_status=move,
        move=services.report_decide,
        done="“{record}” is now {status_lower}.",
        stale="The report changed after you opened it; read it again before deciding.",
    )


class DecisionRecordView(FormPageView):
    """The decision is recorded on an approved report, before it is published; then it stands."""

    permission_required = "reports.publish_report"
    record_pages = reports
    submit_label = "Save changes"

    def setup(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        super().setup(request, *args, **kwargs)
        self.report = get_object_or_404(Report, pk=kwargs["pk"])

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if self.report.status != ReportStatus.APPROVED:
            messages.error(
                request,
                "The decision is recorded once the report is approved, and cannot change after publication.",
            )
            return redirect(self.report)
        return super().dispatch(request, *args, **kwargs)

    def form(self, data: Any = None) -> forms.DecisionRecordForm:
        return forms.DecisionRecordForm(data, instance=self.report)

    def context(self) -> dict[str, Any]:
        return {
            "object": self.report,
            "title": f"Decision record: {self.report}",
            "breadcrumbs": [*reports.record_crumbs(self.report), ("Decision record", None)],
            "cancel_url": self.report.get_absolute_url(),
        }

    stale_message = "The report changed after you opened it; read it again before recording the decision."

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self.submit(
            self.form(request.POST),
            lambda form: record_update(
                record=self.report, values=form.values(), expected_version=form.loaded_version
            ),
            "The decision record of {record} was saved.",
        )


class ReportReviseView(RoleRequired, View):
    permission_required = "reports.add_report"
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        report = reports.get_record(pk)
        try:
            draft = services.report_revise(report=report, by=request.user)
        except RuleBroken as refusal:
            messages.error(request, refusal.message)
            return redirect(report)
        messages.success(
            request, f"Revision {draft.revision} was started as a draft; the approved report stays as it was."
        )
        return redirect(draft)


# --- PDFs ------------------------------------------------------------------------------------


class RenderingRequestView(RoleRequired, View):
    permission_required = "reports.add_rendering"
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        report = get_object_or_404(Report, pk=pk)
        try:
            rendering = services.rendering_request(report=report, by=request.user)
        except RuleBroken as refusal:
            messages.error(request, refusal.message)
            return redirect(report)
        messages.success(request, "The PDF was asked for; this page shows how it is going.")
        return redirect(rendering)


@method_decorator(never_cache, name="dispatch")
class RenderingDetailView(RoleRequired, View):
    """The rendering's status; htmx asks again every two seconds until it is finished."""

    permission_required = "reports.view_rendering"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        rendering = get_object_or_404(selectors.renderings().select_related("report"), pk=pk)
        template = "reports/_rendering_status.html" if request.htmx else "reports/rendering_detail.html"
        context = {
            "rendering": rendering,
            "report": rendering.report,
            "title": f"PDF of {rendering.report}",
            "breadcrumbs": _paragraph_crumbs(rendering.report, "PDF"),
        }
        response = render(request, template, context)
        if request.htmx and rendering.is_finished:
            # Stop the polling: the whole status block is swapped once more without its trigger.
            response["HX-Trigger"] = "rendering-finished"
        return response


class RenderingRetryView(RoleRequired, View):
    permission_required = "reports.add_rendering"
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        rendering = get_object_or_404(selectors.renderings(), pk=pk)
        try:
            services.rendering_retry(rendering=rendering, by=request.user)
        except RuleBroken as refusal:
            messages.error(request, refusal.message)
        else:
            messages.success(request, "The PDF is queued again.")
        return redirect(rendering)


class RenderingDownloadView(RoleRequired, View):
    """A ready PDF. Anyone who may not see reports gets 404, not 403, so nothing is given away."""

    permission_required = ("reports.view_report", "reports.download_report")
    hidden_from_others = True

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        rendering = get_object_or_404(
            Rendering.objects.select_related("report"), pk=pk, status=RenderingStatus.READY
        )
        response = HttpResponse(bytes(rendering.pdf), content_type="application/pdf")
        response["Content-Disposition"] = content_disposition_header(True, rendering.report.pdf_filename)
        response["Content-Length"] = str(rendering.size_bytes or len(rendering.pdf))
        response["X-Content-SHA256"] = rendering.sha256
        return response


urlpatterns = [
    *reports.urls(),
    path("new/from-register/", DraftFromRegisterView.as_view(), name="draft-from-register"),
    path("<int:pk>/preview/", ReportPreviewView.as_view(), name="report-preview"),
    *reports.part_urls(
        "paragraphs",
        "paragraph",
        add=ParagraphAddView,
        update=ParagraphUpdateView,
        move=ParagraphMoveView,
        delete=ParagraphDeleteView,
    ),
    path("<int:pk>/sign-off/", SignOffsView.as_view(), name="sign-offs"),
    path(
        "<int:pk>/approve/",
        report_decision(ReportStatus.APPROVED, "approval_form", "reports.approve_report"),
        name="report-approve",
    ),
    path(
        "<int:pk>/publish/",
        report_decision(ReportStatus.PUBLISHED, "publish_form", "reports.publish_report"),
        name="report-publish",
    ),
    path("<int:pk>/decision-record/", DecisionRecordView.as_view(), name="decision-record"),
    path("<int:pk>/revise/", ReportReviseView.as_view(), name="report-revise"),
    path("<int:pk>/pdf/", RenderingRequestView.as_view(), name="rendering-request"),
    path("pdfs/<int:pk>/", RenderingDetailView.as_view(), name="rendering-detail"),
    path("pdfs/<int:pk>/retry/", RenderingRetryView.as_view(), name="rendering-retry"),
    path("pdfs/<int:pk>/download/", RenderingDownloadView.as_view(), name="rendering-download"),
]
