"""`manage.py seed`: Abai oblast, demo staff and units; idempotent; every synced record touched."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.apps import apps
from django.core.management import call_command

from backend.devices.models import Device
from backend.dispatch.models import Assignment, Conflict, Event, Incident
from backend.geo.models import District, Okrug, Settlement
from backend.geo.seeding import estimate_position, read_rows, zone_for
from backend.geo.travel import ROAD_FACTOR, haversine_km
from backend.ledger import uow
from backend.ledger.models import AuditEntry, Change
from backend.people.models import Mobility, Officer, Role, Unit, UnitType
from backend.people.seeding import DEMO_PASSWORD

TOUCHED: dict[str, set[str]] = {}


def recording_resolver(touched: dict[str, set[str]]) -> list[uow.ChangeRow]:
    """A change resolver that remembers what was touched and gives everyone everything."""
    for table, ids in touched.items():
        TOUCHED.setdefault(table, set()).update(ids)
    return [
        uow.ChangeRow("*", table, i) for table, ids in sorted(touched.items()) for i in sorted(ids)
    ]


@pytest.fixture
def recorded(settings: Any) -> dict[str, set[str]]:
    settings.KUZET_CHANGE_RESOLVER = "tests.backend.seed.test_seed.recording_resolver"
    TOUCHED.clear()
    return TOUCHED


def row_counts() -> dict[str, int]:
    labels = ["geo", "people", "devices", "dispatch", "ledger", "sync_gateway"]
    return {
        model._meta.label: model._default_manager.count()
        for label in labels
        for model in apps.get_app_config(label).get_models()
    }


def seed(*args: str) -> str:
    out = io.StringIO()
    call_command("seed", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_seeding_twice_changes_nothing(recorded):
    # given
    first = seed("--demo")
    before = row_counts()

    # when
    second = seed("--demo")

    # then
    assert row_counts() == before
    assert second == "Abai oblast already seeded: nothing to do.\n"
    assert first.startswith("Seeded Abai oblast in ")
    assert list(AuditEntry.objects.values_list("action", flat=True)) == ["seed.loaded"]
    assert before["ledger.Change"] == Change.objects.count() > 0
    assert uow.verify_chain() == []


@pytest.mark.django_db
def test_seed_loads_all_of_abai_oblast():
    # when
    seed("--no-demo")

    # then
    rows = read_rows()
    assert District.objects.count() == len({r.district_kato for r in rows}) == 10
    assert Okrug.objects.count() == Settlement.objects.count() == len(rows) == 140
    assert set(District.objects.filter(kind="city").values_list("name", flat=True)) == {
        "город Семей",
        "город Курчатов",
    }
    assert District.objects.filter(seat__isnull=True).count() == 0
    assert Settlement.objects.filter(lat__isnull=True).count() == 0
    with_source = {r.centre_kato for r in rows if r.lat is not None and not r.coords_estimated}
    estimated = set(Settlement.objects.filter(coords_estimated=True).values_list("kato", flat=True))
    assert estimated == {r.centre_kato for r in rows} - with_source
    aksuat = Settlement.objects.get(kato="103430100")
    assert (aksuat.name, aksuat.coords_estimated, aksuat.road_km_to_seat) == ("Аксуат", True, 0.0)


@pytest.mark.django_db
def test_settlements_have_road_distance_zone_and_white_spots():
    # when
    seed("--no-demo")

    # then
    for s in Settlement.objects.select_related("district__seat"):
        seat = s.district.seat
        is_seat = seat.pk == s.pk
        expected_km = (
            0.0 if is_seat else ROAD_FACTOR * haversine_km(seat.lat, seat.lon, s.lat, s.lon)
        )
        assert s.road_km_to_seat == pytest.approx(expected_km, abs=0.1), s.name
        assert s.zone == zone_for(is_seat=is_seat, kind=s.kind, road_km_to_seat=s.road_km_to_seat)
    zones = set(Settlement.objects.values_list("zone", flat=True))
    coverage = set(Settlement.objects.values_list("coverage", flat=True))
    assert zones == {"urban", "suburban", "rural", "remote"}
    assert coverage == {"lte", "3g", "2g_sms", "none"}
    assert Settlement.objects.get(kato="101010000").zone == "urban"


def test_estimated_positions_are_deterministic_and_within_reach():
    # when
    first = estimate_position("103233100", (48.94509, 79.25502), 80.0)
    again = estimate_position("103233100", (48.94509, 79.25502), 80.0)

    # then
    assert first == again
    assert 16.0 <= haversine_km(48.94509, 79.25502, *first) <= 80.0


@pytest.mark.django_db
def test_seed_without_kuzet_demo_creates_no_demo_users_unless_asked(settings):
    # given: DEBUG on a real database is no request for published passwords
    settings.DEBUG = True
    settings.KUZET_DEMO = False

    # when
    output = seed()

    # then
    assert Officer.objects.count() == 0
    assert Incident.objects.count() == 0
    assert "Demo staff skipped" in output

    # when
    seed("--demo")

    # then
    assert Officer.objects.filter(role=Role.CHIEF).count() == 4
    assert list(AuditEntry.objects.values_list("action", flat=True)) == [
        "seed.loaded",
        "seed.loaded",
    ]


@pytest.mark.django_db
def test_seed_with_kuzet_demo_creates_the_demo_staff(settings):
    # given
    settings.KUZET_DEMO = True

    # when
    seed()

    # then
    assert Officer.objects.filter(role=Role.CHIEF).count() == 4
    assert Unit.objects.count() == 27


@pytest.mark.django_db
def test_demo_staff_cover_four_districts_and_the_semey_duty_room():
    # when
    seed("--demo")

    # then
    chiefs = Officer.objects.filter(role=Role.CHIEF).select_related("district")
    assert sorted(c.district.name for c in chiefs) == [
        "Абайский район",
        "Аягозский район",
        "Жарминский район",
        "город Семей",
    ]
    duty = Officer.objects.filter(role=Role.DUTY_OFFICER)
    assert duty.count() == 3
    assert {(d.district_id, d.oblast.kato) for d in duty} == {(None, "100000000")}
    assert Officer.objects.filter(role=Role.OBLAST_ADMIN, oblast__kato="100000000").count() == 1
    for district in District.objects.filter(officers__role=Role.CHIEF):
        units = Unit.objects.filter(district=district)
        assert {u.type for u in units} == {
            UnitType.PATROL_CAR,
            UnitType.DISTRICT_INSPECTOR,
            UnitType.DV_INSPECTOR,
        }
        for unit in units:
            crew = 2 if unit.type == UnitType.PATROL_CAR else 1
            assert unit.members.count() == crew, unit.callsign
    assert Unit.objects.filter(mobility=Mobility.HORSE).count() >= 3
    officers = Officer.objects.filter(role=Role.OFFICER)
    assert not any(o.has_usable_password() for o in officers)
    assert not any(o.is_staff for o in officers)
    assert all(o.phone.startswith("+77") for o in Officer.objects.all())
    staff = Officer.objects.exclude(role=Role.OFFICER)
    assert len({o.password for o in staff}) == 1
    assert staff.first().check_password(DEMO_PASSWORD)


@pytest.mark.django_db
def test_seed_makes_no_calls_and_leaves_units_waiting_for_their_phones():
    """Calls are made by the simulator through the real interfaces (tests/backend/simulator);
    the seed is territory, people and units only."""
    # when
    seed("--demo")

    # then
    assert Incident.objects.count() == Assignment.objects.count() == Event.objects.count() == 0
    assert Conflict.objects.count() == 0
    assert Device.objects.count() == 0  # phones enrol with one-time codes
    assert set(Unit.objects.values_list("status", flat=True)) == {"available"}
    assert Unit.objects.filter(position_at__isnull=False).count() == 0


@pytest.mark.django_db
def test_seed_touches_every_synced_record(recorded):
    # when
    seed("--demo")

    # then
    def ids(model: Any) -> set[str]:
        return {str(pk) for pk in model.objects.values_list("pk", flat=True)}

    assert recorded == {"settlements": ids(Settlement), "units": ids(Unit)}


@pytest.mark.django_db
def test_demo_logins_prints_the_admin_url_and_the_staff():
    # given
    seed("--demo")
    out = io.StringIO()

    # when
    call_command("demo_logins", "--port", "8123", stdout=out)

    # then
    lines = out.getvalue().splitlines()
    assert lines[0] == "Kuzet admin: http://127.0.0.1:8123/admin/"
    assert lines[1] == (
        "Live board:  http://127.0.0.1:8123/board/   API docs: http://127.0.0.1:8123/api/docs/"
    )
    assert lines[2] == (
        "Field app:   http://127.0.0.1:8123/app/   (officers' phones; docs/field-app.md)"
    )
    assert lines[3] == f"Demo logins (password for all: {DEMO_PASSWORD}):"
    assert [line.split()[0] for line in lines[4:-1]] == [
        "admin_abai", "duty_semey1", "duty_semey2", "duty_semey3",
        "chief_semey", "chief_ayagoz", "chief_abai", "chief_zharma",
    ]  # fmt: skip
    assert "Аягозский район" in lines[9]
    assert lines[-1].startswith("A field device: `manage.py enrolment_code <officer username>`")


@pytest.mark.django_db
def test_demo_logins_without_demo_staff_says_how_to_get_them():
    # given
    seed("--no-demo")
    out = io.StringIO()

    # when
    call_command("demo_logins", stdout=out)

    # then
    assert out.getvalue().splitlines() == [
        "Kuzet admin: http://127.0.0.1:8000/admin/",
        "Live board:  http://127.0.0.1:8000/board/   API docs: http://127.0.0.1:8000/api/docs/",
        "Field app:   http://127.0.0.1:8000/app/   (officers' phones; docs/field-app.md)",
        "No demo logins: the database was seeded without demo staff "
        "(run `manage.py seed --demo` to add them).",
    ]
