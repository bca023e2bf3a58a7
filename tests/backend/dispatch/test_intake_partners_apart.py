"""Two partners on one channel (two intake keys — a second Police-102 app, a camera vendor
besides the ЦОУ's own) each have their own references: a report is identified by the key
that sent it and its `external_ref`, so neither partner's report is merged into the other's,
answered with the other's call, refused with the other's incident, read or called back by the
other. The first partner's behaviour is what it always was."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from rest_framework.test import APIClient

from backend.common import clock
from backend.dispatch.models import Incident
from backend.dispatch.services import incident_dispatch, incident_sos_backup, intake_key_issue
from backend.ledger.models import AuditEntry
from backend.webhooks.models import CallbackDelivery
from backend.webhooks.services import callback_configure
from tests import factories
from tests.migrations import migrate_to_latest

from .conftest import intake_posts_at_once, snapshot
from .test_intake import body

INTAKE = "/api/v1/intake/egov/"


@pytest.fixture
def second_partner(db: Any) -> tuple[Any, APIClient]:
    """A second integration on eGov's channel, with its own key."""
    key, raw = intake_key_issue(channel="egov", name="eGov Business")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    return key, client


def test_the_same_ref_from_another_partner_on_the_channel_is_another_report(
    personas, egov_key, intake_client, second_partner
):
    # given: the first partner's report egov-1001
    key_b, client_b = second_partner
    payload = body(personas)
    first = intake_client.post(INTAKE, payload, format="json")
    assert first.status_code == 201

    # when: the second partner sends its own egov-1001, word for word the same
    response = client_b.post(INTAKE, payload, format="json")

    # then: a report of its own, not the first partner's call answered back as a "replay"
    assert response.status_code == 201, response.content
    answer = response.json()
    assert answer["created"] is True
    assert answer["id"] != first.json()["id"]
    assert answer["number"] != first.json()["number"]
    assert sorted(
        Incident.objects.values_list("intake_key_id", "channel", "external_ref")
    ) == sorted([(egov_key[0].pk, "egov", "egov-1001"), (key_b.pk, "egov", "egov-1001")])
    created = AuditEntry.objects.filter(action="incident.created").order_by("pk")
    assert [e.actor_label for e in created] == ["intake:eGov Mobile", "intake:eGov Business"]


def test_the_same_ref_with_other_content_from_another_partner_is_not_a_conflict(
    personas, intake_client, second_partner
):
    # given: the first partner's report egov-1001
    _key_b, client_b = second_partner
    first = intake_client.post(INTAKE, body(personas), format="json").json()

    # when: the second partner's egov-1001 is another citizen's report altogether
    response = client_b.post(
        INTAKE,
        body(
            personas, description="Сбили ограждение на трассе", settlement_kato=personas.b.town.kato
        ),
        format="json",
    )

    # then: taken — not a 409 naming the first partner's incident, the report lost
    assert response.status_code == 201, response.content
    assert "incident_id" not in response.json()
    theirs = Incident.objects.get(pk=response.json()["id"])
    assert theirs.pk != first["id"]
    assert theirs.description == "Сбили ограждение на трассе"
    assert theirs.settlement == personas.b.town


def test_each_partner_replays_and_conflicts_on_its_own_report_as_before(
    personas, intake_client, second_partner
):
    # given: both partners sent egov-1001, each its own
    _key_b, client_b = second_partner
    payload_a = body(personas)
    payload_b = body(personas, description="Другое: сбили ограждение")
    first_a = intake_client.post(INTAKE, payload_a, format="json").json()
    first_b = client_b.post(INTAKE, payload_b, format="json").json()
    before = snapshot()

    # when: each retries, and each sends the reference again with other content
    replay_a = intake_client.post(INTAKE, payload_a, format="json")
    replay_b = client_b.post(INTAKE, payload_b, format="json")
    conflict_a = intake_client.post(INTAKE, {**payload_a, "description": "x"}, format="json")
    conflict_b = client_b.post(INTAKE, {**payload_b, "description": "x"}, format="json")

    # then: each is answered with its own report, as one partner always was; nothing changes
    assert (replay_a.status_code, replay_a.json()) == (200, {**first_a, "created": False})
    assert (replay_b.status_code, replay_b.json()) == (200, {**first_b, "created": False})
    assert (conflict_a.status_code, conflict_a.json()["incident_id"]) == (409, first_a["id"])
    assert (conflict_b.status_code, conflict_b.json()["incident_id"]) == (409, first_b["id"])
    assert snapshot() == before


def test_a_partner_reads_only_its_own_reports(personas, intake_client, second_partner):
    # given: the first partner's egov-1001 and egov-1002; the second partner's egov-1001
    _key_b, client_b = second_partner
    a_1001 = intake_client.post(INTAKE, body(personas), format="json").json()
    intake_client.post(INTAKE, body(personas, external_ref="egov-1002"), format="json")
    b_1001 = client_b.post(INTAKE, body(personas, description="другое"), format="json").json()

    # when
    read_a = intake_client.get(f"{INTAKE}egov-1001/")
    read_b = client_b.get(f"{INTAKE}egov-1001/")
    guessed = client_b.get(f"{INTAKE}egov-1002/")

    # then: each reads its own report by the reference; the other's, guessed, is not there
    assert (read_a.status_code, read_a.json()["id"]) == (200, a_1001["id"])
    assert (read_b.status_code, read_b.json()["id"]) == (200, b_1001["id"])
    assert (guessed.status_code, guessed.json()["error"]) == (404, "not_found")
    assert guessed.json()["detail"] == "No report with this external_ref on the egov channel."


