"""The audit log's page reads an entry's data as the incident's timeline does: codes as
words, the unit by its callsign, the incident by its number — in the reader's language."""

from __future__ import annotations

import re

import pytest
from django.contrib.admin.utils import quote
from django.urls import reverse
from django.utils import translation

from backend.dispatch.models import Incident
from backend.dispatch.services import incident_dispatch
from backend.ledger.models import AuditEntry
from tests import factories

pytestmark = pytest.mark.django_db


def test_a_dispatchs_entry_reads_as_words(client, personas):
    # given: a call dispatched by the duty officer; the chief reads Russian
    incident = factories.incident(district=personas.a.district, settlement=personas.a.village)
    incident_dispatch(incident=incident, unit=personas.a.patrol, by=personas.duty)
    entry = AuditEntry.objects.get(action="assignment.dispatched")
    client.force_login(personas.a.chief)

    # when
    response = client.get(reverse("admin:ledger_auditentry_change", args=[entry.pk]))

    # then
    assert response.status_code == 200
    main = response.content.decode().split('id="content-main"')[1]
    rows = dict(re.findall(r"<dt>([^<]*)</dt><dd>([^<]*)</dd>", main))
    assert rows["Наряд"] == personas.a.patrol.callsign
    assert rows["Происшествие"] == incident.number
    assert rows["Источник"] == "Дежурный"
    assert "duty_officer" not in main


def test_the_units_list_and_an_outcomes_page_read_as_words(client, personas):
    # given: A's patrol on its way, an outcome recorded on its call; the chief reads Russian
    from backend.common import clock
    from backend.dispatch.models import Event
    from backend.dispatch.services import fact_record

    incident = factories.incident(district=personas.a.district, settlement=personas.a.village)
    assignment = incident_dispatch(incident=incident, unit=personas.a.patrol, by=personas.duty)
    personas.a.patrol.__class__.objects.filter(pk=personas.a.patrol.pk).update(
        status="en_route", last_contact_at=clock.now()
    )
    fact_record(
        kind="outcome",
        assignment=assignment,
        source="on_behalf",
        actor=personas.duty,
        via="radio",
        payload={"code": "criminal_case", "text": ""},
    )
    outcome = Event.objects.get(kind="outcome")
    client.force_login(personas.a.chief)

    # when
    units = client.get(reverse("admin:people_unit_changelist")).content.decode()
    # (the admin writes ids with "_" escaped in its addresses: quote)
    page = client.get(reverse("admin:dispatch_event_change", args=[quote(outcome.pk)]))
    page = page.content.decode()

    # then
    callsign = personas.a.patrol.callsign
    row = re.search(rf">{callsign}</a></th>(.*?)</tr>", units, re.S)
    assert row is not None
    assert '<td class="field-status_now">В пути</td>' in row.group(1)
    assert "<dd>criminal_case</dd>" not in page
    assert "<dt>Код</dt><dd>Возбуждено уголовное дело (ЕРДР)</dd>" in page


def test_a_records_history_is_its_audit_trail_in_words_and_scoped(client, personas):
    # given: a call dispatched, then the unit stood down by the duty officer
    from backend.dispatch.services import assignment_cancel

    incident = factories.incident(district=personas.a.district, settlement=personas.a.village)
    assignment = incident_dispatch(incident=incident, unit=personas.a.patrol, by=personas.duty)
    assignment_cancel(assignment=assignment, by=personas.duty, reason="ложный вызов")
    history = reverse("admin:dispatch_assignment_history", args=[assignment.pk])

    # when: A's chief (Russian) and B's chief open the assignment's history
    client.force_login(personas.a.chief)
    page = client.get(history).content.decode()
    client.force_login(personas.b.chief)
    elsewhere = client.get(history)

    # then: both entries, newest first, who did it, what, with the data in words
    rows = re.findall(r"<tr>\s*<th[^>]*>([^<]*)</th>\s*<td>([^<]*)</td>\s*<td>([^<]*)</td>", page)
    assert [(who, what) for _when, who, what in rows] == [
        (personas.duty.username, "Назначение отменено"),
        (personas.duty.username, "Наряд направлен"),
    ]
    assert "<dd>ложный вызов</dd>" in page
    assert f"<dd>{personas.a.patrol.callsign}</dd>" in page
    assert "2 записи в журнале аудита" in page
    # B's chief does not learn that it exists
    assert elsewhere.status_code == 302


