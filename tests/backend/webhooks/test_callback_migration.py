"""Callbacks set per key before they were the partner's (webhooks 0003–0005): each partner keeps
the one set last on any of its keys — the one that was in effect — and every old delivery is
its key's partner's, still listed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from backend.common import clock
from backend.dispatch.services import intake_key_issue, intake_key_revoke
from backend.webhooks.models import CallbackDelivery, IntakeCallback
from backend.webhooks.services import partner_callback
from tests import factories
from tests.migrations import migrate_to_latest

BEFORE = [("webhooks", "0002_delivery_finished_at")]


@pytest.mark.django_db(transaction=True)
def test_each_partner_keeps_the_callback_set_last_on_any_of_its_keys(personas):
    # given: eGov's old key (revoked) and its replacement, a callback on each — the new key's
    # set first, the old key's after it, so the old key's was in effect; Kaspi with one
    # callback; a delivery to eGov written for its old key, one to Kaspi
    egov_old, _raw = intake_key_issue(channel="egov", name="eGov Mobile")
    egov_new, _raw = intake_key_issue(channel="egov", name="", replaces=egov_old)
    kaspi, _raw = intake_key_issue(channel="kaspi", name="Kaspi.kz")
    egov_report = factories.incident(district=personas.a.district, intake_key=egov_old)
    kaspi_report = factories.incident(district=personas.a.district, intake_key=kaspi)
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    state = executor.loader.project_state(BEFORE).apps
    old_callback = state.get_model("webhooks", "IntakeCallback")
    old_delivery = state.get_model("webhooks", "CallbackDelivery")
    now = clock.now()
    try:
        for key_id, url, age in (
            (egov_new.pk, "https://egov.kz/new", 2),
            (egov_old.pk, "https://egov.kz/latest", 1),
            (kaspi.pk, "https://kaspi.kz/cb", 5),
        ):
            old_callback.objects.create(
                key_id=key_id,
                url=url,
                secret=f"whsec_{key_id}",
                language="kk",
                created_at=now - dt.timedelta(days=age),
            )
        for n, (key_id, report) in enumerate(
            ((egov_old.pk, egov_report), (kaspi.pk, kaspi_report))
        ):
            old_delivery.objects.create(
                event_id=f"msg_{n}",
                key_id=key_id,
                incident_id=report.pk,
                sequence=1,
                event_type="report.received",
                data="{}",
                payload="{}",
                created_at=now,
                state="delivered",
                delivered_at=now,
                finished_at=now,
            )
    finally:
        # when: migrated (also when the arrangement failed: the next tests need the schema)
        migrate_to_latest()
    intake_key_revoke(key=egov_old, by=personas.oblast_admin)

    # then: one callback per partner, the one that was in effect, secret and all
    kept = IntakeCallback.objects.order_by("partner__channel").values_list(
        "partner_id", "url", "secret", "language"
    )
    assert list(kept) == [
        (egov_old.partner_id, "https://egov.kz/latest", f"whsec_{egov_old.pk}", "kk"),
        (kaspi.partner_id, "https://kaspi.kz/cb", f"whsec_{kaspi.pk}", "kk"),
    ]
    # still in effect with the key it was set on revoked (the replacement is live)
    effective = partner_callback(egov_new.partner_id)
    assert effective is not None
    assert effective.url == "https://egov.kz/latest"
    # and each old delivery is its key's partner's
    rows = CallbackDelivery.objects.order_by("event_id").values_list("event_id", "partner_id")
    assert list(rows) == [("msg_0", egov_old.partner_id), ("msg_1", kaspi.partner_id)]
