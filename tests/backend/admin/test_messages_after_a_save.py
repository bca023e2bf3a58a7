"""What the console says after a save, a delete or an action reads in the officer's language.

Django's Kazakh catalog has "… was changed successfully." but not "… You may edit it again
below.", nor the delete message; saving a conflict read "The қайшылық “…” was changed
successfully. You may edit it again below." (backend/common/django_words.py marks what it
lacks for Kuzet's own catalog)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.admin.utils import quote
from django.urls import reverse
from django.utils import translation

from backend.dispatch.models import Conflict, EscalationPolicy
from backend.sync_gateway.models import QuarantinedRecord

from .test_no_english_left import ENGLISH, LATIN_WORD, NOT_WORDS, visible_text

pytestmark = pytest.mark.django_db

POLICIES = reverse("admin:dispatch_escalationpolicy_changelist")
ADD_POLICY = reverse("admin:dispatch_escalationpolicy_add")


def said(response: Any) -> list[str]:
    """The messages shown on the page a form or an action led to, as text."""
    return [re.sub(r"<[^>]+>", "", str(m)) for m in response.context["messages"]]


def english_in(lines: list[str]) -> list[str]:
    """English phrases on a page (codes with digits in them — A-PC1 — are not words)."""
    return [
        phrase
        for line in lines
        for phrase in ENGLISH.findall(re.sub(r"\S*\d\S*", " ", line))
        if phrase not in NOT_WORDS
    ]


def english_words_in(messages: list[str]) -> list[str]:
    """Any English word in a message: one is enough to be unread ("Cancelled: 1.")."""
    return [
        word
        for line in messages
        for word in LATIN_WORD.findall(re.sub(r"\S*\d\S*", " ", line))
        if word not in NOT_WORDS
    ]


def english(shown: dict[str, list[str]]) -> dict[str, list[str]]:
    """What reads English, by step: pages (``… page``) phrase by phrase, messages word by word."""
    found = {
        step: english_in(lines) if step.endswith(" page") else english_words_in(lines)
        for step, lines in shown.items()
    }
    return {step: words for step, words in found.items() if words}


def policy_form(district: int, **changes: Any) -> dict[str, Any]:
    form = {
        "district": district,
        "priority": "P3",
        "zone": "",
        "deliver_within_s": "0.5",
        "ack_within_s": "4",
        "arrive_within_s": "40",
    }
    return form | changes


@pytest.fixture
def chief(client: Any, world: Any, request: pytest.FixtureRequest) -> Any:
    officer = world.a.chief
    officer.language = request.param
    officer.save(update_fields=["language"])
    client.force_login(officer)
    return officer


@pytest.mark.parametrize("chief", ["kk", "ru"], indirect=True)
def test_saves_and_deletes_are_reported_in_the_chiefs_language(client, world, chief):
    # given: the chief's district has its own escalation policy
    a = world.a.district.pk
    policy = world.a.policy
    change = reverse("admin:dispatch_escalationpolicy_change", args=[policy.pk])
    shown: dict[str, list[str]] = {}

    # when: every way a form is saved — added, changed — and a record deleted
    for button, priority, zone in (
        ("_continue", "P2", ""),
        ("_addanother", "P3", ""),
        ("_save", "P2", "remote"),
    ):
        added = client.post(
            ADD_POLICY, policy_form(a, priority=priority, zone=zone, **{button: "1"})
        )
        shown[f"add {button}"] = said(client.get(added["Location"]))
    for button in ("_continue", "_addanother", "_save"):
        changed = client.post(change, policy_form(a, priority="P1", zone="remote", **{button: "1"}))
        shown[f"change {button}"] = said(client.get(changed["Location"]))
    extra = EscalationPolicy.objects.get(district=a, priority="P2", zone="remote")
    delete = reverse("admin:dispatch_escalationpolicy_delete", args=[quote(extra.pk)])
    shown["delete page"] = visible_text(client.get(delete).content.decode())
    shown["deleted"] = said(client.post(delete, {"post": "yes"}, follow=True))

    # then: each said something, and none of it in English
    assert all(shown.values()), shown
    assert english(shown) == {}
    assert not EscalationPolicy.objects.filter(pk=extra.pk).exists()


@pytest.mark.parametrize("chief", ["kk", "ru"], indirect=True)
def test_a_lists_actions_are_reported_in_the_chiefs_language(client, world, chief):
    # given: two policies of the district besides its own
    a = world.a.district.pk
    for priority in ("P2", "P3"):
        client.post(ADD_POLICY, policy_form(a, priority=priority))
    extra = list(
        EscalationPolicy.objects.filter(district=a, priority__in=["P2", "P3"]).values_list(
            "pk", flat=True
        )
    )
    shown: dict[str, list[str]] = {}

    # when: the list as it opens, an action with no row ticked, rows ticked and no action,
    # the delete action's question and its answer
    listed = client.get(POLICIES).content.decode()
    shown["list page"] = visible_text(listed)
    # the action bar's count before a row is ticked (Kazakh read "0 of 3-ден 0 таңдалды")
    counter = re.search(r'<span class="action-counter"[^>]*>(.*?)</span>', listed, re.S)
    assert counter is not None
    assert not re.search(r"[A-Za-z]", counter.group(1)), counter.group(1)
    shown["nothing ticked"] = said(
        client.post(POLICIES, {"action": "delete_selected", "index": "0"}, follow=True)
    )
    shown["no action"] = said(
        client.post(POLICIES, {"action": "", "index": "0", "_selected_action": extra}, follow=True)
    )
    ask = {"action": "delete_selected", "index": "0", "_selected_action": extra}
    shown["delete question page"] = visible_text(client.post(POLICIES, ask).content.decode())
    shown["deleted"] = said(client.post(POLICIES, ask | {"post": "yes"}, follow=True))

    # then
    assert all(shown.values()), shown
    assert english(shown) == {}
    assert not EscalationPolicy.objects.filter(pk__in=extra).exists()


@pytest.mark.parametrize("chief", ["kk", "ru"], indirect=True)
def test_a_resolved_conflict_is_reported_by_its_call_unit_and_milestone(client, world, chief):
    # given
    conflict = world.a.conflict
    url = reverse("admin:dispatch_conflict_change", args=[conflict.pk])

    # when: saved with "save and continue editing", as the tester did
    response = client.post(
        url,
        {"resolution": "noted", "resolution_note": "көрдім", "_continue": "1"},
        follow=True,
    )

    # then: what was decided, about which call and unit — not "You may edit it again below"
    assert Conflict.objects.get(pk=conflict.pk).state == "resolved"
    messages = said(response)
    assert len(messages) == 1
    assert world.a.incident.number in messages[0]
    assert world.a.unit.callsign in messages[0]
    assert english_words_in(messages) == []
    with translation.override(chief.language):
        assert str(Conflict.Resolution.NOTED.label) in messages[0]
    assert response.redirect_chain[-1][0] == url


@pytest.mark.parametrize("chief", ["kk", "ru"], indirect=True)
def test_a_quarantine_review_is_reported_in_the_chiefs_language(client, world, chief):
    # given
    url = reverse("admin:sync_gateway_quarantinedrecord_changelist")
    record = world.a.quarantined

    # when
    response = client.post(
        url,
        {"action": "mark_reviewed", "index": "0", "_selected_action": [record.pk]},
        follow=True,
    )

    # then
    assert QuarantinedRecord.objects.get(pk=record.pk).reviewed_at is not None
    assert said(response)
    assert english_words_in(said(response)) == []


def test_a_duty_officers_stand_down_from_the_list_is_reported_in_kazakh(client, world):
    # given
    duty = world.duty
    duty.language = "kk"
    duty.save(update_fields=["language"])
    client.force_login(duty)
    url = reverse("admin:dispatch_assignment_changelist")
    ask = {"action": "kuzet_cancel_selected", "index": "0"}

    # when
    response = client.post(url, ask | {"_selected_action": [world.a.assignment.pk]}, follow=True)

    # then
    assert said(response)
    assert english_words_in(said(response)) == []
