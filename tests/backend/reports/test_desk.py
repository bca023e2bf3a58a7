"""The duty officer's home page (``/admin/``): the shift's ways in, what waits for the desk
in the officer's districts (each count opens exactly the records it counted), and the
officer's own last actions from the audit log."""

from __future__ import annotations

import pytest
from django.urls import reverse

from backend.dispatch.services.incidents import incident_cancel, incident_close
from backend.ledger.models import AuditEntry
from backend.people.models import Role
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk_a(personas):
    """A duty officer of district A's desk."""
    return factories.officer(
        username="duty_ayagoz", role=Role.DUTY_OFFICER, district=personas.a.district, language="en"
    )


def test_the_desk_opens_with_a_call_to_take_and_the_live_board(client, desk_a):
    # given
    client.force_login(desk_a)

    # when
    html = client.get(reverse("admin:index")).content.decode()

    # then
    assert f'href="{reverse("admin:dispatch_incident_add")}" accesskey="n"' in html
    assert f'id="desk-board" href="{reverse("realtime:board")}"' in html
    assert "None available" not in html  # Django's empty LogEntry box


def test_the_desk_counts_what_waits_for_it_and_each_count_opens_its_list(client, desk_a, needs):
    # given: one of each in district A, one of each in district B (needs)
    client.force_login(desk_a)

    # when
    home = client.get(reverse("admin:index"))

    # then
    rows = home.context["desk_needs"]
    assert {row["key"]: row["count"] for row in rows} == {
        "calls_waiting": 3,
        "calls_waiting_overdue": 1,
        "overdue_assignments": 1,
        "sos_units": 1,
        "calls_to_close": 1,
        "silent_devices": 1,
    }  # not the chief's: conflicts to resolve, records to review, visits to plan
    for row in rows:
        listing = client.get(row["href"])
        assert listing.status_code == 200, row["href"]
        assert listing.context["cl"].result_count == row["count"], row["key"]
        assert needs[row["key"]] == {o.pk for o in listing.context["cl"].result_list}, row["key"]


def test_the_desk_lists_the_officers_own_last_actions_in_words_with_their_records(
    client, personas, desk_a
):
    # given: the officer signed in and closed a call; another officer's action is not his
    client.post(reverse("admin:login"), {"username": desk_a.username, "password": "pw-duty_ayagoz"})
    assert AuditEntry.objects.filter(actor=desk_a, action="auth.login_succeeded").exists()
    call = factories.incident(
        district=personas.a.district, settlement=personas.a.village, status="cleared"
    )
    incident_close(incident=call, by=desk_a, disposition="resolved")
    other = factories.incident(district=personas.a.district, settlement=personas.a.village)
    incident_cancel(incident=other, by=personas.a.chief, reason="a false call")

    # when
    home = client.get(reverse("admin:index"))

    # then: the closing, not the sign-in
    call.refresh_from_db()
    assert home.context["recent"] == [
        {
            "when": home.context["recent"][0]["when"],
            "action": "Incident closed",
            "name": call.number,
            "href": reverse("admin:dispatch_incident_change", args=[call.pk]),
        }
    ]
    html = home.content.decode()
    assert f">{call.number}</a>" in html
    assert other.number not in html
    mine = client.get(reverse("admin:ledger_auditentry_changelist") + "?mine=yes")
    assert [e.action for e in mine.context["cl"].result_list] == [
        "incident.closed",
        "auth.login_succeeded",
    ]


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("kk", ["Шақыруды қабылдау", "Нарядты күтіп тұрған шақырулар", "Менің соңғы әрекеттерім"]),
        ("ru", ["Принять вызов", "Вызовы, ожидающие наряда", "Мои последние действия"]),
        ("en", ["Take a call", "Calls waiting for a unit", "My last actions"]),
    ],
)
def test_the_desk_speaks_the_officers_language(client, desk_a, language, words):
    # given
    desk_a.language = language
    desk_a.save(update_fields=["language"])
    client.force_login(desk_a)

    # when
    html = client.get(reverse("admin:index")).content.decode()

    # then
    assert all(w in html for w in words), [w for w in words if w not in html]


def test_a_chief_keeps_his_console_home(client, personas):
    client.force_login(personas.a.chief)

    home = client.get(reverse("admin:index"))

    assert "desk_needs" not in home.context
    assert next(t.name for t in home.templates) == "admin/reports/home.html"
