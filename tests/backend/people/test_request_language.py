"""A request speaks its officer's language, and only it: the language is put back when the
response is made, so whatever the same thread does next — the next request, the operator's
lines while the history is built in-process, a test's own words — is not in some officer's
language (Django's LocaleMiddleware leaves it active; under uvicorn each request's context
forgets it, an in-process caller did not)."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from asgiref.sync import async_to_sync
from django.core.management import call_command
from django.core.wsgi import get_wsgi_application
from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import translation

from backend.people.i18n import OfficerLanguageMiddleware
from backend.people.models import Officer
from backend.simulator import history

INCIDENTS = {"kk": "Оқиғалар", "ru": "Происшествия", "en": "Incidents"}


def _kazakh(officer: Officer) -> Officer:
    Officer.objects.filter(pk=officer.pk).update(language="kk")
    officer.refresh_from_db()
    return officer


@pytest.mark.django_db
@pytest.mark.parametrize("before", ["en-us", "ru"])
def test_a_kazakh_officers_request_leaves_the_threads_language_as_it_was(client, personas, before):
    # given: a chief who reads Kazakh; the thread in another language
    client.force_login(_kazakh(personas.a.chief))

    # when
    with translation.override(before):
        response = client.get(reverse("admin:dispatch_incident_changelist"))
        after = translation.get_language()

    # then: the page in Kazakh, the thread as it was
    assert response["Content-Language"] == "kk"
    assert INCIDENTS["kk"] in response.content.decode()
    assert after == before


@pytest.mark.django_db(transaction=True)  # the WSGI handler closes the connection at the end
def test_an_in_process_wsgi_request_leaves_the_callers_language(personas):
    # given: the history builder's way in — the WSGI app over httpx, in the caller's thread —
    # with a Kazakh chief's session; the operator reads Russian
    browser = Client()
    browser.force_login(_kazakh(personas.a.chief))
    http = httpx.Client(
        transport=httpx.WSGITransport(app=get_wsgi_application()),
        base_url="http://testserver",
        cookies={"sessionid": browser.cookies["sessionid"].value},
    )

    # when
    with translation.override("ru"):
        response = http.get(reverse("admin:dispatch_incident_changelist"))
        after = translation.get_language()

    # then
    assert response.status_code == 200
    assert response.headers["Content-Language"] == "kk"
    assert INCIDENTS["kk"] in response.text
    assert after == "ru"


def _streamed(*, is_async: bool) -> StreamingHttpResponse:
    def chunks() -> Iterator[str]:
        for _ in range(2):
            yield translation.gettext("Incidents") + ";"

    async def async_chunks() -> AsyncIterator[str]:
        for chunk in chunks():
            yield chunk

    return StreamingHttpResponse(async_chunks() if is_async else chunks())


def _request(officer: Officer):
    request = RequestFactory().get("/admin/reports/")
    request.user = officer
    return request


@pytest.mark.django_db
@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
def test_a_streamed_answer_is_made_in_the_officers_language_chunk_by_chunk(personas, is_async):
    # given: an answer whose chunks are made as the server reads them, after the view returned
    middleware = OfficerLanguageMiddleware(lambda request: _streamed(is_async=is_async))
    seen: list[tuple[str, str]] = []  # a chunk, and the server's language as it got it

    # when: the server reads it in Russian
    with translation.override("ru"):
        response = middleware(_request(_kazakh(personas.a.chief)))
        if is_async:

            async def read() -> None:
                async for chunk in response:
                    seen.append((chunk.decode(), translation.get_language()))

            async_to_sync(read)()
        else:
            seen = [(chunk.decode(), translation.get_language()) for chunk in response]

    # then: each chunk in Kazakh, the reader's Russian between them
    assert response["Content-Language"] == "kk"
    assert seen == [("Оқиғалар;", "ru"), ("Оқиғалар;", "ru")]


@pytest.mark.django_db
def test_a_files_answer_is_left_to_the_servers_sendfile(personas, tmp_path: Path):
    # given
    path = tmp_path / "export.csv"
    path.write_text("a;b\n")
    with path.open("rb") as file:
        middleware = OfficerLanguageMiddleware(lambda request: FileResponse(file))

        # when
        response = middleware(_request(_kazakh(personas.a.chief)))

        # then: not wrapped, so a WSGI server may still send the file itself
        assert response.file_to_stream is file
        assert b"".join(response) == b"a;b\n"
        response.close()


@pytest.mark.django_db
def test_an_answer_the_same_in_every_language_neither_sets_nor_leaves_one(personas):
    # given
    middleware = OfficerLanguageMiddleware(lambda request: HttpResponse(translation.get_language()))
    request = RequestFactory().get("/api/sync/pull/", HTTP_ACCEPT_LANGUAGE="kk")

    # when
    with translation.override("ru"):
        response = middleware(request)
        after = translation.get_language()

    # then
    assert response.content == b"ru"
    assert "Content-Language" not in response
    assert after == "ru"


@pytest.mark.django_db(transaction=True)
def test_the_history_built_in_process_leaves_the_operators_language_between_requests(
    tmp_path,
):
    # given: the demo, and an operator who reads Russian
    call_command("seed", "--demo", stdout=io.StringIO())
    languages: set[str] = set()

    # when: a short history, every request through the WSGI app in this thread
    with translation.override("ru"):
        history.build(
            days=0.05,
            state_dir=tmp_path,
            progress=lambda fraction, stats: languages.add(translation.get_language()),
        )
        after = translation.get_language()

    # then: at each progress line the operator's language, not the last request's
    assert languages == {"ru"}
    assert after == "ru"
