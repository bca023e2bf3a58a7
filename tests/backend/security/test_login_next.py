"""The console's sign-in goes back only to a page of Kuzet's: a ``?next=`` naming another
site, however spelt, is refused (Django's check), and the sign-in lands on the console's
home — it landed on Django's default ``/accounts/profile/``, no page of Kuzet's (a 404 after
a right password, under a link someone sent)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "next_url",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example",
        "https:/evil.example",
        "\\\\evil.example",
        "javascript:alert(1)",
    ],
)
def test_a_sign_in_with_another_sites_next_lands_on_the_console(personas, next_url):
    # given
    chief = personas.a.chief
    chief.set_password("the-right-password-102")
    chief.save(update_fields=["password"])
    client = Client()

    # when
    url = reverse("admin:login") + "?next=" + next_url
    response = client.post(
        url, {"username": chief.username, "password": "the-right-password-102", "next": next_url}
    )

    # then
    assert (response.status_code, response["Location"]) == (302, reverse("admin:index"))
    assert client.session["_auth_user_id"] == str(chief.pk)


def test_a_sign_in_with_a_page_of_kuzets_goes_back_to_it(personas):
    # given
    chief = personas.a.chief
    chief.set_password("the-right-password-102")
    chief.save(update_fields=["password"])

    # when
    response = Client().post(
        reverse("admin:login"),
        {"username": chief.username, "password": "the-right-password-102", "next": "/board/"},
    )

    # then
    assert (response.status_code, response["Location"]) == (302, "/board/")
