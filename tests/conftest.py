"""Personas, one per role plus an outsider, used across the suite."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from core import roles
from tests.factories import PASSWORD, UserFactory
from tests.support.documents import clamd, document_root, s3_documents, s3_endpoint  # noqa: F401 - fixtures
from tests.support.register import client_for, persona
from tests.support.services import redis_url_of_process

# The personas of tests/support/register.py: Olivia the officer, Fred of Finance, Lena of the
# Leader's Office, Ada the administrator (also staff, for the Django admin) and Oscar the
# outsider (signed in, holding no role); and a client signed in as each.
officer = pytest.fixture(name="officer")(lambda db: persona("officer"))
finance = pytest.fixture(name="finance")(lambda db: persona("finance"))
leader = pytest.fixture(name="leader")(lambda db: persona("leader"))
administrator = pytest.fixture(name="administrator")(lambda db: persona("administrator"))
outsider = pytest.fixture(name="outsider")(lambda db: persona("outsider"))
officer_client = pytest.fixture(name="officer_client")(lambda officer: client_for(officer))
finance_client = pytest.fixture(name="finance_client")(lambda finance: client_for(finance))
leader_client = pytest.fixture(name="leader_client")(lambda leader: client_for(leader))
admin_client_role = pytest.fixture(name="admin_client_role")(lambda administrator: client_for(administrator))
outsider_client = pytest.fixture(name="outsider_client")(lambda outsider: client_for(outsider))


@pytest.fixture(autouse=True)
def nothing_kept_from_another_test() -> None:
    """Each test reads what it made itself, not what an earlier test left kept in the
    cache (core/kept.py): a test's records are rolled back with no save or delete to
    move their generation on."""
    from core import kept

    kept.move_all_on()


@pytest.fixture
def eager_tasks() -> Any:
    """Tasks run in-process, as in the embedded mode, even when REDIS_URL is set."""
    from twinning.celery import app as celery_app

    before = (celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates)
    celery_app.conf.update(task_always_eager=True, task_eager_propagates=True)
    yield
    celery_app.conf.update(task_always_eager=before[0], task_eager_propagates=before[1])


@pytest.fixture
def personas(officer, finance, leader, administrator, outsider) -> dict[str, Any]:
    """Every persona, by role."""
    return {
        "officer": officer,
        "finance": finance,
        "leader": leader,
        "administrator": administrator,
        "outsider": outsider,
    }


@pytest.fixture
def colleague_client(db) -> Client:
    """A second officer, Priya, editing at the same time as Olivia."""
    colleague = UserFactory(username="priya", first_name="Priya", last_name="Patel", roles=[roles.OFFICER])
    return client_for(colleague)


@pytest.fixture
def password() -> str:
    return PASSWORD


def pytest_configure(config) -> None:
    """Tests talk plain HTTP to the test client and a local live server.

    In the services run DEBUG is off, so settings chose the production
    static storage and HTTPS-only cookies; the suite needs neither (the
    production settings are checked by `check --deploy` in test_deploy).
    """
    from django.conf import settings

    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # Documents attached by any test go to a folder of the run's, never to var/documents; a
    # test that looks at what was stored gives itself one (tests/support/documents.py).
    settings.STORAGES["documents"] = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": tempfile.mkdtemp(prefix="twinning-documents-"), "base_url": None},
    }
    settings.CLAMAV_URL = ""
    # WhiteNoise looks for collected files at start-up; tests serve from the finders.
    Path(settings.STATIC_ROOT).mkdir(exist_ok=True)
    # Personas are made in almost every test; the real hasher would dominate the run.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.SECURE_SSL_REDIRECT = False
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    _redis_of_this_process(settings)


def _redis_of_this_process(settings) -> None:
    """Where the suite runs in several processes (pytest-xdist), each has a Redis database
    of its own, as each has a database of its own: one process's cache entries and queued
    tasks are never another's. The Celery workers a test starts read REDIS_URL from the
    environment, so it is changed there too."""
    url = redis_url_of_process(settings.REDIS_URL, os.environ.get("PYTEST_XDIST_WORKER", ""))
    if url == settings.REDIS_URL:
        return
    from django.core.cache import caches

    from twinning.celery import app as celery_app

    os.environ["REDIS_URL"] = settings.REDIS_URL = settings.CELERY_BROKER_URL = url
    settings.CACHES = {**settings.CACHES, "default": {**settings.CACHES["default"], "LOCATION": url}}
    caches.__dict__.pop("settings", None)  # read again at the first use, should anything have read it
    celery_app.conf.broker_url = url
