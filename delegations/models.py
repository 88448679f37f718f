"""Delegation visits in and out: who took part, whom they met, what they cost,
and the gifts and hospitality register."""

from __future__ import annotations

import secrets
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.db.models.lookups import LessThanOrEqual
from django.utils import timezone
from simple_history.models import HistoricalRecords

from core.links import record_url
from core.models import kept_documents, named_user, status_log
from core.status import HasStatusFlow, StatusFlow
from core.templatetags.twinning_format import gbp
from core.text import date_range
from core.versioning import FieldConstraintErrorsMixin, VersionedModel
from partners.models import Action, Organisation, Relationship

MONEY = {"max_digits": 12, "decimal_places": 2}
PENNY = Decimal("0.01")
# The most a money field (twelve digits, two of them pence) holds: no sum in the register is larger.
LARGEST_SUM = Decimal("9999999999.99")
LARGEST_QUANTITY = Decimal("999999.99")


class Direction(models.TextChoices):
    INBOUND = "inbound", "Inbound (to us)"
    OUTBOUND = "outbound", "Outbound (from us)"


class Purpose(models.TextChoices):
    EXPLORATORY = "exploratory", "Exploratory"
    TRADE = "trade", "Trade"
    CIVIC = "civic", "Civic"
    EDUCATIONAL = "educational", "Educational"
    FOLLOW_UP = "follow_up", "Follow-up"


class VisitStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    CONFIRMED = "confirmed", "Confirmed"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"


# Completed and cancelled are final: a visit that is re-planned after being
# cancelled is a new visit, so the record of the cancellation stands.
VISIT_TRANSITIONS: dict[str, tuple[str, ...]] = {
    VisitStatus.PROPOSED: (VisitStatus.CONFIRMED, VisitStatus.CANCELLED),
    VisitStatus.CONFIRMED: (VisitStatus.COMPLETED, VisitStatus.PROPOSED, VisitStatus.CANCELLED),
    VisitStatus.COMPLETED: (),
    VisitStatus.CANCELLED: (),
}


class Funder(models.TextChoices):
    COUNCIL = "council", "The council"
    FCO = "fco", "Foreign and Commonwealth Office"
    PARTNER = "partner", "The partner"
    COMPANY = "company", "A company"
    # For visits recorded after the fact where nobody now knows who paid.
    NOT_RECORDED = "not_recorded", "Not recorded"


