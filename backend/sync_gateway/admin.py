"""Quarantined device records: visible, read-only, and marked reviewed once looked at.

A record's page reads as words: why it was refused, and what the phone sent as labelled
fields (the kind of event in words, its times on Kazakhstan's clock, the call it named when
that call is the district's own). The protocol's English detail, the ids and the JSON exactly
as received are kept for the technician, folded under "Technical details"."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.utils import quote
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from backend.common import clock
from backend.common.formatting import NOTHING, payload_html, when_text
from backend.dispatch.admin.timeline import worded
from backend.dispatch.models import Assignment, FollowUpTask
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


# Longer texts in what a phone sent are cut on the page (a payload refused as too large runs
# to 16 kB); the JSON under "Technical details" keeps them whole.
SHOWN_CHARS = 200
# What a phone sent that names nothing a person reads: its ids are under "Technical details".
TECHNICAL_KEYS = frozenset({"id", "boot_id", "device_id"})


def _shortened(value: Any) -> Any:
    if isinstance(value, str) and len(value) > SHOWN_CHARS:
        return value[:SHOWN_CHARS] + "…"
    if isinstance(value, Mapping):
        return {k: _shortened(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_shortened(v) for v in value]
    return value


def sent_fields(record: QuarantinedRecord) -> dict[str, Any] | None:
    """What the phone sent as fields a person reads, or None when it is not a JSON object.

    An assignment or a follow-up visit it names is shown by its call's number (and unit) when
    it is one of the record's own district; any other id is shown as sent — a refused record
    must not tell a chief what exists in another district."""
    try:
        data = json.loads(record.raw)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    # The event's own data (a note's text, an outcome) read as its fields, beside the rest.
    payload = data.get("payload")
    if isinstance(payload, dict):
        data = {**{k: v for k, v in data.items() if k != "payload"}, **payload}
    shown = {k: _shortened(v) for k, v in data.items() if k not in TECHNICAL_KEYS}
    named = shown.get("assignment_id")
    if isinstance(named, int | str) and str(named).isdigit() and record.district_id:
        found = (
            Assignment.objects.filter(pk=int(named), incident__district_id=record.district_id)
            .values_list("incident__number", "unit__callsign")
            .first()
        )
        if found is not None:
            shown["assignment_id"] = " → ".join(found)
    visit = shown.get("follow_up_id")
    if isinstance(visit, int | str) and str(visit).isdigit() and record.district_id:
        number = (
            FollowUpTask.objects.filter(pk=int(visit), district_id=record.district_id)
            .values_list("incident__number", flat=True)
            .first()
        )
        if number is not None:
            shown["follow_up_id"] = number
    words: dict[str, Any] = worded(shown, {})
    return words


@admin.register(QuarantinedRecord)
class QuarantinedRecordAdmin(ScopedAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    read_only = True
    # What a chief reads a refused record for: when, why, what it was, whose phone, and
    # whether someone looked. The table and operation are one column, the phone is read under
    # its officer and the reviewer under the time of review; the record's id is on its page
    # (as columns they made the list 1000–1110 px in the 770 px box of a 1366 px laptop).
    list_display = (
        "received",
        "reason_words",
        "what_sent",
        "sent_by",
        "district",
        "reviewed",
    )
    list_select_related = ("device", "officer", "district", "reviewed_by")
    # When the server held it back, on Kazakhstan's clock: a day, a month, a year.
    date_hierarchy = "received_at"
    list_filter = (ReasonFilter, TableFilter, "received_at", "district")
    search_fields = ("record_id", "device__id", "officer__username", "reason")
    ordering = ("reviewed_at", "-received_at")
    show_full_result_count = False
    actions = ["mark_reviewed"]
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "received",
                    "reason_words",
                    "officer",
                    "phone",
                    "district",
                    "sent_words",
                    "reviewed_at",
                    "reviewed_by",
                )
            },
        ),
        (
            _("Technical details"),
            {
                "classes": ("collapse",),
                "fields": (
                    "detail",
                    "table_words",
                    "operation_words",
                    "record_id",
                    "device",
                    "size",
                    "raw_json",
                ),
            },
        ),
    )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return [f for _name, opts in self.fieldsets for f in opts["fields"]]

    def scope_q(self, request: HttpRequest) -> Q:
        scope = self.district_scope(request)
        if scope.everything:
            return Q()
        # A record that could not even be tied to a district belongs to its officer's.
        return scope.q("district") | (Q(district__isnull=True) & scope.q("officer__district"))

    @admin.display(description=_("reason"), ordering="reason")
    def reason_words(self, obj: QuarantinedRecord) -> str:
        return obj.reason_text

    @admin.display(description=_("received at"), ordering="received_at")
    def received(self, obj: QuarantinedRecord) -> str:
        return when_text(obj.received_at)

    @admin.display(description=_("table"), ordering="table")
    def what_sent(self, obj: QuarantinedRecord) -> SafeString:
        return format_html(
            '{}<br><span class="quiet">{}</span>', obj.table_text, obj.operation_text
        )

    @admin.display(description=_("officer"), ordering="officer__username")
    def sent_by(self, obj: QuarantinedRecord) -> SafeString:
        return format_html(
            '{}<br><span class="quiet">{}</span>',
            obj.officer or NOTHING,
            obj.device.make if obj.device is not None else NOTHING,
        )

    @admin.display(description=_("reviewed at"), ordering="reviewed_at")
    def reviewed(self, obj: QuarantinedRecord) -> SafeString | str:
        if obj.reviewed_at is None:
            return NOTHING
        return format_html(
            '{}<br><span class="quiet">{}</span>',
            when_text(obj.reviewed_at),
            obj.reviewed_by or NOTHING,
        )

    @admin.display(description=_("What was sent"))
    def sent_words(self, obj: QuarantinedRecord) -> SafeString:
        fields = sent_fields(obj)
        return payload_html(fields) if fields else format_html("{}", NOTHING)

    @admin.display(description=_("device"))
    def phone(self, obj: QuarantinedRecord) -> SafeString | str:
        """The phone by its make, linked (its id is under "Technical details")."""
        if obj.device is None:
            return NOTHING
        url = reverse("admin:devices_device_change", args=[quote(obj.device.pk)])
        return format_html('<a href="{}">{}</a>', url, obj.device.make)

    @admin.display(description=_("Size, bytes"))
    def size(self, obj: QuarantinedRecord) -> int:
        return len(obj.raw.encode())

    @admin.display(description=_("as sent"))
    def raw_json(self, obj: QuarantinedRecord) -> SafeString:
        # Verbatim: the text as stored, which parses back to exactly what the phone sent.
        return format_html('<pre class="kuzet-verbatim">{}</pre>', obj.raw)

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
