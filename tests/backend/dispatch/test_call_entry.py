"""Taking a 102 call in the admin (backend/dispatch/admin/call_entry.py): the form, the
settlement type-ahead, the open calls that may be the same event, scope, validation, and one
status for "waiting for a unit" whichever way a call came in."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.core import signing

from backend.common import clock
from backend.common.errors import ValidationFailed
from backend.common.phones import phone_normalise
from backend.dispatch import lifecycle
from backend.dispatch.admin.call_entry import parse_coordinates
from backend.dispatch.models import Incident
from backend.dispatch.services import incident_create, intake_receive
from backend.geo.travel import haversine_km
from backend.ledger.models import AuditEntry
from backend.people.models import Officer
from tests import factories

from .conftest import report, snapshot


@pytest.fixture(autouse=True)
def _officers_read_english(personas):
    """These tests read the pages' English words; an officer reads Russian unless told."""
    Officer.objects.update(language="en")


ADD = "/admin/dispatch/incident/add/"
SEARCH = "/admin/dispatch/incident/call/settlements/"
NEARBY = "/admin/dispatch/incident/call/nearby/"


def form_of(client: Any) -> dict[str, str]:
    """The hidden fields of a freshly rendered call form, as the browser would send them."""
    html = client.get(ADD).content.decode()
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', html))
    return {k: fields[k] for k in ("csrfmiddlewaretoken", "opened", "idempotency_key")}


def call(client: Any, **fields: Any) -> dict[str, Any]:
    return {
        **form_of(client),
        "caller_name": "Айгерим",
        "caller_phone": "8 (701) 234-56-78",
        "place": "",
        "settlement": "",
        "coordinates": "",
        "landmark": "",
        "category": "theft",
        "priority": "",
        "description": "Угнали мотоцикл со двора",
        **fields,
    }


def labels(response: Any) -> list[str]:
    return [r["label"] for r in response.json()["results"]]


# --- who may take calls ---------------------------------------------------------------------
def test_a_duty_officer_opens_take_a_call_from_the_incident_list(personas, client):
    # given
    client.force_login(personas.duty)

    # when
    index = client.get("/admin/").content.decode()
    listing = client.get("/admin/dispatch/incident/").content.decode()
    page = client.get(ADD)

    # then: reachable from the admin's index and the incident list
    assert f'href="{ADD}"' in index
    assert 'id="take-a-call"' in listing
    assert f'href="{ADD}"' in listing
    assert page.status_code == 200
    html = page.content.decode()
    assert "<h1>Take a call</h1>" in html
    assert re.search(r'<input type="text" name="caller_name"[^>]*autofocus', html)
    assert "dispatch/call_entry.js" in html
    assert "<script>" not in html.split("<body")[1]  # no inline script (CSP)


def test_an_oblast_administrator_cannot_take_calls(personas, client):
    # given
    client.force_login(personas.oblast_admin)

    # when
    page = client.get(ADD)
    listing = client.get("/admin/dispatch/incident/").content.decode()
    found = client.get(SEARCH, {"q": "Аяг"})

    # then
    assert page.status_code == 403
    assert 'id="take-a-call"' not in listing
    assert (found.status_code, found.json()["code"]) == (403, "forbidden")


# --- the settlement search --------------------------------------------------------------------
def test_the_search_finds_a_settlement_by_russian_or_kazakh_name_or_kato(personas, client):
    # given
    village = personas.a.village
    village.name_kk = "Ақтоғай"
    village.save(update_fields=["name_kk"])
    client.force_login(personas.duty)

    # when / then: Russian, any case, with the "с." of the address
    assert labels(client.get(SEARCH, {"q": "с. акто"})) == ["Актогай / Ақтоғай"]
    # Kazakh, with its letters and the "а." of a Kazakh address
    assert labels(client.get(SEARCH, {"q": "а.АҚТОҒ"})) == ["Актогай / Ақтоғай"]
    # the KATO code
    assert labels(client.get(SEARCH, {"q": village.kato})) == ["Актогай / Ақтоғай"]
    result = client.get(SEARCH, {"q": "1036202"}).json()["results"]
    assert [(r["kato"], r["district"]) for r in result] == [
        (village.kato, personas.a.district.name)
    ]


