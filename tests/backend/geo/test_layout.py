"""A name typed with the wrong keyboard layout on, read back key by key (backend/geo/layout.py):
QWERTY ↔ ЙЦУКЕН both ways, the Kazakh layout's own letters on the digit row."""

from __future__ import annotations

import pytest

from backend.geo.layout import meant, typed_on_kazakh, typed_on_qwerty, typed_on_russian


@pytest.mark.parametrize(
    ("typed", "on_russian"),
    [
        ("frnjufq", "актогай"),
        ("fzujp", "аягоз"),
        ("Frnjufq", "Актогай"),
        ("FZUJP", "АЯГОЗ"),
        # the letters ЙЦУКЕН has on QWERTY's punctuation: х ъ ж э б ю ё, and "." on "/"
        ("[];'<>", "хъжэБЮ"),
        ("`~", "ёЁ"),
        ("c/ frnjufq", "с. актогай"),
        ("<tkm-Fufx", "Бель-Агач"),
        # digits and spaces are the same keys on both
        ("frnj 2", "акто 2"),
    ],
)
def test_latin_typed_for_russian_reads_as_russian(typed, on_russian):
    assert typed_on_russian(typed) == on_russian


@pytest.mark.parametrize(
    ("typed", "on_qwerty"),
    [
        ("ыуьун", "semey"),
        ("ЫУЬУН", "SEMEY"),
        ("фнфпщя", "ayagoz"),
        ("хъжэбюё", "[];',.`"),
        # the Kazakh letters are on the digit row
        ("әіңғүұқөһ", "2345890-="),
        ("ӘІҢҒҮҰҚӨҺ", "@#$%*()_+"),
        # punctuation, digits and spaces stay
        ("с. 12-3", "c. 12-3"),
    ],
)
def test_cyrillic_typed_for_latin_reads_as_latin(typed, on_qwerty):
    assert typed_on_qwerty(typed) == on_qwerty


@pytest.mark.parametrize(
    ("typed", "on_kazakh"),
    [
        # the nine Kazakh letters, lower and upper case: 2 3 4 5 8 9 0 - =
        ("234589", "әіңғүұ"),
        ("0-=", "қөһ"),
        ("@#$%*()_+", "ӘІҢҒҮҰҚӨҺ"),
        ("f0nj5fq", "ақтоғай"),
        ("fzu-p", "аягөз"),
        # the Russian letters are on the same keys as on ЙЦУКЕН
        ("frnjufq", "актогай"),
        # punctuation where the Kazakh layout has it: "," on 6, "." on 7, "(" on `, "№" on /
        ("67`/", ",.(№"),
    ],
)
def test_latin_typed_for_kazakh_reads_as_kazakh(typed, on_kazakh):
    assert typed_on_kazakh(typed) == on_kazakh


def test_both_ways_give_back_what_was_typed():
    russian = "йцукенгшщзхъфывапролджэячсмитьбюё"
    kazakh = "әіңғүұқөһ"
    assert typed_on_russian(typed_on_qwerty(russian)) == russian
    assert typed_on_russian(typed_on_qwerty(russian.upper())) == russian.upper()
    assert typed_on_kazakh(typed_on_qwerty(kazakh)) == kazakh
    assert typed_on_kazakh(typed_on_qwerty(kazakh.upper())) == kazakh.upper()
    assert typed_on_qwerty(typed_on_russian("qwertyuiopasdfghjklzxcvbnm")) == (
        "qwertyuiopasdfghjklzxcvbnm"
    )


def test_a_mixed_text_has_only_its_other_letters_read_again():
    # the officer switched the layout half way: what is already Cyrillic stays, "." too
    assert typed_on_russian("с. frnjгай") == "с. актогай"
    assert typed_on_kazakh("Ақ njuf") == "Ақ тога"
    assert typed_on_russian("Бель-Fufx") == "Бель-Агач"
    # and the other way: Latin letters stay
    assert typed_on_qwerty("semун") == "semey"


@pytest.mark.parametrize(
    ("typed", "candidates"),
    [
        ("frnjufq", ["актогай"]),
        # on QWERTY's digit row: ЙЦУКЕН types digits, the Kazakh layout its letters
        ("f0nj5fq", ["а0то5ай", "ақтоғай"]),
        ("ыуьун", ["semey"]),
        ("ақтоғай", ["f0nj5fq"]),
        # both alphabets in it: each read the other way
        ("с. frnj", ["с. акто", "c. frnj"]),
        # no letter: a KATO code, a number, punctuation
        ("1036411", []),
        ("12-3", []),
        ("", []),
    ],
)
def test_what_a_text_may_have_been_meant_as(typed, candidates):
    assert meant(typed) == candidates
