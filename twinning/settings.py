"""Settings for Twinning.

Every value comes from the environment (a `.env` file beside manage.py is read
if present). With no services configured the app runs embedded: SQLite under
var/, Celery tasks run eagerly in-process, email goes to the console and DEBUG
is on. Setting DATABASE_URL and REDIS_URL moves it onto PostgreSQL and a real
Celery broker; DEBUG is then off unless asked for, and SECRET_KEY and
ALLOWED_HOSTS become mandatory.
"""

from __future__ import annotations

import ipaddress
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").is_file():
    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)


def _env_bool(name: str, default: bool) -> bool:
    raw = env.str(name, default="").strip().lower()
    if raw == "":
        return default
    if raw in {"1", "true", "yes", "on"}:
        return True
    if raw in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}.")


def _env_int(name: str, default: int, *, minimum: int = 0) -> int:
    raw = env.str(name, default="").strip()
    if raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}.") from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {value}.")
    return value


def _env_text(name: str, default: str) -> str:
    """A text setting; empty or unset means the default."""
    return env.str(name, default="").strip() or default


def _env_choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    value = _env_text(name, default).upper()
    if value not in choices:
        raise ImproperlyConfigured(f"{name} must be one of {', '.join(choices)}, not {value!r}.")
    return value


def _env_money(name: str, default: str) -> Decimal:
    raw = _env_text(name, default)
    try:
        value = Decimal(raw)
    except InvalidOperation:
        message = f"{name} must be an amount in pounds, such as 50.00, not {raw!r}."
        raise ImproperlyConfigured(message) from None
    if value < 0 or value != value.quantize(Decimal("0.01")):
        raise ImproperlyConfigured(f"{name} must be a positive amount in pounds and pence, not {raw!r}.")
    return value


ROLE_KEYS = ("officer", "finance", "leaders-office", "administrator")


def _env_role_groups(name: str) -> dict[str, tuple[str, ...]]:
    """ "role:group-id" pairs, comma-separated, as {group id: (role key, ...)}."""
    found: dict[str, tuple[str, ...]] = {}
    for pair in (part.strip() for part in env.str(name, default="").split(",")):
        if not pair:
            continue
        role, _, group = (text.strip() for text in pair.partition(":"))
        if role.lower() not in ROLE_KEYS or not group:
            raise ImproperlyConfigured(
                f"{name} wants role:group-id pairs with roles {', '.join(ROLE_KEYS)}; not {pair!r}."
            )
        found[group] = (*found.get(group, ()), role.lower())
    return found


def _env_networks(name: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """Comma-separated addresses or CIDR networks; unset means none."""
    networks = []
    for item in env.list(name, default=[]):
        if not item.strip():
            continue
        try:
            networks.append(ipaddress.ip_network(item.strip(), strict=False))
        except ValueError:
            raise ImproperlyConfigured(
                f"{name} must list addresses or networks, such as 10.0.0.2 or 172.16.0.0/12, not {item!r}."
            ) from None
    return tuple(networks)


DATABASE_URL = env.str("DATABASE_URL", default="").strip()
REDIS_URL = env.str("REDIS_URL", default="").strip()
EMBEDDED = not DATABASE_URL

DEBUG = _env_bool("DJANGO_DEBUG", default=EMBEDDED)

SECRET_KEY = env.str("SECRET_KEY", default="").strip()
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "embedded-development-key-not-for-production"  # noqa: S105

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])
if not ALLOWED_HOSTS:
    if not DEBUG:
        raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DEBUG is off.")
    ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]", "testserver"]
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "simple_history",
    "csp",
    "axes",
    # Two-step sign-in's devices: authenticator apps (TOTP) and recovery codes.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    # Below every app: roles, versioned records, history, the view toolkit, search index.
    "core",
    # The domain, in the order data flows: each app refers only to those above it.
    "partners",
    "delegations",
    "budgets",
    "reports",
    # What reads across the others, and the demo register: imported by none.
    "overview",
    "public",
    "privacy",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Permissions-Policy on everything, static files too; private, no-store for the signed in.
    "core.middleware.ResponseHeadersMiddleware",
    "core.middleware.CleanHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Runs its response part before SessionMiddleware saves: it may mark the session used.
    "core.middleware.SessionInactivityMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    # Someone signed in with a password alone is kept to the second step until it is done.
    "core.two_factor.SecondStepMiddleware",
    # Last, as django-axes asks: it turns a lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "twinning.urls"
