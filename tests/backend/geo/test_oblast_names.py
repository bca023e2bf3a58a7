"""The oblast has a Russian name and a Kazakh one, as its districts have: it had one, the
Kazakh "Абай облысы", and a Russian reader of the demo logins read it under the seed's own
"Абайская область загружена". A database seeded with the one name is given both (geo 0007);
an oblast named otherwise keeps its name."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import translation

from backend.geo.models import Oblast
from backend.geo.seeding import seed_territory
from tests.migrations import migrate_to_latest

BEFORE = [("geo", "0006_places_in_the_readers_order")]


@pytest.mark.django_db
def test_the_seed_names_the_oblast_in_russian_and_in_kazakh():
    # when
    territory = seed_territory()

    # then
    oblast = Oblast.objects.get(pk=territory.oblast.pk)
    assert (oblast.name, oblast.name_kk) == ("Абайская область", "Абай облысы")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "shown"),
    [("ru", "Абайская область"), ("en", "Абайская область"), ("kk", "Абай облысы")],
)
def test_the_oblast_reads_in_the_readers_language(language, shown):
    # given
    oblast = Oblast(kato="100000000", name="Абайская область", name_kk="Абай облысы")

    # when
    with translation.override(language):
        names = (oblast.local_name, str(oblast))

    # then
    assert names == (shown, shown)


@pytest.mark.django_db(transaction=True)
def test_an_oblast_seeded_with_its_kazakh_name_only_is_given_both_and_no_other_is_renamed():
    # given: seeded before the oblast had a Kazakh name, and another oblast added by hand
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old_oblast = executor.loader.project_state(BEFORE).apps.get_model("geo", "Oblast")
    try:
        old_oblast.objects.create(kato="100000000", name="Абай облысы", centre="Семей")
        old_oblast.objects.create(kato="110000000", name="Жетісу облысы", centre="Талдықорған")
    finally:
        # when: migrated (also when the arrangement failed: the next tests need the schema)
        migrate_to_latest()

    # then
    names = list(Oblast.objects.order_by("kato").values_list("kato", "name", "name_kk"))
    assert names == [
        ("100000000", "Абайская область", "Абай облысы"),
        ("110000000", "Жетісу облысы", ""),
    ]