def test_an_officer_reading_kazakh_sees_the_kazakh_names_first(personas, client):
    # given
    village, district = personas.a.village, personas.a.district
    village.name_kk, district.name_kk = "Ақтоғай", "Аягөз ауданы"
    village.save(update_fields=["name_kk"])
    district.save(update_fields=["name_kk"])
    Officer.objects.filter(pk=personas.duty.pk).update(language="kk")
    client.force_login(personas.duty)

    # when: the officer's language wins over the browser's
    found = client.get(SEARCH, {"q": "актогай"}).json()["results"]

    # then
    assert [(r["label"], r["district"]) for r in found] == [("Ақтоғай / Актогай", "Аягөз ауданы")]


def test_the_search_offers_what_a_misspelt_name_may_mean_and_says_it_is_approximate(
    personas, client
):
    # given
    village = personas.a.village
    village.name_kk = "Ақтоғай"
    village.save(update_fields=["name_kk"])
    client.force_login(personas.duty)

    # when: misspelt, in Latin letters, in Kazakh Latin
    misspelt = client.get(SEARCH, {"q": "Актагай"}).json()["results"]
    in_latin = client.get(SEARCH, {"q": "aktogai"}).json()["results"]
    kazakh_latin = client.get(SEARCH, {"q": "Aqtoğai"}).json()["results"]

    # then: the misspelling's match is flagged for the form's "Did you mean …?"
    assert misspelt == [
        {
            "id": village.pk,
            "kato": village.kato,
            "name": "Актогай",
            "name_kk": "Ақтоғай",
            "district": "Аягозский район",
            "label": "Актогай / Ақтоғай",
            "approximate": True,
            "typed_as": None,
            "exact": False,
        }
    ]
    assert [(r["label"], r["approximate"]) for r in in_latin] == [("Актогай / Ақтоғай", False)]
    assert [(r["label"], r["approximate"]) for r in kazakh_latin] == [("Актогай / Ақтоғай", False)]


def test_the_search_says_which_settlement_is_called_exactly_what_was_typed(personas, client):
    # given: Актогай, in Kazakh Ақтоғай
    village = personas.a.village
    village.name_kk = "Ақтоғай"
    village.save(update_fields=["name_kk"])
    client.force_login(personas.duty)

    def exact(q: str) -> list[bool]:
        results = client.get(SEARCH, {"q": q}).json()["results"]
        return [r["exact"] for r in results if r["id"] == village.pk]

    # then: its Russian or Kazakh name in full, or its KATO code, is it (what the page picks
    # on an Enter pressed before the list came); the start of a name is not yet
    assert exact("Актогай") == [True]
    assert exact("ақтоғай") == [True]
    assert exact(village.kato) == [True]
    assert exact("Акто") == [False]


def test_the_search_reads_a_name_typed_with_the_wrong_keyboard_layout_and_says_so(personas, client):
    # given
    village, town = personas.a.village, personas.a.town
    village.name_kk = "Ақтоғай"
    village.save(update_fields=["name_kk"])
    client.force_login(personas.duty)

    # when: Актогай typed with the English layout on, by its Russian and its Kazakh name (the
    # Kazakh layout's letters are QWERTY's digits); Аягоз typed "ayagoz" on the Russian one
    russian = client.get(SEARCH, {"q": "frnjufq"}).json()["results"]
    kazakh = client.get(SEARCH, {"q": "f0nj5fq"}).json()["results"]
    latin = client.get(SEARCH, {"q": "фнфпщя"}).json()["results"]

    # then: found, and what the query was read as, for "Showing results for «актогай»"
    assert [(r["id"], r["typed_as"], r["approximate"]) for r in russian] == [
        (village.pk, "актогай", False)
    ]
    assert [(r["id"], r["typed_as"]) for r in kazakh] == [(village.pk, "ақтоғай")]
    assert [(r["id"], r["typed_as"]) for r in latin] == [(town.pk, "ayagoz")]


