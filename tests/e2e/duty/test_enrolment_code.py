"""A chief issues an officer's enrolment code from the officer list and sees it once, as text
and as a QR code the field app scans. Screenshot: ``var/screenshots/duty/enrolment-code.png``."""

from __future__ import annotations

from typing import Any

import pytest

from backend.devices.models import EnrolmentCode, digest
from backend.devices.services import normalise_code
from tests.e2e.duty.conftest import log_in, shot

pytest.importorskip("playwright.sync_api", reason="the playwright package is missing")

pytestmark = [pytest.mark.slow, pytest.mark.browser]


def test_a_chief_issues_a_code_and_sees_it_with_its_qr_code(
    server: str, browser: Any, personas: Any
) -> None:
    # given: the chief of Ayagoz at the officer list
    officer = personas.a.patrol_officers[0]
    page = log_in(browser, server, personas.a.chief)
    page.goto(f"{server}/admin/people/officer/")

    # when: they tick one officer and run the action
    page.check(f"input[name=_selected_action][value='{officer.pk}']")
    page.select_option("select[name=action]", "issue_enrolment_code")
    page.click("button[name=index]")

    # then: the code, valid for that officer, and its QR code beside it
    card = page.locator(f"#code-{officer.username}")
    code = card.locator(".code code").inner_text()
    assert EnrolmentCode.objects.get(officer=officer, code_hash=digest(normalise_code(code)))
    assert card.locator(".qr svg path").count() == 1
    box = card.locator(".qr svg").bounding_box()
    assert box is not None
    assert box["width"] >= 120  # large enough for a phone camera
    shot(page, "enrolment-code")
    assert page.kuzet_errors == []
