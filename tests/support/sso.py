"""The council's staff at the test identity provider (tests/support/oidc/), and the app
pointed at it: who is in which group, and the settings single sign-on reads."""

from __future__ import annotations

from typing import Any

from tests.support.oidc_provider import OIDCProvider

PASSWORD = "provider-password"
# Ada is an officer by her group; Ben is staff in no group of the register's; Cat has left
# (her account disabled at the provider).
PEOPLE = [
    {
        "sub": "00u-ada",
        "username": "ada",
        "password": PASSWORD,
        "name": "Ada Lovelace",
        "given_name": "Ada",
        "family_name": "Lovelace",
        "preferred_username": "ada.lovelace@derby.gov.uk",
        "email": "ada.lovelace@derby.gov.uk",
        "groups": ["g-twinning-officers", "g-all-staff"],
    },
    {
        "sub": "00u-ben",
        "username": "ben",
        "password": PASSWORD,
        "name": "Ben Nobody",
        "email": "ben@derby.gov.uk",
        "groups": ["g-all-staff"],
    },
    {
        "sub": "00u-cat",
        "username": "cat",
        "password": PASSWORD,
        "name": "Cat Leaver",
        "email": "cat@derby.gov.uk",
        "groups": ["g-twinning-officers"],
        "disabled": True,
    },
]
ROLE_GROUPS = {
    "g-twinning-officers": ("officer",),
    "g-twinning-finance": ("finance",),
    "g-twinning-admins": ("administrator",),
}


def client_of(client_id: str, secret: str, app_url: str) -> dict[str, Any]:
    """The app as the provider's client, sent back to ``app_url``'s callback."""
    return {
        "client_id": client_id,
        "client_secret": secret,
        "redirect_uris": [f"{app_url}/accounts/sso/callback/"],
    }


def use_provider(settings: Any, provider: OIDCProvider, client: dict[str, Any]) -> OIDCProvider:
    """Points the app at the provider as ``client``, everyone as they were and no one signed in there."""
    settings.OIDC_ISSUER = provider.issuer
    settings.OIDC_CLIENT_ID = client["client_id"]
    settings.OIDC_CLIENT_SECRET = client["client_secret"]
    settings.OIDC_SCOPES = "openid profile email groups"
    settings.OIDC_ROLE_GROUPS = ROLE_GROUPS
    settings.OIDC_PROVIDER_NAME = "Derby City Council"
    provider.reset_tamper()
    provider.replace_users(PEOPLE)
    provider.clear_sessions()
    return provider
