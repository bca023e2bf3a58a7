from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.utils.translation import gettext_lazy as _


class GeoConfig(AppConfig):
    name = "backend.geo"
    label = "geo"
    verbose_name = _("Territory")

    def ready(self) -> None:
        from .names import register_sqlite_collation

        # Places in the reader's alphabet (kk-x-icu, ru-x-icu) on SQLite too (geo/names.py).
        connection_created.connect(register_sqlite_collation, dispatch_uid="geo.collations")
