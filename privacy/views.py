"""The privacy pages: the retention review, erasure and subject access; each under its own
permission, given by default to the Administrator alone (core/roles.py)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views import View

from core.status import RuleBroken
from core.views import Page, RoleRequired

from . import services
from .forms import KeepForm, PersonForm, ReasonForm
from .kinds import KINDS, is_removal
from .models import Erasure, PersonalKind, RetentionReview, RetentionRule, ReviewOutcome

REVIEW = "privacy.review_retention"
ERASE = "privacy.erase_personal_data"
SUBJECT_ACCESS = "privacy.subject_access"


class RetentionView(Page):
    """What has passed its retention date, kind by kind, for someone to erase or keep."""

    permission_required = REVIEW
    template_name = "privacy/retention.html"
    title = "Personal data past its retention date"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        pending = list(
            RetentionReview.objects.filter(outcome=ReviewOutcome.PENDING).order_by("kind", "due_on", "pk")
        )
        rules = {rule.kind: rule for rule in RetentionRule.objects.all()}
        context["groups"] = [
            {
                "kind": kind,
                "rule": rules.get(kind.value),
                "counted_from": KINDS[kind.value].counted_from,
                "reviews": [review for review in pending if review.kind == kind.value],
            }
            for kind in PersonalKind
        ]
        context["erasures"] = Erasure.objects.select_related("by")[:20]
        context["may_erase"] = self.request.user.has_perm(ERASE)
        return context


class ReviewDecisionView(RoleRequired, View):
    """Erase the listed record, or keep it for a while, saying why."""

    permission_required = REVIEW
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        review = get_object_or_404(RetentionReview, pk=pk)
        if review.outcome != ReviewOutcome.PENDING:
            messages.warning(request, services.ALREADY_DECIDED)
            return redirect("privacy:retention")
        if request.POST.get("decision") == "erase":
            if not request.user.has_perm(ERASE):
                messages.error(
                    request, "Erasing needs the permission to erase personal data: ask the Administrator."
                )
                return redirect("privacy:retention")
            return redirect("privacy:erase", kind=review.kind, pk=review.object_id)
        form = KeepForm(request.POST)
        if form.is_valid():
            try:
                review = services.keep(
                    review,
                    by=request.user,
                    reason=form.cleaned_data["reason"],
                    months=form.cleaned_data["months"],
                )
            except RuleBroken as refusal:
                messages.warning(request, refusal.message)
                return redirect("privacy:retention")
            messages.success(
                request, f"{review.label} is kept, and will be listed again on {review.keep_until:%-d %B %Y}."
            )
            return redirect("privacy:retention")
        messages.error(request, "Say why it is kept, and for how many months (1 to 120).")
        return redirect("privacy:retention")


class EraseView(RoleRequired, View):
    """What an erasure will replace in one record and its history; done once the reason is given."""

    permission_required = ERASE
    http_method_names = ["get", "post", "head", "options"]

    def setup(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        super().setup(request, *args, **kwargs)
        if kwargs["kind"] not in KINDS:
            raise Http404
        self.kind = KINDS[kwargs["kind"]]

    def show(self, request: HttpRequest, record: Any, form: ReasonForm, status: int = 200) -> HttpResponse:
        fields = [self.kind.model._meta.get_field(name) for name in self.kind.identity]
        context = {
            "title": f"Erase {self.kind.label(record)}",
            "breadcrumbs": [("Personal data", reverse("privacy:retention")), ("Erase", None)],
            "kind": self.kind,
            "record": record,
            "fields": [(str(f.verbose_name).capitalize(), getattr(record, f.name)) for f in fields],
            "removed": is_removal(record),
            "history_rows": self.kind.model.history.filter(id=record.id).count()
            if hasattr(self.kind.model, "history")
            else 0,
            "form": form,
            # A colleague's decision to keep it for now, which erasing would go against: said first.
            "kept": RetentionReview.objects.filter(
                kind=self.kind.key,
                object_id=record.id,
                outcome=ReviewOutcome.KEPT,
                keep_until__gte=timezone.localdate(),
            )
            .select_related("decided_by")
            .first(),
        }
        return render(request, "privacy/erase.html", context, status=status)

    def record(self, pk: int) -> Any:
        """The record, or the last of its history once it was removed from the register."""
        record = self.kind.record_or_removed(pk)
        if record is None:
            raise Http404
        return record

    def get(self, request: HttpRequest, kind: str, pk: int) -> HttpResponse:
        return self.show(request, self.record(pk), ReasonForm())

    def post(self, request: HttpRequest, kind: str, pk: int) -> HttpResponse:
        record = self.record(pk)
        form = ReasonForm(request.POST)
        if form.is_valid():
            try:
                erasure = services.erase(
                    kind=kind, object_id=pk, by=request.user, reason=form.cleaned_data["reason"]
                )
            except RuleBroken as refusal:
                form.add_error(refusal.field, refusal.message)
            else:
                rows = f"{erasure.history_rows} history row{'s' if erasure.history_rows != 1 else ''}"
                where = rows if is_removal(record) else f"the record and {rows}"
                messages.success(request, f"The details were erased (E{erasure.pk}) from {where}.")
                return redirect("privacy:retention")
        return self.show(request, record, form, status=400)


class SubjectAccessView(Page):
    """Whom to look for; then what the register holds on them, and the archive to download.

    The search is sent by POST, so that a person's name never stands in an address (nor in
    the web server's log of addresses); "Download the archive" sends it again with the same
    form, and the answer is the archive.
    """

    permission_required = SUBJECT_ACCESS
    template_name = "privacy/subject_access.html"
    title = "Subject access: what the register holds on a person"
    http_method_names = ["get", "post", "head", "options"]

    def get_breadcrumbs(self) -> list[tuple[str, str | None]]:
        return [("Personal data", reverse("privacy:retention")), ("Subject access", None)]

    def context(self) -> dict[str, Any]:
        return {"form": PersonForm()}

    def post(self, request: HttpRequest) -> HttpResponse:
        form = PersonForm(request.POST)
        if not form.is_valid():
            return self.render_to_response({**self.get_context_data(), "form": form}, status=400)
        found = services.find_person(form.cleaned_data["name"], form.cleaned_data["email"])
        if request.POST.get("download") is None:
            return self.render_to_response({**self.get_context_data(), "form": form, "found": found})
        content = services.archive(found, reference=form.cleaned_data["reference"], by=request.user)
        response = HttpResponse(content, content_type="application/zip")
        stamp = timezone.localdate().isoformat()
        response["Content-Disposition"] = f'attachment; filename="subject-access-{stamp}.zip"'
        response["Cache-Control"] = "private, no-store"
        return response
