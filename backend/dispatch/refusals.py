"""A refused command in the words of the person who gave it.

The services refuse with a code and an English detail (``DomainError``): the API's
contract, which integrations read. A duty officer at the console or the board reads the
refusal in their own language: :func:`refusal_text` names it by its code, and keeps the
service's detail only for a code that has no words here (a code added later still says
something).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from backend.common.errors import DomainError
from backend.geo.models import in_reader_language
from backend.people.models import UnitStatus

from .services.texts import UNSTORABLE

REFUSALS: dict[str, Any] = {
    "time_in_future": _("The reported time is in the future."),
    "before_dispatch": _("The reported time is before the unit was dispatched."),
    "invalid_uncertainty": _("The uncertainty is a number of minutes from 0 to 12 hours."),
    "already_acknowledged": _("The assignment is already acknowledged."),
    "already_recorded": _("This is already recorded for the unit."),
    "already_assigned": _("This unit is already on the call."),
    "same_unit": _("The assignment is already with this unit."),
    "assignment_closed": _("The assignment is over: nothing more can be recorded on it."),
    "incident_closed": _("The call is closed."),
    "incident_duplicate": _(
        "This report repeats another call: dispatch to that call, or make it a call of its own."
    ),
    "incident_not_closed": _("Only a closed or cancelled call can be reopened."),
    "incident_not_duplicate": _("Only a report linked as a repeat can be made a call of its own."),
    "reason_required": _("Give a reason."),
    "incident_already_linked": _("This report is already linked as a repeat of another call."),
    "incident_unit_sent": _("A unit has been sent to this call: it is not linked as a repeat."),
    "incident_dv_not_linked": _(
        "A domestic-violence call is not linked by hand: its report counted for its risk "
        "addresses and planned its follow-up visit. Close it naming the earlier call."
    ),
    "original_required": _("Give the number of the earlier call."),
    "original_not_found": _("No call with this number in this call's district."),
    "original_is_itself": _("A call is not a repeat of itself."),
    "original_cancelled": _(
        "The earlier call was cancelled: a report about it is not linked to it."
    ),
    "original_closed": _(
        "The earlier call is closed: a new report about it is a new event, or reopen that call."
    ),
    "original_is_repeat": _("The earlier call is itself linked as a repeat: link to its original."),
    "message_empty": _("Write the message to the crew."),
    "message_too_long": _("A message to the crew is at most 500 characters."),
    "disposition_required": _("Say how the call was dealt with."),
    "article_without_outcome": _("Choose the outcome the article of the CoAO goes with."),
    "invalid_outcome_code": _("Choose the outcome."),
    "invalid_coao_article": _('The article of the CoAO is a number such as "73", "73-1" or "461".'),
    "registry_too_long": _("The registry number is too long."),
    "out_of_scope": _("This is outside your districts."),
    "not_found": _("Not found: it may have been removed, or it is outside your districts."),
    "follow_up_already_done": _("This follow-up visit is already recorded."),
    "already_resolved": _("This conflict was already resolved."),
    "not_in_sos": _("The unit is no longer in SOS: it was cleared already."),
    "not_sos": _("This alert is not an SOS."),
    "invalid_priority": _("Choose a priority from P0 to P3."),
    "invalid_category": _("Choose a category."),
    "unchanged": _("The call already has this category and priority."),
    "dv_at_least_p1": _("A domestic-violence call is at least P1."),
    "not_safety_check": _("This alert is not an officer-safety check."),
    "already_checked": _("This check is already recorded."),
    "idempotency_key_reused": _(
        "This form was already used for another command: nothing was done. Reload the page."
    ),
}


# Where a code alone does not say enough (which reason, what was not found): by the detail.
BY_DETAIL: dict[str, Any] = {
    "A reason is required to cancel an incident.": _("Say why the call is cancelled."),
    "A reason is required to reopen an incident.": _("Say why the call is reopened."),
    "A reason is required to change the category or the priority.": _(
        "Say what the caller said that changes it."
    ),
    "Say what makes this a different event from the call it was linked to.": _(
        "Say what makes this a different event from the call it was linked to."
    ),
    "No such unit.": _("No such unit in your districts."),
    "No such assignment.": _("No such assignment in your districts."),
    "No such incident or unit.": _("No such call or unit in your districts."),
    "No such record in your scope.": _("Not found in your districts."),
    "No such conflict.": _("No such conflict in your districts."),
    "No such alert.": _("No such alert."),
}


def _unit_refusal(exc: DomainError) -> str | None:
    """ "A-PC1 is busy." in words: the unit (the detail's first word) and its status."""
    callsign = exc.detail.split(" is ", 1)[0]
    if exc.code == "unit_inactive":
        return str(_("%(unit)s is not in service.") % {"unit": callsign})
    if exc.code == "not_more_urgent":
        return str(
            _("%(unit)s is on %(call)s (%(priority)s), as urgent as this call: it stays there.")
            % {
                "unit": callsign,
                "call": exc.extra.get("incident_number", ""),
                "priority": exc.extra.get("priority", ""),
            }
        )
    if exc.code == "unit_out_of_scope":
        district = in_reader_language(
            str(exc.extra.get("unit_district", "")), str(exc.extra.get("unit_district_kk", ""))
        )
        return str(
            _(
                "%(unit)s is a unit of %(district)s: ask that district's desk or the oblast "
                "ЦОУ to send it."
            )
            % {"unit": callsign, "district": district}
        )
    if exc.code == "unit_changed":
        return str(
            _("%(unit)s changed while it was being sent: look at the panel again.")
            % {"unit": callsign}
        )
    if exc.code == "unit_unavailable":
        status = exc.extra.get("unit_status", "")
        if status in UnitStatus.values:
            status = str(UnitStatus(status).label)
        return str(
            _("%(unit)s is not available: %(status)s.") % {"unit": callsign, "status": status}
        )
    return None


def refusal_text(exc: DomainError) -> str:
    """The refusal in the active language: by its detail where that says more than its
    code, else by its code, else the service's own detail."""
    unit = _unit_refusal(exc)
    if unit is not None:
        return unit
    if exc.code == "incident_out_of_scope":
        district = in_reader_language(
            str(exc.extra.get("incident_district", "")),
            str(exc.extra.get("incident_district_kk", "")),
        )
        return str(
            _(
                "A call of %(district)s: your unit was sent to it, but that district's desk "
                "runs it. Ask that desk or the oblast ЦОУ."
            )
            % {"district": district}
        )
    if exc.code == "invalid" and exc.detail.endswith(UNSTORABLE):
        return str(_("This text holds a character that cannot be stored; type it again."))
    words = BY_DETAIL.get(exc.detail) or REFUSALS.get(exc.code)
    return str(words) if words is not None else exc.detail
