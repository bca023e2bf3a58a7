"""Serving the built field app at /app/: encodings, caching, CSP, and a missing build."""

import gzip

import pytest


@pytest.fixture
def dist(tmp_path, settings):
    root = tmp_path / "dist"
    (root / "assets").mkdir(parents=True)
    (root / "index.html").write_text(
        '<!doctype html><script type="module" src="/app/assets/index-AbCd1234.js"></script>'
    )
    script = b"console.log('kuzet')" * 50
    (root / "assets" / "index-AbCd1234.js").write_bytes(script)
    (root / "assets" / "index-AbCd1234.js.gz").write_bytes(gzip.compress(script))
    (root / "assets" / "index-AbCd1234.js.br").write_bytes(b"brotli-bytes")
    (root / "sw.js").write_text("self.addEventListener('fetch', () => {})")
    (root / "manifest.webmanifest").write_text('{"name": "Kuzet"}')
    (root / "sizes.json").write_text("{}")
    (tmp_path / "secret.txt").write_text("outside the build")
    settings.KUZET_FIELD_APP_DIR = str(root)
    return root


def test_index_is_revalidated_and_carries_a_strict_csp(client, dist):
    # when
    response = client.get("/app/", HTTP_HOST="127.0.0.1")

    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert response["Cache-Control"] == "no-cache"
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "connect-src 'self' ws://127.0.0.1 wss://127.0.0.1" in csp
    assert "unsafe-inline" not in csp
    assert b"/app/assets/index-AbCd1234.js" in response.content


def test_hashed_asset_is_cached_for_a_year_in_the_smallest_accepted_encoding(client, dist):
    # when
    brotli = client.get("/app/assets/index-AbCd1234.js", HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    gzipped = client.get("/app/assets/index-AbCd1234.js", HTTP_ACCEPT_ENCODING="gzip, deflate")
    plain = client.get("/app/assets/index-AbCd1234.js")

    # then
    assert brotli["Content-Encoding"] == "br"
    assert brotli.content == b"brotli-bytes"
    assert gzipped["Content-Encoding"] == "gzip"
    assert gzip.decompress(gzipped.content) == plain.content
    assert plain.content == b"console.log('kuzet')" * 50
    assert not plain.has_header("Content-Encoding")
    assert brotli["Cache-Control"] == "public, max-age=31536000, immutable"
    assert brotli["Content-Type"] == "text/javascript; charset=utf-8"
    assert "Accept-Encoding" in brotli["Vary"]
    assert len({brotli["ETag"], gzipped["ETag"], plain["ETag"]}) == 3


def test_unchanged_file_answers_304_to_its_etag(client, dist):
    # given
    first = client.get("/app/manifest.webmanifest")

    # when
    again = client.get("/app/manifest.webmanifest", HTTP_IF_NONE_MATCH=first["ETag"])

    # then
    assert first["Content-Type"] == "application/manifest+json"
    assert again.status_code == 304
    assert again.content == b""


def test_service_worker_is_scoped_to_the_app_and_never_cached_long(client, dist):
    # when
    response = client.get("/app/sw.js")

    # then
    assert response.status_code == 200
    assert response["Service-Worker-Allowed"] == "/app/"
    assert response["Cache-Control"] == "no-cache"


@pytest.mark.parametrize(
    "path",
    [
        "/app/../secret.txt",
        "/app/assets/../../secret.txt",
        "/app/sizes.json",
        "/app/nothing.js",
        "/app/assets/index-AbCd1234.js.gz",
    ],
)
def test_files_outside_the_app_are_not_served(client, dist, path):
    # when
    response = client.get(path)

    # then
    assert response.status_code == 404
    assert b"outside the build" not in response.content


def test_missing_build_says_so_in_words(client, tmp_path, settings):
    # given
    settings.KUZET_FIELD_APP_DIR = str(tmp_path / "nothing-built")

    # when
    response = client.get("/app/")

    # then
    assert response.status_code == 503
    assert b"The field app is not built on this server" in response.content
    assert b"make run" in response.content


def test_only_reads_are_allowed(client, dist):
    # when
    response = client.post("/app/")

    # then
    assert response.status_code == 405


@pytest.mark.parametrize("path", ["/app/", "/app/sw.js", "/app/manifest.webmanifest"])
def test_the_app_does_not_vary_by_language_or_cookie(client, dist, path, personas):
    """The service worker matches its cache by the answer's Vary header: an answer cached
    with "Vary: Cookie" is not found offline once a cookie changed, and the app does not
    open in a white spot. The app carries its own languages."""
    # given: a logged-in member of staff reading Kazakh (the console varies by both)
    personas.duty.language = "kk"
    personas.duty.save(update_fields=["language"])
    client.force_login(personas.duty)

    # when
    response = client.get(path, HTTP_ACCEPT_LANGUAGE="ru")

    # then
    assert response.status_code == 200
    vary = {v.strip().lower() for v in response.get("Vary", "").split(",")}
    assert not vary & {"cookie", "accept-language"}
    assert "Content-Language" not in response


@pytest.mark.django_db
def test_the_consoles_and_the_board_show_the_apps_icon_and_favicon_ico_finds_it(
    client, dist, personas
):
    # given: the build's icon
    (dist / "icon.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"></svg>')

    # when
    login_page = client.get("/admin/login/").content.decode()
    client.force_login(personas.duty)
    board = client.get("/board/").content.decode()
    favicon = client.get("/favicon.ico", follow=True)

    # then: every page names its icon (a browser asked /favicon.ico and got a 404 before)
    link = '<link rel="icon" href="/app/icon.svg" type="image/svg+xml">'
    assert link in login_page
    assert link in board
    assert favicon.redirect_chain == [("/app/icon.svg", 301)]
    assert favicon.status_code == 200
    assert favicon["Content-Type"].startswith("image/svg+xml")
