"""A quarantined record's page reads as words for the chief: why it was refused and what the
phone sent, as labelled fields with local times. The protocol's English detail and the JSON
exactly as received stay on the page for the technician, folded under "Technical details"
(the page showed "no assignment 999999" and `"device_time":1796443651393` to a chief
reading Kazakh)."""

from __future__ import annotations

import html
import json
import re
from typing import Any

import pytest
from django.urls import reverse
from django.utils import translation

from backend.common import clock
from backend.common.formatting import when_text
from backend.dispatch.lifecycle import EventKind
from backend.sync_gateway.models import REASONS, QuarantinedRecord

from .test_messages_after_a_save import english_in, english_words_in
from .test_no_english_left import visible_text

pytestmark = pytest.mark.django_db

DEVICE_TIME = 1_796_443_651_393  # 2026-12-05 09:07:31 in Kazakhstan


def quarantined(world: Any, reason: str, detail: str, sent: dict[str, Any]) -> QuarantinedRecord:
    return QuarantinedRecord.objects.create(
        device_id=world.a.device.pk,
        officer=world.a.officer,
        district=world.a.district,
        table="events",
        operation="created",
        record_id=str(sent.get("id", "")),
        raw=json.dumps(sent, separators=(",", ":"), ensure_ascii=False),
        reason=reason,
        detail=detail,
        received_at=clock.now(),
    )


def page_parts(client: Any, record: QuarantinedRecord) -> tuple[str, str]:
    """The page's main part and its folded technical part (HTML)."""
    url = reverse("admin:sync_gateway_quarantinedrecord_change", args=[record.pk])
    response = client.get(url)
    assert response.status_code == 200
    main = response.content.decode().split('id="content-main"', 1)[1]
    before, folded = main.split("<details>", 1)
    return before, folded


@pytest.fixture
def chief(client: Any, world: Any, request: pytest.FixtureRequest) -> Any:
    officer = world.a.chief
    officer.language = request.param
    officer.save(update_fields=["language"])
    client.force_login(officer)
    return officer


@pytest.mark.parametrize("chief", ["kk", "ru"], indirect=True)
def test_an_event_for_no_such_assignment_reads_as_words_with_the_json_folded(client, world, chief):
    # given: the tester's record — an arrival sent for an assignment that does not exist
    sent = {
        "id": "sec0b62eb509b4a75102f35",
        "kind": "on_scene",
        "device_time": DEVICE_TIME,
        "payload": {},
        "assignment_id": 999999,
    }
    record = quarantined(world, "unknown_assignment", "no assignment 999999", sent)

    # when
    main, folded = page_parts(client, record)

    # then: the reason, the kind of event and the phone's time in words
    text = visible_text(main)
    with translation.override(chief.language):
        assert str(REASONS["unknown_assignment"]) in text
        assert str(EventKind.ON_SCENE.label) in text
        assert when_text(clock.from_ms(DEVICE_TIME)) in text
    assert english_in(text) == []
    sent_words = re.search(r'<dl class="kuzet-payload">(.*?)</dl>', main, re.S)
    assert sent_words is not None
    assert english_words_in(visible_text(sent_words.group(1))) == []  # not even "Payload"
    assert not re.search(r"\d{13}", main)  # no epoch milliseconds
    assert "sec0b62eb509b4a75102f35" not in main
    assert "no assignment" not in main
    # and: the technician's part — the detail and the JSON exactly as received
    assert "no assignment 999999" in folded
    assert record.raw in html.unescape(folded)


@pytest.mark.parametrize("chief", ["kk"], indirect=True)
def test_a_payload_refused_as_too_large_is_cut_on_the_page_and_kept_whole_in_the_json(
    client, world, chief
):
    # given: a note of 20,000 characters
    note = "ж" * 20_000
    sent = {
        "id": "big0b62eb509b4a75102f35",
        "kind": "note",
        "device_time": DEVICE_TIME,
        "payload": {"text": note},
        "assignment_id": world.a.assignment.pk,
    }
    record = quarantined(world, "invalid_payload", "payload is larger than 16384 bytes", sent)

    # when
    main, folded = page_parts(client, record)

    # then: the assignment of the chief's own district by its call and unit, the note cut
    text = "\n".join(visible_text(main))
    assert f"{world.a.incident.number} → {world.a.unit.callsign}" in text
    assert "ж" * 200 + "…" in text
    assert note not in text
    assert note in folded
    assert "payload is larger" not in main


@pytest.mark.parametrize("chief", ["ru"], indirect=True)
def test_an_assignment_of_another_district_is_not_named(client, world, chief):
    # given: a phone of district A names B's assignment (refused as unknown)
    sent = {
        "id": "oth0b62eb509b4a75102f35",
        "kind": "ack",
        "device_time": DEVICE_TIME,
        "payload": {},
        "assignment_id": world.b.assignment.pk,
    }
    record = quarantined(
        world, "unknown_assignment", f"no assignment {world.b.assignment.pk}", sent
    )

    # when
    main, _folded = page_parts(client, record)

    # then: as sent, never B's call or unit
    assert world.b.incident.number not in main
    assert world.b.unit.callsign not in main


def test_a_record_that_is_not_a_json_object_shows_a_dash_and_its_text_folded(client, world):
    # given
    client.force_login(world.a.chief)
    record = quarantined(world, "invalid_field", "an event must be a JSON object", {})
    QuarantinedRecord.objects.filter(pk=record.pk).update(raw='"just text"')

    # when
    main, folded = page_parts(client, record)

    # then
    assert "just text" not in main
    assert "&quot;just text&quot;" in folded


@pytest.mark.parametrize("chief", ["ru"], indirect=True)
def test_a_quarantined_record_is_titled_by_why_whose_and_when(
    client: Any, chief: Any, world: Any
) -> None:
    # given
    record = quarantined(
        world, "unknown_assignment", "no assignment 999999", {"id": "sec2f26b8bef6774e1b779"}
    )

    # when
    url = reverse("admin:sync_gateway_quarantinedrecord_change", args=[record.pk])
    title = client.get(url).content.decode().split("<title>", 1)[1].split("</title>", 1)[0]

    # then: no "events/sec2f26b…" where a chief reads
    assert "sec2f26b" not in title
    assert str(world.a.officer) in title
