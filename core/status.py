"""Statuses that move only along allowed moves, each move recorded.

A model with a status declares its ``status_flow``: the field, its choices
and the table of allowed moves. Every move goes through :func:`status_move`,
which checks it against the table and the model's own rules, saves the
record (refusing a stale save) and writes one row of the model's status-change
log: from what, to what, who, when and why. One view
(:class:`core.views.StatusChangeView`) takes the move from a form.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
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

    Each model with a status flow has its own log, a subclass naming the record
    it belongs to in ``subject_field`` (and giving its status fields their choices).
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


Rule = Callable[[Any, str], None]


@transaction.atomic
def status_move(
    *,
    record: HasStatusFlow,
    to_status: str,
    by: Any,
    note: str = "",
    expected_version: int | None = None,
    log: type[StatusChange],
    rules: Iterable[Rule] = (),
    apply: Callable[[Any], None] | None = None,
) -> StatusChange:
    """Moves ``record`` to ``to_status`` and records the move in ``log``.

    Refuses with RuleBroken a move the flow's table does not allow or that one
    of ``rules`` (each given the record and the status asked for) forbids; with
    StaleEditError a move made from an out-of-date view of a versioned record
    (``expected_version`` is the version the mover saw). ``apply`` sets what
    else the move changes on the record (who decided, when) before it is saved.
    """
    from_status = record.current_status
    for rule in rules:
        rule(record, to_status)
    record.status_flow.check(from_status, to_status)
    if expected_version is not None:
        record.version = expected_version  # type: ignore[attr-defined]
    setattr(record, record.status_flow.field, to_status)
    if apply is not None:
        apply(record)
    record.save()  # type: ignore[attr-defined]
    return log.objects.create(
        **{log.subject_field: record},
        from_status=from_status,
        to_status=to_status,
        changed_by=by,
        note=note.strip(),
    )


def status_start(*, record: HasStatusFlow, by: Any, log: type[StatusChange]) -> StatusChange:
    """Records the status a new record starts in (a move from nothing)."""
    return log.objects.create(
        **{log.subject_field: record}, from_status="", to_status=record.current_status, changed_by=by
    )
