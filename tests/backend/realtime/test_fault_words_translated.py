"""The words the live board gained for when the parts under it fail (tests/e2e/realtime/
test_board_faults.py) — its bar when it is not live or signed out, its alarm when the server
does not answer, a command whose answer was lost — read in Kazakh and Russian, as the page
gets them (board_labels), not in English."""

from __future__ import annotations

import pytest
from django.utils import translation

from backend.realtime.board import board_labels

NEW_WORDS = ["stale", "stale_signed_out", "sign_in", "no_answer", "server_unanswered"]


@pytest.mark.parametrize("language", ["kk", "ru"])
@pytest.mark.parametrize("key", NEW_WORDS)
def test_the_boards_words_for_faults_read_in_kazakh_and_russian(language, key):
    # given
    with translation.override("en"):
        english = str(board_labels()["text"][key])

    # when
    with translation.override(language):
        words = str(board_labels()["text"][key])

    # then: translated, its named parts kept for the page to fill in
    assert words != english
    assert ("%(time)s" in words) == ("%(time)s" in english)
