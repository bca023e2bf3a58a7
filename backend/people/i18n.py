"""Which language a person reads: their own (``Officer.language``) once they are logged in,
the language cookie or the browser's before that; and the switch in the admin header.

Django's ``LocaleMiddleware`` knows only the cookie and ``Accept-Language``: a duty officer
who chose Kazakh on one desk would get Russian at the next. This middleware replaces it and
puts the officer's stored choice first; the switch (Django's ``set_language``) stores the
choice on the officer as well as in the cookie.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import check_for_language
from django.views.i18n import set_language

LANGUAGE_PARAMETER = "language"  # the name Django's set_language reads
# Answers that are the same in every language. The field app carries its own languages, and
# its service worker matches cached answers by their Vary header: "Vary: Cookie" there makes
# the app fail to open offline once a cookie changed. (The sync API, health and metrics are
# read by machines.)
SAME_IN_EVERY_LANGUAGE = ("/app/", "/api/sync/", "/healthz", "/readyz", "/metrics")


def officer_language(user: Any) -> str | None:
    """The stored language of a logged-in officer, when Kuzet speaks it."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    language = getattr(user, "language", "") or ""
    return language if language and check_for_language(language) else None


class OfficerLanguageMiddleware:
    """Activates the officer's language (after AuthenticationMiddleware), else the cookie's
    or the browser's, for the request and its response."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(SAME_IN_EVERY_LANGUAGE):
            return self.get_response(request)  # request.user not even touched (no Cookie vary)
        language = officer_language(getattr(request, "user", None))
        if language is None:
            language = translation.get_language_from_request(request)
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        patch_vary_headers(response, ("Accept-Language", "Cookie"))
        response.headers.setdefault("Content-Language", translation.get_language())
        return response


def language_switch(request: HttpRequest) -> HttpResponse:
    """Django's ``set_language`` (cookie, redirect back), and the choice kept on the officer
    so that every desk and every SMS follows it."""
    response = set_language(request)
    chosen = request.POST.get(LANGUAGE_PARAMETER, "")
    user: Any = request.user
    if (
        request.method == "POST"
        and user.is_authenticated
        and chosen in dict(settings.LANGUAGES)
        and user.language != chosen
    ):
        user.language = chosen
        user.save(update_fields=["language"])
    return response


def language_choices(request: HttpRequest) -> dict[str, Any]:
    """Template context: the languages of the header's switch, each in its own name
    (``Officer.Language``: Қазақша, Русский, English — never translated)."""
    return {"kuzet_languages": settings.LANGUAGES}
