"""Every page of the console a district chief and the oblast administrator open, read in
Kazakh (and Russian), has no English left in it: each model's list, its form for a new
record, a record's page and its history.
(Callsigns, logins, codes a person types — A-PC1, chief_a, ЕРДР — are not words to translate.)"""

from __future__ import annotations

import html
import re

import pytest
from django.contrib import admin
from django.contrib.admin.utils import quote
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation

pytestmark = pytest.mark.django_db

# Two or more English words in a row: a sentence or a label left untranslated.
ENGLISH = re.compile(r"\b[A-Za-z][a-z]{2,}(?:[ '’-][A-Za-z]?[a-z]{1,})+\b")
# Text that is English by nature: names of things, not words for a reader.
NOT_WORDS = {"Kuzet", "Django", "oblast level"}  # the last: the test world's own audit action


def visible_text(page: str) -> list[str]:
    main = page.split('id="content"', 1)[-1].split(">", 1)[-1]  # the title and the page
    main = re.sub(r"<(script|style)\b.*?</\1>", " ", main, flags=re.S)
    main = re.sub(r"<[^>]+>", "\n", main)  # attribute values go with their tags
    return [line.strip() for line in html.unescape(main).splitlines() if line.strip()]


def english_on(client, url: str) -> list[str]:
    response = client.get(url)
    assert response.status_code == 200, url
    return [
        phrase
        for line in visible_text(response.content.decode())
        # ids and codes with digits in them (evt-a-000000000001, A-PC1) are not words
        for phrase in ENGLISH.findall(re.sub(r"\S*\d\S*", " ", line))
        if phrase not in NOT_WORDS
    ]


@pytest.mark.parametrize(
    ("who", "language"), [("chief_a", "kk"), ("oblast_admin", "kk"), ("oblast_admin", "ru")]
)
def test_the_console_in_kazakh_and_russian_has_no_english_left(client, world, who, language):
    # given
    viewer = world.user(who)
    viewer.language = language
    viewer.save(update_fields=["language"])
    client.force_login(viewer)
    found: dict[str, list[str]] = {}

    # when: every model's list, its add form, its first record's page and that record's history
    request = RequestFactory().get("/admin/")
    request.user = viewer
    for model, model_admin in admin.site._registry.items():
        if not model_admin.has_view_permission(request):
            continue
        meta = model._meta
        changelist = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
        urls = [changelist]
        if model_admin.has_add_permission(request):
            urls.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_add"))
        record = model_admin.get_queryset(request).first()
        if record is not None:
            pk = quote(record.pk)  # as the admin writes ids in its addresses
            urls += [
                reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[pk]),
                reverse(f"admin:{meta.app_label}_{meta.model_name}_history", args=[pk]),
            ]
        for url in urls:
            if phrases := english_on(client, url):
                found[url] = sorted(set(phrases))

    # then
    assert found == {}, "\n".join(f"{u}: {p}" for u, p in found.items())


# Latin words on the new officer's form, other than names (Kuzet, SMS).
LATIN_WORD = re.compile(r"\b[A-Za-z]{3,}\b")


@pytest.mark.parametrize("language", ["kk", "ru"])
@pytest.mark.parametrize(
    ("who", "typed", "refusal"),
    [
        # a chief's officer in another district's unit
        ("chief_a", {"unit": "foreign"}, "unit"),
        # a duty officer's passwords differ
        ("oblast_admin", {"password1": "Semey-ZQ-26", "password2": "Semey-ZQ-27"}, "password2"),
        # short, numeric and common all at once
        ("oblast_admin", {"password1": "12345", "password2": "12345"}, "password2"),
        # a chief without a district; an oblast-level duty officer in a unit
        ("oblast_admin", {"role": "chief", "oblast": "", "password1": ""}, "__all__"),
        ("oblast_admin", {"unit": "own", "password1": ""}, "__all__"),
    ],
)  # fmt: skip
def test_a_new_officer_refused_is_told_why_in_the_viewers_language(
    client, world, language, who, typed, refusal
):
    # given
    viewer = world.user(who)
    viewer.language = language
    viewer.save(update_fields=["language"])
    client.force_login(viewer)
    url = reverse("admin:people_officer_add")
    units = {"own": world.a.unit.pk, "foreign": world.b.unit.pk}
    form = {"username": "officer_new", "first_name": "Жан", "last_name": "Жанов"}
    if who == "oblast_admin":
        form |= {"role": "duty_officer", "oblast": world.a.district.oblast_id}
        form |= {"usable_password": "true", "password1": "x", "password2": "x"}
    form |= {k: units.get(v, v) for k, v in typed.items()}
    if form.get("password1") == "":
        form["usable_password"] = "false"

    # when
    blank = client.get(url)
    refused = client.post(url, form)

    # then
    assert refused.status_code == 200
    assert refusal in refused.context["adminform"].form.errors
    for page in (blank, refused):
        words = {
            word
            for line in visible_text(page.content.decode())
            for word in LATIN_WORD.findall(re.sub(r"\S*\d\S*", " ", line))
        }
        # (English: the language an officer may read, named in its own words, as Қазақша)
        assert words <= {"Kuzet", "SMS", "English"}, sorted(words)


