"""The operator's language, and the backend catalog's words in it, with nothing but the
standard library: for what ``make run`` says before Django can speak — the port check (plain
``python3``, before the venv exists), the embedded demo's start-up lines, the Makefile's own.

The language is chosen as a Unix tool chooses it: ``KUZET_LANGUAGE`` when it names one of
Kuzet's languages (``kk``, ``ru``, ``en``; ``ru_RU.UTF-8`` reads as ``ru``), else the locale of
the terminal — the first of ``LC_ALL``, ``LC_MESSAGES``, ``LANG`` that is set decides
(``kk_KZ.UTF-8`` → Kazakh, ``ru_RU.UTF-8`` → Russian, anything else — ``C``, ``de_DE`` —
English), else English. ``backend.common.terminal`` runs Django's commands in the same one.

The words are read from the committed ``backend/locale/<language>/LC_MESSAGES/django.mo``,
the catalog Django reads for the same msgids (``make messages`` extracts calls of
:func:`gettext`, as it does Django's); asking it needs no settings and no Django start-up
(0.02 s against a Django command's 6–10 s on a busy 2-core box)."""

from __future__ import annotations

import functools
import gettext as _gettext
import os
import re
from collections.abc import Mapping
from pathlib import Path

LANGUAGES = ("kk", "ru", "en")
LOCALE_VARIABLES = ("LC_ALL", "LC_MESSAGES", "LANG")  # POSIX: the first one set decides
DEFAULT = "en"
CATALOGS = Path(__file__).resolve().parents[1] / "locale"  # settings.LOCALE_PATHS


def _spoken(value: str) -> str | None:
    """``kk``, ``ru`` or ``en`` when a language name or a locale (``ru_RU.UTF-8``,
    ``kk-KZ``, ``en_GB@euro``) is one of Kuzet's languages."""
    code = re.split(r"[_.@-]", value.strip().lower(), maxsplit=1)[0]
    return code if code in LANGUAGES else None


def terminal_language(environ: Mapping[str, str] | None = None) -> str:
    """``kk``, ``ru`` or ``en``: ``KUZET_LANGUAGE``, else the terminal's locale, else English."""
    env = os.environ if environ is None else environ
    chosen = _spoken(env.get("KUZET_LANGUAGE", ""))
    if chosen:
        return chosen
    for name in LOCALE_VARIABLES:
        value = env.get(name, "")
        if value:
            return _spoken(value) or DEFAULT
    return DEFAULT


@functools.cache
def catalog(language: str) -> _gettext.NullTranslations:
    """The backend catalog in ``language``; English (the msgids themselves) when it has none."""
    return _gettext.translation("django", CATALOGS, languages=[language], fallback=True)


def gettext(message: str, environ: Mapping[str, str] | None = None) -> str:
    """``message`` (a msgid of the backend catalog) in the terminal's language."""
    return catalog(terminal_language(environ)).gettext(message)


def gettext_noop(message: str) -> str:
    """``message`` marked for the catalog and left as it is (Django's own asks for settings)."""
    return message
