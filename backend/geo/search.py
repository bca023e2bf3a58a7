"""Finding a settlement by what a caller or a duty officer says: its KATO code, its Russian
name or its Kazakh name, in any case, with or without "с." / "а." in front — and, when the
officer typed it in Latin letters or misspelt it, the settlement it most likely is.

Matching is done in Python over the settlements the caller may see, not with ``icontains``:
SQLite's LIKE folds the case of ASCII letters only ("аягоз" would miss "Аягоз" in the
embedded demo), and the Kazakh letters are folded to their nearest Russian ones here
("Аягоз" typed on a Russian keyboard finds "Аягөз") — neither is a portable database
lookup. Abai oblast has 136 settlements in the KATO extract (a whole oblast's sub-settlements
included, a few thousand): a scan of a few columns is well under a millisecond per hundred.

What a query finds, best first (:class:`Match` ``rank``, then ``edits``, then the name):

0. the KATO code, the Russian or the Kazakh name starts with it — written with or without
   its spaces, hyphens and soft signs (:func:`squeezed`): "Бель Агач", "Бельагач" and the
   Kazakh "Бел-Ағаш", "Бельагаш" all are Бель-Агач (Белағаш), as "Кишикарасу" is Киши Карасу;
1. a word of a name starts with it ("Карасу" finds "Киши Карасу");
2. it is inside a name;
3. *another layout*: typed with the wrong keyboard layout on, a name or a word of it starts
   with what the same keys type on the other one (:mod:`.layout`): "frnjufq" is "актогай"
   on ЙЦУКЕН, "f0nj5fq" "ақтоғай" on the Kazakh layout, "ыуьун" "semey" on QWERTY. Only
   when nothing starts with the query as typed (ranks 0–1). ``Match.typed_as`` holds what
   it read as: the call form says "Showing results for «актогай»" above them, and never
   takes one unpicked;
4. *approximate*: a name, or a word of it, starts with something within one edit of it (two
   from six letters on, as the query reads in Latin letters; a swap of two neighbours counts
   as one edit) — "Актагай" finds "Актогай", "Аягус" finds "Аягоз". Only when no name or
   word starts with the query (ranks 0–1) nor with it read on another layout (rank 3), so
   never above nor beside what was typed; never for a query of fewer than four letters: "Ай"
   would be within one edit of half the oblast. A misspelling of what the query reads as on
   another layout counts too: "fzuja" ("аягоф") finds "Did you mean Аягоз?".
   The call form offers these as "Did you mean …?" and never takes one unpicked.

A query with a Latin letter in it ("aktogai", "semey", Kazakh Latin "Aqtoğai", "Ayagöz",
a phone's keyboard left on English) is compared in Latin: the names are brought to Latin
letters by ``unidecode`` (after the Kazakh letters are folded, as above) and both sides are
written one way — :func:`latin`. Ranks 0–2 then hold for the Latin form as for the Cyrillic
one: "aktogai" is Актогай spelt in other letters, not a guess. A misspelling is looked for in
the Latin form of both, whatever the query's letters: it forgives the letters Russian and
Kazakh spellings mix up (ы/и/й/і, е/э, ж as zh or j) as one.

Measured on a shared 2-core machine (2026-12-05, load ≈ 4.6), one search of the whole seeded
oblast (140 settlements, the ЦОУ's duty officer) per keystroke, twenty queries from "А" to
"Бородулико", Latin and misspelt ones among them: median 3.2 ms on SQLite (2.9 ms before Latin
and near misses), 8.3 ms on PostgreSQL (7.8 ms); with 2,100 rows, as many as the extract's
sub-settlements, 70 ms (46 ms) and 113 ms (92 ms) — most of it loading the rows. The Latin
forms of the names are cached (:func:`latin`, :func:`squeezed`); the query read on another
layout, and near misses, are looked for only when nothing starts with the query. Keyboard
layouts and names without their spaces (2026-12-05, load ≈ 7, the same queries and eight
wrong-layout or spaced ones, old and new code interleaved): median 7.3 ms on SQLite (7.1 ms
before), 11.8 ms on PostgreSQL (9.0 ms).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from django.db.models import QuerySet
from rapidfuzz.distance import OSA
from unidecode import unidecode

from . import layout
from .models import Settlement
from .names import name_order

# Kazakh letters → the Russian letter a Russian keyboard types instead.
_FOLD = str.maketrans("әғқңөұүһіё", "агкноуухие")
# What people put in front of a place name: "с." (село), "а." (ауыл), "г." (город), "п."
# (посёлок), "қ." (қала), the words themselves, and "рзд." (разъезд).
_PREFIX = re.compile(
    r"^(?:(?:с|а|г|п|қ|к|пос|рзд)\.\s*|(?:село|ауыл|аул|город|қала|посёлок|поселок)\s+)",
    re.IGNORECASE,
)
# The same in Latin letters, as :func:`latin` writes them ("auyl" is "auil", "qala" "kala").
_LATIN_PREFIX = re.compile(r"^(?:(?:s|a|g|p|k|pos|rzd)\.\s*|(?:selo|auil|aul|gorod|kala)\s+)")
# Kazakh Latin letters that unidecode flattens into another sound's letter: ş (2021) and s'
# (2017) are ш, ç and c' are ч — "Şar" is Шар, not "Sar". No transliteration library on PyPI
# knows the Kazakh Latin alphabets (cyrtranslit, iuliia and transliterate have none).
_KAZAKH_LATIN = (("ş", "sh"), ("ç", "ch"), ("s'", "sh"), ("s’", "sh"), ("c'", "ch"), ("c’", "ch"))
# One Cyrillic letter, several Latin spellings (English-style, Kazakh Latin, unidecode's):
# ж zh/j, х kh/h, қ k/q, and й, и, ы, і as i or y ("Semey", "Aiagoz", "Ayagöz", "Kökpekty").
_LATIN_ONE_WAY = (("zh", "j"), ("kh", "h"), ("q", "k"), ("y", "i"))
_NOT_LETTERS = re.compile(r"[^a-z0-9\s.\-]")
# What a name is written with or without, one way or another: "Бель-Агач", "Бель Агач",
# "Бельагач", and "Бельагаш" for Белағаш (a soft sign a Russian spelling puts in a Kazakh
# name); in Latin letters the soft sign is gone already (:func:`latin`).
_SQUEEZED_OUT = re.compile(r"[\s\-ьъ]+")
MAX_QUERY = 100
DEFAULT_LIMIT = 10
# A query this short finds only what starts with it or contains it, never a near miss.
FUZZY_FROM_LETTERS = 4


def fold(text: str) -> str:
    """Lower case, Kazakh letters folded, "с."/"а." prefixes and extra spaces dropped."""
    folded = " ".join(text.lower().translate(_FOLD).split())
    while True:
        stripped = _PREFIX.sub("", folded, count=1)
        if stripped == folded:
            return folded
        folded = stripped


@lru_cache(maxsize=16384)  # the names of the oblast, computed once per process
def latin(text: str) -> str:
    """``text`` folded, then in Latin letters written one way: "Аягөз", "Ayagöz" and
    "ayagoz" are all "aiagoz"; "Ақтоғай" and "Aqtoğai" are "aktogai"."""
    folded = fold(text)
    for kazakh, sound in _KAZAKH_LATIN:
        folded = folded.replace(kazakh, sound)
    written = _NOT_LETTERS.sub("", unidecode(folded).lower())  # ь and ъ come as "'"
    for spelling, one_way in _LATIN_ONE_WAY:
        written = written.replace(spelling, one_way)
    written = " ".join(written.split())
    while True:
        stripped = _LATIN_PREFIX.sub("", written, count=1)
        if stripped == written:
            return written
        written = stripped


def _has_latin_letter(text: str) -> bool:
    return any(c.isalpha() and unicodedata.name(c, "").startswith("LATIN") for c in text)


@lru_cache(maxsize=16384)  # the names of the oblast, computed once per process
def squeezed(text: str) -> str:
    """``text`` (folded or in Latin letters) without its spaces, hyphens and soft and hard
    signs: "бель-агач", "бель агач" and "бельагач" are all "белагач"."""
    return _SQUEEZED_OUT.sub("", text)


def is_named(query: str, settlement: Settlement) -> bool:
    """Whether ``query`` is the settlement's Russian or Kazakh name, written with or without
    its prefix, spaces, hyphens and soft signs ("Бельагач" is Бель-Агач), or its KATO code."""
    if query.strip() == settlement.kato:
        return True
    typed = squeezed(fold(query))
    return bool(typed) and typed in (
        squeezed(fold(settlement.name)),
        squeezed(fold(settlement.name_kk)),
    )


@dataclass(frozen=True)
class Match:
    settlement: Settlement
    # 0: code or name starts with it; 1: a word starts with it; 2: inside a name;
    # 3: a name or a word of it starts with the query typed with another keyboard layout
    # on, ``typed_as``; 4: approximate, ``edits`` away from the start of a name or a word
    rank: int
    edits: int = 0
    typed_as: str = ""

    @property
    def approximate(self) -> bool:
        """Not what was typed but what it may have meant: say so, never take it unasked."""
        return self.rank == APPROXIMATE

    @property
    def other_layout(self) -> bool:
        """Found by what the query reads as on another keyboard layout ("frnjufq" is
        "актогай"): say so ("Showing results for «актогай»"), never take it unasked."""
        return self.rank == OTHER_LAYOUT


OTHER_LAYOUT = 3
APPROXIMATE = 4


def _words(name: str) -> list[str]:
    return re.split(r"[\s\-]+", name)


def _rank(query: str, names: Iterable[str]) -> int | None:
    """0–2 (:class:`Match`) for ``query`` against ``names``, both folded or both in Latin
    letters; a name written with or without its spaces and hyphens ranks the same."""
    together = squeezed(query)
    best: int | None = None
    for name in names:
        if not name:
            continue
        if name.startswith(query) or (together and squeezed(name).startswith(together)):
            return 0
        if any(word.startswith(query) for word in _words(name)):
            best = 1
        elif best is None and (query in name or (together and together in squeezed(name))):
            best = 2
    return best


def _rank_of(settlement: Settlement, folded: str, spelt: str, in_latin: bool) -> int | None:
    if in_latin:
        return _rank(spelt, (latin(settlement.name), latin(settlement.name_kk))) if spelt else None
    return _rank(folded, (fold(settlement.name), fold(settlement.name_kk)))


def _edits_allowed(typed: str, spelt: str) -> int:
    """How many edits a misspelling may be away from the query: none under four letters as
    typed (``typed``), then one, and two from six letters of its Latin form (``spelt``)."""
    if sum(c.isalpha() for c in typed) < FUZZY_FROM_LETTERS:
        return 0
    return 1 if len(spelt) <= 5 else 2


def _edits(query: str, names: Iterable[str], allowed: int) -> int | None:
    """The fewest edits from ``query`` to the start of a name or of one of its words — what
    the officer was typing may be the start of a name, misspelt — if at most ``allowed``."""
    best = allowed + 1
    for name in names:
        if not name:
            continue
        starts = [name, *(_words(name)[1:] if " " in name or "-" in name else [])]
        for start in starts:
            # the prefixes of ``start`` within ``allowed`` letters of the query's length are
            # the only ones that can be within ``allowed`` edits of it
            shortest = max(1, len(query) - allowed)
            longest = min(len(start), len(query) + allowed)
            for length in range(shortest, longest + 1):
                edits = OSA.distance(query, start[:length], score_cutoff=best - 1)
                best = min(best, edits)
                if best == 0:
                    return 0
    return best if best <= allowed else None


def settlements_matching(
    settlements: QuerySet[Settlement], query: str, *, limit: int = DEFAULT_LIMIT
) -> list[Match]:
    """The settlements of ``settlements`` (already scoped to the user) that ``query`` names,
    best first: by KATO code prefix (digits) or by Russian or Kazakh name, in Cyrillic or in
    Latin letters; then what it names typed with another keyboard layout on
    (``Match.other_layout``); then those it may have meant, misspelt (``Match.approximate``)."""
    digits = "".join(query.split())
    if digits.isdigit():
        rows = settlements.filter(kato__startswith=digits).select_related("district")
        return [Match(s, 0) for s in rows.order_by("kato")[:limit]]
    folded = fold(query)
    if not folded:
        return []
    in_latin = _has_latin_letter(folded)
    spelt = latin(query)
    found: list[Match] = []
    missed: list[Settlement] = []
    for s in settlements.select_related("district"):
        rank = _rank_of(s, folded, spelt, in_latin)
        if rank is not None:
            found.append(Match(s, rank))
        else:
            missed.append(s)
    # A name that starts with what was typed is what the officer is typing: the same keys
    # read on another layout, or near misses, beside it would only push it down the list
    # (and "qaraaul" is within two edits of ten villages).
    typed_as = [] if any(m.rank < 2 for m in found) else layout.meant(query.strip())
    for other in typed_as:
        other_folded = fold(other)
        if not other_folded:
            continue
        other_in_latin, other_spelt = _has_latin_letter(other_folded), latin(other)
        still: list[Settlement] = []
        for s in missed:
            # only what starts with it: "fr" is "ак", and inside half the oblast's names
            rank = _rank_of(s, other_folded, other_spelt, other_in_latin)
            if rank is not None and rank < 2:
                found.append(Match(s, OTHER_LAYOUT, typed_as=" ".join(other.split())))
            else:
                still.append(s)
        missed = still
    # Without a name that starts with the query, nor with it read on another layout, near
    # misses of either come after the names that merely contain it.
    if not any(m.rank < 2 or m.other_layout for m in found):
        _add_near_misses(found, missed, [query, *typed_as])
    # Equally good matches in the reader's alphabet, by the name the picker shows him.
    found.sort(
        key=lambda m: (m.rank, m.edits, name_order(m.settlement.local_name), m.settlement.kato)
    )
    return found[:limit]


def _add_near_misses(found: list[Match], missed: list[Settlement], queries: list[str]) -> None:
    """The settlements of ``missed`` within the edits allowed of any of ``queries``."""
    allowances = [(latin(q), _edits_allowed(fold(q), latin(q))) for q in queries]
    for s in missed:
        names = (latin(s.name), latin(s.name_kk))
        edits = [
            e
            for spelt, allowed in allowances
            if allowed and (e := _edits(spelt, names, allowed)) is not None
        ]
        if edits:
            found.append(Match(s, APPROXIMATE, min(edits)))
