"""``manage.py enrolment_code <username>``: issue a one-time enrolment code for an officer.

The code is printed alone on the last line, so scripts can take it with ``tail -n 1``. The
line above it is in the operator's language (``backend.common.terminal``), as the demo
logins that point here are: under ``LANG=ru_RU.UTF-8`` they said "Телефон наряда:
`manage.py enrolment_code …`" and the command answered "Enrolment code for … (one use):".
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from backend.common.errors import DomainError
from backend.common.terminal import in_terminal_language
from backend.devices.models import EnrolmentCode, digest
from backend.devices.services import enrolment_code_issue, normalise_code
from backend.people.models import Officer


class Command(BaseCommand):
    help = "Issue a one-time device enrolment code for an officer (printed on the last line)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    @in_terminal_language
    def handle(self, *args: Any, username: str, **options: Any) -> None:
        officer = Officer.objects.filter(username=username).first()
        if officer is None:
            raise CommandError(f"No officer {username!r}.")
        try:
            code = enrolment_code_issue(officer=officer, issued_by=None)
        except DomainError as exc:
            raise CommandError(exc.detail) from exc
        # "Enrolment code for <officer>, valid until <time in UTC+5>": the admin's words.
        record = EnrolmentCode.objects.get(code_hash=digest(normalise_code(code)))
        self.stdout.write(str(record))
        self.stdout.write(code)
