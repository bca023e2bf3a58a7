"""The incident page, actions first (issue 13): the panel outside the admin's form, commands
that answer a script with the panel and a plain form with a redirect to ``#panel``, milestones
recorded on an officer's behalf at a reported local time, registry numbers, cancel and
reopen, unreachable units last with a warning."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.messages import get_messages
from django.utils import timezone

from backend.common import clock
from backend.common.formatting import when_text
from backend.dispatch.models import Assignment, Event, Incident
from backend.dispatch.services import incident_close, incident_dispatch
from backend.ledger.models import AuditEntry
from backend.people.models import Officer
from tests import factories


def said(a: Assignment) -> str:
    """A dispatch as the panel's notice says it: the unit, the call and the deadline to
    acknowledge, in one sentence."""
    return (
        f"{a.unit.callsign} is sent to call {a.incident.number}; the crew must acknowledge by "
        f"{when_text(a.ack_due_at)}, or the board raises an alert."
    )


@pytest.fixture(autouse=True)
def _officers_read_english(personas):
    """These tests read the pages' English words; an officer reads Russian unless told."""
    Officer.objects.update(language="en")


BASE = "/admin/dispatch/incident"
PANEL = {"HTTP_X_KUZET_PANEL": "1"}


@pytest.fixture
def incident(personas):
    personas.device(personas.a.patrol_officers[0])
    return factories.incident(
        district=personas.a.district,
        settlement=personas.a.town,
        received_at=clock.now() - dt.timedelta(minutes=5),
    )


@pytest.fixture
def assignment(personas, incident):
    return incident_dispatch(incident=incident, unit=personas.a.patrol, by=personas.duty)


def local_input(value: dt.datetime) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M:%S")


def test_the_panel_comes_before_the_admin_form_and_no_form_is_nested_in_it(
    client, personas, incident, assignment
):
    # given
    client.force_login(personas.duty)

    # when
    html = client.get(f"{BASE}/{incident.pk}/change/").content.decode()

    # then: every panel form is closed before the admin's own form opens
    admin_form = html.index('id="incident_form"')
    assert html.index('id="panel"') < admin_form
    admin_form_body = html[admin_form : html.index("</form>", admin_form)]
    assert "<form" not in admin_form_body
    panel_forms = re.findall(r'<form method="post" action="([^"]+)"', html[:admin_form])
    assert f"{BASE}/{incident.pk}/dispatch/" in panel_forms
    assert f"{BASE}/{incident.pk}/assignments/{assignment.pk}/record/" in panel_forms
    assert f"{BASE}/{incident.pk}/registry/" in panel_forms
    assert html.index('id="kuzet-assignments"') < html.index('id="kuzet-dispatch"')
    assert html.index('id="kuzet-dispatch"') < html.index('id="kuzet-timeline"')
    assert 'src="/static/dispatch/incident.js"' in html


def test_a_command_sent_by_the_script_answers_with_the_panel_and_keeps_no_message(
    client, personas, incident
):
    # given
    client.force_login(personas.duty)

    # when
    response = client.post(
        f"{BASE}/{incident.pk}/dispatch/", {"unit_id": personas.a.patrol.pk}, **PANEL
    )

    # then: the panel, its notice inside; nothing waits in the session for the next page
    assignment = Assignment.objects.get(incident=incident)
    assert (response.status_code, response["X-Kuzet-Panel"]) == (200, "1")
    html = response.content.decode()
    assert f'<li class="success">{said(assignment)}</li>' in html
    assert 'id="kuzet-assignments"' in html
    assert "<html" not in html
    assert list(get_messages(response.wsgi_request)) == []


def test_a_plain_form_comes_back_to_the_panel_anchor(client, personas, incident):
    client.force_login(personas.duty)

    response = client.post(f"{BASE}/{incident.pk}/dispatch/", {"unit_id": personas.a.patrol.pk})

    assert (response.status_code, response["Location"]) == (
        302,
        f"{BASE}/{incident.pk}/change/#panel",
    )


def test_the_panel_alone_is_scoped_like_the_page(client, personas, incident):
    # given
    client.force_login(personas.b.chief)

    # when
    foreign = client.get(f"{BASE}/{incident.pk}/panel/")
    client.force_login(personas.a.chief)
    own = client.get(f"{BASE}/{incident.pk}/panel/")

    # then
    assert foreign.status_code == 404
    assert own.status_code == 200
    assert 'id="kuzet-dispatch"' in own.content.decode()


