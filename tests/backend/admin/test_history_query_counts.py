"""A record's history page (the console's "History" button) reads the names its entries give
by id — officers, units, calls, DV cases, assignments, places, visits, an edit's related
records — once per kind for the page, not once per entry: a call with thirty entries read
the officers, units and calls some thirty times each."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from backend.ledger import uow
from backend.ledger.actions import AuditAction, admin_edit
from backend.people.models import Unit
from tests import factories

pytestmark = pytest.mark.django_db


def call_with_entries(world, n: int):
    """A call of district A with ``n`` audit entries, each naming an officer, a unit, another
    call, a DV case, an assignment, a village and a follow-up visit by id."""
    a = world.a
    call = factories.incident(district=a.district, settlement=a.settlement)
    with uow.unit_of_work():
        for i in range(n):
            uow.audit(
                AuditAction.EVENT_SMS_RECORDED if i % 2 else AuditAction.INCIDENT_RECLASSIFIED,
                actor=world.duty,
                obj=call,
                data={
                    "officer_id": a.officer.pk,
                    "unit_id": a.unit.pk,
                    "duplicate_of": a.dv_incident.pk,
                    "risk_subjects": [a.risk_subject.pk],
                    "cancelled": [a.assignment.pk],
                    "settlement_id": a.settlement.pk,
                    "follow_up_id": a.follow_up.pk,
                },
            )
    return call


def officer_with_edits(world, n: int):
    """An officer of district A moved between two units ``n`` times in the console."""
    a = world.a
    officer = factories.officer(username=f"moved_{n}", district=a.district, unit=a.unit)
    other = Unit.objects.create(callsign=f"A-PC{n}", type="patrol_car", district=a.district)
    with uow.unit_of_work():
        for i in range(n):
            units = [str(a.unit.pk), str(other.pk)]
            uow.audit(
                admin_edit("officer", "changed"),
                actor=world.oblast_admin,
                obj=officer,
                data={"changed": {"unit": units if i % 2 else units[::-1]}},
            )
    return officer


def history_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        page = client.get(url)
    assert page.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    ("build", "history"),
    [
        (call_with_entries, "admin:dispatch_incident_history"),
        (officer_with_edits, "admin:people_officer_history"),
    ],
)
def test_a_records_history_reads_names_once_whatever_its_length(client, world, build, history):
    # given: a record with 3 entries and one with 30; the oblast administrator reads them
    short, long = build(world, 3), build(world, 30)
    client.force_login(world.oblast_admin)
    client.get(reverse(history, args=[short.pk]))  # the session and the reader, read once

    # when
    few = history_queries(client, reverse(history, args=[short.pk]))
    many = history_queries(client, reverse(history, args=[long.pk]))

    # then
    assert many == few


def test_a_calls_history_names_what_its_entries_give_by_id_in_russian(client, world):
    # given: a call whose entries name records by id; A's chief reads Russian
    a = world.a
    call = call_with_entries(world, 3)
    a.officer.first_name, a.officer.last_name = "Айдос", "Серіков"
    a.officer.save(update_fields=["first_name", "last_name"])
    a.chief.language = "ru"
    a.chief.save(update_fields=["language"])
    client.force_login(a.chief)

    # when
    page = client.get(reverse("admin:dispatch_incident_history", args=[call.pk]))

    # then: each entry names them as a person does, the action in words
    html = page.content.decode()
    assert html.count("<dd>Айдос Серіков</dd>") == 3
    # the unit, and the assignment stood down (the unit's own)
    assert a.assignment.unit == a.unit
    assert html.count(f"<dd>{a.unit.callsign}</dd>") == 6
    assert html.count(f"<dd>{a.dv_incident.number}</dd>") == 3
    assert html.count(f"<dd>{a.risk_subject}</dd>") == 3
    assert html.count(f"<dd>{a.settlement}</dd>") == 3
    assert html.count("<dd>контрольное посещение: ") == 3
    assert not re.search(r"<dd>\d+</dd>", html)
    assert "3 записи в журнале аудита" in html


def test_an_officers_history_names_his_units_in_russian(client, world):
    # given: an officer moved between units three times in the console; A's chief reads it
    officer = officer_with_edits(world, 3)
    world.a.chief.language = "ru"
    world.a.chief.save(update_fields=["language"])
    client.force_login(world.a.chief)

    # when
    page = client.get(reverse("admin:people_officer_history", args=[officer.pk]))

    # then
    html = page.content.decode()
    patrol = world.a.unit.callsign
    assert html.count(f"<dd>Наряд: A-PC3, {patrol}</dd>") == 2
    assert html.count(f"<dd>Наряд: {patrol}, A-PC3</dd>") == 1
