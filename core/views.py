"""The view toolkit every page of the app is built from.

- The role first, by construction: every view class names the permission it
  needs, and ``as_view()`` wraps the view so the check runs before the view
  is set up, let alone before any record is looked up. A view that names no
  permission cannot be built (say ``SIGNED_IN`` for pages open to anyone
  signed in).
- A model's list, detail, create, edit and history pages are declared once,
  in a :class:`RecordPages`; its ``urls()`` gives their URL patterns.
- Parts added on a record's page (a visit's participants, a report's
  paragraphs), status moves and decisions each have one view: the record's
  page is shown again with the form's errors beside its fields, nothing saved.
"""

from __future__ import annotations

import functools
import re
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured, PermissionDenied
from django.core.paginator import Paginator
from django.db import IntegrityError, models, transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path
from django.utils.formats import date_format
from django.utils.html import conditional_escape, format_html
from django.utils.timezone import localtime
from django.views import View
from django.views.generic import TemplateView
from django_filters.views import FilterView

from . import documents
from .forms import DocumentForm, StatusChangeForm
from .history import history_entries
from .links import record_url
from .models import FormSubmission
from .pagination import WHEN_SORTED, KeysFirstPaginator
from .status import RuleBroken
from .tables import Column
from .text import person_name
from .versioning import StaleEditError

Crumbs = list[tuple[str, str | None]]

# For pages any signed-in person may open, whatever their role (their home page, their settings).
SIGNED_IN: tuple[str, ...] = ()


READING = frozenset({"GET", "HEAD", "OPTIONS"})


