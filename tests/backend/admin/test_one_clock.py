"""One clock and words on every admin screen: the district's local time with the date when
it is not today, durations as m:ss (in a record's data in words), payloads and DV flags as
labelled words (never epoch numbers or JSON), escalation deadlines in minutes."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.admin.utils import quote
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.text import capfirst

from backend.common import clock
from backend.common.formatting import duration_text, payload_text, value_text, when_text
from backend.devices.models import Device
from backend.dispatch import selectors
from backend.dispatch.admin.formatting import risk_flags_text
from backend.dispatch.models import EscalationPolicy, Event, RiskSubject
from backend.ledger import uow
from tests import factories

T0 = dt.datetime(2026, 3, 2, 4, 0, tzinfo=dt.UTC)  # 09:00 in Kazakhstan (UTC+5)
EPOCH_MS = re.compile(r"\b1[0-9]{12}\b")


def at(seconds: int) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


def test_formatting_writes_local_time_with_the_date_and_durations_as_minutes_and_seconds():
    assert when_text(T0, today=dt.date(2026, 3, 2)) == "09:00:00"
    assert when_text(T0, today=dt.date(2026, 3, 3)) == "02.03.2026 09:00:00"
    assert when_text(T0.replace(tzinfo=None), today=dt.date(2026, 3, 2)) == "09:00:00"
    assert [duration_text(s) for s in (7, 245, 3723, -65)] == ["0:07", "4:05", "1:02:03", "−1:05"]
    assert value_text(clock.to_ms(T0), "device_time") == "02.03.2026 09:00:00"
    assert value_text(1500, "elapsed_ms") == "2 s"  # in a record's data, durations in words
    assert value_text(-65, "late_s") == "−1 min 05 s"
    assert value_text(0.4, "uncertainty_s") == "± 0.4 s"
    assert value_text("2026-03-02T04:00:00+00:00", "due_at") == "02.03.2026 09:00:00"
    # a command's time inside a conflict's server side is plain ``at``
    assert value_text(clock.to_ms(T0), "at") == "02.03.2026 09:00:00"


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_a_records_page_writes_its_times_as_kazakhstan_does_in_every_language(
    client, world, language
):
    # given: a phone enrolled at 09:00 local; its officer's chief reads ``language``
    device = world.a.device
    Device.objects.filter(pk=device.pk).update(enrolled_at=T0)
    chief = world.a.chief
    chief.language = language
    chief.save(update_fields=["language"])
    client.force_login(chief)

    # when: the phone's page, whose times are Django's own read-only fields
    url = reverse("admin:devices_device_change", args=[quote(device.pk)])
    page = client.get(url).content.decode()

    # then: 02.03.2026 09:00 — not "2 марта 2026 г. 9:00" or "March 2, 2026, 9 a.m."
    assert "02.03.2026 09:00" in page
    with translation.override(language):
        assert formats.date_format(timezone.localtime(T0), "DATETIME_FORMAT") == "02.03.2026 09:00"
        assert formats.date_format(T0.date(), "DATE_FORMAT") == "02.03.2026"


def test_the_incident_list_shows_received_and_first_on_scene_on_the_same_local_clock(client, world):
    # given: a call received at 09:00 local, the unit on scene 12 minutes later
    p = world.a
    incident = factories.incident(district=p.district, settlement=p.settlement, received_at=T0)
    factories.assignment(
        incident=incident, unit=p.unit, dispatched_at=at(60), on_scene_at=at(720), status="on_scene"
    )
    client.force_login(p.chief)

    # when
    response = client.get(reverse("admin:dispatch_incident_changelist"))

    # then: both in local time with the date, the response in words over the arrival ("12:00"
    # over "on scene 09:12:00" read as noon)
    page = response.content.decode()
    row = page[page.index(incident.number) :]
    row = row[: row.index("</tr>")]
    assert '<td class="field-received">02.03.2026 09:00:00<br>' in row  # the channel under it
    assert (
        '<td class="field-response">12 min<br><span class="quiet">on scene 02.03.2026 09:12:00'
        "</span></td>"
    ) in row
    assert "04:00" not in row  # never UTC
    assert "04:12" not in row


def test_the_timeline_has_no_epoch_numbers_and_no_json(client, world):
    # given: a device fact with a payload and an audit entry with data
    p = world.a
    incident = factories.incident(district=p.district, settlement=p.settlement, received_at=T0)
    assignment = factories.assignment(
        incident=incident, unit=p.unit, dispatched_at=at(60), ack_due_at=at(180)
    )
    Event.objects.create(
        id="evt-clock-000000001", kind="note", source="app", via="http",
        assignment=assignment, incident=incident, unit=p.unit, officer=p.officer,
        device_id=p.device.pk, device_time=clock.to_ms(at(300)), content_hash="1" * 64,
        server_received_at=at(310), estimated_at=at(300), estimate_uncertainty_ms=45_000,
        estimate_method="device_clock", disposition="recorded",
        payload={"note": "gate locked", "observed_ms": clock.to_ms(at(290)), "wait_s": 95},
    )  # fmt: skip
    with clock.frozen(at(400)), uow.unit_of_work():
        uow.audit("incident.closed", actor=p.chief, obj=incident, data={"reason": "done"})
    client.force_login(p.chief)

    # when
    response = client.get(reverse("admin:dispatch_incident_change", args=[incident.pk]))

    # then
    rows = response.context["kuzet_timeline"]
    text = " | ".join(f"{r.when} {r.title} {r.detail} {r.source}" for r in rows)
    assert not EPOCH_MS.search(text)
    assert "{" not in text
    assert "[" not in text
    assert "acknowledgement due 02.03.2026 09:03:00" in text
    assert "Note: gate locked; Observed: 02.03.2026 09:04:50; Wait: 1 min 35 s" in text
    assert "± 45 s" in text
    assert "Incident closed Reason: done" in text  # no audit row id ("#12")
    assert "Reason: done" in text
    assert rows[0].when == "02.03.2026 09:00:00"


def test_dv_risk_flags_read_as_words(client, world):
    # given
    p = world.a
    subject = RiskSubject.objects.create(
        kind="person", district=p.district, person_name="Айгуль Б.",
        protective_order_until=dt.date(2099, 1, 31), prior_dv_calls=3, last_follow_up_at=T0,
    )  # fmt: skip
    flags = selectors.risk_flags([subject], today=dt.date(2026, 3, 2))
    incident = factories.incident(
        district=p.district, settlement=p.settlement, category="domestic_violence",
        priority="P1", risk_flags=flags,
    )  # fmt: skip
    client.force_login(p.chief)

    # when
    page = client.get(reverse("admin:dispatch_incident_change", args=[incident.pk]))

    # then
    assert risk_flags_text(flags) == [
        "Domestic violence call",
        "Risk subject: Айгуль Б. (person), protective order in force until 31.01.2099, "
        "earlier DV calls: 3, last follow-up visit 02.03.2026 09:00:00",
    ]
    html = page.content.decode()
    assert "<li>Domestic violence call</li>" in html
    assert "protective order in force until 31.01.2099" in html
    assert "protective_order_active" not in html
    assert "&quot;flag&quot;" not in html


def test_escalation_deadlines_are_minutes_in_the_list_and_the_form(client, world):
    # given: 30 s to deliver, 45 s to acknowledge, 8 min to arrive
    policy = world.default_policy
    client.force_login(world.oblast_admin)

    # when
    listing = client.get(reverse("admin:dispatch_escalationpolicy_changelist")).content.decode()
    form = client.get(reverse("admin:dispatch_escalationpolicy_change", args=[policy.pk]))

    # then
    row = listing[listing.index('class="field-deliver_within"') :]
    assert row.startswith('class="field-deliver_within">0.5 min</td>')
    fields = form.context["adminform"].form
    assert policy.deliver_within_s == 30
    assert fields["deliver_within_s"].value() == "0.5"
    assert 'name="deliver_within_s" value="0.5"' in form.content.decode()
    assert "Deliver within, minutes" in form.content.decode()


def test_a_deadline_reads_with_the_readers_decimal_mark(client, world):
    # given: 30 s to deliver; the oblast administrator reads Russian
    world.oblast_admin.language = "ru"
    world.oblast_admin.save(update_fields=["language"])
    client.force_login(world.oblast_admin)

    # when
    listing = client.get(reverse("admin:dispatch_escalationpolicy_changelist")).content.decode()

    # then
    row = listing[listing.index('class="field-deliver_within"') :]
    assert row.startswith('class="field-deliver_within">0,5 мин</td>')


def test_an_estimates_uncertainty_reads_with_the_readers_decimal_mark(client, world):
    # given: the oblast administrator reads Russian; an event known to ± 1.2 s
    from backend.dispatch.models import Event

    Event.objects.filter(pk=world.a.event.pk).update(estimate_uncertainty_ms=1200)
    world.oblast_admin.language = "ru"
    world.oblast_admin.save(update_fields=["language"])
    client.force_login(world.oblast_admin)

    # when
    listing = client.get(reverse("admin:dispatch_event_changelist")).content.decode()

    # then
    # (under the estimated time, kept whole: "± 1,2 с")
    assert '<span class="quiet">±\N{NO-BREAK SPACE}1,2\N{NO-BREAK SPACE}с</span>' in listing


def test_a_deadline_out_of_range_is_a_clear_error_and_nothing_changes(client, world):
    # given
    policy = world.default_policy
    before = EscalationPolicy.objects.values().get(pk=policy.pk)
    client.force_login(world.oblast_admin)

    # when: seconds typed into the minutes field
    response = client.post(
        reverse("admin:dispatch_escalationpolicy_change", args=[policy.pk]),
        {"district": "", "priority": policy.priority, "zone": policy.zone,
         "deliver_within_s": "3600", "ack_within_s": "-1", "arrive_within_s": ""},
    )  # fmt: skip

    # then
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert set(errors) == {"deliver_within_s", "ack_within_s"}
    assert EscalationPolicy.objects.values().get(pk=policy.pk) == before


def test_payload_text_labels_every_key():
    assert payload_text({"sms": 2, "citizen_told": True, "odd_key": [1, 2]}) == (
        "Citizen told: yes; Odd key: 1, 2; SMS sent: 2"
    )


@pytest.mark.parametrize(("language", "text"), [("ru", "12,5"), ("kk", "12,5"), ("en", "12.5")])
def test_a_fraction_in_a_facts_details_reads_with_the_readers_decimal_mark(language, text):
    with translation.override(language):
        assert value_text(12.5, "accuracy_m") == text
        assert value_text(float("nan"), "accuracy_m") == "nan"  # as sent, never a crash
        assert value_text(7, "count") == "7"


def _labels(page) -> set[str]:
    """Every field's label on a record's page, editable (a bound field) or read-only, as the
    page writes it (its first letter capitalised)."""
    return {
        capfirst(str(line.field["label"] if line.is_readonly else line.field.label))
        for fieldset in page.context["adminform"]
        for row in fieldset
        for line in row
    }


def test_record_pages_label_their_fields_in_plain_english(client, world):
    # given: the oblast administrator reads English (the suite's language)
    client.force_login(world.oblast_admin)
    a = world.a
    pages = {
        "risk": ("admin:dispatch_risksubject_change", a.risk_subject.pk),
        "assignment": ("admin:dispatch_assignment_change", a.assignment.pk),
        "event": ("admin:dispatch_event_change", quote(a.event.pk)),
        "device": ("admin:devices_device_change", quote(a.device.pk)),
        "unit": ("admin:people_unit_change", a.unit.pk),
        "settlement": ("admin:geo_settlement_change", a.settlement.pk),
        "district": ("admin:geo_district_change", a.district.pk),
        "okrug": ("admin:geo_okrug_change", a.okrug.pk),
    }

    # when
    labels = {
        name: _labels(client.get(reverse(view, args=[pk]))) for name, (view, pk) in pages.items()
    }

    # then: words, not the model's field names ("Prior dv calls", "Ack due at", "Accuracy m")
    assert {"Prior DV calls", "Last follow-up visit"} <= labels["risk"]
    assert {"Deliver by", "Acknowledge by", "Arrive by"} <= labels["assignment"]
    assert "Accuracy, m" in labels["event"]
    assert "Install ID" in labels["device"]
    assert "Position accuracy, m" in labels["unit"]
    assert {"Road to the seat, km", "Coordinates estimated"} <= labels["settlement"]
    assert "Redispatch automatically" in labels["district"]
    assert "Settlements within" in labels["okrug"]


def test_an_empty_value_is_a_dash_as_on_the_consoles_own_pages(client, world):
    # given: a phone not revoked (Django wrote a hyphen where the consoles write "—")
    client.force_login(world.oblast_admin)

    # when
    page = client.get(
        reverse("admin:devices_device_change", args=[quote(world.a.device.pk)])
    ).content.decode()

    # then
    assert '<div class="readonly">—</div>' in page
    assert '<div class="readonly">-</div>' not in page


def test_the_escalation_steps_list_dates_todays_steps_too(client, world):
    # given: a step that fired today (the world's steps fire at "now"); the chief reads it
    step = world.a.step
    client.force_login(world.a.chief)

    # when
    listing = client.get(reverse("admin:dispatch_escalationstep_changelist")).content.decode()

    # then: a record read days later carries its date, today's too (it read "01:01:55")
    fired = timezone.localtime(step.fired_at)
    assert f'class="field-fired">{fired:%d.%m.%Y %H:%M:%S}</td>' in listing
