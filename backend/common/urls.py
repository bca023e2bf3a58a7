from django.shortcuts import redirect
from django.urls import path
from django.views.generic import RedirectView

urlpatterns = [
    path("", lambda request: redirect("admin:index"), name="root"),
    # Kuzet's one icon is the field app's (its build serves it); browsers and tools that ask
    # for /favicon.ico without reading a page's <link rel="icon"> get it too, not a 404.
    path(
        "favicon.ico",
        RedirectView.as_view(pattern_name="field_app:file", permanent=True),
        {"path": "icon.svg"},
        name="favicon",
    ),
]
