"""The live board: what a duty officer or chief sees first, and then keeps up to date.

The page renders a snapshot of the scope (open incidents, their open assignments, units,
the kept alerts) and subscribes to ``/ws/board/v1/``. Frames are at most once, so after
every (re)connect the page fetches the snapshot again from ``state/``: the database is the
source of truth. Incidents come most urgent first (:func:`urgency_key`); the names of codes
are rendered into the page in the reader's language (:func:`board_labels`); the district
map is an SVG drawn here from Kuzet's own settlements (:func:`board_map`), so it needs no
network and no map library.
"""

from __future__ import annotations

import math
from typing import Any

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.formats import get_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from backend.common import clock
from backend.common.formatting import span_exact_text, span_text
from backend.dispatch.access import can_dispatch
from backend.dispatch.ladder import FIRED_LABELS, STEPS, WAITING_OVERDUE
from backend.dispatch.lifecycle import (
    ASSIGNMENT_OPEN,
    INCIDENT_ENDED,
    INCIDENT_WAITING,
    AssignmentStatus,
    EventKind,
    IncidentStatus,
)
from backend.dispatch.models import Assignment, Category, Channel, Incident, Priority
from backend.dispatch.places import compass_words
from backend.dispatch.services import SAFETY_CHECK, SAFETY_CHECK_LABEL
from backend.dispatch.services.assignments import ACK_CHANNELS
from backend.geo.models import Coverage, Settlement, in_reader_language
from backend.ops.heartbeat import SweepState, sweep_state
from backend.people.access import district_scope, is_staff_role
from backend.people.models import (
    CONTACT_VIA,
    UNREACHABLE,
    UNREACHABLE_LABEL,
    Unit,
    UnitStatus,
    UnitType,
)

from .alerts import ALERTS_LISTED, alerts_listed
from .fanout import board_rows, unit_rows

BOARD_INCIDENTS = 300
PRIORITY_ORDER = [p.value for p in Priority]
# The board loads its snapshot again this often, whatever frames came: a frame lost between
# two pings (Redis restarted in a second or two) is on the board within this.
BOARD_RESYNC_MS = 5 * 60 * 1000


def board_snapshot(user: Any) -> dict[str, Any]:
    """Open incidents (newest first, bounded), their open assignments and the units of
    ``user``'s scope, as board rows."""
    scope = district_scope(user)
    incident_ids = list(
        Incident.objects.filter(scope.q("district"))
        .exclude(status__in=INCIDENT_ENDED)
        .order_by("-received_at")
        .values_list("id", flat=True)[:BOARD_INCIDENTS]
    )
    # With the open assignments of the scope's units on other districts' calls: a unit sent
    # across the border (selectors.units_across_border) stays on its own district's board.
    shown = Q(incident_id__in=incident_ids)
    if not scope.everything:
        shown |= scope.q("unit__district") & ~Q(incident__status__in=INCIDENT_ENDED)
    assignment_ids = Assignment.objects.filter(shown, status__in=ASSIGNMENT_OPEN).values_list(
        "id", flat=True
    )
    rows = board_rows(
        {
            "incidents": {str(i) for i in incident_ids},
            "assignments": {str(i) for i in assignment_ids},
        }
    )
    return {
        "incidents": sorted(rows.get("incidents", []), key=urgency_key),
        "assignments": rows.get("assignments", []),
        "units": unit_rows(
            Unit.objects.filter(scope.q("district"), active=True).order_by("callsign")
        ),
        "server_time": clock.now_ms(),
    }


def urgency_key(row: dict[str, Any]) -> tuple[int, int, int]:
    """Most urgent first: priority (P0 first), then calls still waiting for a unit, then
    the longest wait (the earliest call). The page sorts live rows by the same key."""
    priority = row["priority"]
    rank = PRIORITY_ORDER.index(priority) if priority in PRIORITY_ORDER else len(PRIORITY_ORDER)
    return rank, 0 if row["status"] in INCIDENT_WAITING else 1, row["received_at"]


