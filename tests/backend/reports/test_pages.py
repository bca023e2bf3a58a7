"""The chief's console pages: what a chief reads, what the CSV holds, the incidents behind
a figure, scope, redaction and audit of domestic-violence rows, errors, languages."""

from __future__ import annotations

import csv
import io
import json
import re
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from backend.ledger.models import AuditEntry
from tests import factories

from .dataset import EXPECTED_PROTOCOLS, PERIOD, build, build_protocols, local

pytestmark = pytest.mark.django_db

PERIOD_QUERY = {"date_from": PERIOD[0].isoformat(), "date_to": PERIOD[1].isoformat()}


@pytest.fixture
def march(personas):
    return build(personas)


def get(client, user, name: str, **params: Any):
    client.force_login(user)
    return client.get(reverse(f"admin:{name}"), {**PERIOD_QUERY, **params})


def csv_rows(response) -> list[list[str]]:
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def table_cells(html: str, table_id: str) -> list[list[str]]:
    """The text of a table's body cells (links and all), row by row."""
    section = html.split(f'id="table-{table_id}"', 1)[1].split("</section>", 1)[0]
    body = section.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    rows = re.findall(r"<tr>(.*?)</tr>", body, re.S)
    return [
        [
            re.sub(r"<[^>]+>", "", cell).strip()
            for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        ]
        for row in rows
    ]


# --- the KPI dashboard ---------------------------------------------------------------------
def test_the_dashboard_shows_the_hand_computed_figures_and_the_csv_has_the_same(
    client, personas, march
):
    # given
    chief = personas.a.chief
    chief.language = "en"
    chief.save(update_fields=["language"])

    # when
    page = get(client, chief, "reports_kpis")
    summary = csv_rows(get(client, chief, "reports_kpis", csv="summary"))

    # then: response median 900 s = 15:00, p90 1,920 s = 32:00 over 7 calls
    assert page.status_code == 200
    shown = {row[0]: row for row in table_cells(page.content.decode(), "summary")}
    assert shown["Response time"][2:5] == ["7", "15:00", "32:00"]
    assert shown["Call processing"][2:5] == ["10", "1:00", "3:30"]
    assert shown["Arrival target met"][2] == "8"
    assert shown["Arrival target met"][5] == "75.0 %"
    by_kpi = {row[0]: row for row in summary[1:]}
    assert summary[0][2:] == ["Count", "Median (s)", "90th percentile (s)", "Share (%)"]
    assert by_kpi["Response time"][2:5] == ["7", "900", "1920"]
    assert by_kpi["Delivery to the crew"][2:5] == ["10", "5", "39"]
    assert by_kpi["Travel"][2:5] == ["8", "678", "1899"]  # 677.5 s, rounded once for both
    assert by_kpi["Arrival target met"][2] == "8"
    assert by_kpi["Arrival target met"][5] == "75.0"


def test_a_slice_table_and_its_csv_agree(client, personas, march):
    # when
    page = get(client, personas.a.chief, "reports_kpis", by="zone")
    rows = csv_rows(get(client, personas.a.chief, "reports_kpis", by="zone", csv="slice"))

    # then
    header = rows[0]
    remote = next(r for r in rows[1:] if r[0] == "Отдалённая")  # the chief reads Russian
    col = {name: i for i, name in enumerate(header)}
    assert remote[col["Вызовы"]] == "6"
    assert remote[col["Время прибытия, медиана (с)"]] == "1200"
    assert remote[col["Время прибытия, 90-й проц. (с)"]] == "2460"
    assert remote[col["Норматив прибытия выполнен, доля (%)"]] == "80.0"
    shown = {r[0]: r for r in table_cells(page.content.decode(), "slice")}
    assert shown["Отдалённая"][1] == "6"
    assert "20:00" in shown["Отдалённая"]
    assert "41:00" in shown["Отдалённая"]


def test_a_slice_shows_the_wait_and_the_target_met_beside_the_count(client, personas, march):
    # when
    rows = csv_rows(get(client, personas.a.chief, "reports_kpis", by="zone", csv="slice"))
    page = get(client, personas.a.chief, "reports_kpis", by="zone").content.decode()

    # then: what the chief asks first comes first, not sixteenth past a laptop's right edge
    assert rows[0][:5] == [
        "Зона",
        "Вызовы",
        "Время прибытия, медиана (с)",
        "Время прибытия, 90-й проц. (с)",
        "Норматив прибытия выполнен, доля (%)",
    ]
    remote = next(r for r in table_cells(page, "slice") if r[0] == "Отдалённая")
    assert remote[1:5] == ["6", "20:00", "41:00", "80,0 %"]


