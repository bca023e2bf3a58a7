"""PENDING TRANSLATIONS — these fail until the kk and ru catalogs (backend/locale) have the
words the console gained while an oblast administrator staffed a new district
(test_staffing_a_district.py): each must read in Kazakh and Russian, not in English."""

from __future__ import annotations

import pytest
from django.utils import translation

NEW_WORDS = [
    "sign-in",
    "not locked out",
    "locked out after %(n)s wrong passwords, until %(until)s; a new password set here lifts it",
    "full name",
    "Console password set by an administrator",
    "Sign-in lockout lifted",
    "The sign-in lockout of %(name)s after wrong passwords is lifted.",
    "The okrug is in another district.",
    "The unit's officers serve in another district: %(officers)s. Give them another unit first.",
    "Phone enrolled",
    "Phone enrolled again",
    "%(officer)s: no code — the account is inactive.",
    "%(officer)s: no code — only patrol officers and inspectors enrol a phone; staff sign in "
    "to the console.",
    "%(officer)s: no code — give the officer a unit first.",
    "nobody yet: give officers this unit on their pages",
    "The officer opens the field app on the phone at %(app_url)s and types or scans the code "
    "there.",
    "The district already has a rule for this priority and zone: change that one.",
    "There already is a default rule for this priority and zone: change that one.",
    "%(name)s serves the oblast ЦОУ: every district of %(oblast)s. A district's duty officer "
    "is given the district.",
]


@pytest.mark.parametrize("language", ["kk", "ru"])
@pytest.mark.parametrize("msgid", NEW_WORDS)
def test_the_staffing_words_read_in_kazakh_and_russian(language, msgid):
    # when
    with translation.override(language):
        words = translation.gettext(msgid)

    # then: translated, with the same placeholders
    assert words != msgid
    for name in ("name", "officers", "officer", "app_url", "oblast", "n", "until"):
        assert words.count(f"%({name})s") == msgid.count(f"%({name})s")