def board_labels() -> dict[str, dict[str, str]]:
    """The name of every code the board shows, in the reader's language (the models'
    labels), so that no raw code (``missing_person``) reaches a person."""
    return {
        "category": {c.value: str(c.label) for c in Category},
        "channel": {c.value: str(c.label) for c in Channel},
        "priority": {p.value: str(p.label) for p in Priority},
        "incident_status": {s.value: str(s.label) for s in IncidentStatus},
        "assignment_status": {s.value: str(s.label) for s in AssignmentStatus},
        "event_kind": {k.value: str(k.label) for k in EventKind},
        "unit_status": {
            **{s.value: str(s.label) for s in UnitStatus},
            UNREACHABLE: str(UNREACHABLE_LABEL),
        },
        "unit_type": {t.value: str(t.label) for t in UnitType},
        "text": {
            "live": _("live"),
            "reconnecting": _("reconnecting…"),
            "signed_out": _("signed out"),
            # The bar under the header while the board gets no frames: "since 14:49:20".
            "stale": _(
                "No connection to the server since %(time)s: the calls, units and alerts"
                " shown may be out of date. Reconnecting…"
            ),
            "stale_signed_out": _(
                "Signed out at %(time)s: the board is no longer updated. Sign in again."
            ),
            "sign_in": _("Log in"),
            # An alarm of the board itself: its checks of the server got no answer twice in a
            # row (the database down, the server restarting or unreachable).
            "server_unanswered": _(
                "No answer from the server since %(time)s: calls, dispatches and the officers'"
                " reports may not be saved. If it lasts, tell the system administrator."
            ),
            # A command whose answer did not come (network down, the server restarting).
            "no_answer": _("the server did not answer. Try again."),
            "nearest": _("Nearest unit"),
            # beside the unit of a row on another district's call (sent across the border)
            "other_district": _("on another district's call"),
            # an alert on the unit's own board: "… sent to a call of another district, in Коктал"
            "across_border": _("sent to a call of another district, in %(place)s"),
            # beside a call's Send: another district's unit would be there clearly sooner
            # (a link to the call's page): "nearer across the border: B-PC1 ≈6 min"
            "across_offer": _("nearer across the border: %(unit)s ≈%(time)s"),
            # on a call whose unit is on its way: a second unit, nearest first
            "another_unit": _("Send another unit"),
            "send": _("Send"),
            "no_unit": _("No available unit"),
            # with none free: "2 on less urgent calls — divert one" (opens the call's panel)
            "divert_offer": _("%(n)s on less urgent calls — divert one"),
            "cancel": _("Cancel"),
            "cancel_reason": _("Why is the call cancelled?"),
            # an assignment's button, and the box it opens
            "message": _("Message the crew"),
            "message_to": _("Message to %(unit)s"),
            "message_prompt": _(
                "Message to %(unit)s on call %(number)s — what the crew must know (it goes to "
                "their phones, and by SMS where they read their calls by SMS):"
            ),
            # What became of the desk's latest message to the crew (beside the button):
            # "message read 14:05 · Сейткали А." — the officer's phone said he read it
            "message_read": _("message read %(time)s · %(officer)s"),
            # ...and when the officer said so by answering the message's SMS ("ACK 4821")
            "message_read_sms": _("message read %(time)s by SMS · %(officer)s"),
            # no phone of the crew has said it was read (yet)
            "message_sent": _("message sent %(time)s, not read yet"),
            # it went by SMS too: the officer's SMS reply with the code, or a phone of the
            # crew, will say he read it
            "message_sent_sms": _("message sent %(time)s by SMS, not read yet"),
            # Followed by one button per channel the officer answered on (ack_channel).
            "ack": _("The unit answered:"),
            "acknowledge_sos": _("Acknowledge SOS"),
            "acknowledged_by": _("acknowledged by"),
            "sos_from": _("SOS from"),
            # The SOS banner: who, where, on which call, and what the desk can do.
            "sos_crew": _("crew:"),
            "sos_on_call": _("on call"),
            "sos_no_call": _("on no call"),
            "sos_position_unknown": _("position unknown"),
            "sos_place_in": _("in %(place)s"),
            "sos_place_near": _("%(km)s km %(direction)s of %(place)s"),
            # "position at 12:03:10 (8:12 ago)" — when the phone's position was taken
            "sos_position_at": _("position at %(time)s (%(age)s ago)"),
            # the position is the unit's last report, not sent with the SOS
            "sos_position_last_report": _("the unit's last reported position"),
            "sos_backup": _("Send backup"),
            "sos_backup_call": _("Backup call"),
            "sos_clear": _("Officer safe — clear SOS"),
            "sos_clear_confirm": _(
                "Is the officer safe? The unit leaves SOS and returns to its work."
            ),
            # An officer-safety check: a unit on scene with no word from it for too long —
            # "Check on A-PC1 · on scene of call 1036-2026-000117 · since 12:05 · no word for
            # 32 min. Raise the crew by radio or phone. [Officer OK]"
            "safety_title": _("Check on"),
            "safety_on_call": _("on scene of call"),
            "safety_since_silent": _("since %(time)s · no word for %(age)s"),
            "safety_raise": _("Raise the crew by radio or phone."),
            "safety_ok": _("Officer OK"),
            "safety_checked": _("checked by"),
            # ...or the crew itself answered it, by its own word: "Note", "On scene"…
            "safety_heard": _("the crew was heard from: %(what)s"),
            "popup_blocked": _("The browser blocked the new window: open the call here:"),
            "unreachable_warning": _("unreachable"),
            # A unit gone silent (presence.unit_silence): "last heard 18:02 in Караколь (no
            # mobile coverage)"; on its way to a call in a white spot; back again.
            "last_heard": _("last heard %(time)s"),
            "white_spot_call": _("sent to call %(number)s in %(place)s"),
            "silence_back": _("back %(time)s after %(span)s"),
            # the alerts' heading: units silent where that is expected, counted apart
            "silence_expected_count": _("in white spots: %(n)s"),
            "stale_warning": _("position stale"),
            "km": _("km"),
            # How long ago, in words (backend.common.formatting.span_text): a unit's silence,
            # its position's age — "29:44:27" read like a time of day beside the clock.
            "span_s": _("%(n)s s"),
            "span_min": _("%(n)s min"),
            "span_h": _("%(hours)s h %(minutes)02d min"),
            "span_d": _("%(days)s d %(hours)s h"),
            "decimal_mark": str(get_format("DECIMAL_SEPARATOR")),
            "unread": _("unread"),
            "done": _("Done."),
            "failed": _("Not done:"),
            "never": _("never"),
            "by": _("by"),
            "silent": _("silent"),
            "sound_on": _("Sound on"),
            "sound_off": _("Sound off"),
            "sound_blocked": _("Turn the sound on"),
            # The tooltip of an assignment's clocks, which read "3:12 / 5:00".
            "timer_allowed": _("Time taken since dispatch / the time allowed"),
            # "Waiting for a unit 1036-2026-000117 · waited 12 min"
            "waited": _("waited"),
            # A milestone the board heard a minute or more after it happened (a phone out of
            # coverage catching up): "Unit reported … · On scene · happened at 18:37:02".
            "happened_at": _("happened at %(time)s"),
            # a domestic-violence or restricted call's summary, kept off the board's list (as
            # off the console's): read on its page, where every read is audited
            "withheld": _("on the call's page"),
            # the mark of a training call (Incident.exercise: a drill, the live demo's) on its
            # row, its crew's row and its alerts: dispatched like any call, never one to take
            # for a real emergency
            "exercise": _("Exercise"),
        },
        "ack_channel": {c: _(c.replace("_", " ")) for c in ACK_CHANNELS},
        # A crew last heard other than by its phone's sync: "On scene · radio", "· SMS".
        "heard_via": {
            via: str(words)
            for via, words in CONTACT_VIA.items()
            if via not in ("socket", "pull", "push")
        },
        "compass": compass_words(),
        # A place's mobile coverage, as a silent unit's alert says it ("(no mobile coverage)").
        "coverage": {
            Coverage.NONE: _("no mobile coverage"),
            Coverage.SMS_ONLY: _("SMS only, no mobile data"),
            Coverage.G3: _("mobile data coverage"),
            Coverage.LTE: _("mobile data coverage"),
        },
        "alert": {
            "incident.created": _("New call"),
            "incident.duplicate": _("Probable duplicate"),
            "incident.closed": _("Closed"),
            "incident.cancelled": _("Cancelled"),
            "incident.reopened": _("Reopened"),
            "incident.reclassified": _("Category or priority changed"),
            "incident.separated": _("Not a repeat: a call of its own"),
            "incident.linked": _("Linked as a repeat of an earlier call"),
            "incident.registry_changed": _("Registry numbers changed"),
            "assignment.dispatched": _("Dispatched"),
            "assignment.cancelled": _("Assignment cancelled"),
            "assignment.reassigned": _("Reassigned"),
            "assignment.acknowledged": _("Acknowledged on behalf"),
            "assignment.recorded_on_behalf": _("Recorded on behalf"),
            "milestone": _("Unit reported"),
            # a note a crew wrote on its call, from its phone or by SMS
            "crew_note": _("Note from the crew"),
            "conflict": _("Conflict"),
            **{f"escalation.{step}": str(FIRED_LABELS[step]) for step in STEPS},
            "incident.waiting_overdue": str(FIRED_LABELS[WAITING_OVERDUE]),
            "sos": _("SOS"),
            "sos_acknowledged": _("SOS acknowledged"),
            "sos_backup": _("Backup sent to an SOS"),
            "sos_cleared": _("SOS cleared: officer safe"),
            # a unit in SOS reported where it is now
            "sos_position": _("SOS: new position"),
            SAFETY_CHECK: str(SAFETY_CHECK_LABEL),
            "unit.safety_checked": _("Officer-safety check: officer OK"),
            "unit_unreachable": _("Unit unreachable"),
            "unit_reachable": _("Unit reachable again"),
            "escalation_stopped": _("Escalation stopped"),
        },
    }


