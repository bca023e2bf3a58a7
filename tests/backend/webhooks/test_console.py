"""The partners' callbacks in the console: the oblast administrator sets a key's callback and
reads its secret once; every delivery is listed, read-only, in the reader's language."""

from __future__ import annotations

import html
import socket

import httpx
import pytest
from django.urls import reverse

from backend.ledger.models import AuditEntry
from backend.webhooks.models import CallbackDelivery, IntakeCallback
from backend.webhooks.services import callback_configure, callback_send

from .conftest import send_report

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "title", "column"),
    [
        ("ru", "Доставки обратных вызовов", "Следующая попытка"),
        ("kk", "Кері шақыру жеткізілімдері", "Келесі әрекет"),
    ],
)
def test_the_delivery_list_reads_in_the_administrators_language(
    personas, egov, receiver, client, django_capture_on_commit_callbacks, language, title, column
):
    # given: a delivery, and the oblast administrator reading in Russian or Kazakh
    key, intake = egov
    callback_configure(partner=key.partner, url=receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        incident = send_report(intake, personas)
    admin = personas.oblast_admin
    admin.language = language
    admin.save(update_fields=["language"])
    client.force_login(admin)

    # when
    page = client.get(reverse("admin:webhooks_callbackdelivery_changelist"))

    # then
    assert page.status_code == 200
    text = page.content.decode()
    assert incident.number in text
    # the partner by its name alone (the key's channel and prefix crowded the row)
    assert '<td class="field-partner_name">eGov Mobile</td>' in text
    assert title in text
    assert column in text


def test_the_delivery_list_is_the_oblast_administrators(personas, client):
    # given: a district chief
    client.force_login(personas.a.chief)

    # when
    page = client.get(reverse("admin:webhooks_callbackdelivery_changelist"))

    # then
    assert page.status_code == 403


def test_the_oblast_administrator_sets_a_callback_and_sees_its_secret_once(
    personas, egov, client, dns
):
    # given: the partner's server on the internet
    key, _intake = egov
    dns["partner.kz"] = ["93.184.215.14"]
    personas.oblast_admin.language = "en"
    personas.oblast_admin.save(update_fields=["language"])
    client.force_login(personas.oblast_admin)

    # when
    response = client.post(
        reverse("admin:webhooks_intakecallback_add"),
        {"partner": key.partner_id, "url": "https://partner.kz/kuzet/callback", "language": "kk"},
        follow=True,
    )

    # then: the secret is in the confirmation, the one the deliveries are signed with
    callback = IntakeCallback.objects.get()
    message, added = [str(m) for m in response.context["messages"]]
    assert added.endswith("was added successfully.")
    assert callback.secret in message
    assert (callback.partner, callback.url, callback.language, callback.created_by) == (
        key.partner,
        "https://partner.kz/kuzet/callback",
        "kk",
        personas.oblast_admin,
    )
    # and never again: not on the callback's page, not in the list
    page = client.get(reverse("admin:webhooks_intakecallback_change", args=[callback.pk]))
    listed = client.get(reverse("admin:webhooks_intakecallback_changelist"))
    assert page.status_code == listed.status_code == 200
    assert callback.secret not in page.content.decode() + listed.content.decode()
    entry = AuditEntry.objects.get(action="intake_key.callback_set")
    assert (entry.actor_id, entry.object_type, entry.object_id) == (
        personas.oblast_admin.pk,
        "intake_partner",
        str(key.partner_id),
    )


def test_a_plain_http_callback_is_refused_in_the_console(personas, egov, client):
    # given
    key, _intake = egov
    client.force_login(personas.oblast_admin)

    # when
    response = client.post(
        reverse("admin:webhooks_intakecallback_add"),
        {"partner": key.partner_id, "url": "http://partner.kz/cb", "language": "ru"},
    )

    # then: the form again, nothing set, nothing audited
    assert response.status_code == 200
    assert "url" in response.context["adminform"].form.errors
    assert IntakeCallback.objects.count() == 0
    assert not AuditEntry.objects.filter(action="intake_key.callback_set").exists()


def _closed_port() -> int:
    """A port on this machine nobody listens on: a connection to it is refused."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _timing_out(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectTimeout("timed out", request=request)


@pytest.mark.parametrize(
    ("language", "refused_words", "timeout_words"),
    [
        (
            "ru",
            "Не удалось подключиться к серверу партнёра.",
            "Сервер партнёра не ответил вовремя.",
        ),
        (
            "kk",
            "Серіктестің серверіне қосылу мүмкін болмады.",
            "Серіктестің сервері уақытында жауап бермеді.",
        ),
    ],
)
def test_a_failed_delivery_says_what_went_wrong_in_the_administrators_language(
    personas,
    egov,
    receiver,
    client,
    django_capture_on_commit_callbacks,
    language,
    refused_words,
    timeout_words,
):
    # given: a partner whose server refuses the connection, and one that does not answer
    key, intake = egov
    callback_configure(partner=key.partner, url=f"http://127.0.0.1:{_closed_port()}/kuzet/callback")
    incident = send_report(intake, personas)
    [refused] = CallbackDelivery.objects.filter(incident=incident)
    callback_send(refused.pk)
    incident = send_report(intake, personas, external_ref="egov-1002")
    [timed_out] = CallbackDelivery.objects.filter(incident=incident)
    callback_send(timed_out.pk, transport=httpx.MockTransport(_timing_out))
    admin = personas.oblast_admin
    admin.language = language
    admin.save(update_fields=["language"])
    client.force_login(admin)

    # when
    listed = client.get(reverse("admin:webhooks_callbackdelivery_changelist"))
    page = client.get(reverse("admin:webhooks_callbackdelivery_change", args=[refused.pk]))

    # then: the list says it in words; the page keeps the client's own words under them
    text = html.unescape(listed.content.decode())
    assert refused_words in text
    assert timeout_words in text
    assert "ConnectError" not in text
    assert "ConnectTimeout" not in text
    detail = html.unescape(page.content.decode())
    assert refused_words in detail
    refused.refresh_from_db()
    assert refused.last_error.startswith("ConnectError: ")
    assert refused.last_error in detail
