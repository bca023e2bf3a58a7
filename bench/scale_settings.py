"""Settings for bench/scale.py: the production settings, with the PostgreSQL backend that
times the sequencer lock (``bench/sequencer_probe``) — nothing else differs."""

from backend.config.settings.base import *  # noqa: F403
from backend.config.settings.base import DATABASES

DATABASES["default"]["ENGINE"] = "sequencer_probe"
