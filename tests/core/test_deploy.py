"""The deployment: the image, docker-compose.yml, the variables .env.example
documents, the production settings and the /healthz probe that compose and
load balancers rely on.

No Docker engine is needed: the Dockerfile and compose file are read as data,
and what they would run (gunicorn with the image's command, the compose
healthcheck, manage.py with production settings, a Celery worker) is run here
as processes.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shlex
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.db import OperationalError, connection
from django.urls import reverse

from tests.support.services import Worker, forget_queue, free_port, run, stop, wait_until

BASE_DIR = Path(__file__).resolve().parents[2]
SETTINGS_FILE = BASE_DIR / "twinning" / "settings.py"
APP_SERVICES = ("web", "worker", "beat")
PRODUCTION_HOST = "twinning.example.gov.uk"

# Calls that read an environment variable by name in settings.py: env("X"),
# env.str("X"), env.list("X"), env.db("X"), _env_bool("X"), _env_int("X"),
# os.getenv("X"), os.environ.get("X"), os.environ["X"].
SETTINGS_READ = re.compile(
    r"""(?:\benv(?:\.\w+)?|\b_env_\w+|os\.getenv|os\.environ\.get)\(\s*["']([A-Z][A-Z0-9_]*)["']"""
    r"""|os\.environ\[\s*["']([A-Z][A-Z0-9_]*)["']\s*\]"""
)
# ${NAME}, ${NAME:-default}, ${NAME-default}, ${NAME:?error}, ${NAME?error}
COMPOSE_INTERPOLATION = re.compile(r"\$\{(?P<name>[A-Za-z_]\w*)(?:(?P<op>:?[-?+])(?P<arg>[^}]*))?\}")
COMPOSE_BARE_VARIABLE = re.compile(r"(?<!\$)\$(?P<name>[A-Za-z_]\w*)")
DOCUMENTED_VARIABLE = re.compile(r"^#?\s*(?P<name>[A-Z][A-Z0-9_]*)=", re.MULTILINE)

# What settings.py treats an empty value of as "not set"; used to shadow a
# developer's .env file (read_env fills in only variables that are unset).
SHADOWED_WHEN_EMPTY = ("DATABASE_URL", "REDIS_URL", "DJANGO_DEBUG", "SECRET_KEY", "ALLOWED_HOSTS")

# Prepended to `python -c` programs that import settings, so that a .env file
# on the developer's machine cannot change what they see.
WITHOUT_DOTENV = "import environ; environ.Env.read_env = classmethod(lambda cls, *a, **k: None)\n"


# --- Reading the files ------------------------------------------------------------


def settings_variables() -> set[str]:
    text = SETTINGS_FILE.read_text(encoding="utf-8")
    return {first or second for first, second in SETTINGS_READ.findall(text)}


def documented_variables() -> set[str]:
    return set(DOCUMENTED_VARIABLE.findall((BASE_DIR / ".env.example").read_text(encoding="utf-8")))


def compose_text() -> str:
    return (BASE_DIR / "docker-compose.yml").read_text(encoding="utf-8")


def compose() -> dict[str, Any]:
    return yaml.safe_load(compose_text())


def compose_variables() -> set[str]:
    text = compose_text()
    names = {match["name"] for match in COMPOSE_INTERPOLATION.finditer(text)}
    names |= {match["name"] for match in COMPOSE_BARE_VARIABLE.finditer(text)}
    return names


def service_environment(service: dict[str, Any]) -> dict[str, str]:
    environment = service.get("environment") or {}
    if isinstance(environment, list):
        environment = dict(item.partition("=")[::2] for item in environment)
    return {name: "" if value is None else str(value) for name, value in environment.items()}


def interpolate(value: str, given: dict[str, str]) -> str:
    """Resolves ${...} as compose does, from `given` alone."""

    def substitute(match: re.Match[str]) -> str:
        name, op, arg = match["name"], match["op"] or "", match["arg"] or ""
        is_set, is_non_empty = name in given, bool(given.get(name))
        if op == ":-":
            return given[name] if is_non_empty else arg
        if op == "-":
            return given[name] if is_set else arg
        if op in (":?", "?") and not (is_non_empty if op == ":?" else is_set):
            raise KeyError(f"compose refuses to start without {name}: {arg}")
        if op == ":+":
            return arg if is_non_empty else ""
        if op == "+":
            return arg if is_set else ""
        return given.get(name, "")

    return COMPOSE_INTERPOLATION.sub(substitute, value)


def dockerfile_stages() -> list[list[tuple[str, str]]]:
    """Each build stage's instructions as (INSTRUCTION, arguments), continuations joined."""
    lines = (BASE_DIR / "Dockerfile").read_text(encoding="utf-8").splitlines()
    # Docker drops comment lines before it joins continued lines.
    text = "\n".join(line for line in lines if not line.lstrip().startswith("#"))
    text = re.sub(r"\\\n", " ", text)
    stages: list[list[tuple[str, str]]] = []
    for line in text.splitlines():
        instruction, _, arguments = line.strip().partition(" ")
        if not instruction:
            continue
        if instruction.upper() == "FROM":
            stages.append([])
        assert stages, f"{instruction} before the first FROM"
        stages[-1].append((instruction.upper(), arguments.strip()))
    return stages


def image_stage() -> list[tuple[str, str]]:
    """The stage that becomes the image: the last one."""
    return dockerfile_stages()[-1]


def exec_form(arguments: str) -> list[str]:
    arguments = arguments.strip()
    return json.loads(arguments) if arguments.startswith("[") else shlex.split(arguments)


def image_command() -> list[str]:
    commands = [exec_form(arguments) for instruction, arguments in image_stage() if instruction == "CMD"]
    assert commands, "the image has no CMD"
    return commands[-1]


def command_of(service: dict[str, Any]) -> list[str]:
    command = service.get("command")
    if command is None:
        return image_command()
    return shlex.split(command) if isinstance(command, str) else [str(part) for part in command]


def apt_packages(stage: list[tuple[str, str]]) -> set[str]:
    packages: set[str] = set()
    for instruction, arguments in stage:
        if instruction != "RUN":
            continue
        for command in re.split(r"&&|;|\|\|", arguments):
            words = command.split()
            if "apt-get" in words and "install" in words:
                after_install = words[words.index("install") + 1 :]
                packages |= {word for word in after_install if not word.startswith("-")}
    return packages


def bootstrap_files_copied(commands: list[str], vendor_prefix: str) -> set[str]:
    """Paths under static/ that `cp node_modules/bootstrap/dist/...` commands produce."""
    copied: set[str] = set()
    for command in commands:
        for part in re.split(r"&&|;", command):
            words = part.split()
            if not words or words[0] != "cp":
                continue
            *sources, destination = [word for word in words[1:] if not word.startswith("-")]
            destination = destination.replace(vendor_prefix, "vendor", 1).rstrip("/")
            for source in sources:
                if source.startswith("node_modules/bootstrap/dist/"):
                    copied.add(f"{destination}/{Path(source).name}")
    return copied


# --- Running processes -----------------------------------------------------------------


def clean_environment(**overrides: str) -> dict[str, str]:
    """This process's environment without any setting of the app's, so that a
    subprocess sees only what the test gives it, with or without CI's services."""
    names = settings_variables() | documented_variables() | {"DJANGO_SETTINGS_MODULE"}
    environment = {name: value for name, value in os.environ.items() if name not in names}
    environment.update(dict.fromkeys(SHADOWED_WHEN_EMPTY, ""))
    environment.update(overrides)
    return environment


def production_environment(**overrides: str) -> dict[str, str]:
    return clean_environment(
        DJANGO_DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS=PRODUCTION_HOST,
        **overrides,
    )


def manage(*arguments: str, environment: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return run(["manage.py", *arguments], env=environment)


def python(program: str, environment: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return run(["-c", WITHOUT_DOTENV + program], env=environment)


# --- docker-compose.yml ---------------------------------------------------------------------


def test_compose_runs_web_worker_beat_on_postgres_16_and_redis_7() -> None:
    services = compose()["services"]

    assert {"web", "worker", "beat", "db", "redis"} <= set(services)
    assert str(services["db"]["image"]).startswith("postgres:16")
    assert str(services["redis"]["image"]).startswith("redis:7")


def test_web_worker_and_beat_are_built_from_the_one_dockerfile() -> None:
    services = compose()["services"]

    builds = {}
    for name in APP_SERVICES:
        build = services[name].get("build")
        assert build is not None, f"{name} is not built from the Dockerfile"
        context = build if isinstance(build, str) else build.get("context", ".")
        dockerfile = "Dockerfile" if isinstance(build, str) else build.get("dockerfile", "Dockerfile")
        builds[name] = ((BASE_DIR / context / dockerfile).resolve(), services[name].get("image"))

    assert {path for path, _image in builds.values()} == {(BASE_DIR / "Dockerfile").resolve()}
    assert len({image for _path, image in builds.values()}) == 1, "the three should run one image"


def test_database_data_lives_in_a_declared_named_volume() -> None:
    document = compose()
    mounts = document["services"]["db"].get("volumes") or []

    named = {}
    for mount in mounts:
        if isinstance(mount, str):
            source, _, target = mount.partition(":")
            target = target.split(":")[0]
        else:
            source, target = mount.get("source", ""), mount.get("target", "")
        if source and not source.startswith((".", "/", "~", "$")):
            named[target] = source

    assert "/var/lib/postgresql/data" in named, (
        f"PostgreSQL's data directory is not on a named volume: {mounts}"
    )
    assert named["/var/lib/postgresql/data"] in (document.get("volumes") or {})


@pytest.mark.parametrize(
    ("service", "probe"),
    [("db", "pg_isready"), ("redis", "redis-cli ping"), ("web", "/healthz")],
)
def test_services_declare_a_healthcheck(service: str, probe: str) -> None:
    healthcheck = compose()["services"][service].get("healthcheck") or {}
    test = healthcheck.get("test")
    command = " ".join(test) if isinstance(test, list) else str(test or "")

    assert not healthcheck.get("disable"), f"{service}'s healthcheck is disabled"
    assert probe in command, f"{service}'s healthcheck does not use {probe}: {command!r}"


def test_web_and_worker_start_only_after_services_are_healthy_and_migrations_ran() -> None:
    services = compose()["services"]

    for name in APP_SERVICES:
        depends_on = services[name].get("depends_on") or {}
        assert isinstance(depends_on, dict), f"{name} must wait for conditions, not only start order"
        for dependency in ("db", "redis"):
            condition = (depends_on.get(dependency) or {}).get("condition")
            assert condition == "service_healthy", f"{name} does not wait for {dependency} to be healthy"

    for name in ("web", "worker"):
        if "migrate" in command_of(services[name]):
            continue
        migrators = [
            dependency
            for dependency, rule in services[name]["depends_on"].items()
            if rule.get("condition") == "service_completed_successfully"
            and "migrate" in command_of(services[dependency])
        ]
        assert migrators, f"{name} may start before the migrations have run"
        for migrator in migrators:
            # A one-shot restarted on success would migrate in a loop.
            assert str(services[migrator].get("restart", "no")) in ("no", "on-failure")


def test_app_services_reach_the_composed_database_and_redis() -> None:
    document = compose()
    services = document["services"]
    given = {
        "POSTGRES_PASSWORD": "pw4test",
        "MINIO_ROOT_PASSWORD": "pw4test",
        "SECRET_KEY": "k",
        "ALLOWED_HOSTS": PRODUCTION_HOST,
    }
    db = {key: interpolate(value, given) for key, value in service_environment(services["db"]).items()}

    for name in APP_SERVICES:
        environment = {
            key: interpolate(value, given) for key, value in service_environment(services[name]).items()
        }
        assert environment.get("DATABASE_URL") == (
            f"postgres://{db['POSTGRES_USER']}:{db['POSTGRES_PASSWORD']}@db:5432/{db['POSTGRES_DB']}"
        ), f"{name}'s DATABASE_URL does not match the db service"
        assert re.fullmatch(r"redis://redis:6379/\d+", environment.get("REDIS_URL", "")), name


@pytest.mark.parametrize(
    "variable", ["SECRET_KEY", "ALLOWED_HOSTS", "POSTGRES_PASSWORD", "MINIO_ROOT_PASSWORD"]
)
def test_compose_refuses_to_start_without_a_required_variable(variable: str) -> None:
    services = compose()["services"]
    given = {
        "POSTGRES_PASSWORD": "pw4test",
        "MINIO_ROOT_PASSWORD": "pw4test",
        "SECRET_KEY": "k",
        "ALLOWED_HOSTS": PRODUCTION_HOST,
    }
    del given[variable]

    for name in APP_SERVICES:
        environment = service_environment(services[name])
        with pytest.raises(KeyError, match=variable):
            for value in environment.values():
                interpolate(value, given)


def test_compose_defaults_configure_the_app_as_settings_defaults_do() -> None:
    """An unset optional variable must mean the same through compose as without it."""
    web = service_environment(compose()["services"]["web"])
    given = {
        "POSTGRES_PASSWORD": "pw4test",
        "MINIO_ROOT_PASSWORD": "pw4test",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "h.test",
    }
    through_compose = {name: interpolate(value, given) for name, value in web.items()}
    optional = {name for name, value in web.items() if re.search(r"\$\{\w+:?-", value)}
    required_only = {name: value for name, value in through_compose.items() if name not in optional}
    dump = (
        "import json, importlib\n"
        "s = importlib.import_module('twinning.settings')\n"
        "print(json.dumps({k: repr(getattr(s, k)) for k in dir(s) if k.isupper()}))\n"
    )

    runs = {}
    for label, variables in (("compose", through_compose), ("settings", required_only)):
        result = python(dump, clean_environment(**variables))
        assert result.returncode == 0, f"settings fail with the {label} environment:\n{result.stderr}"
        runs[label] = json.loads(result.stdout)

    differing = {
        key: (runs["compose"].get(key), runs["settings"].get(key))
        for key in runs["compose"].keys() | runs["settings"].keys()
        if runs["compose"].get(key) != runs["settings"].get(key)
    }
    assert not differing, f"compose's defaults change these settings (compose, settings.py): {differing}"


def test_worker_recycles_its_processes_and_beat_keeps_its_schedule_where_it_can_write() -> None:
    services = compose()["services"]
    worker = command_of(services["worker"])
    beat = command_of(services["beat"])

    assert worker[:4] == ["celery", "-A", "twinning", "worker"]
    recycles = any(part.startswith("--max-tasks-per-child") for part in worker) or (
        "CELERY_WORKER_MAX_TASKS_PER_CHILD" in service_environment(services["worker"])
    )
    assert recycles, "the worker never replaces its processes, so WeasyPrint's memory only grows"
    assert beat[:4] == ["celery", "-A", "twinning", "beat"]
    schedule = next(
        (beat[i + 1] if part in ("--schedule", "-s") else part.split("=", 1)[1])
        for i, part in enumerate(beat)
        if part in ("--schedule", "-s") or part.startswith("--schedule=")
    )
    # The image runs as a user who cannot write to /app.
    assert schedule.startswith("/tmp/")


# --- .env.example --------------------------------------------------------------------------


def test_every_variable_compose_uses_is_documented() -> None:
    undocumented = compose_variables() - documented_variables()

    assert not undocumented, f"add to .env.example: {sorted(undocumented)}"


def test_every_variable_settings_reads_is_documented() -> None:
    read = settings_variables()
    undocumented = read - documented_variables()

    assert {"SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL"} <= read, "the pattern lost its way"
    assert not undocumented, f"add to .env.example: {sorted(undocumented)}"


def test_settings_read_no_undocumented_variable_when_imported() -> None:
    """Catches reads the pattern above does not recognise, in both modes."""
    record = (
        "import json, os, environ\n"
        "read = set()\n"
        "class Recording(dict):\n"
        "    def __getitem__(self, key):\n"
        "        read.add(key)\n"
        "        return super().__getitem__(key)\n"
        "    def get(self, key, default=None):\n"
        "        read.add(key)\n"
        "        return super().get(key, default)\n"
        "    def __contains__(self, key):\n"
        "        read.add(key)\n"
        "        return super().__contains__(key)\n"
        "environ.Env.ENVIRON = Recording(os.environ)\n"
        "import twinning.settings\n"
        "print(json.dumps(sorted(read)))\n"
    )
    modes = {
        "embedded": clean_environment(),
        "services": production_environment(
            DATABASE_URL="postgres://twinning:pw@db.invalid:5432/twinning",
            REDIS_URL="redis://redis.invalid:6379/0",
            EMAIL_URL="smtp+tls://user:pw@smtp.invalid:587",
        ),
    }

    read: set[str] = set()
    for mode, environment in modes.items():
        result = python(record, environment)
        assert result.returncode == 0, f"settings fail in the {mode} mode:\n{result.stderr}"
        read |= set(json.loads(result.stdout))

    assert "SECRET_KEY" in read
    assert not read - documented_variables(), f"add to .env.example: {sorted(read - documented_variables())}"


def test_every_documented_variable_says_what_it_does() -> None:
    lines = (BASE_DIR / ".env.example").read_text(encoding="utf-8").splitlines()

    for number, line in enumerate(lines):
        match = DOCUMENTED_VARIABLE.match(line)
        if match:
            above = lines[number - 1] if number else ""
            is_explanation = above.startswith("#") and not DOCUMENTED_VARIABLE.match(above)
            assert is_explanation, f"{match['name']} has no comment line above it"
            assert "default" in above.lower() or "required" in above.lower(), (
                f"{match['name']}'s comment does not give its default"
            )


# --- Dockerfile and .dockerignore ---------------------------------------------------------------


def test_image_has_the_postgresql_client_of_the_compose_servers_major_version() -> None:
    """make backup runs pg_dump, which refuses a server newer than itself."""
    server_major = re.match(r"postgres:(\d+)", str(compose()["services"]["db"]["image"])).group(1)

    assert f"postgresql-client-{server_major}" in apt_packages(image_stage())


def test_image_copies_the_bootstrap_files_make_does_and_the_templates_use() -> None:
    makefile = (BASE_DIR / "Makefile").read_text(encoding="utf-8")
    rule = re.search(r"^\$\(VENDOR\)/\.copied:.*?(?=^\S|\Z)", makefile, re.MULTILINE | re.DOTALL)
    assert rule, "the Makefile's $(VENDOR)/.copied rule has gone"
    by_make = bootstrap_files_copied(rule.group(0).splitlines(), "$(VENDOR)")
    docker_runs = [
        arguments for stage in dockerfile_stages() for instruction, arguments in stage if instruction == "RUN"
    ]
    by_docker = bootstrap_files_copied(docker_runs, "vendor")
    used = set()
    for template in (BASE_DIR / "templates").rglob("*.html"):
        used |= set(
            re.findall(r"""\{%\s*static\s+["'](vendor/[^"']+)["']""", template.read_text(encoding="utf-8"))
        )

    assert by_make, "found no cp of node_modules/bootstrap/dist in the Makefile"
    assert by_docker == by_make
    assert used <= by_docker, f"templates use vendor files the image lacks: {sorted(used - by_docker)}"
    assert any(
        instruction == "COPY"
        and "--from=" in arguments
        and arguments.split()[-1].rstrip("/") == "static/vendor"
        for instruction, arguments in image_stage()
    ), "the image does not put the vendor files into static/vendor"


# --- Production settings --------------------------------------------------------------------------


def test_production_settings_pass_the_deployment_check() -> None:
    result = manage("check", "--deploy", "--fail-level", "WARNING", environment=production_environment())

    assert result.returncode == 0, result.stdout + result.stderr


def test_the_deployment_check_fails_on_a_weak_production_setting() -> None:
    """The check above can fail: HSTS turned off is a warning, and warnings fail it."""
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        environment=production_environment(SECURE_HSTS_SECONDS="0"),
    )

    assert result.returncode != 0
    assert "security.W004" in result.stdout + result.stderr


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS"])
def test_production_refuses_to_start_without(missing: str) -> None:
    environment = production_environment()
    environment[missing] = ""

    result = manage("check", environment=environment)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert missing in result.stderr


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DJANGO_DEBUG", "maybe"),
        ("PAGE_SIZE", "lots"),
        ("SESSION_COOKIE_AGE", "10"),
        ("TRUSTED_PROXIES", "10.0.0.2,proxy.internal"),
        ("REPORTS_TEXT_MAX_CHARS", "many"),
        ("REPORTS_RENDER_SOFT_TIME_LIMIT", "200"),  # not below the render's hard limit
        ("REPORTS_RENDER_TIME_LIMIT", "600"),  # above the workers' own limit
    ],
)
def test_an_invalid_value_is_refused_naming_the_variable(variable: str, value: str) -> None:
    result = manage("check", environment=clean_environment(**{variable: value}))

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert variable in result.stderr.splitlines()[-1]


