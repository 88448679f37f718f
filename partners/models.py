"""The twinning register: places, relationships and everyone around them."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.html import escape, format_html
from simple_history.models import HistoricalRecords

from core.links import record_url
from core.models import DueWhileOpen, kept_documents, named_user, status_log
from core.status import HasStatusFlow, StatusFlow
from core.text import date_range
from core.versioning import FieldConstraintErrorsMixin, VersionedModel


class Council(VersionedModel):
    """A home authority. One is this installation's own; others co-sign links."""

    name = models.CharField(max_length=150, unique=True)
    is_home = models.BooleanField(
        "this installation's council",
        default=False,
        help_text="The council that runs this installation. Only one can be.",
    )
    sectors = models.ManyToManyField(
        "Sector",
        blank=True,
        related_name="councils",
        verbose_name="economy's sectors",
        help_text="The sectors the council's economy rests on; partner discovery ranks places by them.",
    )
    history = HistoricalRecords(m2m_fields=[sectors])

    class Meta:
        ordering = ["-is_home", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_home"],
                condition=Q(is_home=True),
                name="council_only_one_home",
                violation_error_message="Another council is already this installation's own.",
            )
        ]

    def __str__(self) -> str:
        return self.name


class Sector(VersionedModel):
    """An industry used to compare economies: aerospace, rail, automotive…"""

    name = models.CharField(max_length=80, unique=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class PlaceKind(models.TextChoices):
    CITY = "city", "City"
    PROVINCE = "province", "Province"
    PREFECTURE = "prefecture", "Prefecture"
    REGION = "region", "Region"
    DISTRICT = "district", "District"
    OTHER = "other", "Other"


# The language a place's name in local script is written in, by its country: marked on
# the name in pages and PDFs so that it is drawn with the right glyphs (豊田市 as
# Japanese, not Chinese) and read out in its language rather than as English.
LOCAL_LANGUAGES = {"china": "zh-Hans", "japan": "ja", "germany": "de"}


def language_of(country: str) -> str:
    """The language names in local script are written in, in ``country``; empty if not known."""
    return LOCAL_LANGUAGES.get(country.strip().lower(), "")


def place_text(name: str, local_name: str) -> str:
    """A place's name, its name in local script beside it where they differ."""
    if local_name and local_name != name:
        return f"{name} ({local_name})"
    return name


def place_html(name: str, local_name: str, country: str) -> str:
    """A place's name as a page prints it: its name in local script marked with its
    language where the country's is known. For a place read without its record."""
    language = language_of(country) if local_name else ""
    if local_name and local_name != name and language:
        return format_html('{} (<span lang="{}">{}</span>)', name, language, local_name)
    return escape(place_text(name, local_name))


class Place(FieldConstraintErrorsMixin, VersionedModel):
    """A partner city, province or prefecture."""

    constraint_error_field = "name"

    name = models.CharField("English name", max_length=120)
    local_name = models.CharField(
        "name in local script",
        max_length=120,
        blank=True,
        help_text="As the place writes it, for example 西安市 or Osnabrück.",
    )
    country = models.CharField(max_length=80)
    # Text, not a link to another place: most provinces are not partners the council keeps
    # in its register, and officers need to say where Chengdu is without adding Sichuan.
    region = models.CharField(
        "region or province",
        max_length=120,
        blank=True,
        help_text="The province, prefecture or state it is in, for example Sichuan or Lower Saxony.",
    )
    kind = models.CharField(max_length=20, choices=PlaceKind.choices, default=PlaceKind.CITY)
    population = models.PositiveBigIntegerField(null=True, blank=True)
    sectors = models.ManyToManyField(Sector, blank=True, related_name="places")
    notes = models.TextField(blank=True)
    history = HistoricalRecords(m2m_fields=[sectors])

    class Meta:
        ordering = ["name"]
        # The places list, and relationships in their places' order, read a page from it.
        indexes = [models.Index(fields=["name", "id"], name="place_by_name")]
        constraints = [
            # Two places may share a name in one country (Suzhou in Jiangsu and in Anhui):
            # their regions tell them apart.
            models.UniqueConstraint(
                Lower("name"),
                Lower("country"),
                Lower("region"),
                name="place_unique_name_country_region",
                violation_error_message=(
                    "This place is already in the register for this country and region; "
                    "give the region or province if it is another place of the same name."
                ),
            )
        ]

    def __str__(self) -> str:
        return place_text(self.name, self.local_name)

    def __html__(self) -> str:
        """The place as a page prints it (``{{ place|marked }}``): its name in local script in its language."""
        return place_html(self.name, self.local_name, self.country)

    def get_absolute_url(self) -> str:
        return record_url("partners:place-detail", self.pk)

    @property
    def local_language(self) -> str:
        """The BCP 47 tag of the name in local script ("zh-Hans", "ja"); empty if not known."""
        return language_of(self.country) if self.local_name else ""

    def field_languages(self) -> dict[str, str]:
        """Its fields written in another language than the pages' (its history marks them)."""
        language = language_of(self.country)
        return {"local_name": language} if language else {}


class RelationshipKind(models.TextChoices):
    CIVIC = "civic", "Civic"
    EDUCATIONAL = "educational", "Educational"
    ECONOMIC = "economic", "Economic"
    FRIENDSHIP = "friendship", "Friendship"


KIND_LABELS = dict(RelationshipKind.choices)


class RelationshipStatus(models.TextChoices):
    APPROACH_RECEIVED = "approach_received", "Approach received"
    EXPLORING = "exploring", "Exploring"
    PROPOSED = "proposed", "Proposed"
    ACTIVE = "active", "Active"
    DORMANT = "dormant", "Dormant"
    ENDED = "ended", "Ended"


# The only moves a relationship's status may make. Ended is final: a link
# that is revived is a new relationship with its own history.
ALLOWED_TRANSITIONS: dict[str, tuple[str, ...]] = {
    RelationshipStatus.APPROACH_RECEIVED: (
        RelationshipStatus.EXPLORING,
        RelationshipStatus.PROPOSED,
        RelationshipStatus.ENDED,
    ),
    RelationshipStatus.EXPLORING: (RelationshipStatus.PROPOSED, RelationshipStatus.ENDED),
    RelationshipStatus.PROPOSED: (
        RelationshipStatus.ACTIVE,
        RelationshipStatus.EXPLORING,
        RelationshipStatus.ENDED,
    ),
    RelationshipStatus.ACTIVE: (RelationshipStatus.DORMANT, RelationshipStatus.ENDED),
    RelationshipStatus.DORMANT: (RelationshipStatus.ACTIVE, RelationshipStatus.ENDED),
    RelationshipStatus.ENDED: (),
}


ESTABLISHED_YEAR_MESSAGE = "The year established must be between 1900 and 2100."


def relationship_text(place_name: str, kind_label: str) -> str:
    """A relationship as it is named: its place and its kind ("Hefei – economic")."""
    return f"{place_name} – {kind_label.lower()}"


class RagRating(models.TextChoices):
    RED = "red", "Red"
    AMBER = "amber", "Amber"
    GREEN = "green", "Green"


class Relationship(HasStatusFlow, FieldConstraintErrorsMixin, VersionedModel):
    """A twinning, or a possible one, with one place."""

    constraint_error_field = "kind"
    status_flow = StatusFlow(RelationshipStatus, ALLOWED_TRANSITIONS, noun="A relationship")

    place = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="relationships")
    kind = models.CharField(max_length=20, choices=RelationshipKind.choices)
    status = models.CharField(
        max_length=20,
        choices=RelationshipStatus.choices,
        default=RelationshipStatus.APPROACH_RECEIVED,
    )
    councils = models.ManyToManyField(
        Council,
        blank=True,
        related_name="relationships",
        verbose_name="co-signing councils",
        help_text="The home authorities party to the link.",
    )
    established_year = models.PositiveSmallIntegerField(
        "year established",
        null=True,
        blank=True,
        validators=[
            MinValueValidator(1900, message=ESTABLISHED_YEAR_MESSAGE),
            MaxValueValidator(2100, message=ESTABLISHED_YEAR_MESSAGE),
        ],
        help_text="Leave blank if not known.",
    )
    lead_officer = named_user(related_name="led_relationships")
    rag = models.CharField("health (RAG)", max_length=5, choices=RagRating.choices, blank=True)
    next_review_on = models.DateField("next review", null=True, blank=True)
    narrative = models.TextField(blank=True)
    history = HistoricalRecords(m2m_fields=[councils])
    documents = kept_documents()

    class Meta:
        ordering = ["place__name", "kind"]
        # Reviews due, soonest first, on the officer's home page.
        indexes = [
            models.Index(
                fields=["next_review_on", "id"], condition=~Q(status="ended"), name="relationship_review_due"
            )
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["place", "kind"],
                condition=~Q(status="ended"),
                name="relationship_one_open_per_place_and_kind",
                violation_error_message=(
                    "This place already has a relationship of this kind that has not ended."
                ),
            ),
            models.CheckConstraint(
                condition=Q(established_year__isnull=True)
                | Q(established_year__gte=1900, established_year__lte=2100),
                name="relationship_established_year_plausible",
                violation_error_message=ESTABLISHED_YEAR_MESSAGE,
            ),
            models.CheckConstraint(
                condition=Q(status__in=RelationshipStatus.values),
                name="relationship_status_known",
            ),
        ]

    def __str__(self) -> str:
        # Named on every row of the lists that link to relationships: the kind's label is
        # looked up, not made afresh from the field's choices as get_kind_display() does.
        return relationship_text(self.place.name, KIND_LABELS.get(self.kind, self.kind))

    def get_absolute_url(self) -> str:
        return record_url("partners:relationship-detail", self.pk)

    def clean(self) -> None:
        # Also checked by a constraint; checked here so the message reaches the
        # kind field even when the form does not show the place (editing).
        if self.place_id and self.kind and self.status != RelationshipStatus.ENDED:
            clash = (
                Relationship.objects.filter(place_id=self.place_id, kind=self.kind)
                .exclude(status=RelationshipStatus.ENDED)
                .exclude(pk=self.pk)
            )
            if clash.exists():
                raise ValidationError(
                    {"kind": "This place already has a relationship of this kind that has not ended."}
                )


