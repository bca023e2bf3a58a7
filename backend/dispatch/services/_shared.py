"""Helpers shared by the dispatch services: row locks in a fixed order, server events, unit
status, board notifications. Private to the services package.

Lock order, everywhere in dispatch: incidents, then assignments, then units, each in
primary-key order. Two services that follow it cannot deadlock each other.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections.abc import Iterable
from typing import Any, Protocol, TypeVar

from django.db import connection
from django.db.models import Model

from backend.common import clock
from backend.ledger import uow
from backend.people.models import Unit, UnitStatus

from ..models import (
    OPEN_ASSIGNMENT_STATUSES,
    Assignment,
    Disposition,
    EstimateMethod,
    Event,
    EventSource,
    Incident,
)

M = TypeVar("M", bound=Model)

# Unit statuses that come from working an assignment: when the last open assignment of
# the unit ends, the unit is available again. Other statuses (busy, out of service, SOS)
# are the officer's or the chief's and stay.
ASSIGNMENT_DRIVEN_UNIT_STATUSES = frozenset(
    {UnitStatus.DISPATCHED, UnitStatus.EN_ROUTE, UnitStatus.ON_SCENE, UnitStatus.TRANSPORTING}
)


def lock_rows(model: type[M], ids: Iterable[int], *, skip_locked: bool = False) -> dict[int, M]:
    """Lock rows by primary key in pk order; returns them by pk (missing ones are absent).

    With ``skip_locked`` (PostgreSQL) rows locked by another transaction are left out.
    """
    qs = model._default_manager.filter(pk__in=sorted(set(ids))).order_by("pk")
    if skip_locked and connection.features.has_select_for_update_skip_locked:
        qs = qs.select_for_update(skip_locked=True)
    else:
        qs = qs.select_for_update()
    return {obj.pk: obj for obj in qs}


def lock_one(model: type[M], pk: int) -> M | None:
    """Lock one row by primary key (None if there is none)."""
    try:
        return model._default_manager.select_for_update().get(pk=pk)
    except model.DoesNotExist:  # type: ignore[attr-defined]
        return None


def server_event(
    *,
    kind: str,
    incident: Incident,
    assignment: Assignment | None = None,
    unit: Unit | None = None,
    actor: Any = None,
    now: dt.datetime,
    via: str = "server",
    payload: dict[str, Any] | None = None,
) -> Event:
    """A server command recorded as a fact on the incident's timeline (PROTOCOL.md §1)."""
    payload = payload or {}
    event_id = "srv_" + uuid.uuid4().hex
    material = uow.canonical_json(
        {
            "id": event_id,
            "kind": kind,
            "incident": incident.pk,
            "assignment": assignment.pk if assignment else None,
            "unit": unit.pk if unit else None,
            "payload": payload,
            "at": clock.to_ms(now),
        }
    )
    event = Event.objects.create(
        id=event_id,
        kind=kind,
        source=EventSource.SERVER,
        via=via,
        assignment=assignment,
        incident=incident,
        unit=unit,
        officer=actor,
        payload=payload,
        content_hash=hashlib.sha256(material.encode()).hexdigest(),
        server_received_at=now,
        estimated_at=now,
        estimate_uncertainty_ms=0,
        estimate_method=EstimateMethod.SERVER,
        disposition=Disposition.APPLIED,
    )
    uow.touch("events", event.pk)
    return event


def unit_set_status(unit: Unit, status: str, *, now: dt.datetime) -> None:
    """Set a locked unit's status as a server command (touches it)."""
    if unit.status == status:
        return
    unit.status = status
    unit.status_at = now
    unit.save(update_fields=["status", "status_at"])
    uow.touch("units", unit.pk)


def unit_release_if_idle(unit: Unit, *, now: dt.datetime) -> None:
    """After an assignment ends: a locked unit with no other open assignment is available."""
    if unit.status not in ASSIGNMENT_DRIVEN_UNIT_STATUSES:
        return
    if Assignment.objects.filter(unit=unit, status__in=OPEN_ASSIGNMENT_STATUSES).exists():
        return
    unit_set_status(unit, UnitStatus.AVAILABLE, now=now)


class BoardIncident(Protocol):
    """What a board notification says of its incident: a model, or a row the sweep read."""

    @property
    def pk(self) -> int: ...
    @property
    def district_id(self) -> int: ...
    @property
    def number(self) -> str: ...
    @property
    def priority(self) -> str: ...
    @property
    def category(self) -> str: ...


def board_notify(
    kind: str, *, incident: BoardIncident, chief: bool = False, **fields: object
) -> None:
    """Tell the duty officers' board (and, with ``chief``, the district chief) after commit.

    The one shape of every board notification about an incident, from dispatch and from
    facts alike. Every field is JSON-serialisable; times are ms since epoch.
    """
    uow.notify(
        "board",
        district_id=incident.district_id,
        kind=kind,
        chief=chief,
        incident_id=incident.pk,
        incident_number=incident.number,
        priority=incident.priority,
        category=incident.category,
        at=clock.now_ms(),
        **fields,
    )


def actor_label(actor: Any) -> str | None:
    return None if actor is None else actor.get_username()
