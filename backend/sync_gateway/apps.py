from django.apps import AppConfig


class SyncGatewayConfig(AppConfig):
    name = "backend.sync_gateway"
    label = "sync_gateway"
    verbose_name = "Device sync"
