"""The demo data recreates the Cabinet report of 9 September 2015, once."""

from __future__ import annotations

import datetime
from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command
from django.db.models import Sum

from partners.models import (
    Action,
    ActionStatus,
    Approach,
    ApproachOutcome,
    Contact,
    Exchange,
    ExchangeKind,
    Place,
    Relationship,
    RelationshipKind,
    RelationshipStatus,
    RelationshipStatusChange,
    Stakeholder,
)
from tests.factories import UserFactory
from twinning import roles
from twinning.demo import load_demo

DEMO_PASSWORD = "demo-pass-for-tests"
DEMO_USERNAMES = {"officer", "finance", "leader", "admin"}

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(settings):
    settings.DEBUG = True
    return load_demo(with_users=True, password=DEMO_PASSWORD)


def _relationship(place: str, kind: str) -> Relationship:
    return Relationship.objects.get(place__name=place, kind=kind)


def test_the_five_places_carry_their_names_in_local_script(demo):
    local_names = dict(Place.objects.values_list("name", "local_name"))

    assert local_names == {
        "Osnabrück": "Osnabrück",
        "Toyota City": "豊田市",
        "Xi'an": "西安市",
        "Hefei": "合肥市",
        "Zhejiang": "浙江省",
    }
    assert Place.objects.get(name="Zhejiang").kind == "province"
    # The report's only population figure is China's, not any place's.
    assert not Place.objects.filter(population__isnull=False).exists()


def test_toyota_city_is_shared_by_the_three_councils(demo):
    toyota = _relationship("Toyota City", RelationshipKind.CIVIC)

    assert set(toyota.councils.values_list("name", flat=True)) == {
        "Derby City Council",
        "Derbyshire County Council",
        "South Derbyshire District Council",
    }
    assert toyota.status == RelationshipStatus.ACTIVE
    assert toyota.established_year == 2000
    assert "fifteen year" in toyota.narrative
    assert set(toyota.stakeholders.values_list("organisation__name", flat=True)) == {
        "Toyota Motor Manufacturing UK",
        "Toyota City Council",
    }


def test_osnabruck_is_civic_and_educational_and_active(demo):
    osnabruck = Relationship.objects.filter(place__name="Osnabrück")

    assert sorted(osnabruck.values_list("kind", "status")) == [
        (RelationshipKind.CIVIC, RelationshipStatus.ACTIVE),
        (RelationshipKind.EDUCATIONAL, RelationshipStatus.ACTIVE),
    ]
    # "Of long standing": no year is given, so none is invented.
    assert not osnabruck.filter(established_year__isnull=False).exists()


def test_xian_is_an_active_economic_link_resting_on_the_joint_venture(demo):
    xian = _relationship("Xi'an", RelationshipKind.ECONOMIC)

    assert xian.status == RelationshipStatus.ACTIVE
    assert "Rolls-Royce" in xian.narrative
    assert "two previous visits" in xian.narrative
    assert {"Rolls-Royce", "Xi'an Aerospace"} <= set(
        xian.stakeholders.values_list("organisation__name", flat=True)
    )
    # Its approach (para 4.8) attaches to the existing link rather than opening another.
    assert Relationship.objects.filter(place__name="Xi'an").count() == 1
    assert xian.approaches.get().outcome == ApproachOutcome.EXPLORING


@pytest.mark.parametrize("place", ["Hefei", "Zhejiang"])
def test_hefei_and_zhejiang_are_approaches_awaiting_a_response(demo, place):
    relationship = _relationship(place, RelationshipKind.ECONOMIC)
    approach = Approach.objects.get(place__name=place)

    assert relationship.status == RelationshipStatus.APPROACH_RECEIVED
    assert approach.relationship == relationship
    assert approach.outcome == ApproachOutcome.PENDING
    # The report dates neither approach.
    assert approach.received_on is None
    assert approach.respond_by is None


def test_the_hefei_approach_came_through_the_deputy_consul_general(demo):
    approach = Approach.objects.get(place__name="Hefei")

    assert approach.via_organisation.name == "British Consulate-General Shanghai"
    assert approach.via_contact.job_title == "British Deputy Consul General, Shanghai"
    assert "October 2015" in approach.request


def test_every_relationship_records_the_status_it_started_in(demo):
    for relationship in Relationship.objects.all():
        first = RelationshipStatusChange.objects.filter(relationship=relationship).get()
        assert (first.from_status, first.to_status) == ("", relationship.status)


