"""The visit after a DV call (DOMAIN.md): a DV call plans one for the okrug's inspector; the
duty desk or the chief records it when the inspector reports, through the staff API — the
task is done, the risk subjects remember the visit, the audit log and the call's timeline
say so; a second, different visit over a done one is a 409; another district's is a 404.

Before, nothing but the console's edit form could mark a visit made, so the demo's chiefs
opened their console to 111 overdue follow-ups."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from backend.common import clock
from backend.dispatch.models import FollowUpTask
from backend.dispatch.services import follow_up_done
from backend.ledger.models import AuditEntry
from backend.people.models import UnitType
from tests import factories
from tests.factories import dv_call

T0 = dt.datetime(2026, 3, 2, 4, 0, tzinfo=dt.UTC)


def test_the_desk_records_the_inspectors_visit_through_the_api(personas, client_for, client):
    # given: a DV call three days ago; its visit is owed by A's inspector
    with clock.frozen(T0):
        incident, subject = dv_call(personas)
    api = client_for(personas.duty)
    detail = api.get(f"/api/v1/incidents/{incident.pk}/").json()
    (planned,) = detail["follow_ups"]
    assert planned["unit_id"] == personas.a.inspector_unit.pk
    assert planned["done_at"] is None
    visited = T0 + dt.timedelta(days=3, hours=2)  # two hours late

    # when: the inspector reported the visit; the desk records it
    with clock.frozen(visited + dt.timedelta(hours=1)):
        response = api.post(
            f"/api/v1/follow-ups/{planned['id']}/done/",
            {"note": "Беседа проведена, конфликт исчерпан", "done_at": visited.isoformat()},
            format="json",
        )

    # then: done, the risk address remembers the visit, the audit log says it was late
    assert response.status_code == 200, response.content
    assert dt.datetime.fromisoformat(response.json()["done_at"]) == visited
    task = FollowUpTask.objects.get(pk=planned["id"])
    assert (task.done_at, task.note) == (visited, "Беседа проведена, конфликт исчерпан")
    subject.refresh_from_db()
    assert subject.last_follow_up_at == visited
    entry = AuditEntry.objects.get(action="followup.done")
    assert (entry.actor_id, entry.object_id) == (personas.duty.pk, str(task.pk))
    assert entry.data_dict["late_ms"] == 2 * 3600 * 1000
    # and: the call's timeline shows the visit planned and made, by whom (the chief reads
    # Russian)
    client.force_login(personas.a.chief)
    with clock.frozen(visited + dt.timedelta(hours=1)):
        page = client.get(reverse("admin:dispatch_incident_change", args=[incident.pk]))
    rows = {r.title: r for r in page.context["kuzet_timeline"] if r.kind == "audit"}
    assert "Запланировано контрольное посещение" in rows
    made = rows["Контрольное посещение проведено"]
    assert made.source == personas.duty.display_name
    assert "Опоздание: 2 ч 00 мин" in made.detail
    assert f"Наряд: {personas.a.inspector_unit.callsign}" in made.detail
    assert "Беседа проведена, конфликт исчерпан" in made.detail


def test_the_same_visit_again_is_a_replay_and_another_is_a_conflict(personas, client_for):
    # given: a visit recorded
    incident, _subject = dv_call(personas)
    task = incident.follow_ups.get()
    api = client_for(personas.duty)
    url = f"/api/v1/follow-ups/{task.pk}/done/"
    at = clock.now().isoformat()
    first = api.post(url, {"note": "Семья дома", "done_at": at}, format="json")

    # when
    again = api.post(url, {"note": "Семья дома", "done_at": at}, format="json")
    other = api.post(url, {"note": "Другой визит"}, format="json")

    # then
    assert (first.status_code, again.status_code) == (200, 200)
    assert other.status_code == 409
    assert other.json()["error"] == "follow_up_already_done"
    assert AuditEntry.objects.filter(action="followup.done").count() == 1


def test_bad_visits_are_clear_errors_and_change_nothing(personas, client_for):
    # given
    incident, _subject = dv_call(personas)
    task = incident.follow_ups.get()
    api = client_for(personas.duty)
    url = f"/api/v1/follow-ups/{task.pk}/done/"

    # when
    future = api.post(
        url,
        {"note": "x", "done_at": (clock.now() + dt.timedelta(hours=2)).isoformat()},
        format="json",
    )
    before_call = api.post(
        url,
        {"note": "x", "done_at": (incident.received_at - dt.timedelta(hours=1)).isoformat()},
        format="json",
    )
    no_note = api.post(url, {}, format="json")

    # then
    assert (future.status_code, future.json()["error"]) == (400, "visit_in_future")
    assert (before_call.status_code, before_call.json()["error"]) == (400, "visit_before_call")
    assert (no_note.status_code, list(no_note.json()["fields"])) == (400, ["note"])
    task.refresh_from_db()
    assert task.done_at is None


def test_another_districts_visit_is_not_found_and_an_admin_may_not_record(personas, client_for):
    # given: a DV call of district B
    incident, _subject = dv_call(personas, district="b")
    task = incident.follow_ups.get()
    url = f"/api/v1/follow-ups/{task.pk}/done/"

    # when
    chief_a = client_for(personas.a.chief).post(url, {"note": "x"}, format="json")
    admin = client_for(personas.oblast_admin).post(url, {"note": "x"}, format="json")
    chief_b = client_for(personas.b.chief).post(url, {"note": "Визит проведён"}, format="json")

    # then
    assert (chief_a.status_code, chief_a.json()["error"]) == (404, "not_found")
    assert (admin.status_code, admin.json()["error"]) == (403, "forbidden")
    assert chief_b.status_code == 200


def test_the_console_records_a_visit_as_the_api_does_and_refuses_a_future_one(personas, client):
    # given: the chief of A opens the visit owed after a DV call of A two hours ago
    with clock.frozen(clock.now() - dt.timedelta(hours=2)):
        incident, subject = dv_call(personas)
    task = incident.follow_ups.get()
    client.force_login(personas.a.chief)
    url = reverse("admin:dispatch_followuptask_change", args=[task.pk])
    visited = timezone.localtime(clock.now() - dt.timedelta(minutes=30))
    later = timezone.localtime(clock.now() + dt.timedelta(hours=3))

    def post(at):
        return client.post(url, {
            "unit": task.unit_id or "", "note": "Беседа проведена",
            "done_at_0": at.strftime("%d.%m.%Y"), "done_at_1": at.strftime("%H:%M:%S"),
        })  # fmt: skip

    # when: a time to come, then the time of the visit
    future = post(later)
    task.refresh_from_db()
    assert task.done_at is None
    made = post(visited)

    # then: refused with words first; then recorded through the same service as the API
    assert future.status_code == 200
    assert "Посещение не может быть в будущем." in future.content.decode()
    assert made.status_code == 302, made.context["adminform"].form.errors
    task.refresh_from_db()
    assert task.done_at == visited.replace(microsecond=0)
    entry = AuditEntry.objects.get(action="followup.done")
    assert entry.actor_id == personas.a.chief.pk
    subject.refresh_from_db()
    assert subject.last_follow_up_at == task.done_at


def test_where_the_okrug_has_no_inspector_the_districts_dv_inspector_owes_the_visit(personas):
    # given: A's district inspector serves another okrug; the district has a DV inspector
    # (the demo's history left three visits in four owed by nobody, so never made)
    other = factories.okrug(district=personas.a.district, kato="631099000", name="Другой с.о.")
    personas.a.inspector_unit.okrug = other
    personas.a.inspector_unit.save(update_fields=["okrug"])
    dv_unit = factories.unit(
        callsign="A-DV1", district=personas.a.district, type=UnitType.DV_INSPECTOR
    )
    factories.unit(callsign="B-DV1", district=personas.b.district, type=UnitType.DV_INSPECTOR)

    # when: a DV call comes from the village
    incident, _subject = dv_call(personas)

    # then: the district's DV inspector owes its visit
    (task,) = incident.follow_ups.all()
    assert task.unit_id == dv_unit.pk


def test_the_okrugs_own_inspector_comes_before_the_dv_inspector(personas):
    factories.unit(callsign="A-DV1", district=personas.a.district, type=UnitType.DV_INSPECTOR)
    incident, _subject = dv_call(personas)
    (task,) = incident.follow_ups.all()
    assert task.unit_id == personas.a.inspector_unit.pk


def test_the_consoles_list_shows_the_visits_owed_first(personas, client):
    # given: one visit made, one owed (PostgreSQL put the owed one last)
    with clock.frozen(T0):
        made, _subject = dv_call(personas)
    with clock.frozen(T0 + dt.timedelta(hours=3)):  # not a duplicate of the first
        owed, _subject = dv_call(personas)
    with clock.frozen(T0 + dt.timedelta(days=1)):
        follow_up_done(task=made.follow_ups.get(), by=personas.duty, note="")

    # when
    client.force_login(personas.a.chief)
    with clock.frozen(T0 + dt.timedelta(days=1)):
        page = client.get(reverse("admin:dispatch_followuptask_changelist"))

    # then
    listed = [task.incident_id for task in page.context["cl"].result_list]
    assert listed == [owed.pk, made.pk]
