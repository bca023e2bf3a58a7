"""Quarantined device records: visible, read-only, and marked reviewed once looked at."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from backend.common import clock
from backend.ledger import uow
from backend.ledger.actions import AuditAction
from backend.people.admin_scoping import REVIEW, ScopedAdminMixin, capabilities

from .models import REASONS, TABLES, QuarantinedRecord


class _WordedValuesFilter(admin.SimpleListFilter):
    """A filter on a code column that offers the codes present in the viewer's records, each
    in words (``labels``; a code without words as it is)."""

    labels: dict[str, Any] = {}

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        present = (
            model_admin.get_queryset(request)
            .order_by()
            .values_list(self.parameter_name, flat=True)
            .distinct()
        )
        return sorted(((code, str(self.labels.get(code, code))) for code in present), key=str)

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        return queryset.filter(**{str(self.parameter_name): value}) if value else queryset


class ReasonFilter(_WordedValuesFilter):
    title = _("reason")
    parameter_name = "reason"
    labels = REASONS


class TableFilter(_WordedValuesFilter):
    title = _("table")
    parameter_name = "table"
    labels = TABLES


def quarantined_mark_reviewed(*, records: QuerySet[QuarantinedRecord], by: Any) -> list[int]:
    """Mark the not-yet-reviewed of ``records`` reviewed by ``by``; returns their ids.

    A conditional update: two reviewers at once mark each record once.
    """
    now = clock.now()
    with uow.unit_of_work():
        # The admin's queryset may carry DISTINCT (search), which FOR UPDATE refuses.
        chosen = list(records.values_list("pk", flat=True))
        ids = list(
            QuarantinedRecord.objects.select_for_update()
            .filter(pk__in=chosen, reviewed_at__isnull=True)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if not ids:
            return []
        QuarantinedRecord.objects.filter(pk__in=ids, reviewed_at__isnull=True).update(
            reviewed_at=now, reviewed_by=by
        )
        for record in QuarantinedRecord.objects.filter(pk__in=ids).order_by("pk"):
            uow.audit(
                AuditAction.QUARANTINE_REVIEWED,
                actor=by,
                obj=record,
                data={"reason": record.reason, "table": record.table},
            )
    return ids


@admin.register(QuarantinedRecord)
class QuarantinedRecordAdmin(ScopedAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    read_only = True
    list_display = (
        "received_at",
        "reason_words",
        "table_words",
        "operation_words",
        "record_id",
        "device",
        "officer",
        "district",
        "reviewed_at",
        "reviewed_by",
    )
    list_select_related = ("device", "officer", "district", "reviewed_by")
    list_filter = (ReasonFilter, TableFilter, "district")
    search_fields = ("record_id", "device__id", "officer__username", "reason")
    ordering = ("reviewed_at", "-received_at")
    show_full_result_count = False
    actions = ["mark_reviewed"]
    fields = (
        "received_at",
        "reason_words",
        "detail",
        "table_words",
        "operation_words",
        "record_id",
        "device",
        "officer",
        "district",
        "raw",
        "reviewed_at",
        "reviewed_by",
    )
    readonly_fields = fields

    def scope_q(self, request: HttpRequest) -> Q:
        scope = self.district_scope(request)
        if scope.everything:
            return Q()
        # A record that could not even be tied to a district belongs to its officer's.
        return scope.q("district") | (Q(district__isnull=True) & scope.q("officer__district"))

    @admin.display(description=_("reason"), ordering="reason")
    def reason_words(self, obj: QuarantinedRecord) -> str:
        return obj.reason_text

    @admin.display(description=_("operation"), ordering="operation")
    def operation_words(self, obj: QuarantinedRecord) -> str:
        return obj.operation_text

    @admin.display(description=_("table"), ordering="table")
    def table_words(self, obj: QuarantinedRecord) -> str:
        return obj.table_text

    def has_review_permission(self, request: HttpRequest) -> bool:
        return REVIEW in capabilities(request.user, QuarantinedRecord)

    @admin.action(description=_("Mark reviewed"), permissions=["review"])
    def mark_reviewed(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        ids = quarantined_mark_reviewed(records=queryset, by=request.user)
        self.message_user(
            request,
            ngettext("%(n)d record marked reviewed.", "%(n)d records marked reviewed.", len(ids))
            % {"n": len(ids)},
            messages.SUCCESS,
        )
