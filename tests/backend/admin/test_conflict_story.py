"""A crew stood down while out of coverage comes back and sends its acknowledgment, its way
there and its arrival at once: three conflicts of one story. The chief reads them as one and
decides them in one resolution — or only the one on the page, if they untick the box."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest
from django.urls import reverse

from backend.common import clock
from backend.common.errors import Conflict as ConflictError
from backend.dispatch.admin.conflicts import server_side_rows
from backend.dispatch.admin.formatting import when_text
from backend.dispatch.models import Conflict
from backend.dispatch.services import conflicts_resolve
from backend.ledger.models import AuditEntry
from tests.backend.sync_support import crew_back_after_stand_down

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("published")]


@dataclass
class Story:
    ack: Conflict
    en_route: Conflict
    on_scene: Conflict

    @property
    def all(self) -> list[Conflict]:
        return [self.ack, self.en_route, self.on_scene]


@pytest.fixture
def published(personas: Any) -> None:
    from backend.sync_gateway.scope import reference_reconcile

    reference_reconcile()


@pytest.fixture
def story(personas: Any, client: Any) -> Story:
    by_kind = crew_back_after_stand_down(personas, client)
    return Story(by_kind["ack"], by_kind["en_route"], by_kind["on_scene"])


def page_of(conflict: Conflict) -> str:
    return reverse("admin:dispatch_conflict_change", args=[conflict.pk])


def test_the_page_offers_to_resolve_the_crews_other_conflicts_naming_each(client, personas, story):
    # given
    client.force_login(personas.a.chief)

    # when
    response = client.get(page_of(story.en_route))

    # then
    form = response.context["adminform"].form
    assert set(form.fields) == {"resolution", "resolution_note", "together"}
    assert form.fields["together"].initial is False  # the chief ticks it (test_conflict_decision)
    help_text = form.fields["together"].help_text  # the chief reads Russian
    assert help_text.startswith("То же назначение, то же решение и пояснение: ")
    assert f"#{story.ack.pk} Подтверждено" in help_text
    assert f"#{story.on_scene.pk} На месте" in help_text
    assert f"#{story.en_route.pk} " not in help_text
    page = response.content.decode()
    assert 'name="together"' in page
    assert "Решить заодно и другие открытые конфликты этого наряда" in page
    # the same story, linked, on the page
    assert f'href="{page_of(story.ack)}"' in page
    assert f'href="{page_of(story.on_scene)}"' in page


def test_one_resolution_decides_the_whole_story_each_audited(client, personas, story):
    # given
    client.force_login(personas.a.chief)

    # when
    response = client.post(
        page_of(story.en_route),
        {"resolution": "accept_device", "resolution_note": "связи не было", "together": "on"},
    )

    # then
    assert response.status_code == 302
    said = [str(m) for m in response.wsgi_request._messages]
    assert any(m.startswith("Вместе с ним решены так же: ") for m in said)
    for conflict in story.all:
        conflict.refresh_from_db()
        assert (conflict.state, conflict.resolution, conflict.resolution_note) == (
            "resolved",
            "accept_device",
            "связи не было",
        )
        assert conflict.resolved_by_id == personas.a.chief.pk
    entries = AuditEntry.objects.filter(action="conflict.resolved")
    assert sorted(int(e.object_id) for e in entries) == sorted(c.pk for c in story.all)
    for entry in entries:
        others = {c.pk for c in story.all} - {int(entry.object_id)}
        assert set(entry.data_dict["together_with"]) == others


def test_unticked_only_the_conflict_on_the_page_is_resolved(client, personas, story):
    # given
    client.force_login(personas.a.chief)

    # when
    response = client.post(
        page_of(story.ack), {"resolution": "noted", "resolution_note": "только это"}
    )

    # then
    assert response.status_code == 302
    states = {c.pk: Conflict.objects.get(pk=c.pk).state for c in story.all}
    assert states == {
        story.ack.pk: "resolved",
        story.en_route.pk: "open",
        story.on_scene.pk: "open",
    }
    assert "together_with" not in AuditEntry.objects.get(action="conflict.resolved").data_dict
    # the next page of the story offers only what is still open
    help_text = (
        client.get(page_of(story.on_scene)).context["adminform"].form.fields["together"].help_text
    )
    assert f"#{story.en_route.pk} " in help_text
    assert f"#{story.ack.pk} " not in help_text


def test_one_already_resolved_refuses_them_all_and_changes_nothing(personas, story):
    # given
    conflicts_resolve(
        conflicts=[story.on_scene], by=personas.oblast_admin, resolution="noted", note="first"
    )

    # when
    with pytest.raises(ConflictError) as raised:
        conflicts_resolve(
            conflicts=story.all, by=personas.a.chief, resolution="uphold_server", note="all"
        )

    # then
    assert raised.value.code == "already_resolved"
    assert [Conflict.objects.get(pk=c.pk).state for c in story.all] == [
        "open",
        "open",
        "resolved",
    ]
    assert AuditEntry.objects.filter(action="conflict.resolved").count() == 1


def test_the_queue_names_each_conflicts_milestone_and_its_district_only_where_several(
    client, personas, story
):
    # given
    client.force_login(personas.a.chief)

    # when
    response = client.get(reverse("admin:dispatch_conflict_changelist"))

    # then
    page = response.content.decode()
    for label in ("Подтверждено", "В пути", "На месте"):
        assert f'<td class="field-milestone">{label}</td>' in page
    # one district: no column repeating its name on every row
    assert "field-district" not in page
    client.force_login(personas.duty)  # the ЦОУ serves the whole oblast
    oblast_wide = client.get(reverse("admin:dispatch_conflict_changelist")).content.decode()
    assert "field-district" in oblast_wide


def test_both_sides_read_as_words_never_codes_ids_or_epoch_numbers(client, personas, story):
    # given
    client.force_login(personas.a.chief)  # reads Russian

    # when
    response = client.get(page_of(story.on_scene))

    # then: the server's side in words, the crew and the unit it was handed to by callsign
    main = response.content.decode().split('id="content-main"')[1]
    rows = dict(re.findall(r"<tr><th>([^<]*)</th><td>([^<]*)</td></tr>", main))
    assert rows["Статус назначения в тот момент"] == "Заменено"
    assert rows["Назначенный наряд"] == personas.a.patrol.callsign
    assert rows["Команда"] == "Переназначено"
    assert rows["Передано наряду"] == personas.a.inspector_unit.callsign
    assert rows["Кем"] == str(personas.duty)
    # the page's title and links name statuses and milestones in words
    assert "(Открыт)" in response.content.decode()
    assert f"→ {personas.a.patrol.callsign} (Заменено)" in main
    assert not re.search(r"\b1[6-9]\d{11}\b", main)  # no epoch milliseconds
    for code in ("superseded", "reassign", "on_scene", "after_reassign", "dispatched_at"):
        assert f">{code}<" not in main
        assert f" {code}<" not in main


def test_a_doubted_time_says_why_in_words():
    # given: the server's side of a clock_suspect conflict (facts._clock_side)
    side = {
        "flags": ["after_receipt", "skew"],
        "server_received_at": 1_780_000_000_000,
        "dispatched_at": 1_780_000_000_000 - 600_000,
        "skew_ms": -3_725_000,
    }

    # when
    rows = dict(server_side_rows(side))

    # then
    assert rows == {
        "Dispatched": when_text(clock.from_ms(1_780_000_000_000 - 600_000)),
        "Why the time is doubted": "the device clock is after the server received the event; "
        "the device clock is far from the estimated time",
        "Device clock off by": "1 h 02 min",  # in words, not "1:02:05"
    }


def test_a_stand_down_by_closing_the_call_says_so_in_the_readers_language():
    # given: the server's side of an after_cancel conflict: the call was closed with the
    # crew still on it, so the server stood the assignment down with its fixed reason
    from django.utils import translation

    side = {"command": {"name": "cancel", "reason": "incident closed"}}

    # when
    with translation.override("ru"):
        rows = dict(server_side_rows(side))

    # then
    assert "вызов закрыт" in rows.values()
    assert "incident closed" not in rows.values()


def test_a_close_the_crew_did_not_know_of_labels_the_calls_words_as_the_close_form_does():
    # given: the server's side of an after_close conflict (facts._server_side): the call was
    # closed with the duty officer's words; in Russian an event's disposition is "Применение"
    from django.utils import translation

    from backend.common.formatting import KEY_LABELS

    side = {"command": {"name": "close", "disposition": "разобрано"}}

    # when
    with translation.override("ru"):
        rows = dict(server_side_rows(side))
        label = str(KEY_LABELS["call_disposition"])

    # then
    assert rows[label] == "разобрано"
    assert "Применение" not in rows


def test_the_open_queue_leaves_out_what_every_open_row_would_repeat(client, personas, story):
    # given
    client.force_login(personas.a.chief)
    url = reverse("admin:dispatch_conflict_changelist")

    # when
    open_queue = client.get(url, {"state__exact": "open"})
    everything = client.get(url)

    # then: open rows have no resolution or resolver yet, and all say "open"
    shown = open_queue.context["cl"].list_display
    assert not {"state", "decision"} & set(shown)
    assert {"milestone", "call", "unit"} <= set(shown)
    assert {"state", "decision"} <= set(everything.context["cl"].list_display)
