"""Print the admin URL and the demo logins of the seeded staff (``make run`` calls this)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from backend.people.seeding import DEMO_PASSWORD, demo_logins


class Command(BaseCommand):
    help = "Print the admin URL and the demo logins created by `manage.py seed`."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--host", default="127.0.0.1")

    def handle(self, *args: Any, **options: Any) -> None:
        base = f"http://{options['host']}:{options['port']}"
        url = f"{base}/admin/"
        users = demo_logins()
        self.stdout.write(f"Kuzet admin: {url}")
        self.stdout.write(f"Live board:  {base}/board/   API docs: {base}/api/docs/")
        self.stdout.write(f"Field app:   {base}/app/   (officers' phones; docs/field-app.md)")
        if not users:
            self.stdout.write(
                "No demo logins: the database was seeded without demo staff "
                "(run `manage.py seed --demo` to add them)."
            )
            return
        # The seed gives every demo login the same password hash; one check covers them all.
        shared = users[0].password
        if not users[0].check_password(DEMO_PASSWORD):
            self.stdout.write("The demo logins exist but their password was changed.")
            return
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        width = max(len(u.username) for u in users)
        for user in users:
            if user.district is not None:
                where = user.district.name
            elif user.oblast is not None:
                where = f"{user.oblast.name} (oblast)"
            else:
                where = "—"
            changed = "" if user.password == shared else "  [password changed]"
            self.stdout.write(
                f"  {user.username:<{width}}  {user.get_role_display():<24}  {where}{changed}"
            )
        self.stdout.write(
            "A field device: `manage.py enrolment_code <officer username>` (e.g. sem_pc1_1, an "
            f"officer of SEM-PC1) prints a one-time code to type at {base}/app/ "
            "(or POST /api/sync/v1/enroll, docs/protocol.md). Ctrl-C stops everything."
        )
