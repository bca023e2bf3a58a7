"""Names of the codes a report shows (zones, coverage, priorities, channels, categories,
outcomes, event kinds, shifts), in the reader's language.

The codes' names are the models' choice labels (translated in ``backend/locale``): the chief
reads the same word for a code as the duty officer. Only the shifts are the reports' own.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from backend.dispatch.lifecycle import EventKind
from backend.dispatch.models import Category, Channel, CoaoArticle, OutcomeCode, Priority
from backend.geo import names
from backend.geo.models import Coverage, Zone


def _names(choices: type[models.TextChoices]) -> dict[str, Promise]:
    return {str(value): label for value, label in choices.choices}  # type: ignore[misc]


# One name for every code: the models' own (translated) choice labels, as on every other screen.
ZONE = _names(Zone)
COVERAGE = _names(Coverage)
PRIORITY = _names(Priority)
CHANNEL = _names(Channel)
CATEGORY = _names(Category)
OUTCOME = _names(OutcomeCode)
EVENT_KIND = _names(EventKind)
# The CoAO articles a report counts apart (each with its parts: "73" is 73, 73-1, 73-2…), and
# the rest: another article, or none recorded.
OTHER_ARTICLE = "other"
ARTICLE: dict[str, Promise] = {
    **_names(CoaoArticle),
    OTHER_ARTICLE: _("another article of the CoAO, or none recorded"),
}
APPS = "apps"  # every app channel at once (the upward report's app reports)
SHIFT: dict[str, Promise] = {
    "day": _("day shift (08:00–20:00)"),
    "night": _("night shift (20:00–08:00)"),
}
NONE_KEY = _("not known")


def label(table: dict[str, Promise], code: Any) -> str:
    """The reader's word for ``code``; the code itself when the table does not know it."""
    if code is None or code == "":
        return str(NONE_KEY)
    return str(table.get(str(code), code))


# Names in the reader's alphabet (Қайнар between Көкентау and Лебяжье in Kazakh, Ёлкино among
# the Е's in Russian): the territory's own sort key, its database ordering's (geo/names.py).
name_order = names.name_order


def code_order(table: dict[str, Promise], code: Any) -> tuple[bool, int, str]:
    """A sort key for a code: the table's order (zones from the town to the remote villages,
    channels as the filter lists them), codes it does not know after, none last."""
    codes = list(table)
    known = code is not None and str(code) in table
    return (code is None, codes.index(str(code)) if known else len(codes), str(code))
