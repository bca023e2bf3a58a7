"""The chief's console speaks Kazakh and Russian: every string is translated, and the
compiled catalogs (committed, as Django commits its own) are those of the sources."""

from __future__ import annotations

import gettext
import shutil
import subprocess
from pathlib import Path

import pytest

LOCALE = Path(__file__).resolve().parents[3] / "backend" / "reports" / "locale"
MSGFMT = shutil.which("msgfmt")


@pytest.mark.skipif(MSGFMT is None, reason="needs GNU gettext's msgfmt (apt-get install gettext)")
@pytest.mark.parametrize("language", ["kk", "ru"])
def test_every_string_is_translated_and_compiled(tmp_path, language):
    # given
    source = LOCALE / language / "LC_MESSAGES" / "django.po"
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
