"""The call page's fields say in full what goes in them, on a 1366 × 768 laptop, in Russian
and in Kazakh (Debian's chromium driven by Playwright): a field's hint written inside it
("reason for reopening (required)") was cut to "причина повторного открытия (обязател" —
the word that says the field may not stay empty was the part lost. Walked on a call with a
unit on its way, on a closed call (reopen) and on a call linked as a repeat (separate).
Screenshots: ``var/screenshots/duty/call-hints-*.png``.
"""

from __future__ import annotations

from typing import Any

import pytest

from backend.common import clock
from backend.dispatch.services import incident_close, incident_dispatch
from tests import factories

from .conftest import log_in, shot

pytest.importorskip("playwright.sync_api", reason="the playwright package is missing")

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LAPTOP = {"width": 1366, "height": 768}

# The hints (placeholders) of the panel's fields wider than the room inside their field.
CUT_HINTS_JS = """() => {
  const ctx = document.createElement('canvas').getContext('2d');
  return [...document.querySelectorAll('#panel input[placeholder]')]
    .filter((e) => e.offsetParent !== null && e.placeholder)
    .filter((e) => {
      const s = getComputedStyle(e);
      ctx.font = `${s.fontStyle} ${s.fontWeight} ${s.fontSize} ${s.fontFamily}`;
      const room = e.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight);
      return ctx.measureText(e.placeholder).width > room + 1;
    })
    .map((e) => e.placeholder);
}"""


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_every_field_on_the_call_page_shows_its_whole_hint(
    server: str, browser: Any, personas: Any, language: str
) -> None:
    # given: a call with a unit on its way, a closed call, and a repeat call linked to the first
    a = personas.a
    sent = factories.incident(district=a.district, settlement=a.village, received_at=clock.now())
    incident_dispatch(incident=sent, unit=a.patrol, by=personas.duty)
    closed = factories.incident(district=a.district, settlement=a.town)
    incident_close(incident=closed, by=personas.duty, disposition="заявление принято")
    repeat = factories.incident(
        district=a.district, settlement=a.village, status="duplicate", duplicate_of=sent
    )
    page = log_in(browser, server, personas.duty, language=language, viewport=LAPTOP)
    cut: dict[str, list[str]] = {}
    for name, call in (("sent", sent), ("closed", closed), ("repeat", repeat)):
        # when: the duty officer opens the call's page
        page.goto(f"{server}/admin/dispatch/incident/{call.pk}/change/")
        page.wait_for_selector("#kuzet-incident-commands")
        shot(page, f"call-hints-{name}-{language}")

        # then
        cut[name] = page.evaluate(CUT_HINTS_JS)
    assert cut == {"sent": [], "closed": [], "repeat": []}
    assert page.kuzet_errors == []
