"""The escalation ladder, driven by the sweep with a frozen server clock."""

from __future__ import annotations

import datetime as dt
import gc
import json
import logging
import threading
from collections import Counter

import pytest
from django.db import connection

from backend.common import clock
from backend.dispatch import sms_texts
from backend.dispatch.models import (
    Assignment,
    EscalationStep,
    Incident,
    SmsMessage,
)
from backend.dispatch.services import (
    assignment_acknowledge_on_behalf,
    escalation,
    escalation_sweep,
    incident_dispatch,
)
from backend.dispatch.sms import reply_code_for
from backend.ledger import uow
from backend.ledger.models import AuditEntry
from backend.people.models import Unit
from tests import factories

from .conftest import boards

T0 = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)


def at(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


def sweep(seconds: float, **kw):
    with clock.frozen(at(seconds)):
        return escalation_sweep(**kw)


def steps() -> list[tuple[int, str]]:
    return list(EscalationStep.objects.order_by("pk").values_list("assignment_id", "step"))


@pytest.fixture
def p1(personas):
    """A P1 call in the town (urban: acknowledge in 2 min, on scene in 15 min from the call),
    dispatched at T0 to A-PC1, whose officers have the app (no SMS at dispatch)."""
    personas.device(personas.a.patrol_officers[0])
    with clock.frozen(T0):
        incident = factories.incident(
            district=personas.a.district,
            settlement=personas.a.town,
            priority="P1",
            received_at=T0,
            caller_phone="+77017771234",
            notify_citizen=True,
        )
        return incident_dispatch(incident=incident, unit=personas.a.patrol, by=personas.duty)


def test_nothing_fires_before_its_deadline(p1):
    report = sweep(29)
    assert (report.claimed, report.fired_total) == (0, 0)
    assert steps() == []


def test_an_undelivered_assignment_is_texted_once_after_30_seconds(personas, p1):
    # when
    report = sweep(31)
    again = sweep(32)

    # then
    assert dict(report.fired) == {"sms_undelivered": 1}
    assert again.claimed == 0
    assert steps() == [(p1.pk, "sms_undelivered")]
    step = EscalationStep.objects.get()
    assert (step.due_at, step.fired_at) == (at(30), at(31))
    assert list(SmsMessage.objects.values_list("phone", "purpose")) == [
        ("+7701000101", "escalation_undelivered"),
        ("+7701000102", "escalation_undelivered"),
    ]
    p1.refresh_from_db()
    assert (p1.escalation_level, p1.next_escalation_at) == (1, at(120))
    audit = AuditEntry.objects.get(action="escalation.sms_undelivered")
    assert (audit.actor_id, audit.actor_kind, audit.district_id) == (
        None,
        "system",
        personas.a.district.pk,
    )
    assert json.loads(audit.data) == {"late_ms": 1000, "due_at": clock.to_ms(at(30)), "sms": 2}


def test_a_delivered_assignment_is_not_texted(p1):
    Assignment.objects.filter(pk=p1.pk).update(status="delivered", delivered_at=at(5))

    report = sweep(31)

    assert (report.claimed, report.fired_total) == (1, 0)
    assert steps() == []
    p1.refresh_from_db()
    assert p1.next_escalation_at == at(120)


def test_an_unacknowledged_assignment_is_repushed_texted_and_put_on_the_board(
    personas, p1, notifications, django_capture_on_commit_callbacks
):
    # given
    Assignment.objects.filter(pk=p1.pk).update(status="delivered", delivered_at=at(5))

    # when
    with django_capture_on_commit_callbacks(execute=True):
        report = sweep(121)

    # then
    assert dict(report.fired) == {"ack_overdue": 1}
    repush = [n.data for n in notifications() if n.topic == "assignment.repush"]
    assert repush == [
        {
            "district_id": personas.a.district.pk,
            "assignment_id": p1.pk,
            "unit_id": personas.a.patrol.pk,
            "incident_id": p1.incident_id,
        }
    ]
    alert = boards(notifications(), "escalation.ack_overdue")
    assert [(b["chief"], b["assignment_id"], b["callsign"], b["sms"]) for b in alert] == [
        (False, p1.pk, "A-PC1", 2)
    ]
    assert list(SmsMessage.objects.values_list("purpose", flat=True)) == [
        "escalation_ack_overdue",
        "escalation_ack_overdue",
    ]
    assert SmsMessage.objects.first().body.startswith("KUZET NAPOMINANIE ")
    p1.refresh_from_db()
    assert p1.next_escalation_at == at(240)


def test_after_a_long_outage_every_due_rung_fires_once_in_one_sweep(p1):
    report = sweep(300)

    assert dict(report.fired) == {"sms_undelivered": 1, "ack_overdue": 1, "ack_overdue_twice": 1}
    assert sweep(301).fired_total == 0
    p1.refresh_from_db()
    assert (p1.escalation_level, p1.next_escalation_at) == (3, at(900))


def test_at_twice_the_deadline_the_next_nearest_unit_is_recommended_to_the_chief(
    personas, p1, notifications, django_capture_on_commit_callbacks
):
    # when
    sweep(200)
    with django_capture_on_commit_callbacks(execute=True):
        sweep(241)

    # then
    (alert,) = boards(notifications(), "escalation.ack_overdue_twice")
    assert alert["chief"] is True
    assert alert["recommended"]["callsign"] == "A-UI1"
    assert alert["dispatched_assignment_id"] is None
    assert Assignment.objects.count() == 1


def test_where_the_district_allows_it_the_next_unit_is_dispatched(personas, p1):
    # given
    personas.a.district.auto_redispatch = True
    personas.a.district.save(update_fields=["auto_redispatch"])
    sweep(200)

    # when
    sweep(241)

    # then
    new = Assignment.objects.exclude(pk=p1.pk).get()
    assert (new.unit, new.dispatch_source, new.dispatched_by, new.dispatched_at) == (
        personas.a.inspector_unit,
        "escalation",
        None,
        at(241),
    )
    p1.refresh_from_db()
    assert p1.status == "dispatched"  # the first unit is not stood down
    step = EscalationStep.objects.get(step="ack_overdue_twice")
    assert step.details["dispatched_assignment_id"] == new.pk
    assert (
        AuditEntry.objects.filter(action="assignment.dispatched", actor_kind="system").count() == 1
    )


def test_a_missed_arrival_alerts_the_chief_and_tells_the_citizen_once(
    personas, p1, notifications, django_capture_on_commit_callbacks
):
    # given: acknowledged in time, a second unit sent too, nobody on scene after 15 minutes
    Assignment.objects.filter(pk=p1.pk).update(
        status="en_route", delivered_at=at(3), acknowledged_at=at(20), en_route_at=at(30)
    )
    with clock.frozen(at(60)):
        second = incident_dispatch(
            incident=p1.incident, unit=personas.a.inspector_unit, by=personas.duty
        )
    Assignment.objects.filter(pk=second.pk).update(
        status="acknowledged", delivered_at=at(61), acknowledged_at=at(70)
    )

    # when
    with django_capture_on_commit_callbacks(execute=True):
        report = sweep(901)

    # then
    assert dict(report.fired) == {"arrival_overdue": 2}
    (alert,) = boards(notifications(), "escalation.arrival_overdue")
    assert (alert["chief"], alert["citizen_told"]) == (True, True)
    incident = Incident.objects.get(pk=p1.incident_id)
    assert incident.citizen_delay_notified_at == at(901)
    (text,) = SmsMessage.objects.filter(purpose="citizen_delay")
    assert (text.phone, text.body) == (
        "+77017771234",
        f"Politsiya: vyzov {incident.number} prinyat, naryad zaderzhivaetsya. "
        "Pri ugroze zhizni zvonite 102.",
    )
    assert sorted(s.details["alerted"] for s in EscalationStep.objects.all()) == [False, True]
    assert Assignment.objects.filter(next_escalation_at__isnull=False).count() == 0


@pytest.mark.parametrize(
    "change", [{"category": "domestic_violence"}, {"restricted": True}], ids=["dv", "restricted"]
)
def test_a_discreet_caller_is_not_texted_that_the_unit_is_delayed(
    personas, p1, notifications, django_capture_on_commit_callbacks, change
):
    """The caller's phone may be read by the person the call is about: the close SMS of a DV
    call names no measure, and a delay SMS ("Police: call received, the unit is delayed")
    would tell them the police were called at all. The chief is still alerted."""
    # given: a DV (or restricted) call whose unit is late
    Incident.objects.filter(pk=p1.incident_id).update(**change)
    Assignment.objects.filter(pk=p1.pk).update(
        status="en_route", delivered_at=at(3), acknowledged_at=at(20), en_route_at=at(30)
    )

    # when
    with django_capture_on_commit_callbacks(execute=True):
        report = sweep(901)

    # then
    assert dict(report.fired) == {"arrival_overdue": 1}
    (alert,) = boards(notifications(), "escalation.arrival_overdue")
    assert (alert["chief"], alert["citizen_told"]) == (True, False)
    assert Incident.objects.get(pk=p1.incident_id).citizen_delay_notified_at is None
    assert not SmsMessage.objects.filter(purpose="citizen_delay").exists()


def test_nobody_is_alerted_once_a_unit_is_on_scene(personas, p1):
    Assignment.objects.filter(pk=p1.pk).update(
        status="on_scene", delivered_at=at(3), acknowledged_at=at(20), on_scene_at=at(600)
    )

    report = sweep(901)

    assert (report.claimed, report.fired_total) == (1, 0)
    p1.refresh_from_db()
    assert p1.next_escalation_at is None


def test_acknowledgment_on_behalf_stops_the_ladder(personas, p1):
    # given
    sweep(31)
    with clock.frozen(at(100)):
        assignment_acknowledge_on_behalf(assignment=p1, by=personas.duty, channel="radio")

    # when
    report = sweep(300)

    # then
    assert report.claimed == 0
    assert steps() == [(p1.pk, "sms_undelivered")]
    p1.refresh_from_db()
    assert p1.next_escalation_at == at(900)


def test_a_cancelled_assignment_does_not_escalate(personas, p1):
    Assignment.objects.filter(pk=p1.pk).update(
        status="cancelled", cancelled_at=at(10), closed_at=at(10)
    )

    report = sweep(1000)

    assert (report.claimed, report.fired_total) == (1, 0)
    assert steps() == []


def test_a_rung_recorded_by_an_earlier_sweep_never_fires_again(p1):
    # given: a sweep fired the rung and committed, but the due time was left behind
    EscalationStep.objects.create(
        assignment=p1, step="sms_undelivered", due_at=at(30), fired_at=at(31)
    )

    # when
    report = sweep(40)

    # then
    assert (report.claimed, report.fired_total) == (1, 0)
    assert SmsMessage.objects.count() == 0
    assert AuditEntry.objects.filter(action__startswith="escalation.").count() == 0


@pytest.mark.postgres
def test_a_rung_committed_by_a_concurrent_sweep_after_the_claim_counts_in_the_level(
    p1, monkeypatch
):
    # given: the rung was fired by a sweep that committed after this one's claim began,
    # so the claim's snapshot does not show it
    EscalationStep.objects.create(
        assignment=p1, step="sms_undelivered", due_at=at(30), fired_at=at(31)
    )
    claim = escalation._claim

    def claim_with_an_old_snapshot(now, batch_size):
        rows = claim(now, batch_size)
        for row in rows:
            row.fired = set()
        return rows

    monkeypatch.setattr(escalation, "_claim", claim_with_an_old_snapshot)

    # when
    report = sweep(40)

    # then: nothing fires twice, and the level counts the rung
    assert (report.claimed, report.fired_total) == (1, 0)
    assert SmsMessage.objects.count() == 0
    p1.refresh_from_db()
    assert (p1.escalation_level, p1.next_escalation_at) == (1, at(120))


def test_the_sweep_works_in_bounded_batches(personas):
    # given: seven assignments due, batches of three
    personas.device(personas.a.patrol_officers[0])
    for i in range(7):
        unit = factories.unit(
            callsign=f"A-X{i}", district=personas.a.district, lat=47.97, lon=80.44
        )
        with clock.frozen(T0):
            incident = factories.incident(
                district=personas.a.district, settlement=personas.a.town, received_at=T0
            )
            incident_dispatch(incident=incident, unit=unit, by=personas.duty)

    # when
    report = sweep(31, batch_size=3)

    # then
    assert (report.batches, report.claimed, dict(report.fired)) == (3, 7, {"sms_undelivered": 7})


def test_a_backlog_of_sixty_rungs_writes_every_row_exactly(personas):
    # given: sixty assignments whose "not delivered" rung is due, each unit with one phone,
    # texts with Cyrillic, quotes and a percent sign (PostgreSQL writes a batch this large
    # as one statement per table)
    assignments = []
    for i in range(60):
        unit = factories.unit(callsign=f"A-B{i:02d}", district=personas.a.district)
        factories.officer(
            username=f"backlog{i}", district=personas.a.district, unit=unit, phone=f"+7702{i:07d}"
        )
        with clock.frozen(T0):
            incident = factories.incident(
                district=personas.a.district,
                settlement=personas.a.town,
                received_at=T0,
                landmark="у магазина «Береке»",
                summary=f'Драка №{i}, 100% "срочно"',
            )
        assignments.append(
            factories.assignment(
                incident=incident,
                unit=unit,
                status="dispatched",
                dispatched_at=T0,
                deliver_due_at=at(30),
                ack_due_at=at(300),
                next_escalation_at=at(30),
            )
        )

    # when
    report = sweep(31)

    # then
    assert (report.claimed, dict(report.fired), report.sms) == (60, {"sms_undelivered": 60}, 60)
    first = assignments[0]
    assert SmsMessage.objects.filter(assignment=first).get().body == (
        f"KUZET {first.incident.number} P2 Krazha Ayagoz, u magazina "
        f'"Bereke" Draka ?0, 100% "srochno" Otvet: ACK {reply_code_for(first.pk)}'
    )
    assert list(
        SmsMessage.objects.order_by("pk").values_list(
            "assignment_id", "officer__username", "phone", "body", "reply_code", "purpose", "state"
        )
    ) == [
        (
            a.pk,
            f"backlog{i}",
            f"+7702{i:07d}",
            sms_texts.dispatch_text(incident=a.incident, assignment_id=a.pk),
            reply_code_for(a.pk),
            "escalation_undelivered",
            "queued",
        )
        for i, a in enumerate(assignments)
    ]
    assert list(
        EscalationStep.objects.order_by("pk").values_list(
            "assignment_id", "step", "due_at", "fired_at", "details"
        )
    ) == [(a.pk, "sms_undelivered", at(30), at(31), {"late_ms": 1000}) for a in assignments]
    assert list(
        AuditEntry.objects.filter(action="escalation.sms_undelivered")
        .order_by("id")
        .values_list("actor_kind", "object_type", "object_id", "district_id", "data")
    ) == [
        (
            "system",
            "assignment",
            str(a.pk),
            personas.a.district.pk,
            f'{{"due_at":{clock.to_ms(at(30))},"late_ms":1000,"sms":1}}',
        )
        for a in assignments
    ]
    assert uow.verify_chain() == []
    assert set(
        Assignment.objects.filter(pk__in=[a.pk for a in assignments]).values_list(
            "escalation_level", "next_escalation_at"
        )
    ) == {(1, at(300))}


def test_the_garbage_collector_is_paused_during_a_batch_and_runs_again_after_a_failed_one(
    p1, monkeypatch
):
    # given: a batch that fails once it has claimed its rows
    seen: list[bool] = []

    def failing_claim(now, batch_size):
        seen.append(gc.isenabled())
        raise RuntimeError("the database went away")

    monkeypatch.setattr(escalation, "_claim", failing_claim)

    # when
    with pytest.raises(RuntimeError):
        sweep(31)

    # then
    assert (seen, gc.isenabled()) == ([False], True)
    assert steps() == []


@pytest.mark.postgres
def test_concurrent_sweeps_fire_every_rung_exactly_once(transactional_db, personas):
    # given: 60 assignments of units without the app, all past every acknowledgment rung
    for i in range(60):
        unit = factories.unit(
            callsign=f"A-C{i:02d}", district=personas.a.district, lat=47.97, lon=80.44
        )
        factories.officer(
            username=f"crew{i}", district=personas.a.district, unit=unit, phone=f"+7702{i:07d}"
        )
        with clock.frozen(T0):
            incident = factories.incident(
                district=personas.a.district, settlement=personas.a.town, received_at=T0
            )
            incident_dispatch(incident=incident, unit=unit, by=personas.duty)
    Unit.objects.filter(callsign__startswith="A-C").update(status="busy")  # no redispatch
    barrier = threading.Barrier(4)

    def run() -> None:
        try:
            barrier.wait()
            escalation_sweep(batch_size=7)
        finally:
            connection.close()

    # when: the clock is frozen once for all threads (P2 urban: acknowledge within 5 min)
    threads = [threading.Thread(target=run) for _ in range(4)]
    with clock.frozen(at(650)):
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    # then
    assert Counter(step for _, step in steps()) == {
        "sms_undelivered": 60,
        "ack_overdue": 60,
        "ack_overdue_twice": 60,
    }
    audits = Counter(
        AuditEntry.objects.filter(action__startswith="escalation.").values_list(
            "action", "object_id"
        )
    )
    assert set(audits.values()) == {1}
    assert len(audits) == 180
    # no app: texted at dispatch (so not again as "undelivered"), and once more as a reminder
    assert Counter(SmsMessage.objects.values_list("purpose", flat=True)) == {
        "dispatch": 60,
        "escalation_ack_overdue": 60,
    }
    assert Assignment.objects.filter(escalation_level=3).count() == 60


def test_the_sweep_task_logs_its_rungs_by_their_codes(p1, caplog):
    # given: an outage, three rungs due (the task also drains the SMS outbox)
    from backend.dispatch import tasks

    # when
    with caplog.at_level(logging.DEBUG, logger="backend.dispatch.tasks"), clock.frozen(at(300)):
        tasks.escalation_sweep()

    # then: the developer's line (DEBUG; the operator's, in words: tests/backend/common/
    # test_make_run_words.py), no enum reprs
    [line] = [r.getMessage() for r in caplog.records if "escalation sweep" in r.getMessage()]
    assert line == (
        "escalation sweep: claimed 1, fired ack_overdue 1, ack_overdue_twice 1, "
        "sms_undelivered 1, deferred 0, sms 4"
    )


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("kk", "Aiagoz - soltüstik-shygysqa qarai 3,1 km (47.98400, 80.46400)"),
        ("ru", "3,1 km k severo-vostoku ot Ayagoz (47.98400, 80.46400)"),
        ("en", "3.1 km north-east of Ayagoz (47.98400, 80.46400)"),
    ],
)
def test_an_sos_backups_text_from_the_sweep_says_how_far_and_which_way(personas, language, words):
    """The sweep's text composes the call's place from its row as the dispatch's text does
    from the call: an officer's SOS backup outside a village read "Ayagoz, 47.98400,
    80.46400" to a crew racing there."""
    # given: the backup call of an officer 3 km north-east of Аягоз (its landmark is the
    # point's coordinates: services.sos.backup_landmark), dispatched at T0 to A-PC1, whose
    # officers read ``language`` and have no app
    Unit.objects.get(pk=personas.a.patrol.pk).members.update(language=language)
    with clock.frozen(T0):
        call = factories.incident(
            district=personas.a.district,
            settlement=personas.a.town,
            category="officer_sos",
            priority="P0",
            channel="patrol",
            received_at=T0,
            lat=47.984,
            lon=80.464,
            landmark="47.98400, 80.46400",
            summary="Асхат Нурланов (A-PC2)",
        )
        incident_dispatch(incident=call, unit=personas.a.patrol, by=personas.duty)

    # when: nobody acknowledges; the sweep texts the crew again
    sweep(600)

    # then: distance, way and village in the crew's language, the coordinates kept
    texts = SmsMessage.objects.filter(purpose__startswith="escalation_")
    assert texts.exists()
    assert all(words in t.body for t in texts), [t.body for t in texts]