def test_a_calls_history_holds_its_units_too(client, personas):
    # given: a call dispatched, handed to another unit, and closed
    from backend.dispatch.services import assignment_reassign, incident_close

    incident = factories.incident(district=personas.a.district, settlement=personas.a.village)
    assignment = incident_dispatch(incident=incident, unit=personas.a.patrol, by=personas.duty)
    assignment_reassign(assignment=assignment, unit=personas.a.inspector_unit, by=personas.duty)
    incident_close(incident=incident, by=personas.duty, disposition="разобрано")
    client.force_login(personas.a.chief)

    # when: the chief (Russian) presses the call's "History"
    page = client.get(reverse("admin:dispatch_incident_history", args=[incident.pk]))

    # then: the units sent and handed over are in it, beside the close, newest first
    rows = re.findall(
        r"<tr>\s*<th[^>]*>([^<]*)</th>\s*<td>([^<]*)</td>\s*<td>([^<]*)</td>",
        page.content.decode(),
    )
    whats = [what for _when, _who, what in rows]
    assert whats[0] == "Происшествие закрыто"
    assert sorted(whats[1:]) == [
        "Назначение передано другому наряду",
        "Наряд направлен",
        "Наряд направлен",
    ]


def test_reading_a_dv_cases_history_is_itself_audited(client, personas):
    # given: a domestic-violence call
    incident = factories.incident(
        district=personas.a.district,
        settlement=personas.a.village,
        category="domestic_violence",
        priority="P1",
    )
    client.force_login(personas.a.chief)

    # when
    response = client.get(reverse("admin:dispatch_incident_history", args=[incident.pk]))

    # then: the read is on the record, with why
    assert response.status_code == 200
    read = AuditEntry.objects.get(object_type="incident", object_id=str(incident.pk))
    assert (read.actor_id, read.data_dict["purpose"]) == (
        personas.a.chief.pk,
        "admin.incident_history",
    )


def _rows(client, entry: AuditEntry) -> tuple[dict[str, str], str]:
    response = client.get(reverse("admin:ledger_auditentry_change", args=[entry.pk]))
    assert response.status_code == 200
    main = response.content.decode().split('id="content-main"')[1]
    return dict(re.findall(r"<dt>([^<]*)</dt><dd>([^<]*)</dd>", main)), main


def test_a_reassignment_and_a_protected_read_read_as_words(client, personas):
    # given: a call handed from A's patrol to A's inspector, then read on a phone as a DV
    # record (Law 214-IV); the chief reads Russian
    from backend.dispatch.services import assignment_reassign
    from backend.ledger import uow
    from backend.ledger.actions import AuditAction

    incident = factories.incident(district=personas.a.district, settlement=personas.a.village)
    first = incident_dispatch(incident=incident, unit=personas.a.patrol, by=personas.duty)
    assignment_reassign(assignment=first, unit=personas.a.inspector_unit, by=personas.duty)
    with uow.unit_of_work():
        uow.audit(
            AuditAction.INCIDENT_READ,
            actor=personas.a.patrol_officers[0],
            actor_kind=uow.ActorKind.DEVICE,
            object_type="incident",
            district_id=personas.a.district.pk,
            data={"purpose": "sync_pull", "device_id": "dev_1", "incident_ids": [str(incident.pk)]},
        )
    client.force_login(personas.a.chief)
    patrol, inspector = personas.a.patrol.callsign, personas.a.inspector_unit.callsign

    # when
    handed, handed_page = _rows(client, AuditEntry.objects.get(action="assignment.reassigned"))
    sent, sent_page = _rows(
        client, AuditEntry.objects.filter(action="assignment.dispatched").latest("id")
    )
    read, read_page = _rows(client, AuditEntry.objects.get(action="incident.read"))

    # then: units by callsign, the incident by its number, every label and code in Russian
    assert (handed["Из наряда"], handed["В наряд"]) == (patrol, inspector)
    assert sent["Переназначено от"] == patrol
    assert "reassigned from" not in sent_page
    assert read["Назначение"] == "отправлено на телефон сотрудника"
    assert read["Происшествия"] == incident.number
    assert '<div class="readonly">назначение</div>' in handed_page  # what it is about
    for page in (handed_page, sent_page, read_page):
        labels = re.findall(r"<dt>([^<]*)</dt>", page)
        english = [
            label for label in labels if re.search(r"[A-Za-z]{3,}", label.replace("SMS", ""))
        ]
        assert not english, labels


@pytest.mark.parametrize(("language", "words"), [("ru", "вызов закрыт"), ("kk", "шақыру жабылды")])
def test_a_unit_stood_down_by_closing_the_call_says_why_in_words(client, personas, language, words):
    # given: a call closed while A's patrol is still on it (the server stands the unit down)
    from backend.dispatch.models import Event
    from backend.dispatch.services import incident_close

    incident = factories.incident(district=personas.a.district, settlement=personas.a.village)
    incident_dispatch(incident=incident, unit=personas.a.patrol, by=personas.duty)
    incident_close(incident=incident, by=personas.duty, disposition="Отработано")
    chief = personas.a.chief
    chief.language = language
    chief.save(update_fields=["language"])
    client.force_login(chief)

    # when
    page = client.get(reverse("admin:dispatch_incident_change", args=[incident.pk]))
    stand_down = Event.objects.get(incident=incident, kind="cancelled")
    event = client.get(reverse("admin:dispatch_event_change", args=[quote(stand_down.pk)]))

    # then: on the incident's timeline and on the stand-down's own page
    for text in (page.content.decode(), event.content.decode()):
        assert words in text
        assert "incident closed" not in text


