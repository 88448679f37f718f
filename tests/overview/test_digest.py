"""The daily digest email: what needs each person, once a day, never empty."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse

from core import roles
from overview.digest import digest_for, send_daily_digests
from overview.models import DigestSent, UserSettings
from tests import factories as make
from tests.support.pages import Page

pytestmark = pytest.mark.django_db

DAY = date(2026, 11, 30)


@pytest.fixture
def work(officer):
    """Something for an officer and something for Finance."""
    make.ApproachFactory(
        place=make.PlaceFactory(name="Zhejiang", local_name="浙江省", country="China"),
        received_on=DAY - timedelta(days=20),
        respond_by=DAY + timedelta(days=3),
    )
    make.ApproachFactory(
        place=make.PlaceFactory(name="Osaka", local_name="大阪市"),
        received_on=DAY - timedelta(days=20),
        respond_by=DAY + timedelta(days=30),
    )
    make.ActionFactory(title="Brief the Leader on Hefei", owner=officer, due_on=DAY - timedelta(days=2))
    make.ActionFactory(title="Not yet due", owner=officer, due_on=DAY + timedelta(days=2))
    make.RelationshipFactory(
        place=make.PlaceFactory(name="Osnabrück"), next_review_on=DAY + timedelta(days=1)
    )
    make.GiftFactory(description="Porcelain vase", value=Decimal("120.00"), on=DAY - timedelta(days=40))
    make.BudgetLineFactory(title="Hefei delegation", amount=Decimal("4000.00"))


def test_an_officer_is_told_what_needs_them_in_text_and_html(officer, work):
    assert send_daily_digests(DAY)["sent"] >= 1

    (message,) = [m for m in mail.outbox if m.to == [officer.email]]
    text = message.body
    assert "Zhejiang (浙江省): response due 3 December 2026 (in 3 days)" in text
    assert "Osaka" not in text, "due beyond the week"
    assert "Brief the Leader on Hefei: overdue since 28 November 2026" in text
    assert "Not yet due" not in text
    assert "Osnabrück – economic: review due 1 December 2026 (in 1 day)" in text
    assert "Porcelain vase" in text
    assert "Hefei delegation" not in text, "lines are Finance's"
    assert settings.SITE_URL + reverse("overview:digest-settings") in text
    html, kind = message.alternatives[0]
    assert kind == "text/html"
    assert "<h1>What needs you today</h1>" in html  # the sections' headings sit under one title
    assert "<h2>Approaches to answer</h2>" in html
    # A name in local script is marked with its language, as the register's pages mark it.
    assert 'Zhejiang (<span lang="zh-Hans">浙江省</span>): response due' in html
    assert 'href="' + settings.SITE_URL in html
    assert message.subject == "Twinning: 4 things need you today"


def test_finance_is_told_of_lines_awaiting_a_decision(finance, work):
    send_daily_digests(DAY)

    (message,) = [m for m in mail.outbox if m.to == [finance.email]]
    assert "Budget lines awaiting your decision" in message.body
    assert "Hefei delegation: 4,000.00 GBP" in message.body
    assert "Zhejiang" not in message.body


def test_one_thing_needs_you_and_several_things_need_you(finance):
    """The subject agrees with its count: "1 thing needs you", "2 things need you"."""
    make.BudgetLineFactory(title="Hefei delegation", amount=Decimal("4000.00"))
    send_daily_digests(DAY)
    (one,) = [m for m in mail.outbox if m.to == [finance.email]]
    assert one.subject == "Twinning: 1 thing needs you today"

    make.BudgetLineFactory(title="Zhejiang expo", amount=Decimal("2500.00"))
    send_daily_digests(DAY + timedelta(days=1))
    (_, two) = [m for m in mail.outbox if m.to == [finance.email]]
    assert two.subject == "Twinning: 2 things need you today"


def test_never_twice_for_the_same_day(officer, work):
    send_daily_digests(DAY)
    first = len(mail.outbox)

    again = send_daily_digests(DAY)

    assert len(mail.outbox) == first
    assert again["sent"] == 0
    assert DigestSent.objects.filter(user=officer, day=DAY).count() == 1
    send_daily_digests(DAY + timedelta(days=1))
    assert DigestSent.objects.filter(user=officer).count() == 2


def test_nothing_to_say_sends_nothing(officer, leader):
    outcome = send_daily_digests(DAY)

    assert mail.outbox == []
    assert not DigestSent.objects.exists()
    assert outcome["sent"] == 0


def test_each_person_can_turn_it_off(officer_client, officer, work):
    response = officer_client.post(reverse("overview:digest-settings"), {}, follow=True)
    assert "The daily digest is off" in Page(response).text
    assert UserSettings.objects.get(user=officer).daily_digest is False

    send_daily_digests(DAY)

    assert not [m for m in mail.outbox if m.to == [officer.email]]
    officer_client.post(reverse("overview:digest-settings"), {"daily_digest": "on"})
    send_daily_digests(DAY)
    assert [m for m in mail.outbox if m.to == [officer.email]]


def test_the_settings_page_has_a_labelled_checkbox(officer_client):
    page = Page(officer_client.get(reverse("overview:digest-settings")))

    control = page.control("Email me a daily digest")
    assert control.attrs["type"] == "checkbox"
    assert "checked" in control.attrs, "on unless turned off"


def test_no_email_address_no_digest(work):
    make.UserFactory(username="noemail", email="", roles=[roles.OFFICER])

    send_daily_digests(DAY)

    assert all(message.to != [""] for message in mail.outbox)
    assert not DigestSent.objects.filter(user__username="noemail").exists()


def test_a_failed_send_leaves_no_record_so_the_next_run_tries_again(officer, work, settings):
    settings.EMAIL_BACKEND = "tests.overview.test_digest.FailingBackend"

    outcome = send_daily_digests(DAY)

    assert outcome["failed"] >= 1
    assert not DigestSent.objects.filter(user=officer).exists()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    send_daily_digests(DAY)
    assert DigestSent.objects.filter(user=officer).exists()


class FailingBackend:
    """An SMTP server that is down."""

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("the mail server is down")


def test_a_long_list_is_cut_with_a_count_of_the_rest(officer):
    for number in range(25):
        make.ActionFactory(
            title=f"Old task {number:02d}", owner=officer, due_on=DAY - timedelta(days=50 - number)
        )

    (section,) = digest_for(officer, DAY).sections

    assert len(section.items) == 20
    assert section.more == 5


def test_beat_sends_it_every_morning():
    entry = settings.CELERY_BEAT_SCHEDULE["daily-digest"]

    assert entry["task"] == "overview.tasks.send_daily_digests"
    assert entry["schedule"].hour == {settings.DIGEST_HOUR}
    assert entry["schedule"].minute == {0}


@pytest.mark.services
@pytest.mark.skipif(
    not (os.environ.get("REDIS_URL") and os.environ.get("DATABASE_URL")),
    reason="needs REDIS_URL and DATABASE_URL (the services run)",
)
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_sends_the_digest_through_redis(officer, work, tmp_path: Path):
    """The task goes through Redis to a worker process, which sends the email
    (printed by the console backend) and records it."""
    from urllib.parse import urlsplit, urlunsplit

    import redis

    from overview.tasks import send_daily_digests as task

    queue = f"twinning-test-{uuid.uuid4().hex}"
    broker = redis.Redis.from_url(os.environ["REDIS_URL"])
    parts = urlsplit(os.environ["DATABASE_URL"])
    database_url = urlunsplit(parts._replace(path="/" + settings.DATABASES["default"]["NAME"]))
    log = tmp_path / "worker.log"
    worker = None
    try:
        sent = task.apply_async(queue=queue)
        with log.open("wb") as sink:
            worker = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "twinning", "worker", "--pool=solo", "--loglevel=INFO",
                 "-Q", queue, "--hostname", f"{queue}@%h", "--without-heartbeat", "--without-gossip",
                 "--without-mingle"],
                cwd=settings.BASE_DIR,
                env={**os.environ, "DATABASE_URL": database_url, "EMAIL_URL": ""},
                stdout=sink,
                stderr=subprocess.STDOUT,
            )  # fmt: skip
        done = f"Task overview.tasks.send_daily_digests[{sent.id}] succeeded"
        deadline = time.monotonic() + 60
        while done not in log.read_text(errors="replace"):
            assert worker.poll() is None, log.read_text(errors="replace")
            assert time.monotonic() < deadline, log.read_text(errors="replace")
            time.sleep(0.5)
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=30)
        for key in broker.scan_iter(match=f"*{queue}*"):
            broker.delete(key)
        broker.close()

    output = log.read_text(errors="replace")
    assert f"To: {officer.email}" in output
    assert "Subject: Twinning:" in output
    assert DigestSent.objects.filter(user=officer).exists()
