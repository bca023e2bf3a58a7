"""Places in the order their reader looks them up: by the name shown in the reader's language.

A Kazakh reader sees "Ақтоғай", "Мәдениет ауылдық округі", "Үржар ауданы"; the lists and
pickers ordered them by the KATO's Russian ("Актогай", "Маканчинский с.о.", "Урджарский
район"), so a list read in Kazakh was in no order a Kazakh reader knows. :class:`LocalName`
is the name shown (``name_kk`` where known, else ``name``) as a database expression, in the
Kazakh alphabet's order (Қ after К, Ү after У, І after Ы) for a Kazakh reader: the models'
default ordering, hence every admin list, filter, autocomplete and select.

The Kazakh order is PostgreSQL's ICU collation ``kk-x-icu`` (ICU ships with PostgreSQL
builds of Debian, Ubuntu and the official images); SQLite (the test suite, development) gets
a collation of that name from :func:`register_sqlite_collation`, the same alphabet.
"""

from __future__ import annotations

from typing import Any

from django.db.models import CharField, Func, Value
from django.db.models.functions import Coalesce, Collate, NullIf
from django.utils.translation import get_language

KK_COLLATION = "kk-x-icu"
# The Kazakh Cyrillic alphabet (the Russian one is in it, in the same order): names sort as a
# reader looks them up — Қайнар between Көкентау and Лебяжье, not after Ямышево as by code point.
KK_ALPHABET = "аәбвгғдеёжзийкқлмнңоөпрстуұүфхһцчшщъыіьэюя"
_LETTER_RANK = {letter: i for i, letter in enumerate(KK_ALPHABET)}


def reads_kazakh() -> bool:
    return (get_language() or "").startswith("kk")


def name_order(name: str) -> tuple[int, ...]:
    """A sort key for a place's or a unit's name: digits and Latin letters first (a callsign),
    then Cyrillic in the Kazakh alphabet's order, case ignored."""
    return tuple(
        0x10000 + _LETTER_RANK[c] if c in _LETTER_RANK else ord(c) for c in name.casefold()
    )


class LocalName(Func):
    """The place's name in the reader's language, to order by: for a Kazakh reader its
    Kazakh name (the Russian where none is known) in the Kazakh alphabet's order, for any
    other reader the KATO's name. The language is the one active when the query is compiled
    (a request's), not when the expression is written (a model's ``Meta.ordering``)."""

    output_field = CharField()

    def __init__(self, name: Any = "name", name_kk: Any = "name_kk", **extra: Any) -> None:
        super().__init__(name, name_kk, **extra)

    def as_sql(
        self,
        compiler: Any,
        connection: Any,
        function: str | None = None,
        template: str | None = None,
        arg_joiner: str | None = None,
        **extra_context: Any,
    ) -> Any:
        name, name_kk = self.get_source_expressions()
        if not reads_kazakh():
            return compiler.compile(name)
        shown = Coalesce(NullIf(name_kk, Value("")), name, output_field=CharField())
        return compiler.compile(Collate(shown, KK_COLLATION))


def _kazakh_compare(a: str, b: str) -> int:
    ka, kb = name_order(a), name_order(b)
    if ka != kb:
        return -1 if ka < kb else 1
    return (a > b) - (a < b)


def register_sqlite_collation(sender: Any, connection: Any, **kwargs: Any) -> None:
    """``connection_created``: SQLite learns ``kk-x-icu`` (PostgreSQL has it from ICU)."""
    if connection.vendor == "sqlite":
        connection.connection.create_collation(KK_COLLATION, _kazakh_compare)
