"""Places as the reader's language writes them: a Kazakh reader sees "Аягөз ауданы" and
"Ақтоғай" where the KATO extract (Russian) says "Аягозский район" and "Актогай" — on the
console's lists and filters, the chief's reports and the live board; a Russian or English
reader keeps the KATO names, and a place with no Kazakh name known keeps its Russian one."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import translation

from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def kazakh_names(personas):
    a = personas.a
    a.district.name_kk = "Аягөз ауданы"
    a.district.save(update_fields=["name_kk"])
    a.village.name_kk = "Ақтоғай"
    a.village.save(update_fields=["name_kk"])
    return a


def reading(officer, language):
    officer.language = language
    officer.save(update_fields=["language"])
    return officer


def column(page: str, name: str) -> list[str]:
    return [
        " ".join(re.sub(r"<[^>]+>", " ", cell).split())
        for cell in re.findall(rf'<td class="field-{name}[^"]*">(.*?)</td>', page, re.S)
    ]


def test_a_place_is_named_in_kazakh_for_a_kazakh_reader_only(kazakh_names):
    a = kazakh_names
    with translation.override("kk"):
        assert (str(a.district), str(a.village), str(a.town)) == (
            "Аягөз ауданы",
            "Ақтоғай",
            a.town.name,  # no Kazakh name known: the KATO's
        )
    for language in ("ru", "en"):
        with translation.override(language):
            assert (str(a.district), str(a.village)) == (a.district.name, a.village.name)


@pytest.mark.parametrize(
    ("language", "place", "district"),
    [("kk", "Ақтоғай", "Аягөз ауданы"), ("ru", "Актогай", "Аягозский район")],
)
def test_the_incident_list_names_the_place_and_district_in_the_readers_language(
    client, personas, kazakh_names, language, place, district
):
    # given: the oblast's duty officer (a district's chief has no district column)
    a = kazakh_names
    factories.incident(district=a.district, settlement=a.village)
    client.force_login(reading(personas.duty, language))

    # when
    page = client.get(reverse("admin:dispatch_incident_changelist")).content.decode()

    # then
    assert column(page, "place") == [place]
    assert column(page, "district") == [district]


def test_the_villages_report_names_them_in_kazakh_for_a_kazakh_chief(client, kazakh_names):
    # given
    a = kazakh_names
    factories.incident(district=a.district, settlement=a.village)
    client.force_login(reading(a.chief, "kk"))

    # when
    page = client.get(reverse("admin:reports_villages")).content.decode()

    # then
    assert "Ақтоғай" in page
    assert "Аягөз ауданы" in page
    assert "Актогай" not in page


def test_the_board_carries_both_names_and_a_kazakh_reader_is_shown_the_kazakh_one(
    client, kazakh_names
):
    # given
    a = kazakh_names
    call = factories.incident(district=a.district, settlement=a.village)
    client.force_login(reading(a.chief, "kk"))

    # when
    page = client.get(reverse("realtime:board"))
    state = client.get(reverse("realtime:board-state")).json()

    # then
    assert page.context["config"]["kazakh_place_names"] is True
    assert {s["name"] for s in page.context["map"]["settlements"]} == {"Ақтоғай", a.town.name}
    row = next(r for r in state["incidents"] if r["id"] == call.pk)
    assert (row["settlement"], row["settlement_kk"]) == ("Актогай", "Ақтоғай")
    client.force_login(reading(a.chief, "ru"))
    assert client.get(reverse("realtime:board")).context["config"]["kazakh_place_names"] is False


def test_the_kpis_by_settlement_name_them_in_kazakh(client, kazakh_names):
    # given
    a = kazakh_names
    factories.incident(district=a.district, settlement=a.village)
    client.force_login(reading(a.chief, "kk"))

    # when
    page = client.get(reverse("admin:reports_kpis"), {"by": "settlement"}).content.decode()

    # then
    assert "Ақтоғай" in page
    assert "Актогай" not in page


def test_the_call_page_names_its_place_in_kazakh(client, kazakh_names):
    # given
    a = kazakh_names
    call = factories.incident(district=a.district, settlement=a.village, landmark="мектеп жанында")
    client.force_login(reading(a.chief, "kk"))

    # when
    page = client.get(reverse("admin:dispatch_incident_change", args=[call.pk])).content.decode()

    # then: the panel's place
    assert "Ақтоғай — мектеп жанында" in page
