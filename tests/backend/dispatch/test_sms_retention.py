"""SMS rows past KUZET_SMS_RETENTION_DAYS, hourly by beat: a stranger's reply is deleted, every
other row keeps its officer, its call and its text but only the last four digits of its
number; one still to be sent keeps its number. A call acknowledged by SMS reads the same on
its timeline after as before: "SMS message: from …0101"."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from backend.common import clock
from backend.common.phones import phone_masked
from backend.dispatch import tasks
from backend.dispatch.admin.timeline import incident_timeline
from backend.dispatch.models import SmsMessage
from backend.dispatch.services import sms_send_pending
from backend.dispatch.services.outbox import SmsPruned, sms_prune
from backend.dispatch.sms import reply_code_for
from tests.beat import beat_entry
from tests.plans import as_autovacuum_keeps, plans_preferring_indexes

from .conftest import signed_post
from .test_sms import _dispatched_by_sms

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)


def _sms(phone: str, age: dt.timedelta, **fields) -> SmsMessage:
    return SmsMessage.objects.create(
        phone=phone, body=fields.pop("body", "ACK 4821"), created_at=clock.now() - age, **fields
    )


def test_past_retention_strangers_replies_go_and_the_rest_keep_four_digits(personas, settings):
    # given: 90 days' retention; replies and texts of 91 days ago, and of 89
    settings.KUZET_SMS_RETENTION_DAYS = 90
    officer = personas.a.patrol_officers[0]
    assignment = _dispatched_by_sms(personas)
    SmsMessage.objects.all().delete()  # the dispatch's own texts, just queued
    old, recent = 91 * DAY, 89 * DAY
    IN, OUT = SmsMessage.Direction.IN, SmsMessage.Direction.OUT
    S = SmsMessage.State
    gone = [
        _sms("+77779991234", old, direction=IN, state=S.REJECTED, error="unknown_sender"),
        _sms("+7701000101", old, direction=IN, state=S.REJECTED, error="unknown_command",
             body="когда приедете?"),
    ]  # fmt: skip
    masked = [
        _sms("+7701000101", old, direction=IN, state=S.APPLIED, officer=officer,
             assignment=assignment, reply_code="4821"),
        _sms("+7701000101", old, direction=IN, state=S.REJECTED, error="unknown_code",
             officer=officer, body="ACK 0000"),
        _sms("+7701000101", old, direction=OUT, state=S.SENT, officer=officer,
             assignment=assignment, purpose="dispatch", body="KUZET 1036-2026-000001 P2"),
        _sms("+7 702 555-12-34", old, direction=OUT, state=S.FAILED, purpose="citizen_outcome",
             body="Politsiya: prinyaty mery"),
    ]  # fmt: skip
    whole = [
        _sms("+7701000102", old, direction=OUT, state=S.QUEUED, officer=officer),  # to be sent
        _sms("+77779995678", recent, direction=IN, state=S.REJECTED, error="unknown_sender"),
        _sms("+7701000101", recent, direction=OUT, state=S.SENT, officer=officer),
    ]
    before = {m.pk: m for m in SmsMessage.objects.all()}

    # when: two rows a statement
    pruned = sms_prune(batch=2)

    # then
    assert pruned == SmsPruned(deleted=2, masked=4)
    assert not SmsMessage.objects.filter(pk__in=[m.pk for m in gone]).exists()
    after = {m.pk: m for m in SmsMessage.objects.all()}
    assert [after[m.pk].phone for m in masked] == ["…0101", "…0101", "…0101", "…1234"]
    assert [after[m.pk].phone for m in whole] == ["+7701000102", "+77779995678", "+7701000101"]
    fields = ("direction", "state", "body", "officer_id", "assignment_id", "reply_code", "error")
    for pk, row in after.items():
        assert [getattr(row, f) for f in fields] == [getattr(before[pk], f) for f in fields]
    # and again: nothing more to do
    assert sms_prune(batch=2) == SmsPruned(0, 0)


def test_a_call_acknowledged_by_sms_reads_the_same_on_its_timeline_after_retention(
    personas, sms_outbox, settings
):
    # given: a crew answered its dispatch by SMS
    settings.KUZET_SMS_RETENTION_DAYS = 90
    assignment = _dispatched_by_sms(personas)
    sms_send_pending()
    officer = personas.a.patrol_officers[0]
    reply = {"id": "gw-t", "from": officer.phone, "text": f"ACK {reply_code_for(assignment.pk)}"}
    assert signed_post(APIClient(), reply).json()["status"] == "applied"
    before = [(r.title, r.detail, r.source) for r in incident_timeline(assignment.incident)]

    # when: 91 days on, the numbers are masked
    with clock.frozen(clock.now() + 91 * DAY):
        assert sms_prune().masked == 3

    # then: the fact and its audit entry name the reply by the sender's last four digits,
    # as they did
    assert SmsMessage.objects.get(direction="in").phone == "…0101"
    after = [(r.title, r.detail, r.source) for r in incident_timeline(assignment.incident)]
    assert after == before
    sms_named = [detail for _title, detail, _source in after if "SMS message" in detail]
    assert len(sms_named) == 2
    assert all("SMS message: from …0101" in detail for detail in sms_named)


def test_a_masked_number_stays_as_it_is():
    assert phone_masked("+77012345678") == "…5678"
    assert phone_masked(phone_masked("+77012345678")) == "…5678"
    assert phone_masked("…") == "…"
    assert phone_masked("1234") == "…"  # a number of four digits is not shown whole


def test_beat_prunes_the_sms_hourly(personas, settings):
    # when: the project's beat schedule
    entry = beat_entry(tasks.sms_prune)

    # then: the task is scheduled hourly, and is the one that prunes
    assert entry["schedule"] == 3600.0
    settings.KUZET_SMS_RETENTION_DAYS = 90
    _sms("+77779991234", 91 * DAY, direction="in", state="rejected", error="unknown_sender")
    assert tasks.sms_prune.delay().get() == {"deleted": 1, "masked": 0}


def test_the_prunes_statements_read_the_whole_numbers_by_their_index(personas):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's plan")
    # given: a year of texts to crews and to callers (no officer) and of the crews' replies,
    # the older nine months of them masked already
    officer = personas.a.patrol_officers[0]
    SmsMessage.objects.bulk_create(
        SmsMessage(
            direction="in" if hours % 24 == 12 else "out",
            state="applied" if hours % 24 == 12 else "sent",
            phone="…0101" if hours > 90 * 24 else "+7701000101",
            body="KUZET",
            officer=None if hours % 24 == 0 else officer,
            created_at=clock.now() - dt.timedelta(hours=hours),
        )
        for hours in range(0, 365 * 24, 6)
    )
    # as autovacuum keeps the live table: the earlier SMS tests' rolled-back rows left the small
    # partial index of whole numbers long enough that the officer index read as cheaper
    as_autovacuum_keeps("dispatch_smsmessage")
    # the prune's statements (undone: they are planned on the table as it was)
    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        sms_prune()
        transaction.set_rollback(True)
    selects = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SELECT")]

    # when: the planner is told to prefer any index over a scan of the table
    plans = plans_preferring_indexes("dispatch_smsmessage", selects)

    # then: strangers' replies and the numbers to mask are each read by the index of the
    # whole numbers, bounded by age
    assert len(plans) == 2, selects
    for plan in plans:
        assert "sms_whole_number_idx" in plan, plan
        condition = next(line for line in plan.splitlines() if "Index Cond:" in line)
        assert "created_at <" in condition, plan
