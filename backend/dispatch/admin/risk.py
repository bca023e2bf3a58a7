"""Domestic violence: risk subjects and follow-up visits. Every read is audited."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse

from backend.ledger import uow
from backend.people.admin_scoping import ScopedAdminMixin
from backend.people.models import Role

from ..models import FollowUpTask, RiskSubject


@admin.register(RiskSubject)
class RiskSubjectAdmin(ScopedAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = (
        "pk",
        "kind",
        "district",
        "settlement",
        "protective_order_until",
        "prior_dv_calls",
        "last_follow_up_at",
    )
    list_select_related = ("district", "settlement")
    list_filter = ("kind", "district")
    search_fields = ("person_name", "address", "phone")
    autocomplete_fields = ("settlement",)

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        obj = self.get_object(request, object_id)
        if obj is not None and request.method == "GET":
            uow.record_read(actor=request.user, obj=obj, purpose="admin.risk_subject_view")
        return super().change_view(request, object_id, form_url, extra_context)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        user: Any = request.user
        if user.is_superuser or user.role == Role.OBLAST_ADMIN or obj is None:
            return ()  # a chief picks the district on add from their own only
        return ("district",)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        user: Any = request.user
        if not change and obj.district_id is None and user.district_id:
            obj.district_id = user.district_id
        super().save_model(request, obj, form, change)


@admin.register(FollowUpTask)
class FollowUpTaskAdmin(ScopedAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("incident", "district", "unit", "due_at", "done_at")
    list_select_related = ("incident", "district", "unit")
    list_filter = ("district", "unit")
    search_fields = ("incident__number",)
    autocomplete_fields = ("incident", "unit")
    ordering = ("done_at", "due_at")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if getattr(request.user, "is_superuser", False):
            return ()
        return ("incident", "district", "due_at")

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        task = self.get_object(request, object_id)
        if task is not None and request.method == "GET":
            # A follow-up visit exists only for a DV call: its page is a DV read.
            uow.record_read(
                actor=request.user,
                obj=task.incident,
                purpose="admin.follow_up_view",
                follow_up_id=task.pk,
            )
        return super().change_view(request, object_id, form_url, extra_context)
