"""Which language a person reads: their own (``Officer.language``) once they are logged in,
the language cookie or the browser's before that; and the switch in the admin header.

Django's ``LocaleMiddleware`` knows only the cookie and ``Accept-Language``: a duty officer
who chose Kazakh on one desk would get Russian at the next. This middleware replaces it and
puts the officer's stored choice first; the switch (Django's ``set_language``) stores the
choice on the officer as well as in the cookie.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

from django.conf import settings
from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse
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
    """Speaks the officer's language (after AuthenticationMiddleware), else the cookie's or
    the browser's, for the request and its response — and only for them.

    Django's ``LocaleMiddleware`` activates the language and leaves it active. Under uvicorn
    each request's context forgets it, but a caller in the same thread does not: the history
    builder calls the WSGI app in-process (``httpx.WSGITransport``), and the operator's
    progress lines came out in the language of whichever officer the last request was from;
    the test client left the same in every test. So the language is an override around the
    view and put back after; a streaming answer's chunks are made in it one at a time, when
    the server asks for them.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(SAME_IN_EVERY_LANGUAGE):
            return self.get_response(request)  # request.user not even touched (no Cookie vary)
        language = officer_language(getattr(request, "user", None))
        if language is None:
            language = translation.get_language_from_request(request)
        with translation.override(language):
            language = translation.get_language()
            request.LANGUAGE_CODE = language
            response = self.get_response(request)
        patch_vary_headers(response, ("Accept-Language", "Cookie"))
        response.headers.setdefault("Content-Language", language)
        if isinstance(response, StreamingHttpResponse) and not isinstance(response, FileResponse):
            # A file's bytes are the same in every language, and a wrapped file loses the
            # server's sendfile (FileResponse.file_to_stream).
            response.streaming_content = _made_in(language, response)
        return response


def _made_in(language: str, response: StreamingHttpResponse) -> Any:
    """The response's chunks, each made with ``language`` active and the caller's put back
    before it is handed on (the same shape as GZipMiddleware's wrapper)."""
    content = response.streaming_content
    if isinstance(content, AsyncIterator):  # response.is_async
        chunks = aiter(content)

        async def made_async() -> AsyncIterator[bytes]:
            while True:
                with translation.override(language):
                    try:
                        chunk = await anext(chunks)
                    except StopAsyncIteration:
                        return
                yield chunk

        return made_async()
    iterator = iter(content)

    def made() -> Iterator[bytes]:
        while True:
            with translation.override(language):
                try:
                    chunk = next(iterator)
                except StopIteration:
                    return
            yield chunk

    return made()


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
