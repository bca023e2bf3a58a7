from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "backend.ledger"
    label = "ledger"
    verbose_name = "Audit log"
