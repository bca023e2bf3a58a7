import pytest
from django.urls import reverse

from backend.dispatch import lifecycle
from backend.dispatch.lifecycle import IncidentStatus
from tests import factories

pytestmark = pytest.mark.django_db


def test_board_state_lists_the_chiefs_district_only(client, personas):
    # given
    a, b = personas.a, personas.b
    mine = factories.incident(
        district=a.district, settlement=a.town, status=IncidentStatus.ASSIGNED
    )
    assignment = factories.assignment(incident=mine, unit=a.patrol)
    factories.incident(district=a.district, status=IncidentStatus.CANCELLED)
    factories.incident(district=b.district, settlement=b.town)
    client.force_login(a.chief)

    # when
    response = client.get(reverse("realtime:board-state"))

    # then
    body = response.json()
    assert response.status_code == 200
    assert [r["id"] for r in body["incidents"]] == [mine.pk]
    assert [r["id"] for r in body["assignments"]] == [assignment.pk]
    assert [u["callsign"] for u in body["units"]] == ["A-PC1", "A-UI1"]


def test_oblast_duty_officer_sees_every_district_of_the_oblast(client, personas):
    # given
    a_incident = factories.incident(district=personas.a.district)
    b_incident = factories.incident(district=personas.b.district)
    client.force_login(personas.duty)

    # when
    body = client.get(reverse("realtime:board-state")).json()

    # then
    assert sorted(r["id"] for r in body["incidents"]) == sorted([a_incident.pk, b_incident.pk])
    assert [u["callsign"] for u in body["units"]] == ["A-PC1", "A-UI1", "B-PC1", "B-UI1"]


def test_board_page_renders_for_staff(client, personas):
    # given
    client.force_login(personas.a.chief)

    # when
    response = client.get(reverse("realtime:board"))

    # then
    assert response.status_code == 200
    assert b'id="board-snapshot"' in response.content
    # the page's status groups are the lifecycle's, not a copy in the script
    assert response.context["lifecycle"] == {
        "assignment_open": list(lifecycle.ASSIGNMENT_OPEN),
        "incident_ended": sorted(lifecycle.INCIDENT_ENDED),
    }
    assert b"const OPEN_ASSIGNMENTS = [" not in response.content


def test_board_is_refused_to_patrol_officers_and_anonymous_users(client, personas):
    # when
    anonymous = client.get(reverse("realtime:board"))
    client.force_login(personas.a.patrol_officers[0])
    officer = client.get(reverse("realtime:board-state"))

    # then
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/admin/login/")
    assert officer.status_code == 403


@pytest.mark.parametrize(
    ("language", "words"), [("ru", "Пульт"), ("kk", "Пульт"), ("en", "Console")]
)
def test_the_board_leads_back_to_the_officers_console(client, personas, language, words):
    # given: the console is the duty desk's home (it said "administration")
    duty = personas.duty
    duty.language = language
    duty.save(update_fields=["language"])
    client.force_login(duty)

    # when
    html = client.get(reverse("realtime:board")).content.decode()

    # then: in the console's own window, so the board stays up (board.js: CONSOLE_WINDOW)
    link = f'<a id="console-link" href="{reverse("admin:index")}" target="kuzet-console">'
    assert link + words + "</a>" in html


def test_the_board_reloaded_while_the_database_is_down_says_so_in_the_desks_languages_and_retries(
    personas, monkeypatch
):
    # given: the duty officer reloads the board during a failover (every query fails)
    from django.db import OperationalError
    from django.test import Client

    from backend.realtime import board

    def down(user):
        raise OperationalError("connection to server at 127.0.0.1 failed: Connection refused")

    monkeypatch.setattr(board, "board_snapshot", down)
    client = Client(raise_request_exception=False)
    client.force_login(personas.duty)

    # when
    response = client.get(reverse("realtime:board"))

    # then: not Django's bare "Server Error (500)" in English, which stayed until someone
    # reloaded: what happened and what to do in Kazakh and Russian, and the page tries again
    page = response.content.decode()
    assert response.status_code == 500
    assert "Server Error (500)" not in page
    assert "Сервер не смог ответить" in page
    assert "Сервер жауап бере алмады" in page
    assert '<meta http-equiv="refresh" content="30">' in page
