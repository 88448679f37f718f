"""Two-step sign-in for local accounts: a code from an authenticator app, or a recovery code.

Read as a person meets it: the sign-in form, then the page that asks for the
code; codes are worked out from the device's key as an authenticator app
would (RFC 6238), never taken from the app's own records of what it accepted.
"""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from core import roles
from tests import factories as make
from tests.support.pages import Page

pytestmark = pytest.mark.django_db


def code_for(device: TOTPDevice, steps_ahead: int = 0) -> str:
    """What the app shows now (or that many 30-second steps on)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def sign_in(username: str) -> tuple[Client, Any]:
    client = Client()
    response = client.post(reverse("login"), {"username": username, "password": make.PASSWORD})
    assert response.status_code == 302, Page(response).errors_summary()
    return client, response


def set_up_the_app(client: Client, username: str) -> tuple[TOTPDevice, list[str]]:
    page = Page(client.get(reverse("two-factor")))
    key = (
        re.search(r"type in this key instead: ((?:[A-Z2-7]{4} )*[A-Z2-7]{1,4}\b)", page.text)
        .group(1)
        .replace(" ", "")
    )
    device = TOTPDevice.objects.get(user__username=username, confirmed=False)
    assert _base32(device) == key  # the key shown is the device's
    done = client.post(reverse("two-factor"), {"code": code_for(device), "next": "/"})
    assert done.status_code == 302
    codes = Page(client.get(done["Location"])).root.find_all(
        "ul", **{"class": "recovery-codes list-unstyled font-monospace fs-5"}
    )
    return TOTPDevice.objects.get(pk=device.pk), [li.text for li in codes[0].find_all("li")]


def _base32(device: TOTPDevice) -> str:
    import base64

    return base64.b32encode(device.bin_key).decode().rstrip("=")


@pytest.fixture
def fred(db) -> Any:
    return make.UserFactory(username="fred", roles=[roles.FINANCE])


@pytest.fixture
def olivia(db) -> Any:
    return make.UserFactory(username="olivia", roles=[roles.OFFICER])


def test_finance_must_set_up_an_app_before_any_page_and_then_gets_recovery_codes(fred) -> None:
    client, _ = sign_in("fred")

    assert client.get(reverse("overview:dashboard"))["Location"].startswith(reverse("two-factor"))
    assert client.get(reverse("budgets:review"))["Location"].startswith(reverse("two-factor"))
    page = Page(client.get(reverse("two-factor")))
    assert "Your role on the register needs a second step" in page.text
    assert page.root.find_all("svg", **{"aria-label": "QR code for your authenticator app"})

    device, codes = set_up_the_app(client, "fred")

    assert device.confirmed
    assert len(codes) == 10 and len(set(codes)) == 10
    assert client.get(reverse("budgets:review")).status_code == 200


def test_a_wrong_code_while_setting_up_is_told_beside_the_field_and_turns_nothing_on(fred) -> None:
    client, _ = sign_in("fred")
    client.get(reverse("two-factor"))

    page = Page(client.post(reverse("two-factor"), {"code": "000000"}))

    assert page.field_error("Code").startswith("That code is not right.")
    assert not TOTPDevice.objects.filter(user=fred, confirmed=True).exists()
    assert client.get(reverse("budgets:review")).status_code == 302


def test_with_an_app_set_up_the_password_alone_opens_nothing(fred) -> None:
    client, _ = sign_in("fred")
    device, _ = set_up_the_app(client, "fred")

    again, _ = sign_in("fred")
    assert again.get(reverse("budgets:review"))["Location"].startswith(reverse("two-factor-verify"))
    wrong = Page(again.post(reverse("two-factor-verify"), {"code": "123456"}))
    assert wrong.field_error("Code").startswith("That code is not right.")
    hurried = Page(again.post(reverse("two-factor-verify"), {"code": code_for(device, steps_ahead=1)}))
    assert hurried.field_error("Code").startswith("Too many codes tried in a row: wait 1 second,")
    time.sleep(1.1)  # django-otp holds back the next try a second after one wrong code
    passed = again.post(
        reverse("two-factor-verify"), {"code": code_for(device, steps_ahead=1), "next": "/budgets/review/"}
    )

    assert passed["Location"] == "/budgets/review/"
    assert again.get(reverse("budgets:review")).status_code == 200


def test_a_code_is_taken_once(fred) -> None:
    client, _ = sign_in("fred")
    device, _ = set_up_the_app(client, "fred")
    code = code_for(device, steps_ahead=1)
    first, _ = sign_in("fred")
    assert first.post(reverse("two-factor-verify"), {"code": code}).status_code == 302

    second, _ = sign_in("fred")
    refused = Page(second.post(reverse("two-factor-verify"), {"code": code}))

    assert refused.field_error("Code").startswith("That code is not right.")


def test_a_recovery_code_signs_in_once(fred) -> None:
    client, _ = sign_in("fred")
    _, codes = set_up_the_app(client, "fred")

    first, _ = sign_in("fred")
    assert first.post(reverse("two-factor-verify"), {"code": codes[3]}).status_code == 302
    assert "You have 9 unused recovery codes." in Page(first.get(reverse("two-factor"))).text
    second, _ = sign_in("fred")
    assert Page(second.post(reverse("two-factor-verify"), {"code": codes[3]})).field_error("Code")


def test_new_recovery_codes_replace_the_old(fred) -> None:
    client, _ = sign_in("fred")
    device, old = set_up_the_app(client, "fred")
    # Not with the session alone: a code from the app is asked for.
    refused = Page(client.post(reverse("two-factor"), {"code": "000000"}))
    assert refused.field_error("Code").startswith("That code is not right.")
    time.sleep(1.1)  # held back a second after a wrong code

    made = client.post(reverse("two-factor"), {"code": code_for(device, steps_ahead=1)})
    new = [
        li.text
        for li in Page(client.get(made["Location"]))
        .root.find_all("ul", **{"class": "recovery-codes list-unstyled font-monospace fs-5"})[0]
        .find_all("li")
    ]

    assert len(new) == 10 and not set(new) & set(old)
    later, _ = sign_in("fred")
    assert Page(later.post(reverse("two-factor-verify"), {"code": old[0]})).field_error("Code")
    time.sleep(1.1)  # held back a second after a wrong code
    assert later.post(reverse("two-factor-verify"), {"code": new[0]}).status_code == 302
    assert StaticToken.objects.filter(device__user=fred).count() == 9


def test_an_officer_may_go_on_without_an_app_and_may_set_one_up(olivia) -> None:
    client, _ = sign_in("olivia")

    assert client.get(reverse("overview:dashboard")).status_code == 200
    page = Page(client.get(reverse("two-factor")))
    assert "Your role on the register needs" not in page.text
    set_up_the_app(client, "olivia")
    again, _ = sign_in("olivia")
    assert again.get(reverse("overview:dashboard"))["Location"].startswith(reverse("two-factor-verify"))


def test_wrong_codes_pause_the_username_from_that_address_as_wrong_passwords_do(fred, settings) -> None:
    client, _ = sign_in("fred")
    set_up_the_app(client, "fred")
    again, _ = sign_in("fred")

    answers = [
        again.post(reverse("two-factor-verify"), {"code": f"99999{n}"})
        for n in range(settings.AXES_FAILURE_LIMIT)
    ]

    assert answers[-1].status_code == 429
    assert "Sign-in paused" in Page(answers[-1]).text
    assert again.get(reverse("overview:dashboard"))["Location"].startswith(reverse("login"))
    attempt = AccessAttempt.objects.get(username="fred")
    assert "99999" not in attempt.post_data  # the codes tried are not kept


def test_the_demo_logins_of_the_embedded_mode_need_no_second_step(settings) -> None:
    settings.DEBUG = True
    make.UserFactory(username="finance", roles=[roles.FINANCE])

    client, _ = sign_in("finance")

    assert client.get(reverse("budgets:review")).status_code == 200


@pytest.mark.parametrize(
    "code",
    ["<script>alert(1)</script>", "x" * 5000, "１２３４５６", "12\x0034", "' OR 1=1 --", "", "   "],
)
def test_a_hostile_code_is_refused_beside_the_field_and_never_echoed(fred, code) -> None:
    client, _ = sign_in("fred")
    client.get(reverse("two-factor"))
    setting_up = client.post(reverse("two-factor"), {"code": code})
    if "not right" in Page(setting_up).field_error("Code"):
        time.sleep(1.1)  # held back a second after a wrong code
    set_up_the_app(client, "fred")
    again, _ = sign_in("fred")

    for response in (setting_up, again.post(reverse("two-factor-verify"), {"code": code})):
        assert response.status_code == 200
        assert Page(response).field_error("Code")
        assert b"<script>alert(1)" not in response.content
    assert again.get(reverse("overview:dashboard")).status_code == 302


def test_the_second_step_and_changes_to_it_are_recorded_without_the_codes(fred) -> None:
    from core.models import SignInEvent
    from core.models import SignInEventKind as Kind

    client, _ = sign_in("fred")
    _, codes = set_up_the_app(client, "fred")
    again, _ = sign_in("fred")
    again.post(reverse("two-factor-verify"), {"code": "314159"})
    time.sleep(1.1)
    again.post(reverse("two-factor-verify"), {"code": codes[0]})

    mine = SignInEvent.objects.filter(user=fred).exclude(kind=Kind.ROLES_CHANGED).order_by("pk")
    recorded = [(str(e.kind), e.method) for e in mine]
    assert recorded == [
        ("signed-in", "password; second step to come"),
        ("second-factor", ""),
        ("signed-in", "password; second step to come"),
        ("second-step-failed", "second step"),
        ("second-step", "recovery code"),
    ], recorded
    for event in SignInEvent.objects.all():
        assert "314159" not in event.detail and codes[0] not in event.detail


def test_a_recovery_code_is_not_held_back_by_a_wrong_app_code_nor_by_other_recovery_codes(fred) -> None:
    client, _ = sign_in("fred")
    _, codes = set_up_the_app(client, "fred")

    first, _ = sign_in("fred")
    assert Page(first.post(reverse("two-factor-verify"), {"code": "271828"})).field_error("Code")
    assert first.post(reverse("two-factor-verify"), {"code": codes[0]}).status_code == 302  # at once
    for code in codes[1:4]:  # several people's sign-ins as one account, one after another
        other, _ = sign_in("fred")
        assert other.post(reverse("two-factor-verify"), {"code": code}).status_code == 302


def test_the_django_admin_s_own_sign_in_cannot_skip_the_second_step(fred, olivia) -> None:
    admin_sign_in = reverse("admin:login")

    sent = Client().get(admin_sign_in, {"next": "/admin/"})
    posted = Client().post(admin_sign_in, {"username": "fred", "password": make.PASSWORD})

    assert sent["Location"] == f"{reverse('login')}?next=/admin/"
    assert posted.status_code == 302 and posted["Location"].startswith(reverse("login"))
    assert "_auth_user_id" not in posted.wsgi_request.session
    officer, _ = sign_in("olivia")
    assert officer.get(admin_sign_in).status_code == 403  # signed in, but not for the admin


def test_a_key_seen_on_an_unfinished_set_up_is_never_the_one_the_owner_is_given(fred) -> None:
    intruder, _ = sign_in("fred")  # with the password alone
    intruder.get(reverse("two-factor"))
    seen = TOTPDevice.objects.get(user=fred).key

    owner, _ = sign_in("fred")
    owner.get(reverse("two-factor"))

    assert TOTPDevice.objects.get(user=fred).key != seen


def test_a_sign_in_waiting_to_set_up_an_app_must_give_its_code_once_the_owner_has_set_one_up(fred) -> None:
    waiting, _ = sign_in("fred")
    owner, _ = sign_in("fred")
    set_up_the_app(owner, "fred")

    # Signed out by the set-up; signing in again now asks for the app's code.
    assert waiting.get(reverse("two-factor"))["Location"].startswith(reverse("login"))
    assert owner.get(reverse("budgets:review")).status_code == 200


def test_a_role_that_needs_the_second_step_signs_its_holder_out_everywhere(olivia) -> None:
    from django.contrib.auth.models import Group

    client, _ = sign_in("olivia")
    assert client.get(reverse("overview:dashboard")).status_code == 200

    olivia.groups.add(Group.objects.get(name=roles.FINANCE))

    assert client.get(reverse("overview:dashboard"))["Location"].startswith(reverse("login"))
    again, _ = sign_in("olivia")
    assert again.get(reverse("overview:dashboard"))["Location"].startswith(reverse("two-factor"))


def test_signing_in_again_does_not_wipe_out_wrong_codes(fred, settings) -> None:
    client, _ = sign_in("fred")
    set_up_the_app(client, "fred")

    for attempt in range(settings.AXES_FAILURE_LIMIT):
        again, _ = sign_in("fred")  # the password, right each time
        answer = again.post(reverse("two-factor-verify"), {"code": f"00000{attempt}"})

    assert answer.status_code == 429
