"""A day typed as the country writes it: ``05.12.2026``.

The browser's own date field (``<input type="date">``) shows the day in the *browser's*
language, not the page's: a Kazakh chief's report titled its period "06.11.2026 –
05.12.2026" above a field that read "11/06/2026" (an English-speaking browser), which a
reader here takes for 11 June. A plain text field in ``dd.mm.yyyy`` reads the same on every
browser; links and older pages send ISO days (``2026-12-05``), which are read too and shown
back as ``dd.mm.yyyy``.

And where a Kazakhstan day starts: the console's "today" (a partner's reports today) and the
chief's report periods count from local midnight, not UTC's (05:00 here).
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

DAY_FORMAT = "%d.%m.%Y"
DAY_INPUT_FORMATS = (DAY_FORMAT, "%Y-%m-%d")


def local_zone() -> ZoneInfo:
    """The district's time zone (``TIME_ZONE``: Asia/Almaty, UTC+5)."""
    return ZoneInfo(settings.TIME_ZONE)


def local_midnight(day: dt.date) -> dt.datetime:
    """The start of ``day`` in Kazakhstan, an aware datetime."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=local_zone())


class DayInput(forms.DateInput):
    """A text field showing its day as ``dd.mm.yyyy`` — an ISO day given in the query too."""

    input_type = "text"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        base = {
            "placeholder": _("dd.mm.yyyy"),
            "size": 10,
            "maxlength": 10,
            "autocomplete": "off",
        }
        super().__init__(attrs={**base, **(attrs or {})}, format=DAY_FORMAT)

    def format_value(self, value: Any) -> str | None:
        if isinstance(value, str):
            try:
                day = dt.date.fromisoformat(value)
            except ValueError:
                return value  # as typed: its field says what is wrong with it
            value = day
        shown: str | None = super().format_value(value)
        return shown


class DayField(forms.DateField):
    """A day typed as ``dd.mm.yyyy`` (or ISO, from a link)."""

    widget = DayInput
    input_formats = DAY_INPUT_FORMATS
    default_error_messages = {"invalid": _("Write the day as dd.mm.yyyy.")}
