"""``manage.py intake_callback <key id or prefix> <url>`` or ``intake_callback --partner <id>
<url>``: send a partner's report changes to its URL — the partner of the key named (any of its
keys, revoked ones too: the leaked key's prefix is the one the operator has at hand), or the
partner by its id as the admin's *Intake partners* shows it.

The signing secret is printed alone on the last line (scripts take ``| tail -n 1``) and shown
only this once. Running it again for the same partner (through any of its keys) replaces the
URL and makes a new secret.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Q

from backend.common.errors import DomainError
from backend.dispatch.models import IntakeKey, IntakePartner
from backend.webhooks.services import callback_configure


def _partner_of_key(key: str) -> IntakePartner:
    match = Q(prefix=key) | (Q(pk=int(key)) if key.isdigit() else Q())
    keys = list(IntakeKey.objects.filter(match).select_related("partner")[:2])
    # A prefix is 12 characters of a random key, but no unique column: two keys sharing one
    # could be two partners' (an id and another key's prefix cannot: a prefix is never digits).
    if len({k.partner_id for k in keys}) != 1:
        raise CommandError(f"No single intake key with id or prefix {key!r}.")
    return keys[0].partner


class Command(BaseCommand):
    help = (
        "Send an intake partner's report changes to its https URL (the partner of a key, or "
        "--partner); prints the signing secret on the last line."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "key",
            nargs="?",
            help="a key's id or prefix as the admin lists it: its partner's callback is set",
        )
        parser.add_argument("url", help="the partner's callback URL, https://…")
        parser.add_argument(
            "--partner", type=int, help="the partner's id (admin: Intake partners), not a key"
        )
        parser.add_argument(
            "--language",
            default="ru",
            choices=[code for code, _name in settings.LANGUAGES],
            help="the language of outcome_label in the bodies (default ru)",
        )

    def handle(
        self,
        *args: Any,
        key: str | None,
        url: str,
        partner: int | None,
        language: str,
        **options: Any,
    ) -> None:
        if (key is None) == (partner is None):
            raise CommandError("Name a key (its id or prefix) or --partner, not both.")
        if key is not None:
            found = _partner_of_key(key)
        else:
            assert partner is not None  # one of the two, checked above
            try:
                found = IntakePartner.objects.get(pk=partner)
            except IntakePartner.DoesNotExist:
                raise CommandError(f"No intake partner with id {partner}.") from None
        try:
            callback, secret = callback_configure(partner=found, url=url, language=language)
        except DomainError as exc:
            raise CommandError(exc.detail) from exc
        self.stdout.write(
            f"Callbacks of {found.name} ({found.channel}) go to {callback.url}, whichever of "
            "its keys sent the report."
        )
        self.stdout.write(
            "Store the signing secret now: it cannot be shown again. Verify with the Standard "
            "Webhooks headers (docs/intake.md, Callbacks)."
        )
        self.stdout.write(secret)