WSGI_APPLICATION = "twinning.wsgi.application"
ASGI_APPLICATION = "twinning.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.context_processors.council",
            ],
            "builtins": ["core.templatetags.twinning_format"],
        },
    },
]

# --- Database -------------------------------------------------------------
if DATABASE_URL:
    try:
        _db = env.db_url_config(DATABASE_URL)
    except Exception as exc:  # django-environ raises several kinds
        raise ImproperlyConfigured(f"DATABASE_URL is not a valid database URL: {exc}") from None
    if not _db.get("ENGINE"):
        raise ImproperlyConfigured(
            "DATABASE_URL is not a valid database URL: expected postgres://user@host:port/name."
        )
    _db["CONN_MAX_AGE"] = _env_int("DATABASE_CONN_MAX_AGE", 60)
    _db["CONN_HEALTH_CHECKS"] = True
    if _db["ENGINE"].endswith("postgresql") and _env_bool("DATABASE_PREPARED_STATEMENTS", True):
        # Parameters are sent apart from the SQL, and a statement run five times on a
        # connection (psycopg's threshold) is prepared there: PostgreSQL stops parsing and
        # analysing each page's queries on every request, and after five runs plans them
        # once where the plan fits any parameters (about a millisecond each for a list's).
        # A rollback on the connection drops what was prepared. Off behind a pooler in
        # transaction mode that does not keep prepared statements (PgBouncer without
        # max_prepared_statements).
        _db.setdefault("OPTIONS", {}).update({"server_side_binding": True, "prepare_threshold": 5})
    # Pages run outside a transaction unless they write, where a server-side cursor (a form's
    # select of records, a streamed export) must be declared WITH HOLD: a few milliseconds each.
    # The register's largest export reads a few thousand rows, which are fetched at once instead.
    _db["DISABLE_SERVER_SIDE_CURSORS"] = True
else:
    (BASE_DIR / "var").mkdir(exist_ok=True)
    _db = {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": BASE_DIR / "var" / "twinning.sqlite3",
        "OPTIONS": {"timeout": 20},
    }
# No transaction around every request: a page that only reads needs none, and every
# view that writes runs in one (core/views.py role_required), as do the services it calls.
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Caches ----------------------------------------------------------------
# A Redis that hangs must not hang the page: give up within seconds (and core/kept.py then
# leaves the cache alone for a while).
REDIS_CACHE_OPTIONS = {"socket_connect_timeout": 3, "socket_timeout": 3}
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "twinning",
            "OPTIONS": REDIS_CACHE_OPTIONS,
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Authentication ----------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    # First, so a locked-out username and address is refused before the password is checked.
    "axes.backends.AxesStandaloneBackend",
    "core.auth.RoleBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "overview:dashboard"
LOGOUT_REDIRECT_URL = "login"
SESSION_ENGINE = "core.sessions"  # Django's database sessions, read with one hand-written query
SESSION_COOKIE_AGE = _env_int("SESSION_COOKIE_AGE", 60 * 60 * 8, minimum=60)
# SESSION_COOKIE_AGE is the inactivity limit: core.middleware saves a used
# session again (pushing its expiry on) once it is SESSION_REFRESH_SECONDS old,
# rather than on every request, and ends it once its last use is older than the limit.
SESSION_REFRESH_SECONDS = 60
DEMO_PASSWORD = _env_text("DEMO_PASSWORD", "twinning-demo")

