"""What a command leaves behind besides its rows: a fact on the incident's timeline (a server
event, PROTOCOL.md §1) and a notification to the live boards after commit."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any, Protocol

from backend.common import clock
from backend.ledger import uow
from backend.ledger.names import SyncTable, Topic
from backend.people.models import Unit

from ..models import Assignment, Disposition, EstimateMethod, Event, EventSource, Incident


def server_event_id() -> str:
    """A fresh id for a fact the server states (never collides with a device's 16–64 char
    ids in practice: 128 random bits)."""
    return "srv_" + secrets.token_hex(16)


def content_hash(material: dict[str, Any]) -> str:
    """SHA-256 of a fact's canonical JSON: what ``id_reused`` compares for device events,
    and what the audit chain records for the server's."""
    return hashlib.sha256(uow.canonical_json(material).encode()).hexdigest()


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
    event_id = server_event_id()
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
        content_hash=content_hash(
            {
                "id": event_id,
                "kind": kind,
                "incident": incident.pk,
                "assignment": assignment.pk if assignment else None,
                "unit": unit.pk if unit else None,
                "payload": payload,
                "at": clock.to_ms(now),
            }
        ),
        server_received_at=now,
        estimated_at=now,
        estimate_uncertainty_ms=0,
        estimate_method=EstimateMethod.SERVER,
        disposition=Disposition.APPLIED,
    )
    uow.touch(SyncTable.EVENTS, event.pk)
    return event


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

    The one shape of every board notification about an incident, from commands and from
    facts alike. Every field is JSON-serialisable; times are ms since epoch.
    """
    uow.notify(
        Topic.BOARD,
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


def unit_board_notify(kind: str, *, unit: Unit, chief: bool = True, **fields: object) -> None:
    """Tell the boards of the unit's district (and, with ``chief``, its chief) after commit:
    the one shape of every board notification about a unit — its SOS, where it is while in
    SOS, the SOS cleared, gone silent or heard again."""
    uow.notify(
        Topic.BOARD,
        district_id=unit.district_id,
        kind=kind,
        chief=chief,
        unit_id=unit.pk,
        callsign=unit.callsign,
        at=clock.now_ms(),
        **fields,
    )


def actor_label(actor: Any) -> str | None:
    """Who acted, as the board's alerts name them: their name, else their login."""
    return None if actor is None else str(actor.display_name)
