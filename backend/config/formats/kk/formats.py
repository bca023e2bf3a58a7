"""Number and date formats for Kazakh readers: Django ships none for ``kk`` (it would fall back
to English: 75.0, 1,234), while Kazakhstan writes 75,0 and 1 234 and dates as 31.03.2026."""

from backend.config.formats import kazakhstan
from backend.config.formats.kazakhstan import *  # noqa: F403  (Django reads a module's names)

__all__ = [
    *kazakhstan.__all__,
    "DATETIME_INPUT_FORMATS",
    "DATE_INPUT_FORMATS",
    "DECIMAL_SEPARATOR",
    "NUMBER_GROUPING",
    "THOUSAND_SEPARATOR",
]

DATE_INPUT_FORMATS = ["%d.%m.%Y", "%d.%m.%y", "%Y-%m-%d"]
DATETIME_INPUT_FORMATS = ["%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M", "%d.%m.%Y", "%Y-%m-%d %H:%M:%S"]
DECIMAL_SEPARATOR = ","
THOUSAND_SEPARATOR = "\xa0"  # a non-breaking space
NUMBER_GROUPING = 3
