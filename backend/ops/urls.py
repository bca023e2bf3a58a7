from django.urls import path

from . import views

urlpatterns = [
    path("healthz", views.healthz, name="health"),
    path("readyz", views.readyz, name="ready"),
    path("metrics", views.metrics, name="metrics"),
]
