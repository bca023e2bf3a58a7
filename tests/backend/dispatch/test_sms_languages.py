"""SMS in the language of the officer who gets it: Kazakh in GSM-7 Kazakh Latin (2021
alphabet), Russian transliterated, English; each one 160-character GSM-7 SMS."""

from __future__ import annotations

import pytest

from backend.dispatch import sms, sms_texts
from backend.dispatch.models import OutcomeCode, SmsMessage
from backend.dispatch.services import assignment_cancel, incident_dispatch
from backend.dispatch.sms import reply_code_for
from tests import factories

LONG_SUMMARY = "Муж угрожает жене ножом, соседи слышат крики, дети в доме. " * 3


def _assignment_text(language: str) -> str:
    return sms_texts.unit_text(
        number="1036-2026-000042",
        priority="P0",
        category="domestic_violence",
        place="Ақтоғай, у мечети «Нұр»",
        risk=True,
        summary=LONG_SUMMARY,
        reply_code="4821",
        reminder=True,
        language=language,
    )


@pytest.mark.parametrize(
    ("language", "start", "tail"),
    [
        ("kk", "KUZET ESKERTU 1036-2026-000042 P0 Turmystyq zorlyq-zombylyq Aqtogai",
         "Jauap: ACK 4821"),
        ("ru", "KUZET NAPOMINANIE 1036-2026-000042 P0 Bytovoe nasilie Aqtogai", "Otvet: ACK 4821"),
        ("en", "KUZET REMINDER 1036-2026-000042 P0 Domestic violence Aqtogai", "Reply: ACK 4821"),
    ],
)  # fmt: skip
def test_the_assignment_reads_in_the_officers_language_in_one_gsm7_sms(language, start, tail):
    # when
    text = _assignment_text(language)

    # then
    assert text.startswith(start)
    assert text.endswith("+ " + tail)  # the summary was cut, never the reply instruction
    assert sms.SMS_MAX_CHARS - 1 <= len(text) <= sms.SMS_MAX_CHARS  # cut at a word's end
    assert all(ch in sms._GSM7 for ch in text)


def test_kazakh_letters_use_the_latin_alphabet_where_gsm7_has_them():
    # when
    text = sms_texts.kazakh_latin("Өмірге қауіп төнсе, қоңырау шалыңыз; әке, үй, ұл, ғ, ш, і")

    # then: ö ñ ä ü from the 2021 alphabet; ū ğ ş ı written u g sh i (not in GSM-7)
    assert text == "Ömirge qauip tönse, qoñyrau shalyñyz; äke, üi, ul, g, sh, i"
    assert all(ch in sms._GSM7 for ch in text)


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("kk", "KUZET BOLDYRMAU 1036-2026-000042 shygu toqtatyldy."),
        ("ru", "KUZET OTMENA 1036-2026-000042 vyezd otmenen."),
        ("en", "KUZET CANCELLED 1036-2026-000042 call-out cancelled."),
    ],
)
def test_the_cancellation_reads_in_each_language(language, expected):
    incident = type("I", (), {"number": "1036-2026-000042"})()
    assert sms_texts.cancel_text(incident=incident, language=language) == expected


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_citizen_texts_fit_one_gsm7_sms(language):
    for text in (
        sms_texts.citizen_delay_text(number="1036-2026-000042", language=language),
        sms_texts.citizen_outcome_text(number="1036-2026-000042", language=language),
    ):
        assert "1036-2026-000042" in text
        assert len(text) <= sms.SMS_MAX_CHARS
        assert all(ch in sms._GSM7 for ch in text)


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
@pytest.mark.parametrize("code", ["", *OutcomeCode.values])
def test_every_outcome_the_citizen_is_told_fits_one_gsm7_sms(language, code):
    text = sms_texts.citizen_outcome_text(
        number="1036-2026-000042", outcome_code=code, language=language
    )
    assert "1036-2026-000042" in text
    assert len(text) <= sms.SMS_MAX_CHARS
    assert all(ch in sms._GSM7 for ch in text)


