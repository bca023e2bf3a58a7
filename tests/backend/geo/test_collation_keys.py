"""SQLite's collations of the readers' alphabets make each name's key once, not two keys per
comparison: an ordered list of the oblast's settlements asks for a thousand comparisons."""

from __future__ import annotations

import random
from functools import cmp_to_key

import pytest

from backend.geo import names
from backend.geo.names import ALPHABETS, _comparer, collation_key


@pytest.mark.parametrize("alphabet", ALPHABETS, ids=lambda a: a.collation)
def test_a_sort_makes_each_names_key_once(
    alphabet: names.Alphabet, monkeypatch: pytest.MonkeyPatch
) -> None:
    settlements = [
        f"{stem} {n}"
        for stem in ("Ақсуат", "Аксуат", "Ёлкино", "Егинсу", "г.Семей", "Қайнар", "Үржар")
        for n in range(40)
    ]
    made: list[str] = []

    def counted(name: str, alphabet: names.Alphabet) -> tuple[int, ...]:
        made.append(name)
        return collation_key(name, alphabet)

    compare = _comparer(alphabet)
    monkeypatch.setattr(names, "collation_key", counted)
    shuffled = settlements[:]
    random.Random(7).shuffle(shuffled)
    ordered = sorted(shuffled, key=cmp_to_key(compare))
    again = sorted(settlements, key=cmp_to_key(compare))

    assert ordered == again == sorted(settlements, key=lambda n: collation_key(n, alphabet))
    assert sorted(made) == sorted(settlements)
