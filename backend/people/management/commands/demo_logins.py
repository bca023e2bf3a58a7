"""Print the admin URL and the demo logins of the seeded staff (``make run`` calls this)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from backend.common.terminal import in_terminal_language
from backend.people.seeding import DEMO_PASSWORD, demo_logins


class Command(BaseCommand):
    help = "Print the admin URL and the demo logins created by `manage.py seed`."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--host", default="127.0.0.1")

    @in_terminal_language
    def handle(self, *args: Any, **options: Any) -> None:
        base = f"http://{options['host']}:{options['port']}"
        url = f"{base}/admin/"
        users = demo_logins()
        # The addresses one under another, whatever the length of their names in this language.
        labels = [_("Kuzet admin:"), _("Live board:"), _("Field app:")]
        width = max(len(label) for label in labels) + 1
        admin, board, app = (f"{label:<{width}}" for label in labels)
        self.stdout.write(f"{admin}{url}".rstrip())
        self.stdout.write(f"{board}{base}/board/   " + _("API docs:") + f" {base}/api/docs/")
        self.stdout.write(f"{app}{base}/app/   " + _("(officers' phones; docs/field-app.md)"))
        if not users:
            self.stdout.write(
                _(
                    "No demo logins: the database was seeded without demo staff "
                    "(run `manage.py seed --demo` to add them)."
                )
            )
            return
        # The seed gives every demo login the same password hash; one check covers them all.
        shared = users[0].password
        if not users[0].check_password(DEMO_PASSWORD):
            self.stdout.write(_("The demo logins exist but their password was changed."))
            return
        self.stdout.write(
            _("Demo logins (password for all: %(password)s):") % {"password": DEMO_PASSWORD}
        )
        width = max(len(u.username) for u in users)
        roles = {u.pk: str(u.get_role_display()) for u in users}
        role_width = max(len(role) for role in roles.values())
        for user in users:
            if user.district is not None:
                where = user.district.local_name
            elif user.oblast is not None:
                where = _("%(oblast)s (oblast)") % {"oblast": user.oblast.local_name}
            else:
                where = "—"
            changed = "" if user.password == shared else "  " + _("[password changed]")
            self.stdout.write(
                f"  {user.username:<{width}}  {roles[user.pk]:<{role_width}}  {where}{changed}"
            )
        self.stdout.write(
            _(
                "A field device: `manage.py enrolment_code <officer username>` (e.g. sem_pc1_1, "
                "an officer of SEM-PC1) prints a one-time code to type at %(app)s "
                "(or POST /api/sync/v1/enroll, docs/protocol.md). Ctrl-C stops everything."
            )
            % {"app": f"{base}/app/"}
        )
