"""Commit-time probe for bench/ws_push.py (a change listener placed before the fan-out)."""

import time

COMMITTED: dict[str, float] = {}


def record_commit(commit) -> None:
    now = time.time()
    for change in commit.changes:
        if change.table == "assignments" and not change.deleted:
            COMMITTED.setdefault(change.record_id, now)
