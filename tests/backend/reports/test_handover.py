"""The duty desk's shift handover (``/admin/reports/handover/``): what the incoming officer
inherits in the officer's districts — calls still open with their units and escalations,
units not available and why, the desk's counts, the shift's figures — and the note the
outgoing officer writes and the incoming one receives, audited; scoped to the desk."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from backend.common import clock
from backend.common.errors import Conflict
from backend.dispatch.models import (
    EscalationStep,
    Incident,
    IncidentEscalationStep,
    SafetyCheck,
)
from backend.ledger.models import AuditEntry
from backend.people.models import Role, Unit
from backend.reports.handover import default_shift_start, recent_shift_starts
from backend.reports.models import Handover
from backend.reports.services import handover_receive, handover_write
from tests import factories

pytestmark = pytest.mark.django_db

ALMATY = ZoneInfo("Asia/Almaty")
PAGE = "admin:reports_handover"


@pytest.fixture
def desk_a(personas):
    """The outgoing duty officer of district A's desk."""
    return factories.officer(
        username="duty_ayagoz", role=Role.DUTY_OFFICER, district=personas.a.district, language="en"
    )


@pytest.fixture
def next_a(personas):
    """The incoming duty officer of district A's desk."""
    return factories.officer(
        username="duty_ayagoz2", role=Role.DUTY_OFFICER, district=personas.a.district, language="en"
    )


@pytest.fixture
def desk_b(personas):
    return factories.officer(
        username="duty_abai", role=Role.DUTY_OFFICER, district=personas.b.district, language="en"
    )


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _handovers() -> list[tuple]:
    return list(Handover.objects.order_by("pk").values_list())


def test_the_shift_handed_over_is_the_one_running_or_the_one_just_ended():
    def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
        return dt.datetime(2026, 12, day, hour, minute, tzinfo=ALMATY)

    assert default_shift_start(at(5, 19, 40)) == at(5, 8)  # just before the day shift ends
    assert default_shift_start(at(5, 20, 25)) == at(5, 8)  # the relief came late
    assert default_shift_start(at(5, 7, 50)) == at(4, 20)  # the night shift
    assert default_shift_start(at(5, 0, 30) + dt.timedelta(hours=8)) == at(4, 20)
    # the middle of the night shift: the night shift, not the day shift ended at 20:00
    assert default_shift_start(at(6, 1, 40)) == at(5, 20)
    assert default_shift_start(at(5, 22)) == at(5, 20)
    assert default_shift_start(at(5, 21, 0)) == at(5, 20)  # an hour after the end: the new one
    assert default_shift_start(at(5, 9, 30)) == at(5, 8)  # the day shift running
    # as the server's clock holds it, in UTC: 01:40 in Kazakhstan (UTC+5) is 20:40 UTC
    assert default_shift_start(dt.datetime(2026, 12, 5, 20, 40, tzinfo=dt.UTC)) == at(5, 20)
    # and the officer's one-click choices: the last day shift's start and the last night's
    assert recent_shift_starts(at(5, 12)) == [
        ("day shift (08:00–20:00)", at(5, 8)),
        ("night shift (20:00–08:00)", at(4, 20)),
    ]


