"""The chief's home page names the conflict queue with the word its menu and pages use: the
Russian tile read "Открытые расхождения" and opened a page titled "Конфликты"."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import translation

from backend.dispatch.models import Conflict

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_the_home_tile_of_open_conflicts_uses_the_menus_word(client, world, language):
    # given
    chief = world.a.chief
    chief.language = language
    chief.save(update_fields=["language"])
    client.force_login(chief)
    with translation.override(language):
        menu = str(Conflict._meta.verbose_name_plural).casefold()  # "конфликты", "қайшылықтар"

    # when
    page = client.get(reverse("admin:index")).content.decode()

    # then: the tile says the menu's word ("конфликт…", "қайшылық…")
    tile = re.search(
        r'id="need-open_conflicts".*?<span class="card-label">([^<]*)</span>', page, re.S
    )
    assert tile is not None
    stem = menu[:-3]  # "конфли(кты)", "қайшылық(тар)": the word without its plural ending
    assert stem in tile.group(1).casefold(), (tile.group(1), menu)
