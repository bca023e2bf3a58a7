"""A Russian (or English) reader finds districts, rural okrugs and villages in the Russian
alphabet's order — Ё read as Е, case ignored — in the console's lists and pickers and in the
reports' pickers, tables and downloads. They were in the database's default order: on
PostgreSQL with C.UTF-8 code points, "Ёлкино" before "Белтерек" (Ё is U+0401) and the KATO's
lowercase names ("район Ақсуат", "с.о.им.Койгельды Аухадиева") after every capitalised one; the
reports' own sorts put Ёлкино after the Е's, as the Kazakh alphabet does. A Kazakh reader
keeps the Kazakh alphabet, Ё a letter after Е. Names are the Abai oblast KATO's, but Ёлкино and
its okrug (the oblast's KATO has no Ё)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import translation

from backend.geo import names as alphabets
from backend.geo import seeding
from backend.geo.models import Settlement
from backend.reports import selectors
from backend.reports.filters import ReportFilterForm, last_days
from tests import factories

from .dataset import NOW, local
from .test_kazakh_name_order import district_lists, reading, settlements_listed
from .test_kpi_figures import district_filter
from .test_pages import csv_rows, get, table_cells

pytestmark = pytest.mark.django_db

# By code point Ёлкино came first, and the hyphen and the lowercase "с." of the okrugs below
# sorted as bytes.
VILLAGES = ["Егинсу", "Бель-Агач", "Жарык", "Емелтау", "Ёлкино", "Белтерек", "Елтай"]
RU_ORDER = ["Белтерек", "Бель-Агач", "Егинсу", "Ёлкино", "Елтай", "Емелтау", "Жарык"]
# The Kazakh alphabet's Ё is a letter of its own, after Е.
KK_ORDER = ["Белтерек", "Бель-Агач", "Егинсу", "Елтай", "Емелтау", "Ёлкино", "Жарык"]


@pytest.fixture
def villages(personas):
    """Seven villages of district A, in a rural okrug of their own (no Kazakh names)."""
    okrug = factories.okrug(district=personas.a.district, kato="103670000", name="Егинсуский с.о.")
    return [
        factories.settlement(
            okrug=okrug, kato=f"10367{i}100", name=name, lat=47.0 + i / 10, lon=80.0
        )
        for i, name in enumerate(VILLAGES)
    ]


@pytest.mark.parametrize(
    ("language", "order"), [("ru", RU_ORDER), ("en", RU_ORDER), ("kk", KK_ORDER)]
)
def test_the_models_order_places_in_the_readers_alphabet(villages, language, order):
    # when
    with translation.override(language):
        names = [s.local_name for s in Settlement.objects.filter(okrug=villages[0].okrug)]

    # then
    assert names == order


@pytest.mark.parametrize("language", ["ru", "en"])
def test_the_settlements_list_of_a_russian_chief_is_in_russian_order(
    client, personas, villages, language
):
    # when
    listed, by_column = settlements_listed(client, personas.a.chief, language, villages[0].okrug_id)

    # then
    assert listed == RU_ORDER
    assert by_column == RU_ORDER[::-1]


@pytest.fixture
def okrugs(personas, villages):
    """District A's okrugs: its seat's, the villages', Ёлкино's, and four more of the KATO's —
    one with a hyphen, one written from a lowercase "с.о." (Кокпекты district's)."""
    district = personas.a.district
    for kato, name in [
        ("103680000", "с.о.им.Койгельды Аухадиева"),
        ("103690000", "Бель-Агачский с.о."),
        ("103700000", "Тарбагатайский с.о"),
        ("103710000", "Елтайский с.о."),
        ("103720000", "Ёлкинский с.о."),
    ]:
        factories.okrug(district=district, kato=kato, name=name)
    return [
        "Аягоз г.а.",
        "Бель-Агачский с.о.",
        "Егинсуский с.о.",
        "Ёлкинский с.о.",
        "Елтайский с.о.",
        "с.о.им.Койгельды Аухадиева",
        "Тарбагатайский с.о",
    ]


def test_the_settlements_okrug_picker_is_in_russian_order(client, personas, okrugs):
    # given
    client.force_login(reading(personas.a.chief, "ru"))

    # when: the settlement page's okrug picker (autocomplete)
    found = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "geo", "model_name": "settlement", "field_name": "okrug", "term": ""},
    ).json()["results"]

    # then
    assert [r["text"] for r in found] == okrugs


