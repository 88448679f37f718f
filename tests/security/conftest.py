"""What the hostile-input and other-records tests share: a repeatable Hypothesis
profile, and two registers (see tests/support/register.py) built once per
module, with the personas and a client for each."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from tests.support.database import kept_for_the_module
from tests.support.register import OTHER, PERSONAS, build_register, client_for, make_personas

# The same examples on every run and every machine, and none remembered
# between runs: a failure in CI is the failure seen at a desk.
settings.register_profile(
    "security",
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
settings.load_profile("security")


def with_people(*registers: dict[str, Any]) -> None:
    """The personas, and a client for each that answers a crash with a 500 page, in every register."""
    people = make_personas()
    clients = {name: client_for(people.get(name), crash_as_500=True) for name in PERSONAS}
    for register in registers:
        register["personas"], register["clients"] = people, clients


@pytest.fixture(scope="module")
def module_register(django_db_setup: Any, django_db_blocker: Any) -> Iterator[dict[str, Any]]:
    with kept_for_the_module(django_db_blocker):
        records = build_register()
        with_people(records)
        yield records


@pytest.fixture
def register(db: Any, module_register: dict[str, Any]) -> dict[str, Any]:
    """A register every form is posted to, with the personas and a signed-in client for each."""
    return module_register


@pytest.fixture(scope="module")
def module_registers(
    django_db_setup: Any, django_db_blocker: Any
) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    with kept_for_the_module(django_db_blocker):
        mine, other = build_register(), build_register(OTHER)
        with_people(mine, other)
        yield mine, other


@pytest.fixture
def two_registers(
    db: Any, module_registers: tuple[dict[str, Any], dict[str, Any]]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A register, and a second one whose every name carries OTHER."""
    return module_registers
