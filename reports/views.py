"""Report pages: drafting, the preview, approval and the PDFs."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse, reverse_lazy
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.generic import FormView

from core.roles import RoleRequiredMixin
from core.versioning import StaleEditError
from core.views import (
    ConcurrencySafeUpdateView,
    HistoryView,
    PageMixin,
    RegisterCreateView,
    RegisterDetailView,
    RegisterListView,
)

from . import forms, selectors, services
from .document import build_document
from .drafting import report_draft_from_register
from .filters import ReportFilter
from .models import Paragraph, Rendering, RenderingStatus, Report
from .rendering import report_html


class ReportListView(RegisterListView):
    permission_required = "reports.view_report"
    filterset_class = ReportFilter
    template_name = "reports/report_list.html"
    title = "Cabinet reports"

    def get_queryset(self) -> Any:
        return selectors.report_list()


def report_page_context(request: HttpRequest, report: Report, **given: Any) -> dict[str, Any]:
    context: dict[str, Any] = {
        "object": report,
        "report": report,
        "title": str(report),
        "breadcrumbs": [("Cabinet reports", reverse("reports:report-list")), (str(report), None)],
        "document": build_document(report),
        "renderings": list(report.renderings.all()),
        "paragraph_form": forms.ParagraphForm(report=report),
        "approval_form": forms.ApprovalForm(initial={"version": report.version}),
    }
    context.update(given)
    return context


class ReportDetailView(RegisterDetailView):
    permission_required = "reports.view_report"
    template_name = "reports/report_detail.html"

    def get_queryset(self) -> Any:
        return selectors.report_detail()

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(report_page_context(self.request, self.object))
        return context


class ReportCreateView(RegisterCreateView):
    permission_required = "reports.add_report"
    form_class = forms.ReportForm
    title = "Start a Cabinet report"
    breadcrumbs = [("Cabinet reports", reverse_lazy("reports:report-list")), ("Start", None)]
    success_message = "The draft “{object}” was started."

    def save(self, form: Any) -> Report:
        return services.report_create(report=form.save(commit=False), by=self.request.user)


class DraftFromRegisterView(RoleRequiredMixin, PageMixin, FormView):
    """A new options paper drafted from the register's live data, then edited by hand."""

    permission_required = "reports.add_report"
    form_class = forms.DraftFromRegisterForm
    template_name = "components/form_page.html"
    title = "New options paper from the register"
    breadcrumbs = [("Cabinet reports", reverse_lazy("reports:report-list")), ("From the register", None)]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["submit_label"] = "Draft the paper"
        return context

    def form_valid(self, form: Any) -> HttpResponse:
        report = report_draft_from_register(by=self.request.user, **form.cleaned_data)
        messages.success(
            self.request,
            f"“{report}” was drafted from the register as at {report.facts_as_at:%d %B %Y}; edit it as needed.",
        )
        return redirect(report)


class DraftOnlyMixin:
    """Approved and published reports are frozen: changes go into a new draft."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not self.has_permission():  # type: ignore[attr-defined]
            return self.handle_no_permission()  # type: ignore[attr-defined]  # 403 before anything else
        report = get_object_or_404(Report, pk=kwargs["pk"])
        if not report.is_editable:
            messages.error(
                request,
                f"This report is {report.get_status_display().lower()} and cannot change; start a new draft to revise it.",
            )
            return redirect(report)
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]


class ReportUpdateView(DraftOnlyMixin, ConcurrencySafeUpdateView):
    permission_required = "reports.change_report"
    model = Report
    form_class = forms.ReportForm

    def get_title(self) -> str:
        return f"Edit {self.object}"


class ReportHistoryView(HistoryView):
    permission_required = "reports.view_report"
    model = Report


class ReportPreviewView(RoleRequiredMixin, View):
    """The report exactly as the PDF lays it out, from the same template."""

    permission_required = "reports.view_report"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        report = get_object_or_404(selectors.report_detail(), pk=pk)
        return HttpResponse(report_html(report, preview=True))


class ParagraphDraftOnlyMixin:
    """A paragraph of an approved or published report cannot change."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not self.has_permission():  # type: ignore[attr-defined]
            return self.handle_no_permission()  # type: ignore[attr-defined]  # 403 before anything else
        paragraph = get_object_or_404(Paragraph.objects.select_related("report"), pk=kwargs["pk"])
        if not paragraph.report.is_editable:
            messages.error(
                request,
                f"This report is {paragraph.report.get_status_display().lower()} and cannot change; "
                "start a new draft to revise it.",
            )
            return redirect(paragraph.report)
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]


