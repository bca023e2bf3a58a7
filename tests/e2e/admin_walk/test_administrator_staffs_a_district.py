"""The oblast administrator staffs a district in the browser, in Russian, as a first-time
user with the docs: a patrol car, an officer who reads Kazakh crewing it, his phone's
one-time code and where he types it; then a duty officer locked out after wrong passwords
is given a new one and signs in. Screenshots: ``var/screenshots/admin_walk/``."""

from __future__ import annotations

from typing import Any

import pytest

from backend.ledger.models import AuditEntry
from backend.people.models import Officer, Unit
from tests.e2e import browser as shared
from tests.e2e.processes import set_server_password

pytest.importorskip("playwright.sync_api", reason="the playwright package is missing")

pytestmark = [pytest.mark.slow, pytest.mark.browser]

SUITE = "admin_walk"
PASSWORD = "abai-admin-102"
NEW_PASSWORD = "Kokpekty-2026!x"


def signed_in(browser: Any, server: str, username: str, password: str) -> Any:
    page = browser.new_context(locale="ru-RU", timezone_id="Asia/Almaty").new_page()
    page.goto(f"{server}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("input[type=submit]")
    page.wait_for_load_state()
    return page


def choose(page: Any, select: str, value: Any, label: str) -> None:
    """Pick ``value`` in an autocomplete select (select2) as a click on its suggestion does."""
    page.evaluate(
        """([sel, v, l]) => { const e = document.querySelector(sel);
        if (![...e.options].some(o => o.value == v)) e.add(new Option(l, v));
        e.value = v; e.dispatchEvent(new Event('change')); }""",
        [select, str(value), label],
    )


def test_the_administrator_crews_a_patrol_car_and_gives_its_officer_a_code(
    server, browser, personas
):
    # given: the oblast administrator, reading Russian
    admin_user = personas.oblast_admin
    admin_user.language = "ru"
    set_server_password(admin_user, PASSWORD)
    admin_user.save(update_fields=["language", "password"])
    district = personas.a.district
    page = signed_in(browser, server, admin_user.username, PASSWORD)

    # when: a patrol car, then an officer who reads Kazakh in it
    page.goto(f"{server}/admin/people/unit/add/")
    page.fill("#id_callsign", "KOK-PC1")
    page.select_option("#id_type", "patrol_car")
    page.select_option("#id_district", str(district.pk))
    page.click("input[name=_save]")
    unit = Unit.objects.get(callsign="KOK-PC1")
    page.goto(f"{server}/admin/people/officer/add/")
    page.fill("#id_username", "kok_pc1_1")
    page.check("input[name=usable_password][value=false]")
    page.fill("#id_first_name", "Нұрлан")
    page.fill("#id_last_name", "Әбдірахманов")
    page.fill("#id_patronymic", "Серікұлы")
    page.select_option("#id_language", "kk")
    page.select_option("#id_role", "officer")
    page.select_option("#id_district", str(district.pk))
    choose(page, "#id_unit", unit.pk, unit.callsign)
    page.click("input[name=_save]")
    page.wait_for_load_state()
    officer = Officer.objects.get(username="kok_pc1_1")
    page.goto(f"{server}/admin/people/unit/{unit.pk}/change/")
    crew = page.locator(".field-crew .readonly").inner_text()
    shared.screenshot(page, SUITE, "01-unit-crewed-ru")
    page.goto(f"{server}/admin/people/officer/?q=kok_pc1_1")
    page.check(f"input[name=_selected_action][value='{officer.pk}']")
    page.select_option("select[name=action]", "issue_enrolment_code")
    page.click("button[name=index]")
    page.wait_for_load_state()
    shared.screenshot(page, SUITE, "02-enrolment-code-ru")
    codes = page.locator("#content").inner_text()

    # then
    assert (officer.language, officer.patronymic, officer.unit_id) == ("kk", "Серікұлы", unit.pk)
    assert crew == "Нұрлан Әбдірахманов"
    assert f"{server}/app/" in codes
    assert page.locator("#code-kok_pc1_1 .code code").inner_text().count("-") == 2


def test_a_locked_out_duty_officer_signs_in_with_the_password_the_administrator_set(
    server, browser, personas, settings
):
    # given: a district's duty officer who forgot the password and is locked out trying
    admin_user = personas.oblast_admin
    admin_user.language = "ru"
    set_server_password(admin_user, PASSWORD)
    admin_user.save(update_fields=["language", "password"])
    duty = Officer.objects.create_user(
        username="duty_kok2", role="duty_officer", district=personas.a.district, is_staff=True
    )
    set_server_password(duty, "forgotten-password-1")
    duty.save(update_fields=["password"])
    door = browser.new_context(locale="ru-RU").new_page()
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        door.goto(f"{server}/admin/login/")
        door.fill("#id_username", "duty_kok2")
        door.fill("#id_password", f"wrong-{attempt}")
        door.click("input[type=submit]")
    assert "заблокирован" in door.locator("body").inner_text()

    # when: the administrator sets a new password on the officer's page
    page = signed_in(browser, server, admin_user.username, PASSWORD)
    page.goto(f"{server}/admin/people/officer/{duty.pk}/password/")
    shared.screenshot(page, SUITE, "03-set-password-ru")
    form = page.locator("#content").inner_text()
    page.fill("#id_password1", NEW_PASSWORD)
    page.fill("#id_password2", NEW_PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_load_state()
    shared.screenshot(page, SUITE, "04-password-set-ru")
    said = page.locator(".messagelist").inner_text()
    door.goto(f"{server}/admin/login/")
    door.fill("#id_username", "duty_kok2")
    door.fill("#id_password", NEW_PASSWORD)
    door.click("input[type=submit]")
    door.wait_for_load_state()

    # then: the form spoke the console's words, the page said the lockout is lifted, and the
    # duty officer is in
    assert "Блокировка входа duty_kok2 после неверных паролей снята." in said
    assert "LDAP" not in form
    assert "Пароль для пульта" in form
    assert door.url.rstrip("/").endswith("/admin")
    assert AuditEntry.objects.filter(action="auth.password_set", object_id=str(duty.pk)).exists()
