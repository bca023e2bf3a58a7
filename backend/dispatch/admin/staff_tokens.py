"""Staff API tokens (*Staff API tokens*): who holds each token, when it was issued and when it
expires (``KUZET_STAFF_TOKEN_DAYS`` after), in local time with the date. django-rest-knox keeps
only a token's digest and first characters, so the list names a token by its start and the
whole key is shown once, in the message when it is added — nothing can show it again. Deleting
a token revokes it at once.

knox's own admin is not used (``KNOX_TOKEN_MODEL`` swaps its model out): it titled the list and
its columns in English only, named a token by its digest and wrote the digest into the admin's
journal, and showed the key in English."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.options import IS_POPUP_VAR
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from knox.admin import AuthTokenCreateForm

from ..authentication import token_expired, token_expires_at
from ..models import StaffToken
from .formatting import dated_text, warning_html


class StaffTokenAddForm(AuthTokenCreateForm):  # type: ignore[misc]  # knox ships no type hints
    """knox's form that makes the key and keeps its digest; the person only (the lifetime is
    the setting's, not the administrator's pick)."""

    class Meta:
        model = StaffToken
        fields = ["user"]


@admin.register(StaffToken)
class StaffTokenAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("key_start", "holder", "issued", "expires")
    list_select_related = ("user",)
    search_fields = ("user__username", "user__first_name", "user__last_name")
    autocomplete_fields = ("user",)

    @admin.display(description=gettext_lazy("key"))
    def key_start(self, obj: StaffToken) -> str:
        return str(obj)

    @admin.display(description=gettext_lazy("officer"), ordering="user__username")
    def holder(self, obj: StaffToken) -> str:
        return str(obj.user)

    @admin.display(description=gettext_lazy("created"), ordering="created")
    def issued(self, obj: StaffToken) -> str:
        return dated_text(obj.created)

    @admin.display(description=gettext_lazy("expires"), ordering="created")
    def expires(self, obj: StaffToken) -> SafeString | str:
        expires = token_expires_at(obj)
        if expires is None:
            return _("never")
        if token_expired(obj):
            # The time, then the warning under it: one line did not fit beside the key.
            return format_html("{}<br>{}", dated_text(expires), warning_html(_("expired")))
        return dated_text(expires)

    # A token is issued or deleted, never edited: its page reads who holds it and when it ends.
    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ["user"] if obj is None else ["key_start", "holder", "issued", "expires"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return () if obj is None else ("key_start", "holder", "issued", "expires")

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        if obj is None:
            kwargs["form"] = StaffTokenAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        # Titled by what it lists, as every Kuzet list (people.admin_scoping.ScopedAdminMixin,
        # whose district scope and audited writes a superuser's token list does not use).
        if IS_POPUP_VAR not in request.GET:
            title = capfirst(str(self.model._meta.verbose_name_plural))
            extra_context = {"title": title, **(extra_context or {})}
        return super().changelist_view(request, extra_context)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        # Read by response_add on this request only: the key is in no row and no log.
        obj.key_once = form.token

    def response_add(
        self, request: HttpRequest, obj: Any, post_url_continue: str | None = None
    ) -> HttpResponse:
        self.message_user(
            request,
            format_html(
                _(
                    "A staff API token for {user} was added: {key} — copy it now, it is not "
                    "shown again."
                ),
                user=obj.user,
                key=format_html("<code>{}</code>", obj.key_once),
            ),
            messages.SUCCESS,
        )
        # To the list (never the token's page, whose address would be its digest's bookmark).
        return HttpResponseRedirect(reverse("admin:dispatch_stafftoken_changelist"))
