"""The operator's terminal speaks Kazakh, Russian or English, chosen as a Unix tool chooses:
KUZET_LANGUAGE, else the locale (LC_ALL, LC_MESSAGES, LANG — the first one set), else English."""

from __future__ import annotations

import pytest
from django.core.management.base import BaseCommand
from django.utils import translation

from backend.common.terminal import in_terminal_language, number_text, terminal_language, took_text


@pytest.mark.parametrize(
    ("environ", "language"),
    [
        ({}, "en"),
        ({"LANG": "C.UTF-8"}, "en"),
        ({"LANG": "kk_KZ.UTF-8"}, "kk"),
        ({"LANG": "ru_RU.UTF-8"}, "ru"),
        ({"LANG": "en_GB.UTF-8"}, "en"),
        ({"LANG": "de_DE.UTF-8"}, "en"),
        # POSIX: LC_ALL over LC_MESSAGES over LANG, the first one set decides
        ({"LANG": "kk_KZ.UTF-8", "LC_MESSAGES": "ru_RU.UTF-8"}, "ru"),
        ({"LANG": "ru_RU.UTF-8", "LC_MESSAGES": "kk_KZ", "LC_ALL": "C"}, "en"),
        ({"LANG": "ru_RU.UTF-8", "LC_ALL": ""}, "ru"),
        ({"LC_ALL": "kk_KZ@cyrillic"}, "kk"),
        # KUZET_LANGUAGE over the locale, when it names one of Kuzet's languages
        ({"KUZET_LANGUAGE": "kk", "LC_ALL": "ru_RU.UTF-8"}, "kk"),
        ({"KUZET_LANGUAGE": "en", "LANG": "ru_RU.UTF-8"}, "en"),
        ({"KUZET_LANGUAGE": "RU"}, "ru"),
        ({"KUZET_LANGUAGE": "ru-RU"}, "ru"),
        ({"KUZET_LANGUAGE": "fr", "LANG": "kk_KZ.UTF-8"}, "kk"),
        ({"KUZET_LANGUAGE": "", "LANG": "ru_RU.UTF-8"}, "ru"),
    ],
)
def test_the_terminals_language_is_chosen_as_a_unix_tool_chooses_it(environ, language):
    assert terminal_language(environ) == language


def test_a_command_runs_in_the_terminals_language_and_leaves_the_previous_one(monkeypatch):
    # given
    class Command(BaseCommand):
        @in_terminal_language
        def handle(self, *args: object, **options: object) -> str:
            return translation.get_language() or ""

    monkeypatch.delenv("KUZET_LANGUAGE", raising=False)
    monkeypatch.setenv("LC_ALL", "kk_KZ.UTF-8")
    translation.activate("en")

    # when
    spoken = Command().handle()

    # then
    assert spoken == "kk"
    assert translation.get_language() == "en"


@pytest.mark.parametrize(
    ("language", "count", "measure", "took", "long"),
    [
        ("en", "12,345", "1.5", "3.4 s", "4 min 05 s"),
        ("ru", "12\xa0345", "1,5", "3,4 с", "4 мин 05 с"),
        ("kk", "12\xa0345", "1,5", "3,4 с", "4 мин 05 с"),
    ],
)
def test_numbers_and_durations_read_as_the_language_writes_them(
    language, count, measure, took, long
):
    with translation.override(language):
        assert number_text(12345) == count
        assert number_text(1.46, 1) == measure
        assert number_text(60.0) == "60"
        assert took_text(3.4) == took
        assert took_text(245) == long
