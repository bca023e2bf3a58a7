"""Where the call's page puts the focus when it opens: a call waiting for its first unit (one
just saved from "Take a call", too) on the recommended unit's Dispatch, so that Enter sends it;
on the Dispatch list's heading, one Tab before it, when the officer has something to read
first (a unit that may not hear the call)."""

from __future__ import annotations

import datetime as dt
import re

from backend.common import clock
from backend.people.models import Unit
from tests import factories

BASE = "/admin/dispatch/incident"


def autofocused(html: str) -> list[str]:
    """The ids of the page's elements that take the focus when it opens."""
    return re.findall(r'<[^>]*\bid="([^"]+)"[^>]*\bautofocus\b', html)


def test_a_call_waiting_for_a_unit_opens_on_the_recommended_units_dispatch(client, personas):
    # given: a fight in Aktogay, the village's inspector nearest
    fight = factories.incident(
        district=personas.a.district, settlement=personas.a.village, category="violence"
    )
    client.force_login(personas.duty)

    # when
    response = client.get(f"{BASE}/{fight.pk}/change/")

    # then: the focus on the first recommended unit's Dispatch, and nowhere else
    first = response.context["kuzet_dispatch"]["recommendations"][0]
    assert first["callsign"] == personas.a.inspector_unit.callsign
    assert autofocused(response.content.decode()) == [f"kuzet-dispatch-{first['unit_id']}"]


def test_when_the_recommended_unit_may_not_hear_it_the_call_opens_on_the_lists_heading(
    client, personas
):
    # given: every unit of the district silent for an hour
    Unit.objects.update(last_contact_at=clock.now() - dt.timedelta(hours=1))
    fight = factories.incident(
        district=personas.a.district, settlement=personas.a.village, category="violence"
    )
    client.force_login(personas.duty)

    # when
    response = client.get(f"{BASE}/{fight.pk}/change/")

    # then: the warning is read before any Dispatch: the focus on the heading above it
    assert response.context["kuzet_dispatch"]["recommendations"][0]["unreachable"]
    assert autofocused(response.content.decode()) == ["kuzet-dispatch-title"]
