"""The relationship and the visit the delegations tests start from: Derby's
economic link with Xi'an, and the report's exploratory visit to China."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from delegations.models import Funder, Visit
from partners.models import RelationshipKind
from tests.factories import PlaceFactory, RelationshipFactory, VisitFactory


@pytest.fixture
def xian(db: Any) -> Any:
    place = PlaceFactory(name="Xi'an", local_name="西安市", country="China")
    return RelationshipFactory(place=place, kind=RelationshipKind.ECONOMIC)


@pytest.fixture
def china_visit(xian: Any) -> Visit:
    """The report's four-person exploratory visit to China, paid for by the FCO."""
    return VisitFactory(
        relationship=xian,
        direction="outbound",
        purpose="exploratory",
        title="Exploratory visit to China",
        starts_on=date(2015, 11, 2),
        ends_on=date(2015, 11, 6),
        funder=Funder.FCO,
        party_size=4,
    )