def test_the_search_of_a_district_chief_stays_in_their_district(personas, client):
    # given: Архат is a village of district B
    client.force_login(personas.a.chief)

    # when
    theirs = client.get(SEARCH, {"q": "Архат"})
    mine = client.get(SEARCH, {"q": "Акт"})

    # then
    assert (theirs.status_code, theirs.json()) == (200, {"results": []})
    assert labels(mine) == ["Актогай"]


def test_the_oblast_duty_officer_searches_every_district_of_the_oblast(personas, client):
    client.force_login(personas.duty)

    assert labels(client.get(SEARCH, {"q": "ар"})) == ["Архат", "Карааул"]


def test_bad_search_input_is_a_json_error(personas, client):
    client.force_login(personas.duty)

    empty = client.get(SEARCH, {"q": "  "})
    long = client.get(SEARCH, {"q": "а" * 101})

    assert (empty.status_code, empty.json()["code"]) == (400, "query_required")
    assert (long.status_code, long.json()["code"]) == (400, "query_too_long")
    assert empty.json()["message"] == "Type part of a name or a KATO code."


@pytest.mark.django_db
def test_the_seed_fills_kazakh_names_from_the_fixture_and_keeps_corrections():
    # given: the territory seeded, one Kazakh name emptied, one corrected by hand
    from backend.geo.models import District, Okrug, Settlement
    from backend.geo.seeding import read_kazakh_names, seed_territory

    seed_territory()
    ayagoz = Settlement.objects.get(kato="103620100")
    karaul = Settlement.objects.get(kato="103230100")
    assert (ayagoz.name, ayagoz.name_kk) == ("Аягоз", "Аягөз")
    assert District.objects.get(kato="103600000").name_kk == "Аягөз ауданы"
    Settlement.objects.filter(pk=ayagoz.pk).update(name_kk="")
    Settlement.objects.filter(pk=karaul.pk).update(name_kk="Қарауыл ауылы")

    # when: seeded again
    again = seed_territory()

    # then: the empty one is filled, the correction stays, nothing else changes
    assert again.created == {"kazakh_names": 1}
    assert Settlement.objects.get(pk=ayagoz.pk).name_kk == "Аягөз"
    assert Settlement.objects.get(pk=karaul.pk).name_kk == "Қарауыл ауылы"
    kazakh = read_kazakh_names()
    assert set(kazakh) <= (
        set(Settlement.objects.values_list("kato", flat=True))
        | set(District.objects.values_list("kato", flat=True))
        | set(Okrug.objects.values_list("kato", flat=True))
    )
    assert seed_territory().created == {}


# --- saving a call ----------------------------------------------------------------------------
def test_a_saved_call_is_a_queued_102_incident_and_opens_its_page(personas, client):
    # given
    client.force_login(personas.duty)
    village = personas.b.village

    # when
    fields = call(client, settlement=village.pk, place="Архат")
    response = client.post(ADD, fields)

    # then: its page, naming the form's key (the page drops the draft the form kept)
    incident = Incident.objects.get()
    assert (response.status_code, response["Location"]) == (
        302,
        f"/admin/dispatch/incident/{incident.pk}/change/?call={fields['idempotency_key']}",
    )
    assert (
        incident.channel,
        incident.status,
        incident.priority,
        incident.district,
        incident.settlement,
        incident.caller_phone,
        incident.caller_name,
        incident.created_by,
    ) == (
        "phone_102",
        "queued",
        "P2",
        personas.b.district,
        village,
        "+77012345678",
        "Айгерим",
        personas.duty,
    )
    entry = AuditEntry.objects.get(action="incident.created")
    assert (entry.actor, entry.object_id) == (personas.duty, str(incident.pk))
    assert [m.message for m in get_messages(response.wsgi_request)] == [
        f"Call {incident.number} saved. Send a unit: the recommended ones are at the top."
    ]


