"""WebSocket consumers: officers' devices (PROTOCOL.md §7) and staff boards.

Consumers authenticate, join groups and forward messages. A device's events go through the
very service an HTTP push uses (``push_records(..., via="ws")``); the consumers write nothing
of their own except the unit's last-contact heartbeat.

Close codes (sent after an ``{"type": "error", …}`` frame that says why):

* 4400 — the first message was not ``auth`` (or not JSON);
* 4401 — unknown or revoked token (``"wipe": true`` in the error frame when revoked), no
  ``auth`` within 10 s, or a board opened without a staff session — or whose session
  ended while it was open: signed out, the account deactivated, the password changed;
* 4403 — a signed-in user who is not staff (boards only);
* 4404 — a socket opened on a path with no route (:class:`NotFoundConsumer`);
* 4409 — a board whose staff member's role or district changed: board.js reconnects and the
  board opens with its new scope (or is refused 4401/4403);
* 1009 — a message larger than :data:`MAX_MESSAGE_BYTES`.
"""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from dataclasses import dataclass
from importlib import import_module
from typing import Any

import orjson
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.contrib import auth
from django.http import HttpRequest

from backend.common import clock
from backend.common.api import NOT_FOUND
from backend.common.errors import DomainError, Unauthenticated
from backend.devices.models import Device
from backend.devices.services import DeviceRevoked, device_authenticate
from backend.ledger.uow import current_change_seq
from backend.ops.metrics import WEBSOCKET_CONNECTIONS
from backend.people.access import district_scope, is_staff_role
from backend.people.models import Role
from backend.sync_gateway.push import push_records
from backend.sync_gateway.scope import device_audiences
from sync.protocol import (
    EVENT_MESSAGE_KEYS,
    ClockHeader,
    ProtocolError,
    Repeated,
    json_text,
    parse_json,
    unread_keys,
)

from . import groups
from .presence import CONTACT_WRITE_SECONDS, contact_record

log = logging.getLogger(__name__)

SUBPROTOCOL = "kuzet.v1"
TOKEN_PREFIX = "token."  # noqa: S105 -- a subprotocol prefix, not a secret
AUTH_TIMEOUT_SECONDS = 10.0
# One event record is well under 4 KiB; an HTTP push allows 1 MiB for 500 of them.
MAX_MESSAGE_BYTES = 64 * 1024
# What the server reads of a ``ping`` (its type); any other key is named in the pong.
PING_MESSAGE_KEYS = frozenset(("type",))
# How often an open, chatty socket re-checks that its device was not revoked meanwhile; the
# revocation notification closes it at once, this is the fallback if that frame was lost.
RECHECK_SECONDS = 30.0
# A pong reads the cursor (and re-checks the device) at most this often per socket.
PING_REFRESH_SECONDS = 1.0

CLOSE_MALFORMED = 4400
CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_NOT_FOUND = 4404
CLOSE_SCOPE_CHANGED = 4409
CLOSE_TOO_BIG = 1009
# A board whose channel layer is down: its frames cannot come (board.js reconnects).
CLOSE_LAYER_DOWN = 1011


def dumps(value: Any) -> str:
    try:
        return orjson.dumps(value).decode()
    except TypeError:  # a result quoting an id with a lone surrogate: escaped, round-trips
        return json_text(value)


def error_frame(code: str, detail: str, **extra: Any) -> str:
    return dumps({"type": "error", "error": code, "detail": detail, **extra})


def error_from(exc: DomainError, **extra: Any) -> str:
    """The HTTP error body (``error``, ``detail``, ``wipe``…) as a socket frame."""
    return dumps({"type": "error", **exc.as_json(), **extra})


@dataclass(frozen=True)
class DeviceSession:
    device_id: str
    officer_id: int
    unit_id: int | None
    groups: tuple[str, ...]


