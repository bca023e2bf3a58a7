"""Build a short past with a fixed end from one checkout and print a digest of what it built.

    .venv/bin/python bench/history_digest.py CHECKOUT --seeded /tmp/h1seed --days 7 \
        [--end 2026-12-06T12:00:00+00:00] [--seed 102] [--dump out.json]
    .venv/bin/python bench/history_digest.py --compare before.json after.json

``--seeded`` is a ``KUZET_VAR_DIR`` after ``migrate`` and ``seed --demo`` (SQLite); it is
copied for the build and left as it was, so two checkouts (before and after a change to the
history port) build from the same database, the same seed and the same end. The digest
covers what the chief and the boards see of that past: the calls with their received and
closed times, the assignments with every timestamp and status, the rungs, waiting-call alerts
and safety checks fired (with ``fired_at``), the board alerts, the presence notices and the
units' last contact, the audit log's actions and times, the SMS sent, the conflicts, the
follow-ups, and the phones' events (without their ids, which the phones draw at random). One
line a table (rows, sha256) and a total; ``--dump`` writes the rows for a diff. Also printed:
the build's CPU (user + sys) and wall time, for before/after pairs (docs/benchmarks.md,
*History*)."""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import hashlib
import json
import os
import random
import re
import secrets
import shutil
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from unittest import mock

# Fields that differ between two builds of the same past for reasons that are not the past:
# secrets and tokens drawn at random, and hashes over them (the audit chain's).
VOLATILE = {
    "token_hash",
    "digest",
    "salt",
    "key",
    "token_key",
    "hash",
    "prev_hash",
    "entry_hash",
    "chain_hash",
}

TABLES = [
    ("dispatch", "Incident"),
    ("dispatch", "Assignment"),
    ("dispatch", "Event"),
    ("dispatch", "EscalationStep"),
    ("dispatch", "IncidentEscalationStep"),
    ("dispatch", "SafetyCheck"),
    ("dispatch", "Conflict"),
    ("dispatch", "FollowUpTask"),
    ("dispatch", "SmsMessage"),
    ("realtime", "BoardAlert"),
    ("realtime", "PresenceNotice"),
    ("people", "Unit"),
    ("ledger", "AuditEntry"),
]


def _value(v: Any) -> Any:
    if isinstance(v, dt.datetime):
        return v.astimezone(dt.UTC).isoformat()
    if isinstance(v, dt.date | dt.time | dt.timedelta):
        return str(v)
    if isinstance(v, bytes | memoryview):
        return bytes(v).hex()
    if hasattr(v, "hex") and type(v).__name__ == "UUID":
        return str(v)
    if isinstance(v, float | int | str | bool | list | dict) or v is None:
        return v
    return str(v)


# Drawn at random on each build (the phones' event ids, their install and boot ids, the
# devices' ids and what hashes them): replaced by a mark, so that only whether one is set
# counts. Event foreign keys are those columns; in JSON and text, these patterns.
RANDOM_PATTERNS = [
    (re.compile(r"dev_[0-9a-f]{16}"), "dev_*"),
    (re.compile(r"\b[0-9a-f]{32}\b"), "*hex32"),
    (re.compile(r"\b[0-9a-f]{64}\b"), "*hex64"),
    (re.compile(r'("event_id": ?)"[A-Za-z0-9_-]{16}"'), r'\1"*"'),
    (re.compile(r"kzi_[A-Za-z0-9_-]{8}"), "kzi_*"),
]


@contextmanager
def seeded_ids(seed: int) -> Iterator[None]:
    """The build's random ids (the phones' event ids, boot and install ids, keys, tokens)
    drawn from a seeded generator: two builds then break ties between events of the same
    millisecond alike (the server orders them by id: which of a crew's "outcome" and
    "cleared", pushed together, is a safety check's word). The ids are scrubbed from the
    digest anyway (``RANDOM_PATTERNS``); the tie-breaks are what this is for."""
    rng = random.Random(seed)

    def token_bytes(n: int | None = 32) -> bytes:
        return rng.randbytes(n or 32)

    def token_hex(n: int | None = 32) -> str:
        return token_bytes(n).hex()

    def token_urlsafe(n: int | None = 32) -> str:
        return base64.urlsafe_b64encode(token_bytes(n)).rstrip(b"=").decode()

    def uuid4() -> uuid.UUID:
        return uuid.UUID(int=rng.getrandbits(128), version=4)

    with (
        mock.patch.object(secrets, "choice", rng.choice),
        mock.patch.object(secrets, "token_bytes", token_bytes),
        mock.patch.object(secrets, "token_hex", token_hex),
        mock.patch.object(secrets, "token_urlsafe", token_urlsafe),
        mock.patch.object(uuid, "uuid4", uuid4),
    ):
        yield


def _random_id(field: Any) -> bool:
    target = getattr(field, "related_model", None)
    return bool(
        (field.is_relation and target is not None and target._meta.label == "dispatch.Event")
        or field.attname in ("boot_id", "content_hash")
    )