class RelationshipStatusChange(status_log(Relationship)):
    """One move of a relationship's status: who moved it, when, and why."""


class OrganisationKind(models.TextChoices):
    COMPANY = "company", "Company"
    GOVERNMENT = "government", "Government body"
    INDUSTRY_BODY = "industry_body", "Industry body"
    PARTNER_COUNCIL = "partner_council", "Partner council"
    EDUCATION = "education", "Education"
    OTHER = "other", "Other"


class Organisation(FieldConstraintErrorsMixin, VersionedModel):
    constraint_error_field = "name"

    name = models.CharField(max_length=150)
    kind = models.CharField(max_length=20, choices=OrganisationKind.choices)
    country = models.CharField(max_length=80, blank=True)
    website = models.URLField(blank=True)
    sectors = models.ManyToManyField(
        "Sector", blank=True, related_name="organisations", help_text="What the organisation works in."
    )
    notes = models.TextField(blank=True)
    history = HistoricalRecords(m2m_fields=[sectors])

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["name", "id"], name="organisation_by_name")]
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                name="organisation_unique_name",
                violation_error_message="An organisation with this name is already in the register.",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return record_url("partners:organisation-detail", self.pk)


class Stakeholder(VersionedModel):
    """An organisation's part in a relationship, in the council's words."""

    relationship = models.ForeignKey(Relationship, on_delete=models.CASCADE, related_name="stakeholders")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="stakeholdings")
    role = models.CharField(
        max_length=200,
        help_text="For example: joint venture with Xi'an Aerospace underpins the link.",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["organisation__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["relationship", "organisation"],
                name="stakeholder_once_per_relationship",
                violation_error_message="This organisation is already linked to this relationship.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation} – {self.role}"

    def clean(self) -> None:
        # The form does not show the relationship, so the unique constraint
        # would not be checked before saving; say it beside the organisation.
        if (
            self.relationship_id
            and self.organisation_id
            and Stakeholder.objects.filter(
                relationship_id=self.relationship_id, organisation_id=self.organisation_id
            )
            .exclude(pk=self.pk)
            .exists()
        ):
            raise ValidationError(
                {"organisation": "This organisation is already linked to this relationship."}
            )


class Contact(FieldConstraintErrorsMixin, VersionedModel):
    """A person, named or known by their post, usually at an organisation."""

    constraint_error_field = "name"

    name = models.CharField(max_length=120, blank=True, help_text="Leave blank if not known.")
    job_title = models.CharField(max_length=150, blank=True)
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="contacts",
    )
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    notes = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name", "job_title"]
        # Lists in this order read a page from the index, and so do lists sorted by it.
        indexes = [models.Index(fields=["name", "job_title", "id"], name="contact_by_name")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(name="") | ~Q(job_title=""),
                name="contact_has_name_or_title",
                violation_error_message="Give the contact's name, their job title, or both.",
            )
        ]

    def __str__(self) -> str:
        who = self.name or self.job_title
        if self.name and self.job_title:
            who = f"{self.name}, {self.job_title}"
        if self.organisation_id:
            return f"{who} ({self.organisation.name})"
        return who

    def get_absolute_url(self) -> str:
        return record_url("partners:contact-detail", self.pk)