def test_the_reports_okrug_picker_is_in_russian_order(personas, okrugs):
    # when
    with translation.override("ru"):
        form = ReportFilterForm({}, user=personas.a.chief, default_period=last_days())
        choices = [name for _pk, name in form.fields["okrug"].choices][1:]

    # then
    assert choices == okrugs


@pytest.fixture
def oblast_districts(personas):
    """Districts A (Аягозский) and B (Абайский), and three more of the KATO's, one of them
    written from a lowercase "район"."""
    oblast = personas.a.district.oblast
    factories.district(kato="101800000", name="район Ақсуат", oblast=oblast)
    factories.district(kato="103400000", name="Бескарагайский район", oblast=oblast)
    factories.district(kato="104200000", name="Урджарский район", oblast=oblast)
    return [
        "Абайский район",
        "Аягозский район",
        "Бескарагайский район",
        "район Ақсуат",
        "Урджарский район",
    ]


@pytest.mark.parametrize("language", ["ru", "en"])
def test_the_districts_list_and_the_reports_district_picker_are_in_russian_order(
    client, personas, oblast_districts, language
):
    # when
    listed, picked, options = district_lists(client, personas.oblast_admin, language)

    # then
    assert listed == picked == options == oblast_districts


def test_villages_of_one_rank_are_in_russian_order_in_the_report_and_its_download(
    client, personas, villages
):
    # given: one P3 call in each village (no target, nobody needed: one rank)
    a = personas.a
    for i, place in enumerate(villages):
        factories.incident(
            district=a.district, settlement=place, priority="P3", received_at=local(10 + i, 9)
        )
    chief = reading(a.chief, "ru")
    okrug = villages[0].okrug_id

    # when
    with translation.override("ru"):
        rows = selectors.villages(district_filter(personas), now=NOW)
    page = get(client, chief, "reports_villages", okrug=okrug).content.decode()
    export = csv_rows(get(client, chief, "reports_villages", okrug=okrug, csv="villages"))

    # then
    assert [v.name for v in rows] == RU_ORDER
    assert [row[1] for row in table_cells(page, "villages")] == RU_ORDER
    assert [row[1] for row in export[1:]] == RU_ORDER


ICU_ORDER = {
    "ru-x-icu": 'SELECT n FROM unnest(%s::text[]) n ORDER BY n COLLATE "ru-x-icu", n',
    "kk-x-icu": 'SELECT n FROM unnest(%s::text[]) n ORDER BY n COLLATE "kk-x-icu", n',
}


@pytest.mark.postgres
@pytest.mark.parametrize(
    "alphabet", [alphabets.RUSSIAN, alphabets.KAZAKH], ids=lambda a: a.collation
)
def test_the_sqlite_and_python_order_is_postgresqls_icu_order(alphabet):
    """Every name of the oblast's KATO, Russian and Kazakh, and a few with marks, digits and
    Latin: sorted by the key SQLite's collation and the reports' sorts use, as PostgreSQL's
    ICU collation sorts them."""
    # given
    rows = seeding.read_rows()
    shown = {n for r in rows for n in (r.district_name, r.okrug_name, r.centre_name)}
    shown |= set(seeding.read_kazakh_names().values())
    shown |= {"Ёлкино", "ёлкино", "Елкино", "ель", "Ель", "Ак Су", "Ак-Су", "Ак.Су", "«Заря»"}
    shown |= {"1 Мая", "10 лет", "A-PC9", "KOK-PC1", "Іле", "Үржар", "Уржар", "Ұлан"}

    # when
    with connection.cursor() as cursor:
        cursor.execute(ICU_ORDER[alphabet.collation], [sorted(shown)])
        by_icu = [n for (n,) in cursor.fetchall()]

    # then
    assert sorted(shown, key=lambda n: (alphabets.collation_key(n, alphabet), n)) == by_icu
