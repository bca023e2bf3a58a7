"""The incident page's timeline reads codes in its events' and audit entries' data as words."""

from __future__ import annotations

from django.utils import translation

from backend.dispatch.admin.formatting import payload_text
from backend.dispatch.admin.timeline import worded


def test_codes_in_timeline_data_are_words_in_the_readers_language():
    # given: what a dispatch's audit entry and a reported arrival carry
    data = {
        "source": "duty_officer",
        "sms": "no_device",
        "unit": 7,
        "kind": "on_scene",
        "status": "dispatched",
        "deadlines": {"ack_within_s": 300, "policy": "builtin"},
    }

    # when
    with translation.override("en"):
        english = payload_text(worded(data, {7: "A-PC1"}))
    with translation.override("ru"):
        russian = payload_text(worded(data, {7: "A-PC1"}))

    # then: names, not codes or ids; nested data too
    assert english == (
        "Deadlines: (Acknowledge within: 5 min; Escalation policy: the built-in deadlines); "
        "Kind: On scene; SMS sent: no enrolled device; Source: Duty officer; "
        "Status: Dispatched; Unit: A-PC1"
    )
    for code in ("duty_officer", "no_device", "on_scene", "builtin", "dispatched"):
        assert code not in russian
    assert "Источник: Дежурный" in russian
    assert "Наряд: A-PC1" in russian


def test_an_escalations_recommended_unit_is_bracketed_apart_from_the_entrys_own_fields():
    # given: the sweep's entry for a crew silent past twice its deadline, with the next unit
    data = {
        "late_ms": 4318,
        "sms": 0,
        "recommended": {"callsign": "AYG-DV1", "unit_id": 16, "presence": "available"},
    }

    # when: the call's timeline reads it in Russian
    with translation.override("ru"):
        russian = payload_text(worded(data, {}))

    # then: the recommended unit's status is inside its brackets, not read as the entry's own
    assert russian == (
        "Опоздание: 4 с; Рекомендованный наряд: (Позывной: AYG-DV1; Статус: Свободен); "
        "Отправлено SMS: 0"
    )


def test_an_assignments_deadlines_read_as_durations_in_words_not_clock_times():
    # given: a P0 call's deadlines in a dispatch's audit entry: 30 s, a minute, an hour
    data = {"deadlines": {"deliver_within_s": 30, "ack_within_s": 60, "arrive_within_s": 3600}}

    # when: the call's timeline reads it in Russian
    with translation.override("ru"):
        russian = payload_text(worded(data, {}))

    # then: a minute and an hour no longer both read "1:00…", as a time of day would
    assert "Доставить за: 30 с" in russian
    assert "Подтвердить за: 1 мин;" in russian
    assert "Прибыть за: 1 ч 00 мин" in russian
    assert "1:00" not in russian


def test_a_code_without_a_name_stays_as_it_is():
    assert worded({"source": "mystery", "unit": 99}, {}) == {"source": "mystery", "unit": 99}


def test_the_names_of_dispatch_records_are_words_in_the_readers_language(personas, db):
    # given: an assignment superseded, its escalation rung, a follow-up visit, an SMS, policies
    from backend.common import clock
    from backend.dispatch.models import (
        Assignment,
        EscalationPolicy,
        EscalationStep,
        FollowUpTask,
        SmsMessage,
    )
    from tests import factories

    incident = factories.incident(district=personas.a.district, settlement=personas.a.village)
    assignment = Assignment(pk=41, incident=incident, unit=personas.a.patrol, status="superseded")
    step = EscalationStep(assignment=assignment, step="ack_overdue", due_at=clock.now())
    visit = FollowUpTask(incident=incident, district=personas.a.district, due_at=clock.now())
    sms = SmsMessage(
        direction="out", phone="+77010000000", body="ACK 1234", purpose="citizen_delay"
    )
    policies = [
        EscalationPolicy(district=None, priority="P1", zone=""),
        EscalationPolicy(district=personas.a.district, priority="P2", zone="remote"),
    ]

    # when
    with translation.override("ru"):
        names = [str(x) for x in (assignment, step, visit, sms, *policies)]
        purpose = sms.get_purpose_display()

    # then
    number, callsign, district = incident.number, personas.a.patrol.callsign, personas.a.district
    assert names == [
        f"{number} → {callsign} (Заменено)",
        f"Не подтверждено: повтор, SMS, тревога на табло · {number} → {callsign}",
        f"Контрольное посещение по {number}",
        "Исходящее …0000: ACK 1234",
        "по умолчанию P1 любая зона",
        f"{district.name} P2 Отдалённая",
    ]
    assert purpose == "Заявителю: помощь задерживается"


def test_a_reopened_calls_timeline_says_what_it_was_in_the_readers_language(client, personas, db):
    # given: a call closed, then reopened because the caller rang again
    from backend.dispatch.services import incident_close, incident_reopen
    from tests import factories

    call = factories.incident(district=personas.a.district, settlement=personas.a.village)
    incident_close(incident=call, by=personas.duty, disposition="задержаны двое")
    incident_reopen(incident=call, by=personas.duty, reason="заявитель перезвонил")
    client.force_login(personas.duty)
    pages = {}
    for language in ("ru", "kk"):
        personas.duty.language = language
        personas.duty.save(update_fields=["language"])

        # when: the duty officer opens the call's page
        response = client.get(f"/admin/dispatch/incident/{call.pk}/change/")
        assert response.status_code == 200
        pages[language] = response.content.decode()

    # then: its reopening (the event and the audit entry) says it had been closed, in words
    assert pages["ru"].count("Было: Закрыто") == 2
    assert pages["kk"].count("Бұрын: Жабылды") == 2
    for page in pages.values():
        assert ": closed" not in page