MAP_WIDTH = 1000.0
MAP_ASPECT = 0.75
MAP_NAMED_ALL = 60


TILE = 256  # pixels of one map tile (the slippy-map convention)
MAX_TILES = 48  # a district needs a few; more would be an oblast at too fine a zoom


def _mercator(lat: float, lon: float, world: float) -> tuple[float, float]:
    """Web Mercator "world pixels" of a point for a world ``world`` pixels wide."""
    phi = math.radians(max(-85.0, min(85.0, lat)))
    x = (lon + 180.0) / 360.0 * world
    y = (1.0 - math.log(math.tan(phi) + 1.0 / math.cos(phi)) / math.pi) / 2.0 * world
    return x, y


def board_map(user: Any) -> dict[str, Any] | None:
    """The district map: settlements of the scope as points on an SVG, with the projection
    (Web Mercator) the page uses to place units and calls, and — where the deployment has a
    tile server (``KUZET_MAP_TILE_URL``) — the tiles under them.

    Why SVG first and tiles only as a backdrop: the ЦОУ desks of district seats lose the
    internet, and a map that needs tiles is blank then. Kuzet's own data (settlements with
    coordinates) is what a duty officer reads distances from; tiles that do not load leave
    it whole. Units and open calls are drawn by the page from the live rows with the same
    projection, so they move without a reload.
    """
    scope = district_scope(user)
    settlements: list[dict[str, Any]] = [
        dict(row)
        for row in Settlement.objects.filter(
            scope.q("district"), lat__isnull=False, lon__isnull=False
        )
        .order_by("pk")
        .values("id", "name", "name_kk", "kind", "lat", "lon", "district_id")[:3000]
    ]
    if not settlements:
        return None
    lats: list[float] = [s["lat"] for s in settlements]
    lons: list[float] = [s["lon"] for s in settlements]
    # a margin so that markers and names at the edge stay inside the frame
    pad = max(0.05, 0.08 * max(max(lats) - min(lats), max(lons) - min(lons)))
    # The zoom whose tiles are about as fine as the frame: the span at most MAP_WIDTH pixels.
    span_deg = max(max(lons) - min(lons), 0.01) + 2 * pad
    zoom = max(0, min(18, math.floor(math.log2(MAP_WIDTH * 360.0 / span_deg / TILE))))
    world = float(TILE * 2**zoom)
    west, north = _mercator(max(lats) + pad, min(lons) - pad, world)
    east, south = _mercator(min(lats) - pad, max(lons) + pad, world)
    # A landscape frame (MAP_ASPECT): a district stretched north-south would otherwise be
    # drawn as a thin strip whose markers shrink to dots in the board's column.
    span_x, span_y = east - west, south - north
    if span_y > span_x * MAP_ASPECT:
        grow = (span_y / MAP_ASPECT - span_x) / 2
        west, east = west - grow, east + grow
    else:
        grow = (span_x * MAP_ASPECT - span_y) / 2
        north, south = north - grow, south + grow
    scale = MAP_WIDTH / (east - west)
    height = MAP_WIDTH * MAP_ASPECT
    for s in settlements:
        s["name"] = in_reader_language(s["name"], s.pop("name_kk"))
        x, y = _mercator(s["lat"], s["lon"], world)
        s["x"] = round((x - west) * scale, 1)
        s["y"] = round((y - north) * scale, 1)
        s["major"] = s["kind"] in (Settlement.Kind.CITY, Settlement.Kind.TOWN)
        # every name while they fit; on an oblast's map only the towns are named
        s["named"] = s["major"] or len(settlements) <= MAP_NAMED_ALL
    return {
        "settlements": settlements,
        "width": MAP_WIDTH,
        "height": round(height, 1),
        "tiles": _tiles(zoom, west, north, east, south, scale),
        "projection": {"x0": west, "y0": north, "world": world, "scale": scale},
    }


