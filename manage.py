#!/usr/bin/env python
"""Django's command-line utility for Kuzet."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.config.settings.base")
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        settings.INSTALLED_APPS  # noqa: B018
    except ImproperlyConfigured as exc:
        # Django's own commands (migrate, check…) would hide this behind "Apps aren't loaded".
        sys.exit(f"Kuzet is not configured: {exc}")

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
