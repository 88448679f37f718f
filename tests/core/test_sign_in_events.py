"""The record of signing in, for the Administrator: sign-ins, failures, pauses, role and
account changes with who made them, and changes to two-step sign-in; never a secret."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from core import roles
from core.models import SignInEvent, SignInEventKind
from tests import factories as make
from tests.support.pages import Page
from tests.support.register import client_for

pytestmark = pytest.mark.django_db
Kind = SignInEventKind


def events(**filters: Any) -> list[tuple[str, str, str]]:
    return [
        (event.kind, event.username, event.method)
        for event in SignInEvent.objects.filter(**filters).order_by("at", "pk")
    ]


def no_secret_in_any_event(*secrets: str) -> None:
    for event in SignInEvent.objects.all():
        text = " ".join(str(getattr(event, f.attname)) for f in SignInEvent._meta.concrete_fields)
        for secret in secrets:
            assert secret not in text, f"{secret!r} kept in {event}"


def test_a_sign_in_a_failure_and_a_pause_are_recorded_without_the_password(officer, settings) -> None:
    client = Client(REMOTE_ADDR="203.0.113.7")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "Olivia ", "password": "a-wrong-guess-77"})
    Client().post(reverse("login"), {"username": officer.username, "password": make.PASSWORD})

    assert events(kind=Kind.FAILED) == [(Kind.FAILED, "olivia", "password")] * settings.AXES_FAILURE_LIMIT
    assert SignInEvent.objects.filter(kind=Kind.FAILED, user=officer, ip_address="203.0.113.7").count() == 5
    assert events(kind=Kind.PAUSED) == [(Kind.PAUSED, "olivia", "")]
    assert events(kind=Kind.SIGNED_IN) == [(Kind.SIGNED_IN, "olivia", "password")]
    no_secret_in_any_event("a-wrong-guess-77", make.PASSWORD)


def test_a_role_given_in_the_django_admin_is_recorded_with_who_gave_it(administrator, officer) -> None:
    admin = client_for(administrator)
    url = reverse("admin:auth_user_change", args=[officer.pk])
    values = Page(admin.get(url)).form_values("Username:")
    values["groups"] = [str(Group.objects.get(name=roles.FINANCE).pk)]

    assert admin.post(url, values).status_code == 302

    change = SignInEvent.objects.filter(kind=Kind.ROLES_CHANGED, user=officer, by__isnull=False).order_by(
        "pk"
    )
    assert [(e.detail, e.by, e.method) for e in change] == [
        ("took away Officer", administrator, "Django admin"),
        ("gave Finance", administrator, "Django admin"),
    ]


def test_switching_an_account_off_and_making_a_superuser_are_recorded(administrator, officer) -> None:
    admin = client_for(administrator)
    url = reverse("admin:auth_user_change", args=[officer.pk])
    values = Page(admin.get(url)).form_values("Username:")
    values.pop("is_active", None)
    values["is_superuser"] = "on"

    admin.post(url, values)

    (event,) = SignInEvent.objects.filter(kind=Kind.ROLES_CHANGED, user=officer, by__isnull=False)
    assert event.detail == "switched the account off; made it superuser"
    assert event.by == administrator


def test_the_administrator_reads_the_record_filtered_and_no_one_else_does(administrator, officer) -> None:
    Client().post(reverse("login"), {"username": "nobody-here", "password": "x"})
    Client().post(reverse("login"), {"username": officer.username, "password": make.PASSWORD})
    url = reverse("admin:core_signinevent_changelist")

    failed = Page(client_for(administrator).get(url, {"kind__exact": Kind.FAILED}))

    (results,) = failed.root.find_all("table", id="result_list")
    rows = [row.text for row in results.find_all("tbody")[0].find_all("tr")]
    assert len(rows) == 1 and "nobody-here" in rows[0] and "Sign-in failed" in rows[0]
    assert client_for(officer).get(url).status_code == 302  # not staff: the admin's sign-in
    change = client_for(administrator).post(
        reverse("admin:core_signinevent_change", args=[SignInEvent.objects.first().pk]),
        {"detail": "tampered"},
    )
    assert change.status_code == 403