def test_a_typed_settlement_coordinates_landmark_and_chosen_priority_are_kept(personas, client):
    # given: the settlement typed, never picked from the list (no script)
    client.force_login(personas.a.chief)

    # when
    client.post(
        ADD,
        call(
            client,
            place="с. Актогай",
            coordinates="46,951; 79,667",
            landmark="зимовка за речкой",
            category="livestock_theft",
            priority="P1",
        ),
    )

    # then
    incident = Incident.objects.get()
    assert (
        incident.settlement,
        incident.lat,
        incident.lon,
        incident.landmark,
        incident.priority,
        incident.location_source,
    ) == (personas.a.village, 46.951, 79.667, "зимовка за речкой", "P1", "operator")


def test_the_call_is_received_at_the_first_keystroke(personas, client):
    # given: a form rendered 5 minutes ago, first key pressed 40 s after it came up
    client.force_login(personas.duty)
    opened = clock.now() - dt.timedelta(minutes=5)
    fields = call(client, settlement=personas.a.town.pk, first_key_ms="40000")
    fields["opened"] = signing.dumps(opened.isoformat(), salt="kuzet.call_entry.opened")

    # when
    client.post(ADD, fields)

    # then
    assert Incident.objects.get().received_at == opened + dt.timedelta(seconds=40)


def test_enter_pressed_twice_saves_one_call(personas, client):
    # given
    client.force_login(personas.duty)
    fields = call(client, settlement=personas.a.town.pk)

    # when
    first = client.post(ADD, fields)
    second = client.post(ADD, fields)

    # then
    incident = Incident.objects.get()
    assert (
        first["Location"]
        == second["Location"]
        == (f"/admin/dispatch/incident/{incident.pk}/change/?call={fields['idempotency_key']}")
    )
    assert [m.message for m in get_messages(second.wsgi_request)][-1] == (
        f"This call was already saved as {incident.number}; nothing was saved twice."
    )


def test_a_saved_form_changed_and_sent_again_asks_for_a_new_form(personas, client):
    # given: a call saved, then the browser's Back, another category, Enter
    client.force_login(personas.duty)
    fields = call(client, settlement=personas.a.town.pk)
    client.post(ADD, fields)
    before = snapshot()

    # when
    response = client.post(ADD, {**fields, "category": "noise"})

    # then
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "This form already saved a call. Open “Take a call” again for a new one."
    ]
    assert snapshot() == before


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        (
            {"caller_phone": "8 701 234"},
            "caller_phone",
            "Not a Kazakhstan number: 10 digits after +7, starting with 7 (+7 7XX XXX XX XX).",
        ),
        (
            {"caller_phone": "+7 916 123 45 67"},
            "caller_phone",
            "Not a Kazakhstan number: 10 digits after +7, starting with 7 (+7 7XX XXX XX XX).",
        ),
        ({"coordinates": "somewhere"}, "coordinates", None),
        ({"coordinates": "80.43, 47.96"}, "coordinates", None),
        (
            {"place": ""},
            "place",
            "Pick the settlement (type its name or KATO code) or give coordinates: "
            "a landmark alone does not say which district.",
        ),
        ({"place": "Кара"}, "place", None),  # Карааул, Каракол
        ({"place": "Нигде"}, "place", "No settlement of your districts is called “Нигде”."),
        ({"category": ""}, "category", None),
    ],
)
def test_bad_input_is_refused_with_a_message_and_nothing_is_lost(
    personas, client, fields, field, message
):
    # given
    client.force_login(personas.duty)
    factories.settlement(
        okrug=personas.b.okrug, kato="103230300", name="Каракол", lat=48.8, lon=79.4
    )
    before = snapshot()
    place = {} if field == "place" else {"settlement": personas.a.town.pk}
    sent = call(client, landmark="у моста", **{**place, **fields})

    # when
    response = client.post(ADD, sent)

    # then: the form again, the field's error, every typed value still there; nothing saved
    assert response.status_code == 200
    form = response.context["form"]
    assert list(form.errors) == [field]
    if message:
        assert form.errors[field] == [message]
    html = response.content.decode()
    assert 'value="Айгерим"' in html
    assert 'value="у моста"' in html
    assert "Угнали мотоцикл со двора" in html
    assert snapshot() == before


