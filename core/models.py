"""Records the shared layer keeps for itself, and declarations every app's models share.

The records' tables keep the names they were created with (``twinning_*``).
"""

from __future__ import annotations

from datetime import date
from typing import ClassVar

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey, GenericRelation
from django.contrib.contenttypes.models import ContentType
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.utils import timezone
from django.utils.text import camel_case_to_spaces
from simple_history.models import HistoricalRecords

from .status import StatusChange


def named_user(related_name: str = "+") -> models.ForeignKey:
    """A user a record names (who proposed it, decided it, recorded it, leads it).

    Optional, and if the user's account is deleted the record stays and
    simply no longer names them.
    """
    return models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name=related_name
    )


def status_log(subject: type[models.Model], *, related_name: str = "status_changes") -> type[StatusChange]:
    """The base of ``subject``'s status-change log.

    Its from and to fields offer the statuses of the subject's ``status_flow``, as
    long as the subject's own status field. It names the record it belongs to with
    a foreign key named after the subject's model (``budget_line`` for BudgetLine),
    deleted with the record.
    """
    flow = subject.status_flow
    max_length = subject._meta.get_field(flow.field).max_length
    name = camel_case_to_spaces(subject.__name__).replace(" ", "_")

    class StatusLog(StatusChange):
        subject_field = name
        from_status = models.CharField(max_length=max_length, choices=flow.choices.choices, blank=True)
        to_status = models.CharField(max_length=max_length, choices=flow.choices.choices)

        class Meta(StatusChange.Meta):
            abstract = True

    # Added once the class is made: the field's name is the subject's, not known to the class body.
    record = models.ForeignKey(subject, on_delete=models.CASCADE, related_name=related_name)
    StatusLog.add_to_class(name, record)
    return StatusLog


class DueWhileOpen:
    """A record due by a date while it is open: overdue once that day has passed unanswered.

    Subclasses name the field that holds the date, the field that says whether
    it is still open, and the values that mean open.
    """

    due_field: ClassVar[str]
    open_field: ClassVar[str]
    open_values: ClassVar[tuple[str, ...]]

    @property
    def is_open(self) -> bool:
        return getattr(self, self.open_field) in self.open_values

    @property
    def is_overdue(self) -> bool:
        return self.is_overdue_on(timezone.localdate())

    def is_overdue_on(self, today: date) -> bool:
        """Overdue as of ``today``: a list works the day out once for all its rows."""
        due = getattr(self, self.due_field)
        return self.is_open and due is not None and due < today


def kept_documents() -> GenericRelation:
    """A record's documents (core.Document), deleted with it."""
    return GenericRelation("core.Document", content_type_field="record_type", object_id_field="record_id")


class FormSubmission(models.Model):
    """One create form, sent once.

    Every create form carries a one-off token. The first request that saves
    with it writes this row inside its own transaction; a second request with
    the same token (a double-click, a resent form after a slow response) finds
    the token taken, saves nothing and is sent to what the first one made. The
    unique index makes the second request wait for the first to commit, so the
    two cannot both pass.
    """

    token = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    path = models.CharField(max_length=500)
    redirect_to = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        db_table = "twinning_formsubmission"
        verbose_name = "form submission"

    def __str__(self) -> str:
        return f"{self.path} by {self.user_id} at {self.created_at:%Y-%m-%d %H:%M}"


class SearchEntry(models.Model):
    """What the search box finds of one record (see core/search.py)."""

    kind = models.CharField(max_length=20)
    object_id = models.PositiveBigIntegerField()
    title = models.CharField(max_length=300)
    heading = models.CharField(max_length=300, help_text="The title, folded as the search compares it.")
    summary = models.CharField(max_length=300, blank=True)
    url = models.CharField(max_length=300)
    fields = models.JSONField(default=list, help_text="[label, value] pairs the search may match.")
    text = models.TextField(help_text="Every field's value, folded.")
    # Filled and GIN-indexed on PostgreSQL only (migration 0001); empty on SQLite.
    vector = SearchVectorField(null=True, editable=False)

    class Meta:
        db_table = "twinning_searchentry"
        verbose_name = "search entry"
        verbose_name_plural = "search entries"
        constraints = [models.UniqueConstraint(fields=["kind", "object_id"], name="search_entry_once")]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id}: {self.title}"


