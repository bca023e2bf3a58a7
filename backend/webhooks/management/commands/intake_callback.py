"""``manage.py intake_callback <key id or prefix> <url>``: send a key's report changes to the
partner's URL.

The signing secret is printed alone on the last line (scripts take ``| tail -n 1``) and shown
only this once. Running it again for the same key replaces the URL and makes a new secret.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Q

from backend.common.errors import DomainError
from backend.dispatch.models import IntakeKey
from backend.webhooks.services import callback_configure


class Command(BaseCommand):
    help = (
        "Send an intake key's report changes to a partner's https URL; prints the signing "
        "secret on the last line."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("key", help="the key's id, or its prefix as the admin lists it")
        parser.add_argument("url", help="the partner's callback URL, https://…")
        parser.add_argument(
            "--language",
            default="ru",
            choices=[code for code, _name in settings.LANGUAGES],
            help="the language of outcome_label in the bodies (default ru)",
        )

    def handle(self, *args: Any, key: str, url: str, language: str, **options: Any) -> None:
        match = Q(prefix=key) | (Q(pk=int(key)) if key.isdigit() else Q())
        keys = list(IntakeKey.objects.filter(match, revoked_at__isnull=True)[:2])
        if len(keys) != 1:
            raise CommandError(f"No single live intake key with id or prefix {key!r}.")
        try:
            callback, secret = callback_configure(key=keys[0], url=url, language=language)
        except DomainError as exc:
            raise CommandError(exc.detail) from exc
        self.stdout.write(f"Callbacks of {keys[0].name} ({keys[0].channel}) go to {callback.url}.")
        self.stdout.write(
            "Store the signing secret now: it cannot be shown again. Verify with the Standard "
            "Webhooks headers (docs/intake.md, Callbacks)."
        )
        self.stdout.write(secret)
