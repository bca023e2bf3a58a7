"""An SMS's page says what came of it in the reader's language: an officer's reply — what it
did (acknowledged the call, read the desk's message) or why it was refused; a sent message —
the gateway's error. A reply's reason code ("acknowledged_and_read") was shown raw under
"Error", and "assignment" and "purpose" both read "Назначение" in Russian. Its number is
grouped as it is read aloud ("+7 701 000 10 01"), not one run of eleven digits."""

from __future__ import annotations

import html
import re

import pytest
from django.urls import reverse

from backend.common import clock
from backend.dispatch.models import SmsMessage

from .test_place_names import column, reading

pytestmark = pytest.mark.django_db


def page_rows(client, message: SmsMessage) -> dict[str, str]:
    """The message's page as label → value."""
    page = client.get(reverse("admin:dispatch_smsmessage_change", args=[message.pk]))
    assert page.status_code == 200
    rows = re.findall(
        r"<label>(.*?):</label>\s*<div class=\"readonly\">(.*?)</div>",
        page.content.decode(),
        re.S,
    )
    return {
        html.unescape(label.strip()): html.unescape(" ".join(re.sub(r"<[^>]+>", " ", v).split()))
        for label, v in rows
    }


def sms(personas, **fields) -> SmsMessage:
    return SmsMessage.objects.create(
        phone="+77010001001", officer=personas.a.patrol_officers[0], created_at=clock.now(),
        **fields,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("language", "label", "said", "purpose"),
    [
        ("ru", "Итог", "Вызов подтверждён, сообщение дежурной части прочитано.", "Вид"),
        ("kk", "Нәтижесі", "Шақыру расталды, кезекші бөлімнің хабарламасы оқылды.", "Мақсаты"),
        ("en", "What came of it", "The call is acknowledged and the desk's message read.",
         "Purpose"),
    ],
)  # fmt: skip
def test_a_reply_says_what_it_did_in_words(client, personas, language, label, said, purpose):
    # given: the officer's "OK 4821" acknowledged the call and read the desk's message
    reply = sms(
        personas, direction="in", body="OK 4821", reply_code="4821",
        state=SmsMessage.State.APPLIED, error="acknowledged_and_read", provider_id="gw-1",
    )  # fmt: skip
    client.force_login(reading(personas.oblast_admin, language))

    # when
    rows = page_rows(client, reply)

    # then
    assert rows[label] == said
    assert "acknowledged_and_read" not in " ".join(rows.values())
    assert purpose in rows  # not a second "Назначение" beside the assignment's
    assert len(rows) == len(set(rows))


def test_a_refused_reply_says_why_and_a_failed_send_keeps_the_gateways_words(client, personas):
    refused = sms(
        personas, direction="in", body="ACK 9999", state=SmsMessage.State.REJECTED,
        error="unknown_code", provider_id="gw-2",
    )  # fmt: skip
    failed = sms(
        personas, direction="out", body="KUZET …", state=SmsMessage.State.FAILED,
        error="HTTP 503 from the gateway",
    )  # fmt: skip
    client.force_login(reading(personas.oblast_admin, "en"))

    assert page_rows(client, refused)["What came of it"] == (
        "No call was sent to this officer with this code."
    )
    assert page_rows(client, failed)["What came of it"] == "HTTP 503 from the gateway"


def test_a_number_past_retention_says_it_is_kept_in_part(client, personas, settings):
    # given: a reply whose number the retention cut to its last four digits, and a recent one
    settings.KUZET_SMS_RETENTION_DAYS = 90
    masked = sms(personas, direction="in", body="OK 4821", state=SmsMessage.State.APPLIED)
    SmsMessage.objects.filter(pk=masked.pk).update(phone="…1001")
    whole = sms(personas, direction="out", body="KUZET …", state=SmsMessage.State.SENT)
    client.force_login(reading(personas.oblast_admin, "en"))
    note = "after 90 days only the last digits are kept"

    # when
    listed = client.get(reverse("admin:dispatch_smsmessage_changelist")).content.decode()

    # then: "…1001" is said to be what is kept, on the list and on the message's page; a
    # whole number is shown grouped as it is read aloud, its tel: link the number as stored
    numbers = column(listed, "number")
    assert sorted(numbers) == sorted(["+7 701 000 10 01", "…1001 last digits only"])
    assert f'title="{note}"' in listed
    assert page_rows(client, masked)["Phone"] == f"…1001 {note}"
    assert page_rows(client, whole)["Phone"] == "+7 701 000 10 01"
    page = client.get(reverse("admin:dispatch_smsmessage_change", args=[whole.pk]))
    assert '<a href="tel:+77010001001">+7 701 000 10 01</a>' in page.content.decode()
    whole.refresh_from_db()
    assert whole.phone == "+77010001001"  # stored as E.164, grouped only on the screen
