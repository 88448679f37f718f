"""Pages of the twinning register, declared with core's toolkit; a selector or service does the work."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from operator import attrgetter
from typing import Any

from django.contrib import messages
from django.contrib.humanize.templatetags.humanize import intcomma
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.html import format_html
from django.views import View

from core.forms import RecordForm, StatusChangeForm
from core.models import DocumentKind
from core.pagination import WHEN_SORTED
from core.services import record_create
from core.tables import NONE, Column, badge, day, due, label_of, link, or_none, record_link, with_local_name
from core.text import first_words, long_date, person_name
from core.views import SUBMISSION_FIELD, Crumbs, PartAddView, PartRemoveView, RecordPages, RoleRequired

from . import extensions, filters, forms, selectors, services
from .models import (
    Approach,
    Contact,
    Organisation,
    Place,
    Relationship,
    Stakeholder,
)

# What an officer may have typed in the approach form, carried back to it after an
# organisation or contact is added from within it.
APPROACH_TYPED = (
    "place",
    "new_place_name",
    "new_place_local_name",
    "new_place_country",
    "new_place_region",
    "new_place_kind",
    "relationship_kind",
    "received_on",
    "via_organisation",
    "via_contact",
    "request",
    "respond_by",
    SUBMISSION_FIELD,  # the form's one-off token: the approach is saved once, however it came back
)
# The session's drafts of approach forms, by token: a few, for a few open tabs.
DRAFTS_KEY, DRAFTS_KEPT = "approach_drafts", 5


class PlacePages(RecordPages):
    url_prefix = "places"
    create_title = "Add a place"
    filterset_class = filters.PlaceFilter
    form_class = forms.PlaceForm
    empty_text = "No places match."
    columns = (
        Column("Place", lambda p: link(p.get_absolute_url(), p.name), sort="name"),
        Column(
            "Local name",
            attrgetter("local_name"),
            css=lambda p: "local-name",
            lang=attrgetter("local_language"),
        ),
        Column("Region or province", lambda p: or_none(p.region), sort="region"),
        Column("Country", attrgetter("country"), sort="country"),
        Column("Kind", label_of("kind"), sort="kind"),
        Column(
            "Population", lambda p: "" if p.population is None else intcomma(p.population), sort="population"
        ),
        Column("Sectors", lambda p: ", ".join(map(str, p.sector_list))),
        Column("Open relationships", attrgetter("relationship_count"), numeric=True),
    )
    list_selector = selectors.place_list
    detail_selector = selectors.place_detail

    def record_crumbs(self, record: Place) -> Crumbs:
        return [(self.list_crumb, self.url("list")), (record.name, record.get_absolute_url())]

    def detail_context(self, request: HttpRequest, record: Place) -> dict[str, Any]:
        return {
            "timeline": selectors.place_timeline(record),
            **selectors.place_related(record),
            "extra_sections": extensions.sections_for(extensions.place_sections, record, request.user),
        }


_rag_label = label_of("rag")


class RelationshipPages(RecordPages):
    url_prefix = "relationships"
    document_kinds = (
        DocumentKind.AGREEMENT,
        DocumentKind.MEMORANDUM,
        DocumentKind.LETTER,
        DocumentKind.NOTES,
        DocumentKind.PHOTOGRAPH,
        DocumentKind.OTHER,
    )
    create_title = "Add a relationship"
    filterset_class = filters.RelationshipFilter
    form_class = forms.RelationshipForm
    columns = (
        Column(
            "Place",
            lambda r: with_local_name(
                r.get_absolute_url(), r.place, f"({r.get_kind_display().lower()} relationship)"
            ),
            sort="place",
        ),
        Column("Kind", label_of("kind"), sort="kind"),
        Column("Status", label_of("status"), sort="status"),
        Column("Councils", lambda r: ", ".join(r.council_names) or NONE),
        Column("Established", lambda r: or_none(r.established_year), sort="established"),
        Column("Lead officer", lambda r: person_name(r.lead_officer) if r.lead_officer else NONE),
        Column("Health", lambda r: badge(f"rag-{r.rag}", _rag_label(r)) if r.rag else "Not rated"),
        Column("Next review", lambda r: day(r.next_review_on), sort="review"),
    )
    prefill_from_query = ("place",)
    list_selector = selectors.relationship_list
    detail_selector = selectors.relationship_detail

    def page_rows(self, rows: list[Relationship]) -> list[Relationship]:
        return selectors.with_council_names(rows)

    def record_crumbs(self, record: Relationship) -> Crumbs:
        return [
            (self.list_crumb, self.url("list")),
            (record.place.name, record.place.get_absolute_url()),
            (record.get_kind_display(), record.get_absolute_url()),
        ]

    def detail_context(self, request: HttpRequest, record: Relationship) -> dict[str, Any]:
        return {
            "status_form": StatusChangeForm(record=record),
            "stakeholder_form": forms.StakeholderForm(relationship=record),
            "extra_sections": extensions.sections_for(extensions.relationship_sections, record, request.user),
            "extra_links": extensions.links_for(record, request.user),
        }

    def create(self, request: HttpRequest, form: Any) -> Relationship:
        return services.relationship_create(values=form.values(), by=request.user)


def _unnamed_contact_words(contact: Contact) -> str:
    """Read out after "Name not recorded": the post and organisation that tell the contact apart."""
    who = "" if contact.name else str(contact)
    return f"({who})" if who else ""


def _approach_words(approach: Approach) -> str:
    """Read out after the place's name, to tell its approaches apart."""
    if approach.received_on:
        return f"(approach received {long_date(approach.received_on)})"
    return "(approach, date not recorded)"


