"""Two-step sign-in for local accounts: a code from an authenticator app (TOTP), or a recovery code.

Where the app keeps passwords (the embedded mode, the break-glass accounts,
councils without single sign-on), a password alone does not open it for
anyone who has set up an authenticator app, and the roles that hold the most
(SECOND_FACTOR_ROLES: the Administrator and Finance) must set one up at their
next sign-in before they see any page. Everyone else may. Single sign-on
leaves the second step to the identity provider.

The devices are django-otp's (TOTP with its drift window, throttling and
refusal of a code used twice; recovery codes as its static tokens). The
state of a sign-in is kept in its session, so a page costs no query to check
it. A wrong code counts, as a wrong password does, towards django-axes'
pause of that username from that address; once paused the session is ended.
"""

from __future__ import annotations

import io
import logging
import math
from typing import Any
from urllib.parse import quote

from axes.handlers.proxy import AxesProxyHandler
from django import forms
from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.signals import user_login_failed
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods
from django_otp import devices_for_user
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import sign_in_events
from .auth import client_ip_address, is_demo_user, lockout_response
from .models import SignInEventKind

log = logging.getLogger(__name__)

# The session's note of where a password sign-in stands: a code still to give, an app
# still to set up, or done.
STATE = "second_factor"
VERIFY, ENROL, DONE = "verify", "enrol", "done"
# Recovery codes shown once, just after they are made.
NEW_CODES = "second_factor_new_codes"
RECOVERY_CODES = 10
# Pages a person between the two steps may open.
OPEN_BETWEEN_STEPS = {"two-factor", "two-factor-verify", "logout", "login", "healthz", "favicon"}


def required_for(user: Any) -> bool:
    held = set(user.groups.values_list("name", flat=True))
    return bool(held & set(settings.SECOND_FACTOR_ROLES)) or user.is_superuser


def app_of(user: Any, *, confirmed: bool = True) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=confirmed).order_by("pk").first()


def second_step_needed(user: Any) -> bool:
    """Whether a password sign-in of this person goes on to a second step."""
    if settings.DEBUG and is_demo_user(user):
        return False
    return app_of(user) is not None or required_for(user)


def after_password_sign_in(request: HttpRequest, user: Any) -> None:
    """Called once the password is right and the person signed in: what they must do next."""
    if settings.DEBUG and is_demo_user(user):
        _forgive(request, user)
        return  # the demo logins of the embedded mode, for trying the app
    # A key shown on a set-up page and never confirmed is not offered again: each set-up gets its
    # own, so a key seen by someone with the password alone is never the one the owner scans.
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    if app_of(user) is not None:
        request.session[STATE] = VERIFY
    elif required_for(user):
        request.session[STATE] = ENROL
    else:
        _forgive(request, user)


def _forgive(request: HttpRequest, user: Any) -> None:
    """Signed in in full: failed attempts before it are forgiven now, not at the password alone
    (AXES_RESET_ON_SUCCESS is off, so a right password does not wipe out wrong codes)."""
    AxesProxyHandler.reset_attempts(ip_address=client_ip_address(request), username=user.get_username())


def end_sessions_of(user: Any, *, keep: str | None = None) -> int:
    """Signs the person out everywhere (but the session ``keep``): their next sign-in takes the
    second step their role now asks for, or the one they have just set up."""
    from django.contrib.sessions.models import Session

    ended = [
        session.pk
        for session in Session.objects.filter(expire_date__gt=timezone.now()).exclude(pk=keep or "")
        if session.get_decoded().get("_auth_user_id") == str(user.pk)
    ]
    Session.objects.filter(pk__in=ended).delete()
    return len(ended)


def _required_role_given(
    sender: Any, instance: Any, action: str, reverse: bool, pk_set: Any, **_: Any
) -> None:
    if action != "post_add" or reverse or not instance.has_usable_password():
        return
    from django.contrib.auth.models import Group

    if Group.objects.filter(pk__in=pk_set or (), name__in=settings.SECOND_FACTOR_ROLES).exists():
        end_sessions_of(instance)


def connect() -> None:
    """A role that requires the second step, given to someone already signed in by password, ends
    their sessions: otherwise they would go on without it until they next signed in."""
    from django.contrib.auth import get_user_model
    from django.db.models.signals import m2m_changed

    m2m_changed.connect(
        _required_role_given, sender=get_user_model().groups.through, dispatch_uid="core.two_factor.required"
    )