def test_each_partners_report_is_called_back_to_its_own_callback(
    personas, egov_key, intake_client, second_partner, settings
):
    # given: both partners have a callback, and each sent egov-1001
    settings.KUZET_CALLBACK_ALLOW_HTTP = True
    settings.KUZET_CALLBACK_ALLOW_PRIVATE = True
    key_a, key_b = egov_key[0], second_partner[0]
    callback_configure(partner=key_a.partner, url="http://127.0.0.1:9/a")
    callback_configure(partner=key_b.partner, url="http://127.0.0.1:9/b")
    a = intake_client.post(INTAKE, body(personas), format="json").json()
    b = second_partner[1].post(INTAKE, body(personas, description="другое"), format="json").json()

    # when: a unit is sent to the first partner's report
    incident_dispatch(
        incident=Incident.objects.get(pk=a["id"]), unit=personas.a.patrol, by=personas.duty
    )

    # then: each partner was told of its own report's receipt; only the first of the dispatch
    deliveries = list(
        CallbackDelivery.objects.order_by("pk").values_list(
            "partner_id", "incident_id", "event_type"
        )
    )
    assert deliveries == [
        (key_a.partner_id, a["id"], "report.received"),
        (key_b.partner_id, b["id"], "report.received"),
        (key_a.partner_id, a["id"], "report.updated"),
    ]


def test_the_servers_own_references_stay_unique_per_channel(personas):
    # given: a call with a reference and no key (an SOS's backup call, "sos:<event id>")
    def make() -> Incident:
        return factories.incident(
            district=personas.a.district, channel="patrol", external_ref="sos:41"
        )

    make()

    # when / then: a second one on the channel is refused by the database
    with pytest.raises(IntegrityError), transaction.atomic():
        make()


def test_an_sos_backup_call_is_never_a_partners_report_with_the_same_reference(
    personas, intake_client
):
    # given: a partner on the patrol channel whose report happens to be called "sos-alert:7"
    _key, raw = intake_key_issue(channel="patrol", name="Patrol tablets")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    theirs = client.post(
        "/api/v1/intake/patrol/", body(personas, external_ref="sos-alert:7"), format="json"
    )
    assert theirs.status_code == 201, theirs.content

    # when: the desk sends backup to the SOS of alert 7
    call, made = incident_sos_backup(
        by=personas.duty, unit=personas.a.patrol, sos_event_id=None, sos_alert_id=7
    )
    again, made_again = incident_sos_backup(
        by=personas.duty, unit=personas.a.patrol, sos_event_id=None, sos_alert_id=7
    )

    # then: the backup call is a P0 officer-SOS call of its own, found again the second time
    assert made is True
    assert (call.category, call.priority, call.intake_key_id) == ("officer_sos", "P0", None)
    assert call.pk != theirs.json()["id"]
    assert (again.pk, made_again) == (call.pk, False)


@pytest.mark.postgres
def test_two_partners_sending_one_ref_at_once_each_get_their_own_report(
    transactional_db, personas, egov_key, second_partner
):
    # given: both partners' clients, the same report body
    clients = [APIClient(), second_partner[1]]
    clients[0].credentials(HTTP_AUTHORIZATION=f"Api-Key {egov_key[1]}")
    payload = body(personas)

    # when
    results = intake_posts_at_once(clients, payload, url=INTAKE)

    # then: two reports, one per partner
    assert sorted(code for code, _id in results) == [201, 201]
    assert Incident.objects.count() == 2
    assert len({pk for _code, pk in results}) == 2


BEFORE = [("dispatch", "0023_safety_check_word")]


@pytest.mark.django_db(transaction=True)
def test_existing_reports_migrate_to_references_per_key(personas, egov_key):
    # given: the schema before the change, with a partner's report, an SOS's backup call and
    # a call typed at the desk (no reference)
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps.get_model("dispatch", "Incident")
    common = {
        "category": "theft",
        "priority": "P2",
        "district_id": personas.a.district.pk,
        "settlement_id": personas.a.town.pk,
        "summary": "before",
        "received_at": clock.now(),
        "created_at": clock.now(),
    }
    try:
        partners = old.objects.create(
            number="t-1",
            channel="egov",
            external_ref="egov-1001",
            intake_key_id=egov_key[0].pk,
            **common,
        )
        backup = old.objects.create(number="t-2", channel="patrol", external_ref="sos:41", **common)
        typed = old.objects.create(number="t-3", channel="phone_102", **common)
    finally:
        # when: migrated (also when the arrangement failed: the next tests need the schema)
        migrate_to_latest()

    # then: every row is there as it was; a second partner may now use the reference, the
    # server's own reference is still once per channel
    rows = Incident.objects.order_by("pk").values_list("pk", "channel", "external_ref")
    assert list(rows) == [
        (partners.pk, "egov", "egov-1001"),
        (backup.pk, "patrol", "sos:41"),
        (typed.pk, "phone_102", None),
    ]
    key_b, _raw = intake_key_issue(channel="egov", name="eGov Business")
    factories.incident(
        district=personas.a.district, channel="egov", external_ref="egov-1001", intake_key=key_b
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.incident(district=personas.a.district, channel="patrol", external_ref="sos:41")
