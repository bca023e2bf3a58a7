"""A callback goes to a partner's server on the internet, never inside our network (SSRF): a
URL whose host is or resolves to an internal address is refused when it is set, and again at
every send — the name is resolved once, checked, and the connection goes to the address that
was checked. ``KUZET_CALLBACK_ALLOW_PRIVATE`` lets loopback and private networks through (a
closed government network; the receiver of these tests on 127.0.0.1)."""

from __future__ import annotations

import datetime as dt
import io
import ipaddress

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from backend.common import clock
from backend.common.errors import ValidationFailed
from backend.ledger.models import AuditEntry
from backend.webhooks.models import CallbackDelivery, IntakeCallback
from backend.webhooks.services import callback_configure, callbacks_send_due

from .conftest import send_report

pytestmark = pytest.mark.django_db

PUBLIC = "93.184.215.14"


def test_a_receiver_on_this_machine_is_refused_unless_private_addresses_are_allowed(
    egov, receiver, settings
):
    # given: a partner's server on 127.0.0.1, and production's setting
    key, _client = egov
    settings.KUZET_CALLBACK_ALLOW_PRIVATE = False

    # when / then: refused, and said why
    with pytest.raises(ValidationFailed) as refused:
        callback_configure(partner=key.partner, url=receiver.url)
    assert refused.value.code == "callback_address_refused"
    assert refused.value.extra == {"host": "127.0.0.1", "address": "127.0.0.1"}
    assert "127.0.0.1" in refused.value.detail
    assert "loopback" in refused.value.detail
    assert IntakeCallback.objects.count() == 0

    # and allowed, it is set
    settings.KUZET_CALLBACK_ALLOW_PRIVATE = True
    assert callback_configure(partner=key.partner, url=receiver.url)[0].url == receiver.url


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("10.1.2.3", "private network"),
        ("172.16.5.4", "private network"),
        ("192.168.0.10", "private network"),
        ("100.64.0.1", "private network"),  # carrier-grade NAT
        ("fd12:3456::1", "private network"),  # unique-local
        ("::ffff:10.0.0.1", "private network"),  # IPv4-mapped
        ("2002:a00:1::", "private network"),  # 6to4 of 10.0.0.1
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("169.254.169.254", "link-local"),  # a cloud's metadata service
        ("fe80::1", "link-local"),
        ("224.0.0.251", "multicast"),
        ("ff02::1", "multicast"),
        ("0.0.0.0", "unspecified"),  # noqa: S104 (an address to refuse, not to bind)
        ("::", "unspecified"),
        ("240.0.0.1", "reserved"),
    ],
)
def test_a_name_resolving_to_an_internal_address_is_refused(egov, settings, dns, address, kind):
    # given: the partner's name resolves inside (its DNS, or someone's who set it)
    key, _client = egov
    settings.KUZET_CALLBACK_ALLOW_PRIVATE = False
    dns["partner.kz"] = [address]

    # when / then
    with pytest.raises(ValidationFailed) as refused:
        callback_configure(partner=key.partner, url="https://partner.kz/kuzet/callback")
    assert refused.value.code == "callback_address_refused"
    assert f"partner.kz is at {ipaddress.ip_address(address)}, " in refused.value.detail
    assert kind in refused.value.detail
    # and the address itself in the URL as well
    literal = f"[{address}]" if ":" in address else address
    with pytest.raises(ValidationFailed):
        callback_configure(partner=key.partner, url=f"https://{literal}/kuzet/callback")
    assert IntakeCallback.objects.count() == 0


