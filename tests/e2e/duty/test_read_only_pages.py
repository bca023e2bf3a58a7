"""A page the duty officer may read but not change — a unit's, an assignment's — ends with
"Back to the list", not Django's "Close" ("Закрыть", "Жабу"): in this console "Close" is what
is done to a call, and the link looked like it. Screenshots:
``var/screenshots/duty/read-only-unit-{en,ru,kk}.png``."""

from __future__ import annotations

from typing import Any

import pytest

from backend.dispatch.services import incident_dispatch
from tests import factories

from .conftest import log_in, shot

pytest.importorskip("playwright.sync_api", reason="the playwright package is missing")

pytestmark = [pytest.mark.browser, pytest.mark.slow]

BACK = {"en": "Back to the list", "ru": "Назад к списку", "kk": "Тізімге оралу"}
CLOSE = {"en": "Close", "ru": "Закрыть", "kk": "Жабу"}


@pytest.mark.parametrize("language", ["en", "ru", "kk"])
def test_a_read_only_page_leads_back_to_the_list_and_closes_nothing(
    server: str, browser: Any, personas: Any, language: str
) -> None:
    # given: a unit of district A on a call (the duty officer views units, changes none)
    a = personas.a
    call = factories.incident(district=a.district, settlement=a.town)
    assignment = incident_dispatch(incident=call, unit=a.patrol, by=personas.duty)
    page = log_in(browser, server, personas.duty, language=language)

    for path, listed in (
        (f"people/unit/{a.patrol.pk}/change/", "/admin/people/unit/"),
        (f"dispatch/assignment/{assignment.pk}/change/", "/admin/dispatch/assignment/"),
    ):
        # when: he opens the record's page
        page.goto(f"{server}/admin/{path}")

        # then: the save row's one link says where it goes
        row = page.locator(".submit-row")
        assert row.locator("a").all_inner_texts() == [BACK[language]], path
        assert CLOSE[language] not in row.inner_text()
        assert row.locator("input[type=submit]").count() == 0  # nothing to save
        if path.startswith("people"):
            shot(page, f"read-only-unit-{language}")

        # when: he follows it
        row.locator("#back-to-list").click()
        page.wait_for_load_state()

        # then: the list
        assert page.url == f"{server}{listed}", page.url
    assert page.kuzet_errors == []
