from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RealtimeConfig(AppConfig):
    name = "backend.realtime"
    label = "realtime"
    verbose_name = _("Real-time push")

    def ready(self) -> None:
        # An officer deactivated, signed out or moved: their open boards check again.
        from backend.people.signals import access_changed

        from .fanout import boards_recheck

        access_changed.connect(boards_recheck, dispatch_uid="kuzet.boards_recheck")