def test_a_public_address_is_set_and_one_internal_among_several_is_refused(egov, settings, dns):
    # given
    key, _client = egov
    settings.KUZET_CALLBACK_ALLOW_PRIVATE = False
    dns["partner.kz"] = [PUBLIC]

    # when / then: a partner's server on the internet
    assert callback_configure(partner=key.partner, url="https://partner.kz/cb")[0].url == (
        "https://partner.kz/cb"
    )

    # and a name with a public and a private address: the resolver may put either first
    dns["partner.kz"] = [PUBLIC]
    dns["mixed.kz"] = ["10.0.0.8"]
    with pytest.raises(ValidationFailed) as refused:
        callback_configure(partner=key.partner, url="https://mixed.kz/cb")
    assert refused.value.extra["address"] == "10.0.0.8"


def test_a_closed_network_allows_private_addresses_but_never_metadata(egov, settings, dns):
    # given: a closed government network, its partners on private addresses
    key, _client = egov
    settings.KUZET_CALLBACK_ALLOW_PRIVATE = True
    dns["egov.gov.local"] = ["10.20.30.40"]
    dns["metadata.gov.local"] = ["169.254.169.254"]

    # when / then
    assert callback_configure(partner=key.partner, url="https://egov.gov.local/cb")[
        0
    ].url.startswith("https")
    with pytest.raises(ValidationFailed) as refused:
        callback_configure(partner=key.partner, url="https://metadata.gov.local/cb")
    assert "link-local" in refused.value.detail


def test_a_name_that_moves_inside_after_it_was_set_is_refused_at_the_send_and_given_up(
    personas, egov, settings, dns, django_capture_on_commit_callbacks
):
    # given: partner.kz was public when the callback was set; its DNS now answers 10.0.0.7
    key, client = egov
    settings.KUZET_CALLBACK_ALLOW_PRIVATE = False
    dns["partner.kz"] = [PUBLIC]
    callback_configure(partner=key.partner, url="https://partner.kz/kuzet/callback")
    dns["partner.kz"] = ["10.0.0.7"]
    t0 = clock.now()

    # when: a report's receipt is to be called back, and the sweep runs later
    with clock.frozen(t0), django_capture_on_commit_callbacks(execute=True):
        send_report(client, personas)
    with clock.frozen(t0 + dt.timedelta(hours=1)):
        later = callbacks_send_due()

    # then: given up at once (not tried for 24 h), the reason recorded
    delivery = CallbackDelivery.objects.get()
    assert later == 0
    assert (delivery.state, delivery.attempts, delivery.last_status_code) == ("failed", 1, None)
    assert (delivery.gave_up_at, delivery.finished_at, delivery.next_attempt_at) == (t0, t0, None)
    assert delivery.last_error == "refused private 10.0.0.7 partner.kz"


def test_a_receiver_on_this_machine_is_refused_at_the_send_unless_allowed(
    personas, egov, receiver, settings, django_capture_on_commit_callbacks
):
    # given: a callback to 127.0.0.1 set while allowed, then the setting off
    key, client = egov
    callback_configure(partner=key.partner, url=receiver.url)
    settings.KUZET_CALLBACK_ALLOW_PRIVATE = False

    # when
    with django_capture_on_commit_callbacks(execute=True):
        send_report(client, personas)

    # then: nothing reached the receiver
    assert receiver.requests == []
    delivery = CallbackDelivery.objects.get()
    assert (delivery.state, delivery.last_error) == (
        "failed",
        "refused loopback 127.0.0.1 127.0.0.1",
    )


def test_the_send_connects_to_the_address_it_checked(
    personas, egov, receiver, dns, django_capture_on_commit_callbacks
):
    # given: the partner's name resolves to the receiver once, and after that to 127.0.0.2,
    # where nothing listens (a name rebound between the check and the connection)
    key, client = egov
    port = receiver.server.server_address[1]
    dns["partner.test"] = ["127.0.0.1"]
    callback_configure(partner=key.partner, url=f"http://partner.test:{port}/kuzet/callback")
    dns["partner.test"] = ["127.0.0.1", "127.0.0.2"]
    dns.lookups.clear()

    # when
    with django_capture_on_commit_callbacks(execute=True):
        send_report(client, personas)

    # then: one lookup, and the body went to the address it gave, named as the partner
    assert dns.lookups == ["partner.test"]
    assert len(receiver.requests) == 1
    headers, _raw = receiver.requests[0]
    assert headers["host"] == f"partner.test:{port}"
    assert CallbackDelivery.objects.get().state == "delivered"


