from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.utils.translation import gettext_lazy as _


class GeoConfig(AppConfig):
    name = "backend.geo"
    label = "geo"
    verbose_name = _("Territory")

    def ready(self) -> None:
        from .names import register_sqlite_collation

        # Places ordered by their Kazakh names on SQLite too (backend/geo/names.py).
        connection_created.connect(register_sqlite_collation, dispatch_uid="geo.kk_collation")