def test_an_escalations_details_and_a_protected_read_on_the_timeline_read_as_words(
    client, personas
):
    # given: a call not acknowledged twice (the next unit recommended), read on a phone as a
    # DV record; the chief reads Russian
    from backend.common import clock
    from backend.dispatch.models import EscalationStep
    from backend.ledger import uow
    from backend.ledger.actions import AuditAction

    incident = factories.incident(district=personas.a.district, settlement=personas.a.village)
    assignment = incident_dispatch(incident=incident, unit=personas.a.patrol, by=personas.duty)
    inspector = personas.a.inspector_unit
    step = EscalationStep.objects.create(
        assignment=assignment,
        step=EscalationStep.Step.ACK_OVERDUE_TWICE,
        due_at=clock.now(),
        fired_at=clock.now(),
        details={
            "already_alerted_for_incident": False,
            "recommended": {
                "unit_id": inspector.pk, "callsign": inspector.callsign,
                "type": "district_inspector", "mobility": "horse", "presence": "unreachable",
                "road_km": 76.3, "eta_s": 4577, "position_age_s": 17633, "stale": True,
            },
        },
    )  # fmt: skip
    with uow.unit_of_work():
        uow.audit(
            AuditAction.INCIDENT_READ,
            actor=personas.a.patrol_officers[0],
            actor_kind=uow.ActorKind.DEVICE,
            object_type="incident",
            object_id=str(incident.pk),
            district_id=personas.a.district.pk,
            data={"purpose": "sync_pull", "device_id": "dev_1", "incident_ids": [str(incident.pk)]},
        )
    client.force_login(personas.a.chief)

    # when
    details = client.get(reverse("admin:dispatch_escalationstep_change", args=[step.pk]))
    timeline = client.get(reverse("admin:dispatch_incident_change", args=[incident.pk]))

    # then
    details = details.content.decode()
    for code in ("district_inspector", "horse", "unreachable", "Road km", "Already alerted"):
        assert code not in details
    for words in ("Участковый инспектор", "Конный", "недоступен"):
        assert words in details
    # the step is named by its call and unit, not by the assignment's database id
    with translation.override(personas.a.chief.language):
        named = f"<h2>{step.get_step_display()} · {incident.number} → A-PC1</h2>"
    assert named in details
    assert f"назначение №{assignment.pk}" not in details
    timeline = timeline.content.decode()
    assert "Происшествия: " + incident.number in timeline
    assert "sync_pull" not in timeline


def test_an_assignments_page_and_an_older_reassignment_note_read_as_words(client, personas):
    # given: a unit stood down by closing its call; an entry from before reassignments had a
    # field of their own, whose note the server wrote in English (entries are immutable)
    from backend.dispatch.services import incident_close
    from backend.ledger import uow
    from backend.ledger.actions import AuditAction

    incident = factories.incident(district=personas.a.district, settlement=personas.a.village)
    assignment = incident_dispatch(incident=incident, unit=personas.a.patrol, by=personas.duty)
    incident_close(incident=incident, by=personas.duty, disposition="Отработано")
    with uow.unit_of_work():
        uow.audit(
            AuditAction.ASSIGNMENT_DISPATCHED,
            actor=personas.duty,
            obj=assignment,
            data={"note": "reassigned from A-UI1", "unit_id": personas.a.patrol.pk},
        )
    client.force_login(personas.a.chief)

    # when
    page = client.get(reverse("admin:dispatch_assignment_change", args=[assignment.pk]))
    older, _ = _rows(client, AuditEntry.objects.filter(_dispatched(assignment)).latest("id"))

    # then
    text = page.content.decode()
    assert "вызов закрыт" in text
    assert "incident closed" not in text
    assert older["Примечание"] == "переназначено от A-UI1"


def _dispatched(assignment):
    from django.db.models import Q

    return Q(object_type="assignment", object_id=str(assignment.pk), action="assignment.dispatched")


