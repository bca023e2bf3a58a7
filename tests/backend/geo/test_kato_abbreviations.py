"""Names as people read them, not as the KATO extract abbreviates them: the city of Semey's
district read "Семей Г.А." (городская администрация) in the login table, the consoles and
the chief's pages, and five okrugs ended in "с.о" where the others end in "с.о.". The seed
names them "город Семей" / "Семей қаласы" and "Токтамысский с.о."; a database seeded with the
old names is given the new (geo 0008), and a name someone changed since keeps it."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import translation

from backend.geo.models import District, Okrug
from backend.geo.seeding import seed_territory
from tests.migrations import migrate_to_latest

BEFORE = [("geo", "0007_oblast_name_kk")]

# An okrug's "с.о." without its final dot, or run into what follows ("с.о.им.").
DOTLESS = re.compile(r"с\.о(?!\.)|с\.о\.\S")


@pytest.mark.django_db
def test_the_seed_names_the_city_administrations_as_cities_in_russian_and_in_kazakh():
    # when
    seed_territory()

    # then
    cities = District.objects.filter(kind=District.Kind.CITY).order_by("kato")
    assert [(d.kato, d.name, d.name_kk) for d in cities] == [
        ("101000000", "город Семей", "Семей қаласы"),
        ("101800000", "город Курчатов", "Курчатов қаласы"),
    ]
    assert not District.objects.filter(name__contains="Г.А.").exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "shown"),
    [("ru", "город Семей"), ("en", "город Семей"), ("kk", "Семей қаласы")],
)
def test_semey_reads_as_a_city_in_the_readers_language(language, shown):
    # given
    seed_territory()
    semey = District.objects.get(kato="101000000")

    # when
    with translation.override(language):
        names = (semey.local_name, str(semey))

    # then
    assert names == (shown, shown)


@pytest.mark.django_db
def test_every_rural_okrug_ends_in_the_same_abbreviation():
    # when
    seed_territory()

    # then
    names = dict(Okrug.objects.values_list("kato", "name"))
    assert [name for name in names.values() if DOTLESS.search(name)] == []
    assert names["103249000"] == "Токтамысский с.о."
    assert names["101049000"] == "Жиеналинский с.о."
    assert names["104445000"] == "с.о. им. Койгельды Аухадиева"


@pytest.mark.django_db(transaction=True)
def test_a_database_seeded_with_the_kato_abbreviations_gets_the_new_names_but_keeps_an_operators():
    # given: seeded with the extract's names; Kurchatov and one okrug renamed by hand since
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    apps = executor.loader.project_state(BEFORE).apps
    old_oblast, old_district, old_okrug = (
        apps.get_model("geo", name) for name in ("Oblast", "District", "Okrug")
    )
    try:
        oblast = old_oblast.objects.create(kato="100000000", name="Абайская область")
        semey = old_district.objects.create(
            oblast=oblast, kato="101000000", name="Семей Г.А.", kind="city", seat_name="Семей"
        )
        old_district.objects.create(
            oblast=oblast,
            kato="101800000",
            name="Курчатов (город)",
            name_kk="Курчатов қ.",
            kind="city",
            seat_name="Курчатов",
        )
        abai = old_district.objects.create(
            oblast=oblast, kato="103200000", name="Абайский район", seat_name="Карааул"
        )
        old_okrug.objects.create(district=semey, kato="101049000", name="Жиеналинский с.о")
        old_okrug.objects.create(district=abai, kato="103249000", name="Токтамысский с.о")
        old_okrug.objects.create(district=abai, kato="103233000", name="Кенгирбай би с.о.")
    finally:
        # when: migrated (also when the arrangement failed: the next tests need the schema)
        migrate_to_latest()

    # then
    districts = list(District.objects.order_by("kato").values_list("kato", "name", "name_kk"))
    assert districts == [
        ("101000000", "город Семей", "Семей қаласы"),
        ("101800000", "Курчатов (город)", "Курчатов қ."),
        ("103200000", "Абайский район", ""),
    ]
    okrugs = list(Okrug.objects.order_by("kato").values_list("kato", "name"))
    assert okrugs == [
        ("101049000", "Жиеналинский с.о."),
        ("103233000", "Кенгирбай би с.о."),
        ("103249000", "Токтамысский с.о."),
    ]
