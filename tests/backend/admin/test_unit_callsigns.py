"""A unit's callsign is letters (Latin, Cyrillic, Kazakh) and digits in groups joined by one
hyphen or space: a chief named a unit ``=HYPERLINK("http://e.x","c")`` in the admin, and the
oblast's CSV export ran it as a formula."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from backend.ledger.models import AuditEntry
from backend.people.models import Unit, callsign_validator
from backend.people.seeding import STAFFED

pytestmark = pytest.mark.django_db

MESSAGE = "A callsign is letters and digits, in groups joined by a hyphen or a space, e.g. SEM-PC1."


def add_unit(client, chief, callsign: str):
    client.force_login(chief)
    return client.post(reverse("admin:people_unit_add"), {
        "callsign": callsign, "type": "patrol_car", "mobility": "car",
        "okrug": "", "active": "on", "status": "available",
    })  # fmt: skip


@pytest.mark.parametrize(
    "callsign",
    [
        '=HYPERLINK("http://e.x","c")',
        "+1",
        "-1",
        "@A1",
        "A\t1",
        "A-1\r=1+1",
        "A--1",
        "A_1",
        "<b>A</b>",
    ],
)
def test_a_chief_cannot_name_a_unit_outside_the_callsign_pattern(client, world, callsign):
    # given
    units = set(Unit.objects.values_list("pk", flat=True))
    entries = AuditEntry.objects.count()

    # when
    response = add_unit(client, world.a.chief, callsign)

    # then: the form again, the error on the callsign, nothing created or audited
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {"callsign": [MESSAGE]}
    assert set(Unit.objects.values_list("pk", flat=True)) == units
    assert AuditEntry.objects.count() == entries


@pytest.mark.parametrize("callsign", ["SEM-PC1", "Аягөз ПП-2", "ҚҰҒ-Әі 1", "B-CAR-NEAR", "7"])
def test_a_chief_names_a_unit_in_latin_cyrillic_or_kazakh(client, world, callsign):
    # when
    response = add_unit(client, world.a.chief, callsign)

    # then
    assert response.status_code == 302
    unit = Unit.objects.get(callsign=callsign)
    assert unit.district_id == world.a.district.pk


@pytest.mark.parametrize("callsign", ["\tA-1", "\rA-1", " A-1", "A-1 ", "A-1\n", "-A-1", ""])
def test_a_callsign_has_no_blank_or_formula_ends_outside_the_admin_either(callsign):
    # given: the admin's form strips blanks at the ends; a row made elsewhere is checked by
    # the model (full_clean)

    # when
    with pytest.raises(ValidationError) as refused:
        callsign_validator(callsign)

    # then
    assert refused.value.messages == [MESSAGE]


def test_every_callsign_of_the_seed_fits_the_pattern():
    # given
    callsigns = [spec.callsign for district in STAFFED for spec in district.units]

    # when
    refused = []
    for callsign in callsigns:
        try:
            callsign_validator(callsign)
        except ValidationError:
            refused.append(callsign)

    # then
    assert len(callsigns) > 10
    assert refused == []
