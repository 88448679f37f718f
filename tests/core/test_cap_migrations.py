"""The caps on paragraphs and cost items arrive on a database that may already break them.

The migration that caps a paragraph at 5,000 characters first splits any longer
one into consecutive paragraphs, word for word; the one that caps a cost item's
total stops, naming the items, rather than fail inside the database or guess
what a mistyped sum meant.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from reports.models import Paragraph

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE_THE_PARAGRAPH_CAP = ("reports", "0003_decision_log")
BEFORE_THE_COST_CAP = ("delegations", "0006_visit_funder_until_itemised")
# Places as they stood then, so that the old register can be written.
BEFORE_REGIONS = ("partners", "0008_lists_in_name_order")


def migrate(*targets: tuple[str, str]) -> Any:
    """Migrates to the targets (every app's latest when none); the apps as they stood there."""
    executor = MigrationExecutor(connection)
    goal = list(targets) or executor.loader.graph.leaf_nodes()
    executor.migrate(goal)
    return MigrationExecutor(connection).loader.project_state(goal).apps


@pytest.fixture
def latest():
    yield
    migrate()


def test_a_paragraph_over_the_cap_is_split_word_for_word_in_its_place(latest) -> None:
    old = migrate(BEFORE_THE_PARAGRAPH_CAP)
    report = old.get_model("reports", "Report").objects.create(
        committee="Council Cabinet",
        meeting_date=date(2016, 1, 13),
        title="Options for twinning",
        report_of="the Director",
        author_name="Report Author",
        contact_phone="01332 000000",
        contact_email="author@council.example",
    )
    sentence = "Hefei has approached the council about a link with its high-technology zone. "
    long_text = (sentence * 140).strip()  # about 10,900 characters
    texts = ["4.1 comes first.", long_text, "4.3 comes last."]
    for position, text in enumerate(texts, start=1):
        old.get_model("reports", "Paragraph").objects.create(
            report_id=report.pk, part="body", section=4, position=position, text=text
        )

    migrate()

    after = list(Paragraph.objects.filter(report_id=report.pk, section=4).order_by("position", "pk"))
    assert len(after) == 5
    assert all(len(paragraph.text) <= 5000 for paragraph in after)
    assert after[0].text == "4.1 comes first." and after[-1].text == "4.3 comes last."
    # Nothing lost or reordered, and each piece ends at a sentence's end.
    assert " ".join(paragraph.text for paragraph in after[1:-1]) == long_text
    assert all(paragraph.text.endswith(".") for paragraph in after)


def test_a_cost_item_over_the_cap_stops_the_migration_naming_it(latest) -> None:
    old = migrate(BEFORE_THE_COST_CAP, BEFORE_REGIONS)
    place = old.get_model("partners", "Place").objects.create(name="Hefei", country="China")
    relationship = old.get_model("partners", "Relationship").objects.create(
        place_id=place.pk, kind="economic", status="exploring"
    )
    visit = old.get_model("delegations", "Visit").objects.create(
        relationship_id=relationship.pk,
        direction="outbound",
        purpose="trade",
        title="Trade mission to Hefei",
        status="proposed",
        funder="council",
    )
    items = old.get_model("delegations", "CostItem").objects
    fine = items.create(
        visit_id=visit.pk, category="travel", quantity=Decimal("4"), unit_cost=Decimal("900.00")
    )
    typo = items.create(
        visit_id=visit.pk, category="travel", quantity=Decimal("999999"), unit_cost=Decimal("9999999999.99")
    )

    with pytest.raises(RuntimeError) as refused:
        migrate()
    assert f"visit {visit.pk} item {typo.pk}" in str(refused.value)
    assert f"item {fine.pk}:" not in str(refused.value)

    # Corrected, the cap arrives.
    items.filter(pk=typo.pk).update(quantity=Decimal("1"))
    migrate()
    from delegations.models import CostItem

    assert CostItem.objects.filter(visit_id=visit.pk).count() == 2
