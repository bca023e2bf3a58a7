"""Finding a settlement as the caller names it (backend/geo/search.py), over the real
territory of Abai oblast (the KATO extract the seed loads): Cyrillic and Latin letters, and the
near misses of a misspelt name, after what was typed and only as approximate."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import translation

from backend.geo.models import Settlement
from backend.geo.search import OTHER_LAYOUT, latin, settlements_matching
from backend.geo.seeding import seed_territory
from tests.module_data import built_for_the_module

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def _territory(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    # The search only reads: the oblast's few thousand settlements are loaded once for the
    # module, not once for each of its cases (tests/module_data.py).
    with built_for_the_module(django_db_blocker, seed_territory):
        yield


@pytest.fixture
def oblast(_territory: None, db: None) -> None:
    pass


def found(query: str, district: str | None = None) -> list[tuple[str, bool]]:
    """What the search offers for ``query``: each settlement's Russian name and whether it
    is only a near miss; over the oblast, or one district's settlements (its KATO code)."""
    settlements = Settlement.objects.all()
    if district is not None:
        settlements = settlements.filter(district__kato=district)
    return [(m.settlement.name, m.approximate) for m in settlements_matching(settlements, query)]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # a vowel heard wrong: the nearest first, a farther miss after it
        ("Актагай", [("Актогай", True), ("Карагайлы", True)]),
        # two letters wrong in a short name
        ("Аягус", [("Аягоз", True)]),
        ("Бородулико", [("Бородулиха", True)]),
        ("Архад", [("Архат", True)]),
        # a letter left out, a letter swapped for its voiced pair
        ("Кызылагаж", [("Кызылагаш", True)]),
        ("с. Аксуад", [("Аксуат", True), ("Акшаули", True)]),
    ],
)
def test_a_misspelt_russian_name_finds_the_village_it_may_mean(oblast, query, expected):
    assert found(query) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Ақтағай", [("Актогай", True), ("Карагайлы", True)]),
        ("Жаңаозн", [("Жанаозен", True)]),
        # ы for і: Шүлбі is the Kazakh name of Шульбинск, then the Russian names near it
        ("а. Шулбы", [("Шульбинск", True), ("Новая Шульба", True), ("Шугылбай", True)]),
    ],
)
def test_a_misspelt_kazakh_name_finds_the_village_it_may_mean(oblast, query, expected):
    assert found(query) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # English-style, as on a phone or with the Latin layout left on
        ("aktogai", [("Актогай", False)]),
        ("ayagoz", [("Аягоз", False)]),
        ("semey", [("Семей", False)]),
        ("zharma", [("Жарма", False)]),
        ("s. aktog", [("Актогай", False)]),
        (
            "kara",
            [
                ("Караагаш", False),
                ("Карааул", False),
                ("Карабас", False),
                ("Карабулак", False),
                ("Карабута", False),
                ("Карагайлы", False),
                ("Каракол", False),
                ("Каратал", False),
                ("Каратобе", False),
                ("Каратума", False),
            ],
        ),
        # the Kazakh Latin alphabet (2021), its ş, ç, ğ, q, ö, ü
        ("Aqtoğai", [("Актогай", False)]),
        ("Ayagöz", [("Аягоз", False)]),
        ("a.Aqsuat", [("Аксуат", False)]),
        ("Şar", [("Шар", False)]),
        ("Ürjar", [("Урджар", False)]),
        ("Maqanşy", [("Маканчи", False)]),  # by its Kazakh name, Мақаншы
        ("Belağaş", [("Бель-Агач", False)]),  # Белағаш
        # Latin and misspelt
        ("aktagai", [("Актогай", True), ("Карагайлы", True)]),
        ("ajagoz", [("Аягоз", True)]),
    ],
)
def test_a_name_typed_in_latin_letters_finds_the_village(oblast, query, expected):
    assert found(query) == expected


def test_no_near_miss_is_offered_for_fewer_than_four_letters(oblast):
    # "Аяк" is one letter from "Аяг", the start of Аягоз; four letters are enough
    assert found("Аяк") == []
    assert found("ajg") == []
    assert found("Аяко") == [("Аягоз", True)]


def test_a_name_that_starts_with_the_query_is_offered_alone_without_near_misses(oblast):
    # "qaraaul" is within two edits of the start of ten villages; "Кайнар" of Айнабулак
    assert found("qaraaul") == [("Карааул", False)]
    assert found("Кайнар") == [("Кайнар", False)]
    assert found("Қайнар") == [("Кайнар", False)]


def test_near_misses_come_after_the_names_that_contain_the_query(oblast):
    # "ульб" is inside Шульбинск and Новая Шульба; in Latin ("ulb") one letter from the
    # start of Улкен Бокен ("ulk") and of Ульгули-Малши ("ulg")
    assert found("Ульб") == [
        ("Новая Шульба", False),
        ("Шульбинск", False),
        ("Улкен Бокен", True),
        ("Ульгули-Малши", True),
    ]


def test_near_misses_stay_in_the_districts_searched(oblast):
    # Актогай is in the Ayagoz district (103600000), not in Semey's (101000000)
    assert found("Актагай", district="103600000") == [("Актогай", True)]
    assert found("Актагай", district="101000000") == []
    assert found("aktogai", district="101000000") == []


