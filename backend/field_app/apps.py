from django.apps import AppConfig


class FieldAppConfig(AppConfig):
    name = "backend.field_app"
    label = "field_app"
    verbose_name = "Officers' field app"
