"""A chief decides each conflict: the resolution form chooses nothing for them. A page opened
to read and saved must not accept the device's version, nor resolve the crew's other open
conflicts with it (one Save did both for 53 conflicts on the demo)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse

from backend.dispatch.models import Conflict
from backend.ledger.models import AuditEntry
from tests.backend.sync_support import crew_back_after_stand_down

pytestmark = pytest.mark.django_db


@pytest.fixture
def story(personas: Any, client: Any) -> dict[str, Conflict]:
    from backend.sync_gateway.scope import reference_reconcile

    reference_reconcile()
    return crew_back_after_stand_down(personas, client)


def test_the_resolution_form_preselects_no_decision_and_leaves_the_crews_others_unticked(
    client, personas, story
):
    # given: three open conflicts of one crew
    client.force_login(personas.a.chief)
    url = reverse("admin:dispatch_conflict_change", args=[story["en_route"].pk])

    # when
    page = client.get(url).content.decode()

    # then: the decision's list starts empty and nothing in it is chosen
    select = re.search(r'<select name="resolution"[^>]*>(.*?)</select>', page, re.S)
    assert select is not None
    options = re.findall(r"<option ([^>]*)>", select.group(1))
    assert options[0].startswith('value=""')
    assert [o for o in options if "selected" in o] == [options[0]]
    # and: the box that resolves the others with it is there, unticked
    box = re.search(r'<input type="checkbox" name="together"[^>]*>', page)
    assert box is not None
    assert "checked" not in box.group(0)


def as_the_browser_sends_it(page: str, note: str) -> dict[str, str]:
    """The resolution form as a browser submits it untouched but for the note: a list's
    chosen option (its first when none is marked), a checkbox only when ticked."""
    select = re.search(r'<select name="resolution"[^>]*>(.*?)</select>', page, re.S)
    assert select is not None
    values = re.findall(r'<option value="([^"]*)"( selected)?', select.group(1))
    chosen = next((v for v, mark in values if mark), values[0][0])
    data = {"resolution": chosen, "resolution_note": note}
    box = re.search(r'<input type="checkbox" name="together"[^>]*>', page)
    if box is not None and "checked" in box.group(0):
        data["together"] = "on"
    return data


def test_saving_the_page_as_it_opened_resolves_nothing(client, personas, story):
    # given: the chief writes a note but chooses no decision and leaves the box as it was
    client.force_login(personas.a.chief)
    url = reverse("admin:dispatch_conflict_change", args=[story["en_route"].pk])
    form = as_the_browser_sends_it(client.get(url).content.decode(), note="смотрю")

    # when
    response = client.post(url, form)

    # then: asked to choose; nothing resolved, nothing audited as resolved
    assert response.status_code == 200
    assert "resolution" in response.context["adminform"].form.errors
    assert set(Conflict.objects.values_list("state", flat=True)) == {"open"}
    assert not AuditEntry.objects.filter(action="conflict.resolved").exists()


def test_a_chosen_decision_without_the_box_resolves_only_the_conflict_on_the_page(
    client, personas, story
):
    # given
    client.force_login(personas.a.chief)
    url = reverse("admin:dispatch_conflict_change", args=[story["en_route"].pk])

    # when: the form as the browser sends it when the box was left unticked
    response = client.post(url, {"resolution": "noted", "resolution_note": "принято к сведению"})

    # then
    assert response.status_code == 302
    states = dict(Conflict.objects.values_list("pk", "state"))
    assert states == {
        story["ack"].pk: "open",
        story["en_route"].pk: "resolved",
        story["on_scene"].pk: "open",
    }