def _session_of(device: Device) -> DeviceSession:
    names = [
        groups.device(device.pk),
        groups.officer(device.officer_id),
        *(groups.audience(a) for a in device_audiences(device)),
    ]
    return DeviceSession(device.pk, device.officer_id, device.officer.unit_id, tuple(names))


def _device_session(token: str) -> DeviceSession:
    return _session_of(device_authenticate(token))


def _device_is_live(device_id: str) -> bool:
    return Device.objects.filter(
        pk=device_id, revoked_at__isnull=True, officer__is_active=True
    ).exists()


def _device_state(device_id: str) -> tuple[DeviceSession, int] | None:
    """The device's session as it is now (its officer may have moved unit) and the cursor;
    None when it was revoked meanwhile."""
    device = Device.objects.select_related("officer").filter(pk=device_id).first()
    if device is None or device.revoked_at is not None or not device.officer.is_active:
        return None
    return _session_of(device), current_change_seq()


def _hello_after_join(session: DeviceSession) -> int | None:
    """Re-check the device (a revocation may have raced the join), stamp presence, read cursor.

    Runs after the groups were joined: any change committed after this cursor is read is
    fanned out to a group the socket is already in, so nothing falls between the two.
    """
    if not _device_is_live(session.device_id):
        return None
    if session.unit_id is not None:
        contact_record(unit_id=session.unit_id, via="socket")
    return current_change_seq()


def _push_event(token: str, event: Any, clock_text: Any) -> list[dict[str, Any]]:
    device = device_authenticate(token)  # the same check as every HTTP request
    if clock_text is not None and not isinstance(clock_text, str):
        # A number here was dropped without a word, and the event dated without its anchor.
        raise ProtocolError("malformed", "clock must be a string: <wall_ms>;<boot_id>;<elapsed_ms>")
    device_clock = ClockHeader.parse(clock_text) if isinstance(clock_text, str) else None
    return push_records(device=device, body_or_records=[event], clock=device_clock, via="ws")


# A reconnect storm (a server restart: every device at once) runs a group_add per group of
# every socket at the same moment; the Redis pool of channels-redis refuses connections
# beyond its size instead of queueing (redis-py's MaxConnectionsError), so joins and leaves
# go through this gate, one gate per event loop.
LAYER_CONCURRENCY = 64
_gates: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
    weakref.WeakKeyDictionary()
)


def layer_gate() -> asyncio.Semaphore:
    loop = asyncio.get_running_loop()
    gate = _gates.get(loop)
    if gate is None:
        gate = _gates[loop] = asyncio.Semaphore(LAYER_CONCURRENCY)
    return gate


