"""Enrolment, token authentication and revocation of devices."""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection

from backend.common import clock
from backend.common.errors import (
    Conflict,
    DomainError,
    Forbidden,
    Unauthenticated,
    ValidationFailed,
)
from backend.ledger import uow
from backend.ledger.actions import AuditAction
from backend.ledger.models import ActorKind
from backend.ledger.names import Topic
from backend.people.models import Officer, Role

from .models import (
    OFFICER_DEACTIVATED,
    REENROLLED_BY_ANOTHER,
    REVOKED,
    Device,
    EnrolmentCode,
    PushSubscription,
    digest,
)


class DeviceRevoked(DomainError):
    code = "device_revoked"
    status = 401

    def __init__(self, detail: str = "This device was revoked; erase local case data.") -> None:
        super().__init__(detail, wipe=True)


class InstallInUse(Conflict):
    code = "install_in_use"

    def __init__(self) -> None:
        super().__init__(
            "This app install is enrolled for another officer; enrol on that phone itself, "
            "or have the duty desk revoke its device first."
        )


def _code_alphabet() -> str:
    # No 0/O, 1/I/L: codes are read aloud over the radio and typed on phones.
    return "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def enrolment_code_issue(*, officer: Officer, issued_by: Officer | None = None) -> str:
    """Issue a one-time enrolment code for ``officer``; returns the code (shown once)."""
    if officer.role != Role.OFFICER or officer.unit_id is None:
        raise ValidationFailed(
            f"{officer.username} is not an officer of a unit; only they enrol devices.",
            code="not_enrollable",
        )
    if not officer.is_active:
        raise ValidationFailed(f"{officer.username} is inactive.", code="not_enrollable")
    alphabet = _code_alphabet()
    raw = "".join(secrets.choice(alphabet) for _ in range(12))
    code = f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"
    now = clock.now()
    with uow.unit_of_work():
        record = EnrolmentCode.objects.create(
            officer=officer,
            code_hash=digest(normalise_code(code)),
            issued_by=issued_by,
            created_at=now,
            expires_at=now + dt.timedelta(hours=settings.KUZET_ENROLMENT_CODE_HOURS),
        )
        uow.audit(
            AuditAction.DEVICE_ENROLMENT_CODE_ISSUED,
            actor=issued_by,
            obj=officer,
            data={"code_id": record.pk, "expires_at": record.expires_at.isoformat()},
        )
    return code


def normalise_code(code: str) -> str:
    return code.replace("-", "").replace(" ", "").upper()


# The enrolment's device fields, each a JSON string when sent (only install_id must be; null
# for the others is their absence), and
# what its refusal adds of the string's length: platform, model and app_version are cut to
# their columns (32, 64, 32), install_id is refused outside 1–128 characters.
_DEVICE_STRINGS = {
    "install_id": " (1–128 characters)",
    "platform": "",
    "model": "",
    "app_version": "",
}


@dataclass(frozen=True)
class Enrolment:
    device: Device
    token: str


def enrolment_install_id(device_info: dict[str, Any]) -> str:
    """The install id of an enrolment's ``device`` object, stripped, when its fields are of
    their types; else ``ValidationFailed("malformed")``. The enrolment view calls it before
    it reads the wrong-code counters, whose key per install is this id: a body of the wrong
    shape is refused before it names an install to the limiter (an ``install_id`` of 123
    read the counter of the install "123", an object that of its Python repr), and an id
    padded with spaces is counted as the install it enrols (" X" and "X " were counters of
    their own: a guesser's ten tries a cool-off for each padding)."""
    for name, what in _DEVICE_STRINGS.items():
        sent = device_info.get(name)
        # null for an optional field is its absence, as the schema's "leave the key out"
        if sent is None and name != "install_id":
            continue
        if name in device_info and not isinstance(sent, str):
            # A number was taken as its digits (install_id 123 enrolled as "123", platform 7
            # listed as "7") and an object as Python's repr of it: one install read as
            # another's, the admin's device list showing what no app sent.
            raise ValidationFailed(
                f"device.{name} must be a string{what}, not {_json_type(sent)}.",
                code="malformed",
            )
    install_id = (device_info.get("install_id") or "").strip()
    if not install_id or len(install_id) > 128:
        raise ValidationFailed(
            "device.install_id is required (1–128 characters).", code="malformed"
        )
    return install_id


