"""Intake keys of the integrations (eGov, Kaspi…): issued and revoked, never edited."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from backend.people.admin_scoping import REVOKE, ScopedAdminMixin

from ..models import IntakeKey
from ..services.intake import intake_key_issue, intake_key_revoke
from .formatting import dated_text


class IntakeKeyForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = IntakeKey
        fields = ("name", "channel", "replaces", "exercise")
        help_texts = {
            "replaces": gettext_lazy(
                "Only to replace a partner's key (after a leak, or on schedule): the new key is "
                "that partner's, and its reports sent with the old key are replayed, read and "
                "called back through the new one. Revoke the old key once the partner has "
                "switched (at once after a leak)."
            ),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "name" not in self.fields:
            return  # a key's page: every field read-only (it answered 500, a KeyError)
        # A replacement is named as the key it replaces unless named otherwise.
        self.fields["name"].required = False
        replaces = self.fields["replaces"]
        assert isinstance(replaces, forms.ModelChoiceField)
        replaces.queryset = IntakeKey.objects.order_by("name", "pk")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        replaces = data.get("replaces")
        if not (data.get("name") or "").strip() and replaces is None:
            self.add_error("name", _("Name the integration."))
        if replaces is not None and data.get("channel") and data["channel"] != replaces.channel:
            self.add_error(
                "channel",
                _("A key's replacement is for its channel: %(channel)s.")
                % {"channel": replaces.get_channel_display()},
            )
        return data


@admin.register(IntakeKey)
class IntakeKeyAdmin(ScopedAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    """Integration keys (eGov, Kaspi…) are oblast-wide, not a district's: the oblast
    administrator issues and revokes them. A key is shown once, when issued; only its hash
    is stored."""

    form = IntakeKeyForm
    # Who issued a key is on its page: the column pushed "revoked" off a 1280 px laptop.
    list_display = (
        "name",
        "channel",
        "prefix",
        "created",
        "last_used",
        "revoked",
    )
    list_select_related = ("created_by",)
    # An exercise key (a drill's) is told by the filter and on its page: a column of its own
    # would push "revoked" off the laptop again.
    list_filter = ("channel", "exercise")
    search_fields = ("name", "prefix")
    actions = ["revoke"]
    shown = (
        "name",
        "channel",
        "prefix",
        "partner",
        "replaces",
        "exercise",
        "created_at",
        "created_by",
        "last_used_at",
        "revoked_at",
    )

    def scope_q(self, request: HttpRequest) -> Q:
        return Q() if self.capabilities(request) else Q(pk__in=[])

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a key is issued or revoked, never edited

    def has_revoke_permission(self, request: HttpRequest) -> bool:
        return REVOKE in self.capabilities(request)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ("name", "channel", "replaces", "exercise") if obj is None else self.shown

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return () if obj is None else self.shown

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        replaces = form.cleaned_data.get("replaces")
        key, raw = intake_key_issue(
            channel=obj.channel,
            name=obj.name,
            by=request.user,
            replaces=replaces,
            # Unticked: as the key it replaces (a drill's replacement stays a drill's key).
            exercise=bool(form.cleaned_data.get("exercise")) or None,
        )
        obj.pk, obj.prefix, obj.key_hash = key.pk, key.prefix, key.key_hash
        obj.partner_id, obj.name = key.partner_id, key.name
        obj._state.adding = False
        words = {"name": key.name, "channel": key.get_channel_display(), "key": raw}
        if replaces is None:
            text = _(
                "Intake key for %(name)s (%(channel)s): %(key)s — give it to the integration "
                "now; it is not stored and will not be shown again."
            )
        else:
            words["old"] = replaces.prefix
            text = _(
                "Intake key for %(name)s (%(channel)s) replacing the key %(old)s…: %(key)s — "
                "give it to the integration now; it is not stored and will not be shown again. "
                "The reports sent with the old key are the new key's too; revoke the old key "
                "once the partner has switched."
            )
        self.message_user(request, text % words, messages.SUCCESS)

    @admin.action(description=gettext_lazy("Revoke the selected keys"), permissions=["revoke"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        revoked = [
            k.name for k in queryset.order_by("pk") if intake_key_revoke(key=k, by=request.user)
        ]
        self.message_user(
            request, _("Revoked %(n)s key(s).") % {"n": len(revoked)}, messages.SUCCESS
        )

    @admin.display(description=gettext_lazy("created"), ordering="created_at")
    def created(self, obj: IntakeKey) -> str:
        return dated_text(obj.created_at)

    @admin.display(description=gettext_lazy("last used"), ordering="last_used_at")
    def last_used(self, obj: IntakeKey) -> str:
        return dated_text(obj.last_used_at)

    @admin.display(description=gettext_lazy("revoked"), ordering="revoked_at")
    def revoked(self, obj: IntakeKey) -> str:
        return dated_text(obj.revoked_at)
