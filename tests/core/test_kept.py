"""Values kept in the cache until the records they are made from change (core/kept.py):
a filter's choices and the budget years' totals are read once, and a change is shown
on the very next page."""

from __future__ import annotations

import copy
import logging
import pickle
import socket
import time
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.test import override_settings
from django.urls import reverse

from budgets.selectors import years_overview
from core import auth, kept, roles
from core.models import Document
from partners.models import Place, Sector
from tests.factories import PlaceFactory, SectorFactory, SpendFactory
from tests.support.pages import Page, open_list
from tests.support.queries import Counted, count_queries

pytestmark = pytest.mark.django_db


def counted(make: Callable[[], object]) -> tuple[list[int], Callable[[], object]]:
    """``make`` wrapped so that each time it is really called is counted."""
    calls: list[int] = []

    def wrapped() -> object:
        calls.append(1)
        return make()

    return calls, wrapped


def sector_names() -> list[str]:
    return list(Sector.objects.order_by("name").values_list("name", flat=True))


def test_a_kept_value_is_made_once_until_a_record_it_is_made_from_changes() -> None:
    calls, make = counted(sector_names)
    assert kept.kept("test:sectors", [Sector], make) == []
    assert kept.kept("test:sectors", [Sector], make) == []
    assert len(calls) == 1

    sector = SectorFactory(name="Automotive")
    assert kept.kept("test:sectors", [Sector], make) == ["Automotive"]
    sector.name = "Automotive engineering"
    sector.save()
    assert kept.kept("test:sectors", [Sector], make) == ["Automotive engineering"]
    sector.delete()
    assert kept.kept("test:sectors", [Sector], make) == []
    assert len(calls) == 4


def test_a_change_of_many_to_many_links_moves_both_sides_on() -> None:
    place = PlaceFactory()
    sector = SectorFactory(name="Aerospace")
    calls, make = counted(lambda: sorted(place.sectors.values_list("name", flat=True)))
    kept.kept("test:place-sectors", [Place], make)
    before = kept.generation("partners.Place")
    place.sectors.add(sector)
    assert kept.kept("test:place-sectors", [Place], make) == ["Aerospace"]
    assert len(calls) == 2
    # Once when the links are made, not also before.
    assert kept.generation("partners.Place") == before + 1


def test_values_of_other_sources_are_not_made_again() -> None:
    calls, make = counted(sector_names)
    kept.kept("test:sectors", [Sector], make)
    PlaceFactory()
    kept.kept("test:sectors", [Sector], make)
    assert len(calls) == 1


@pytest.mark.django_db(transaction=True)
def test_a_value_made_before_a_change_commits_is_made_again_after_the_commit() -> None:
    calls, make = counted(sector_names)
    with transaction.atomic():
        SectorFactory(name="Rail")
        # Made while the change is not yet committed: another process reading now
        # would have read the register as it was, and kept that.
        kept.kept("test:sectors", [Sector], make)
        kept.kept("test:sectors", [Sector], make)
        assert len(calls) == 1
    kept.kept("test:sectors", [Sector], make)
    assert len(calls) == 2


def test_after_a_restore_every_kept_value_is_made_again() -> None:
    calls, make = counted(sector_names)
    kept.kept("test:sectors", [Sector], make)
    kept.move_all_on()
    kept.kept("test:sectors", [Sector], make)
    assert len(calls) == 2


def test_a_value_made_from_a_model_no_app_follows_is_refused() -> None:
    with pytest.raises(ImproperlyConfigured, match=r"core\.Document"):
        kept.kept("test:documents", [Document], lambda: [])


@override_settings(
    CACHES={
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            # Nothing listens on port 1: every read and write fails at once.
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
)
def test_with_the_cache_unreachable_the_value_is_made_each_time() -> None:
    calls, make = counted(sector_names)
    SectorFactory(name="Tourism")
    assert kept.kept("test:sectors", [Sector], make) == ["Tourism"]
    assert kept.kept("test:sectors", [Sector], make) == ["Tourism"]
    assert len(calls) == 2


def test_a_cache_that_hangs_is_left_alone_after_it_failed_once(settings, caplog) -> None:
    calls, make = counted(sector_names)
    with socket.socket() as silent:  # accepts connections (the kernel does) and never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": f"redis://127.0.0.1:{silent.getsockname()[1]}/0",
                "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
            }
        }
        with caplog.at_level(logging.WARNING, logger="core.kept"):
            for _ in range(3):
                assert kept.kept("test:sectors", [Sector], make) == []
                SectorFactory()  # a save does not wait on the cache either
                Sector.objects.all().delete()
    assert len(calls) == 3
    assert [record.getMessage() for record in caplog.records] == [
        f"The cache could not be read; it is left alone for {kept.RESTING_SECONDS} s"
    ]


