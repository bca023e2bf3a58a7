"""A console list is titled by what it lists — "Происшествия", "Оқиғалар", "Incidents" — and a
record one may only read by its kind over its name, not by Django's instructions "Select
incident to view" ("Қарау үшін оқиға таңдаңыз") and "View incident", which read like a form."""

from __future__ import annotations

import re

import pytest
from django.contrib import admin
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import override

from backend.people.models import Officer, Role
from tests import factories

pytestmark = pytest.mark.django_db


def _title(html: str) -> str:
    found = re.search(r"<h1>(.*?)</h1>", html, re.S)
    assert found is not None
    return found.group(1).strip()


@pytest.mark.parametrize(
    ("language", "title"), [("ru", "Происшествия"), ("kk", "Оқиғалар"), ("en", "Incidents")]
)
def test_the_incident_list_is_titled_by_what_it_lists(client, personas, language, title):
    chief = personas.a.chief
    chief.language = language
    chief.save(update_fields=["language"])
    client.force_login(chief)

    html = client.get(reverse("admin:dispatch_incident_changelist")).content.decode()

    assert _title(html) == title
    assert f"<title>{title} | Kuzet" in html


def test_every_kuzet_list_is_titled_by_its_plural(client, personas):
    root = Officer.objects.create_superuser(
        username="root",
        password="pw-root",
        role=Role.OBLAST_ADMIN,
        oblast=personas.a.district.oblast,
    )
    client.force_login(root)
    ours = [m for m in admin.site._registry if m.__module__.startswith("backend.")]
    assert len(ours) > 15

    for model in ours:
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        html = client.get(url).content.decode()
        with override("ru"):
            plural = capfirst(str(model._meta.verbose_name_plural))
        assert _title(html) == plural, url


@pytest.mark.parametrize(
    ("language", "title"), [("ru", "Происшествие"), ("kk", "Оқиға"), ("en", "Incident")]
)
def test_a_call_the_desk_reads_is_titled_by_its_kind_over_its_name(
    client, personas, language, title
):
    # given: a duty officer, who reads an incident's record and acts through its panel
    incident = factories.incident(district=personas.a.district, settlement=personas.a.village)
    duty = personas.duty
    duty.language = language
    duty.save(update_fields=["language"])
    client.force_login(duty)

    # when
    html = client.get(
        reverse("admin:dispatch_incident_change", args=[incident.pk])
    ).content.decode()

    # then: "Происшествие" over "1036-… Кража (P2)", not "Просмотреть происшествие"
    assert _title(html) == title
    subtitle = re.search(r"<h2>(.*?)</h2>", html, re.S)
    assert subtitle is not None
    with override(language):
        assert subtitle.group(1).strip() == str(incident)


def test_a_popup_that_picks_a_record_keeps_its_instruction(client, personas):
    chief = personas.a.chief
    chief.language = "en"
    chief.save(update_fields=["language"])
    client.force_login(chief)

    html = client.get(
        reverse("admin:geo_settlement_changelist"), {"_popup": "1", "_to_field": "id"}
    ).content.decode()

    assert _title(html).startswith("Select settlement")
