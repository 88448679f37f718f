from django.contrib import admin

from .models import RetentionRule


@admin.register(RetentionRule)
class RetentionRuleAdmin(admin.ModelAdmin):
    """The retention schedule, one period per kind of personal record, kept by the Administrator."""

    list_display = ("kind", "keep_for_months", "basis", "updated_at")
    readonly_fields = ("kind", "updated_at")

    def has_add_permission(self, request) -> bool:  # one row per kind, made by the migration
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