def test_a_misspelt_settlement_typed_and_not_picked_is_asked_about_not_taken(personas, client):
    # given: no script (or Enter before the list came), the village's name misspelt
    client.force_login(personas.duty)
    before = snapshot()

    # when
    response = client.post(ADD, call(client, place="Актагай"))

    # then: the form asks, and nothing is saved
    assert response.context["form"].errors["place"] == [
        "No settlement of your districts is called “Актагай”. Did you mean Актогай?"
    ]
    assert snapshot() == before


def test_a_name_typed_with_the_wrong_layout_and_not_picked_is_asked_about_not_taken(
    personas, client
):
    # given: no script, Актогай typed with the English layout on
    client.force_login(personas.duty)
    before = snapshot()

    # when
    response = client.post(ADD, call(client, place="frnjufq"))

    # then: the officer never saw it read back: asked, not taken
    assert response.context["form"].errors["place"] == [
        "No settlement of your districts is called “frnjufq”. Did you mean Актогай?"
    ]
    assert snapshot() == before


@pytest.mark.parametrize("place", ["Бель Агач", "Бельагач", "бель-агач"])
def test_a_name_typed_without_its_hyphen_or_with_a_space_is_taken_as_the_name(
    personas, client, place
):
    # given: Бель-Агач, and Бельагачка beside it that the same letters start
    client.force_login(personas.duty)
    bel_agach = factories.settlement(
        okrug=personas.b.okrug, kato="104035100", name="Бель-Агач", lat=50.7, lon=80.9
    )
    factories.settlement(
        okrug=personas.b.okrug, kato="104035200", name="Бельагачка", lat=50.8, lon=80.9
    )

    # when: typed and not picked
    client.post(ADD, call(client, place=place))

    # then: the name is the name, however it was spaced
    assert Incident.objects.get().settlement == bel_agach


def test_a_settlement_typed_in_latin_letters_and_not_picked_is_taken(personas, client):
    # given
    client.force_login(personas.duty)

    # when
    client.post(ADD, call(client, place="ayagoz"))

    # then
    assert Incident.objects.get().settlement == personas.a.town


def test_several_matches_ask_to_pick_one(personas, client):
    # given
    client.force_login(personas.duty)
    factories.settlement(
        okrug=personas.b.okrug, kato="103230300", name="Каракол", lat=48.8, lon=79.4
    )

    # when
    response = client.post(ADD, call(client, place="Кара"))

    # then
    assert response.context["form"].errors["place"] == [
        "Several settlements match “Кара”: Карааул, Каракол. Pick one from the list."
    ]
    assert not Incident.objects.exists()


def test_a_district_chief_cannot_enter_a_call_for_another_district(personas, client):
    # given
    client.force_login(personas.a.chief)
    before = snapshot()

    # when: the id of district B's village written into the form
    by_id = client.post(ADD, call(client, settlement=personas.b.village.pk))
    # and coordinates in district B
    by_point = client.post(ADD, call(client, coordinates="48.70, 79.60"))

    # then
    assert by_id.context["form"].errors["place"] == [
        "This settlement is not in your districts. Pick another one."
    ]
    assert by_point.context["form"].errors["place"] == ["This place is outside your districts."]
    assert snapshot() == before


def test_the_oblast_duty_officer_enters_calls_for_any_district_of_the_oblast(personas, client):
    client.force_login(personas.duty)

    client.post(ADD, call(client, settlement=personas.a.village.pk))
    client.post(ADD, call(client, settlement=personas.b.village.pk))

    assert sorted(Incident.objects.values_list("district__name", flat=True)) == [
        "Абайский район",
        "Аягозский район",
    ]


# --- one status for "waiting for a unit" --------------------------------------------------
def test_calls_from_staff_and_from_intake_wait_in_the_same_status(personas, egov_key):
    # given
    key, _ = egov_key

    # when
    typed = incident_create(by=personas.duty, data=report(settlement_kato=personas.a.town.kato))
    sent = intake_receive(
        key=key,
        channel="egov",
        external_ref="egov-1",
        data=report(settlement_kato=personas.b.town.kato),
    ).incident

    # then
    assert typed.status == sent.status == "queued"
    assert typed.status in lifecycle.INCIDENT_WAITING
    assert set(Incident.objects.filter(status="queued")) == {typed, sent}


