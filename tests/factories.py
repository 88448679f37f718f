"""Factories for the register. Each builds a valid record with plausible values.

Models are named by their label, so that this module imports no app's models.
"""

from __future__ import annotations

import datetime
import decimal

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name", locale="en_GB")
    last_name = factory.Faker("last_name", locale="en_GB")
    email = factory.LazyAttribute(lambda u: f"{u.username}@council.example")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def roles(self, create: bool, extracted: list[str] | None, **kwargs: object) -> None:
        if create and extracted:
            self.groups.add(*Group.objects.filter(name__in=extracted))
        if create:
            self.save()


class CouncilFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "partners.Council"
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Council {n}")


class SectorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "partners.Sector"
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Sector {n}")


class PlaceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "partners.Place"

    name = factory.Sequence(lambda n: f"Place {n}")
    local_name = factory.Sequence(lambda n: f"地{n}市")
    country = "China"


class RelationshipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "partners.Relationship"
        skip_postgeneration_save = True

    place = factory.SubFactory(PlaceFactory)
    kind = "economic"
    status = "active"

    @factory.post_generation
    def record_status(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            self.status_changes.create(to_status=self.status)


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "partners.Organisation"

    name = factory.Sequence(lambda n: f"Organisation {n}")
    kind = "company"
    country = "United Kingdom"


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "partners.Contact"

    name = factory.Faker("name", locale="en_GB")
    job_title = "Trade adviser"
    organisation = factory.SubFactory(OrganisationFactory)


class StakeholderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "partners.Stakeholder"

    relationship = factory.SubFactory(RelationshipFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = "Business partner"


class ApproachFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "partners.Approach"

    place = factory.SubFactory(PlaceFactory)
    relationship = factory.SubFactory(
        RelationshipFactory,
        place=factory.SelfAttribute("..place"),
        status="approach_received",
    )
    received_on = factory.Faker("date_between", start_date="-1y", end_date="-30d")
    request = "Asks to explore an economic link."


class ActionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "partners.Action"

    title = factory.Sequence(lambda n: f"Follow up {n}")
    relationship = factory.SubFactory(RelationshipFactory)


class ExchangeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "partners.Exchange"

    relationship = factory.SubFactory(RelationshipFactory)
    kind = "secondment"
    title = factory.Sequence(lambda n: f"Secondment {n}")


# --- Delegations ---------------------------------------------------------------


class VisitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "delegations.Visit"
        skip_postgeneration_save = True

    relationship = factory.SubFactory(RelationshipFactory)
    direction = "outbound"
    purpose = "trade"
    title = factory.Sequence(lambda n: f"Trade mission {n}")
    starts_on = factory.Faker("date_between", start_date="+30d", end_date="+1y")
    ends_on = factory.LazyAttribute(lambda v: v.starts_on and v.starts_on + datetime.timedelta(days=4))
    status = "proposed"
    funder = "council"

    @factory.post_generation
    def record_status(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            self.status_changes.create(from_status="", to_status=self.status)


class ParticipantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "delegations.Participant"

    visit = factory.SubFactory(VisitFactory)
    name = factory.Sequence(lambda n: f"Participant {n}")
    role = "officer"


class CostItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "delegations.CostItem"

    visit = factory.SubFactory(VisitFactory)
    category = "accommodation"
    quantity = decimal.Decimal("16")
    unit_cost = decimal.Decimal("62.50")
    funder = "council"


class MeetingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "delegations.Meeting"

    visit = factory.SubFactory(VisitFactory)
    organisation = factory.SubFactory(OrganisationFactory)


class GiftFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "delegations.Gift"

    direction = "received"
    kind = "gift"
    description = factory.Sequence(lambda n: f"Gift {n}")
    value = decimal.Decimal("30.00")
    counterparty = "Mayor of the partner city"
    on = factory.Faker("date_between", start_date="-1y", end_date="-30d")


# --- Budgets -------------------------------------------------------------------


class FinancialYearFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "budgets.FinancialYear"
        django_get_or_create = ("start_year",)

    start_year = 2016


class BudgetLineFactory(factory.django.DjangoModelFactory):
    """A proposed line; ``approved=True`` or ``rejected=True`` for one Finance decided."""

    class Meta:
        model = "budgets.BudgetLine"

    class Params:
        approved = factory.Trait(
            status="approved",
            decided_at=factory.LazyFunction(lambda: datetime.datetime.now(datetime.UTC)),
        )
        rejected = factory.Trait(
            status="rejected",
            decided_at=factory.LazyFunction(lambda: datetime.datetime.now(datetime.UTC)),
        )

    financial_year = factory.SubFactory(FinancialYearFactory)
    cost_centre = "TW100"
    title = factory.Sequence(lambda n: f"Budget line {n}")
    amount = decimal.Decimal("1000.00")
    funding_source = "council"
    status = "proposed"


class SpendFactory(factory.django.DjangoModelFactory):
    """Estimated spend on the first day of its line's year (saved directly: no line-left check)."""

    class Meta:
        model = "budgets.Spend"

    budget_line = factory.SubFactory(BudgetLineFactory)
    description = factory.Sequence(lambda n: f"Spend {n}")
    amount = decimal.Decimal("100.00")
    spent_on = factory.LazyAttribute(lambda s: s.budget_line.financial_year.starts_on)
    status = "estimated"


class CostShareFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "budgets.CostShare"

    relationship = factory.SubFactory(RelationshipFactory)
    council = factory.SubFactory(CouncilFactory)
    percentage = decimal.Decimal("100.00")


# --- Reports -------------------------------------------------------------------


class ReportFactory(factory.django.DjangoModelFactory):
    """A draft Cabinet report with no paragraphs; add them with ParagraphFactory."""

    class Meta:
        model = "reports.Report"

    committee = "Council Cabinet"
    meeting_date = datetime.date(2026, 3, 11)
    title = factory.Sequence(lambda n: f"Overseas twinning options {n}")
    report_of = "the Strategic Director for Neighbourhoods"
    author_name = "Report Author"
    contact_phone = "01332 000000"
    contact_email = "author@council.example"


class ParagraphFactory(factory.django.DjangoModelFactory):
    """A body paragraph of section 1; positions count up so paragraphs keep their order."""

    class Meta:
        model = "reports.Paragraph"

    report = factory.SubFactory(ReportFactory)
    part = "body"
    section = 1
    position = factory.Sequence(lambda n: n + 1)
    text = factory.Sequence(lambda n: f"Paragraph {n} of the report.")


class SignOffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "reports.SignOff"

    report = factory.SubFactory(ReportFactory)
    role = "financial"
    officer_name = factory.Faker("name", locale="en_GB")
    cleared_on = datetime.date(2026, 3, 1)
    is_required = True
