from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FieldAppConfig(AppConfig):
    name = "backend.field_app"
    label = "field_app"
    verbose_name = _("Officers' field app")