class ApproachOutcome(models.TextChoices):
    PENDING = "pending", "Awaiting response"
    EXPLORING = "exploring", "Being explored"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    WITHDRAWN = "withdrawn", "Withdrawn by the place"


class Approach(DueWhileOpen, VersionedModel):
    """An approach from a place asking for a link, a visit or a meeting.

    Overdue when it still awaits our response after its respond-by date.
    """

    due_field, open_field = "respond_by", "outcome"
    open_values = (ApproachOutcome.PENDING, ApproachOutcome.EXPLORING)

    place = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="approaches")
    relationship = models.ForeignKey(
        Relationship,
        on_delete=models.PROTECT,
        related_name="approaches",
        editable=False,
    )
    received_on = models.DateField("received on", null=True, blank=True)
    via_organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="approaches_made_through",
        verbose_name="through organisation",
    )
    via_contact = models.ForeignKey(
        Contact,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="approaches_made_through",
        verbose_name="through contact",
    )
    request = models.TextField("what was asked")
    respond_by = models.DateField("respond by", null=True, blank=True)
    response = models.TextField("our response", blank=True)
    responded_on = models.DateField(null=True, blank=True)
    outcome = models.CharField(
        max_length=20, choices=ApproachOutcome.choices, default=ApproachOutcome.PENDING
    )
    history = HistoricalRecords()
    documents = kept_documents()

    class Meta:
        ordering = [models.F("received_on").desc(nulls_last=True), "-pk"]
        verbose_name_plural = "approaches"
        constraints = [
            models.CheckConstraint(
                condition=Q(respond_by__isnull=True)
                | Q(received_on__isnull=True)
                | Q(respond_by__gte=models.F("received_on")),
                name="approach_respond_by_after_received",
                violation_error_message="The respond-by date cannot be before the date received.",
            ),
            models.CheckConstraint(
                condition=Q(responded_on__isnull=True)
                | Q(received_on__isnull=True)
                | Q(responded_on__gte=models.F("received_on")),
                name="approach_responded_after_received",
                violation_error_message="The response cannot be dated before the approach.",
            ),
        ]

    def __str__(self) -> str:
        when = f" ({self.received_on:%B %Y})" if self.received_on else ""
        return f"Approach from {self.place.name}{when}"

    def get_absolute_url(self) -> str:
        return record_url("partners:approach-detail", self.pk)

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.received_on and self.respond_by and self.respond_by < self.received_on:
            errors["respond_by"] = "The respond-by date cannot be before the date received."
        if self.received_on and self.responded_on and self.responded_on < self.received_on:
            errors["responded_on"] = "The response cannot be dated before the approach."
        if (
            self.via_contact_id
            and self.via_organisation_id
            and self.via_contact.organisation_id not in (None, self.via_organisation_id)
        ):
            errors["via_contact"] = "This contact works for a different organisation."
        if errors:
            raise ValidationError(errors)