# --- open calls that may be the same event ----------------------------------------------------
def test_open_calls_in_the_village_or_from_the_phone_are_shown_while_typing(personas, client):
    # given
    now = clock.now()
    here = factories.incident(
        district=personas.a.district,
        settlement=personas.a.village,
        category="violence",
        priority="P0",
        status="assigned",
        received_at=now - dt.timedelta(minutes=20),
    )
    same_phone = factories.incident(
        district=personas.a.district,
        settlement=personas.a.town,
        caller_phone="+77012345678",
        received_at=now - dt.timedelta(hours=2),
    )
    factories.incident(  # closed
        district=personas.a.district,
        settlement=personas.a.village,
        status="closed",
        received_at=now - dt.timedelta(minutes=30),
        closed_at=now,
    )
    factories.incident(  # too long ago
        district=personas.a.district,
        settlement=personas.a.village,
        received_at=now - dt.timedelta(hours=7),
    )
    factories.incident(district=personas.b.district, settlement=personas.b.village)  # far away
    client.force_login(personas.duty)

    # when
    response = client.get(NEARBY, {"settlement": personas.a.village.pk, "phone": "8 701 234 56 78"})

    # then: the same caller first, then the same village
    rows = response.json()["incidents"]
    town, village = personas.a.town, personas.a.village
    km = haversine_km(village.lat, village.lon, town.lat, town.lon)
    assert [(r["number"], r["reasons"]) for r in rows] == [
        (same_phone.number, ["same phone", f"{km:.1f} km away"]),
        (here.number, ["same settlement"]),
    ]
    assert rows[1] == {
        "id": here.pk,
        "number": here.number,
        "url": f"/admin/dispatch/incident/{here.pk}/change/",
        "category": "Violence / fight",
        "priority": "P0",
        "status": "Assigned",
        "received": rows[1]["received"],
        "place": "Актогай",
        "reasons": ["same settlement"],
    }
    assert re.fullmatch(r"(\d\d\.\d\d\.\d{4} )?\d\d:\d\d:\d\d", rows[1]["received"])


def test_open_calls_a_few_km_away_are_shown_for_coordinates(personas, client):
    # given: a call 2 km from the point, in the town
    near = factories.incident(
        district=personas.a.district, settlement=personas.a.town, lat=47.98, lon=80.43
    )
    client.force_login(personas.duty)

    # when
    rows = client.get(NEARBY, {"coordinates": "47.962, 80.43"}).json()["incidents"]

    # then
    assert [(r["number"], r["reasons"]) for r in rows] == [(near.number, ["2.0 km away"])]


def test_a_district_chief_sees_no_nearby_calls_of_another_district(personas, client):
    # given
    factories.incident(district=personas.b.district, settlement=personas.b.village)
    client.force_login(personas.a.chief)

    # when
    by_id = client.get(NEARBY, {"settlement": personas.b.village.pk})
    by_point = client.get(NEARBY, {"coordinates": "48.70, 79.60"})

    # then
    assert (by_id.status_code, by_id.json()["code"]) == (400, "unknown_settlement")
    assert by_point.json() == {"incidents": []}


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({}, "nothing_to_match"),
        ({"settlement": "abc"}, "invalid_settlement"),
        ({"coordinates": "north"}, "invalid_coordinates"),
        ({"coordinates": "10, 10"}, "coordinates_outside"),
        ({"phone": "12345"}, "invalid_phone"),
    ],
)
def test_bad_nearby_input_is_a_json_error(personas, client, params, code):
    client.force_login(personas.duty)

    response = client.get(NEARBY, params)

    assert response.status_code == 400
    assert response.json()["code"] == code
    assert response.json()["message"]


