"""Rules about rows are database constraints: the database refuses what code must never write."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from backend.dispatch.lifecycle import IncidentStatus
from backend.dispatch.models import Assignment, Category, Incident, Priority
from backend.people.models import Officer, Role, Unit
from tests import factories


def refused(write) -> bool:
    """Run ``write`` in a savepoint; True when the database refused it."""
    try:
        with transaction.atomic():
            write()
    except IntegrityError:
        return True
    return False


@pytest.mark.django_db
def test_domestic_violence_below_p1_is_refused(personas):
    # given
    incident = factories.incident(
        district=personas.a.district, category=Category.DOMESTIC_VIOLENCE, priority=Priority.P1
    )

    # when
    result = refused(lambda: Incident.objects.filter(pk=incident.pk).update(priority=Priority.P2))

    # then
    assert result
    assert Incident.objects.get(pk=incident.pk).priority == Priority.P1


@pytest.mark.django_db
def test_duplicate_without_original_is_refused(personas):
    # when
    result = refused(
        lambda: factories.incident(district=personas.a.district, status=IncidentStatus.DUPLICATE)
    )

    # then
    assert result
    assert Incident.objects.count() == 0


@pytest.mark.django_db
def test_unit_position_without_time_is_refused(personas):
    # given
    unit = personas.a.patrol

    # when
    result = refused(lambda: Unit.objects.filter(pk=unit.pk).update(position_at=None))

    # then
    assert result
    assert Unit.objects.get(pk=unit.pk).position_at is not None


@pytest.mark.django_db
def test_second_open_assignment_of_the_same_unit_to_an_incident_is_refused(personas):
    # given
    incident = factories.incident(district=personas.a.district)
    factories.assignment(incident=incident, unit=personas.a.patrol)

    # when
    result = refused(lambda: factories.assignment(incident=incident, unit=personas.a.patrol))

    # then
    assert result
    assert Assignment.objects.filter(incident=incident).count() == 1


@pytest.mark.django_db
def test_a_closed_assignment_does_not_block_a_new_one(personas):
    # given
    incident = factories.incident(district=personas.a.district)
    first = factories.assignment(incident=incident, unit=personas.a.patrol)
    Assignment.objects.filter(pk=first.pk).update(status="cleared", closed_at=first.dispatched_at)

    # when
    result = refused(lambda: factories.assignment(incident=incident, unit=personas.a.patrol))

    # then
    assert not result
    assert Assignment.objects.filter(incident=incident).count() == 2


@pytest.mark.django_db
def test_external_reference_is_unique_per_channel(personas):
    # given
    factories.incident(district=personas.a.district, channel="egov", external_ref="EG-1")

    # when
    same_channel = refused(
        lambda: factories.incident(
            district=personas.a.district, channel="egov", external_ref="EG-1"
        )
    )
    other_channel = refused(
        lambda: factories.incident(
            district=personas.a.district, channel="kaspi", external_ref="EG-1"
        )
    )

    # then
    assert (same_channel, other_channel) == (True, False)
    assert sorted(Incident.objects.values_list("channel", flat=True)) == ["egov", "kaspi"]


@pytest.mark.django_db
def test_only_officers_belong_to_units(personas):
    # given
    chief = personas.a.chief

    # when
    result = refused(lambda: Officer.objects.filter(pk=chief.pk).update(unit=personas.a.patrol))

    # then
    assert result
    assert Officer.objects.get(pk=chief.pk).unit_id is None
    assert chief.role == Role.CHIEF