class SecondStepMiddleware:
    """Keeps someone signed in with a password alone on the second step until it is done."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = getattr(request, "session", None)
        if session is not None and session.session_key and session.get(STATE) in (VERIFY, ENROL):
            try:
                name = resolve(request.path_info).url_name
            except Resolver404:
                name = None
            if name not in OPEN_BETWEEN_STEPS and not request.path_info.startswith(f"/{settings.STATIC_URL}"):
                step = "two-factor-verify" if session[STATE] == VERIFY else "two-factor"
                return HttpResponseRedirect(f"{reverse(step)}?next={quote(request.get_full_path())}")
        return self.get_response(request)


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=20,
        help_text="The 6-digit code your authenticator app shows now.",
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "spellcheck": "false"}
        ),
    )

    def clean_code(self) -> str:
        return "".join(self.cleaned_data["code"].split()).lower()


def _next(request: HttpRequest) -> str:
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(wanted, {request.get_host()}, require_https=request.is_secure()):
        return wanted
    return reverse(settings.LOGIN_REDIRECT_URL)


def _done(request: HttpRequest) -> HttpResponse:
    request.session.cycle_key()
    request.session[STATE] = DONE
    return HttpResponseRedirect(_next(request))


@require_http_methods(["GET", "HEAD", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """The second step: a code from the app, or a recovery code."""
    if request.session.get(STATE) != VERIFY:
        return HttpResponseRedirect(_next(request))
    user = request.user
    credentials = {"username": user.get_username()}
    form = CodeForm(request.POST or None)
    form.fields[
        "code"
    ].help_text = "The 6-digit code your authenticator app shows now, or one of your recovery codes."
    if request.method == "POST":
        if AxesProxyHandler.is_locked(request, credentials):
            return _paused(request)
        if form.is_valid():
            code = form.cleaned_data["code"]
            # An app's code is only digits, a recovery code has letters: each is tried only where it
            # can match, so one kind's throttling never holds back the other.
            kind = TOTPDevice if code.isdigit() and len(code) == 6 else StaticDevice
            waiting = _wait_seconds(user, kind=kind)
            device = None if waiting else _matching(user, kind, code)
            if device is not None:
                AxesProxyHandler.reset_attempts(
                    ip_address=client_ip_address(request), username=credentials["username"]
                )
                log.info("Second step passed: user %s, with %s", user.pk, kind.__name__)
                sign_in_events.record(
                    SignInEventKind.SECOND_STEP_PASSED,
                    request=request,
                    user=user,
                    method="recovery code" if kind is StaticDevice else "authenticator app",
                )
                return _done(request)
            # A code sent while still held back counts too: it is one more guess.
            user_login_failed.send(sender=__name__, credentials=credentials, request=request)
            log.warning("Second step failed: user %s%s", user.pk, " (held back)" if waiting else "")
            if AxesProxyHandler.is_locked(request, credentials):
                return _paused(request)
            if waiting:
                form.add_error("code", _held_back(waiting))
            else:
                form.add_error(
                    "code", "That code is not right. Enter the newest code from your app, or a recovery code."
                )
    return render(
        request,
        "registration/two_factor_verify.html",
        {"form": form, "next": _next(request), "title": "Enter your code", "between_sign_in_steps": True},
    )


def _held_back(seconds: int) -> str:
    return (
        f"Too many codes tried in a row: wait {seconds} second{'s' if seconds > 1 else ''}, "
        "then enter the newest code from your app."
    )


def _matching(user: Any, kind: type[Any], code: str) -> Any:
    """The user's confirmed device of that kind that takes the code (locked while it checks, so two
    requests with one code cannot both pass), or None."""
    with transaction.atomic():
        for device in kind.objects.select_for_update().filter(user=user, confirmed=True).order_by("pk"):
            if device.verify_token(code):
                return device
    return None


def _wait_seconds(user: Any, *, confirmed: bool = True, kind: type[Any] | None = None) -> int:
    """How long django-otp's throttling still holds back a code after wrong ones (0: not at all)."""
    now, longest = timezone.now(), 0
    for device in devices_for_user(user, confirmed=confirmed):
        if kind is not None and not isinstance(device, kind):
            continue
        allowed, data = device.verify_is_allowed()
        if not allowed and data and data.get("locked_until"):
            longest = max(longest, math.ceil((data["locked_until"] - now).total_seconds()))
    return longest


def _paused(request: HttpRequest) -> HttpResponse:
    logout(request)
    return lockout_response(request)


