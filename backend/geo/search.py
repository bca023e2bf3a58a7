"""Finding a settlement by what a caller or a duty officer says: its KATO code, its Russian
name or its Kazakh name, in any case, with or without "с." / "а." in front.

Matching is done in Python over the settlements the caller may see, not with ``icontains``:
SQLite's LIKE folds the case of ASCII letters only ("аягоз" would miss "Аягоз" in the
embedded demo), and the Kazakh letters are folded to their nearest Russian ones here
("Аягоз" typed on a Russian keyboard finds "Аягөз") — neither is a portable database
lookup. Abai oblast has 136 settlements in the KATO extract (a whole oblast's sub-settlements
included, a few thousand): a scan of a few columns is well under a millisecond per hundred.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import QuerySet

from .models import Settlement

# Kazakh letters → the Russian letter a Russian keyboard types instead.
_FOLD = str.maketrans("әғқңөұүһіё", "агкноуухие")
# What people put in front of a place name: "с." (село), "а." (ауыл), "г." (город), "п."
# (посёлок), "қ." (қала), the words themselves, and "рзд." (разъезд).
_PREFIX = re.compile(
    r"^(?:(?:с|а|г|п|қ|к|пос|рзд)\.\s*|(?:село|ауыл|аул|город|қала|посёлок|поселок)\s+)",
    re.IGNORECASE,
)
MAX_QUERY = 100
DEFAULT_LIMIT = 10


def fold(text: str) -> str:
    """Lower case, Kazakh letters folded, "с."/"а." prefixes and extra spaces dropped."""
    folded = " ".join(text.lower().translate(_FOLD).split())
    while True:
        stripped = _PREFIX.sub("", folded, count=1)
        if stripped == folded:
            return folded
        folded = stripped


@dataclass(frozen=True)
class Match:
    settlement: Settlement
    rank: int  # 0: code or name starts with it; 1: a word starts with it; 2: inside a name


def _rank(query: str, names: Iterable[str]) -> int | None:
    best: int | None = None
    for name in names:
        if not name:
            continue
        if name.startswith(query):
            return 0
        if any(word.startswith(query) for word in re.split(r"[\s\-]+", name)):
            best = 1
        elif query in name and best is None:
            best = 2
    return best


def settlements_matching(
    settlements: QuerySet[Settlement], query: str, *, limit: int = DEFAULT_LIMIT
) -> list[Match]:
    """The settlements of ``settlements`` (already scoped to the user) that ``query`` names,
    best first: by KATO code prefix (digits) or by Russian or Kazakh name; then by name."""
    digits = "".join(query.split())
    if digits.isdigit():
        rows = settlements.filter(kato__startswith=digits).select_related("district")
        return [Match(s, 0) for s in rows.order_by("kato")[:limit]]
    folded = fold(query)
    if not folded:
        return []
    found: list[Match] = []
    for s in settlements.select_related("district"):
        rank = _rank(folded, (fold(s.name), fold(s.name_kk)))
        if rank is not None:
            found.append(Match(s, rank))
    found.sort(key=lambda m: (m.rank, m.settlement.name, m.settlement.kato))
    return found[:limit]
