"""The oblast administrator staffs a district from the console: people with their roles and
district, units crewed by the district's officers, phones, passwords and lockouts — and what
the audit log keeps of it (docs: README, *Operating it*)."""

from __future__ import annotations

import json
import re

import pytest
from django.urls import reverse

from backend.ledger.models import AuditEntry
from backend.people.models import Officer, Unit
from tests.backend.admin.test_no_english_left import visible_text

pytestmark = pytest.mark.django_db

PASSWORD = "Kokpekty-2026!x"


def test_a_new_duty_officers_password_is_not_written_into_the_audit_log(client, world):
    # given
    client.force_login(world.oblast_admin)
    form = {
        "username": "duty_kok1",
        "usable_password": "true",
        "password1": PASSWORD,
        "password2": PASSWORD,
        "first_name": "Айгүл",
        "last_name": "Төлеубаева",
        "role": "duty_officer",
        "district": world.a.district.pk,
        "language": "kk",
    }

    # when
    response = client.post(reverse("admin:people_officer_add"), form)

    # then: the officer is made, and the entry about it names no password
    assert response.status_code == 302
    made = Officer.objects.get(username="duty_kok1")
    entry = AuditEntry.objects.get(object_type="officer", object_id=str(made.pk))
    assert PASSWORD not in json.dumps(entry.data_dict, ensure_ascii=False)
    assert set(entry.data_dict["changed"]) == {
        "username",
        "first_name",
        "last_name",
        "role",
        "district",
        "language",
    }
    history = client.get(reverse("admin:people_officer_history", args=[made.pk]))
    assert PASSWORD not in history.content.decode()


def _sign_in(client, username: str, password: str):
    return client.post(
        reverse("admin:login"), {"username": username, "password": password, "next": "/admin/"}
    )


def test_a_password_the_administrator_sets_lets_a_locked_out_duty_officer_in(
    client, world, settings
):
    # given: a duty officer who forgot the password and is locked out trying
    duty = world.a.chief
    duty.role, duty.username = "duty_officer", "duty_kok2"
    duty.save(update_fields=["role", "username"])
    door = client_class()
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        _sign_in(door, "duty_kok2", f"wrong-{attempt}")
    assert _sign_in(door, "duty_kok2", "pw-chief_a").status_code == 429

    # when: the oblast administrator sets a new password on the officer's page
    client.force_login(world.oblast_admin)
    url = reverse("admin:auth_user_password_change", args=[duty.pk])
    answer = client.post(
        url, {"usable_password": "true", "password1": PASSWORD, "password2": PASSWORD}
    )

    # then: the officer signs in with it at once, and the log says who set it
    assert answer.status_code == 302
    assert _sign_in(door, "duty_kok2", PASSWORD).status_code == 302
    entry = AuditEntry.objects.get(action="auth.password_set")
    assert (entry.actor_label, entry.object_id) == (world.oblast_admin.username, str(duty.pk))
    assert entry.data_dict == {"console_password": True, "lockout_lifted": True}
    assert PASSWORD not in json.dumps(entry.data_dict)


def client_class():
    from django.test import Client

    return Client()


# Latin words other than names, on the administrator's "set password" page.
LATIN_WORD = re.compile(r"\b[A-Za-z]{3,}\b")


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_the_set_password_page_speaks_the_administrators_language(client, world, language):
    # given
    admin_user = world.oblast_admin
    admin_user.language = language
    admin_user.save(update_fields=["language"])
    client.force_login(admin_user)

    # when
    page = client.get(reverse("admin:auth_user_password_change", args=[world.duty.pk]))

    # then: no "Password-based authentication … Single Sign-On or LDAP" in English
    assert page.status_code == 200
    words = {
        word
        for line in visible_text(page.content.decode())
        for word in LATIN_WORD.findall(re.sub(r"\S*\d\S*", " ", line))
    }
    assert words <= {"Kuzet"}, sorted(words)


def _unit_form(unit, **changes):
    form = {
        "callsign": unit.callsign,
        "type": unit.type,
        "mobility": unit.mobility,
        "district": unit.district_id,
        "okrug": unit.okrug_id or "",
        "active": "on",
        "status": unit.status,
    }
    return form | changes


