"""A training call (``Incident.exercise``: a drill, the live demo's) in the console: its page's
header says "Exercise", the list marks it and lists drills apart from real calls; a real call
carries no mark."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests import factories


@pytest.fixture
def calls(world):
    drill = factories.incident(
        district=world.a.district, summary="drill at the school", exercise=True
    )
    real = factories.incident(district=world.a.district, summary="fight at the market")
    return drill, real


def test_the_page_of_an_exercise_call_says_so_in_its_header(client, world, calls):
    # given
    drill, real = calls
    client.force_login(world.duty)

    # when
    drill_page = client.get(reverse("admin:dispatch_incident_change", args=[drill.pk]))
    real_page = client.get(reverse("admin:dispatch_incident_change", args=[real.pk]))

    # then
    html = drill_page.content.decode()
    header = html.split("<h1>", 1)[1].split("</h1>", 1)[0]
    assert 'class="kuzet-exercise-badge">Exercise</span>' in header
    assert 'id="kuzet-exercise"' in html
    assert "kuzet-exercise" not in real_page.content.decode()


@pytest.mark.usefixtures("calls")
def test_the_list_marks_exercise_calls_and_lists_them_apart(client, world):
    # given
    client.force_login(world.duty)
    url = reverse("admin:dispatch_incident_changelist")

    # when
    everything = client.get(url).content.decode()
    real_only = client.get(url, {"exercise__exact": "0"}).content.decode()
    drills_only = client.get(url, {"exercise__exact": "1"}).content.decode()

    # then: one badge, on the drill's row; the filter offers both and keeps to its choice
    # (the chief's report links the exercise calls as ?exercise__exact=1: reports.views)
    drill_row = everything.split("drill at the school")[0].rsplit("<tr", 1)[1]
    assert 'class="kuzet-exercise-badge">Exercise</span>' in drill_row
    assert everything.count('class="kuzet-exercise-badge"') == 1
    assert "Real calls" in everything
    assert "Exercise calls" in everything
    assert "fight at the market" in real_only
    assert "drill at the school" not in real_only
    assert "drill at the school" in drills_only
    assert "fight at the market" not in drills_only
