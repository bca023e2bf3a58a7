"""Every alert the server puts on the board has its name in the reader's language: the board
shows the code itself where a name is missing ("assignment.recorded_on_behalf" on a Russian
board)."""

from __future__ import annotations

import re
from pathlib import Path

from django.utils import translation

from backend.dispatch.lifecycle import EventKind
from backend.realtime.board import board_labels

BACKEND = Path(__file__).resolve().parents[3] / "backend"


def alert_kinds_sent() -> set[str]:
    """The kinds the services notify the board of: ``board_notify("kind", …)``, the
    escalation ladder's rungs and the presence sweep's transitions."""
    kinds: set[str] = set()
    for path in BACKEND.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        kinds |= set(re.findall(r'board_notify\(\s*"([a-z_.]+)"', text))
        kinds |= set(re.findall(r'"(escalation\.[a-z_]+)"', text))
    kinds |= {"unit_unreachable", "unit_reachable", "sos", "sos_acknowledged"}
    return kinds


def test_every_alert_kind_sent_to_the_board_has_a_name():
    sent = alert_kinds_sent()
    assert "assignment.recorded_on_behalf" in sent
    assert sent - set(board_labels()["alert"]) == set()


def test_a_reported_milestone_is_named_in_the_readers_language():
    with translation.override("ru"):
        labels = board_labels()
    assert labels["alert"]["assignment.recorded_on_behalf"] == "Записано со слов"
    assert labels["event_kind"][EventKind.ON_SCENE] == "На месте"


def test_unreachable_reads_as_a_status_beside_the_others():
    """The units table read "Свободен" above "недоступен": the derived status is named as
    the stored ones are, on the board and on the call's page."""
    from backend.dispatch.admin.dispatch_panel import _presence_label
    from backend.people.models import UNREACHABLE, UnitStatus

    for language, unreachable in (
        ("ru", "Недоступен"),
        ("kk", "Байланыс жоқ"),
        ("en", "Unreachable"),
    ):
        with translation.override(language):
            statuses = board_labels()["unit_status"]
            assert statuses[UNREACHABLE] == unreachable
            assert _presence_label(UNREACHABLE) == unreachable
            assert all(name[0].isupper() for name in statuses.values()), statuses
            assert _presence_label(UnitStatus.AVAILABLE)[0].isupper()