def test_the_handover_lists_the_open_calls_oldest_first_with_their_units_and_escalations(
    client, personas, desk_a
):
    # given: in district A a call with two units (one acknowledged, one en route) and an
    # escalation fired, an older call nobody was sent to with its waiting rung fired, a DV
    # call, a closed call; a call of district B
    a, now = personas.a, clock.now()
    ago = lambda **kw: now - dt.timedelta(**kw)  # noqa: E731
    worked = factories.incident(
        district=a.district, settlement=a.village, received_at=ago(minutes=72), status="active"
    )
    factories.assignment(
        incident=worked,
        unit=a.patrol,
        status="acknowledged",
        dispatched_at=ago(minutes=70),
        acknowledged_at=ago(minutes=69),
    )
    late = factories.assignment(
        incident=worked,
        unit=a.inspector_unit,
        status="en_route",
        dispatched_at=ago(minutes=60),
        en_route_at=ago(minutes=50),
    )
    EscalationStep.objects.create(
        assignment=late, step="arrival_overdue", due_at=ago(minutes=10), fired_at=ago(minutes=10)
    )
    waiting = factories.incident(
        district=a.district, settlement=a.town, received_at=ago(hours=3), status="queued"
    )
    IncidentEscalationStep.objects.create(
        incident=waiting, step="waiting_overdue", due_at=ago(hours=2), fired_at=ago(hours=2)
    )
    dv = factories.incident(
        district=a.district,
        settlement=a.village,
        category="domestic_violence",
        priority="P1",
        received_at=ago(minutes=5),
        summary="муж бьёт жену",
    )
    factories.incident(
        district=a.district,
        settlement=a.village,
        status="closed",
        received_at=ago(hours=2),
        closed_at=ago(hours=1),
    )
    other = factories.incident(district=personas.b.district, settlement=personas.b.village)
    client.force_login(desk_a)
    reads_before = AuditEntry.objects.filter(action="incident.read").count()

    # when
    response = client.get(reverse(PAGE))

    # then
    assert response.status_code == 200
    calls = response.context["calls"]
    assert [c.number for c in calls] == [waiting.number, worked.number, dv.number]
    first, second, third = calls
    assert (first.place, first.priority, first.category) == ("Аягоз", "P2", "Theft")
    assert first.waiting == "3 h 00 min"
    assert first.units == []
    assert [e["step"] for e in first.escalations] == [
        "Still waiting for a unit: alert board and chief"
    ]
    assert second.units == [
        {"callsign": "A-PC1", "step": "Acknowledged", "status": "acknowledged"},
        {"callsign": "A-UI1", "step": "En route", "status": "en_route"},
    ]
    assert [e["step"] for e in second.escalations] == ["Arrival target passed (A-UI1)"]
    assert second.waiting == "1 h 12 min"
    # a domestic-violence call: as DV, without its place or what the caller said
    assert (third.category, third.place, third.dv) == (
        "Domestic violence",
        "restricted (domestic violence)",
        True,
    )
    html = response.content.decode()
    assert "муж бьёт жену" not in html
    assert other.number not in html
    assert f'href="{reverse("admin:dispatch_incident_change", args=[dv.pk])}"' in html
    # listing is not a read of the DV record (the incident list's rule); its page audits it
    assert AuditEntry.objects.filter(action="incident.read").count() == reads_before


def test_the_handover_says_which_units_are_not_available_why_and_since_when(
    client, personas, desk_a
):
    # given: in district A a patrol in SOS since 10 minutes, an inspector silent for an hour,
    # a third unit out of service, a fourth available; district B's units are not listed
    a, now = personas.a, clock.now()
    a.patrol.status, a.patrol.status_at = "sos", now - dt.timedelta(minutes=10)
    a.patrol.save(update_fields=["status", "status_at"])
    a.inspector_unit.last_contact_at = now - dt.timedelta(hours=1)
    a.inspector_unit.save(update_fields=["last_contact_at"])
    factories.unit(
        callsign="A-PC2",
        district=a.district,
        status="out_of_service",
        status_at=now - dt.timedelta(hours=5),
    )
    factories.unit(callsign="A-PC3", district=a.district)
    client.force_login(desk_a)

    # when
    units = client.get(reverse(PAGE)).context["units"]

    # then
    assert [(u["callsign"], u["why"], u["for"]) for u in units.unavailable] == [
        ("A-PC1", "SOS", "10 min"),
        ("A-UI1", "unreachable", "1 h 00 min"),
        ("A-PC2", "Out of service", "5 h 00 min"),
    ]
    assert units.unavailable[1]["detail"].startswith("no contact since ")
    assert units.available == ["A-PC3"]


