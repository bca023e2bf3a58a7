from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "backend.common"
    label = "common"
    verbose_name = "Kuzet kernel"
