"""Security of the site as a whole: headers and Content Security Policy, sign-in
throttling, session inactivity, the sign-in `next` parameter, and what the logs
may never hold."""

from __future__ import annotations

import io
import ipaddress
import logging
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from core import roles
from core.middleware import SEEN_KEY, last_used, seen_cookie_name, used_stamp
from delegations.models import new_calendar_token
from tests.factories import UserFactory
from tests.support.register import calendar_owner

PASSWORD = "correct-horse-battery-staple-7"


def _officer(username: str):
    return UserFactory(
        username=username, email=f"{username}@derby.gov.uk", roles=[roles.OFFICER], password=PASSWORD
    )


@pytest.fixture
def nadia(db):
    """An officer with a password of her own (the demo logins are not used here)."""
    return _officer("nadia.khan")


@pytest.fixture
def omar(db):
    return _officer("omar.patel")


def sign_in(
    client, username: str, password: str, address: str = "198.51.100.7", forwarded_for: str = "", **extra
):
    """Posts the sign-in form from ``address``, through a proxy that says it forwards ``forwarded_for``."""
    headers = {"HTTP_X_FORWARDED_FOR": forwarded_for} if forwarded_for else {}
    return client.post(
        reverse("login"),
        {"username": username, "password": password, **extra},
        REMOTE_ADDR=address,
        **headers,
    )


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


# --- Headers and Content Security Policy ------------------------------------------------


def directives(header: str) -> dict[str, list[str]]:
    parsed: dict[str, list[str]] = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            parsed[words[0]] = words[1:]
    return parsed


@pytest.mark.parametrize("url_name", ["login", "overview:dashboard", "partners:place-list"])
def test_every_page_sends_a_policy_that_allows_nothing_inline(client, officer, url_name):
    if url_name != "login":
        client.force_login(officer)
    response = client.get(reverse(url_name))

    assert response.status_code == 200
    policy = directives(response["Content-Security-Policy"])
    for directive in ("script-src", "style-src", "default-src"):
        assert policy[directive] == ["'self'"], f"{directive}: {policy[directive]}"
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]


def test_pages_carry_the_other_security_headers(officer_client):
    response = officer_client.get(reverse("overview:dashboard"))

    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def _permissions(header: str) -> dict[str, str]:
    return dict(part.strip().split("=", 1) for part in header.split(",") if part.strip())


@pytest.mark.parametrize(
    ("signed_in_as", "address", "status"),
    [
        (None, "login", 200),
        (None, "healthz", 200),
        (None, "/no-such-page/", 404),
        (None, "/static/css/twinning.css", 200),
        ("officer", "overview:dashboard", 200),
        ("officer", "partners:place-list", 200),
        ("officer", "delegations:overseas-travel-csv", 200),
        ("officer", "/no-such-page/", 404),
    ],
)
def test_every_response_refuses_the_browser_features_the_app_does_not_use(
    client, officer, settings, signed_in_as, address, status
):
    # WhiteNoise serves the files themselves (as it serves collected ones in production),
    # before the request reaches Django's pages.
    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = True
    if signed_in_as:
        client.force_login(officer)

    response = client.get(address if address.startswith("/") else reverse(address))

    assert response.status_code == status
    refused = _permissions(response["Permissions-Policy"])
    for feature in ("camera", "microphone", "geolocation", "payment", "usb", "serial", "midi"):
        assert refused.get(feature) == "()", f"{feature}: {refused.get(feature)}"
    assert set(refused.values()) == {"()"}, "a feature is allowed to someone"


def test_no_page_template_holds_inline_script_or_style():
    """The policy would block them in the browser; keep them out of the source too."""
    offenders = []
    for template in sorted((settings.BASE_DIR / "templates").rglob("*.html")):
        text = template.read_text()
        lowered = text.lower()
        if " style=" in lowered or "<style" in lowered:
            offenders.append(f"{template.name}: inline style")
        for chunk in lowered.split("<script")[1:]:
            opening = chunk.split(">", 1)[0]
            if "src=" not in opening and 'type="application/json"' not in opening:
                offenders.append(f"{template.name}: inline script")
        if " on" in lowered and any(
            f" on{event}=" in lowered for event in ("click", "load", "change", "submit")
        ):
            offenders.append(f"{template.name}: inline event handler")
    assert not offenders


def test_htmx_is_told_not_to_inject_its_own_styles(officer_client):
    body = officer_client.get(reverse("overview:dashboard")).content.decode()

    assert 'name="htmx-config"' in body
    assert '"includeIndicatorStyles": false' in body


