from django.urls import path, re_path

from . import views

app_name = "field_app"

urlpatterns = [
    path("", views.app_file, name="index"),
    re_path(r"^(?P<path>[A-Za-z0-9][A-Za-z0-9._/-]*)$", views.app_file, name="file"),
]
