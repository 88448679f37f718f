"""Optimistic locking: records people edit carry a version number.

A save compares the version the editor loaded with the one in the database
and bumps it in the same UPDATE, so of two people saving the same record the
second is refused (StaleEditError) and nothing is overwritten.
"""

from __future__ import annotations

from typing import Any

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