class ActionStatus(models.TextChoices):
    OPEN = "open", "Open"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


class Action(DueWhileOpen, VersionedModel):
    """A follow-up someone owns, such as a Cabinet recommendation to carry out."""

    due_field, open_field = "due_on", "status"
    open_values = (ActionStatus.OPEN, ActionStatus.IN_PROGRESS)

    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    relationship = models.ForeignKey(
        Relationship,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="actions",
        help_text="Leave blank for an action that concerns no single relationship.",
    )
    owner = named_user(related_name="owned_actions")
    due_on = models.DateField("due", null=True, blank=True)
    status = models.CharField(max_length=20, choices=ActionStatus.choices, default=ActionStatus.OPEN)
    source = models.CharField(
        max_length=120,
        blank=True,
        help_text="Where the action comes from, for example: Cabinet 9 September 2015, rec. 2.3.",
    )
    # The action's place in the to-do list: open before closed and, within each, dated before
    # undated. The database works it out and keeps it, so an index gives the list's order and a
    # page is read without sorting every action there is.
    list_rank = models.GeneratedField(
        expression=models.Case(
            models.When(status__in=open_values, due_on__isnull=False, then=0),
            models.When(status__in=open_values, then=1),
            models.When(due_on__isnull=False, then=2),
            default=3,
        ),
        output_field=models.PositiveSmallIntegerField(),
        db_persist=True,
    )
    history = HistoricalRecords(excluded_fields=["list_rank"])

    class Meta:
        ordering = [models.F("due_on").asc(nulls_last=True), "pk"]
        indexes = [models.Index(fields=["list_rank", "due_on", "id"], name="action_by_list_rank")]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=ActionStatus.values), name="action_status_known")
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return record_url("partners:action-detail", self.pk)


