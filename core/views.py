"""Generic views the register's pages are built from.

Each app's views subclass these and name their model, form, filter,
selector and the one permission they need.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import FieldDoesNotExist
from django.db import IntegrityError, models, transaction
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import NoReverseMatch, reverse
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.views.generic import CreateView, DetailView, UpdateView
from django_filters.views import FilterView

from .history import history_entries
from .models import FormSubmission
from .roles import RoleRequiredMixin
from .versioning import StaleEditError


def record_breadcrumbs(obj: models.Model | None, last: str = "") -> list[tuple[str, str | None]]:
    """Home › <the model's list> › <the record> [› last], by the URL naming convention."""
    if obj is None:
        return []
    meta = obj._meta
    crumbs: list[tuple[str, str | None]] = []
    try:
        list_url = reverse(f"{meta.app_label}:{meta.model_name}-list")
    except NoReverseMatch:
        list_url = None
    if list_url:
        crumbs.append((str(meta.verbose_name_plural).capitalize(), list_url))
    crumbs.append((str(obj), obj.get_absolute_url() if last else None))
    if last:
        crumbs.append((last, None))
    return crumbs


def rebind_with_current_version(form: Any, form_class: Any, **form_kwargs: Any) -> Any:
    """The same submission bound again against the record as it now stands.

    After a stale save is refused, the form shown again must carry the
    current version, or saving again would be refused forever.
    """
    record = next(iter(form_kwargs.values()))
    data = form.data.copy()
    data["version"] = str(record.version)
    fresh = form_class(data, **form_kwargs)
    fresh.is_valid()
    return fresh


class PageMixin:
    """Title and breadcrumbs for the base layout."""

    title: str = ""
    breadcrumbs: list[tuple[str, str | None]] = []

    def get_title(self) -> str:
        return self.title

    def get_breadcrumbs(self) -> list[tuple[str, str | None]]:
        if self.breadcrumbs:
            return list(self.breadcrumbs)
        return record_breadcrumbs(getattr(self, "object", None), self.crumb_label)

    crumb_label: str = ""

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)  # type: ignore[misc]
        context.setdefault("title", self.get_title())
        context.setdefault("breadcrumbs", self.get_breadcrumbs())
        return context


class RegisterListView(RoleRequiredMixin, PageMixin, FilterView):
    """A filtered, sortable, paginated list. ``get_queryset`` calls a selector."""

    paginate_by = settings.PAGE_SIZE
    strict = False  # an invalid filter shows its errors over an unfiltered list

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        query.pop("page", None)
        context["query_without_page"] = query.urlencode()
        return context


class RegisterDetailView(RoleRequiredMixin, PageMixin, DetailView):
    pass


SUBMISSION_FIELD = "submission"
SUBMISSION_TOKEN = re.compile(r"[0-9a-f]{32}")


class RegisterCreateView(RoleRequiredMixin, PageMixin, CreateView):
    template_name = "components/form_page.html"
    success_message = "{object} was added."
    submit_label = "Save"
    # Fields a link may fill in, e.g. ?place=3 from the place page's "Record an approach".
    prefill_from_query: tuple[str, ...] = ()

    def get_initial(self) -> dict[str, Any]:
        initial = super().get_initial()
        for name in self.prefill_from_query:
            if name in self.request.GET:
                initial[name] = self.request.GET[name]
        return initial

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["submit_label"] = self.submit_label
        return context

    def get_form(self, form_class: Any = None) -> Any:
        form = super().get_form(form_class)
        # A token per form shown, so that sending it twice saves once.
        form.fields[SUBMISSION_FIELD] = forms.CharField(
            widget=forms.HiddenInput, required=False, max_length=64, initial=uuid.uuid4().hex
        )
        return form

    def save(self, form: Any) -> models.Model:
        """Saves the new record; apps override this to call a service."""
        return form.save()

    def post(self, request: Any, *args: Any, **kwargs: Any) -> HttpResponse:
        token = request.POST.get(SUBMISSION_FIELD, "").strip()
        if not SUBMISSION_TOKEN.fullmatch(token):
            # Not a token this app issued (absent, or tampered with): save as an ordinary form.
            return super().post(request, *args, **kwargs)
        try:
            with transaction.atomic():
                receipt = FormSubmission.objects.create(
                    token=token, user=request.user, path=request.path[:500]
                )
        except IntegrityError:
            return self.already_saved(token)
        response = super().post(request, *args, **kwargs)
        if response.status_code in (301, 302, 303):
            receipt.redirect_to = response["Location"][:500]
            receipt.save(update_fields=["redirect_to"])
        else:
            # The form came back with errors: the corrected form carries the same token.
            receipt.delete()
        return response

    def form_valid(self, form: Any) -> HttpResponse:
        self.object = self.save(form)
        messages.success(self.request, self.success_message.format(object=self.object))
        return self.redirect_after_save()

    def already_saved(self, token: str) -> HttpResponse:
        """The form was sent before: say so and go where the first save went."""
        earlier = FormSubmission.objects.filter(token=token, user=self.request.user).first()
        if earlier is None or not earlier.redirect_to:
            # Someone else's token, or one whose save failed: show a fresh form.
            messages.warning(self.request, "This form had already been sent. Nothing new was saved.")
            return redirect(self.request.get_full_path())
        messages.info(self.request, "This form had already been sent, so it was saved only once.")
        return redirect(earlier.redirect_to)

    def redirect_after_save(self) -> HttpResponse:
        return redirect(self.get_success_url())


