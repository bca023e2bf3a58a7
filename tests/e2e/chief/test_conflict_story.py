"""A district chief decides one crew's returning milestones in one resolution, in a real
browser (Debian's chromium driven by Playwright).

A's patrol car was stood down while out of coverage; back in coverage, its phone sends the
acknowledgment, the way there and the arrival it recorded after that: three conflicts of one
story. The chief, reading Kazakh, follows "open conflicts" from the home page, sees each row
named by its milestone, opens one, finds the other two named under a ticked box, decides
once — and all three are resolved. Screenshots: ``var/screenshots/chief/conflict-*.png``.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from backend.dispatch.models import Conflict
from tests.backend.sync_support import crew_back_after_stand_down
from tests.e2e import browser as shared

from .console import chief_logged_in

pytest.importorskip("playwright.sync_api", reason="the playwright package is missing")

pytestmark = [pytest.mark.slow, pytest.mark.browser]


@pytest.fixture
def published(personas: Any) -> None:
    from backend.sync_gateway.scope import reference_reconcile

    reference_reconcile()


def test_a_chief_resolves_a_crews_returning_milestones_at_once(
    server: str, browser: Any, personas: Any, published: None
) -> None:
    # given: three conflicts of one crew's story; the chief reads Kazakh
    story = crew_back_after_stand_down(personas, Client())
    chief = personas.a.chief
    page, errors = chief_logged_in(browser, server, chief, viewport={"width": 1440, "height": 900})

    # when: "open conflicts" on the home page
    page.click("#need-open_conflicts")
    page.wait_for_selector("#result_list")

    # then: three rows, each named by its milestone
    milestones = sorted(page.locator("#result_list td.field-milestone").all_inner_texts())
    assert milestones == ["Жолда", "Оқиға орнында", "Расталды"]
    shared.screenshot(page, "chief", "conflict-1-queue-kk")

    # when: the arrival's conflict
    page.click(f'#result_list a[href*="/conflict/{story["on_scene"].pk}/change/"]')
    page.wait_for_selector("#id_resolution")

    # then: the crew's two other conflicts, named, under a box the chief ticks (nothing is
    # decided for them: no resolution chosen, the box unticked)
    assert not page.is_checked("#id_together")
    assert page.input_value("#id_resolution") == ""
    help_text = page.inner_text("#id_together_helptext")
    assert f"#{story['ack'].pk} Расталды" in help_text
    assert f"#{story['en_route'].pk} Жолда" in help_text
    assert page.locator(".field-same_assignment li a").count() == 2
    shared.screenshot(page, "chief", "conflict-2-one-story-kk")

    # when: one decision for the story
    page.check("#id_together")
    page.select_option("#id_resolution", "accept_device")
    page.fill("#id_resolution_note", "Экипаж байланыссыз аймақта болды, оқиға орнына жетті")
    page.click("input[name=_save]")
    page.wait_for_selector(".messagelist")

    # then: all three resolved, with the one note
    states = set(Conflict.objects.values_list("state", "resolution", "resolution_note"))
    assert states == {
        ("resolved", "accept_device", "Экипаж байланыссыз аймақта болды, оқиға орнына жетті")
    }
    said = page.inner_text(".messagelist")
    assert "Онымен бірге дәл солай шешілді: " in said
    assert f"#{story['ack'].pk} Расталды" in said
    assert errors == []
    shared.screenshot(page, "chief", "conflict-3-resolved-kk")

    # when: the conflict's "History"
    page.goto(f"{server}/admin/dispatch/conflict/{story['ack'].pk}/history/")

    # then: its audit trail, newest first — the chief's resolution with the note, then the
    # conflict opened by the crew's phone — in Kazakh words, not codes
    rows = page.locator("#audit-history tbody tr").all_inner_texts()
    assert len(rows) == 2, rows
    resolved, opened = rows
    assert chief.username in resolved
    assert "Экипаж байланыссыз аймақта болды" in resolved
    assert "Құрылғы деректерін қабылдау" in resolved  # accept_device, in words
    assert "Қайта тағайындаудан кейінгі кезең" in opened  # after_reassign, in words
    assert "after_reassign" not in page.inner_text("#audit-history")
    assert "Аудит журналында 2 жазба" in page.inner_text(".paginator")
    shared.screenshot(page, "chief", "conflict-4-history-kk")
    page.context.close()
