"""An officer's SOS the duty desk can act on: who and where on the board's alert, backup sent
as one P0 call per SOS (its dispatch panel ranking other units), and "officer safe" clearing
the unit's SOS — scoped, audited, told to the boards and the unit's phones."""

import datetime as dt
import json
import threading
from typing import Any

import pytest
from django.db import connections
from django.test import Client
from django.urls import reverse
from django.utils import translation

from backend.common import clock
from backend.dispatch import places, selectors, sms_texts
from backend.dispatch.admin.timeline import incident_timeline
from backend.dispatch.models import Incident
from backend.geo.models import Settlement
from backend.ledger.models import AuditEntry
from backend.people.models import Officer, Unit
from backend.realtime import alerts as board_alerts
from backend.realtime.models import BoardAlert
from backend.sync_gateway import render
from tests import factories
from tests.backend.sync_support import SyncApi, dispatch, event

pytestmark = pytest.mark.django_db


@pytest.fixture
def phone(personas, client):
    """A's patrol car's first officer, named, with an enrolled phone; the crew named too."""
    first, second = personas.a.patrol_officers
    Officer.objects.filter(pk=first.pk).update(first_name="Асхат", last_name="Нурланов")
    Officer.objects.filter(pk=second.pk).update(first_name="Ерлан", last_name="Беков")
    _device_id, token = personas.device(first)
    return SyncApi(client, token)


def press_sos(phone, **fields):
    """The officer presses SOS; answers the alert every board got."""
    (result,) = phone.push(event("sos", None, **fields))
    assert result["status"] == "accepted", result
    return BoardAlert.objects.get(kind="sos")


def signed_in(user, language="en"):
    """A staff session reading ``language`` (each officer's choice is kept on the record)."""
    user.language = language
    user.save(update_fields=["language"])
    client = Client()
    client.force_login(user)
    return client


def post(client, name, *args, key=None):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post(
        reverse(name, args=args), data="{}", content_type="application/json", **headers
    )


# --- who and where ---------------------------------------------------------------------------


def test_sos_alert_names_the_officer_the_crew_and_the_place_the_phone_sent(personas, phone):
    # given: the patrol is on a call in Актогай
    call = dispatch(
        incident=factories.incident(
            district=personas.a.district, settlement=personas.a.village, landmark="зимовка Кайнар"
        ),
        unit=personas.a.patrol,
    ).incident

    # when: SOS with a fresh fix about 3 km north-east of Аягоз
    alert = press_sos(phone, lat=47.984, lon=80.464, accuracy_m=12.0)

    # then
    data = alert.data
    assert data["officer_name"] == "Асхат Нурланов"
    assert data["crew"] == ["Асхат Нурланов", "Ерлан Беков"]
    position = data["position"]
    assert (position["source"], position["lat"], position["lon"]) == ("sent", 47.984, 80.464)
    assert position["at"] == data["estimated_at"]
    assert position["place"]["name"] == "Аягоз"
    assert position["place"]["direction"] == "NE"
    assert 2.5 < position["place"]["km"] < 3.5
    assert position["place"]["inside"] is False
    assert data["call"]["number"] == call.number
    assert (data["call"]["settlement"], data["call"]["landmark"]) == ("Актогай", "зимовка Кайнар")


def test_sos_with_an_old_fix_in_its_payload_is_placed_there_with_the_fix_time(personas, phone):
    # given: the unit last reported its position half an hour ago; the phone's last fix is
    # ten minutes old, in Актогай (the app sends it with its age)
    Unit.objects.filter(pk=personas.a.patrol.pk).update(
        position_at=clock.now() - dt.timedelta(minutes=30)
    )
    payload = {"last_lat": 46.951, "last_lon": 79.667, "last_fix_age_ms": 600_000}

    # when
    alert = press_sos(phone, payload=payload)

    # then
    position = alert.data["position"]
    assert position["source"] == "last_fix"
    assert position["at"] == alert.data["estimated_at"] - 600_000
    assert (position["place"]["name"], position["place"]["inside"]) == ("Актогай", True)
    assert alert.data["call"] is None
    unit = Unit.objects.get(pk=personas.a.patrol.pk)
    assert (unit.lat, unit.lon) != (46.951, 79.667)  # an old fix is not the unit's position now


