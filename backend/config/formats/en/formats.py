"""Kazakhstan's dates and times (``..kazakhstan``); input formats and numbers stay Django's
for the language."""

from backend.config.formats.kazakhstan import *  # noqa: F403  (Django reads a module's names)
