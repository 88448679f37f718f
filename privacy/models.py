"""The retention schedule, what has passed it, and the record of each erasure and subject access
request. None of these rows holds the personal data it is about: an erasure or a review names
the record by kind and number, and a label that is itself replaced when the record is erased."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone


class PersonalKind(models.TextChoices):
    """The kinds of record that hold personal data, each with its own retention period."""

    CONTACT = "contact", "Contacts at partner cities and organisations"
    PARTICIPANT = "participant", "Delegation participants"
    GIFT_GIVER = "gift", "Gift givers and recipients"
    SIGN_IN = "sign-in", "Sign-in records"


class RetentionRule(models.Model):
    """How long one kind of personal record is kept after the date it is counted from."""

    kind = models.CharField(max_length=20, choices=PersonalKind.choices, unique=True)
    keep_for_months = models.PositiveIntegerField(
        help_text="Months to keep a record after the date it is counted from (see the kind)."
    )
    basis = models.CharField(
        max_length=300, blank=True, help_text="Why this long: the schedule's entry, a statute, a policy."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering: ClassVar = ["kind"]
        permissions: ClassVar = [
            ("review_retention", "Can review and decide on records past their retention date"),
            ("erase_personal_data", "Can erase a person's details from a record and its history"),
            ("subject_access", "Can search the register for a person and download what it holds"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.keep_for_months} months"


class ReviewOutcome(models.TextChoices):
    PENDING = "pending", "To decide"
    ERASED = "erased", "Erased"
    KEPT = "kept", "Kept for now"


class RetentionReview(models.Model):
    """A record the nightly check found past its retention date, for someone to decide on."""

    kind = models.CharField(max_length=20, choices=PersonalKind.choices)
    object_id = models.PositiveBigIntegerField()
    label = models.CharField(max_length=300, help_text="What the record is, as listed.")
    counted_from = models.DateField()
    due_on = models.DateField()
    listed_on = models.DateField(default=timezone.localdate)
    outcome = models.CharField(max_length=10, choices=ReviewOutcome.choices, default=ReviewOutcome.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(blank=True)
    keep_until = models.DateField(null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["due_on", "pk"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["kind", "object_id"],
                condition=models.Q(outcome="pending"),
                name="retention_review_pending_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.label}"


class Erasure(models.Model):
    """One erasure: whose record (by kind and number), who erased it, when and why. It keeps
    none of what was erased, only which fields were replaced and in how many history rows."""

    kind = models.CharField(max_length=20, choices=PersonalKind.choices)
    object_id = models.PositiveBigIntegerField()
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    reason = models.TextField()
    fields = models.JSONField(default=list, help_text="The fields replaced.")
    history_rows = models.PositiveIntegerField(default=0, help_text="History rows replaced as well.")

    class Meta:
        ordering: ClassVar = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.object_id}, erased {self.at:%Y-%m-%d}"


class SubjectAccessRequest(models.Model):
    """A search of the register for a person, and who made it: never the person's details."""

    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    reference = models.CharField(
        max_length=100, help_text="The request's reference, e.g. the FOI/SAR case number."
    )
    found = models.PositiveIntegerField(default=0)

    class Meta:
        ordering: ClassVar = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"Subject access {self.reference} at {self.at:%Y-%m-%d %H:%M}"
