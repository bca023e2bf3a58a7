"""The console's districts and settlements, as the okrugs already were, are named as the
reader's language writes them: a Kazakh chief read "Аягозский район", its seat "Аягоз" and
the village "Актогай" (the KATO extract's Russian) under Kazakh headings, and typing
"Аягөз" or "Ақтоғай" into their search, or into the call page's village picker, found
nothing. A Russian reader keeps the KATO names."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests import factories

from .test_okrug_names import first_column
from .test_place_names import column, reading

pytestmark = pytest.mark.django_db


@pytest.fixture
def kazakh_names(personas):
    a = personas.a
    a.district.name_kk = "Аягөз ауданы"
    a.district.save(update_fields=["name_kk"])
    a.town.name_kk = "Аягөз"  # the district's seat
    a.town.save(update_fields=["name_kk"])
    a.village.name_kk = "Ақтоғай"
    a.village.save(update_fields=["name_kk"])
    return a


def filter_choice(page: str, parameter: str, pk: int) -> str:
    """The text of a list filter's link to ``?<parameter>=<pk>``."""
    found = re.search(rf'<a href="\?[^"]*{parameter}={pk}\b[^"]*"[^>]*>(.*?)</a>', page, re.S)
    assert found is not None, parameter
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(1)).split())


@pytest.mark.parametrize(
    ("language", "district", "seat"),
    [("kk", "Аягөз ауданы", "Аягөз"), ("ru", "Аягозский район", "Аягоз")],
)
def test_the_districts_list_names_the_district_and_its_seat_in_the_readers_language(
    client, kazakh_names, language, district, seat
):
    # given
    client.force_login(reading(kazakh_names.chief, language))

    # when
    page = client.get(reverse("admin:geo_district_changelist")).content.decode()

    # then
    assert first_column(page, "local_name") == [district]
    assert column(page, "seat_local_name") == [seat]


@pytest.mark.parametrize(
    ("language", "village", "town", "district"),
    [
        ("kk", "Ақтоғай", "Аягөз", "Аягөз ауданы"),
        ("ru", "Актогай", "Аягоз", "Аягозский район"),
    ],
)
def test_the_settlements_list_names_them_in_the_readers_language(
    client, personas, kazakh_names, language, village, town, district
):
    # given: the oblast's duty officer, who has the district filter
    client.force_login(reading(personas.duty, language))

    # when
    page = client.get(reverse("admin:geo_settlement_changelist")).content.decode()

    # then: district A's two rows, the district's column and its filter
    names = first_column(page, "local_name")
    assert {village, town} <= set(names)
    assert column(page, "district")[names.index(village)] == district
    assert filter_choice(page, "district__id__exact", kazakh_names.district.pk) == district


@pytest.mark.parametrize(
    ("url", "term", "found"),
    [
        ("admin:geo_district_changelist", "Аягөз", "Аягөз ауданы"),
        ("admin:geo_settlement_changelist", "Ақтоғай", "Ақтоғай"),
    ],
)
def test_a_kazakh_chief_finds_a_district_or_village_by_its_kazakh_name(
    client, kazakh_names, url, term, found
):
    # given
    client.force_login(reading(kazakh_names.chief, "kk"))

    # when
    page = client.get(reverse(url), {"q": term}).content.decode()

    # then
    assert first_column(page, "local_name") == [found]


def test_a_kazakh_chief_finds_the_village_of_a_call_by_its_kazakh_name(client, kazakh_names):
    # given
    client.force_login(reading(kazakh_names.chief, "kk"))

    # when: the call page's village picker
    found = client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "dispatch",
            "model_name": "incident",
            "field_name": "settlement",
            "term": "Ақтоғай",
        },
    ).json()["results"]

    # then
    assert found == [{"id": str(kazakh_names.village.pk), "text": "Ақтоғай"}]


def test_a_kazakh_chief_finds_the_calls_of_a_village_by_its_kazakh_name(client, kazakh_names):
    # given: a call in the village
    call = factories.incident(district=kazakh_names.district, settlement=kazakh_names.village)
    client.force_login(reading(kazakh_names.chief, "kk"))

    # when: the calls' list searched for the village's Kazakh name
    page = client.get(reverse("admin:dispatch_incident_changelist"), {"q": "Ақтоғай"})

    # then
    assert [i.pk for i in page.context["cl"].result_list] == [call.pk]