def test_sos_is_placed_at_the_crews_fresher_report_rather_than_an_older_fix(personas, phone):
    # given: the other officer's phone reported the unit's position a minute ago
    Unit.objects.filter(pk=personas.a.patrol.pk).update(
        lat=47.97, lon=80.44, position_at=clock.now() - dt.timedelta(minutes=1)
    )
    payload = {"last_lat": 46.951, "last_lon": 79.667, "last_fix_age_ms": 600_000}

    # when
    alert = press_sos(phone, payload=payload)

    # then: the freshest position known, said to be the unit's last report
    position = alert.data["position"]
    assert (position["source"], position["lat"], position["lon"]) == ("unit", 47.97, 80.44)
    assert position["place"]["name"] == "Аягоз"


def test_sos_without_any_position_says_so(personas, phone):
    # given: the unit never reported a position
    Unit.objects.filter(pk=personas.a.patrol.pk).update(lat=None, lon=None, position_at=None)

    # when
    alert = press_sos(phone)

    # then
    assert alert.data["position"] is None
    assert alert.data["officer_name"] == "Асхат Нурланов"


def test_a_position_reported_after_the_sos_moves_the_desks_banner(personas, phone):
    # given: an SOS with no position (the officer was off duty)
    Unit.objects.filter(pk=personas.a.patrol.pk).update(lat=None, lon=None, position_at=None)
    press_sos(phone)

    # when: the phone's fix comes a few seconds later (the app asks for one on SOS)
    phone.push(event("location", None, lat=46.951, lon=79.667, accuracy_m=20.0))

    # then: the boards are told where the officer is now
    moved = BoardAlert.objects.get(kind="sos_position")
    assert moved.data["unit_id"] == personas.a.patrol.pk
    position = moved.data["position"]
    assert (position["source"], position["lat"], position["lon"]) == ("unit", 46.951, 79.667)
    assert (position["place"]["name"], position["place"]["inside"]) == ("Актогай", True)


def test_a_position_of_a_unit_not_in_sos_tells_the_boards_nothing(personas, phone):
    phone.push(event("location", None, lat=46.951, lon=79.667))

    assert not BoardAlert.objects.filter(kind="sos_position").exists()


def test_compass_point_and_place_near():
    assert selectors.compass_point(48.0, 80.0, 48.1, 80.0) == "N"
    assert selectors.compass_point(48.0, 80.0, 47.9, 79.85) == "SW"
    assert selectors.compass_point(48.0, 80.0, 48.0, 80.2) == "E"


# --- send backup -----------------------------------------------------------------------------


def test_the_backup_calls_history_names_the_sos_in_words_not_ids(personas, phone):
    # given: the backup call of an SOS
    alert = press_sos(phone, lat=47.984, lon=80.464)
    post(signed_in(personas.duty), "realtime:alert-backup", alert.pk)
    call = Incident.objects.get(category="officer_sos")

    # when: anyone opens the call's history (the walk: "SOS alert: 1438; SOS event record:
    # xkTYUs1VBsJJvxWR; Unit: 4; External reference: sos:xkTYUs1VBsJJvxWR")
    with translation.override("en"):
        details = " ".join(r.detail for r in incident_timeline(call) if r.kind == "audit")

    # then: the unit by its callsign, the SOS's event and alert not at all
    assert "A-PC1" in details
    assert alert.data["event_id"] not in details
    assert "SOS alert:" not in details
    assert "SOS event record:" not in details
    assert f"Unit: {personas.a.patrol.pk}" not in details


