"""What the board's actions send the services — a message to the crew, a cancel's reason, an
acknowledgement's note — holding U+0000 (or a lone surrogate) is refused ``400 invalid`` as JSON,
with nothing written. The staff API's serializers refused it already; through the board it
reached PostgreSQL, which cannot store it: a 500 HTML page, the command half-told."""

from __future__ import annotations

import logging

import pytest
from django.test import Client

from backend.dispatch.models import Assignment, Event, Incident
from backend.dispatch.services import incident_dispatch
from tests import factories
from tests.backend.dispatch.conftest import snapshot


@pytest.fixture
def sent(personas):
    call = factories.incident(district=personas.a.district, settlement=personas.a.village)
    return incident_dispatch(incident=call, unit=personas.a.patrol, by=personas.duty)


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/board/assignments/{a}/message/", '{"text": "на месте \\u0000 нож"}', "text"),
        ("/board/assignments/{a}/message/", '{"text": "нож \\ud800"}', "text"),
        ("/board/incidents/{i}/cancel/", '{"reason": "ложный \\u0000"}', "reason"),
        ("/board/assignments/{a}/acknowledge/", '{"note": "по рации \\u0000"}', "note"),
    ],
)
def test_unstorable_text_from_the_board_is_refused(personas, sent, caplog, path, body, field):
    # given
    client = Client(raise_request_exception=False)
    client.force_login(personas.duty)
    before = snapshot()

    # when
    with caplog.at_level(logging.ERROR, logger="django.request"):
        response = client.post(
            path.format(a=sent.pk, i=sent.incident_id),
            body.encode(),
            content_type="application/json",
        )

    # then
    assert response.status_code == 400
    answer = response.json()
    assert (answer["error"], answer["fields"]) == (
        "invalid",
        {field: ["U+0000 and lone surrogates are not allowed."]},
    )
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert snapshot() == before
    assert Assignment.objects.get(pk=sent.pk).status == "dispatched"
    assert Incident.objects.get(pk=sent.incident_id).status == "assigned"
    assert not Event.objects.filter(assignment=sent, kind__in=["note", "ack"]).exists()


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("ru", "В тексте есть символ, который нельзя сохранить; введите текст заново."),
        ("kk", "Мәтінде сақтауға болмайтын таңба бар; мәтінді қайта теріңіз."),
    ],
)
def test_the_board_says_the_refusal_in_the_duty_officers_language(personas, sent, language, words):
    # given: a duty officer reading Russian or Kazakh
    personas.duty.language = language
    personas.duty.save(update_fields=["language"])
    client = Client()
    client.force_login(personas.duty)

    # when
    response = client.post(
        f"/board/assignments/{sent.pk}/message/",
        '{"text": "на месте \\u0000 нож"}'.encode(),
        content_type="application/json",
    )

    # then: the board shows "message" — it read the service's English detail
    assert response.status_code == 400
    assert response.json()["message"] == words
