from django.apps import AppConfig


class GeoConfig(AppConfig):
    name = "backend.geo"
    label = "geo"
    verbose_name = "Territory"
