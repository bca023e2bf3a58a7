"""Credentials the simulator needs, issued the way an operator issues them.

* the duty officer's and the chiefs' API tokens — issued as the admin issues them
  (``staff_token_issue``; a new one when the stored token has expired or is gone);
* one intake key per channel — the intake-key service (``manage.py intake_key``);
* one phone per officer of a unit, enrolled with a one-time code from the enrolment service
  (``manage.py enrolment_code``) through ``POST /api/sync/v1/enroll`` by the reference client.

Phones keep their local store under ``<state dir>/devices/``, intake keys are kept in
``<state dir>/credentials.json`` and staff tokens in ``<state dir>/staff_tokens.json`` (the
server keeps only their digests), so a restarted simulator is the same fleet: the same
devices with the same outboxes and cursors (the history builder's phones carry on live).
Only the officer, unit and settlement tables are *read* here, to know who to enrol.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.utils import translation
from knox.crypto import hash_token

from backend.common.errors import DomainError
from backend.devices.services import DeviceRevoked, device_authenticate, enrolment_code_issue
from backend.dispatch.authentication import staff_token_issue, token_expired
from backend.dispatch.models import Channel, StaffToken
from backend.dispatch.services import intake_key_issue
from backend.dispatch.services.intake import intake_key_authenticate
from backend.people.models import Officer, Role
from backend.people.seeding import STAFFED
from sync.client import DeviceClient, Retry, SimulatedClock, Transport

log = logging.getLogger(__name__)

PHONE_MODELS = ("Samsung A15", "Redmi 13C", "Tecno Spark 20", "Samsung A05")


@dataclass(frozen=True)
class Officers:
    duty_username: str
    field: list[Officer]  # officers of a unit, with their unit loaded


def officers() -> Officers:
    # The last duty officer by name: the README sends a person to the first (duty_semey1),
    # whose "my last actions" and audit entries were the simulator's calls closed and
    # cancelled under their name while they worked.
    duty = (
        Officer.objects.filter(role=Role.DUTY_OFFICER, is_active=True).order_by("-username").first()
    )
    if duty is None:
        # In the operator's language: history and simulate print it as their error.
        raise RuntimeError(
            translation.gettext(
                "no duty officer to dispatch as: seed the demo staff first (manage.py seed --demo)"
            )
        )
    field = list(
        Officer.objects.filter(
            role=Role.OFFICER, is_active=True, unit__isnull=False, unit__active=True
        )
        .select_related("unit")
        .order_by("unit__callsign", "username")
    )
    return Officers(duty.username, field)


def host_refused_text(host: str, allowed_hosts: Sequence[str]) -> str:
    """Why the server in this process refuses history's requests to ``host`` with these
    ALLOWED_HOSTS, in one sentence that names the fix, in the active language (``history``
    runs in the terminal's). Whether it refuses is asked by ``ports.in_process_host_refused``."""
    if allowed_hosts:
        return translation.gettext(
            "ALLOWED_HOSTS must include the host the demo is served on, e.g. "
            "ALLOWED_HOSTS=127.0.0.1 (README's first command sets it and DEBUG=1): with "
            "ALLOWED_HOSTS set to %(hosts)s, Kuzet refuses history's requests to '%(host)s'."
        ) % {"hosts": ",".join(allowed_hosts), "host": host}
    return translation.gettext(
        "ALLOWED_HOSTS must include the host the demo is served on, e.g. "
        "ALLOWED_HOSTS=127.0.0.1 (README's first command sets it and DEBUG=1): with "
        "ALLOWED_HOSTS empty, Kuzet refuses history's requests to '%(host)s'."
    ) % {"host": host}


def chiefs(district_ids: set[str]) -> dict[str, str]:
    """The chief of each of these districts who can sign in, by district id: his username."""
    out: dict[str, str] = {}
    for chief in Officer.objects.filter(
        role=Role.CHIEF, is_active=True, district_id__in=[int(d) for d in district_ids]
    ).order_by("username"):
        out.setdefault(str(chief.district_id), chief.username)
    return out


def staff_token(username: str, *, state_dir: Path) -> str:
    """The user's API token: the one this state dir keeps while the server knows it and it
    has not expired (``KUZET_STAFF_TOKEN_DAYS``), else a new one — as the administrator
    issues one then, deleting the expired one."""
    path = state_dir / "staff_tokens.json"
    stored: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
    key = stored.get(username)
    if key is not None:
        token = StaffToken.objects.filter(digest=hash_token(key), user__username=username).first()
        if token is not None and not token_expired(token):
            return key
        if token is not None:
            token.delete()
    _, key = staff_token_issue(user=Officer.objects.get(username=username))
    stored[username] = key
    state_dir.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(stored, indent=1))
    return key


