"""Device clocks that lie: the estimate stays within its stated uncertainty of the true
time, and the suspect ones are flagged (PROTOCOL.md §6.7)."""

import datetime as dt

import pytest

from backend.common import clock
from backend.dispatch.models import Conflict, Event
from sync.client import SimulatedClock

from .conftest import dispatch, event

HOUR_MS = 3_600_000
T0 = dt.datetime(2026, 11, 20, 6, 0, tzinfo=dt.UTC)


def minutes(n: float) -> dt.timedelta:
    return dt.timedelta(minutes=n)


@pytest.fixture
def frozen_morning():
    with clock.frozen(T0):
        yield


def assert_within_uncertainty(event: Event, true_at: dt.datetime) -> None:
    error_ms = abs(clock.to_ms(event.estimated_at) - clock.to_ms(true_at))
    assert event.estimate_uncertainty_ms is not None
    assert error_ms <= event.estimate_uncertainty_ms


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("wall_offset_ms", "suspect"),
    [(0, False), (3 * HOUR_MS, True), (-3 * HOUR_MS, True), (None, True)],
    ids=["right", "plus_3h", "minus_3h", "1970"],
)
def test_offline_arrival_is_dated_by_the_monotonic_clock_whatever_the_wall_clock(
    personas, incident_a, make_device, frozen_morning, wall_offset_ms, suspect
):
    # given: dispatched, the phone syncs once, then goes offline
    assignment = dispatch(incident=incident_a, unit=personas.a.patrol, at=T0 - minutes(1))
    offset = -clock.to_ms(T0) + 86_400_000 if wall_offset_ms is None else wall_offset_ms
    phone = make_device(
        personas.a.patrol_officers[0], clock=SimulatedClock(clock.now_ms, wall_offset_ms=offset)
    )
    phone.sync()
    phone.faults.offline = True
    clock.advance(minutes(25))
    arrived_at = clock.now()
    arrival = phone.record_event("on_scene", str(assignment.pk))

    # when: back in coverage 40 minutes later
    clock.advance(minutes(40))
    phone.faults.offline = False
    phone.sync()

    # then
    stored = Event.objects.get(pk=arrival)
    assert stored.estimate_method == "anchor"
    assert_within_uncertainty(stored, arrived_at)
    assert stored.clock_suspect is suspect
    assignment.refresh_from_db()
    assert assignment.on_scene_at == stored.estimated_at
    assert Conflict.objects.count() == 0  # anchored times are good: no conflict for the chief


@pytest.mark.django_db
def test_wall_clock_changed_mid_shift_does_not_move_the_estimate(
    personas, incident_a, make_device, frozen_morning
):
    # given
    assignment = dispatch(incident=incident_a, unit=personas.a.patrol, at=T0 - minutes(1))
    device_clock = SimulatedClock(clock.now_ms)
    phone = make_device(personas.a.patrol_officers[0], clock=device_clock)
    phone.sync()
    phone.faults.offline = True
    clock.advance(minutes(5))
    acked_at = clock.now()
    ack = phone.record_event("ack", str(assignment.pk))

    # when: the officer sets the phone three hours ahead, then arrives
    device_clock.wall_offset_ms = 3 * HOUR_MS
    clock.advance(minutes(30))
    arrived_at = clock.now()
    arrival = phone.record_event("on_scene", str(assignment.pk))
    clock.advance(minutes(10))
    phone.faults.offline = False
    phone.sync()

    # then
    first, second = Event.objects.get(pk=ack), Event.objects.get(pk=arrival)
    assert_within_uncertainty(first, acked_at)
    assert_within_uncertainty(second, arrived_at)
    assert (first.clock_suspect, second.clock_suspect) == (False, True)


@pytest.mark.django_db
def test_reboot_between_event_and_sync_uses_an_anchor_of_the_old_boot(
    personas, incident_a, make_device, frozen_morning
):
    # given: an anchor of boot 1, an offline arrival on boot 1
    assignment = dispatch(incident=incident_a, unit=personas.a.patrol, at=T0 - minutes(1))
    device_clock = SimulatedClock(clock.now_ms, wall_offset_ms=-3 * HOUR_MS, boot_id="boot-one")
    phone = make_device(personas.a.patrol_officers[0], clock=device_clock)
    phone.sync()
    phone.faults.offline = True
    clock.advance(minutes(20))
    arrived_at = clock.now()
    arrival = phone.record_event("on_scene", str(assignment.pk))

    # when: the battery dies; the phone boots again and syncs on the new boot
    clock.advance(minutes(15))
    device_clock.reboot(boot_id="boot-two")
    phone.faults.offline = False
    phone.sync()

    # then
    stored = Event.objects.get(pk=arrival)
    assert stored.estimate_method == "anchor"
    assert_within_uncertainty(stored, arrived_at)
    assert stored.clock_suspect is True


