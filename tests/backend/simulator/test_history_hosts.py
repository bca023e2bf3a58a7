"""``manage.py history`` with production settings and no ALLOWED_HOSTS stops at once with
the fix in one sentence; it failed deep inside on Django's DisallowedHost for 'localhost',
then on a 400 at the first phone's enrolment."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from backend.simulator import history
from backend.simulator.ports import in_process_host_refused


def test_production_settings_without_allowed_hosts_stop_before_anything_is_built(monkeypatch):
    # given: production settings (no DEBUG) and ALLOWED_HOSTS empty
    built: list[object] = []
    monkeypatch.setattr(history, "build", lambda **kw: built.append(kw))

    # when
    with (
        override_settings(ALLOWED_HOSTS=[], DEBUG=False),
        pytest.raises(CommandError) as refused,
    ):
        call_command("history", "--days", "1", "--force")

    # then: one sentence naming the fix, and nothing built
    assert str(refused.value) == (
        "ALLOWED_HOSTS must include the host the demo is served on, e.g. "
        "ALLOWED_HOSTS=127.0.0.1 (README's first command sets it and DEBUG=1): with "
        "ALLOWED_HOSTS empty, Kuzet refuses history's requests to 'localhost'."
    )
    assert built == []


@pytest.mark.parametrize(
    ("hosts", "debug", "refused"),
    [
        ([], False, True),
        ([".example.kz"], False, True),  # a subdomain pattern: history asks for 'localhost'
        (["127.0.0.1"], False, False),  # README's first command
        ([], True, False),  # Django's own localhost under DEBUG
        (["*"], False, False),
        (["kuzet.example.kz", "127.0.0.1"], False, False),
    ],
)
def test_the_host_is_checked_as_django_checks_it(hosts, debug, refused):
    with override_settings(ALLOWED_HOSTS=hosts, DEBUG=debug):
        assert (in_process_host_refused() is not None) == refused
