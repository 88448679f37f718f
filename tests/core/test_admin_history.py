"""The Django admin's history pages (django-simple-history) cannot change a record
the admin shows read-only: the register is changed only through its own pages,
which record status changes and keep edit versions.

Each post is made by a real superuser through the admin's URL, as a person
with the admin open in a browser could make it, with a whole valid form of
the record in which one value is changed."""

from __future__ import annotations

from functools import partial
from typing import Any

import pytest
from django import forms
from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.db import models
from django.test import Client, RequestFactory
from django.urls import reverse
from simple_history.admin import SimpleHistoryAdmin

from partners.models import Relationship, RelationshipStatus, Sector
from tests.factories import UserFactory
from tests.support.pages import Page
from tests.support.register import build_register


@pytest.fixture
def superuser(db: Any) -> Any:
    user = UserFactory(username="root", is_staff=True, is_superuser=True)
    assert user.is_superuser
    return user


@pytest.fixture
def superuser_client(superuser: Any) -> Client:
    # A crash comes back as the 500 page a person would see, not as an exception.
    client = Client(raise_request_exception=False)
    client.force_login(superuser)
    return client


def _admin_request(user: Any) -> Any:
    request = RequestFactory().get("/admin/")
    request.user = user
    return request


def read_only_history_admins(user: Any) -> dict[type[models.Model], SimpleHistoryAdmin]:
    """Every model whose admin keeps its history and will not let ``user`` change it."""
    request = _admin_request(user)
    return {
        model: model_admin
        for model, model_admin in admin.site._registry.items()
        if isinstance(model_admin, SimpleHistoryAdmin) and not model_admin.has_change_permission(request)
    }


def _whole_form(model_admin: SimpleHistoryAdmin, record: models.Model, user: Any) -> dict[str, Any]:
    """What a browser would send from the admin's form of ``record`` with every field editable,
    as the history page offered it: the admin's own widgets, rendered and read back."""
    form_class = forms.models.modelform_factory(
        type(record),
        fields="__all__",
        formfield_callback=partial(model_admin.formfield_for_dbfield, request=_admin_request(user)),
    )
    page = Page(f"<form>{form_class(instance=record).as_div()}</form>")
    return page.form_values(page.labels()[0])


def _changed(record: models.Model, data: dict[str, Any]) -> dict[str, Any]:
    """``data`` with one value of the record changed: a relationship ended, else a name reworded."""
    if isinstance(record, Relationship):
        return {**data, "status": RelationshipStatus.ENDED}
    for field in record._meta.concrete_fields:
        is_text = isinstance(field, models.CharField | models.TextField) and not field.choices
        if is_text and field.editable and data.get(field.name):
            return {**data, field.name: f"{data[field.name]} (changed in the admin)"}
    raise AssertionError(f"{record._meta.label} has no text field to change")


def _state(record: models.Model) -> tuple[dict[str, Any], int, int]:
    model = type(record)
    return (
        model._base_manager.filter(pk=record.pk).values().get(),
        model.history.filter(id=record.pk).count(),
        LogEntry.objects.count(),
    )


def _history_form_url(record: models.Model) -> str:
    meta = record._meta
    version = type(record).history.filter(id=record.pk).latest("history_date")
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_simple_history", args=[record.pk, version.pk])


@pytest.mark.django_db
def test_no_read_only_record_is_changed_through_its_history_page(
    superuser: Any, superuser_client: Client
) -> None:
    register = build_register()
    read_only = read_only_history_admins(superuser)
    assert {"place", "relationship", "approach", "organisation", "contact", "action", "exchange"} <= {
        model._meta.model_name for model in read_only
    }, "the admin shows fewer of the register read-only than it did"

    outcomes = {}
    for model, model_admin in sorted(read_only.items(), key=lambda item: item[0]._meta.label):
        name = model._meta.model_name
        assert name in register, f"the register builder makes no {name}; add one to test its admin"
        record = register[name]
        data = _changed(record, _whole_form(model_admin, record, superuser))
        # The post would change the record if it were let through.
        form_class = forms.models.modelform_factory(model, fields="__all__")
        assert form_class(data, instance=model._base_manager.get(pk=record.pk)).is_valid(), name

        url = _history_form_url(record)
        assert superuser_client.get(url).status_code == 200, f"{name}: its past version cannot be seen"
        before = _state(record)
        statuses = [
            superuser_client.post(url, data).status_code,
            superuser_client.post(url, {**data, "_change_history": "1"}).status_code,
        ]
        outcomes[name] = (statuses, _state(record) == before)

    assert outcomes == {name: ([403, 403], True) for name in outcomes}


def test_a_relationship_cannot_be_ended_through_its_history_page(
    superuser: Any, superuser_client: Client
) -> None:
    register = build_register()
    relationship = register["relationship"]
    model_admin = admin.site._registry[Relationship]
    data = {**_whole_form(model_admin, relationship, superuser), "status": RelationshipStatus.ENDED}
    url = _history_form_url(relationship)

    response = superuser_client.post(url, data)

    assert response.status_code == 403
    relationship.refresh_from_db()
    assert relationship.status != RelationshipStatus.ENDED
    assert not Relationship.history.filter(id=relationship.pk, status=RelationshipStatus.ENDED).exists()


def test_a_past_version_of_a_read_only_record_is_shown_without_fields_to_edit(
    superuser: Any, superuser_client: Client
) -> None:
    relationship = build_register()["relationship"]

    page = Page(superuser_client.get(_history_form_url(relationship)))

    assert relationship.place.name in page.text
    assert "Revert" not in page.text
    assert not [
        node
        for node in page.root.find_all()
        if node.tag in ("input", "select", "textarea")
        and node.attrs.get("name") not in (None, "csrfmiddlewaretoken")
        and node.attrs.get("type") != "hidden"
    ]


def test_what_the_admin_may_change_can_still_be_reverted_from_its_history(
    superuser: Any, superuser_client: Client
) -> None:
    """The guard keeps to read-only records: a sector the administrator keeps is put back."""
    sector = Sector.objects.create(name="Automotive")
    first = Sector.history.get(id=sector.pk)
    sector.name = "Automotive and rail"
    sector.save()
    url = reverse("admin:partners_sector_simple_history", args=[sector.pk, first.pk])

    response = superuser_client.post(url, {"name": "Automotive"})

    assert response.status_code == 302
    sector.refresh_from_db()
    assert sector.name == "Automotive"