def test_a_change_made_while_the_cache_rested_is_shown_as_soon_as_it_answers_again(monkeypatch) -> None:
    calls, make = counted(sector_names)
    SectorFactory(name="Tourism")
    assert kept.kept("test:sectors", [Sector], make) == ["Tourism"]
    monkeypatch.setattr(kept, "RESTING_SECONDS", 0.2)
    kept.cache_failed("answer in time")  # as after a timeout: left alone a while

    SectorFactory(name="Automotive")  # its generation cannot be moved on now
    time.sleep(0.3)

    assert kept.kept("test:sectors", [Sector], make) == ["Automotive", "Tourism"]
    assert len(calls) == 2


def test_the_places_filter_offers_a_country_as_soon_as_a_place_names_it(officer_client) -> None:
    PlaceFactory(name="Osnabrück", country="Germany")
    url = reverse("partners:place-list")
    assert open_list(officer_client, url).options("Country") == ["Germany"]
    PlaceFactory(name="Toyota City", country="Japan")
    assert open_list(officer_client, url).options("Country") == ["Germany", "Japan"]


def test_the_places_list_reads_its_countries_and_sectors_once(officer_client) -> None:
    PlaceFactory(name="Osnabrück", country="Germany").sectors.add(SectorFactory(name="Automotive"))
    url = reverse("partners:place-list")
    kept.move_all_on()
    first = count_queries(officer_client, url)
    again = count_queries(officer_client, url)

    def choices_read(counted: Counted) -> list[str]:
        return [
            sql
            for sql in counted.sql
            if ("DISTINCT" in sql and "country" in sql) or sql.startswith('SELECT "partners_sector"."id"')
        ]

    assert len(choices_read(first)) == 2
    assert choices_read(again) == []


def test_the_sector_filter_offers_a_sector_renamed_under_its_new_name(officer_client) -> None:
    sector = SectorFactory(name="Automotive")
    url = reverse("partners:place-list")
    assert open_list(officer_client, url).options("Sector") == ["Automotive"]
    sector.name = "Advanced manufacturing"
    sector.save()
    assert open_list(officer_client, url).options("Sector") == ["Advanced manufacturing"]


def test_the_budget_years_totals_count_spend_as_soon_as_it_is_recorded() -> None:
    first = SpendFactory(amount=Decimal("250.00"))
    [(_year, before)] = years_overview()
    assert before.estimated == Decimal("250.00")
    SpendFactory(budget_line=first.budget_line, amount=Decimal("100.00"))
    [(_year, after)] = years_overview()
    assert after.estimated == Decimal("350.00")
    first.delete()
    [(_year, after_delete)] = years_overview()
    assert after_delete.estimated == Decimal("100.00")


# --- The signed-in person, kept with their roles (core/auth.py) ---------------------------------


def test_a_page_reads_the_signed_in_person_once_until_someone_s_account_changes(officer_client) -> None:
    url = reverse("partners:contact-list")
    kept.move_all_on()
    first = count_queries(officer_client, url)
    again = count_queries(officer_client, url)
    assert [sql for sql in first.sql if "auth_user" in sql and "auth_group" not in sql]
    assert not [sql for sql in again.sql if "auth_user" in sql or "auth_group" in sql]
    assert first.queries - again.queries == 2


def test_a_role_taken_away_is_refused_on_the_very_next_page(officer, officer_client) -> None:
    url = reverse("partners:place-list")
    assert officer_client.get(url).status_code == 200
    officer.groups.clear()
    assert officer_client.get(url).status_code == 403


