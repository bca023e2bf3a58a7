"""Kuzet's backend speaks Kazakh and Russian: every string of backend/locale (and of the chief
console's backend/reports/locale) is translated,
the compiled catalogs (committed) are those of the sources, and the sources are up to date
with the code (`make messages` would add nothing)."""

from __future__ import annotations

import gettext
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.contrib import admin
from django.utils import translation
from django.utils.translation.trans_real import DjangoTranslation

from backend.dispatch.lifecycle import AssignmentStatus, EventKind, IncidentStatus
from backend.dispatch.models import Category, Channel, OutcomeCode
from backend.people.models import UnitStatus

BACKEND = Path(__file__).resolve().parents[2] / "backend"
# Kuzet's catalog and the chief console's own (backend/reports/locale).
CATALOGS = {"backend": BACKEND / "locale", "reports": BACKEND / "reports" / "locale"}
MSGFMT = shutil.which("msgfmt")
CODES = (Category, Channel, OutcomeCode, IncidentStatus, AssignmentStatus, EventKind, UnitStatus)


@pytest.mark.skipif(MSGFMT is None, reason="needs GNU gettext's msgfmt (apt-get install gettext)")
@pytest.mark.parametrize("catalog", sorted(CATALOGS))
@pytest.mark.parametrize("language", ["kk", "ru"])
def test_every_backend_string_is_translated_and_compiled(tmp_path, catalog, language):
    # given
    source = CATALOGS[catalog] / language / "LC_MESSAGES" / "django.po"
    committed = source.with_suffix(".mo")
    fresh = tmp_path / "django.mo"

    # when
    result = subprocess.run(
        [MSGFMT, "--check", "--statistics", "-o", str(fresh), str(source)],
        capture_output=True,
        text=True,
        check=True,
    )

    # then
    assert "untranslated" not in result.stderr
    assert "fuzzy" not in result.stderr
    with fresh.open("rb") as a, committed.open("rb") as b:
        assert gettext.GNUTranslations(a)._catalog == gettext.GNUTranslations(b)._catalog  # type: ignore[attr-defined]


@pytest.mark.parametrize("choices", CODES, ids=lambda c: c.__name__)
def test_every_code_has_one_sentence_case_name_in_each_language(choices):
    for language in ("en", "kk", "ru"):
        with translation.override(language):
            labels = [str(label) for label in choices.labels]
        # then: a name per code, no raw code, sentence case in English (in kk and ru the
        # chief console's established words win, e.g. "линия 102"), no two codes alike
        if language == "en":
            assert all(
                label[:1] == label[:1].upper() or label.startswith("eGov") for label in labels
            )
        assert not any(re.fullmatch(r"[a-z0-9_]+", label) and "_" in label for label in labels)
        assert len(set(labels)) == len(labels), (language, labels)
        if language != "en":
            with translation.override("en"):
                english = [str(label) for label in choices.labels]
            untranslated = {
                label for label in labels if label in english and not label.isupper()
            } - {"eGov Mobile", "Kaspi.kz", "Halyk", "SOS"}
            assert not untranslated, (language, untranslated)


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_a_msgid_shared_with_the_chiefs_console_reads_the_same_in_both_catalogs(language):
    # given: backend/locale is read before backend/reports/locale (LOCALE_PATHS)
    def catalog(path: Path) -> dict[str, str]:
        with (path / language / "LC_MESSAGES" / "django.mo").open("rb") as fh:
            return gettext.GNUTranslations(fh)._catalog  # type: ignore[attr-defined]

    backend = catalog(CATALOGS["backend"])
    reports = catalog(CATALOGS["reports"])

    # then: one name for a code on every screen
    shared = {k for k in backend.keys() & reports.keys() if k}
    assert shared
    assert {k: backend[k] for k in shared} == {k: reports[k] for k in shared}


