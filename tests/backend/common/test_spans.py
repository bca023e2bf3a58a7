"""Spans a person estimates (a phone's silence, a position's age, the road's time) read in
words in the reader's language, never as ``h:mm:ss`` beside the clock."""

from __future__ import annotations

import pytest
from django.utils import translation

from backend.common.formatting import span_text


@pytest.mark.parametrize(
    ("seconds", "en", "ru", "kk"),
    [
        (None, "—", "—", "—"),
        (-5, "0 s", "0 с", "0 с"),
        (45, "45 s", "45 с", "45 с"),
        (17 * 60 + 59, "17 min", "17 мин", "17 мин"),
        (2 * 3600 + 41 * 60 + 24, "2 h 41 min", "2 ч 41 мин", "2 сағ 41 мин"),
        (7 * 3600 + 5 * 60, "7 h 05 min", "7 ч 05 мин", "7 сағ 05 мин"),
        (47 * 3600 + 59 * 60, "47 h 59 min", "47 ч 59 мин", "47 сағ 59 мин"),
        (3 * 86400 + 4 * 3600 + 59, "3 d 4 h", "3 дн 4 ч", "3 тәул 4 сағ"),
    ],
)
def test_a_span_reads_in_words(seconds, en, ru, kk):
    for language, expected in (("en", en), ("ru", ru), ("kk", kk)):
        with translation.override(language):
            assert span_text(seconds) == expected, language