# --- the rules of input -----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("typed", "normalised"),
    [
        ("+7 701 234 56 78", "+77012345678"),
        ("8 (701) 234-56-78", "+77012345678"),
        ("87012345678", "+77012345678"),
        ("77012345678", "+77012345678"),
        ("7012345678", "+77012345678"),
        ("8 7222 52 34 56", "+77222523456"),  # Semey landline
        ("", ""),
    ],
)
def test_kazakhstan_phone_numbers_are_written_one_way(typed, normalised):
    assert phone_normalise(typed) == normalised


@pytest.mark.parametrize(
    "typed", ["+7 916 123 45 67", "8 701 234", "+1 202 555 0100", "семь ноль один", "7012345678901"]
)
def test_other_numbers_are_refused(typed):
    with pytest.raises(ValidationFailed) as refused:
        phone_normalise(typed)
    assert refused.value.code == "invalid_phone"


def test_coordinates_are_read_in_the_ways_people_write_them():
    assert parse_coordinates("47.9645, 80.4344") == (47.9645, 80.4344)
    assert parse_coordinates("47,9645; 80,4344") == (47.9645, 80.4344)
    assert parse_coordinates("47.9645 80.4344") == (47.9645, 80.4344)
    assert parse_coordinates("  ") is None


def test_the_endpoints_read_a_fixed_number_of_queries(personas, client, django_assert_num_queries):
    # given: several open calls in the village
    for _ in range(5):
        factories.incident(district=personas.a.district, settlement=personas.a.village)
    client.force_login(personas.duty)

    # when / then: session, user, the oblast's districts (scope), then one query for the
    # settlement(s) and one for the incidents, however many there are
    with django_assert_num_queries(5):
        rows = client.get(NEARBY, {"settlement": personas.a.village.pk}).json()["incidents"]
    with django_assert_num_queries(4):
        found = client.get(SEARCH, {"q": "а"}).json()["results"]
    assert len(rows) == 5
    assert len(found) == 4


# --- how the call reached the desk -------------------------------------------------------
@pytest.mark.parametrize(
    ("channel", "priority", "notify_citizen"),
    [
        ("phone_102", "P2", False),
        ("agency_112", "P2", True),  # the 112 service is told the outcome
        ("walk_in", "P2", False),
        ("video", "P2", False),
        ("patrol", "P2", False),
    ],
)
def test_the_desk_says_how_the_call_came_in(personas, client, channel, priority, notify_citizen):
    # given
    client.force_login(personas.duty)

    # when
    client.post(ADD, call(client, settlement=personas.b.village.pk, channel=channel))

    # then: the incident carries the channel, with its defaults; the audit says so too
    incident = Incident.objects.get()
    assert (incident.channel, incident.priority, incident.notify_citizen) == (
        channel,
        priority,
        notify_citizen,
    )
    entry = AuditEntry.objects.get(action="incident.created")
    assert json.loads(entry.data)["channel"] == channel


def test_the_form_offers_the_desk_channels_and_their_default_priorities(personas, client):
    client.force_login(personas.duty)

    html = client.get(ADD).content.decode()

    select = re.search(r'<select name="channel"[^>]*>(.*?)</select>', html, re.S)
    assert select is not None
    values = re.findall(r'<option value="(\w+)"', select.group(1))
    assert values == ["phone_102", "agency_112", "walk_in", "video", "patrol"]
    assert '<option value="phone_102" selected>' in select.group(1)
    priorities = re.search(r'data-priorities="([^"]*)"', html)
    assert priorities is not None
    defaults = json.loads(priorities.group(1).replace("&quot;", '"'))
    assert set(defaults) == set(values)
    assert defaults["walk_in"]["domestic_violence"] == "P1"
    assert defaults["phone_102"]["noise"] == "P3"


def test_an_app_channel_cannot_be_typed_at_the_desk(personas, client):
    # given: a tampered form claims an eGov report
    client.force_login(personas.duty)
    before = snapshot()

    # when
    response = client.post(ADD, call(client, settlement=personas.b.village.pk, channel="egov"))

    # then: the form again with the channel's error; nothing saved
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["channel"]
    assert snapshot() == before
