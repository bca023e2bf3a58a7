"""DV follow-up visits on the inspector's phone (protocol schema 3, docs/protocol.md): the
visits a unit owes travel in the table ``follow_ups`` with their call; the inspector records
a visit as a ``follow_up_visit`` event, offline like any fact, and the server makes it the
visit (its time the event's estimated time), keeps a second one beside the first, and
refuses one naming no visit. Apps on an older schema never see the table.

Before, only the desk could record a visit, as the inspector phoned it in."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.urls import reverse

from backend.common import clock
from backend.dispatch.models import Conflict, Event, FollowUpTask, Incident, RiskSubject
from backend.dispatch.services import follow_up_done
from backend.ledger.models import AuditEntry
from backend.people.models import UnitType
from backend.realtime import fanout
from backend.sync_gateway.models import QuarantinedRecord
from backend.sync_gateway.scope import age_out
from sync.protocol import Invalid, parse_event
from tests import factories
from tests.backend.sync_support import SyncApi, event, ids, inspector_phone, visit
from tests.factories import dv_call

T0 = dt.datetime(2026, 3, 2, 4, 0, tzinfo=dt.UTC)


@dataclass(frozen=True)
class Owed:
    incident: Incident
    subject: RiskSubject
    task: FollowUpTask


@pytest.fixture
def owed(personas) -> Owed:
    """A DV call at T0 from A's village, at a registered risk address; A's inspector owes
    its visit."""
    with clock.frozen(T0):
        incident, subject = dv_call(personas)
    return Owed(incident, subject, incident.follow_ups.get())


def pull3(phone, cursor="null", **params):
    response = phone.pull_raw(cursor, schema_version=3, **params)
    assert response.status_code == 200, response.content
    body = response.json()
    phone.cursor = body["timestamp"]
    return body


def test_the_inspector_s_phone_gets_the_visit_it_owes_with_its_call(personas, client, owed):
    # given: a DV call in A's village; its visit is owed by A's inspector
    with clock.frozen(T0):
        incident, task = owed.incident, owed.task
        phone = inspector_phone(personas, client)

        # when: the inspector's app (schema 3) and an older one (schema 1) sync
        body = pull3(phone)
        old = phone.pull_raw("null", schema_version=1).json()

    # then: the visit with its due time, and the call (its address, its risk flags)
    (record,) = body["changes"]["follow_ups"]["updated"]
    assert record == {
        "id": str(task.pk), "incident_id": str(incident.pk),
        "unit_id": str(personas.a.inspector_unit.pk), "due_at": clock.to_ms(task.due_at),
        "done_at": None, "note": "",
    }  # fmt: skip
    assert ids(body, "incidents") == [str(incident.pk)]
    # and: reading a DV call on the phone is audited, as every DV read
    assert AuditEntry.objects.filter(action="incident.read").exists()
    # and: the older app never sees the table
    assert "follow_ups" not in old["changes"]
    assert ids(old, "incidents") == [str(incident.pk)]


def test_a_visit_recorded_offline_is_the_visit_at_the_time_it_was_made(personas, client, owed):
    # given: the inspector's phone holds the owed visit; he visits two days after the call
    # in a white spot, and his phone reaches coverage six hours later
    with clock.frozen(T0):
        incident, task = owed.incident, owed.task
        phone = inspector_phone(personas, client)
        pull3(phone)
    made = T0 + dt.timedelta(days=2)
    back = made + dt.timedelta(hours=6)
    phone.elapsed_ms = 50 * 3_600_000  # the same boot: elapsed time dates the visit
    record = visit(task, device_time=clock.to_ms(made), elapsed_ms=phone.elapsed_ms - 6 * 3_600_000)

    # when
    with clock.frozen(back):
        (result,) = phone.push(record)
        body = pull3(phone, phone.cursor)

    # then: the visit is made at the time it was made, with what was found
    assert (result["status"], result["disposition"]) == ("accepted", "applied")
    task.refresh_from_db()
    assert abs(task.done_at - made) < dt.timedelta(seconds=15)
    assert task.note == "Беседа проведена, конфликт исчерпан"
    owed.subject.refresh_from_db()
    assert owed.subject.last_follow_up_at == task.done_at
    # and: audited as the inspector's visit, naming the fact
    entry = AuditEntry.objects.get(action="followup.done")
    assert (entry.actor_id, entry.actor_kind) == (personas.a.inspector.pk, "device")
    assert entry.data_dict["event_id"] == record["id"]
    # and: the event belongs to the call; the phone gets the visit done and its fact back
    assert Event.objects.get(pk=record["id"]).incident_id == incident.pk
    (done,) = body["changes"]["follow_ups"]["updated"]
    assert done["done_at"] == clock.to_ms(task.done_at)
    assert record["id"] in ids(body, "events")


def test_a_second_visit_is_kept_beside_the_first_and_changes_nothing(personas, client, owed):
    # given: the desk recorded the visit as the inspector phoned it in
    with clock.frozen(T0):
        incident, task = owed.incident, owed.task
        phone = inspector_phone(personas, client)
        pull3(phone)
    desk_at = T0 + dt.timedelta(days=1)
    with clock.frozen(desk_at + dt.timedelta(hours=1)):
        follow_up_done(task=task, by=personas.duty, note="Со слов участкового", done_at=desk_at)

    # when: his phone sends the same visit later, twice in one push
    with clock.frozen(desk_at + dt.timedelta(hours=2)):
        results = phone.push(visit(task), visit(task, text="ещё раз"))

    # then: both kept as facts; the visit stays the desk's
    assert [(r["status"], r["disposition"]) for r in results] == [("accepted", "recorded")] * 2
    task.refresh_from_db()
    assert (task.done_at, task.note) == (desk_at, "Со слов участкового")
    assert Event.objects.filter(kind="follow_up_visit", incident=incident).count() == 2


def test_two_visits_in_one_push_make_the_first_the_visit(personas, client, owed):
    with clock.frozen(T0):
        task = owed.task
        phone = inspector_phone(personas, client)
    with clock.frozen(T0 + dt.timedelta(days=1)):
        results = phone.push(visit(task, text="первый"), visit(task, text="второй"))
    assert [r["disposition"] for r in results] == ["applied", "recorded"]
    task.refresh_from_db()
    assert task.note == "первый"
    assert AuditEntry.objects.filter(action="followup.done").count() == 1


def test_a_visit_naming_no_follow_up_is_refused_and_kept_in_quarantine(personas, client, owed):
    # given
    with clock.frozen(T0):
        task = owed.task
        phone = inspector_phone(personas, client)

        # when: a visit to an unknown follow-up beside a good one
        bad = event("follow_up_visit", payload={"follow_up_id": "999999"})
        results = phone.push(bad, visit(task))

    # then: the good one applied, the bad one refused in words and quarantined
    assert results[0]["status"] == "rejected"
    assert results[0]["reason"] == "unknown_follow_up"
    assert results[1]["disposition"] == "applied"
    assert QuarantinedRecord.objects.get().reason == "unknown_follow_up"


def test_a_visit_from_another_district_s_phone_is_refused_and_kept_for_its_own_chief(
    personas, client, owed
):
    # when: B's inspector's phone names A's follow-up visit
    with clock.frozen(T0):
        task = owed.task
        stranger = inspector_phone(personas, client, district="b")
        (result,) = stranger.push(visit(task))

    # then: refused as if there were no such visit (its answer tells no id apart), kept in
    # quarantine for B's chief — nothing written onto A's call, nothing in A's queue
    assert (result["status"], result["reason"]) == ("rejected", "unknown_follow_up")
    task.refresh_from_db()
    assert task.done_at is None
    assert not Event.objects.filter(incident=owed.incident, kind="follow_up_visit").exists()
    assert not Conflict.objects.exists()
    kept = QuarantinedRecord.objects.get()
    assert (kept.reason, kept.district_id) == ("unknown_follow_up", personas.b.district.pk)


def test_a_visit_from_the_unit_that_owes_it_moved_to_another_district_asks_the_chief(
    personas, client, owed
):
    # given: A's inspector and his unit moved to district B with the visit on his phone
    with clock.frozen(T0):
        task = owed.task
        phone = inspector_phone(personas, client)
        for moved in (personas.a.inspector_unit, personas.a.inspector):
            moved.district = personas.b.district
            moved.save(update_fields=["district"])

        # when
        (result,) = phone.push(visit(task))

    # then: kept, not the visit
    assert (result["status"], result["disposition"]) == ("accepted", "not_assignee")
    task.refresh_from_db()
    assert task.done_at is None
    # and: A's chief finds it in the conflict queue, with the call and whose visit it is
    conflict = Conflict.objects.get()
    assert (conflict.kind, conflict.district_id) == ("not_assignee", personas.a.district.pk)
    assert (conflict.incident_id, conflict.assignment_id) == (owed.incident.pk, None)
    client.force_login(personas.a.chief)
    with clock.frozen(T0):
        page = client.get(reverse("admin:dispatch_conflict_change", args=[conflict.pk]))
    assert page.status_code == 200
    assert "A-UI1" in page.content.decode()


def test_a_visit_made_leaves_the_phone_a_day_after_it_was_made(personas, client, owed):
    # given: the visit was made and the phone has it done
    with clock.frozen(T0):
        incident, task = owed.incident, owed.task
        phone = inspector_phone(personas, client)
        pull3(phone)
        phone.push(visit(task))
        pull3(phone, phone.cursor)

    # when: a day passes and the age-out sweep runs
    later = T0 + dt.timedelta(hours=25)
    with clock.frozen(later):
        age_out()
        body = pull3(phone, phone.cursor)

    # then: the visit and its call leave the inspector's phone
    assert body["changes"]["follow_ups"]["deleted"] == [str(task.pk)]
    assert str(incident.pk) in body["changes"]["incidents"]["deleted"]


def test_an_app_upgraded_to_schema_3_gets_the_visits_it_already_owed(personas, client, owed):
    # given: an app on schema 2 has synced the owed visit's call… without the table
    with clock.frozen(T0):
        task = owed.task
        phone = inspector_phone(personas, client)
        cursor = phone.pull_raw("null", schema_version=2).json()["timestamp"]

        # when: it upgrades and pulls with WatermelonDB's migration argument
        migration = '{"from": 2, "tables": ["follow_ups"], "columns": []}'
        body = pull3(phone, cursor, migration=migration)

    # then: the visit it owes arrives with the incremental pull
    assert ids(body, "follow_ups") == [str(task.pk)]


def test_a_visit_s_change_reaches_a_socket_as_a_poke_not_a_frame(personas, owed):
    # given: a socket does not say its app's schema version
    changes = fanout._AudienceChanges(head=1)
    changes.tables["follow_ups"][str(owed.task.pk)] = False

    # when
    records, restricted = fanout._render([changes])

    # then: no frame with a table an older app lacks; the app's pull fetches the change
    assert fanout._changes_body(changes, records, restricted) is None


def test_a_visit_names_its_follow_up_and_no_assignment():
    assert isinstance(parse_event(event("follow_up_visit", payload={})), Invalid)
    wrong = event("follow_up_visit", assignment="7", payload={"follow_up_id": "3"})
    assert parse_event(wrong).reason == "invalid_field"  # type: ignore[union-attr]
    long = event("follow_up_visit", payload={"follow_up_id": 3, "text": "я" * 4001})
    assert parse_event(long).reason == "invalid_payload"  # type: ignore[union-attr]
    assert parse_event(event("follow_up_visit", payload={"follow_up_id": 3})).kind == (  # type: ignore[union-attr]
        "follow_up_visit"
    )


def test_a_visit_handed_to_another_unit_in_the_console_moves_to_its_phone(personas, client, owed):
    # given: the inspector's phone and the DV inspector's phone have synced
    dv_unit = factories.unit(
        callsign="A-DV1", district=personas.a.district, type=UnitType.DV_INSPECTOR
    )
    dv_officer = factories.officer(
        username="dv_a", district=personas.a.district, unit=dv_unit, phone="+77010001077"
    )
    inspector = inspector_phone(personas, client)
    _device, token = personas.device(dv_officer)
    dv_phone = SyncApi(client, token)
    pull3(inspector)
    pull3(dv_phone)

    # when: the chief gives the visit to the DV inspector on the visit's page
    client.force_login(personas.a.chief)
    url = reverse("admin:dispatch_followuptask_change", args=[owed.task.pk])
    answer = client.post(url, {"unit": dv_unit.pk, "note": ""})
    assert answer.status_code == 302, answer.context["adminform"].form.errors

    # then: it leaves the inspector's phone with its call, and reaches the DV inspector's
    gone = pull3(inspector, inspector.cursor)
    came = pull3(dv_phone, dv_phone.cursor)
    assert gone["changes"]["follow_ups"]["deleted"] == [str(owed.task.pk)]
    assert gone["changes"]["incidents"]["deleted"] == [str(owed.incident.pk)]
    assert ids(came, "follow_ups") == [str(owed.task.pk)]
    assert ids(came, "incidents") == [str(owed.incident.pk)]
