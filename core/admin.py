"""What every admin page of the project's models shares."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth import admin as auth_admin
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from simple_history.admin import SimpleHistoryAdmin

from . import sso
from .models import SignInEvent, SignInIdentity
from .versioning import VersionedModel


class HistoryAdmin(SimpleHistoryAdmin):
    """django-simple-history's admin, whose page of a past version cannot be used
    to change a record the admin may not change.

    simple_history's history form view saves whatever is posted to it (its
    "Revert" button) without asking the admin whether the record may be changed,
    so a register the admin shows read-only (changed only through the register's
    pages, which keep status changes and edit versions) could be edited there.
    Here a post to it is refused unless the record may be changed, and a past
    version is shown read-only as the change page would show it.
    """

    def history_form_view(
        self,
        request: HttpRequest,
        object_id: str,
        version_id: str,
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        if request.method not in ("GET", "HEAD") and not self.has_change_permission(request):
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if change and isinstance(obj, VersionedModel) and _is_history_form(request):
            # A past version carries the edit version it had then, which would be refused as
            # stale: putting it back is the administrator's knowing choice to overwrite what
            # the record holds now.
            obj.version = type(obj)._base_manager.filter(pk=obj.pk).values_list("version", flat=True).get()
        super().save_model(request, obj, form, change)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str] | tuple[str, ...]:
        declared = super().get_readonly_fields(request, obj)
        if self.has_change_permission(request, obj):
            return declared
        meta = self.model._meta
        editable = [
            field.name
            for field in [*meta.concrete_fields, *meta.many_to_many]
            if field.editable and not field.auto_created and field.name not in declared
        ]
        return [*declared, *editable]


def _is_history_form(request: HttpRequest) -> bool:
    match = getattr(request, "resolver_match", None)
    return bool(match and match.url_name and match.url_name.endswith("_simple_history"))


class SignInIdentityInline(admin.TabularInline):
    """Who the person is at the identity provider, and the groups it last gave: shown only."""

    model = SignInIdentity
    fields = readonly_fields = ("issuer", "subject", "groups", "first_signed_in_at", "last_signed_in_at")
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class UserAdmin(auth_admin.UserAdmin):
    """People. Where single sign-on is set up the identity provider's groups decide each
    person's roles at every sign-in, so here they are shown, not changed."""

    inlines = (SignInIdentityInline,)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str] | tuple[str, ...]:
        declared = super().get_readonly_fields(request, obj)
        if not sso.is_configured():
            return declared
        return (*declared, "groups", "user_permissions", "is_staff", "is_superuser")


admin.site.unregister(get_user_model())
admin.site.register(get_user_model(), UserAdmin)


@admin.register(SignInEvent)
class SignInEventAdmin(admin.ModelAdmin):
    """The record of signing in: read only, filtered by what happened, how and when."""

    list_display = ("at", "kind", "user", "username", "method", "ip_address", "by", "detail")
    list_filter = ("kind", "method", "at")
    search_fields = ("user__username", "username", "ip_address", "detail")
    date_hierarchy = "at"
    list_select_related = ("user", "by")
    readonly_fields = list_display

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@login_not_required
def _admin_sign_in(request: HttpRequest, extra_context: Any = None) -> HttpResponse:
    """The Django admin's own sign-in form would take a password alone: it sends people to the
    register's sign-in instead, with its second step and its single sign-on, and back."""
    if request.user.is_authenticated:
        raise PermissionDenied  # signed in, without the admin: its sign-in would send them round
    wanted = request.GET.get("next") or reverse("admin:index")
    return redirect_to_login(wanted, login_url=reverse("login"))


admin.site.login = _admin_sign_in
