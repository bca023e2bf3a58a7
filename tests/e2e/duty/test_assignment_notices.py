"""After the duty officer records what a crew said on the radio, hands the call to another
unit and stands that one down, each notice is one sentence naming the unit and the call —
with the time (UTC+5) and what comes next. They read "Переназначено: 2026-00012 → A-PC2
(Направлен)." and "Отменено: … (Отменён).": the status twice, an arrow. The Russian and
Kazakh words are the catalogs'. Closing a call with crews still on it names each one
released and whether its crew knows (it said only that the call was closed). Screenshots:
``var/screenshots/duty/assignment-notices-{reassigned,cancelled}-{en,ru,kk}.png``,
``assignment-notices-closed-with-units-{en,ru,kk}.png``."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from backend.common import clock
from backend.common.formatting import when_text
from backend.dispatch.models import Assignment
from backend.dispatch.services import assignment_record_on_behalf, incident_dispatch
from backend.people.models import Unit
from tests import factories

from .conftest import log_in, shot

pytest.importorskip("playwright.sync_api", reason="the playwright package is missing")

pytestmark = [pytest.mark.browser, pytest.mark.slow]

RECORDED = {
    "en": "Recorded for {unit}: on scene at {time} (by radio).",
    "ru": "Записано за {unit}: прибыл в {time} (по рации).",
    "kk": "{unit} атынан жазылды: {time} кезінде оқиға орнына жетті (рация арқылы).",
}
REASSIGNED = {
    "en": "Call {number} is handed to {unit} ({old} is taken off it); {unit} must acknowledge "
    "by {time}, or the board raises an alert.",
    "ru": "Вызов {number} передан {unit} ({old} снят); {unit} должен подтвердить до {time}, "
    "иначе на табло будет тревога.",
    "kk": "{number} шақыруы {unit} нарядына берілді ({old} алынды); {unit} {time} дейін "
    "растауы керек, әйтпесе таблода дабыл көтеріледі.",
}
CANCELLED = {
    "en": "{unit} is taken off call {number}; the crew is told.",
    "ru": "{unit} снят с вызова {number}; экипажу сообщено.",
    "kk": "{unit} {number} шақыруынан алынды; нарядқа хабарланды.",
}


def _notice(page: Any) -> str:
    notice = page.locator("#panel ul.messagelist li.success")
    notice.wait_for(timeout=30_000)
    return str(notice.inner_text())


@pytest.mark.parametrize("language", ["en", "ru", "kk"])
def test_the_desks_notices_on_a_crew_name_the_unit_the_call_and_what_comes_next(
    server: str, browser: Any, personas: Any, language: str
) -> None:
    # given: A-PC1 sent to a call in Ayagoz; A-PC2 near it too
    a = personas.a
    call = factories.incident(
        district=a.district, settlement=a.town, received_at=clock.now() - dt.timedelta(minutes=3)
    )
    first = incident_dispatch(incident=call, unit=a.patrol, by=personas.duty)
    second = factories.unit(
        callsign="A-PC2", district=a.district, lat=a.town.lat + 0.03, lon=a.town.lon + 0.03
    )
    page = log_in(browser, server, personas.duty, language=language)
    page.goto(f"{server}/admin/dispatch/incident/{call.pk}/change/")
    page.wait_for_selector("#kuzet-assignments")

    # when: "on scene", heard by radio just now
    row = page.locator("#kuzet-assignments tr.kuzet-commands").first
    row.locator("select[name=kind]").select_option("on_scene")
    row.locator("select[name=channel]").select_option("radio")
    row.locator("input[name=uncertainty_min]").fill("")
    row.locator("form.kuzet-record input[type=submit]").click()
    recorded = _notice(page)

    # then
    first.refresh_from_db()
    assert recorded == RECORDED[language].format(unit="A-PC1", time=when_text(first.on_scene_at))

    # when: the call is handed to A-PC2
    row = page.locator("#kuzet-assignments tr.kuzet-commands").first
    row.locator("select[name=unit_id]").select_option(str(second.pk))
    row.locator("form:has(select[name=unit_id]) input[type=submit]").click()
    page.wait_for_selector("#kuzet-assignments tr.kuzet-assignment[data-unit='A-PC2']")
    reassigned = _notice(page)

    # then
    new = Assignment.objects.get(incident=call, unit=second)
    assert reassigned == REASSIGNED[language].format(
        number=call.number, unit="A-PC2", old="A-PC1", time=when_text(new.ack_due_at)
    )
    assert "→" not in reassigned
    shot(page, f"assignment-notices-reassigned-{language}")

    # when: A-PC2 is stood down
    row = page.locator("#kuzet-assignments tr.kuzet-commands").first
    row.locator("input[name=reason]").fill("отбой")
    row.locator("form:has(input[name=reason]) input[type=submit]").click()
    page.locator("#kuzet-assignments").wait_for(state="detached", timeout=30_000)
    cancelled = _notice(page)

    # then
    assert cancelled == CANCELLED[language].format(unit="A-PC2", number=call.number)
    shot(page, f"assignment-notices-cancelled-{language}")
    assert page.kuzet_errors == []


CLOSED = {
    "en": ("Close", "Call {number} is closed (разобрались) with the outcome: Warning given; the "
           "units released from it: A-PC1 (cleared, the crew is told), A-UI1 (stood down, the "
           "crew gets the cancellation when its phone is back in contact)."),
    "ru": ("Закрыть", "Вызов {number} закрыт (разобрались) с результатом: Вынесено "
           "предупреждение; освобождены наряды: A-PC1 (завершил работу, экипажу сообщено), "
           "A-UI1 (снят с вызова, экипаж получит отмену, когда телефон будет на связи)."),
    "kk": ("Жабу", "{number} шақыруы жабылды (разобрались), нәтижесі: Ескерту жасалды; "
           "босатылған нарядтар: A-PC1 (жұмысын аяқтады, нарядқа хабарланды), A-UI1 (кері "
           "шақырылды, телефоны байланысқа шыққанда наряд болдырмау туралы хабарды алады)."),
}  # fmt: skip


@pytest.mark.parametrize("language", ["en", "ru", "kk"])
def test_closing_a_call_names_each_crew_released_and_whether_it_knows(
    server: str, browser: Any, personas: Any, language: str
) -> None:
    # given: A-PC1 on scene (heard by radio), its phone in contact; A-UI1 on its way to the
    # same call, its phone never heard from
    a = personas.a
    call = factories.incident(
        district=a.district, settlement=a.town, received_at=clock.now() - dt.timedelta(minutes=9)
    )
    first = incident_dispatch(incident=call, unit=a.patrol, by=personas.duty)
    incident_dispatch(incident=call, unit=a.inspector_unit, by=personas.duty)
    assignment_record_on_behalf(
        assignment=first, by=personas.duty, kind="on_scene", channel="radio"
    )
    Unit.objects.filter(pk=a.patrol.pk).update(last_contact_at=clock.now())
    Unit.objects.filter(pk=a.inspector_unit.pk).update(last_contact_at=None)
    page = log_in(browser, server, personas.duty, language=language)
    page.goto(f"{server}/admin/dispatch/incident/{call.pk}/change/")
    page.wait_for_selector("#kuzet-assignments")
    button, sentence = CLOSED[language]

    # when: the call is closed with a warning
    commands = page.locator("#kuzet-incident-commands")
    commands.locator("input[name=disposition]").fill("разобрались")
    commands.locator("select[name=outcome_code]").select_option("warning")
    commands.locator(f"input[type=submit][value='{button}']").click()
    page.locator("#kuzet-assignments").wait_for(state="detached", timeout=30_000)
    closed = _notice(page)

    # then: both named, each as it ended, and which crew knows now
    assert closed == sentence.format(number=call.number)
    shot(page, f"assignment-notices-closed-with-units-{language}")
    assert page.kuzet_errors == []
