"""Channel-layer group names for devices, audiences and boards.

Channels accepts group names of ASCII letters, digits, ``-``, ``_`` and ``.`` shorter than
100 characters, so the sync audiences (``u:12``, ``d:3``, ``*``) are mapped onto that
alphabet here and nowhere else.
"""

from __future__ import annotations

import hashlib
import re

_SAFE = re.compile(r"[^A-Za-z0-9_.-]")

BOARD_ALL = "board.all"  # superusers: every district


def device(device_id: str) -> str:
    return "dev." + _SAFE.sub("_", device_id)


def officer(officer_id: int) -> str:
    return f"off.{int(officer_id)}"


def audience(name: str) -> str:
    """``u:12`` → ``aud.u.12``, ``d:3`` → ``aud.d.3``, ``*`` → ``aud.all``."""
    if name == "*":
        return "aud.all"
    return "aud." + _SAFE.sub("_", name.replace(":", "."))


def board_district(district_id: int) -> str:
    """Duty officers (and oblast administrators) whose scope includes the district."""
    return f"board.d.{int(district_id)}"


def board_chief(district_id: int) -> str:
    """The district's chief: board rows, and the alerts meant for the chief."""
    return f"board.c.{int(district_id)}"


def board_oblast(oblast_id: int) -> str:
    return f"board.o.{int(oblast_id)}"


def board_user(officer_id: int) -> str:
    """Every open board of one staff member: told when their access ended or changed."""
    return f"board.u.{int(officer_id)}"


def session_tag(session_key: str | None) -> str:
    """A session named without its key (which signs a browser in) in a layer message."""
    if not session_key:
        return ""
    return hashlib.sha256(session_key.encode()).hexdigest()[:32]
