"""The console's sections stand in the order of the work, the same in every language: Django
sorted them by their translated names, and the Kazakh sidebar put the audit log and the
territory above dispatch while the Russian one did not."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def sections(client, language: str) -> list[str]:
    index = client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE=language)
    assert index.status_code == 200
    return [app["app_label"] for app in index.context["available_apps"]]


def test_the_sections_stand_in_one_order_in_every_language(client, world):
    # given: the oblast's administrator, who sees every section
    client.force_login(world.oblast_admin)

    # when
    kk, ru, en = (sections(client, language) for language in ("kk", "ru", "en"))

    # then: the same order; the desk's work first, the machinery last
    assert kk == ru == en, (kk, ru, en)
    assert kk[:2] == ["dispatch", "people"]
    assert kk.index("geo") < kk.index("ledger")
