"""What Kuzet says by SMS: the assignment to a unit, its cancellation, the citizen's delay —
in the language of the officer who gets it (``Officer.language``: kk, ru, en).

Pure text composition (no queries beyond what the caller passed in): the escalation sweep
builds a thousand of these from plain values, the commands from model instances.

Every message is one GSM-7 SMS (160 characters). A field phone in a white spot is on 2G at
the edge of a cell: a message in Cyrillic is UCS-2, 70 characters a segment, and an
assignment (number, priority, category, place, summary, reply code) would need three
concatenated segments — any one lost, or an old gateway or handset that does not
reassemble them, and the officer gets nothing usable. So:

- Kazakh in the Kazakh Latin alphabet of 2021, with the letters GSM-7 has (ä, ö, ü, ñ) and,
  for those it has not, the usual digraphs: ğ → g, ş → sh, ç → ch, ū → u, ı → i
  ("Jauap: ACK 4821", "shygu toqtatyldy");
- Russian transliterated to Latin (``sms.to_gsm7``: "Otvet: ACK 4821");
- English as it is.

The words come from the catalogs (``backend/locale``), like every other string a person
reads; the reply keyword is ``ACK`` in every language (the inbound parser reads it).
"""

from __future__ import annotations

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from .models import Category, Incident
from .places import CallPlace, call_place
from .sms import compose, reply_code_for

DEFAULT_LANGUAGE = "ru"  # Officer.language's default; citizens' language is not known
LANGUAGES = ("kk", "ru", "en")

# Kazakh Cyrillic → the 2021 Kazakh Latin alphabet, GSM-7 letters only (see above).
_KK_LATIN = {
    "а": "a", "ә": "ä", "б": "b", "в": "v", "г": "g", "ғ": "g", "д": "d", "е": "e",
    "ё": "io", "ж": "j", "з": "z", "и": "i", "й": "i", "к": "k", "қ": "q", "л": "l",
    "м": "m", "н": "n", "ң": "ñ", "о": "o", "ө": "ö", "п": "p", "р": "r", "с": "s",
    "т": "t", "у": "u", "ұ": "u", "ү": "ü", "ф": "f", "х": "h", "һ": "h", "ц": "ts",
    "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "і": "i", "ь": "", "э": "e",
    "ю": "iu", "я": "ia",
}  # fmt: skip


def _kk_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for low, latin in _KK_LATIN.items():
        table[ord(low)] = latin
        table[ord(low.upper())] = latin[:1].upper() + latin[1:]
    return table


_KK_TABLE = _kk_table()


def kazakh_latin(text: str) -> str:
    """Kazakh Cyrillic in the GSM-7 form of the 2021 Latin alphabet."""
    return text.translate(_KK_TABLE)


def _language(language: str | None) -> str:
    return language if language in LANGUAGES else DEFAULT_LANGUAGE


def _sms(parts: list[str], *, language: str, tail: str = "") -> str:
    """One GSM-7 SMS in ``language``: Kazakh in Latin letters first, then ``compose``
    (Russian and anything left to Latin, cut to 160 with the tail kept)."""
    if language == "kk":
        parts = [kazakh_latin(p) for p in parts]
        tail = kazakh_latin(tail)
    return compose(parts, tail=tail)


def place_text(*, settlement: str | None, landmark: str) -> str:
    return ", ".join(p for p in (settlement or "", landmark) if p)


def call_place_text(place: CallPlace) -> str:
    """The call's place in the active language: an officer's SOS backup outside a village
    as distance, way, village and its coordinates ("3,1 km k severo-vostoku ot Ayagoz
    (47.96012, 80.43110)": the crew sees how far and which way, its navigator takes the
    numbers), any other call as its village and landmark."""
    return place.near_words() or place_text(settlement=place.settlement, landmark=place.landmark)


def where(incident: Incident) -> CallPlace:
    return call_place(incident)


def unit_text(
    *,
    number: str,
    priority: str,
    category: str,
    place: str | CallPlace,
    risk: bool,
    summary: str,
    reply_code: str,
    reminder: bool = False,
    exercise: bool = False,
    language: str = DEFAULT_LANGUAGE,
) -> str:
    """The assignment as an SMS to the unit, ending with the reply instruction. ``place``
    in names and numbers is said in ``language`` (:func:`call_place_text`). A training call
    (``exercise``: Incident.exercise) says so first, after the "KUZET" every SMS of Kuzet
    begins with: "KUZET UCHENIYA 1036-…" — a crew reading it on a push-button phone must know
    a drill before it drives; the summary is what gives way to the word (``compose``)."""
    language = _language(language)
    with translation.override(language):
        labels = dict(Category.choices)
        if isinstance(place, CallPlace):
            place = call_place_text(place)
        return _sms(
            [
                "KUZET"
                + (" " + _("EXERCISE") if exercise else "")
                + (" " + _("REMINDER") if reminder else ""),
                number,
                priority,
                str(labels.get(category, category)),
                place,
                _("RISK") if risk else "",
                summary,
            ],
            tail=_("Reply: ACK %(code)s") % {"code": reply_code},
            language=language,
        )