@require_http_methods(["GET", "HEAD", "POST"])
def manage(request: HttpRequest) -> HttpResponse:
    """Set up an authenticator app, see that one is set up, or make new recovery codes."""
    user = request.user
    if not user.has_usable_password():
        return render(
            request, "registration/two_factor.html", {"title": "Two-step sign-in", "single_sign_on": True}
        )
    confirmed = app_of(user)
    between = request.session.get(STATE) in (VERIFY, ENROL)
    if between and confirmed is not None:
        # An app was set up meanwhile (elsewhere): this sign-in must now give its code.
        request.session[STATE] = VERIFY
    if request.session.get(STATE) == VERIFY:
        return HttpResponseRedirect(f"{reverse('two-factor-verify')}?next={quote(request.get_full_path())}")
    if confirmed is not None:
        return _manage_confirmed(request, user, confirmed)
    return _enrol(request, user)


def _enrol(request: HttpRequest, user: Any) -> HttpResponse:
    device = app_of(user, confirmed=False) or TOTPDevice.objects.create(
        user=user, name="Authenticator app", confirmed=False
    )
    form = CodeForm(request.POST or None)
    waiting = _wait_seconds(user, confirmed=False)
    if request.method == "POST" and form.is_valid() and waiting:
        form.add_error("code", _held_back(waiting))
    elif request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["code"]):
            with transaction.atomic():
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                codes = _new_recovery_codes(user)
            _changed(request, user, f"set up an authenticator app; {RECOVERY_CODES} recovery codes made")
            request.session[NEW_CODES] = codes
            request.session.cycle_key()
            request.session[STATE] = DONE
            # Any other sign-in of the account, by password alone, now needs the app's code.
            request.session.save()
            end_sessions_of(user, keep=request.session.session_key)
            return HttpResponseRedirect(f"{reverse('two-factor')}?next={quote(_next(request))}")
        form.add_error(
            "code", "That code is not right. Check the app shows Twinning, and enter its newest code."
        )
    return render(
        request,
        "registration/two_factor.html",
        {
            "title": "Set up two-step sign-in",
            "form": form,
            "qr_code": _qr_svg(device.config_url),
            "secret": _grouped(device),
            "required": second_step_needed(user),  # not for the demo logins of the embedded mode
            "next": _next(request),
            # Between the password and a working app the register's links lead nowhere: hidden.
            "between_sign_in_steps": request.session.get(STATE) == ENROL,
        },
    )


def _manage_confirmed(request: HttpRequest, user: Any, device: TOTPDevice) -> HttpResponse:
    form = CodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        # New codes undo the old: only with the app in hand, not with a session alone.
        waiting = _wait_seconds(user, kind=TOTPDevice)
        if waiting:
            form.add_error("code", _held_back(waiting))
        elif _matching(user, TOTPDevice, form.cleaned_data["code"]) is None:
            form.add_error("code", "That code is not right. Enter the newest code from your app.")
        else:
            request.session[NEW_CODES] = _new_recovery_codes(user)
            _changed(request, user, "new recovery codes made; the old ones stopped working")
            return HttpResponseRedirect(reverse("two-factor"))
    codes = request.session.pop(NEW_CODES, None)
    left = StaticToken.objects.filter(device__user=user, device__confirmed=True).count()
    return render(
        request,
        "registration/two_factor.html",
        {
            "title": "Two-step sign-in",
            "device": device,
            "new_codes": codes,
            "codes_left": left,
            "form": form,
            "next": _next(request) if request.GET.get("next") else "",
        },
    )


def _changed(request: HttpRequest, user: Any, what: str) -> None:
    """A person's own change to their two-step sign-in, logged and recorded."""
    log.info("Two-step sign-in of user %s: %s", user.pk, what)
    sign_in_events.record(
        SignInEventKind.SECOND_FACTOR_CHANGED, request=request, user=user, by=user, detail=what
    )


def _new_recovery_codes(user: Any) -> list[str]:
    """Ten new recovery codes, replacing any before them; each works once."""
    with transaction.atomic():
        StaticDevice.objects.filter(user=user).delete()
        device = StaticDevice.objects.create(user=user, name="Recovery codes", confirmed=True)
        codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
        StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def _qr_svg(data: str) -> str:
    import qrcode
    import qrcode.image.svg

    out = io.BytesIO()
    qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, border=2).save(out)
    svg = out.getvalue().decode()
    svg = svg[svg.index("<svg") :]  # without the XML declaration, to sit inside the page
    labelled = svg.replace("<svg ", '<svg role="img" aria-label="QR code for your authenticator app" ', 1)
    return mark_safe(labelled)  # noqa: S308 - drawn here by qrcode from the device's own URL


def _grouped(device: TOTPDevice) -> str:
    """The key as an app asks for it typed in: base32, in groups of four."""
    import base64

    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
