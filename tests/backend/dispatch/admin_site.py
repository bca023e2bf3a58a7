"""A throwaway admin site wiring the dispatch admin pieces the way IncidentAdmin will."""

from django.contrib import admin
from django.urls import path

from backend.dispatch.admin_dispatch import AssignmentDispatchAdminMixin, IncidentDispatchAdminMixin
from backend.dispatch.models import Assignment, Incident
from backend.people.admin_scoping import ScopedAdminMixin

site = admin.AdminSite(name="dispatch_test")


class IncidentAdmin(IncidentDispatchAdminMixin, ScopedAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    change_form_template = "admin/dispatch/incident/change_form_with_dispatch.html"


class AssignmentAdmin(AssignmentDispatchAdminMixin, ScopedAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    scope_path = "incident__district"


site.register(Incident, IncidentAdmin)
site.register(Assignment, AssignmentAdmin)
urlpatterns = [path("admin/", site.urls)]