class ReportPartView(RoleRequiredMixin, View):
    http_method_names = ["post"]

    def refused(self, request: HttpRequest, report_pk: int, **given: Any) -> HttpResponse:
        report = get_object_or_404(selectors.report_detail(), pk=report_pk)
        return render(
            request, "reports/report_detail.html", report_page_context(request, report, **given), status=400
        )


class ParagraphAddView(DraftOnlyMixin, ReportPartView):
    permission_required = "reports.add_paragraph"

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        report = get_object_or_404(Report, pk=pk)
        form = forms.ParagraphForm(request.POST, report=report)
        if form.is_valid():
            try:
                services.paragraph_save(paragraph=form.save(commit=False))
            except services.ReportRuleBroken as refusal:
                form.add_error(None, str(refusal))
            else:
                messages.success(request, "The paragraph was added; its number follows from its place.")
                return redirect(report)
        return self.refused(request, pk, paragraph_form=form)


class ParagraphUpdateView(ParagraphDraftOnlyMixin, RoleRequiredMixin, View):
    permission_required = "reports.change_paragraph"

    def form(self, request: HttpRequest, paragraph: Paragraph) -> forms.ParagraphForm:
        return forms.ParagraphForm(request.POST or None, report=paragraph.report, instance=paragraph)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        paragraph = get_object_or_404(Paragraph.objects.select_related("report"), pk=pk)
        return self.show(request, paragraph, self.form(request, paragraph))

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        paragraph = get_object_or_404(Paragraph.objects.select_related("report"), pk=pk)
        form = self.form(request, paragraph)
        if form.is_valid():
            try:
                services.paragraph_save(paragraph=form.save(commit=False))
            except services.ReportRuleBroken as refusal:
                form.add_error(None, str(refusal))
            else:
                messages.success(request, "The paragraph was saved.")
                return redirect(paragraph.report)
        return self.show(request, paragraph, form, status=400)

    def show(self, request: HttpRequest, paragraph: Paragraph, form: Any, status: int = 200) -> HttpResponse:
        report = paragraph.report
        context = {
            "form": form,
            "title": "Edit a paragraph",
            "submit_label": "Save paragraph",
            "cancel_url": report.get_absolute_url(),
            "breadcrumbs": [
                ("Cabinet reports", reverse("reports:report-list")),
                (str(report), report.get_absolute_url()),
                ("Edit a paragraph", None),
            ],
        }
        return render(request, "components/form_page.html", context, status=status)


class ParagraphMoveView(ParagraphDraftOnlyMixin, ReportPartView):
    permission_required = "reports.change_paragraph"

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        paragraph = get_object_or_404(Paragraph, pk=pk)
        try:
            services.paragraph_move(paragraph=paragraph, up=request.POST.get("direction") == "up")
        except services.ReportRuleBroken as refusal:
            messages.error(request, str(refusal))
        return redirect(
            reverse("reports:report-detail", args=[paragraph.report_id])
            + f"#section-{paragraph.part}-{paragraph.section}"
        )


class ParagraphDeleteView(ParagraphDraftOnlyMixin, ReportPartView):
    permission_required = "reports.delete_paragraph"

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        paragraph = get_object_or_404(Paragraph, pk=pk)
        try:
            services.paragraph_delete(paragraph=paragraph)
        except services.ReportRuleBroken as refusal:
            messages.error(request, str(refusal))
        else:
            messages.success(request, "The paragraph was removed; the ones after it were renumbered.")
        return redirect(reverse("reports:report-detail", args=[paragraph.report_id]))


