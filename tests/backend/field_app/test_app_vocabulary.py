"""The field app names every code the server can send, in its own words (field/src/i18n.js),
and its copy of the milestone table matches the server's. A category or outcome code added
on the server without words in the app fails here, not on an officer's screen."""

import re
from pathlib import Path

import pytest

from backend.dispatch.lifecycle import MILESTONE_KINDS, AssignmentStatus
from backend.dispatch.models import Category, CoaoArticle, OutcomeCode, Priority
from backend.people.models import UnitStatus
from sync.protocol import COAO_ARTICLE_RE, MILESTONE_FIELDS, MILESTONE_STATUSES, REGISTRY_KINDS

FIELD_SRC = Path(__file__).resolve().parents[3] / "field" / "src"


def code_table(kind: str) -> set[str]:
    """The keys of ``codes.<kind>`` in field/src/i18n.js."""
    text = (FIELD_SRC / "i18n.js").read_text()
    block = re.search(rf"\n  {kind}: \{{\n(.*?)\n  \}},", text, re.S)
    assert block, f"no code table {kind} in i18n.js"
    return set(re.findall(r"^    ([A-Za-z0-9_]+): \{", block.group(1), re.M))


# Statuses the phone shows of its own: "dispatched" with every open call acknowledged reads
# "Call acknowledged" (field/src/lifecycle.js shownUnitStatus), not a server code.
APP_ONLY = {"unit_status": {"acknowledged"}}


@pytest.mark.parametrize(
    ("kind", "values"),
    [
        ("category", Category.values),
        ("outcome_code", OutcomeCode.values),
        ("priority", Priority.values),
        ("unit_status", UnitStatus.values),
        ("assignment_status", AssignmentStatus.values),
        ("registry_kind", list(REGISTRY_KINDS)),
        ("coao_article", CoaoArticle.values),
    ],
)
def test_the_app_has_words_for_every_server_code(kind, values):
    assert code_table(kind) == set(values) | APP_ONLY.get(kind, set())


def test_the_apps_milestone_table_is_the_protocols():
    text = (FIELD_SRC / "lifecycle.js").read_text()

    def table(name: str) -> dict[str, str]:
        block = re.search(rf"export const {name} = \{{(.*?)\}}", text, re.S)
        assert block, name
        return dict(re.findall(r"(\w+): '(\w+)'", block.group(1)))

    assert table("MILESTONE_STATUS") == dict(MILESTONE_STATUSES)
    assert table("MILESTONE_FIELD") == dict(MILESTONE_FIELDS)
    assert set(table("MILESTONE_FIELD")) == set(MILESTONE_KINDS)


def test_the_apps_article_pattern_is_the_protocols():
    text = (FIELD_SRC / "ui" / "Calls.jsx").read_text()
    pattern = re.search(r"const COAO_ARTICLE_PATTERN = '([^']+)'", text)
    assert pattern, "no COAO_ARTICLE_PATTERN in Calls.jsx"
    assert f"^{pattern.group(1)}$" == COAO_ARTICLE_RE.pattern
