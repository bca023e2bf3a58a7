"""The officer's field app in a real browser: Debian's chromium, phone-sized, against uvicorn
on PostgreSQL. Every step is what an officer does: type the code, tap the call, tap the
milestones with no coverage, close the app, open it again in a white spot, get coverage.

Screenshots: var/screenshots/field/. Transfer sizes of the first load and of every sync
request: var/field-transfer.json (docs/field-app.md quotes them).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from io import StringIO

import pytest
from django.core.management import call_command

from backend.devices.models import Device
from backend.dispatch.models import Assignment, Conflict, Event, Incident
from sync.client import DeviceClient
from tests.e2e import browser
from tests.e2e.browser import launch_phone, screenshot, slow_cpu

from .conftest import enrolment_code
from .phone import enrol, now_ms, wait_for

# Skipped plainly (not a collection error) where the playwright package is missing.
expect = pytest.importorskip(
    "playwright.sync_api", reason="the playwright package is missing"
).expect

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.slow,
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

SUITE = "field"
MILESTONES = [("ack", "Принял"), ("en_route", "В пути"), ("on_scene", "На месте"),
              ("cleared", "Освободился")]  # fmt: skip
# What an IndexedDB full of case data would contain: checked present, then absent.
IDB_DUMP = """async () => {
  const names = (await indexedDB.databases()).map((d) => d.name)
  const dump = []
  for (const name of names) {
    const db = await new Promise((ok, fail) => {
      const r = indexedDB.open(name); r.onsuccess = () => ok(r.result); r.onerror = fail
    })
    for (const store of db.objectStoreNames) {
      const rows = await new Promise((ok, fail) => {
        const r = db.transaction(store).objectStore(store).getAll()
        r.onsuccess = () => ok(r.result); r.onerror = fail
      })
      dump.push(JSON.stringify(rows))
    }
    db.close()
  }
  return dump.join('\\n')
}"""


def report_call(duty_api, personas, district, **fields):
    """The duty officer enters a 102 call and dispatches ``unit`` through the staff API."""
    unit = fields.pop("unit")
    body = {
        "received_at": dt.datetime.now(dt.UTC).isoformat(),
        "category": "violence",
        "settlement_kato": district.town.kato,
        "landmark": "ул. Абая, 12, синие ворота",
        "summary": "Драка во дворе, слышны крики",
        "caller": {"name": "Айгерим", "phone": "+7 701 555 12 34"},
        **fields,
    }
    incident = duty_api.post("/api/v1/incidents/", body)
    assignment = duty_api.post(
        f"/api/v1/incidents/{incident['id']}/assignments/", {"unit_id": unit.pk}
    )
    return incident, assignment


def record_sizes(context, sizes):
    def finished(request):
        url = request.url
        if "/app/" not in url and "/api/sync/v1/" not in url:
            return
        try:
            transfer = request.sizes()
        except Exception:  # the page was closed meanwhile
            return
        sizes.append(
            {
                "url": url.split("://", 1)[1].split("/", 1)[1],
                "from_service_worker": request.service_worker is not None,
                "method": request.method,
                "request_body": transfer["requestBodySize"],
                "response_body": transfer["responseBodySize"],
                "response_headers": transfer["responseHeadersSize"],
                "encoding": (request.response().headers.get("content-encoding") or ""),
            }
        )

    # On the context, so the service worker's own fetches (its precache) are counted too.
    context.on("requestfinished", finished)


def test_officer_enrols_receives_a_call_works_it_offline_and_it_reaches_the_server_once(
    field_server, duty_api, personas, profile
):
    # given: an officer of A's patrol car with a fresh phone
    a = personas.a
    officer = a.patrol_officers[0]
    sizes: list[dict] = []
    clicks: dict[str, tuple[int, int]] = {}
    console_errors: list[str] = []

    with browser.playwright() as driver:
        phone = launch_phone(driver, profile)
        page = phone.pages[0]
        record_sizes(phone, sizes)
        page.on("console", lambda m: m.type == "error" and console_errors.append(m.text))

        # when: the officer types the code the operator printed
        page.goto(f"{field_server.url}/app/")
        screenshot(page, SUITE, "01-enrol")
        enrol(page, field_server, enrolment_code(officer.username))
        expect(page.get_by_text("Сейчас вызовов нет.")).to_be_visible()
        screenshot(page, SUITE, "02-enrolled")
        second = phone.new_page()
        second.goto(f"{field_server.url}/app/")
        # (the second tab loads the whole app first: 5 s ran out once on a loaded 2-core box)
        expect(second.get_by_role("heading", name="Kuzet открыт в другой вкладке")).to_be_visible(
            timeout=20_000
        )
        second.close()

        # when: the duty officer dispatches the patrol through the staff API
        incident, assignment = report_call(duty_api, personas, a, unit=a.patrol)

        # then: the call appears without a reload, and the phone confirms delivery
        call = page.locator("a.call", has_text="Насилие / драка")
        expect(call).to_be_visible(timeout=15_000)
        expect(call).to_contain_text("Аягоз")
        wait_for(
            lambda: Event.objects.filter(assignment_id=assignment["id"], kind="delivered").exists(),
            what="the delivered receipt",
        )
        screenshot(page, SUITE, "03-call-arrived")
        call.click()
        expect(page.get_by_role("link", name="Позвонить +7 701 555 12 34")).to_have_attribute(
            "href", "tel:+77015551234"
        )
        # the call opened is the call seen: its alert goes (a moment after the screen is drawn;
        # looked for at once, the landmark was found twice — on the screen and in the alert)
        expect(page.get_by_role("link", name="Новый вызов: P0")).to_have_count(0)
        expect(page.locator("dd.landmark")).to_have_text("ул. Абая, 12, синие ворота")
        screenshot(page, SUITE, "04-call-detail")

        # when: coverage is lost, and the officer works the call
        phone.set_offline(True)
        expect(page.get_by_text("Нет сети: всё сохраняется в телефоне")).to_be_visible()
        for kind, name in MILESTONES:
            before = now_ms()
            page.get_by_role("button", name=name, exact=True).click()
            expect(page.get_by_role("button", name=name)).to_contain_text("✓")
            clicks[kind] = (before, now_ms())
            page.wait_for_timeout(1200)  # minutes pass, in a short test
        page.get_by_label("Код результата").select_option("admin_protocol")
        # an administrative protocol asks for its article: the quick choice of article 73
        article = page.locator("fieldset.article")
        expect(article).to_contain_text("Статья КоАП")
        article.get_by_role("button", name="73 Противоправные действия").click()
        expect(page.get_by_label("или другая статья")).to_have_value("73")
        screenshot(page, SUITE, "05a-protocol-article")
        page.get_by_label("Описание").fill("Составлен протокол на зачинщика")
        page.get_by_label("Реестр", exact=True).select_option("erap")
        page.get_by_label("Номер в реестре").fill("261/7")
        page.get_by_role("button", name="Сохранить результат").click()
        expect(page.get_by_text("Ждут отправки: 5")).to_be_visible()
        expect(page.locator(".fact .fact-state", has_text="Ждёт отправки")).to_have_count(5)
        screenshot(page, SUITE, "05-worked-offline")

        # then: nothing of it reached the server yet
        assert (
            not Event.objects.filter(assignment_id=assignment["id"], source="app")
            .exclude(kind="delivered")
            .exists()
        )
        phone.close()

    # when: the phone restarts in a white spot — no server at all
    field_server.stop()
    with browser.playwright() as driver:
        phone = launch_phone(driver, profile, offline=True)
        page = phone.pages[0]
        record_sizes(phone, sizes)
        page.goto(f"{field_server.url}/app/")

        # then: the app opens from the service worker with every fact still waiting
        call = page.locator("a.call", has_text="Насилие / драка")
        expect(call).to_be_visible(timeout=20_000)
        # (the sync line counts them, and the call's card says they are its own: eb28a6c)
        expect(page.locator(".waiting.pending:not(.call-unsent)")).to_have_text("Ждут отправки: 5")
        expect(call.locator(".call-unsent")).to_have_text("Ждут отправки: 5")
        call.click()
        expect(page.locator(".fact .fact-state", has_text="Ждёт отправки")).to_have_count(5)
        expect(page.locator(".milestone.done")).to_have_count(4)
        screenshot(page, SUITE, "06-reopened-offline")

        # when: coverage comes back
        field_server.start()
        phone.set_offline(False)

        # then: everything is sent, and the server's verdicts are shown
        expect(page.get_by_text("Всё отправлено")).to_be_visible(timeout=30_000)
        # delivered, ack, en route, on scene, cleared
        expect(page.locator(".fact .fact-state", has_text="Принято")).to_have_count(
            5, timeout=15_000
        )
        expect(page.locator(".fact .fact-state", has_text="Записано")).to_have_count(1)
        screenshot(page, SUITE, "07-synced")
        phone.close()

    # then: each fact is on the server exactly once, dated when the officer tapped it
    events = Event.objects.filter(assignment_id=assignment["id"], source="app")
    assert sorted(events.values_list("kind", flat=True)) == sorted(
        ["delivered", "ack", "en_route", "on_scene", "cleared", "outcome"]
    )
    for kind, (before, after) in clicks.items():
        event = events.get(kind=kind)
        estimated = int(event.estimated_at.timestamp() * 1000)
        slack = event.estimate_uncertainty_ms
        assert event.estimate_method == "anchor", kind
        assert event.disposition == "applied", kind
        assert slack is not None, kind
        assert slack < 15_000, kind
        assert before - slack <= estimated <= after + slack, (kind, before, estimated, after)
        assert not event.clock_suspect
    stored = Assignment.objects.get(pk=assignment["id"])
    assert stored.status == "cleared"
    outcome = events.get(kind="outcome")
    assert outcome.payload == {
        "code": "admin_protocol",
        "text": "Составлен протокол на зачинщика",
        "coao_article": "73",
        "registry_kind": "erap",
        "registry_number": "261/7",
    }
    shown = Incident.objects.get(pk=incident["id"])
    assert (shown.outcome_code, shown.outcome_article, shown.registry_erap) == (
        "admin_protocol",
        "73",
        "261/7",
    )
    assert [e for e in console_errors if "Content Security Policy" in e] == []

    # The first load: every app file fetched (by the page and the service worker) before the
    # officer enrolled; bodies as transferred plus response headers. Negative sizes are
    # Chromium's marks for cache hits. Chromium does not report the service worker script's
    # own body (0 here): the build report has it (field/dist/sizes.json).
    enrol_at = next(i for i, r in enumerate(sizes) if r["url"].startswith("api/sync/v1/enroll"))
    first_load = sum(
        max(0, r["response_body"]) + r["response_headers"]
        for r in sizes[:enrol_at]
        if r["url"].startswith("app/")
    )
    assert 50_000 < first_load < 300 * 1024
    out = browser.ROOT / "var" / "field-transfer.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"first_load_bytes": first_load, "requests": sizes}, indent=1))


def test_cancellation_while_offline_shows_and_a_late_milestone_goes_to_the_chief(
    field_server, duty_api, personas, profile
):
    # given: the second officer of A's car acknowledged a call, then lost coverage, on a phone
    # as slow as a district's (a quarter of the CPU)
    a = personas.a
    with browser.playwright() as driver:
        phone = launch_phone(driver, profile)
        page = phone.pages[0]
        slow_cpu(page, 4)
        enrol(page, field_server, enrolment_code(a.patrol_officers[1].username))
        _, assignment = report_call(duty_api, personas, a, unit=a.patrol, category="theft")
        # the partner's phone (the reference client) leaves a note on the call
        _, partner_token = personas.device(a.patrol_officers[0])
        partner = DeviceClient(":memory:", field_server.url, token=partner_token)
        partner.record_event("note", str(assignment["id"]), {"text": "Собака во дворе, осторожно"})
        partner.sync()
        partner.close()
        page.locator("a.call", has_text="Кража").click()
        page.get_by_role("button", name="Принял", exact=True).click()
        page.get_by_placeholder("Заметка…").fill("Заявитель не открывает")
        # (tapped twice, the second tap handled before the phone has written the first note —
        # a slow phone busy with a sync takes both taps one after the other: one note, not two)
        add_note = page.get_by_role("button", name="Добавить заметку")
        add_note.evaluate("button => { button.click(); button.click() }")
        expect(page.locator(".fact[data-kind=ack] .fact-state")).to_have_text(
            "Принято", timeout=20_000
        )
        # (his note is listed once, with the call's notes, sent: not again under "my facts")
        own_note = page.locator(".other-notes li.own")
        expect(own_note).to_contain_text("Заявитель не открывает")
        expect(own_note).not_to_contain_text("ждёт связи", timeout=20_000)
        expect(page.locator(".fact[data-kind=note]")).to_have_count(0)
        expect(page.locator(".other-notes")).to_contain_text(
            "Собака во дворе, осторожно", timeout=20_000
        )
        phone.set_offline(True)
        expect(page.get_by_text("Нет сети: всё сохраняется в телефоне")).to_be_visible()

        # when: the duty officer cancels, and the officer, unaware, sets off
        duty_api.post(
            f"/api/v1/assignments/{assignment['id']}/cancel/", {"reason": "Заявитель отозвал вызов"}
        )
        page.get_by_role("button", name="В пути", exact=True).click()
        expect(page.get_by_text("Ждут отправки: 1")).to_be_visible()
        phone.set_offline(False)

        # then: the stand-down shows — the call back in the queue, not cancelled (it read
        # "Вызов отменён дежурным") — and the late milestone is marked as sent to the chief
        expect(page.locator(".banner.cancelled")).to_contain_text(
            "Вызов снят с вашего наряда", timeout=30_000
        )
        expect(page.get_by_text("Причина: Заявитель отозвал вызов")).to_be_visible()
        expect(page.locator(".fact[data-kind=en_route] .fact-state")).to_have_text(
            "Вызов к этому моменту был снят с вашего наряда — передано начальнику на разбор",
            timeout=15_000,
        )
        expect(page.get_by_role("button", name="На месте", exact=True)).to_be_disabled()
        screenshot(page, SUITE, "08-cancelled-while-offline")
        page.get_by_role("link", name="‹ Назад").click()
        # (once, with its time: the card's status said it again)
        card = page.locator("a.call", has_text="Кража")
        expect(card).to_contain_text(re.compile(r"снят с наряда \d\d:\d\d"))
        phone.close()

    notes = Event.objects.filter(assignment_id=assignment["id"], kind="note")
    assert sorted(n.payload["text"] for n in notes) == [
        "Заявитель не открывает",
        "Собака во дворе, осторожно",
    ]
    late = Event.objects.get(assignment_id=assignment["id"], kind="en_route")
    assert late.disposition == "after_cancel"
    assert Conflict.objects.filter(kind="after_cancel", event=late).count() == 1


def test_inspector_reports_position_status_and_sos_then_revocation_wipes_the_phone(
    field_server, duty_api, personas, profile
):
    # given: the inspector reads Kazakh; the phone is a kilometre north of Ayagoz
    a = personas.a
    a.inspector.language = "kk"
    a.inspector.save(update_fields=["language"])
    here = {"latitude": a.town.lat + 0.01, "longitude": a.town.lon}
    with browser.playwright() as driver:
        phone = launch_phone(driver, profile, geolocation=here, permissions=["geolocation"])
        page = phone.pages[0]
        page.goto(f"{field_server.url}/app/")
        page.get_by_label("Код регистрации").fill(enrolment_code(a.inspector.username))
        page.get_by_role("button", name="Зарегистрировать").click()
        expect(page.get_by_role("heading", name="Менің шақыруларым")).to_be_visible(timeout=20_000)
        screenshot(page, SUITE, "09-kazakh")
        incident, _ = report_call(
            duty_api, personas, a, unit=a.inspector_unit, category="livestock_theft"
        )
        expect(page.locator("a.call", has_text="Мал ұрлығы")).to_be_visible(timeout=15_000)

        # when: the officer switches to English, goes on duty and reports the unit busy
        page.locator("a.unit-chip").click()
        page.get_by_role("button", name="English").click()
        page.get_by_label("On duty (report my position)").check()
        expect(page.get_by_text("Position reported, ±")).to_be_visible(timeout=15_000)
        page.get_by_role("button", name="Busy").click()
        screenshot(page, SUITE, "10-unit")

        # then: status and position reach the server
        unit = a.inspector_unit
        wait_for(
            lambda: (
                Event.objects.filter(unit=unit, kind="unit_status", source="app").exists()
                and Event.objects.filter(unit=unit, kind="location").exists()
            ),
            what="unit status and position on the server",
        )
        unit.refresh_from_db()
        assert unit.status == "busy"
        assert (round(unit.lat, 4), round(unit.lon, 4)) == (
            round(here["latitude"], 4),
            round(here["longitude"], 4),
        )

        # then: the call shows how far it is
        page.get_by_role("link", name="‹ Back").click()
        page.locator("a.call", has_text="Livestock theft").click()
        expect(page.locator(".facts")).to_contain_text("Distance1.1 km")

        # when: SOS — a stray tap sends nothing, holding the button does
        page.get_by_role("button", name="SOS").click()
        page.get_by_role("button", name="Press and hold to send").click()
        page.wait_for_timeout(1500)
        assert not Event.objects.filter(kind="sos").exists()
        page.get_by_role("button", name="Press and hold to send").click(delay=1600)
        expect(page.locator(".sos-notice.sent")).to_contain_text("The duty desk has your SOS")
        sos = wait_for(
            lambda: Event.objects.filter(kind="sos", unit=unit).first(), what="the SOS event"
        )
        assert Event.objects.filter(kind="sos").count() == 1
        assert sos.lat is not None
        screenshot(page, SUITE, "11-sos")
        wait_for(lambda: incident["number"] in page.evaluate(IDB_DUMP), what="the call in IDB")
        # the caller's number as the phone stores it (the server's form, not the one typed)
        assert "+77015551234" in page.evaluate(IDB_DUMP)

        # when: the chief revokes the phone, and it next reaches the server
        device = Device.objects.get(officer=a.inspector, revoked_at__isnull=True)
        call_command("revoke_device", device.pk, stdout=StringIO())
        page.get_by_role("button", name="Sync now").click()

        # then: the phone says so and holds no case data any more, even after a reload
        expect(page.get_by_role("heading", name="Device revoked")).to_be_visible(timeout=20_000)
        expect(page.get_by_text("All case data on this phone has been erased")).to_be_visible()
        screenshot(page, SUITE, "12-revoked")
        dump = page.evaluate(IDB_DUMP)
        assert incident["number"] not in dump
        assert "+77015551234" not in dump
        page.reload()
        expect(page.get_by_role("heading", name="Device revoked")).to_be_visible(timeout=20_000)
        page.get_by_role("button", name="Understood").click()
        expect(page.get_by_role("heading", name="Enrol this device")).to_be_visible()
        assert incident["number"] not in page.evaluate(IDB_DUMP)
        phone.close()


def test_a_kazakh_phone_enrols_in_kazakh_then_reads_the_officers_language(
    field_server, personas, profile
):
    # given: a phone set to Kazakh; the officer's console profile says Russian
    officer = personas.a.patrol_officers[0]
    officer.language = "ru"
    officer.save(update_fields=["language"])

    with browser.playwright() as driver:
        phone = launch_phone(driver, profile, locale="kk-KZ")
        page = phone.pages[0]

        # when: the app opens for the first time
        page.goto(f"{field_server.url}/app/")

        # then: the enrolment screen reads the phone's language
        expect(page.get_by_role("heading", name="Құрылғыны тіркеу")).to_be_visible(timeout=20_000)
        screenshot(page, SUITE, "40-enrol-kk-phone")

        # when: enrolled
        page.get_by_label("Тіркеу коды").fill(enrolment_code(officer.username))
        page.get_by_role("button", name="Тіркеу", exact=True).click()

        # then: the officer's own language from the server decides from now on
        expect(page.get_by_role("heading", name="Мои вызовы")).to_be_visible(timeout=20_000)
        phone.close()
