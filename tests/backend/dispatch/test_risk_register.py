"""DV risk subjects kept by the calls: an address registered at its first DV call, counted at
each later one, and a protective order issued on a call written to it with its term."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.utils import translation

from backend.common import clock
from backend.dispatch.admin.formatting import risk_flags_text
from backend.dispatch.models import Incident, RiskSubject
from backend.dispatch.services import follow_up_done, incident_close, incident_create
from backend.ledger.models import AuditEntry
from tests.backend.sync_support import dispatch, event

from .conftest import report

pytestmark = pytest.mark.usefixtures("published")

ADDRESS = "ул. Абая 12, кв. 3"


def dv_call(personas: Any, **kw: Any) -> Incident:
    fields: dict[str, Any] = {
        "category": "domestic_violence",
        "settlement_id": personas.a.village.pk,
        "landmark": ADDRESS,
        "caller_phone": "+77015550101",
        "received_at": clock.now(),
    }
    return incident_create(by=personas.duty, data=report(**{**fields, **kw}))


@pytest.mark.django_db
def test_the_first_dv_call_at_an_address_registers_it_and_the_next_one_counts_and_shows_it(
    personas,
):
    # given: the first DV call from the address
    first = dv_call(personas)

    # then: the address is a subject with this call as its first, no flag on this call yet
    subject = RiskSubject.objects.get()
    assert (subject.kind, subject.district, subject.settlement, subject.address, subject.phone) == (
        "address",
        personas.a.district,
        personas.a.village,
        ADDRESS,
        "+77015550101",
    )
    assert subject.prior_dv_calls == 1
    assert first.risk_flags == [{"flag": "domestic_violence"}]
    created = AuditEntry.objects.get(action="risk_subject.created")
    assert (created.object_id, created.district_id) == (str(subject.pk), personas.a.district.pk)

    # when: a DV call the next day names the same address, written otherwise, from another
    # phone (within the duplicate window it would be a second report of the first call)
    with clock.frozen(clock.now() + dt.timedelta(days=1)):
        second = dv_call(personas, landmark="  УЛ. АБАЯ 12, КВ. 3 ", caller_phone="+77015550199")

    # then: shown to the unit with one prior call, counted, and no second subject
    assert [f.get("prior_dv_calls") for f in second.risk_flags] == [None, 1]
    assert second.risk_flags[1]["subject_id"] == subject.pk
    subject.refresh_from_db()
    assert subject.prior_dv_calls == 2
    assert RiskSubject.objects.count() == 1


@pytest.mark.django_db
def test_calls_that_are_not_dv_or_name_no_address_register_nothing(personas):
    # when
    dv_call(personas, category="theft")
    dv_call(personas, landmark="")

    # then
    assert not RiskSubject.objects.exists()


@pytest.mark.django_db
def test_a_protective_order_from_the_phone_runs_thirty_days_from_the_local_day(personas, device_a1):
    # given: a DV call dispatched to A's patrol; the order is issued at 21:30 UTC, which is
    # already the next day in Kazakhstan (UTC+5)
    issued = dt.datetime(2026, 11, 20, 21, 30, tzinfo=dt.UTC)
    with clock.frozen(issued - dt.timedelta(hours=1)):
        incident = dv_call(personas)
        assignment = dispatch(incident=incident, unit=personas.a.patrol)

    # when
    with clock.frozen(issued + dt.timedelta(minutes=5)):
        answer = device_a1.push(
            event(
                "outcome",
                assignment,
                device_time=clock.to_ms(issued),
                payload={"code": "protective_order"},
            )
        )

    # then
    assert answer[0]["status"] == "accepted"
    subject = RiskSubject.objects.get()
    assert subject.protective_order_until == dt.date(2026, 11, 21) + dt.timedelta(days=30)
    audit = AuditEntry.objects.get(action="risk_subject.protective_order")
    assert audit.object_id == str(incident.pk)
    assert json.loads(audit.data) == {"subjects": [subject.pk], "until": "2026-12-21"}

    # and: the next DV call there shows the order in force
    with clock.frozen(issued + dt.timedelta(days=3)):
        again = dv_call(personas)
    assert again.risk_flags[1]["protective_order_active"] is True
    assert again.risk_flags[1]["protective_order_until"] == "2026-12-21"


@pytest.mark.django_db
def test_a_revised_outcome_keeps_the_order_and_a_new_order_never_shortens_one(personas, device_a1):
    # given: an order running to the end of January on the address
    incident = dv_call(personas)
    subject = RiskSubject.objects.get()
    RiskSubject.objects.filter(pk=subject.pk).update(protective_order_until=dt.date(2099, 1, 31))
    assignment = dispatch(incident=incident, unit=personas.a.patrol)

    # when: the officer records an order, then revises the outcome to a warning
    device_a1.push(event("outcome", assignment, payload={"code": "protective_order"}))
    device_a1.push(event("outcome", assignment, payload={"code": "warning"}))

    # then: the longer order stands, and the revision recorded no second order
    subject.refresh_from_db()
    assert subject.protective_order_until == dt.date(2099, 1, 31)
    assert AuditEntry.objects.filter(action="risk_subject.protective_order").count() == 1
    incident.refresh_from_db()
    assert incident.outcome_code == "warning"


@pytest.mark.django_db
def test_closing_with_a_protective_order_records_it_even_for_a_call_from_an_unknown_phone(
    personas,
):
    # given: a DV call whose address was not given; only the caller's phone is known
    incident = dv_call(personas, landmark="", caller_phone="+77015550177")
    assert not RiskSubject.objects.exists()

    # when
    now = clock.now()
    incident_close(
        incident=incident,
        by=personas.a.chief,
        disposition="Защитное предписание вынесено",
        outcome_code="protective_order",
        now=now,
    )

    # then: the phone's owner becomes a subject (a person, named by the phone) carrying the order
    subject = RiskSubject.objects.get()
    assert (subject.phone, subject.address, subject.prior_dv_calls) == ("+77015550177", "", 1)
    assert (subject.kind, str(subject)) == (RiskSubject.Kind.PERSON, "+77015550177")
    assert subject.protective_order_until == _local(now) + dt.timedelta(days=30)
    audit = AuditEntry.objects.get(action="risk_subject.protective_order")
    assert audit.actor == personas.a.chief


def _local(at: dt.datetime) -> dt.date:
    """The date in Kazakhstan (UTC+5 all year since March 2024)."""
    return at.astimezone(dt.timezone(dt.timedelta(hours=5))).date()


@pytest.mark.django_db
def test_each_subject_the_phone_matches_says_its_village(personas):
    # given: a farm of the district seat registered by a DV call from a phone; the Kazakh
    # name of the seat is known
    town, village = personas.a.town, personas.a.village
    town.name_kk = "Аягөз"
    town.save(update_fields=["name_kk"])
    start = clock.now()
    dv_call(personas, settlement_id=town.pk, landmark="ферма")

    # when: the same phone calls from a farm of the village, twice
    with clock.frozen(start + dt.timedelta(days=1)):
        dv_call(personas, landmark="ферма")
    with clock.frozen(start + dt.timedelta(days=2)):
        third = dv_call(personas, landmark="ферма")

    # then: both farms are shown, each with its village — not "ферма" twice
    shown = [
        (f["label"], f["settlement_id"], f["settlement_name"], f["settlement_name_kk"])
        for f in third.risk_flags[1:]
    ]
    assert shown == [
        ("ферма", town.pk, "Аягоз", "Аягөз"),
        ("ферма", village.pk, "Актогай", ""),
    ]
    # and: the console's words for the call name the villages, in the reader's language
    with translation.override("ru"):
        words = risk_flags_text(third.risk_flags)
    assert words[1].startswith("Объект риска: ферма, Аягоз (")
    assert words[2].startswith("Объект риска: ферма, Актогай (")
    with translation.override("kk"):
        assert "ферма, Аягөз" in risk_flags_text(third.risk_flags)[1]


@pytest.mark.django_db
def test_a_follow_up_visit_is_written_onto_the_subjects_of_the_calls_village(personas):
    # given: the caller's phone is registered at a farm of the district seat and as a person;
    # a DV call from that phone names an address in the village, its subject new
    town = personas.a.town
    start = clock.now()
    dv_call(personas, settlement_id=town.pk, landmark="ферма")
    person = RiskSubject.objects.create(
        kind=RiskSubject.Kind.PERSON,
        district=personas.a.district,
        settlement=town,
        phone="+77015550101",
    )
    with clock.frozen(start + dt.timedelta(days=1)):
        incident = dv_call(personas, landmark="зимовка Кайнар")
    here = RiskSubject.objects.get(settlement=personas.a.village)

    # when: the inspector's visit after the village's call is recorded
    visited = start + dt.timedelta(days=2)
    with clock.frozen(visited + dt.timedelta(hours=1)):
        follow_up_done(
            task=incident.follow_ups.get(), by=personas.duty, note="Беседа", done_at=visited
        )

    # then: the village's address and the person have the visit; the farm in the seat,
    # matched only by the phone, was not visited
    last = {s.pk: s.last_follow_up_at for s in RiskSubject.objects.all()}
    assert last[here.pk] == visited
    assert last[person.pk] == visited
    farm = RiskSubject.objects.get(settlement=town, address="ферма")
    assert last[farm.pk] is None
