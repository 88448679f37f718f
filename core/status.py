"""Statuses that move only along allowed moves, each move recorded.

A model with a status declares its ``status_flow``: the field, its choices
and the table of allowed moves. Every move goes through the model's
:class:`StatusMover`, which checks it against the table and the model's own
rules, saves the record (refusing a stale save) and writes one row of the
model's status-change log: from what, to what, who, when and why. One view
(:class:`core.views.StatusChangeView`) takes the move from a form.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from django.conf import settings
from django.db import models, transaction


class RuleBroken(Exception):
    """What a rule of the register forbids, in the council's words.

    ``field`` names the form field the message belongs beside; None means the
    form as a whole.
    """

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True)
class StatusFlow:
    """A model's statuses and the moves allowed between them."""

    choices: type[models.TextChoices]
    moves: Mapping[str, tuple[str, ...]]
    # How the record is named in a refusal: "A relationship cannot move from ...".
    noun: str
    field: str = "status"

    def allowed_from(self, status: str) -> tuple[str, ...]:
        return self.moves.get(status, ())

    def label(self, status: str) -> str:
        return str(self.choices(status).label) if status in self.choices.values else status

    def check(self, from_status: str, to_status: str) -> None:
        """Refuses (RuleBroken beside ``to_status``) a move the table does not allow."""
        if to_status not in self.allowed_from(from_status):
            raise RuleBroken(
                f"{self.noun} cannot move from {self.label(from_status)} to {self.label(to_status)}.",
                field="to_status",
            )


class HasStatusFlow:
    """For models with a ``status_flow``: what the record may move to next."""

    status_flow: ClassVar[StatusFlow]

    @property
    def current_status(self) -> str:
        return getattr(self, self.status_flow.field)

    @property
    def allowed_next_statuses(self) -> tuple[str, ...]:
        return self.status_flow.allowed_from(self.current_status)

    def can_move_to(self, status: str) -> bool:
        return status in self.allowed_next_statuses


class StatusChange(models.Model):
    """One move of a record's status: from what, to what, who moved it, when and why.

    Each model with a status flow has its own log, a subclass of
    ``core.models.status_log(model)``, which names the record it belongs to in
    ``subject_field`` (and gives its status fields their choices).
    """

    subject_field: ClassVar[str]

    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    changed_at = models.DateTimeField(auto_now_add=True)
    note = models.TextField(blank=True)

    class Meta:
        abstract = True
        ordering = ["changed_at", "pk"]
        get_latest_by = "changed_at"

    def __str__(self) -> str:
        flow = type(getattr(self, self.subject_field)).status_flow
        before = flow.label(self.from_status) if self.from_status else "new"
        return f"{before} → {flow.label(self.to_status)}"


@dataclass(frozen=True)
class Move:
    """A move asked for: of which record, from what, to what, by whom and why."""

    record: Any
    from_status: str
    to_status: str
    by: Any
    note: str


Rule = Callable[[Move], None]


def reason_given(move: Move) -> None:
    """A decision comes with the reason for it, kept beside it."""
    if not move.note.strip():
        raise RuleBroken("Say why: the comment is kept with the decision.", field="note")


@dataclass(frozen=True)
class StatusMover:
    """How one model's records move: the log each move is written to, the rules a move
    must keep beyond the flow's table, and what else a move sets on the record.

    Called as a service: ``mover(record=..., to_status=..., by=..., note=..., expected_version=...)``.
    Refuses with RuleBroken a move the table does not allow or a rule forbids
    (the rules first, so their words explain the commoner refusals); with
    StaleEditError a move made from an out-of-date view of the record
    (``expected_version`` is the version the mover saw). ``lock`` re-reads the
    record under a row lock first, so two people deciding at once cannot both.
    """

    log: type[StatusChange]
    rules: tuple[Rule, ...] = ()
    apply: Callable[[Move], None] | None = None
    lock: bool = False

    def __call__(
        self, *, record: Any, to_status: str, by: Any, note: str = "", expected_version: int | None = None
    ) -> StatusChange:
        with transaction.atomic():
            if self.lock:
                record = type(record)._default_manager.select_for_update().get(pk=record.pk)
            move = Move(record, record.current_status, to_status, by, note)
            for rule in self.rules:
                rule(move)
            record.status_flow.check(move.from_status, to_status)
            if expected_version is not None:
                record.version = expected_version
            setattr(record, record.status_flow.field, to_status)
            if self.apply is not None:
                self.apply(move)
            record.save()
            return self.log.objects.create(
                **{self.log.subject_field: record},
                from_status=move.from_status,
                to_status=to_status,
                changed_by=by,
                note=note.strip(),
            )

    def start(self, *, record: Any, by: Any) -> StatusChange:
        """Records the status a new record starts in (a move from nothing)."""
        return self.log.objects.create(
            **{self.log.subject_field: record}, from_status="", to_status=record.current_status, changed_by=by
        )
