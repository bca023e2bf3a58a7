"""Small builders for test data. Personas in conftest.py are made from these."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
from typing import Any

from backend.common import clock
from backend.devices.services import device_enroll, enrolment_code_issue
from backend.dispatch.models import Assignment, Channel, Event, Incident, Priority, RiskSubject
from backend.dispatch.services import IncidentInput, incident_create
from backend.geo.models import District, Oblast, Okrug, Settlement, Zone
from backend.people.models import Officer, Role, Unit, UnitType

_counter = itertools.count(1)


def n() -> int:
    return next(_counter)


def oblast(**kw: Any) -> Oblast:
    defaults = {
        "kato": "100000000",
        "name": "Абайская область",
        "name_kk": "Абай облысы",
        "centre": "Семей",
    }
    kato = kw.pop("kato", defaults.pop("kato"))
    obj, _ = Oblast.objects.get_or_create(kato=kato, defaults={**defaults, **kw})
    return obj


def district(*, kato: str, name: str, seat_name: str = "", **kw: Any) -> District:
    return District.objects.create(
        oblast=kw.pop("oblast", None) or oblast(),
        kato=kato,
        name=name,
        seat_name=seat_name or name,
        **kw,
    )


def okrug(*, district: District, kato: str, name: str, **kw: Any) -> Okrug:
    return Okrug.objects.create(district=district, kato=kato, name=name, **kw)


def settlement(
    *, okrug: Okrug, kato: str, name: str, lat: float, lon: float, zone: str = Zone.RURAL, **kw: Any
) -> Settlement:
    return Settlement.objects.create(
        okrug=okrug,
        district=okrug.district,
        kato=kato,
        name=name,
        lat=lat,
        lon=lon,
        zone=zone,
        **kw,
    )


def officer(
    *,
    username: str,
    role: str = Role.OFFICER,
    district: District | None = None,
    unit: Unit | None = None,
    **kw: Any,
) -> Officer:
    staff = role in (Role.CHIEF, Role.DUTY_OFFICER, Role.OBLAST_ADMIN)
    user = Officer.objects.create_user(
        username=username,
        password=kw.pop("password", "pw-" + username),
        role=role,
        district=district,
        unit=unit,
        is_staff=staff,
        **kw,
    )
    return user


def unit(
    *,
    callsign: str,
    district: District,
    type: str = UnitType.PATROL_CAR,
    lat: float | None = None,
    lon: float | None = None,
    position_at: dt.datetime | None = None,
    **kw: Any,
) -> Unit:
    if lat is not None and position_at is None:
        position_at = clock.now()
    return Unit.objects.create(
        callsign=callsign,
        district=district,
        type=type,
        lat=lat,
        lon=lon,
        position_at=position_at,
        last_contact_at=kw.pop("last_contact_at", clock.now()),
        **kw,
    )


def device_for(officer: Officer, install_id: str | None = None) -> tuple[str, str]:
    """Enrol a device for ``officer``; returns (device_id, token)."""
    code = enrolment_code_issue(officer=officer)
    enrolment = device_enroll(
        code=code,
        device_info={
            "platform": "android",
            "model": "test",
            "app_version": "1.0.0",
            "install_id": install_id or f"install-{officer.username}-{n()}",
        },
    )
    return enrolment.device.pk, enrolment.token


def incident(
    *,
    district: District,
    settlement: Settlement | None = None,
    category: str = "theft",
    priority: str = Priority.P2,
    channel: str = Channel.PHONE_102,
    **kw: Any,
) -> Incident:
    now = clock.now()
    lat = kw.pop("lat", settlement.lat if settlement else None)
    lon = kw.pop("lon", settlement.lon if settlement else None)
    if kw.get("intake_key") is not None:
        kw.setdefault("intake_partner_id", kw["intake_key"].partner_id)  # the key's partner's
    obj = Incident.objects.create(
        channel=channel,
        category=category,
        priority=priority,
        district=district,
        settlement=settlement,
        lat=lat,
        lon=lon,
        summary=kw.pop("summary", f"test incident {n()}"),
        received_at=kw.pop("received_at", now),
        created_at=now,
        **kw,
    )
    obj.assign_number()
    return obj


def assignment(*, incident: Incident, unit: Unit, **kw: Any) -> Assignment:
    return Assignment.objects.create(
        incident=incident,
        unit=unit,
        dispatched_at=kw.pop("dispatched_at", clock.now()),
        dispatch_source=kw.pop("dispatch_source", "duty_officer"),
        **kw,
    )


def event(
    *,
    id: str,
    incident: Incident,
    unit: Unit | None,
    kind: str = "ack",
    disposition: str = "applied",
    at: dt.datetime | None = None,
    **kw: Any,
) -> Event:
    """A fact a phone sent, as the server stored it (received and dated at ``at``)."""
    at = at or clock.now()
    return Event.objects.create(
        id=id,
        kind=kind,
        source=kw.pop("source", "device"),
        incident=incident,
        unit=unit,
        content_hash=hashlib.sha256(id.encode()).hexdigest(),
        server_received_at=at,
        estimated_at=at,
        estimate_method="server",
        disposition=disposition,
        **kw,
    )


def dv_call(personas: Any, *, district: str = "a") -> tuple[Incident, RiskSubject]:
    """A DV call from a village with a registered risk address (a prior call there)."""
    side = getattr(personas, district)
    subject = RiskSubject.objects.create(
        kind=RiskSubject.Kind.ADDRESS,
        district=side.district,
        settlement=side.village,
        address="ул. Абая, 12",
        prior_dv_calls=1,
    )
    incident = incident_create(
        by=personas.duty,
        data=IncidentInput(
            category="domestic_violence",
            received_at=clock.now(),
            settlement_id=side.village.pk,
            landmark="ул. Абая, 12",
        ),
    )
    return incident, subject
