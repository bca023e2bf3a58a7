"""The simulated district: citizens who call, duty officers who dispatch, crews whose phones
come and go with the coverage.

Everything here acts through a :class:`~backend.simulator.ports.Port` — the intake API, the
staff API, the signed SMS gateway callback and the reference device client — and never
touches a model. What the actors know of each other is what people know: the duty officer
knows the incidents he took and the assignments he made; a crew knows what reached its
phones (a pull, a WebSocket frame, an SMS) and where it is.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging
import random
import statistics
import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import httpx
from django.utils import translation
from django.utils.translation import gettext_noop

from backend.common.clock import from_ms as clock_from_ms
from backend.dispatch import lifecycle, policies, sms_texts
from backend.dispatch.sms import SIGNATURE_HEADER, sign
from backend.geo import travel
from sync.client import DeviceClient, SimulatedClock, SyncError, SyncUnavailable

from . import scenario
from .engine import Engine

if TYPE_CHECKING:
    from .ports import Port

log = logging.getLogger(__name__)

OPEN = frozenset(lifecycle.ASSIGNMENT_OPEN)
# Still waiting for the crew to say it has the call: what the duty officer chases.
UNACKNOWLEDGED = OPEN - lifecycle.ASSIGNMENT_ACKNOWLEDGED
MIN_S = 60.0
# The field app sends an officer's fact as soon as it is recorded (``_record`` in
# field/src/controller.js requests a sync); only positions wait for the next sync. The
# simulated phone did wait a minute after every tap: each acknowledgment reached Kuzet a
# minute late — a P0's deadline passed with the ack on the phone, escalating calls that were
# acknowledged in time, and the data-quality page read a sync lag of exactly 1:00 for
# every unit.
APP_SENDS_IN_S = 2.0
# A frame on the phone's WebSocket (``changes``, ``poke``) is followed by a pull at once: a new
# assignment is on screen (and its delivery receipt on its way) within seconds of the dispatch,
# a cancellation stops the crew. The live demo's phones only pushed on a frame, and saw a
# dispatch or a cancellation at their next idle sync, up to a minute later: half the calls
# escalated as "not delivered" with the phone in coverage, and crews told to stand down drove
# on to the scene.
APP_PULLS_IN_S = 1.0


@dataclass(frozen=True)
class Place:
    """A settlement as the phones receive it (``settlements`` table of the pull)."""

    id: str
    kato: str
    name: str
    district_id: str
    zone: str
    coverage: str
    lat: float
    lon: float

    @classmethod
    def from_record(cls, r: dict[str, Any]) -> Place:
        return cls(
            str(r["id"]),
            str(r["kato"]),
            str(r["name"]),
            str(r["district_id"]),
            str(r["zone"]),
            str(r["coverage"]),
            float(r["lat"]),
            float(r["lon"]),
        )


@dataclass
class Stats:
    """What the simulator did, for the live summary and the end-of-run check."""

    calls: Counter[str] = field(default_factory=Counter)  # by channel
    reports: dict[str, str] = field(default_factory=dict)  # "channel:external_ref" → incident id
    staff_reports: int = 0
    dispatches: int = 0
    cancels: int = 0
    reassigns: int = 0
    on_behalf: int = 0
    closes: int = 0
    follow_ups: int = 0  # DV follow-up visits recorded
    safety_checks: int = 0  # crews silent on scene the desk raised by radio
    diverts: int = 0  # units taken off a less urgent call for a P0 or P1
    across_border: int = 0  # units sent to a call of the next district, much nearer to it
    reclassified: int = 0  # calls whose category or priority the desk changed after a callback
    messages: int = 0  # the desk's messages to crews on those calls (what the caller said)
    messages_read: int = 0  # read receipts the crews sent for them, by app or by SMS
    conflicts_resolved: int = 0  # by the district chiefs
    sms_in: int = 0
    sms_replies: list[str] = field(default_factory=list)  # gateway ids we sent
    ws_events: int = 0
    syncs: int = 0
    sync_failures: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    unreachable: int = 0  # staff/intake/SMS-gateway steps that found no server (retried)
    response_s: list[float] = field(default_factory=list)  # as the crews lived it

    def median_response_min(self) -> float | None:
        return statistics.median(self.response_s) / 60 if self.response_s else None


# What the simulator tried, by the name :meth:`Api._json` is given: the operator's line about a
# refusal names it (in the active language) where it read "dispatch: 409 {"error": …}".
STEPS = {
    "intake": gettext_noop("Reporting a call through the intake API"),
    "create": gettext_noop("Entering a call at the desk"),
    "detail": gettext_noop("Reading a call"),
    "recommendations": gettext_noop("Asking which unit to send"),
    "dispatch": gettext_noop("Dispatching a unit"),
    "message": gettext_noop("Messaging a crew"),
    "classify": gettext_noop("Reclassifying a call"),
    "close": gettext_noop("Closing a call"),
    "cancel": gettext_noop("Cancelling an assignment"),
    "reassign": gettext_noop("Reassigning a call to another unit"),
    "acknowledge": gettext_noop("Acknowledging a call for its crew"),
    "follow-up": gettext_noop("Recording a follow-up visit"),
    "safety-checks": gettext_noop("Reading the safety checks"),
    "safety-check": gettext_noop("Answering a safety check"),
    "conflicts": gettext_noop("Reading the open conflicts"),
    "conflict": gettext_noop("Resolving a conflict"),
    "sms": gettext_noop("Passing an officer's SMS on as the gateway"),
    "board": gettext_noop("Reading the duty officer's board"),
}


def step_text(what: str) -> str:
    """What the simulator tried (:data:`STEPS`), in the active language."""
    return translation.gettext(STEPS[what]) if what in STEPS else what


def refusal_text(step: str, status: int, body: Any) -> str | None:
    """A refusal in the API's error format (``{"error": code, "detail": text}``,
    backend/common/api.py) as the operator reads it, in the active language: the step, the
    HTTP status, the code and the server's detail (a validation error's fields after it).
    ``None`` when ``body`` is not that format (a proxy's page, a redirect)."""
    if not isinstance(body, dict) or not isinstance(body.get("error"), str):
        return None
    detail = str(body.get("detail", "")).strip()
    if body.get("fields"):
        detail = f"{detail} {json.dumps(body['fields'], ensure_ascii=False)[:300]}".strip()
    return translation.gettext(
        "%(step)s: Kuzet refused (HTTP %(status)s, %(code)s): %(detail)s"
    ) % {
        "step": step,
        "status": status,
        "code": body["error"],
        "detail": detail,
    }


def _body(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _said_refused(step: str, response: httpx.Response) -> None:
    """Log a refused request: one line in the operator's language; its raw text at DEBUG."""
    log.debug("%s: %s %s", step, response.status_code, response.text[:300])
    text = refusal_text(step, response.status_code, _body(response))
    if text is None:
        text = translation.gettext(
            "%(step)s: Kuzet answered HTTP %(status)s, not with an error of its API: %(text)s"
        ) % {
            "step": step,
            "status": response.status_code,
            "text": " ".join(response.text.split())[:200],
        }
    log.warning(text)


def _token(token: str) -> dict[str, str]:
    return {"Authorization": f"Token {token}"}


class Api:
    """The staff, intake and SMS-gateway sides of the HTTP API, as their clients use them."""

    def __init__(
        self,
        http: httpx.Client,
        *,
        staff_token: str,
        intake_keys: dict[str, str],
        sms_secret: str,
        stats: Stats,
        exercise: bool = False,
    ) -> None:
        self.http = http
        self.staff = _token(staff_token)
        self.intake_keys = intake_keys
        self.sms_secret = sms_secret
        self.stats = stats
        # The calls the desk enters are exercises too (the intake keys say so for the rest).
        self.exercise = exercise

    def _json(self, response: httpx.Response, what: str) -> Any:
        if response.status_code >= 400:
            self.stats.errors[f"{what} {response.status_code}"] += 1
            _said_refused(step_text(what), response)
            return None
        return response.json()

    def intake(self, channel: str, body: dict[str, Any]) -> Any:
        key = self.intake_keys[channel]
        r = self.http.post(
            f"/api/v1/intake/{channel}/", json=body, headers={"Authorization": f"Api-Key {key}"}
        )
        return self._json(r, "intake")

    def incident_create(self, body: dict[str, Any]) -> Any:
        if self.exercise:
            body = {**body, "exercise": True}
        return self._json(
            self.http.post("/api/v1/incidents/", json=body, headers=self.staff), "create"
        )

    def incident(self, incident_id: int) -> Any:
        return self._json(
            self.http.get(f"/api/v1/incidents/{incident_id}/", headers=self.staff), "detail"
        )

    def recommendations(self, incident_id: int) -> Any:
        r = self.http.get(f"/api/v1/incidents/{incident_id}/recommendations/", headers=self.staff)
        return self._json(r, "recommendations")

    def dispatch(self, incident_id: int, unit_id: int, *, divert: bool = False) -> Any:
        r = self.http.post(
            f"/api/v1/incidents/{incident_id}/assignments/",
            json={"unit_id": unit_id, **({"divert": True} if divert else {})},
            headers=self.staff,
        )
        return self._json(r, "dispatch")

    def message(self, assignment_id: int, text: str) -> Any:
        r = self.http.post(
            f"/api/v1/assignments/{assignment_id}/message/", json={"text": text}, headers=self.staff
        )
        return self._json(r, "message")

    def reclassify(self, incident_id: int, *, reason: str, **change: str) -> Any:
        r = self.http.post(
            f"/api/v1/incidents/{incident_id}/classify/",
            json={"reason": reason, **change},
            headers=self.staff,
        )
        return self._json(r, "classify")

    def close(
        self, incident_id: int, *, disposition: str, outcome_code: str, coao_article: str = ""
    ) -> Any:
        body = {"disposition": disposition, "outcome_code": outcome_code}
        if coao_article:
            body["coao_article"] = coao_article
        r = self.http.post(
            f"/api/v1/incidents/{incident_id}/close/",
            json=body,
            headers=self.staff,
        )
        return self._json(r, "close")

    def cancel(self, assignment_id: int, reason: str) -> Any:
        r = self.http.post(
            f"/api/v1/assignments/{assignment_id}/cancel/",
            json={"reason": reason},
            headers=self.staff,
        )
        return self._json(r, "cancel")

    def reassign(self, assignment_id: int, unit_id: int) -> Any:
        r = self.http.post(
            f"/api/v1/assignments/{assignment_id}/reassign/",
            json={"unit_id": unit_id},
            headers=self.staff,
        )
        return self._json(r, "reassign")

    def acknowledge(self, assignment_id: int, channel: str, note: str) -> Any:
        r = self.http.post(
            f"/api/v1/assignments/{assignment_id}/acknowledge/",
            json={"channel": channel, "note": note},
            headers=self.staff,
        )
        return self._json(r, "acknowledge")

    def follow_up_done(self, follow_up_id: int, note: str) -> Any:
        r = self.http.post(
            f"/api/v1/follow-ups/{follow_up_id}/done/", json={"note": note}, headers=self.staff
        )
        return self._json(r, "follow-up")

    def safety_checks(self) -> list[dict[str, Any]]:
        r = self.http.get("/api/v1/safety-checks/", headers=self.staff)
        return list(self._json(r, "safety-checks") or [])

    def safety_ok(self, check_id: int) -> Any:
        r = self.http.post(f"/api/v1/safety-checks/{check_id}/ok/", headers=self.staff)
        answer = self._json(r, "safety-check")
        if answer is not None and answer.get("already_answered"):
            return None  # answered meanwhile: the crew's own word came first (services/safety.py)
        return answer

    def open_conflicts(self, token: str) -> list[dict[str, Any]]:
        r = self.http.get("/api/v1/conflicts/", params={"state": "open"}, headers=_token(token))
        return list(self._json(r, "conflicts") or [])

    def conflict_resolve(self, token: str, conflict_id: int, resolution: str, note: str) -> Any:
        r = self.http.post(
            f"/api/v1/conflicts/{conflict_id}/resolve/",
            json={"resolution": resolution, "note": note},
            headers=_token(token),
        )
        return self._json(r, "conflict")

    def board_incidents(self, *, username: str, password: str) -> list[dict[str, Any]]:
        """The duty officer's live board (``/board/state/``), signed in as a person is:
        the admin login form, then the board's snapshot of open incidents."""
        board = httpx.Client(base_url=str(self.http.base_url), timeout=30)
        with board:
            board.get("/admin/login/")
            token = board.cookies.get("csrftoken", "")
            board.post(
                "/admin/login/?next=/board/",
                data={"username": username, "password": password, "csrfmiddlewaretoken": token,
                      "next": "/board/"},
                headers={"Referer": f"{self.http.base_url}/admin/login/"},
            )  # fmt: skip
            state = board.get("/board/state/")
        if state.status_code != 200 or not state.headers.get("content-type", "").startswith(
            "application/json"
        ):
            self.stats.errors[f"board {state.status_code}"] += 1
            step = step_text("board")
            if refusal_text(step, state.status_code, _body(state)) is not None:
                _said_refused(step, state)
            else:  # the sign-in's redirect, or its page again: no API error to tell
                log.debug("board: %s %s", state.status_code, state.text[:300])
                log.warning(
                    translation.gettext(
                        "%(step)s: Kuzet answered HTTP %(status)s, not the board "
                        "(was the sign-in refused?)"
                    )
                    % {"step": step, "status": state.status_code}
                )
            return []
        return list(state.json().get("incidents", []))

    def sms_reply(self, *, phone: str, text: str, received_at: dt.datetime) -> Any:
        """The SMS gateway's signed callback for a message an officer sent."""
        message_id = f"sim-{uuid.uuid4().hex[:16]}"
        body = json.dumps(
            {"id": message_id, "from": phone, "text": text, "received_at": received_at.isoformat()}
        ).encode()
        r = self.http.post(
            "/api/v1/sms/inbound/",
            content=body,
            headers={
                "Content-Type": "application/json",
                SIGNATURE_HEADER: sign(body, secret=self.sms_secret),
            },
        )
        answer = self._json(r, "sms")
        if answer is not None:
            self.stats.sms_replies.append(message_id)
        return answer


# --- phones and crews ------------------------------------------------------------------------


class Phone:
    """One officer's phone: the reference client, its (possibly wrong) clock, its data link."""

    def __init__(
        self,
        *,
        username: str,
        number: str,
        client: DeviceClient,
        clock: SimulatedClock,
        stats: Stats,
        now_ms: Any,
    ) -> None:
        self.username = username
        self.number = number
        self.client = client
        self.clock = clock
        self.stats = stats
        self._now_ms = now_ms
        self.online = False
        self.recorded: list[str] = []

    def record(
        self,
        kind: str,
        assignment_id: str | None = None,
        payload: dict[str, Any] | None = None,
        *,
        at: tuple[float, float] | None = None,
    ) -> str:
        lat, lon = at if at is not None else (None, None)
        event_id = self.client.record_event(
            kind,
            assignment_id,
            payload,
            lat=None if lat is None else round(lat, 5),
            lon=None if lon is None else round(lon, 5),
            accuracy_m=None if lat is None else 12.0,
            # GPS time is right even when the phone's wall clock is not.
            gps_time=None if lat is None else self._now_ms(),
        )
        self.recorded.append(event_id)
        return event_id

    def sync(self, *, pull: bool = True) -> bool:
        """Push what is waiting, then pull (which also confirms what was pushed): the app's
        round when it is told something changed or comes back into coverage. With
        ``pull=False``, only the push: the app sends what the officer just recorded and
        leaves the pull to the server's next frame (the outbox keeps the events until a
        pull shows them back, so nothing is dropped)."""
        if not self.online:
            return False
        try:
            if self.client.outbox():
                self.client.push()
            if pull:
                self.client.pull()
        except SyncUnavailable as exc:
            # No answer after the client's retries: Kuzet restarting or stopped (make run
            # interrupted), or answering 5xx/429. Nothing is lost (the outbox keeps it); a
            # phone without data never tries (``online``), so this is not a white spot.
            self.stats.sync_failures += 1
            log.debug("%s: sync failed: %s", self.username, exc)
            log.info(
                translation.gettext(
                    "%(officer)s's phone got no answer from Kuzet (restarting, or stopped): "
                    "what it recorded waits on it for its next sync."
                )
                % {"officer": self.username}
            )
            return False
        except SyncError as exc:
            # Refused for good (4xx): a bug of the simulator or the server, the operator's to
            # see — it read "sync failed: 400 invalid: …" at INFO among the routine lines.
            self.stats.sync_failures += 1
            log.debug("%s: sync failed: %s", self.username, exc)
            step = translation.gettext("Syncing %(officer)s's phone") % {"officer": self.username}
            body = {"error": exc.code, "detail": exc.detail}
            log.warning(refusal_text(step, exc.status, body))
            return False
        self.stats.syncs += 1
        return True

    def outbox_size(self) -> int:
        return len(self.client.outbox())


@dataclass
class AssignmentInfo:
    """An assignment as the duty officer made it (the dispatch answer)."""

    id: str
    incident: IncidentInfo
    unit_id: str
    dispatched_at: dt.datetime
    ack_within_s: float


@dataclass
class IncidentInfo:
    id: int
    number: str
    channel: str
    category: str
    priority: str
    district_id: str
    place: Place
    lat: float
    lon: float
    received_at: dt.datetime
    assignments: list[str] = field(default_factory=list)
    arrived: bool = False
    closed: bool = False
    outcome: str = ""
    article: str = ""  # the CoAO article of the outcome, if any


def _parse_time(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


class Crew:
    """A unit in the field: where it is, whether its phones have data, what it is doing."""

    def __init__(
        self, world: World, *, unit: dict[str, Any], phones: list[Phone], home: Place, mobility: str
    ) -> None:
        self.world = world
        self.unit_id = str(unit["id"])
        self.callsign = str(unit["callsign"])
        self.district_id = str(unit["district_id"])
        self.type = str(unit.get("type", ""))
        self.mobility = mobility
        self.phones = phones
        self.home = home
        rng = world.rng
        self.lat = home.lat + rng.uniform(-0.004, 0.004)
        self.lon = home.lon + rng.uniform(-0.004, 0.004)
        self.place = home
        self.data = False
        self.slow = rng.random() < scenario.SLOW_OFFICER_SHARE
        self.handled: set[str] = set()
        self.messages_read: set[str] = set()  # the desk's messages the officer has read
        self.current: str | None = None
        self.queue: list[tuple[str, str]] = []
        self._coverage_gen = 0
        self._sync_pending = False
        self._wake_pending = False

    @property
    def lead(self) -> Phone:
        return self.phones[0]

    @property
    def engine(self) -> Engine:
        return self.world.engine

    # -- coverage --

    def enter(self, place: Place) -> None:
        """The crew is now at ``place``: its phones get that place's coverage."""
        self.place = place
        self._coverage_gen += 1
        gen = self._coverage_gen
        rng = self.world.rng
        if place.coverage in scenario.COVERAGE_GAP_S:
            self.set_data(True)
            self.engine.after(rng.uniform(20, 40) * MIN_S, self._coverage_tick, gen)
        else:
            self.set_data(False)
            self.engine.after(rng.uniform(*scenario.WHITE_SPOT_TRIP_S), self._signal_window, gen)

    def _coverage_tick(self, gen: int) -> None:
        if gen != self._coverage_gen:
            return
        rng = self.world.rng
        share = scenario.COVERAGE_ONLINE_SHARE[self.place.coverage]
        if self.data and rng.random() > share:
            self.set_data(False)
            self.engine.after(
                rng.uniform(*scenario.COVERAGE_GAP_S[self.place.coverage]), self._back, gen
            )
        else:
            self.engine.after(rng.uniform(20, 40) * MIN_S, self._coverage_tick, gen)

    def _back(self, gen: int) -> None:
        if gen != self._coverage_gen:
            return
        self.set_data(True)
        self.engine.after(self.world.rng.uniform(20, 40) * MIN_S, self._coverage_tick, gen)

    def _signal_window(self, gen: int) -> None:
        """A crew in a white spot finds a signal for a few minutes and syncs."""
        if gen != self._coverage_gen:
            return
        self.set_data(True)
        self.engine.after(
            self.world.rng.uniform(*scenario.WHITE_SPOT_SIGNAL_S), self._signal_lost, gen
        )

    def _signal_lost(self, gen: int) -> None:
        if gen != self._coverage_gen:
            return
        self.set_data(False)
        self.engine.after(
            self.world.rng.uniform(*scenario.WHITE_SPOT_TRIP_S), self._signal_window, gen
        )

    def set_data(self, online: bool) -> None:
        was = self.data
        self.data = online
        for phone in self.phones:
            phone.online = online
            self.world.port.online_changed(phone, online)
        if online and not was:
            self.sync_all()

    @property
    def sms_only(self) -> bool:
        return not self.data and self.place.coverage in scenario.SMS_CAPABLE

    # -- syncing --

    def sync_all(self) -> None:
        synced = False
        for phone in self.phones:
            synced = phone.sync() or synced
        if synced:
            self.look()

    def wake(self) -> None:
        """The lead phone was told something changed (a WebSocket frame): it syncs."""
        if self.lead.sync():
            self.look()

    def wake_soon(self, delay_s: float = APP_PULLS_IN_S) -> None:
        """A WebSocket frame said something changed: the phone pulls at once, as the app does
        (``applyFrame``, then a pull: field/src/sync.js), and the crew reads its screen. The
        frames of one change (the assignment, its call, its events) make one round."""
        if self._wake_pending or not self.data:
            return
        self._wake_pending = True
        self.engine.after(delay_s, self._wake_now)

    def _wake_now(self) -> None:
        self._wake_pending = False
        self.wake()

    def sync_soon(self, delay_s: float = APP_SENDS_IN_S) -> None:
        """Sync the lead phone shortly, as the app does when the officer taps: the events of
        one tap (an outcome, its note, "cleared") go in one push."""
        if self._sync_pending or not self.data:
            return
        self._sync_pending = True
        self.engine.after(delay_s, self._sync_now)

    def _sync_now(self) -> None:
        self._sync_pending = False
        self.lead.sync(pull=False)

    def heartbeat(self) -> None:
        """Idle routine: a position report while patrolling, and a sync when there is data."""
        rng = self.world.rng
        if self.current is None:
            self.lat = self.home.lat + rng.uniform(-0.02, 0.02)
            self.lon = self.home.lon + rng.uniform(-0.02, 0.02)
            self.lead.record("location", at=(self.lat, self.lon))
        if self.data:
            self.sync_all()
        self.engine.after(self.world.idle_sync_s * rng.uniform(0.8, 1.2), self.heartbeat)

    def reboot(self, phone: Phone) -> None:
        phone.clock.reboot()
        self.engine.after(
            self.world.rng.expovariate(scenario.REBOOT_PER_DAY / 86_400), self.reboot, phone
        )

    def look(self) -> None:
        """Read the lead phone's screen: new assignments, and whether the current one stands."""
        for record in self.lead.client.records("assignments").values():
            if str(record.get("unit_id")) != self.unit_id:
                continue
            if record.get("status") in OPEN and str(record["id"]) not in self.handled:
                self.seen(str(record["id"]), via="app")
        # The desk's messages to the crew (the app rings with each): the officer reads it and
        # the phone sends its read receipt, offline too (protocol §4 ``read``).
        for event in self.lead.client.records("events").values():
            message_id = str(event.get("id"))
            if (
                event.get("kind") == "note"
                and event.get("source") == "desk"
                and str(event.get("assignment_id")) in self.handled
                and message_id not in self.messages_read
            ):
                self.messages_read.add(message_id)
                self.engine.after(
                    scenario.message_read_s(self.world.rng),
                    self._read,
                    str(event["assignment_id"]),
                    message_id,
                )

    def _read(self, assignment_id: str, message_id: str) -> None:
        self.lead.record("read", assignment_id, {"event_id": message_id})
        self.world.stats.messages_read += 1
        self.sync_soon()

    # -- an assignment --

    def seen(self, assignment_id: str, *, via: str) -> None:
        if assignment_id in self.handled:
            return
        if assignment_id not in self.world.assignments and not self.world.adopt(
            self.lead, assignment_id
        ):
            return
        self.handled.add(assignment_id)
        done = self.lead_recorded(assignment_id)
        if "cleared" in done:
            return  # worked to the end before (an earlier run of this phone)
        if via == "app" and "delivered" not in done:
            self.lead.record("delivered", assignment_id)
            self.world.port.delivered(self.lead, assignment_id)
            self.sync_soon()
        if self.current is not None:
            # the phone shows the call the crew is on stood down (diverted here): it leaves it
            self._stood_down(self.current)
        if self.current is not None:
            self.queue.append((assignment_id, via))
            return
        self._start(assignment_id, via)

    def lead_recorded(self, assignment_id: str) -> set[str]:
        """Kinds the lead phone already recorded for the assignment: its own events in the
        local store, confirmed or still in the outbox (the app shows them; the officer does
        not press "acknowledge" twice after the app restarts)."""
        own = self.lead.client.device_id
        return {
            str(e.get("kind"))
            for e in self.lead.client.records("events").values()
            if str(e.get("assignment_id")) == assignment_id and e.get("device_id") in (None, own)
        }

    def _start(self, assignment_id: str, via: str) -> None:
        self.current = assignment_id
        info = self.world.assignments[assignment_id]
        rng = self.world.rng
        done = self.lead_recorded(assignment_id)
        # Resume where the phone says the crew was.
        if "on_scene" in done:
            incident = info.incident
            self.lat, self.lon = incident.lat, incident.lon
            self.engine.after(
                scenario.on_scene_s(rng, incident.priority) / 2, self._clear, assignment_id
            )
            return
        if "en_route" in done:
            self.engine.after(60.0, self._travel, assignment_id)
            return
        if "ack" in done:
            self.engine.after(
                scenario.turnout_s(rng, info.incident.priority), self._depart, assignment_id
            )
            return
        slow = self.slow and rng.random() < scenario.SLOW_ASSIGNMENT_SHARE
        delay = scenario.ack_delay_s(
            rng, priority=info.incident.priority, ack_within_s=info.ack_within_s, slow=slow
        )
        if slow:
            # Measured against the server's deadline, so not compressed by the time scale.
            self.engine.after_server(delay, self._ack, assignment_id, via)
        else:
            self.engine.after(delay, self._ack, assignment_id, via)

    def _stood_down(self, assignment_id: str) -> bool:
        """True when the phone shows the assignment cancelled or given to another unit; the
        crew stops and goes home. Offline, the crew does not know and carries on."""
        record = self.lead.client.record("assignments", assignment_id)
        if record is not None and record.get("status") in lifecycle.ASSIGNMENT_ENDED_BY_COMMAND:
            self._done(assignment_id)
            return True
        return False

    def _ack(self, assignment_id: str, via: str) -> None:
        if self.current != assignment_id or self._stood_down(assignment_id):
            return
        if via == "sms" and not self.data:
            code = self.world.sms_codes.get(assignment_id)
            if code is not None:
                self.world.api.sms_reply(
                    phone=self.lead.number, text=f"ACK {code}", received_at=self.world.engine.now()
                )
                self.world.stats.sms_in += 1
        else:
            self.lead.record("ack", assignment_id)
            self.sync_soon()
        info = self.world.assignments[assignment_id]
        self.engine.after(
            scenario.turnout_s(self.world.rng, info.incident.priority), self._depart, assignment_id
        )

    def _depart(self, assignment_id: str) -> None:
        if self.current != assignment_id or self._stood_down(assignment_id):
            return
        self.lead.record("en_route", assignment_id, at=(self.lat, self.lon))
        self.sync_soon()
        self._travel(assignment_id)

    def _travel(self, assignment_id: str) -> None:
        if self.current != assignment_id:
            return
        incident = self.world.assignments[assignment_id].incident
        km = travel.road_km(self.lat, self.lon, incident.lat, incident.lon)
        seconds = max(
            60.0, travel.travel_seconds(km, zone=incident.place.zone, mobility=self.mobility)
        )
        start = (self.lat, self.lon)
        for step in (1, 2, 3):
            if seconds > 15 * MIN_S:
                self.engine.after(seconds * step / 4, self._move, assignment_id, start, step / 4)
        self.engine.after(seconds, self._arrive, assignment_id)

    def _move(self, assignment_id: str, start: tuple[float, float], fraction: float) -> None:
        if self.current != assignment_id:
            return
        incident = self.world.assignments[assignment_id].incident
        self.lat = start[0] + (incident.lat - start[0]) * fraction
        self.lon = start[1] + (incident.lon - start[1]) * fraction
        # Recorded on the way; it travels with the next push (arrival, or a poke).
        self.lead.record("location", at=(self.lat, self.lon))

    def _arrive(self, assignment_id: str) -> None:
        if self.current != assignment_id or self._stood_down(assignment_id):
            return
        incident = self.world.assignments[assignment_id].incident
        self.lat, self.lon = incident.lat, incident.lon
        self.enter(incident.place)
        self.lead.record("on_scene", assignment_id, at=(self.lat, self.lon))
        self.sync_soon()
        if not incident.arrived:
            incident.arrived = True
            waited = (self.engine.now() - incident.received_at).total_seconds()
            self.world.stats.response_s.append(waited)
        on_scene_s = scenario.on_scene_s(self.world.rng, incident.priority)
        self.engine.after(on_scene_s, self._clear, assignment_id)
        # A long scene with no word: the board puts the crew before the desk after the call's
        # interval (server time), and the duty officer raises it by radio a little later.
        check_after_s = policies.safety_check_within_s(incident.priority)
        if on_scene_s / self.engine.scale > check_after_s:
            self.world.duty.watch_scene(check_after_s, scene_s=on_scene_s / self.engine.scale)

    def _clear(self, assignment_id: str) -> None:
        if self.current != assignment_id:
            return
        rng = self.world.rng
        incident = self.world.assignments[assignment_id].incident
        outcome = rng.choice(scenario.OUTCOMES.get(incident.category, ("resolved_on_scene",)))
        article = scenario.coao_article(incident.category, outcome, incident_id=incident.id)
        payload = {"code": outcome, "text": ""}
        if article:
            payload["coao_article"] = article
        note = rng.choice(scenario.NOTES)
        incident.outcome, incident.article = outcome, article
        radio = self.world.radio_reports
        if radio.random() < scenario.RADIO_FIRST_SHARE:
            # Reported by radio first: the desk closes on the report, the crew stays on scene
            # for the paperwork and taps the outcome and "cleared" when it is done.
            self.world.duty.cleared(incident, on_radio=True)
            self.engine.after(
                radio.uniform(*scenario.PAPERWORK_S), self._tap_clear, assignment_id, payload, note
            )
            return
        self._tap_clear(assignment_id, payload, note, free=False)
        self.world.duty.cleared(incident)
        self._done(assignment_id)

    def _tap_clear(
        self, assignment_id: str, payload: dict[str, Any], note: str, *, free: bool = True
    ) -> None:
        """The officer taps the outcome, a note and "cleared" on the lead phone (and, with
        ``free``, the crew leaves the scene)."""
        if self.current != assignment_id:
            return
        self.lead.record("outcome", assignment_id, payload)
        self.lead.record("note", assignment_id, {"text": note})
        self.lead.record("cleared", assignment_id, at=(self.lat, self.lon))
        self.sync_soon()
        if free:
            self._done(assignment_id)

    def _done(self, assignment_id: str) -> None:
        if self.current != assignment_id:
            return
        self.current = None
        km = travel.road_km(self.lat, self.lon, self.home.lat, self.home.lon)
        back_s = travel.travel_seconds(km, zone=self.home.zone, mobility=self.mobility)
        self.engine.after(max(60.0, back_s), self._home_again)
        if self.queue:
            self._start(*self.queue.pop(0))

    def _home_again(self) -> None:
        if self.current is None:
            self.lat, self.lon = self.home.lat, self.home.lon
            self.enter(self.home)

    def visit_made(self, follow_up_id: str, note: str) -> None:
        """The inspector made a DV follow-up visit: the lead phone records it (offline as
        readily as online) and sends it with its next sync."""
        self.lead.record("follow_up_visit", None, {"follow_up_id": follow_up_id, "text": note})
        self.sync_soon()

    def sms(self, body: str) -> None:
        """An SMS from Kuzet reached a phone of this crew."""
        code = _reply_code(body)
        if code is None or not self.sms_only:
            return  # the app has it already, or it is not an assignment
        if body.startswith(_message_heads()):
            # The desk's message, read on a push-button phone: the officer answers it with
            # the call's code, which the desk reads as his read receipt.
            self.engine.after(scenario.message_read_s(self.world.rng), self._read_by_sms, code)
            return
        waiting = [
            a
            for a, info in self.world.assignments.items()
            if info.unit_id == self.unit_id and a not in self.handled
        ]
        if waiting:
            newest = waiting[-1]
            self.world.sms_codes[newest] = code
            self.seen(newest, via="sms")

    def _read_by_sms(self, code: str) -> None:
        self.world.api.sms_reply(
            phone=self.lead.number, text=f"OK {code}", received_at=self.world.engine.now()
        )
        self.world.stats.sms_in += 1
        self.world.stats.messages_read += 1


def _best_eta(units: list[dict[str, Any]]) -> float | None:
    """The best travel estimate among ``units`` (reachable, ranked by the server); infinite
    when none of them has one, None when there are none."""
    if not units:
        return None
    etas = [u["eta_s"] for u in units if u.get("eta_s") is not None]
    return min(etas) if etas else float("inf")


@functools.cache
def _message_heads() -> tuple[str, ...]:
    """How the desk's message SMS begins, in every language (not a call to take)."""
    return tuple(sms_texts.message_heads())


def _reply_code(body: str) -> str | None:
    marker = "ACK "
    at = body.rfind(marker)
    code = body[at + len(marker) : at + len(marker) + 4] if at >= 0 else ""
    return code if code.isdigit() and len(code) == 4 else None


# --- the duty room ---------------------------------------------------------------------------

DISPATCH_RETRY_S = 5 * MIN_S
DISPATCH_TRIES = 24
# The urgent calls: a crew diverted to them, a far unit held back from them (``Duty.dispatch``).
URGENT = ("P0", "P1")
# A crew on a less urgent call is diverted when it would be there this much sooner than the
# best reachable free unit (or when none is free and reachable).
DIVERT_SOONER_S = 30 * MIN_S
# A free unit further than this from an urgent call (a mounted inspector 20 km off, a car
# across a 200 km district) is held back while a nearer crew may free up ...
FAR_ETA_S = 2 * 3600
# ... for this many tries (an hour): then it is sent all the same.
FAR_HOLD_TRIES = 12


class Duty:
    """The ЦОУ duty officers: read the call, send the recommended unit, watch the ladder,
    close the call when the unit has cleared."""

    def __init__(self, world: World) -> None:
        self.world = world
        # The visits draw from their own generator, seeded from the world's without taking a
        # number from it: the calls, phones and crews of a seed stay what they were.
        self.visits = random.Random(world.rng.getstate()[1][0])
        # ... and so do the radio calls to crews silent on scene, and the call-backs to callers.
        self.radio = random.Random(world.rng.getstate()[1][1])
        self.callbacks = random.Random(world.rng.getstate()[1][2])
        # ... and whether a unit across the district border is sent.
        self.borders = random.Random(world.rng.getstate()[1][3])

    @property
    def api(self) -> Api:
        return self.world.api

    def received(self, incident: IncidentInfo, status: str) -> None:
        rng = self.world.rng
        if status == "duplicate":
            return  # the system linked it to the first report; nothing to send
        if incident.category == "domestic_violence":
            after_days = self.visits.uniform(*scenario.FOLLOW_UP_VISIT_DAYS)
            self.world.engine.after(after_days * 86_400, self._follow_up, incident)
        change = scenario.callback_change(self.callbacks, incident.category, incident.priority)
        if change is not None:
            # the desk rings the caller back: it is other than the first report said
            self.world.engine.after(
                self.callbacks.uniform(*scenario.CALLBACK_S), self._reclassify, incident, change
            )
        delay = scenario.dispatch_delay_s(rng, incident.priority)
        if (
            incident.priority == "P3"
            and incident.channel in scenario.APP_CHANNELS
            and rng.random() < scenario.P3_CLOSED_WITHOUT_UNIT
        ):
            self.world.engine.after(delay, self._close, incident, "referred", "Передано в акимат")
            return
        self.world.engine.after(delay, self.dispatch, incident, 0)

    def dispatch(self, incident: IncidentInfo, tries: int) -> None:
        """Send a unit to the call, as a ЦОУ duty officer would, from the server's
        recommendations (``eta_s``: estimated travel seconds), tried again every
        ``DISPATCH_RETRY_S`` (5 min) up to ``DISPATCH_TRIES`` (24: two hours), in this order:

        - a P0 or P1 call takes a crew off a less urgent call it has not reached (``divertible``)
          when no free unit can be reached, or the best reachable one would arrive at least
          ``DIVERT_SOONER_S`` (30 min) later than that crew;
        - the next district's crew the server offers (``_across_border``);
        - the best reachable free unit, unless the call is a P0 or P1 and it is more than
          ``FAR_ETA_S`` (2 h) away;
        - else the nearest unit shown ``unreachable`` (no contact for a while: its SMS ladder
          then works on it), not one more than 2 h away from a P0 or P1;
        - else a unit more than 2 h away from a P0 or P1, once it was held back for
          ``FAR_HOLD_TRIES`` tries (1 h) while a nearer crew might free up.

        Before, an unreachable unit went before a divert and a 17 h ride went at once.
        A DV call gets, half the time, a DV inspector among the reachable units as well."""
        if incident.closed:
            return
        answer = self.api.recommendations(incident.id) or {}
        units = [u for u in answer.get("units", []) if str(u["unit_id"]) in self.world.crews]
        reachable = [u for u in units if u["presence"] != "unreachable"]
        urgent = incident.priority in URGENT
        if urgent and self._divert(
            incident, answer.get("divertible", []), sooner_than=_best_eta(reachable)
        ):
            return
        if self._across_border(incident, answer.get("across_border", []), reachable):
            return

        def near(u: dict[str, Any]) -> bool:
            return not urgent or (u.get("eta_s") or 0) <= FAR_ETA_S

        silent = sorted(
            (u for u in units if u["presence"] == "unreachable" and near(u)),
            key=lambda u: (u.get("eta_s") is None, u.get("eta_s") or 0),
        )
        best = next((u for u in reachable if near(u)), None) or next(iter(silent), None)
        if best is None and units and tries + 1 >= min(FAR_HOLD_TRIES, DISPATCH_TRIES):
            best = (reachable or units)[0]  # far, held back long enough
        if best is None:
            if tries + 1 < DISPATCH_TRIES:
                self.world.engine.after(DISPATCH_RETRY_S, self.dispatch, incident, tries + 1)
            else:
                self._close(incident, "no_offence", "Нет свободных нарядов, передано участковому")
            return
        self._send(incident, best["unit_id"])
        if incident.category == "domestic_violence" and self.world.rng.random() < 0.5:
            dv = [u for u in reachable if u is not best and u["type"] == "dv_inspector"]
            if dv:
                self._send(incident, dv[0]["unit_id"])

    def _across_border(
        self,
        incident: IncidentInfo,
        across: list[dict[str, Any]],
        reachable: list[dict[str, Any]],
    ) -> bool:
        """Send the nearest crew of ours of another district the server offers for this call
        (it would be there much sooner, or the call's own district has none free)."""
        offered = [
            u
            for u in across
            if str(u["unit_id"]) in self.world.crews
            and u["may_dispatch"]
            and u["presence"] != "unreachable"
        ]
        if not offered or (reachable and self.borders.random() >= scenario.ACROSS_BORDER_TAKEN):
            return False
        if not self._send(incident, offered[0]["unit_id"]):
            return False
        self.world.stats.across_border += 1
        return True

    def _divert(
        self,
        incident: IncidentInfo,
        divertible: list[dict[str, Any]],
        *,
        sooner_than: float | None,
    ) -> bool:
        """Send the nearest crew of ours on less urgent calls none of which it has reached,
        when it would be there at least ``DIVERT_SOONER_S`` sooner than ``sooner_than`` (the
        best reachable free unit's travel estimate; None: there is none); the calls it leaves
        go back to the queue and are sent another unit."""
        for unit in divertible:
            if str(unit["unit_id"]) not in self.world.crews or unit["presence"] == "unreachable":
                continue
            if any(a["status"] in lifecycle.ASSIGNMENT_REACHED_SCENE for a in unit["leaving"]):
                continue
            eta = unit.get("eta_s")
            if sooner_than is not None and (eta is None or eta + DIVERT_SOONER_S > sooner_than):
                return False  # ranked by travel time: the next ones are no nearer
            answer = self.api.dispatch(incident.id, int(unit["unit_id"]), divert=True)
            if answer is None:
                continue
            self.world.stats.diverts += 1
            self.world.port.changed(str(unit["unit_id"]))
            self._dispatched(incident, answer)
            for left in unit["leaving"]:
                other = self.world.incidents.get(int(left["incident_id"]))
                if other is not None:
                    self.world.engine.after(DISPATCH_RETRY_S, self.dispatch, other, 0)
            return True
        return False

    def _reclassify(self, incident: IncidentInfo, change: scenario.Callback) -> None:
        if incident.closed:
            return
        body = {
            k: v for k, v in (("category", change.category), ("priority", change.priority)) if v
        }
        answer = self.api.reclassify(incident.id, reason=change.reason, **body)
        if answer is None:
            return
        self.world.stats.reclassified += 1
        # ...and tells the crews already on it what the caller said
        detail = self.api.incident(incident.id) or {}
        for a in detail.get("assignments", []):
            if a["status"] in lifecycle.ASSIGNMENT_OPEN and self.api.message(
                int(a["id"]), change.reason
            ):
                self.world.stats.messages += 1
        became_dv = (
            answer["category"] == "domestic_violence" and incident.category != answer["category"]
        )
        incident.category, incident.priority = answer["category"], answer["priority"]
        if became_dv:
            after_days = self.visits.uniform(*scenario.FOLLOW_UP_VISIT_DAYS)
            self.world.engine.after(after_days * 86_400, self._follow_up, incident)

    def _send(self, incident: IncidentInfo, unit_id: Any) -> bool:
        answer = self.api.dispatch(incident.id, int(unit_id))
        if answer is not None:
            self._dispatched(incident, answer)
        return answer is not None

    def _dispatched(self, incident: IncidentInfo, answer: dict[str, Any]) -> None:
        world = self.world
        dispatched = _parse_time(answer["dispatched_at"])
        ack_within = (_parse_time(answer["ack_due_at"]) - dispatched).total_seconds()
        info = AssignmentInfo(
            id=str(answer["id"]),
            incident=incident,
            unit_id=str(answer["unit_id"]),
            dispatched_at=dispatched,
            ack_within_s=ack_within,
        )
        world.assignments[info.id] = info
        incident.assignments.append(info.id)
        world.stats.dispatches += 1
        world.port.dispatched(answer)
        # The ladder's third rung fires at twice the deadline; the duty officer looks then.
        world.engine.after_server(2 * ack_within + 20, self._watch_ack, incident, info.id)
        if answer.get("arrive_due_at"):
            self.watch_arrival(incident, info.id, due=_parse_time(answer["arrive_due_at"]))
        if world.rng.random() < scenario.CANCEL_SHARE:
            world.engine.after(
                world.rng.uniform(3, 15) * MIN_S, self._stand_down, incident, info.id
            )

    def _assignment(self, incident: IncidentInfo, assignment_id: str) -> dict[str, Any] | None:
        detail = self.api.incident(incident.id)
        if detail is None:
            return None
        for a in detail["assignments"]:
            if str(a["id"]) == assignment_id:
                return dict(a)
        return None

    def _watch_ack(self, incident: IncidentInfo, assignment_id: str) -> None:
        if incident.closed:
            return
        a = self._assignment(incident, assignment_id)
        if a is None or a["status"] not in UNACKNOWLEDGED:
            return
        roll = self.world.rng.random()
        if roll < 0.5:
            # Raised the crew on the radio: acknowledged on the officer's behalf.
            if self.api.acknowledge(int(assignment_id), "radio", "Ответил по рации") is not None:
                self.world.stats.on_behalf += 1
        elif roll < 0.8:
            self._send_another(incident, assignment_id)

    def watch_arrival(
        self, incident: IncidentInfo, assignment_id: str, *, due: dt.datetime
    ) -> None:
        """Look at the assignment a little after its arrival deadline (at once if past)."""
        wait = max(0.0, (due - self.world.engine.now()).total_seconds())
        self.world.engine.after_server(
            wait + scenario.ARRIVAL_GRACE_S, self._watch_arrival, incident, assignment_id
        )

    def _watch_arrival(self, incident: IncidentInfo, assignment_id: str) -> None:
        """Past the arrival deadline, no arrival on the server and the crew cannot be heard
        (no data link: a white spot): a call must not wait on a silence, so the duty officer
        often hands it to a unit that can be reached. If the silent crew was there all
        along, its phone brings the arrival when back in coverage — a conflict for the chief."""
        if incident.closed:
            return
        crew = self.world.crews.get(self.world.assignments[assignment_id].unit_id)
        if crew is None or crew.data:
            return  # heard from: late, not lost
        if self.world.rng.random() >= scenario.SILENT_LATE_REASSIGN_SHARE:
            return
        a = self._assignment(incident, assignment_id)
        if a is None or a["status"] not in OPEN - lifecycle.ASSIGNMENT_REACHED_SCENE:
            return
        self._send_another(incident, assignment_id)

    def _send_another(self, incident: IncidentInfo, assignment_id: str) -> None:
        """Reassign to the first recommended unit, other than this one, that can be reached."""
        answer = self.api.recommendations(incident.id)
        current = self.world.assignments[assignment_id].unit_id
        others = [
            u
            for u in (answer or {}).get("units", [])
            if str(u["unit_id"]) in self.world.crews
            and str(u["unit_id"]) != current
            and u["presence"] != "unreachable"
        ]
        if others:
            new = self.api.reassign(int(assignment_id), int(others[0]["unit_id"]))
            if new is not None:
                self.world.stats.reassigns += 1
                self.world.port.changed(self.world.assignments[assignment_id].unit_id)
                self._dispatched(incident, new)

    def _stand_down(self, incident: IncidentInfo, assignment_id: str) -> None:
        """The caller rang back: no help needed. A crew out of coverage does not hear it."""
        if incident.closed or incident.arrived:
            return
        a = self._assignment(incident, assignment_id)
        if a is None or a["status"] not in OPEN - lifecycle.ASSIGNMENT_REACHED_SCENE:
            return
        if self.api.cancel(int(assignment_id), "Заявитель перезвонил: помощь не нужна") is not None:
            self.world.stats.cancels += 1
            self.world.port.changed(self.world.assignments[assignment_id].unit_id)
            self.world.engine.after(
                self.world.rng.uniform(2, 10) * MIN_S,
                self._close,
                incident,
                "false_call",
                "Отменено: заявитель сообщил, что помощь не нужна",
            )

    def watch_scene(self, check_after_s: float, *, scene_s: float) -> None:
        """A crew will be on scene (``scene_s``, server time) past its check interval: look at
        the board's checks a little after each interval while it is there (a crew out of
        coverage is heard late, and its check comes later)."""
        due_s = check_after_s
        while due_s < scene_s:
            answer_s = self.radio.uniform(*scenario.SAFETY_CHECK_ANSWER_S)
            self.world.engine.after_server(due_s + answer_s, self.safety_checks)
            due_s += check_after_s

    def safety_checks(self) -> None:
        """Raise by radio every crew the board says is silent on scene: they are fine."""
        for check in self.api.safety_checks():
            if self.api.safety_ok(int(check["id"])) is not None:
                self.world.stats.safety_checks += 1

    def cleared(self, incident: IncidentInfo, *, on_radio: bool = False) -> None:
        """The crew said it is done: on its phone, or by radio (``on_radio``: the desk closes
        on the report, not waiting for the board to show the crew cleared)."""
        self.world.engine.after(
            self.world.rng.uniform(2, 10) * MIN_S, self._review, incident, 0, on_radio
        )

    def _review(self, incident: IncidentInfo, tries: int, on_radio: bool = False) -> None:
        if incident.closed:
            return
        detail = self.api.incident(incident.id)
        if detail is None:
            return
        if detail["status"] in lifecycle.INCIDENT_ENDED:
            incident.closed = True
            return
        waiting = any(a["status"] in OPEN for a in detail["assignments"])
        if waiting and not on_radio and tries < 12:
            self.world.engine.after(30 * MIN_S, self._review, incident, tries + 1)
            return
        outcome = incident.outcome or "resolved_on_scene"
        self._close(incident, outcome, "Отработано нарядом", incident.article)

    def _follow_up(self, incident: IncidentInfo) -> None:
        """The inspector makes each visit owed: recorded on his phone, which sends it when
        it has data; a visit owed by a unit with no phone here is reported to the desk,
        which records it."""
        detail = self.api.incident(incident.id)
        for visit in (detail or {}).get("follow_ups", []):
            if visit["done_at"] is not None:
                continue
            note = self.visits.choice(scenario.FOLLOW_UP_NOTES)
            crew = self.world.crews.get(str(visit.get("unit_id")))
            if crew is not None:
                crew.visit_made(str(visit["id"]), note)
                self.world.stats.follow_ups += 1
            elif self.api.follow_up_done(int(visit["id"]), note) is not None:
                self.world.stats.follow_ups += 1

    def adopt_from_board(self, *, username: str, password: str) -> int:
        """Take over what an earlier shift left on the board: calls nobody was sent to yet
        are dispatched, cleared calls are closed. (Calls with a unit on them come back
        through that unit's phones.) Returns how many were taken over."""
        taken = 0
        for row in self.api.board_incidents(username=username, password=password):
            status = str(row.get("status"))
            if int(row["id"]) in self.world.incidents:
                continue
            if status not in lifecycle.INCIDENT_WAITING and status != "cleared":
                continue
            incident = self.world.incident_from_detail(self.api.incident(int(row["id"])))
            if incident is None:
                continue
            taken += 1
            if status == "cleared":
                self.cleared(incident)
            else:
                self.received(incident, status)
        return taken

    def _close(
        self, incident: IncidentInfo, outcome: str, disposition: str, article: str = ""
    ) -> None:
        if incident.closed:
            return
        closed = self.api.close(
            incident.id, disposition=disposition, outcome_code=outcome, coao_article=article
        )
        if closed is not None:
            self.world.stats.closes += 1
        incident.closed = True


# --- the world --------------------------------------------------------------------------------


class World:
    def __init__(
        self,
        *,
        engine: Engine,
        port: Port,
        api: Api,
        rng: random.Random,
        places: Iterable[Place],
        stats: Stats,
        idle_sync_s: float,
        run_id: str,
        rates: dict[str, float] | None = None,
        hourly_floor: float = 0.0,
    ) -> None:
        self.engine = engine
        self.hourly_floor = hourly_floor
        self.port = port
        self.api = api
        self.rng = rng
        self.stats = stats
        self.idle_sync_s = idle_sync_s
        self.run_id = run_id
        self.rates = dict(scenario.DAILY_CALLS if rates is None else rates)
        self.places = {p.id: p for p in places}
        self.crews: dict[str, Crew] = {}
        self.by_phone: dict[str, Crew] = {}
        self.assignments: dict[str, AssignmentInfo] = {}
        self.incidents: dict[int, IncidentInfo] = {}
        self.sms_codes: dict[str, str] = {}
        self.duty = Duty(self)
        # Whether a crew reports the end of a call by radio first, and how long its paperwork
        # takes: a generator of its own, seeded from the world's without taking a number from
        # it (Duty's convention), so the calls, phones and crews of a seed stay what they were.
        self.radio_reports = random.Random(rng.getstate()[1][4])
        self.duty_username = ""
        # The staffed districts' chiefs, by district id: their API tokens (build_world).
        self.chief_tokens: dict[str, str] = {}
        self.calling = True
        self._serial = 0

    def add_crew(self, crew: Crew) -> None:
        self.crews[crew.unit_id] = crew
        for phone in crew.phones:
            self.by_phone[phone.number] = crew

    def districts(self) -> dict[str, list[Place]]:
        """Places of the districts that have crews, by district id, in the order of their
        places' KATO codes (ids depend on the database's sequences, not on the world)."""
        staffed = {c.district_id for c in self.crews.values()}
        out: dict[str, list[Place]] = {}
        for place in self.places.values():
            if place.district_id in staffed:
                out.setdefault(place.district_id, []).append(place)
        return out

    def start(self) -> None:
        rng = self.rng
        districts = self.districts()
        for district_id, places in districts.items():
            per_day = self.rates.get(places[0].kato[:4] + "00000", 0.0)
            if per_day > 0:
                # A first call at once, so that a fresh demo shows one within a minute.
                self.engine.after(rng.uniform(0, 60), self._call, district_id, per_day)
        for district_id in [d for d in districts if d in self.chief_tokens]:
            self.engine.after(
                rng.uniform(*scenario.CHIEF_REVIEW_EVERY_S), self._chief_reviews, district_id
            )
        for crew in self.crews.values():
            crew.enter(crew.place)
            self.engine.after(rng.uniform(0, self.idle_sync_s), crew.heartbeat)
            for phone in crew.phones:
                if rng.random() < scenario.WRONG_CLOCK_SHARE:
                    phone.clock.wall_offset_ms = scenario.wrong_clock_offset_ms(rng)
                self.engine.after(
                    rng.expovariate(scenario.REBOOT_PER_DAY / 86_400), crew.reboot, phone
                )

    def _chief_reviews(self, district_id: str) -> None:
        """The district chief goes through his open conflicts and decides each (the same
        service as the console's form, through the staff API), then looks again hours later."""
        self.engine.after(
            self.rng.uniform(*scenario.CHIEF_REVIEW_EVERY_S), self._chief_reviews, district_id
        )
        token = self.chief_tokens[district_id]
        for conflict in self.api.open_conflicts(token):
            resolution, note = scenario.CHIEF_DECISIONS.get(
                str(conflict["kind"]), ("noted", "Принято к сведению")
            )
            if self.api.conflict_resolve(token, int(conflict["id"]), resolution, note) is not None:
                self.stats.conflicts_resolved += 1

    def _next_call(self, district_id: str, per_day: float) -> None:
        local_hour = (self.engine.now().hour + scenario.LOCAL_UTC_OFFSET_H) % 24
        wait = scenario.next_call_in_s(
            self.rng, per_day=per_day, local_hour=local_hour, floor=self.hourly_floor
        )
        # Re-draw at least hourly, so the rate follows the hour of the day.
        if wait > 3600:
            self.engine.after(3600, self._next_call, district_id, per_day)
        else:
            self.engine.after(wait, self._call, district_id, per_day)

    def _call(self, district_id: str, per_day: float) -> None:
        self._next_call(district_id, per_day)
        if not self.calling:
            return
        rng = self.rng
        places = self.districts()[district_id]
        seat = min(places, key=lambda p: ({"urban": 0, "suburban": 1}.get(p.zone, 2), p.kato))
        place = seat if rng.random() < 0.5 else rng.choice(places)
        report = scenario.report(rng)
        self.report(report, place)

    def report(
        self, report: scenario.Report, place: Place, duplicate_of: IncidentInfo | None = None
    ) -> IncidentInfo | None:
        rng = self.rng
        now = self.engine.now()
        # The ring (or the app's submit) came a little before the report reached Kuzet.
        received = now - dt.timedelta(seconds=rng.uniform(5, 60) / self.engine.scale)
        if duplicate_of is not None:
            lat, lon = (
                duplicate_of.lat + rng.uniform(-0.001, 0.001),
                duplicate_of.lon + rng.uniform(-0.001, 0.001),
            )
        else:
            lat, lon = place.lat + rng.uniform(-0.01, 0.01), place.lon + rng.uniform(-0.01, 0.01)
        body: dict[str, Any] = {
            "received_at": received.isoformat(),
            "category": report.category,
            "summary": report.summary,
            "settlement_kato": place.kato,
            "caller": {"name": "", "phone": f"+7701{rng.randint(1_000_000, 9_999_999)}"},
        }
        if report.caller_gps or duplicate_of is not None:
            body["lat"], body["lon"] = round(lat, 5), round(lon, 5)
        if report.category == "domestic_violence":
            address, phone = scenario.dv_household(rng, kato=place.kato, zone=place.zone)
            body["landmark"] = address
            body["caller"] = {"name": "", "phone": phone}
        self._serial += 1
        self.stats.calls[report.channel] += 1
        if report.channel in scenario.STAFF_ENTERED:
            answer = self.api.incident_create({**body, "channel": report.channel})
            self.stats.staff_reports += 1 if answer is not None else 0
            status = answer["status"] if answer else ""
        else:
            ref = f"SIM-{self.run_id}-{self._serial:06d}"
            answer = self.api.intake(report.channel, {**body, "external_ref": ref})
            if answer is not None:
                self.stats.reports[f"{report.channel}:{ref}"] = str(answer["id"])
            status = answer["status"] if answer else ""
        if answer is None:
            return None
        incident = IncidentInfo(
            id=int(answer["id"]),
            number=str(answer["number"]),
            channel=report.channel,
            category=report.category,
            priority=str(answer["priority"]),
            district_id=place.district_id,
            place=place,
            lat=lat,
            lon=lon,
            received_at=received,
        )
        self.incidents[incident.id] = incident
        self.duty.received(incident, status)
        if duplicate_of is None and rng.random() < scenario.DUPLICATE_SHARE:
            second = scenario.Report(
                rng.choice(["phone_102", "app_102"]), report.category, report.summary, True
            )
            self.engine.after(rng.uniform(2, 10) * MIN_S, self.report, second, place, incident)
        return incident

    def adopt(self, phone: Phone, assignment_id: str) -> bool:
        """An assignment this run did not make (an earlier run's, or the history's) is on a
        phone: the officer reads the call from the screen and works it."""
        a = phone.client.record("assignments", assignment_id)
        incident_record = (
            None if a is None else phone.client.record("incidents", str(a["incident_id"]))
        )
        if a is None or incident_record is None:
            return False
        place = self.places.get(str(incident_record.get("settlement_id")))
        if place is None:
            return False
        incident_id = int(incident_record["id"])
        incident = self.incidents.get(incident_id)
        if incident is None:
            incident = IncidentInfo(
                id=incident_id,
                number=str(incident_record["number"]),
                channel=str(incident_record["channel"]),
                category=str(incident_record["category"]),
                priority=str(incident_record["priority"]),
                district_id=place.district_id,
                place=place,
                lat=float(incident_record.get("lat") or place.lat),
                lon=float(incident_record.get("lon") or place.lon),
                received_at=clock_from_ms(int(incident_record["received_at"])),
            )
            self.incidents[incident_id] = incident
        dispatched = clock_from_ms(int(a["dispatched_at"]))
        ack_due = a.get("ack_due_at")
        ack_within = 120.0 if ack_due is None else (int(ack_due) - int(a["dispatched_at"])) / 1000
        self.assignments[assignment_id] = AssignmentInfo(
            id=assignment_id,
            incident=incident,
            unit_id=str(a["unit_id"]),
            dispatched_at=dispatched,
            ack_within_s=ack_within,
        )
        incident.assignments.append(assignment_id)
        # The duty officer of this shift watches an inherited assignment's arrival as their own.
        if a.get("arrive_due_at") is not None:
            self.duty.watch_arrival(
                incident, assignment_id, due=clock_from_ms(int(a["arrive_due_at"]))
            )
        return True

    def incident_from_detail(self, detail: dict[str, Any] | None) -> IncidentInfo | None:
        """An incident as the staff API's detail shows it."""
        if detail is None:
            return None
        place = next(
            (p for p in self.places.values() if p.kato == detail.get("settlement_kato")), None
        )
        if place is None:
            return None
        incident = IncidentInfo(
            id=int(detail["id"]),
            number=str(detail["number"]),
            channel=str(detail["channel"]),
            category=str(detail["category"]),
            priority=str(detail["priority"]),
            district_id=place.district_id,
            place=place,
            lat=float(detail.get("lat") or place.lat),
            lon=float(detail.get("lon") or place.lon),
            received_at=_parse_time(str(detail["received_at"])),
        )
        self.incidents[incident.id] = incident
        return incident

    def sms(self, phone: str, body: str) -> None:
        crew = self.by_phone.get(phone)
        if crew is not None:
            crew.sms(body)

    # -- the end --

    def offline_phones(self) -> int:
        return sum(1 for c in self.crews.values() for p in c.phones if not p.online)

    def open_assignments(self) -> int:
        return sum(1 for c in self.crews.values() if c.current is not None)

    def end_of_shift(self) -> None:
        """Every crew drives back into coverage and syncs until its outbox is empty."""
        self.calling = False
        for crew in self.crews.values():
            crew._coverage_gen += 1
            crew.set_data(True)
            for phone in crew.phones:
                for _ in range(3):
                    phone.sync()
                    if not phone.client.outbox():
                        break