def device_enroll(*, code: str, device_info: dict[str, Any], token: str | None = None) -> Enrolment:
    """Trade a one-time code for a device token. Same ``install_id`` → token replaced.

    ``token``: the device token the request presented (``Authorization: Device``), if any.
    An install that is another officer's live device changes hands only when ``token`` is
    that device's current token — the request comes from the phone itself (a handover); a
    colleague who only knows the install id (it shows in the admin's device list and in
    logs) is refused with ``install_in_use``, audited, and nothing else changes.

    A ``token`` of a revoked device is refused with ``device_revoked`` (wipe), the code left
    unused: the phone holds what it was told to erase — the revoked officer's case data and
    the facts he recorded after the revocation — and would push them under the new device.
    Once it has erased them (the token with them) it enrols again as a fresh device.
    """
    install_id = enrolment_install_id(device_info)
    now = clock.now()
    new_token = secrets.token_urlsafe(32)
    refused = False
    with uow.unit_of_work():
        record = (
            EnrolmentCode.objects.select_for_update()
            .select_related("officer")
            .filter(code_hash=digest(normalise_code(code)))
            .first()
        )
        if record is None or record.used_at is not None or record.expires_at <= now:
            raise Unauthenticated("The enrolment code is unknown, used or expired.")
        officer = record.officer
        if not officer.is_active or officer.unit_id is None:
            raise Forbidden("This officer cannot enrol a device.")
        if (
            token
            and Device.objects.filter(token_hash=digest(token), revoked_at__isnull=False).exists()
        ):
            # Until 2026-12-06 a revoked token was ignored here: a phone revoked while out
            # of coverage (reported lost, or its officer deactivated) never heard of it and
            # kept his calls and its unsent facts, which a new code then sent as the new
            # device's — a lost phone's taps entered as a colleague's facts.
            raise DeviceRevoked()
        device = (
            Device.objects.select_for_update()
            .filter(install_id=install_id, revoked_at__isnull=True)
            .first()
        )
        if device is not None and device.officer_id != officer.pk:
            if _holds_token(device, token):
                # The phone changed hands: the old officer's device ends here.
                _revoke(device, by=None, reason=REENROLLED_BY_ANOTHER, now=now)
                device = None
            else:
                # Until 2026-12-06 this revoked the colleague's phone mid-shift (told to
                # erase its data, its outbox with it) for anyone with a code of his own and
                # the install id. Written at the commit; the raise comes after it.
                uow.audit(
                    AuditAction.SECURITY_ENROLMENT_REFUSED,
                    actor=officer,
                    actor_kind=ActorKind.DEVICE,
                    obj=device,
                    data={
                        "install_id": install_id,
                        "code_id": record.pk,
                        "token_presented": bool(token),
                    },
                )
                refused = True
        if not refused:
            device = _device_enrolled(
                record, device, install_id=install_id, info=device_info, token=new_token, now=now
            )
    if refused:
        raise InstallInUse()
    assert device is not None
    return Enrolment(device=device, token=new_token)


def _json_type(value: object) -> str:
    """What JSON calls ``value``'s type, as an error names it ("not a number")."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    return "a number"  # int, float, or the Decimal of a number no double holds


def _holds_token(device: Device, token: str | None) -> bool:
    """Whether ``token`` is ``device``'s current token (compared in constant time)."""
    return bool(token) and hmac.compare_digest(device.token_hash, digest(token or ""))


def _device_enrolled(
    record: EnrolmentCode,
    device: Device | None,
    *,
    install_id: str,
    info: dict[str, Any],
    token: str,
    now: dt.datetime,
) -> Device:
    """``record``'s officer's device for ``install_id`` with ``token``: ``device`` (his live
    one for the install) with its token replaced, or a new one; the code is used and the
    enrolment audited. Call inside ``device_enroll``'s unit of work, the rows locked."""
    officer = record.officer
    fields = {
        # Strings or absent: device_enroll refused any other JSON type.
        "platform": (info.get("platform") or "")[:32],
        "model": (info.get("model") or "")[:64],
        "app_version": (info.get("app_version") or "")[:32],
    }
    if device is None:
        try:
            device = Device.objects.create(
                officer=officer,
                install_id=install_id,
                token_hash=digest(token),
                enrolled_at=now,
                **fields,
            )
        except IntegrityError as exc:  # a concurrent enrolment of the same install
            raise Unauthenticated("The enrolment code is unknown, used or expired.") from exc
        action = AuditAction.DEVICE_ENROLLED
        # The install came back after a revocation: the audit entry says which device it
        # was, so the chief who revoked a lost phone sees it enrolled again.
        revoked = (
            Device.objects.filter(install_id=install_id, revoked_at__isnull=False)
            .exclude(pk=device.pk)
            .order_by("-revoked_at")
            .values_list("pk", flat=True)
            .first()
        )
    else:
        revoked = None
        for name, value in fields.items():
            setattr(device, name, value)
        device.token_hash = digest(token)
        device.enrolled_at = now
        device.save(update_fields=["token_hash", "enrolled_at", *fields])
        action = AuditAction.DEVICE_TOKEN_REPLACED
    record.used_at = now
    record.device = device
    record.save(update_fields=["used_at", "device"])
    uow.audit(
        action,
        actor=officer,
        actor_kind=ActorKind.DEVICE,
        obj=device,
        data={
            "install_id": install_id,
            "code_id": record.pk,
            **({"revoked_device": revoked} if revoked else {}),
        },
    )
    return device