def test_the_handover_counts_what_waits_for_the_desk_as_the_desk_home_does(client, desk_a, needs):
    # given: one of each in district A and in district B (needs)
    client.force_login(desk_a)

    # when
    handover = client.get(reverse(PAGE)).context["needs"]
    home = client.get(reverse("admin:index")).context["desk_needs"]

    # then: the same cards, each opening the same list, counting district A's records only
    assert handover == home
    assert {row["key"]: row["count"] for row in handover} == {
        key: len(needs[key])
        for key in (
            "calls_waiting",
            "calls_waiting_overdue",
            "overdue_assignments",
            "sos_units",
            "calls_to_close",
            "silent_devices",
        )
    }


def test_the_handover_says_what_happened_during_the_shift(client, personas, desk_a):
    # given: a shift from 08:00 on 05.12; calls of the shift and one of the night before
    a = personas.a
    start = dt.datetime(2026, 12, 5, 8, 0, tzinfo=ALMATY)
    with clock.frozen(dt.datetime(2026, 12, 5, 19, 45, tzinfo=ALMATY)):
        at = lambda h, m=0: dt.datetime(2026, 12, 5, h, m, tzinfo=ALMATY)  # noqa: E731
        night = factories.incident(
            district=a.district, settlement=a.town, received_at=at(7, 30), status="closed",
            closed_at=at(9),
        )  # fmt: skip
        factories.assignment(
            incident=night, unit=a.patrol, dispatched_at=at(7, 31), on_scene_at=at(7, 50),
            status="cleared", cleared_at=at(8, 30), closed_at=at(8, 30),
        )  # fmt: skip
        for minutes, on_scene in ((10, 12), (11, 30), (12, None)):
            call = factories.incident(
                district=a.district, settlement=a.town, received_at=at(minutes), status="active"
            )
            step = factories.assignment(
                incident=call, unit=a.inspector_unit, dispatched_at=at(minutes, 1),
                on_scene_at=at(minutes, on_scene) if on_scene else None,
                status="on_scene" if on_scene else "dispatched",
            )  # fmt: skip
        EscalationStep.objects.create(
            assignment=step, step="ack_overdue", due_at=at(12, 3), fired_at=at(12, 3)
        )
        factories.incident(district=personas.b.district, received_at=at(9))
        # and: A's patrol pressed SOS at 13:00 and was cleared since (nothing on the page said
        # so: the units in SOS are only those still in it); B's and last night's do not count
        for n, (unit, when) in enumerate(
            ((a.patrol, at(13)), (personas.b.patrol, at(13)), (a.patrol, at(7)))
        ):
            factories.event(
                id=f"evt-shift-sos-{n:04d}", incident=None, unit=unit, kind="sos", at=when
            )
        # and: the board put A's inspector before the desk twice as silent on scene, the desk
        # answered one (B's does not count)
        for n, checked in ((1, at(12, 40)), (2, None)):
            SafetyCheck.objects.create(
                assignment=step, due_at=at(12, 20 * n), fired_at=at(12, 20 * n), checked_at=checked
            )
        b_call = factories.incident(district=personas.b.district, received_at=at(9))
        SafetyCheck.objects.create(
            assignment=factories.assignment(incident=b_call, unit=personas.b.patrol),
            due_at=at(10),
            fired_at=at(10),
        )
        client.force_login(desk_a)

        # when
        response = client.get(reverse(PAGE), {"start": "2026-12-05T08:00"})

    # then: three calls received (not the night's nor B's), three sent a unit, the night's
    # call closed during the shift, one rung fired; response median of 12 and 30 min
    figures = response.context["figures"]
    assert (figures.received, figures.dispatched, figures.closed, figures.escalations) == (
        3,
        3,
        1,
        1,
    )
    assert (figures.response_n, figures.response_p50) == (2, "21 min")
    assert (figures.sos, figures.sos_units) == (1, a.patrol.callsign)
    assert "SOS pressed by officers" in _text(response.content.decode())
    assert (figures.safety, figures.safety_units, figures.safety_unanswered) == (
        2,
        a.inspector_unit.callsign,
        1,
    )
    assert "A-UI1 · 1 not answered" in _text(response.content.decode())
    assert response.context["start_value"] == start.strftime("%Y-%m-%dT%H:%M")
    # the field reads the start as the country writes it, whatever the browser's language
    assert 'name="start" value="05.12.2026 08:00"' in response.content.decode()
    assert "05.12.2026 08:00 – now (05.12.2026 19:45)" in _text(response.content.decode())