def _tiles(
    zoom: int, west: float, north: float, east: float, south: float, scale: float
) -> list[dict[str, Any]]:
    """The tiles of ``KUZET_MAP_TILE_URL`` (``{z}/{x}/{y}``) under the frame, placed in its
    coordinates; none without a tile server, or when the frame would need too many."""
    template = settings.KUZET_MAP_TILE_URL
    if not template:
        return []
    last = 2**zoom - 1
    columns = range(max(0, int(west // TILE)), min(last, int(east // TILE)) + 1)
    rows = range(max(0, int(north // TILE)), min(last, int(south // TILE)) + 1)
    if len(columns) * len(rows) > MAX_TILES:
        return []
    size = round(TILE * scale, 2)
    return [
        {
            "href": template.format(z=zoom, x=tx, y=ty),
            "x": round((tx * TILE - west) * scale, 2),
            "y": round((ty * TILE - north) * scale, 2),
            "size": size,
        }
        for ty in rows
        for tx in columns
    ]


def board_alarms() -> list[dict[str, str]]:
    """System alarms every board shows: today the dead-man alarm of the escalation sweep.

    A dead beat or worker sends nothing, so the board asks (every 15 s) instead of waiting
    for a frame that would never come.
    """
    state = sweep_state()
    if not state.overdue:
        return []
    return [
        {
            "kind": "escalation_stopped",
            "detail": _(
                "Escalation is not running: %(state)s. Unanswered calls are not being "
                "escalated; tell the system administrator now."
            )
            % {"state": _sweep_words(state)},
        }
    ]


def _sweep_words(state: SweepState) -> str:
    """The sweep's state in the reader's language (``SweepState.describe`` is for /readyz)."""
    if state.age_s is None:
        return _("the escalation sweep has never run")
    # In words, as the board's other spans ("39 s", "2 min 05 s", "3 h 12 min"): as m:ss the
    # banner read "last ran 0:39 ago (alarm after 0:30)" under the board's clock, a duration
    # taken for a time of day (and an hour's 1:02:03 for a clock time outright).
    limit = state.limit_s
    return _("the escalation sweep last ran %(age)s ago (alarm after %(limit)s)") % {
        "age": span_exact_text(round(state.age_s)),
        "limit": span_text(limit) if limit % 60 == 0 else span_exact_text(limit),
    }


def _refusal(request: HttpRequest) -> HttpResponse | None:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path(), login_url=reverse("admin:login"))
    if not is_staff_role(request.user):
        return HttpResponse(_("The board is for duty officers and chiefs."), status=403)
    return None


def board_page(request: HttpRequest) -> HttpResponse:
    if (refusal := _refusal(request)) is not None:
        return refusal
    return render(
        request,
        "realtime/board.html",
        {
            "snapshot": board_snapshot(request.user),
            "lifecycle": {
                "assignment_open": list(ASSIGNMENT_OPEN),
                "incident_ended": sorted(INCIDENT_ENDED),
            },
            "alarms": board_alarms(),
            "alerts": alerts_listed(request.user),
            "labels": board_labels(),
            "map": board_map(request.user),
            "config": board_config(request),
        },
    )


def board_config(request: HttpRequest) -> dict[str, Any]:
    """What the page's script needs besides the rows: where to post, what it may do, and the
    rules it displays (the district's time zone, the presence thresholds)."""

    def url(name: str, *args: Any) -> str:
        return reverse(name, args=args)

    scope = district_scope(request.user)
    return {
        "can_act": can_dispatch(request.user),
        # whose drafts of messages to crews the tab keeps (board.js, sessionStorage)
        "reader": request.user.pk,
        # The districts whose calls the reader may act on (null: every one); a row of another
        # district's call is their unit's, sent across the border: its number links the call's
        # page, read-only (access.incident_lent_to).
        "districts": None if scope.everything else sorted(scope.district_ids),
        # A call's place: its settlement's Kazakh name for a Kazakh reader where one is known
        # (each row carries both; the rows are rendered once for every reader).
        "kazakh_place_names": (get_language() or "").startswith("kk"),
        "time_zone": settings.TIME_ZONE,
        "position_stale_minutes": settings.KUZET_POSITION_STALE_MINUTES,
        "alerts_listed": ALERTS_LISTED,
        # how often the page loads its snapshot again, whatever frames came (board.js)
        "resync_ms": BOARD_RESYNC_MS,
        "urls": {
            "state": url("realtime:board-state"),
            "login": url("admin:login") + "?next=" + url("realtime:board"),
            "alarms": url("realtime:board-alarms"),
            "alerts_read": url("realtime:alerts-read"),
            # "/0/" is replaced by the record's id in the page
            "alert_ack": url("realtime:alert-ack", 0),
            "alert_backup": url("realtime:alert-backup", 0),
            "alert_safety_ok": url("realtime:alert-safety-ok", 0),
            "unit_sos_clear": url("realtime:unit-sos-clear", 0),
            "recommend": url("realtime:incident-recommend", 0),
            "dispatch": url("realtime:incident-dispatch", 0),
            "cancel": url("realtime:incident-cancel", 0),
            "assignment_ack": url("realtime:assignment-ack", 0),
            "assignment_message": url("realtime:assignment-message", 0),
            "incident": url("admin:dispatch_incident_change", 0),
        },
    }


def _json_refusal(request: HttpRequest) -> HttpResponse | None:
    """The refusal of the board's JSON reads, as its actions answer (``actions._json_view``):
    board.js reads a 401 as signed out and shows its sign-in link. They answered the page's
    302 to the login form (which the script's fetch followed to an HTML 200) and a text 403.
    """
    if not request.user.is_authenticated:
        return JsonResponse({"error": "unauthenticated", "detail": "Sign in again."}, status=401)
    if not is_staff_role(request.user):
        return JsonResponse({"error": "forbidden", "detail": "Staff only."}, status=403)
    return None


def board_state(request: HttpRequest) -> HttpResponse:
    if (refusal := _json_refusal(request)) is not None:
        return refusal
    return JsonResponse({**board_snapshot(request.user), **alerts_listed(request.user)})


def board_alarms_state(request: HttpRequest) -> HttpResponse:
    if (refusal := _json_refusal(request)) is not None:
        return refusal
    return JsonResponse({"alarms": board_alarms(), "server_time": clock.now_ms()})
