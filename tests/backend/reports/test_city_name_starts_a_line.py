"""A city administration is named as people read it, 'город Семей' (933242d); where its name
opens a line — the scope line under the handover's and the printed period report's title — it
reads 'Город Семей', as Russian starts a line. The line read 'город Семей · Смена: …'."""

from __future__ import annotations

import pytest
from django.urls import reverse

from backend.people.models import Role
from tests import factories

from .test_pages import PERIOD_QUERY

pytestmark = pytest.mark.django_db

SCOPE = '<p class="report-scope"><span class="report-districts">Город Семей</span> · '


@pytest.fixture
def semey(personas):
    """District A as Semey's city administration, in Russian and Kazakh."""
    district = personas.a.district
    district.name, district.name_kk = "город Семей", "Семей қаласы"
    district.save(update_fields=["name", "name_kk"])
    return district


def reader(personas, semey, role: Role, language: str):
    if role == Role.CHIEF:
        officer = personas.a.chief
        officer.language = language
        officer.save(update_fields=["language"])
        return officer
    return factories.officer(
        username="duty_semey_city", role=role, district=semey, language=language
    )


@pytest.mark.parametrize(
    ("role", "page", "query"),
    [
        (Role.DUTY_OFFICER, "admin:reports_handover", {}),
        (Role.DUTY_OFFICER, "admin:reports_handover", {"layout": "print"}),
        (Role.CHIEF, "admin:reports_upward", {**PERIOD_QUERY, "layout": "print"}),
    ],
)
def test_a_city_named_first_on_a_line_starts_with_a_capital(
    client, personas, semey, role, page, query
):
    # given: Semey's duty officer or chief, reading Russian
    client.force_login(reader(personas, semey, role, "ru"))

    # when
    html = client.get(reverse(page), query).content.decode()

    # then: 'Город Семей' opens the scope line, not 'город Семей'
    assert SCOPE in html


def test_the_kazakh_name_is_kept_as_it_is(client, personas, semey):
    # given: Semey's duty officer reading Kazakh
    client.force_login(reader(personas, semey, Role.DUTY_OFFICER, "kk"))

    # when
    html = client.get(reverse("admin:reports_handover")).content.decode()

    # then
    assert '<span class="report-districts">Семей қаласы</span>' in html