def test_the_deputy_consul_general_is_known_by_post_not_name(demo):
    contact = Contact.objects.get(job_title="British Deputy Consul General, Shanghai")

    assert contact.name == ""
    assert contact.organisation.name == "British Consulate-General Shanghai"
    assert "para 4.10" in contact.notes


def test_the_six_actions_carry_their_cabinet_sources(demo):
    actions = {action.source: action for action in Action.objects.select_related("relationship__place")}

    assert set(actions) == {
        "Cabinet 9 September 2015, recommendation 2.1",
        "Cabinet 9 September 2015, recommendation 2.2",
        "Cabinet 9 September 2015, recommendation 2.3",
        "Cabinet 9 September 2015, recommendation 2.4",
        "Cabinet 9 September 2015, para 4.4",
        "Cabinet 9 September 2015, para 4.7",
    }
    places = {source: a.relationship.place.name if a.relationship else None for source, a in actions.items()}
    assert places == {
        "Cabinet 9 September 2015, recommendation 2.1": "Zhejiang",
        "Cabinet 9 September 2015, recommendation 2.2": "Hefei",
        "Cabinet 9 September 2015, recommendation 2.3": None,
        "Cabinet 9 September 2015, recommendation 2.4": None,
        "Cabinet 9 September 2015, para 4.4": "Toyota City",
        "Cabinet 9 September 2015, para 4.7": "Xi'an",
    }
    # Only recommendation 2.1 has a date in the report; no owner is named.
    due = {source: a.due_on for source, a in actions.items() if a.due_on}
    assert due == {"Cabinet 9 September 2015, recommendation 2.1": datetime.date(2015, 9, 16)}
    assert all(a.status == ActionStatus.OPEN and a.owner is None for a in actions.values())


def test_the_toyota_city_secondment_lasts_twelve_months(demo):
    secondment = Exchange.objects.get(kind=ExchangeKind.SECONDMENT)

    assert secondment.relationship == _relationship("Toyota City", RelationshipKind.CIVIC)
    assert secondment.title == "Senior Policy Officer from Toyota City"
    assert secondment.host == "Derbyshire County Council"
    assert secondment.duration_months == 12
    assert secondment.starts_on is None and secondment.ends_on is None


def test_cbbc_advises_on_the_three_chinese_links(demo):
    places = Stakeholder.objects.filter(organisation__name="China-Britain Business Council").values_list(
        "relationship__place__name", flat=True
    )

    assert sorted(places) == ["Hefei", "Xi'an", "Zhejiang"]


def _every_table() -> dict[str, int]:
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy
    }


def _versions() -> dict[str, int | None]:
    return {
        model._meta.label: model._default_manager.aggregate(total=Sum("version"))["total"]
        for model in apps.get_app_config("partners").get_models()
        if any(f.name == "version" for f in model._meta.concrete_fields)
        and not model.__name__.startswith("Hist")
    }


def test_a_second_run_changes_nothing(demo, settings):
    tables = _every_table()
    versions = _versions()
    hashes = dict(get_user_model().objects.values_list("username", "password"))
    assert tables["partners.HistoricalRelationship"] > 0  # the first run did write history

    again = load_demo(with_users=True, password=DEMO_PASSWORD)

    assert _every_table() == tables
    assert _versions() == versions
    assert dict(get_user_model().objects.values_list("username", "password")) == hashes
    assert not again.created and not again.updated
    assert again.present.total() == demo.created.total()


def test_a_run_puts_back_what_the_report_says_and_nothing_more(demo):
    toyota = _relationship("Toyota City", RelationshipKind.CIVIC)
    toyota.narrative = "Edited by hand"
    toyota.next_review_on = datetime.date(2026, 1, 1)
    toyota.save()

    result = load_demo(with_users=True, password=DEMO_PASSWORD)

    toyota.refresh_from_db()
    assert "fifteen year" in toyota.narrative
    assert toyota.next_review_on == datetime.date(2026, 1, 1)  # the report is silent on it
    assert result.updated.total() == 1
    assert not result.created


def test_a_run_restores_a_missing_council_and_keeps_one_an_officer_added(demo):
    toyota = _relationship("Toyota City", RelationshipKind.CIVIC)
    derbyshire = toyota.councils.get(name="Derbyshire County Council")
    toyota.councils.remove(derbyshire)
    xian = _relationship("Xi'an", RelationshipKind.ECONOMIC)
    xian.councils.add(derbyshire)

    result = load_demo(with_users=True, password=DEMO_PASSWORD)

    assert toyota.councils.filter(pk=derbyshire.pk).exists()
    assert xian.councils.filter(pk=derbyshire.pk).exists()
    assert result.updated[Relationship] == 1


