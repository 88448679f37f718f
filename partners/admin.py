"""The Django admin: where the Administrator keeps councils (with the home
council's sector profile), sectors and the approach triage criteria.

The register's other records are kept through the app's own pages (which
enforce status transitions and edit versions); the admin shows them
read-only to those whose role lets them view.
"""

from __future__ import annotations

from django.contrib import admin

from core.admin import HistoryAdmin

from .models import (
    Action,
    Approach,
    Contact,
    Council,
    Exchange,
    Organisation,
    Place,
    Relationship,
    Sector,
    TriageCriterion,
)


@admin.register(Council)
class CouncilAdmin(HistoryAdmin):
    list_display = ("name", "is_home")
    search_fields = ("name",)
    filter_horizontal = ("sectors",)


@admin.register(Sector)
class SectorAdmin(HistoryAdmin):
    list_display = ("name",)
    search_fields = ("name",)


@admin.register(TriageCriterion)
class TriageCriterionAdmin(HistoryAdmin):
    list_display = ("name", "weight", "position", "is_active")
    list_editable = ("weight", "position", "is_active")
    fields = ("name", "question", "weight", "position", "is_active")
    search_fields = ("name",)


class ReadOnlyRegisterAdmin(HistoryAdmin):
    """Viewable in the admin, its history too; changed only through the register's pages."""

    def has_add_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False


@admin.register(Place)
class PlaceAdmin(ReadOnlyRegisterAdmin):
    list_display = ("name", "local_name", "country", "kind")
    list_filter = ("country", "kind")
    search_fields = ("name", "local_name")


@admin.register(Relationship)
class RelationshipAdmin(ReadOnlyRegisterAdmin):
    list_display = ("place", "kind", "status", "rag", "next_review_on")
    list_filter = ("status", "kind", "rag")
    list_select_related = ("place",)


@admin.register(Approach)
class ApproachAdmin(ReadOnlyRegisterAdmin):
    list_display = ("place", "received_on", "respond_by", "outcome")
    list_filter = ("outcome",)
    list_select_related = ("place",)


@admin.register(Organisation)
class OrganisationAdmin(ReadOnlyRegisterAdmin):
    list_display = ("name", "kind", "country")
    list_filter = ("kind",)
    search_fields = ("name",)


@admin.register(Contact)
class ContactAdmin(ReadOnlyRegisterAdmin):
    list_display = ("name", "job_title", "organisation")
    list_select_related = ("organisation",)
    search_fields = ("name", "job_title")


@admin.register(Action)
class ActionAdmin(ReadOnlyRegisterAdmin):
    list_display = ("title", "relationship", "owner", "due_on", "status")
    list_filter = ("status",)
    list_select_related = ("relationship__place", "owner")


@admin.register(Exchange)
class ExchangeAdmin(ReadOnlyRegisterAdmin):
    list_display = ("title", "kind", "relationship", "starts_on", "ends_on")
    list_select_related = ("relationship__place",)