def test_a_unit_cannot_have_an_okrug_of_another_district(client, world):
    # given
    client.force_login(world.oblast_admin)
    form = _unit_form(world.a.unit, callsign="KOK-PC1", okrug=world.b.okrug.pk)

    # when
    refused = client.post(reverse("admin:people_unit_add"), form)

    # then
    assert refused.status_code == 200
    assert refused.context["adminform"].form.errors == {
        "okrug": ["The okrug is in another district."]
    }
    assert not Unit.objects.filter(callsign="KOK-PC1").exists()


def test_a_crewed_unit_cannot_move_to_another_district_without_its_crew(client, world):
    # given: district A's unit, crewed by district A's officers
    client.force_login(world.oblast_admin)
    unit = world.a.unit
    crew = list(unit.members.order_by("pk"))
    assert crew
    assert {o.district_id for o in crew} == {world.a.district.pk}

    # when
    refused = client.post(
        reverse("admin:people_unit_change", args=[unit.pk]),
        _unit_form(unit, district=world.b.district.pk, okrug=""),
    )

    # then: the officer would crew a unit of a district not his own
    assert refused.status_code == 200
    assert refused.context["adminform"].form.non_field_errors() == [
        "The unit's officers serve in another district: "
        f"{', '.join(str(o) for o in crew)}. Give them another unit first."
    ]
    unit.refresh_from_db()
    assert unit.district_id == world.a.district.pk


def test_a_patrol_officer_is_given_his_language_when_added(client, world):
    # given: an officer who reads Kazakh, added by the district chief (he never signs in to
    # the console, where a person chooses the language of their screens and SMS)
    client.force_login(world.a.chief)
    form = {
        "username": "kok_pc1_1",
        "first_name": "Нұрлан",
        "last_name": "Әбдірахманов",
        "patronymic": "Серікұлы",
        "phone": "+77051112201",
        "language": "kk",
        "unit": world.a.unit.pk,
    }

    # when
    response = client.post(reverse("admin:people_officer_add"), form)

    # then
    assert response.status_code == 302
    made = Officer.objects.get(username="kok_pc1_1")
    assert (made.language, made.patronymic) == ("kk", "Серікұлы")


@pytest.mark.parametrize("viewer", ["chief_a", "oblast_admin"])
def test_an_officers_language_can_be_changed_on_his_page(client, world, viewer):
    # given
    client.force_login(world.user(viewer))
    officer = world.a.officer
    page = client.get(reverse("admin:people_officer_change", args=[officer.pk]))
    form = page.context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data["language"] = "kk"
    data["is_active"] = "on"

    # when
    response = client.post(reverse("admin:people_officer_change", args=[officer.pk]), data)

    # then
    assert response.status_code == 302, response.context["adminform"].form.errors
    officer.refresh_from_db()
    assert officer.language == "kk"


def test_a_phone_enrolled_and_enrolled_again_reads_in_words_in_the_audit_log(world):
    # given: a code, used by the officer's phone; later a second code on the same phone
    from backend.devices.services import device_enroll, enrolment_code_issue
    from backend.ledger.actions import ACTION_LABELS

    officer = world.a.officer
    phone = {"install_id": "install-kok-1", "platform": "web", "model": "Linux"}

    # when
    first = device_enroll(
        code=enrolment_code_issue(officer=officer, issued_by=world.a.chief), device_info=phone
    )
    device_enroll(
        code=enrolment_code_issue(officer=officer, issued_by=world.a.chief), device_info=phone
    )

    # then: "Phone enrolled", "Phone enrolled again" — not "device: enrolled" in English
    entries = AuditEntry.objects.filter(object_type="device", object_id=first.device.pk)
    actions = list(entries.order_by("id").values_list("action", flat=True))
    assert actions == ["device.enrolled", "device.token_replaced"]
    assert [str(ACTION_LABELS[a]) for a in actions] == ["Phone enrolled", "Phone enrolled again"]


