"""Serves the officers' field app (the built ``field/`` project) at ``/app/``.

The build output (``field/dist``, made by ``make run`` / ``make test``) is a handful of
files: ``index.html``, hashed ``assets/``, the web manifest, the service worker and icons.
Every text file also exists precompressed (``.br`` and ``.gz``, written at build time); the
smallest one the browser accepts is sent, so a phone on 2G never waits for on-the-fly
compression. Hashed assets are cached for a year (their name changes with their content);
everything else is revalidated with an ETag on every load (a 304 costs a few hundred bytes),
so a new build reaches phones the next time they have coverage.

The app's page carries its own strict Content-Security-Policy: no inline script or style,
connections (HTTP and the WebSocket) to this origin only, the service worker from here.
When the build is missing the page says so in words instead of showing a blank screen.
"""

from __future__ import annotations

import hashlib
import mimetypes
import re
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.utils.cache import patch_vary_headers

YEAR_SECONDS = 365 * 24 * 3600
# Vite names assets <name>-<8+ character hash>.<ext>; those never change under one name.
HASHED = re.compile(r"^assets/.+-[A-Za-z0-9_-]{8,}\.[a-z0-9]+$")
TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".webmanifest": "application/manifest+json",
    ".json": "application/json",
}
# Files of the build that are not the app's to serve.
PRIVATE = {"sizes.json"}
ENCODINGS = (("br", ".br"), ("gzip", ".gz"))

BUILD_MISSING = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Kuzet field app: not built</title></head>
<body>
<h1>The field app is not built on this server</h1>
<p>Kuzet serves the officers' app from <code>field/dist</code>, and that folder has no build.
<code>make run</code> builds it (Node 20 and npm); by hand:
<code>cd field &amp;&amp; npm ci &amp;&amp; npm run build</code>.</p>
<p lang="ru">Приложение для сотрудников не собрано на этом сервере:
выполните <code>make run</code>.</p>
<p lang="kk">Қызметкерлерге арналған қолданба бұл серверде жиналмаған:
<code>make run</code> орындаңыз.</p>
</body></html>
"""


def _dist() -> Path:
    return Path(settings.KUZET_FIELD_APP_DIR).resolve()


@lru_cache(maxsize=256)
def _etag(path: Path, mtime_ns: int, size: int) -> str:
    # Keyed by mtime and size: a rebuild gives a new tag without a restart.
    return '"' + hashlib.sha256(path.read_bytes()).hexdigest()[:32] + '"'


def content_security_policy(request: HttpRequest) -> str:
    """The app page's CSP. ``'self'`` covers same-origin WebSockets in CSP 3; the explicit
    ws/wss origins are for browsers that predate it."""
    host = request.get_host()
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            "media-src 'self' blob:",
            f"connect-src 'self' ws://{host} wss://{host}",
            "worker-src 'self'",
            "manifest-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def _resolve(name: str) -> Path | None:
    dist = _dist()
    if name in PRIVATE or name.endswith((".gz", ".br")):
        return None
    try:
        target = (dist / name).resolve()
        if not target.is_relative_to(dist) or not target.is_file():
            return None
    except (OSError, ValueError):
        # A name no file can have (longer than the file system allows: "File name too
        # long", or holding a NUL) is no file of the app: a 404, not a 500.
        return None
    return target


def app_file(request: HttpRequest, path: str = "") -> HttpResponse:
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    if not (_dist() / "index.html").is_file():
        response = HttpResponse(BUILD_MISSING, status=503, content_type="text/html; charset=utf-8")
        response["Cache-Control"] = "no-store"
        return response
    name = path or "index.html"
    target = _resolve(name)
    if target is None:
        raise Http404(f"No file {name!r} in the field app.")

    accepted = request.headers.get("Accept-Encoding", "")
    served, encoding = target, None
    for coding, suffix in ENCODINGS:
        variant = target.with_name(target.name + suffix)
        if re.search(rf"\b{coding}\b", accepted) and variant.is_file():
            served, encoding = variant, coding
            break
    stat = served.stat()
    etag = _etag(served, stat.st_mtime_ns, stat.st_size)

    if etag in [t.strip() for t in request.headers.get("If-None-Match", "").split(",")]:
        response = HttpResponse(status=304)
    else:
        body = b"" if request.method == "HEAD" else served.read_bytes()
        content_type = TYPES.get(target.suffix) or (
            mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        )
        response = HttpResponse(body, content_type=content_type)
        response["Content-Length"] = str(stat.st_size)
        if encoding:
            response["Content-Encoding"] = encoding
    response["ETag"] = etag
    patch_vary_headers(response, ["Accept-Encoding"])
    if HASHED.match(name):
        response["Cache-Control"] = f"public, max-age={YEAR_SECONDS}, immutable"
    else:
        response["Cache-Control"] = "no-cache"
    if name == "sw.js":
        response["Service-Worker-Allowed"] = "/app/"
    if target.suffix == ".html":
        response["Content-Security-Policy"] = content_security_policy(request)
        response["Referrer-Policy"] = "same-origin"
    return response
