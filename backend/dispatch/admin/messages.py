"""SMS, both ways: the outbox and the replies, read-only."""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.db.models import Q
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from backend.common.formatting import phone_html
from backend.common.phones import phone_is_masked
from backend.people.admin_scoping import ScopedAdminMixin

from ..models import SmsMessage
from .formatting import reply_outcome_text, when_text


@admin.register(SmsMessage)
class SmsMessageAdmin(ScopedAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    read_only = True
    # A message's page: what came of it in words, never a reply's reason code under "error".
    fields = (
        "direction", "number_kept", "body", "reply_code", "officer", "assignment", "purpose",
        "state", "outcome", "created_at", "claimed_at", "sent_at", "attempts", "provider_id",
    )  # fmt: skip
    readonly_fields = ("number_kept", "outcome")
    # The text is what the list is read for: beside eight columns it was squeezed to a letter a
    # line on a 1280 px laptop. When it went is under its state; the attempts are on the
    # message's page.
    list_display = ("created", "direction", "number", "purpose", "state_sent", "short_body")
    # When the message was made, on Kazakhstan's clock: a day, a month, a year.
    date_hierarchy = "created_at"
    list_filter = ("direction", "state", "purpose", "created_at")
    search_fields = ("phone", "reply_code")
    ordering = ("-created_at",)
    show_full_result_count = False

    def scope_q(self, request: HttpRequest) -> Q:
        scope = self.district_scope(request)
        if scope.everything:
            return Q()
        return scope.q("assignment__incident__district") | scope.q("officer__district")

    @admin.display(description=_("created"), ordering="created_at")
    def created(self, obj: SmsMessage) -> str:
        return when_text(obj.created_at)

    @admin.display(description=_("phone"))
    def number(self, obj: SmsMessage) -> SafeString:
        """The number; past retention its last four digits (``outbox.sms_prune``), said so
        under them briefly — "…1234" alone read as a number the list failed to show — and
        at length on hover: the text beside it is what the list is read for."""
        if not phone_is_masked(obj.phone):
            return phone_html(obj.phone)
        return format_html(
            '<span title="{}">{}<br><span class="quiet">{}</span></span>',
            self._kept_in_part(),
            obj.phone,
            _("last digits only"),
        )

    @admin.display(description=_("phone"))
    def number_kept(self, obj: SmsMessage) -> SafeString:
        """The number, or past retention its last four digits and why only they are left."""
        if not phone_is_masked(obj.phone):
            return phone_html(obj.phone)
        return format_html('{}<br><span class="quiet">{}</span>', obj.phone, self._kept_in_part())

    @staticmethod
    def _kept_in_part() -> str:
        return _("after %(days)s days only the last digits are kept") % {
            "days": settings.KUZET_SMS_RETENTION_DAYS
        }

    @admin.display(description=_("state"), ordering="state")
    def state_sent(self, obj: SmsMessage) -> SafeString:
        """The state, and under it when it went (nothing for a reply or one not yet sent)."""
        if obj.sent_at is None:
            return format_html("{}", obj.get_state_display())
        return format_html(
            '{}<br><span class="quiet">{}</span>', obj.get_state_display(), when_text(obj.sent_at)
        )

    @admin.display(description=_("text"))
    def short_body(self, obj: SmsMessage) -> str:
        return obj.body[:60]

    @admin.display(description=_("what came of it"))
    def outcome(self, obj: SmsMessage) -> str:
        """A reply: what it did, in words. A sent message: the gateway's error, if any."""
        if obj.direction == SmsMessage.Direction.IN and obj.state in (
            SmsMessage.State.APPLIED,
            SmsMessage.State.REJECTED,
        ):
            return reply_outcome_text(obj.error)
        return obj.error
