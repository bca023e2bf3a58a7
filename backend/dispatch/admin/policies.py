"""Escalation policy (deadlines per district, priority, zone) and the rungs that fired."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Q
from django.http import HttpRequest

from backend.people.admin_scoping import ScopedAdminMixin
from backend.people.models import Role

from ..models import EscalationPolicy, EscalationStep


@admin.register(EscalationPolicy)
class EscalationPolicyAdmin(ScopedAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    """Deadlines per district, priority and zone; the defaults (no district) belong to the
    oblast administrator, a district's own rows to its chief."""

    list_display = (
        "where",
        "priority",
        "zone",
        "deliver_within_s",
        "ack_within_s",
        "arrive_within_s",
    )
    list_select_related = ("district",)
    list_filter = ("priority", "district")
    ordering = ("district__name", "priority", "zone")

    def scope_q(self, request: HttpRequest) -> Q:
        scope = self.district_scope(request)
        return scope.q("district") | Q(district__isnull=True)

    def can(self, request: HttpRequest, capability: str, obj: Any = None) -> bool:
        if not super().can(request, capability, obj):
            return False
        if obj is not None and obj.district_id is None and capability != "view":
            user: Any = request.user
            return bool(user.is_superuser or user.role == Role.OBLAST_ADMIN)
        return True

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        user: Any = request.user
        if db_field.name == "district" and not (
            user.is_superuser or user.role == Role.OBLAST_ADMIN
        ):
            field.required = True  # a chief's rows are for their district, never the default
            field.empty_label = None
        return field

    @admin.display(description="district", ordering="district__name")
    def where(self, obj: EscalationPolicy) -> str:
        return obj.district.name if obj.district_id else "default (every district)"  # type: ignore[union-attr]


@admin.register(EscalationStep)
class EscalationStepAdmin(ScopedAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    read_only = True
    scope_path = "assignment__incident__district"
    list_display = ("assignment", "step", "due_at", "fired_at")
    list_select_related = ("assignment__incident", "assignment__unit")
    list_filter = ("step",)
    ordering = ("-fired_at",)
    show_full_result_count = False
