"""The console names the oblast as the reader's language writes it, as it names the districts:
the oblasts' list ("Абай облысы" to a Kazakh reader, "Абайская область" to a Russian one),
searched by either name."""

from __future__ import annotations

import pytest
from django.urls import reverse

from .test_okrug_names import first_column
from .test_place_names import reading

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("language", "name"), [("kk", "Абай облысы"), ("ru", "Абайская область")])
def test_the_oblasts_list_names_the_oblast_in_the_readers_language(
    client, personas, language, name
):
    # given
    client.force_login(reading(personas.oblast_admin, language))

    # when
    page = client.get(reverse("admin:geo_oblast_changelist")).content.decode()

    # then
    assert first_column(page, "local_name") == [name]


@pytest.mark.parametrize("typed", ["Абай облысы", "Абайская"])
def test_the_oblast_is_found_by_either_name(client, personas, typed):
    # given
    client.force_login(reading(personas.oblast_admin, "ru"))

    # when
    page = client.get(reverse("admin:geo_oblast_changelist"), {"q": typed}).content.decode()

    # then
    assert first_column(page, "local_name") == ["Абайская область"]