def test_send_backup_makes_one_p0_call_at_the_officers_place_and_opens_its_panel(personas, phone):
    # given
    alert = press_sos(phone, lat=47.984, lon=80.464)
    duty = signed_in(personas.duty)

    # when: the duty officer presses twice (two clicks, two keys), the chief once
    first = post(duty, "realtime:alert-backup", alert.pk, key="backup-1")
    again = post(duty, "realtime:alert-backup", alert.pk, key="backup-2")
    chief = post(signed_in(personas.a.chief), "realtime:alert-backup", alert.pk)

    # then: one call, the same for everyone
    assert first.status_code == 200, first.content
    call = Incident.objects.get(category="officer_sos")
    assert first.json() == {
        "sos_alert_id": alert.pk,
        "incident_id": call.pk,
        "number": call.number,
        "created": True,
        "url": reverse("admin:dispatch_incident_change", args=[call.pk]),
    }
    assert again.json()["incident_id"] == chief.json()["incident_id"] == call.pk
    assert again.json()["created"] is False
    assert Incident.objects.filter(category="officer_sos").count() == 1
    assert (call.priority, call.channel, call.status) == ("P0", "patrol", "queued")
    assert call.settlement == personas.a.town
    assert (call.lat, call.lon) == (47.984, 80.464)
    assert call.external_ref == f"sos:{alert.data['event_id']}"
    assert (call.summary, call.landmark, call.description) == (
        "Асхат Нурланов (A-PC1)",
        "47.98400, 80.46400",
        "",
    )
    audit = AuditEntry.objects.get(action="incident.sos_backup")
    assert (audit.actor_id, audit.object_id) == (personas.duty.pk, str(call.pk))
    assert audit.data_dict["sos_event_id"] == alert.data["event_id"]
    assert audit.data_dict["sos_alert_id"] == alert.pk
    assert AuditEntry.objects.filter(action="incident.created", object_id=str(call.pk)).count() == 1
    alert.refresh_from_db()
    assert (alert.data["backup_incident_id"], alert.data["backup_incident_number"]) == (
        call.pk,
        call.number,
    )
    told = BoardAlert.objects.filter(kind="sos_backup")
    assert [(t.incident_id, t.data["sos_alert_id"]) for t in told] == [(call.pk, alert.pk)]
    # the panel ranks the district's available units, never the unit in SOS
    ranked = [r.unit.pk for r in selectors.units_recommended(incident=call)]
    assert personas.a.patrol.pk not in ranked
    assert ranked == [personas.a.inspector_unit.pk]


def test_a_backup_call_in_a_village_says_its_place_and_its_officer_once(personas, phone):
    """The phone read "Семей — в н. п. Семей" and "Officer needs help: Данияр Оспанов
    (SEM-PC1) — Backup to the SOS of Данияр Оспанов (SEM-PC1), sent 13:26:13"."""
    # given: the officer presses SOS in the middle of the town
    alert = press_sos(phone, lat=personas.a.town.lat, lon=personas.a.town.lon)

    # when
    post(signed_in(personas.duty), "realtime:alert-backup", alert.pk)

    # then: the village is the call's place, not its landmark too; the officer named once
    call = Incident.objects.get(category="officer_sos")
    assert call.settlement == personas.a.town
    assert (call.summary, call.landmark, call.description) == ("Асхат Нурланов (A-PC1)", "", "")


def test_two_units_in_sos_at_one_place_get_a_backup_call_each(personas, phone, client):
    """A second backup call at the same place was linked as a repeat of the first — a
    repeat is nobody's work: the second crew in danger would have waited for nobody."""
    # given: the patrol car and the inspector press SOS a few metres apart
    patrol_sos = press_sos(phone, lat=47.984, lon=80.464)
    _device_id, token = personas.device(personas.a.inspector)
    (result,) = SyncApi(client, token).push(event("sos", None, lat=47.9841, lon=80.4641))
    assert result["status"] == "accepted", result
    inspector_sos = BoardAlert.objects.filter(kind="sos").exclude(pk=patrol_sos.pk).get()
    duty = signed_in(personas.duty)

    # when: the desk sends backup to each
    for alert in (patrol_sos, inspector_sos):
        assert post(duty, "realtime:alert-backup", alert.pk).status_code == 200

    # then: two calls, each waiting for a unit of its own
    calls = Incident.objects.filter(category="officer_sos").order_by("pk")
    assert [(c.status, c.duplicate_of_id) for c in calls] == [("queued", None), ("queued", None)]


