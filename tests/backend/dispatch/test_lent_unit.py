"""A unit lent across the border: the oblast ЦОУ sent Abai district's (B's) patrol B-PC1 to a
call of Ayagoz district (A). B's duty desk and B's chief answer for their crew, so they read
that call — its facts, their unit's assignment, its timeline — on the console and through the
staff API, read-only: every command on it is A's desk's, refused ``403
incident_out_of_scope``. A call of A with no B unit on it stays out of reach (404); a call B's
unit was taken off stays readable ("held": B answers for what its crew did there)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

import pytest
from django.urls import reverse
from django.utils import translation

from backend.common import clock
from backend.common.errors import Forbidden, NotFound
from backend.dispatch import access
from backend.dispatch.lifecycle import EventKind
from backend.dispatch.models import Assignment, Event, FollowUpTask, Incident, SafetyCheck
from backend.dispatch.services import (
    assignment_cancel,
    assignment_message,
    assignment_record_on_behalf,
    escalation_sweep,
    incident_dispatch,
)
from backend.ledger.models import AuditEntry
from backend.people.models import Officer, Role
from tests import factories
from tests.backend.sync_support import event

from .conftest import snapshot

T0 = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)


@dataclass
class Lent:
    call: Incident  # A's call, B-PC1 on it
    sent: Assignment
    other: Incident  # another call of A, no B unit on it
    desk_b: Officer  # Abai district's duty officer
    desk_a: Officer


@pytest.fixture
def lent(personas) -> Lent:
    a, b = personas.a, personas.b
    call = factories.incident(
        district=a.district, settlement=a.village, category="robbery", priority="P1",
        summary="грабёж у магазина", received_at=T0,
    )  # fmt: skip
    other = factories.incident(district=a.district, settlement=a.town, received_at=T0)
    with clock.frozen(T0 + dt.timedelta(minutes=1)):
        sent = incident_dispatch(incident=call, unit=b.patrol, by=personas.duty)
    desk_b = factories.officer(username="duty_abai", role=Role.DUTY_OFFICER, district=b.district)
    desk_a = factories.officer(username="duty_ayagoz", role=Role.DUTY_OFFICER, district=a.district)
    return Lent(call=call, sent=sent, other=other, desk_b=desk_b, desk_a=desk_a)


# --- the access rule ------------------------------------------------------------------------


def test_the_units_own_desk_and_chief_read_the_call_it_was_lent_to(personas, lent):
    # when
    for reader in (lent.desk_b, personas.b.chief):
        found = access.access_incident_to_read(reader, lent.call.pk)
        held = access.incident_lent_to(reader, found)

        # then
        assert found.pk == lent.call.pk
        assert [a.pk for a in held] == [lent.sent.pk]


def test_the_call_is_simply_theirs_for_its_own_desk_and_the_oblast(personas, lent):
    # when / then: in their scope, nothing lent about it
    for reader in (lent.desk_a, personas.a.chief, personas.duty, personas.oblast_admin):
        assert access.access_incident_to_read(reader, lent.call.pk).pk == lent.call.pk
        assert access.incident_lent_to(reader, lent.call) == []


def test_another_call_of_the_district_with_no_unit_of_theirs_stays_not_found(personas, lent):
    # when / then
    for reader in (lent.desk_b, personas.b.chief):
        with pytest.raises(NotFound):
            access.access_incident_to_read(reader, lent.other.pk)
        with pytest.raises(NotFound):
            access.access_incident(reader, lent.other.pk)


def test_the_units_officers_do_not_read_it_on_the_console(personas, lent):
    # given: an officer of B (not a desk): the crew reads its call on its phone
    crew = personas.b.patrol_officers[0]

    # when / then
    assert access.incident_lent_to(crew, lent.call) == []
    with pytest.raises(NotFound):
        access.access_incident_to_read(crew, lent.call.pk)


def test_a_call_the_unit_was_taken_off_stays_readable(personas, lent):
    # given: A's desk cancels B-PC1 on it
    with clock.frozen(T0 + dt.timedelta(minutes=3)):
        assignment_cancel(assignment=lent.sent, by=lent.desk_a, reason="own unit free")

    # when
    found = access.access_incident_to_read(lent.desk_b, lent.call.pk)

    # then
    assert [(a.pk, a.status) for a in access.incident_lent_to(lent.desk_b, found)] == [
        (lent.sent.pk, "cancelled")
    ]


def test_acting_on_the_call_is_refused_with_whose_desk_runs_it(personas, lent):
    # when
    with pytest.raises(Forbidden) as refused:
        access.access_incident(lent.desk_b, lent.call.pk)
    with pytest.raises(Forbidden) as on_assignment:
        access.access_assignment(lent.desk_b, lent.sent.pk)

    # then
    for exc in (refused.value, on_assignment.value):
        assert exc.status == 403
        assert exc.as_json() == {
            "error": "incident_out_of_scope",
            "detail": f"{lent.call.number} is a call of Аягозский район: your unit was sent "
            "to it, but its desk runs it. Ask that district's desk or the oblast ЦОУ.",
            "incident_district_id": personas.a.district.pk,
            "incident_district": "Аягозский район",
            "incident_district_kk": "",
        }


# --- the staff API --------------------------------------------------------------------------


def test_the_api_reads_the_lent_call_for_the_units_desk_and_chief(personas, lent, client_for):
    # when
    answers = [
        client_for(reader).get(f"/api/v1/incidents/{lent.call.pk}/")
        for reader in (lent.desk_b, personas.b.chief)
    ]

    # then
    for response in answers:
        assert response.status_code == 200
        body = response.json()
        assert (body["id"], body["number"], body["district_id"]) == (
            lent.call.pk,
            lent.call.number,
            personas.a.district.pk,
        )
        assert [(a["callsign"], a["status"]) for a in body["assignments"]] == [
            ("B-PC1", "dispatched")
        ]


def test_the_api_keeps_other_calls_out_of_reach(personas, lent, client_for):
    # when
    response = client_for(lent.desk_b).get(f"/api/v1/incidents/{lent.other.pk}/")

    # then
    assert (response.status_code, response.json()["error"]) == (404, "not_found")


def test_the_api_reads_the_call_after_the_unit_was_taken_off(personas, lent, client_for):
    # given
    with clock.frozen(T0 + dt.timedelta(minutes=3)):
        assignment_cancel(assignment=lent.sent, by=lent.desk_a, reason="own unit free")

    # when
    response = client_for(lent.desk_b).get(f"/api/v1/incidents/{lent.call.pk}/")

    # then
    assert response.status_code == 200
    assert [a["status"] for a in response.json()["assignments"]] == ["cancelled"]


def test_reading_a_lent_dv_call_is_audited_as_any_read(personas, client_for):
    # given: a DV call of A, B-PC1 sent
    call = factories.incident(
        district=personas.a.district, settlement=personas.a.village,
        category="domestic_violence", priority="P1",
    )  # fmt: skip
    incident_dispatch(incident=call, unit=personas.b.patrol, by=personas.duty)
    desk_b = factories.officer(
        username="duty_abai", role=Role.DUTY_OFFICER, district=personas.b.district
    )

    # when
    response = client_for(desk_b).get(f"/api/v1/incidents/{call.pk}/")

    # then
    assert response.status_code == 200
    entry = AuditEntry.objects.get(action="incident.read")
    assert (entry.actor_id, entry.object_id, entry.data_dict) == (
        desk_b.pk,
        str(call.pk),
        {"purpose": "api.incident_detail"},
    )


def _writes(lent: Lent, personas: Any) -> list[tuple[str, str, dict[str, Any]]]:
    i, a = lent.call.pk, lent.sent.pk
    return [
        ("post", f"/api/v1/incidents/{i}/assignments/", {"unit_id": personas.b.inspector_unit.pk}),
        ("post", f"/api/v1/incidents/{i}/close/", {"disposition": "done"}),
        ("post", f"/api/v1/incidents/{i}/cancel/", {"reason": "no need"}),
        ("post", f"/api/v1/incidents/{i}/classify/",
         {"category": "robbery", "priority": "P0", "reason": "a knife"}),
        ("post", f"/api/v1/incidents/{i}/reopen/", {"reason": "again"}),
        ("post", f"/api/v1/incidents/{i}/separate/", {"reason": "another house"}),
        ("get", f"/api/v1/incidents/{i}/recommendations/", {}),
        ("post", f"/api/v1/assignments/{a}/cancel/", {"reason": "back home"}),
        ("post", f"/api/v1/assignments/{a}/message/", {"text": "come back"}),
        ("post", f"/api/v1/assignments/{a}/reassign/", {"unit_id": personas.b.inspector_unit.pk}),
        ("post", f"/api/v1/assignments/{a}/acknowledge/", {"channel": "phone"}),
    ]  # fmt: skip


def test_every_api_command_on_the_lent_call_is_refused_for_the_units_desk(
    personas, lent, client_for
):
    # given
    before = snapshot()
    client = client_for(lent.desk_b)

    # when
    answers = [
        (path, getattr(client, method)(path, body, format="json"))
        for method, path, body in _writes(lent, personas)
    ]

    # then
    assert [(path, r.status_code, r.json()["error"]) for path, r in answers] == [
        (path, 403, "incident_out_of_scope") for path, _r in answers
    ]
    assert {r.json()["incident_district_id"] for _p, r in answers} == {personas.a.district.pk}
    assert snapshot() == before


def test_the_api_commands_on_a_call_with_no_unit_of_theirs_stay_not_found(
    personas, lent, client_for
):
    # when
    response = client_for(lent.desk_b).post(
        f"/api/v1/incidents/{lent.other.pk}/close/", {"disposition": "done"}, format="json"
    )

    # then
    assert (response.status_code, response.json()["error"]) == (404, "not_found")


# --- the console ----------------------------------------------------------------------------

PAGE = "/admin/dispatch/incident"


def test_the_console_page_of_the_lent_call_reads_whose_it_is_and_has_no_command(
    personas, lent, client
):
    # given
    Officer.objects.update(language="en")
    client.force_login(lent.desk_b)

    # when
    response = client.get(f"{PAGE}/{lent.call.pk}/change/")

    # then
    assert response.status_code == 200
    html = response.content.decode()
    assert (
        "Call of another district: Аягозский район. Your unit B-PC1 was sent to it; that "
        "district&#x27;s desk runs it." in html
    )
    assert (
        "Read only: its commands are that district&#x27;s desk&#x27;s or the oblast "
        "ЦОУ&#x27;s." in html
    )
    assert "грабёж у магазина" in html  # the call's facts
    assert 'id="kuzet-timeline"' in html
    row = re.search(
        r'<tr class="kuzet-lent-assignment[^"]*" data-unit="B-PC1">(.*?)</tr>', html, re.S
    )
    assert row is not None
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row.group(1), re.S)
    assert cells == ["<strong>B-PC1</strong>", "Dispatched", "02.03.2026 13:01:00", *["—"] * 4]
    # no form posts anywhere but the language switch (and the log-out of the header)
    actions = set(re.findall(r'<form[^>]*action="([^"]*)"', html))
    assert actions <= {reverse("set_language"), reverse("admin:logout")}
    assert "kuzet-form" not in html
    assert 'id="kuzet-dispatch"' not in html
    assert "A-PC1" not in html  # A's units to send are A's desk's


def test_the_console_names_the_district_in_the_readers_language(personas, lent, client):
    # given: Ayagoz has its Kazakh name; B's desk reads Kazakh
    personas.a.district.name_kk = "Аягөз ауданы"
    personas.a.district.save(update_fields=["name_kk"])
    Officer.objects.filter(pk=lent.desk_b.pk).update(language="kk")
    client.force_login(lent.desk_b)

    # when
    response = client.get(f"{PAGE}/{lent.call.pk}/change/", HTTP_ACCEPT_LANGUAGE="kk")

    # then
    with translation.override("kk"):
        from django.utils.translation import ngettext

        line = ngettext(
            "Call of another district: %(district)s. Your unit %(units)s was sent to it; "
            "that district's desk runs it.",
            "Call of another district: %(district)s. Your units %(units)s were sent to "
            "it; that district's desk runs it.",
            1,
        ) % {"district": "Аягөз ауданы", "units": "B-PC1"}
    assert response.status_code == 200
    text = response.content.decode().replace("&#x27;", "'")
    assert line in text


def test_the_console_page_says_the_unit_was_on_it_once_taken_off(personas, lent, client):
    # given
    with clock.frozen(T0 + dt.timedelta(minutes=3)):
        assignment_cancel(assignment=lent.sent, by=lent.desk_a, reason="own unit free")
    Officer.objects.update(language="en")
    client.force_login(lent.desk_b)

    # when
    response = client.get(f"{PAGE}/{lent.call.pk}/change/")

    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert "Your unit B-PC1 was on it; that district&#x27;s desk runs it." in html


def test_the_console_keeps_a_call_with_no_unit_of_theirs_out_of_reach(personas, lent, client):
    # given
    client.force_login(lent.desk_b)

    # when
    response = client.get(f"{PAGE}/{lent.other.pk}/change/")

    # then: Django's "no such record" (a redirect home), as before
    assert response.status_code == 302
    assert lent.other.number not in client.get(response["Location"]).content.decode()


def test_reading_a_lent_dv_call_on_the_console_is_audited(personas, client):
    # given
    call = factories.incident(
        district=personas.a.district, settlement=personas.a.village,
        category="domestic_violence", priority="P1",
    )  # fmt: skip
    incident_dispatch(incident=call, unit=personas.b.patrol, by=personas.duty)
    client.force_login(personas.b.chief)

    # when
    response = client.get(f"{PAGE}/{call.pk}/change/")

    # then
    assert response.status_code == 200
    entry = AuditEntry.objects.get(action="incident.read")
    assert (entry.actor_id, entry.object_id, entry.data_dict) == (
        personas.b.chief.pk,
        str(call.pk),
        {"purpose": "admin.incident_view"},
    )


def test_every_console_command_on_the_lent_call_is_refused_for_the_units_desk(
    personas, lent, client
):
    # given
    Officer.objects.update(language="en")
    client.force_login(lent.desk_b)
    before = snapshot()
    i, a = lent.call.pk, lent.sent.pk
    posts = [
        (f"{PAGE}/{i}/dispatch/", {"unit_id": personas.b.inspector_unit.pk}),
        (f"{PAGE}/{i}/close/", {"disposition": "done"}),
        (f"{PAGE}/{i}/cancel/", {"reason": "no need"}),
        (f"{PAGE}/{i}/reopen/", {"reason": "again"}),
        (f"{PAGE}/{i}/classify/", {"category": "robbery", "priority": "P0", "reason": "a knife"}),
        (f"{PAGE}/{i}/separate/", {"reason": "another house"}),
        (f"{PAGE}/{i}/registry/", {"registry_kui": "123"}),
        *(
            (f"{PAGE}/{i}/assignments/{a}/{command}/", body)
            for command, body in [
                ("record", {"kind": "en_route", "channel": "phone"}),
                ("message", {"text": "come back"}),
                ("reassign", {"unit_id": personas.b.inspector_unit.pk}),
                ("cancel", {"reason": "back home"}),
                ("acknowledge", {"channel": "phone"}),
            ]
        ),
    ]

    # when
    answers = [(path, client.post(path, body, HTTP_X_KUZET_PANEL="1")) for path, body in posts]

    # then
    assert [(path, r.status_code, r.json()["error"]) for path, r in answers] == [
        (path, 403, "incident_out_of_scope") for path, _b in posts
    ]
    assert answers[0][1].json()["detail"] == (
        "A call of Аягозский район: your unit was sent to it, but that district's desk runs "
        "it. Ask that desk or the oblast ЦОУ."
    )
    assert snapshot() == before


def test_the_console_commands_on_a_call_with_no_unit_of_theirs_stay_not_found(
    personas, lent, client
):
    # given
    client.force_login(lent.desk_b)

    # when
    response = client.post(f"{PAGE}/{lent.other.pk}/close/", {"disposition": "done"})

    # then
    assert response.status_code == 404


def test_the_units_desk_reads_the_read_only_panel_alone(personas, lent, client):
    # given
    client.force_login(lent.desk_b)

    # when
    response = client.get(f"{PAGE}/{lent.call.pk}/panel/")

    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="kuzet-lent"' in html
    assert "<form" not in html


# --- the crew's parts of the call: the desk's messages, safety checks, follow-up visits ----

KNIFE = "У него нож, ждите второй наряд"


def _on_scene(lent: Lent, personas: Any, *, silent_min: int) -> None:
    """B-PC1 on the lent call: acknowledged, en route, on scene at T0 + 5 min (by radio, to
    the oblast ЦОУ), then silent ``silent_min`` minutes: the sweep puts a safety check up."""
    for minutes, kind in ((2, EventKind.ACK), (3, EventKind.EN_ROUTE), (5, EventKind.ON_SCENE)):
        with clock.frozen(T0 + dt.timedelta(minutes=minutes)):
            assignment_record_on_behalf(
                assignment=lent.sent, by=personas.duty, kind=kind, channel="radio"
            )
    with clock.frozen(T0 + dt.timedelta(minutes=5 + silent_min)):
        escalation_sweep()


def test_the_units_desk_reads_what_the_calls_desk_told_its_crew_and_if_it_was_read(
    personas, device_b1, lent, client_for
):
    # given: Ayagoz's desk messages B-PC1 (its crew has a phone); the phone says its officer
    # read it
    with clock.frozen(T0 + dt.timedelta(minutes=2)):
        message = assignment_message(assignment=lent.sent, by=lent.desk_a, text=KNIFE)
    device_b1.pull(None)
    device_b1.push(event("read", lent.sent, payload={"event_id": message.pk}))
    receipt = Event.objects.get(kind="read")
    url = f"/api/v1/assignments/{lent.sent.pk}/message/"

    # when
    answers = [client_for(reader).get(url) for reader in (lent.desk_b, personas.b.chief)]

    # then
    officer = personas.b.patrol_officers[0]
    for response in answers:
        assert response.status_code == 200
        (listed,) = response.json()
        assert (listed["id"], listed["text"], listed["by_sms"]) == (message.pk, KNIFE, False)
        assert dt.datetime.fromisoformat(listed["read_at"]) == receipt.estimated_at
        assert (listed["read_by"], listed["read_by_officer_id"]) == (
            officer.display_name,
            officer.pk,
        )


def test_the_units_desk_does_not_read_another_districts_crew_on_the_call(
    personas, lent, client_for
):
    # given: A's own patrol on the same call, messaged by A's desk; and a call of A with no
    # B unit on it
    own = incident_dispatch(incident=lent.call, unit=personas.a.patrol, by=lent.desk_a)
    assignment_message(assignment=own, by=lent.desk_a, text=KNIFE)
    elsewhere = incident_dispatch(
        incident=lent.other, unit=personas.a.inspector_unit, by=lent.desk_a
    )
    client = client_for(lent.desk_b)

    # when
    answers = [
        client.get(f"/api/v1/assignments/{own.pk}/message/"),
        client.get(f"/api/v1/assignments/{elsewhere.pk}/message/"),
        client.get(f"/api/v1/incidents/{lent.other.pk}/safety-checks/"),
    ]

    # then
    assert [(r.status_code, r.json()["error"]) for r in answers] == [(404, "not_found")] * 3


def test_the_units_desk_reads_the_safety_checks_on_its_crew(personas, lent, client_for):
    # given: B-PC1 silent on scene past its P1 interval (20 min); A's own patrol silent too
    own = incident_dispatch(incident=lent.call, unit=personas.a.patrol, by=lent.desk_a)
    with clock.frozen(T0 + dt.timedelta(minutes=5)):
        assignment_record_on_behalf(
            assignment=own, by=lent.desk_a, kind=EventKind.ON_SCENE, channel="radio"
        )
    _on_scene(lent, personas, silent_min=21)
    ours = SafetyCheck.objects.get(assignment=lent.sent)
    assert SafetyCheck.objects.filter(assignment=own).exists()

    # when
    mine = client_for(lent.desk_b).get(f"/api/v1/incidents/{lent.call.pk}/safety-checks/")
    theirs = client_for(lent.desk_a).get(f"/api/v1/incidents/{lent.call.pk}/safety-checks/")

    # then: B's desk reads its own crew's check, not A's crew's; A's desk reads both
    assert mine.status_code == 200
    assert mine.json() == [
        {
            "id": ours.pk,
            "assignment_id": lent.sent.pk,
            "incident_id": lent.call.pk,
            "incident_number": lent.call.number,
            "unit_id": personas.b.patrol.pk,
            "callsign": "B-PC1",
            "due_at": "2026-03-02T13:25:00+05:00",
            "fired_at": "2026-03-02T13:26:00+05:00",
            "checked_at": None,
            "checked_by": None,
            "word_kind": None,
            "answered_by": None,
        }
    ]
    assert sorted(c["callsign"] for c in theirs.json()) == ["A-PC1", "B-PC1"]


def test_answering_the_safety_check_on_its_crew_is_refused_with_whose_desk_runs_it(
    personas, lent, client_for
):
    # given
    _on_scene(lent, personas, silent_min=21)
    check = SafetyCheck.objects.get(assignment=lent.sent)
    before = snapshot()

    # when
    response = client_for(lent.desk_b).post(
        f"/api/v1/safety-checks/{check.pk}/ok/", {}, format="json"
    )

    # then
    assert (response.status_code, response.json()["error"]) == (403, "incident_out_of_scope")
    assert response.json()["incident_district_id"] == personas.a.district.pk
    assert snapshot() == before


def test_the_units_desk_reads_the_follow_up_of_a_lent_dv_call_and_may_not_record_it(
    personas, client_for
):
    # given: a DV call of A (its visit owed by A's inspector), B-PC1 sent to it
    with clock.frozen(T0):
        call, _subject = factories.dv_call(personas)
    with clock.frozen(T0 + dt.timedelta(minutes=1)):
        incident_dispatch(incident=call, unit=personas.b.patrol, by=personas.duty)
    desk_b = factories.officer(
        username="duty_abai", role=Role.DUTY_OFFICER, district=personas.b.district
    )
    task = FollowUpTask.objects.get(incident=call)
    client = client_for(desk_b)

    # when: B's desk reads the call (a DV read, audited), then tries to record the visit
    detail = client.get(f"/api/v1/incidents/{call.pk}/")
    before = snapshot()
    with clock.frozen(T0 + dt.timedelta(days=3)):
        done = client.post(
            f"/api/v1/follow-ups/{task.pk}/done/", {"note": "был у них"}, format="json"
        )

    # then
    assert detail.status_code == 200
    assert [(f["id"], f["unit_id"]) for f in detail.json()["follow_ups"]] == [
        (task.pk, personas.a.inspector_unit.pk)
    ]
    assert (done.status_code, done.json()["error"]) == (403, "incident_out_of_scope")
    assert done.json()["incident_district_id"] == personas.a.district.pk
    task.refresh_from_db()
    assert (task.done_at, task.note) == (None, "")
    assert snapshot() == before


def test_the_console_page_shows_the_crews_message_check_and_visit_read_only(
    personas, client, device_b1
):
    # given: a DV call of A, B-PC1 sent, messaged by A's desk (not read yet), silent on scene
    with clock.frozen(T0):
        call, _subject = factories.dv_call(personas)
    desk_a = factories.officer(
        username="duty_ayagoz", role=Role.DUTY_OFFICER, district=personas.a.district
    )
    with clock.frozen(T0 + dt.timedelta(minutes=1)):
        sent = incident_dispatch(incident=call, unit=personas.b.patrol, by=personas.duty)
    with clock.frozen(T0 + dt.timedelta(minutes=2)):
        assignment_message(assignment=sent, by=desk_a, text=KNIFE)
    with clock.frozen(T0 + dt.timedelta(minutes=5)):
        assignment_record_on_behalf(
            assignment=sent, by=personas.duty, kind=EventKind.ON_SCENE, channel="radio"
        )
    with clock.frozen(T0 + dt.timedelta(minutes=26)):
        escalation_sweep()
    desk_b = factories.officer(
        username="duty_abai", role=Role.DUTY_OFFICER, district=personas.b.district
    )
    Officer.objects.update(language="en")
    client.force_login(desk_b)

    # when
    html = client.get(f"{PAGE}/{call.pk}/change/").content.decode()
    panel = client.get(f"{PAGE}/{call.pk}/panel/").content.decode()

    # then: the message to the crew and that it is not read yet, on B-PC1's row
    for text in (html, panel):
        messages = re.search(
            r'<tr class="kuzet-messages" data-assignment="(\d+)">(.*?)</tr>', text, re.S
        )
        assert messages is not None
        assert int(messages.group(1)) == sent.pk
        assert f"Message to B-PC1, 02.03.2026 13:02:00:</strong> «{KNIFE}»" in messages.group(2)
        assert "not read yet" in messages.group(2)
        # the safety check, not answered
        check = re.search(
            r'<tr class="kuzet-safety-check ([^"]*)" data-unit="B-PC1">(.*?)</tr>', text, re.S
        )
        assert check is not None
        assert check.group(1) == "kuzet-unanswered"
        cells = re.findall(r"<td[^>]*>(.*?)</td>", check.group(2), re.S)
        assert cells[1:3] == ["02.03.2026 13:25:00", "02.03.2026 13:26:00"]
        assert "not answered" in cells[3]
        # the visit owed by A's inspector
        visit = re.search(r'<tr class="kuzet-follow-up">(.*?)</tr>', text, re.S)
        assert visit is not None
        assert re.findall(r"<td[^>]*>(.*?)</td>", visit.group(1), re.S)[:3] == [
            personas.a.inspector_unit.callsign,
            "05.03.2026 13:00:00",
            "—",
        ]
        # and nothing to send, answer or record with
        assert "kuzet-form" not in text
        assert 'name="text"' not in text
