"""The dispatch pieces of the admin: panel, commands and actions, scoped to the user."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages

from backend.common.formatting import when_text
from backend.dispatch.models import Assignment
from backend.dispatch.services import incident_dispatch
from backend.people.models import Officer
from tests import factories

from .conftest import snapshot


def said(a: Assignment) -> str:
    """A dispatch as the panel's notice says it: the unit, the call and the deadline to
    acknowledge, in one sentence."""
    return (
        f"{a.unit.callsign} is sent to call {a.incident.number}; the crew must acknowledge by "
        f"{when_text(a.ack_due_at)}, or the board raises an alert."
    )


@pytest.fixture(autouse=True)
def _officers_read_english(personas):
    """These tests read the pages' English words; an officer reads Russian unless told."""
    Officer.objects.update(language="en")


BASE = "/admin/dispatch/incident"


@pytest.fixture
def incident_a(personas):
    return factories.incident(district=personas.a.district, settlement=personas.a.town)


def test_the_incident_page_shows_the_ranked_units(personas, client, incident_a):
    client.force_login(personas.a.chief)

    response = client.get(f"{BASE}/{incident_a.pk}/change/")

    assert response.status_code == 200
    panel = response.context["kuzet_dispatch"]
    assert [r["callsign"] for r in panel["recommendations"]] == ["A-PC1", "A-UI1"]
    assert panel["can_act"] is True
    html = response.content.decode()
    assert "Dispatch — nearest available units (zone: Urban)" in html
    assert f'action="{BASE}/{incident_a.pk}/dispatch/"' in html


def test_a_chief_dispatches_from_the_incident_page(personas, client, incident_a):
    client.force_login(personas.a.chief)

    response = client.post(f"{BASE}/{incident_a.pk}/dispatch/", {"unit_id": personas.a.patrol.pk})

    assert (response.status_code, response["Location"]) == (
        302,
        f"{BASE}/{incident_a.pk}/change/#panel",
    )
    assignment = Assignment.objects.get()
    assert (assignment.unit, assignment.dispatched_by) == (personas.a.patrol, personas.a.chief)
    assert [m.message for m in get_messages(response.wsgi_request)] == [said(assignment)]


def test_refusals_come_back_as_messages_and_change_nothing(personas, client, incident_a):
    client.force_login(personas.a.chief)
    personas.a.patrol.__class__.objects.filter(pk=personas.a.patrol.pk).update(status="busy")
    before = snapshot()

    response = client.post(f"{BASE}/{incident_a.pk}/dispatch/", {"unit_id": personas.a.patrol.pk})

    assert response.status_code == 302
    assert [m.message for m in get_messages(response.wsgi_request)] == [
        "A-PC1 is not available: Busy (self-initiated)."
    ]
    assert snapshot() == before


def test_a_chief_cannot_act_on_another_districts_incident(personas, client):
    incident_b = factories.incident(district=personas.b.district, settlement=personas.b.town)
    client.force_login(personas.a.chief)
    before = snapshot()

    responses = [
        client.get(f"{BASE}/{incident_b.pk}/change/").status_code,
        client.post(
            f"{BASE}/{incident_b.pk}/dispatch/", {"unit_id": personas.b.patrol.pk}
        ).status_code,
        client.post(f"{BASE}/{incident_b.pk}/close/", {"disposition": "x"}).status_code,
    ]

    # the admin answers "does not exist" on its change page with a redirect to its index
    assert responses == [302, 404, 404]
    assert snapshot() == before


def test_a_unit_of_another_district_cannot_be_sent(personas, client, incident_a):
    client.force_login(personas.a.chief)
    before = snapshot()

    response = client.post(f"{BASE}/{incident_a.pk}/dispatch/", {"unit_id": personas.b.patrol.pk})

    # it may be offered across the border (test_across_border): the refusal says whom to ask
    assert [m.message for m in get_messages(response.wsgi_request)] == [
        "B-PC1 is a unit of Абайский район: ask that district's desk or the oblast ЦОУ to send it."
    ]
    assert snapshot() == before


def test_the_oblast_administrator_sees_the_panel_but_may_not_act(personas, client, incident_a):
    client.force_login(personas.oblast_admin)
    before = snapshot()

    page = client.get(f"{BASE}/{incident_a.pk}/change/")
    post = client.post(f"{BASE}/{incident_a.pk}/dispatch/", {"unit_id": personas.a.patrol.pk})

    assert page.context["kuzet_dispatch"]["can_act"] is False
    assert post.status_code == 403
    assert snapshot() == before


def test_assignment_commands_from_the_incident_page(personas, client, incident_a):
    # given
    assignment = incident_dispatch(incident=incident_a, unit=personas.a.patrol, by=personas.duty)
    client.force_login(personas.duty)
    url = f"{BASE}/{incident_a.pk}/assignments/{assignment.pk}"

    # when
    acked = client.post(f"{url}/acknowledge/", {"channel": "radio", "note": "на связи"})
    moved = client.post(f"{url}/reassign/", {"unit_id": personas.a.inspector_unit.pk})
    new = Assignment.objects.exclude(pk=assignment.pk).get()
    cancelled = client.post(
        f"{BASE}/{incident_a.pk}/assignments/{new.pk}/cancel/", {"reason": "отбой"}
    )
    closed = client.post(f"{BASE}/{incident_a.pk}/close/", {"disposition": "отбой"})

    # then
    assert [r.status_code for r in (acked, moved, cancelled, closed)] == [302] * 4
    old, new = Assignment.objects.order_by("pk")
    assert (old.status, old.acknowledged_event.via, new.status) == (
        "superseded",
        "radio",
        "cancelled",
    )
    incident_a.refresh_from_db()
    assert incident_a.status == "closed"


def test_the_cancel_action_on_the_assignment_list(personas, client, incident_a):
    # given: one assignment in A, one in B
    a = incident_dispatch(incident=incident_a, unit=personas.a.patrol, by=personas.duty)
    incident_b = factories.incident(district=personas.b.district, settlement=personas.b.town)
    b = incident_dispatch(incident=incident_b, unit=personas.b.patrol, by=personas.duty)
    client.force_login(personas.a.chief)

    # when: the chief of A selects both (B's id forged into the form)
    response = client.post(
        "/admin/dispatch/assignment/",
        {"action": "kuzet_cancel_selected", "_selected_action": [a.pk, b.pk]},
    )

    # then
    assert response.status_code == 302
    assert dict(Assignment.objects.values_list("pk", "status")) == {
        a.pk: "cancelled",
        b.pk: "dispatched",
    }
