"""A busy unit's row and page name the call it is on, a link to the call the viewer may open."""

from __future__ import annotations

import pytest
from django.urls import reverse

from backend.people.models import Officer, Role
from tests import factories


@pytest.fixture
def desk_a(world) -> Officer:
    """The duty officer of district A's desk (he sees district A only)."""
    return factories.officer(
        username="duty_a", role=Role.DUTY_OFFICER, district=world.a.district, language="en"
    )


def call_html(world, incident) -> str:
    url = reverse("admin:dispatch_incident_change", args=[incident.pk])
    status = incident.get_status_display()
    return (
        f'<a class="kuzet-code" href="{url}">{incident.number}</a>'
        f'<br><span class="quiet">{status}</span>'
    )


def test_unit_list_names_the_call_a_busy_unit_is_on_as_a_link(client, world, desk_a):
    # given: A's patrol is on call a (the world's assignment); a second unit of A is free
    free = factories.unit(callsign="A-FREE1", district=world.a.district)
    client.force_login(desk_a)

    # when
    response = client.get(reverse("admin:people_unit_changelist"))

    # then
    assert response.status_code == 200
    html = response.content.decode()
    assert '<th scope="col" class="column-on_call">' in html
    rows = {obj.pk: obj for obj in response.context["cl"].result_list}
    assert {world.a.unit.pk, free.pk} <= set(rows)
    assert call_html(world, world.a.incident) in html
    admin_ = response.context["cl"].model_admin
    assert admin_.on_call(rows[free.pk]) == ""
    assert admin_.on_call(rows[world.a.unit.pk]) == call_html(world, world.a.incident)


def test_a_call_of_another_district_the_unit_was_sent_to_links_to_its_read_only_page(
    client, world, desk_a
):
    # given: A's patrol is also sent to help on a call of district B; A's desk reads that call
    # (read-only) because its unit is on it (access.incident_lent_to)
    factories.assignment(incident=world.b.incident, unit=world.a.unit)
    client.force_login(desk_a)

    # when
    response = client.get(reverse("admin:people_unit_change", args=[world.a.unit.pk]))

    # then
    assert response.status_code == 200
    html = response.content.decode()
    assert call_html(world, world.a.incident) in html
    assert call_html(world, world.b.incident) in html
    b_url = reverse("admin:dispatch_incident_change", args=[world.b.incident.pk])
    assert client.get(b_url).status_code == 200


def test_a_call_the_viewer_may_not_open_is_named_without_a_link(client, world):
    # given: A's patrol is sent to a call of another oblast (district C); the oblast
    # administrator sees the unit, but does not dispatch and may not open C's calls
    factories.assignment(incident=world.c.incident, unit=world.a.unit)
    client.force_login(world.oblast_admin)

    # when
    response = client.get(reverse("admin:people_unit_change", args=[world.a.unit.pk]))

    # then
    assert response.status_code == 200
    html = response.content.decode()
    assert call_html(world, world.a.incident) in html
    c_url = reverse("admin:dispatch_incident_change", args=[world.c.incident.pk])
    assert c_url not in html
    status = world.c.incident.get_status_display()
    number = f'<span class="kuzet-code">{world.c.incident.number}</span>'
    assert f'{number}<br><span class="quiet">{status}</span>' in html
    assert client.get(c_url).status_code != 200


def test_the_oblast_desk_gets_a_link_to_each_district_s_call(client, world):
    # given
    factories.assignment(incident=world.b.incident, unit=world.a.unit)
    client.force_login(world.duty)

    # when
    response = client.get(reverse("admin:people_unit_change", args=[world.a.unit.pk]))

    # then
    html = response.content.decode()
    assert call_html(world, world.a.incident) in html
    assert call_html(world, world.b.incident) in html


def test_the_call_column_reads_once_for_the_whole_page(
    client, world, desk_a, django_assert_max_num_queries
):
    # given: one busy unit, then twenty more, each on its own call
    client.force_login(desk_a)
    url = reverse("admin:people_unit_changelist")
    client.get(url)  # the session's and the scope's first reads
    with django_assert_max_num_queries(100) as few:
        client.get(url)
    for i in range(20):
        unit = factories.unit(callsign=f"A-BUSY{i}", district=world.a.district)
        incident = factories.incident(district=world.a.district, settlement=world.a.settlement)
        factories.assignment(incident=incident, unit=unit)

    # when
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)

    # then
    assert response.content.decode().count('<a class="kuzet-code" href=') >= 21
