"""Personas, one per role plus an outsider, used across the suite."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client

from core import roles
from tests.factories import PASSWORD, UserFactory


@pytest.fixture
def officer(db):
    return UserFactory(username="olivia", first_name="Olivia", last_name="Officer", roles=[roles.OFFICER])


@pytest.fixture
def finance(db):
    return UserFactory(username="fred", first_name="Fred", last_name="Finance", roles=[roles.FINANCE])


@pytest.fixture
def leader(db):
    return UserFactory(username="lena", first_name="Lena", last_name="Leader", roles=[roles.LEADERS_OFFICE])


@pytest.fixture
def administrator(db):
    user = UserFactory(username="ada", first_name="Ada", last_name="Admin", roles=[roles.ADMINISTRATOR])
    user.is_staff = True
    user.save()
    return user


@pytest.fixture
def outsider(db):
    """Logged in, but holding no role."""
    return UserFactory(username="oscar", first_name="Oscar", last_name="Outsider")


@pytest.fixture
def personas(officer, finance, leader, administrator, outsider):
    return {
        "officer": officer,
        "finance": finance,
        "leader": leader,
        "administrator": administrator,
        "outsider": outsider,
    }


def _client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def officer_client(officer):
    return _client_for(officer)


@pytest.fixture
def finance_client(finance):
    return _client_for(finance)


@pytest.fixture
def leader_client(leader):
    return _client_for(leader)


@pytest.fixture
def admin_client_role(administrator):
    return _client_for(administrator)


@pytest.fixture
def outsider_client(outsider):
    return _client_for(outsider)


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
    # WhiteNoise looks for collected files at start-up; tests serve from the finders.
    Path(settings.STATIC_ROOT).mkdir(exist_ok=True)
    # Personas are made in almost every test; the real hasher would dominate the run.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.SECURE_SSL_REDIRECT = False
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
