"""The chief's DV register, follow-up visits and conflicts queue give every time with its
date, today's too: they are read days later, printed, or the next morning, and a row read
"10:13:48" beside "03.12.2026 16:12:09" (formatting.when_text leaves today's date out)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from backend.common import clock
from backend.dispatch.models import Conflict, FollowUpTask
from tests import factories

pytestmark = pytest.mark.usefixtures("published")


def listing(personas: Any, model: str) -> str:
    client = Client()
    client.force_login(personas.a.chief)
    page = client.get(reverse(f"admin:dispatch_{model}_changelist"))
    assert page.status_code == 200
    return page.content.decode()


@pytest.mark.django_db
def test_the_register_the_visits_and_the_conflicts_give_todays_times_with_their_date(personas):
    # given: a DV call visited today, a conflict opened and resolved today
    now = clock.now()
    today = f"{timezone.localtime(now):%d.%m.%Y %H:%M:%S}"
    incident, subject = factories.dv_call(personas)
    subject.last_follow_up_at = now
    subject.save(update_fields=["last_follow_up_at"])
    FollowUpTask.objects.filter(incident=incident).delete()
    FollowUpTask.objects.create(
        incident=incident, district=personas.a.district, due_at=now, done_at=now
    )
    event = factories.event(id="ev-dated", incident=incident, unit=personas.a.patrol)
    Conflict.objects.create(
        kind="not_assignee",
        district=personas.a.district,
        incident=incident,
        event=event,
        opened_at=now,
        state="resolved",
        resolution="noted",
        resolved_at=now,
        resolved_by=personas.a.chief,
    )

    # when
    register = listing(personas, "risksubject")
    visits = listing(personas, "followuptask")
    conflicts = listing(personas, "conflict")

    # then
    assert today in register
    assert visits.count(today) == 2  # due and done
    assert conflicts.count(today) == 2  # opened, and resolved under the decision
