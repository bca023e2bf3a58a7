"""The partners' callbacks in the console: where a partner's callbacks go (set by the oblast
administrator, who issues the keys) and every delivery, read-only."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django import forms
from django.contrib import admin, messages
from django.db import models
from django.db.models import Q
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.text import Truncator, capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from backend.common.errors import ValidationFailed
from backend.common.formatting import NOTHING, dated_text
from backend.dispatch.admin.intake_partners import read_callback_with
from backend.dispatch.models import IntakePartner
from backend.people.admin_scoping import ScopedAdminMixin

from .addresses import refusal_of
from .models import CallbackDelivery, IntakeCallback
from .services import (
    ADDRESS_KINDS,
    NO_CALLBACK,
    NOT_RESOLVED,
    callback_configure,
    callback_url_check,
    partner_callback,
    refusal_text,
)

# A network error as the HTTP client named it (``services._post``: "ConnectTimeout: timed
# out"), and the others a delivery records, in the reader's language; the client's own words
# stay on the delivery's page for the partner's engineers.
NETWORK_ERRORS = {
    "ConnectTimeout": gettext_lazy("The partner's server did not answer in time."),
    "ReadTimeout": gettext_lazy("The partner's server did not answer in time."),
    "WriteTimeout": gettext_lazy("The partner's server did not answer in time."),
    "PoolTimeout": gettext_lazy("The partner's server did not answer in time."),
    "ConnectError": gettext_lazy("Could not connect to the partner's server."),
    "RemoteProtocolError": gettext_lazy("The partner's server broke the connection off."),
    "ReadError": gettext_lazy("The partner's server broke the connection off."),
    "WriteError": gettext_lazy("The partner's server broke the connection off."),
}


def error_words(error: str, status: int | None) -> str:
    """What went wrong with a delivery, in the reader's language ("" when nothing did)."""
    refused = refusal_of(error)
    if refused is not None:
        return refusal_text(refused)
    if error.startswith(NOT_RESOLVED):
        return _("The partner's server name was not found (DNS).")
    if error == NO_CALLBACK:
        return _("Not sent: the partner's key was revoked or its callback removed.")
    kind = error.partition(":")[0]
    if kind == "ConnectError" and ("CERTIFICATE" in error or "SSL" in error):
        return _("The partner's server certificate was not accepted.")
    if kind in NETWORK_ERRORS:
        return str(NETWORK_ERRORS[kind])
    if not error and status is not None and not 200 <= status < 300:
        return _("The partner's server answered with an error (HTTP %(status)s).") % {
            "status": status
        }
    return error


def host_html(url: str) -> SafeString:
    """A URL in a list: its host, the whole URL in the title (shown on hover)."""
    host = urlsplit(url).hostname or url
    return format_html('<span title="{}">{}</span>', url, host)


def partner_callback_row(partner: IntakePartner) -> str:
    """The partners' list: the host its reports' changes go to, or —."""
    callback = partner_callback(partner.pk)
    return NOTHING if callback is None else urlsplit(callback.url).hostname or callback.url


def partner_callback_page(partner: IntakePartner) -> SafeString:
    """The partner's page: where its reports' changes go (whichever of its keys sent them),
    since when and in which language, or that nothing is sent; and a link to set it (again)."""
    callback = IntakeCallback.objects.filter(partner_id=partner.pk).first()
    parts: list[SafeString] = []
    if callback is None:
        parts.append(format_html("{}", _("None: the partner is not told of its reports' changes.")))
        link = _("Set the partner's callback")
    else:
        if partner_callback(partner.pk) is None:
            parts.append(format_html("{}", _("Not sent: every key of the partner is revoked.")))
        said = _("Set %(when)s; its texts in %(language)s.") % {
            "when": dated_text(callback.created_at),
            "language": callback.get_language_display(),
        }
        parts.append(
            format_html(
                '<span class="kuzet-code">{}</span><br><span class="quiet">{}</span>',
                callback.url,
                said,
            )
        )
        link = _("Set the callback again (a new secret)")
    add = reverse("admin:webhooks_intakecallback_add") + f"?partner={partner.pk}"
    parts.append(format_html('<a href="{}">{}</a>', add, link))
    return format_html_join("", "<p>{}</p>", ((part,) for part in parts))


