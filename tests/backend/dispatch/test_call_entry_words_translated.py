"""The call form's notice that a more urgent repeat call raised the call it follows
(tests/e2e/duty/test_keyboard.py) reads in Kazakh and Russian, its numbers kept."""

from __future__ import annotations

import pytest
from django.utils import translation

URGENT_REPEAT = (
    "This repeat call is %(new)s: %(number)s, which it follows, was %(old)s and is now "
    "%(new)s too, its unit on %(new)s deadlines."
)
VALUES = {"new": "P0", "number": "1036-2026-000001", "old": "P1"}


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_the_urgent_repeat_warning_reads_in_kazakh_and_russian(language: str) -> None:
    # when
    with translation.override(language):
        words = translation.gettext(URGENT_REPEAT) % VALUES

    # then: not the English, and every number kept
    assert words != URGENT_REPEAT % VALUES
    assert words.count("1036-2026-000001") == 1
    assert "P0" in words
    assert "P1" in words