class _GatedGroups(AsyncWebsocketConsumer):  # type: ignore[misc]
    """Leaves its groups through :func:`layer_gate` and forwards layer frames as they are.

    Counts itself in ``kuzet_websocket_connections`` from connect to disconnect.
    """

    groups: list[str]
    metric_kind = "socket"
    _counted = False

    async def websocket_connect(self, message: dict[str, Any]) -> None:
        WEBSOCKET_CONNECTIONS.labels(self.metric_kind).inc()
        self._counted = True
        await super().websocket_connect(message)

    async def dispatch(self, message: dict[str, Any]) -> None:
        # Channels closes stale DB connections before every message, which costs a thread
        # hop per pushed frame. Every DB call here goes through database_sync_to_async,
        # which does that itself, so frames are forwarded without it.
        handler = getattr(self, message["type"].replace(".", "_"), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def websocket_disconnect(self, message: dict[str, Any]) -> None:
        if self._counted:
            WEBSOCKET_CONNECTIONS.labels(self.metric_kind).dec()
            self._counted = False
        async with layer_gate():
            for name in self.groups:
                await self.channel_layer.group_discard(name, self.channel_name)
        self.groups.clear()
        await super().websocket_disconnect(message)


class DeviceConsumer(_GatedGroups):
    """``/ws/sync/v1/``: one officer's device."""

    metric_kind = "device"

    session: DeviceSession | None = None
    token: str | None = None
    _auth_timer: asyncio.Task[None] | None = None
    _last_contact = 0.0
    _last_check = 0.0
    _cursor = 0

    async def connect(self) -> None:
        offered: list[str] = list(self.scope.get("subprotocols") or [])
        token = next((p[len(TOKEN_PREFIX) :] for p in offered if p.startswith(TOKEN_PREFIX)), None)
        await self.accept(SUBPROTOCOL if SUBPROTOCOL in offered else None)
        if token is not None:
            await self._authenticate(token)
        else:
            self._auth_timer = asyncio.ensure_future(self._auth_deadline())

    async def disconnect(self, code: int) -> None:
        if self._auth_timer is not None:
            self._auth_timer.cancel()

    async def _auth_deadline(self) -> None:
        await asyncio.sleep(AUTH_TIMEOUT_SECONDS)
        if self.session is None:
            await self._refuse(
                error_frame("unauthenticated", "No auth message within 10 s."),
                CLOSE_UNAUTHENTICATED,
            )

    async def _refuse(self, frame: str, code: int) -> None:
        await self.send(text_data=frame)
        await self.close(code=code)

    async def _authenticate(self, token: str) -> None:
        if self._auth_timer is not None:
            self._auth_timer.cancel()
            self._auth_timer = None
        try:
            session = await database_sync_to_async(_device_session)(token)
        except DomainError as exc:
            await self._refuse(error_from(exc), CLOSE_UNAUTHENTICATED)
            return
        async with layer_gate():
            for name in session.groups:
                await self.channel_layer.group_add(name, self.channel_name)
                self.groups.append(name)
        cursor = await database_sync_to_async(_hello_after_join)(session)
        if cursor is None:
            await self._refuse(error_from(DeviceRevoked()), CLOSE_UNAUTHENTICATED)
            return
        self.session, self.token, self._cursor = session, token, cursor
        self._last_contact = self._last_check = time.monotonic()
        await self.send(
            text_data=dumps({"type": "hello", "timestamp": cursor, "server_time": clock.now_ms()})
        )

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        raw = text_data.encode() if text_data is not None else (bytes_data or b"")
        if len(raw) > MAX_MESSAGE_BYTES:
            await self._refuse(
                error_frame("too_large", f"Messages are limited to {MAX_MESSAGE_BYTES} bytes."),
                CLOSE_TOO_BIG,
            )
            return
        try:
            # The push path's parser: a lone surrogate or a huge number in an event is that
            # event's problem (quarantined), not an unparsable message.
            message = parse_json(raw, records=True)
        except ProtocolError:
            message = None
        kind = message.get("type") if isinstance(message, dict) else None
        if isinstance(message, Repeated) and (self.session is None or kind != "event"):
            # {"type": "auth", "token": A, "token": B} signed in with B, and {"type": "event",
            # "type": "ping"} was read as a ping: the last of a repeated key won, the rest was
            # dropped without a word. (An event message's is answered in _event, naming it.)
            frame = error_frame(
                "malformed", f"The message has the key {message.repeated!r} more than once."
            )
            if self.session is None:
                await self._refuse(frame, CLOSE_MALFORMED)
            else:
                await self.send(text_data=frame)
            return

        if self.session is None:
            if (
                kind == "auth"
                and isinstance(message, dict)
                and isinstance(message.get("token"), str)
            ):
                await self._authenticate(message["token"])
            else:
                await self._refuse(
                    error_frame(
                        "malformed", 'The first message must be {"type": "auth", "token": …}.'
                    ),
                    CLOSE_MALFORMED,
                )
            return

        # ``message`` may be any JSON value here ([1], "x", 3): each is answered "Unknown or
        # unparsable message." below. An assert on its type ended the consumer with an
        # AssertionError, and the socket dropped without a close frame.
        if not await self._still_live(refresh=kind == "ping"):
            return
        if kind == "ping":
            # The cursor rides on every pong, like on hello: a frame lost on the way (at most
            # once; the pubsub layer drops frames while Redis is away) costs a device at most
            # one ping interval, since it pulls when the cursor is ahead of its own.
            pong: dict[str, Any] = {"type": "pong", "timestamp": self._cursor}
            # A ping carries nothing the server reads but its type: anything else a newer
            # app puts in it is named back, as an event message's keys are.
            ignored = unread_keys(message, PING_MESSAGE_KEYS) if isinstance(message, dict) else []
            if ignored:
                pong["ignored"] = ignored
            await self.send(text_data=dumps({**pong, "server_time": clock.now_ms()}))
        elif kind == "event" and isinstance(message, dict):
            await self._event(message)
        elif kind == "auth":
            await self.send(text_data=error_frame("malformed", "Already authenticated."))
        else:
            await self.send(text_data=error_frame("malformed", "Unknown or unparsable message."))

    async def _still_live(self, *, refresh: bool) -> bool:
        """Rate-limited heartbeat, and a re-check of the device on its activity.

        The re-check (every ping, at most once a second; any other message every 30 s)
        closes a socket whose device was revoked while the revocation frame was lost, moves
        the socket to its officer's new groups when the officer changed unit or district,
        and reads the cursor for the pong.
        """
        session = self.session
        assert session is not None
        now = time.monotonic()
        if session.unit_id is not None and now - self._last_contact >= CONTACT_WRITE_SECONDS:
            self._last_contact = now
            await database_sync_to_async(contact_record)(unit_id=session.unit_id, via="socket")
        since = now - self._last_check
        if since >= RECHECK_SECONDS or (refresh and since >= PING_REFRESH_SECONDS):
            self._last_check = now
            state = await database_sync_to_async(_device_state)(session.device_id)
            if state is None:
                await self._revoked()
                return False
            fresh, self._cursor = state
            if fresh.groups != session.groups:
                await self._regroup(fresh)
        return True

    async def _regroup(self, fresh: DeviceSession) -> None:
        async with layer_gate():
            for name in set(self.groups) - set(fresh.groups):
                await self.channel_layer.group_discard(name, self.channel_name)
            for name in set(fresh.groups) - set(self.groups):
                await self.channel_layer.group_add(name, self.channel_name)
        self.groups[:] = list(fresh.groups)
        self.session = fresh

    async def _event(self, message: dict[str, Any]) -> None:
        assert self.token is not None
        # Every error frame answering an event names it, as its result would: a phone with
        # several events in flight must know which one to fix or send again (a bad clock's
        # frame named none, so the app could only guess).
        event = message.get("event")
        event_id = event.get("id") if isinstance(event, dict) else None
        about = {"id": event_id if isinstance(event_id, str) else None}
        if isinstance(message, Repeated):
            # {"event": A, "event": B} would store B and drop A without a word.
            detail = f"The message has the key {message.repeated!r} more than once."
            await self.send(text_data=error_frame("malformed", detail, **about))
            return
        try:
            results = await database_sync_to_async(_push_event)(
                self.token, event, message.get("clock")
            )
        except (DeviceRevoked, Unauthenticated) as exc:
            await self._refuse(error_from(exc, **about), CLOSE_UNAUTHENTICATED)
            return
        except DomainError as exc:
            await self.send(text_data=error_from(exc, **about))
            return
        except ProtocolError as exc:
            await self.send(text_data=error_frame(exc.code, exc.detail, **about))
            return
        except Exception:
            log.exception("event over WebSocket failed")
            await self.send(text_data=error_frame("server_error", "Retry later.", **about))
            return
        frame: dict[str, Any] = {"type": "result", "results": results}
        # Keys of the message this server does not read (a newer app's) are named back, as a
        # push's are (docs/protocol.md §4).
        ignored = unread_keys(message, EVENT_MESSAGE_KEYS)
        if ignored:
            frame["ignored"] = ignored
        await self.send(text_data=dumps({**frame, "server_time": clock.now_ms()}))

    async def _revoked(self) -> None:
        await self._refuse(error_from(DeviceRevoked()), CLOSE_UNAUTHENTICATED)

    # --- messages from the channel layer (see fanout.py) ---------------------------------

    async def kuzet_frame(self, message: dict[str, Any]) -> None:
        """A frame rendered once by the fan-out; forwarded as is."""
        if self.session is not None:
            await self.send(text_data=message["text"])

    async def kuzet_revoke(self, message: dict[str, Any]) -> None:
        if self.session is not None:
            await self._revoked()


def board_groups(user: Any) -> tuple[int, list[str]]:
    """(close code or 0, groups) for a staff member opening a board.

    The groups are the scope check: the fan-out sends a district's events to that district's
    groups only, and a user joins exactly the groups of ``district_scope(user)``. A chief
    joins the district's chief group, which gets the rows and the alerts flagged ``chief``;
    duty officers join the duty group of every district they serve.
    """
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return CLOSE_UNAUTHENTICATED, []
    if not is_staff_role(user):
        return CLOSE_FORBIDDEN, []
    scope = district_scope(user)
    if scope.everything:
        return 0, [groups.BOARD_ALL]
    if user.role == Role.CHIEF:
        return (
            (0, [groups.board_chief(user.district_id)])
            if user.district_id
            else (CLOSE_FORBIDDEN, [])
        )
    names = [groups.board_district(d) for d in sorted(scope.district_ids)]
    oblast_level = user.role == Role.OBLAST_ADMIN or (
        user.role == Role.DUTY_OFFICER and user.district_id is None
    )
    if oblast_level and user.oblast_id is not None:
        names.append(groups.board_oblast(user.oblast_id))
    if not names:
        return CLOSE_FORBIDDEN, []
    return 0, names


def _board_access(session_key: str | None) -> tuple[int, list[str]]:
    """:func:`board_groups` of the session as it is now: signed out, expired, its officer
    deactivated or its password changed since, it opens no board (4401)."""
    if not session_key:
        return CLOSE_UNAUTHENTICATED, []
    request = HttpRequest()
    request.session = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
    return board_groups(auth.get_user(request))


class NotFoundConsumer(AsyncWebsocketConsumer):  # type: ignore[misc]
    """The last WebSocket route: a socket on a path with no route (``/ws/device/``, or
    ``/ws/sync/v1`` without its slash) is told ``not_found`` and closed with 4404.

    Channels' router raised instead, and the handshake failed with an HTTP 500, which a
    phone takes for a transient server error and retries with backoff for ever. Accepted
    first (with ``kuzet.v1`` when offered: a browser drops a socket whose offered
    subprotocol is not chosen) so the client reads the reason, as the device socket's own
    refusals do; the body is the HTTP 404's (``backend/common/api.py: api_not_found``).
    """

    async def connect(self) -> None:
        offered: list[str] = list(self.scope.get("subprotocols") or [])
        await self.accept(SUBPROTOCOL if SUBPROTOCOL in offered else None)
        path = str(self.scope.get("path", ""))
        detail = NOT_FOUND["detail"]
        if not path.endswith("/") and _routed(path + "/"):
            detail = f"No such resource; the path ends with a slash: {path}/"
        await self.send(text_data=error_frame(NOT_FOUND["error"], detail))
        await self.close(code=CLOSE_NOT_FOUND)


def _routed(path: str) -> bool:
    """Whether a route before :class:`NotFoundConsumer` takes ``path``."""
    from .routing import websocket_urlpatterns  # routing imports this module

    return any(route.pattern.match(path.lstrip("/")) for route in websocket_urlpatterns[:-1])


class BoardConsumer(_GatedGroups):
    """``/ws/board/v1/``: the live feed of a duty officer's or chief's scope (session auth).

    The socket also joins its staff member's own group (:func:`groups.board_user`): when the
    account is deactivated, its password, role or district changed, or one of its sessions
    signed out, ``kuzet.board.recheck`` comes there (``fanout.boards_recheck``) and the board
    checks its session again, as it does on every ping (the fallback if that frame was
    lost): closed 4401 when the session opens no board any more, 4409 when its scope
    changed (board.js reconnects and gets its new groups).
    """

    metric_kind = "board"

    session_key: str | None = None
    _scope_groups: frozenset[str] = frozenset()
    _last_check = 0.0
    _closed = False

    async def connect(self) -> None:
        user = self.scope.get("user")
        code, names = await database_sync_to_async(board_groups)(user)
        await self.accept()
        if code:
            await self._refuse(code)
            return
        assert user is not None
        self.session_key = getattr(self.scope.get("session"), "session_key", None)
        async with layer_gate():
            for name in [*names, groups.board_user(user.pk)]:
                await self.channel_layer.group_add(name, self.channel_name)
                self.groups.append(name)
        self._scope_groups = frozenset(names)
        # Joined first, then checked: a deactivation committed meanwhile either reaches the
        # officer's group or is seen here.
        if not await self._still_open():
            return
        await self.send(text_data=dumps({"type": "hello", "server_time": clock.now_ms()}))

    async def _refuse(self, code: int) -> None:
        detail = "Sign in as staff." if code == CLOSE_UNAUTHENTICATED else "Staff only."
        error = "unauthenticated" if code == CLOSE_UNAUTHENTICATED else "forbidden"
        await self._close_with(error_frame(error, detail), code)

    async def _close_with(self, frame: str, code: int) -> None:
        self._closed = True  # no frame of the scope after this, whatever is still queued
        await self.send(text_data=frame)
        await self.close(code=code)

    async def _still_open(self) -> bool:
        """Whether the board's session still opens it with the same groups; closes it if not."""
        self._last_check = time.monotonic()
        code, names = await database_sync_to_async(_board_access)(self.session_key)
        if code:
            await self._refuse(code)
            return False
        if frozenset(names) != self._scope_groups:
            frame = error_frame("scope_changed", "Your role or district changed.")
            await self._close_with(frame, CLOSE_SCOPE_CHANGED)
            return False
        return True

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if text_data is not None and len(text_data) <= 256 and '"ping"' in text_data:
            since = time.monotonic() - self._last_check
            if since >= PING_REFRESH_SECONDS and not await self._still_open():
                return
            # The pong goes round through the channel layer, the way every frame of the board
            # comes. Answered by the socket alone, it came while Redis was down or restarting:
            # the board said "live" and no call of the outage ever appeared on it. Now no pong
            # comes; board.js says the board is not live, reconnects and reloads its snapshot.
            try:
                await self.channel_layer.send(self.channel_name, {"type": "kuzet.pong"})
            except Exception:  # the layer's connection is down: the board must not wait for it
                log.warning("board socket: the channel layer did not take a pong; closing")
                await self.close(code=CLOSE_LAYER_DOWN)

    async def kuzet_pong(self, message: dict[str, Any]) -> None:
        await self.send(text_data=dumps({"type": "pong", "server_time": clock.now_ms()}))

    async def kuzet_board_recheck(self, message: dict[str, Any]) -> None:
        """The staff member's access ended or changed (``fanout.boards_recheck``)."""
        if self._closed:
            return
        if message.get("session") and message["session"] == groups.session_tag(self.session_key):
            await self._refuse(CLOSE_UNAUTHENTICATED)  # this very session signed out
        elif not message.get("session"):
            await self._still_open()

    async def kuzet_frame(self, message: dict[str, Any]) -> None:
        if not self._closed:
            await self.send(text_data=message["text"])
