"""Cabinet reports ("options papers"), their numbered paragraphs, sign-offs and PDFs."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from simple_history.models import HistoricalRecords

from core.links import record_url
from core.models import kept_documents, named_user, status_log
from core.status import HasStatusFlow, StatusChange, StatusFlow
from core.versioning import VersionedModel


class ReportStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    APPROVED = "approved", "Approved"
    PUBLISHED = "published", "Published"


# The Leader's Office approves a draft, then publishes it with its decision record.
# Approved and published reports are frozen: a revision is a new draft.
REPORT_DECISIONS: dict[str, tuple[str, ...]] = {
    ReportStatus.DRAFT: (ReportStatus.APPROVED,),
    ReportStatus.APPROVED: (ReportStatus.PUBLISHED,),
    ReportStatus.PUBLISHED: (),
}


class Report(HasStatusFlow, VersionedModel):
    """A Cabinet-style report in the form of the Derby report of 9 September 2015."""

    status_flow = StatusFlow(ReportStatus, REPORT_DECISIONS, noun="A report")

    committee = models.CharField(max_length=120, default="Council Cabinet")
    meeting_date = models.DateField("meeting date")
    title = models.CharField(max_length=250)
    report_of = models.CharField(
        "report of",
        max_length=200,
        help_text="For example: the Strategic Director for Neighbourhoods.",
    )
    status = models.CharField(max_length=10, choices=ReportStatus.choices, default=ReportStatus.DRAFT)
    is_key_decision = models.BooleanField("key decision", default=False)
    wards_affected = models.CharField(
        "wards affected",
        max_length=250,
        default="All wards",
        help_text="The wards the decision affects, as the report's title block names them: All wards, or their names.",
    )
    is_exempt = models.BooleanField(
        "exempt from publication",
        default=False,
        help_text="Contains exempt information under Schedule 12A to the Local Government Act 1972.",
    )
    exempt_paragraph = models.PositiveSmallIntegerField(
        "Schedule 12A paragraph",
        null=True,
        blank=True,
        validators=[
            MinValueValidator(1, message="Schedule 12A has paragraphs 1 to 7."),
            MaxValueValidator(7, message="Schedule 12A has paragraphs 1 to 7."),
        ],
    )
    public_interest_reasoning = models.TextField(
        "public interest test",
        blank=True,
        help_text="Why the public interest in keeping the information exempt outweighs disclosing it.",
    )
    author_name = models.CharField("contact name", max_length=120, blank=True)
    contact_phone = models.CharField("contact telephone", max_length=40, blank=True)
    contact_email = models.EmailField("contact email", blank=True)
    background_papers = models.TextField(blank=True, default="None")
    appendices = models.TextField("list of appendices", blank=True, default="Appendix 1 – Implications")
    facts_as_at = models.DateField(
        "facts as at", null=True, blank=True, help_text="When the draft was written from the register."
    )
    budget_figures = models.JSONField(
        "budget figures",
        default=list,
        blank=True,
        editable=False,
        help_text="The register's budget per financial year when the draft was written, printed as a table.",
    )
    revision = models.PositiveSmallIntegerField(default=1)
    supersedes = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="later_drafts",
        help_text="The approved report this draft revises.",
    )
    approved_by = named_user()
    approved_at = models.DateTimeField(null=True, blank=True)
    published_by = named_user()
    published_at = models.DateTimeField(null=True, blank=True)
    # The decision record, required before publication.
    decision = models.TextField(blank=True)
    decision_date = models.DateField(null=True, blank=True)
    decision_reasons = models.TextField("reasons for the decision", blank=True)
    alternatives_rejected = models.TextField("alternative options rejected", blank=True)
    conflicts_declared = models.TextField(
        "conflicts of interest declared", blank=True, help_text="Write “None” when none were declared."
    )
    created_by = named_user()
    history = HistoricalRecords()
    documents = kept_documents()

    class Meta:
        ordering = ["-meeting_date", "-pk"]
        permissions = [
            ("approve_report", "Can approve a report"),
            ("publish_report", "Can publish a report"),
            ("download_report", "Can download a report's PDF"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=ReportStatus.values), name="report_status_known"),
            models.CheckConstraint(
                condition=Q(is_exempt=False) | Q(exempt_paragraph__gte=1, exempt_paragraph__lte=7),
                name="report_exempt_names_paragraph",
                violation_error_message="An exempt report must name the paragraph (1–7) of Schedule 12A.",
            ),
            models.CheckConstraint(
                condition=~Q(title=""),
                name="report_has_title",
                violation_error_message="Give the report a title.",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return record_url("reports:report-detail", self.pk)

    def clean(self) -> None:
        errors: dict[str, str] = {}
        # An empty title is the form's to refuse ("Give the report a title."); the
        # database constraint stands behind it.
        if self.is_exempt and self.exempt_paragraph is None:
            errors["exempt_paragraph"] = "An exempt report must name the paragraph (1–7) of Schedule 12A."
        if self.is_exempt and not self.public_interest_reasoning.strip():
            errors["public_interest_reasoning"] = "An exempt report must give the public interest reasoning."
        if errors:
            raise ValidationError(errors)

    @property
    def is_editable(self) -> bool:
        """Approving freezes a report: later changes go into a new draft."""
        return self.status == ReportStatus.DRAFT

    @property
    def pdf_filename(self) -> str:
        name = f"{self.meeting_date:%Y-%m-%d} {self.committee} - {self.title}"
        if self.revision > 1:
            name += f" (revision {self.revision})"
        cleaned = "".join(ch for ch in name if ch not in '\\/:*?"<>|\r\n\t')
        return f"{cleaned}.pdf"


class ReportStatusChange(status_log(Report)):
    """The Leader's Office's approval or publication of a report: by whom, when and any note."""

    class Meta(StatusChange.Meta):
        verbose_name = "report decision"


class Part(models.TextChoices):
    BODY = "body", "Report"
    IMPLICATIONS = "implications", "Appendix 1 – Implications"


# The body's sections, numbered as the Derby report numbers them.
SECTIONS: dict[int, str] = {
    1: "Summary",
    2: "Recommendations",
    3: "Reasons for recommendation",
    4: "Supporting information",
    5: "Other options considered",
}
# Appendix 1's ten fixed headings, each numbered 1.1, 2.1 ...
IMPLICATION_HEADINGS: dict[int, str] = {
    1: "Financial and Value for Money",
    2: "Legal",
    3: "Personnel",
    4: "IT",
    5: "Equalities Impact",
    6: "Health and Safety",
    7: "Environmental Sustainability",
    8: "Property and Asset Management",
    9: "Risk Management",
    10: "Corporate objectives and priorities for change",
}


# The longest paragraph of the Derby report has under 700 characters. WeasyPrint's
# time grows steeply with one long paragraph (50,000 characters take 11 seconds
# and tie up a worker), so none is let past this, by the form or the database.
PARAGRAPH_MAX_CHARS = 5000
PARAGRAPH_TOO_LONG = (
    f"A paragraph can have at most {PARAGRAPH_MAX_CHARS:,} characters; this one has %(show_value)d. "
    "Split it into shorter paragraphs."
)


class Paragraph(VersionedModel):
    """One paragraph of a section. Its number (4.11) is generated from its place, never typed."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="paragraphs")
    part = models.CharField(max_length=15, choices=Part.choices, default=Part.BODY)
    section = models.PositiveSmallIntegerField()
    position = models.PositiveIntegerField("place in its section", default=0)
    text = models.TextField(validators=[MaxLengthValidator(PARAGRAPH_MAX_CHARS, message=PARAGRAPH_TOO_LONG)])
    history = HistoricalRecords()

    class Meta:
        ordering = ["part", "section", "position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("text"), PARAGRAPH_MAX_CHARS),
                name="paragraph_text_not_too_long",
                violation_error_message=f"A paragraph can have at most {PARAGRAPH_MAX_CHARS:,} characters.",
            ),
            models.CheckConstraint(
                condition=(Q(part="body") & Q(section__gte=1, section__lte=5))
                | (Q(part="implications") & Q(section__gte=1, section__lte=10)),
                name="paragraph_section_known",
            ),
        ]

    def __str__(self) -> str:
        return self.text[:60]

    @property
    def section_title(self) -> str:
        titles = SECTIONS if self.part == Part.BODY else IMPLICATION_HEADINGS
        return titles[self.section]