# --- Sign-in throttling -------------------------------------------------------------------


def test_a_username_is_paused_from_one_address_after_the_failure_limit(client, nadia):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = sign_in(client, "nadia.khan", "wrong-password")
        assert response.status_code == 200
        assert "Please enter a correct username and password" in response.content.decode()

    response = sign_in(client, "nadia.khan", "wrong-password")

    assert response.status_code == 429
    body = response.content.decode()
    assert "Sign-in paused" in body
    assert f"{settings.AXES_COOLOFF_TIME.seconds // 60} minutes" in body

    # While paused even the right password is refused from that address.
    response = sign_in(client, "nadia.khan", PASSWORD)
    assert response.status_code == 429
    assert not signed_in(client)


def test_a_paused_username_still_signs_in_from_another_address(client, nadia):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "nadia.khan", "wrong-password", address="198.51.100.7")

    response = sign_in(client, "nadia.khan", PASSWORD, address="203.0.113.20")

    assert response.status_code == 302
    assert signed_in(client)


def test_colleagues_behind_the_same_address_are_not_locked_out(client, nadia, omar):
    """One office, one public address: one person's failures pause only their username."""
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "nadia.khan", "wrong-password")

    response = sign_in(client, "omar.patel", PASSWORD)

    assert response.status_code == 302
    assert signed_in(client)


def test_case_and_spaces_do_not_give_a_username_fresh_attempts(client, nadia):
    for variant in ["nadia.khan", "Nadia.Khan", "NADIA.KHAN ", " nadia.khan", "nadia.KHAN"]:
        sign_in(client, variant, "wrong-password")

    assert sign_in(client, "nadia.khan", PASSWORD).status_code == 429


def test_a_successful_sign_in_clears_the_failures(client, nadia):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        sign_in(client, "nadia.khan", "wrong-password")
    assert sign_in(client, "nadia.khan", PASSWORD).status_code == 302
    client.post(reverse("logout"))

    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        sign_in(client, "nadia.khan", "wrong-password")

    assert sign_in(client, "nadia.khan", PASSWORD).status_code == 302


def test_the_pause_ends_after_the_cool_off(client, nadia):
    from axes.models import AccessAttempt

    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "nadia.khan", "wrong-password")
    assert sign_in(client, "nadia.khan", PASSWORD).status_code == 429

    AccessAttempt.objects.update(
        attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(seconds=1)
    )

    assert sign_in(client, "nadia.khan", PASSWORD).status_code == 302


def test_a_forwarded_address_cannot_be_chosen_by_the_client(client, nadia, settings):
    """Behind a trusted proxy, the right-most X-Forwarded-For entry is the one the proxy
    added; a client that prepends its own gets no fresh attempts."""
    settings.DEBUG = False
    settings.TRUSTED_PROXIES = (ipaddress.ip_network("10.0.0.2"),)
    for number in range(settings.AXES_FAILURE_LIMIT):
        sign_in(
            client,
            "nadia.khan",
            "wrong-password",
            address="10.0.0.2",
            forwarded_for=f"192.0.2.{number}, 198.51.100.7",
        )

    response = sign_in(
        client, "nadia.khan", PASSWORD, address="10.0.0.2", forwarded_for="192.0.2.99, 198.51.100.7"
    )

    assert response.status_code == 429


@pytest.mark.parametrize(
    "proxies",
    [(), ("10.0.0.0/8", "fd00::/8")],
    ids=["no-proxy-trusted", "another-proxy-trusted"],
)
def test_made_up_forwarded_addresses_from_an_untrusted_peer_are_locked_out(client, nadia, settings, proxies):
    """With no proxy in front, X-Forwarded-For is the client's own invention: twenty wrong
    passwords, each claiming a new address, count against the one they came from."""
    settings.DEBUG = False
    settings.TRUSTED_PROXIES = tuple(ipaddress.ip_network(proxy) for proxy in proxies)
    statuses = [
        sign_in(
            client,
            "nadia.khan",
            "wrong-password",
            address="198.51.100.7",
            forwarded_for=f"203.0.113.{number}",
        ).status_code
        for number in range(20)
    ]

    limit = settings.AXES_FAILURE_LIMIT
    assert statuses == [200] * (limit - 1) + [429] * (20 - limit + 1)
    response = sign_in(client, "nadia.khan", PASSWORD, address="198.51.100.7", forwarded_for="203.0.113.200")
    assert response.status_code == 429
    assert not signed_in(client)


