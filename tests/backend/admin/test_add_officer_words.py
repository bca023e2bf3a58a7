"""The officers' list offers "Добавить сотрудника": Django's Russian puts the list's name into
"Добавить %s" as it is ("Добавить сотрудник"), and a person after the verb is
"сотрудника" — on the button, the add page's title and breadcrumb, and the change page's
title ("Изменить сотрудника"). Kazakh's "… қосу" takes the name as it is, first — and
capitalised, as a button and a title begin ("Қызметкер қосу"; Django's Kazakh read
"қызметкер қосу"); the other lists' Russian names read the same after the verb ("Добавить
наряд")."""

from __future__ import annotations

import re

import pytest
from django.contrib import admin
from django.urls import NoReverseMatch, reverse

from tests.backend.admin.test_no_english_left import visible_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def administrator(client, personas):
    def sign_in(language: str):
        admin = personas.oblast_admin
        admin.language = language
        admin.save(update_fields=["language"])
        client.force_login(admin)
        return admin

    return sign_in


def _add_button(page: str) -> str:
    return re.sub(r"\s+", " ", re.search(r'class="addlink">(.*?)</a>', page, re.S)[1]).strip()


def _object_tools_buttons(page: str) -> list[str]:
    """The list's own buttons (not the side menu's "Қосу" links): its add button, and the
    calls' list's "Take a call"."""
    tools = re.search(r'<ul class="object-tools">(.*?)</ul>', page, re.S)
    links = re.findall(r"<a [^>]*>(.*?)</a>", tools[1], re.S) if tools else []
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", a)).strip() for a in links]


def _title(page: str) -> str:
    return re.search(r"<h1>(.*?)</h1>", page, re.S)[1].strip()


def _breadcrumb(page: str) -> str:
    crumbs = page.split('class="breadcrumbs"', 1)[1].split("</div>", 1)[0]
    return re.sub(r"<[^>]+>", "", crumbs).split("&rsaquo;")[-1].strip()


@pytest.mark.parametrize(
    ("language", "button"),
    [("ru", "Добавить сотрудника"), ("kk", "Қызметкер қосу"), ("en", "Add officer")],
)
def test_the_officers_list_offers_to_add_an_officer_in_good_grammar(
    client, administrator, language, button
):
    # given
    administrator(language)

    # when
    page = client.get(reverse("admin:people_officer_changelist")).content.decode()

    # then
    assert _add_button(page) == button


def test_the_add_and_change_pages_name_the_officer_in_the_accusative(
    client, administrator, personas
):
    # given
    administrator("ru")
    officer = personas.a.patrol_officers[0]

    # when
    add = client.get(reverse("admin:people_officer_add")).content.decode()
    change = client.get(reverse("admin:people_officer_change", args=[officer.pk])).content.decode()

    # then
    assert _title(add) == "Добавить сотрудника"
    assert _breadcrumb(add) == "Добавить сотрудника"
    assert _title(change) == "Изменить сотрудника"
    assert "сотрудник" not in [w for line in visible_text(add) for w in line.split()]


def test_a_list_whose_name_reads_the_same_after_the_verb_keeps_it(client, administrator):
    # given
    administrator("ru")

    # when
    page = client.get(reverse("admin:people_unit_changelist")).content.decode()

    # then
    assert _add_button(page) == "Добавить наряд"


def test_the_kazakh_add_pages_breadcrumb_begins_with_a_capital(client, administrator):
    # given
    administrator("kk")

    # when
    add = client.get(reverse("admin:people_officer_add")).content.decode()

    # then: as the button says it (the title is Django's "Қосу: қызметкер")
    assert _breadcrumb(add) == "Қызметкер қосу"


def test_every_lists_add_button_in_kazakh_begins_with_a_capital(client, administrator):
    # given: the oblast's administrator, who may add most records, reading Kazakh
    administrator("kk")
    buttons = {}

    # when: every list of the console
    for model in admin.site._registry:
        meta = model._meta
        try:
            url = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
        except NoReverseMatch:
            continue
        page = client.get(url)
        if page.status_code == 200:
            buttons[meta.label] = _object_tools_buttons(page.content.decode())

    # then: each button begins with a capital ("Қызметкер қосу", "Наряд қосу"), none
    # lower-cased
    assert buttons["people.Officer"] == ["Қызметкер қосу"]
    assert len([b for found in buttons.values() for b in found]) >= 5
    assert [b for found in buttons.values() for b in found if not b[:1].isupper()] == []