def test_an_arrival_is_recorded_at_the_local_time_typed_with_its_uncertainty(
    client, personas, incident, assignment
):
    # given: the duty officer types the arrival's local time (Asia/Almaty), ± 3 minutes
    client.force_login(personas.duty)
    arrived = (assignment.dispatched_at + dt.timedelta(minutes=5)).replace(microsecond=0)

    # when: ten minutes after the dispatch
    with clock.frozen(assignment.dispatched_at + dt.timedelta(minutes=10)):
        response = client.post(
            f"{BASE}/{incident.pk}/assignments/{assignment.pk}/record/",
            {
                "kind": "on_scene",
                "channel": "radio",
                "occurred_at": local_input(arrived),
                "occurred_at_shown": local_input(assignment.dispatched_at),
                "uncertainty_min": "3",
            },
            **PANEL,
        )

    # then
    assert (
        f"Recorded for A-PC1: on scene at {when_text(arrived)} ± 3 min 00 s (by radio)."
        in response.content.decode()
    )
    assignment.refresh_from_db()
    assert assignment.on_scene_at == arrived
    event = assignment.on_scene_event
    assert (event.source, event.via, event.payload["uncertainty_s"]) == ("on_behalf", "radio", 180)
    assert event.estimate_uncertainty_ms == 180_000


def test_the_time_left_as_shown_means_when_the_form_is_sent(client, personas, incident, assignment):
    # given: the panel drawn a while ago; the field still shows that moment
    client.force_login(personas.duty)
    shown = local_input(assignment.dispatched_at)

    # when
    client.post(
        f"{BASE}/{incident.pk}/assignments/{assignment.pk}/record/",
        {"kind": "ack", "channel": "phone", "occurred_at": shown, "occurred_at_shown": shown},
    )

    # then: acknowledged now, with no stated uncertainty
    assignment.refresh_from_db()
    assert assignment.acknowledged_at > assignment.dispatched_at
    assert "uncertainty_s" not in assignment.acknowledged_event.payload


def test_the_time_left_as_shown_still_means_now_when_the_browser_drops_zero_seconds(
    client, personas, incident, assignment
):
    # given: the panel drawn at hh:mm:00 of the dispatch's minute; a datetime-local input
    # sends such a value back without its seconds
    client.force_login(personas.duty)
    drawn = assignment.dispatched_at.replace(second=0, microsecond=0)
    shown = local_input(drawn)
    assert shown.endswith(":00")

    # when
    response = client.post(
        f"{BASE}/{incident.pk}/assignments/{assignment.pk}/record/",
        {"kind": "ack", "channel": "radio", "occurred_at": shown[:-3], "occurred_at_shown": shown},
    )

    # then: recorded as now, not refused as "before the dispatch"
    assert "before_dispatch" not in response.content.decode()
    assignment.refresh_from_db()
    assert assignment.acknowledged_at > assignment.dispatched_at


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("01.01.2099 10:00", "The reported time is in the future."),
        ("2099-01-01T10:00", "The reported time is in the future."),
        ("01.01.2001 10:00", "The reported time is before the unit was dispatched."),
        ("вчера вечером", "Enter the time as 05.12.2026 09:14, or only 09:14 for today"),
    ],
)
def test_a_bad_reported_time_is_refused_with_a_clear_message_and_nothing_recorded(
    client, personas, incident, assignment, typed, message
):
    # given
    client.force_login(personas.duty)
    events, audits = Event.objects.count(), AuditEntry.objects.count()

    # when
    response = client.post(
        f"{BASE}/{incident.pk}/assignments/{assignment.pk}/record/",
        {"kind": "on_scene", "channel": "radio", "occurred_at": typed, "uncertainty_min": "1"},
        **PANEL,
    )

    # then
    assert '<li class="error">' + message in response.content.decode()
    assert (Event.objects.count(), AuditEntry.objects.count()) == (events, audits)
    assignment.refresh_from_db()
    assert assignment.on_scene_at is None


def test_registry_numbers_are_saved_from_the_page(client, personas, incident):
    client.force_login(personas.a.chief)

    response = client.post(
        f"{BASE}/{incident.pk}/registry/",
        {"registry_kui": "КУИ-77", "registry_erdr": "", "registry_erap": ""},
        **PANEL,
    )

    incident.refresh_from_db()
    assert incident.registry_kui == "КУИ-77"
    assert 'value="КУИ-77"' in response.content.decode()
    assert AuditEntry.objects.filter(action="incident.registry_changed").count() == 1