def test_behind_a_trusted_proxy_the_address_it_forwards_is_the_one_counted(client, nadia, settings):
    from axes.models import AccessAttempt

    settings.DEBUG = False
    settings.TRUSTED_PROXIES = (ipaddress.ip_network("172.18.0.0/16"),)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "nadia.khan", "wrong-password", address="172.18.0.1", forwarded_for="198.51.100.7")

    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"198.51.100.7"}
    paused = sign_in(client, "nadia.khan", PASSWORD, address="172.18.0.1", forwarded_for="198.51.100.7")
    assert paused.status_code == 429
    # The same proxy forwarding her from elsewhere: that address has no failures.
    response = sign_in(client, "nadia.khan", PASSWORD, address="172.18.0.1", forwarded_for="203.0.113.20")
    assert response.status_code == 302
    assert signed_in(client)


# --- Sessions ---------------------------------------------------------------------------


def test_a_session_ends_after_the_inactivity_limit(client, nadia):
    sign_in(client, "nadia.khan", PASSWORD)
    assert client.get(reverse("overview:dashboard")).status_code == 200
    session = Session.objects.get(session_key=client.session.session_key)
    remaining = session.expire_date - timezone.now()
    # Kept a refresh interval past the limit, for uses that do not save it (see below).
    longest = settings.SESSION_COOKIE_AGE + settings.SESSION_REFRESH_SECONDS
    assert timedelta(seconds=longest - 60) < remaining <= timedelta(seconds=longest)

    # Nobody used it for longer than that.
    Session.objects.filter(pk=session.pk).update(expire_date=timezone.now() - timedelta(seconds=1))

    response = client.get(reverse("overview:dashboard"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_use_after_the_refresh_interval_moves_the_inactivity_limit_on(client, nadia):
    sign_in(client, "nadia.khan", PASSWORD)
    session = client.session
    session["_seen"] -= settings.SESSION_REFRESH_SECONDS + 1
    session.save()
    key = session.session_key
    Session.objects.filter(pk=key).update(expire_date=timezone.now() + timedelta(minutes=1))

    assert client.get(reverse("overview:dashboard")).status_code == 200

    remaining = Session.objects.get(pk=key).expire_date - timezone.now()
    assert remaining > timedelta(seconds=settings.SESSION_COOKIE_AGE - 60)


def _idle(client, seconds: int) -> None:
    """As if ``seconds`` had passed since the last request: every time the session and
    its cookies hold is moved that far back."""
    store = client.session
    key = store.session_key
    if SEEN_KEY not in store:
        return  # the session has ended: no time of it is left to move
    store[SEEN_KEY] -= seconds
    Session.objects.filter(pk=key).update(
        session_data=store.encode(dict(store.items())),
        expire_date=F("expire_date") - timedelta(seconds=seconds),
    )
    name = seen_cookie_name()
    client.cookies[name] = used_stamp(key, last_used(client.cookies[name].value, key) - seconds)


def _signed_in_page(client) -> bool:
    response = client.get(reverse("overview:dashboard"))
    assert response.status_code in (200, 302), response.status_code
    return response.status_code == 200


def test_with_a_short_limit_a_session_used_within_it_never_ends_early(client, nadia, settings):
    """Every use moves the limit on, also those that do not save the session."""
    settings.SESSION_COOKIE_AGE = 60
    sign_in(client, "nadia.khan", PASSWORD)

    used = []
    for pause in (50, 50, 59, 30, 59, 1, 59):
        _idle(client, pause)
        used.append(_signed_in_page(client))

    assert used == [True] * 7


def test_with_a_short_limit_a_session_idle_past_it_is_ended(client, nadia, settings):
    settings.SESSION_COOKIE_AGE = 60
    sign_in(client, "nadia.khan", PASSWORD)
    key = client.session.session_key
    _idle(client, 50)
    assert _signed_in_page(client)  # a use that did not save the session

    _idle(client, 61)

    response = client.get(reverse("overview:dashboard"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert not Session.objects.filter(pk=key).exists()
    assert not signed_in(client)


def test_signing_out_forgets_when_the_session_was_last_used(client, nadia):
    sign_in(client, "nadia.khan", PASSWORD)
    assert client.cookies[seen_cookie_name()].value

    client.post(reverse("logout"))

    assert client.cookies[seen_cookie_name()].value == ""


def test_pages_used_within_the_refresh_interval_do_not_write_the_session(client, nadia):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    sign_in(client, "nadia.khan", PASSWORD)
    client.get(reverse("overview:dashboard"))

    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse("overview:dashboard")).status_code == 200

    writes = [
        q["sql"] for q in captured if "django_session" in q["sql"] and not q["sql"].startswith("SELECT")
    ]
    assert writes == []


def test_signing_in_gives_a_new_session_key(client, nadia):
    client.get(reverse("login"))
    client.session.save()
    before = client.session.session_key

    sign_in(client, "nadia.khan", PASSWORD)

    assert client.session.session_key != before


# --- Where sign-in sends you --------------------------------------------------------------


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/phish",
        "//evil.example/phish",
        "/\\evil.example",
        "\\\\evil.example",
        "http:evil.example",
        "javascript:alert(1)",
        "https://testserver.evil.example/",
        " https://evil.example",
    ],
)
def test_next_cannot_send_a_signed_in_user_off_site(client, nadia, target):
    response = sign_in(client, "nadia.khan", PASSWORD, next=target)

    assert response.status_code == 302
    assert response["Location"] == reverse("overview:dashboard")


def test_next_still_takes_the_user_back_to_a_page_of_this_site(client, nadia):
    target = reverse("partners:place-list") + "?q=Osnabr%C3%BCck"

    response = sign_in(client, "nadia.khan", PASSWORD, next=target)

    assert response["Location"] == target


def test_next_from_the_query_string_is_not_written_into_the_page_unescaped(client, db):
    response = client.get(reverse("login"), {"next": '"><script>alert(1)</script>'})

    body = response.content.decode()
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;" in body or "%3Cscript%3E" in body


# --- Logs -------------------------------------------------------------------------------


def test_no_password_or_key_reaches_the_logs(client, nadia, caplog, settings):
    """Everything the app and its libraries log while people sign in, fail to,
    change a password and use the site: none of it may hold a secret."""
    settings.DEBUG = False
    secrets = [PASSWORD, "wrong-Passw0rd-typed", "n3w-Passw0rd-long-enough", settings.SECRET_KEY]
    caplog.set_level(logging.DEBUG)

    sign_in(client, "nadia.khan", "wrong-Passw0rd-typed")
    sign_in(client, "nadia.khan", PASSWORD)
    session_key = client.session.session_key
    client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "n3w-Passw0rd-long-enough",
            "new_password2": "n3w-Passw0rd-long-enough",
        },
    )
    client.get(reverse("partners:place-list"), {"q": "Toyota"})
    client.get("/no-such-page/")
    client.post(reverse("logout"))
    for _ in range(settings.AXES_FAILURE_LIMIT + 1):
        sign_in(client, "nadia.khan", "wrong-Passw0rd-typed")

    logged = "\n".join(
        [record.getMessage() for record in caplog.records] + [repr(record.args) for record in caplog.records]
    )
    assert caplog.records, "nothing was logged at all: the test would prove nothing"
    for secret in [*secrets, session_key]:
        assert secret not in logged