# --- Single sign-on (OpenID Connect) -------------------------------------------
# The council's identity provider (Microsoft Entra ID or any OpenID Connect
# provider), found from its issuer's metadata; off while OIDC_ISSUER is unset.
OIDC_ISSUER = _env_text("OIDC_ISSUER", "").rstrip("/")
OIDC_CLIENT_ID = _env_text("OIDC_CLIENT_ID", "")
OIDC_CLIENT_SECRET = _env_text("OIDC_CLIENT_SECRET", "")
OIDC_SCOPES = _env_text("OIDC_SCOPES", "openid profile email")
# The ID token claim listing the person's groups, and which groups give which role:
# "role:group-id" pairs, comma-separated; roles officer, finance, leaders-office, administrator.
OIDC_GROUPS_CLAIM = _env_text("OIDC_GROUPS_CLAIM", "groups")
OIDC_ROLE_GROUPS = _env_role_groups("OIDC_ROLE_GROUPS")
# What the sign-in button says: "Sign in with <OIDC_PROVIDER_NAME>". Default: the council's name.
OIDC_PROVIDER_NAME = _env_text("OIDC_PROVIDER_NAME", "")
# Longest a single sign-on session lasts, however busy, before the person signs in at the
# provider again (where a disabled account is refused and groups are read afresh).
OIDC_SESSION_MAX_SECONDS = _env_int("OIDC_SESSION_MAX_SECONDS", 60 * 60 * 8, minimum=60)
if OIDC_ISSUER and not (OIDC_CLIENT_ID and OIDC_CLIENT_SECRET):
    raise ImproperlyConfigured("OIDC_ISSUER needs OIDC_CLIENT_ID and OIDC_CLIENT_SECRET.")
if OIDC_ISSUER and not (OIDC_ISSUER.startswith("https://") or DEBUG):
    raise ImproperlyConfigured("OIDC_ISSUER must be an https:// address when DEBUG is off.")
# Local passwords: false turns them off for everyone but the break-glass accounts named here
# (Administrators kept for when the identity provider is down).
LOCAL_PASSWORDS = _env_bool("LOCAL_PASSWORDS", True)
BREAK_GLASS_USERNAMES = tuple(name.lower() for name in env.list("BREAK_GLASS_USERNAMES", default=[]) if name)
if not LOCAL_PASSWORDS and not OIDC_ISSUER:
    raise ImproperlyConfigured("LOCAL_PASSWORDS=false needs single sign-on: set OIDC_ISSUER.")
# Two-step sign-in (a code from an authenticator app) for local passwords: these roles must
# set it up; everyone else may. Single sign-on leaves it to the identity provider.
SECOND_FACTOR_ROLES = ("Administrator", "Finance")
# The Django admin's pages of django-otp's devices show no keys nor recovery codes.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
OTP_TOTP_ISSUER = f"Twinning ({_env_text('COUNCIL_NAME', 'Derby City Council')})"
# Whom a person signed in with no role should ask, as the page tells them.
ACCESS_CONTACT = _env_text("ACCESS_CONTACT", "the twinning register's Administrator")

# --- Internationalisation ----------------------------------------------------
LANGUAGE_CODE = "en-gb"
LANGUAGES = [("en-gb", "English (UK)")]
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

# --- Static files --------------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
# Documents kept with records (core/documents.py): a folder in the embedded mode, or an
# S3-compatible bucket (AWS S3, MinIO ...) through django-storages when DOCUMENTS_S3_BUCKET is set.
# Never served as media: only through the record's pages, which check the role.
DOCUMENTS_ROOT = Path(_env_text("DOCUMENTS_ROOT", str(BASE_DIR / "var" / "documents")))
DOCUMENTS_S3_BUCKET = env.str("DOCUMENTS_S3_BUCKET", default="").strip()
if DOCUMENTS_S3_BUCKET:
    DOCUMENTS_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": DOCUMENTS_S3_BUCKET,
            "endpoint_url": env.str("DOCUMENTS_S3_ENDPOINT_URL", default="").strip() or None,
            "region_name": env.str("DOCUMENTS_S3_REGION", default="").strip() or None,
            "access_key": env.str("DOCUMENTS_S3_ACCESS_KEY_ID", default="").strip() or None,
            "secret_key": env.str("DOCUMENTS_S3_SECRET_ACCESS_KEY", default="").strip() or None,
            "location": env.str("DOCUMENTS_S3_PREFIX", default="").strip(),
            "default_acl": "private",
            "file_overwrite": False,
            "querystring_auth": True,
            "object_parameters": {"ServerSideEncryption": "AES256"}
            if _env_bool("DOCUMENTS_S3_ENCRYPT", True)
            else {},
        },
    }