def test_a_chief_adds_a_patrol_officer_without_a_password(client, world):
    # given: a chief's officers enrol their phones with one-time codes
    client.force_login(world.a.chief)

    # when
    page = client.get(reverse("admin:people_officer_add"))

    # then
    fields = page.context["adminform"].form.fields
    assert not {"usable_password", "password1", "password2"} & set(fields)


def test_a_chiefs_patrol_officer_has_no_password_to_set(client, world):
    # given
    client.force_login(world.a.chief)
    officer = world.a.officer

    # when
    page = client.get(reverse("admin:people_officer_change", args=[officer.pk]))
    password = client.get(reverse("admin:auth_user_password_change", args=[officer.pk]))

    # then: no password line, no link to set one, and the page behind the link is refused
    assert page.status_code == 200
    shown = [f for _, opts in page.context["adminform"].fieldsets for f in opts["fields"]]
    assert "password" not in shown
    assert (
        reverse("admin:auth_user_password_change", args=[officer.pk]) not in page.content.decode()
    )
    assert password.status_code == 403


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_an_officer_without_a_password_reads_so_in_the_administrators_language(
    client, world, language
):
    # given: the oblast administrator opens a patrol officer's page (no console password)
    admin_user = world.user("oblast_admin")
    admin_user.language = language
    admin_user.save(update_fields=["language"])
    officer = world.a.officer
    officer.set_unusable_password()
    officer.save(update_fields=["password"])
    client.force_login(admin_user)

    # when
    page = client.get(reverse("admin:people_officer_change", args=[officer.pk]))

    # then
    assert page.status_code == 200
    assert english_on(client, reverse("admin:people_officer_change", args=[officer.pk])) == []
    assert "No password set" not in page.content.decode()


def test_page_titles_in_kazakh_start_with_what_the_page_does(client, world):
    # given: a chief who reads Kazakh
    chief = world.a.chief
    chief.language = "kk"
    chief.save(update_fields=["language"])
    client.force_login(chief)

    # when: a new risk case, an officer's page
    add = client.get(reverse("admin:dispatch_risksubject_add")).content.decode()
    change = client.get(reverse("admin:people_officer_change", args=[world.a.officer.pk]))

    # then: "Қосу: қауіп субъектісі", not Django's "қауіп субъектісі қосу"
    assert "<h1>Қосу: қауіп субъектісі</h1>" in add
    assert "<h1>Өзгерту: қызметкер</h1>" in change.content.decode()


@pytest.mark.parametrize(
    ("language", "title", "yes"), [("kk", "12 сағат", "иә"), ("ru", "12 ч", "да")]
)
def test_yes_no_filters_speak_the_readers_language_and_name_the_hours(
    client, world, settings, language, title, yes
):
    # given: devices count as silent after the deployment's 12 hours
    settings.KUZET_DEVICE_SILENT_HOURS = 12
    viewer = world.a.chief
    viewer.language = language
    viewer.save(update_fields=["language"])
    client.force_login(viewer)

    # when
    page = client.get(reverse("admin:devices_device_changelist"))

    # then
    silent = next(s for s in page.context["cl"].filter_specs if s.parameter_name == "silent")
    assert title in str(silent.title)
    assert "KUZET" not in str(silent.title)
    assert [str(label) for _, label in silent.lookup_choices] == [
        yes,
        "жоқ" if language == "kk" else "нет",
    ]


def test_a_quarantined_record_reads_as_words_in_list_filters_and_columns(client, world):
    # given: an event a phone sent over its live connection with data that is not valid;
    # the chief reads Russian
    from backend.common import clock
    from backend.sync_gateway.models import QuarantinedRecord

    QuarantinedRecord.objects.create(
        device_id=world.a.device.pk,
        officer=world.a.officer,
        district=world.a.district,
        table="events",
        operation="ws_event",
        record_id="evt-bad-1",
        raw="{}",
        reason="invalid_payload",
        detail="",
        received_at=clock.now(),
    )
    chief = world.a.chief
    chief.language = "ru"
    chief.save(update_fields=["language"])
    client.force_login(chief)

    # when
    page = client.get(reverse("admin:sync_gateway_quarantinedrecord_changelist"))

    # then: the filters' words, read in the chief's language as the page wrote them
    cl = page.context["cl"]
    with translation.override(chief.language):
        filters = {
            str(s.title): [str(label) for _, label in s.lookup_choices]
            for s in cl.filter_specs
            if hasattr(s, "lookup_choices")  # the date filter offers periods, not words of codes
        }
    assert "Недопустимые данные события" in filters["причина"]
    assert "invalid_payload" not in filters["причина"]
    assert "события" in filters["таблица"]
    assert "events" not in filters["таблица"]
    text = visible_text(page.content.decode())
    assert "событие по постоянному соединению" in text
    for code in ("invalid_payload", "ws_event", "events"):
        assert code not in text
