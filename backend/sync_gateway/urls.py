from django.urls import path

from . import views

app_name = "sync"

urlpatterns = [
    path("enroll", views.enroll, name="enroll"),
    path("pull", views.pull, name="pull"),
    path("push", views.push, name="push"),
    path("webpush", views.webpush, name="webpush"),
]