else:
    DOCUMENTS_STORAGE = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {
            "location": DOCUMENTS_ROOT,
            "base_url": None,
            "file_permissions_mode": 0o600,
            "directory_permissions_mode": 0o700,
        },
    }
# The largest document kept, in megabytes; a larger file is refused beside the field.
DOCUMENT_MAX_BYTES = _env_int("DOCUMENT_MAX_MB", 20, minimum=1) * 1024 * 1024
# A ClamAV daemon to scan every upload: unix:///run/clamav/clamd.ctl or tcp://clamav:3310.
# Set, an upload it cannot scan is refused; unset, uploads are not scanned.
CLAMAV_URL = env.str("CLAMAV_URL", default="").strip()
if CLAMAV_URL and not CLAMAV_URL.startswith(("unix://", "tcp://")):
    raise ImproperlyConfigured(f"CLAMAV_URL must start unix:// or tcp://, not {CLAMAV_URL!r}.")
CLAMAV_TIMEOUT = _env_int("CLAMAV_TIMEOUT", 30, minimum=1)

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "documents": DOCUMENTS_STORAGE,
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- Email ---------------------------------------------------------------------
EMAIL_URL = env.str("EMAIL_URL", default="").strip()
if EMAIL_URL:
    try:
        vars().update(env.email_url_config(EMAIL_URL))
    except Exception as exc:
        raise ImproperlyConfigured(f"EMAIL_URL is not a valid email URL: {exc}") from None
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = _env_text("DEFAULT_FROM_EMAIL", "twinning@localhost")
# The site's address as people reach it, for links in emails (the daily digest).
SITE_URL = _env_text("SITE_URL", "http://127.0.0.1:8000")

# --- Forms ----------------------------------------------------------------------
CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Celery ----------------------------------------------------------------------
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = _env_int("CELERY_TASK_TIME_LIMIT", 300, minimum=1)
CELERY_TASK_SOFT_TIME_LIMIT = _env_int("CELERY_TASK_SOFT_TIME_LIMIT", 240, minimum=1)
if CELERY_TASK_SOFT_TIME_LIMIT >= CELERY_TASK_TIME_LIMIT:
    raise ImproperlyConfigured(
        "CELERY_TASK_SOFT_TIME_LIMIT must be below CELERY_TASK_TIME_LIMIT, so a task can clean up "
        "before it is killed."
    )
