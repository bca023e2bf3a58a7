"""What a name typed with the wrong keyboard layout on was meant to be: "frnjufq" is
"актогай" typed with the English (QWERTY) layout on, "ыуьун" is "semey" typed with the
Russian (ЙЦУКЕН) one, "f0nj5fq" is "ақтоғай" typed on QWERTY by someone who meant the Kazakh
layout. A key is a key: the text is read back key by key through the other layout.

The layouts, as the operating systems ship them (checked against xkeyboard-config's
``symbols/us``, ``symbols/ru`` and ``symbols/kz``, the last of them "RST KazSSR 903-90", the
standard Windows' "Kazakh" layout follows too):

* ЙЦУКЕН: the letters, and ``` ` [ ] ; ' , . / ``` of QWERTY give ё х ъ ж э б ю and "."; the
  digit row types digits.
* Kazakh: ЙЦУКЕН's letters on the same keys, and its own nine on the digit row —
  ``2 3 4 5 8 9 0 - =`` give ә і ң ғ ү ұ қ ө һ (``1`` gives ``"``, ``6`` "," and ``7`` ".").
  On QWERTY those keys type digits, so "f0nj5fq" holds two digits.

No library on PyPI knows the Kazakh layout (relayout 0.1 and wrongkeys know English↔Russian
only, key-flip 0.1 and miskey 0.1 are a few months old): the tables here are the layouts
themselves, key by key, upper and lower case.
"""

from __future__ import annotations

# QWERTY keys, unshifted then shifted, and what ЙЦУКЕН types on the same keys.
_QWERTY = "`qwertyuiop[]asdfghjkl;'zxcvbnm,./" + '~QWERTYUIOP{}ASDFGHJKL:"ZXCVBNM<>?'
_JCUKEN = "ёйцукенгшщзхъфывапролджэячсмитьбю." + "ЁЙЦУКЕНГШЩЗХЪФЫВАПРОЛДЖЭЯЧСМИТЬБЮ,"
# Where the Kazakh layout differs from ЙЦУКЕН: its own letters on the digit row (and "1",
# "6", "7" give the punctuation that ЙЦУКЕН has elsewhere), "(" on the key of "ё", "№" on
# the key of ".".
_QWERTY_KAZAKH = "1234567890-=" + "!@#$%^&*()_+" + "`~/?"
_KAZAKH = '"әіңғ,.үұқөһ' + "!ӘІҢҒ;:ҮҰҚӨҺ" + "()№?"

_TO_RUSSIAN = dict(zip(map(ord, _QWERTY), _JCUKEN, strict=True))
_TO_KAZAKH = _TO_RUSSIAN | dict(zip(map(ord, _QWERTY_KAZAKH), _KAZAKH, strict=True))
_LATIN_LETTERS_TO_RUSSIAN = {k: v for k, v in _TO_RUSSIAN.items() if chr(k).isalpha()}
_LATIN_LETTERS_TO_KAZAKH = {k: v for k, v in _TO_KAZAKH.items() if chr(k).isalpha()}
# Back to QWERTY: each Cyrillic letter to its key (the Kazakh ones to the digit row); the
# punctuation is left as it is (a "." typed on ЙЦУКЕН is far more often a "." than a "/"
# meant on QWERTY).
_TO_QWERTY = {
    ord(c): q
    for c, q in (*zip(_JCUKEN, _QWERTY, strict=True), *zip(_KAZAKH, _QWERTY_KAZAKH, strict=True))
    if c.isalpha()
}


def is_latin_letter(c: str) -> bool:
    return c.isascii() and c.isalpha()


def is_cyrillic_letter(c: str) -> bool:
    return "\u0400" <= c <= "\u04ff" and c.isalpha()


def typed_on_russian(text: str) -> str:
    """``text`` as its keys type on ЙЦУКЕН: "frnjufq" → "актогай", "c/ frnj" → "с. акто".
    In a text that has Cyrillic letters too, only its Latin letters are read again: the rest
    was typed with the Cyrillic layout on already ("с. frnj" → "с. акто")."""
    if any(is_cyrillic_letter(c) for c in text):
        return text.translate(_LATIN_LETTERS_TO_RUSSIAN)
    return text.translate(_TO_RUSSIAN)


def typed_on_kazakh(text: str) -> str:
    """``text`` as its keys type on the Kazakh layout: "f0nj5fq" → "ақтоғай" (as
    :func:`typed_on_russian` for a text with Cyrillic letters: its Latin letters only)."""
    if any(is_cyrillic_letter(c) for c in text):
        return text.translate(_LATIN_LETTERS_TO_KAZAKH)
    return text.translate(_TO_KAZAKH)


def typed_on_qwerty(text: str) -> str:
    """``text`` as its keys type on QWERTY: "ыуьун" → "semey", "ә" → "2"; Latin letters,
    digits, spaces and punctuation are left as they are."""
    return text.translate(_TO_QWERTY)


def meant(text: str) -> list[str]:
    """What ``text`` may have been meant as, typed with another layout on, most likely first:
    with Latin letters in it, as its keys type on ЙЦУКЕН, then on the Kazakh layout; with
    Cyrillic letters, as they type on QWERTY. Each once, none equal to ``text``; a text with
    no letter (a KATO code, a number) has none."""
    found: list[str] = []
    if any(is_latin_letter(c) for c in text):
        found += [typed_on_russian(text), typed_on_kazakh(text)]
    if any(is_cyrillic_letter(c) for c in text):
        found.append(typed_on_qwerty(text))
    unique: list[str] = []
    for candidate in found:
        if candidate != text and candidate not in unique:
            unique.append(candidate)
    return unique
