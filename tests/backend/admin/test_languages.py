"""The admin in each officer's language: Kazakh and Russian labels for an officer who reads
them, the header's switch (Django's set_language) remembered on the officer, the browser's
language only before login."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse

from backend.people.models import Officer
from tests import factories


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("kk", ["Оқиғалар", "Түсті", "Басымдық", "Жету уақыты", "Ұрлық",
                "Kuzet — аудан пульті"]),
        ("ru", ["Происшествия", "Поступило", "Приоритет", "Время прибытия", "Кража",
                "Kuzet — пульт района"]),
        ("en", ["Incidents", "Received", "Priority", "Response", "Theft",
                "Kuzet — district console"]),
    ],
)  # fmt: skip
def test_the_incident_list_speaks_the_officers_language(client, world, language, words):
    # given
    p = world.a
    factories.incident(district=p.district, settlement=p.settlement, category="theft")
    Officer.objects.filter(pk=p.chief.pk).update(language=language)
    client.force_login(p.chief)

    # when: whatever the browser says
    response = client.get(
        reverse("admin:dispatch_incident_changelist"), HTTP_ACCEPT_LANGUAGE="de, en;q=0.5"
    )

    # then
    page = response.content.decode()
    assert response["Content-Language"] == language
    assert f'<html lang="{language}"' in page
    for word in words:
        assert word in page, word


@pytest.mark.parametrize(
    ("who", "language", "header"),
    [
        ("duty", "ru", "Kuzet — пульт ЦОУ"),
        ("duty", "kk", "Kuzet — ЖБО пульті"),
        ("oblast_admin", "en", "Kuzet — oblast console"),
        ("chief", "kk", "Kuzet — аудан пульті"),
    ],
)
def test_the_header_names_the_console_of_whom_it_serves(client, world, who, language, header):
    # given: an oblast's duty officer read "district console" on every page
    user = world.a.chief if who == "chief" else getattr(world, who)
    Officer.objects.filter(pk=user.pk).update(language=language)
    client.force_login(user)

    # when
    page = client.get(reverse("admin:dispatch_incident_changelist")).content.decode()

    # then
    assert f'<div id="site-name"><a href="/admin/">{header}</a></div>' in page


def test_the_header_switch_stores_the_choice_on_the_officer(client, world):
    # given: a chief who reads English, on the incident list
    chief = world.a.chief
    client.force_login(chief)
    listing = reverse("admin:dispatch_incident_changelist")
    page = client.get(listing).content.decode()
    assert 'id="language-switch"' in page
    assert '<button type="submit" name="language" value="kk" lang="kk">Қазақша</button>' in page

    # when: the switch is pressed
    response = client.post(reverse("set_language"), {"language": "kk", "next": listing})

    # then: back on the page, in Kazakh, remembered on the officer and in the cookie
    assert response.status_code == 302
    assert response["Location"] == listing
    chief.refresh_from_db()
    assert chief.language == "kk"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "kk"
    assert "Оқиғалар" in client.get(listing).content.decode()


def test_the_stored_language_follows_the_officer_to_another_desk(client, world):
    # given: the choice was made at another desk (no cookie here)
    chief = world.a.chief
    Officer.objects.filter(pk=chief.pk).update(language="ru")
    client.force_login(chief)

    # when
    response = client.get(reverse("admin:index"))

    # then
    assert response["Content-Language"] == "ru"


def test_an_unknown_language_is_refused_and_nothing_is_stored(client, world):
    # given
    chief = world.a.chief
    client.force_login(chief)

    # when
    response = client.post(reverse("set_language"), {"language": "xx", "next": "/admin/"})

    # then
    assert response.status_code == 302
    chief.refresh_from_db()
    assert chief.language == "en"
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies


def test_before_login_the_browser_or_the_cookie_decides(client, db):
    # when
    by_browser = client.get(reverse("admin:login"), HTTP_ACCEPT_LANGUAGE="kk")
    client.post(reverse("set_language"), {"language": "ru", "next": "/admin/login/"})
    by_cookie = client.get(reverse("admin:login"), HTTP_ACCEPT_LANGUAGE="kk")

    # then
    assert by_browser["Content-Language"] == "kk"
    assert by_cookie["Content-Language"] == "ru"
    assert 'id="language-switch"' in by_cookie.content.decode()