def test_backup_near_the_districts_border_is_the_units_districts_call(personas, phone):
    """The nearest village was the next district's: the district's own chief was refused
    (out of scope) at the worst moment, and an oblast desk's call went to the other
    district's board."""
    # given: A's crew in danger 33 km from B's Архат, 69 km from its own town
    alert = press_sos(phone, lat=48.45, lon=79.85)

    # when: A's chief sends backup
    answer = post(signed_in(personas.a.chief), "realtime:alert-backup", alert.pk)

    # then: a call of A's, at A's nearest village, the crew's position kept
    assert answer.status_code == 200, answer.content
    call = Incident.objects.get(category="officer_sos")
    assert (call.district, call.settlement) == (personas.a.district, personas.a.town)
    assert (call.lat, call.lon) == (48.45, 79.85)
    assert call.landmark == "48.45000, 79.85000"


@pytest.mark.parametrize("desk", ["ru", "kk", "en"])
def test_a_backup_calls_texts_are_in_no_desks_language(personas, phone, desk):
    """The call's texts go to every reader as they are (the crews' phones share one record):
    written in the words of the duty officer who pressed "Send backup", a Kazakh crew read
    "Сотруднику нужна помощь: …, 3,1 км к северо-востоку от Аягоз"."""
    # given
    alert = press_sos(phone, lat=47.984, lon=80.464)

    # when
    post(signed_in(personas.duty, desk), "realtime:alert-backup", alert.pk, key=f"b-{desk}")

    # then: names and numbers only; the category says the rest in each reader's words
    call = Incident.objects.get(category="officer_sos")
    assert (call.summary, call.landmark, call.description) == (
        "Асхат Нурланов (A-PC1)",
        "47.98400, 80.46400",
        "",
    )


def test_backup_with_no_position_goes_to_the_district_seat_saying_so(personas, phone):
    # given
    Unit.objects.filter(pk=personas.a.patrol.pk).update(lat=None, lon=None, position_at=None)
    alert = press_sos(phone)

    # when
    response = post(signed_in(personas.duty), "realtime:alert-backup", alert.pk, key="b")

    # then
    assert response.status_code == 200, response.content
    call = Incident.objects.get(category="officer_sos")
    assert (call.settlement, call.lat, call.landmark) == (personas.a.town, None, "?")


def test_another_districts_chief_cannot_send_backup_nor_clear(personas, phone):
    # given
    alert = press_sos(phone, lat=47.984, lon=80.464)
    other = signed_in(personas.b.chief)

    # when
    backup = post(other, "realtime:alert-backup", alert.pk)
    clear = post(other, "realtime:unit-sos-clear", personas.a.patrol.pk)

    # then: as if there were none, and nothing changed
    assert (backup.status_code, backup.json()["error"]) == (404, "not_found")
    assert (clear.status_code, clear.json()["error"]) == (404, "not_found")
    assert not Incident.objects.filter(category="officer_sos").exists()
    assert Unit.objects.get(pk=personas.a.patrol.pk).status == "sos"
    assert not AuditEntry.objects.filter(action__in=["incident.sos_backup", "unit.sos_cleared"])


def test_an_officer_cannot_send_backup(personas, phone):
    alert = press_sos(phone)
    response = post(signed_in(personas.a.patrol_officers[1]), "realtime:alert-backup", alert.pk)
    assert response.status_code == 403
    assert not Incident.objects.filter(category="officer_sos").exists()


# --- officer safe ----------------------------------------------------------------------------


