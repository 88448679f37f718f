"""Single sign-on through the council's OpenID Connect provider (Microsoft Entra ID or another).

The authorisation-code flow with PKCE (S256), ``state`` and ``nonce``, through
Authlib's Django client: the provider's endpoints and keys come from its
issuer's metadata. The ID token is checked before anyone is signed in: its
signature against the provider's published keys, its issuer, its audience
(this app's client id), its expiry and the nonce this browser was given.
Anything else is refused with a plain message and a log line that names the
reason, never the token.

A person is known by the provider's subject identifier (``sub``), never by
e-mail alone (core.models.SignInIdentity). Each sign-in copies their name and
e-mail, and sets their roles from the provider's groups (OIDC_ROLE_GROUPS):
with single sign-on the provider decides who holds which role, and the app
only shows it. Someone whose groups give no role is signed in to a page that
says whom to ask.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

import requests
from authlib.integrations.base_client import MismatchingStateError, OAuthError
from authlib.integrations.django_client import OAuth
from django.conf import settings
from django.contrib.auth import get_user_model, login
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render, resolve_url
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST, require_safe
from joserfc.errors import BadSignatureError, ClaimError, ExpiredTokenError, JoseError

from . import kept, roles, sign_in_events
from .middleware import SSO_SIGNED_IN_AT
from .models import SignInEventKind, SignInIdentity

log = logging.getLogger(__name__)

ROLE_NAMES = {
    "officer": roles.OFFICER,
    "finance": roles.FINANCE,
    "leaders-office": roles.LEADERS_OFFICE,
    "administrator": roles.ADMINISTRATOR,
}
# Kept in the session until the provider sends the browser back: where to go once signed in.
NEXT = "sso_next"
# Seconds of clock difference allowed between the provider and this server.
LEEWAY_SECONDS = 60
# Seconds to wait for the provider's metadata, keys and token endpoint.
TIMEOUT_SECONDS = 10

# What each refusal tells the person (the log line says more).
REFUSALS = {
    "cancelled": "Signing in was cancelled at {provider}.",
    "provider-error": "{provider} could not sign you in.",
    "state": "That sign-in link has been used already or has expired. Please start again.",
    "code": "{provider}'s sign-in could not be completed (the code was already used or has expired). "
    "Please start again.",
    "token": "{provider}'s answer could not be trusted, so you have not been signed in.",
    "expired": "{provider}'s answer had expired, so you have not been signed in. Please start again.",
    "unreachable": "{provider} could not be reached. Please try again in a few minutes.",
    "switched-off": "Your account on the twinning register has been switched off. Ask {contact}.",
    "groups": "{provider} did not say which groups you are in, so your access could not be worked out. "
    "Ask {contact}.",
}


def is_configured() -> bool:
    return bool(settings.OIDC_ISSUER)


def provider_name() -> str:
    return settings.OIDC_PROVIDER_NAME or settings.COUNCIL_NAME


def issuer_origin() -> str:
    """The provider's origin (scheme, host and port), for the sign-in page's form-action."""
    parts = urlsplit(settings.OIDC_ISSUER)
    return f"{parts.scheme}://{parts.netloc}"


_clients: dict[tuple[str, ...], Any] = {}


def client() -> Any:
    """The provider's client, one per configuration (its metadata and keys are kept once read)."""
    key = (settings.OIDC_ISSUER, settings.OIDC_CLIENT_ID, settings.OIDC_CLIENT_SECRET, settings.OIDC_SCOPES)
    found = _clients.get(key)
    if found is None:
        found = OAuth().register(
            name="council",
            client_id=settings.OIDC_CLIENT_ID,
            client_secret=settings.OIDC_CLIENT_SECRET,
            server_metadata_url=f"{settings.OIDC_ISSUER}/.well-known/openid-configuration",
            client_kwargs={
                "scope": settings.OIDC_SCOPES,
                "code_challenge_method": "S256",
                "default_timeout": TIMEOUT_SECONDS,
            },
        )
        _clients[key] = found
    return found


class Refused(Exception):
    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(reason)
        self.reason, self.detail = reason, detail


def _metadata() -> Mapping[str, Any]:
    metadata = client().load_server_metadata()
    if metadata.get("issuer") != settings.OIDC_ISSUER:
        # The metadata must name the issuer it was asked of (OpenID Connect Discovery 4.3).
        raise Refused("token", f"the metadata names the issuer {metadata.get('issuer')!r}")
    return metadata