def test_the_code_tables_sent_to_devices_do_not_depend_on_the_callers_language():
    from backend.sync_gateway.scope import code_records, codes_digest

    # when
    with translation.override("kk"):
        kazakh = (codes_digest(), code_records()["category:theft"]["label"])
    with translation.override("ru"):
        russian = codes_digest()

    # then
    assert kazakh == (codes_digest(), "Theft")
    assert russian == kazakh[0]


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_every_field_in_the_console_has_its_name_and_help_in_the_readers_language(language):
    # given: the names and help texts the console shows beside every field of every model
    # it shows (the engine's own tables — sequencer, change log, scopes — have no screen)
    from django.contrib import admin
    from django.utils.functional import Promise

    untranslated = []
    for model in admin.site._registry:
        if not model.__module__.startswith("backend."):
            continue
        for field in model._meta.get_fields(include_hidden=False):
            for attribute in ("verbose_name", "help_text"):
                text = getattr(field, attribute, "")
                if not text or not re.search(r"[A-Za-z]", str(text)):
                    continue
                name = f"{model._meta.label}.{field.name}.{attribute}"
                # when
                with translation.override(language):
                    read = str(text)
                with translation.override("en"):
                    english = str(text)
                # then: marked for translation, and translated
                if _english(english) and (not isinstance(text, Promise) or read == english):
                    untranslated.append(f"{name}: {read}")
    assert untranslated == [], "\n".join(untranslated)


def _english(text: str) -> bool:
    """A label that still reads as English (an abbreviation such as SMS or GPS alone does not)."""
    return bool(re.search(r"[a-z]{3,}", text))


ADMIN_JS = Path(admin.__file__).resolve().parent / "locale"


@pytest.mark.skipif(MSGFMT is None, reason="needs GNU gettext's msgfmt (apt-get install gettext)")
def test_the_admins_scripts_read_kazakh_with_kuzets_catalog_over_djangos(tmp_path):
    # given: Django's Kazakh catalog of the admin's scripts, and Kuzet's for what it lacks
    ours = BACKEND / "locale" / "kk" / "LC_MESSAGES" / "djangojs.po"
    merged = tmp_path / "djangojs.po"
    subprocess.run(
        [
            shutil.which("msgcat") or "msgcat",
            "--use-first",
            "-o",
            str(merged),
            str(ours),
            str(ADMIN_JS / "kk" / "LC_MESSAGES" / "djangojs.po"),
        ],
        check=True,
    )

    # when
    result = subprocess.run(
        [MSGFMT, "--check", "--statistics", "-o", str(tmp_path / "djangojs.mo"), str(merged)],
        capture_output=True,
        text=True,
        check=True,
    )
    kk = DjangoTranslation("kk", domain="djangojs", localedirs=[str(ADMIN_JS)])

    # then: nothing left in English — the calendar's months and days, the time-zone note
    assert "untranslated" not in result.stderr
    assert "fuzzy" not in result.stderr
    assert kk.gettext("January") == "Қаңтар"
    assert kk.pgettext("one letter Monday", "M") == "Д"
    note = kk.ngettext(
        "Note: You are %s hour behind server time.",
        "Note: You are %s hours behind server time.",
        5,
    )
    assert note == "Ескерту: сіздің уақытыңыз сервер уақытынан %s сағат артта."
    with ours.with_suffix(".mo").open("rb") as committed:
        assert gettext.GNUTranslations(committed).gettext("Choose a Date") == "Күнді таңдаңыз"


@pytest.mark.parametrize("catalog", sorted(CATALOGS))
def test_the_kazakh_console_names_a_unit_by_one_word(catalog):
    # A unit (and its crew) is «наряд» on every console screen: the board's headers and the
    # timeline's audit rows said «наряд» while its message button and event rows said «жасақ»
    # and the dispatch notice «экипаж»: several words for one crew on one page. (The field
    # app says «наряд» too: field/test/kk-unit-word.test.js.)
    # given
    source = CATALOGS[catalog] / "kk" / "LC_MESSAGES" / "django.mo"

    # when
    with source.open("rb") as mo:
        texts = list(gettext.GNUTranslations(mo)._catalog.values())  # type: ignore[attr-defined]
    other_word = [
        text for text in texts if re.search(r"\bжаса(қ|ғ[ыі])|\bэкипаж", text, re.IGNORECASE)
    ]

    # then
    assert other_word == []
