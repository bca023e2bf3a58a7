"""Where a chief reads, records are named by what people know — a call's number, a unit's
callsign, a milestone and its time, a village — not by a row's or a fact's id. The ids an
operator may ask for stay on the page, folded under "Technical details".

The tester read "On scene YVlywM2ISQDVzqnk" and a boot id on a conflict, "ID: 78" and a fact
id for every milestone on an assignment, "conflict 56" in the audit log and "Settlement 1"
in a DV case's history."""

from __future__ import annotations

import re

import pytest
from django.contrib.admin.utils import quote
from django.urls import reverse

from backend.dispatch.admin.formatting import when_text
from backend.dispatch.models import Assignment
from backend.dispatch.services import conflict_resolve
from backend.ledger import uow
from backend.ledger.actions import AuditAction, admin_edit

from .test_no_english_left import visible_text

pytestmark = pytest.mark.django_db


def main_part(page: str) -> str:
    """The page's content up to the first folded part (``<details>``)."""
    return page.split('id="content-main"', 1)[1].split("<details", 1)[0]


def test_a_conflict_names_its_fact_by_milestone_and_time_with_the_ids_folded(client, world):
    # given
    client.force_login(world.a.chief)
    conflict, event = world.a.conflict, world.a.event

    # when
    page = client.get(reverse("admin:dispatch_conflict_change", args=[conflict.pk]))

    # then: the fact by its milestone and time, linked; no id of the fact, the boot or the phone
    html = page.content.decode()
    main = main_part(html)
    event_page = reverse("admin:dispatch_event_change", args=[quote(event.pk)])
    assert f'<a href="{event_page}">Acknowledged, {when_text(event.estimated_at)}</a>' in main
    text = "\n".join(visible_text(main))
    for technical in (event.pk, event.boot_id, event.device_id):
        assert technical not in text
    rows = dict(re.findall(r"<tr><th>([^<]*)</th><td>([^<]*)</td></tr>", main))
    assert rows["Event"] == "Acknowledged (Field app)"
    assert rows["Since the device booted"] == "1 s"  # in words, not "0:01"
    # and: folded for the technician
    folded = html.split('<details class="kuzet-technical">', 1)[1].split("</details>", 1)[0]
    assert "Technical details" in folded
    for technical in (event.pk, event.boot_id, event.device_id):
        assert technical in folded


def test_an_assignment_reads_its_milestones_as_times_linked_to_their_facts(client, world):
    # given: the acknowledgment came from the phone's fact
    event = world.a.event
    Assignment.objects.filter(pk=world.a.assignment.pk).update(
        acknowledged_at=event.estimated_at, acknowledged_event=event
    )
    client.force_login(world.a.chief)

    # when
    page = client.get(reverse("admin:dispatch_assignment_change", args=[world.a.assignment.pk]))

    # then: no row id, no fact id — the time, linked to the fact
    html = page.content.decode()
    fields = [f for _, opts in page.context["adminform"].fieldsets for f in opts["fields"]]
    assert "id" not in fields
    assert not [f for f in fields if f.endswith("_event")]
    assert event.pk not in "\n".join(visible_text(html))
    event_page = reverse("admin:dispatch_event_change", args=[quote(event.pk)])
    assert f'<a href="{event_page}">{when_text(event.estimated_at)}</a>' in html
    text = visible_text(html)
    assert "ID:" not in text
    assert "Acknowledged at:" in text


def test_the_audit_log_names_conflicts_visits_cases_and_phones(client, world):
    # given: a resolved conflict, a DV case and a phone, each with entries about them
    conflict_resolve(conflict=world.a.conflict, by=world.a.chief, resolution="noted", note="ok")
    with uow.unit_of_work():
        uow.audit(AuditAction.RISK_SUBJECT_CREATED, obj=world.a.risk_subject, data={})
        uow.audit(AuditAction.FOLLOWUP_DONE, obj=world.a.follow_up, data={})
        uow.audit(AuditAction.DEVICE_REVOKED, obj=world.a.device, data={})
    client.force_login(world.a.chief)

    # when
    page = client.get(reverse("admin:ledger_auditentry_changelist"))

    # then: each by what a person calls it
    named = {
        (e.object_type, e.object_id): e.named
        for e in page.context["cl"].result_list
        if e.object_type in {"conflict", "risksubject", "followuptask", "device"}
    }
    a = world.a
    assert named == {
        ("conflict", str(a.conflict.pk)): f"{a.incident.number} · {a.unit.callsign} · Acknowledged",
        ("risksubject", str(a.risk_subject.pk)): f"case № {a.risk_subject.pk}",
        ("followuptask", str(a.follow_up.pk)): f"Follow-up visit for {a.dv_incident.number}",
        ("device", a.device.pk): f"{a.device.make} · {a.officer.username}",
    }
    # and: the DV case is not named by its address or person (the list names no one)
    assert a.risk_subject.address not in page.content.decode()


def test_a_dv_cases_history_names_its_village_not_its_id(client, world):
    # given: the case was opened by a call in the district's village
    subject, village = world.a.risk_subject, world.a.settlement
    with uow.unit_of_work():
        uow.audit(
            AuditAction.RISK_SUBJECT_CREATED,
            obj=subject,
            data={"incident_id": world.a.dv_incident.pk, "settlement_id": village.pk},
        )
        uow.audit(
            admin_edit("risksubject", "changed"),
            obj=subject,
            data={"changed": {"settlement": [str(village.pk), str(world.a.settlement.pk)]}},
        )
    client.force_login(world.a.chief)

    # when
    page = client.get(reverse("admin:dispatch_risksubject_history", args=[subject.pk]))

    # then
    html = page.content.decode()
    assert f"<dt>Settlement</dt><dd>{village}</dd>" in html
    assert f"<dt>Settlement</dt><dd>{village.pk}</dd>" not in html
    assert f"<dd>Settlement: {village}, {village}</dd>" in html


def test_a_conflict_on_a_calls_timeline_names_its_assignment_by_the_crew(world):
    # given: a chief resolved the conflict of district A's call (its entry names the assignment
    # by id: "Тапсырма: 64" on the timeline of a rural district's call)
    from django.utils import translation

    from backend.common.formatting import KEY_LABELS
    from backend.dispatch.admin.timeline import incident_timeline

    conflict = world.a.conflict
    conflict_resolve(conflict=conflict, by=world.a.chief, resolution="noted", note="ok")
    assignment = conflict.assignment

    # when: the call's timeline is read
    with translation.override("ru"):
        label = str(KEY_LABELS["assignment_id"])
        details = [r.detail for r in incident_timeline(conflict.incident) if r.kind == "audit"]

    # then: the conflict's entry names the crew, not the assignment's id
    (resolved,) = [d for d in details if "ok" in d]
    assert f"{label}: {assignment.unit.callsign}" in resolved
    assert f"{label}: {assignment.pk};" not in resolved