def _refused(request: HttpRequest, refusal: Refused, status: int = 403) -> HttpResponse:
    detail = refusal.detail[:200]  # it may quote what the provider (or anyone) sent
    log.warning("Single sign-on refused (%s): %s", refusal.reason, detail or "no detail")
    # Recorded when this browser had started a sign-in: a made-up visit to the callback writes nothing.
    if request.session.get(NEXT) is not None:
        sign_in_events.record(
            SignInEventKind.SSO_REFUSED,
            request=request,
            method="single sign-on",
            detail=f"{refusal.reason}: {detail}" if detail else refusal.reason,
        )
    message = REFUSALS[refusal.reason].format(provider=provider_name(), contact=settings.ACCESS_CONTACT)
    return render(
        request,
        "registration/sso_refused.html",
        {"message": message, "provider": provider_name()},
        status=status,
    )


@login_not_required
@require_POST
def start(request: HttpRequest) -> HttpResponse:
    """Sends the browser to the provider (the sign-in page's button posts here, with its CSRF token)."""
    if not is_configured():
        raise Http404("Single sign-on is not set up.")
    wanted = request.POST.get("next", "")
    safe = url_has_allowed_host_and_scheme(wanted, {request.get_host()}, require_https=request.is_secure())
    request.session[NEXT] = wanted if safe else ""
    try:
        _metadata()
        return client().authorize_redirect(request, request.build_absolute_uri(reverse("sso-callback")))
    except Refused as refusal:
        return _refused(request, refusal, status=502)
    except (requests.RequestException, ValueError, RuntimeError) as exc:
        refusal = Refused("unreachable", f"its metadata could not be read: {type(exc).__name__}")
        return _refused(request, refusal, status=502)


@login_not_required
@require_safe
def callback(request: HttpRequest) -> HttpResponse:
    """Where the provider sends the browser back: checks its answer, then signs the person in."""
    if not is_configured():
        raise Http404("Single sign-on is not set up.")
    try:
        claims = _checked_claims(request)
        groups_of(claims)  # refused before anyone is made or changed
        user = sign_in_identity(issuer=settings.OIDC_ISSUER, claims=claims)
    except Refused as refusal:
        return _refused(request, refusal, status=502 if refusal.reason == "unreachable" else 403)
    if not user.is_active:
        return _refused(request, Refused("switched-off", f"user {user.pk} is not active"))
    wanted = request.session.pop(NEXT, "") or ""
    setattr(request, sign_in_events.METHOD_ATTRIBUTE, "single sign-on")
    login(request, user, backend="core.auth.RoleBackend")
    request.session[SSO_SIGNED_IN_AT] = int(time.time())
    log.info("Signed in through single sign-on: user %s", user.pk)
    if not roles_of(user):
        return HttpResponseRedirect(reverse("no-role"))
    return HttpResponseRedirect(wanted or resolve_url(settings.LOGIN_REDIRECT_URL))


def _checked_claims(request: HttpRequest) -> Mapping[str, Any]:
    """The ID token's claims once every check has passed; Refused otherwise."""
    error = request.GET.get("error")
    if error:
        reason = "cancelled" if error == "access_denied" else "provider-error"
        raise Refused(reason, f"the provider answered {error!r}")
    try:
        _metadata()
        token = client().authorize_access_token(
            request,
            claims_options={
                "iss": {"essential": True, "value": settings.OIDC_ISSUER},
                "aud": {"essential": True, "value": settings.OIDC_CLIENT_ID},
                "sub": {"essential": True},
            },
            leeway=LEEWAY_SECONDS,
        )
    except MismatchingStateError:
        raise Refused("state", "no sign-in was started in this browser with that state") from None
    except OAuthError as exc:
        raise Refused("code", f"the token endpoint answered {exc.error!r}") from None
    except ExpiredTokenError:
        raise Refused("expired", "the ID token has expired") from None
    except ClaimError as exc:
        raise Refused("token", f"the ID token's {exc.claim!r} claim is wrong or missing") from None
    except BadSignatureError:
        raise Refused("token", "the ID token's signature does not verify") from None
    except JoseError as exc:
        raise Refused("token", f"the ID token could not be read: {type(exc).__name__}") from None
    except requests.RequestException as exc:
        raise Refused("unreachable", f"{type(exc).__name__}") from None
    except (ValueError, RuntimeError, KeyError, TypeError) as exc:
        # Metadata or keys the client could not use (not JSON, no jwks_uri, a malformed key set).
        raise Refused("token", f"the provider's answer could not be used: {type(exc).__name__}") from None
    claims = token.get("userinfo")
    if not claims:
        raise Refused("token", "the answer carried no ID token")
    return claims