class SignInIdentity(models.Model):
    """A person's account at the council's identity provider, as single sign-on knows them.

    The provider's subject identifier (``sub``), with its issuer, is the key: an
    e-mail address can be reused or changed, a subject cannot. Name and e-mail
    are copied to the user at each sign-in; so are their roles, from the groups.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sign_in_identities"
    )
    issuer = models.CharField(max_length=300)
    subject = models.CharField(max_length=255)
    groups = models.JSONField(default=list, help_text="The groups the provider last said the person is in.")
    first_signed_in_at = models.DateTimeField(auto_now_add=True)
    last_signed_in_at = models.DateTimeField()

    class Meta:
        verbose_name = "single sign-on identity"
        verbose_name_plural = "single sign-on identities"
        constraints = [models.UniqueConstraint(fields=["issuer", "subject"], name="sign_in_identity_once")]

    def __str__(self) -> str:
        return f"{self.subject} at {self.issuer}"


class SignInEventKind(models.TextChoices):
    SIGNED_IN = "signed-in", "Signed in"
    SECOND_STEP_PASSED = "second-step", "Second step passed"
    FAILED = "failed", "Sign-in failed"
    SECOND_STEP_FAILED = "second-step-failed", "Second step failed"
    PAUSED = "paused", "Sign-in paused"
    SSO_REFUSED = "sso-refused", "Single sign-on refused"
    SIGNED_OUT = "signed-out", "Signed out"
    ROLES_CHANGED = "roles", "Roles changed"
    SECOND_FACTOR_CHANGED = "second-factor", "Two-step sign-in changed"


class SignInEvent(models.Model):
    """Who signed in, failed to, was paused, or had their roles or two-step sign-in changed, and
    when: for the Administrator to read. Never a password, a code or a token."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    kind = models.CharField(max_length=20, choices=SignInEventKind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    username = models.CharField(max_length=150, blank=True, help_text="As typed, for a failed sign-in.")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Who made the change; empty when the identity provider did.",
    )
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    method = models.CharField(max_length=40, blank=True)
    detail = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = "sign-in event"
        ordering: ClassVar = ["-at", "-pk"]
        indexes: ClassVar = [models.Index(fields=["kind", "-at"], name="sign_in_event_kind_at")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.user or self.username or 'someone'} at {self.at:%Y-%m-%d %H:%M}"


class DocumentKind(models.TextChoices):
    """What a document is; each kind of record offers the kinds that fit it (its pages say which)."""

    AGREEMENT = "agreement", "Signed agreement"
    MEMORANDUM = "memorandum", "Memorandum of understanding"
    LETTER = "letter", "Letter"
    ITINERARY = "itinerary", "Itinerary"
    BRIEFING = "briefing", "Briefing"
    PHOTOGRAPH = "photograph", "Photograph"
    NOTES = "notes", "Notes"
    RECEIPT = "receipt", "Receipt"
    INVOICE = "invoice", "Invoice"
    BACKGROUND_PAPER = "background_paper", "Background paper"
    APPENDIX = "appendix", "Appendix"
    OTHER = "other", "Other"


class Document(models.Model):
    """A file kept with a record of the register: a signed agreement with its relationship, an
    itinerary with its visit, a receipt with its spend.

    The file itself lives in the documents storage (``settings.STORAGES["documents"]``: a
    folder in the embedded mode, an S3 bucket when configured) under a name of its own
    (``stored_as``), never the name it was uploaded with; it is read back only through the
    record's pages, which check the role first. Adding and removing one shows in the
    record's history.
    """

    record_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    record_id = models.PositiveBigIntegerField()
    record = GenericForeignKey("record_type", "record_id")
    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=DocumentKind.choices)
    dated = models.DateField("date", help_text="The date the document bears: signed, sent or received.")
    file_name = models.CharField(max_length=200, help_text="The name it was uploaded with.")
    stored_as = models.CharField(max_length=300, unique=True)
    media_type = models.CharField(max_length=100, help_text="Its type, as its content showed.")
    size = models.PositiveBigIntegerField(help_text="In bytes.")
    sha256 = models.CharField("SHA-256", max_length=64)
    added_by = named_user()
    added_at = models.DateTimeField(default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        ordering: ClassVar = ["-dated", "-pk"]
        indexes: ClassVar = [models.Index(fields=["record_type", "record_id"], name="document_of_record")]

    def __str__(self) -> str:
        return self.title
