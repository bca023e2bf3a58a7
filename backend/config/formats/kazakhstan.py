"""Dates and times as Kazakhstan writes them — 31.03.2026 14:05, weeks from Monday — in
every language of the console (the lists' ``when_text`` writes the same). Each language's
``formats`` module takes these; Django's own would show "31 марта 2026 г. 14:05" in Russian
and "March 31, 2026, 2:05 p.m." in English on the same screens."""

__all__ = [
    "DATETIME_FORMAT",
    "DATE_FORMAT",
    "FIRST_DAY_OF_WEEK",
    "MONTH_DAY_FORMAT",
    "SHORT_DATETIME_FORMAT",
    "SHORT_DATE_FORMAT",
    "TIME_FORMAT",
]

from django.utils.translation import pgettext_lazy

DATE_FORMAT = "d.m.Y"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "d.m.Y H:i"
SHORT_DATE_FORMAT = "d.m.Y"
SHORT_DATETIME_FORMAT = "d.m.Y H:i"
FIRST_DAY_OF_WEEK = 1  # Monday
# A day of a month (the lists' date drill-down): "30 ноября", "30 қараша", "30 November" —
# Django's read "30 Ноябрь" in Russian (the month's name, not its date form) and
# "Қараша 30" in Kazakh (English order).
MONTH_DAY_FORMAT = "j E"

# A month's name in a date ("E" above: "30 қараша") is Django's "alt. month", which its Kazakh
# catalog writes with a capital as at the head of a sentence ("30 Қараша"); in a date Kazakh
# writes it small, as Russian does ("30 ноября"). Listed here so that `make messages` puts
# them in the project's catalog, which Django reads over its own.
_MONTHS_IN_A_DATE = (
    pgettext_lazy("alt. month", "January"),
    pgettext_lazy("alt. month", "February"),
    pgettext_lazy("alt. month", "March"),
    pgettext_lazy("alt. month", "April"),
    pgettext_lazy("alt. month", "May"),
    pgettext_lazy("alt. month", "June"),
    pgettext_lazy("alt. month", "July"),
    pgettext_lazy("alt. month", "August"),
    pgettext_lazy("alt. month", "September"),
    pgettext_lazy("alt. month", "October"),
    pgettext_lazy("alt. month", "November"),
    pgettext_lazy("alt. month", "December"),
)