def test_the_log_names_each_entrys_record_in_a_read_per_kind(
    client, personas, django_assert_max_num_queries
):
    from backend.ledger import uow

    # given: two calls, each with a unit on it; the chief reads the log
    units = [personas.a.patrol, personas.a.inspector_unit]
    incidents = [
        factories.incident(district=personas.a.district, settlement=personas.a.village)
        for _ in units
    ]
    assignments = [
        incident_dispatch(incident=i, unit=u, by=personas.duty)
        for i, u in zip(incidents, units, strict=True)
    ]
    for incident in incidents:  # and each call's page read (an entry about the call)
        uow.record_read(actor=personas.a.chief, obj=incident, purpose="admin.incident_view")
    client.force_login(personas.a.chief)
    url = reverse("admin:ledger_auditentry_changelist")
    client.get(url)  # warm: the session, the viewer's scope

    # when: the page's queries do not grow with its rows
    with django_assert_max_num_queries(12):
        page = client.get(url)

    # then: a call by its number, an assignment by its unit and call
    cl = page.context["cl"]
    names = {(e.object_type, e.named) for e in cl.result_list}
    for incident, assignment, unit in zip(incidents, assignments, units, strict=True):
        assert ("incident", incident.number) in names
        assert ("assignment", f"{unit.callsign} · {incident.number}") in names
        assert ("assignment", str(assignment.pk)) not in names


def test_a_unit_gone_silent_reads_as_words(client, personas):
    # given: the presence sweep's entry for a unit not heard from (its last contact a sync)
    from backend.ledger import uow
    from backend.ledger.actions import AuditAction

    unit = personas.a.patrol
    with uow.unit_of_work():
        uow.audit(
            AuditAction.UNIT_UNREACHABLE,
            obj=unit,
            data={"last_contact_at": "2026-03-02T04:00:00+00:00", "last_contact_via": "pull"},
        )
    client.force_login(personas.a.chief)

    # when
    rows, page = _rows(client, AuditEntry.objects.get(action="unit.unreachable"))

    # then
    assert rows["Последняя связь"] == "02.03.2026 09:00:00"  # local time (UTC+5)
    assert rows["Последняя связь — как"] == "синхронизация"
    unit_page = reverse("admin:people_unit_change", args=[unit.pk])
    assert f'<div class="readonly"><a href="{unit_page}">{unit.callsign}</a></div>' in page


def test_an_entrys_title_and_a_sensitive_read_of_a_risk_address_read_as_words(client, personas):
    # given: the duty officer opened a DV risk address (an audited read); the chief reads
    # Russian
    from backend.dispatch.models import RiskSubject
    from backend.ledger import uow

    subject = RiskSubject.objects.create(
        kind="address", district=personas.a.district, address="ул. Абая, 1"
    )
    uow.record_read(actor=personas.duty, obj=subject, purpose="admin.risk_subject_view")
    entry = AuditEntry.objects.get(action="risksubject.read")
    client.force_login(personas.a.chief)

    # when
    page = client.get(reverse("admin:ledger_auditentry_change", args=[entry.pk])).content.decode()
    listing = client.get(reverse("admin:ledger_auditentry_changelist")).content.decode()

    # then: the model by its name (not "Risksubject"), the title in words, not codes
    assert f"<h2>№ {entry.pk} · Объект риска: просмотрено</h2>" in page
    assert f"<title>№ {entry.pk} · Объект риска: просмотрено" in page
    assert "Объект риска: просмотрено" in listing
    for html in (page, listing):
        assert "risksubject" not in re.sub(r"<[^>]*>", "", html).lower()  # what a person reads


def test_a_call_from_an_integration_names_the_integration_not_its_key_prefix(client, personas):
    # given: eGov reports a call
    from backend.common import clock
    from backend.dispatch.services import IncidentInput, intake_key_issue, intake_receive

    key, _raw = intake_key_issue(channel="egov", name="eGov Mobile")
    data = IncidentInput(
        category="theft", received_at=clock.now(), settlement_id=personas.a.town.pk
    )
    intake_receive(key=key, channel="egov", external_ref="eg-7", data=data)
    incident = Incident.objects.get(external_ref="eg-7")
    client.force_login(personas.a.chief)

    # when
    listing = client.get(reverse("admin:ledger_auditentry_changelist")).content.decode()
    page = client.get(reverse("admin:dispatch_incident_change", args=[incident.pk]))

    # then: the log and the call's timeline say who reported it, as its name
    assert "eGov Mobile" in listing
    assert "eGov Mobile" in page.content.decode()
    for html in (listing, page.content.decode()):
        assert "intake:eGov" not in html


