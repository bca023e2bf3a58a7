"""Kazakhstan phone numbers as callers give them, written one way: ``+77012345678``.

Kazakhstan shares country code 7 with Russia; its numbers are the ones whose ten national
digits start with 7 (mobile 70x/747/75x/76x/77x, landlines 71x–72x, e.g. Semey 7222). People
say them as "8 701 234 56 78" (the old trunk prefix), "+7 (701) 234-56-78", "7012345678".
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from .errors import ValidationFailed

FORMAT_HINT = "+7 7XX XXX XX XX"


def phone_normalise(raw: str) -> str:
    """``raw`` as ``+77XXXXXXXXX``; an empty string stays empty (the caller gave none).

    Raises :class:`ValidationFailed` (``invalid_phone``) for anything that is not a
    Kazakhstan number: letters, too few or too many digits, a Russian number (+7 9…).
    """
    text = raw.strip()
    if not text:
        return ""
    if any(ch.isalpha() for ch in text) or not set(text) <= set("+0123456789 ()-.\u00a0"):
        raise ValidationFailed(
            _("A phone number has only digits: %(format)s.") % {"format": FORMAT_HINT},
            code="invalid_phone",
        )
    digits = "".join(ch for ch in text if ch.isdigit())
    if text.startswith("+"):
        national = digits[1:] if digits.startswith("7") else ""
    elif len(digits) == 11 and digits[0] in "78":
        national = digits[1:]  # 8 701 … (trunk prefix) or 7 701 … (country code, no plus)
    else:
        national = digits
    if len(national) != 10 or not national.startswith("7"):
        raise ValidationFailed(
            _("Not a Kazakhstan number: 10 digits after +7, starting with 7 (%(format)s).")
            % {"format": FORMAT_HINT},
            code="invalid_phone",
        )
    return f"+7{national}"


def phone_key(phone: str) -> str:
    """The last ten digits: what two spellings of one number share (``+7701…``, ``8701…``)."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    return digits[-10:]


MASK = "…"


def phone_masked(phone: str) -> str:
    """A phone number for the log and the audit log: its last four digits, ``…5678``. An
    officer's or a caller's number is personal data: the journal is kept and read more widely
    than the records (the SMS rows, the calls) that hold it whole, and the audit log is
    append-only — a number in it can never be erased. Who it is, a log line says by username
    and an audit entry by the record it is about. Four digits still tell two numbers apart in
    one incident's lines.

    A number masked already stays as it is: the SMS rows keep this form past their retention
    (``KUZET_SMS_RETENTION_DAYS``), and a screen masking it again read a bare "…"."""
    if phone_is_masked(phone):
        return phone
    digits = "".join(ch for ch in phone if ch.isdigit())
    return MASK + digits[-4:] if len(digits) > 4 else MASK


def phone_is_masked(phone: str) -> bool:
    """Whether ``phone`` is :func:`phone_masked`'s form (``…5678``, or ``…`` for a number of
    four digits or fewer) rather than a number: no number starts with "…"."""
    rest = phone.removeprefix(MASK)
    return rest != phone and len(rest) <= 4 and (rest.isdigit() or not rest)