class ApproachPages(RecordPages):
    url_prefix = "approaches"
    document_kinds = (DocumentKind.LETTER, DocumentKind.BRIEFING, DocumentKind.NOTES, DocumentKind.OTHER)
    create_title = "Record an approach"
    create_crumb = "Record"
    create_template = "partners/approach_form.html"
    created_message = "{record} was recorded."
    filterset_class = filters.ApproachFilter
    form_class = forms.ApproachForm
    create_form_class = forms.ApproachCreateForm
    prefill_from_query = ("place", "via_organisation")
    # Each row's triage score is a sum over its scores; newest first is an index's order.
    keys_first = WHEN_SORTED

    def form_kwargs(self, request: HttpRequest, record: Approach | None) -> dict[str, Any]:
        # Back from adding an organisation or contact without JavaScript: the form as it was typed.
        token = request.GET.get("draft", "")
        if record is None and request.method == "GET" and token:
            draft = request.session.get(DRAFTS_KEY, {}).get(token)
            if isinstance(draft, dict):
                return {"draft": draft}
        return {}

    def list_queryset(self) -> QuerySet:
        # Newest first unless sorted; "Triage score" ranks them by their weighted totals.
        return selectors.approaches_ranked().order_by(*Approach._meta.ordering)

    detail_selector = selectors.approach_list

    def list_columns(self, request: HttpRequest) -> tuple[Column, ...]:
        maximum = selectors.triage_maximum()
        today = timezone.localdate()
        return (
            Column(
                "Place",
                lambda a: with_local_name(a.get_absolute_url(), a.place, _approach_words(a)),
                sort="place",
            ),
            Column("Received", lambda a: day(a.received_on, "Not recorded"), sort="received"),
            Column("Through", lambda a: a.via_contact or a.via_organisation or NONE),
            Column("What was asked", lambda a: first_words(a.request, 15)),
            Column("Respond by", lambda a: due(a.respond_by, a.is_overdue_on(today)), sort="respond_by"),
            Column("Outcome", label_of("outcome"), sort="outcome"),
            Column(
                "Triage score",
                lambda a: f"{a.triage_total} of {maximum}" if a.triage_scored else "Not scored",
                sort="triage",
            ),
        )

    def detail_context(self, request: HttpRequest, record: Approach) -> dict[str, Any]:
        return {"triage": selectors.approach_triage(record)}

    def create(self, request: HttpRequest, form: Any) -> Approach:
        # Recorded, its drafts are done with: the form typed is not offered again.
        sent = request.POST.get(SUBMISSION_FIELD)
        drafts = request.session.get(DRAFTS_KEY)
        if sent and drafts:
            request.session[DRAFTS_KEY] = {
                token: draft for token, draft in drafts.items() if draft.get(SUBMISSION_FIELD) != sent
            }
        return services.approach_record(
            values=form.values(),
            new_place=form.new_place(),
            relationship_kind=form.cleaned_data["relationship_kind"],
            by=request.user,
        )