def test_officers_may_neither_set_numbers_nor_reopen(client, personas, incident):
    # given
    incident_close(incident=incident, by=personas.duty, disposition="разобрано")
    client.force_login(personas.a.patrol_officers[0])

    # when
    numbers = client.post(f"{BASE}/{incident.pk}/registry/", {"registry_kui": "1"})
    reopen = client.post(f"{BASE}/{incident.pk}/reopen/", {"reason": "x"})

    # then
    # the admin sends a non-staff user to its login page
    assert {numbers.status_code, reopen.status_code} <= {302, 403, 404}
    incident.refresh_from_db()
    assert (incident.registry_kui, incident.status) == ("", "closed")


def test_cancel_then_reopen_the_incident_from_the_page(client, personas, incident, assignment):
    # given
    client.force_login(personas.duty)

    # when
    no_reason = client.post(f"{BASE}/{incident.pk}/cancel/", {"reason": " "}, **PANEL)
    cancelled = client.post(f"{BASE}/{incident.pk}/cancel/", {"reason": "ложный вызов"}, **PANEL)
    reopened = client.post(f"{BASE}/{incident.pk}/reopen/", {"reason": "перезвонили"}, **PANEL)

    # then
    assert "Say why the call is cancelled." in no_reason.content.decode()
    assert (
        f"Call {incident.number} is cancelled (ложный вызов); the unit taken off it: A-PC1 (the "
        "crew is told)." in cancelled.content.decode()
    )
    assert f"Call {incident.number} is open again: send a unit to it." in reopened.content.decode()
    incident.refresh_from_db()
    assignment.refresh_from_db()
    assert (incident.status, assignment.status) == ("queued", "cancelled")
    assert list(
        AuditEntry.objects.filter(action__startswith="incident.")
        .order_by("id")
        .values_list("action", flat=True)
    ) == ["incident.cancelled", "incident.reopened"]


def test_an_unreachable_unit_is_offered_last_with_a_warning(client, personas, incident):
    # given: a car right at the incident whose phone was last heard 47 minutes ago
    silent = clock.now() - dt.timedelta(minutes=47)
    factories.unit(
        callsign="A-PC9",
        district=personas.a.district,
        lat=personas.a.town.lat,
        lon=personas.a.town.lon,
        position_at=silent,
        last_contact_at=silent,
    )
    client.force_login(personas.duty)

    # when
    response = client.get(f"{BASE}/{incident.pk}/change/")

    # then
    rows = response.context["kuzet_dispatch"]["recommendations"]
    assert [(r["callsign"], r["unreachable"]) for r in rows] == [
        ("A-PC1", False),
        ("A-UI1", False),
        ("A-PC9", True),
    ]
    html = response.content.decode()
    warning = html[html.index('data-unit="A-PC9"') :]
    assert "no contact for 47 min" in warning[: warning.index("</tr>")]


def test_the_panel_says_long_spans_in_hours_and_minutes(client, personas, incident):
    """ "2:49:10" of no contact, "7:16:18" of position age and "2:41:24" of travel read like
    times of day beside the clock (and the seconds of a two-hour estimate say nothing)."""
    # given: a car 160 km away, last heard 2 h 49 min ago, its position 7 h 16 min old
    now = clock.now()
    factories.unit(
        callsign="A-PC9",
        district=personas.a.district,
        lat=personas.a.town.lat + 1.1,
        lon=personas.a.town.lon,
        position_at=now - dt.timedelta(hours=7, minutes=16, seconds=18),
        last_contact_at=now - dt.timedelta(hours=2, minutes=49, seconds=10),
    )
    client.force_login(personas.duty)

    # when
    response = client.get(f"{BASE}/{incident.pk}/change/")

    # then
    (far,) = [r for r in response.context["kuzet_dispatch"]["recommendations"]
              if r["callsign"] == "A-PC9"]  # fmt: skip
    assert far["no_contact_text"] == "2 h 49 min"
    assert far["position_age_text"] == "7 h 16 min"
    assert re.fullmatch(r"\d h \d\d min", far["eta_text"]), far["eta_text"]
    near = response.context["kuzet_dispatch"]["recommendations"][0]
    assert re.fullmatch(r"\d+ (s|min)", near["position_age_text"]), near["position_age_text"]


