"""The embedded default's Celery broker: kombu's filesystem transport, publishing atomically.

kombu's filesystem transport creates a message's file and only then writes into it. A worker
listing the folder in between takes the empty file, cannot decode it and stops for good
("Unrecoverable error: JSONDecodeError", celery/kombu#1551, still open) — and with it the whole
of `make run`, seen within a minute on a busy machine. Here a message is written under a name
no queue reads (no ``.<queue>.msg`` ending) and renamed to its queue's name once complete: a
rename within one folder is atomic, so a reader finds a whole message or none. Reading,
ordering and every other part are kombu's. Production uses Redis (``REDIS_URL``).
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
