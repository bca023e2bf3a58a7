"""The incident page: its whole timeline in time order; DV reads audited; the audit log and
device facts read-only for everyone."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.admin.utils import quote
from django.urls import reverse

from backend.common import clock
from backend.dispatch.models import Event, FollowUpTask
from backend.dispatch.services import incident_dispatch
from backend.ledger import uow
from backend.ledger.models import AuditEntry
from backend.people.models import Officer, Role
from tests import factories
from tests.backend.sync_support import inspector_phone, visit
from tests.factories import dv_call

T0 = dt.datetime(2026, 3, 2, 4, 0, tzinfo=dt.UTC)


def at(seconds: int) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


@pytest.fixture
def superuser(world) -> Officer:
    return Officer.objects.create_superuser(
        username="root", password="pw-root", role=Role.OBLAST_ADMIN, oblast=world.a.district.oblast
    )


def test_incident_page_shows_the_timeline_in_time_order(client, world):
    # given
    p = world.a
    Officer.objects.filter(pk=p.officer.pk).update(first_name="Aidos", last_name="Serikov")
    Officer.objects.filter(pk=world.duty.pk).update(first_name="Aigerim", last_name="Nurlanova")
    Officer.objects.filter(pk=p.chief.pk).update(first_name="", last_name="")
    incident = factories.incident(district=p.district, settlement=p.settlement, received_at=at(0))
    assignment = factories.assignment(incident=incident, unit=p.unit, dispatched_at=at(60))
    Event.objects.create(
        id="evt-timeline-00000001", kind="on_scene", source="app", via="http",
        assignment=assignment, incident=incident, unit=p.unit, officer=p.officer,
        device_id=p.device.pk, device_time=clock.to_ms(at(300)) + 7000, content_hash="0" * 64,
        server_received_at=at(900), estimated_at=at(300), estimate_uncertainty_ms=1200,
        estimate_method="anchor", disposition="applied",
    )  # fmt: skip
    with clock.frozen(at(120)), uow.unit_of_work():
        uow.audit("assignment.dispatched", actor=world.duty, obj=assignment)
    with clock.frozen(at(1000)), uow.unit_of_work():
        uow.audit("incident.closed", actor=p.chief, obj=incident)
    client.force_login(p.chief)

    # when
    response = client.get(reverse("admin:dispatch_incident_change", args=[incident.pk]))

    # then
    assert response.status_code == 200
    rows = [(r.at, r.kind, r.title) for r in response.context["kuzet_timeline"]]
    assert rows == [
        (at(0), "incident", "Received"),
        (at(60), "assignment", "A-PC1 dispatched"),
        (at(120), "audit", "Unit dispatched"),
        (at(300), "event", "A-PC1 On scene"),
        (at(1000), "audit", "Incident closed"),
    ]
    event_row = response.context["kuzet_timeline"][3]
    assert "± 1.2 s by Elapsed time from a server anchor of the same boot" in event_row.detail
    # the device's own clock (7 s fast), in local time with the date
    assert "device clock 02.03.2026 09:05:07" in event_row.detail
    # who and how: the officer by name, whose app's push came over mobile internet (not
    # "Field app / Field app")
    assert event_row.source == "Aidos Serikov · Field app / mobile internet"
    # and: the staff by name, not by login ("duty_semey"); a login where no name is known
    sources = [r.source for r in response.context["kuzet_timeline"] if r.kind == "audit"]
    assert sources == ["Aigerim Nurlanova", p.chief.username]
    assert 'id="kuzet-timeline"' in response.content.decode()


def test_an_events_page_says_how_it_came_in_words(client, world):
    # given: an acknowledgement the app pushed over HTTP
    client.force_login(world.a.chief)

    # when
    page = client.get(reverse("admin:dispatch_event_change", args=[quote(world.a.event.pk)]))

    # then
    fields = {
        line.field["label"]: str(line.contents())
        for fieldset in page.context["adminform"]
        for row in fieldset
        for line in row
    }
    assert (fields["source"], fields["via"]) == ("Field app", "mobile internet")


def test_reading_a_dv_incident_is_audited_and_listing_it_is_not(client, world):
    # given
    client.force_login(world.a.chief)
    dv = world.a.dv_incident
    before = AuditEntry.objects.count()

    # when
    listing = client.get(reverse("admin:dispatch_incident_changelist"))
    after_listing = AuditEntry.objects.count()
    page = client.get(reverse("admin:dispatch_incident_change", args=[dv.pk]))

    # then
    assert after_listing == before
    assert dv.summary not in listing.content.decode()
    assert "on the call&#x27;s page" in listing.content.decode()  # where reads are audited
    assert page.status_code == 200
    entry = AuditEntry.objects.get(action="incident.read")
    assert (entry.actor_id, entry.object_id, entry.district_id) == (
        world.a.chief.pk,
        str(dv.pk),
        world.a.district.pk,
    )
    assert entry.data_dict == {"purpose": "admin.incident_view"}


def test_reading_an_ordinary_incident_is_not_audited(client, world):
    # given
    client.force_login(world.a.chief)
    before = AuditEntry.objects.count()

    # when
    client.get(reverse("admin:dispatch_incident_change", args=[world.a.incident.pk]))

    # then
    assert AuditEntry.objects.count() == before


def test_a_foreign_dv_incident_is_neither_shown_nor_audited(client, world):
    # given
    client.force_login(world.a.chief)
    before = AuditEntry.objects.count()

    # when
    response = client.get(reverse("admin:dispatch_incident_change", args=[world.b.dv_incident.pk]))

    # then
    assert response.status_code == 302
    assert AuditEntry.objects.count() == before


@pytest.mark.parametrize("model", ["ledger_auditentry", "dispatch_event"])
def test_audit_log_and_events_are_read_only_even_for_a_superuser(client, world, superuser, model):
    # given
    client.force_login(superuser)
    record = (AuditEntry.objects.order_by("id").first() if model == "ledger_auditentry"
              else world.a.event)  # fmt: skip
    url = reverse(f"admin:{model}_change", args=[record.pk])

    # when
    add = client.get(reverse(f"admin:{model}_add"))
    view = client.get(url)
    change = client.post(url, {"action": "test.rewritten"})
    delete = client.post(reverse(f"admin:{model}_delete", args=[record.pk]), {"post": "yes"})
    bulk = client.post(
        reverse(f"admin:{model}_changelist"),
        {"action": "delete_selected", "_selected_action": [record.pk]},
    )

    # then
    assert (add.status_code, view.status_code, change.status_code, delete.status_code) == (
        403,
        200,
        403,
        403,
    )
    assert view.context["has_change_permission"] is False
    assert bulk.status_code == 200  # no such action: the list is shown again
    assert type(record).objects.filter(pk=record.pk).exists()
    assert uow.verify_chain() == []


def test_reading_a_follow_up_or_an_event_of_a_dv_call_is_audited(client, world):
    # given
    client.force_login(world.a.chief)
    dv = world.a.dv_incident
    event = Event.objects.create(
        id="evt-dv-note-00000001", kind="note", source="server", incident=dv,
        content_hash="0" * 64, server_received_at=clock.now(), estimated_at=clock.now(),
        estimate_method="server", disposition="recorded", payload={"text": "подробности"},
    )  # fmt: skip

    # when
    client.get(reverse("admin:dispatch_followuptask_change", args=[world.a.follow_up.pk]))
    client.get(reverse("admin:dispatch_event_change", args=[quote(event.pk)]))
    client.get(reverse("admin:dispatch_event_change", args=[quote(world.a.event.pk)]))  # not DV

    # then
    reads = AuditEntry.objects.filter(action="incident.read").order_by("id")
    assert [(e.object_id, e.data_dict) for e in reads] == [
        (str(dv.pk), {"purpose": "admin.follow_up_view", "follow_up_id": world.a.follow_up.pk}),
        (str(dv.pk), {"purpose": "admin.event_view", "event_id": event.pk}),
    ]


def test_status_and_times_are_read_only_even_for_a_superuser(client, world, superuser):
    # given
    client.force_login(superuser)
    incident, assignment = world.a.incident, world.a.assignment
    incident_url = reverse("admin:dispatch_incident_change", args=[incident.pk])
    assignment_url = reverse("admin:dispatch_assignment_change", args=[assignment.pk])

    # when
    incident_form = client.get(incident_url).context["adminform"].form
    assignment_form = client.get(assignment_url).context["adminform"].form

    # then: no status, time, place or outcome field is editable; the story is the services'
    assert set(incident_form.fields) == {
        "summary", "description", "landmark", "caller_name", "caller_phone", "media_links",
        "registry_kui", "registry_erdr", "registry_erap", "restricted",
    }  # fmt: skip
    assert set(assignment_form.fields) == set()


def test_a_superuser_posting_a_status_changes_nothing_but_what_may_be_corrected(
    client, world, superuser
):
    # given
    client.force_login(superuser)
    incident = world.a.incident
    url = reverse("admin:dispatch_incident_change", args=[incident.pk])
    before = (incident.status, incident.closed_at, incident.priority)

    # when
    response = client.post(
        url,
        {
            "status": "closed", "closed_at_0": "2026-01-01", "closed_at_1": "10:00:00",
            "priority": "P0", "summary": "corrected summary", "description": "",
            "landmark": "", "caller_name": "", "caller_phone": "", "media_links": "[]",
            "registry_kui": "КУИ-77", "registry_erdr": "", "registry_erap": "",
        },
    )  # fmt: skip

    # then
    assert response.status_code == 302, response.context and response.context["adminform"].errors
    incident.refresh_from_db()
    assert (incident.status, incident.closed_at, incident.priority) == before
    assert (incident.summary, incident.registry_kui) == ("corrected summary", "КУИ-77")


def test_the_timeline_reads_without_forensic_ids_which_the_audit_log_keeps(personas, client):
    # given: a dispatch (its audit names the server's event srv_…) and a visit recorded on
    # the inspector's phone (its audit names the phone's event id; its payload the visit's)
    incident, _subject = dv_call(personas)
    incident_dispatch(incident=incident, unit=personas.a.patrol, by=personas.duty)
    record = visit(FollowUpTask.objects.get(incident=incident))
    inspector_phone(personas, client).push(record)

    # when: the chief reads the call
    client.force_login(personas.a.chief)
    page = client.get(reverse("admin:dispatch_incident_change", args=[incident.pk]))

    # then: no row carries an event's id; the visit's text is there
    details = " ".join(row.detail for row in page.context["kuzet_timeline"])
    assert record["id"] not in details
    assert "srv_" not in details
    assert "Беседа проведена" in details
    # and: the audit log keeps which fact each entry is about
    made = AuditEntry.objects.get(action="followup.done")
    assert made.data_dict["event_id"] == record["id"]


def test_the_timeline_and_the_audit_log_name_a_risk_subject_not_its_id(personas, client):
    # given: a DV call from an address the register keeps
    incident, subject = dv_call(personas)
    created = AuditEntry.objects.get(action="incident.created", object_id=str(incident.pk))
    assert created.data_dict["risk_subjects"] == [subject.pk]
    client.force_login(personas.a.chief)

    # when: the chief reads the call, and its audit entry
    page = client.get(reverse("admin:dispatch_incident_change", args=[incident.pk]))
    entry = client.get(reverse("admin:ledger_auditentry_change", args=[created.pk]))

    # then: "Risk subjects: ул. Абая, 12", never "Risk subjects: 7" (read as seven)
    detail = next(r.detail for r in page.context["kuzet_timeline"] if "Объекты риска" in r.detail)
    assert f"#{created.pk}" not in detail  # the audit entry's row id means nothing here
    assert "Объекты риска: ул. Абая, 12" in detail  # the chief reads Russian
    assert "<dt>Объекты риска</dt><dd>ул. Абая, 12</dd>" in entry.content.decode()
