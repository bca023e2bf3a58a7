"""Finished deliveries are deleted KUZET_CALLBACK_RETENTION_DAYS after they finished, hourly by
beat; one still to be sent never is, nor a report's last one (the next change is compared
with it and numbered after it)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from backend.common import clock
from backend.dispatch.services import incident_cancel, incident_dispatch
from backend.webhooks import tasks
from backend.webhooks.models import CallbackDelivery
from backend.webhooks.services import callback_configure, callbacks_prune
from tests import factories
from tests.beat import beat_entry

from .conftest import send_report

pytestmark = pytest.mark.django_db


def delivery(key: Any, incident: Any, sequence: int, state: str, finished: Any) -> int:
    row = CallbackDelivery.objects.create(
        event_id=f"msg_{incident.pk}_{sequence}",
        partner=key.partner,
        incident=incident,
        sequence=sequence,
        event_type="report.updated",
        data="{}",
        payload="{}",
        created_at=(finished or clock.now()) - dt.timedelta(minutes=5),
        state=state,
        finished_at=finished,
    )
    return row.pk


def test_old_finished_deliveries_are_deleted_and_pending_recent_and_last_ones_kept(
    personas, egov, settings
):
    # given: 30 days' retention, and two reports' deliveries
    key, _client = egov
    settings.KUZET_CALLBACK_RETENTION_DAYS = 30
    now = clock.now()
    old, recent = now - dt.timedelta(days=31), now - dt.timedelta(days=29)
    first = factories.incident(district=personas.a.district, intake_key=key)
    second = factories.incident(district=personas.a.district, intake_key=key)
    gone = [
        delivery(key, first, 1, "delivered", old),
        delivery(key, first, 2, "superseded", old),
        delivery(key, first, 3, "failed", old),
    ]
    kept = [
        delivery(key, first, 4, "delivered", recent),
        delivery(key, first, 5, "pending", None),  # still to be sent, however old the report
        delivery(key, first, 6, "sending", None),
        delivery(key, second, 1, "delivered", old - dt.timedelta(days=60)),  # its last one
    ]
    CallbackDelivery.objects.filter(pk=kept[1]).update(created_at=old - dt.timedelta(days=9))

    # when: pruned two rows at a time
    with clock.frozen(now):
        deleted = callbacks_prune(batch=2)

    # then
    assert deleted == 3
    assert not CallbackDelivery.objects.filter(pk__in=gone).exists()
    assert set(CallbackDelivery.objects.values_list("pk", flat=True)) == set(kept)
    # and again: nothing more to do
    with clock.frozen(now):
        assert callbacks_prune(batch=2) == 0


def test_a_report_called_back_after_its_old_deliveries_were_pruned_goes_on_numbering(
    personas, egov, receiver, settings, django_capture_on_commit_callbacks
):
    # given: a report with two deliveries, both finished 40 days ago, then pruned
    key, client = egov
    callback_configure(partner=key.partner, url=receiver.url)
    t0 = clock.now() - dt.timedelta(days=40)
    with clock.frozen(t0), django_capture_on_commit_callbacks(execute=True):
        incident = send_report(client, personas)
        incident_dispatch(incident=incident, unit=personas.a.patrol, by=personas.duty)
    assert [d.finished_at for d in CallbackDelivery.objects.order_by("sequence")] == [t0, t0]
    assert callbacks_prune() == 1

    # when: the report changes again
    with django_capture_on_commit_callbacks(execute=True):
        incident_cancel(incident=incident, by=personas.duty, reason="test")

    # then: the partner gets sequence 3, higher than the last it kept
    assert receiver.bodies()[-1]["sequence"] == 3


def test_a_superseded_delivery_is_finished_when_superseded(
    personas, egov, receiver, django_capture_on_commit_callbacks
):
    # given: the receipt's delivery waiting for its retry after a 500
    key, client = egov
    callback_configure(partner=key.partner, url=receiver.url)
    receiver.answers = [500, 200]
    t0 = clock.now()
    with clock.frozen(t0), django_capture_on_commit_callbacks(execute=True):
        incident = send_report(client, personas)
    t1 = t0 + dt.timedelta(seconds=10)

    # when: a unit is sent before the retry
    with clock.frozen(t1), django_capture_on_commit_callbacks(execute=True):
        incident_dispatch(incident=incident, unit=personas.a.patrol, by=personas.duty)

    # then
    rows = CallbackDelivery.objects.order_by("sequence")
    assert [(d.state, d.finished_at) for d in rows] == [("superseded", t1), ("delivered", t1)]


def test_beat_prunes_the_deliveries_hourly(personas, egov, settings):
    # when: the project's beat schedule
    entry = beat_entry(tasks.callbacks_prune)

    # then: the task is scheduled hourly, and is the one that prunes
    assert entry["schedule"] == 3600.0
    key, _client = egov
    incident = factories.incident(district=personas.a.district, intake_key=key)
    delivery(key, incident, 1, "delivered", clock.now() - dt.timedelta(days=90))
    delivery(key, incident, 2, "delivered", clock.now())
    assert tasks.callbacks_prune.delay().get() == 1
