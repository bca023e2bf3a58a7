"""Every page of the console a district chief and the oblast administrator open, read in
Kazakh (and Russian), has no English left in it: each model's list, a record's page and its history.
(Callsigns, logins, codes a person types — A-PC1, chief_a, ЕРДР — are not words to translate.)"""

from __future__ import annotations

import html
import re

import pytest
from django.contrib import admin
from django.contrib.admin.utils import quote
from django.test import RequestFactory
from django.urls import reverse

pytestmark = pytest.mark.django_db

# Two or more English words in a row: a sentence or a label left untranslated.
ENGLISH = re.compile(r"\b[A-Za-z][a-z]{2,}(?:[ '’-][A-Za-z]?[a-z]{1,})+\b")
# Text that is English by nature: names of things, not words for a reader.
NOT_WORDS = {"Kuzet", "Django", "oblast level"}  # the last: the test world's own audit action


def visible_text(page: str) -> list[str]:
    main = page.split('id="content-main"', 1)[-1]
    main = re.sub(r"<(script|style)\b.*?</\1>", " ", main, flags=re.S)
    main = re.sub(r"<[^>]+>", "\n", main)  # attribute values go with their tags
    return [line.strip() for line in html.unescape(main).splitlines() if line.strip()]


def english_on(client, url: str) -> list[str]:
    response = client.get(url)
    assert response.status_code == 200, url
    return [
        phrase
        for line in visible_text(response.content.decode())
        # ids and codes with digits in them (evt-a-000000000001, A-PC1) are not words
        for phrase in ENGLISH.findall(re.sub(r"\S*\d\S*", " ", line))
        if phrase not in NOT_WORDS
    ]


@pytest.mark.parametrize(
    ("who", "language"), [("chief_a", "kk"), ("oblast_admin", "kk"), ("oblast_admin", "ru")]
)
def test_the_console_in_kazakh_and_russian_has_no_english_left(client, world, who, language):
    # given
    viewer = world.user(who)
    viewer.language = language
    viewer.save(update_fields=["language"])
    client.force_login(viewer)
    found: dict[str, list[str]] = {}

    # when: every model's list, its first record's page and that record's history
    request = RequestFactory().get("/admin/")
    request.user = viewer
    for model, model_admin in admin.site._registry.items():
        if not model_admin.has_view_permission(request):
            continue
        meta = model._meta
        changelist = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
        urls = [changelist]
        record = model_admin.get_queryset(request).first()
        if record is not None:
            pk = quote(record.pk)  # as the admin writes ids in its addresses
            urls += [
                reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[pk]),
                reverse(f"admin:{meta.app_label}_{meta.model_name}_history", args=[pk]),
            ]
        for url in urls:
            if phrases := english_on(client, url):
                found[url] = sorted(set(phrases))

    # then
    assert found == {}, "\n".join(f"{u}: {p}" for u, p in found.items())
