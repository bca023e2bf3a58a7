"""Requests a review found answered with a 500 or with the wrong kind of refusal:

* the board's JSON reads (``/board/state/``, ``/board/alarms/``) refuse a stranger or a
  patrol officer as the board's actions do — JSON 401/403 — not with the page's 302 to the
  login form (which board.js's fetch followed to an HTML 200) or a text 403;
* a board command whose body nests too deeply for Python's parser is ``400 malformed``, not
  a RecursionError's 500 HTML page;
* ``/app/`` asked for a path longer than a file name may be is a 404 (it was "File name too
  long", a 500);
* the console's call list filtered on ``?number=%00`` is a page, not a 500 on PostgreSQL
  (which cannot compare a text with U+0000).
"""

from __future__ import annotations

import pytest
from django.test import Client

from backend.dispatch.models import Incident
from tests import factories

pytestmark = pytest.mark.django_db

READS = ["/board/state/", "/board/alarms/"]


def _client(user=None):
    client = Client(raise_request_exception=False)
    if user is not None:
        client.force_login(user)
    return client


@pytest.mark.parametrize("path", READS)
def test_a_board_read_without_a_session_is_a_json_401(path):
    # when
    response = _client().get(path)

    # then
    assert (response.status_code, response["Content-Type"]) == (401, "application/json")
    assert response.json() == {"error": "unauthenticated", "detail": "Sign in again."}


@pytest.mark.parametrize("path", READS)
def test_a_board_read_by_a_patrol_officer_is_a_json_403(personas, path):
    # when
    response = _client(personas.a.patrol_officers[0]).get(path)

    # then
    assert (response.status_code, response["Content-Type"]) == (403, "application/json")
    assert response.json() == {"error": "forbidden", "detail": "Staff only."}


@pytest.mark.parametrize("path", READS)
def test_a_board_read_by_a_chief_still_answers(personas, path):
    # when
    response = _client(personas.a.chief).get(path)

    # then
    assert response.status_code == 200


def test_the_board_page_without_a_session_still_goes_to_the_login_form():
    # when
    response = _client().get("/board/")

    # then
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_a_board_command_nested_too_deeply_is_400_malformed(personas):
    # given: far deeper than Python's recursion limit
    call = factories.incident(district=personas.a.district, settlement=personas.a.village)
    body = "[" * 100_000 + "]" * 100_000

    # when
    response = _client(personas.duty).post(
        f"/board/incidents/{call.pk}/cancel/", body, content_type="application/json"
    )

    # then
    assert (response.status_code, response["Content-Type"]) == (400, "application/json")
    assert response.json()["error"] == "malformed"
    assert Incident.objects.get(pk=call.pk).status == call.status


def test_a_board_command_that_is_not_json_is_still_400_malformed(personas):
    # given
    call = factories.incident(district=personas.a.district, settlement=personas.a.village)

    # when
    response = _client(personas.duty).post(
        f"/board/incidents/{call.pk}/cancel/", "{not json", content_type="application/json"
    )

    # then
    assert response.status_code == 400
    assert response.json()["error"] == "malformed"


@pytest.mark.parametrize("name", ["a" * 3000, "assets/" + "b" * 3000 + ".js", "x%00y"])
def test_the_field_app_answers_an_impossible_file_name_with_a_404(settings, tmp_path, name):
    # given: a build
    (tmp_path / "index.html").write_text("<!doctype html><title>app</title>")
    settings.KUZET_FIELD_APP_DIR = str(tmp_path)

    # when
    response = _client().get("/app/" + name)

    # then
    assert response.status_code == 404


def test_the_call_list_filtered_on_a_nul_number_is_a_page(personas):
    # given
    factories.incident(district=personas.a.district, settlement=personas.a.village)

    # when
    response = _client(personas.duty).get("/admin/dispatch/incident/?number=%00", follow=True)

    # then: Django's answer to an invalid filter (the list again, unfiltered), not a 500
    assert response.status_code == 200
    assert response.redirect_chain == [("/admin/dispatch/incident/?e=1", 302)]


def test_the_call_list_searched_for_a_nul_is_a_page(personas):
    # when
    response = _client(personas.duty).get("/admin/dispatch/incident/?q=%00", follow=True)

    # then
    assert response.status_code == 200
    assert response.redirect_chain == [("/admin/dispatch/incident/?e=1", 302)]
