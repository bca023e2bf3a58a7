"""A silent unit's alert says where it was last heard and whether that explains the silence
(``presence.unit_silence``): a crew in a white spot is expected to be silent and its alert is
quiet; a crew silent in mobile data coverage is an alarm. Heard again, its unreachable alert is
settled ("back 18:40 after 38 min") instead of staying open beside a second one."""

import datetime as dt

import pytest

from backend.common import clock
from backend.dispatch.services import incident_dispatch
from backend.people.models import Unit
from backend.realtime.alerts import alerts_listed
from backend.realtime.models import BoardAlert
from backend.realtime.presence import presence_sweep
from tests import factories

pytestmark = pytest.mark.django_db

AT = dt.datetime(2026, 3, 1, 13, 0, tzinfo=dt.UTC)
SILENT_SINCE = AT - dt.timedelta(minutes=20)


@pytest.fixture
def silent(personas, settings):
    """Every persona unit heard from just now, except A's patrol car (1.3 km from the town
    of Аягоз, in 3G) and A's inspector (in the village of Актогай, SMS only): both silent for
    20 minutes."""
    settings.KUZET_UNREACHABLE_MINUTES = 15
    Unit.objects.update(last_contact_at=AT, last_contact_via="pull")
    Unit.objects.filter(pk__in=[personas.a.patrol.pk, personas.a.inspector_unit.pk]).update(
        last_contact_at=SILENT_SINCE
    )
    return personas


def alert_of(unit, kind="unit_unreachable"):
    return BoardAlert.objects.get(kind=kind, data__unit_id=unit.pk)


def test_silence_in_a_white_spot_is_expected_and_in_coverage_an_alarm(silent):
    # when
    with clock.frozen(AT):
        swept = presence_sweep()

    # then
    a = silent.a
    assert sorted(swept.became_unreachable) == sorted([a.patrol.pk, a.inspector_unit.pk])
    inspector = alert_of(a.inspector_unit).data
    assert inspector["silence"] == "expected"
    assert inspector["last_contact_at"] == clock.to_ms(SILENT_SINCE)
    assert inspector["last_heard_place"] == {
        "settlement_id": a.village.pk,
        "name": "Актогай",
        "name_kk": "",
        "km": 0.0,
        "direction": "N",
        "inside": True,
        "coverage": "2g_sms",
        "close": True,
    }
    assert inspector["white_spot_call"] is None
    patrol = alert_of(a.patrol).data
    assert patrol["silence"] == "alarm"
    assert patrol["last_heard_place"]["name"] == "Аягоз"
    assert patrol["last_heard_place"]["coverage"] == "3g"
    assert patrol["last_heard_place"]["inside"] is False
    assert patrol["white_spot_call"] is None


def test_silence_on_the_way_to_a_call_in_a_white_spot_is_expected(silent):
    # given: A's patrol car, still by the town, sent to a call in Актогай (SMS only)
    a = silent.a
    with clock.frozen(SILENT_SINCE):
        call = factories.incident(
            district=a.district, settlement=a.village, priority="P2", received_at=clock.now()
        )
        incident_dispatch(incident=call, unit=a.patrol, by=silent.duty)
    Unit.objects.filter(pk=a.patrol.pk).update(last_contact_at=SILENT_SINCE)

    # when
    with clock.frozen(AT):
        presence_sweep()

    # then
    patrol = alert_of(a.patrol).data
    assert patrol["silence"] == "expected"
    assert patrol["last_heard_place"]["coverage"] == "3g"
    assert patrol["white_spot_call"] == {
        "incident_id": call.pk,
        "incident_number": call.number,
        "status": "dispatched",
        "name": "Актогай",
        "name_kk": "",
        "coverage": "2g_sms",
    }


def test_silence_far_from_every_village_is_an_alarm_though_the_nearest_is_a_white_spot(silent):
    # given: the inspector last heard 0.5° (about 55 km) south of Актогай, in open steppe
    a = silent.a
    Unit.objects.filter(pk=a.inspector_unit.pk).update(lat=a.village.lat - 0.5)

    # when
    with clock.frozen(AT):
        presence_sweep()

    # then
    inspector = alert_of(a.inspector_unit).data
    assert inspector["silence"] == "alarm"
    assert inspector["last_heard_place"]["name"] == "Актогай"
    assert inspector["last_heard_place"]["close"] is False


