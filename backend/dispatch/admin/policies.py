"""Escalation policy (deadlines per district, priority, zone) and the rungs that fired."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import Q
from django.http import HttpRequest
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from backend.geo.names import LocalName
from backend.people.admin_scoping import ConditionFilter, ScopedAdminMixin
from backend.people.models import Role

from .. import kpis
from ..models import EscalationPolicy, EscalationStep, SafetyCheck
from .formatting import dated_text, minutes_text, payload_html
from .timeline import worded

DISTRICT_NAME = LocalName("district__name", "district__name_kk")

# A day: longer than any deadline a district sets, short enough to catch "seconds typed
# into minutes".
MAX_MINUTES = 24 * 60


class MinutesField(forms.DecimalField):
    """A deadline typed in minutes (``1.5`` is 90 s), stored in whole seconds."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", Decimal(0))
        kwargs.setdefault("max_value", Decimal(MAX_MINUTES))
        kwargs.setdefault("decimal_places", 2)
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            # The model's seconds, shown as minutes (a bound form shows what was typed).
            return f"{value / 60:g}"
        return value

    def clean(self, value: Any) -> int | None:
        minutes = super().clean(value)
        return None if minutes is None else round(minutes * 60)


class EscalationPolicyForm(forms.ModelForm):  # type: ignore[type-arg]
    deliver_within_s = MinutesField(
        label=_("Deliver within, minutes"),
        help_text=_("How long a dispatch may wait to reach the unit's phone before an SMS."),
    )
    ack_within_s = MinutesField(
        label=_("Acknowledge within, minutes"),
        help_text=_("How long the unit has to acknowledge before the ladder starts."),
    )
    arrive_within_s = MinutesField(
        label=_("Arrive within, minutes"),
        required=False,
        help_text=_("Blank: no arrival target."),
    )

    class Meta:
        model = EscalationPolicy
        fields = ("district", "priority", "zone", "deliver_within_s", "ack_within_s",
                  "arrive_within_s")  # fmt: skip