class SignOffRole(models.TextChoices):
    LEGAL = "legal", "Legal officer"
    FINANCIAL = "financial", "Financial officer"
    HR = "hr", "Human Resources officer"
    ESTATES = "estates", "Estates/Property officer"
    SERVICE_DIRECTOR = "service_director", "Service Director(s)"
    OTHER = "other", "Other(s)"


class SignOff(models.Model):
    """An officer who cleared the report, and when. A required one left empty blocks approval."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="sign_offs")
    role = models.CharField(max_length=20, choices=SignOffRole.choices)
    officer_name = models.CharField("officer", max_length=150, blank=True)
    cleared_on = models.DateField("cleared on", null=True, blank=True)
    is_required = models.BooleanField("required", default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["report", "role"], name="sign_off_once_per_role"),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()}: {self.officer_name or 'not yet cleared'}"

    @property
    def is_cleared(self) -> bool:
        return bool(self.officer_name.strip()) and self.cleared_on is not None


class RenderingStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RENDERING = "rendering", "Rendering"
    READY = "ready", "Ready"
    FAILED = "failed", "Failed"


class RenderingFailure(models.TextChoices):
    """Why a rendering failed. Time, size and a dying worker repeat for the same
    report, so such a rendering is not tried again until the report changes."""

    ERROR = "error", "Something went wrong"
    TIME = "time", "Took too long"
    SIZE = "size", "Too much text"
    WORKER = "worker", "The worker kept stopping"


# These failures come from the report itself: making its PDF again unchanged fails the same way.
REPEATING_FAILURES = (RenderingFailure.TIME, RenderingFailure.SIZE, RenderingFailure.WORKER)


class RenderingQuerySet(models.QuerySet):
    def without_pdf(self) -> RenderingQuerySet:
        """Renderings without their PDF bytes, which only the download reads."""
        return self.defer("pdf")


class Rendering(models.Model):
    """One PDF of a report, made by a worker and kept in the database."""

    report = models.ForeignKey(Report, on_delete=models.PROTECT, related_name="renderings")
    report_version = models.PositiveIntegerField(help_text="The report's version when it was asked for.")
    status = models.CharField(max_length=10, choices=RenderingStatus.choices, default=RenderingStatus.QUEUED)
    requested_by = named_user()
    requested_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    pdf = models.BinaryField(null=True, blank=True, editable=False)
    sha256 = models.CharField(max_length=64, blank=True)
    page_count = models.PositiveIntegerField(null=True, blank=True)
    size_bytes = models.PositiveIntegerField(null=True, blank=True)
    error = models.TextField(
        blank=True, help_text="Why it failed, in words for the person who asked; the detail is in the log."
    )
    failure = models.CharField(max_length=10, choices=RenderingFailure.choices, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    send_failed_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the worker could last not be told (the broker was unreachable); cleared once told.",
    )

    objects = RenderingQuerySet.as_manager()

    class Meta:
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=RenderingStatus.values), name="rendering_status_known"
            ),
            models.CheckConstraint(
                condition=~Q(status="ready") | (Q(pdf__isnull=False) & ~Q(sha256="")),
                name="rendering_ready_has_pdf",
            ),
        ]

    def __str__(self) -> str:
        return f"PDF of {self.report} ({self.get_status_display().lower()})"

    def get_absolute_url(self) -> str:
        return record_url("reports:rendering-detail", self.pk)

    @property
    def is_finished(self) -> bool:
        return self.status in (RenderingStatus.READY, RenderingStatus.FAILED)

    @property
    def is_waiting_for_the_service(self) -> bool:
        """Queued, and the worker could not be told: the broker was down when it was sent."""
        return self.status == RenderingStatus.QUEUED and self.send_failed_at is not None

    @property
    def retry_refused_because(self) -> str:
        """Why trying again would only fail the same way (reads ``report``'s version); empty if it may."""
        if self.status != RenderingStatus.FAILED or self.failure not in REPEATING_FAILURES:
            return ""
        if self.report.version != self.report_version:
            return ""
        return (
            "Trying again with the report as it is would fail the same way. Shorten the report "
            "(split its longest paragraphs), then make the PDF again from the report's page."
        )
