"""The superuser reads the console's third-party apps in Kazakh and in Russian: on the home
page, in the sidebar, on each app's index and on the lists of their models (the title, the
columns, the filters). They read "Authentication and Authorization", "Axes", "access
attempts", "Attempt Time", "Locked Out" in English: django-axes names its app nothing and has
no Kazakh, and Django's Kazakh leaves the auth app's name empty
(backend/common/third_party_apps.py). Screenshots: ``var/third_party_names/``."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings

from tests.e2e.processes import server_superuser

pytest.importorskip("playwright.sync_api", reason="the playwright package is missing")

pytestmark = [pytest.mark.slow, pytest.mark.browser]

SHOTS = Path(settings.BASE_DIR) / "var" / "third_party_names"
PASSWORD = "names-root-417"

# The pages of the apps that are not Kuzet's: Django's groups, axes' sign-ins. (Staff API
# tokens are django-rest-knox's, listed by Kuzet's own admin: backend/dispatch/admin.)
PAGES = {
    "home": "/admin/",
    "auth": "/admin/auth/",
    "groups": "/admin/auth/group/",
    "axes": "/admin/axes/",
    "attempts": "/admin/axes/accessattempt/",
    "logs": "/admin/axes/accesslog/",
    "failures": "/admin/axes/accessfailurelog/",
}
# What names a thing on those pages (not the rows' data: usernames, addresses, paths): the
# app list of the home page and an app's index, the sidebar, the title, a list's columns and
# its filters' titles, and an attempt's status cell.
NAMES = (
    ".module caption, .module th[scope=row], #content > h1, #result_list thead th, "
    "#changelist-filter h3, #changelist-filter summary, td.field-status"
)
# Latin words that are not English to a reader: the product's name, the message channel's,
# the IP of an address and the API of a staff token, written so in Russian and Kazakh too
# (upper case: the admin's captions and columns are set in capitals).
ALLOWED = {"KUZET", "SMS", "SOS", "IP", "API"}
LATIN = re.compile(r"[A-Za-z]{2,}")


def sign_ins() -> None:
    """One of each axes record, so that every list shows its columns."""
    who = {"ip_address": "10.0.0.7", "user_agent": "Firefox", "http_accept": "text/html"}
    AccessAttempt.objects.create(
        username="chief_a", path_info="/admin/login/", failures_since_start=2, **who
    )
    AccessLog.objects.create(username="chief_a", path_info="/admin/login/", **who)
    AccessFailureLog.objects.create(
        username="chief_a", path_info="/admin/login/", locked_out=False, **who
    )


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_the_superuser_reads_the_third_party_apps_in_his_language(
    server, browser, personas, language
):
    # given: the superuser, in his language, and a few sign-ins
    root = server_superuser(
        "root_names", password=PASSWORD, oblast=personas.a.district.oblast, language=language
    )
    sign_ins()
    page = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    page.goto(f"{server}/admin/login/")
    page.fill("#id_username", root.username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_load_state()
    SHOTS.mkdir(parents=True, exist_ok=True)

    # when: he opens each third-party page, the home page first
    english: dict[str, list[str]] = {}
    for name, path in PAGES.items():
        page.goto(f"{server}{path}")
        assert page.locator("#content").count() == 1, (name, page.url)
        page.screenshot(path=str(SHOTS / f"{name}-{language}.png"), full_page=True)
        texts = page.locator(NAMES).all_inner_texts()
        words = {w for text in texts for w in LATIN.findall(text) if w.upper() not in ALLOWED}
        if words:
            english[name] = [t for t in texts if LATIN.search(t) and set(LATIN.findall(t)) & words]

    # then: every app, model, column and filter is named in his language
    assert page.locator("#nav-sidebar").count() == 1  # the sidebar was read on the lists
    assert english == {}
