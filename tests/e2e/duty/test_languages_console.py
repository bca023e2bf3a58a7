"""The duty officer's console in Kazakh and in Russian, in a real browser (Debian's chromium):
the incident page (its panel, commands and timeline), the call-entry page (its labels and the
hints its script writes) and the live board (its headings and what its script draws). Each in
the officer's language, with no English left in the main actions. Screenshots:
``var/screenshots/duty/``.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest

from backend.common import clock
from backend.dispatch.services import incident_dispatch
from backend.people.models import Unit
from tests import factories

from .conftest import log_in, shot

pytest.importorskip("playwright.sync_api", reason="the playwright package is missing")

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.browser, pytest.mark.redis]

# English a Kazakh or Russian reader must not meet in the console's main actions and headings.
ENGLISH = (
    "Dispatch",
    "Record",
    "Reassign",
    "Cancel assignment",
    "Cancel incident",
    "Close",
    "Take a call",
    "Save the call",
    "Timeline",
    "Open assignments",
    "Nearest unit",
    "Send",
    "Open incidents",
    "Assignments",
    "Units",
    "Alerts",
    "Mark all read",
    "acknowledged",
    "available",
    "urban",
    "unreachable",
    # the timeline's data: labels and codes
    "Deadlines",
    "Policy",
    "Ack within",
    "duty_officer",
    "no_device",
    # the board's alarm
    "escalation sweep",
)

WORDS = {
    "kk": {
        "dispatch_heading": "Жіберу — ең жақын бос нарядтар (аймақ: Қалалық)",
        "dispatch_button": "Жіберу",
        "record_button": "Жазу",
        "reassign_button": "Қайта тағайындау",
        "cancel_assignment": "Тапсырманы болдырмау",
        "open_assignments": "Ашық тапсырмалар",
        "presence": "Бос",
        "timeline": "Хронология",
        "timeline_kinds": {"Оқиға", "Тапсырма", "Оқиға дерегі", "Аудит"},
        "record_kinds": ["расталды", "жолда", "оқиға орнында", "аяқталды", "нәтиже"],
        "take_a_call": "Шақыруды қабылдау",
        "save_the_call": "Шақыруды сақтау",
        "phone_hint": "Әзірге Қазақстан нөмірі емес: +7 7XX XXX XX XX",
        "nearby_hint": "Телефонды теріңіз немесе елді мекенді таңдаңыз",
        "board_headings": {"Ашық оқиғалар", "Тапсырмалар", "Аудан картасы", "Нарядтар", "Дабылдар"},
        "board_live": "байланыста",
        "nearest": "Ең жақын наряд",
        "cancel": "Болдырмау",
        "mark_read": "Барлығын оқылды деп белгілеу",
    },
    "ru": {
        "dispatch_heading": "Направление — ближайшие свободные наряды (зона: Городская)",
        "dispatch_button": "Направить",
        "record_button": "Записать",
        "reassign_button": "Переназначить",
        "cancel_assignment": "Отменить назначение",
        "open_assignments": "Открытые назначения",
        "presence": "Свободен",
        "timeline": "Хронология",
        "timeline_kinds": {"Происшествие", "Назначение", "Событие", "Аудит"},
        "record_kinds": ["подтверждено", "выехал", "на месте", "завершено", "результат"],
        "take_a_call": "Принять вызов",
        "save_the_call": "Сохранить вызов",
        "phone_hint": "Пока не казахстанский номер: +7 7XX XXX XX XX",
        "nearby_hint": "Наберите телефон или выберите населённый пункт",
        "board_headings": {
            "Открытые происшествия",
            "Назначения",
            "Карта района",
            "Наряды",
            "Тревоги",
        },
        "board_live": "на связи",
        "nearest": "Ближайший наряд",
        "cancel": "Отменить",
        "mark_read": "Отметить все прочитанными",
    },
}


# The board's panels whose content runs past their right edge (it scrolls inside the panel).
CUT = (
    "[...document.querySelectorAll('main section')]"
    ".filter(s => s.scrollWidth > s.clientWidth + 1)"
    ".map(s => s.querySelector('h2').textContent.trim())"
)


def english_left(text: str) -> set[str]:
    """The English words of ENGLISH that occur in ``text`` as words of their own."""
    return {w for w in ENGLISH if re.search(rf"(?<![\w-]){re.escape(w)}(?![\w-])", text)}


def values_and_text(page: Any, selector: str) -> str:
    """What a person reads in a part of the page: its text and its buttons' values."""
    return page.locator(selector).evaluate(
        """root => root.innerText + "\\n" + Array.from(root.querySelectorAll(
            "input[type=submit], button, option, input[placeholder]"))
            .map(e => e.value + " " + (e.placeholder || "") + " " + e.textContent).join("\\n")"""
    )


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_the_console_speaks_the_officers_language(
    server: str, browser: Any, personas: Any, language: str
) -> None:
    # given: in Ayagoz a theft with the patrol car sent, two calls waiting, the units
    # heard just now; the duty officer reads `language`
    words = WORDS[language]
    a = personas.a
    now = clock.now()
    Unit.objects.filter(district=a.district).update(
        last_contact_at=now, last_contact_via="pull", position_at=now
    )
    sent = factories.incident(
        district=a.district,
        settlement=a.town,
        category="theft",
        summary="кража велосипеда у магазина",
        received_at=now - dt.timedelta(minutes=5),
    )
    incident_dispatch(incident=sent, unit=a.patrol, by=personas.duty)
    factories.incident(
        district=a.district,
        settlement=a.town,
        category="violence",
        priority="P0",
        summary="драка у магазина",
        received_at=now - dt.timedelta(minutes=1),
    )
    factories.incident(  # a call from last night: its date above its time, a long category
        district=a.district,
        settlement=a.town,
        category="disorder",
        summary="конфликт соседей",
        received_at=now - dt.timedelta(hours=9),
    )
    page = log_in(browser, server, personas.duty, language=language)

    # when: the incident page
    page.goto(f"{server}/admin/dispatch/incident/{sent.pk}/change/")
    page.wait_for_selector("#kuzet-dispatch")

    # then: the panel's headings, buttons, presence and timeline in the officer's language
    assert page.locator("html").get_attribute("lang") == language
    assert page.locator("#kuzet-dispatch h2").inner_text() == words["dispatch_heading"]
    assert page.locator("#kuzet-assignments h2").inner_text() == words["open_assignments"]
    dispatch_buttons = page.locator("#kuzet-dispatch input[type=submit]")
    assert {
        dispatch_buttons.nth(i).get_attribute("value") for i in range(dispatch_buttons.count())
    } == {words["dispatch_button"]}
    commands = page.locator("#kuzet-assignments tr.kuzet-commands")
    assert (
        commands.locator("form.kuzet-record input[type=submit]").get_attribute("value")
        == (words["record_button"])
    )
    assert commands.locator(f"input[value='{words['reassign_button']}']").count() == 1
    assert commands.locator(f"input[value='{words['cancel_assignment']}']").count() == 1
    kinds = commands.locator("select[name=kind] option").all_inner_texts()
    assert kinds == words["record_kinds"]
    presence = page.locator("#kuzet-dispatch tr.kuzet-unit td:nth-child(3)").all_inner_texts()
    assert presence
    assert set(presence) == {words["presence"]}
    assert page.locator("#kuzet-timeline h2").inner_text() == words["timeline"]
    kinds_shown = set(page.locator("#kuzet-timeline tbody td:nth-child(2)").all_inner_texts())
    assert kinds_shown == words["timeline_kinds"]
    times = page.locator("#kuzet-timeline tbody td:nth-child(1)").all_inner_texts()
    assert times
    assert all(re.fullmatch(r"(\d\d\.\d\d\.\d{4} )?\d\d:\d\d:\d\d", t) for t in times), times
    details = " ".join(page.locator("#kuzet-timeline tbody td:nth-child(5)").all_inner_texts())
    assert "{" not in details  # words, not JSON
    assert '":' not in details
    assert english_left(values_and_text(page, "#panel")) == set()
    shot(page, f"70-console-incident-{language}")

    # when: the call-entry page, a phone half typed
    page.goto(f"{server}/admin/dispatch/incident/add/")
    page.wait_for_selector("#call-save")

    # then: its heading, button and the hints its script writes, in the officer's language
    assert page.locator("#content h1").inner_text() == words["take_a_call"]
    assert words["save_the_call"] in page.locator("#call-save").inner_text()
    assert words["nearby_hint"] in page.locator("#content").inner_text()
    page.locator("#id_caller_phone").fill("+7 70")
    page.locator("#id_caller_phone").blur()
    # (written under the field, where it is read with it: a tooltip was seen with a mouse only)
    warning = page.locator("#row-caller_phone .call-warning-text")
    warning.wait_for()
    assert words["phone_hint"] in warning.inner_text()
    assert english_left(values_and_text(page, "#content")) == set()
    shot(page, f"71-console-call-entry-{language}")

    # when: the live board
    page.goto(f"{server}/board/")
    page.wait_for_selector("body[data-live]", timeout=10_000)
    page.wait_for_selector("button.recommend")

    # then: its headings, status, and the buttons its script draws, in the officer's language
    assert page.locator("html").get_attribute("lang") == language
    headings = {h.split("\n")[0].strip() for h in page.locator("h2").all_inner_texts()}
    assert all(any(h.startswith(w) for h in headings) for w in words["board_headings"])
    assert page.locator("#status").inner_text() == words["board_live"]
    assert page.locator("button.recommend").first.inner_text() == words["nearest"]
    assert page.locator("#mark-read").inner_text() == words["mark_read"]
    assert page.get_by_role("button", name=words["cancel"]).count() >= 1
    assert english_left(values_and_text(page, "body")) == set()
    # and every panel shows its whole width on a 1440-px screen: no table runs past its edge
    # (the units' "давность положения" did, in Russian)
    cut = page.evaluate(CUT)
    assert cut == []
    # and on the control centre's 1366-px laptop too (the calls' actions scrolled out of
    # sight in Russian)
    page.set_viewport_size({"width": 1366, "height": 768})
    assert page.evaluate(CUT) == []
    shot(page, f"72-console-board-{language}")
    assert page.kuzet_errors == []
