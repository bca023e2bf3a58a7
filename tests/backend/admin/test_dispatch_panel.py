"""The dispatch commands on the incident page stay inside the viewer's district."""

from __future__ import annotations

from django.contrib.messages import get_messages
from django.urls import reverse

from backend.dispatch.models import Assignment
from backend.ledger.models import AuditEntry


def dispatch_url(incident_pk: int) -> str:
    return reverse("admin:dispatch_incident_kuzet_dispatch", args=[incident_pk])


def test_incident_page_shows_the_dispatch_panel_above_the_timeline(client, world):
    # given
    client.force_login(world.a.chief)

    # when
    response = client.get(reverse("admin:dispatch_incident_change", args=[world.a.dv_incident.pk]))

    # then
    assert response.status_code == 200
    panel = response.context["kuzet_dispatch"]
    assert panel["dispatch_url"] == dispatch_url(world.a.dv_incident.pk)
    units = {r["callsign"] for r in panel["recommendations"]}
    assert "A-UI1" in units
    assert not units & {"B-PC1", "B-UI1", "C-PC1"}
    page = response.content.decode()
    assert page.index(panel["dispatch_url"]) < page.index('id="kuzet-timeline"')


def test_chief_dispatches_an_own_unit_to_an_own_incident(client, world):
    # given
    client.force_login(world.a.chief)
    incident = world.a.dv_incident
    unit = world.a.unit

    # when
    response = client.post(dispatch_url(incident.pk), {"unit_id": unit.pk})

    # then
    assert response.status_code == 302
    assert list(Assignment.objects.filter(incident=incident).values_list("unit_id", flat=True)) == [
        unit.pk
    ]


def test_dispatch_on_a_foreign_incident_is_not_found_and_does_nothing(client, world):
    # given
    client.force_login(world.a.chief)
    before = (Assignment.objects.count(), AuditEntry.objects.count())

    # when
    response = client.post(dispatch_url(world.b.dv_incident.pk), {"unit_id": world.a.unit.pk})

    # then
    assert response.status_code == 404
    assert (Assignment.objects.count(), AuditEntry.objects.count()) == before


def test_dispatching_a_foreign_unit_is_refused_with_a_message(client, world):
    # given
    client.force_login(world.a.chief)
    before = Assignment.objects.count()

    # when
    response = client.post(
        dispatch_url(world.a.dv_incident.pk), {"unit_id": world.b.unit.pk}, follow=True
    )

    # then
    # a unit of the same oblast, which a call's panel may show across the border: whom to ask
    messages = [str(m) for m in get_messages(response.wsgi_request)]
    assert messages == [
        "B-PC1 is a unit of Абайский район: ask that district's desk or the oblast ЦОУ to send it."
    ]
    assert Assignment.objects.count() == before


def test_a_refusal_reads_in_the_officers_language_without_codes(client, world):
    # given: a chief who reads Russian
    world.a.chief.language = "ru"
    world.a.chief.save(update_fields=["language"])
    client.force_login(world.a.chief)

    # when: a unit of another district is sent
    response = client.post(
        dispatch_url(world.a.dv_incident.pk), {"unit_id": world.b.unit.pk}, follow=True
    )

    # then: in Russian, no English words or codes ("No such unit. (not_found)")
    (message,) = [str(m) for m in get_messages(response.wsgi_request)]
    assert message == (
        "B-PC1 — наряд другого района (Абайский район): попросите дежурную часть этого района "
        "или ЦОУ области направить его."
    )


def test_officers_cannot_reach_the_dispatch_commands(client, world):
    # given
    client.force_login(world.a.officer)

    # when
    response = client.post(dispatch_url(world.a.dv_incident.pk), {"unit_id": world.a.unit.pk})

    # then
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    assert not Assignment.objects.filter(incident=world.a.dv_incident).exists()


def test_cancelling_own_and_foreign_assignments_cancels_only_own(client, world):
    # given
    client.force_login(world.a.chief)
    own, foreign = world.a.assignment, world.b.assignment

    # when
    client.post(
        reverse("admin:dispatch_assignment_changelist"),
        {"action": "kuzet_cancel_selected", "_selected_action": [own.pk, foreign.pk]},
    )

    # then
    assert Assignment.objects.get(pk=own.pk).status == "cancelled"
    assert Assignment.objects.get(pk=foreign.pk).status == "dispatched"