class OrganisationPages(RecordPages):
    url_prefix = "organisations"
    create_title = "Add an organisation"
    filterset_class = filters.OrganisationFilter
    form_class = forms.OrganisationForm
    columns = (
        Column("Organisation", lambda o: link(o.get_absolute_url(), o.name), sort="name"),
        Column("Kind", label_of("kind"), sort="kind"),
        Column("Country", lambda o: or_none(o.country), sort="country"),
        Column("Contacts", attrgetter("contact_count"), numeric=True),
        Column("Relationships", attrgetter("relationship_count"), numeric=True),
    )
    list_selector = selectors.organisation_list
    detail_selector = selectors.organisation_detail


class ContactPages(RecordPages):
    url_prefix = "contacts"
    create_title = "Add a contact"
    filterset_class = filters.ContactFilter
    form_class = forms.ContactForm
    columns = (
        Column(
            "Name",
            lambda c: link(c.get_absolute_url(), c.name or "Name not recorded", _unnamed_contact_words(c)),
            sort="name",
        ),
        Column("Job title", lambda c: or_none(c.job_title), sort="job_title"),
        Column(
            "Organisation",
            lambda c: record_link(c.organisation, c.organisation and c.organisation.name),
            sort="organisation",
        ),
        Column(
            "Email",
            lambda c: format_html('<a href="mailto:{}">{}</a>', c.email, c.email) if c.email else NONE,
        ),
        Column("Phone", lambda c: or_none(c.phone)),
    )
    prefill_from_query = ("organisation",)
    list_selector = selectors.contact_list
    detail_selector = selectors.contact_detail


class ActionPages(RecordPages):
    url_prefix = "actions"
    create_title = "Add an action"
    filterset_class = filters.ActionFilter
    form_class = forms.ActionForm
    prefill_from_query = ("relationship",)
    list_selector = selectors.action_list
    keys_first = WHEN_SORTED  # open first, soonest due first, is an index's order (list_rank)

    def list_columns(self, request: HttpRequest) -> tuple[Column, ...]:
        today = timezone.localdate()
        return (
            Column("Action", lambda a: link(a.get_absolute_url(), a.title), sort="title"),
            Column("Place", lambda a: record_link(a.relationship), sort="place"),
            Column("Owner", lambda a: person_name(a.owner) if a.owner else "Not assigned"),
            Column("Due", lambda a: due(a.due_on, a.is_overdue_on(today)), sort="due"),
            Column("Status", label_of("status"), sort="status"),
            Column("Source", lambda a: or_none(a.source)),
        )


class ExchangePages(RecordPages):
    url_prefix = "exchanges"
    list_title = "Exchanges and secondments"
    list_crumb = "Exchanges"
    create_title = "Add an exchange or secondment"
    filterset_class = filters.ExchangeFilter
    form_class = forms.ExchangeForm
    columns = (
        Column("Title", lambda e: link(e.get_absolute_url(), e.title), sort="title"),
        Column("Kind", label_of("kind")),
        Column("Relationship", lambda e: record_link(e.relationship), sort="place"),
        Column("Host", lambda e: or_none(e.host)),
        Column("Dates", attrgetter("dates_text"), sort="starts"),
    )
    prefill_from_query = ("relationship",)
    list_selector = selectors.exchange_list


