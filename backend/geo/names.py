"""Places in the order their reader looks them up: by the name shown, in the reader's alphabet.

A Kazakh reader sees "Ақтоғай", "Мәдениет ауылдық округі", "Үржар ауданы"; the lists and
pickers ordered them by the KATO's Russian ("Актогай", "Маканчинский с.о.", "Урджарский
район"), so a list read in Kazakh was in no order a Kazakh reader knows. A Russian reader's
lists were in the database's default order — on PostgreSQL with ``C.UTF-8`` code points:
"Ёлкино" before "Акбулак", "г.Семей" and "район Ақсуат" after every capitalised name.

:class:`LocalName` is the name shown (``name_kk`` where known, else ``name``) as a database
expression, in the reader's alphabet: the models' default ordering, hence every admin list,
filter, autocomplete and select, and the reports' pickers. One :class:`Alphabet` per
language, each a collation:

* Kazakh: PostgreSQL's ICU collation ``kk-x-icu`` — Ё a letter after Е, Қ after К, Ү after
  У, І after Ы;
* Russian, and English (the names are Cyrillic, the KATO's Russian): ``ru-x-icu`` — Ё read as
  Е ("Ёлкино" between "Егинсу" and "Елтай").

Both ignore case (a lowercase "г.Семей" among the Г's; lowercase first where names differ
in case only), put spaces and punctuation before digits, digits before letters, and Cyrillic
before Latin. ICU ships with PostgreSQL's builds for Debian and Ubuntu and the official
images, which create both collations; SQLite (the test suite, development) is given
collations of the same names with the same order by :func:`register_sqlite_collation`, and
Python sorts (:func:`name_order`) by the same key.
"""

from __future__ import annotations

import functools
from typing import Any

from django.db.models import CharField, Func, Value
from django.db.models.functions import Coalesce, Collate, NullIf
from django.utils.translation import get_language


class Alphabet:
    """A reader's alphabet as a collation: its letters in order, and those read as another
    letter at first sight (Russian Ё as Е), told apart only where names are otherwise the
    same."""

    def __init__(self, collation: str, letters: str, read_as: dict[str, str] | None = None):
        self.collation = collation
        self.letters = letters
        self.read_as = read_as or {}
        self.rank = {letter: i for i, letter in enumerate(letters)}


# The Kazakh Cyrillic alphabet (the Russian one is in it, in the same order): Қайнар between
# Көкентау and Лебяжье, not after Ямышево as by code point.
KAZAKH = Alphabet("kk-x-icu", "аәбвгғдеёжзийкқлмнңоөпрстуұүфхһцчшщъыіьэюя")
# The Russian alphabet, with the Kazakh letters where ICU puts them (a KATO name such as
# "район Ақсуат" has one); Ё is Е.
RUSSIAN = Alphabet("ru-x-icu", "аәбвгғдежзиійкқлмнңоөпрстуүұфхһцчшщъыьэюя", {"ё": "е"})
ALPHABETS = (KAZAKH, RUSSIAN)
KK_COLLATION = KAZAKH.collation
RU_COLLATION = RUSSIAN.collation

# Weight classes, as ICU's: spaces and punctuation, digits, the reader's letters, other letters.
_PUNCTUATION, _DIGIT, _LETTER, _OTHER = (c << 21 for c in range(1, 5))
# Spaces and punctuation among themselves, as ICU orders them ("Ак Су", "Ак-Су", "Ак.Су");
# others after, by code point.
_MARKS = {c: i for i, c in enumerate(" _-–—,;:!?.'\"“”„«»()[]{}@*/\\&#%+<=>|~$")}


def reads_kazakh() -> bool:
    return (get_language() or "").startswith("kk")


def reader_alphabet() -> Alphabet:
    """The active language's alphabet: Kazakh for a Kazakh reader, Russian for any other
    (an English reader reads the same Cyrillic names)."""
    return KAZAKH if reads_kazakh() else RUSSIAN


def _weight(c: str, rank: dict[str, int]) -> int:
    if c in rank:
        return _LETTER + rank[c]
    if c.isdigit():
        return _DIGIT + ord(c)
    if c.isalpha():
        return _OTHER + ord(c)
    return _PUNCTUATION + _MARKS.get(c, len(_MARKS) + ord(c))


def collation_key(name: str, alphabet: Alphabet) -> tuple[int, ...]:
    """``name``'s sort key in ``alphabet``, as ICU compares: the letters case ignored (Ё as
    Е where the alphabet reads it so), then the letters read as another (Е before Ё), then
    case (lowercase first)."""
    rank = alphabet.rank
    folded = name.casefold()
    primary = [_weight(alphabet.read_as.get(c, c), rank) for c in folded]
    secondary = [int(c in alphabet.read_as) for c in folded]
    tertiary = [int(c.isupper()) for c in name]
    return (*primary, 0, *secondary, 0, *tertiary)


def name_order(name: str) -> tuple[int, ...]:
    """A sort key for a place's or a unit's name in the reader's alphabet
    (:func:`reader_alphabet`), the order its database collation gives."""
    return collation_key(name, reader_alphabet())


class LocalName(Func):
    """The place's name in the reader's language, to order by, in the reader's alphabet: for
    a Kazakh reader its Kazakh name (the Russian where none is known) in ``kk-x-icu``, for a
    Russian or an English reader the KATO's name in ``ru-x-icu``. The language is the one
    active when the query is compiled (a request's), not when the expression is written (a
    model's ``Meta.ordering``)."""

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
        if reads_kazakh():
            shown = Coalesce(NullIf(name_kk, Value("")), name, output_field=CharField())
            return compiler.compile(Collate(shown, KAZAKH.collation))
        return compiler.compile(Collate(name, RUSSIAN.collation))


def _comparer(alphabet: Alphabet) -> Any:
    # SQLite asks for a comparison of two names, a sort for many (an ordered list of 140
    # settlements: a thousand): the names' keys are kept, each made once, instead of two made
    # per comparison.
    @functools.lru_cache(maxsize=16_384)
    def key(name: str) -> tuple[int, ...]:
        return collation_key(name, alphabet)

    def compare(a: str, b: str) -> int:
        ka, kb = key(a), key(b)
        if ka != kb:
            return -1 if ka < kb else 1
        return (a > b) - (a < b)

    return compare


def register_sqlite_collation(sender: Any, connection: Any, **kwargs: Any) -> None:
    """``connection_created``: SQLite learns ``kk-x-icu`` and ``ru-x-icu`` (PostgreSQL has
    them from ICU)."""
    if connection.vendor == "sqlite":
        for alphabet in ALPHABETS:
            connection.connection.create_collation(alphabet.collation, _comparer(alphabet))