class SignOffsView(DraftOnlyMixin, RoleRequiredMixin, View):
    permission_required = "reports.change_signoff"

    def formset(self, report: Report, data: Any = None) -> Any:
        return forms.SignOffFormSet(data, queryset=report.sign_offs.all(), prefix="signoffs")

    def page(self, request: HttpRequest, report: Report, formset: Any, status: int = 200) -> HttpResponse:
        context = {
            "report": report,
            "formset": formset,
            "title": f"Sign-off: {report}",
            "breadcrumbs": [
                ("Cabinet reports", reverse("reports:report-list")),
                (str(report), report.get_absolute_url()),
                ("Sign-off", None),
            ],
        }
        return render(request, "reports/sign_offs.html", context, status=status)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        report = get_object_or_404(Report, pk=pk)
        return self.page(request, report, self.formset(report))

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        report = get_object_or_404(Report, pk=pk)
        formset = self.formset(report, request.POST)
        if formset.is_valid():
            formset.save()
            # Whoever is about to approve must see the sign-off as it now is.
            services.report_touch(report)
            messages.success(request, "The sign-off was saved.")
            return redirect(report)
        return self.page(request, report, formset, status=400)


class ReportDecisionView(RoleRequiredMixin, View):
    """The Leader's Office approves or publishes; each is refused while something is missing."""

    http_method_names = ["post"]
    action = ""

    def get_permission_required(self) -> tuple[str, ...]:
        return ("reports.approve_report",) if self.action == "approve" else ("reports.publish_report",)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        report = get_object_or_404(Report, pk=pk)
        form = forms.ApprovalForm(request.POST)
        if form.is_valid():
            decide = services.report_approve if self.action == "approve" else services.report_publish
            try:
                with transaction.atomic():
                    decided = decide(
                        report=report, by=request.user, expected_version=form.cleaned_data["version"]
                    )
            except StaleEditError:
                messages.error(
                    request, "The report changed after you opened it; read it again before deciding."
                )
                return redirect(report)
            except services.ReportRuleBroken as refusal:
                form.add_error(None, str(refusal))
            else:
                messages.success(request, f"“{decided}” is now {decided.get_status_display().lower()}.")
                return redirect(decided)
        report = get_object_or_404(selectors.report_detail(), pk=pk)
        return render(
            request,
            "reports/report_detail.html",
            report_page_context(request, report, approval_form=form),
            status=400,
        )


class DecisionRecordView(ConcurrencySafeUpdateView):
    """The decision is recorded on an approved report, before it is published; then it stands."""

    permission_required = "reports.publish_report"
    model = Report
    form_class = forms.DecisionRecordForm
    crumb_label = "Decision record"
    success_message = "The decision record of {object} was saved."

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not self.has_permission():
            return self.handle_no_permission()
        report = get_object_or_404(Report, pk=kwargs["pk"])
        if report.status != "approved":
            messages.error(
                request,
                "The decision is recorded once the report is approved, and cannot change after publication.",
            )
            return redirect(report)
        return super().dispatch(request, *args, **kwargs)

    def get_title(self) -> str:
        return f"Decision record: {self.object}"


class ReportReviseView(RoleRequiredMixin, View):
    permission_required = "reports.add_report"
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        report = get_object_or_404(selectors.report_detail(), pk=pk)
        try:
            draft = services.report_revise(report=report, by=request.user)
        except services.ReportRuleBroken as refusal:
            messages.error(request, str(refusal))
            return redirect(report)
        messages.success(
            request, f"Revision {draft.revision} was started as a draft; the approved report stays as it was."
        )
        return redirect(draft)


# --- PDFs ------------------------------------------------------------------------------------


class RenderingRequestView(RoleRequiredMixin, View):
    permission_required = "reports.add_rendering"
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        report = get_object_or_404(Report, pk=pk)
        rendering = services.rendering_request(report=report, by=request.user)
        messages.success(request, "The PDF was asked for; this page shows how it is going.")
        return redirect(rendering)


