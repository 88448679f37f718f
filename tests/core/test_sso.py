"""Single sign-on against a real OpenID Connect provider (oidc-provider under Node, in a
second process): the app's own pages through Django's test client, the provider's
sign-in form through a cookie-keeping HTTP client, and the token exchange, keys and
metadata over real HTTP between them. Nothing is mocked: a bad ID token is made by
the provider itself (tests/support/oidc/README.md, "Bad ID tokens").
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from core import roles
from core.middleware import SSO_SIGNED_IN_AT
from core.models import SignInIdentity
from tests.support.oidc_provider import Browserless, LoginRefused, OIDCProvider
from tests.support.pages import Page
from tests.support.sso import PASSWORD, PEOPLE, client_of, use_provider

pytestmark = pytest.mark.django_db

CLIENT = client_of("twinning-tests", "a-secret-only-the-tests-know", "http://testserver")


@pytest.fixture(scope="module")
def provider() -> Iterator[OIDCProvider]:
    with OIDCProvider(clients=[CLIENT], users=PEOPLE) as running:
        yield running


@pytest.fixture
def sso(settings, provider: OIDCProvider) -> OIDCProvider:
    return use_provider(settings, provider, CLIENT)


def sign_in(client: Client, provider: OIDCProvider, username: str, *, next: str = "") -> Any:
    """Presses "Sign in with …", signs in at the provider, and follows it back to the app."""
    started = client.post(reverse("sso-start"), {"next": next})
    assert started.status_code == 302, started.content
    assert started["Location"].startswith(provider.issuer + "/auth?")
    back = Browserless(provider).follow(started["Location"], username=username, password=PASSWORD)
    return client.get(_local(back))


def _local(url: str) -> str:
    parts = urlsplit(url)
    assert parts.netloc == "testserver", url
    return f"{parts.path}?{parts.query}"


def signed_in_user(client: Client) -> Any:
    response = client.get(reverse("overview:dashboard"))
    return response.wsgi_request.user if response.status_code == 200 else None


def test_the_sign_in_page_offers_the_council_s_single_sign_on(client, sso) -> None:
    page = Page(client.get(reverse("login")))

    (form,) = [f for f in page.root.find_all("form") if f.attrs.get("action") == reverse("sso-start")]
    assert [button.text for button in form.find_all("button")] == ["Sign in with Derby City Council"]


def test_without_single_sign_on_the_page_offers_passwords_alone(client, settings) -> None:
    settings.OIDC_ISSUER = ""
    page = Page(client.get(reverse("login")))

    assert "Sign in with" not in page.text
    assert page.labels() == ["Username", "Password"]
    assert client.post(reverse("sso-start")).status_code == 404


def test_the_first_sign_in_makes_the_person_with_the_role_their_groups_give(client, sso) -> None:
    landed = sign_in(client, sso, "ada")

    assert landed.status_code == 302 and landed["Location"] == reverse("overview:dashboard")
    user = signed_in_user(client)
    assert (user.first_name, user.last_name, user.email) == ("Ada", "Lovelace", "ada.lovelace@derby.gov.uk")
    assert user.username == "ada.lovelace"
    assert not user.has_usable_password()
    assert set(user.groups.values_list("name", flat=True)) == {roles.OFFICER}
    identity = SignInIdentity.objects.get(user=user)
    assert (identity.issuer, identity.subject) == (sso.issuer, "00u-ada")
    assert identity.groups == ["g-all-staff", "g-twinning-officers"]


def test_signing_in_returns_to_the_page_asked_for(client, sso) -> None:
    wanted = reverse("partners:place-list")

    assert sign_in(client, sso, "ada", next=wanted)["Location"] == wanted


def test_a_later_sign_in_updates_name_and_e_mail_and_keeps_the_person(client, sso) -> None:
    sign_in(client, sso, "ada")
    first = signed_in_user(client)
    sso.set_user(
        "00u-ada", name="Ada King", given_name="Ada", family_name="King", email="ada.king@derby.gov.uk"
    )

    again = Client()
    sign_in(again, sso, "ada")

    user = signed_in_user(again)
    assert user.pk == first.pk
    assert (user.last_name, user.email) == ("King", "ada.king@derby.gov.uk")
    assert get_user_model().objects.filter(sign_in_identities__subject="00u-ada").count() == 1


def test_the_person_is_known_by_the_provider_s_subject_never_by_e_mail_alone(client, sso) -> None:
    sign_in(client, sso, "ada")
    # Another account at the provider given the same address (a reused mailbox).
    sso.set_user("00u-ben", email="ada.lovelace@derby.gov.uk", groups=["g-twinning-officers"])

    other = Client()
    sign_in(other, sso, "ben")

    assert signed_in_user(other).pk != signed_in_user(client).pk
    assert SignInIdentity.objects.count() == 2


def test_a_change_of_group_at_the_provider_changes_the_role_at_the_next_sign_in(client, sso) -> None:
    sign_in(client, sso, "ada")
    assert client.get(reverse("budgets:review")).status_code == 403

    sso.set_user("00u-ada", groups=["g-twinning-finance"])
    again = Client()
    sign_in(again, sso, "ada")

    user = signed_in_user(again)
    assert set(user.groups.values_list("name", flat=True)) == {roles.FINANCE}
    assert again.get(reverse("budgets:review")).status_code == 200
    assert not user.is_staff


def test_the_administrator_role_from_the_provider_opens_the_django_admin(client, sso) -> None:
    sso.set_user("00u-ada", groups=["g-twinning-admins"])
    sign_in(client, sso, "ada")

    assert signed_in_user(client).is_staff
    assert client.get(reverse("admin:index")).status_code == 200


def test_someone_whose_groups_give_no_role_is_told_whom_to_ask(client, sso, settings) -> None:
    settings.ACCESS_CONTACT = "the ICT Service Desk (ext. 1234)"

    landed = sign_in(client, sso, "ben")

    assert landed["Location"] == reverse("no-role")
    page = Page(client.get(landed["Location"]))
    assert "Ask the ICT Service Desk (ext. 1234) to add you to the right group." in page.text
    assert client.get(reverse("partners:place-list")).status_code == 403


def test_a_disabled_account_is_refused_at_the_provider(client, sso) -> None:
    started = client.post(reverse("sso-start"))

    with pytest.raises(LoginRefused, match=r"This account is disabled\."):
        Browserless(sso).follow(started["Location"], username="cat", password=PASSWORD)
    assert signed_in_user(client) is None
    assert not get_user_model().objects.filter(sign_in_identities__subject="00u-cat").exists()


def test_a_single_sign_on_session_ends_at_its_limit_however_busy(client, sso, settings) -> None:
    sign_in(client, sso, "ada")
    assert signed_in_user(client) is not None

    session = client.session
    session[SSO_SIGNED_IN_AT] = int(time.time()) - settings.OIDC_SESSION_MAX_SECONDS - 1
    session.save()

    assert client.get(reverse("overview:dashboard"))["Location"].startswith(reverse("login"))


BAD_TOKENS = {
    "another audience": ({"claims": {"aud": "someone-else"}}, "'aud'"),
    "another issuer": ({"claims": {"iss": "http://127.0.0.1:1"}}, "'iss'"),
    "a wrong nonce": ({"claims": {"nonce": "not-the-one-sent"}}, "'nonce'"),
    "no nonce": ({"claims": {"nonce": None}}, "'nonce'"),
    "an expired token": ({"expired": True}, "expired"),
    "a corrupted signature": ({"signature": "corrupt"}, "signature"),
    "a key the provider does not publish": ({"signature": "foreign_key"}, "signature"),
    "an unknown key id": ({"signature": "unknown_kid"}, "could not be read"),
    "no signature at all": ({"signature": "none"}, "could not be read"),
}


@pytest.mark.parametrize("case", list(BAD_TOKENS))
def test_an_id_token_that_cannot_be_trusted_signs_no_one_in(client, sso, caplog, case) -> None:
    tamper, logged = BAD_TOKENS[case]
    sso.tamper(**tamper)

    with caplog.at_level(logging.WARNING, logger="core.sso"):
        refused = sign_in(client, sso, "ada")

    assert refused.status_code == 403
    assert "could not be trusted" in Page(refused).text or "had expired" in Page(refused).text
    assert signed_in_user(client) is None
    assert not SignInIdentity.objects.exists()
    (line,) = [r.getMessage() for r in caplog.records if r.name == "core.sso"]
    assert line.startswith("Single sign-on refused") and logged in line
    assert "eyJ" not in line  # no token, nor any part of one


def test_a_code_is_good_once(client, sso) -> None:
    started = client.post(reverse("sso-start"))
    back = _local(Browserless(sso).follow(started["Location"], username="ada", password=PASSWORD))
    assert client.get(back).status_code == 302

    # The same answer sent again: the state it carries was used up by the first.
    again = client.get(back)
    assert again.status_code == 403
    assert "That sign-in link has been used already or has expired." in Page(again).text
    # The code inside a sign-in another browser started: the provider will not take it twice.
    other = Client()
    own_state = dict(_query(other.post(reverse("sso-start"))["Location"]))["state"]
    code = dict(_query(back))["code"]
    refused = other.get(reverse("sso-callback"), {"code": code, "state": own_state})

    assert refused.status_code == 403
    assert "the code was already used or has expired" in Page(refused).text
    assert signed_in_user(other) is None


def _query(url: str) -> list[tuple[str, str]]:
    from urllib.parse import parse_qsl

    return parse_qsl(urlsplit(url).query)


def test_cancelling_at_the_provider_says_so(client, sso) -> None:
    client.post(reverse("sso-start"))

    page = Page(client.get(reverse("sso-callback"), {"error": "access_denied", "state": "x"}))

    assert "Signing in was cancelled at Derby City Council." in page.text


def test_a_provider_that_cannot_be_reached_is_said_so(client, sso, settings) -> None:
    settings.OIDC_ISSUER = "http://127.0.0.1:9"  # nothing listens there

    response = client.post(reverse("sso-start"))

    assert response.status_code == 502
    assert "Derby City Council could not be reached" in Page(response).text


def test_with_local_passwords_off_only_the_break_glass_account_uses_one(client, sso, settings) -> None:
    from tests import factories as make

    make.UserFactory(username="local-officer", roles=[roles.OFFICER])
    make.UserFactory(username="breakglass", roles=[roles.ADMINISTRATOR])
    settings.LOCAL_PASSWORDS = False
    settings.BREAK_GLASS_USERNAMES = ("breakglass",)

    def password_sign_in(username: str) -> Any:
        return Client().post(reverse("login"), {"username": username, "password": make.PASSWORD})

    refused = password_sign_in("local-officer")
    assert refused.status_code == 200 and "Please enter a correct username and password" in Page(refused).text
    assert password_sign_in("breakglass")["Location"] == reverse("overview:dashboard")
    page = Page(client.get(reverse("login")))
    assert "Emergency sign-in for the Administrator" in page.text


@pytest.mark.parametrize(
    "wanted",
    ["https://elsewhere.example/", "//elsewhere.example/", "javascript:alert(1)", "/\\elsewhere"],
)
def test_a_return_address_off_the_site_is_never_followed(client, sso, wanted) -> None:
    landed = sign_in(client, sso, "ada", next=wanted)

    assert landed["Location"] == reverse("overview:dashboard")


def test_someone_signed_in_through_the_provider_has_no_password_here_to_change(client, sso) -> None:
    sign_in(client, sso, "ada")

    page = Page(client.get(reverse("overview:dashboard")))

    assert "Ada Lovelace" in page.text
    assert reverse("password_change") not in page.links()


def test_the_sign_in_page_lets_its_button_go_on_to_the_provider_and_nowhere_else(client, sso) -> None:
    policy = client.get(reverse("login"))["Content-Security-Policy"]

    (form_action,) = [part.strip() for part in policy.split(";") if part.strip().startswith("form-action")]
    assert form_action.split() == ["form-action", "'self'", sso.issuer]
    assert sso.issuer not in client.get(reverse("healthz")).get("Content-Security-Policy", "")


def test_single_sign_on_is_recorded_with_the_roles_its_groups_gave_and_its_refusals(client, sso) -> None:
    from core.models import SignInEvent
    from core.models import SignInEventKind as Kind

    sign_in(client, sso, "ada")
    sso.tamper(claims={"aud": "someone-else"}, count=1)
    sign_in(Client(), sso, "ada")

    user = signed_in_user(client)
    recorded = [
        (e.kind, e.method, e.detail, e.by) for e in SignInEvent.objects.filter(user=user).order_by("pk")
    ]
    assert recorded == [
        (Kind.ROLES_CHANGED, "identity provider's groups", "gave Officer", None),
        (Kind.SIGNED_IN, "single sign-on", "", None),
    ]
    (refused,) = SignInEvent.objects.filter(kind=Kind.SSO_REFUSED)
    assert refused.detail == "token: the ID token's 'aud' claim is wrong or missing"


def test_with_single_sign_on_the_admin_shows_roles_but_cannot_change_them(
    sso, administrator, officer
) -> None:
    from tests.support.register import client_for

    admin = client_for(administrator)
    url = reverse("admin:auth_user_change", args=[officer.pk])
    page = Page(admin.get(url))

    values = page.form_values("Username:")
    assert "groups" not in values and "is_superuser" not in values  # shown as text, not fields
    assert roles.OFFICER in page.text
    values["groups"] = [str(officer.groups.get().pk + 1000)]
    admin.post(url, values)
    assert set(officer.groups.values_list("name", flat=True)) == {roles.OFFICER}


def test_an_account_switched_off_here_is_not_signed_in_through_the_provider(client, sso) -> None:
    sign_in(Client(), sso, "ada")
    get_user_model().objects.filter(sign_in_identities__subject="00u-ada").update(is_active=False)

    refused = sign_in(client, sso, "ada")

    assert refused.status_code == 403
    assert "Your account on the twinning register has been switched off." in Page(refused).text
    assert signed_in_user(client) is None


@pytest.mark.parametrize(
    "claims",
    [
        {"groups": 5},
        {"groups": {"g-twinning-officers": True}},
        {"_claim_names": {"groups": "src1"}, "groups": None},
    ],
    ids=["a number", "an object", "left out for too many groups"],
)
def test_groups_the_token_cannot_say_are_refused_and_take_no_role_away(client, sso, claims) -> None:
    sign_in(Client(), sso, "ada")
    sso.tamper(claims=claims, count=1)

    refused = sign_in(client, sso, "ada")

    assert refused.status_code == 403
    assert "did not say which groups you are in" in Page(refused).text
    user = get_user_model().objects.get(sign_in_identities__subject="00u-ada")
    assert set(user.groups.values_list("name", flat=True)) == {roles.OFFICER}


def test_a_made_up_visit_to_the_way_back_writes_nothing(client, sso) -> None:
    from core.models import SignInEvent

    for error in ("access_denied", "x" * 5000):
        assert client.get(reverse("sso-callback"), {"error": error}).status_code == 403
    assert client.get(reverse("sso-callback"), {"code": "c", "state": "s"}).status_code == 403

    assert not SignInEvent.objects.exists()
