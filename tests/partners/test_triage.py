"""Approach triage: the council's criteria as data, scores with reasons, ranking;
and partner discovery by the sectors a place shares with the home council."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from overview.discovery import partner_discovery
from partners.models import ApproachScore, TriageCriterion
from partners.selectors import approach_triage, approaches_ranked, triage_maximum
from partners.services import ScoreGiven, approach_score
from tests import factories as make
from tests.support.queries import assert_work_does_not_grow

pytestmark = pytest.mark.django_db


def criteria() -> dict[str, TriageCriterion]:
    return {criterion.name: criterion for criterion in TriageCriterion.objects.all()}


def score_all(approach, officer, values: dict[str, int]) -> None:
    approach_score(
        approach=approach,
        scores=[
            ScoreGiven(criteria()[name], value, f"Because of {name.lower()}.")
            for name, value in values.items()
        ],
        by=officer,
    )


def test_the_council_starts_with_five_weighted_criteria():
    assert [(c.name, c.weight) for c in TriageCriterion.objects.order_by("position")] == [
        ("Economic similarity", 3),
        ("Existing business links", 3),
        ("Strategic fit", 2),
        ("Cost to the council", 2),
        ("External funding", 1),
    ]
    assert triage_maximum() == 5 * (3 + 3 + 2 + 2 + 1)


def test_an_approach_totals_its_scores_by_weight(officer):
    approach = make.ApproachFactory(
        place=make.PlaceFactory(name="Zhejiang", local_name="浙江省", kind="province")
    )

    score_all(
        approach,
        officer,
        {
            "Economic similarity": 4,
            "Existing business links": 2,
            "Strategic fit": 3,
            "Cost to the council": 1,
            "External funding": 5,
        },
    )

    triage = approach_triage(approach)
    assert triage.total == 4 * 3 + 2 * 3 + 3 * 2 + 1 * 2 + 5 * 1
    assert triage.maximum == 55
    assert triage.percent == 56  # 31 of 55
    assert triage.complete
    assert triage.lines[0].score.reason == "Because of economic similarity."
    assert all(line.score.scored_by == officer for line in triage.lines)


def test_a_partly_scored_approach_says_how_far_it_got(officer):
    approach = make.ApproachFactory()
    score_all(approach, officer, {"Strategic fit": 5})

    triage = approach_triage(approach)

    assert (triage.scored, triage.complete, triage.total) == (1, False, 10)


def test_scoring_again_replaces_the_score_and_keeps_one_row(officer, finance):
    approach = make.ApproachFactory()
    score_all(approach, officer, {"Strategic fit": 2})
    approach_score(
        approach=approach, scores=[ScoreGiven(criteria()["Strategic fit"], 4, "New evidence.")], by=finance
    )

    (row,) = ApproachScore.objects.filter(approach=approach)
    assert (row.score, row.reason, row.scored_by) == (4, "New evidence.", finance)
    assert row.history.count() == 2


@pytest.mark.parametrize(
    ("score", "reason", "message"),
    [
        (6, "Strong", "A score is from 0 to 5."),
        (-1, "x", "A score is from 0 to 5."),
        (3, "   ", "Give the reason"),
    ],
)
def test_a_bad_score_refuses_every_score_given_with_it(officer, score, reason, message):
    approach = make.ApproachFactory()
    good = ScoreGiven(criteria()["Strategic fit"], 3, "Fits the city's strategy.")
    bad = ScoreGiven(criteria()["External funding"], score, reason)

    with pytest.raises(ValidationError) as refused:
        approach_score(approach=approach, scores=[good, bad], by=officer)

    assert message in str(refused.value.message_dict["External funding"])
    assert not ApproachScore.objects.exists()


def test_a_retired_criterion_cannot_be_scored_and_leaves_the_total(officer):
    approach = make.ApproachFactory()
    score_all(approach, officer, {"External funding": 5, "Strategic fit": 1})
    funding = criteria()["External funding"]
    funding.is_active = False
    funding.save()

    with pytest.raises(ValidationError):
        approach_score(approach=approach, scores=[ScoreGiven(funding, 4, "x")], by=officer)
    triage = approach_triage(approach)
    assert triage.total == 2
    assert triage.maximum == 50
    assert approaches_ranked().get(pk=approach.pk).triage_total == 2


def test_approaches_rank_by_weighted_total_unscored_last(officer):
    low, high, unscored = make.ApproachFactory(), make.ApproachFactory(), make.ApproachFactory()
    score_all(low, officer, {"Economic similarity": 1})
    score_all(high, officer, {"Economic similarity": 5, "External funding": 1})

    ranked = list(approaches_ranked())

    assert ranked[:2] == [high, low]
    assert ranked[2] == unscored
    assert (ranked[0].triage_total, ranked[0].triage_scored) == (16, 2)
    assert ranked[2].triage_total is None


# --- Partner discovery -------------------------------------------------------------------


@pytest.fixture
def derby():
    home = make.CouncilFactory(name="Derby City Council", is_home=True)
    home.sectors.set([make.SectorFactory(name=name) for name in ("Aerospace", "Rail", "Automotive")])
    return home


def sectors(*names):
    return [make.SectorFactory(name=name) for name in names]


def test_places_rank_by_the_sectors_they_share_with_the_home_economy(derby):
    xian = make.PlaceFactory(name="Xi'an", local_name="西安市")
    xian.sectors.set(sectors("Aerospace", "Tourism"))
    toyota = make.PlaceFactory(name="Toyota City", local_name="豊田市", country="Japan")
    toyota.sectors.set(sectors("Automotive", "Rail"))
    bruges = make.PlaceFactory(name="Bruges", local_name="Brugge", country="Belgium")
    bruges.sectors.set(sectors("Tourism"))

    home, candidates = partner_discovery()

    assert home == derby
    assert [c.place.name for c in candidates] == ["Toyota City", "Xi'an"]
    assert [s.name for s in candidates[0].shared] == ["Automotive", "Rail"]
    assert candidates[0].match_percent == 67
    assert [c.place.name for c in partner_discovery(include_unmatched=True)[1]][-1] == "Bruges"


def test_business_links_in_shared_sectors_are_shown_and_break_ties(derby):
    xian = make.PlaceFactory(name="Xi'an", local_name="西安市")
    hefei = make.PlaceFactory(name="Hefei", local_name="合肥市")
    for place in (xian, hefei):
        place.sectors.set(sectors("Aerospace"))
    rolls = make.OrganisationFactory(name="Rolls-Royce", kind="company")
    rolls.sectors.set(sectors("Aerospace"))
    make.StakeholderFactory(
        relationship=make.RelationshipFactory(place=xian),
        organisation=rolls,
        role="Joint venture with Xian Aerospace underpins the link",
    )

    _, candidates = partner_discovery()

    assert [c.place.name for c in candidates] == ["Xi'an", "Hefei"]
    (link,) = candidates[0].business_links
    assert (link.organisation.name, [s.name for s in link.sectors]) == ("Rolls-Royce", ["Aerospace"])
    assert candidates[0].in_register and not candidates[1].in_register


def test_without_a_home_sector_profile_nothing_is_ranked(db):
    make.PlaceFactory(name="Osnabrück").sectors.set(sectors("Automotive"))

    home, candidates = partner_discovery()

    assert home is None
    assert candidates == []


def test_discovery_costs_the_same_queries_whatever_the_number_of_places(derby):
    aerospace = derby.sectors.get(name="Aerospace")

    def add(places: int) -> None:
        for number in range(places):
            place = make.PlaceFactory(name=f"Place {places}-{number}")
            place.sectors.add(aerospace)
            organisation = make.OrganisationFactory(name=f"Company {places}-{number}")
            organisation.sectors.add(aerospace)
            make.StakeholderFactory(
                relationship=make.RelationshipFactory(place=place), organisation=organisation
            )

    add(2)
    assert_work_does_not_grow(partner_discovery, lambda: add(15))