@pytest.mark.parametrize(
    ("who", "why"),
    [
        ("chief", "only patrol officers and inspectors enrol a phone; staff sign in"),
        ("no unit", "give the officer a unit first"),
        ("inactive", "the account is inactive"),
    ],
)
def test_an_officer_given_no_enrolment_code_is_told_why_in_the_readers_words(
    client, world, who, why
):
    # given: the new district's people ticked together in the officers list
    client.force_login(world.oblast_admin)
    officer = {"chief": world.a.chief, "no unit": world.a.officer, "inactive": world.a.officer}[who]
    if who == "no unit":
        Officer.objects.filter(pk=officer.pk).update(unit=None)
    if who == "inactive":
        Officer.objects.filter(pk=officer.pk).update(is_active=False)

    # when
    response = client.post(
        reverse("admin:people_officer_changelist"),
        {"action": "issue_enrolment_code", "_selected_action": [officer.pk]},
        follow=True,
    )

    # then: the console's words (translated), not the API's English reason
    (message,) = [str(m) for m in response.context["messages"]]
    assert message.startswith(f"{officer}: no code — ")
    assert why in message
    assert "only they enrol devices" not in message


def test_a_units_crew_counts_and_names_only_the_officers_still_serving(client, world):
    # given: district A's patrol car of two; one of them has left (his account closed)
    client.force_login(world.oblast_admin)
    unit = world.a.unit
    stays, leaves = unit.members.order_by("pk")
    leaves.is_active = False
    leaves.save(update_fields=["is_active"])

    # when
    listed = client.get(reverse("admin:people_unit_changelist"), {"q": unit.callsign})
    page = client.get(reverse("admin:people_unit_change", args=[unit.pk]))

    # then: one officer rides it, and the unit's page names him
    (row,) = listed.context["cl"].result_list
    assert row.members_n == 1
    html = page.content.decode()
    assert reverse("admin:people_officer_change", args=[stays.pk]) in html
    assert reverse("admin:people_officer_change", args=[leaves.pk]) not in html


def test_an_officers_history_names_his_units_and_role_not_their_codes(client, world):
    # given: an officer moved from the patrol car to the inspector's unit, in the console
    client.force_login(world.oblast_admin)
    officer = world.a.officer
    url = reverse("admin:people_officer_change", args=[officer.pk])
    form = client.get(url).context["adminform"].form
    data = {n: form[n].value() for n in form.fields if form[n].value() is not None}
    other = Unit.objects.create(callsign="A-PC9", type="patrol_car", district=world.a.district)
    data |= {"unit": other.pk, "is_active": "on"}
    assert client.post(url, data).status_code == 302

    # when
    history = client.get(reverse("admin:people_officer_history", args=[officer.pk]))

    # then: "Unit: A-PC1, A-PC9", not "unit: 12, 14"
    text = history.content.decode()
    assert f"Unit: {world.a.unit.callsign}, A-PC9" in text
    assert f"Unit: {world.a.unit.pk}, {other.pk}" not in text


def test_the_enrolment_codes_page_tells_where_the_officer_types_the_code(client, world):
    # given
    client.force_login(world.oblast_admin)
    officer = world.a.officer

    # when
    page = client.post(
        reverse("admin:people_officer_changelist"),
        {"action": "issue_enrolment_code", "_selected_action": [officer.pk]},
    )

    # then: the field app's address on this server, beside the code
    assert page.status_code == 200
    assert "opens the field app on the phone at http://testserver/app/ " in page.content.decode()


def test_a_districts_second_rule_for_one_priority_and_zone_is_refused_in_words(client, world):
    # given: district A has its own P2 rule for suburban villages
    from backend.dispatch.models import EscalationPolicy

    client.force_login(world.oblast_admin)
    rule = {"district": world.a.district.pk, "priority": "P2", "zone": "suburban"}
    times = {"deliver_within_s": "0.5", "ack_within_s": "3", "arrive_within_s": "120"}
    url = reverse("admin:dispatch_escalationpolicy_add")
    assert client.post(url, rule | times).status_code == 302
    before = EscalationPolicy.objects.count()

    # when: the administrator adds it again
    refused = client.post(url, rule | times)

    # then: what to do, not the constraint's name
    assert refused.status_code == 200
    assert refused.context["adminform"].form.non_field_errors() == [
        "The district already has a rule for this priority and zone: change that one."
    ]
    assert EscalationPolicy.objects.count() == before


