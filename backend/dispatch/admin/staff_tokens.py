"""Staff API tokens (DRF's *Auth Token*): DRF's list, with when each token was issued and
when it expires (``KUZET_STAFF_TOKEN_DAYS`` after), in local time with the date. The list
names a token by its first characters: the whole key is shown once, in the message when it
is added (DRF keeps it as it is, so a list on a screen in the duty room showed every key)."""

from __future__ import annotations

from django.contrib import admin
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework.authtoken.admin import TokenAdmin
from rest_framework.authtoken.models import TokenProxy

from ..authentication import token_expired, token_expires_at
from .formatting import dated_text, warning_html

# Enough to tell a user's tokens apart and to find one in the journal, far too few to use.
KEY_SHOWN = 6

if admin.site.is_registered(TokenProxy):
    admin.site.unregister(TokenProxy)


@admin.register(TokenProxy)
class StaffTokenAdmin(TokenAdmin):
    list_display = ("key_start", "user", "issued", "expires")

    @admin.display(description=gettext_lazy("key"))
    def key_start(self, obj: TokenProxy) -> str:
        return f"{obj.key[:KEY_SHOWN]}…"

    @admin.display(description=gettext_lazy("created"), ordering="created")
    def issued(self, obj: TokenProxy) -> str:
        return dated_text(obj.created)

    @admin.display(description=gettext_lazy("expires"), ordering="created")
    def expires(self, obj: TokenProxy) -> SafeString | str:
        expires = token_expires_at(obj)
        if expires is None:
            return _("never")
        if token_expired(obj):
            # The time, then the warning under it: one line did not fit beside the key.
            return format_html("{}<br>{}", dated_text(expires), warning_html(_("expired")))
        return dated_text(expires)
