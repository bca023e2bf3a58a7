"""``manage.py intake_key <channel> <name>``: issue an API key for one intake integration.

The key is printed alone on the last line (scripts take ``| tail -n 1``); only its SHA-256
is stored, so it cannot be shown again.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from backend.common.errors import DomainError
from backend.dispatch.models import Channel
from backend.dispatch.services import intake_key_issue


class Command(BaseCommand):
    help = "Issue an intake API key for a channel (eGov, Kaspi…); prints the key on the last line."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("channel", choices=Channel.values)
        parser.add_argument("name", help="the integration's name, e.g. 'eGov Mobile prod'")

    def handle(self, *args: Any, channel: str, name: str, **options: Any) -> None:
        try:
            key, raw = intake_key_issue(channel=channel, name=name)
        except DomainError as exc:
            raise CommandError(exc.detail) from exc
        self.stdout.write(
            f"Intake key {key.pk} for {key.name} ({key.channel}), prefix {key.prefix}."
        )
        self.stdout.write(
            "Store it now: it cannot be shown again. Use: Authorization: Api-Key <key>"
        )
        self.stdout.write(raw)