def test_a_shift_start_is_typed_as_the_country_writes_it(client, desk_a):
    client.force_login(desk_a)
    start = (clock.now() - dt.timedelta(hours=3)).astimezone(ALMATY)

    typed = client.get(reverse(PAGE), {"start": start.strftime("%d.%m.%Y %H:%M")})
    garbled = client.get(reverse(PAGE), {"start": "05/12/2026 8am"})

    assert typed.status_code == 200
    assert typed.context["start_value"] == start.strftime("%Y-%m-%dT%H:%M")
    assert garbled.status_code == 400
    assert "Write the moment as dd.mm.yyyy hh:mm." in garbled.content.decode()


def test_a_shift_start_in_the_future_or_too_far_back_is_refused(client, desk_a):
    client.force_login(desk_a)
    later = (clock.now() + dt.timedelta(hours=1)).astimezone(ALMATY)

    future = client.get(reverse(PAGE), {"start": later.strftime("%Y-%m-%dT%H:%M")})
    old = client.get(reverse(PAGE), {"start": "2020-01-01T08:00"})

    assert future.status_code == old.status_code == 400
    assert "The shift must start before now." in future.content.decode()
    assert "at most 48 hours ago" in old.content.decode()


def test_the_outgoing_officer_writes_the_note_and_the_incoming_officer_receives_it(
    client, personas, desk_a, next_a
):
    # given: the outgoing officer at the end of his shift
    client.force_login(desk_a)
    start = (clock.now() - dt.timedelta(hours=11)).astimezone(ALMATY)
    start_text = start.strftime("%Y-%m-%dT%H:%M")

    # when: he writes his note, then corrects it before anyone received it
    first = client.post(reverse(PAGE), {"start": start_text, "note": "A-PC1 молчит с 18:00"})
    client.post(reverse(PAGE), {"start": start_text, "note": "A-PC1 молчит с 18:00; звонить"})

    # then: one handover of district A's desk, waiting, audited twice as written
    assert first.status_code == 302
    handover = Handover.objects.get()
    assert (handover.district, handover.written_by, handover.note) == (
        personas.a.district,
        desk_a,
        "A-PC1 молчит с 18:00; звонить",
    )
    assert handover.acknowledged_at is None
    written = AuditEntry.objects.filter(action="handover.written").order_by("id")
    assert [(e.actor_id, e.object_type, e.district_id) for e in written] == [
        (desk_a.pk, "handover", personas.a.district.pk)
    ] * 2
    # he cannot receive his own
    refused = client.post(reverse("admin:reports_handover_detail", args=[handover.pk]))
    assert refused.status_code == 403
    assert Handover.objects.get().acknowledged_at is None

    # when: the incoming officer opens the handover page
    client.force_login(next_a)
    page = client.get(reverse(PAGE))

    # then: the note waits for him, with the button to receive it
    assert [r["note"] for r in page.context["to_receive"]] == ["A-PC1 молчит с 18:00; звонить"]
    assert page.context["to_receive"][0]["may_receive"] is True
    assert 'id="handover-receive"' in page.content.decode()

    # when: he receives it
    done = client.post(reverse("admin:reports_handover_detail", args=[handover.pk]))

    # then: received by him, audited; the next page shows it as the last handover
    assert done.status_code == 302
    handover.refresh_from_db()
    assert handover.acknowledged_by == next_a
    assert handover.acknowledged_at is not None
    received = AuditEntry.objects.get(action="handover.received")
    assert (received.actor_id, received.object_id) == (next_a.pk, str(handover.pk))
    again = client.get(reverse(PAGE))
    assert again.context["to_receive"] == []
    last = again.context["last_received"]
    assert (last["written_by"], last["received_by"]) == (desk_a.username, next_a.username)
    assert "received by duty_ayagoz2 at" in _text(again.content.decode())
    # a second receipt finds it taken, and changes nothing
    before = _handovers()
    twice = client.post(reverse("admin:reports_handover_detail", args=[handover.pk]))
    assert twice.status_code == 409
    assert _handovers() == before
    assert AuditEntry.objects.filter(action="handover.received").count() == 1
    # the list of past handovers has it
    listing = client.get(reverse("admin:reports_handovers"))
    assert [r["handover"] for r in listing.context["rows"]] == [handover]
    # and the desk home's last actions name it in words, opening it
    recent = client.get(reverse("admin:index")).context["recent"]
    assert recent[0]["action"] == "Shift handover received"
    assert recent[0]["name"].startswith("Shift handover · ")
    assert recent[0]["href"] == reverse("admin:reports_handover_detail", args=[handover.pk])


