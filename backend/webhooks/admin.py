"""The partners' callbacks in the console: where a key's callbacks go (set by the oblast
administrator, who issues the keys) and every delivery, read-only."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db import models
from django.db.models import Q
from django.http import HttpRequest
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from backend.common.errors import ValidationFailed
from backend.common.formatting import when_text
from backend.people.admin_scoping import ScopedAdminMixin

from .addresses import refusal_of
from .models import CallbackDelivery, IntakeCallback
from .services import ADDRESS_KINDS, callback_configure, callback_url_check, refusal_text


def when(value: dt.datetime | None) -> str:
    """Kazakhstan time with its date, also today's: a delivery list is read days later."""
    return when_text(value, today=dt.date.min)


class IntakeCallbackForm(forms.ModelForm):  # type: ignore[type-arg]
    url = forms.URLField(label=gettext_lazy("callback URL"), max_length=500, assume_scheme="https")

    class Meta:
        model = IntakeCallback
        fields = ("key", "language")  # and ``url`` above

    def clean_url(self) -> str:
        try:
            return callback_url_check(self.cleaned_data["url"])
        except ValidationFailed as exc:
            # Said in the administrator's language: not https, or an internal address.
            raise forms.ValidationError(exc.detail, code=exc.code) from exc


@admin.register(IntakeCallback)
class IntakeCallbackAdmin(ScopedAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    """A key's callback is set with its secret, which is shown then and never again. It is
    never edited: a new URL comes with a new secret (``manage.py intake_callback`` sets a
    key's callback again)."""

    form = IntakeCallbackForm
    # Django 5 builds the model's field before the form's own (Django 6 assumes https).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ("key", "url", "language", "created", "created_by")
    list_select_related = ("key", "created_by")
    shown = ("key", "url", "language", "created_at", "created_by")

    def scope_q(self, request: HttpRequest) -> Q:
        return Q() if self.capabilities(request) else Q(pk__in=[])

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a new URL comes with a new secret: set again, never edited

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ("key", "url", "language") if obj is None else self.shown

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return () if obj is None else self.shown

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "key" and field is not None:
            field.queryset = field.queryset.filter(revoked_at__isnull=True)
        return field

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        callback, secret = callback_configure(
            key=obj.key, url=obj.url, language=obj.language, by=request.user
        )
        obj.pk = callback.pk
        obj._state.adding = False
        self.message_user(
            request,
            _(
                "Callbacks of %(name)s go to %(url)s, signed with the secret %(secret)s — give "
                "it to the integration now; it will not be shown again."
            )
            % {"name": callback.key.name, "url": callback.url, "secret": secret},
            messages.SUCCESS,
        )

    @admin.display(description=gettext_lazy("created"), ordering="created_at")
    def created(self, obj: IntakeCallback) -> str:
        return when(obj.created_at)


@admin.register(CallbackDelivery)
class CallbackDeliveryAdmin(ScopedAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    """What was sent to the partners, when, and what they answered. Oblast-wide, as the
    intake keys are."""

    read_only = True
    list_display = (
        "created",
        "report",
        "partner",
        "sequence",
        "state",
        "last_status_code",
        "problem_short",
        "attempts",
        "next_attempt",
        "gave_up",
    )
    list_select_related = ("incident", "key")
    list_filter = ("state", "key")
    search_fields = ("incident__number", "incident__external_ref", "event_id")
    ordering = ("-created_at", "-pk")
    show_full_result_count = False
    fields = (
        "event_id",
        "report",
        "key",
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
        return when(obj.created_at)

    # "report" alone is already in the catalog, as an SMS report ("сообщение"); a partner's
    # report is the citizen's application ("заявление").
    @admin.display(description=pgettext_lazy("partner", "report"), ordering="incident__number")
    def report(self, obj: CallbackDelivery) -> str:
        return f"{obj.incident.number} ({obj.incident.external_ref})"

    @admin.display(description=gettext_lazy("intake key"), ordering="key__name")
    def partner(self, obj: CallbackDelivery) -> str:
        return obj.key.name  # its channel and prefix are on the delivery's page

    @admin.display(description=gettext_lazy("last attempt"), ordering="last_attempt_at")
    def last_attempt(self, obj: CallbackDelivery) -> str:
        return when(obj.last_attempt_at)

    @admin.display(description=gettext_lazy("next attempt"), ordering="next_attempt_at")
    def next_attempt(self, obj: CallbackDelivery) -> str:
        return when(obj.next_attempt_at)

    @admin.display(description=gettext_lazy("delivered"), ordering="delivered_at")
    def delivered(self, obj: CallbackDelivery) -> str:
        return when(obj.delivered_at)

    @admin.display(description=gettext_lazy("gave up"), ordering="gave_up_at")
    def gave_up(self, obj: CallbackDelivery) -> str:
        return when(obj.gave_up_at)

    @admin.display(description=gettext_lazy("error"))
    def problem(self, obj: CallbackDelivery) -> str:
        """A refused address in the reader's language; a network error as the client said it."""
        refused = refusal_of(obj.last_error)
        return refusal_text(refused) if refused is not None else obj.last_error

    @admin.display(description=gettext_lazy("error"))
    def problem_short(self, obj: CallbackDelivery) -> str:
        """The list's: a refused address and its kind, or the start of a network error (the
        whole sentence is on the delivery's page)."""
        refused = refusal_of(obj.last_error)
        if refused is None:
            return Truncator(obj.last_error).chars(60)
        return _("refused: %(address)s, %(kind)s") % {
            "address": refused.address,
            "kind": ADDRESS_KINDS.get(refused.kind, refused.kind),
        }