CELERY_WORKER_MAX_TASKS_PER_CHILD = _env_int("CELERY_WORKER_MAX_TASKS_PER_CHILD", 50, minimum=1)
# A report's PDF is bounded: at most REPORTS_TEXT_MAX_CHARS characters of text are
# sent to WeasyPrint, and one render stops at the soft limit (the rendering is marked
# failed and not tried again until the report changes) and is killed at the hard one.
REPORTS_TEXT_MAX_CHARS = _env_int("REPORTS_TEXT_MAX_CHARS", 100_000, minimum=1000)
# The defaults stay within the workers' own limits when those are set lower.
REPORTS_RENDER_TIME_LIMIT = _env_int("REPORTS_RENDER_TIME_LIMIT", min(120, CELERY_TASK_TIME_LIMIT), minimum=2)
REPORTS_RENDER_SOFT_TIME_LIMIT = _env_int(
    "REPORTS_RENDER_SOFT_TIME_LIMIT",
    min(90, CELERY_TASK_SOFT_TIME_LIMIT, REPORTS_RENDER_TIME_LIMIT - 1),
    minimum=1,
)
if not REPORTS_RENDER_SOFT_TIME_LIMIT < REPORTS_RENDER_TIME_LIMIT <= CELERY_TASK_TIME_LIMIT:
    raise ImproperlyConfigured(
        "REPORTS_RENDER_SOFT_TIME_LIMIT must be below REPORTS_RENDER_TIME_LIMIT, and that no "
        "more than CELERY_TASK_TIME_LIMIT."
    )
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A request that tells the worker waits at most a few seconds for an unreachable or
# hung Redis (connecting, then each command), and publishing is retried once: the
# rendering row is already committed as queued, and the sweep below sends it again.
CELERY_BROKER_CONNECTION_TIMEOUT = 3
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # A task whose worker died (SIGKILL, out of memory, a lost container) was never
    # acknowledged; Redis hands it out again after the visibility timeout, which must
    # be longer than the time limit or a task still running would be handed to a second
    # worker. Renderings do not wait for it: the sweep re-sends them sooner.
    "visibility_timeout": 2 * CELERY_TASK_TIME_LIMIT,
    "socket_connect_timeout": CELERY_BROKER_CONNECTION_TIMEOUT,
    "socket_timeout": CELERY_BROKER_CONNECTION_TIMEOUT,
}
# The rendering sweep (reports.requeue_stale_renderings) runs when a worker starts and
# then every RENDERING_RESEND_SECONDS from beat. It re-sends the renderings no worker is
# making: still queued (a request could not reach Redis, or Redis lost the message;
# from beat only once they have waited this long) and those claimed longer ago than
# CELERY_TASK_TIME_LIMIT (their worker died). A rendering is claimed by one run at a
# time, so a message sent twice makes one PDF.
RENDERING_RESEND_SECONDS = 60
CELERY_TIMEZONE = TIME_ZONE
DIGEST_HOUR = _env_int("DIGEST_HOUR", 7, minimum=0)
if DIGEST_HOUR > 23:
    raise ImproperlyConfigured(f"DIGEST_HOUR must be an hour from 0 to 23, not {DIGEST_HOUR}.")
CELERY_BEAT_SCHEDULE = {
    "heartbeat": {
        "task": "core.tasks.heartbeat",
        "schedule": timedelta(minutes=5),
    },
    "daily-digest": {
        "task": "overview.tasks.send_daily_digests",
        "schedule": crontab(hour=DIGEST_HOUR, minute=0),
    },
    "list-records-past-retention": {
        "task": "privacy.tasks.list_records_past_retention",
        "schedule": crontab(hour=2, minute=30),
    },
    "clear-expired-sessions": {
        "task": "core.tasks.clear_expired_sessions",
        "schedule": crontab(hour=3, minute=15),
    },
    "requeue-stale-renderings": {
        "task": "reports.requeue_stale_renderings",
        "schedule": timedelta(seconds=RENDERING_RESEND_SECONDS),
        # A sweep nobody ran in time is dropped: the next one does its work.
        "options": {"expires": RENDERING_RESEND_SECONDS},
    },
}

# --- Health check ------------------------------------------------------------------
HEALTHZ_TIMEOUT_SECONDS = 2

