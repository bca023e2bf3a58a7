"""Dates and times as Kazakhstan writes them, in every language of the console: 31.03.2026
14:05, the same as the Kazakh formats (``../kk``) and the lists' ``when_text``. Django's own
would show "31 марта 2026 г. 14:05" in Russian and "March 31, 2026, 2:05 p.m." in English
on the same screens. Input formats and numbers stay Django's for the language."""

DATE_FORMAT = "d.m.Y"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "d.m.Y H:i"
SHORT_DATE_FORMAT = "d.m.Y"
SHORT_DATETIME_FORMAT = "d.m.Y H:i"
FIRST_DAY_OF_WEEK = 1  # Monday
