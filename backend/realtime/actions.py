"""The board's buttons: small JSON views over the dispatch services.

One view per command — dispatch a unit (the recommended one), acknowledge an assignment on
the officer's behalf, cancel an incident — plus the recommendation it offers, the alerts'
read marks and an officer's SOS: acknowledge it, send backup, clear it (officer safe). Each
view: staff session → input → ``access_*`` (out of scope is a 404) → one service (which
checks scope again, audits and tells the boards) → JSON. Writes carry an
``Idempotency-Key`` header: a double click or a resent request runs the command once and
gets the first answer again (``backend.ledger.idempotency``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from backend.common import clock
from backend.common.errors import DomainError, Malformed
from backend.dispatch import access, selectors, services
from backend.dispatch.refusals import refusal_text
from backend.dispatch.services.assignments import ACK_CHANNELS
from backend.ledger.idempotency import HEADER, Replay, run_once_for
from backend.people.access import is_staff_role
from sync.protocol import ProtocolError, parse_json, said_once

from .alerts import (
    alert_frame,
    alerts_mark_read,
    safety_check_ok,
    sos_acknowledge,
    sos_backup,
    sos_clear,
)

RECOMMENDED = 3


def _body(request: HttpRequest) -> dict[str, Any]:
    if not request.body:
        return {}
    try:
        # The sync endpoints' parser: a body nested too deeply for Python's parser (a few
        # thousand "[") is malformed too; json.loads raised RecursionError, a 500 HTML page.
        body = parse_json(request.body)
    except ProtocolError as exc:
        if isinstance(exc.__cause__, RecursionError):
            raise Malformed("The request body nests too deeply to be parsed.") from None
        raise Malformed("The request body is not JSON.") from None
    try:
        # A key named twice ({"unit_id": 7, "unit_id": 9}) was read as its last value, the
        # other dropped without a word; refused as the sync endpoints and the APIs refuse it.
        said_once(body, "the request body")
    except ProtocolError as exc:
        raise Malformed(exc.sentence) from None
    if not isinstance(body, dict):
        raise Malformed("The request body must be a JSON object.")
    return body


def _int(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise Malformed(f"{name} must be a number.", code="invalid")
    try:
        return int(value)
    except ValueError:
        raise Malformed(f"{name} must be a number.", code="invalid") from None


def _json_view(
    request: HttpRequest, run: Callable[[dict[str, Any]], dict[str, Any]], *, once: bool
) -> HttpResponse:
    """Staff only; domain errors as ``{"error", "detail", "message"}`` with their status; a
    write with an ``Idempotency-Key`` runs once per key."""
    user: Any = request.user
    if not user.is_authenticated:
        return JsonResponse({"error": "unauthenticated", "detail": "Sign in again."}, status=401)
    if not is_staff_role(user):
        return JsonResponse({"error": "forbidden", "detail": "Staff only."}, status=403)
    try:
        body = _body(request)
        key = request.headers.get(HEADER)
        if not (once and key):
            return JsonResponse(run(body))
        outcome = run_once_for(
            request, key=key, body=body, run=lambda: run(body), answer=lambda r: (200, r)
        )
    except DomainError as exc:
        # "message": the refusal in the officer's language, which the board shows
        return JsonResponse({**exc.as_json(), "message": refusal_text(exc)}, status=exc.status)
    if isinstance(outcome, Replay):
        response = JsonResponse(outcome.body, status=outcome.status_code)
        response["Idempotent-Replayed"] = "true"
        return response
    return JsonResponse(outcome)


@require_GET
def incident_recommend(request: HttpRequest, incident_id: int) -> HttpResponse:
    """The nearest available units for an incident (``selectors.units_recommended``); with
    none, how many units are on less urgent calls (``selectors.units_divertible``); and the
    nearest unit of another district that would be there clearly sooner
    (``selectors.units_across_border``), if any."""

    def run(_: dict[str, Any]) -> dict[str, Any]:
        incident = access.access_incident(request.user, incident_id)
        everyone = selectors.units_recommended(incident=incident, limit=None)
        units = []
        for rec in everyone[:RECOMMENDED]:
            row = rec.as_dict()
            row["position_at"] = clock.opt_ms(rec.position_at)
            # Why a farther unit is first, in the officer's language: the call page's sentence
            # (the tooltip) and a short form for the row, so that the board does not seem wrong.
            row["ranked_for_text"] = selectors.ranked_for_text(rec)
            row["ranked_for_short"] = selectors.ranked_for_short(rec)
            units.append(row)
        # With none free, how many could be taken off a less urgent call (the call's panel
        # offers them: "Divert here").
        divertible = (
            len(selectors.units_divertible(incident=incident, limit=None)) if not units else 0
        )
        # Another district's unit clearly sooner (the call's panel lists them, and sends them
        # for a desk whose scope covers their district): the board names the nearest, so that
        # its one-click Send of the own district's unit is not taken for the best there is.
        across = selectors.units_across_border(incident=incident, own=everyone, limit=1)
        across_border = [
            {
                "unit_id": a.recommendation.unit.pk,
                "callsign": a.recommendation.unit.callsign,
                "eta_s": a.recommendation.eta_s,
                "district_id": a.district.pk,
            }
            for a in across
        ]
        return {
            "incident_id": incident.pk,
            "units": units,
            "divertible": divertible,
            "across_border": across_border,
        }

    return _json_view(request, run, once=False)


@require_POST
def incident_dispatch(request: HttpRequest, incident_id: int) -> HttpResponse:
    def run(body: dict[str, Any]) -> dict[str, Any]:
        access.require_dispatcher(request.user)
        incident = access.access_incident(request.user, incident_id)
        unit = access.access_unit_to_send(
            request.user, _int(body.get("unit_id"), "unit_id"), incident=incident
        )
        assignment = services.incident_dispatch(incident=incident, unit=unit, by=request.user)
        return {"assignment_id": assignment.pk, "callsign": unit.callsign}

    return _json_view(request, run, once=True)


@require_POST
def incident_cancel(request: HttpRequest, incident_id: int) -> HttpResponse:
    def run(body: dict[str, Any]) -> dict[str, Any]:
        access.require_dispatcher(request.user)
        incident = access.access_incident(request.user, incident_id)
        reason = body.get("reason")
        services.incident_cancel(
            incident=incident, by=request.user, reason=reason if isinstance(reason, str) else ""
        )
        return {"incident_id": incident.pk, "status": "cancelled"}

    return _json_view(request, run, once=True)


@require_POST
def assignment_acknowledge(request: HttpRequest, assignment_id: int) -> HttpResponse:
    def run(body: dict[str, Any]) -> dict[str, Any]:
        access.require_dispatcher(request.user)
        assignment = access.access_assignment(request.user, assignment_id)
        channel, note = body.get("channel", ACK_CHANNELS[0]), body.get("note")
        event = services.assignment_acknowledge_on_behalf(
            assignment=assignment,
            by=request.user,
            channel=channel if isinstance(channel, str) else "",  # the service says which
            note=note if isinstance(note, str) else "",
        )
        return {"assignment_id": assignment.pk, "event_id": event.pk}

    return _json_view(request, run, once=True)


@require_POST
def assignment_message(request: HttpRequest, assignment_id: int) -> HttpResponse:
    """The desk's message to the crew on a call, typed on the board (services/messages.py)."""

    def run(body: dict[str, Any]) -> dict[str, Any]:
        access.require_dispatcher(request.user)
        assignment = access.access_assignment(request.user, assignment_id)
        text = body.get("text")
        event = services.assignment_message(
            assignment=assignment, by=request.user, text=text if isinstance(text, str) else ""
        )
        return {"assignment_id": assignment.pk, "event_id": event.pk}

    return _json_view(request, run, once=True)


