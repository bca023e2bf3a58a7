"""The console's names of the third-party apps the superuser sees in its sidebar and on its
home page, in the officer's language.

django-axes (the console's sign-in lockout) names its app nothing, so Django titles its label
("Axes"), and ships no Kazakh; Django's own Kazakh leaves "Authentication and Authorization"
empty, so the superuser read both in English. The app keeps its label (``axes``), so its
admin URLs (``/admin/axes/…``) are unchanged.

The strings below are axes' and Django's own msgids, on the pages the superuser reads (the
app's index and its lists: model names, columns, filters, the status cell, the action).
Marked here so that `make messages` extracts them into backend/locale, whose catalogs Django
reads before the apps' own (LOCALE_PATHS) — as :mod:`backend.common.django_words` does for
Django's admin. Django's groups have Kazakh and Russian of their own; staff API tokens
(django-rest-knox's) are listed by Kuzet's own admin, under its own names.
"""

from typing import Any

from axes.apps import AppConfig as AxesAppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop


class AxesConfig(AxesAppConfig):  # type: ignore[misc]  # axes ships no type hints
    """django-axes under a name an officer reads: it protects the console's sign-in (who
    signed in, and the wrong passwords that lock a username out)."""

    label = "axes"
    verbose_name = _("Sign-in protection")

    def ready(self) -> None:
        super().ready()
        from axes.admin import AccessAttemptAdmin

        # axes' list of attempts has a "status" column with no description, which Django
        # titles "Status" from the method's name, past every catalog.
        status: Any = AccessAttemptAdmin.status
        status.short_description = _("Status")


THIRD_PARTY_WORDS = (
    # Django's auth app (its Kazakh msgstr is empty; its Russian is "Пользователи и группы").
    gettext_noop("Authentication and Authorization"),
    # axes' models (axes/models.py), on the home page, the sidebar and each list's title.
    gettext_noop("access attempt"),
    gettext_noop("access attempts"),
    gettext_noop("access log"),
    gettext_noop("access logs"),
    gettext_noop("access failure"),
    gettext_noop("access failures"),
    # axes' columns and filters (axes/models.py, axes/admin.py).
    gettext_noop("Attempt Time"),
    gettext_noop("Logout Time"),
    gettext_noop("IP Address"),
    gettext_noop("User Agent"),
    gettext_noop("Username"),
    gettext_noop("Path"),
    gettext_noop("Failed Logins"),
    gettext_noop("Access lock out"),
    gettext_noop("Locked Out"),
    # An attempt's status cell ("3 Attempt Remaining") and the list's action.
    gettext_noop("Attempt Remaining"),
    gettext_noop("Clean up expired attempts"),
)