def device_authenticate(token: str | None) -> Device:
    """The live device holding ``token``; raises ``unauthenticated`` or ``device_revoked``."""
    if not token:
        raise Unauthenticated("Authorization: Device <token> is required.")
    # Every sync request starts here: one indexed lookup, no ORDER BY (the hash is unique).
    device = _device_by_token_hash(digest(token))
    if device is None:
        raise Unauthenticated("Unknown device token.")
    if device.revoked_at is not None or not device.officer.is_active:
        raise DeviceRevoked()
    return device


@dataclass(frozen=True)
class _Compiled:
    """``Device.objects.select_related("officer").filter(token_hash=…)[:1]``, compiled."""

    sql: str
    columns: list[Any]  # the selected columns' expressions, for their converters
    device_fields: list[str]  # attnames of the device's columns, in their order
    device_width: int
    officer: Any  # django's RelatedPopulator of the officer


# Compiled once per database vendor: every sync request authenticates, and Django's
# compilation of this select_related read cost more than PostgreSQL's run of it
# (docs/benchmarks.md, "Push CPU, 2026-12-07"). The rows become instances as a queryset's
# would: the same columns, each value through the same converters, the officer cached.
_BY_TOKEN: dict[str, _Compiled] = {}


def _device_by_token_hash(token_hash: str) -> Device | None:
    compiled = _BY_TOKEN.get(connection.vendor)
    if compiled is None:
        compiled = _compile_by_token()
        _BY_TOKEN[connection.vendor] = compiled
    with connection.cursor() as cursor:
        cursor.execute(compiled.sql, [token_hash])
        row = cursor.fetchone()
    if row is None:
        return None
    values = list(row)
    for index, expression in enumerate(compiled.columns):
        converters = connection.ops.get_db_converters(expression) + expression.get_db_converters(
            connection
        )
        for converter in converters:
            values[index] = converter(values[index], expression, connection)
    device = Device.from_db(
        connection.alias, compiled.device_fields, values[: compiled.device_width]
    )
    compiled.officer.populate(values, device)
    return device


def _compile_by_token() -> _Compiled:
    from django.db.models.query import get_related_populators  # type: ignore[attr-defined]

    query = Device.objects.select_related("officer").filter(token_hash="")[:1].query
    compiler = query.get_compiler(connection=connection)
    sql, params = compiler.as_sql()
    assert list(params) == [""], params  # the hash is the only parameter
    select, klass_info = compiler.select, compiler.klass_info
    assert klass_info is not None
    fields = klass_info["select_fields"]
    start, end = fields[0], fields[-1] + 1
    assert start == 0
    (officer,) = get_related_populators(klass_info, select, connection.alias)
    return _Compiled(
        sql=sql,
        columns=[column for column, _sql, _alias in select],
        device_fields=[column.target.attname for column, _sql, _alias in select[start:end]],
        device_width=end,
        officer=officer,
    )


def _revoke(device: Device, *, by: Officer | None, reason: str, now: dt.datetime) -> None:
    device.revoked_at = now
    device.revoked_by = by
    device.revoke_reason = reason[:200]
    device.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
    uow.audit(AuditAction.DEVICE_REVOKED, actor=by, obj=device, data={"reason": reason})
    # A revoked phone is woken for nothing again.
    PushSubscription.objects.filter(device=device).delete()
    # The realtime layer closes the device's sockets after commit (code 4401).
    uow.notify(Topic.DEVICE_REVOKED, device_id=device.pk, officer_id=device.officer_id)


def officer_devices_revoke_if_inactive(officer: Officer) -> int:
    """An officer's account was saved inactive: revoke every phone of his still live, for
    good. An inactive officer's token is refused anyway (``device_authenticate``), but it
    came back to life when the account was reactivated — a copy kept off a lost phone would
    have worked again. Returns how many were revoked (one read when there are none)."""
    if officer.is_active or officer.pk is None:
        return 0
    now = clock.now()
    with uow.unit_of_work():
        live = list(
            Device.objects.select_for_update().filter(officer_id=officer.pk, revoked_at=None)
        )
        for device in live:
            _revoke(device, by=None, reason=OFFICER_DEACTIVATED, now=now)
    return len(live)


def device_revoke(*, device: Device, by: Officer | None, reason: str = "") -> bool:
    """Revoke ``device`` at once. Returns False when it was already revoked."""
    now = clock.now()
    with uow.unit_of_work():
        locked = Device.objects.select_for_update().get(pk=device.pk)
        if locked.revoked_at is not None:
            return False
        _revoke(locked, by=by, reason=reason or REVOKED, now=now)
    device.refresh_from_db()
    return True