def test_a_changed_demo_password_takes_effect_on_the_next_run(demo, settings):
    load_demo(with_users=True, password="a-new-demo-password")

    assert authenticate(username="officer", password="a-new-demo-password") is not None
    assert authenticate(username="officer", password=DEMO_PASSWORD) is None


def test_demo_logins_are_made_in_debug_one_per_role(demo):
    users = {user.username: user for user in get_user_model().objects.filter(username__in=DEMO_USERNAMES)}

    assert set(users) == DEMO_USERNAMES
    assert {name: roles.role_names(user) for name, user in users.items()} == {
        "officer": [roles.OFFICER],
        "finance": [roles.FINANCE],
        "leader": [roles.LEADERS_OFFICE],
        "admin": [roles.ADMINISTRATOR],
    }
    assert all(user.email == f"{name}@demo.invalid" for name, user in users.items())
    assert users["admin"].is_staff and not users["admin"].is_superuser
    assert not users["officer"].is_staff


def test_no_demo_logins_are_made_outside_debug(settings):
    settings.DEBUG = False

    result = load_demo(with_users=True, password=DEMO_PASSWORD)

    assert not get_user_model().objects.filter(username__in=DEMO_USERNAMES).exists()
    assert not result.logins
    assert any("DEBUG is off" in warning for warning in result.warnings)
    assert Place.objects.count() == 5  # the register itself is still loaded


def test_demo_officer_cannot_log_in_once_debug_is_off(demo, settings, password):
    UserFactory(username="nadia", roles=[roles.OFFICER])
    settings.DEBUG = False

    assert authenticate(username="officer", password=DEMO_PASSWORD) is None
    assert authenticate(username="nadia", password=password) is not None


def test_a_demo_login_given_a_real_email_is_still_refused_outside_debug(demo, settings):
    get_user_model().objects.filter(username="officer").update(email="olivia@derby.gov.uk")
    settings.DEBUG = False

    assert authenticate(username="officer", password=DEMO_PASSWORD) is None


def test_demo_officer_can_log_in_in_debug(demo, settings):
    settings.DEBUG = True

    user = authenticate(username="officer", password=DEMO_PASSWORD)

    assert user is not None and user.username == "officer"
    assert authenticate(username="officer", password="wrong-password") is None


def test_an_existing_user_with_a_demo_name_is_left_alone(settings, password):
    settings.DEBUG = True
    real = UserFactory(username="admin", roles=[roles.OFFICER])

    result = load_demo(with_users=True, password=DEMO_PASSWORD)

    real.refresh_from_db()
    assert real.email == "admin@council.example"
    assert roles.role_names(real) == [roles.OFFICER]
    assert real.check_password(password)
    assert any("'admin'" in warning for warning in result.warnings)


def test_the_command_prints_the_demo_logins_and_what_it_did(settings):
    settings.DEBUG = True
    settings.DEMO_PASSWORD = "twinning-demo"
    out = StringIO()

    call_command("load_demo", stdout=out)

    output = out.getvalue()
    for username, role in [
        ("officer", "Officer"),
        ("finance", "Finance"),
        ("leader", "Leader's Office"),
        ("admin", "Administrator"),
    ]:
        assert f"{username:<8} {role}" in output
    assert "'twinning-demo', the default" in output
    assert "52 created" in output
    assert authenticate(username="leader", password="twinning-demo") is not None

    out = StringIO()
    call_command("load_demo", stdout=out)
    assert "0 created, 0 updated, 52 already present" in out.getvalue()


def test_the_command_uses_but_never_prints_a_password_from_the_environment(settings):
    settings.DEBUG = True
    settings.DEMO_PASSWORD = "set-in-the-environment"
    out = StringIO()

    call_command("load_demo", stdout=out)

    assert "set-in-the-environment" not in out.getvalue()
    assert "the value of DEMO_PASSWORD" in out.getvalue()
    assert authenticate(username="finance", password="set-in-the-environment") is not None


def test_the_command_says_why_there_are_no_logins_outside_debug(settings):
    settings.DEBUG = False
    out = StringIO()

    call_command("load_demo", stdout=out)

    assert "DEBUG is off" in out.getvalue()
    assert "officer " not in out.getvalue()
    assert not get_user_model().objects.filter(username__in=DEMO_USERNAMES).exists()
