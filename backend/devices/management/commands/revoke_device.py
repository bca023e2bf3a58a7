"""``manage.py revoke_device <device_id>``: revoke a device at once (it must wipe itself)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from backend.devices.models import REVOKED_FROM_COMMAND_LINE, Device
from backend.devices.services import device_revoke


class Command(BaseCommand):
    help = "Revoke a device by the device_id enrolment returned; its next request is refused."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("device_id")
        parser.add_argument("--reason", default=REVOKED_FROM_COMMAND_LINE)

    def handle(self, *args: Any, device_id: str, reason: str, **options: Any) -> None:
        device = Device.objects.select_related("officer").filter(pk=device_id).first()
        if device is None:
            raise CommandError(f"No device {device_id!r}.")
        if device_revoke(device=device, by=None, reason=reason):
            self.stdout.write(f"Revoked {device.pk} of {device.officer}.")
        else:
            self.stdout.write(f"{device.pk} was already revoked.")