def test_silence_with_no_known_position_is_an_alarm(silent):
    # given
    a = silent.a
    Unit.objects.filter(pk=a.patrol.pk).update(lat=None, lon=None, position_at=None)

    # when
    with clock.frozen(AT):
        presence_sweep()

    # then
    patrol = alert_of(a.patrol).data
    assert (patrol["silence"], patrol["last_heard_place"]) == ("alarm", None)


def test_unit_heard_again_settles_its_unreachable_alert(silent):
    # given: both silent and announced; the inspector's phone syncs 38 minutes after it was
    # last heard
    a = silent.a
    with clock.frozen(AT):
        presence_sweep()
    back = SILENT_SINCE + dt.timedelta(minutes=38)
    Unit.objects.filter(pk=a.inspector_unit.pk).update(last_contact_at=back)

    # when
    with clock.frozen(back + dt.timedelta(seconds=20)):
        swept = presence_sweep()
        listed = alerts_listed(silent.duty)

    # then: its unreachable alert is settled at the contact, and the "reachable again" alert
    # names it; the patrol car's, still silent, stays open
    assert swept.became_reachable == [a.inspector_unit.pk]
    settled = alert_of(a.inspector_unit)
    assert settled.acknowledged_at == back
    assert settled.acknowledged_by is None
    assert settled.data["back_at"] == clock.to_ms(back)
    again = alert_of(a.inspector_unit, "unit_reachable").data
    pairing = ("unreachable_alert_id", "silent_since", "back_at", "silence")
    assert {k: again[k] for k in pairing} == {
        "unreachable_alert_id": settled.pk,
        "silent_since": clock.to_ms(SILENT_SINCE),
        "back_at": clock.to_ms(back),
        "silence": "expected",
    }
    assert alert_of(a.patrol).acknowledged_at is None
    # the board's initial load: the settled pair is read, the open alarm is not
    frames = {(f["kind"], f["unit_id"]): f for f in listed["alerts"]}
    assert frames[("unit_unreachable", a.inspector_unit.pk)]["read"] is True
    assert frames[("unit_unreachable", a.inspector_unit.pk)]["back_at"] == clock.to_ms(back)
    assert frames[("unit_reachable", a.inspector_unit.pk)]["read"] is True
    assert frames[("unit_unreachable", a.patrol.pk)]["read"] is False
    assert frames[("unit_unreachable", a.patrol.pk)]["silence"] == "alarm"


def test_a_second_silence_is_settled_on_its_own(silent):
    # given: the inspector silent, back, then silent again and back again
    a = silent.a
    with clock.frozen(AT):
        presence_sweep()
    first_back = AT + dt.timedelta(minutes=1)
    Unit.objects.filter(pk=a.inspector_unit.pk).update(last_contact_at=first_back)
    with clock.frozen(first_back):
        presence_sweep()
    second_silent = first_back + dt.timedelta(minutes=20)
    with clock.frozen(second_silent):
        presence_sweep()
    second_back = second_silent + dt.timedelta(minutes=5)
    Unit.objects.filter(pk=a.inspector_unit.pk).update(last_contact_at=second_back)

    # when
    with clock.frozen(second_back):
        presence_sweep()

    # then: each "reachable again" names its own silence
    silences = list(
        BoardAlert.objects.filter(kind="unit_unreachable", data__unit_id=a.inspector_unit.pk)
        .order_by("pk")
        .values_list("pk", "acknowledged_at")
    )
    agains = list(
        BoardAlert.objects.filter(kind="unit_reachable", data__unit_id=a.inspector_unit.pk)
        .order_by("pk")
        .values_list("data__unreachable_alert_id", flat=True)
    )
    assert silences == [(silences[0][0], first_back), (silences[1][0], second_back)]
    assert agains == [silences[0][0], silences[1][0]]