read_callback_with(page=partner_callback_page, row=partner_callback_row)


class IntakeCallbackForm(forms.ModelForm):  # type: ignore[type-arg]
    # Named as a model's field is (capitalised), and as wide as the admin makes a URL field:
    # the plain input showed "//partner.kz/kuzet/callback" of a longer address.
    url = forms.URLField(
        label=capfirst(gettext_lazy("callback URL")),
        max_length=500,
        assume_scheme="https",
        widget=forms.URLInput(attrs={"class": "vURLField"}),
    )

    class Meta:
        model = IntakeCallback
        fields = ("partner", "language")  # and ``url`` above

    def validate_unique(self) -> None:
        # A partner that has a callback is given a new one in its place (with a new secret):
        # ``callback_configure`` replaces it, so "already exists" is no error here.
        pass

    def clean_url(self) -> str:
        try:
            return callback_url_check(self.cleaned_data["url"])
        except ValidationFailed as exc:
            # Said in the administrator's language: not https, or an internal address.
            raise forms.ValidationError(exc.detail, code=exc.code) from exc


@admin.register(IntakeCallback)
class IntakeCallbackAdmin(ScopedAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    """A partner's callback is set with its secret, which is shown then and never again. It is
    never edited: a new URL comes with a new secret (set again here, or with ``manage.py
    intake_callback``)."""

    form = IntakeCallbackForm
    # Django 5 builds the model's field before the form's own (Django 6 assumes https).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    # The partner by its name and the URL by its host (the whole URL in its title, and on the
    # callback's page): the channel and a long path widened the row.
    list_display = ("partner_name", "host", "language", "created", "created_by")
    list_select_related = ("partner", "created_by")
    shown = ("partner", "url", "language", "created_at", "created_by")

    def scope_q(self, request: HttpRequest) -> Q:
        return Q() if self.capabilities(request) else Q(pk__in=[])

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a new URL comes with a new secret: set again, never edited

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ("partner", "url", "language") if obj is None else self.shown

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return () if obj is None else self.shown

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        callback, secret = callback_configure(
            partner=obj.partner, url=obj.url, language=obj.language, by=request.user
        )
        obj.pk = callback.pk
        obj._state.adding = False
        self.message_user(
            request,
            _(
                "Callbacks of %(name)s go to %(url)s, signed with the secret %(secret)s — give "
                "it to the integration now; it will not be shown again."
            )
            % {"name": callback.partner.name, "url": callback.url, "secret": secret},
            messages.SUCCESS,
        )

    @admin.display(description=gettext_lazy("created"), ordering="created_at")
    def created(self, obj: IntakeCallback) -> str:
        return dated_text(obj.created_at)

    @admin.display(description=gettext_lazy("intake partner"), ordering="partner__name")
    def partner_name(self, obj: IntakeCallback) -> str:
        return obj.partner.name  # its channel is on the callback's page

    @admin.display(description=gettext_lazy("callback URL"), ordering="url")
    def host(self, obj: IntakeCallback) -> SafeString:
        return host_html(obj.url)


@admin.register(CallbackDelivery)
class CallbackDeliveryAdmin(ScopedAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    """What was sent to the partners, when, and what they answered. Oblast-wide, as the
    intake keys are."""

    read_only = True
    # What a delivery list is read for on a 1280 px laptop with the menu open: when, which
    # report to which partner, how it went (the partner's HTTP status and the attempts under
    # the state) and what comes next. Its sequence and when it was given up are on the
    # delivery's page: ten columns made the list 1500 px wide, its report cut into five lines.
    list_display = ("created", "report", "partner_name", "outcome", "problem_short", "next_attempt")
    list_select_related = ("incident", "partner")
    # When the delivery was queued, on Kazakhstan's clock: a day, a month, a year.
    date_hierarchy = "created_at"
    list_filter = ("state", "created_at", "partner")
    search_fields = ("incident__number", "incident__external_ref", "event_id")
    ordering = ("-created_at", "-pk")
    show_full_result_count = False
    fields = (
        "event_id",
        "report",
        "partner",
        "sequence",
        "event_type",
        "state",
        "attempts",
        "last_status_code",
        "problem",
        "created",
        "last_attempt",
        "next_attempt",
        "delivered",
        "gave_up",
    )
    readonly_fields = fields

    def scope_q(self, request: HttpRequest) -> Q:
        return Q() if self.capabilities(request) else Q(pk__in=[])

    @admin.display(description=gettext_lazy("created"), ordering="created_at")
    def created(self, obj: CallbackDelivery) -> str:
        return dated_text(obj.created_at)

    # "report" alone is already in the catalog, as an SMS report ("сообщение"); a partner's
    # report is the citizen's application ("заявление").
    @admin.display(description=pgettext_lazy("partner", "report"), ordering="incident__number")
    def report(self, obj: CallbackDelivery) -> SafeString:
        """The call's number kept whole, the partner's own reference under it."""
        return format_html(
            '<span class="kuzet-code">{}</span><br><span class="quiet kuzet-summary">{}</span>',
            obj.incident.number,
            obj.incident.external_ref or "",
        )

    @admin.display(description=gettext_lazy("state"), ordering="state")
    def outcome(self, obj: CallbackDelivery) -> SafeString:
        """The state, and under it the partner's last HTTP status and the attempts."""
        said = [f"HTTP {obj.last_status_code}"] if obj.last_status_code else []
        if obj.attempts:
            said.append(f"{_('attempts')}: {obj.attempts}")
        return format_html(
            '{}<br><span class="quiet">{}</span>', obj.get_state_display(), " · ".join(said)
        )

    @admin.display(description=gettext_lazy("intake partner"), ordering="partner__name")
    def partner_name(self, obj: CallbackDelivery) -> str:
        return obj.partner.name  # its channel is on the delivery's page

    @admin.display(description=gettext_lazy("last attempt"), ordering="last_attempt_at")
    def last_attempt(self, obj: CallbackDelivery) -> str:
        return dated_text(obj.last_attempt_at)

    @admin.display(description=gettext_lazy("next attempt"), ordering="next_attempt_at")
    def next_attempt(self, obj: CallbackDelivery) -> str:
        return dated_text(obj.next_attempt_at)

    @admin.display(description=gettext_lazy("delivered"), ordering="delivered_at")
    def delivered(self, obj: CallbackDelivery) -> str:
        return dated_text(obj.delivered_at)

    @admin.display(description=gettext_lazy("gave up"), ordering="gave_up_at")
    def gave_up(self, obj: CallbackDelivery) -> str:
        return dated_text(obj.gave_up_at)

    @admin.display(description=gettext_lazy("error"))
    def problem(self, obj: CallbackDelivery) -> str | SafeString:
        """What went wrong in the reader's language, and under it the client's own words."""
        words = error_words(obj.last_error, obj.last_status_code)
        if words == obj.last_error or refusal_of(obj.last_error) is not None:
            return words
        return format_html('{}<br><span class="quiet kuzet-code">{}</span>', words, obj.last_error)

    @admin.display(description=gettext_lazy("error"))
    def problem_short(self, obj: CallbackDelivery) -> str:
        """The list's: a refused address and its kind, or the start of a network error (the
        whole sentence is on the delivery's page)."""
        refused = refusal_of(obj.last_error)
        if refused is None:
            return Truncator(error_words(obj.last_error, obj.last_status_code)).chars(60)
        return _("refused: %(address)s, %(kind)s") % {
            "address": refused.address,
            "kind": ADDRESS_KINDS.get(refused.kind, refused.kind),
        }
