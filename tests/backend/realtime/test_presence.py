import datetime as dt

import pytest
from django.conf import settings
from django.utils.module_loading import import_string

from backend.common import clock
from backend.ledger.models import AuditEntry
from backend.people.models import Unit
from backend.realtime.models import PresenceNotice
from backend.realtime.presence import contact_record, presence_sweep
from backend.realtime.tasks import presence_sweep as presence_sweep_task

pytestmark = pytest.mark.django_db

AT = dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.UTC)


@pytest.fixture
def quiet_units(personas, settings):
    """Every persona unit heard from just now, except the patrol of A (silent for 20 min)."""
    settings.KUZET_UNREACHABLE_MINUTES = 15
    Unit.objects.update(last_contact_at=AT, last_contact_via="pull")
    Unit.objects.filter(pk=personas.a.patrol.pk).update(
        last_contact_at=AT - dt.timedelta(minutes=20)
    )
    return personas


def presence_audits():
    return list(
        AuditEntry.objects.filter(action__startswith="unit.")
        .order_by("id")
        .values_list("action", "object_id")
    )


def test_unit_silent_too_long_is_announced_unreachable_once(
    quiet_units, django_capture_on_commit_callbacks
):
    # given
    patrol = quiet_units.a.patrol

    # when
    with clock.frozen(AT), django_capture_on_commit_callbacks() as callbacks:
        first = presence_sweep()
        second = presence_sweep()

    # then
    assert (first.became_unreachable, first.became_reachable) == ([patrol.pk], [])
    assert (second.became_unreachable, second.became_reachable) == ([], [])
    assert presence_audits() == [("unit.unreachable", str(patrol.pk))]
    assert PresenceNotice.objects.get(unit=patrol).announced_unreachable is True
    # one commit told to its listeners (the fan-out, Web Push), from the first sweep
    assert [c.func for c in callbacks] == [
        import_string(path) for path in settings.KUZET_CHANGE_LISTENERS
    ]
    assert all(c.args[0] is callbacks[0].args[0] for c in callbacks)


def test_unit_heard_from_again_is_announced_reachable_once(quiet_units):
    # given
    patrol = quiet_units.a.patrol
    with clock.frozen(AT):
        presence_sweep()
    later = AT + dt.timedelta(minutes=1)
    Unit.objects.filter(pk=patrol.pk).update(last_contact_at=later)

    # when
    with clock.frozen(later):
        back = presence_sweep()
        again = presence_sweep()

    # then
    assert (back.became_unreachable, back.became_reachable) == ([], [patrol.pk])
    assert (again.became_unreachable, again.became_reachable) == ([], [])
    assert presence_audits() == [
        ("unit.unreachable", str(patrol.pk)),
        ("unit.reachable", str(patrol.pk)),
    ]


def test_reachable_units_are_never_announced(quiet_units):
    # given
    Unit.objects.update(last_contact_at=AT)

    # when
    with clock.frozen(AT):
        result = presence_sweep()

    # then
    assert (result.became_unreachable, result.became_reachable) == ([], [])
    assert presence_audits() == []
    assert PresenceNotice.objects.count() == 0


def test_inactive_unit_is_not_announced(quiet_units):
    # given
    Unit.objects.filter(pk=quiet_units.a.patrol.pk).update(active=False)

    # when
    with clock.frozen(AT):
        result = presence_sweep()

    # then
    assert result.became_unreachable == []


def test_periodic_task_runs_the_sweep(quiet_units):
    # when
    with clock.frozen(AT):
        result = presence_sweep_task.delay().get()

    # then
    assert result == {"unreachable": [quiet_units.a.patrol.pk], "reachable": []}


def test_contact_is_written_at_most_once_a_minute(personas):
    # given
    unit = personas.a.patrol
    Unit.objects.filter(pk=unit.pk).update(last_contact_at=AT - dt.timedelta(minutes=5))

    # when
    first = contact_record(unit_id=unit.pk, via="socket", at=AT)
    soon = contact_record(unit_id=unit.pk, via="socket", at=AT + dt.timedelta(seconds=30))
    later = contact_record(unit_id=unit.pk, via="socket", at=AT + dt.timedelta(seconds=61))

    # then
    unit.refresh_from_db()
    assert (first, soon, later) == (True, False, True)
    assert unit.last_contact_at == AT + dt.timedelta(seconds=61)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_announce_a_transition_once(quiet_units):
    # given
    import threading

    from django.db import connection

    barrier = threading.Barrier(2)
    results = []

    def sweep():
        barrier.wait()
        try:
            results.append(presence_sweep())
        finally:
            connection.close()

    # when: the server clock is process-wide, so it is frozen once, around both threads
    threads = [threading.Thread(target=sweep) for _ in range(2)]
    with clock.frozen(AT):
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    # then
    announced = sorted(u for r in results for u in r.became_unreachable)
    assert announced == [quiet_units.a.patrol.pk]
    assert presence_audits() == [("unit.unreachable", str(quiet_units.a.patrol.pk))]