@method_decorator(never_cache, name="dispatch")
class RenderingDetailView(RoleRequiredMixin, View):
    """The rendering's status; htmx asks again every two seconds until it is finished."""

    permission_required = "reports.view_rendering"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        rendering = get_object_or_404(selectors.renderings().select_related("report"), pk=pk)
        template = "reports/_rendering_status.html" if request.htmx else "reports/rendering_detail.html"
        context = {
            "rendering": rendering,
            "report": rendering.report,
            "title": f"PDF of {rendering.report}",
            "breadcrumbs": [
                ("Cabinet reports", reverse("reports:report-list")),
                (str(rendering.report), rendering.report.get_absolute_url()),
                ("PDF", None),
            ],
        }
        response = render(request, template, context)
        if request.htmx and rendering.is_finished:
            # Stop the polling: the whole status block is swapped once more without its trigger.
            response["HX-Trigger"] = "rendering-finished"
        return response


class RenderingRetryView(RoleRequiredMixin, View):
    permission_required = "reports.add_rendering"
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        rendering = get_object_or_404(selectors.renderings(), pk=pk)
        try:
            services.rendering_retry(rendering=rendering, by=request.user)
        except services.ReportRuleBroken as refusal:
            messages.error(request, str(refusal))
        else:
            messages.success(request, "The PDF is queued again.")
        return redirect(rendering)


class RenderingDownloadView(View):
    """A ready PDF. Anyone who may not see reports gets 404, not 403, so nothing is given away."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not (
            request.user.has_perm("reports.view_report") and request.user.has_perm("reports.download_report")
        ):
            raise Http404
        rendering = get_object_or_404(
            Rendering.objects.select_related("report"), pk=pk, status=RenderingStatus.READY
        )
        response = HttpResponse(bytes(rendering.pdf), content_type="application/pdf")
        name = rendering.report.pdf_filename
        plain = name.encode("ascii", "replace").decode().replace("?", "_")
        response["Content-Disposition"] = f"attachment; filename=\"{plain}\"; filename*=UTF-8''{_quote(name)}"
        response["Content-Length"] = str(rendering.size_bytes or len(rendering.pdf))
        response["X-Content-SHA256"] = rendering.sha256
        return response


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name, safe="")


urlpatterns = [
    path("", ReportListView.as_view(), name="report-list"),
    path("new/", ReportCreateView.as_view(), name="report-create"),
    path("new/from-register/", DraftFromRegisterView.as_view(), name="draft-from-register"),
    path("<int:pk>/", ReportDetailView.as_view(), name="report-detail"),
    path("<int:pk>/edit/", ReportUpdateView.as_view(), name="report-update"),
    path("<int:pk>/history/", ReportHistoryView.as_view(), name="report-history"),
    path("<int:pk>/preview/", ReportPreviewView.as_view(), name="report-preview"),
    path("<int:pk>/paragraphs/", ParagraphAddView.as_view(), name="paragraph-add"),
    path("paragraphs/<int:pk>/edit/", ParagraphUpdateView.as_view(), name="paragraph-update"),
    path("paragraphs/<int:pk>/move/", ParagraphMoveView.as_view(), name="paragraph-move"),
    path("paragraphs/<int:pk>/remove/", ParagraphDeleteView.as_view(), name="paragraph-delete"),
    path("<int:pk>/sign-off/", SignOffsView.as_view(), name="sign-offs"),
    path("<int:pk>/approve/", ReportDecisionView.as_view(action="approve"), name="report-approve"),
    path("<int:pk>/publish/", ReportDecisionView.as_view(action="publish"), name="report-publish"),
    path("<int:pk>/decision-record/", DecisionRecordView.as_view(), name="decision-record"),
    path("<int:pk>/revise/", ReportReviseView.as_view(), name="report-revise"),
    path("<int:pk>/pdf/", RenderingRequestView.as_view(), name="rendering-request"),
    path("pdfs/<int:pk>/", RenderingDetailView.as_view(), name="rendering-detail"),
    path("pdfs/<int:pk>/retry/", RenderingRetryView.as_view(), name="rendering-retry"),
    path("pdfs/<int:pk>/download/", RenderingDownloadView.as_view(), name="rendering-download"),
]
