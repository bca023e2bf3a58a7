"""SMS for white spots: pluggable gateways, short GSM-7 messages, signed inbound replies.

Where an officer's phone has only 2G (or the app is not there), Kuzet sends the assignment
as an SMS with a reply code; the officer answers ``ACK 4821``. Backends, chosen by
``settings.KUZET_SMS_BACKEND`` the way Django chooses an email backend:

- :class:`FileBackend` writes each message to ``KUZET_SMS_FILE_DIR`` (development, tests
  that run real workers);
- :class:`MemoryBackend` keeps them in :data:`MemoryBackend.outbox` (unit tests);
- :class:`HttpBackend` POSTs JSON to ``KUZET_SMS_GATEWAY_URL`` with a bearer token.

Every send carries the outbox row id as an idempotency key (file name, HTTP header), so a
message re-sent after a worker died between "sent" and "recorded as sent" is not doubled at
a gateway that honours the key.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import httpx
from django.conf import settings
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class OutgoingSms:
    id: int
    phone: str
    body: str


class SmsError(Exception):
    """The gateway did not take the message; the outbox retries it."""


class BaseBackend:
    def send(self, message: OutgoingSms) -> str:
        """Hand the message to the gateway; return the provider's message id."""
        raise NotImplementedError


class MemoryBackend(BaseBackend):
    outbox: ClassVar[list[OutgoingSms]] = []

    def send(self, message: OutgoingSms) -> str:
        type(self).outbox.append(message)
        return f"mem-{message.id}"


class FileBackend(BaseBackend):
    """One JSON file per message, named by the outbox id (a re-send overwrites, never doubles)."""

    def __init__(self, directory: str | None = None) -> None:
        self.directory = Path(directory or settings.KUZET_SMS_FILE_DIR)

    def send(self, message: OutgoingSms) -> str:
        self.directory.mkdir(parents=True, exist_ok=True)
        target = self.directory / f"sms-{message.id:09d}.json"
        data = json.dumps(
            {"id": message.id, "phone": message.phone, "body": message.body}, ensure_ascii=False
        )
        # Write then rename: a reader never sees half a message.
        fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=".sms-", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(data)
        os.replace(tmp, target)
        return f"file-{message.id}"


class HttpBackend(BaseBackend):
    """POST ``{"to", "text", "reference"}`` to the gateway with a bearer token."""

    timeout = httpx.Timeout(10.0, connect=3.0)

    def __init__(self, url: str | None = None, token: str | None = None) -> None:
        self.url = url or settings.KUZET_SMS_GATEWAY_URL
        self.token = token or settings.KUZET_SMS_GATEWAY_TOKEN
        if not self.url:
            raise SmsError("KUZET_SMS_GATEWAY_URL is not set")

    def send(self, message: OutgoingSms) -> str:
        reference = f"kuzet-sms-{message.id}"
        try:
            response = httpx.post(
                self.url,
                json={"to": message.phone, "text": message.body, "reference": reference},
                headers={
                    "Authorization": f"Bearer {self.token}",
                    "Idempotency-Key": reference,
                },
                timeout=self.timeout,
            )
        except httpx.HTTPError as exc:
            raise SmsError(f"gateway unreachable: {exc}") from exc
        if response.status_code >= 300:
            raise SmsError(f"gateway answered {response.status_code}: {response.text[:200]}")
        try:
            body: Any = response.json()
        except ValueError:
            body = {}
        return str(body.get("id") or body.get("message_id") or reference)[:64]


def get_backend() -> BaseBackend:
    backend: BaseBackend = import_string(settings.KUZET_SMS_BACKEND)()
    return backend


# --- message text -----------------------------------------------------------------------------
# Cyrillic (Russian and Kazakh letters) to Latin, so that a message stays in GSM-7 (160
# characters per SMS instead of 70 in UCS-2). Simple, readable, not a standard.
_TRANSLIT = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh",
    "з": "z", "и": "i", "й": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o",
    "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts",
    "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu",
    "я": "ya", "ә": "a", "ғ": "g", "қ": "q", "ң": "n", "ө": "o", "ұ": "u", "ү": "u",
    "һ": "h", "і": "i",
}  # fmt: skip
# GSM 03.38 basic set without the escape table; anything else becomes "?".
_GSM7 = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡"
    "ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
