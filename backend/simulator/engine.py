"""A discrete-event scheduler: callbacks at points in time, earliest first.

The same scheduler runs the live demo (time is the wall clock; the runner sleeps until the
next callback) and the history builder (time is the server's clock, moved forward to each
callback in turn). ``scale`` compresses the world's durations for demos: a ten-minute drive
at scale 30 takes twenty seconds.
"""

from __future__ import annotations

import datetime as dt
import heapq
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(order=True)
class Task:
    at: dt.datetime
    seq: int
    fn: Callable[..., Any] = field(compare=False)
    args: tuple[Any, ...] = field(compare=False, default=())

    def run(self) -> None:
        self.fn(*self.args)


class Engine:
    def __init__(self, now: Callable[[], dt.datetime], *, scale: float = 1.0) -> None:
        if scale <= 0:
            raise ValueError("scale must be positive")
        self.now = now
        self.scale = scale
        self._heap: list[Task] = []
        self._seq = itertools.count()

    def at(self, when: dt.datetime, fn: Callable[..., Any], *args: Any) -> Task:
        task = Task(when, next(self._seq), fn, args)
        heapq.heappush(self._heap, task)
        return task

    def after(self, world_seconds: float, fn: Callable[..., Any], *args: Any) -> Task:
        """Run ``fn`` once ``world_seconds`` of the simulated world have passed."""
        return self.at(self.now() + dt.timedelta(seconds=world_seconds / self.scale), fn, *args)

    def after_server(self, seconds: float, fn: Callable[..., Any], *args: Any) -> Task:
        """Run ``fn`` after ``seconds`` of the server's clock, whatever the scale: for what
        is measured against the server's own deadlines (a slow acknowledgment)."""
        return self.at(self.now() + dt.timedelta(seconds=seconds), fn, *args)

    def next_at(self) -> dt.datetime | None:
        return self._heap[0].at if self._heap else None

    def pop(self) -> Task:
        return heapq.heappop(self._heap)

    def __len__(self) -> int:
        return len(self._heap)
