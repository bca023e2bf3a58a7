"""``python3 backend/config/port.py PORT``: is the port ``make run`` serves on free?

``make run`` with its port taken (another Kuzet, another program) migrated, seeded, built
the history and printed the admin URL and the demo logins — links to whatever already
listened there — before uvicorn said ``[Errno 98] … address already in use`` among the
Celery worker's banner and honcho stopped everything. Asked first, it stops at once and
says what to do.

This module imports nothing of Django: it runs before anything else of ``make run``, by the
system's ``python3`` (``make run`` checks the port before it makes the venv). It says so in the
operator's language all the same: ``backend.common.language`` needs only the standard library.
"""

from __future__ import annotations

import errno
import socket
import sys
from pathlib import Path

if __name__ == "__main__":
    # Run as a file (``python3 backend/config/port.py``), not as ``-m backend.config.port``:
    # backend.config's __init__ loads Celery, which plain python3 has not. The checkout's root
    # on the path reaches backend.common, whose __init__ is empty.
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from backend.common.language import gettext as _

HOST = "127.0.0.1"  # where the Procfile's uvicorn binds


def port_taken_text(port: int, host: str = HOST) -> str | None:
    """Why ``make run`` cannot serve on ``port``, or None when it can."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # As uvicorn binds: a port left in TIME_WAIT by a server just stopped is free.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                # The common case, said whole in the operator's words: the C library's
                # "(Address already in use)" stood English in a Russian or Kazakh line.
                return _(
                    "Port %(port)s on %(host)s is taken: another Kuzet or another program "
                    "serves there. Stop it, or choose another port: PORT=%(next)s make run"
                ) % {"port": port, "host": host, "next": port + 1}
            return _(
                "Port %(port)s on %(host)s is taken (%(reason)s): another Kuzet or another "
                "program serves there. Stop it, or choose another port: PORT=%(next)s make run"
            ) % {"port": port, "host": host, "reason": exc.strerror, "next": port + 1}
    return None


def main(argv: list[str]) -> int:
    text = port_taken_text(int(argv[0]))
    if text is None:
        return 0
    print(text, file=sys.stderr)
    return 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
