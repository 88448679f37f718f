"""Signing in: the sign-in page, throttling hooks, and the demo logins (embedded mode only)."""

from __future__ import annotations

import ipaddress
from types import MethodType
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.validators import MaxLengthValidator
from django.db import connection, router
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.crypto import salted_hmac
from django.utils.decorators import method_decorator

from . import roles
from .kept import kept

DEMO_USERNAMES = ("officer", "finance", "leader", "admin")


DEMO_EMAIL_DOMAIN = "demo.invalid"

# How long the signed-in person and their roles are kept at the most (core/kept.py): a
# change the cache could not be told of (it was unreachable) is in force within this.
SIGNED_IN_SECONDS = 5 * 60


def is_demo_user(user: Any) -> bool:
    """Demo usernames are reserved: outside DEBUG they never sign in, whatever
    their email says, so an edited demo account cannot become a real login."""
    email = (getattr(user, "email", "") or "").lower()
    return getattr(user, "username", None) in DEMO_USERNAMES or email.endswith(f"@{DEMO_EMAIL_DOMAIN}")


class RoleBackend(ModelBackend):
    """Signs people in with their password, and answers what they may do from their roles.

    A role's permissions are the table in core/roles.py (the groups in the
    database mirror it, brought in line after every migrate), so a request
    reads only which roles the person holds and any permission given to them
    alone: one query, once per request, however many checks the page makes.
    The demo accounts are refused whenever DEBUG is off, whatever their password.
    """

    def authenticate(
        self, request: Any, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> Any:
        # With local passwords off, only the break-glass accounts may use one.
        if (
            not settings.LOCAL_PASSWORDS
            and (username or "").strip().lower() not in settings.BREAK_GLASS_USERNAMES
        ):
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)

    def user_can_authenticate(self, user: Any) -> bool:
        if is_demo_user(user) and not settings.DEBUG:
            return False
        return super().user_can_authenticate(user)

    def get_user(self, user_id: Any) -> Any:
        """The signed-in person, with the roles they hold and any permission given to them
        alone, read on every page: kept in the cache (core/kept.py) until anyone's account,
        roles or own permissions change, and otherwise read with two hand-written queries
        the ORM need not build. The password hash is not kept (see ``_kept_signed_in``)."""
        User = get_user_model()
        found = kept(
            f"signed-in:{user_id}:{_secret_key_id()}",
            [User, Group, Permission],
            lambda: _kept_signed_in(user_id),
            seconds=SIGNED_IN_SECONDS,
        )
        if found is None:
            return None
        user = _without_password(*found)
        return user if self.user_can_authenticate(user) else None

    def get_all_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if user_obj.is_superuser:
            return super().get_all_permissions(user_obj, obj)
        if not hasattr(user_obj, "_role_perm_cache"):
            user_obj._role_perm_cache = permissions_of(user_obj)
        return user_obj._role_perm_cache

    def get_group_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None or user_obj.is_superuser:
            return super().get_group_permissions(user_obj, obj)
        return set().union(*(roles.ROLE_PERMISSIONS.get(name, set()) for name in roles_held(user_obj.pk)))


def roles_held(user_id: int) -> list[str]:
    return [name for kind, name in _roles_and_own_permissions(user_id) if kind == "role"]


def permissions_of(user: Any) -> set[str]:
    """Everything a person may do: their roles' permissions and any given to them alone.
    The roles they hold are kept on them too, for pages that name them."""
    found: set[str] = set()
    held = set()
    read = getattr(user, "_roles_read", None)
    for kind, name in read if read is not None else _roles_and_own_permissions(user.pk):
        if kind == "role":
            held.add(name)
            found |= roles.ROLE_PERMISSIONS.get(name, set())
        else:
            found.add(name)
    user._role_names = held
    return found


def _signed_in(user_id: Any) -> tuple[Any, list[tuple[str, str]]] | None:
    User = get_user_model()
    meta = User._meta
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in meta.concrete_fields)
    sql = f"SELECT {columns} FROM {quote(meta.db_table)} WHERE {quote(meta.pk.column)} = %s"  # noqa: S608
    user = next(iter(User._default_manager.raw(sql, [user_id])), None)
    if user is None:
        return None
    return user, _roles_and_own_permissions(user.pk)


def _secret_key_id() -> str:
    # The session check kept with a person is made with the secret key: a new key (one
    # rotated after a leak) must not meet a check made with the old one.
    return salted_hmac("core.auth.kept", "signed-in").hexdigest()[:16]


def _kept_signed_in(user_id: Any) -> tuple[dict[str, Any], str, bool, list[tuple[str, str]]] | None:
    """What is kept of the signed-in person: every field but the password hash, with what
    each page asks of the hash (the session's check and whether a password is set)."""
    found = _signed_in(user_id)
    if found is None:
        return None
    user, held = found
    fields = {
        field.attname: getattr(user, field.attname)
        for field in user._meta.concrete_fields
        if field.attname != "password"
    }
    return fields, user.get_session_auth_hash(), user.has_usable_password(), held