def role_required(
    *permissions: str, hidden: bool = False
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Wraps a view so that a user without every one of ``permissions`` gets 403
    (404 when ``hidden``: not even that the page exists) before the view runs
    at all. The wrapped view says what it needs in ``required_permissions``.

    A request that may write (a form sent) runs in one transaction: all of it
    is saved or none. A page that only reads opens none.
    """

    def wrap(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @functools.wraps(view)
        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.has_perms(permissions):
                raise Http404 if hidden else PermissionDenied
            if request.method in READING:
                return view(request, *args, **kwargs)
            with transaction.atomic():
                return view(request, *args, **kwargs)

        guarded.required_permissions = permissions  # type: ignore[attr-defined]
        return guarded

    return wrap


class RoleRequired:
    """A view class that declares ``permission_required`` (one name or several).

    The check is made by the function ``as_view()`` returns, so no method of
    the view (``setup``, ``dispatch``, ``get_object``) runs for a user without
    the role. ``permission_required`` may also be given to ``as_view()``.
    """

    permission_required: str | Sequence[str] | None = None
    # Those without the role are told the page does not exist (404) rather than refused (403).
    hidden_from_others = False

    @classmethod
    def required_permissions(cls, initkwargs: dict[str, Any]) -> tuple[str, ...]:
        declared = initkwargs.get("permission_required", cls.permission_required)
        if declared is None:
            declared = cls.permission_by_default(initkwargs)
        if declared is None:
            raise ImproperlyConfigured(
                f"{cls.__name__} must say which permission it needs (permission_required), "
                "or SIGNED_IN for a page open to anyone signed in."
            )
        return (declared,) if isinstance(declared, str) else tuple(declared)

    @classmethod
    def permission_by_default(cls, initkwargs: dict[str, Any]) -> str | None:
        """The permission a kind of view needs when it names none (that of the model it writes)."""
        return None

    @classmethod
    def as_view(cls, **initkwargs: Any) -> Callable[..., HttpResponse]:
        view = super().as_view(**initkwargs)  # type: ignore[misc]
        return role_required(*cls.required_permissions(initkwargs), hidden=cls.hidden_from_others)(view)


def model_permission(action: str, model: type[models.Model]) -> str:
    """``app_label.action_model``: the permission to add, change, view or delete a model's records."""
    return f"{model._meta.app_label}.{action}_{model._meta.model_name}"


class PageMixin:
    """Title and breadcrumbs for the base layout."""

    title: str = ""
    breadcrumbs: Crumbs = []

    def get_title(self) -> str:
        return self.title

    def get_breadcrumbs(self) -> Crumbs:
        return list(self.breadcrumbs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)  # type: ignore[misc]
        context.setdefault("title", self.get_title())
        context.setdefault("breadcrumbs", self.get_breadcrumbs())
        return context


class Page(RoleRequired, PageMixin, TemplateView):
    """A page that shows what its ``context()`` reads (a title and breadcrumbs it works out
    there too, where they depend on what it read)."""

    def context(self) -> dict[str, Any]:
        return {}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(**{**kwargs, **self.context()})


# --- A model's pages, declared once ---------------------------------------------------------


class RecordPages:
    """The list, detail, create, edit and history pages of one model.

    Subclass and name its URL prefix and forms; the model is its form's, as a part's
    is (PartAddView), unless named. Override the hooks for what a page shows beyond
    the record. Permissions follow the model: ``view_`` for reading pages, ``add_``
    to create and ``change_`` to edit.
    """

    model: type[models.Model]  # the form's model by default
    url_prefix: str = ""  # "places": the pages live at places/, places/new/, places/<pk>/ ...
    url_name: str = ""  # the stem of the URL names, "place-list" ...; the model's name by default
    pages: tuple[str, ...] = ("list", "create", "detail", "update", "history")

    list_title: str = ""  # the model's plural name by default
    columns: tuple[Column, ...] = ()  # the list's columns (core/tables.py)
    empty_text = "Nothing matches."
    list_crumb: str = ""  # the list's name in breadcrumbs; list_title by default
    create_title: str = ""
    create_crumb: str = "Add"
    filterset_class: Any = None
    form_class: type[forms.ModelForm] | None = None
    create_form_class: type[forms.ModelForm] | None = None
    create_template: str = "components/form_page.html"
    # Fields a link may fill in on the create form, e.g. ?place=3 from the place page.
    prefill_from_query: tuple[str, ...] = ()
    created_message = "{record} was added."
    updated_message = "Your changes to {record} were saved."
    # The kinds of document (core.models.DocumentKind) kept with this model's records; none: no documents.
    document_kinds: tuple[str, ...] = ()

    def __init__(self) -> None:
        if not hasattr(self, "model"):
            if self.form_class is None:
                raise ImproperlyConfigured(
                    f"{type(self).__name__} names no model and has no form to take it from."
                )
            self.model = self.form_class._meta.model
        meta = self.model._meta
        self.app_label, self.model_name = meta.app_label, meta.model_name
        self.url_name = self.url_name or self.model_name
        self.list_title = self.list_title or str(meta.verbose_name_plural).capitalize()
        self.list_crumb = self.list_crumb or self.list_title

    # -- who may -----------------------------------------------------------------------
    def permission(self, action: str) -> str:
        return model_permission(action, self.model)

    # -- reading -----------------------------------------------------------------------
    # The app's selectors for the list and the record's page (the list's by default).
    list_selector: Callable[[], models.QuerySet] | None = None
    detail_selector: Callable[[], models.QuerySet] | None = None
    # Read a page's keys first, then its rows (core/pagination.py): for a list whose rows
    # carry sums of their children or an order no index gives, so that the database works
    # them out for one page of rows, not for every row before sorting. WHEN_SORTED: only
    # when the list is sorted by a column, its own order being an index's, which the
    # database reads up to the page asked for and stops, working the sums out for those
    # rows alone (the first page's 25, the tenth's 250).
    keys_first: bool | str = False

    def list_queryset(self) -> models.QuerySet:
        selector = type(self).list_selector
        return selector() if selector else self.model._default_manager.all()

    def detail_queryset(self) -> models.QuerySet:
        selector = type(self).detail_selector
        return selector() if selector else self.list_queryset()

    def get_record(self, pk: Any) -> models.Model:
        return get_object_or_404(self.detail_queryset(), pk=pk)

    def list_context(self, request: HttpRequest) -> dict[str, Any]:
        """What the list page shows beside the rows."""
        return {}

    def page_rows(self, rows: list[Any]) -> list[Any]:
        """One page of the list's rows, read: a list may add what its columns show from
        another table, read for these rows alone."""
        return rows

    def list_columns(self, request: HttpRequest) -> tuple[Column, ...]:
        """The list's columns; a page whose cells depend on the request builds them here."""
        return self.columns

    def detail_context(self, request: HttpRequest, record: Any) -> dict[str, Any]:
        """What the record's page shows beside the record (sections, its part forms)."""
        return {}

    def template(self, page: str) -> str:
        return f"{self.app_label}/{self.model_name}_{page}.html"

    def url(self, page: str, *args: Any) -> str:
        return record_url(f"{self.app_label}:{self.url_name}-{page}", *args)

    # -- naming ------------------------------------------------------------------------
    def record_title(self, record: Any) -> str:
        """The record's name as a page prints it: a place's name in local script is marked with
        its language (its ``__html__``), in headings and breadcrumbs alike."""
        return conditional_escape(record)

    def record_crumbs(self, record: Any) -> Crumbs:
        """Breadcrumbs down to the record, the record last with its address."""
        return [(self.list_crumb, self.url("list")), (self.record_title(record), record.get_absolute_url())]

    def detail_crumbs(self, record: Any) -> Crumbs:
        crumbs = self.record_crumbs(record)
        return [*crumbs[:-1], (crumbs[-1][0], None)]

    # -- writing -----------------------------------------------------------------------
    def form_kwargs(self, request: HttpRequest, record: Any | None) -> dict[str, Any]:
        """What the create (record None) and edit forms are made with beyond their data."""
        return {}

    def create(self, request: HttpRequest, form: Any) -> models.Model:
        """Saves a new record from a valid create form (apps call their service here)."""
        from .services import record_create

        return record_create(model=self.model, values=form.values())

    def update(self, request: HttpRequest, record: Any, form: Any) -> models.Model:
        """Saves a valid edit form; raises StaleEditError if a colleague saved in between."""
        from .services import record_update

        return record_update(record=record, values=form.values(), expected_version=form.loaded_version)

    def may_edit(self, request: HttpRequest, record: Any) -> bool:
        """Whether this user may edit this record, beyond their role (a decided budget line)."""
        return True

    def frozen_because(self, record: Any) -> str:
        """Why the record can no longer change (an approved report), or "" while it can."""
        return ""

    def refuse_frozen(self, request: HttpRequest, record: Any) -> HttpResponse | None:
        """Back to a frozen record's page, saying why, instead of a change to it."""
        reason = self.frozen_because(record)
        if not reason:
            return None
        messages.error(request, reason)
        return redirect(record)

    # -- the record's page, again, with a form sent back ----------------------------------
    def detail_page(
        self, request: HttpRequest, record: Any, *, status: int = 200, **given: Any
    ) -> HttpResponse:
        context = {
            "object": record,
            self.model_name: record,
            "title": self.record_title(record),
            "breadcrumbs": self.detail_crumbs(record),
            **self.detail_context(request, record),
            **given,
        }
        if self.document_kinds:
            context["documents"] = documents.section(self, request, record, form=given.get("document_form"))
        return render(request, self.template("detail"), context, status=status)

    # -- addresses ---------------------------------------------------------------------
    def urls(self) -> list[URLPattern]:
        prefix = f"{self.url_prefix}/" if self.url_prefix else ""
        routes = {
            "list": (prefix, RecordListView),
            "create": (f"{prefix}new/", RecordCreateView),
            "detail": (f"{prefix}<int:pk>/", RecordDetailView),
            "update": (f"{prefix}<int:pk>/edit/", RecordUpdateView),
            "history": (f"{prefix}<int:pk>/history/", RecordHistoryView),
        }
        patterns = [
            path(route, view.as_view(record_pages=self), name=f"{self.url_name}-{page}")
            for page, (route, view) in routes.items()
            if page in self.pages
        ]
        if self.document_kinds:
            patterns += [
                path(
                    f"{prefix}<int:pk>/documents/",
                    DocumentAddView.as_view(record_pages=self),
                    name=f"{self.url_name}-document-add",
                ),
                path(
                    f"{prefix}<int:pk>/documents/<int:document>/",
                    DocumentDownloadView.as_view(record_pages=self),
                    name=f"{self.url_name}-document",
                ),
                path(
                    f"{prefix}<int:pk>/documents/<int:document>/remove/",
                    DocumentRemoveView.as_view(record_pages=self),
                    name=f"{self.url_name}-document-remove",
                ),
            ]
        return patterns

    def part_urls(self, segment: str, name: str, **views: type[View]) -> list[URLPattern]:
        """The addresses of one kind of the record's parts (a visit's meetings).

        ``views`` are keyed by the last word of their URL names (``meeting-add``): the one
        that adds a part (``add`` or ``create``) is posted to at the record's own address,
        ``<prefix>/<pk>/<segment>/``; each other acts on one part, at ``<segment>/<pk>/<word>/``,
        the word being ``edit`` for a change or an update, ``remove`` for a removal or a
        deletion, and the name's own otherwise (``move``).
        """
        prefix = f"{self.url_prefix}/" if self.url_prefix else ""
        patterns = []
        for action, view in views.items():
            if action in ADDING:
                route = f"{prefix}<int:pk>/{segment}/"
            else:
                route = f"{segment}/<int:pk>/{PART_ROUTE_WORDS.get(action, action)}/"
            patterns.append(path(route, view.as_view(), name=f"{name}-{action}"))
        return patterns


# A part's addresses (RecordPages.part_urls): the URL names that add one, and the word in the
# address for the others whose name says it differently.
ADDING = {"add", "create"}
PART_ROUTE_WORDS = {"change": "edit", "update": "edit", "delete": "remove"}


class RecordView(RoleRequired, View):
    """One of a model's pages, configured by its RecordPages; needs the permission its action names."""

    action: ClassVar[str] = "view"
    record_pages: RecordPages = None  # type: ignore[assignment]  # given to as_view()

    @classmethod
    def permission_by_default(cls, initkwargs: dict[str, Any]) -> str | None:
        return initkwargs["record_pages"].permission(cls.action) if "record_pages" in initkwargs else None


class RecordListView(RecordView, FilterView):
    """A filtered, sortable, paginated list."""

    paginate_by = settings.PAGE_SIZE
    strict = False  # an invalid filter shows its errors over an unfiltered list

    def get_paginator(self, *args: Any, **kwargs: Any) -> Paginator:
        keys_first = self.record_pages.keys_first
        if keys_first == WHEN_SORTED:
            keys_first = bool(self.request.GET.get("ordering"))
        paginator = KeysFirstPaginator if keys_first else Paginator
        return paginator(*args, **kwargs)

    def get_queryset(self) -> models.QuerySet:
        return self.record_pages.list_queryset()

    def get_filterset_class(self) -> Any:
        return self.record_pages.filterset_class

    def get_template_names(self) -> list[str]:
        # A model whose list page adds to the common one has a template of its own.
        return [self.record_pages.template("list"), "components/list_page.html"]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        pages, request = self.record_pages, self.request
        query = request.GET.copy()
        query.pop("page", None)
        context["query_without_page"] = query.urlencode()
        context["object_list"] = pages.page_rows(list(context["object_list"]))
        context["title"] = pages.list_title
        context["breadcrumbs"] = []
        context["columns"] = pages.list_columns(request)
        context["empty_text"] = pages.empty_text
        if "create" in pages.pages and request.user.has_perm(pages.permission("add")):
            context["create_url"], context["create_label"] = pages.url("create"), pages.create_title
        context.update(pages.list_context(request))
        return context


class RecordDetailView(RecordView):
    http_method_names = ["get", "head", "options"]

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        pages = self.record_pages
        return pages.detail_page(request, pages.get_record(pk))


class RecordHistoryView(RecordView):
    """Who changed the record, when, and each field from what to what."""

    http_method_names = ["get", "head", "options"]
    history_limit = 50

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        pages = self.record_pages
        record = get_object_or_404(pages.model._default_manager, pk=pk)
        entries = history_entries(record, limit=self.history_limit)
        if pages.document_kinds:
            entries += documents.history_entries(record, limit=self.history_limit)
            entries = sorted(entries, key=lambda entry: entry.when, reverse=True)[: self.history_limit]
        context = {
            "object": record,
            "title": format_html("History of {}", pages.record_title(record)),
            "breadcrumbs": [*pages.record_crumbs(record), ("History", None)],
            "entries": entries,
            "history_limit": self.history_limit,
        }
        return render(request, "components/history.html", context)


# --- Forms: create once, edit without overwriting a colleague ----------------------------------

SUBMISSION_FIELD = "submission"
SUBMISSION_TOKEN = re.compile(r"[0-9a-f]{32}")


def submitted_token(request: HttpRequest) -> str:
    """The form's one-off token, or "" for one this app did not issue (absent, or tampered with)."""
    token = request.POST.get(SUBMISSION_FIELD, "").strip()
    return token if SUBMISSION_TOKEN.fullmatch(token) else ""


def take_token(request: HttpRequest, token: str) -> FormSubmission | None:
    """The token's receipt, taken now inside the caller's transaction, so that a second sending
    waits for the first to commit and then finds it taken; None if it was taken before."""
    try:
        with transaction.atomic():
            return FormSubmission.objects.create(token=token, user=request.user, path=request.path[:500])
    except IntegrityError:
        return None


def sent_before(request: HttpRequest) -> bool:
    """Whether the form was sent before (its token taken); if not, its token is taken now."""
    token = submitted_token(request)
    return bool(token) and take_token(request, token) is None


class FormPageView(RecordView):
    """A form page: shown, sent back with its errors beside the fields, or saved."""

    http_method_names = ["get", "post", "head", "options"]
    submit_label = "Save"

    def form(self, data: Any = None) -> Any:
        raise NotImplementedError

    def context(self) -> dict[str, Any]:
        raise NotImplementedError

    def template(self) -> str:
        return "components/form_page.html"

    def show(self, form: Any, status: int = 200) -> HttpResponse:
        context = {"form": form, "submit_label": self.submit_label, **self.context()}
        return render(self.request, self.template(), context, status=status)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self.show(self.form())

    stale_message = "Someone else saved this after you opened it; check it as it now stands and save again."

    def submit(
        self,
        form: Any,
        save: Callable[[Any], Any],
        message: str | Callable[[Any], str],
        then: Callable[[Any], Any] | None = None,
    ) -> HttpResponse:
        """Saves a valid form and goes to what was saved (or ``then`` of it), saying
        ``message`` ("{record} was added.", or worked out from the record).

        A form with errors, or refused by a rule of the register (said beside
        its field), or by a colleague's save in between, is shown again with
        what was typed; nothing is saved.
        """
        if not form.is_valid():
            return self.show(form)
        try:
            with transaction.atomic():
                record = save(form)
        except StaleEditError:
            return self.refuse_stale(form)
        except RuleBroken as refusal:
            form.add_error(refusal.field, refusal.message)
            return self.show(form)
        messages.success(
            self.request, message(record) if callable(message) else message.format(record=record)
        )
        return redirect(then(record) if then else record)

    def refuse_stale(self, form: Any) -> HttpResponse:
        form.add_error(None, self.stale_message)
        return self.show(form)


class SentOnce:
    """A form page that makes something new. Each form shown carries a one-off token, so
    sending it twice (a double click, a resend after a slow answer) saves once."""

    request: HttpRequest

    def with_submission_token(self, form: Any) -> Any:
        form.fields[SUBMISSION_FIELD] = forms.CharField(
            widget=forms.HiddenInput, required=False, max_length=64, initial=uuid.uuid4().hex
        )
        return form

    def once(self, request: HttpRequest, save: Callable[[], HttpResponse]) -> HttpResponse:
        """``save()``'s answer the first time this form is sent; where it went, after."""
        token = submitted_token(request)
        if not token:  # not a token this app issued: saved as an ordinary form
            return save()
        receipt = take_token(request, token)
        if receipt is None:
            return self.already_saved(token)
        response = save()
        if response.status_code in (301, 302, 303):
            receipt.redirect_to = response["Location"][:500]
            receipt.save(update_fields=["redirect_to"])
        else:
            # The form came back with errors: the corrected form carries the same token.
            receipt.delete()
        return response

    def already_saved(self, token: str) -> HttpResponse:
        """The form was sent before: say so and go where the first save went."""
        earlier = FormSubmission.objects.filter(token=token, user=self.request.user).first()
        if earlier is None or not earlier.redirect_to:
            # Someone else's token, or one whose save failed: show a fresh form.
            messages.warning(self.request, "This form had already been sent. Nothing new was saved.")
            return redirect(self.request.get_full_path())
        messages.info(self.request, "This form had already been sent, so it was saved only once.")
        return redirect(earlier.redirect_to)


class RecordCreateView(SentOnce, FormPageView):
    """A new record, saved once however often its form is sent."""

    action = "add"

    def form(self, data: Any = None) -> Any:
        pages = self.record_pages
        initial = {
            name: self.request.GET[name] for name in pages.prefill_from_query if name in self.request.GET
        }
        form = (pages.create_form_class or pages.form_class)(
            data, initial=initial, **pages.form_kwargs(self.request, None)
        )
        return self.with_submission_token(form)

    def context(self) -> dict[str, Any]:
        pages = self.record_pages
        return {
            "title": pages.create_title,
            "breadcrumbs": [(pages.list_crumb, pages.url("list")), (pages.create_crumb, None)],
            "cancel_url": pages.url("list"),
        }

    def template(self) -> str:
        return self.record_pages.create_template

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self.once(request, lambda: self.save(request))

    def save(self, request: HttpRequest) -> HttpResponse:
        pages = self.record_pages
        return self.submit(
            self.form(request.POST), lambda form: pages.create(request, form), pages.created_message
        )


class RecordUpdateView(FormPageView):
    """An edit form that refuses to overwrite a colleague's newer save.

    The form carries the version the editor loaded. If the record has moved on
    the save is refused, the editor's typing stays in the form, and the message
    says who saved, when, and which fields they changed; saving again (now
    against the new version) is then the editor's informed choice.
    """

    action = "change"
    submit_label = "Save changes"

    def setup(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        super().setup(request, *args, **kwargs)
        self.record = self.record_pages.get_record(kwargs["pk"])

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not self.record_pages.may_edit(request, self.record):
            raise PermissionDenied
        return self.record_pages.refuse_frozen(request, self.record) or super().dispatch(
            request, *args, **kwargs
        )

    def form_class(self) -> Any:
        return self.record_pages.form_class

    def form(self, data: Any = None) -> Any:
        return self.form_class()(
            data, instance=self.record, **self.record_pages.form_kwargs(self.request, self.record)
        )

    def context(self) -> dict[str, Any]:
        pages = self.record_pages
        return {
            "object": self.record,
            "title": format_html("Edit {}", pages.record_title(self.record)),
            "breadcrumbs": [*pages.record_crumbs(self.record), ("Edit", None)],
            "cancel_url": self.record.get_absolute_url(),
        }

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        pages = self.record_pages
        return self.submit(
            self.form(request.POST),
            lambda form: pages.update(request, self.record, form),
            pages.updated_message,
        )

    def refuse_stale(self, form: Any) -> HttpResponse:
        self.record = type(self.record)._default_manager.get(pk=self.record.pk)
        return self.show(typed_again(self.request, self.record, form.loaded_version, self.form))


def typed_again(
    request: HttpRequest,
    current: Any,
    loaded_version: int | None,
    build: Callable[[Any], Any],
    *,
    version_field: str = "version",
) -> Any:
    """The form (made by ``build``) again with what the editor typed, saying who saved the
    record after they opened it; sent again, it is measured against ``current``, the record
    as it now stands (``version_field`` is the form's version field, with its prefix)."""
    data = request.POST.copy()
    data[version_field] = str(current.version)
    form = build(data)
    form.is_valid()
    form.add_error(None, stale_edit_message(current, loaded_version))
    return form


def stale_edit_message(current: Any, loaded_version: int | None) -> str:
    """Who saved the record after the editor opened it, when, and which fields they changed."""
    latest = current.history.select_related("history_user").order_by("-history_date").first()
    who, when = "A colleague", ""
    if latest is not None:
        if latest.history_user is not None:
            who = person_name(latest.history_user)
        moment = localtime(latest.history_date)
        when = f" at {date_format(moment, 'H:i')} on {date_format(moment, 'DATE_FORMAT')}"
    changed: list[str] = []
    loaded = current.history.filter(version=loaded_version).order_by("-history_date").first()
    if latest is not None and loaded is not None:
        for change in latest.diff_against(loaded, excluded_fields=["version"]).changes:
            try:
                changed.append(str(current._meta.get_field(change.field).verbose_name))
            except FieldDoesNotExist:
                changed.append(change.field)
    what = f" They changed: {', '.join(sorted(changed))}." if changed else ""
    return (
        f"{who} saved this record{when}, after you opened it.{what} "
        "Your changes have not been saved; they are still in the form below. "
        "Check them against the record as it now stands, then save again to keep them."
    )


# --- Forms on a record's page ------------------------------------------------------------------


class RecordSection:
    """A view whose answer to htmx is one section of a record's page, shown again."""

    record_pages: RecordPages = None  # type: ignore[assignment]  # declared, or given to as_view()
    section_template = ""  # for htmx: the section to swap in

    def section(self, request: HttpRequest, record: Any, **given: Any) -> HttpResponse | None:
        """The section alone, for htmx; None when the whole page is wanted."""
        if not (getattr(request, "htmx", False) and self.section_template):
            return None
        pages = self.record_pages
        fresh = pages.get_record(record.pk)
        context = {"object": fresh, pages.model_name: fresh, **pages.detail_context(request, fresh), **given}
        return render(request, self.section_template, context)

    def done(self, request: HttpRequest, record: Any, message: str, *, refused: bool = False) -> HttpResponse:
        """The record's page (or, for htmx, its section) saying what was done, or ``refused``."""
        given = {"section_message": message, "section_refused": refused}
        if (shown := self.section(request, record, **given)) is not None:
            return shown
        (messages.warning if refused else messages.success)(request, message)
        return redirect(record)


class RecordPostView(RecordSection, RoleRequired, View):
    """A form on a record's page, posted to an address of its own.

    On success: a message and back to the record (or, for htmx, the section
    shown again); on bad input the record's page again, the form's errors
    beside its fields, status 400, nothing saved. Subclasses name the
    permission, the record's pages, and ``handle``.
    """

    http_method_names = ["post"]
    form_name = ""  # the context name the record's page shows the form under
    # Whether the form changes the record itself, and so is refused once the record is frozen.
    changes_record = True

    def record_for(self, pk: int) -> Any:
        """The record whose page the form is on, from the posted address."""
        return self.record_pages.get_record(pk)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        record = self.record_for(pk)
        if self.changes_record and (refused := self.record_pages.refuse_frozen(request, record)):
            return refused
        return self.handle(request, record)

    def handle(self, request: HttpRequest, record: Any) -> HttpResponse:
        raise NotImplementedError

    def refused(self, request: HttpRequest, record: Any, form: Any) -> HttpResponse:
        # htmx swaps only successful responses: there the errors travel as a 200.
        shown = self.section(request, record, **{self.form_name: form})
        if shown is not None:
            return shown
        return self.record_pages.detail_page(request, record, status=400, **{self.form_name: form})


ALREADY_ADDED = "This form had already been sent, so it was added only once."


class PartAddView(RecordPostView):
    """Adds a part to a record from a form on its page (a participant to a visit).

    By default the part is the form's model, saved with its link to the record
    (``parent_field``) and told in ``added`` ("{part} was added ..."); ``add``
    may call a service instead.
    """

    form_class: Any = None
    parent_field = ""  # the part's link to its record; by default the record's model name
    added = "{part} was added."

    @classmethod
    def permission_by_default(cls, initkwargs: dict[str, Any]) -> str | None:
        return model_permission("add", initkwargs.get("form_class", cls.form_class)._meta.model)

    def setup(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        super().setup(request, *args, **kwargs)
        self.parent_field = self.parent_field or self.record_pages.model_name
        self.form_name = self.form_name or f"{self.form_class._meta.model._meta.model_name}_form"

    def handle(self, request: HttpRequest, record: Any) -> HttpResponse:
        form = self.form_class(request.POST, **self.form_kwargs(record))
        if form.is_valid():
            try:
                with transaction.atomic():
                    # Sent twice (a double click): added once, the token taken with it.
                    message = ALREADY_ADDED if sent_before(request) else self.add(request, record, form)
            except RuleBroken as refusal:
                form.add_error(refusal.field, refusal.message)
            else:
                return self.done(request, record, message)
        return self.refused(request, record, form)

    def form_kwargs(self, record: Any) -> dict[str, Any]:
        return {self.parent_field: record} if self.parent_field else {}

    def add(self, request: HttpRequest, record: Any, form: Any) -> str:
        """Saves the part; returns what to tell the user."""
        from .services import record_create

        part = record_create(model=form._meta.model, values={**form.values(), self.parent_field: record})
        return self.added.format(part=part, record=record)


# Nothing is removed on one press (WCAG 3.3.4): a "Remove" link leads to the question first, and
# only its "Yes, remove it", sending this field, removes.
REMOVAL_CONFIRMED = "confirmed"


def removal_confirmed(request: HttpRequest) -> bool:
    return request.method == "POST" and request.POST.get(REMOVAL_CONFIRMED) == "yes"


@dataclass
class Removal:
    """The question asked before something is removed, on a page of its own or in its row.

    ``quoted`` shows what goes where its name alone would not say (a paragraph's words),
    ``consequence`` what else removing it does, ``back_url`` where "No, keep it" leads.
    In place, ``pk`` names the part whose row asks and ``hx_target`` the section swapped.
    The question is sent to the address it was asked at, carrying the ``version`` it showed.
    """

    question: str
    back_url: str
    consequence: str = ""
    quoted: str = ""
    version: int | None = None
    pk: Any = None
    hx_target: str = ""
    # Sent with the answer, so that a second press, once the thing is gone, leads back to its record.
    record_pk: Any = None
    confirmed_field: str = REMOVAL_CONFIRMED


def removal_shown_version(request: HttpRequest, current: int | None) -> int | None:
    """The version of the thing as the page the person pressed Remove on showed it (its link
    says, ``?version=``), else as it is now."""
    shown = request.GET.get("version", "")
    return int(shown) if shown.isdigit() else current


def gone_from(request: HttpRequest) -> int | None:
    """The record a removal answered from names, when the thing is no longer there."""
    record = request.POST.get("record", "")
    return int(record) if record.isdigit() else None


def confirm_removal(request: HttpRequest, removal: Removal, *, record: Any, crumbs: Crumbs) -> HttpResponse:
    """The page asking whether to remove something from ``record``."""
    context = {
        "title": removal.question,
        "breadcrumbs": [*crumbs, ("Remove", None)],
        "record": record,
        "record_noun": record._meta.verbose_name,
        "removal": removal,
    }
    return render(request, "components/confirm_remove.html", context)


class PartRemoveView(RecordSection, RoleRequired, View):
    """Removes a part of a record (entered in error) once the person has confirmed it, and goes
    back to the record, saying so in ``removed``. The address shows the confirmation page."""

    part_model: type[models.Model]
    parent_field = ""  # the part's link to its record; by default the record's model name
    # The confirmation page's question and what else removing it does: "{part}" and "{record}"
    # are filled in, as they are in ``removed``.
    question = "Remove “{part}”?"
    consequence = ""
    # The id of the record page's section of such parts, where "No, keep it" goes back to; with a
    # ``section_template`` too, the question is asked in place there with htmx.
    anchor = ""
    removed = "{part} was removed."
    stale_removal = "{part} was changed by someone else after you opened the page, so it was not removed. It now stands as shown; remove it again if it should go."
    gone = "That was removed already: someone may have removed it first."

    @classmethod
    def permission_by_default(cls, initkwargs: dict[str, Any]) -> str | None:
        return model_permission("delete", initkwargs.get("part_model", cls.part_model))

    def part_and_record(self, pk: int, *, locked: bool = False) -> tuple[Any, Any]:
        """The part and its record, read together; ``locked``, the part's row is held until the
        request's transaction ends (a colleague's change waits, or is waited for)."""
        parent = self.parent_field or self.record_pages.model_name
        parts = self.part_model._default_manager.select_related(parent)
        if locked:
            parts = parts.select_for_update(of=("self",))
        part = get_object_or_404(parts, pk=pk)
        return part, getattr(part, parent)

    def words(self, text: str, part: Any, record: Any) -> str:
        return text.format(part=part, record=record)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        part, record = self.part_and_record(pk)
        if refused := self.record_pages.refuse_frozen(request, record):
            return refused
        if "keep" not in request.GET:
            try:
                self.may_remove(part, record)
            except RuleBroken as refusal:  # told now, not after saying "Yes, remove it"
                return self.done(request, record, refusal.message, refused=True)
        return self.confirmation(request, part, record)

    def confirmation(self, request: HttpRequest, part: Any, record: Any) -> HttpResponse:
        """The question, in the part's row of its section for htmx (or, with ``?keep``, the
        section as it was, focus back on the part's Remove link); else on a page of its own."""
        removal = Removal(
            question=self.words(self.question, part, record),
            back_url=record.get_absolute_url() + (f"#{self.anchor}" if self.anchor else ""),
            consequence=self.words(self.consequence, part, record),
            version=removal_shown_version(request, getattr(part, "version", None)),
            pk=part.pk,
            hx_target=f"#{self.anchor}",
            record_pk=record.pk,
        )
        kept = request.method == "GET" and "keep" in request.GET
        given = {"focus_removal": part.pk} if kept else {"removal": removal}
        if (shown := self.section(request, record, **given)) is not None:
            return shown
        return confirm_removal(
            request, removal, record=record, crumbs=self.record_pages.record_crumbs(record)
        )

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        try:
            part, record = self.part_and_record(pk, locked=True)  # while it is checked and removed
        except Http404:
            if (record_pk := gone_from(request)) is None:
                raise
            return self.done(request, self.record_pages.get_record(record_pk), self.gone, refused=True)
        if refused := self.record_pages.refuse_frozen(request, record):
            return refused
        if not removal_confirmed(request):
            return self.confirmation(request, part, record)
        shown = request.POST.get("version", "")
        if shown.isdigit() and int(shown) != getattr(part, "version", int(shown)):
            # A colleague changed it after this page showed it: nothing is removed unseen.
            return self.done(request, record, self.words(self.stale_removal, part, record), refused=True)
        try:
            self.remove(part)
        except RuleBroken as refusal:
            return self.done(request, record, refusal.message, refused=True)
        return self.done(request, record, self.words(self.removed, part, record))

    def may_remove(self, part: Any, record: Any) -> None:
        """Refuses (RuleBroken) before asking, where the record needs the part; ``remove`` checks
        again as it removes."""

    def remove(self, part: Any) -> None:
        """Removes the part; an app's service may refuse (RuleBroken) where its record needs it."""
        part.delete()


class StatusChangeView(RecordPostView):
    """Moves a record along one of its allowed moves, recording who, when and why.

    ``move`` is the app's service (``record``, ``to_status``, ``note``, ``by``,
    ``expected_version``). A colleague's move in between is not overwritten:
    the form comes back against the record as it now stands, saying so. A
    fixed ``to_status`` (given to ``as_view()``) makes the page's one move
    ("Approve the report"), under its own permission.
    """

    form_class: type[StatusChangeForm] = StatusChangeForm
    form_name = "status_form"
    changes_record = False  # the status flow says which moves a record may still make
    to_status = ""
    move: Callable[..., Any] = None  # type: ignore[assignment]  # given to as_view() or declared
    # What to say once moved: "{record}", "{status}" (its label) and "{status_lower}" are filled in.
    done = "{record} is now {status}."

    @classmethod
    def permission_by_default(cls, initkwargs: dict[str, Any]) -> str | None:
        return initkwargs.get("record_pages", cls.record_pages).permission("change")

    stale = ""  # what to say when a colleague moved the record first, if not the usual

    @property
    def stale_message(self) -> str:
        noun = self.record_pages.model._meta.verbose_name
        return self.stale or (
            f"Someone else changed this {noun} after you opened it. It now stands as shown; decide again."
        )

    def handle(self, request: HttpRequest, record: Any) -> HttpResponse:
        form = self.form_class(request.POST, record=record, to_status=self.to_status)
        if form.is_valid():
            try:
                with transaction.atomic():
                    self.move(
                        record=record,
                        to_status=form.cleaned_data["to_status"],
                        note=form.cleaned_data["note"],
                        by=request.user,
                        expected_version=form.cleaned_data["version"],
                    )
            except StaleEditError:
                record = self.record_for(record.pk)
                form = form.with_current_version(record)
                form.add_error(None, self.stale_message)
            except RuleBroken as refusal:
                form.add_refusal(refusal)
            else:
                return self.moved(request, self.record_for(record.pk))
        return self.refused(request, record, form)

    def moved(self, request: HttpRequest, record: Any) -> HttpResponse:
        messages.success(request, self.done_message(record))
        return redirect(record)

    def done_message(self, record: Any) -> str:
        status = record.status_flow.label(record.current_status)
        return self.done.format(record=record, status=status, status_lower=status.lower())


# --- Documents kept with a record (core/documents.py) -------------------------------------------


class DocumentAddView(RecordPostView):
    """Attaches a file to the record, checked first (size, type by content, viruses); refused
    beside the field with nothing kept. Not to a record that can no longer change."""

    form_name = "document_form"

    @classmethod
    def permission_by_default(cls, initkwargs: dict[str, Any]) -> str | None:
        return initkwargs["record_pages"].permission("change")

    def handle(self, request: HttpRequest, record: Any) -> HttpResponse:
        form = DocumentForm(request.POST, request.FILES, kinds=self.record_pages.document_kinds)
        if not form.is_valid():
            return self.refused(request, record, form)
        with transaction.atomic():
            if sent_before(request):  # a double click: the file was kept the first time
                return documents.back_to_documents(request, record, ALREADY_ADDED)
            document = documents.attach(record=record, by=request.user, **form.values())
        return documents.back_to_documents(request, record, documents.attached_message(document))


class DocumentDownloadView(RecordView):
    """One of the record's documents, as an attachment."""

    http_method_names = ["get", "head", "options"]

    def get(self, request: HttpRequest, pk: int, document: int) -> HttpResponse:
        pages = self.record_pages
        record = pages.get_record(pk)
        return documents.download(documents.document_of(record, document))


class DocumentRemoveView(RecordView):
    """Removes one of the record's documents (attached in error, or no longer to be kept), once
    the person has confirmed it; the address shows the confirmation page."""

    action = "change"

    def found(self, request: HttpRequest, pk: int, document: int) -> tuple[Any, Any, HttpResponse | None]:
        """The record, its document, or the answer instead (frozen, or the document gone)."""
        pages = self.record_pages
        record = pages.get_record(pk)
        if refused := pages.refuse_frozen(request, record):
            return record, None, refused
        found = documents.documents_of(record).filter(pk=document).first()
        if found is None:  # a second press, or a colleague's removal in between
            return record, None, documents.back_to_documents(request, record, documents.GONE, warning=True)
        return record, found, None

    def get(self, request: HttpRequest, pk: int, document: int) -> HttpResponse:
        record, found, answer = self.found(request, pk, document)
        return answer or self.confirmation(request, record, found)

    def confirmation(self, request: HttpRequest, record: Any, document: Any) -> HttpResponse:
        removal = Removal(
            question=f"Remove the document “{document.title}”?",
            back_url=f"{record.get_absolute_url()}#documents",
            consequence=f"Its file, {document.file_name}, is deleted with it.",
        )
        return confirm_removal(
            request, removal, record=record, crumbs=self.record_pages.record_crumbs(record)
        )

    def post(self, request: HttpRequest, pk: int, document: int) -> HttpResponse:
        record, found, answer = self.found(request, pk, document)
        if answer:
            return answer
        if not removal_confirmed(request):
            return self.confirmation(request, record, found)
        documents.remove(found)
        return documents.back_to_documents(request, record, documents.removed_message(found))
