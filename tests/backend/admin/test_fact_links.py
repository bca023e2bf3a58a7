"""A link to a fact's page opens that fact whatever its id: the server's ids are "srv_" and
hex, and one in fifty ("srv_23…", "srv_26…") read as Django's admin escapes ("_23" is "#"),
so the links to it (a conflict's fact, an assignment's milestones, a quarantined
record's phone: "dev_" and hex) led to "no such record"."""

from __future__ import annotations

import datetime as dt
import re
from types import SimpleNamespace

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.urls import resolve

from backend.dispatch.models import Assignment, Conflict

FACT_ID = "srv_23ab26cd5f00"


def opened(html: str) -> str:
    href = re.search(r'href="([^"]+)"', html)
    assert href, html
    return unquote(resolve(href.group(1)).kwargs["object_id"])


def test_a_conflicts_fact_link_opens_its_fact():
    conflicts = admin.site._registry[Conflict]
    fact = SimpleNamespace(
        pk=FACT_ID, get_kind_display=lambda: "On scene", estimated_at=dt.datetime.now(dt.UTC)
    )

    assert opened(conflicts.fact(SimpleNamespace(event=fact))) == FACT_ID


def test_an_assignments_milestone_link_opens_its_fact():
    assignments = admin.site._registry[Assignment]
    row = SimpleNamespace(on_scene_at=dt.datetime.now(dt.UTC), on_scene_event_id=FACT_ID)

    assert opened(assignments._milestone(row, "on_scene")) == FACT_ID


def test_a_quarantined_records_phone_link_opens_its_phone():
    from backend.sync_gateway.models import QuarantinedRecord

    quarantine = admin.site._registry[QuarantinedRecord]
    phone = SimpleNamespace(pk="dev_26a0c3f1e2d4b5a6", make="Samsung")

    assert opened(quarantine.phone(SimpleNamespace(device=phone))) == phone.pk
