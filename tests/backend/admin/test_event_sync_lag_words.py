"""The events list writes a fact's sync lag in words under the time the server had it, as the
chief's data-quality report does: as ``m:ss`` a phone's fact recorded at 13:04:13 and synced
at 15:41:00 read "15:41:00 / sync lag: 2:36:47" — a second time of day."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

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
