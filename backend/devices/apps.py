from django.apps import AppConfig


class DevicesConfig(AppConfig):
    name = "backend.devices"
    label = "devices"
    verbose_name = "Devices"
