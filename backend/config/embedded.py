"""The embedded demo's own settings: ``var/demo.env``.

``make run`` with no ``DATABASE_URL`` runs Kuzet on SQLite under ``var/`` as a demo: DEBUG on,
demo staff with a published password. Those settings are written once to ``var/demo.env``
(``python -m backend.config.embedded``) with a secret key and an SMS gateway secret made for
this checkout, and the settings module reads the file back — so ``manage.py enrolment_code``,
``revoke_device`` and every other operator command work in the demo as README shows them,
with nothing to guess, and the simulator (which plays the SMS gateway) signs its callbacks
with the same secret the web server checks.

The gateway secret was once a constant in the Makefile, published with the code: anyone who
reached a demo could sign inbound SMS callbacks and try reply codes (an outside security
test found it). A file written before then gets the missing secret appended by the next
``make run``.

The file is read only while ``DATABASE_URL`` is unset: pointed at a real database, Kuzet
never turns DEBUG on or seeds demo accounts by itself (a finding of issue 11: ``make run``
on PostgreSQL without ``SECRET_KEY`` used to run in development mode with a fixed secret
and public demo passwords). The environment always wins over the file.

This module imports nothing of Django: it runs before settings can load. What it prints is
in the operator's language all the same (``backend.common.language`` reads the catalog).
"""

from __future__ import annotations

import base64
import os
import secrets
import sys
from pathlib import Path

from dotenv import dotenv_values

from backend.common.language import gettext as _

BASE_DIR = Path(__file__).resolve().parents[2]
# The only keys the file may set: what makes the demo a demo.
DEMO_KEYS = (
    "DEBUG",
    "SECRET_KEY",
    "KUZET_DEMO",
    "KUZET_SMS_INBOUND_SECRET",
    "KUZET_WEBPUSH_PRIVATE_KEY",
)


def var_dir() -> Path:
    return Path(os.environ.get("KUZET_VAR_DIR", BASE_DIR / "var"))


def demo_env_path() -> Path:
    return var_dir() / "demo.env"


def database_path() -> Path:
    """The embedded demo's SQLite file (the settings' default DATABASE_URL)."""
    return var_dir() / "kuzet.sqlite3"


def is_embedded() -> bool:
    """True when no database is configured: the SQLite demo under ``var/``."""
    return not os.environ.get("DATABASE_URL")


def demo_env() -> dict[str, str]:
    """The demo's settings from ``var/demo.env``; empty unless embedded and written."""
    path = demo_env_path()
    if not is_embedded() or not path.exists():
        return {}
    values = dotenv_values(path)
    return {k: v for k, v in values.items() if k in DEMO_KEYS and v is not None}


def _secrets() -> dict[str, str]:
    """The demo's secrets, made anew: what a fresh ``var/demo.env`` holds besides its flags."""
    return {
        "SECRET_KEY": secrets.token_urlsafe(50),
        "KUZET_SMS_INBOUND_SECRET": secrets.token_urlsafe(32),
        # A raw P-256 private key (32 random bytes are one but for odds of 2⁻³²): the demo's
        # phones subscribe to Web Push with its public half.
        "KUZET_WEBPUSH_PRIVATE_KEY": base64.urlsafe_b64encode(secrets.token_bytes(32))
        .rstrip(b"=")
        .decode(),
    }


def demo_env_write() -> Path | None:
    """Write ``var/demo.env`` once (its secrets are kept across runs); None if not embedded.

    A file written by an older Kuzet gets the secrets it lacks appended, once; nothing in it
    is changed.
    """
    if not is_embedded():
        return None
    path = demo_env_path()
    made = _secrets()
    if path.exists():
        missing = {k: v for k, v in made.items() if k not in dotenv_values(path)}
        if missing:
            ends_a_line = path.read_text().endswith("\n")
            with path.open("a") as handle:
                handle.write("" if ends_a_line else "\n")
                handle.write("".join(f"{k}={v}\n" for k, v in missing.items()))
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    text = (
        "# The embedded demo's settings, written by `make run` (backend/config/embedded.py).\n"
        "# Read only while DATABASE_URL is unset; the environment wins over this file.\n"
        "DEBUG=1\n"
        "KUZET_DEMO=1\n" + "".join(f"{k}={v}\n" for k, v in made.items())
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    return path


def startup_line(path: Path) -> str:
    """Where the demo keeps its database and settings: the folder KUZET_VAR_DIR names (it said
    "under var/" whatever the folder was)."""
    return _("Embedded demo (SQLite under %(folder)s/): settings in %(file)s") % {
        "folder": path.parent,
        "file": path,
    }


def creating_line(database: Path) -> str:
    """What the first ``migrate`` is doing: it printed nothing for one to two minutes on a
    busy 2-core box."""
    return _("Creating the database (%(file)s): a minute or two the first time.") % {
        "file": database
    }


def main() -> int:
    """``make run``'s first step: the demo's settings written, and said where (stderr); on the
    first run, that the database is being made (stdout)."""
    path = demo_env_write()
    if path is not None:
        print(startup_line(path), file=sys.stderr)
        if not database_path().exists():
            print(creating_line(database_path()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