def dispatch_text(
    *,
    incident: Incident,
    assignment_id: int,
    reminder: bool = False,
    language: str = DEFAULT_LANGUAGE,
) -> str:
    return unit_text(
        number=incident.number,
        priority=incident.priority,
        category=incident.category,
        place=where(incident),
        risk=bool(incident.risk_flags),
        summary=incident.summary,
        reply_code=reply_code_for(assignment_id),
        reminder=reminder,
        exercise=incident.exercise,
        language=language,
    )


def cancel_text(*, incident: Incident, language: str = DEFAULT_LANGUAGE) -> str:
    language = _language(language)
    with translation.override(language):
        return _sms(
            ["KUZET " + _("CANCELLED"), incident.number, _("call-out cancelled.")],
            language=language,
        )


def message_text(
    *, incident: Incident, text: str, reply_code: str, language: str = DEFAULT_LANGUAGE
) -> str:
    """The duty desk's message to the crew on a call (services/messages.py), cut to one SMS,
    ending with the assignment's reply instruction as its SMS says it ("Otvet: ACK 4821"):
    the officer's answer is the desk's read receipt (services/sms_inbound.py) — in a white
    spot the phone has no link to send one. The message is cut, never the instruction."""
    language = _language(language)
    with translation.override(language):
        return _sms(
            ["KUZET " + _("MESSAGE"), incident.number, text],
            tail=_("Reply: ACK %(code)s") % {"code": reply_code},
            language=language,
        )


def message_heads() -> frozenset[str]:
    """How the desk's message SMS (:func:`message_text`) begins in each language —
    "KUZET SOOBShchENIE", "KUZET HABAR", "KUZET MESSAGE": what tells it from a call's SMS
    on an officer's push-button phone (the simulator's crews read it so)."""
    heads = set()
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            heads.add(_sms(["KUZET " + _("MESSAGE")], language=language))
    return frozenset(heads)


def _citizen_measures() -> dict[str, str]:
    """What the citizen is told was done, by the call's outcome code (DOMAIN.md: "the
    citizen is told the measures taken"). A false call and no outcome say only "closed";
    "action taken" had been sent for a false call too."""
    return {
        "resolved_on_scene": _("resolved on scene"),
        "report_taken": _("your report is registered"),
        "criminal_case": _("a criminal case is opened"),
        "admin_protocol": _("an administrative protocol is drawn up"),
        "protective_order": _("a protective order is issued"),
        "arrest": _("a person is detained"),
        "warning": _("a warning is given"),
        "referred": _("passed to another service"),
        "no_offence": _("no offence found"),
        "not_found": _("nobody was found at the place"),
    }


def citizen_measure(outcome_code: str, *, discreet: bool = False) -> str:
    """The measure taken as the citizen is told it, in the active language: by SMS at close
    and in a partner's status read (docs/intake.md). "" for no outcome, a false call, or a
    ``discreet`` (domestic-violence) call."""
    return "" if discreet else _citizen_measures().get(outcome_code, "")


def citizen_outcome_text(
    *,
    number: str,
    outcome_code: str = "",
    discreet: bool = False,
    language: str = DEFAULT_LANGUAGE,
) -> str:
    """The citizen's SMS when their call is closed, naming the measure taken. ``discreet``
    (a domestic-violence call): the text says only that the call is closed — the phone it
    goes to may be read by the person the call was about."""
    language = _language(language)
    with translation.override(language):
        measure = citizen_measure(outcome_code, discreet=discreet)
        closed = (
            _("Police: call %(number)s closed: %(measure)s.")
            % {"number": number, "measure": measure}
            if measure
            else _("Police: call %(number)s closed.") % {"number": number}
        )
        return _sms([closed, _("Details: 102.")], language=language)


def citizen_delay_text(*, number: str, language: str = DEFAULT_LANGUAGE) -> str:
    language = _language(language)
    with translation.override(language):
        return _sms(
            [
                _("Police: call %(number)s received, the unit is delayed.") % {"number": number},
                _("If life is in danger, call 102."),
            ],
            language=language,
        )