def test_reopening_is_offered_only_once_the_incident_is_over(client, personas, incident):
    client.force_login(personas.duty)
    before = client.get(f"{BASE}/{incident.pk}/panel/").content.decode()
    Incident.objects.filter(pk=incident.pk).update(status="closed", closed_at=clock.now())

    after = client.get(f"{BASE}/{incident.pk}/panel/").content.decode()

    assert f"{BASE}/{incident.pk}/reopen/" not in before
    assert f"{BASE}/{incident.pk}/reopen/" in after
    assert f"{BASE}/{incident.pk}/dispatch/" not in after


# --- the article of the CoAO (issue 14) -------------------------------------------------------
def test_the_close_and_record_forms_offer_the_dv_articles(client, personas, incident, assignment):
    # given
    client.force_login(personas.duty)

    # when
    html = client.get(f"{BASE}/{incident.pk}/change/").content.decode()

    # then: one list of the DV articles, which both forms' article inputs use
    datalist = re.search(r'<datalist id="kuzet-coao-articles">(.*?)</datalist>', html, re.S)
    assert datalist is not None
    assert re.findall(r'<option value="(\d+)">([^<]+)</option>', datalist.group(1)) == [
        ("73", "Unlawful acts in family and household relations"),
        ("461", "Failure to comply with a protective order"),
    ]
    inputs = re.findall(r'<input type="text" name="coao_article" list="kuzet-coao-articles"', html)
    assert len(inputs) == 2  # the record form of the open assignment and the close form


def test_an_outcome_on_behalf_and_a_close_carry_the_article_the_page_shows(
    client, personas, incident, assignment
):
    # given
    client.force_login(personas.duty)

    # when: the unit reports a protocol under article 461 by phone; then the call is closed
    # with a protocol under article 73
    recorded = client.post(
        f"{BASE}/{incident.pk}/assignments/{assignment.pk}/record/",
        {"kind": "outcome", "channel": "phone", "outcome_code": "admin_protocol",
         "coao_article": "461"},
        **PANEL,
    )  # fmt: skip
    incident.refresh_from_db()
    after_record = incident.outcome_article
    closed = client.post(
        f"{BASE}/{incident.pk}/close/",
        {"disposition": "протокол составлен", "outcome_code": "admin_protocol",
         "coao_article": "73"},
        **PANEL,
    )  # fmt: skip

    # then
    assert "(by phone): outcome — Administrative protocol (ЕРАП), CoAO art. 461." in (
        recorded.content.decode()
    )
    assert after_record == "461"
    incident.refresh_from_db()
    assert (incident.status, incident.outcome_code, incident.outcome_article) == (
        "closed",
        "admin_protocol",
        "73",
    )
    html = closed.content.decode()
    assert (
        f"Call {incident.number} is closed (протокол составлен) with the outcome: "
        "Administrative protocol (ЕРАП), CoAO art. 73; the unit released from it: A-PC1 "
        "(cleared, the crew is told)." in html
    )
    # the timeline's closing row names it too
    assert "протокол составлен · Administrative protocol (ЕРАП), CoAO art. 73" in html


def test_a_malformed_article_is_refused_on_the_page_and_nothing_is_closed(
    client, personas, incident, assignment
):
    # given
    client.force_login(personas.duty)

    # when
    response = client.post(
        f"{BASE}/{incident.pk}/close/",
        {"disposition": "ok", "outcome_code": "admin_protocol", "coao_article": "ст.73"},
        **PANEL,
    )

    # then
    assert "The article of the CoAO is a number such as" in response.content.decode()
    incident.refresh_from_db()
    assert (incident.status, incident.outcome_code, incident.outcome_article) == (
        "assigned",
        "",
        "",
    )
    assert not AuditEntry.objects.filter(action="incident.closed").exists()


