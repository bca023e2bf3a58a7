from django.apps import AppConfig


class SimulatorConfig(AppConfig):
    name = "backend.simulator"
    label = "simulator"
    verbose_name = "Simulator"