class ExchangeKind(models.TextChoices):
    EDUCATIONAL = "educational", "Educational exchange"
    SECONDMENT = "secondment", "Staff secondment"


class Exchange(VersionedModel):
    """An educational exchange or a staff secondment under a relationship."""

    relationship = models.ForeignKey(Relationship, on_delete=models.PROTECT, related_name="exchanges")
    kind = models.CharField(max_length=20, choices=ExchangeKind.choices)
    title = models.CharField(max_length=200)
    host = models.CharField(
        max_length=150, blank=True, help_text="Who hosts it, for example Derbyshire County Council."
    )
    starts_on = models.DateField("starts", null=True, blank=True)
    ends_on = models.DateField("ends", null=True, blank=True)
    duration_months = models.PositiveSmallIntegerField(
        "length in months", null=True, blank=True, help_text="When the dates are not known."
    )
    description = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = [models.F("starts_on").desc(nulls_last=True), "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True)
                | Q(starts_on__isnull=True)
                | Q(ends_on__gte=models.F("starts_on")),
                name="exchange_ends_after_start",
                violation_error_message="An exchange cannot end before it starts.",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return record_url("partners:exchange-detail", self.pk)

    @property
    def dates_text(self) -> str:
        if self.starts_on:
            return date_range(self.starts_on, self.ends_on)
        if self.duration_months:
            return f"{self.duration_months} months, dates not recorded"
        return "Not recorded"

    def clean(self) -> None:
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": "An exchange cannot end before it starts."})


class TriageCriterion(VersionedModel):
    """One of the council's criteria for judging an approach, with its weight.

    Kept as data by the Administrator (Django admin), so the council can change
    its criteria without a release; scores already given keep the criterion's
    name even if it is later retired.
    """

    name = models.CharField(max_length=120, unique=True)
    question = models.TextField(
        help_text="What the officer is asked, e.g. 'How far does its economy match Derby's?'"
    )
    weight = models.PositiveSmallIntegerField(
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
        help_text="1 (minor) to 10 (decisive).",
    )
    position = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField("in use", default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["position", "name"]
        verbose_name = "triage criterion"
        verbose_name_plural = "triage criteria"
        constraints = [
            models.CheckConstraint(
                condition=Q(weight__gte=1) & Q(weight__lte=10),
                name="triage_criterion_weight_1_to_10",
                violation_error_message="The weight must be from 1 to 10.",
            )
        ]

    def __str__(self) -> str:
        return self.name


class TriageScore(models.IntegerChoices):
    NONE = 0, "0 – not at all"
    WEAK = 1, "1 – weak"
    SOME = 2, "2 – some"
    FAIR = 3, "3 – fair"
    GOOD = 4, "4 – good"
    STRONG = 5, "5 – strong"


class ApproachScore(VersionedModel):
    """An officer's score of an approach against one criterion, with the reason."""

    approach = models.ForeignKey(Approach, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(TriageCriterion, on_delete=models.PROTECT, related_name="scores")
    score = models.PositiveSmallIntegerField(choices=TriageScore.choices)
    reason = models.TextField(help_text="Why this score: the evidence an options paper can quote.")
    scored_by = named_user()
    scored_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["criterion__position", "criterion__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["approach", "criterion"], name="approach_scored_once_per_criterion"
            ),
            models.CheckConstraint(
                condition=Q(score__gte=0) & Q(score__lte=5),
                name="approach_score_0_to_5",
                violation_error_message="A score is from 0 to 5.",
            ),
            models.CheckConstraint(
                condition=~Q(reason=""),
                name="approach_score_has_reason",
                violation_error_message="Give the reason for the score.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.criterion}: {self.score}"
