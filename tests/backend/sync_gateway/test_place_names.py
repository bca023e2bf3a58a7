"""Schema version 4: a settlement's Kazakh name (``settlements.name_kk``) reaches the phone,
so the field app can name places in Kazakh for a Kazakh reader. An app upgrading from 3
sends WatermelonDB's migration and receives its settlements again with the new column; an
app still on 3 gets the column too and ignores it (docs/protocol.md §3)."""

from __future__ import annotations

import json

import pytest

from tests.backend.sync_support import SyncApi, ids

pytestmark = pytest.mark.django_db

UPGRADE_3_TO_4 = json.dumps(
    {"from": 3, "tables": [], "columns": [{"table": "settlements", "columns": ["name_kk"]}]}
)


@pytest.fixture
def phone(personas, client, published):
    a = personas.a
    a.town.name_kk = "Аягөз"
    a.town.save(update_fields=["name_kk"])
    _device_id, token = personas.device(a.patrol_officers[0])
    return SyncApi(client, token)


def settlements(body):
    return {r["name"]: r for r in body["changes"]["settlements"]["updated"]}


def pull(phone, cursor="null", **params):
    response = phone.pull_raw(cursor, **params)
    assert response.status_code == 200, response.content
    return response.json()


def test_a_schema_4_pull_names_each_settlement_in_kazakh_where_known(personas, phone):
    # when
    body = pull(phone, schema_version=4)

    # then: the Kazakh name where one is known, "" where none is
    rows = settlements(body)
    assert rows[personas.a.town.name]["name_kk"] == "Аягөз"
    assert rows[personas.a.village.name]["name_kk"] == ""


def test_an_app_upgrading_from_3_receives_its_settlements_again_with_their_kazakh_names(
    personas, phone
):
    # given: an app on schema 3 holds its scope; nothing has changed since
    cursor = pull(phone, schema_version=3)["timestamp"]
    assert ids(pull(phone, cursor, schema_version=3), "settlements") == []

    # when: it upgrades and pulls with WatermelonDB's migration argument
    body = pull(phone, cursor, schema_version=4, migration=UPGRADE_3_TO_4)

    # then: every settlement of its district, each with its Kazakh name
    rows = settlements(body)
    assert set(rows) == {personas.a.town.name, personas.a.village.name}
    assert rows[personas.a.town.name]["name_kk"] == "Аягөз"