def _scrub(row: list[Any]) -> str:
    text = json.dumps(row, sort_keys=True, default=str, ensure_ascii=False)
    for pattern, mark in RANDOM_PATTERNS:
        text = pattern.sub(mark, text)
    return text


def rows(model: Any) -> list[Any]:
    from django.db import models

    fields = [
        f
        for f in model._meta.concrete_fields
        if f.attname not in VOLATILE
        # the phones' event ids are drawn at random (uuid4): the event is its other fields
        and not (f.primary_key and not isinstance(f, models.AutoField | models.BigAutoField))
    ]
    names = [f.attname for f in fields]
    marked = [i for i, f in enumerate(fields) if _random_id(f)]
    out = []
    for r in model.objects.values_list(*names):
        values = [_value(v) for v in r]
        for i in marked:
            values[i] = None if values[i] is None else "*"
        out.append(_scrub(values))
    out.sort()
    return [names, *out]


def digest() -> dict[str, Any]:
    from django.apps import apps

    tables: dict[str, dict[str, Any]] = {}
    for app, name in TABLES:
        model = apps.get_model(app, name)
        data = rows(model)
        blob = json.dumps(data, sort_keys=True, default=str).encode()
        tables[name] = {
            "rows": len(data) - 1,
            "sha256": hashlib.sha256(blob).hexdigest(),
            "data": data,
        }
    total = hashlib.sha256("".join(t["sha256"] for t in tables.values()).encode()).hexdigest()
    return {"total": total, "tables": tables}


def compare(a_path: Path, b_path: Path) -> bool:
    """Print the tables two dumps disagree on, with their first differing rows."""
    a, b = (json.loads(p.read_text()) for p in (a_path, b_path))
    same = True
    for name, ta in a["tables"].items():
        tb = b["tables"][name]
        if ta["sha256"] == tb["sha256"]:
            continue
        same = False
        names, ra, rb = ta["data"][0], set(ta["data"][1:]), set(tb["data"][1:])
        print(f"{name}: {len(ra)} / {len(rb)} rows, {len(ra - rb)} only in A, {len(rb - ra)} in B")
        for side, only in (("A", sorted(ra - rb)[:5]), ("B", sorted(rb - ra)[:5])):
            for row in only:
                print(f"  {side} {dict(zip(names, json.loads(row), strict=True))}")
    print("same" if same else "DIFFERENT")
    return same


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkout", nargs="?")
    parser.add_argument("--compare", nargs=2, type=Path, metavar=("A", "B"))
    parser.add_argument("--seeded", type=Path)
    parser.add_argument("--days", type=float, default=7.0)
    parser.add_argument("--end", default="2026-12-06T12:00:00+00:00")
    parser.add_argument("--seed", type=int, default=102)
    parser.add_argument("--dump", type=Path)
    parser.add_argument("--keep", type=Path, help="build in this folder (kept) instead of a temp")
    args = parser.parse_args()
    if args.compare:
        sys.exit(0 if compare(*args.compare) else 1)
    if not args.checkout or not args.seeded:
        parser.error("a checkout and --seeded, or --compare A B")
    root = str(Path(args.checkout).resolve())
    var = args.keep or Path(tempfile.mkdtemp(prefix="kuzet-history-digest-"))
    if var.exists():
        shutil.rmtree(var)
    shutil.copytree(args.seeded, var)
    sys.path.insert(0, root)
    os.chdir(root)
    os.environ.pop("DATABASE_URL", None)
    os.environ.pop("REDIS_URL", None)
    os.environ.pop("KUZET_REQUIRE_SERVICES", None)
    os.environ.update(
        DJANGO_SETTINGS_MODULE="backend.config.settings.base",
        KUZET_VAR_DIR=str(var),
        DEBUG="1",
    )
    os.environ.setdefault("SECRET_KEY", "kuzet-history-digest-0123456789abcdefghijklmnopqrstuvwxyz")
    import django

    django.setup()
    import backend
    from backend.simulator import history

    assert str(backend.__file__).startswith(root), backend.__file__
    end = dt.datetime.fromisoformat(args.end)
    load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    t0, c0 = time.monotonic(), os.times()
    with seeded_ids(args.seed):
        built = history.build(days=args.days, state_dir=var / "simulator", seed=args.seed, end=end)
    c1, t1 = os.times(), time.monotonic()
    cpu = (c1.user - c0.user) + (c1.system - c0.system)
    result = digest()
    for name, t in result["tables"].items():
        print(f"{name:24} {t['rows']:7} {t['sha256'][:16]}")
    calls = sum(built.stats.calls.values())
    print(f"total {result['total']}")
    print(
        f"build: {args.days:g} days, {calls} calls, check {'OK' if built.check.ok else 'FAILED'};"
        f" wall {t1 - t0:.1f} s, CPU {cpu:.1f} s (user+sys), load before {load}"
    )
    if args.dump:
        args.dump.write_text(json.dumps(result, indent=0, sort_keys=True, default=str))
    if not args.keep:
        shutil.rmtree(var, ignore_errors=True)


if __name__ == "__main__":
    main()
