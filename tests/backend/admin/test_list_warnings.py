"""A list's warning reads as one: "⚠ overdue" and "⚠ clock suspect" in words and in the
error colour, nothing where all is well. Django's yes/no icons said it backwards — a green
tick on the overdue assignment, a red cross on every one in time."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from backend.common import clock
from tests import factories

pytestmark = pytest.mark.django_db


def cells(page: str, column: str) -> list[str]:
    return [
        " ".join(re.sub(r"<[^>]+>", " ", cell).split())
        for cell in re.findall(rf'<t[dh] class="field-{column}"[^>]*>(.*?)</t[dh]>', page, re.S)
    ]


def test_the_overdue_assignment_says_so_and_the_one_in_time_says_nothing(client, personas):
    # given: one assignment past its acknowledgment deadline, one acknowledged in time
    now = clock.now()
    a = personas.a
    late = factories.incident(district=a.district, settlement=a.village)
    factories.assignment(
        incident=late,
        unit=a.patrol,
        dispatched_at=now - dt.timedelta(minutes=10),
        ack_due_at=now - dt.timedelta(minutes=8),
    )
    fine = factories.incident(district=a.district, settlement=a.village)
    factories.assignment(
        incident=fine,
        unit=a.inspector_unit,
        dispatched_at=now - dt.timedelta(minutes=10),
        ack_due_at=now - dt.timedelta(minutes=8),
        acknowledged_at=now - dt.timedelta(minutes=9),
        status="acknowledged",
    )
    a.chief.language = "en"
    a.chief.save(update_fields=["language"])
    client.force_login(a.chief)

    # when
    page = client.get(reverse("admin:dispatch_assignment_changelist")).content.decode()

    # then: the console's dash where there is nothing to say
    # (under the status, where the laptop's list has room for it)
    statuses = cells(page, "status_now")
    assert sorted("⚠ overdue" in c for c in statuses) == [False, True]
    assert '<span class="kuzet-alert">⚠ overdue</span>' in page
    assert "icon-yes" not in page
    assert "icon-no" not in page


def test_an_event_with_a_suspect_clock_says_so(client, personas):
    # given
    a = personas.a
    call = factories.incident(district=a.district, settlement=a.village)
    for n, suspect in enumerate((True, False)):
        factories.event(id=f"ev-clock-{n}", incident=call, unit=a.patrol, clock_suspect=suspect)
    a.chief.language = "ru"
    a.chief.save(update_fields=["language"])
    client.force_login(a.chief)

    # when
    page = client.get(reverse("admin:dispatch_event_changelist")).content.decode()

    # then
    # (under the estimated time, where the laptop's list has room for it)
    times = cells(page, "estimated")
    assert sorted("⚠ часы под сомнением" in c for c in times) == [False, True]
