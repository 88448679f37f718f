"""Self-test of the test OIDC provider, without a browser (urllib + http.cookiejar only).

    .venv/bin/python tests/support/oidc/selftest.py

Not a pytest module (its name does not match test_*.py). Exits non-zero on
the first failed check.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from tests.support.oidc_provider import (
    Browserless,
    LoginRefused,
    OIDCProvider,
    ProviderError,
    decode_jwt,
    install,
    rs256_signature_valid,
)

POST_CLIENT = {
    "client_id": "twinning",
    "client_secret": "twinning-secret",
    "redirect_uris": ["http://127.0.0.1:8000/oidc/callback/"],
    "token_endpoint_auth_method": "client_secret_post",
    "client_name": "Twinning (self-test)",
}
BASIC_CLIENT = {
    "client_id": "other-app",
    "client_secret": "other-secret",
    "redirect_uris": ["http://127.0.0.1:8001/callback"],
    "token_endpoint_auth_method": "client_secret_basic",
}
USERS = [
    {
        "sub": "u-alice",
        "username": "alice",
        "password": "alice-pw",
        "name": "Alice Archer",
        "given_name": "Alice",
        "family_name": "Archer",
        "email": "alice@example.org",
        "groups": ["twinning-staff"],
    },
    {
        "sub": "u-bob",
        "username": "bob",
        "password": "bob-pw",
        "name": "Bob Baker",
        "email": "bob@example.org",
        "groups": ["twinning-viewers"],
        "disabled": True,
    },
]

SHOWN = ("sub", "name", "email", "groups", "nonce", "aud", "iss")


def check(condition: object, what: str) -> None:
    if not condition:
        raise SystemExit(f"FAILED: {what}")
    print(f"  ok  {what}")


def show(claims: dict) -> None:
    for key in SHOWN:
        print(f"      {key:7} = {claims.get(key)!r}")


def refused(call, *args, **kwargs) -> str:
    try:
        call(*args, **kwargs)
    except (LoginRefused, ProviderError) as error:
        return str(error)
    return ""


def main() -> None:
    started = time.monotonic()
    node = install()
    print(f"node: {node}")

    with OIDCProvider(clients=[POST_CLIENT, BASIC_CLIENT], users=USERS) as op:
        print(f"provider READY at {op.issuer} ({time.monotonic() - started:.1f} s)")

        print("discovery:")
        meta = op.discovery()
        check(meta["issuer"] == op.issuer, f"issuer = {meta['issuer']}")
        check(
            meta["authorization_endpoint"] == op.url("/auth"),
            f"authorization_endpoint = {meta['authorization_endpoint']}",
        )
        check(meta["token_endpoint"] == op.url("/token"), f"token_endpoint = {meta['token_endpoint']}")
        check(meta["jwks_uri"] == op.url("/jwks"), f"jwks_uri = {meta['jwks_uri']}")
        check(
            "S256" in meta["code_challenge_methods_supported"],
            f"code_challenge_methods_supported = {meta['code_challenge_methods_supported']}",
        )
        check("groups" in meta["scopes_supported"], f"scopes_supported = {meta['scopes_supported']}")
        check(
            meta.get("userinfo_endpoint") == op.url("/me"),
            f"userinfo_endpoint = {meta.get('userinfo_endpoint')}",
        )

        print("sign-in 1 (alice, client_secret_post):")
        agent = Browserless(op)
        first = agent.sign_in(POST_CLIENT, username="alice", password="alice-pw")
        print(f"      callback = {first['callback']}")
        claims = first["id_token_claims"]
        show(claims)
        check(claims["sub"] == "u-alice", "sub")
        check(claims["groups"] == ["twinning-staff"], "groups in the ID token")
        check(claims["nonce"] == first["nonce"], "nonce echoed")
        check(claims["aud"] == POST_CLIENT["client_id"] and claims["iss"] == op.issuer, "aud and iss")
        check(first["id_token_header"]["alg"] == "RS256", f"header = {first['id_token_header']}")
        jwks = op._request("GET", "/jwks")
        check(rs256_signature_valid(first["id_token"], jwks), "ID token signature verifies against /jwks")

        print("replayed code:")
        message = refused(agent.exchange, POST_CLIENT, first["code"], code_verifier=first["code_verifier"])
        check("invalid_grant" in message, f"second exchange refused: {message}")

        print("PKCE is required:")
        back = Browserless(op).authorize(
            POST_CLIENT, username="alice", password="alice-pw", code_challenge=""
        )
        check("error=invalid_request" in back and "code_challenge" in back, f"no code_challenge: {back}")

        print("change alice's groups at the provider, sign in again (same cookie jar: SSO, no form):")
        op.set_user("u-alice", groups=["twinning-admins", "twinning-staff"])
        second = agent.sign_in(POST_CLIENT, username=None, password=None)
        show(second["id_token_claims"])
        check(second["id_token_claims"]["groups"] == ["twinning-admins", "twinning-staff"], "new groups")

        print("wrong password:")
        message = refused(Browserless(op).sign_in, POST_CLIENT, username="alice", password="nope")
        check(message == "Invalid username or password.", f"refused: {message!r}")

        print("disabled user (bob):")
        message = refused(Browserless(op).sign_in, POST_CLIENT, username="bob", password="bob-pw")
        check(message == "This account is disabled.", f"refused: {message!r}")

        print("disable alice while she has a provider session:")
        op.set_user("u-alice", disabled=True)
        message = refused(agent.sign_in, POST_CLIENT, username="alice", password="alice-pw")
        check(message == "This account is disabled.", f"login form shown again and refused: {message!r}")
        op.set_user("u-alice", disabled=False)

        print("enable bob, sign in with client_secret_basic:")
        op.set_user("u-bob", disabled=False)
        bob = Browserless(op).sign_in(BASIC_CLIENT, username="bob", password="bob-pw")
        show(bob["id_token_claims"])
        check(bob["id_token_claims"]["aud"] == "other-app", "aud is the basic client")

        print("refusal scenarios (tampered ID tokens):")
        kid = jwks["keys"][0]["kid"]
        cases = [
            ({"claims": {"aud": "someone-else"}}, True, lambda h, c: c["aud"] == "someone-else"),
            ({"claims": {"iss": "http://127.0.0.1:1"}}, True, lambda h, c: c["iss"] == "http://127.0.0.1:1"),
            ({"claims": {"nonce": "not-the-nonce"}}, True, lambda h, c: c["nonce"] == "not-the-nonce"),
            ({"claims": {"nonce": None}}, True, lambda h, c: "nonce" not in c),
            ({"expired": True}, True, lambda h, c: c["exp"] < time.time() - 3000),
            ({"signature": "corrupt"}, False, lambda h, c: h["kid"] == kid),
            ({"signature": "foreign_key"}, False, lambda h, c: h["kid"] == kid),
            ({"signature": "unknown_kid"}, False, lambda h, c: h["kid"] == "not-published"),
            ({"signature": "none"}, False, lambda h, c: h["alg"] == "none"),
        ]
        for tamper, signature_ok, expected in cases:
            op.tamper(count=1, **tamper)
            got = Browserless(op).sign_in(POST_CLIENT, username="alice", password="alice-pw")
            header, claims = decode_jwt(got["id_token"])
            valid = rs256_signature_valid(got["id_token"], jwks)
            check(
                expected(header, claims) and valid is signature_ok,
                f"tamper {tamper}: header={header} aud={claims['aud']} iss={claims['iss']} "
                f"nonce_matches={claims.get('nonce') == got['nonce']} exp-now={claims['exp'] - int(time.time())} "
                f"signature_valid={valid}",
            )
        clean = Browserless(op).sign_in(POST_CLIENT, username="alice", password="alice-pw")
        check(clean["id_token_claims"]["aud"] == "twinning", "count=1 used up: next token is clean")

        print("force_login setting and clear_sessions:")
        op.settings(force_login=True)
        message = refused(agent.sign_in, POST_CLIENT, username=None, password=None)
        check("asks for credentials" in message, "form shown despite a session")
        op.settings(force_login=False)
        check(op.clear_sessions() >= 1, "sessions cleared")
        message = refused(agent.sign_in, POST_CLIENT, username=None, password=None)
        check("asks for credentials" in message, "form shown after clear_sessions")

    print(f"stopped. all checks passed in {time.monotonic() - started:.1f} s")


if __name__ == "__main__":
    main()