@require_POST
def alerts_read(request: HttpRequest) -> HttpResponse:
    def run(body: dict[str, Any]) -> dict[str, Any]:
        if "through" in body:  # "mark all read": every alert up to the newest on the board
            through = _int(body["through"], "through")
            return {"marked": alerts_mark_read(user=request.user, through=through)}
        ids = body.get("ids")
        if not isinstance(ids, list) or len(ids) > 1000:
            raise Malformed(
                "Send ids (a list of at most 1000 alert ids) or through (an alert id).",
                code="invalid",
            )
        marked = alerts_mark_read(user=request.user, alert_ids=[_int(i, "id") for i in ids])
        return {"marked": marked}

    return _json_view(request, run, once=False)


@require_POST
def alert_acknowledge(request: HttpRequest, alert_id: int) -> HttpResponse:
    def run(_: dict[str, Any]) -> dict[str, Any]:
        return alert_frame(sos_acknowledge(alert_id=alert_id, by=request.user), read=True)

    return _json_view(request, run, once=True)


@require_POST
def alert_safety_ok(request: HttpRequest, alert_id: int) -> HttpResponse:
    """The desk raised a unit silent on scene: the officer is OK."""

    def run(_: dict[str, Any]) -> dict[str, Any]:
        return alert_frame(safety_check_ok(alert_id=alert_id, by=request.user), read=True)

    return _json_view(request, run, once=True)


@require_POST
def alert_backup(request: HttpRequest, alert_id: int) -> HttpResponse:
    """Send backup to an SOS: the P0 call (made once per SOS) and where its dispatch panel is."""

    def run(_: dict[str, Any]) -> dict[str, Any]:
        alert, incident, made = sos_backup(alert_id=alert_id, by=request.user)
        return {
            "sos_alert_id": alert.pk,
            "incident_id": incident.pk,
            "number": incident.number,
            "created": made,
            "url": reverse("admin:dispatch_incident_change", args=[incident.pk]),
        }

    return _json_view(request, run, once=True)


@require_POST
def unit_sos_clear(request: HttpRequest, unit_id: int) -> HttpResponse:
    """Officer safe: the unit leaves SOS for its work (or available)."""

    def run(_: dict[str, Any]) -> dict[str, Any]:
        access.require_dispatcher(request.user)
        unit = access.access_unit(request.user, unit_id)
        unit = sos_clear(unit_id=unit.pk, by=request.user)
        return {"unit_id": unit.pk, "callsign": unit.callsign, "status": unit.status}

    return _json_view(request, run, once=True)