# --- Security ------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
if not DEBUG:
    SECURE_SSL_REDIRECT = _env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = _env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = _env_bool("SECURE_HSTS_PRELOAD", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # Trusts X-Forwarded-Proto: run behind a proxy that sets it (docker-compose
    # publishes gunicorn on loopback only for this reason).
    # /healthz is probed over plain HTTP inside the container network.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# The reverse proxies in front of the app, by address or network: X-Forwarded-For is
# believed only from them (core.auth.client_ip_address), as anyone else can write it.
TRUSTED_PROXIES = _env_networks("TRUSTED_PROXIES")

# Sign-in throttling: failures are counted per username *and* address together,
# so one office behind one public address is not locked out by one person's typos
# and guessing one account from many addresses is still slowed per address.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_FAILURE_LIMIT = _env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=_env_int("LOGIN_LOCKOUT_MINUTES", 15, minimum=1))
# Failures are forgiven once a sign-in is complete (core.two_factor), not at a right password
# alone: otherwise the password would wipe out wrong second-step codes, and guessing go on.
AXES_RESET_ON_SUCCESS = False
AXES_LOCKOUT_CALLABLE = "core.auth.lockout_response"
AXES_CLIENT_IP_CALLABLE = "core.auth.client_ip_address"
AXES_USERNAME_CALLABLE = "core.auth.attempted_username"
AXES_VERBOSE = False
# Never kept with a failed attempt: the password, nor a second-step code.
AXES_SENSITIVE_PARAMETERS = ["password", "code"]
# A sign-in is kept once, as the register's own sign-in record, which has a retention period
# and is erased on request; axes would keep a copy of each (address, browser) for ever.
# Failed attempts are still counted, and forgotten after the cool-off.
AXES_DISABLE_ACCESS_LOG = True

# Content Security Policy: everything from this site, nothing inline (no inline
# script, no inline style, no eval), no frames, forms post only here.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        # Bootstrap draws form controls' icons as data: SVG images.
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Browser features the app never uses, refused to its pages and to anything they
# could be made to load (Permissions-Policy, core.middleware.ResponseHeadersMiddleware).
PERMISSIONS_POLICY_DENIED = (
    "accelerometer",
    "autoplay",
    "camera",
    "display-capture",
    "encrypted-media",
    "geolocation",
    "gyroscope",
    "hid",
    "idle-detection",
    "local-fonts",
    "magnetometer",
    "microphone",
    "midi",
    "payment",
    "picture-in-picture",
    "publickey-credentials-get",
    "screen-wake-lock",
    "serial",
    "usb",
    "xr-spatial-tracking",
)

# --- Logging -------------------------------------------------------------------------
LOG_LEVEL = _env_choice("LOG_LEVEL", "INFO", ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"))
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    # The calendar feed's key is in its address (core/logs.py).
    "filters": {"redact_secrets": {"()": "core.logs.RedactSecrets"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact_secrets"]}
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # Django's log of 4xx and 5xx responses quotes the address: filtered where the line
        # is made, so every handler gets it redacted (Django's own console and mail too).
        "django.request": {"filters": ["redact_secrets"]},
        # runserver's line per request; it goes to the console like every other line.
        "django.server": {
            "handlers": ["console"],
            "level": "INFO",
            "propagate": False,
            "filters": ["redact_secrets"],
        },
        "django.db.backends": {"level": "INFO"},
        # WeasyPrint reports every layout step at INFO; keep its warnings only.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        # Sign-in throttling logs each success at INFO; lockouts are warnings.
        "axes": {"level": "WARNING"},
    },
}

# --- Product settings ------------------------------------------------------------------
COUNCIL_NAME = _env_text("COUNCIL_NAME", "Derby City Council")
PAGE_SIZE = _env_int("PAGE_SIZE", 25, minimum=1)
# Gifts and hospitality received worth at least this value (GBP) must be declared
# within GIFT_DECLARATION_DAYS of their date.
GIFT_DECLARATION_THRESHOLD = _env_money("GIFT_DECLARATION_THRESHOLD", "50.00")
# The public pages: kept in the cache this long at most (a change to what they show
# refreshes them at once), and by browsers and proxies for this long.
PUBLIC_CACHE_SECONDS = 60 * 60
PUBLIC_BROWSER_SECONDS = 5 * 60
GIFT_DECLARATION_DAYS = _env_int("GIFT_DECLARATION_DAYS", 28, minimum=1)
FORMAT_MODULE_PATH = ["twinning.formats"]