@admin.register(EscalationPolicy)
class EscalationPolicyAdmin(ScopedAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    """Deadlines per district, priority and zone; the defaults (no district) belong to the
    oblast administrator, a district's own rows to its chief."""

    form = EscalationPolicyForm
    list_display = (
        "where",
        "priority",
        "zone_words",
        "deliver_within",
        "ack_within",
        "arrive_within",
    )
    list_select_related = ("district",)
    list_filter = ("priority", "district")
    # The districts as the reader reads them (geo.names), then the default rows (no district).
    ordering = (DISTRICT_NAME, "priority", "zone")  # type: ignore[assignment]  # (stubs: str only)

    # What a reader who may not change a row sees: the list's words (deadlines in minutes,
    # "any zone"), not the form's seconds and codes.
    shown = ("where", "priority", "zone_words", "deliver_within", "ack_within", "arrive_within")

    def scope_q(self, request: HttpRequest) -> Q:
        scope = self.district_scope(request)
        return scope.q("district") | Q(district__isnull=True)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is not None and not self.has_change_permission(request, obj):
            return self.shown
        return super().get_fields(request, obj)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is not None and not self.has_change_permission(request, obj):
            return self.shown
        return super().get_readonly_fields(request, obj)

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

    @admin.display(description=_("district"), ordering=DISTRICT_NAME)
    def where(self, obj: EscalationPolicy) -> str:
        if obj.district_id:
            return obj.district.local_name  # type: ignore[union-attr]
        return str(_("default (every district)"))

    @admin.display(description=_("zone"), ordering="zone")
    def zone_words(self, obj: EscalationPolicy) -> str:
        return str(obj.get_zone_display()) if obj.zone else str(_("any zone"))

    @admin.display(description=_("deliver within"), ordering="deliver_within_s")
    def deliver_within(self, obj: EscalationPolicy) -> str:
        return minutes_text(obj.deliver_within_s)

    @admin.display(description=_("acknowledge within"), ordering="ack_within_s")
    def ack_within(self, obj: EscalationPolicy) -> str:
        return minutes_text(obj.ack_within_s)

    @admin.display(description=_("arrive within"), ordering="arrive_within_s")
    def arrive_within(self, obj: EscalationPolicy) -> str:
        if obj.arrive_within_s is None:
            return str(_("no target"))
        return minutes_text(obj.arrive_within_s)


class AwaitingChiefFilter(ConditionFilter):
    title = _("waiting for the chief")
    parameter_name = "awaiting_chief"

    def condition(self, request: HttpRequest) -> Q:
        return kpis.escalations_awaiting_chief_q()


@admin.register(EscalationStep)
class EscalationStepAdmin(ScopedAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    read_only = True
    scope_path = "assignment__incident__district"
    # Records a chief reads days later: every time with its date, today's too.
    list_display = ("assignment", "step", "due", "fired")
    list_select_related = ("assignment__incident", "assignment__unit")
    # When the rung fired, on Kazakhstan's clock, as the incident list: today, the past 7
    # days, this month (the filter), or a year, month or day (the dates above the list) — a
    # chief cuts it to the month they report. The report's links (fired_at__gte/__lt) are
    # this filter's own parameters.
    date_hierarchy = "fired_at"
    # The call's exercise mark: the chief's report counts real calls' rungs, and opens them here
    # with ``assignment__incident__exercise__exact=0``.
    list_filter = (AwaitingChiefFilter, "fired_at", "step", "assignment__incident__exercise")
    ordering = ("-fired_at",)
    show_full_result_count = False
    fields = ("assignment", "step", "due_at", "fired_at", "details_words")

    @admin.display(description=_("due"), ordering="due_at")
    def due(self, obj: EscalationStep) -> str:
        return dated_text(obj.due_at)

    @admin.display(description=_("fired"), ordering="fired_at")
    def fired(self, obj: EscalationStep) -> str:
        return dated_text(obj.fired_at)

    @admin.display(description=_("details"))
    def details_words(self, obj: EscalationStep) -> SafeString:
        return payload_html(worded(obj.details, {}))


class AnsweredFilter(ConditionFilter):
    title = _("answered by the desk")
    parameter_name = "answered"

    def condition(self, request: HttpRequest) -> Q:
        return Q(checked_at__isnull=False)


@admin.register(SafetyCheck)
class SafetyCheckAdmin(ScopedAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    """Officer-safety checks (``services/safety.py``): which crew was silent on scene, when
    the board was told, and who raised it and when — the chief's record of how the desk
    looked after its officers."""

    read_only = True
    scope_path = "assignment__incident__district"
    list_display = ("assignment", "due", "fired", "answered")
    list_select_related = ("assignment__incident", "assignment__unit", "checked_by", "word")
    # When the desk was told, on Kazakhstan's clock, as the fired escalation steps.
    date_hierarchy = "fired_at"
    list_filter = (AnsweredFilter, "fired_at")
    ordering = ("-fired_at",)
    show_full_result_count = False
    fields = ("assignment", "due_at", "fired_at", "answered", "details_words")

    @admin.display(description=_("due"), ordering="due_at")
    def due(self, obj: SafetyCheck) -> str:
        return dated_text(obj.due_at)

    @admin.display(description=_("fired"), ordering="fired_at")
    def fired(self, obj: SafetyCheck) -> str:
        return dated_text(obj.fired_at)

    @admin.display(description=_("officer OK"), ordering="checked_at")
    def answered(self, obj: SafetyCheck) -> str:
        if obj.checked_at is None:
            return str(_("not answered"))
        who = obj.answered_by()
        return f"{dated_text(obj.checked_at)} · {who}" if who else dated_text(obj.checked_at)

    @admin.display(description=_("details"))
    def details_words(self, obj: SafetyCheck) -> SafeString:
        return payload_html(worded(obj.details, {}))