def groups_of(claims: Mapping[str, Any]) -> list[str]:
    """The groups the token lists. Refused when it cannot say: a claim of the wrong shape, or
    left out for too many groups (Entra ID's "overage", which names it in _claim_names instead),
    rather than taking every role away."""
    name = settings.OIDC_GROUPS_CLAIM
    if name in (claims.get("_claim_names") or {}):
        raise Refused("groups", "the groups claim was left out of the token (too many groups)")
    found = claims.get(name) or []
    if isinstance(found, str):
        found = [found]
    if not isinstance(found, (list, tuple)) or not all(isinstance(group, (str, int)) for group in found):
        raise Refused("groups", f"the {name!r} claim is not a list of groups")
    return sorted({str(group) for group in found})


def roles_from_groups(groups: Iterable[str]) -> set[str]:
    return {ROLE_NAMES[key] for group in groups for key in settings.OIDC_ROLE_GROUPS.get(group, ())}


def roles_of(user: Any) -> set[str]:
    return set(user.groups.filter(name__in=roles.ROLES).values_list("name", flat=True))


def sign_in_identity(*, issuer: str, claims: Mapping[str, Any]) -> Any:
    """The person the claims name, made on their first sign-in; their name, e-mail and roles
    brought up to date from the claims."""
    subject = str(claims["sub"])
    groups = groups_of(claims)
    try:
        with transaction.atomic():
            identity = _identity(issuer, subject, claims, groups)
    except IntegrityError:  # the same person's first sign-in in two tabs at once: the other made it
        with transaction.atomic():
            identity = _identity(issuer, subject, claims, groups)
    return identity.user


def _identity(issuer: str, subject: str, claims: Mapping[str, Any], groups: list[str]) -> SignInIdentity:
    now = timezone.now()
    identity = (
        SignInIdentity.objects.select_for_update()
        .select_related("user")
        .filter(issuer=issuer, subject=subject)
        .first()
    )
    if identity is None:
        user = get_user_model()(username=_free_username(claims, subject))
        user.set_unusable_password()
        _copy_person(user, claims)
        user.save()
        identity = SignInIdentity.objects.create(
            user=user, issuer=issuer, subject=subject, groups=groups, last_signed_in_at=now
        )
    else:
        _copy_person(identity.user, claims)
        identity.user.save(update_fields=["first_name", "last_name", "email"])
        identity.groups, identity.last_signed_in_at = groups, now
        identity.save(update_fields=["groups", "last_signed_in_at"])
    _set_roles(identity.user, roles_from_groups(groups))
    return identity


def _copy_person(user: Any, claims: Mapping[str, Any]) -> None:
    given, family = str(claims.get("given_name") or ""), str(claims.get("family_name") or "")
    if not (given or family):
        given, _, family = str(claims.get("name") or "").partition(" ")
    user.first_name, user.last_name = given[:150], family[:150]
    user.email = str(claims.get("email") or "")[:254]


def _set_roles(user: Any, wanted: set[str]) -> None:
    held = roles_of(user)
    if held != wanted:
        managed = Group.objects.filter(name__in=roles.ROLES)
        setattr(user, sign_in_events.FROM_PROVIDER_ATTRIBUTE, True)  # recorded as the provider's doing
        try:
            user.groups.remove(*[group for group in managed if group.name in held - wanted])
            user.groups.add(*[group for group in managed if group.name in wanted - held])
        finally:
            delattr(user, sign_in_events.FROM_PROVIDER_ATTRIBUTE)
        log.info("Roles of user %s from single sign-on: %s", user.pk, ", ".join(sorted(wanted)) or "none")
    # The Django admin is the Administrator's; it follows the role.
    staff = roles.ADMINISTRATOR in wanted
    if user.is_staff != staff:
        type(user).objects.filter(pk=user.pk).update(is_staff=staff)
        user.is_staff = staff
        kept.move_on(type(user)._meta.label)  # an update sends no post_save


def _free_username(claims: Mapping[str, Any], subject: str) -> str:
    """A username for the Django admin's lists: the provider's, else the e-mail's first part,
    made unique; never one of the reserved demo names."""
    from .auth import DEMO_USERNAMES

    User = get_user_model()
    wanted = str(claims.get("preferred_username") or claims.get("email") or subject).split("@")[0]
    base = "".join(ch for ch in wanted.lower() if ch.isalnum() or ch in "._-")[:140] or "person"
    name, number = base, 1
    while name in DEMO_USERNAMES or User.objects.filter(username__iexact=name).exists():
        number += 1
        name = f"{base}-{number}"
    return name


@require_safe
def no_role(request: HttpRequest) -> HttpResponse:
    """For someone signed in whose groups give them no role here."""
    return render(
        request,
        "registration/no_role.html",
        {"contact": settings.ACCESS_CONTACT, "provider": provider_name(), "title": "No access yet"},
    )