def test_an_empty_note_is_refused_and_nothing_is_written(client, desk_a):
    client.force_login(desk_a)
    audit = AuditEntry.objects.count()

    response = client.post(reverse(PAGE), {"note": "   "})

    assert response.status_code == 400
    assert "Write what the next shift needs to know." in response.content.decode()
    assert Handover.objects.count() == 0
    assert AuditEntry.objects.count() == audit


def test_another_districts_duty_officer_neither_sees_nor_receives_a_handover(
    client, personas, desk_a, desk_b
):
    # given: district A's handover
    client.force_login(desk_a)
    client.post(reverse(PAGE), {"note": "всё спокойно"})
    handover = Handover.objects.get()
    before, audit = _handovers(), AuditEntry.objects.count()

    # when: district B's duty officer tries it
    client.force_login(desk_b)
    page = client.get(reverse(PAGE))
    detail = client.get(reverse("admin:reports_handover_detail", args=[handover.pk]))
    receive = client.post(reverse("admin:reports_handover_detail", args=[handover.pk]))
    listing = client.get(reverse("admin:reports_handovers"))

    # then: not his desk's: not on his page, not found, nothing changed
    assert page.context["to_receive"] == []
    assert page.context["last_received"] is None
    assert "всё спокойно" not in page.content.decode()
    assert detail.status_code == receive.status_code == 404
    assert listing.context["rows"] == []
    assert _handovers() == before
    assert AuditEntry.objects.count() == audit


def test_the_district_chief_reads_the_handover_but_neither_writes_nor_receives_it(
    client, personas, desk_a
):
    # given: district A's handover waiting to be received
    client.force_login(desk_a)
    client.post(reverse(PAGE), {"note": "всё спокойно"})
    handover = Handover.objects.get()
    before, audit = _handovers(), AuditEntry.objects.count()

    # when: district A's chief
    client.force_login(personas.a.chief)
    page = client.get(reverse(PAGE))
    detail = client.get(reverse("admin:reports_handover_detail", args=[handover.pk]))
    printed = client.get(reverse(PAGE), {"layout": "print"})
    write = client.post(reverse(PAGE), {"note": "от начальника"})
    receive = client.post(reverse("admin:reports_handover_detail", args=[handover.pk]))

    # then: he reads it, without a button to receive or a form to write
    assert page.status_code == detail.status_code == printed.status_code == 200
    assert [r["note"] for r in page.context["to_receive"]] == ["всё спокойно"]
    assert page.context["to_receive"][0]["may_receive"] is False
    html = page.content.decode()
    assert 'id="handover-receive"' not in html
    assert 'id="handover-write"' not in html
    assert write.status_code == receive.status_code == 403
    assert _handovers() == before
    assert AuditEntry.objects.count() == audit
    # another district's chief does not
    client.force_login(personas.b.chief)
    assert (
        client.get(reverse("admin:reports_handover_detail", args=[handover.pk])).status_code == 404
    )


def test_a_patrol_officer_has_no_handover_page(client, personas):
    officer = personas.a.patrol_officers[0]
    officer.is_staff = True
    officer.save(update_fields=["is_staff"])
    client.force_login(officer)

    assert client.get(reverse(PAGE)).status_code == 403


