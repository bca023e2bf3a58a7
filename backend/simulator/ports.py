"""How the simulated world reaches Kuzet: over the network to a running server (live), or to
the Django application in this process under a moved server clock (history).

Both ports speak HTTP to the same URLs with the same clients (``httpx`` for the staff,
intake and SMS-gateway sides, :class:`sync.client.DeviceClient` for the phones); only the
transport differs. The live port adds what only a running server has: the phones' WebSockets
(``changes`` frames put the assignment on screen, the ``delivered`` receipt goes back over the
socket) and the SMS gateway's outbox (the file backend's messages, which the simulator
delivers to the phones). The history port runs the server's periodic work — the escalation
sweep, the presence sweep, the scope age-out, the change-log prune — itself, at the moments
beat would have, and stands in for the phones' sockets where the server hears them: a phone
with data keeps its unit's contact.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import queue
import random
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

import httpx
from django.conf import settings
from django.core.cache import cache
from django.core.wsgi import get_wsgi_application
from django.db import OperationalError, connection
from django.db.models import F
from django.http.request import split_domain_port, validate_host
from django.utils import translation

from backend.common import clock
from backend.common.terminal import number_text
from backend.dispatch import tasks as dispatch_tasks
from backend.dispatch.services import escalation
from backend.people.models import Unit
from backend.realtime.alerts import alerts_prune
from backend.realtime.models import PresenceNotice
from backend.realtime.presence import (
    CONTACT_WRITE_SECONDS,
    contact_record,
    contacts_record,
    presence_sweep,
)
from backend.sync_gateway import tasks as sync_tasks
from sync.client import HttpxTransport, Retry, Transport

from . import provision
from .engine import Engine
from .world import Api, Crew, Phone, Place, Stats, World

log = logging.getLogger(__name__)

# The phones' sync: it reads no unit's presence, and only a phone with data — holding a
# socket, already heard from — makes it.
SYNC_PATH = "/api/sync/"
# The writes that may hear from a crew other than by its phone (``units.unit_heard``): the
# desk's acknowledgment or fact on the crew's behalf, an SMS reply through the gateway.
HEARD_PATHS = ("/api/v1/assignments/", "/api/v1/sms/")


class Port(Protocol):
    def now(self) -> dt.datetime: ...

    def dispatched(self, answer: dict[str, Any]) -> None: ...

    def changed(self, unit_id: str) -> None: ...

    def online_changed(self, phone: Phone, online: bool) -> None: ...

    def delivered(self, phone: Phone, assignment_id: str) -> None: ...


class SmsInbox:
    """The SMS gateway's side of the file backend: messages Kuzet sent, oldest first, each
    read once."""

    def __init__(self, directory: Path, *, consume: bool = False) -> None:
        self.directory = directory
        # consume: the folder is this gateway's alone (history's scratch folder), so a read
        # message is removed and the folder stays small; live, `var/sms` stays as it is.
        self.consume = consume
        self._seen: set[str] = set()

    def skip_existing(self) -> None:
        if self.directory.exists():
            self._seen.update(p.name for p in self.directory.glob("sms-*.json"))

    def new(self) -> list[dict[str, Any]]:
        if not self.directory.exists():
            return []
        names = sorted(
            p.name for p in self.directory.glob("sms-*.json") if p.name not in self._seen
        )
        out = []
        for name in names:
            try:
                out.append(json.loads((self.directory / name).read_text(encoding="utf-8")))
            except (OSError, ValueError):
                continue  # half-written: next time
            if self.consume:
                (self.directory / name).unlink()
            else:
                self._seen.add(name)
        return out


def build_world(
    *,
    engine: Engine,
    port: Port,
    http: httpx.Client,
    transport: Transport,
    state_dir: Path,
    rng: random.Random,
    stats: Stats,
    idle_sync_s: float,
    run_id: str,
    sleep: Callable[[float], None],
    retry: Retry,
    rates: dict[str, float] | None = None,
    hourly_floor: float = 0.0,
    exercise: bool = False,
) -> World:
    """Issue the credentials, enrol (or reopen) every officer's phone and place the crews.

    ``exercise``: every call the world makes is an exercise call (an exercise intake key, the
    staff API's ``exercise``): dispatched like any, kept out of the chiefs' figures."""
    staff = provision.officers()
    api = Api(
        http,
        staff_token=provision.staff_token(staff.duty_username, state_dir=state_dir),
        intake_keys=provision.intake_keys(state_dir, exercise=exercise),
        sms_secret=settings.KUZET_SMS_INBOUND_SECRET,
        stats=stats,
        exercise=exercise,
    )

    def now_ms() -> int:
        return clock.to_ms(engine.now())

    clients = {
        o.username: provision.phone_client(
            o, state_dir=state_dir, transport=transport, now_ms=now_ms, sleep=sleep, retry=retry
        )
        for o in staff.field
    }
    places: dict[str, Place] = {}
    for client in clients.values():
        for record in client.records("settlements").values():
            if record.get("lat") is not None and record.get("lon") is not None:
                places.setdefault(str(record["id"]), Place.from_record(record))
    world = World(
        engine=engine,
        port=port,
        api=api,
        rng=rng,
        # In the order of their KATO codes, not of their ids: the phone keeps records by id
        # as text ("10" before "9"), and ids are whatever the database's sequences gave the
        # seed — a history run after another in the same database drew other settlements
        # for the same calls and placed the crews otherwise (a seed's past was not its own).
        places=sorted(places.values(), key=lambda p: (p.kato, p.id)),
        stats=stats,
        idle_sync_s=idle_sync_s,
        run_id=run_id,
        rates=rates,
        hourly_floor=hourly_floor,
    )
    world.duty_username = staff.duty_username
    homes = provision.homes()
    by_unit: dict[str, list[Any]] = {}
    for officer in staff.field:
        by_unit.setdefault(str(officer.unit_id), []).append(officer)
    # By callsign (as ``officers`` lists them), not by id: each crew draws its start from the
    # world's generator in this order.
    for members in by_unit.values():
        unit = provision.unit_dict(members[0])
        district_places = [p for p in places.values() if p.district_id == unit["district_id"]]
        if not district_places:
            continue
        _, home_name = homes.get(unit["callsign"], ("", ""))
        home = next(
            (p for p in district_places if p.name == home_name),
            min(district_places, key=lambda p: (p.zone != "urban", p.kato)),
        )
        phones = [
            Phone(
                username=o.username,
                number=o.phone,
                client=clients[o.username],
                clock=clients[o.username].clock,  # type: ignore[arg-type]
                stats=stats,
                now_ms=now_ms,
            )
            for o in members
        ]
        world.add_crew(Crew(world, unit=unit, phones=phones, home=home, mobility=unit["mobility"]))
    world.chief_tokens = {
        district_id: provision.staff_token(username, state_dir=state_dir)
        for district_id, username in provision.chiefs(set(world.districts())).items()
    }
    return world


def _in_process_base_url() -> str:
    hosts = [h for h in settings.ALLOWED_HOSTS if h and not h.startswith(".") and h != "*"]
    host = hosts[0] if hosts else "localhost"
    # Production settings redirect plain HTTP to HTTPS; speak HTTPS to the WSGI app.
    scheme = "http" if settings.DEBUG else "https"
    return f"{scheme}://{host}"


def in_process_host_refused() -> str | None:
    """Why the server in this process would refuse history's requests, in one sentence that
    names the fix; None when it takes them. Asked as Django asks it (``HttpRequest.get_host``):
    with production settings and no ALLOWED_HOSTS, history failed deep inside on Django's
    DisallowedHost for 'localhost', then on a 400 at the first phone's enrolment."""
    host = urlsplit(_in_process_base_url()).netloc
    allowed = list(settings.ALLOWED_HOSTS)
    if settings.DEBUG and not allowed:
        allowed = [".localhost", "127.0.0.1", "[::1]"]  # Django's own under DEBUG
    domain, _port = split_domain_port(host)
    if domain and validate_host(domain, allowed):
        return None
    return provision.host_refused_text(domain, settings.ALLOWED_HOSTS)


# --- history: the Django app in this process, the server clock moved ----------------------


class DueWrites:
    """How many rows were written, on this database connection, to what
    ``escalation.next_due`` reads — every ``dispatch_`` table (calls, assignments, the rungs,
    waits and checks fired, the policies), the events on an assignment (word from a crew;
    a phone's position is on none), the units' status — counted by temporary triggers
    (SQLite: the connection's own, gone with it; nothing is added to the database), from
    when they were put on the connection. None where it cannot be counted (PostgreSQL):
    read again.

    A history port reads next_due after each write; most of those writes — a phone's
    position, a contact stamp, a board marked read, a sweep that fired nothing — change
    nothing it reads, and its answer stays the same."""

    def __init__(self) -> None:
        self._connection: object | None = None

    def count(self) -> int | None:
        if connection.vendor != "sqlite":
            return None
        connection.ensure_connection()
        if connection.connection is not self._connection:
            # a new connection (the first, or after one closed): no triggers on it yet; what
            # is written from now on is counted
            self._install()
            self._connection = connection.connection
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT n FROM temp.kuzet_due_writes")
                row = cursor.fetchone()
        except OperationalError:
            self._connection = None
            return None
        return int(row[0]) if row else None

    def _install(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute("CREATE TEMP TABLE IF NOT EXISTS kuzet_due_writes (n INTEGER NOT NULL)")
            cursor.execute("DELETE FROM temp.kuzet_due_writes")
            cursor.execute("INSERT INTO temp.kuzet_due_writes (n) VALUES (0)")
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'dispatch\\_%' "
                "ESCAPE '\\'"
            )
            tables = [name for (name,) in cursor.fetchall()]
            triggers: list[tuple[str, str, str, str]] = []  # (name, when, table, condition)
            for table in tables:
                for op in ("INSERT", "UPDATE", "DELETE"):
                    condition = ""
                    if table == "dispatch_event":
                        row = "OLD" if op == "DELETE" else "NEW"
                        condition = f"WHEN {row}.assignment_id IS NOT NULL"
                    triggers.append((f"{table}_{op.lower()}", op, table, condition))
            triggers += [
                ("people_unit_insert", "INSERT", "people_unit", ""),
                ("people_unit_delete", "DELETE", "people_unit", ""),
                ("people_unit_status", "UPDATE OF status, active", "people_unit", ""),
            ]
            for name, op, table, condition in triggers:
                cursor.execute(
                    # names from sqlite_master and the list above: nothing from outside
                    f"CREATE TEMP TRIGGER IF NOT EXISTS kuzet_due_{name} AFTER {op} "  # noqa: S608
                    f"ON main.{table} {condition} "
                    "BEGIN UPDATE kuzet_due_writes SET n = n + 1; END"
                )


class InProcessPort:
    """The server in this process: WSGI through httpx, the project clock moved forward to
    each simulated moment, beat's periodic work run when its time comes.

    Two things of the server run on real time and are adjusted here: the cache's expiries
    (the sync rate limit, the once-a-minute presence stamp) — this port gives the process a
    private in-memory cache and empties it as each simulated minute passes — and Celery,
    whose tasks run eagerly in this process (there is no worker while history is built).

    The phones' WebSockets are stood in for (``online_changed``, ``_keep_contact``): a phone
    with data holds one, so its unit is heard from as a live one is and stays reachable; a
    crew out of coverage is not, and goes unreachable after ``KUZET_UNREACHABLE_MINUTES``.
    """

    AGE_OUT_S = 3600.0
    PRUNE_S = 86_400.0
    # A live phone's socket pings every 30 s and the consumer stamps the unit's last contact
    # at most once a minute (``realtime.consumers``, ``presence.contact_record``). Presence is
    # judged at KUZET_UNREACHABLE_MINUTES (15), so here the units holding sockets are stamped
    # in one go at most this often, and only when the server is about to be asked (a request
    # other than a phone's sync, a sweep): a unit in coverage is never seen more than this
    # long unheard from — 5 min short of unreachable. (Every 5 min cost twice the time: 2 s
    # of a 7-day build's 33 s of CPU.)
    CONTACT_EVERY_S = 600.0
    # Beat's presence sweep (``presence-sweep`` in backend/config/celery.py): what it would
    # announce, announced at most this late.
    PRESENCE_SWEEP_S = 30.0

    def __init__(self, *, start: dt.datetime, sms_dir: Path) -> None:
        self.start = start
        self.http = httpx.Client(
            transport=httpx.WSGITransport(app=get_wsgi_application()),
            base_url=_in_process_base_url(),
            timeout=60,
            event_hooks={"request": [self._asking], "response": [self._answered]},
        )
        self.transport = HttpxTransport("", client=self.http)
        self.sms = SmsInbox(sms_dir, consume=True)
        self.world: World | None = None
        self.engine: Engine | None = None
        # The next escalation sweep: when the sweep next has something to fire
        # (``escalation.next_due``), read after each sweep and, after the server was written
        # to (``_written_at``: the first write since the last read), at most once a sweep
        # interval — beat's lateness.
        self._interval = dt.timedelta(seconds=settings.KUZET_ESCALATION_SWEEP_SECONDS)
        self._presence_interval = dt.timedelta(seconds=self.PRESENCE_SWEEP_S)
        self._stale_after = dt.timedelta(minutes=settings.KUZET_UNREACHABLE_MINUTES)
        self._next_sweep: dt.datetime | None = None
        self._written_at: dt.datetime | None = start
        self._swept_at: dt.datetime | None = None
        # What next_due last answered, and the count of writes to what it reads then: a
        # write that touched none of it (``DueWrites``) leaves the answer as it was.
        self._due_writes = DueWrites()
        self._due: dt.datetime | None = None
        self._due_read_at_writes: int | None = None
        self._due_reads = 0  # how many times it was read (the count in docs/benchmarks.md)
        self._minute = start.replace(second=0, microsecond=0)
        self._next_age_out = start + dt.timedelta(seconds=self.AGE_OUT_S)
        self._next_prune = start + dt.timedelta(seconds=self.PRUNE_S)
        # The phones holding a socket, by unit id, and when their units are next stamped.
        self.sockets: dict[int, set[str]] = {}
        self._contact_due = start
        # The presence sweep, run when it has something to announce: when the unit heard
        # from longest ago goes stale (``_stale_at``), and — while units are announced
        # unreachable (``_announced``) — a sweep interval after one may have been heard
        # from again (``_heard_at``: a socket opened, or a write such as an SMS reply or the
        # desk's radio acknowledgement).
        self._announced = set(
            PresenceNotice.objects.filter(announced_unreachable=True).values_list(
                "unit_id", flat=True
            )
        )
        self._stale_at: dt.datetime | None = start
        self._heard_at: dt.datetime | None = None

    def now(self) -> dt.datetime:
        return clock.now()

    def dispatched(self, answer: dict[str, Any]) -> None:
        self._deliver_sms()
        # No sockets here (only their stand-in for presence): a crew with data sees the
        # assignment as its phone would on the WebSocket frame, seconds later.
        self.changed(str(answer["unit_id"]))

    def changed(self, unit_id: str) -> None:
        assert self.world is not None
        assert self.engine is not None
        crew = self.world.crews.get(unit_id)
        if crew is not None and crew.data:
            self.engine.after(self.world.rng.uniform(1, 4), crew.wake)

    def online_changed(self, phone: Phone, online: bool) -> None:
        """The phone's socket opens (it has data) or drops (out of coverage). The server
        stamps the unit's contact as the consumer does: on the socket's hello when the first
        phone of the crew connects, and — standing in for the last ping, seconds before the
        signal went — when the last one drops."""
        assert self.world is not None
        crew = self.world.by_phone.get(phone.number)
        if crew is None:
            return
        unit_id = int(crew.unit_id)
        held = self.sockets.get(unit_id, set())
        if online == (phone.username in held):
            return
        if online:
            self.sockets.setdefault(unit_id, held).add(phone.username)
        else:
            held.discard(phone.username)
            if not held:
                del self.sockets[unit_id]
        if len(held) == int(online):  # the first socket opened, or the last one closed
            now = clock.now()
            stamped = contact_record(unit_id=unit_id, via="socket", at=now)
            if online and unit_id in self._announced:
                self._heard_at = self._heard_at or now
            elif not online:
                # silent from its last contact on (now, or under a minute ago when it was
                # already stamped): stale 15 min after, unless heard from meanwhile
                heard = now if stamped else now - dt.timedelta(seconds=CONTACT_WRITE_SECONDS)
                stale_at = heard + self._stale_after + dt.timedelta(seconds=1)
                self._stale_at = min(self._stale_at or stale_at, stale_at)

    def _keep_contact(self, *, now: bool = False) -> None:
        """Stamp the units holding sockets, when ``CONTACT_EVERY_S`` passed since the last
        stamp (or ``now``): what their sockets' pings did meanwhile, in one transaction."""
        at = clock.now()
        if at < self._contact_due and not now:
            return
        self._contact_due = at + dt.timedelta(seconds=self.CONTACT_EVERY_S)
        if self.sockets:
            contacts_record(unit_ids=list(self.sockets), via="socket", at=at)

    def delivered(self, phone: Phone, assignment_id: str) -> None:
        pass  # pushed with the next sync

    def _deliver_sms(self) -> None:
        assert self.world is not None
        for message in self.sms.new():
            self.world.sms(str(message["phone"]), str(message["body"]))

    def _asking(self, request: httpx.Request) -> None:
        # Whatever the request reads (the desk's recommendations, a board, a report) sees
        # the units in coverage heard from, as their sockets would have kept them.
        if not request.url.path.startswith(SYNC_PATH):
            self._keep_contact()

    def _answered(self, response: httpx.Response) -> None:
        # Anything but a read may have made work due: a call (its wait), a dispatch (its
        # rungs), a crew on scene or its word (the safety check), a stand-down (the call
        # waits again), a sweep's SMS answered.
        if response.request.method != "GET" and self._written_at is None:
            self._written_at = clock.now()
        # A unit announced unreachable is heard from again by its socket (``online_changed``)
        # or by the desk or the SMS gateway (``HEARD_PATHS``).
        if (
            self._announced
            and self._heard_at is None
            and response.request.method != "GET"
            and response.request.url.path.startswith(HEARD_PATHS)
        ):
            self._heard_at = clock.now()

    def _sweep_at(self, to: dt.datetime) -> dt.datetime | None:
        """When the next sweep is due, as of moving the clock to ``to``.

        Beat sweeps every ``KUZET_ESCALATION_SWEEP_SECONDS``: what comes due waits at most
        that long. Here the port sweeps when something comes due (``escalation.next_due``),
        which skips the sweeps that would fire nothing and fires each rung, wait and safety
        check on time, not at whichever dispatch deadline came next. What is due is read
        again after each sweep; after a write, before the clock passes the sweep planned or
        moves a sweep interval past the write — what a write made due fires within beat's
        lateness, and a burst of writes (a dispatch, the crew's taps) costs one read.
        """
        written = self._written_at
        if written is not None and (
            to >= written + self._interval
            or (self._next_sweep is not None and self._next_sweep <= to)
        ):
            self._written_at = None
            now = clock.now()
            writes = self._due_writes.count()
            if writes is None or writes != self._due_read_at_writes:
                self._due = escalation.next_due(now)
                self._due_reads += 1
            # else: nothing next_due reads was written since it was last read (a phone's
            # position pushed, a contact stamp, a sweep that wrote nothing): the same
            # answer, not read again
            self._due_read_at_writes = writes
            due = self._due
            if due is not None and self._swept_at is not None and due <= self._swept_at:
                # Left due by the sweep just run (it ended early, a rung was deferred): the
                # next tick's, as beat's — never a loop of sweeps at one instant.
                due = self._swept_at + self._interval
            self._next_sweep = None if due is None else max(due, now)
        return self._next_sweep

    def advance(self, to: dt.datetime) -> None:
        """Move the server clock to ``to``, running what beat would have run on the way."""
        while True:
            at = self._sweep_at(to)
            presence_at = self._presence_at()
            if presence_at is not None and presence_at <= to and (at is None or presence_at < at):
                self._set_clock(presence_at)
                self._presence_sweep()
            elif at is not None and at <= to:
                self._set_clock(at)
                self._keep_contact()  # the sweep reads presence (its recommended unit)
                dispatch_tasks.escalation_sweep()
                self._swept_at, self._written_at = at, at  # read what is due next at once
                self._deliver_sms()
            else:
                break
        while self._next_age_out <= to:
            self._set_clock(self._next_age_out)
            sync_tasks.scope_age_out()
            alerts_prune()
            # and a presence sweep: a contact the port did not see (none known) is told late
            # by an hour at most
            self._presence_sweep()
            self._next_age_out += dt.timedelta(seconds=self.AGE_OUT_S)
        while self._next_prune <= to:
            self._set_clock(self._next_prune)
            sync_tasks.change_log_prune()
            self._next_prune += dt.timedelta(seconds=self.PRUNE_S)
        self._set_clock(to)

    def _presence_at(self) -> dt.datetime | None:
        """When the presence sweep next has something to announce, as far as is known: a
        unit going stale (contact only moves that later: a sweep then finds nothing and
        reads it again), or a unit announced unreachable heard from again."""
        heard = None if self._heard_at is None else self._heard_at + self._presence_interval
        due = [t for t in (self._stale_at, heard) if t is not None]
        return max(min(due), clock.now()) if due else None

    def _presence_sweep(self) -> None:
        self._keep_contact()  # what the sockets of the crews in coverage said meanwhile
        # (beat's task, but for its prune of old alerts: hourly, with the scope age-out)
        swept = presence_sweep()
        self._announced |= set(swept.became_unreachable)
        self._announced -= set(swept.became_reachable)
        self._heard_at = None
        # The unit heard from longest ago among those not announced (the sweep's own rule)
        # and without a socket (one holding a socket is heard from while it holds it; when
        # its last socket closes, ``online_changed`` says when it goes stale).
        oldest = list(
            Unit.objects.filter(active=True)
            .exclude(presence_notice__announced_unreachable=True)
            .exclude(pk__in=list(self.sockets))
            .order_by(F("last_contact_at").asc(nulls_first=True))
            .values_list("last_contact_at", flat=True)[:1]
        )
        now = clock.now()
        if not oldest:
            self._stale_at = None
        else:
            # never before the next beat tick: what the sweep left is taken at the next one
            heard = oldest[0] or now
            self._stale_at = max(
                heard + self._stale_after + dt.timedelta(seconds=1), now + self._presence_interval
            )

    def _set_clock(self, at: dt.datetime) -> None:
        current = clock.now()
        if at > current:
            clock.advance(at - current)
        minute = at.replace(second=0, microsecond=0)
        if minute != self._minute:
            self._minute = minute
            cache.clear()

    def run(
        self, engine: Engine, until: dt.datetime, progress: Callable[[dt.datetime], None]
    ) -> None:
        while True:
            at = engine.next_at()
            if at is None or at > until:
                break
            task = engine.pop()
            self.advance(task.at)
            task.run()
            progress(task.at)
        self.advance(until)
        # The live server takes over from here: the units in coverage as last heard now.
        self._keep_contact(now=True)
        # The ladder's rows as beat leaves them: sweeping only when something comes due
        # skips the sweeps that would just have moved a row past rungs its crew had met, so
        # ``next_escalation_at`` still names them (and the live server's "oldest overdue rung"
        # gauge would read them as overdue until its first sweep).
        dispatch_tasks.escalation_sweep()


# --- live: a running server over the network ---------------------------------------------


class LivePort:
    """A running Kuzet at ``base_url``: HTTP for everything, a WebSocket per phone with data
    (frames wake the phone; its ``delivered`` receipt goes back over the socket), and the
    file SMS backend's folder as the gateway."""

    # A step that found no server is tried again this much later (``run``).
    RETRY_S = 5.0

    def __init__(self, *, base_url: str, sms_dir: Path, stats: Stats) -> None:
        self.base_url = base_url.rstrip("/")
        # In the operator's language (the command's): the API's own words in a refusal
        # (DRF's "Authentication credentials were not provided.") come back in it, for the
        # simulator's line about it (``world.refusal_text``). The sync API ignores it.
        self.http = httpx.Client(
            base_url=self.base_url,
            timeout=30,
            headers={"Accept-Language": translation.get_language() or settings.LANGUAGE_CODE},
        )
        self.transport = HttpxTransport(self.base_url, client=self.http)
        self.sms = SmsInbox(sms_dir)
        self.sms.skip_existing()
        self.stats = stats
        self.inbox: queue.Queue[tuple[Callable[..., Any], tuple[Any, ...]]] = queue.Queue()
        self.sockets: dict[str, PhoneSocket] = {}
        self.world: World | None = None
        self.engine: Engine | None = None

    def now(self) -> dt.datetime:
        return clock.now()

    def dispatched(self, answer: dict[str, Any]) -> None:
        pass  # the server pushes it to the phones' sockets

    def changed(self, unit_id: str) -> None:
        pass  # likewise

    def online_changed(self, phone: Phone, online: bool) -> None:
        socket = self.sockets.get(phone.username)
        if online and socket is None:
            token = phone.client.token
            if token:
                ws_url = self.base_url.replace("http", "ws", 1) + "/ws/sync/v1/"
                self.sockets[phone.username] = PhoneSocket(self, phone, ws_url, token)
        elif not online and socket is not None:
            socket.close()
            del self.sockets[phone.username]

    def delivered(self, phone: Phone, assignment_id: str) -> None:
        socket = self.sockets.get(phone.username)
        record = next(
            (
                e
                for e in phone.client.outbox()
                if e["kind"] == "delivered" and e["assignment_id"] == assignment_id
            ),
            None,
        )
        if socket is not None and record is not None and socket.send_event(record):
            self.stats.ws_events += 1

    def run(
        self,
        engine: Engine,
        until: dt.datetime,
        tick: Callable[[], None],
        stop: threading.Event,
    ) -> None:
        """Run callbacks as their time comes, frames as they arrive, SMS every few seconds.

        A step that finds no server (the web process restarting, or already stopped when
        ``make run`` is interrupted) is not the end of the run: the step is tried again
        ``RETRY_S`` later — the duty officer calls back, the gateway re-sends — and, once
        stopping, the run ends and its check is still printed. The phones' own syncs already
        take a missing server as a lost link (``Phone.sync``)."""
        next_sms = time.monotonic()
        while not stop.is_set() and clock.now() < until:
            at = engine.next_at()
            wait = 1.0 if at is None else max(0.0, min(1.0, (at - clock.now()).total_seconds()))
            try:
                fn, args = self.inbox.get(timeout=wait)
                self._step(engine, stop, fn, args, again=False)  # a frame: the next sync has it
            except queue.Empty:
                pass
            while not stop.is_set() and (at := engine.next_at()) is not None and at <= clock.now():
                task = engine.pop()
                self._step(engine, stop, task.fn, task.args, again=True)
            if time.monotonic() >= next_sms:
                next_sms = time.monotonic() + 3
                assert self.world is not None
                for message in self.sms.new():
                    self._step(
                        engine,
                        stop,
                        self.world.sms,
                        (str(message["phone"]), str(message["body"])),
                        again=True,
                    )
                tick()

    def _step(
        self,
        engine: Engine,
        stop: threading.Event,
        fn: Callable[..., Any],
        args: tuple[Any, ...],
        *,
        again: bool,
    ) -> None:
        try:
            fn(*args)
        except httpx.TransportError as exc:
            self.stats.unreachable += 1
            # Which step and httpx's words ("[Errno 111] Connection refused") are a
            # developer's: make run's terminal read a Python function's name among the
            # operator's lines.
            log.debug("%s: %s: %r", self.base_url, getattr(fn, "__name__", repr(fn)), exc)
            if stop.is_set():
                log.info(unreachable_text(self.base_url, stopping=True))
            elif again:
                log.warning(unreachable_text(self.base_url, retry_s=self.RETRY_S))
                engine.after_server(self.RETRY_S, fn, *args)
            else:
                log.warning(unreachable_text(self.base_url))

    def close(self) -> None:
        for socket in list(self.sockets.values()):
            socket.close()
        self.sockets.clear()


def unreachable_text(url: str, *, retry_s: float | None = None, stopping: bool = False) -> str:
    """A step of the live simulator that found no server at ``url`` — the web process
    restarting, or stopped first when ``make run`` is interrupted (the simulator waits for it
    at the start) — and what happens next, in the active language: the step tried again
    ``retry_s`` later; a frame's pull left to the phone's next sync; nothing, once stopping."""
    if stopping:
        text = translation.gettext("Kuzet does not answer at %(url)s: the simulator is stopping.")
    elif retry_s is not None:
        text = translation.gettext(
            "Kuzet does not answer at %(url)s (restarting, or stopped): "
            "the simulator tries again in %(seconds)s s."
        )
    else:
        text = translation.gettext(
            "Kuzet does not answer at %(url)s (restarting, or stopped): "
            "the phone's next sync brings what it missed."
        )
    return text % {"url": url, "seconds": number_text(retry_s or 0)}


class PhoneSocket:
    """One phone's WebSocket (``/ws/sync/v1/``) in a thread: pings every 30 s, hands
    ``changes`` and ``poke`` frames to the simulation loop, sends receipts."""

    PING_S = 30.0

    def __init__(self, port: LivePort, phone: Phone, url: str, token: str) -> None:
        self.port = port
        self.phone = phone
        self.url = url
        self.token = token
        self._stop = threading.Event()
        self._ws: Any = None
        self._lock = threading.Lock()
        self.thread = threading.Thread(target=self._run, name=f"ws-{phone.username}", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        from websockets.sync.client import connect  # the server's own dependency (uvicorn)

        while not self._stop.is_set():
            try:
                with connect(
                    self.url,
                    subprotocols=["kuzet.v1", f"token.{self.token}"],  # type: ignore[list-item]
                    open_timeout=10,
                    close_timeout=2,
                ) as ws:
                    self._ws = ws
                    last_ping = time.monotonic()
                    while not self._stop.is_set():
                        if time.monotonic() - last_ping > self.PING_S:
                            with self._lock:
                                ws.send(json.dumps({"type": "ping"}))
                            last_ping = time.monotonic()
                        try:
                            raw = ws.recv(timeout=1.0)
                        except TimeoutError:
                            continue
                        self._frame(json.loads(raw))
            except Exception as exc:
                log.debug("%s: socket: %s", self.phone.username, exc)
            self._ws = None
            self._stop.wait(5.0)

    def _frame(self, frame: dict[str, Any]) -> None:
        kind = frame.get("type")
        if kind in ("changes", "poke"):
            world = self.port.world
            if world is not None:
                crew = world.by_phone.get(self.phone.number)
                if crew is not None:
                    self.port.inbox.put((crew.wake_soon, ()))

    def send_event(self, record: dict[str, Any]) -> bool:
        ws = self._ws
        if ws is None:
            return False
        try:
            with self._lock:
                ws.send(json.dumps({"type": "event", "event": record}))
        except Exception:
            return False
        return True

    def close(self) -> None:
        self._stop.set()
        ws = self._ws
        if ws is not None:
            with contextlib.suppress(Exception):  # closing a dying socket
                ws.close()