def test_the_dashboard_reads_in_a_fixed_number_of_statements(client, personas, march):
    # given: the session and user are loaded before counting
    client.force_login(personas.a.chief)
    client.get(reverse("admin:reports_kpis"))

    def reads() -> list[str]:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(reverse("admin:reports_kpis"), {**PERIOD_QUERY, "by": "unit"})
        assert response.status_code == 200
        # transaction control and SET LOCAL are not reads
        return [q["sql"] for q in ctx.captured_queries if q["sql"].startswith(("SELECT", "WITH"))]

    # when
    before = reads()
    for day in range(1, 21):
        incident = factories.incident(
            district=personas.a.district, settlement=personas.a.town, received_at=local(day, 12)
        )
        factories.assignment(
            incident=incident,
            unit=personas.a.patrol,
            dispatched_at=local(day, 12, 1),
            on_scene_at=local(day, 12, 9),
        )
    after = reads()

    # then: session, user, the form's districts and rural okrugs, two aggregates, the units'
    # names and the admin's permission checks of the side menu; the period before's two
    # aggregates and the escalations of both periods (one per ladder); the exercise calls
    # the figures leave out (one count) — however many calls
    assert len(after) == len(before) == 14, "\n".join(q[:100] for q in after)


# --- the incidents behind a figure ------------------------------------------------------------
@pytest.mark.parametrize(
    ("params", "count", "first"),
    [
        ({"kpi": "response"}, 7, "50 мин 00 с"),  # I4, slowest first
        ({"kpi": "delivery"}, 10, "5 мин 00 с"),  # A2a's 300 s wait for coverage
        ({"kpi": "sla", "zone": "remote"}, 5, None),
        ({"kpi": "undelivered_60s"}, 11, None),
        ({}, 11, None),
        ({"shift": "night"}, 4, None),
        ({"kpi": "unit_response", "unit": "inspector"}, 2, "25 мин 00 с"),
        ({"kpi": "sync_lag"}, 3, "1 ч 00 мин"),  # the hour-long white spot first
        ({"kpi": "suspect"}, 3, None),
    ],
)
def test_every_figure_opens_exactly_the_rows_it_counted(
    client, personas, march, params, count, first
):
    # given
    if params.get("unit") == "inspector":
        params = {**params, "unit": personas.a.inspector_unit.pk}

    # when
    page = get(client, personas.a.chief, "reports_incidents", **params)
    rows = csv_rows(get(client, personas.a.chief, "reports_incidents", csv="incidents", **params))

    # then
    assert page.status_code == 200
    assert page.context["count"] == count
    assert len(rows) - 1 == count
    cells = table_cells(page.content.decode(), "incidents")
    assert len(cells) == count
    if first is not None:
        assert cells[0][-1] == first


def test_the_village_ranking_links_to_the_villages_calls(client, personas, march):
    # when
    page = get(client, personas.a.chief, "reports_villages")
    export = get(client, personas.a.chief, "reports_villages", csv="villages")
    rows = csv_rows(export)

    # then: Актогай (remote, 2G/SMS, 140 km) waits longest — on the page with its unit
    assert [r[1] for r in rows[1:]] == ["Актогай", "Аягоз"]
    assert rows[1][3:7] == ["Отдалённая", "только 2G / SMS", "140", "6"]
    assert "140 км" in table_cells(page.content.decode(), "villages")[0]
    # and the file is named for the page and the period of its figures, its name said once
    assert export["Content-Disposition"] == (
        'attachment; filename="kuzet-villages-2026-03-01_2026-03-31.csv"'
    )
    listing = get(
        client, personas.a.chief, "reports_incidents", settlement=str(personas.a.village.pk)
    )
    assert listing.context["count"] == 6
    assert page.status_code == 200


