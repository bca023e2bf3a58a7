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

0. the KATO code, the Russian or the Kazakh name starts with it;
1. a word of a name starts with it ("Карасу" finds "Киши Карасу");
2. it is inside a name;
3. *approximate*: a name, or a word of it, starts with something within one edit of it (two
   from six letters on, as the query reads in Latin letters; a swap of two neighbours counts
   as one edit) — "Актагай" finds "Актогай", "Аягус" finds "Аягоз". Only when no name or
   word starts with the query (ranks 0–1), so never above nor beside what was typed; never
   for a query of fewer than four letters: "Ай" would be within one edit of half the oblast.
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
forms of the names are cached (:func:`latin`); near misses are looked for only when nothing
starts with the query.
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

from .models import Settlement

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


@dataclass(frozen=True)
class Match:
    settlement: Settlement
    # 0: code or name starts with it; 1: a word starts with it; 2: inside a name;
    # 3: approximate, ``edits`` away from the start of a name or of a word of it
    rank: int
    edits: int = 0

    @property
    def approximate(self) -> bool:
        """Not what was typed but what it may have meant: say so, never take it unasked."""
        return self.rank == APPROXIMATE


APPROXIMATE = 3


def _words(name: str) -> list[str]:
    return re.split(r"[\s\-]+", name)


def _rank(query: str, names: Iterable[str]) -> int | None:
    best: int | None = None
    for name in names:
        if not name:
            continue
        if name.startswith(query):
            return 0
        if any(word.startswith(query) for word in _words(name)):
            best = 1
        elif query in name and best is None:
            best = 2
    return best


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
    Latin letters; then those it may have meant, misspelt (``Match.approximate``)."""
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
        if in_latin:
            rank = _rank(spelt, (latin(s.name), latin(s.name_kk))) if spelt else None
        else:
            rank = _rank(folded, (fold(s.name), fold(s.name_kk)))
        if rank is not None:
            found.append(Match(s, rank))
        else:
            missed.append(s)
    # A name that starts with what was typed is what the officer is typing: near misses
    # beside it would only push it down the list (and "qaraaul" is within two edits of ten
    # villages). Without one, near misses come after the names that merely contain it.
    allowed = 0 if any(m.rank < 2 for m in found) else _edits_allowed(folded, spelt)
    if allowed:
        for s in missed:
            edits = _edits(spelt, (latin(s.name), latin(s.name_kk)), allowed)
            if edits is not None:
                found.append(Match(s, APPROXIMATE, edits))
    found.sort(key=lambda m: (m.rank, m.edits, m.settlement.name, m.settlement.kato))
    return found[:limit]
