"""A world for the admin tests: the same set of records in districts A and B (Abai oblast)
and C (another oblast), so that every admin path can be checked for what it shows and what
it must not leak.

``world.visible(viewer, obj)`` is the oracle: which records a viewer may see, written out
plainly per model, independent of the admin code under test.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.db import models

from backend.common import clock
from backend.devices.models import Device
from backend.dispatch.models import (
    Assignment,
    Category,
    Conflict,
    ConflictKind,
    EscalationPolicy,
    EscalationStep,
    Event,
    FollowUpTask,
    Incident,
    Priority,
    RiskSubject,
    SmsMessage,
)
from backend.geo.models import District, Oblast
from backend.ledger import uow
from backend.ledger.models import AuditEntry
from backend.people.models import Officer, Role, Unit
from backend.sync_gateway.models import QuarantinedRecord
from tests import factories


@dataclass
class Side:
    """The records of one district."""

    district: District
    chief: Officer
    officer: Officer
    unit: Unit
    incident: Incident
    dv_incident: Incident
    assignment: Assignment
    event: Event
    conflict: Conflict
    device: Device
    policy: EscalationPolicy
    step: EscalationStep
    risk_subject: RiskSubject
    follow_up: FollowUpTask
    sms: SmsMessage
    quarantined: QuarantinedRecord
    settlement: Any
    okrug: Any


@dataclass
class World:
    a: Side
    b: Side
    c: Side
    duty: Officer
    oblast_admin: Officer
    default_policy: EscalationPolicy
    users: dict[str, Officer] = field(default_factory=dict)

    def user(self, viewer: str) -> Officer:
        return self.users[viewer]

    def visible_districts(self, viewer: str) -> set[int]:
        return {
            "chief_a": {self.a.district.pk},
            "chief_b": {self.b.district.pk},
            "duty": {self.a.district.pk, self.b.district.pk},
            "oblast_admin": {self.a.district.pk, self.b.district.pk},
        }.get(viewer, set())

    def visible(self, viewer: str, obj: models.Model) -> bool:
        """May ``viewer`` see ``obj`` in the admin? The plain rules, model by model."""
        districts = self.visible_districts(viewer)
        user = self.user(viewer)
        label = f"{obj._meta.app_label}.{obj._meta.model_name}"
        if label == "geo.oblast":
            return District.objects.filter(oblast=obj, pk__in=districts).exists()
        if label == "people.officer" and obj.district_id is None:  # type: ignore[attr-defined]
            return viewer in ("duty", "oblast_admin") and obj.oblast_id == user.oblast_id  # type: ignore[attr-defined]
        if label == "dispatch.escalationpolicy" and obj.district_id is None:  # type: ignore[attr-defined]
            return True
        if label == "ledger.auditentry" and obj.district_id is None:  # type: ignore[attr-defined]
            return viewer == "oblast_admin"
        if label == "dispatch.intakekey":
            return viewer == "oblast_admin"
        return district_of(obj) in districts


def district_of(obj: Any) -> int | None:
    label = f"{obj._meta.app_label}.{obj._meta.model_name}"
    if label == "geo.district":
        return obj.pk
    if label in ("devices.device", "devices.enrolmentcode"):
        return obj.officer.district_id
    if label == "dispatch.assignment":
        return obj.incident.district_id
    if label == "dispatch.event":
        return obj.incident.district_id if obj.incident_id else obj.unit.district_id
    if label == "dispatch.escalationstep":
        return obj.assignment.incident.district_id
    if label == "dispatch.smsmessage":
        return obj.assignment.incident.district_id if obj.assignment_id else obj.officer.district_id
    return obj.district_id


def _side(
    prefix: str,
    *,
    district: District,
    okrug: Any,
    settlement: Any,
    chief: Officer,
    unit: Unit,
    officer: Officer,
    device_id: str,
) -> Side:
    now = clock.now()
    incident = factories.incident(
        district=district,
        settlement=settlement,
        summary=f"кража маркер {prefix}",
        external_ref=f"ext-{prefix}",
    )
    dv = factories.incident(
        district=district,
        settlement=settlement,
        category=Category.DOMESTIC_VIOLENCE,
        priority=Priority.P1,
        summary=f"семейное насилие маркер {prefix}",
    )
    assignment = factories.assignment(
        incident=incident, unit=unit, ack_due_at=now - dt.timedelta(minutes=1)
    )
    event = Event.objects.create(
        id=f"evt-{prefix}-000000000001",
        kind="ack",
        source="app",
        via="http",
        assignment=assignment,
        incident=incident,
        unit=unit,
        officer=officer,
        device_id=device_id,
        device_time=clock.to_ms(now),
        boot_id="boot-1",
        elapsed_ms=1000,
        content_hash="0" * 64,
        server_received_at=now,
        estimated_at=now,
        estimate_uncertainty_ms=500,
        estimate_method="anchor",
        disposition="not_assignee",
    )
    conflict = Conflict.objects.create(
        kind=ConflictKind.NOT_ASSIGNEE,
        district=district,
        incident=incident,
        assignment=assignment,
        event=event,
        unit=unit,
        opened_at=now,
        device_side={"device_time": clock.to_ms(now)},
        server_side={"command": "dispatched"},
    )
    policy = EscalationPolicy.objects.create(
        district=district, priority="P1", zone="remote", ack_within_s=100, arrive_within_s=4000
    )
    step = EscalationStep.objects.create(
        assignment=assignment, step="ack_overdue", due_at=now, fired_at=now
    )
    risk = RiskSubject.objects.create(
        kind="address",
        district=district,
        settlement=settlement,
        address=f"ул. Маркер, {prefix}",
        prior_dv_calls=2,
    )
    follow_up = FollowUpTask.objects.create(
        incident=dv, district=district, unit=unit, due_at=now + dt.timedelta(days=3)
    )
    sms = SmsMessage.objects.create(
        direction="out",
        phone=officer.phone or "+77010000000",
        body=f"ACK маркер {prefix}",
        assignment=assignment,
        officer=officer,
        purpose="dispatch",
        state="queued",
        created_at=now,
    )
    quarantined = QuarantinedRecord.objects.create(
        device_id=device_id,
        officer=officer,
        district=district,
        table="events",
        operation="created",
        record_id=f"bad-маркер-{prefix}",
        raw="{}",
        reason="invalid",
        received_at=now,
    )
    with uow.unit_of_work():
        uow.audit("test.marker", obj=incident, data={"marker": prefix})
    return Side(
        district=district,
        chief=chief,
        officer=officer,
        unit=unit,
        incident=incident,
        dv_incident=dv,
        assignment=assignment,
        event=event,
        conflict=conflict,
        device=Device.objects.get(pk=device_id),
        policy=policy,
        step=step,
        risk_subject=risk,
        follow_up=follow_up,
        sms=sms,
        quarantined=quarantined,
        settlement=settlement,
        okrug=okrug,
    )


@pytest.fixture
def world(personas: Any) -> World:
    return build_world(personas)


def build_world(personas: Any) -> World:
    sides = {}
    for prefix, p in (("a", personas.a), ("b", personas.b)):
        device_id, _ = personas.device(p.patrol_officers[0])
        sides[prefix] = _side(
            prefix,
            district=p.district,
            okrug=p.okrug,
            settlement=p.village,
            chief=p.chief,
            unit=p.patrol,
            officer=p.patrol_officers[0],
            device_id=device_id,
        )
    other = Oblast.objects.create(kato="630000000", name="Шығыс Қазақстан облысы", centre="Өскемен")
    district_c = factories.district(
        kato="633000000", name="Глубоковский район", oblast=other, seat_name="Глубокое"
    )
    okrug_c = factories.okrug(district=district_c, kato="633030000", name="Глубоковский п.а.")
    town_c = factories.settlement(
        okrug=okrug_c, kato="633030100", name="Глубокое", lat=50.14, lon=82.31
    )
    chief_c = factories.officer(username="chief_c", role=Role.CHIEF, district=district_c)
    unit_c = factories.unit(callsign="C-PC1", district=district_c, lat=50.14, lon=82.31)
    officer_c = factories.officer(
        username="officer_c1", district=district_c, unit=unit_c, phone="+77010000301"
    )
    device_c, _ = personas.device(officer_c)
    sides["c"] = _side(
        "c",
        district=district_c,
        okrug=okrug_c,
        settlement=town_c,
        chief=chief_c,
        unit=unit_c,
        officer=officer_c,
        device_id=device_c,
    )
    default = EscalationPolicy.objects.filter(district__isnull=True).first()
    if default is None:
        default = EscalationPolicy.objects.create(
            priority="P1", zone="", ack_within_s=120, arrive_within_s=2700
        )
    with uow.unit_of_work():
        uow.audit("test.oblast_level", object_type="oblast", object_id=1)
    world = World(
        a=sides["a"],
        b=sides["b"],
        c=sides["c"],
        duty=personas.duty,
        oblast_admin=personas.oblast_admin,
        default_policy=default,
    )
    world.users = {
        "chief_a": personas.a.chief,
        "chief_b": personas.b.chief,
        "duty": personas.duty,
        "oblast_admin": personas.oblast_admin,
        "officer_a": personas.a.patrol_officers[0],
        "officer_b": personas.b.patrol_officers[0],
    }
    assert Oblast.objects.count() == 2
    assert AuditEntry.objects.filter(district__isnull=True).exists()
    # The admin follows each officer's language (Russian by default); this suite reads the
    # English words. tests/backend/admin/test_languages.py reads Kazakh and Russian.
    Officer.objects.update(language="en")
    for user in world.users.values():
        user.language = "en"
    return world
