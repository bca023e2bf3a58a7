"""A console address the reader cannot open reads in the reader's language and says where to
go: Django's bare "403 Forbidden" and "Not Found" were English (found in an hour of `make run`:
a duty officer typing the chief's report address)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from backend.people.models import Officer

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "heading"),
    [("ru", "Эта страница не для вашей роли"), ("kk", "Бұл бет сіздің рөліңізге арналмаған")],
)
def test_a_page_of_another_role_says_so_in_the_officers_language(
    client, personas, language, heading
):
    Officer.objects.filter(pk=personas.duty.pk).update(language=language)
    client.force_login(personas.duty)

    response = client.get(reverse("admin:reports_upward"))

    assert response.status_code == 403
    page = response.content.decode()
    assert f"<h1>{heading}</h1>" in page
    assert f'href="{reverse("admin:index")}"' in page
    assert "Forbidden" not in page


def test_an_address_with_nothing_behind_it_says_so_in_the_officers_language(client, personas):
    Officer.objects.filter(pk=personas.duty.pk).update(language="ru")
    client.force_login(personas.duty)

    response = client.get("/admin/no-such-page/at-all/")

    assert response.status_code == 404
    page = response.content.decode()
    assert "<h1>Здесь ничего нет</h1>" in page
    assert "Not Found" not in page
