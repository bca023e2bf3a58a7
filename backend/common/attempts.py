"""Failed attempts at a secret, counted per key with a cool-off (django-ratelimit windows).

Used where a guess costs an attacker nothing but a request: enrolment codes (short, read
aloud over the radio), SMS gateway signatures, staff API tokens, intake keys and the 4-digit
reply codes of SMS (per sender's phone number: 9,000 codes are an hour's work at the
anonymous throttle's 120 requests a minute). Each failure counts once for every key given
(the client's address, the device's install id, the phone number…); when a key has
``limit`` failures in its window (a larger one for a key many people share:
``Guard.shared``), attempts with it are refused with ``429`` and ``Retry-After`` until the
window ends — the cool-off, so nobody can lock a key for good. (An
inbound SMS is answered 200 with its reason instead: ``attempts_refusal``.) The admin login
has django-axes (per username and address), ``CONSOLE_PASSWORD`` here per address, and
``backend.people.account_guard`` per account from every address (a sliding window: these
windows are fixed, and a guesser paced to them for ever).

A cache outage does not lock everybody out: the counters fail open and say so in the log.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest
from django_ratelimit.core import get_usage

from .errors import RateLimited
from .outage import cache_unavailable

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Guard:
    """Which secret is guarded (the counter's namespace) and what it is called in errors.

    ``shared``: the keys many honest people share, counted against the larger
    ``KUZET_AUTH_SHARED_FAILURE_LIMIT``. Phones on a mobile network reach Kuzet through their
    carrier's NAT: one address for a whole region's subscribers. At the per-install limit, one
    officer mistyping his code ten times (or one guesser) locked every other officer of the
    carrier's region out of enrolling for the cool-off. A code of 12 characters of 31 is
    ≈ 2⁵⁹ to guess: 200 tries a quarter of an hour from one address change nothing for a
    guesser, and the install's own counter still stops the one phone at 10."""

    group: str
    what: str
    shared: frozenset[str] = frozenset()
    # A limit and cool-off of the guard's own (the names of settings), for every key.
    limit_setting: str = ""
    cooloff_setting: str = ""


ENROLMENT_CODE = Guard("auth.enrolment_code", "enrolment code", shared=frozenset({"ip"}))
SMS_SIGNATURE = Guard("auth.sms_signature", "SMS gateway signature")
STAFF_TOKEN = Guard("auth.staff_token", "API token")
INTAKE_KEY = Guard("auth.intake_key", "intake key")
SMS_REPLY_CODE = Guard("auth.sms_reply_code", "SMS reply code")
# Console passwords per address, whatever the usernames (django-axes counts each username
# from each address): backend.people.login_audit.ConsoleLoginForm.
CONSOLE_PASSWORD = Guard(
    "auth.console_password",
    "console password",
    limit_setting="KUZET_LOGIN_ADDRESS_FAILURE_LIMIT",
    cooloff_setting="KUZET_LOGIN_COOLOFF_MINUTES",
)


_KEY_NAMES = {
    "ip": "address",
    "install_id": "device",
    "phone": "phone number",
    "account": "account",
}


def _rate(guard: Guard, kind: str) -> str:
    if guard.limit_setting:
        limit = getattr(settings, guard.limit_setting)
    elif kind in guard.shared:
        limit = settings.KUZET_AUTH_SHARED_FAILURE_LIMIT
    else:
        limit = settings.KUZET_AUTH_FAILURE_LIMIT
    minutes = getattr(settings, guard.cooloff_setting or "KUZET_AUTH_COOLOFF_MINUTES")
    return f"{limit}/{minutes}m"


def _usage(
    request: HttpRequest | None, guard: Guard, kind: str, value: str, *, increment: bool
) -> dict[str, int | bool] | None:
    # django-ratelimit reads nothing of the request when the key is a callable and every
    # method counts, so a service with no request (an inbound SMS) passes None.
    try:
        return get_usage(  # type: ignore[no-any-return]
            request,
            group=f"{guard.group}.{kind}",
            key=lambda _group, _request: value,
            rate=_rate(guard, kind),
            increment=increment,
        )
    except Exception as error:
        cache_unavailable(logger, error, "failure counter unavailable for %s", guard.group)
        return None


def attempts_refusal(
    request: HttpRequest | None, guard: Guard, **keys: str | None
) -> RateLimited | None:
    """The refusal due when any key already has too many failures in its window, else None.

    For a caller that answers a refusal its own way; ``attempts_check`` raises it.
    """
    if settings.KUZET_AUTH_FAILURE_LIMIT <= 0:
        return None
    for kind, value in keys.items():
        if not value:
            continue
        usage = _usage(request, guard, kind, value, increment=False)
        if usage is not None and int(usage["count"]) >= int(usage["limit"]):
            return RateLimited(
                f"Too many failed attempts at an {guard.what} from this "
                f"{_KEY_NAMES.get(kind, kind)}; try again later.",
                retry_after=max(1, int(usage["time_left"])),
            )
    return None


def attempts_check(request: HttpRequest, guard: Guard, **keys: str | None) -> None:
    """Raise ``RateLimited`` if any key already has too many failures in its window."""
    refusal = attempts_refusal(request, guard, **keys)
    if refusal is not None:
        raise refusal


def attempts_failed(
    request: HttpRequest | None, guard: Guard, **keys: str | None
) -> dict[str, int]:
    """Count one failure against every key; the failures each key now has in its window (a
    key whose counter is unavailable is left out), for a caller that acts once when a key
    reaches its limit."""
    counts: dict[str, int] = {}
    if settings.KUZET_AUTH_FAILURE_LIMIT <= 0:
        return counts
    for kind, value in keys.items():
        if value:
            usage = _usage(request, guard, kind, value, increment=True)
            if usage is not None:
                counts[kind] = int(usage["count"])
    return counts