def test_the_close_form_says_which_units_closing_stands_down(client, personas, incident):
    # given: the patrol car on scene, the inspector still on the way
    on_scene = incident_dispatch(incident=incident, unit=personas.a.patrol, by=personas.duty)
    incident_dispatch(incident=incident, unit=personas.a.inspector_unit, by=personas.duty)
    Assignment.objects.filter(pk=on_scene.pk).update(status="on_scene", on_scene_at=clock.now())
    client.force_login(personas.duty)

    # when
    panel = client.get(f"{BASE}/{incident.pk}/panel/").content.decode()

    # then: the warning names the unit on its way, not the one on scene
    [warning] = re.findall(r'class="kuzet-warning kuzet-close-warning">([^<]*)<', panel)
    assert warning == (
        f"⚠ {personas.a.inspector_unit.callsign} has not reached the scene: closing stands it down."
    )

    # and with both on scene, nothing to warn of
    Assignment.objects.filter(incident=incident).update(status="on_scene", on_scene_at=clock.now())
    assert "kuzet-close-warning" not in client.get(f"{BASE}/{incident.pk}/panel/").content.decode()


def test_a_refused_report_is_shown_again_as_it_was_typed(client, personas, incident, assignment):
    # given
    client.force_login(personas.duty)

    # when: an arrival with a note, at a time still to come
    response = client.post(
        f"{BASE}/{incident.pk}/assignments/{assignment.pk}/record/",
        {
            "kind": "on_scene",
            "channel": "radio",
            "occurred_at": "01.01.2099 10:00",
            "uncertainty_min": "3",
            "note": "экипаж на месте, у дома 12",
        },
        **PANEL,
    )

    # then: refused, and the form still holds what was typed — the note was lost before
    page = response.content.decode()
    assert "The reported time is in the future." in page
    assert 'value="01.01.2099 10:00"' in page
    assert 'value="экипаж на месте, у дома 12"' in page
    assert '<option value="on_scene" selected>' in page
    assert '<option value="radio" selected>' in page
    assert 'name="uncertainty_min" min="0" max="720" step="1" value="3"' in page


@pytest.mark.parametrize(
    ("typed", "at"),
    [
        ("02.03.2026 09:20", dt.datetime(2026, 3, 2, 9, 20)),
        ("02.03.2026 09:20:30", dt.datetime(2026, 3, 2, 9, 20, 30)),
        ("09:20", dt.datetime(2026, 3, 2, 9, 20)),  # only the time: today's
    ],
)
def test_a_time_is_typed_as_the_country_writes_it(
    client, personas, incident, assignment, typed, at
):
    # given: dispatched 09:10 local; the crew reports by radio at 09:30 that they were there
    client.force_login(personas.duty)
    with clock.frozen(timezone.make_aware(dt.datetime(2026, 3, 2, 9, 30))):
        Assignment.objects.filter(pk=assignment.pk).update(
            dispatched_at=timezone.make_aware(dt.datetime(2026, 3, 2, 9, 10))
        )

        # when
        client.post(
            f"{BASE}/{incident.pk}/assignments/{assignment.pk}/record/",
            {"kind": "on_scene", "channel": "radio", "occurred_at": typed, "uncertainty_min": "1"},
        )

    # then
    assignment.refresh_from_db()
    assert assignment.on_scene_at == timezone.make_aware(at)


def test_a_time_of_last_night_typed_after_midnight_is_last_night_s(
    client, personas, incident, assignment
):
    # given: dispatched 23:40; at 00:10 the crew reports they arrived at 23:55
    client.force_login(personas.duty)
    with clock.frozen(timezone.make_aware(dt.datetime(2026, 3, 3, 0, 10))):
        Assignment.objects.filter(pk=assignment.pk).update(
            dispatched_at=timezone.make_aware(dt.datetime(2026, 3, 2, 23, 40))
        )

        # when
        client.post(
            f"{BASE}/{incident.pk}/assignments/{assignment.pk}/record/",
            {"kind": "on_scene", "channel": "radio", "occurred_at": "23:55"},
        )

    # then
    assignment.refresh_from_db()
    assert assignment.on_scene_at == timezone.make_aware(dt.datetime(2026, 3, 2, 23, 55))


def test_reassigning_needs_a_unit_chosen_and_names_each_by_distance(
    client, personas, incident, assignment
):
    # given
    client.force_login(personas.duty)

    # when
    page = client.get(f"{BASE}/{incident.pk}/panel/").content.decode()

    # then: nothing preselected (Tab, Enter had sent the first unit), each with its road
    # distance and travel time
    reassign = page[page.index('name="unit_id" required') :]
    reassign = reassign[: reassign.index("</select>")]
    assert '<option value="">reassign to…</option>' in reassign
    assert " km · " in reassign