def test_officer_safe_returns_the_unit_to_its_call_and_acknowledges_the_sos(personas, phone):
    # given: the patrol was en route to a call when its officer pressed SOS
    assignment = dispatch(
        incident=factories.incident(district=personas.a.district, settlement=personas.a.village),
        unit=personas.a.patrol,
        status="en_route",
        en_route_at=clock.now() - dt.timedelta(minutes=5),
    )
    alert = press_sos(phone)
    assert Unit.objects.get(pk=personas.a.patrol.pk).status == "sos"
    phone.pull(None)
    duty = signed_in(personas.duty)

    # when
    response = post(duty, "realtime:unit-sos-clear", personas.a.patrol.pk, key="safe-1")
    again = post(duty, "realtime:unit-sos-clear", personas.a.patrol.pk, key="safe-2")

    # then
    assert response.status_code == 200, response.content
    assert response.json() == {
        "unit_id": personas.a.patrol.pk,
        "callsign": "A-PC1",
        "status": "en_route",
    }
    assert (again.status_code, again.json()["error"]) == (409, "not_in_sos")
    unit = Unit.objects.get(pk=personas.a.patrol.pk)
    assert unit.status == "en_route"
    audit = AuditEntry.objects.get(action="unit.sos_cleared")
    assert (audit.actor_id, audit.object_id, audit.data_dict) == (
        personas.duty.pk,
        str(unit.pk),
        {"status": "en_route", "open_assignments": [assignment.pk]},
    )
    alert.refresh_from_db()
    assert alert.acknowledged_by == personas.duty
    told = BoardAlert.objects.get(kind="sos_cleared")
    assert (told.data["unit_id"], told.data["status"]) == (unit.pk, "en_route")
    # the unit's phones get its new status by their next pull (the boards by the same touch)
    units = phone.pull()["changes"]["units"]["updated"]
    assert [(u["id"], u["status"]) for u in units] == [(str(unit.pk), "en_route")]


def test_officer_safe_without_work_makes_the_unit_available(personas, phone):
    press_sos(phone)

    response = post(signed_in(personas.a.chief), "realtime:unit-sos-clear", personas.a.patrol.pk)

    assert response.json()["status"] == "available"
    assert Unit.objects.get(pk=personas.a.patrol.pk).status == "available"


def test_the_officers_own_phone_leaves_sos_by_setting_a_status(personas, phone):
    # given
    press_sos(phone, device_time=clock.now_ms() - 60_000, elapsed_ms=40_000)

    # when: safe, the officer taps "Available" on the unit screen a minute later
    (result,) = phone.push(event("unit_status", None, payload={"status": "available"}))

    # then: the unit leaves SOS without the desk (which is then refused as too late)
    assert result["disposition"] == "applied"
    assert Unit.objects.get(pk=personas.a.patrol.pk).status == "available"
    late = post(signed_in(personas.duty), "realtime:unit-sos-clear", personas.a.patrol.pk)
    assert (late.status_code, late.json()["error"]) == (409, "not_in_sos")
    assert late.json()["message"] == "The unit is no longer in SOS: it was cleared already."


def test_board_labels_name_the_new_words():
    from backend.realtime.board import board_labels

    with translation.override("en"):
        labels = board_labels()
    assert labels["text"]["sos_backup"] == "Send backup"
    assert labels["text"]["sos_clear"] == "Officer safe — clear SOS"
    assert labels["compass"]["NE"] == "north-east"
    assert labels["alert"]["sos_cleared"] == "SOS cleared: officer safe"
    assert json.dumps(labels)  # all plain strings