def test_kato_codes_and_cyrillic_prefixes_find_as_before(oblast):
    assert found("1036411") == [("Актогай", False)]
    assert found("с. акто") == [("Актогай", False)]
    assert found("Акши") == [("Акши", False)]
    assert found("Нигде") == []


@pytest.mark.parametrize(
    ("text", "written"),
    [
        ("Аягөз", "aiagoz"),
        ("Ayagöz", "aiagoz"),
        ("ayagoz", "aiagoz"),
        ("Ақтоғай", "aktogai"),
        ("Aqtoğai", "aktogai"),
        ("Үржар", "urjar"),
        ("Urzhar", "urjar"),
        ("Бель-Агач", "bel-agach"),
        ("Şar", "shar"),
        ("s'ar", "shar"),
        ("с. Семей", "semei"),
        ("auyl Qaraaul", "karaaul"),
    ],
)
def test_a_name_is_written_in_latin_one_way(text, written):
    assert latin(text) == written


def found_as(query: str) -> list[tuple[str, int, str]]:
    """Each settlement the search offers for ``query``: its Russian name, its rank, and what
    the query read as on another keyboard layout when that found it."""
    return [
        (m.settlement.name, m.rank, m.typed_as)
        for m in settlements_matching(Settlement.objects.all(), query)
    ]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # a Cyrillic name typed with the English layout on
        ("frnjufq", [("Актогай", 3, "актогай")]),
        ("fzujp", [("Аягоз", 3, "аягоз")]),
        ("c/ frnj", [("Актогай", 3, "с. акто")]),
        ("<tkm-Fufx", [("Бель-Агач", 3, "Бель-Агач")]),
        # a Kazakh name, the Kazakh layout meant: its letters are QWERTY's digits
        ("f0nj5fq", [("Актогай", 3, "ақтоғай")]),
        ("fzu-p", [("Аягоз", 3, "аягөз")]),
        # a Latin name typed with the Russian layout on
        ("ыуьун", [("Семей", 3, "semey")]),
        ("фнфпщя", [("Аягоз", 3, "ayagoz")]),
        # and misspelt besides: a near miss of what it reads as ("fzuja" is "аягоф")
        ("fzuja", [("Аягоз", 4, "")]),
        ("ыуьфн", [("Семей", 4, "")]),
    ],
)
def test_a_name_typed_with_the_wrong_keyboard_layout_finds_the_village(oblast, query, expected):
    assert found_as(query) == expected


def test_what_the_query_finds_as_typed_comes_before_it_read_on_another_layout(oblast):
    # "ak" starts Latin names: what was typed wins, "фл" is not looked for
    ranks = [rank for _, rank, _ in found_as("ak")]
    assert ranks[0] == 0
    assert OTHER_LAYOUT not in ranks
    # "uke" is inside Букенчи ("bukenchi"), and "глу" typed on QWERTY: Глуховка after it
    assert found_as("uke") == [("Букенчи", 2, ""), ("Глуховка", 3, "глу")]
    # "eh" is inside Шелехово ("shelehovo"), and "ур" typed on QWERTY: Урджар
    assert found_as("eh") == [("Шелехово", 2, ""), ("Урджар", 3, "ур")]
    # what reads on another layout as merely inside a name is not offered: "ht" is "ре",
    # inside Белтерек, Приречное, Теректы… and the start of none ("ht" is inside "bahti")
    assert found_as("ht") == [("Бахты", 2, "")]


@pytest.mark.parametrize(
    "query", ["Бель Агач", "Бельагач", "Бель-Агач", "бель  агач", "с. Бельагач"]
)
def test_a_name_written_with_or_without_its_space_or_hyphen_is_the_name(oblast, query):
    # the data spells it "Бель-Агач" (Russian) and "Белағаш" (Kazakh)
    assert found_as(query) == [("Бель-Агач", 0, "")]


@pytest.mark.parametrize(
    "query",
    ["Белағаш", "Бел агаш", "Бел-Ағаш", "Бельагаш", "bel agach", "belagash", "Bel-Ağaş"],
)
def test_the_kazakh_name_written_with_or_without_space_hyphen_or_soft_sign_is_the_name(
    oblast, query
):
    assert found_as(query) == [("Бель-Агач", 0, "")]


def test_a_two_word_name_typed_as_one_is_the_name(oblast):
    assert found_as("Кишикарасу") == [("Киши Карасу", 0, "")]
    assert found_as("Ульгули Малши") == [("Ульгули-Малши", 0, "")]
    assert found_as("ulguli malshi") == [("Ульгули-Малши", 0, "")]


@pytest.mark.parametrize(
    ("lang", "query", "first"),
    [
        # A Kazakh reader's picker reads the Kazakh names, К before Қ: it listed them in the
        # order of their Russian names (Шаған, Шекаман, Шалабай…; Қабанбай before Камышенка).
        ("kk", "Ш", ["Шаған", "Шалабай", "Шар", "Шекаман"]),
        ("kk", "Ка", ["Камышенка", "Канонерка", "Караагаш", "Қабанбай"]),
        ("ru", "Ка", ["Кабанбай", "Кайнар", "Калбатау", "Камышенка"]),
    ],
)
def test_equally_good_matches_are_in_the_readers_alphabet(oblast, lang, query, first):
    with translation.override(lang):
        shown = [
            m.settlement.local_name for m in settlements_matching(Settlement.objects.all(), query)
        ]
    assert shown[: len(first)] == first