# --- scope --------------------------------------------------------------------------------
@pytest.mark.parametrize("param", ["district", "settlement", "unit"])
def test_a_chief_cannot_name_anything_of_another_district(client, personas, march, param):
    # given
    b = personas.b
    value = {"district": b.district.pk, "settlement": b.village.pk, "unit": b.patrol.pk}[param]

    # when
    page = get(client, personas.a.chief, "reports_kpis", **{param: value})
    export = get(client, personas.a.chief, "reports_incidents", csv="incidents", **{param: value})

    # then: refused, and nothing of B shown
    assert page.status_code == 400
    assert "district b" not in page.content.decode()
    assert b.district.name not in page.content.decode()
    assert export.status_code == 400
    assert export.json()["error"] == "invalid"
    assert list(export.json()["fields"]) == [param]


def test_oblast_staff_see_every_district_and_slice_by_district(client, personas, march):
    # when
    everything = get(client, personas.oblast_admin, "reports_kpis", by="district")
    one = get(client, personas.oblast_admin, "reports_kpis", district=personas.b.district.pk)

    # then
    assert everything.context["incident_count"] == 12
    names = [r[0] for r in table_cells(everything.content.decode(), "slice")]
    assert sorted(names) == sorted([personas.a.district.name, personas.b.district.name])
    assert one.context["incident_count"] == 1


def test_only_chiefs_and_oblast_staff_read_the_console(client, personas):
    # when
    client.force_login(personas.duty)
    duty = client.get(reverse("admin:reports_kpis"))
    duty_home = client.get(reverse("admin:index"))
    client.force_login(personas.a.patrol_officers[0])
    officer = client.get(reverse("admin:reports_kpis"))

    # then
    assert duty.status_code == 403
    assert duty_home.status_code == 200
    # the desk's home, not the chief's: no KPI tiles
    assert "tiles" not in duty_home.context
    assert "desk_needs" in duty_home.context
    assert officer.status_code == 302
    assert "/admin/login/" in officer["Location"]


# --- domestic violence ------------------------------------------------------------------------
def test_domestic_violence_rows_show_no_place_and_their_listing_is_audited(client, personas, march):
    # given
    dv = factories.incident(
        district=personas.a.district,
        settlement=personas.a.village,
        category="domestic_violence",
        priority="P1",
        received_at=local(18, 22),
        summary="семья Маркеровых",
        outcome_code="protective_order",
    )
    before = AuditEntry.objects.filter(action="incident.read").count()

    # when
    listing = get(client, personas.a.chief, "reports_incidents", category="domestic_violence")
    export = get(
        client, personas.a.chief, "reports_incidents", category="domestic_violence", csv="incidents"
    )
    report = get(client, personas.a.chief, "reports_upward")

    # then
    html = listing.content.decode()
    assert dv.number in html
    assert "скрыто (бытовое насилие)" in html
    assert "Маркеров" not in html
    assert "Маркеров" not in export.content.decode()
    assert personas.a.village.name not in table_cells(html, "incidents")[0]
    reads = AuditEntry.objects.filter(action="incident.read").order_by("pk")
    assert reads.count() == before + 2
    assert [json.loads(e.data)["purpose"] for e in reads[before:]] == [
        "reports.incident_list",
        "reports.csv",
    ]
    assert {e.object_id for e in reads[before:]} == {str(dv.pk)}
    dv_table = {r[0]: r for r in table_cells(report.content.decode(), "domestic_violence")}
    assert dv_table["Вызовы о бытовом насилии"][1] == "1"
    assert dv_table["Вынесено защитных предписаний"][1] == "1"


# --- the upward report ------------------------------------------------------------------------
def test_the_upward_report_as_page_csv_and_printable_layout(client, personas, march):
    # when
    page = get(client, personas.a.chief, "reports_upward")
    channels = csv_rows(get(client, personas.a.chief, "reports_upward", csv="channels"))
    apps = csv_rows(get(client, personas.a.chief, "reports_upward", csv="app_reports"))
    printable = get(client, personas.a.chief, "reports_upward", layout="print")

    # then
    assert page.status_code == 200
    assert {r[0]: r[1] for r in channels[1:]} == {
        "линия 102": "7",
        "приложение Police-102": "2",
        "eGov Mobile": "1",
        "Kaspi.kz": "1",
    }
    assert apps[1] == ["4", "3", "2", "66.7"]
    calls = csv_rows(get(client, personas.a.chief, "reports_upward", csv="calls"))
    assert calls[1] == ["11", "7", "1071", "900", "1920", "0"]  # average 7,500 / 7 s; no repeats
    html = printable.content.decode()
    assert 'id="header"' not in html
    assert "report-filters" not in html
    assert "Сообщения через приложения" in html
    assert "66,7 %" in html


