"""Names of the codes a report shows (zones, coverage, priorities, channels, categories,
outcomes, shifts), in the reader's language.

The models' own choice labels are English literals; these are the words of the chief's
pages and of the exported tables, translated in ``backend/reports/locale``.
"""

from __future__ import annotations

from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

ZONE: dict[str, Promise] = {
    "urban": _("urban"),
    "suburban": _("suburban"),
    "rural": _("rural"),
    "remote": _("remote"),
}
COVERAGE: dict[str, Promise] = {
    "lte": _("LTE"),
    "3g": _("3G"),
    "2g_sms": _("2G / SMS only"),
    "none": _("no coverage"),
}
PRIORITY: dict[str, Promise] = {
    "P0": _("P0 — life threat"),
    "P1": _("P1 — crime just happened"),
    "P2": _("P2 — reported later, disorder"),
    "P3": _("P3 — information, parking, noise"),
}
APPS = "apps"  # every app channel at once (the upward report's app reports)
CHANNEL: dict[str, Promise] = {
    "phone_102": _("102 line"),
    "app_102": _("Police-102 app"),
    "egov": _("eGov Mobile"),
    "kaspi": _("Kaspi.kz"),
    "halyk": _("Halyk"),
    "video": _("camera inspector"),
    "walk_in": _("walk-in"),
    "patrol": _("self-initiated by patrol"),
    "agency_112": _("112 agency"),
}
CATEGORY: dict[str, Promise] = {
    "domestic_violence": _("domestic violence"),
    "violence": _("violence / fight"),
    "robbery": _("robbery"),
    "theft": _("theft"),
    "livestock_theft": _("livestock theft"),
    "road_accident": _("road accident"),
    "traffic_violation": _("traffic violation"),
    "child": _("incident with a child"),
    "missing_person": _("missing person"),
    "disorder": _("public disorder"),
    "fraud": _("fraud"),
    "noise": _("noise"),
    "parking": _("parking"),
    "information": _("information"),
    "police_complaint": _("complaint about police"),
    "officer_sos": _("officer SOS"),
    "other": _("other"),
}
OUTCOME: dict[str, Promise] = {
    "resolved_on_scene": _("resolved on scene"),
    "report_taken": _("report taken (КУИ)"),
    "criminal_case": _("criminal case opened (ЕРДР)"),
    "admin_protocol": _("administrative protocol (ЕРАП)"),
    "protective_order": _("protective order issued"),
    "arrest": _("person detained"),
    "warning": _("warning given"),
    "referred": _("referred to another service"),
    "no_offence": _("no offence found"),
    "not_found": _("nobody found at the scene"),
    "false_call": _("false call"),
}
EVENT_KIND: dict[str, Promise] = {
    "delivered": _("delivered to the handset"),
    "ack": _("acknowledged"),
    "en_route": _("en route"),
    "on_scene": _("on scene"),
    "transporting": _("transporting"),
    "cleared": _("cleared"),
    "outcome": _("outcome"),
    "note": _("note"),
    "unit_status": _("unit status"),
    "location": _("location"),
    "sos": _("SOS"),
}
SHIFT: dict[str, Promise] = {
    "day": _("day shift (08:00–20:00)"),
    "night": _("night shift (20:00–08:00)"),
}
NONE_KEY = _("not known")


def label(table: dict[str, Promise], code: Any) -> str:
    """The reader's word for ``code``; the code itself when the table does not know it."""
    if code is None or code == "":
        return str(NONE_KEY)
    return str(table.get(str(code), code))