places = PlacePages()
relationships = RelationshipPages()
approaches = ApproachPages()
organisations = OrganisationPages()
contacts = ContactPages()
actions = ActionPages()
exchanges = ExchangePages()


class StakeholderAddView(PartAddView):
    """Links an organisation to a relationship, with the part it plays."""

    record_pages = relationships
    form_class = forms.StakeholderForm
    added = "{part.organisation} was linked to {record}."


class StakeholderRemoveView(PartRemoveView):
    part_model, record_pages = Stakeholder, relationships
    anchor = "stakeholders"
    question = "Remove {part.organisation} from the organisations involved in {record}?"
    removed = "{part.organisation} is no longer linked to {record}."


def _typed(data: Mapping[str, Any]) -> dict[str, str]:
    """What was typed in the approach form and its in-place forms, as strings."""
    return {
        name: str(value)
        for name, value in data.items()
        if name in APPROACH_TYPED or name.startswith(forms.IN_PLACE_PREFIXES)
    }


class ApproachContactChoicesView(RoleRequired, View):
    """The approach forms' contact select, offering the chosen organisation's contacts;
    htmx asks for it each time the organisation changes."""

    permission_required = "partners.view_contact"
    http_method_names = ["get", "head", "options"]

    def get(self, request: HttpRequest) -> HttpResponse:
        chosen = {name: request.GET.get(name, "")[:20] for name in ("via_organisation", "via_contact")}
        form = forms.ApproachCreateForm(initial=chosen)
        return render(request, "partners/_approach_contact_field.html", {"form": form})


class ApproachInPlaceAddView(RoleRequired, View):
    """Adds an organisation or a contact from within the approach form and chooses it
    there, keeping everything typed in the form.

    The in-place form's button sits in the approach form. With htmx only the
    form's "through" part comes back, the new record chosen in it. Without
    JavaScript the whole approach form is posted here: the record is added and
    the officer is sent back to the approach form as they typed it (kept in
    their session), the new record chosen. Bad input shows the in-place form
    again with its errors beside its fields, and adds nothing.
    """

    http_method_names = ["post"]
    form_class: type[RecordForm]
    in_place = ""  # the approach form's attribute holding the in-place form

    def form(self, data: Any = None) -> RecordForm:
        return self.form_class(data)

    def add(self, form: Any, approach_form: forms.ApproachCreateForm) -> tuple[Model, dict[str, str]]:
        """Saves the new record; returns it and what the approach form now has chosen."""
        raise NotImplementedError

    def post(self, request: HttpRequest) -> HttpResponse:
        typed = _typed(request.POST)
        form = self.form(request.POST)
        if form.is_valid():
            record, chosen = self.add(form, forms.ApproachCreateForm(initial=typed))
            # The in-place form is emptied; the rest of the approach form stays as typed.
            kept = {name: value for name, value in typed.items() if not name.startswith(f"{form.prefix}-")}
            message = f"{record} was added and chosen."
            if request.htmx:
                return self.through(forms.ApproachCreateForm(initial={**kept, **chosen}), message)
            messages.success(request, message)
            return redirect(f"{approaches.url('create')}?draft={self.keep_draft({**kept, **chosen})}")
        approach_form = forms.ApproachCreateForm(initial=typed)
        setattr(approach_form, self.in_place, form)
        if request.htmx:
            return self.through(approach_form)
        context = {
            "form": approach_form,
            "title": approaches.create_title,
            "breadcrumbs": [(approaches.list_crumb, approaches.url("list")), (approaches.create_crumb, None)],
            "cancel_url": approaches.url("list"),
        }
        return render(request, approaches.create_template, context)

    def through(self, approach_form: forms.ApproachCreateForm, message: str = "") -> HttpResponse:
        context = {"form": approach_form, "through_message": message}
        return render(self.request, "partners/_approach_through.html", context)

    def keep_draft(self, typed: dict[str, str]) -> str:
        """Keeps the form as typed in the session (not the address: what was asked can be
        long), under a token the approach form's address carries."""
        token = uuid.uuid4().hex
        drafts = dict(list(self.request.session.get(DRAFTS_KEY, {}).items())[-(DRAFTS_KEPT - 1) :])
        drafts[token] = typed
        self.request.session[DRAFTS_KEY] = drafts
        return token