def test_the_logs_columns_say_who_in_english_too(client, personas):
    # given: an entry, the chief reading English
    incident = factories.incident(district=personas.a.district, settlement=personas.a.village)
    incident_dispatch(incident=incident, unit=personas.a.patrol, by=personas.duty)
    chief = personas.a.chief
    chief.language = "en"
    chief.save(update_fields=["language"])
    client.force_login(chief)

    # when
    listing = client.get(reverse("admin:ledger_auditentry_changelist")).content.decode()

    # then: the headers in words (not the model's "actor label" and "actor kind")
    headers = [
        h.strip().lower()
        for h in re.findall(r'<th scope="col"[^>]*>.*?<a [^>]*>([^<]*)</a>', listing, re.S)
    ]
    assert "who (name)" in headers
    assert "who (kind)" in headers
    assert not [h for h in headers if "actor" in h], headers


def test_the_logs_who_is_the_persons_name_with_the_login_under_it(client, personas):
    # given: the duty officer sent a unit (the walk: the chief read "duty_semey1" and
    # "sem_pc1_2" where the call's history and the handover say "Айгерим Нурланова")
    duty = personas.duty
    duty.first_name, duty.last_name = "Айгерим", "Нурланова"
    duty.save(update_fields=["first_name", "last_name"])
    incident = factories.incident(district=personas.a.district, settlement=personas.a.village)
    incident_dispatch(incident=incident, unit=personas.a.patrol, by=duty)
    client.force_login(personas.a.chief)

    # when
    listing = client.get(reverse("admin:ledger_auditentry_changelist")).content.decode()

    # then
    cell = re.search(r'<td class="field-who">(.*?)</td>', listing, re.S)
    assert cell is not None
    assert cell.group(1).startswith("Айгерим Нурланова")
    assert duty.username in cell.group(1)


def test_the_log_finds_a_call_by_its_number_and_an_action_by_its_name(client, personas):
    # given: two calls, each with a unit on it and its page read; the chief reads English
    from backend.ledger import uow
    from backend.people.models import Officer

    Officer.objects.update(language="en")
    wanted, other = (
        factories.incident(district=personas.a.district, settlement=personas.a.village)
        for _ in range(2)
    )
    assignment = incident_dispatch(incident=wanted, unit=personas.a.patrol, by=personas.duty)
    incident_dispatch(incident=other, unit=personas.a.inspector_unit, by=personas.duty)
    for incident in (wanted, other):  # and each call's page read: an entry about the call
        uow.record_read(actor=personas.a.chief, obj=incident, purpose="admin.incident_view")
    client.force_login(personas.a.chief)
    url = reverse("admin:ledger_auditentry_changelist")

    def found(term: str) -> set[tuple[str, str, str]]:
        cl = client.get(url, {"q": term}).context["cl"]
        return {(e.object_type, e.object_id, e.action) for e in cl.result_list}

    # when: the whole number, and its last digits
    about_call = {
        ("incident", str(wanted.pk), "incident.read"),
        ("assignment", str(assignment.pk), "assignment.dispatched"),
    }
    by_number = found(wanted.number)
    # (a lone digit is no number to search for: "7" is typed "007"; the call's number comes
    # from a sequence no rollback resets, so it is 7 or 112 by the tests run before)
    tail = wanted.number[-3:].lstrip("0")
    by_tail = found(tail if len(tail) >= 2 else wanted.number[-3:])

    # then: the entries about the call and its unit's assignment, not the other call's
    assert about_call <= by_number
    assert {pk for _kind, pk, _action in by_number} <= {str(wanted.pk), str(assignment.pk)}
    assert about_call <= by_tail
    # and the action as a person reads it finds both dispatches
    assert {a for _kind, _pk, a in found("unit dispatched")} == {"assignment.dispatched"}
    assert len(found("unit dispatched")) == 2


def test_a_calls_number_in_the_logs_object_column_is_kept_whole(client, personas):
    # given: a dispatch, whose entry is about the assignment "callsign · call number"
    incident = factories.incident(district=personas.a.district, settlement=personas.a.village)
    incident_dispatch(incident=incident, unit=personas.a.patrol, by=personas.duty)
    client.force_login(personas.a.chief)

    # when
    page = client.get(reverse("admin:ledger_auditentry_changelist")).content.decode()

    # then: the number is one code (console.css keeps a kuzet-code on one line), where it
    # broke at its hyphen in a narrow column ("1010-2026-" above "000112")
    cells = re.findall(r'<td class="field-object_named">(.*?)</td>', page, re.S)
    whole = f'<span class="kuzet-code">{incident.number}</span>'
    assert f"{personas.a.patrol.callsign} · {whole}<br>" in [c[: c.find("<br>") + 4] for c in cells]


