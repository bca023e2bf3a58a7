#!/usr/bin/env python
"""Django's command-line utility for Kuzet."""

import os
import sys


def main() -> None:
    if sys.argv[1:2] != ["runserver"]:
        # A command is no service: the host's metrics directory (PROMETHEUS_MULTIPROC_DIR, in
        # the services' environment file) is for the processes /metrics adds up. Made by the
        # services' start, it is absent before the first one (the release steps run first) and
        # after a stop: every command then failed (FileNotFoundError: …/histogram_<pid>.db).
        os.environ.pop("PROMETHEUS_MULTIPROC_DIR", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.config.settings.base")
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        settings.INSTALLED_APPS  # noqa: B018
    except ImproperlyConfigured as exc:
        # Django's own commands (migrate, check…) would hide this behind "Apps aren't loaded".
        sys.exit(f"Kuzet is not configured: {exc}")

    from django.db import OperationalError, connections

    try:
        execute_from_command_line(sys.argv)
    except OperationalError:
        # A database that is down or missing: say which and what to do, not the pool's
        # "couldn't get a connection after 10.00 sec" under a traceback (backend/config/dbreach).
        from backend.config.dbreach import unreachable_text

        text = unreachable_text(connections["default"].settings_dict)
        if text is None:
            raise
        sys.exit(text)


if __name__ == "__main__":
    main()
