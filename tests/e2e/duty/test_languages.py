"""The duty officer's console in Kazakh and Russian, in a real browser (Debian's chromium).

``personas.duty`` reads Kazakh: after logging in, the admin and the incident list are in
Kazakh (labels, category names, the header). The header's switch turns the console into
Russian, and the choice is kept on the officer. Screenshots: ``var/screenshots/duty/``.
"""

from __future__ import annotations

from typing import Any

import pytest

from backend.people.models import Officer
from tests import factories

from .conftest import log_in, shot

pytest.importorskip("playwright.sync_api", reason="the playwright package is missing")

pytestmark = [pytest.mark.slow, pytest.mark.browser]


def test_duty_officer_reads_kazakh_and_switches_to_russian(
    server: str, browser: Any, personas: Any
) -> None:
    # given: a theft in Ayagoz waiting for a unit; the duty officer reads Kazakh
    town, district = personas.a.town, personas.a.district
    town.name_kk, district.name_kk = "Аягөз", "Аягөз ауданы"
    town.save(update_fields=["name_kk"])
    district.save(update_fields=["name_kk"])
    incident = factories.incident(
        district=personas.a.district, settlement=personas.a.town, category="theft",
        summary="Велосипед ұрланды",
    )  # fmt: skip
    page = log_in(browser, server, personas.duty, language="kk")

    # when: the incident list
    page.goto(f"{server}/admin/dispatch/incident/")

    # then: Kazakh — the page, the columns, the category, the header and its switch
    assert page.locator("html").get_attribute("lang") == "kk"
    assert page.locator("#site-name").inner_text() == "Kuzet — ЖБО пульті"
    assert page.locator("#content h1").inner_text() == "Оқиғалар"
    headers = page.locator("#result_list thead th").all_text_contents()
    assert {"Түсті", "Санат", "Жету уақыты"} <= {h.strip() for h in headers}
    row = page.locator("#result_list tbody tr", has_text=incident.number)
    # (the category, the caller's summary under it)
    assert row.locator("td.field-what").inner_text().splitlines()[0] == "Ұрлық"
    # places by their Kazakh names (the KATO extract is Russian)
    assert row.locator("td.field-place").inner_text() == "Аягөз"
    assert row.locator("td.field-district").inner_text() == "Аягөз ауданы"
    assert page.get_by_role("button", name="Қазақша").is_disabled()
    shot(page, "60-languages-incident-list-kk")

    # and: the live board names the place in Kazakh too
    page.goto(f"{server}/board/")
    board_row = page.locator("#incidents tr", has_text=incident.number)
    board_row.wait_for()
    assert board_row.locator("td.place").inner_text() == "Аягөз"
    page.goto(f"{server}/admin/dispatch/incident/")

    # when: the header's switch
    page.get_by_role("button", name="Русский").click()
    page.wait_for_load_state()

    # then: the same list in Russian, and the choice kept on the officer
    assert page.url == f"{server}/admin/dispatch/incident/"
    assert page.locator("html").get_attribute("lang") == "ru"
    assert page.locator("#site-name").inner_text() == "Kuzet — пульт ЦОУ"
    assert page.locator("#content h1").inner_text() == "Происшествия"
    headers = page.locator("#result_list thead th").all_text_contents()
    assert {"Поступило", "Категория", "Время прибытия"} <= {h.strip() for h in headers}
    row = page.locator("#result_list tbody tr", has_text=incident.number)
    # (the category, the caller's summary under it)
    assert row.locator("td.field-what").inner_text().splitlines()[0] == "Кража"
    assert row.locator("td.field-place").inner_text() == "Аягоз"
    assert row.locator("td.field-district").inner_text() == "Аягозский район"
    assert Officer.objects.get(pk=personas.duty.pk).language == "ru"
    shot(page, "61-languages-incident-list-ru")

    # and: the admin's home in Russian too
    page.goto(f"{server}/admin/")
    assert "Диспетчеризация, наряды и аудит" in page.locator("#content").inner_text()
    shot(page, "62-languages-home-ru")
    assert page.kuzet_errors == []
