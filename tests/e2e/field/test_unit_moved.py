"""An officer moved to another unit, in a real browser: his phone got the new unit's calls
(the server rebuilt its scope) while its header kept the callsign it was enrolled with, so an
officer now on the district inspector's unit read "A-PC1" and no Visits tab. A new snapshot
names the unit now (docs/protocol.md §3) and the phone follows it.

Screenshot: var/screenshots/field/55-moved-to-another-unit.png.
"""

from __future__ import annotations

import pytest

from tests.e2e import browser
from tests.e2e.browser import launch_phone, screenshot

from .conftest import enrolment_code
from .phone import enrol

expect = pytest.importorskip(
    "playwright.sync_api", reason="the playwright package is missing"
).expect

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.slow,
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def test_an_officer_moved_to_the_inspectors_unit_reads_its_callsign_and_its_visits(
    field_server, duty_api, personas, profile
):
    # given: an officer of A's patrol car, his phone enrolled on it
    a = personas.a
    officer = a.patrol_officers[0]
    with browser.playwright() as driver:
        phone = launch_phone(driver, profile)
        page = phone.pages[0]
        enrol(page, field_server, enrolment_code(officer.username))
        expect(page.locator(".unit-chip .callsign")).to_have_text("A-PC1")
        expect(page.get_by_role("link", name="Посещения")).to_have_count(0)

        # when: the chief moves him to the district inspector's unit, and the phone syncs
        officer.unit = a.inspector_unit
        officer.save(update_fields=["unit"])
        page.get_by_role("button", name="Обновить").click()

        # then: the header names the new unit, and an inspector's Visits tab is there
        expect(page.locator(".unit-chip .callsign")).to_have_text("A-UI1", timeout=20_000)
        expect(page.get_by_role("link", name="Посещения", exact=False)).to_be_visible()
        screenshot(page, "field", "55-moved-to-another-unit")

        # and after a restart of the app, still the new unit
        page.reload()
        expect(page.locator(".unit-chip .callsign")).to_have_text("A-UI1", timeout=20_000)
        phone.close()
