"""The console's lists of dated records a duty officer or a district chief reviews by period
filter by date on Kazakhstan's clock (UTC+5), as the incident and fired escalation lists do:
today, the past 7 days, this month (the filter), or a year, a month or one day (the dates
above the list). A record at 23:30 local on the 30th (18:30 UTC) is the 30th's, one at
00:30 local on the 1st (19:30 UTC on the 30th) the 1st's; another district's never shows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.db import models
from django.urls import reverse
from django.utils import timezone

from backend.common import clock
from backend.dispatch.models import IntakePartner, SafetyCheck
from backend.ledger import uow
from backend.ledger.models import AuditEntry
from backend.webhooks.models import CallbackDelivery

pytestmark = pytest.mark.django_db

THE_30TH = dt.date(2026, 11, 30)
THE_1ST = dt.date(2026, 12, 1)


def local(day: dt.date, hour: int, minute: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def moved(attr: str, field: str) -> Callable[[Any, dt.datetime], tuple[Any, Any]]:
    """District A's and B's record of the world, both moved to ``at``."""

    def make(world: Any, at: dt.datetime) -> tuple[Any, Any]:
        mine, theirs = getattr(world.a, attr), getattr(world.b, attr)
        for obj in (mine, theirs):
            type(obj)._default_manager.filter(pk=obj.pk).update(**{field: at})
        return mine, theirs

    return make


def audited(world: Any, at: dt.datetime) -> tuple[Any, Any]:
    # The audit log is append-only: the entries are written at that moment.
    with clock.frozen(at):
        with uow.unit_of_work():
            uow.audit("test.by_date", obj=world.a.incident)
        with uow.unit_of_work():
            uow.audit("test.by_date", obj=world.b.incident)
    mine, theirs = AuditEntry.objects.filter(action="test.by_date").order_by("id")
    return mine, theirs


def delivered(world: Any, at: dt.datetime) -> tuple[Any, None]:
    # Callback deliveries are oblast-wide (as the intake keys): no other district's to hide.
    partner = IntakePartner.objects.create(name="ЕГОВ", channel="egov", created_at=at)
    row = CallbackDelivery.objects.create(
        event_id="msg_by_date_1", partner=partner, incident=world.a.incident, sequence=1,
        event_type="report.updated", data="{}", payload="{}", created_at=at,
    )  # fmt: skip
    return row, None


def safety_checks(world: Any, at: dt.datetime) -> tuple[Any, Any]:
    def make(side: Any) -> models.Model:
        return SafetyCheck.objects.create(assignment=side.assignment, due_at=at, fired_at=at)

    return make(world.a), make(world.b)


LISTS = {
    "dispatch_safetycheck": ("fired_at", safety_checks),
    "dispatch_assignment": ("dispatched_at", moved("assignment", "dispatched_at")),
    "dispatch_conflict": ("opened_at", moved("conflict", "opened_at")),
    "dispatch_smsmessage": ("created_at", moved("sms", "created_at")),
    "dispatch_event": ("server_received_at", moved("event", "server_received_at")),
    "dispatch_followuptask": ("due_at", moved("follow_up", "due_at")),
    "sync_gateway_quarantinedrecord": ("received_at", moved("quarantined", "received_at")),
    "ledger_auditentry": ("at", audited),
    "webhooks_callbackdelivery": ("created_at", delivered),
}


def listed(response: Any) -> set[Any]:
    return {row.pk for row in response.context["cl"].result_list}


@pytest.mark.parametrize(
    ("moment", "its_day", "other_day"),
    [
        pytest.param(local(THE_30TH, 23, 30), THE_30TH, THE_1ST, id="23:30 on the 30th"),
        pytest.param(local(THE_1ST, 0, 30), THE_1ST, THE_30TH, id="00:30 on the 1st"),
    ],
)
@pytest.mark.parametrize("model", list(LISTS))
def test_a_list_offers_the_date_filter_and_its_day_is_kazakhstans(
    client, world, model, moment, its_day, other_day
):
    # given: district A's record (and B's at the same moment), read by A's chief — the
    # oblast-wide deliveries by the oblast's administrator
    field, make = LISTS[model]
    mine, theirs = make(world, moment)
    reader = world.oblast_admin if theirs is None else world.a.chief
    client.force_login(reader)
    url = reverse(f"admin:{model}_changelist")

    def day(d: dt.date) -> Any:
        query = {f"{field}__year": d.year, f"{field}__month": d.month, f"{field}__day": d.day}
        return client.get(url, query)

    # when
    on_its_day, on_the_other = day(its_day), day(other_day)

    # then: the record is its local day's only, B's on neither, and the list offers the
    # dates above it and the date filter
    assert on_its_day.status_code == on_the_other.status_code == 200
    assert mine.pk in listed(on_its_day)
    assert mine.pk not in listed(on_the_other)
    if theirs is not None:
        assert theirs.pk not in listed(on_its_day)
    page = on_its_day.content.decode()
    assert '<nav class="toplinks">' in page
    assert any(
        getattr(spec, "field_path", None) == field for spec in on_its_day.context["cl"].filter_specs
    )
