"""An estimate's uncertainty reads one way whatever its size, in words as the consoles'
other durations: the conflict page read "± 8,0 с" for one event and "± 0:11" for the next
(the m:ss taken for eleven minutes, or for a time of day)."""

from __future__ import annotations

import pytest
from django.utils import translation

from backend.common.formatting import uncertainty_text


@pytest.mark.parametrize(
    ("ms", "en", "ru", "kk"),
    [
        (None, "± ?", "± ?", "± ?"),
        (500, "± 0.5 s", "± 0,5 с", "± 0,5 с"),
        (8_000, "± 8.0 s", "± 8,0 с", "± 8,0 с"),
        (9_960, "± 10 s", "± 10 с", "± 10 с"),  # not "± 10,0 с" beside "± 11 с"
        (11_000, "± 11 s", "± 11 с", "± 11 с"),
        (10_400, "± 11 s", "± 11 с", "± 11 с"),  # a bound, rounded up
        (45_000, "± 45 s", "± 45 с", "± 45 с"),
        (245_000, "± 4 min 05 s", "± 4 мин 05 с", "± 4 мин 05 с"),
        (2 * 3_600_000, "± 2 h 00 min", "± 2 ч 00 мин", "± 2 сағ 00 мин"),
    ],
)
def test_an_uncertainty_reads_in_words_at_every_size(ms, en, ru, kk):
    for language, expected in (("en", en), ("ru", ru), ("kk", kk)):
        with translation.override(language):
            assert uncertainty_text(ms) == expected, language
