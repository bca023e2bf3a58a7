"""The language of an operator's terminal: what ``manage.py seed``, ``history``,
``demo_logins`` and ``simulate`` print during ``make run``, and the recipe's own lines
(``python -m backend.common.terminal stopped``), in Kazakh, Russian or English.

Chosen as a Unix tool chooses it: ``KUZET_LANGUAGE`` when it names one of Kuzet's languages
(``kk``, ``ru``, ``en``; ``ru_RU.UTF-8`` reads as ``ru``), else the locale of the terminal —
the first of ``LC_ALL``, ``LC_MESSAGES``, ``LANG`` that is set decides (``kk_KZ.UTF-8`` →
Kazakh, ``ru_RU.UTF-8`` → Russian, anything else — ``C``, ``de_DE`` — English), else English
(:func:`backend.common.language.terminal_language`, which needs no Django).

Django runs a command in ``settings.LANGUAGE_CODE`` (English) and reads no locale; the
commands' ``handle`` is wrapped in :func:`in_terminal_language` (Django's own decorator for
the opposite, ``no_translations``, works the same way)."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any, TypeVar, cast

from django.utils import formats, translation

from backend.common import language
from backend.common.formatting import span_exact_text
from backend.common.language import terminal_language

__all__ = ["in_terminal_language", "number_text", "terminal_language", "took_text"]

F = TypeVar("F", bound=Callable[..., Any])


def in_terminal_language(handle: F) -> F:
    """A command's ``handle`` run in the operator's language (:func:`terminal_language`)."""

    @functools.wraps(handle)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with translation.override(terminal_language()):
            return handle(*args, **kwargs)

    return cast("F", wrapper)


def number_text(value: float, decimals: int | None = None) -> str:
    """A count or a measure as the reader writes it: ``12,345`` and ``1.5`` in English,
    ``12 345`` and ``1,5`` in Kazakh and Russian (a non-breaking space between thousands);
    a whole float without its ``.0`` (``60``, not ``60.0``)."""
    if decimals is None and isinstance(value, float) and value.is_integer():
        value = int(value)
    elif decimals is not None:
        value = round(value, decimals)  # Django's number_format cuts the digits off: 7.46 → 7.4
    return formats.number_format(value, decimals, use_l10n=True, force_grouping=True)


def took_text(seconds: float) -> str:
    """How long a step took: ``3.4 s`` (``3,4 с``) under a minute, then ``4 min 05 s``,
    ``1 h 02 min``."""
    if seconds < 59.95:
        return translation.gettext("%(seconds)s s") % {"seconds": number_text(seconds, 1)}
    return span_exact_text(round(seconds))


# ``make run``'s own lines: backend.common.language has them (some are said before the venv,
# and Django, exist); ``python -m backend.common.terminal LINE`` says them as it does.
RECIPE_LINES = language.RECIPE_LINES


def main(argv: list[str]) -> int:
    """``python -m backend.common.terminal LINE``: :func:`backend.common.language.main`."""
    return language.main(argv, prog="backend.common.terminal")


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