def test_a_name_not_found_at_the_send_is_tried_again(
    personas, egov, settings, dns, django_capture_on_commit_callbacks
):
    # given: a callback whose name does not resolve (yet: it may be set before its DNS is)
    key, client = egov
    settings.KUZET_CALLBACK_ALLOW_PRIVATE = False
    callback_configure(partner=key.partner, url="https://partner.invalid/cb")
    t0 = clock.now()

    # when
    with clock.frozen(t0), django_capture_on_commit_callbacks(execute=True):
        send_report(client, personas)

    # then: a network error, tried again in 30 s
    delivery = CallbackDelivery.objects.get()
    assert (delivery.state, delivery.next_attempt_at) == ("pending", t0 + dt.timedelta(seconds=30))
    assert delivery.last_error.startswith("could not resolve partner.invalid")


def test_the_command_refuses_an_internal_address(egov, settings, dns):
    # given
    key, _client = egov
    settings.KUZET_CALLBACK_ALLOW_PRIVATE = False
    dns["partner.kz"] = ["192.168.1.5"]

    # when / then
    with pytest.raises(CommandError) as refused:
        call_command("intake_callback", key.prefix, "https://partner.kz/cb", stdout=io.StringIO())
    assert "192.168.1.5" in str(refused.value)
    assert "private network" in str(refused.value)
    assert IntakeCallback.objects.count() == 0


def test_the_console_refuses_an_internal_address_and_lists_a_refused_delivery(
    personas, egov, client, settings, dns, django_capture_on_commit_callbacks
):
    # given: the oblast administrator, reading English
    key, intake = egov
    settings.KUZET_CALLBACK_ALLOW_PRIVATE = False
    dns["partner.kz"] = ["169.254.169.254"]
    personas.oblast_admin.language = "en"
    personas.oblast_admin.save(update_fields=["language"])
    client.force_login(personas.oblast_admin)

    # when: the callback is set to a name that leads to the cloud's metadata service
    response = client.post(
        reverse("admin:webhooks_intakecallback_add"),
        {"partner": key.partner_id, "url": "https://partner.kz/kuzet/callback", "language": "ru"},
    )

    # then: the form again with the reason, nothing set, nothing audited
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["url"]
    assert errors == [
        "partner.kz is at 169.254.169.254, a link-local address (such as a cloud's metadata "
        "service): callbacks go only to a partner's server on the internet."
    ]
    assert IntakeCallback.objects.count() == 0
    assert not AuditEntry.objects.filter(action="intake_key.callback_set").exists()

    # given: a callback set while partner.kz was public, refused at its send
    dns["partner.kz"] = [PUBLIC]
    callback_configure(partner=key.partner, url="https://partner.kz/kuzet/callback")
    dns["partner.kz"] = ["10.0.0.7"]
    with django_capture_on_commit_callbacks(execute=True):
        send_report(intake, personas)

    # when
    page = client.get(reverse("admin:webhooks_callbackdelivery_changelist"))

    # then: the deliveries list says why, in the reader's language, and the delivery's page
    # in a sentence
    assert page.status_code == 200
    assert (
        '<td class="field-problem_short">refused: 10.0.0.7, an address of a private network</td>'
    ) in page.content.decode()
    delivery = CallbackDelivery.objects.get()
    one = client.get(reverse("admin:webhooks_callbackdelivery_change", args=[delivery.pk]))
    assert (
        "partner.kz is at 10.0.0.7, an address of a private network: callbacks go only to a "
        "partner&#x27;s server on the internet."
    ) in one.content.decode()