class ConcurrencySafeUpdateView(RoleRequiredMixin, PageMixin, UpdateView):
    """An edit form that refuses to overwrite a colleague's newer save.

    The form carries the version the editor loaded. If the record has moved on
    the save is refused, the editor's typing stays in the form, and the message
    says who saved, when, and which fields they changed; saving again (now
    against the new version) is then the editor's informed choice.
    """

    template_name = "components/form_page.html"
    crumb_label = "Edit"
    success_message = "Your changes to {object} were saved."
    submit_label = "Save changes"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["submit_label"] = self.submit_label
        context["cancel_url"] = self.object.get_absolute_url()
        return context

    def save(self, form: Any) -> models.Model:
        return form.save()

    def form_valid(self, form: Any) -> HttpResponse:
        loaded_version = form.cleaned_data.get("version")
        try:
            with transaction.atomic():
                self.object = self.save(form)
        except StaleEditError:
            return self.refuse_stale(form, loaded_version)
        messages.success(self.request, self.success_message.format(object=self.object))
        from django.shortcuts import redirect

        return redirect(self.get_success_url())

    def refuse_stale(self, form: Any, loaded_version: int | None) -> HttpResponse:
        current = type(self.object)._default_manager.get(pk=self.object.pk)
        latest = current.history.select_related("history_user").order_by("-history_date").first()
        who, when = "A colleague", ""
        if latest is not None:
            if latest.history_user is not None:
                who = latest.history_user.get_full_name() or latest.history_user.get_username()
            moment = localtime(latest.history_date)
            when = f" at {date_format(moment, 'H:i')} on {date_format(moment, 'DATE_FORMAT')}"
        changed: list[str] = []
        loaded = current.history.filter(version=loaded_version).order_by("-history_date").first()
        if latest is not None and loaded is not None:
            delta = latest.diff_against(loaded, excluded_fields=["version"])
            for change in delta.changes:
                try:
                    changed.append(str(current._meta.get_field(change.field).verbose_name))
                except FieldDoesNotExist:
                    changed.append(change.field)
        what = f" They changed: {', '.join(sorted(changed))}." if changed else ""
        message = (
            f"{who} saved this record{when}, after you opened it.{what} "
            "Your changes have not been saved; they are still in the form below. "
            "Check them against the record as it now stands, then save again to keep them."
        )
        data = self.request.POST.copy()
        data["version"] = str(current.version)
        self.object = current
        kwargs = self.get_form_kwargs()
        kwargs.update(data=data, instance=current)
        fresh = self.get_form_class()(**kwargs)
        fresh.is_valid()
        fresh.add_error(None, message)
        return self.render_to_response(self.get_context_data(form=fresh, stale=True))


class HistoryView(RoleRequiredMixin, PageMixin, DetailView):
    """Who changed the record, when, and each field from what to what."""

    template_name = "components/history.html"
    crumb_label = "History"
    history_limit = 50

    def get_title(self) -> str:
        return f"History of {self.object}"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["entries"] = history_entries(self.object, limit=self.history_limit)
        context["history_limit"] = self.history_limit
        return context
