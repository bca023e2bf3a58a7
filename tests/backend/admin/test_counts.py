"""A console list says how many records it holds as its language counts them: Russian's
"0 конфликтов", "2 происшествия", "5 происшествий"; Kazakh's singular after a number
("5 оқиға"); English's "1 audit entry". Django wrote "0 конфликты", "5 оқиғалар",
"3 audit log"."""

from __future__ import annotations

import re

import pytest
from django.contrib import admin
from django.urls import reverse
from django.utils import translation

from backend.people.counts import COUNTED, counted
from tests import factories

pytestmark = pytest.mark.django_db


def test_every_kuzet_list_counts_in_words():
    # Django's own and the libraries' models (groups, tokens, axes' logs) are a superuser's.
    ours = {
        model._meta.label_lower
        for model in admin.site._registry
        if model.__module__.startswith("backend.")
    }
    assert ours == set(COUNTED)


@pytest.mark.parametrize(
    ("language", "count", "words"),
    [
        ("ru", 0, "0 происшествий"),
        ("ru", 1, "1 происшествие"),
        ("ru", 2, "2 происшествия"),
        ("ru", 5, "5 происшествий"),
        ("ru", 21, "21 происшествие"),
        ("kk", 1, "1 оқиға"),
        ("kk", 5, "5 оқиға"),
        ("en", 1, "1 incident"),
        ("en", 5, "5 incidents"),
    ],
)
def test_a_count_takes_the_form_its_number_needs(language, count, words):
    with translation.override(language):
        assert counted("dispatch.incident", count) == words


@pytest.mark.parametrize(
    ("language", "words"), [("ru", "5 происшествий"), ("kk", "5 оқиға"), ("en", "5 incidents")]
)
def test_the_incident_list_says_how_many_calls_it_shows(client, personas, language, words):
    # given
    for _ in range(5):
        factories.incident(district=personas.a.district, settlement=personas.a.village)
    chief = personas.a.chief
    chief.language = language
    chief.save(update_fields=["language"])
    client.force_login(chief)

    # when
    page = client.get(reverse("admin:dispatch_incident_changelist")).content.decode()

    # then
    paginator = re.search(r'<p class="paginator">(.*?)</p>', page, re.S)
    assert paginator is not None
    assert words in " ".join(paginator.group(1).split())