def test_a_rejected_sms_reply_names_the_senders_number_by_its_last_four_digits(client, personas):
    # given: a stranger texts the SMS gateway by mistake
    from rest_framework.test import APIClient

    from tests.backend.dispatch.conftest import signed_post

    signed_post(APIClient(), {"id": "gw-1", "from": "+77779991234", "text": "ACK 1234"})
    entry = AuditEntry.objects.get(action="sms.inbound_rejected")
    client.force_login(personas.oblast_admin)

    # when
    rows, page = _rows(client, entry)

    # then: the number as the log writes it, never whole (the audit log is never erased;
    # the SMS row the entry is about keeps it)
    assert rows["Телефон"] == "…1234"
    assert "7779991" not in page


@pytest.mark.parametrize("language", ["en", "ru", "kk"])
def test_a_rejected_sms_reply_says_why_in_words_and_links_its_sms(client, personas, language):
    # given: an officer answers with a code no call of his was sent; the oblast administrator
    # reads the log in ``language``
    from django.utils import translation
    from rest_framework.test import APIClient

    from backend.dispatch.admin.formatting import REPLY_OUTCOMES
    from backend.dispatch.models import SmsMessage
    from tests.backend.dispatch.conftest import signed_post

    officer = personas.a.patrol_officers[0]
    signed_post(APIClient(), {"id": "gw-1", "from": officer.phone, "text": "ACK 9999"})
    sms = SmsMessage.objects.get(provider_id="gw-1")
    entry = AuditEntry.objects.get(action="sms.inbound_rejected")
    admin = personas.oblast_admin
    admin.language = language
    admin.save(update_fields=["language"])
    client.force_login(admin)

    # when
    _labels, page = _rows(client, entry)
    listing = client.get(reverse("admin:ledger_auditentry_changelist")).content.decode()

    # then: the reason as the SMS's own page says it, the SMS by its number, a link to it
    with translation.override(language):
        words = str(REPLY_OUTCOMES["unknown_code"])
        named = f"SMS № {sms.pk}"
    assert words in page
    assert "unknown_code" not in page
    link = f'<a href="{reverse("admin:dispatch_smsmessage_change", args=[sms.pk])}">{named}</a>'
    assert link in page
    assert link in listing


def test_a_strangers_sms_is_named_but_not_linked_for_whom_it_is_out_of_scope(client, personas):
    # given: a stranger texts the gateway: his SMS is about no district, which the oblast
    # administrator's SMS list does not show; a superuser's does
    from rest_framework.test import APIClient

    from backend.people.models import Officer
    from tests.backend.dispatch.conftest import signed_post

    signed_post(APIClient(), {"id": "gw-1", "from": "+77779991234", "text": "hello"})
    entry = AuditEntry.objects.get(action="sms.inbound_rejected")
    root = Officer.objects.create_superuser(
        username="root", password="pw-root", role="oblast_admin", oblast=personas.a.district.oblast
    )
    sms_page = reverse("admin:dispatch_smsmessage_change", args=[entry.object_id])

    # when
    client.force_login(personas.oblast_admin)
    _out, admins = _rows(client, entry)
    client.force_login(root)
    _in, roots = _rows(client, entry)

    # then
    assert f'<div class="readonly">SMS № {entry.object_id}</div>' in admins
    assert sms_page not in admins
    assert f'<a href="{sms_page}">SMS № {entry.object_id}</a>' in roots


def test_an_sms_acknowledgement_reads_as_words_on_the_assignments_history(client, personas):
    # given: the inspector, who has no phone with the app, answers his call's SMS
    from rest_framework.test import APIClient

    from backend.dispatch.sms import reply_code_for
    from tests.backend.dispatch.conftest import signed_post

    call = factories.incident(district=personas.a.district, settlement=personas.a.village)
    assignment = incident_dispatch(incident=call, unit=personas.a.inspector_unit, by=personas.duty)
    code = reply_code_for(assignment.pk)
    signed_post(
        APIClient(), {"id": "gw-1", "from": personas.a.inspector.phone, "text": f"ACK {code}"}
    )
    client.force_login(personas.a.chief)

    # when
    page = client.get(reverse("admin:dispatch_assignment_history", args=[assignment.pk]))

    # then: what the reply did, not an empty reason; the officer by his name
    text = page.content.decode()
    assert "<dt>Причина</dt><dd>Вызов подтверждён.</dd>" in text
    entry = AuditEntry.objects.get(action="sms.inbound_applied")
    rows, _page = _rows(client, entry)
    assert rows["Причина"] == "Вызов подтверждён."


