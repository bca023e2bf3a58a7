"""Domestic violence: risk subjects and follow-up visits. Every read is audited."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import F, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from backend.common import clock
from backend.ledger import uow
from backend.ledger.names import SyncTable
from backend.people.admin_scoping import ConditionFilter, ScopedAdminMixin
from backend.people.models import Role

from .. import kpis, services
from ..models import FollowUpTask, RiskSubject
from .formatting import date_text, dated_text


class FollowUpOverdueFilter(ConditionFilter):
    title = _("overdue now")
    parameter_name = "overdue"

    def condition(self, request: HttpRequest) -> Q:
        return kpis.follow_up_overdue_q(clock.now())


# A register search finding at most this many cases is audited as a read of each.
SEARCH_READS = 20


@admin.register(RiskSubject)
class RiskSubjectAdmin(ScopedAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = (
        "case_number",
        "kind",
        "district",
        "settlement",
        "order_until",
        "prior_dv_calls",
        "last_follow_up",
    )
    list_select_related = ("district", "settlement")
    list_filter = ("kind", "district")
    list_display_links = ("case_number",)
    search_fields = ("person_name", "address", "phone")
    autocomplete_fields = ("settlement",)

    # The list names no one (a person's name is read on the case's page, and that read is
    # audited): the case's number is the link.
    @admin.display(description=_("case no."), ordering="pk")
    def case_number(self, obj: RiskSubject) -> str:
        return f"№ {obj.pk}"

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

    def history_read(self, request: HttpRequest, obj: Any) -> None:
        uow.record_read(actor=request.user, obj=obj, purpose="admin.risk_subject_history")

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Any], search_term: str
    ) -> tuple[QuerySet[Any], bool]:
        """A search by a name, an address or a phone that finds a few cases is a read of
        each: it tells who is on the register (the list shows only the cases' numbers, and
        one found answers "is she?") — it was not audited, where opening the case is. A
        search finding more than ``SEARCH_READS`` cases names no one; the term itself is not
        recorded (a name in the append-only log)."""
        found, duplicates = super().get_search_results(request, queryset, search_term)
        if search_term.strip() and request.method == "GET":
            cases = list(found.order_by("pk")[: SEARCH_READS + 1])
            if len(cases) <= SEARCH_READS:
                for case in cases:
                    uow.record_read(
                        actor=request.user, obj=case, purpose="admin.risk_subject_search"
                    )
        return found, duplicates

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

    @admin.display(description=_("protective order until"), ordering="protective_order_until")
    def order_until(self, obj: RiskSubject) -> str:
        return date_text(obj.protective_order_until)

    @admin.display(description=_("last follow-up visit"), ordering="last_follow_up_at")
    def last_follow_up(self, obj: RiskSubject) -> str:
        # The register and the visits are read days later: a time with its date, today's
        # too ("10:13:48" beside "03.12.2026 16:12:09" said nothing of its day).
        return dated_text(obj.last_follow_up_at)


class FollowUpTaskForm(forms.ModelForm):  # type: ignore[type-arg]
    """The visit's time is of the past and after its call (the staff API's rules)."""

    class Meta:
        model = FollowUpTask
        fields = ("incident", "district", "unit", "due_at", "done_at", "note")

    REFUSED = {
        "visit_in_future": _("The visit cannot be in the future."),
        "visit_before_call": _("The visit cannot be before the call."),
    }

    def clean_done_at(self) -> dt.datetime | None:
        value: dt.datetime | None = self.cleaned_data.get("done_at")
        if value is None or self.instance.pk is None:
            return value
        refusal = services.follow_up_visit_refusal(
            value, received_at=self.instance.incident.received_at, now=clock.now()
        )
        if refusal is not None:
            raise forms.ValidationError(self.REFUSED[refusal])
        return value


@admin.register(FollowUpTask)
class FollowUpTaskAdmin(ScopedAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    form = FollowUpTaskForm
    sync_table = SyncTable.FOLLOW_UPS
    list_display = ("incident", "district", "unit", "due", "done")
    list_select_related = ("incident", "district", "unit")
    # When the visit is due, on Kazakhstan's clock: a day, a month, a year.
    date_hierarchy = "due_at"
    # The call's exercise mark: the chief's report counts real calls' visits, and opens them
    # here with ``incident__exercise__exact=0``.
    list_filter = (FollowUpOverdueFilter, "due_at", "district", "unit", "incident__exercise")
    search_fields = ("incident__number",)
    autocomplete_fields = ("incident", "unit")
    # The visits owed first (PostgreSQL sorts NULL last by default), the earliest due first.
    # (Django's admin takes an expression here; its type stubs say strings only.)
    ordering = (F("done_at").asc(nulls_first=True), "due_at")  # type: ignore[assignment]

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

    def history_read(self, request: HttpRequest, obj: Any) -> None:
        uow.record_read(
            actor=request.user,
            obj=obj.incident,
            purpose="admin.follow_up_history",
            follow_up_id=obj.pk,
        )

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        """A visit made (the time set on a visit still owed) goes through the staff API's
        service: audited as the visit, the call's risk subjects told. Any other change (the
        unit) stays the console's plain, audited edit."""
        made = change and "done_at" in form.changed_data and form.initial.get("done_at") is None
        if made and obj.done_at is not None:
            owed = FollowUpTask.objects.get(pk=obj.pk)
            services.follow_up_done(task=owed, by=request.user, note=obj.note, done_at=obj.done_at)
            if not set(form.changed_data) - {"done_at", "note"}:
                return
        super().save_model(request, obj, form, change)

    @admin.display(description=_("due"), ordering="due_at")
    def due(self, obj: FollowUpTask) -> str:
        return dated_text(obj.due_at)

    @admin.display(description=_("done"), ordering="done_at")
    def done(self, obj: FollowUpTask) -> str:
        return dated_text(obj.done_at)