SMS_MAX_CHARS = 160


def _gsm7_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for low, latin in _TRANSLIT.items():
        table[ord(low)] = latin
        table[ord(low.upper())] = latin.capitalize()
    table.update({ord(c): '"' for c in "«»“”„"})
    table.update({ord(c): "-" for c in "–—"})
    return table


_GSM7_TABLE = _gsm7_table()
_NOT_GSM7 = re.compile("[^" + re.escape("".join(sorted(_GSM7))) + "]")


def to_gsm7(text: str) -> str:
    """Transliterate Cyrillic, straighten quotes and dashes; anything else outside GSM-7
    becomes a space (whitespace) or "?"."""
    text = text.translate(_GSM7_TABLE)
    return _NOT_GSM7.sub(lambda m: " " if m.group().isspace() else "?", text)


def compose(parts: list[str], *, tail: str = "") -> str:
    """Join parts into one GSM-7 SMS; the tail (the reply instruction) is never cut off."""
    tail = to_gsm7(tail)
    room = SMS_MAX_CHARS - len(tail) - (1 if tail else 0)
    head = " ".join(to_gsm7(p).strip() for p in parts if p and p.strip())
    head = " ".join(head.split())
    if len(head) > room:
        head = head[: max(0, room - 1)].rstrip() + "+"  # "more was said" (GSM-7 basic set)
    return f"{head} {tail}" if tail else head


def reply_code_for(assignment_id: int) -> str:
    """A 4-digit reply code for an assignment: stable, and not guessable without SECRET_KEY.

    Replies are matched by the sender's phone AND the code, so a collision between two
    phones' codes is harmless; one phone holding two open assignments with the same code
    (1 in 10,000) resolves to the newer one.
    """
    mac = hmac.new(
        settings.SECRET_KEY.encode(), f"sms-reply:{assignment_id}".encode(), hashlib.sha256
    ).digest()
    return f"{int.from_bytes(mac[:4], 'big') % 9000 + 1000}"


# --- inbound signatures -------------------------------------------------------------------------
SIGNATURE_HEADER = "X-Kuzet-Signature"
REPLAY_WINDOW_S = 300


class SignatureError(Exception):
    """A refused signature: ``code`` the API's answer, ``detail`` its English words for the
    gateway's engineers, ``reason`` the code the audit log keeps (worded for its reader in
    their language: ``admin.formatting.REFUSALS``)."""

    def __init__(self, code: str, detail: str, reason: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail
        self.reason = reason


def sign(body: bytes, *, secret: str, timestamp: int | None = None) -> str:
    """The signature header value for ``body``: ``t=<unix seconds>,v1=<hex HMAC-SHA256>``
    over ``b"<t>." + body`` (the timestamp is signed, so it cannot be moved)."""
    t = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


def verify(header: str | None, body: bytes, *, secret: str, now: float | None = None) -> int:
    """Check a signature header; return its timestamp or raise :class:`SignatureError`."""
    if not secret:
        raise SignatureError(
            "bad_signature", "Inbound SMS are not configured (no secret).", "not_configured"
        )
    if not header:
        raise SignatureError(
            "bad_signature", f"{SIGNATURE_HEADER} is missing.", "signature_missing"
        )
    fields: dict[str, list[str]] = {}
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        fields.setdefault(key, []).append(value)
    try:
        timestamp = int(fields["t"][0])
    except (KeyError, ValueError, IndexError):
        raise SignatureError(
            "bad_signature", "The signature has no timestamp.", "no_timestamp"
        ) from None
    expected = hmac.new(
        secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256
    ).hexdigest()
    if not any(hmac.compare_digest(expected, given) for given in fields.get("v1", [])):
        raise SignatureError(
            "bad_signature", "The signature does not match the body.", "signature_mismatch"
        )
    current = time.time() if now is None else now
    if abs(current - timestamp) > REPLAY_WINDOW_S:
        raise SignatureError(
            "replayed", "The signature timestamp is outside the replay window.", "stale_timestamp"
        )
    return timestamp
