"""The console names a rural okrug as the reader's language writes it — the okrugs' own list,
the okrug column of the units' and settlements' lists, and the okrug picker of a unit or a
settlement (autocomplete), where a Kazakh chief may also type the Kazakh name."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from .test_place_names import column, reading

pytestmark = pytest.mark.django_db


def first_column(page: str, name: str) -> list[str]:
    """A list's first column (the link to the row's page, a ``<th>``)."""
    return [
        " ".join(re.sub(r"<[^>]+>", " ", cell).split())
        for cell in re.findall(rf'<th class="field-{name}[^"]*">(.*?)</th>', page, re.S)
    ]


@pytest.fixture
def okrug(personas):
    okrug = personas.a.okrug
    okrug.name_kk = "Аягөз қаласы"
    okrug.save(update_fields=["name_kk"])
    return okrug


@pytest.mark.parametrize(("language", "name"), [("kk", "Аягөз қаласы"), ("ru", "Аягоз г.а.")])
def test_the_console_lists_name_the_okrug_in_the_readers_language(
    client, personas, okrug, language, name
):
    # given
    client.force_login(reading(personas.a.chief, language))

    # when
    okrugs = client.get(reverse("admin:geo_okrug_changelist")).content.decode()
    units = client.get(reverse("admin:people_unit_changelist")).content.decode()
    settlements = client.get(reverse("admin:geo_settlement_changelist")).content.decode()

    # then
    assert first_column(okrugs, "local_name") == [name]
    assert sorted(column(units, "okrug")) == [name, "—"]  # the patrol car has no okrug
    assert column(settlements, "okrug") == [name, name]


def test_a_kazakh_chief_finds_the_okrug_by_its_kazakh_name_and_reads_it_so(client, personas, okrug):
    # given
    client.force_login(reading(personas.a.chief, "kk"))

    # when
    found = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "people", "model_name": "unit", "field_name": "okrug", "term": "Аягөз"},
    ).json()["results"]

    # then
    assert found == [{"id": str(okrug.pk), "text": "Аягөз қаласы"}]
