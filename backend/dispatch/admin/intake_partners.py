"""The intake partners (eGov, Kaspi, the 102 app…) in the console: which partners there are,
their keys, how many reports each sent and when the last came, and where their reports'
changes are called back to. Oblast-wide, as the keys are; a partner is renamed here, never
added (issuing its first key makes it) and never deleted once it has sent a report."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.contrib import admin
from django.db.models import Count, Max, Q, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.timezone import localdate
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from backend.common import clock
from backend.common.days import local_midnight, local_zone
from backend.people.admin_scoping import ScopedAdminMixin

from ..models import IntakeKey, IntakePartner
from .formatting import NOTHING, dated_text

# What the partner's page and list say of its callback. The callbacks are the webhooks app's,
# above dispatch: it puts its readers here (``backend.webhooks.admin``), partner → text.
_callback_readers: dict[str, Callable[[IntakePartner], str | SafeString]] = {}


def read_callback_with(
    *, page: Callable[[IntakePartner], str | SafeString], row: Callable[[IntakePartner], str]
) -> None:
    """Have the partner's page (``page``) and the partners' list (``row``) say where its
    callbacks go."""
    _callback_readers.update(page=page, row=row)


@admin.register(IntakePartner)
class IntakePartnerAdmin(ScopedAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    """A partner by its name, its channel, its keys and its reports; only its name is edited."""

    list_display = (
        "name",
        "channel",
        "keys_short",
        "reports_today",
        "reports_month",
        "last_report",
        "callback_short",
    )
    list_filter = ("channel",)
    search_fields = ("name", "keys__prefix")
    ordering = ("name", "pk")
    actions = None  # nothing to do to several partners at once (no bulk delete)
    fields = (
        "name",
        "channel",
        "created",
        "key_table",
        "reports",
        "callback_in_effect",
    )
    # Not "callback": the partner's own callback (webhooks' IntakeCallback.partner) is a
    # field of the model by that name, which the admin would show instead, as a link.
    readonly_fields = ("channel", "created", "key_table", "reports", "callback_in_effect")

    def scope_q(self, request: HttpRequest) -> Q:
        return Q() if self.capabilities(request) else Q(pk__in=[])

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        now = clock.now()
        partners: QuerySet[Any] = super().get_queryset(request)
        counted: QuerySet[Any] = partners.annotate(
            n_today=Count(
                "incidents",
                filter=Q(incidents__received_at__gte=local_midnight(localdate(now, local_zone()))),
                distinct=True,
            ),
            n_month=Count(
                "incidents",
                filter=Q(incidents__received_at__gte=now - dt.timedelta(days=30)),
                distinct=True,
            ),
            last_received=Max("incidents__received_at"),
        )
        return counted

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False  # a partner is made by issuing its first key (the intake keys' page)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Its reports keep their partner: a partner that sent one is kept for good.
        if obj is not None and obj.incidents.exists():
            return False
        return super().has_delete_permission(request, obj)

    def _keys(self, obj: IntakePartner) -> list[IntakeKey]:
        cached: list[IntakeKey] | None = getattr(obj, "_kuzet_keys", None)
        if cached is None:
            cached = list(obj.keys.order_by("created_at", "pk"))
            obj._kuzet_keys = cached  # type: ignore[attr-defined]
        return cached

    @admin.display(description=gettext_lazy("created"), ordering="created_at")
    def created(self, obj: IntakePartner) -> str:
        return dated_text(obj.created_at)

    @admin.display(description=gettext_lazy("keys"))
    def keys_short(self, obj: IntakePartner) -> str:
        keys = self._keys(obj)
        live = sum(1 for key in keys if key.revoked_at is None)
        return _("%(live)s active, %(revoked)s revoked") % {
            "live": live,
            "revoked": len(keys) - live,
        }

    @admin.display(description=gettext_lazy("reports today"), ordering="n_today")
    def reports_today(self, obj: Any) -> int:
        return int(getattr(obj, "n_today", 0))

    @admin.display(description=gettext_lazy("reports in 30 days"), ordering="n_month")
    def reports_month(self, obj: Any) -> int:
        return int(getattr(obj, "n_month", 0))

    @admin.display(description=gettext_lazy("last report"), ordering="last_received")
    def last_report(self, obj: Any) -> str:
        return dated_text(getattr(obj, "last_received", None))

    @admin.display(description=gettext_lazy("callback URL"))
    def callback_short(self, obj: IntakePartner) -> str:
        reader = _callback_readers.get("row")
        return NOTHING if reader is None else reader(obj)

    @admin.display(description=gettext_lazy("callback"))
    def callback_in_effect(self, obj: IntakePartner) -> str | SafeString:
        reader = _callback_readers.get("page")
        return NOTHING if reader is None else reader(obj)

    @admin.display(description=gettext_lazy("reports"))
    def reports(self, obj: Any) -> SafeString:
        return format_html(
            "{}: {}<br>{}: {}<br>{}: {}",
            _("today"),
            getattr(obj, "n_today", 0),
            _("in the last 30 days"),
            getattr(obj, "n_month", 0),
            _("the last one"),
            dated_text(getattr(obj, "last_received", None)),
        )

    @admin.display(description=gettext_lazy("keys"))
    def key_table(self, obj: IntakePartner) -> SafeString:
        """Each key by its name and prefix (only a digest of the key is stored), when it was
        issued and last used, and whether it still works."""
        rows = []
        for key in self._keys(obj):
            state = (
                _("active")
                if key.revoked_at is None
                else _("revoked %(when)s") % {"when": dated_text(key.revoked_at)}
            )
            rows.append(
                (
                    reverse("admin:dispatch_intakekey_change", args=(key.pk,)),
                    key.name,
                    f"{key.prefix}…",
                    dated_text(key.created_at),
                    dated_text(key.last_used_at),
                    state,
                )
            )
        head = format_html(
            "<tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
            _("name"),
            _("prefix"),
            _("created"),
            _("last used"),
            _("state"),
        )
        body = format_html_join(
            "",
            '<tr><td><a href="{}">{}</a></td><td class="kuzet-code">{}</td><td>{}</td>'
            "<td>{}</td><td>{}</td></tr>",
            rows,
        )
        return format_html('<table class="kuzet-partner-keys">{}{}</table>', head, body)