@pytest.mark.parametrize("serves", ["oblast", "district"])
def test_a_duty_officer_saved_without_a_district_is_said_to_see_every_district(
    client, world, serves
):
    # given: a new duty officer for district A; the oblast is picked, the district maybe not
    client.force_login(world.oblast_admin)
    form = {
        "username": "duty_kok1",
        "usable_password": "false",
        "first_name": "Айгүл",
        "last_name": "Төлеубаева",
        "role": "duty_officer",
        "oblast": world.a.district.oblast_id,
        "district": world.a.district.pk if serves == "district" else "",
        "language": "ru",
    }

    # when
    response = client.post(reverse("admin:people_officer_add"), form, follow=True)

    # then: an oblast-wide desk is named as such; a district's is not warned about
    said = [str(m) for m in response.context["messages"]]
    oblast_wide = [m for m in said if "serves the oblast ЦОУ" in m]
    if serves == "oblast":
        assert oblast_wide == [
            f"Айгүл Төлеубаева serves the oblast ЦОУ: every district of "
            f"{world.a.district.oblast}. A district's duty officer is given the district."
        ]
    else:
        assert oblast_wide == []
    assert Officer.objects.filter(username="duty_kok1").exists()


def test_the_officers_list_heads_a_persons_name_as_a_persons(client, world):
    # given
    client.force_login(world.oblast_admin)

    # when
    page = client.get(reverse("admin:people_officer_changelist"))

    # then: "full name" (ФИО, Аты-жөні), not "name" — Название, Атауы: a thing's
    headers = [h["text"] for h in page.context["result_headers"]]
    assert "full name" in headers
    assert "name" not in headers


@pytest.mark.parametrize(("who", "has_password"), [("officer", False), ("duty", True)])
def test_only_a_console_users_page_offers_a_password(client, world, who, has_password):
    # given: a patrol officer signs in to nothing with a password (his phone has a code)
    client.force_login(world.oblast_admin)
    person = {"officer": world.a.officer, "duty": world.duty}[who]

    # when
    page = client.get(reverse("admin:people_officer_change", args=[person.pk]))

    # then
    shown = [f for _, opts in page.context["adminform"].fieldsets for f in opts["fields"]]
    assert ("password" in shown) is has_password


def test_the_audit_entry_of_a_new_duty_officer_reads_his_role_in_words(client, world):
    # given: a duty officer added in the console
    client.force_login(world.oblast_admin)
    form = {
        "username": "duty_kok1",
        "usable_password": "false",
        "role": "duty_officer",
        "district": world.a.district.pk,
        "language": "ru",
    }
    assert client.post(reverse("admin:people_officer_add"), form).status_code == 302
    made = Officer.objects.get(username="duty_kok1")
    entry = AuditEntry.objects.get(action="officer.added_in_admin", object_id=str(made.pk))

    # when
    page = client.get(reverse("admin:ledger_auditentry_change", args=[entry.pk]))

    # then: "Role: —, Duty officer (ЦОУ)", not "Role: —, duty_officer"
    text = page.content.decode()
    assert "Role: —, Duty officer (ЦОУ)" in text
    assert "duty_officer" not in text


def test_a_locked_out_duty_officers_page_says_so(client, world, settings):
    # given: a duty officer locked out after wrong passwords
    duty = world.duty
    door = client_class()
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        _sign_in(door, duty.username, f"wrong-{attempt}")
    client.force_login(world.oblast_admin)

    # when
    page = client.get(reverse("admin:people_officer_change", args=[duty.pk]))
    other = client.get(reverse("admin:people_officer_change", args=[world.a.chief.pk]))

    # then
    said = page.content.decode()
    assert f"locked out after {settings.AXES_FAILURE_LIMIT} wrong passwords, until " in said
    assert "a new password set here lifts it" in said
    assert "not locked out" in other.content.decode()


@pytest.mark.parametrize("viewer", ["chief_a", "oblast_admin"])
def test_the_officers_list_shows_a_number_grouped_as_it_is_dialled(client, world, viewer):
    # given: an officer's number, stored as E.164
    officer = world.a.officer
    Officer.objects.filter(pk=officer.pk).update(phone="+77051112201")
    client.force_login(world.user(viewer))

    # when
    page = client.get(reverse("admin:people_officer_changelist")).content.decode()

    # then: read out as "+7 705 111 22 01", its tel: link the stored number
    assert '<a href="tel:+77051112201">+7 705 111 22 01</a>' in page
    assert ">+77051112201<" not in page