# --- two duty officers at once (PostgreSQL: real threads, real row locks) --------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_desks_sending_backup_at_the_same_moment_make_one_call(personas, client):
    # given
    _device_id, token = personas.device(personas.a.patrol_officers[0])
    alert = press_sos(SyncApi(client, token), lat=47.984, lon=80.464)
    start = threading.Barrier(2)
    answers: dict[str, Any] = {}

    def backup(who: Any) -> None:
        try:
            start.wait(10)
            _alert, call, made = board_alerts.sos_backup(alert_id=alert.pk, by=who)
            answers[who.username] = (call.pk, made)
        except BaseException as exc:  # kept: the assertion below shows it
            answers[who.username] = exc
        finally:
            connections.close_all()

    # when: the oblast duty officer and the district's chief press at once
    threads = [
        threading.Thread(target=backup, args=(who,), daemon=True)
        for who in (personas.duty, personas.a.chief)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    # then: one call, which both got; one of them made it
    call = Incident.objects.get(category="officer_sos")
    assert sorted(answers.values()) == [(call.pk, False), (call.pk, True)], answers
    assert AuditEntry.objects.filter(action="incident.sos_backup").count() == 1
    assert BoardAlert.objects.filter(kind="sos_backup").count() == 1


@pytest.mark.parametrize(
    ("language", "words"),
    [
        (
            "kk",
            "P0 Qyzmetker SOS Aiagoz - soltüstik-shygysqa qarai 3,1 km (47.98400, 80.46400)"
            " Ashat Nurlanov (A-PC1)",
        ),
        (
            "ru",
            "P0 SOS sotrudnika 3,1 km k severo-vostoku ot Ayagoz (47.98400, 80.46400)"
            " Askhat Nurlanov (A-PC1)",
        ),
        (
            "en",
            "P0 Officer SOS 3.1 km north-east of Ayagoz (47.98400, 80.46400)"
            " Askhat Nurlanov (A-PC1)",
        ),
    ],
)
def test_a_backup_call_sent_from_a_russian_desk_reaches_each_crew_in_its_language(
    personas, phone, language, words
):
    # given: the duty officer who sends backup reads Russian
    alert = press_sos(phone, lat=47.984, lon=80.464)
    post(signed_in(personas.duty, "ru"), "realtime:alert-backup", alert.pk, key="b-ru")
    call = Incident.objects.get(category="officer_sos")

    # when: the call goes by SMS to an officer who reads ``language``
    text = sms_texts.dispatch_text(incident=call, assignment_id=1, language=language)

    # then: the officer's own words, none of the desk's ("Sotrudniku nuzhna pomoshch"):
    # how far and which way from the village, then the coordinates for the navigator (the
    # crew read the bare "Ayagoz, 47.98400, 80.46400"), in one GSM-7 SMS
    assert f"{call.number} {words} " in text
    assert len(text) <= 160
    assert "pomoshch" not in text.lower()


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("kk", "Аягөз — солтүстік-шығысқа қарай 3,1 км (47.98400, 80.46400)"),
        ("ru", "3,1 км к северо-востоку от Аягоз (47.98400, 80.46400)"),
        ("en", "3.1 km north-east of Аягоз (47.98400, 80.46400)"),
    ],
)
def test_a_backup_calls_page_says_how_far_and_which_way_in_the_readers_words(
    personas, phone, language, words
):
    """The call page said "Аягоз — 47.98400, 80.46400" where the banner said "3 km north-east
    of Аягоз": the page says both, in the reader's words and place names."""
    # given: a backup call sent by a Russian desk, 3 km north-east of Аягоз (Аягөз in Kazakh)
    Settlement.objects.filter(pk=personas.a.town.pk).update(name_kk="Аягөз")
    alert = press_sos(phone, lat=47.984, lon=80.464)
    post(signed_in(personas.duty, "ru"), "realtime:alert-backup", alert.pk, key="b-ru")
    call = Incident.objects.get(category="officer_sos")

    # when: a duty officer reading ``language`` opens the call
    page = signed_in(personas.duty, language).get(
        reverse("admin:dispatch_incident_change", args=[call.pk])
    )

    # then
    assert page.status_code == 200
    html = page.content.decode()
    assert f'<dd class="kuzet-place">{words} (' in html


def test_a_call_with_a_landmark_of_its_own_keeps_it_on_its_page_and_sms(personas):
    """Only a landmark that is the call's own coordinates is said in words: what a desk
    wrote stays as written."""
    # given: a call outside the village with a typed landmark
    call = factories.incident(
        district=personas.a.district,
        settlement=personas.a.town,
        lat=47.984,
        lon=80.464,
        landmark="зимовка Кайнар",
    )

    # when
    with translation.override("ru"):
        words = places.call_place_words(call)
    text = sms_texts.dispatch_text(incident=call, assignment_id=1, language="ru")

    # then
    assert words == ""
    assert " Ayagoz, zimovka Kainar " in text


def test_a_backup_call_reaches_the_crews_phones_with_no_desks_words(personas, phone):
    # given
    alert = press_sos(phone, lat=47.984, lon=80.464)
    post(signed_in(personas.duty, "ru"), "realtime:alert-backup", alert.pk, key="b-ru")
    call = Incident.objects.get(category="officer_sos")

    # when: the record every phone of the crew sent to it gets (the app names the category)
    (record,) = render.records_for("incidents", [call.pk])

    # then
    assert (record["category"], record["summary"], record["landmark"], record["description"]) == (
        "officer_sos",
        "Асхат Нурланов (A-PC1)",
        "47.98400, 80.46400",
        "",
    )
