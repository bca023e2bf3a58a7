from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_save
from django.utils.translation import gettext_lazy as _


class DevicesConfig(AppConfig):
    name = "backend.devices"
    label = "devices"
    verbose_name = _("Devices")

    def ready(self) -> None:
        from backend.people.models import Officer

        # However an account is deactivated (the console, a command, the shell), its phones
        # are revoked with it: people may not import devices, so devices listens.
        post_save.connect(_officer_saved, sender=Officer, dispatch_uid="devices.officer_saved")


def _officer_saved(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    from .services import officer_devices_revoke_if_inactive

    if raw:  # a fixture being loaded: rows as they were, not an account being deactivated
        return
    officer_devices_revoke_if_inactive(instance)