def test_a_role_given_opens_its_pages_on_the_very_next_page(outsider, outsider_client) -> None:
    url = reverse("partners:place-list")
    assert outsider_client.get(url).status_code == 403
    outsider.groups.add(Group.objects.get(name=roles.OFFICER))
    assert outsider_client.get(url).status_code == 200


def test_a_permission_given_to_one_person_alone_counts_on_the_very_next_page(officer, officer_client) -> None:
    url = reverse("budgets:review")
    assert officer_client.get(url).status_code == 403
    officer.user_permissions.add(Permission.objects.get(codename="decide_budgetline"))
    assert officer_client.get(url).status_code == 200


def test_a_role_s_group_deleted_takes_its_pages_away_at_once(officer, officer_client) -> None:
    url = reverse("partners:place-list")
    assert officer_client.get(url).status_code == 200
    Group.objects.get(name=roles.OFFICER).delete()
    assert officer_client.get(url).status_code == 403


def test_an_account_switched_off_is_signed_out_on_the_very_next_page(officer, officer_client) -> None:
    url = reverse("partners:place-list")
    assert officer_client.get(url).status_code == 200
    officer.is_active = False
    officer.save()
    refused = officer_client.get(url)
    assert refused.status_code == 302
    assert refused["Location"].startswith(reverse("login"))


def test_a_password_changed_elsewhere_signs_the_old_session_out(officer, officer_client) -> None:
    url = reverse("partners:place-list")
    assert officer_client.get(url).status_code == 200
    officer.set_password("a-new-passphrase-for-olivia")
    officer.save()
    assert officer_client.get(url).status_code == 302


def test_the_signed_in_person_is_kept_without_their_password_hash(officer, officer_client) -> None:
    assert officer_client.get(reverse("partners:place-list")).status_code == 200

    def not_kept() -> None:
        pytest.fail("the signed-in person was not kept")

    name = f"signed-in:{officer.pk}:{auth._secret_key_id()}"
    found = kept.kept(name, [type(officer), Group, Permission], not_kept)
    assert found[0]["username"] == "olivia"
    assert officer.password.encode() not in pickle.dumps(found)


def test_a_person_signed_in_from_the_cache_changes_their_password_and_stays_signed_in(
    officer, officer_client, password
) -> None:
    url = reverse("partners:place-list")
    assert reverse("password_change") in Page(officer_client.get(url)).links()
    wrong = officer_client.post(
        reverse("password_change"),
        {
            "old_password": "not-it",
            "new_password1": "Osnabruck-1971-twin",
            "new_password2": "Osnabruck-1971-twin",
        },
    )
    assert wrong.status_code == 200
    changed = officer_client.post(
        reverse("password_change"),
        {
            "old_password": password,
            "new_password1": "Osnabruck-1971-twin",
            "new_password2": "Osnabruck-1971-twin",
        },
    )
    assert changed.status_code == 302
    assert officer_client.get(url).status_code == 200
    officer.refresh_from_db()
    assert officer.check_password("Osnabruck-1971-twin")


def test_a_person_whose_password_is_taken_away_is_no_longer_offered_its_page(officer, officer_client) -> None:
    url = reverse("overview:dashboard")
    assert reverse("password_change") in Page(officer_client.get(url)).links()
    officer.set_unusable_password()
    officer.save()
    officer_client.force_login(officer)
    assert reverse("password_change") not in Page(officer_client.get(url)).links()


def test_the_person_made_from_the_cache_answers_for_their_own_password_when_copied_or_pickled(
    officer,
) -> None:
    backend = auth.RoleBackend()
    backend.get_user(officer.pk)
    user = backend.get_user(officer.pk)
    assert "password" not in vars(user)
    assert user.get_session_auth_hash() == officer.get_session_auth_hash()

    copied = copy.deepcopy(user)
    copied.set_password("a-new-passphrase-for-olivia")
    assert copied.get_session_auth_hash() == copied.__class__.get_session_auth_hash(copied)
    assert copied.get_session_auth_hash() != officer.get_session_auth_hash()
    assert user.get_session_auth_hash() == officer.get_session_auth_hash()

    restored = pickle.loads(pickle.dumps(user))  # noqa: S301 - made here
    assert restored.get_session_auth_hash() == officer.get_session_auth_hash()
    assert restored.has_usable_password()