def test_no_calendar_key_reaches_the_logs(client, db, caplog, settings):
    """The calendar feed's key is its address, which Django's log quotes for a
    request it cannot answer: neither a replaced key asked for, nor the key in use,
    may reach the log, as the app's own console writes it or as handlers see it."""
    settings.DEBUG = False
    feed = calendar_owner("lena.calendar")
    console = next(
        handler
        for handler in logging.getLogger().handlers
        if type(handler) is logging.StreamHandler  # settings.LOGGING's console, not pytest's capture
    )
    written = io.StringIO()
    caplog.set_level(logging.DEBUG)
    stream = console.setStream(written)
    try:
        assert client.get(reverse("delegations:calendar-feed", args=[feed.token])).status_code == 200
        replaced = feed.token
        feed.token = new_calendar_token()
        feed.save()
        assert client.get(reverse("delegations:calendar-feed", args=[replaced])).status_code == 404
        assert client.get(f"/delegations/calendar/{feed.token}").status_code == 404
    finally:
        console.setStream(stream)

    seen = "\n".join(
        [record.getMessage() for record in caplog.records]
        + [repr(record.args) for record in caplog.records]
        + [written.getvalue()]
    )
    assert written.getvalue().count("Not Found: /delegations/calendar/[redacted]") == 2, seen
    assert replaced not in seen
    assert feed.token not in seen


def test_a_badly_formed_log_call_does_not_break_the_request_that_made_it(caplog):
    """The filter that redacts secrets formats each message; a call whose arguments do
    not fit its message is left for logging to report, not raised into the caller."""
    from core.logs import RedactSecrets

    record = logging.LogRecord("twinning", logging.WARNING, __file__, 1, "%s and %s", ("one",), None)

    assert RedactSecrets().filter(record) is True
