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
import sys
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


# ``make run``'s own lines (the Makefile's recipes), by the name the recipe asks for them with;
# the recipe chooses the stream. They were English ``echo`` lines whatever the terminal spoke,
# among commands that speak it — or make's echo of the command itself ("cd field && npm ci
# --no-audit --no-fund"), the one sign that the next minutes go to an install or a build.
# Those before the venv is made are said by the system's ``python3 -m backend.common.language``
# (no Django): this module reads the catalog with the standard library only.
RECIPE_LINES = {
    "stopped": (gettext_noop("Kuzet stopped."),),
    "sms-secret-made": (
        gettext_noop(
            "KUZET_SMS_INBOUND_SECRET is not set: the simulated SMS gateway signs with a "
            "secret made for this run."
        ),
        gettext_noop(
            "A real gateway needs a lasting one in the environment of every process "
            "(docs/deployment.md, Secrets)."
        ),
    ),
    "python-packages": (
        gettext_noop(
            "Installing Kuzet's Python packages into .venv: a few minutes the first time."
        ),
    ),
    "field-packages": (
        gettext_noop(
            "Installing the field app's packages (npm ci): a minute or two the first time."
        ),
    ),
    "field-build": (gettext_noop("Building the field app (field/dist): under a minute."),),
}


def main(argv: list[str], prog: str = "backend.common.language") -> int:
    """``python3 -m backend.common.language LINE``: one of :data:`RECIPE_LINES` on stdout, in
    the terminal's language, read from the catalog as it lies: no settings, no Django, no venv
    (0.02 s)."""
    if len(argv) != 1 or argv[0] not in RECIPE_LINES:
        print(f"usage: python -m {prog} {{{','.join(RECIPE_LINES)}}}", file=sys.stderr)
        return 2
    for line in RECIPE_LINES[argv[0]]:
        print(gettext(line))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
