"""Partner discovery: places ranked by how closely their economies match the home council's."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch

from partners.models import (
    Council,
    Organisation,
    Place,
    Relationship,
    RelationshipStatus,
    Sector,
    Stakeholder,
)


@dataclass(frozen=True)
class BusinessLink:
    organisation: Organisation
    role: str
    sectors: list[Sector]


@dataclass(frozen=True)
class Candidate:
    """A place ranked by how its economy matches the home council's."""

    place: Place
    shared: list[Sector]
    business_links: list[BusinessLink]
    in_register: bool
    home_sector_count: int

    @property
    def match_percent(self) -> int:
        if not self.home_sector_count:
            return 0
        return (200 * len(self.shared) + self.home_sector_count) // (2 * self.home_sector_count)


def home_council() -> Council | None:
    return Council.objects.filter(is_home=True).prefetch_related("sectors").first()


def partner_discovery(*, include_unmatched: bool = False) -> tuple[Council | None, list[Candidate]]:
    """Places ranked by the sectors they share with the home council's economy,
    then by the business links in those sectors behind their relationships.

    Four queries whatever the size: the home council with its sectors, the
    places with theirs, and the links (stakeholders with their organisations'
    sectors).
    """
    home = home_council()
    home_sectors = list(home.sectors.all()) if home else []
    home_ids = {sector.pk for sector in home_sectors}
    places = Place.objects.prefetch_related(
        "sectors",
        Prefetch(
            "relationships",
            queryset=Relationship.objects.exclude(status=RelationshipStatus.ENDED).prefetch_related(
                Prefetch(
                    "stakeholders",
                    queryset=Stakeholder.objects.select_related("organisation").prefetch_related(
                        "organisation__sectors"
                    ),
                )
            ),
        ),
    ).order_by("name", "pk")
    candidates = []
    for place in places:
        shared = [sector for sector in place.sectors.all() if sector.pk in home_ids]
        links = []
        for relationship in place.relationships.all():
            for stakeholder in relationship.stakeholders.all():
                in_common = [s for s in stakeholder.organisation.sectors.all() if s.pk in home_ids]
                if in_common:
                    links.append(BusinessLink(stakeholder.organisation, stakeholder.role, in_common))
        if not shared and not links and not include_unmatched:
            continue
        candidates.append(
            Candidate(
                place=place,
                shared=shared,
                business_links=links,
                in_register=bool(place.relationships.all()),
                home_sector_count=len(home_sectors),
            )
        )
    candidates.sort(key=lambda c: (-len(c.shared), -len(c.business_links), c.place.name.casefold()))
    return home, candidates
