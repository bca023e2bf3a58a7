"""``manage.py enrolment_code <username>``: issue a one-time enrolment code for an officer.

The code is printed alone on the last line, so scripts can take it with ``tail -n 1``.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from backend.common.errors import DomainError
from backend.devices.services import enrolment_code_issue
from backend.people.models import Officer


class Command(BaseCommand):
    help = "Issue a one-time device enrolment code for an officer (printed on the last line)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, username: str, **options: Any) -> None:
        officer = Officer.objects.filter(username=username).first()
        if officer is None:
            raise CommandError(f"No officer {username!r}.")
        try:
            code = enrolment_code_issue(officer=officer, issued_by=None)
        except DomainError as exc:
            raise CommandError(exc.detail) from exc
        self.stdout.write(f"Enrolment code for {officer} (one use):")
        self.stdout.write(code)