def test_a_reclassification_and_an_sms_facts_officer_read_as_words(client, personas):
    # given: a call reclassified (its category before and after), and a fact from an officer's
    # SMS reply naming him by id
    from backend.ledger import uow
    from backend.ledger.actions import AuditAction

    incident = factories.incident(district=personas.a.district, settlement=personas.a.village)
    officer = personas.a.patrol_officers[0]
    officer.first_name, officer.last_name = "Айдос", "Серіков"
    officer.save(update_fields=["first_name", "last_name"])
    with uow.unit_of_work():
        uow.audit(
            AuditAction.INCIDENT_RECLASSIFIED,
            actor=personas.duty,
            obj=incident,
            data={"category": ["disorder", "domestic_violence"], "priority": ["P2", "P1"]},
        )
        uow.audit(
            AuditAction.EVENT_SMS_RECORDED,
            obj=incident,
            data={"kind": "ack", "officer_id": officer.pk, "via": "sms"},
        )
    client.force_login(personas.a.chief)

    # when
    reclassified, _page = _rows(client, AuditEntry.objects.get(action="incident.reclassified"))
    recorded, _page = _rows(client, AuditEntry.objects.get(action="event.sms_recorded"))

    # then
    assert reclassified["Категория"] == "Нарушение общественного порядка, Бытовое насилие"
    assert recorded["Сотрудник"] == "Айдос Серіков"


def test_a_protective_orders_cases_are_named_by_their_numbers(client, personas):
    # given: a protective order recorded on a call's two DV cases
    from backend.ledger import uow
    from backend.ledger.actions import AuditAction

    incident = factories.incident(district=personas.a.district, settlement=personas.a.village)
    with uow.unit_of_work():
        uow.audit(
            AuditAction.RISK_PROTECTIVE_ORDER,
            actor=personas.duty,
            obj=incident,
            data={"subjects": [4, 13], "until": "2026-12-20"},
        )
    client.force_login(personas.a.chief)

    # when
    rows, _page = _rows(client, AuditEntry.objects.get(action="risk_subject.protective_order"))

    # then: cases, not a count ("Объекты риска: 4, 13")
    assert rows["Объекты риска"] == "дело № 4, дело № 13"


@pytest.mark.parametrize("language", ["en", "ru", "kk"])
def test_a_refused_sms_callback_says_why_in_the_readers_language(client, personas, language):
    # given: a forged callback as entries are written now (a code), and a replayed one as
    # they were written before (the English sentence the gateway was answered with)
    from django.utils import translation

    from backend.dispatch.admin.formatting import REFUSALS
    from backend.ledger import uow
    from backend.ledger.actions import AuditAction

    with uow.unit_of_work():
        for action, reason in (
            (AuditAction.SECURITY_SMS_INBOUND_FORGED, "signature_mismatch"),
            (AuditAction.SECURITY_SMS_INBOUND_REPLAYED, "This message was received before."),
        ):
            uow.audit(
                action,
                actor_kind=uow.ActorKind.ANONYMOUS,
                actor_label="sms-gateway",
                object_type="sms",
                data={"reason": reason, "bytes": 80},
            )
    admin = personas.oblast_admin
    admin.language = language
    admin.save(update_fields=["language"])
    client.force_login(admin)

    # when
    _forged, forged = _rows(client, AuditEntry.objects.get(action="security.sms_inbound_forged"))
    _old, old = _rows(client, AuditEntry.objects.get(action="security.sms_inbound_replayed"))

    # then: the code in words, the old sentence as it is
    with translation.override(language):
        words = str(REFUSALS["signature_mismatch"])
    assert f"<dd>{words}</dd>" in forged
    assert "signature_mismatch" not in forged
    assert "<dd>This message was received before.</dd>" in old


def test_a_closed_calls_disposition_is_labelled_as_the_close_form_labels_it(client, personas):
    # given: a call closed with the duty officer's words; the chief reads Russian, where an
    # event's disposition (applied, rejected) is "Применение"
    from django.utils import translation

    from backend.common.formatting import KEY_LABELS
    from backend.dispatch.admin.timeline import incident_timeline
    from backend.dispatch.services import incident_close

    incident = factories.incident(district=personas.a.district, settlement=personas.a.village)
    incident_close(incident=incident, by=personas.duty, disposition="разобрано на месте")
    client.force_login(personas.a.chief)

    # when
    rows, _page = _rows(client, AuditEntry.objects.get(action="incident.closed"))
    with translation.override("ru"):
        label = str(KEY_LABELS["call_disposition"])
        details = [r.detail for r in incident_timeline(incident) if r.kind in ("event", "audit")]

    # then: the call's own words under the call's label, on the entry and the timeline
    assert rows[label] == "разобрано на месте"
    assert "Применение" not in rows
    assert sum(f"{label}: разобрано на месте" in d for d in details) == 2  # the event, the entry
    assert not any("Применение" in d for d in details)


