"""The record of signing in (core.models.SignInEvent), written as it happens.

Sign-ins and sign-outs, failed passwords and second steps, pauses after too
many failures, refusals of single sign-on, role changes (from the identity
provider or the Django admin, with who made them) and changes to a person's
two-step sign-in. Nothing secret: no password, code or token is ever passed
here, only what happened, to whom, from where and by which means.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import m2m_changed, pre_save

from . import roles
from .models import SignInEvent, SignInEventKind

Kind = SignInEventKind
# Set on a request by whoever signs the person in some other way than by password.
METHOD_ATTRIBUTE = "_signing_in_by"
# Set on a user while the identity provider's groups are applied, so the change is put down to it.
FROM_PROVIDER_ATTRIBUTE = "_roles_from_provider"


def record(
    kind: str,
    *,
    request: Any = None,
    user: Any = None,
    username: str = "",
    by: Any = None,
    method: str = "",
    detail: str = "",
) -> SignInEvent:
    from .auth import client_ip_address

    address = client_ip_address(request) if request is not None else None
    return SignInEvent.objects.create(
        kind=kind,
        user=user if getattr(user, "pk", None) else None,
        username=(username or getattr(user, "username", "") or "")[:150],
        by=by if getattr(by, "is_authenticated", False) else None,
        ip_address=address or None,
        method=method[:40],
        detail=detail[:300],
    )


def _signed_in(sender: Any, request: Any = None, user: Any = None, **_: Any) -> None:
    record(Kind.SIGNED_IN, request=request, user=user, method=getattr(request, METHOD_ATTRIBUTE, "password"))


def _signed_out(sender: Any, request: Any = None, user: Any = None, **_: Any) -> None:
    if user is not None:
        record(Kind.SIGNED_OUT, request=request, user=user)


def _failed(sender: Any, credentials: dict | None = None, request: Any = None, **_: Any) -> None:
    from .auth import attempted_username

    second_step = sender == "core.two_factor"
    username = attempted_username(request, credentials)
    user = get_user_model().objects.filter(username__iexact=username).first() if username else None
    record(
        Kind.SECOND_STEP_FAILED if second_step else Kind.FAILED,
        request=request,
        user=user,
        username=username,
        method="second step" if second_step else "password",
    )


def _paused(sender: Any, request: Any = None, username: str = "", **_: Any) -> None:
    record(Kind.PAUSED, request=request, username=username or "", detail="too many failures from one address")


def _roles_changed(
    sender: Any, instance: Any, action: str, reverse: bool, pk_set: set[int] | None, **_: Any
) -> None:
    if action not in ("post_add", "post_remove", "pre_clear") or reverse or instance.pk is None:
        return
    if action == "pre_clear":
        names = list(instance.groups.filter(name__in=roles.ROLES).values_list("name", flat=True))
    else:
        names = list(
            Group.objects.filter(pk__in=pk_set or (), name__in=roles.ROLES).values_list("name", flat=True)
        )
    if not names:
        return
    change = "gave" if action == "post_add" else "took away"
    from_provider = getattr(instance, FROM_PROVIDER_ATTRIBUTE, False)
    request = _current_request()
    record(
        Kind.ROLES_CHANGED,
        request=request,
        user=instance,
        by=None if from_provider else getattr(request, "user", None),
        method="identity provider's groups"
        if from_provider
        else "Django admin"
        if _in_admin(request)
        else "",
        detail=f"{change} {', '.join(sorted(names))}",
    )


def _account_changed(
    sender: Any, instance: Any, update_fields: Any = None, raw: bool = False, **_: Any
) -> None:
    """Switching an account off or on, and making it superuser or not, are recorded like roles."""
    if (
        raw
        or instance.pk is None
        or (update_fields is not None and not {"is_active", "is_superuser"} & set(update_fields))
    ):
        return
    before = sender.objects.filter(pk=instance.pk).values("is_active", "is_superuser").first()
    if before is None:
        return
    changes = []
    if before["is_active"] != instance.is_active:
        changes.append("switched the account on" if instance.is_active else "switched the account off")
    if before["is_superuser"] != instance.is_superuser:
        changes.append("made it superuser" if instance.is_superuser else "took away superuser")
    if changes:
        request = _current_request()
        record(
            Kind.ROLES_CHANGED,
            request=request,
            user=instance,
            by=getattr(request, "user", None),
            method="Django admin" if _in_admin(request) else "",
            detail="; ".join(changes),
        )


def _current_request() -> Any:
    """The request being answered, as django-simple-history's middleware keeps it (None outside one)."""
    from simple_history.models import HistoricalRecords

    return getattr(HistoricalRecords.context, "request", None)


def _in_admin(request: Any) -> bool:
    match = getattr(request, "resolver_match", None)
    return bool(match and match.namespace == "admin")


def connect() -> None:
    user_logged_in.connect(_signed_in, dispatch_uid="core.sign_in_events.signed_in")
    user_logged_out.connect(_signed_out, dispatch_uid="core.sign_in_events.signed_out")
    user_login_failed.connect(_failed, dispatch_uid="core.sign_in_events.failed")
    from axes.signals import user_locked_out

    user_locked_out.connect(_paused, dispatch_uid="core.sign_in_events.paused")
    m2m_changed.connect(
        _roles_changed, sender=get_user_model().groups.through, dispatch_uid="core.sign_in_events.roles"
    )
    pre_save.connect(_account_changed, sender=get_user_model(), dispatch_uid="core.sign_in_events.account")
