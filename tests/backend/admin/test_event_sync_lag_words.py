"""The events list writes a fact's sync lag in words under the time the server had it, as the
chief's data-quality report does: as ``m:ss`` a phone's fact recorded at 13:04:13 and synced
at 15:41:00 read "15:41:00 / sync lag: 2:36:47" — a second time of day."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.admin.utils import quote
from django.urls import reverse
from django.utils.html import strip_tags

from backend.dispatch.models import Event

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "lag_s", "words"),
    [
        ("en", 2, "sync lag: 2 s"),
        ("en", 9407, "sync lag: 2 h 36 min"),
        ("en", -65, "sync lag: −1 min 05 s"),
        ("kk", 9407, "синхрондау кідірісі: 2 сағ 36 мин"),
        ("ru", 125, "задержка синхронизации: 2 мин 05 с"),
    ],
)
def test_the_events_list_says_the_sync_lag_in_words(client, world, language, lag_s, words):
    # given: district A's fact, estimated lag_s before the server had it; its chief reads
    # ``language``
    event = world.a.event
    Event.objects.filter(pk=event.pk).update(
        estimated_at=event.server_received_at - dt.timedelta(seconds=lag_s)
    )
    chief = world.a.chief
    chief.language = language
    chief.save(update_fields=["language"])
    client.force_login(chief)

    # when
    listing = client.get(reverse("admin:dispatch_event_changelist")).content.decode()

    # then: words, not "0:02", "2:36:47", "−1:05"
    assert f'<span class="quiet">{words}</span>' in listing


@pytest.mark.parametrize(
    ("language", "booted", "skew"),
    [
        ("en", "Since the device booted: 21 h 21 min", "Device clock skew: −1 min 05 s"),
        ("ru", "С включения устройства: 21 ч 21 мин", "Расхождение часов устройства: −1 мин 05 с"),
        ("kk", "21 сағ 21 мин", "−1 мин 05 с"),
    ],
)
def test_the_facts_page_says_its_device_spans_in_words(client, world, language, booted, skew):
    # given: a fact from a phone booted 21 h 21 min 37 s before, its clock 65 s behind
    event = world.a.event
    Event.objects.filter(pk=event.pk).update(elapsed_ms=76_897_000, clock_skew_ms=-65_000)
    chief = world.a.chief
    chief.language = language
    chief.save(update_fields=["language"])
    client.force_login(chief)

    # when
    page = client.get(reverse("admin:dispatch_event_change", args=[quote(event.pk)]))

    # then: under the device's clock, spans in words — not "21:21:37", "−1:05"
    text = re.sub(r"\s+", " ", strip_tags(page.content.decode()))
    assert booted in text
    assert skew in text
    assert "21:21:37" not in text
