"""Dates and times as Kazakhstan writes them — 31.03.2026 14:05, weeks from Monday — in
every language of the console (the lists' ``when_text`` writes the same). Each language's
``formats`` module takes these; Django's own would show "31 марта 2026 г. 14:05" in Russian
and "March 31, 2026, 2:05 p.m." in English on the same screens."""

__all__ = [
    "DATETIME_FORMAT",
    "DATE_FORMAT",
    "FIRST_DAY_OF_WEEK",
    "SHORT_DATETIME_FORMAT",
    "SHORT_DATE_FORMAT",
    "TIME_FORMAT",
]

DATE_FORMAT = "d.m.Y"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "d.m.Y H:i"
SHORT_DATE_FORMAT = "d.m.Y"
SHORT_DATETIME_FORMAT = "d.m.Y H:i"
FIRST_DAY_OF_WEEK = 1  # Monday
