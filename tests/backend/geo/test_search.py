"""Finding a settlement as the caller names it (backend/geo/search.py), over the real
territory of Abai oblast (the KATO extract the seed loads): Cyrillic and Latin letters, and the
near misses of a misspelt name, after what was typed and only as approximate."""

from __future__ import annotations

import pytest

from backend.geo.models import Settlement
from backend.geo.search import latin, settlements_matching
from backend.geo.seeding import seed_territory

pytestmark = pytest.mark.django_db


@pytest.fixture
def oblast() -> None:
    seed_territory()


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