@pytest.mark.parametrize(
    ("code", "discreet", "expected"),
    [
        (
            "report_taken",
            False,
            "Politsiya: vyzov 1036-2026-000042 zakryt: "
            "vashe zayavlenie zaregistrirovano. Podrobnosti: 102.",
        ),
        ("false_call", False, "Politsiya: vyzov 1036-2026-000042 zakryt. Podrobnosti: 102."),
        ("", False, "Politsiya: vyzov 1036-2026-000042 zakryt. Podrobnosti: 102."),
        # a DV call: the phone may be read by the person the call was about
        ("protective_order", True, "Politsiya: vyzov 1036-2026-000042 zakryt. Podrobnosti: 102."),
    ],
)
def test_the_citizen_is_told_the_measure_taken_except_on_a_dv_call(code, discreet, expected):
    text = sms_texts.citizen_outcome_text(
        number="1036-2026-000042", outcome_code=code, discreet=discreet, language="ru"
    )
    assert text == expected


def test_an_unknown_language_falls_back_to_russian():
    assert _assignment_text("de") == _assignment_text("ru")


def test_each_officer_of_a_unit_gets_the_dispatch_and_its_cancellation_in_their_language(
    personas, sms_outbox
):
    # given: the two officers of a unit without the app read Kazakh and English
    first, second = sorted(personas.a.patrol.members.all(), key=lambda o: o.pk)
    first.language, second.language = "kk", "en"
    first.save(update_fields=["language"])
    second.save(update_fields=["language"])
    incident = factories.incident(district=personas.a.district, settlement=personas.a.town)

    # when
    assignment = incident_dispatch(incident=incident, unit=personas.a.patrol, by=personas.duty)
    assignment_cancel(assignment=assignment, by=personas.duty, reason="caller withdrew")

    # then
    code = reply_code_for(assignment.pk)
    rows = list(
        SmsMessage.objects.filter(assignment=assignment)
        .order_by("pk")
        .values_list("officer_id", "purpose", "body")
    )
    assert [(officer, purpose) for officer, purpose, _ in rows] == [
        (first.pk, "dispatch"),
        (second.pk, "dispatch"),
        (first.pk, "cancel"),
        (second.pk, "cancel"),
    ]
    bodies = [body for _, _, body in rows]
    assert bodies[0].endswith(f"Jauap: ACK {code}")
    assert bodies[1].endswith(f"Reply: ACK {code}")
    assert bodies[2] == f"KUZET BOLDYRMAU {incident.number} shygu toqtatyldy."
    assert bodies[3] == f"KUZET CANCELLED {incident.number} call-out cancelled."


def test_an_exercise_calls_sms_says_so_first_and_still_fits_one_sms():
    # when: a drill's long assignment SMS, and the same call were it real
    drill = sms_texts.unit_text(
        number="1036-2026-000042", priority="P1", category="robbery", place="Ayagoz",
        risk=False, summary=LONG_SUMMARY, reply_code="4821", exercise=True, language="en",
    )  # fmt: skip
    real = sms_texts.unit_text(
        number="1036-2026-000042", priority="P1", category="robbery", place="Ayagoz",
        risk=False, summary=LONG_SUMMARY, reply_code="4821", language="en",
    )  # fmt: skip

    # then: the word right after KUZET; the summary gives way to it, never the reply code
    assert drill.startswith("KUZET EXERCISE 1036-2026-000042 P1 ")
    assert real.startswith("KUZET 1036-2026-000042 P1 ")
    assert drill.endswith("+ Reply: ACK 4821")
    assert len(drill) <= sms.SMS_MAX_CHARS
    assert all(ch in sms._GSM7 for ch in drill)


def test_a_unit_dispatched_to_an_exercise_call_reads_it_in_its_sms(personas, sms_outbox):
    # given: the unit's officers read their calls by SMS, one of them in English
    officers = sorted(personas.a.patrol.members.all(), key=lambda o: o.pk)
    for officer in officers:
        officer.language = "en"
        officer.save(update_fields=["language"])
    drill = factories.incident(
        district=personas.a.district, settlement=personas.a.town, exercise=True
    )

    # when
    assignment = incident_dispatch(incident=drill, unit=personas.a.patrol, by=personas.duty)

    # then
    bodies = list(
        SmsMessage.objects.filter(assignment=assignment, purpose="dispatch").values_list(
            "body", flat=True
        )
    )
    assert bodies
    assert all(body.startswith(f"KUZET EXERCISE {drill.number} ") for body in bodies)