ART73 = (
    "Административные протоколы по статье 73 КоАП "
    "(противоправные действия в сфере семейно-бытовых отношений)"
)
ART461 = (
    "Административные протоколы по статье 461 КоАП (невыполнение требований защитного предписания)"
)
OTHER_ARTICLE = (
    "Административные протоколы по вызовам о бытовом насилии "
    "по другой статье или без указания статьи"
)


def test_the_upward_report_splits_protocols_by_coao_article_and_each_opens_its_calls(
    client, personas, march
):
    # given: the protocols of dataset.PROTOCOLS, counted by hand there: art. 73 P1 P2 P3 (P3
    # a disorder call), art. 461 P4 P5 (P5 a fight), DV under another article or none P6 P7 P8
    made = build_protocols(personas)

    # when
    page = get(client, personas.a.chief, "reports_upward")
    export = csv_rows(get(client, personas.a.chief, "reports_upward", csv="domestic_violence"))
    printable = get(client, personas.a.chief, "reports_upward", layout="print")

    # then: the split figures on the page, in the CSV and in print; no joint row any more
    html = page.content.decode()
    shown = {r[0]: r[1] for r in table_cells(html, "domestic_violence")}
    assert (shown[ART73], shown[ART461], shown[OTHER_ARTICLE]) == ("3", "2", "3")
    assert "статьи 73 и 461" not in html
    exported = {r[0]: r[1] for r in export[1:]}
    assert (exported[ART73], exported[ART461], exported[OTHER_ARTICLE]) == ("3", "2", "3")
    assert ART461 in printable.content.decode()
    # each figure opens the list of exactly its calls, DV ones redacted and audited as read
    dv_table = next(t for t in page.context["tables"] if t.id == "domestic_violence")
    links = {row["figure"]: row["value"].href for row in dv_table.rows}
    for label, key in ((ART73, "art73"), (ART461, "art461"), (OTHER_ARTICLE, "other")):
        listing = client.get(links[label])
        assert listing.status_code == 200, links[label]
        assert listing.context["count"] == len(EXPECTED_PROTOCOLS[key])
        numbers = {made[n].number for n in EXPECTED_PROTOCOLS[key]}
        listed = " ".join(r[0] for r in table_cells(listing.content.decode(), "incidents"))
        assert all(number in listed for number in numbers), (key, listed)
        assert "скрыто (бытовое насилие)" in listing.content.decode()
    # a chief of district B reads only B's protocol under article 73
    other = get(client, personas.b.chief, "reports_upward")
    shown_b = {r[0]: r[1] for r in table_cells(other.content.decode(), "domestic_violence")}
    assert (shown_b[ART73], shown_b[ART461], shown_b[OTHER_ARTICLE]) == ("1", "0", "0")


def test_an_unknown_article_in_the_incident_list_is_refused(client, personas, march):
    # when
    response = get(client, personas.a.chief, "reports_incidents", article="999")

    # then
    assert response.status_code == 400


# --- charts -------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["response-by-zone", "trend", "delivery-by-coverage"])
def test_charts_are_svg_with_no_script_or_style_element(client, personas, march, name):
    # when
    client.force_login(personas.a.chief)
    response = client.get(reverse("admin:reports_chart", args=[name]), PERIOD_QUERY)

    # then
    body = response.content.decode()
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml; charset=utf-8"
    assert body.lstrip().startswith(("<?xml", "<svg"))
    assert "<script" not in body
    assert "<style" not in body
    assert {"response-by-zone": "Отдалённая", "trend": "медиана",
            "delivery-by-coverage": "только 2G / SMS"}[name] in body  # fmt: skip


def test_a_time_axis_says_how_its_hours_read(client, personas, march):
    # given: the log axis of the delivery chart has ticks from 0:01 up to 4:00:00 (a phone
    # out of coverage for hours), and it was labelled "minutes:seconds" under "1:00:00"
    client.force_login(personas.a.chief)

    # when
    body = client.get(
        reverse("admin:reports_chart", args=["delivery-by-coverage"]), PERIOD_QUERY
    ).content.decode()

    # then
    assert "мин:сек; от часа — ч:мин:сек" in body
    assert "минуты:секунды" not in body