def test_the_desk_home_opens_the_handover_and_the_print_view_is_paper(client, personas, desk_a):
    # given: a call open, a note written
    factories.incident(district=personas.a.district, settlement=personas.a.village)
    client.force_login(desk_a)
    client.post(reverse(PAGE), {"note": "проверить Актогай"})

    # when
    home = client.get(reverse("admin:index")).content.decode()
    printed = client.get(reverse(PAGE), {"layout": "print"})

    # then
    assert f'id="desk-handover" href="{reverse(PAGE)}"' in home
    html = printed.content.decode()
    assert 'href="/static/reports/print.css"' in html
    assert 'id="nav-sidebar"' not in html
    assert "проверить Актогай" in html
    assert Incident.objects.get().number in html
    assert re.search(r"Prepared in Kuzet on \d\d\.\d\d\.\d{4} \d\d:\d\d", html)


def test_an_oblast_duty_officer_hands_over_the_oblast_desk(client, personas):
    # given: the Semey ЦОУ's duty officers serve the whole oblast
    outgoing = personas.duty
    incoming = factories.officer(
        username="duty_semey2", role=Role.DUTY_OFFICER, oblast=personas.a.district.oblast
    )
    client.force_login(outgoing)

    # when
    client.post(reverse(PAGE), {"note": "по области спокойно"})
    client.force_login(incoming)
    received = client.post(
        reverse("admin:reports_handover_detail", args=[Handover.objects.get().pk])
    )

    # then: the oblast's desk, not a district's; a district chief does not see it
    handover = Handover.objects.get()
    assert received.status_code == 302
    assert (handover.oblast, handover.district, handover.acknowledged_by) == (
        personas.a.district.oblast,
        None,
        incoming,
    )
    client.force_login(personas.a.chief)
    assert (
        client.get(reverse("admin:reports_handover_detail", args=[handover.pk])).status_code == 404
    )


def test_the_handover_reads_the_same_number_of_queries_however_many_calls_are_open(
    client, personas, desk_a
):
    # given
    a = personas.a
    client.force_login(desk_a)

    def calls(n: int) -> None:
        for _ in range(n):
            call = factories.incident(district=a.district, settlement=a.village, status="assigned")
            factories.assignment(incident=call, unit=a.patrol)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse(PAGE)).status_code == 200
        return len(captured)

    calls(1)
    one = queries()

    # when
    calls(5)

    # then
    assert queries() == one


def test_a_call_cleared_by_every_unit_reads_as_waiting_to_be_closed_not_for_a_unit(
    client, personas, desk_a
):
    # given: a call every unit cleared, and a call waiting for a unit
    a = personas.a
    cleared = factories.incident(district=a.district, settlement=a.village, status="cleared")
    factories.incident(district=a.district, settlement=a.village, status="queued")
    client.force_login(desk_a)

    # when
    calls = client.get(reverse(PAGE)).context["calls"]

    # then
    assert [(c.number == cleared.number, c.cleared) for c in calls] == [
        (True, "Cleared"),
        (False, ""),
    ]
    assert [c.district for c in calls] == ["", ""]  # one district: not named on every row


def test_an_oblast_desk_reads_each_calls_district(client, personas):
    # given: the Semey ЦОУ serves both districts
    factories.incident(district=personas.a.district, settlement=personas.a.village)
    factories.incident(district=personas.b.district, settlement=personas.b.village)
    client.force_login(personas.duty)

    # when
    calls = client.get(reverse(PAGE)).context["calls"]

    # then
    assert sorted(c.district for c in calls) == ["Абайский район", "Аягозский район"]


