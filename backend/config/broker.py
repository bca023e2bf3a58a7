"""The embedded default's Celery broker: kombu's filesystem transport, publishing atomically.

kombu's filesystem transport creates a message's file and only then writes into it. A worker
listing the folder in between takes the empty file, cannot decode it and stops for good
("Unrecoverable error: JSONDecodeError", celery/kombu#1551, still open) — and with it the whole
of `make run`, seen within a minute on a busy machine. Here a message is written under a name
no queue reads (no ``.<queue>.msg`` ending) and renamed to its queue's name once complete: a
rename within one folder is atomic, so a reader finds a whole message or none. Reading,
ordering and every other part are kombu's. Production uses Redis (``REDIS_URL``).

A worker's wait for messages is bounded by one polling interval, too. Celery's loop for a
broker without an event loop (``synloop``) asks for messages with a 2-second timeout, and
kombu's polling keeps listing the folder until those 2 s have passed; a stopping worker
checks its stop flag only between two such waits, and waits once more after it has seen
it. After honcho's SIGTERM (``make run``'s Ctrl-C) the worker took 4–6 s to stop, 2–4 of
them before its shutdown began: past the 5 s honcho gives before SIGKILL. Each wait now
ends after one look at the folder and one polling interval (:data:`POLLING_INTERVAL_S`);
Celery's loop simply asks again.
"""

from __future__ import annotations

import os
import uuid
from time import monotonic
from typing import Any

from kombu.exceptions import ChannelError
from kombu.transport import filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps

# kombu's default: how long a worker with nothing to do waits between looks at the folder.
POLLING_INTERVAL_S = 1.0


class Channel(filesystem.Channel):
    def _put(self, queue: str, payload: dict[str, Any], **kwargs: Any) -> None:  # type: ignore[override]  # kombu's own signature
        body = str_to_bytes(dumps(payload))
        # kombu's own name: its readers take messages in name order, oldest first.
        name = f"{round(monotonic() * 1000)}_{uuid.uuid4()}.{queue}.msg"
        folder = self.data_folder_out
        partial = os.path.join(folder, f"partial-{uuid.uuid4().hex}")
        try:
            with open(partial, "wb") as f:
                f.write(body)
            os.replace(partial, os.path.join(folder, name))
        except OSError as exc:
            raise ChannelError(f"Cannot add file {name!r} to directory") from exc


class Transport(filesystem.Transport):
    Channel = Channel
    polling_interval = POLLING_INTERVAL_S

    def drain_events(self, connection: Any, timeout: float | None = None) -> None:  # type: ignore[override]  # kombu's own signature
        if timeout is not None and self.polling_interval is not None:
            timeout = min(timeout, self.polling_interval)
        super().drain_events(connection, timeout=timeout)