def test_an_unknown_chart_is_a_json_404(client, personas):
    client.force_login(personas.a.chief)
    response = client.get(reverse("admin:reports_chart", args=["pie"]))
    assert (response.status_code, response.json()["error"]) == (404, "not_found")


# --- bad input ----------------------------------------------------------------------------
def test_a_period_that_ends_before_it_starts_is_a_clear_error(client, personas):
    # when
    params = {"date_from": "2026-03-31", "date_to": "2026-03-01"}
    page = get(client, personas.a.chief, "reports_kpis", **params)
    export = get(client, personas.a.chief, "reports_kpis", csv="summary", **params)

    # then
    assert page.status_code == 400
    assert "Период заканчивается раньше, чем начинается." in page.content.decode()
    assert export.status_code == 400
    assert export.json() == {
        "error": "invalid",
        "detail": "Параметры отчёта заданы неверно.",
        "fields": {"__all__": ["Период заканчивается раньше, чем начинается."]},
    }


# --- languages -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("kk", ["Қазір назар аударуды қажет ететіні", "Келу уақыты", "Соңғы 30 күн"]),
        ("ru", ["Что требует внимания сейчас", "Время прибытия", "Последние 30 дней"]),
        ("en", ["What needs me now", "Response time", "The last 30 days"]),
    ],
)
def test_the_home_page_speaks_the_chiefs_language(client, personas, language, words):
    # given
    chief = personas.a.chief
    chief.language = language
    chief.save(update_fields=["language"])
    client.force_login(chief)

    # when
    response = client.get(reverse("admin:index"))

    # then
    html = response.content.decode()
    assert response["Content-Language"] == language
    assert all(w in html for w in words), [w for w in words if w not in html]


def test_the_home_page_is_the_overview_and_says_what_needs_me_now_once(client, personas):
    # given
    chief = personas.a.chief
    chief.language = "en"
    chief.save(update_fields=["language"])
    client.force_login(chief)

    # when
    html = client.get(reverse("admin:index")).content.decode()

    # then: the title and the tab say where the chief is; the first section what needs him
    assert "<title>Overview | Kuzet</title>" in html
    assert re.search(r"<h1[^>]*>\s*Overview\s*</h1>", html)
    assert html.count("What needs me now") == 1


# --- what needs me now ------------------------------------------------------------------------
def test_home_counts_what_needs_the_chief_and_each_count_opens_its_list(client, personas, needs):
    # given: one of each in district A (and things that no longer need anyone), one of each
    # in district B
    client.force_login(personas.a.chief)

    # when
    home = client.get(reverse("admin:index"))

    # then
    counts = {row["key"]: row["count"] for row in home.context["needs"]}
    assert counts == {
        "open_conflicts": 1,
        "overdue_assignments": 1,
        "sos_units": 1,
        "escalations": 1,
        "calls_waiting_overdue": 1,
        "silent_devices": 1,
        "overdue_follow_ups": 1,
        "quarantined": 1,
    }
    for row in home.context["needs"]:
        listing = client.get(row["href"])
        assert listing.status_code == 200, row["href"]
        assert listing.context["cl"].result_count == row["count"], row["key"]
        assert needs[row["key"]] == {o.pk for o in listing.context["cl"].result_list}, row["key"]


@pytest.mark.parametrize(
    ("name", "current"),
    [
        ("admin:index", "Overview"),
        ("admin:reports_kpis", "KPIs"),
        ("admin:reports_villages", "Villages"),
        ("admin:reports_quality", "Data quality"),
        ("admin:reports_upward", "Report for the period"),
    ],
)
def test_the_chiefs_console_marks_the_page_he_is_on(client, personas, name, current):
    # given
    chief = personas.a.chief
    chief.language = "en"
    chief.save(update_fields=["language"])
    client.force_login(chief)

    # when
    html = client.get(reverse(name)).content.decode()

    # then: one link of the console's menu is the page's
    nav = html.split('<nav class="report-nav"', 1)[1].split("</nav>", 1)[0]
    marked = re.findall(r'<a href="[^"]*" aria-current="page">([^<]+)</a>', nav)
    assert marked == [current]
