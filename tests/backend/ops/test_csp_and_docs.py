"""Content-Security-Policy on every page; API docs served offline and, in production, to staff."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from backend.dispatch.authentication import staff_token_issue


def policy(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return {d.split(" ", 1)[0]: d.split(" ", 1)[1] for d in header.split("; ")}


@pytest.mark.parametrize("path", ["/admin/login/", "/healthz", "/api/v1/incidents/1/", "/nowhere"])
def test_every_response_carries_the_policy(db, path):
    # when
    response = Client().get(path)

    # then
    directives = policy(response)
    assert directives["default-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["connect-src"] == "'self'"
    assert directives["worker-src"] == "'self'"
    assert directives["script-src"].startswith("'self'")
    assert "unsafe-inline" not in directives["script-src"]


def test_the_board_runs_only_kuzets_own_script_and_style(personas):
    # given
    client = Client()
    client.force_login(personas.duty)

    # when
    response = client.get("/board/")

    # then: the script and the style are static files of Kuzet ('self'), no inline code
    directives = policy(response)
    assert directives["script-src"].startswith("'self'")
    html = response.content.decode()
    tags = re.findall(r"<script[^>]*>", html)
    code = [t for t in tags if 'type="application/json"' not in t]
    assert code == ['<script src="/static/realtime/board.js" defer>']
    # the others carry data (the snapshot, the status groups), which a browser never runs
    assert len(tags) >= 2
    assert '<link rel="stylesheet" href="/static/realtime/board.css">' in html
    assert "<style" not in html
    assert "style=" not in html


def test_api_docs_are_served_by_kuzet_itself(personas, settings):
    # given
    settings.KUZET_API_DOCS_PUBLIC = False
    client = Client()
    client.force_login(personas.duty)

    # when
    page = client.get("/api/docs/")

    # then
    html = page.content.decode()
    assert page.status_code == 200
    assert "cdn" not in html.lower()
    assert re.search(
        r'src="/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle\.js"', html
    )
    assert '<script src="/api/docs/?script="></script>' in html
    assert "<script>" not in html


def test_schema_and_docs_are_for_staff_in_production(personas, settings):
    # given
    settings.KUZET_API_DOCS_PUBLIC = False
    _, key = staff_token_issue(user=personas.duty)

    # when
    anonymous_schema = Client().get("/api/schema/", {"format": "json"})
    anonymous_docs = Client().get("/api/docs/")
    officer = Client()
    officer.force_login(personas.a.patrol_officers[0])
    staff_schema = Client().get("/api/schema/", HTTP_AUTHORIZATION=f"Token {key}")

    # then
    assert anonymous_schema.status_code == 401
    assert b'"error":"unauthenticated"' in anonymous_schema.content.replace(b" ", b"")
    assert anonymous_docs.status_code == 302
    assert anonymous_docs["Location"].startswith("/admin/login/?next=/api/docs/")
    assert officer.get("/api/schema/").status_code == 403
    assert staff_schema.status_code == 200
    assert b"openapi" in staff_schema.content


def test_schema_is_public_when_the_setting_says_so(db, settings):
    # given
    settings.KUZET_API_DOCS_PUBLIC = True

    # when
    response = Client().get("/api/schema/")

    # then
    assert response.status_code == 200


def test_a_tile_server_is_the_one_origin_the_policy_adds_for_images():
    # given: a deployment with its own tile server (settings are read at start-up)
    import os
    import subprocess
    import sys

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "backend.config.settings.test",
        "KUZET_MAP_TILE_URL": "https://tiles.police.kz/{z}/{x}/{y}.png",
    }
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.CONTENT_SECURITY_POLICY['DIRECTIVES']['img-src'])"
    )

    # when
    shown = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout

    # then
    assert "https://tiles.police.kz" in shown
    assert "{z}" not in shown
