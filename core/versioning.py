"""Optimistic locking: records people edit carry a version number.

A save compares the version the editor loaded with the one in the database
and bumps it in the same UPDATE, so of two people saving the same record the
second is refused (StaleEditError) and nothing is overwritten.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models
from django.db.models import F


class StaleEditError(Exception):
    """Someone else saved the record after this editor loaded it."""

    def __init__(self, instance: models.Model) -> None:
        super().__init__(f"{instance._meta.verbose_name} {instance.pk} was changed by someone else")
        self.instance = instance


class VersionedModel(models.Model):
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding and self.pk is not None:
            claimed = (
                type(self)
                ._default_manager.filter(pk=self.pk, version=self.version)
                .update(version=F("version") + 1)
            )
            if not claimed:
                raise StaleEditError(self)
            self.version += 1
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "version"}
        super().save(*args, **kwargs)


class FieldConstraintErrorsMixin:
    """Shows the model's constraint errors beside the field they are about.

    Django reports a breach of a constraint over expressions or with a
    condition as a form-wide error; an officer needs it next to the field
    they typed (``constraint_error_field``).
    """

    constraint_error_field: str = ""

    def validate_constraints(self, exclude: Any = None) -> None:
        try:
            super().validate_constraints(exclude=exclude)  # type: ignore[misc]
        except ValidationError as error:
            if not self.constraint_error_field or not hasattr(error, "error_dict"):
                raise
            errors = dict(error.error_dict)
            general = errors.pop(NON_FIELD_ERRORS, [])
            if general:
                errors.setdefault(self.constraint_error_field, []).extend(general)
            raise ValidationError(errors) from None
