"""The names the unit of work is told: which synced table a change touched, and the topic of
an after-commit notification. One place, so a typo is an AttributeError rather than a change
no device ever receives.
"""

from __future__ import annotations

from enum import StrEnum


class SyncTable(StrEnum):
    """A table of the sync protocol (PROTOCOL.md §4): the change log records touched rows
    under these names, and pulls render them. ``sync/protocol.py`` carries the same list for
    the apps (a test holds them equal)."""

    INCIDENTS = "incidents"
    FOLLOW_UPS = "follow_ups"
    ASSIGNMENTS = "assignments"
    EVENTS = "events"
    UNITS = "units"
    SETTLEMENTS = "settlements"
    CODES = "codes"


class Topic(StrEnum):
    """What an after-commit notification is about; ``backend/realtime/fanout.py`` routes it."""

    BOARD = "board"  # a line for the duty officers' (and chiefs') live board
    DEVICE_REVOKED = "device.revoked"  # close the device's sockets (4401)
    ASSIGNMENT_REPUSH = "assignment.repush"  # send the assignment to the unit's sockets again
    DESK_MESSAGE = "assignment.desk_message"  # the desk messaged the crew: wake its phones
    UNIT_HEARD = "unit.heard"  # a desk heard the crew (radio, phone): its boards' row again