# --- /healthz ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_healthz_answers_anonymous_get_with_the_state_of_database_and_broker(client, settings) -> None:
    response = client.get(reverse("healthz"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    assert body["broker"] and not body["broker"].startswith("failed")
    assert "max-age=0" in response["Cache-Control"]
    text = response.content.decode()
    revealing = [
        settings.SECRET_KEY,
        settings.DATABASES["default"].get("PASSWORD"),
        settings.REDIS_URL,
        "://",
    ]
    assert not [secret for secret in revealing if secret and secret in text]


@pytest.mark.django_db
def test_healthz_is_503_naming_the_broker_when_redis_does_not_answer(client, settings) -> None:
    settings.SECRET_KEY = secrets.token_urlsafe(64)
    settings.REDIS_URL = "redis://:broker-password-4f1c@127.0.0.1:1/0"

    response = client.get(reverse("healthz"))

    assert response.status_code == 503
    body = response.json()
    assert body["status"] != "ok"
    assert body["broker"].startswith("failed")
    assert body["database"] == "ok"
    text = response.content.decode()
    assert settings.SECRET_KEY not in text
    assert "broker-password-4f1c" not in text
    assert "127.0.0.1" not in text


class _UnreachableDatabase:
    """Stands in for the connection of a database that refuses us."""

    def cursor(self) -> Any:
        raise OperationalError(
            'password authentication failed for user "twinning" (password db-password-9e2a)'
        )


def test_healthz_is_503_naming_the_database_when_it_does_not_answer(client, monkeypatch) -> None:
    monkeypatch.setattr("core.health.connection", _UnreachableDatabase())

    response = client.get(reverse("healthz"))

    assert response.status_code == 503
    body = response.json()
    assert body["database"].startswith("failed")
    assert not body["broker"].startswith("failed")
    assert "db-password-9e2a" not in response.content.decode()


def test_healthz_refuses_post(client) -> None:
    response = client.post(reverse("healthz"))

    assert response.status_code == 405


@pytest.mark.parametrize(
    ("redis_url", "healthy"),
    [("", True), ("redis://127.0.0.1:1/0", False)],
    ids=["services-answer", "broker-down"],
)
def test_the_compose_healthcheck_passes_only_while_the_image_command_serves_a_healthy_app(
    redis_url: str, healthy: bool, tmp_path: Path
) -> None:
    """Runs the image's gunicorn command with compose's web environment (production
    settings: HTTPS redirect on, the operator's ALLOWED_HOSTS) and the compose
    healthcheck against it."""
    services = compose()["services"]
    test = services["web"]["healthcheck"]["test"]
    assert test[:3] == ["CMD", "python", "-c"], "expected a python one-liner healthcheck"
    program = test[3]
    assert "localhost:8000" in program
    port = free_port()
    given = {
        "POSTGRES_PASSWORD": "pw4test",
        "MINIO_ROOT_PASSWORD": "pw4test",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": PRODUCTION_HOST,
    }
    web_environment = {
        name: interpolate(value, given) for name, value in service_environment(services["web"]).items()
    }
    web_environment.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'health.sqlite3'}",
        REDIS_URL=redis_url,
        WEB_CONCURRENCY="1",
    )
    command = image_command()
    command = [sys.executable, "-m", "gunicorn", *command[1:]]
    command[command.index("0.0.0.0:8000")] = f"127.0.0.1:{port}"
    log = tmp_path / "gunicorn.log"

    server = _serve(command, clean_environment(**web_environment), port, log)
    try:
        check = subprocess.run(
            [sys.executable, "-c", program.replace("localhost:8000", f"localhost:{port}")],
            env=clean_environment(),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    finally:
        stop(server)

    assert (check.returncode == 0) is healthy, check.stderr + log.read_text(errors="replace")


# --- What the servers log ------------------------------------------------------------------------------

MAKE_A_CALENDAR = (
    "import os, django\n"
    "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'twinning.settings')\n"
    "django.setup()\n"
    "from django.contrib.auth import get_user_model\n"
    "from django.contrib.auth.models import Group\n"
    "from core import roles\n"
    "from delegations.models import CalendarFeed\n"
    "user = get_user_model().objects.create_user('lena', password=None)\n"
    "user.groups.add(Group.objects.get(name=roles.LEADERS_OFFICE))\n"
    "print(CalendarFeed.objects.create(user=user).token)\n"
)


def _serve(command: list[str], environment: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    """Starts a server writing everything it says to ``log``, and waits until it listens
    (stopping it if it never does)."""
    with log.open("wb") as sink:
        server = subprocess.Popen(
            command, cwd=BASE_DIR, env=environment, stdout=sink, stderr=subprocess.STDOUT
        )
    deadline = time.monotonic() + 60
    try:
        while True:
            assert server.poll() is None, f"{command[2]} exited:\n{log.read_text(errors='replace')}"
            assert time.monotonic() < deadline, (
                f"{command[2]} did not listen:\n{log.read_text(errors='replace')}"
            )
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    return server
            time.sleep(0.2)
    except BaseException:
        stop(server)
        raise


def _ask_for(port: int, path: str, **headers: str) -> int:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        headers={"Host": "localhost", "X-Forwarded-Proto": "https", **headers},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - a local server
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_neither_the_image_command_nor_runserver_logs_a_calendar_key(tmp_path: Path) -> None:
    """The calendar feed's key is in its address, which gunicorn's access log (the
    image's command, as compose runs it) and runserver's log quote for every request,
    as Django's log does for an address not found. Both run here with production
    settings on a scratch database holding one calendar."""
    given = {
        "POSTGRES_PASSWORD": "pw4test",
        "MINIO_ROOT_PASSWORD": "pw4test",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": PRODUCTION_HOST,
    }
    web = service_environment(compose()["services"]["web"])
    environment = {name: interpolate(value, given) for name, value in web.items()}
    environment.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'feed.sqlite3'}", REDIS_URL="", WEB_CONCURRENCY="1"
    )
    environment = clean_environment(**environment)
    migrated = manage("migrate", "--noinput", environment=environment)
    assert migrated.returncode == 0, migrated.stderr
    made = python(MAKE_A_CALENDAR, environment)
    assert made.returncode == 0, made.stderr
    token = made.stdout.strip().splitlines()[-1]
    unknown = secrets.token_urlsafe(32)

    gunicorn_port, runserver_port = free_port(), free_port()
    gunicorn = [sys.executable, "-m", *image_command()]
    gunicorn[gunicorn.index("0.0.0.0:8000")] = f"127.0.0.1:{gunicorn_port}"
    runserver = [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{runserver_port}"]

    logs, statuses = {}, {}
    for name, command, port in (
        ("gunicorn", gunicorn, gunicorn_port),
        ("runserver", runserver, runserver_port),
    ):
        log = tmp_path / f"{name}.log"
        server = _serve(command, environment, port, log)
        try:
            statuses[name] = [
                _ask_for(port, f"/delegations/calendar/{token}.ics"),
                _ask_for(port, f"/delegations/calendar/{unknown}.ics"),
                _ask_for(
                    port,
                    f"/delegations/calendar/{token}",
                    Referer=f"https://localhost/delegations/calendar/{token}.ics",
                ),
            ]
        finally:
            stop(server)
        logs[name] = log.read_text(errors="replace")

    # The scratch install has no collected static files, so its error pages cannot be drawn
    # (500 rather than 404): the addresses not found are logged either way.
    assert {name: [status == 200 for status in got] for name, got in statuses.items()} == {
        "gunicorn": [True, False, False],
        "runserver": [True, False, False],
    }, statuses
    for name, text in logs.items():
        # Every request was logged, so the test looked at lines that held the key.
        assert text.count("/delegations/calendar/[redacted]") >= 3, f"{name} logged:\n{text}"
        assert token not in text, f"{name} logged the calendar's key:\n{text}"
        assert unknown not in text, f"{name} logged a key asked for:\n{text}"


# --- With the real services (CI sets REDIS_URL) ---------------------------------------------------------

needs_redis = pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs REDIS_URL (the services run)")


@pytest.mark.services
@needs_redis
@pytest.mark.django_db
def test_healthz_reports_the_real_broker_ok(client) -> None:
    response = client.get(reverse("healthz"))

    assert response.status_code == 200
    assert response.json()["broker"] == "ok"


@pytest.mark.services
@needs_redis
def test_a_real_worker_consumes_a_heartbeat_sent_through_redis(tmp_path: Path) -> None:
    """The task is queued while no worker runs; a worker started afterwards takes
    it from Redis and runs it. There is no result backend, so the worker's own
    log line and the emptied queue are the proof."""
    import redis

    from twinning.celery import app

    # A queue of its own, so that nothing else on this Redis is consumed or interferes.
    queue = f"twinning-test-{uuid.uuid4().hex}"
    broker = redis.Redis.from_url(os.environ["REDIS_URL"])
    worker: Worker | None = None
    try:
        sent = app.send_task("core.tasks.heartbeat", queue=queue)
        assert broker.llen(queue) == 1, "the task did not wait in Redis"

        worker = Worker.start(queue=queue, log_path=tmp_path / "worker.log", pool="solo")
        succeeded = f"Task core.tasks.heartbeat[{sent.id}] succeeded"
        wait_until(lambda: succeeded in worker.log(), "the heartbeat ran", worker=worker)

        assert broker.llen(queue) == 0
    finally:
        if worker is not None:
            worker.stop()
        forget_queue(broker, queue)
        broker.close()


# --- The database connection ----------------------------------------------------------------

DATABASE_OPTIONS = (
    "import json, importlib\n"
    "s = importlib.import_module('twinning.settings')\n"
    "print(json.dumps(s.DATABASES['default'].get('OPTIONS', {})))\n"
)


PREPARED = {"server_side_binding": True, "prepare_threshold": 5}


@pytest.mark.parametrize(
    ("database", "prepared", "expected"),
    [
        ("postgres://twinning:pw@db.invalid:5432/twinning", "", PREPARED),
        ("postgres://twinning:pw@db.invalid:5432/twinning", "true", PREPARED),
        ("postgres://twinning:pw@db.invalid:5432/twinning", "false", {}),
        ("sqlite:////tmp/twinning-settings.sqlite3", "", {}),
    ],
)
def test_postgresql_prepares_repeated_statements_unless_turned_off(
    database: str, prepared: str, expected: dict
) -> None:
    result = python(
        DATABASE_OPTIONS,
        production_environment(DATABASE_URL=database, DATABASE_PREPARED_STATEMENTS=prepared),
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == expected


@pytest.mark.django_db
def test_on_postgresql_a_query_run_again_and_again_is_prepared() -> None:
    if not connection.settings_dict.get("OPTIONS", {}).get("server_side_binding"):
        pytest.skip("prepared statements are PostgreSQL's, where they are not turned off")
    from partners.models import Place

    for _ in range(8):
        list(Place.objects.filter(name="Osnabrück").values_list("pk", flat=True))
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [statement for (statement,) in cursor.fetchall()]
    assert any('FROM "partners_place"' in statement for statement in prepared), prepared
