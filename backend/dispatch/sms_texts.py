"""What Kuzet says by SMS: the assignment to a unit, its cancellation, the citizen's delay.

Pure text composition (no queries beyond what the caller passed in): the escalation sweep
builds a thousand of these from plain values, the commands from model instances. Written in
Latin transliteration on purpose — a 2G handset or an old gateway may not carry Cyrillic.
"""

from __future__ import annotations

from .models import Category, Incident
from .sms import compose, reply_code_for

_CATEGORY_LABELS = dict(Category.choices)


def place_text(*, settlement: str | None, landmark: str) -> str:
    return ", ".join(p for p in (settlement or "", landmark) if p)


def where(incident: Incident) -> str:
    settlement = incident.settlement.name if incident.settlement is not None else None
    return place_text(settlement=settlement, landmark=incident.landmark)


def unit_text(
    *,
    number: str,
    priority: str,
    category: str,
    place: str,
    risk: bool,
    summary: str,
    reply_code: str,
    reminder: bool = False,
) -> str:
    """The assignment as an SMS to the unit, ending with the reply instruction."""
    return compose(
        [
            "KUZET" + (" NAPOMINANIE" if reminder else ""),
            number,
            priority,
            str(_CATEGORY_LABELS.get(category, category)),
            place,
            "RISK" if risk else "",
            summary,
        ],
        tail=f"Otvet: ACK {reply_code}",
    )


def dispatch_text(*, incident: Incident, assignment_id: int, reminder: bool = False) -> str:
    return unit_text(
        number=incident.number,
        priority=incident.priority,
        category=incident.category,
        place=where(incident),
        risk=bool(incident.risk_flags),
        summary=incident.summary,
        reply_code=reply_code_for(assignment_id),
        reminder=reminder,
    )


def cancel_text(*, incident: Incident) -> str:
    return compose(["KUZET OTMENA", incident.number, "vyezd otmenen."])


def citizen_outcome_text(*, number: str) -> str:
    return compose(
        [
            f"Politsiya: vyzov {number} zakryt, mery priniaty.",
            "Podrobnosti: 102.",
        ]
    )


def citizen_delay_text(*, number: str) -> str:
    return compose(
        [
            f"Politsiya: vyzov {number} priniat, naryad zaderzhivaetsya.",
            "Pri ugroze zhizni zvonite 102.",
        ]
    )