def intake_keys(state_dir: Path, *, exercise: bool = False) -> dict[str, str]:
    """A working key per channel: the stored one while it authenticates, else a new one.

    ``exercise``: the exercise keys (``IntakeKey.exercise``), kept apart from the real ones —
    the live demo's reports at a compressed scale are exercise calls, the history's are not."""
    path = state_dir / "credentials.json"
    section = "intake_exercise" if exercise else "intake"
    everything: dict[str, Any] = json.loads(path.read_text()) if path.exists() else {}
    stored: dict[str, str] = dict(everything.get(section, {}))
    keys: dict[str, str] = {}
    for channel in Channel.values:
        raw = stored.get(channel)
        if raw is not None:
            try:
                if intake_key_authenticate(raw).exercise != exercise:
                    raw = None
            except DomainError:
                raw = None
        if raw is None:
            # Named as the oblast's staff would name it (the demo's console is in Russian).
            with translation.override("ru"):
                words = "Симулятор (учения)" if exercise else "Симулятор"
                name = f"{words}: {Channel(channel).label}"
            _, raw = intake_key_issue(channel=channel, name=name, exercise=exercise)
        keys[channel] = raw
    state_dir.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({**everything, section: keys}, indent=1))
    return keys


def phone_client(
    officer: Officer,
    *,
    state_dir: Path,
    transport: Transport,
    now_ms: Callable[[], int],
    sleep: Callable[[float], None],
    retry: Retry,
) -> DeviceClient:
    """The officer's phone, enrolled (again, when the server no longer knows its token)."""
    store = state_dir / "devices" / f"{officer.username}.sqlite3"
    store.parent.mkdir(parents=True, exist_ok=True)
    clock = SimulatedClock(now_ms)

    def open_store() -> DeviceClient:
        # Write-ahead logging, as a phone's database would use: a commit is an append, not a
        # rewrite of the journal (measured: a sixth of the history build's time). Its commits
        # are not flushed to disk one by one (``synchronous=NORMAL``, as the server's embedded
        # store): a simulated phone's facts survive the simulator's restarts, and a power cut
        # is not what the demo plays; a flush a commit was ≈ 5 ms on a VM's disk.
        with sqlite3.connect(store) as db:
            db.execute("PRAGMA journal_mode=WAL")
        return DeviceClient(
            store, transport, clock=clock, sleep=sleep, retry=retry, synchronous="NORMAL"
        )

    def remove_store(client: DeviceClient) -> None:
        client.close()
        # the log and its index too: a new store must not find the old one's log beside it
        for path in (
            store,
            store.with_name(store.name + "-wal"),
            store.with_name(store.name + "-shm"),
        ):
            path.unlink(missing_ok=True)

    client = open_store()
    if client.token is not None and not client.revoked:
        # Asked of the server's records, not by a sync: a phone parked in a white spot makes
        # no contact when the simulator restarts (a pull here stamped every unit's last
        # contact and delivered its assignments at once). It syncs when its crew has a signal.
        try:
            device_authenticate(client.token)
            return client
        except DomainError as exc:  # unknown token, or the device was revoked
            # Said to the operator (make run's history and simulator), in their language:
            # a phone revoked in the console, or a database made anew under var/simulator's
            # phones, is enrolled again, and what its store held is erased.
            log.info("%s", reenrol_text(officer.username, revoked=exc.code == DeviceRevoked.code))
        remove_store(client)
        client = open_store()
    elif client.revoked:
        remove_store(client)
        client = open_store()
    code = enrolment_code_issue(officer=officer)
    model = PHONE_MODELS[officer.pk % len(PHONE_MODELS)]
    client.enroll(code, {"platform": "android", "model": model, "app_version": "sim-1"})
    client.pull()
    return client


def reenrol_text(username: str, *, revoked: bool) -> str:
    """Why an officer's simulated phone is enrolled again, in the active language."""
    if revoked:
        text = translation.gettext(
            "%(officer)s's phone was revoked on the server: enrolling a new one"
        )
    else:
        text = translation.gettext(
            "%(officer)s's phone is unknown to the server (a new database?): enrolling it again"
        )
    return text % {"officer": username}


def homes() -> dict[str, tuple[str, str]]:
    """Callsign → (district KATO, home settlement name) of the demo units."""
    return {spec.callsign: (d.kato, spec.home) for d in STAFFED for spec in d.units}


def unit_dict(officer: Officer) -> dict[str, Any]:
    unit = officer.unit
    assert unit is not None
    return {
        "id": str(unit.pk),
        "callsign": unit.callsign,
        "type": unit.type,
        "district_id": str(unit.district_id),
        "mobility": unit.mobility,
    }
