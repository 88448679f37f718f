"""Personal data under UK GDPR: the retention schedule, the nightly list of what has passed it,
erasure that keeps the register's facts and leaves nothing of the person anywhere in the
database, and subject access across the register as one archive."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date, timedelta

import pytest
from dateutil.relativedelta import relativedelta
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core.models import Document, SignInEvent
from core.status import RuleBroken
from core.text import person_name
from delegations.models import Gift, Participant
from partners.models import Contact
from privacy import services
from privacy.models import Erasure, RetentionReview, RetentionRule, ReviewOutcome, SubjectAccessRequest
from privacy.services import find_person, list_due
from privacy.tasks import list_records_past_retention
from tests import factories as make
from tests.factories import PASSWORD
from tests.support.database import tables_holding
from tests.support.documents import attach, pdf_bytes, upload
from tests.support.pages import Page, button_form, open_page, record_page, remove, said
from tests.support.queries import assert_work_does_not_grow

pytestmark = pytest.mark.django_db

LONG_AGO = date(2016, 6, 1)


def aged(contact: Contact, when: date) -> Contact:
    """A contact whose every history row is dated ``when``: unchanged since then."""
    moment = timezone.make_aware(timezone.datetime(when.year, when.month, when.day, 12))
    Contact.history.filter(id=contact.pk).update(history_date=moment)
    return contact


@pytest.fixture
def people(db):
    """Chen Wei, a contact unchanged since 2016, who went on a 2016 visit and gave a gift then;
    and people of this year, not yet due."""
    organisation = make.OrganisationFactory(name="Hefei Foreign Affairs Office")
    chen = make.ContactFactory(
        name="Chen Wei",
        organisation=organisation,
        email="chen.wei@hefei.example.cn",
        phone="+86 551 6000 0000",
        notes="Met Chen Wei at the Shanghai trade fair.",
    )
    old_visit = make.VisitFactory(
        title="Trade visit from Hefei", starts_on=date(2016, 5, 9), ends_on=LONG_AGO
    )
    recent_visit = make.VisitFactory(
        title="Civic visit",
        starts_on=timezone.localdate() - timedelta(days=10),
        ends_on=timezone.localdate() - timedelta(days=5),
    )
    return {
        "chen": aged(chen, LONG_AGO),
        "recent_contact": make.ContactFactory(name="Anna Schmidt"),
        "participant": make.ParticipantFactory(visit=old_visit, name="Chen Wei", role="partner_official"),
        "recent_participant": make.ParticipantFactory(visit=recent_visit, name="Cllr Jo Bloggs"),
        "gift": make.GiftFactory(
            counterparty="Chen Wei", description="Jade seal", value="80.00", on=LONG_AGO, direction="received"
        ),
        "recent_gift": make.GiftFactory(counterparty="Anna Schmidt", on=timezone.localdate()),
        "visit": old_visit,
    }


def test_the_schedule_starts_with_a_period_for_each_kind_of_personal_record():
    rules = {rule.kind: rule.keep_for_months for rule in RetentionRule.objects.all()}
    assert rules == {"contact": 72, "participant": 72, "gift": 72, "sign-in": 12}


def test_the_nightly_check_lists_what_has_passed_its_date_once_and_deletes_nothing(people, eager_tasks):
    SignInEvent.objects.create(kind="failed", username="someone", at=timezone.now() - timedelta(days=400))
    SignInEvent.objects.create(kind="failed", username="recent", at=timezone.now() - timedelta(days=3))

    assert list_records_past_retention.delay().get() == 4
    listed = {(review.kind, review.object_id) for review in RetentionReview.objects.all()}
    assert listed == {
        ("contact", people["chen"].pk),
        ("participant", people["participant"].pk),
        ("gift", people["gift"].pk),
        ("sign-in", SignInEvent.objects.get(username="someone").pk),
    }
    review = RetentionReview.objects.get(kind="participant")
    assert review.counted_from == LONG_AGO and review.due_on == date(2022, 6, 1)
    assert list_due() == 0  # already listed: not again
    assert Contact.objects.filter(name="Chen Wei").exists() and SignInEvent.objects.count() == 2


def test_a_shorter_period_set_by_the_administrator_lists_more(people):
    RetentionRule.objects.filter(kind="participant").update(keep_for_months=0)
    list_due()
    assert RetentionReview.objects.filter(kind="participant").count() == 2


def test_erasure_leaves_nothing_of_the_person_in_the_database_but_keeps_the_registers_facts(
    people, admin_client_role, administrator
):
    chen = people["chen"]
    # The contact changed once (so its history has an older row) and was shown in the admin's log.
    make.ApproachFactory(via_contact=chen, request="Hefei asks for a trade visit.")
    admin_client_role.get(f"/admin/partners/contact/{chen.pk}/change/")
    erased = ("Chen Wei", "chen.wei@hefei.example.cn", "+86 551 6000 0000", "Shanghai trade fair")
    assert tables_holding(*erased)

    list_due()
    page = open_page(admin_client_role, "/privacy/")
    assert "Chen Wei, Hefei Foreign Affairs Office" in page.text
    for kind, record in (("contact", chen), ("participant", people["participant"]), ("gift", people["gift"])):
        form = open_page(admin_client_role, f"/privacy/erase/{kind}/{record.pk}/")
        assert "Chen Wei" in form.text
        response = admin_client_role.post(
            f"/privacy/erase/{kind}/{record.pk}/",
            {"reason": "Erasure request SAR-2026-14"},
        )
        assert response.status_code == 302, Page(response).text

    assert tables_holding(*erased) == {}
    erasures = list(Erasure.objects.order_by("pk"))
    assert [(e.kind, e.by, e.reason[:21]) for e in erasures] == [
        ("contact", administrator, "Erasure request SAR-2"),
        ("participant", administrator, "Erasure request SAR-2"),
        ("gift", administrator, "Erasure request SAR-2"),
    ]
    assert erasures[0].fields == ["name", "email", "phone", "notes"] and erasures[0].history_rows >= 1
    # The facts stay: the organisation, the visit's party, the gift's value and date.
    contact = Contact.objects.get(pk=chen.pk)
    assert (
        contact.name == f"Erased (E{erasures[0].pk})"
        and contact.organisation.name == "Hefei Foreign Affairs Office"
    )
    assert people["visit"].participants.count() == 1
    assert Participant.objects.get(pk=people["participant"].pk).role == "partner_official"
    gift = Gift.objects.get(pk=people["gift"].pk)
    assert (gift.value, gift.on, gift.description) == (80, LONG_AGO, "Jade seal")
    assert RetentionReview.objects.filter(outcome=ReviewOutcome.ERASED).count() == 3
    # Others are untouched.
    assert Contact.objects.filter(name="Anna Schmidt").exists()


def test_an_erasure_needs_a_reason_and_saves_nothing_without_one(people, admin_client_role):
    response = admin_client_role.post(f"/privacy/erase/contact/{people['chen'].pk}/", {"reason": ""})
    assert response.status_code == 400
    assert Page(response).field_error("Why they are erased")
    assert Contact.objects.get(pk=people["chen"].pk).name == "Chen Wei" and not Erasure.objects.exists()


def test_a_sign_in_record_past_its_date_is_deleted_when_erased(admin_client_role):
    event = SignInEvent.objects.create(
        kind="failed", username="typo-user", ip_address="192.0.2.7", at=timezone.now() - timedelta(days=500)
    )
    response = admin_client_role.post(
        f"/privacy/erase/sign-in/{event.pk}/", {"reason": "Past the schedule's year."}
    )
    assert response.status_code == 302
    assert not SignInEvent.objects.filter(pk=event.pk).exists()
    assert not tables_holding("typo-user", "192.0.2.7")


def test_a_participant_taken_off_a_visit_is_still_listed_when_due_and_erased_from_its_history(
    people, officer_client, admin_client_role
):
    visit = people["visit"]
    make.ParticipantFactory(visit=visit, name="Someone who stayed")
    entered = make.ParticipantFactory(visit=visit, name="Zhou Wen")
    assert remove(officer_client, record_page(officer_client, visit), "Remove Zhou Wen").status_code == 302
    assert not Participant.objects.filter(pk=entered.pk).exists()
    assert tables_holding("Zhou Wen"), "the visit's history still names them"

    list_due()

    review = RetentionReview.objects.get(kind="participant", object_id=entered.pk)
    assert review.label == "Zhou Wen, Trade visit from Hefei"
    assert review.due_on == LONG_AGO + relativedelta(months=72), "from the end of the visit"
    page = open_page(admin_client_role, f"/privacy/erase/participant/{entered.pk}/")
    assert "This record was removed from the register on" in said(page.root)
    assert page.described()["Name"] == "Zhou Wen"
    response = admin_client_role.post(
        f"/privacy/erase/participant/{entered.pk}/", {"reason": "Past the schedule's six years."}
    )
    assert response.status_code == 302
    assert not tables_holding("Zhou Wen")
    assert RetentionReview.objects.get(pk=review.pk).outcome == ReviewOutcome.ERASED
    again = admin_client_role.post(f"/privacy/erase/participant/{entered.pk}/", {"reason": "Twice."})
    assert "erased already" in Page(again).errors_summary()
    list_due()
    assert RetentionReview.objects.filter(kind="participant", object_id=entered.pk).count() == 1


@pytest.mark.parametrize(
    ("ended", "months", "due"),
    [
        (date(2019, 8, 31), 18, date(2021, 2, 28)),  # no 31 February: due on the month's last day
        (date(2016, 2, 29), 72, date(2022, 2, 28)),
        (date(2019, 8, 15), 18, date(2021, 2, 15)),
    ],
)
def test_a_record_is_listed_on_the_day_it_is_due_and_not_the_day_before(ended, months, due):
    RetentionRule.objects.filter(kind="participant").update(keep_for_months=months)
    visit = make.VisitFactory(starts_on=ended - timedelta(days=2), ends_on=ended)
    make.ParticipantFactory(visit=visit, name="Month End")

    list_due(due - timedelta(days=1))
    assert not RetentionReview.objects.filter(kind="participant").exists()
    list_due(due)
    assert list(RetentionReview.objects.filter(kind="participant").values_list("due_on", "listed_on")) == [
        (due, due)
    ]


def test_a_sign_in_erased_leaves_no_copy_of_it_anywhere(officer, admin_client_role):
    signed_in = Client(REMOTE_ADDR="203.0.113.77").post(
        reverse("login"), {"username": officer.username, "password": PASSWORD}
    )
    assert signed_in.status_code == 302
    events = list(SignInEvent.objects.filter(user=officer))
    assert events and tables_holding("203.0.113.77")

    for event in events:
        response = admin_client_role.post(f"/privacy/erase/sign-in/{event.pk}/", {"reason": "On request."})
        assert response.status_code == 302
    assert not tables_holding("203.0.113.77")


def test_keeping_a_record_needs_a_reason_and_lists_it_again_when_that_time_is_up(people, admin_client_role):
    list_due()
    review = RetentionReview.objects.get(kind="gift")
    admin_client_role.post(
        f"/privacy/reviews/{review.pk}/", {"decision": "keep", "reason": "", "months": "6"}
    )
    assert RetentionReview.objects.get(pk=review.pk).outcome == ReviewOutcome.PENDING
    response = admin_client_role.post(
        f"/privacy/reviews/{review.pk}/",
        {"decision": "keep", "reason": "Subject of an audit.", "months": "6"},
    )
    assert response.status_code == 302
    kept = RetentionReview.objects.get(pk=review.pk)
    assert kept.outcome == ReviewOutcome.KEPT and kept.reason == "Subject of an audit."
    assert list_due() == 0
    assert list_due(today=kept.keep_until + timedelta(days=1)) == 1


def test_a_keep_decided_from_a_page_read_before_a_colleague_s_decision_leaves_theirs_standing(
    people, personas
):
    list_due()
    review = RetentionReview.objects.get(kind="gift")
    read_before = RetentionReview.objects.get(pk=review.pk)  # as the second person's request read it
    services.keep(review, by=personas["administrator"], reason="Subject of an audit.", months=6)

    with pytest.raises(RuleBroken, match="Someone has decided on this record already"):
        services.keep(read_before, by=personas["officer"], reason="Needed for a complaint.", months=12)
    kept = RetentionReview.objects.get(pk=review.pk)
    assert (kept.reason, kept.decided_by) == ("Subject of an audit.", personas["administrator"])


def test_the_erase_page_says_a_colleague_decided_to_keep_the_details_for_now(
    people, personas, admin_client_role
):
    list_due()
    review = RetentionReview.objects.get(kind="gift")
    services.keep(review, by=personas["administrator"], reason="Subject of an audit.", months=6)
    kept = RetentionReview.objects.get(pk=review.pk)
    page = Page(admin_client_role.get(f"/privacy/erase/gift/{review.object_id}/"))
    warning = [p for p in page.root.find_all("p") if "alert-warning" in p.classes]
    assert [said(p) for p in warning] == [
        f"{person_name(personas['administrator'])} decided on {kept.decided_at:%-d %B %Y} to keep these "
        f"details until {kept.keep_until:%-d %B %Y}: “Subject of an audit.” Erasing them now goes against "
        "that decision."
    ]


def test_subject_access_finds_the_person_across_the_register_and_downloads_one_archive(
    people, admin_client_role, officer_client, document_root
):
    chen = people["chen"]
    Contact.objects.filter(pk=chen.pk).update(name="Chen Wei (Director)")  # the history keeps the old name
    make.ApproachFactory(via_contact=chen, request="A trade visit, asked by letter.")
    make.ActionFactory(title="Send Chen Wei the itinerary")
    attach(
        officer_client,
        make.RelationshipFactory(),
        upload("letter.pdf", pdf_bytes()),
        title="Letter from Chen Wei",
    )
    relationship = make.RelationshipFactory()
    attach(officer_client, relationship, upload("Chen Wei passport.pdf", pdf_bytes()), title="Passport copy")
    Document.objects.get(title="Passport copy").delete()  # its record's history page still names it

    page = Page(
        admin_client_role.post("/privacy/subject-access/", {"name": "Chen Wei", "reference": "SAR-2026-14"})
    )
    text = page.text
    for expected in (
        "Chen Wei (Director)",
        "Trade visit from Hefei",
        "Jade seal",
        "Send Chen Wei the itinerary",
        "Letter from Chen Wei",
    ):
        assert expected in text, expected

    action, data = button_form(page, "Download the archive")
    assert data == {"name": "Chen Wei", "email": "", "reference": "SAR-2026-14", "download": "1"}
    response = admin_client_role.post(action, data)
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert sorted(archive.namelist()) == ["data.json", "summary.css", "summary.html"]
    found = json.loads(archive.read("data.json"))
    assert found["reference"] == "SAR-2026-14"
    sections = found["sections"]
    assert [row["name"] for row in sections["Contacts at partner cities and organisations"]] == [
        "Chen Wei (Director)"
    ]
    assert "Chen Wei" in {
        row["name"] for row in sections["History of contacts at partner cities and organisations"]
    }
    assert [row["counterparty"] for row in sections["Gift givers and recipients"]] == ["Chen Wei"]
    assert [row["record"] for row in sections["Documents naming them"]] == ["Letter from Chen Wei"]
    assert [row["file"] for row in sections["Removed documents that named them"]] == ["Chen Wei passport.pdf"]
    assert "A trade visit, asked by letter." in {row["request"] for row in sections["Approaches naming them"]}
    summary = archive.read("summary.html").decode()
    assert "What the register holds on Chen Wei" in summary and "Jade seal" in summary
    request = SubjectAccessRequest.objects.get()
    assert (request.reference, request.found) == ("SAR-2026-14", sum(len(rows) for rows in sections.values()))


def test_subject_access_needs_a_name_and_a_reference(admin_client_role):
    response = admin_client_role.post("/privacy/subject-access/", {"name": "Ch", "reference": ""})
    assert response.status_code == 400
    page = Page(response)
    assert "Ensure this value has at least 3 characters" in page.field_error("Name")
    assert page.field_error("Request reference")


def test_erasing_twice_a_double_click_or_a_colleague_first_is_refused_with_a_clear_message(
    people, admin_client_role
):
    address = f"/privacy/erase/gift/{people['gift'].pk}/"
    assert admin_client_role.post(address, {"reason": "Request SAR-2026-3."}).status_code == 302
    response = admin_client_role.post(address, {"reason": "Request SAR-2026-3."})
    assert response.status_code == 400
    assert "These details were erased already" in Page(response).errors_summary()
    assert Erasure.objects.count() == 1
    assert Gift.objects.get(pk=people["gift"].pk).counterparty == f"Erased (E{Erasure.objects.get().pk})"


def test_a_record_filled_in_again_after_erasure_can_be_erased_again(people, admin_client_role):
    """The contact's post is taken by someone new and the record filled in with their details."""
    contact = people["chen"]
    address = f"/privacy/erase/contact/{contact.pk}/"
    assert admin_client_role.post(address, {"reason": "Request SAR-2026-3."}).status_code == 302
    Contact.objects.filter(pk=contact.pk).update(name="Li Na", email="li.na@hefei.example.cn")

    assert admin_client_role.post(address, {"reason": "Request SAR-2026-9."}).status_code == 302
    second = Erasure.objects.order_by("pk").last()
    erased = Contact.objects.get(pk=contact.pk)
    assert (erased.name, erased.email) == (f"Erased (E{second.pk})", "")
    assert Erasure.objects.count() == 2


def test_finding_a_person_costs_the_same_queries_however_many_records_name_them(people):
    def add_many() -> None:
        for number in range(5):
            make.ParticipantFactory(visit=make.VisitFactory(), name=f"Chen Wei {number}")
            make.ContactFactory(name=f"Chen Wei {number}", organisation=make.OrganisationFactory())
            make.MeetingFactory(outcome=f"Met Chen Wei {number}")
            make.ApproachFactory(request=f"Chen Wei {number} asks for a visit")

    assert_work_does_not_grow(lambda: find_person("Chen Wei"), add_many)
