"""Rural okrugs have Kazakh names too (fixtures/abai_oblast_kk.csv, keyed by the okrug's KATO
code): a Kazakh reader read "Абралинский с.о." where the official Kazakh is "Абыралы
ауылдық округі". The seed gives every okrug of the extract one — to a new database and to
one seeded before okrugs had Kazakh names — and keeps a name someone corrected."""

from __future__ import annotations

import pytest
from django.utils import translation

from backend.geo.models import Okrug, Settlement
from backend.geo.seeding import read_kazakh_names, read_rows, seed_territory

pytestmark = pytest.mark.django_db

# The Kazakh forms of an okrug: a rural okrug, a town (or city) and a settlement-type
# ("п.а.", посёлковая администрация) one.
KAZAKH_FORMS = (" ауылдық округі", " қаласы", " кенті")


def test_every_okrug_of_the_extract_gets_its_kazakh_name():
    # when
    seed_territory()

    # then
    katos = {r.okrug_kato for r in read_rows()}
    names = dict(Okrug.objects.filter(kato__in=katos).values_list("kato", "name_kk"))
    assert set(names) == katos
    assert [kato for kato, name in names.items() if not name.endswith(KAZAKH_FORMS)] == []
    assert names["101033000"] == "Абыралы ауылдық округі"
    assert names["104445000"] == "Қойгелді Аухадиев атындағы ауылдық округі"
    assert names["101063000"] == "Шаған кенті"
    assert names["103620000"] == "Аягөз қаласы"


def test_a_city_that_is_its_own_okrug_is_named_as_a_city_and_its_settlement_is_not():
    # given: г.Семей and г.Курчатов are okrugs whose code is the city's own
    seed_territory()

    # when
    okrugs = dict(
        Okrug.objects.filter(kato__in=["101010000", "101810000"]).values_list("kato", "name_kk")
    )
    cities = dict(
        Settlement.objects.filter(kato__in=["101010000", "101810000"]).values_list(
            "kato", "name_kk"
        )
    )

    # then
    assert okrugs == {"101010000": "Семей қаласы", "101810000": "Курчатов қаласы"}
    assert cities == {"101010000": "Семей", "101810000": "Курчатов"}


def test_a_database_seeded_before_okrugs_had_kazakh_names_gets_them_and_keeps_corrections():
    # given: seeded when okrugs had no Kazakh name; one of them named by hand since
    seed_territory()
    Okrug.objects.update(name_kk="")
    Okrug.objects.filter(kato="101033000").update(name_kk="Абыралы ауылдық округі (түзетілген)")

    # when
    again = seed_territory()

    # then: every other okrug named, the correction kept, and a third seed changes nothing
    total = len({r.okrug_kato for r in read_rows()})
    assert again.created == {"kazakh_names": total - 1}
    assert not Okrug.objects.filter(name_kk="").exists()
    assert Okrug.objects.get(kato="101033000").name_kk == "Абыралы ауылдық округі (түзетілген)"
    assert seed_territory().created == {}


def test_the_fixture_names_no_okrug_the_extract_does_not_have():
    # given
    rows = read_rows()
    known = {r.okrug_kato for r in rows} | {r.centre_kato for r in rows}
    known |= {r.district_kato for r in rows}

    # then
    assert set(read_kazakh_names()) <= known


def test_an_okrug_reads_in_kazakh_for_a_kazakh_reader_only():
    # given
    seed_territory()
    okrug = Okrug.objects.get(kato="101033000")

    # then
    with translation.override("kk"):
        assert str(okrug) == "Абыралы ауылдық округі"
    for language in ("ru", "en"):
        with translation.override(language):
            assert str(okrug) == "Абралинский с.о."