def test_two_officers_receiving_at_once_one_gets_it_the_other_is_refused(personas, desk_a, next_a):
    # given: a handover, read by two incoming officers before either received it
    third = factories.officer(
        username="duty_ayagoz3", role=Role.DUTY_OFFICER, district=personas.a.district
    )
    handover_write(by=desk_a, shift_start=clock.now() - dt.timedelta(hours=12), note="спокойно")
    seen_by_one, seen_by_other = Handover.objects.get(), Handover.objects.get()

    # when
    handover_receive(handover=seen_by_one, by=next_a)

    # then: the second claim finds it taken (the row, not the copy it read), nothing changes
    with pytest.raises(Conflict):
        handover_receive(handover=seen_by_other, by=third)
    assert Handover.objects.get().acknowledged_by == next_a
    assert AuditEntry.objects.filter(action="handover.received").count() == 1


def test_an_officer_has_one_handover_of_his_desk_waiting_to_be_received(personas, desk_a):
    start = clock.now() - dt.timedelta(hours=12)
    Handover.objects.create(
        district=personas.a.district, shift_start=start, written_at=clock.now(),
        written_by=desk_a, note="первая",
    )  # fmt: skip

    with pytest.raises(IntegrityError), transaction.atomic():
        Handover.objects.create(
            district=personas.a.district, shift_start=start, written_at=clock.now(),
            written_by=desk_a, note="вторая",
        )  # fmt: skip


def test_the_audit_log_names_a_handover_by_what_it_is_and_when(client, personas, desk_a, next_a):
    # given: a handover written and received; the chief reads the audit log
    with clock.frozen(dt.datetime(2026, 3, 2, 14, 55, tzinfo=dt.UTC)):
        handover_write(by=desk_a, shift_start=clock.now() - dt.timedelta(hours=12), note="тихо")
    handover_receive(handover=Handover.objects.get(), by=next_a)
    chief = personas.a.chief
    chief.language = "en"
    chief.save(update_fields=["language"])
    client.force_login(chief)

    # when
    page = client.get(reverse("admin:ledger_auditentry_changelist"), {"q": ""})

    # then: both entries name it as the desk's last actions do — not by its number
    named = {
        (e.action, e.named) for e in page.context["cl"].result_list if e.object_type == "handover"
    }
    assert named == {
        ("handover.written", "Shift handover · 02.03.2026 19:55:00"),
        ("handover.received", "Shift handover · 02.03.2026 19:55:00"),
    }


def test_a_past_handover_shows_the_desk_as_it_stood_when_it_was_written(
    client, personas, desk_a, next_a
):
    """The page and the print show the desk as of now: the next day, nothing said what had
    been open and who was in SOS when the shift was handed over."""
    # given: a robbery waiting 40 minutes with nobody sent, A-PC1 in SOS since 18:10
    a = personas.a
    written = dt.datetime(2026, 3, 2, 20, 0, tzinfo=ALMATY)
    robbery = factories.incident(
        district=a.district,
        settlement=a.village,
        category="robbery",
        priority="P1",
        received_at=written - dt.timedelta(minutes=40),
    )
    Unit.objects.filter(pk=a.patrol.pk).update(
        status="sos", status_at=written - dt.timedelta(minutes=110)
    )
    client.force_login(desk_a)
    start = (written - dt.timedelta(hours=12)).strftime("%d.%m.%Y %H:%M")
    with clock.frozen(written):
        client.post(reverse(PAGE), {"start": start, "note": "Грабёж в Актогае ждёт наряд"})

    # when: the next day, the call closed and the SOS long cleared, the incoming officer reads
    Incident.objects.filter(pk=robbery.pk).update(status="closed", closed_at=clock.now())
    Unit.objects.filter(pk=a.patrol.pk).update(status="available")
    client.force_login(next_a)
    page = client.get(reverse("admin:reports_handover_detail", args=[Handover.objects.get().pk]))

    # then: the desk as handed over — the call, how long it had waited, the unit in SOS
    kept = page.context["as_written"]
    assert [(c["number"], c["place"], c["waiting"], c["units"]) for c in kept["calls"]] == [
        (robbery.number, "Актогай", "40 min", "no unit")
    ]
    assert kept["units"] == [{"callsign": "A-PC1", "why": "SOS", "for": "1 h 50 min"}]
    html = _text(page.content.decode())
    assert "as handed over, 02.03.2026 20:00" in html
