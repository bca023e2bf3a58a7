"""``manage.py intake_key <channel> <name>``: issue an API key for one intake integration;
``manage.py intake_key <channel> [<name>] --replaces <key id or prefix>``: issue a key that
replaces a partner's key (after a leak, or on schedule) — the same partner's, whose reports
sent with the old key are replayed, read and called back through the new one.
``--exercise``: the key's reports are exercise calls (a drill's), kept out of the figures.

The key is printed alone on the last line (scripts take ``| tail -n 1``); only its SHA-256
is stored, so it cannot be shown again.
"""

from __future__ import annotations

import argparse
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Q

from backend.common.errors import DomainError
from backend.dispatch.models import Channel, IntakeKey
from backend.dispatch.services import intake_key_issue


class Command(BaseCommand):
    help = (
        "Issue an intake API key for a channel (eGov, Kaspi…), or one that replaces a "
        "partner's key (--replaces); prints the key on the last line."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("channel", choices=Channel.values)
        parser.add_argument(
            "name",
            nargs="?",
            default="",
            help="the integration's name, e.g. 'eGov Mobile prod' (with --replaces: the old "
            "key's unless given)",
        )
        parser.add_argument(
            "--replaces",
            metavar="KEY",
            help="the id or prefix of the key this one replaces (revoked or not): the new key "
            "is the same partner's; revoke the old one when the partner has switched",
        )
        parser.add_argument(
            "--exercise",
            action=argparse.BooleanOptionalAction,
            default=None,
            help="every report taken with the key is an exercise call: handled like any call, "
            "kept out of the figures (a replacement: the old key's unless given)",
        )

    def handle(
        self,
        *args: Any,
        channel: str,
        name: str,
        replaces: str | None,
        exercise: bool | None,
        **options: Any,
    ) -> None:
        old = _key(replaces) if replaces else None
        try:
            key, raw = intake_key_issue(channel=channel, name=name, replaces=old, exercise=exercise)
        except DomainError as exc:
            raise CommandError(exc.detail) from exc
        self.stdout.write(
            f"Intake key {key.pk} for {key.name} ({key.channel}), prefix {key.prefix}."
        )
        if key.exercise:
            self.stdout.write(
                "An exercise key: its reports are exercise calls, kept out of the figures."
            )
        if old is not None:
            state = (
                "is revoked"
                if old.revoked_at is not None
                else "still works: revoke it once the partner has switched"
            )
            self.stdout.write(
                f"It replaces key {old.pk} (prefix {old.prefix}), which {state}. The "
                "partner's reports, sent with either key, are replayed, read and called back "
                "through the new one."
            )
        self.stdout.write(
            "Store it now: it cannot be shown again. Use: Authorization: Api-Key <key>"
        )
        self.stdout.write(raw)


def _key(given: str) -> IntakeKey:
    """The key by its id or prefix, revoked too (a leaked key is revoked first)."""
    match = Q(prefix=given) | (Q(pk=int(given)) if given.isdigit() else Q(pk__in=[]))
    keys = list(IntakeKey.objects.filter(match).select_related("partner")[:2])
    if len(keys) != 1:
        raise CommandError(f"No single intake key with id or prefix {given!r}.")
    return keys[0]