class Visit(HasStatusFlow, FieldConstraintErrorsMixin, VersionedModel):
    """A delegation visit under a relationship: inbound to us or outbound from us."""

    constraint_error_field = "ends_on"
    status_flow = StatusFlow(VisitStatus, VISIT_TRANSITIONS, noun="A visit")

    relationship = models.ForeignKey(Relationship, on_delete=models.PROTECT, related_name="visits")
    direction = models.CharField(max_length=10, choices=Direction.choices)
    purpose = models.CharField(max_length=20, choices=Purpose.choices)
    title = models.CharField(max_length=200)
    starts_on = models.DateField("starts", null=True, blank=True, help_text="Leave blank if not known.")
    ends_on = models.DateField("ends", null=True, blank=True)
    dates_are_approximate = models.BooleanField(
        "dates are approximate",
        default=False,
        help_text="Tick when only the month or year is known; the dates are then shown as approximate.",
    )
    location = models.CharField("where", max_length=200, blank=True)
    status = models.CharField(max_length=10, choices=VisitStatus.choices, default=VisitStatus.PROPOSED)
    lead_officer = named_user(related_name="led_visits")
    # Who is expected to pay before anything is priced, and the first choice for each cost
    # item; once a visit has cost items, they say who pays what (selectors.who_pays).
    funder = models.CharField(
        "who pays",
        max_length=12,
        choices=Funder.choices,
        default=Funder.COUNCIL,
        help_text="Until its costs are itemised: each cost item then says who pays it.",
    )
    funder_organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="funded_visits",
        verbose_name="paying organisation",
        help_text="Name the organisation when the FCO, the partner or a company pays.",
    )
    party_size = models.PositiveSmallIntegerField(
        "number expected to travel",
        null=True,
        blank=True,
        validators=[MinValueValidator(1, message="A party has at least one person.")],
        help_text="For planning before the participants are known.",
    )
    outcomes = models.TextField(blank=True)
    actual_cost = models.DecimalField(
        "actual cost (£)",
        **MONEY,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"), message="A cost cannot be negative.")],
        help_text="What the visit cost in the end, once known.",
    )
    history = HistoricalRecords()
    documents = kept_documents()

    class Meta:
        ordering = [F("starts_on").desc(nulls_last=True), "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True)
                | Q(starts_on__isnull=True)
                | Q(ends_on__gte=F("starts_on")),
                name="visit_ends_after_start",
                violation_error_message="A visit cannot end before it starts.",
            ),
            models.CheckConstraint(condition=Q(status__in=VisitStatus.values), name="visit_status_known"),
            models.CheckConstraint(
                condition=Q(actual_cost__isnull=True) | Q(actual_cost__gte=0),
                name="visit_actual_cost_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return record_url("delegations:visit-detail", self.pk)

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            errors["ends_on"] = "A visit cannot end before it starts."
        if self.funder == Funder.COMPANY and self.funder_organisation_id is None:
            errors["funder_organisation"] = "Name the company that pays."
        if errors:
            raise ValidationError(errors)

    @property
    def dates_text(self) -> str:
        """When, as the pages say it: "About September 2015" for dates not yet fixed."""
        if self.starts_on is None:
            return "Not recorded"
        if self.dates_are_approximate:
            return f"About {self.starts_on:%B %Y}"
        return date_range(self.starts_on, self.ends_on)

    @property
    def nights(self) -> int | None:
        if self.starts_on and self.ends_on:
            return (self.ends_on - self.starts_on).days
        return None

    @property
    def is_overseas_travel(self) -> bool:
        return self.direction == Direction.OUTBOUND


class VisitStatusChange(status_log(Visit)):
    """One move of a visit's status: who, when and why."""


class ParticipantRole(models.TextChoices):
    MEMBER = "member", "Elected Member"
    OFFICER = "officer", "Officer"
    BUSINESS = "business", "Business"
    PARTNER_OFFICIAL = "partner_official", "Partner official"
    CONSULAR = "consular", "Consular"


class Participant(FieldConstraintErrorsMixin, VersionedModel):
    """Someone who went or came, or a group when the names are not recorded."""

    constraint_error_field = "name"

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="participants")
    name = models.CharField(max_length=150)
    role = models.CharField(max_length=20, choices=ParticipantRole.choices)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="visit_participants"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["role", "name", "pk"]
        constraints = [
            models.UniqueConstraint(
                "visit",
                Lower("name"),
                name="participant_once_per_visit",
                violation_error_message="This person is already a participant in this visit.",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        # The form does not show the visit, so check the constraint here too.
        if (
            self.visit_id
            and self.name
            and Participant.objects.filter(visit_id=self.visit_id, name__iexact=self.name.strip())
            .exclude(pk=self.pk)
            .exists()
        ):
            raise ValidationError({"name": "This person is already a participant in this visit."})


class Meeting(VersionedModel):
    """An organisation met during a visit, and what came of it."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="meetings")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="visit_meetings")
    held_on = models.DateField("when", null=True, blank=True)
    outcome = models.TextField("what came of it", blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = [F("held_on").asc(nulls_last=True), "pk"]

    def __str__(self) -> str:
        return f"Meeting with {self.organisation}"

    def clean(self) -> None:
        visit = self.visit if self.visit_id else None
        within = visit is None or not (self.held_on and visit.starts_on and visit.ends_on)
        if not within and not visit.starts_on <= self.held_on <= visit.ends_on:
            raise ValidationError({"held_on": "The meeting must fall within the visit's dates."})


class CostCategory(models.TextChoices):
    TRAVEL = "travel", "Travel"
    ACCOMMODATION = "accommodation", "Accommodation"
    SUBSISTENCE = "subsistence", "Subsistence"
    CIVIC_GIFTS = "civic_gifts", "Civic gifts"
    PRESENTATION = "presentation", "Presentation materials"
    OTHER = "other", "Other"


def too_much_message(what: str, total: Decimal, check: str = "the quantity and the unit cost") -> str:
    return f"{what} comes to {gbp(total)}; a cost item can come to at most {gbp(LARGEST_SUM)}. Check {check}."


class CostItem(VersionedModel):
    """One line of a visit's estimate: quantity x unit cost, and who pays it."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="cost_items")
    category = models.CharField(max_length=20, choices=CostCategory.choices)
    description = models.CharField(max_length=200, blank=True)
    quantity = models.DecimalField(
        max_digits=8,
        decimal_places=2,
        validators=[MinValueValidator(PENNY, message="The quantity must be more than zero.")],
        help_text="For example 16 for four people for four nights.",
    )
    unit_cost = models.DecimalField(
        "unit cost (£)",
        **MONEY,
        validators=[MinValueValidator(Decimal("0"), message="A cost cannot be negative.")],
    )
    funder = models.CharField("who pays", max_length=12, choices=Funder.choices)
    history = HistoricalRecords()

    class Meta:
        ordering = ["category", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="cost_item_quantity_positive"),
            models.CheckConstraint(condition=Q(unit_cost__gte=0), name="cost_item_unit_cost_not_negative"),
            # A cost item's total is a sum of money like any other, and quoted as one
            # (the visit's estimate, an options paper): no more than a money field holds.
            models.CheckConstraint(
                condition=LessThanOrEqual(F("quantity") * F("unit_cost"), LARGEST_SUM),
                name="cost_item_total_fits_money",
                violation_error_message=f"A cost item can come to at most {gbp(LARGEST_SUM)}.",
            ),
        ]

    def __str__(self) -> str:
        return self.description or self.get_category_display()

    def clean(self) -> None:
        if self.quantity is None or self.unit_cost is None:
            return  # already refused beside the field
        total = self.quantity * self.unit_cost
        if total > LARGEST_SUM:
            raise ValidationError({"unit_cost": too_much_message("The quantity times the unit cost", total)})

    @property
    def total(self) -> Decimal:
        """To the penny, a half penny up, as money is shown everywhere (0.5 x £12.25 is £6.13)."""
        return (self.quantity * self.unit_cost).quantize(PENNY, rounding=ROUND_HALF_UP)


class GiftDirection(models.TextChoices):
    GIVEN = "given", "Given by us"
    RECEIVED = "received", "Received (or offered to us)"


class GiftKind(models.TextChoices):
    GIFT = "gift", "Gift"
    HOSPITALITY = "hospitality", "Hospitality"


class GiftQuerySet(models.QuerySet):
    def needing_declaration(self) -> GiftQuerySet:
        """Received or offered to us worth at least the threshold: these must be declared (the
        model code of conduct's "an estimated value of at least £50")."""
        return self.filter(direction=GiftDirection.RECEIVED, value__gte=settings.GIFT_DECLARATION_THRESHOLD)

    def outstanding(self) -> GiftQuerySet:
        return self.needing_declaration().filter(declared_on__isnull=True)


class Gift(VersionedModel):
    """The gifts and hospitality register: what changed hands, and what was refused."""

    direction = models.CharField(max_length=10, choices=GiftDirection.choices)
    kind = models.CharField(max_length=12, choices=GiftKind.choices, default=GiftKind.GIFT)
    description = models.CharField(max_length=200)
    value = models.DecimalField(
        "estimated value (£)",
        **MONEY,
        validators=[MinValueValidator(PENNY, message="Give an estimated value of at least 1p.")],
    )
    counterparty = models.CharField(
        "from or to whom", max_length=200, help_text="Who gave it to us, or whom we gave it to."
    )
    counterparty_organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="gifts"
    )
    on = models.DateField("date")
    visit = models.ForeignKey(Visit, on_delete=models.SET_NULL, null=True, blank=True, related_name="gifts")
    was_refused = models.BooleanField("refused", default=False, help_text="Record gifts we declined too.")
    declared_on = models.DateField(
        "declared on", null=True, blank=True, help_text="When it was entered in the declarations register."
    )
    # Published with a declared gift (the public gifts register): roles, never names.
    recipient_role = models.CharField(
        "received by (role)",
        max_length=120,
        blank=True,
        help_text="Who received it or gave it for the council, by role: for example The Lord Mayor.",
    )
    what_became_of_it = models.CharField(
        "what was done with it",
        max_length=200,
        blank=True,
        help_text="For example: displayed in the Council House; given to charity; returned.",
    )
    notes = models.TextField(blank=True)
    history = HistoricalRecords()

    objects = GiftQuerySet.as_manager()

    class Meta:
        ordering = ["-on", "-pk"]
        indexes = [models.Index(fields=["-on", "-id"], name="gift_newest_first")]
        constraints = [
            models.CheckConstraint(condition=Q(value__gt=0), name="gift_value_positive"),
            models.CheckConstraint(
                condition=Q(declared_on__isnull=True) | Q(declared_on__gte=F("on")),
                name="gift_declared_after_date",
                violation_error_message="A gift cannot be declared before its date.",
            ),
        ]

    def __str__(self) -> str:
        return self.description

    def get_absolute_url(self) -> str:
        return record_url("delegations:gift-detail", self.pk)

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.direction == GiftDirection.GIVEN and self.was_refused:
            errors["was_refused"] = "Only a gift offered to us can be refused."
        if self.on and self.declared_on and self.declared_on < self.on:
            errors["declared_on"] = "A gift cannot be declared before its date."
        if errors:
            raise ValidationError(errors)

    @property
    def needs_declaration(self) -> bool:
        return self.direction == GiftDirection.RECEIVED and self.value >= settings.GIFT_DECLARATION_THRESHOLD

    @property
    def declare_by(self) -> date | None:
        if not self.needs_declaration:
            return None
        try:
            return self.on + timedelta(days=settings.GIFT_DECLARATION_DAYS)
        except OverflowError:
            return date.max

    @property
    def is_declaration_outstanding(self) -> bool:
        return self.needs_declaration and self.declared_on is None

    @property
    def is_declaration_overdue(self) -> bool:
        return self.is_declaration_overdue_on(timezone.localdate())

    def is_declaration_overdue_on(self, today: date) -> bool:
        due = self.declare_by
        return self.is_declaration_outstanding and due is not None and due < today


class VisitFollowUp(models.Model):
    """Ties a register action to the visit it follows up."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="follow_ups")
    action = models.OneToOneField(Action, on_delete=models.CASCADE, related_name="visit_follow_up")

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.action} (after {self.visit})"


def new_calendar_token() -> str:
    return secrets.token_urlsafe(32)


class CalendarFeed(models.Model):
    """A user's secret calendar address; regenerating it revokes the old one."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token = models.CharField(max_length=64, unique=True, default=new_calendar_token)
    created_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Calendar feed of {self.user}"
