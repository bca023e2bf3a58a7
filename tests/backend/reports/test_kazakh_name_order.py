"""A reader of Kazakh finds districts, rural okrugs and villages in the order of the names he
reads — the Kazakh ones, in the Kazakh alphabet (Қ after К, Ү after У) — in the reports'
pickers and tables and in the console's lists, filters and autocomplete pickers. They were
ordered by the KATO's Russian: "Қалбатау" (Георгиевка) came first, before "Жаңғызтөбе", and
the lists read in Kazakh were in no order a Kazakh reader knows. A Russian reader keeps the
Russian order; a place with no Kazakh name known sorts by its Russian one."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import translation

from backend.geo.models import District, Okrug, Settlement
from backend.reports import selectors
from backend.reports.filters import ReportFilterForm, last_days
from tests import factories

from .dataset import NOW, local
from .test_kpi_figures import district_filter
from .test_pages import get, table_cells

pytestmark = pytest.mark.django_db

# (Russian, Kazakh): the Russian order is the first column's, the Kazakh the second's; by code
# point "Қалбатау" would come after "Шар" (Қ is U+049A).
VILLAGES = [
    ("Георгиевка", "Қалбатау"),
    ("Жангизтобе", "Жаңғызтөбе"),
    ("Кокпекты", "Көкпекті"),
    ("Чарск", "Шар"),
]
KK_ORDER = ["Жаңғызтөбе", "Көкпекті", "Қалбатау", "Шар"]
RU_ORDER = ["Георгиевка", "Жангизтобе", "Кокпекты", "Чарск"]


def reading(officer, language):
    officer.language = language
    officer.save(update_fields=["language"])
    return officer


@pytest.fixture
def villages(personas):
    """Four villages of district A, in a rural okrug of their own."""
    a = personas.a
    okrug = factories.okrug(
        district=a.district, kato="103670000", name="Жангизтобинский с.о.", name_kk="Жаңғызтөбе"
    )
    return [
        factories.settlement(
            okrug=okrug, kato=f"10367{i}100", name=ru, name_kk=kk, lat=47.0 + i / 10, lon=80.0
        )
        for i, (ru, kk) in enumerate(VILLAGES)
    ]


def first_column(page: str, name: str) -> list[str]:
    return [
        " ".join(re.sub(r"<[^>]+>", " ", cell).split())
        for cell in re.findall(rf'<th class="field-{name}[^"]*">(.*?)</th>', page, re.S)
    ]


@pytest.mark.parametrize(("language", "order"), [("kk", KK_ORDER), ("ru", RU_ORDER)])
def test_the_models_order_places_by_the_name_the_reader_reads(villages, language, order):
    # when
    with translation.override(language):
        names = [s.local_name for s in Settlement.objects.filter(okrug=villages[0].okrug)]

    # then
    assert names == order


def test_a_place_without_a_kazakh_name_sorts_by_its_russian_one(villages):
    # given: Георгиевка's Kazakh name unknown
    Settlement.objects.filter(pk=villages[0].pk).update(name_kk="")

    # when
    with translation.override("kk"):
        names = [s.local_name for s in Settlement.objects.filter(okrug=villages[0].okrug)]

    # then
    assert names == ["Георгиевка", "Жаңғызтөбе", "Көкпекті", "Шар"]


def settlements_listed(client, chief, language, okrug_id):
    """One okrug's villages in the console's list as ``chief`` reading ``language`` sees them:
    as it opens, and by the name column descending."""
    client.force_login(reading(chief, language))
    url = reverse("admin:geo_settlement_changelist")
    page = client.get(url, {"okrug__id__exact": okrug_id}).content.decode()
    by_column = client.get(url, {"okrug__id__exact": okrug_id, "o": "-0"}).content.decode()
    return first_column(page, "local_name"), first_column(by_column, "local_name")


def test_the_settlements_list_of_a_kazakh_chief_is_in_kazakh_order(client, personas, villages):
    # when
    listed, by_column = settlements_listed(client, personas.a.chief, "kk", villages[0].okrug_id)

    # then
    assert listed == KK_ORDER
    assert by_column == KK_ORDER[::-1]


def test_the_settlements_okrug_picker_is_in_kazakh_order(client, personas, villages):
    # given: a second okrug whose Russian name sorts first and whose Kazakh one last
    a = personas.a
    factories.okrug(district=a.district, kato="103680000", name="Абралинский с.о.",
                    name_kk="Шар ауылдық округі")  # fmt: skip
    Okrug.objects.filter(pk=a.okrug.pk).update(name_kk="Аягөз қаласы")
    client.force_login(reading(a.chief, "kk"))

    # when: the settlement page's okrug picker (autocomplete)
    found = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "geo", "model_name": "settlement", "field_name": "okrug", "term": ""},
    ).json()["results"]

    # then
    assert [r["text"] for r in found] == ["Аягөз қаласы", "Жаңғызтөбе", "Шар ауылдық округі"]


@pytest.fixture
def oblast_districts(personas):
    """District A and B by their Kazakh names, and a third whose Russian name sorts between
    them and whose Kazakh one last."""
    District.objects.filter(pk=personas.a.district.pk).update(name_kk="Аягөз ауданы")
    District.objects.filter(pk=personas.b.district.pk).update(name_kk="Абай ауданы")
    factories.district(kato="103800000", name="Абралинский район", name_kk="Қалбатау ауданы",
                       oblast=personas.a.district.oblast)  # fmt: skip
    return ["Абай ауданы", "Аягөз ауданы", "Қалбатау ауданы"]


def district_lists(client, admin, language):
    """The districts as ``admin`` reading ``language`` finds them: the console's list, the
    reports' district picker, and the villages page's district select."""
    admin = reading(admin, language)
    client.force_login(admin)
    listed = client.get(reverse("admin:geo_district_changelist")).content.decode()
    with translation.override(language):
        form = ReportFilterForm({}, user=admin, default_period=last_days())
        picked = [name for _pk, name in form.district_choices]
    page = get(client, admin, "reports_villages").content.decode()
    options = re.findall(
        r"<option value=\"\d+\"[^>]*>([^<]*)</option>",
        page.split('id="id_district"', 1)[1].split("</select>", 1)[0],
    )
    return first_column(listed, "local_name"), picked, options


def test_the_districts_list_and_the_reports_district_picker_are_in_kazakh_order(
    client, personas, oblast_districts
):
    # when
    listed, picked, options = district_lists(client, personas.oblast_admin, "kk")

    # then
    assert listed == picked == options == oblast_districts


def test_the_reports_okrug_picker_is_in_kazakh_alphabet_order(personas, villages):
    # given: okrugs whose Kazakh names differ in a Kazakh letter only
    a = personas.a
    Okrug.objects.filter(pk=a.okrug.pk).update(name_kk="Қайнар")
    factories.okrug(district=a.district, kato="103690000", name="Лебяжинский с.о.",
                    name_kk="Лебяжі")  # fmt: skip

    # when
    with translation.override("kk"):
        form = ReportFilterForm({}, user=a.chief, default_period=last_days())
        choices = [name for _pk, name in form.fields["okrug"].choices][1:]

    # then: Қ between Ж and Л, not after Л as by code point
    assert choices == ["Жаңғызтөбе", "Қайнар", "Лебяжі"]


def test_villages_of_one_rank_are_in_kazakh_alphabet_order_in_the_report(
    client, personas, villages
):
    # given: one P3 call in each village (no target, nobody needed: one rank)
    a = personas.a
    for i, place in enumerate(villages):
        factories.incident(
            district=a.district, settlement=place, priority="P3", received_at=local(10 + i, 9)
        )
    chief = reading(a.chief, "kk")

    # when
    with translation.override("kk"):
        rows = selectors.villages(district_filter(personas), now=NOW)
    page = get(client, chief, "reports_villages", okrug=villages[0].okrug_id).content.decode()

    # then
    assert [v.name for v in rows] == KK_ORDER
    assert [row[1] for row in table_cells(page, "villages")] == KK_ORDER