@pytest.mark.django_db
def test_reboot_before_any_anchor_falls_back_to_gps_time(
    personas, incident_a, make_device, frozen_morning
):
    # given: the phone enrols, reboots (no anchor of the new boot yet), records offline with GPS
    assignment = dispatch(incident=incident_a, unit=personas.a.patrol, at=T0 - minutes(1))
    device_clock = SimulatedClock(clock.now_ms, wall_offset_ms=3 * HOUR_MS, boot_id="boot-one")
    phone = make_device(personas.a.patrol_officers[0], clock=device_clock)
    phone.faults.offline = True
    device_clock.reboot(boot_id="boot-two")
    clock.advance(minutes(12))
    arrived_at = clock.now()
    arrival = phone.record_event(
        "on_scene", str(assignment.pk), lat=46.95, lon=79.67, gps_time=clock.now_ms() - 2000
    )
    device_clock.reboot(boot_id="boot-three")

    # when
    clock.advance(minutes(30))
    phone.faults.offline = False
    phone.sync()

    # then
    stored = Event.objects.get(pk=arrival)
    assert stored.estimate_method == "gps"
    assert_within_uncertainty(stored, arrived_at)
    assert stored.clock_suspect is True


@pytest.mark.django_db
def test_unanchored_wrong_clock_is_bounded_by_dispatch_and_receipt_and_opens_a_conflict(
    personas, incident_a, make_device, frozen_morning
):
    # given: a boot never seen by the server, no GPS, a wall clock three hours ahead
    assignment = dispatch(incident=incident_a, unit=personas.a.patrol, at=T0 - minutes(1))
    device_clock = SimulatedClock(clock.now_ms, wall_offset_ms=3 * HOUR_MS, boot_id="boot-one")
    phone = make_device(personas.a.patrol_officers[0], clock=device_clock)
    phone.faults.offline = True
    device_clock.reboot(boot_id="boot-two")
    clock.advance(minutes(12))
    arrived_at = clock.now()
    arrival = phone.record_event("on_scene", str(assignment.pk))
    device_clock.reboot(boot_id="boot-three")
    device_clock.wall_offset_ms = 0

    # when
    clock.advance(minutes(30))
    phone.faults.offline = False
    phone.sync()

    # then
    stored = Event.objects.get(pk=arrival)
    assert stored.estimate_method == "device_clock"
    assert_within_uncertainty(stored, arrived_at)
    assert stored.clock_suspect is True
    assert T0 - minutes(1) <= stored.estimated_at <= clock.now()
    assert Conflict.objects.get().kind == "clock_suspect"


@pytest.mark.django_db
def test_event_older_than_the_window_is_flagged_not_taken_as_fact(personas, make_device, settings):
    # given: a phone that synced, then stayed offline; its note was written nine days ago
    settings.KUZET_TIME_PAST_DAYS = 7
    with clock.frozen(T0 - dt.timedelta(days=10)):
        phone = make_device(personas.a.patrol_officers[0], clock=SimulatedClock(clock.now_ms))
        phone.sync()
        phone.faults.offline = True
        clock.advance(dt.timedelta(days=1))
        written_at = clock.now()
        note = phone.record_event("note", None, {"text": "стадо на дороге"})

        # when: back in coverage nine days later
        clock.advance(dt.timedelta(days=9))
        phone.faults.offline = False
        phone.sync()

    # then: dated by its anchors, and flagged: a time this old is not a fact of the shift
    event = Event.objects.get(id=note)
    assert event.estimate_method == "anchor"
    assert_within_uncertainty(event, written_at)
    assert event.clock_suspect is True
    phone.close()


@pytest.mark.django_db
def test_a_phone_whose_positions_cannot_be_dated_asks_the_chief_once(device_a1, frozen_morning):
    # given: a phone whose app restarts its elapsed time under the same boot id: its events
    # say an hour into the boot while its clock header says under two minutes — their
    # anchored times lie in the future (a phone with this bug opened 644 conflicts in two
    # and a half minutes, one a position)
    def report_positions(n: int) -> list[str]:
        sent = []
        for i in range(n):
            clock.advance(dt.timedelta(seconds=30))
            sent.append(
                event(
                    "location",
                    elapsed_ms=HOUR_MS,
                    gps_time=clock.now_ms(),
                    lat=47.97 + i / 1000,
                    lon=80.44,
                )
            )
        results = device_a1.push_raw({"changes": {"events": {"created": sent}}}).json()
        assert {r["status"] for r in results["results"]} == {"accepted"}
        return [e["id"] for e in sent]

    # when: it reports six positions, then one more
    positions = report_positions(6) + report_positions(1)

    # then: every position is flagged, and the chief has one question about this phone's clock
    stored = Event.objects.filter(pk__in=positions)
    assert stored.count() == 7
    assert all(e.clock_suspect for e in stored)
    assert [(c.kind, c.state) for c in Conflict.objects.all()] == [("clock_suspect", "open")]

    # and once the chief has resolved it, a new wrong time asks again
    Conflict.objects.update(state="resolved", resolution="noted", resolved_at=clock.now())
    report_positions(1)
    assert Conflict.objects.filter(state="open").count() == 1