def test_a_visit_a_code_and_a_safety_check_are_named_not_numbered(client, personas):
    # given: a DV call's follow-up visit, an enrolment code issued to an officer, and a safety
    # check of the unit on scene answered by the desk, each named in an entry's data by id
    import datetime as dt

    from backend.common.formatting import when_text
    from backend.devices.services import enrolment_code_issue
    from backend.dispatch.admin.timeline import incident_timeline
    from backend.dispatch.models import FollowUpTask, SafetyCheck
    from backend.ledger import uow
    from backend.ledger.actions import AuditAction

    incident = factories.incident(district=personas.a.district, settlement=personas.a.village)
    sent = incident_dispatch(incident=incident, unit=personas.a.patrol, by=personas.duty)
    fired = dt.datetime(2026, 12, 6, 9, 5, tzinfo=dt.UTC)
    check = SafetyCheck.objects.create(assignment=sent, due_at=fired, fired_at=fired)
    visit = FollowUpTask.objects.create(
        incident=incident,
        district=incident.district,
        unit=personas.a.inspector_unit,
        due_at=fired + dt.timedelta(days=3),
    )
    officer = personas.a.patrol_officers[0]
    enrolment_code_issue(officer=officer, issued_by=personas.a.chief)
    with uow.unit_of_work():
        uow.audit(
            AuditAction.UNIT_SAFETY_CHECKED,
            actor=personas.duty,
            obj=sent,
            data={"unit_id": sent.unit_id, "safety_check_id": check.pk},
        )
        uow.audit(
            AuditAction.FOLLOWUP_CREATED,
            actor=personas.duty,
            obj=incident,
            data={"follow_up_id": visit.pk},
        )
    client.force_login(personas.a.chief)
    patrol, inspector = personas.a.patrol.callsign, personas.a.inspector_unit.callsign

    # when
    checked, _page = _rows(client, AuditEntry.objects.get(action="unit.safety_checked"))
    planned, _page = _rows(client, AuditEntry.objects.get(action="followup.created"))
    issued, _page = _rows(client, AuditEntry.objects.get(action="device.enrolment_code_issued"))
    with translation.override(personas.a.chief.language):
        timeline = " ".join(r.detail for r in incident_timeline(incident))

    # then: as a person says them, in the chief's Russian (the page, and the timeline read
    # in his language)
    check_name = f"проверка безопасности наряда {patrol} в {when_text(fired)}"
    assert checked["Проверка безопасности сотрудника"] == check_name
    assert planned["Контрольное посещение"] == (
        f"контрольное посещение: {personas.a.village}, наряд {inspector}"
    )
    assert issued["Код регистрации"] == f"код для {officer.display_name}"
    assert check_name in timeline


def test_an_sms_rows_history_lists_its_audit_entries(client, personas):
    # given: an officer answers with a code no call of his was sent (the entry is about the SMS)
    from rest_framework.test import APIClient

    from backend.dispatch.models import SmsMessage
    from tests.backend.dispatch.conftest import signed_post

    officer = personas.a.patrol_officers[0]
    signed_post(APIClient(), {"id": "gw-1", "from": officer.phone, "text": "ACK 9999"})
    sms = SmsMessage.objects.get(provider_id="gw-1")
    admin = personas.oblast_admin
    admin.language = "en"
    admin.save(update_fields=["language"])
    client.force_login(admin)

    # when
    page = client.get(reverse("admin:dispatch_smsmessage_history", args=[sms.pk]))

    # then: its entries, under a title that names the number by its last four digits, as
    # the SMS list and the log do
    assert page.status_code == 200
    assert "SMS reply rejected" in page.content.decode()
    assert f"…{officer.phone[-4:]}" in page.content.decode()
    assert officer.phone not in page.content.decode()


def test_an_sms_facts_event_page_names_its_sms_by_its_sender(client, personas):
    # given: the inspector acknowledges his call by SMS; the chief reads the fact's page
    from django.utils import translation
    from rest_framework.test import APIClient

    from backend.dispatch.models import Event
    from backend.dispatch.sms import reply_code_for
    from tests.backend.dispatch.conftest import signed_post

    call = factories.incident(district=personas.a.district, settlement=personas.a.village)
    assignment = incident_dispatch(incident=call, unit=personas.a.inspector_unit, by=personas.duty)
    phone = personas.a.inspector.phone
    signed_post(
        APIClient(), {"id": "gw-1", "from": phone, "text": f"ACK {reply_code_for(assignment.pk)}"}
    )
    fact = Event.objects.get(source="sms")
    client.force_login(personas.a.chief)

    # when
    page = client.get(
        reverse("admin:dispatch_event_change", args=[quote(fact.pk)])
    ).content.decode()

    # then: "from …1234", not the SMS row's id
    with translation.override("ru"):
        sender = f"{translation.gettext('from %(phone)s') % {'phone': '…' + phone[-4:]}}"
    assert sender in page
    assert f"<dd>{fact.payload['sms_id']}</dd>" not in page