class ApproachOrganisationAddView(ApproachInPlaceAddView):
    permission_required = "partners.add_organisation"
    form_class = forms.NewOrganisationForm
    in_place = "new_organisation"

    def add(self, form: Any, approach_form: forms.ApproachCreateForm) -> tuple[Model, dict[str, str]]:
        organisation = record_create(model=Organisation, values=form.values())
        return organisation, {"via_organisation": str(organisation.pk), "via_contact": ""}


class ApproachContactAddView(ApproachInPlaceAddView):
    permission_required = "partners.add_contact"
    form_class = forms.NewContactForm
    in_place = "new_contact"

    def add(self, form: Any, approach_form: forms.ApproachCreateForm) -> tuple[Model, dict[str, str]]:
        # At the organisation chosen in the approach form, so that it is one of its contacts.
        organisation = approach_form.chosen_organisation()
        contact = record_create(model=Contact, values={**form.values(), "organisation": organisation})
        return contact, {"via_contact": str(contact.pk)}


class ApproachTriageView(RoleRequired, View):
    """Score an approach against the council's criteria, each with its reason."""

    permission_required = "partners.add_approachscore"
    template_name = "partners/approach_triage.html"

    def setup(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        super().setup(request, *args, **kwargs)
        self.approach = get_object_or_404(selectors.approach_list(), pk=kwargs["pk"])
        self.criteria = selectors.active_criteria()

    def form(self, data: Any = None) -> forms.ApproachTriageForm:
        current = selectors.approach_scores(self.approach)
        form = forms.ApproachTriageForm(data, criteria=self.criteria, current=current)
        if data is None:
            form.initial["scored_as"] = selectors.scored_as(self.approach)
        return form

    def render(self, form: Any) -> HttpResponse:
        context = {
            "form": form,
            "approach": self.approach,
            "title": f"Score the {self.approach}",
            "breadcrumbs": [*approaches.record_crumbs(self.approach), ("Score", None)],
            "maximum": selectors.triage_maximum(self.criteria),
        }
        return render(self.request, self.template_name, context)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self.render(self.form())

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = self.form(request.POST)
        if not form.is_valid():
            return self.render(form)
        with transaction.atomic():
            Approach.objects.select_for_update().filter(pk=self.approach.pk).first()
            if form.cleaned_data["scored_as"] != selectors.scored_as(self.approach):
                messages.error(
                    request,
                    "Someone else scored this approach while you had this page open. Their scores are "
                    "shown on the approach; yours are below, not saved. Check them and save again.",
                )
                fresh = self.form(request.POST)
                fresh.is_valid()
                fresh.data = fresh.data.copy()
                fresh.data["scored_as"] = selectors.scored_as(self.approach)
                return self.render(fresh)
            try:
                services.approach_score(
                    approach=self.approach,
                    scores=[services.ScoreGiven(c, score, reason) for c, score, reason in form.given()],
                    by=request.user,
                )
            except ValidationError as refused:
                by_name = {c.name: c.pk for c in self.criteria}
                for name, problems in refused.message_dict.items():
                    form.add_error(f"score_{by_name[name]}" if name in by_name else None, problems)
                return self.render(form)
        messages.success(request, f"The scores of the {self.approach} were saved.")
        return redirect(self.approach)