def _without_password(
    fields: dict[str, Any], session_hash: str, usable_password: bool, held: list[tuple[str, str]]
) -> Any:
    """The person as kept, with the password left to be read from the database when asked
    for (checking or changing it). Until it is read, the session check and "has a password"
    are answered from what was kept; a save writes only the fields read."""
    User = get_user_model()
    user = User.from_db(router.db_for_read(User), list(fields), list(fields.values()))
    user._roles_read = held
    user._kept_session_hash = session_hash
    user._kept_usable_password = usable_password
    # Bound to this person: a copy is bound to the copy, and a pickled person comes back with
    # the model's own methods (the methods are found again by name), which read the password.
    user.get_session_auth_hash = MethodType(_WithoutPassword.get_session_auth_hash, user)
    user.has_usable_password = MethodType(_WithoutPassword.has_usable_password, user)
    return user


class _WithoutPassword:
    """What a person made from the cache answers of their password until it is read."""

    @staticmethod
    def _password_read(user: Any) -> bool:
        return "password" in vars(user)  # read, or set anew, since

    def get_session_auth_hash(user: Any) -> str:
        if _WithoutPassword._password_read(user):
            return type(user).get_session_auth_hash(user)
        return user._kept_session_hash

    def has_usable_password(user: Any) -> bool:
        if _WithoutPassword._password_read(user):
            return type(user).has_usable_password(user)
        return user._kept_usable_password


def _roles_and_own_permissions(user_id: int) -> list[tuple[str, str]]:
    User = get_user_model()
    memberships = User.groups.through._meta.db_table
    own = User.user_permissions.through._meta.db_table
    group, permission = Group._meta.db_table, Permission._meta.db_table
    content_type = ContentType._meta.db_table
    # Hand-written, as it runs on every request: the ORM would rebuild it each time.
    sql = (
        f"SELECT 'role', g.name FROM {group} g JOIN {memberships} m ON m.group_id = g.id "  # noqa: S608
        f"WHERE m.user_id = %s "
        f"UNION ALL SELECT 'own', ct.app_label || '.' || p.codename FROM {own} o "
        f"JOIN {permission} p ON p.id = o.permission_id JOIN {content_type} ct ON ct.id = p.content_type_id "
        f"WHERE o.user_id = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [user_id, user_id])
        return [(kind, name) for kind, name in cursor.fetchall()]


def client_ip_address(request: Any) -> str | None:
    """The address a sign-in attempt came from, for throttling.

    X-Forwarded-For is anyone's to write, so it is believed only from a proxy
    listed in TRUSTED_PROXIES. Each such proxy appends the address it was
    reached from, so the header is read from the right, one entry per trusted
    proxy, up to the first address that is not one: the client. With no
    trusted proxy in front it is the socket's address, whatever the header says.
    """
    remote = request.META.get("REMOTE_ADDR") or ""
    address = _ip_address(remote)
    if address is None:
        # None when there is no address at all (a session made in code, not by a request).
        return remote or None
    entries = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
    while _is_trusted_proxy(address) and entries:
        forwarded = _ip_address(entries.pop().strip())
        if forwarded is None:
            break  # not an address: no proxy wrote it, so it and what is left of it are not believed
        address = forwarded
    return str(address)


def _ip_address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    # An IPv4 peer seen through an IPv6 socket is the IPv4 address a network lists.
    mapped = getattr(address, "ipv4_mapped", None)
    return mapped or address


def _is_trusted_proxy(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    return any(address in network for network in settings.TRUSTED_PROXIES)


def attempted_username(request: Any, credentials: dict | None) -> str:
    """The username as the login form cleans it, so 'Officer ' and 'officer'
    count against the same account."""
    raw = (credentials or {}).get("username")
    if raw is None and request is not None:
        raw = request.POST.get("username", "")
    # As long as a username can be, and without characters a database refuses.
    return str(raw or "").replace("\x00", "").strip().lower()[:150]


def lockout_response(
    request: Any, original_response: Any = None, credentials: dict | None = None
) -> HttpResponse:
    """The page shown while a username is paused from an address (429)."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "registration/locked_out.html", {"cooloff_minutes": minutes}, status=429)


class SignInForm(AuthenticationForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Autofocus would skip keyboard and screen-reader users past the skip
        # link and the page heading (WCAG 2.4.3 focus order).
        self.fields["username"].widget.attrs.pop("autofocus", None)
        # AuthenticationForm sets max_length after building the field, so no validator holds it.
        self.fields["username"].validators.append(
            MaxLengthValidator(self.fields["username"].max_length or 150)
        )


class SignInView(auth_views.LoginView):
    """The sign-in page: the council's single sign-on where it is set up, and the password
    form where local passwords are kept (for everyone, or only the break-glass accounts)."""

    form_class = SignInForm
    redirect_authenticated_user = True

    @method_decorator(login_not_required)
    def dispatch(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        from . import sso

        response = super().dispatch(request, *args, **kwargs)
        if sso.is_configured():
            # The single sign-on button's post is answered with a redirect to the provider,
            # which the page's form-action must allow (django-csp adds it to this response).
            response._csp_update = {"form-action": [sso.issuer_origin()]}
        return response

    def form_valid(self, form: Any) -> Any:
        from . import sign_in_events, two_factor

        # Recorded as signed in by password, with the second step still to come where it is.
        method = (
            "password; second step to come" if two_factor.second_step_needed(form.get_user()) else "password"
        )
        setattr(self.request, sign_in_events.METHOD_ATTRIBUTE, method)
        response = super().form_valid(form)
        two_factor.after_password_sign_in(self.request, form.get_user())
        return response

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        from . import sso

        return super().get_context_data(
            sso=sso.is_configured(),
            sso_provider=sso.provider_name(),
            local_passwords=settings.LOCAL_PASSWORDS,
            **kwargs,
        )
