"""What ``make run`` printed in English or in codes among the operator's Kazakh or Russian
lines (a walkthrough with LANG=ru_RU.UTF-8, var/make_run_ru.log): the escalation sweep's
"fired sms_undelivered 1, ack_overdue 2", Celery's "Connected to …Transport://…" and
"celery@vm ready.", matplotlib's "generated new fontManager", the simulator's seed (an epoch
second) and its median response at ×30 (a server figure read as the world's), and make's
echo of the install and build commands with npm's own lines.

Lines said before Django read the catalog with the standard library (``backend.common.
language``); those after it, Django's gettext in the operator's language. "Through the
catalog" is checked with a stand-in that marks what it is asked and in which language."""

from __future__ import annotations

import io
import json
import logging
import os
import shlex
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import translation
from rich.console import Console

from backend.common import language, terminal
from backend.config import celery as celery_config
from backend.dispatch import tasks
from backend.dispatch.services import SAFETY_CHECK, escalation
from backend.simulator.management.commands import simulate
from backend.simulator.report import Snapshot, median_text, summary_line, summary_table
from tests.backend.common.test_make_run_lines import Marked
from tests.backend.simulator.test_command_language import StubPort, stub_world

CODES = ("sms_undelivered", "ack_overdue", "arrival_overdue", "waiting_overdue", "unit.safety")


def marked_django_gettext(message: str) -> str:
    """Django's gettext as a catalog that marks the language it was asked in."""
    return f"[{translation.get_language()}] {message}"


# --- the escalation sweep's line ------------------------------------------------------------------


def a_report() -> escalation.SweepReport:
    return escalation.SweepReport(
        claimed=7,
        fired=Counter(
            {
                "ack_overdue": 2,
                "sms_undelivered": 1,
                "waiting_overdue": 1,
                SAFETY_CHECK: 1,
                "arrival_overdue": 0,
            }
        ),
        deferred=1,
        sms=1234,
    )


def test_the_sweeps_line_names_the_rungs_as_the_board_does(monkeypatch):
    # given: an English terminal
    monkeypatch.setenv("LANG", "C.UTF-8")

    # when
    text = tasks.sweep_text(a_report())

    # then: in the ladder's order, in words, numbers as the reader writes them
    assert text == (
        "Escalations: Not delivered: SMS sent (1), Not acknowledged in time (2), Waiting for "
        "a unit (1), Check on the unit: no word on scene (1). Deferred to the next sweep: 1. "
        "SMS to units: 1,234."
    )


@pytest.mark.parametrize(
    ("environ", "words"),
    [
        (
            {"LANG": "ru_RU.UTF-8"},
            ["Не доставлено: отправлено SMS (1)", "Не подтверждено вовремя (2)", "1\xa0234"],
        ),
        (
            {"KUZET_LANGUAGE": "kk", "LANG": "ru_RU.UTF-8"},
            ["Жеткізілмеді: SMS жіберілді (1)", "Мерзімінде расталмады (2)", "1\xa0234"],
        ),
    ],
    ids=["ru", "kk"],
)
def test_the_sweeps_line_is_in_the_operators_language(monkeypatch, environ, words):
    # given
    monkeypatch.delenv("KUZET_LANGUAGE", raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)

    # when
    text = tasks.sweep_text(a_report())

    # then
    assert all(word in text for word in words), text
    assert not any(code in text for code in CODES), text


def test_the_sweeps_frame_is_read_from_the_catalog_in_the_operators_language(monkeypatch):
    # given
    monkeypatch.setenv("KUZET_LANGUAGE", "ru")
    monkeypatch.setattr(tasks, "_", marked_django_gettext)

    # when
    text = tasks.sweep_text(escalation.SweepReport(deferred=2))

    # then: nothing fired, two deferred
    assert text == "[ru] Escalations: [ru] none. Deferred to the next sweep: 2. SMS to units: 0."


@pytest.mark.django_db
def test_the_sweep_task_logs_its_line_in_words_and_its_codes_only_for_a_developer(
    monkeypatch, caplog
):
    # given: a sweep that fired three rungs (the sweep itself: tests/backend/dispatch)
    monkeypatch.setenv("LANG", "C.UTF-8")
    monkeypatch.setattr(
        escalation,
        "escalation_sweep",
        lambda **_: escalation.SweepReport(claimed=3, fired=Counter({"ack_overdue": 3}), sms=3),
    )
    monkeypatch.setattr(tasks.outbox, "sms_send_pending", lambda **_: 0)

    # when
    with caplog.at_level(logging.DEBUG, logger="backend.dispatch.tasks"):
        tasks.escalation_sweep()

    # then
    said = [
        (r.levelno, r.getMessage()) for r in caplog.records if r.name == "backend.dispatch.tasks"
    ]
    assert said == [
        (
            logging.INFO,
            "Escalations: Not acknowledged in time (3). Deferred to the next sweep: 0. "
            "SMS to units: 3.",
        ),
        (logging.DEBUG, "escalation sweep: claimed 3, fired ack_overdue 3, deferred 0, sms 3"),
    ]


@pytest.mark.django_db
def test_the_sweep_ended_early_line_is_in_the_operators_language(monkeypatch, caplog):
    # given: the worker told to stop mid-sweep
    monkeypatch.setenv("KUZET_LANGUAGE", "kk")
    monkeypatch.setattr(tasks, "_", marked_django_gettext)
    monkeypatch.setattr(
        escalation,
        "escalation_sweep",
        lambda **_: escalation.SweepReport(fired=Counter({"ack_overdue": 1})),
    )
    monkeypatch.setattr(tasks.outbox, "sms_send_pending", lambda **_: 0)
    monkeypatch.setattr(tasks, "stop_requested", lambda: True)

    # when
    with caplog.at_level(logging.INFO, logger="backend.dispatch.tasks"):
        tasks.escalation_sweep()

    # then
    assert [r.getMessage() for r in caplog.records if "ended early" in r.getMessage()] == [
        "[kk] escalation sweep ended early, the worker is stopping: fired 1, texts sent 0; "
        "the rungs and texts it did not reach are the next sweep's"
    ]


# --- the Celery worker's start --------------------------------------------------------------------


def test_celerys_start_up_lines_are_left_to_warnings():
    # when: the worker sets up its logging
    celery_config._quiet_routine_task_lines()

    # then: "Connected to …Transport://…" and "celery@vm ready." (INFO) are not printed
    for name in ("celery.worker.consumer.connection", "celery.apps.worker"):
        assert logging.getLogger(name).level == logging.WARNING, name


def test_the_worker_says_it_is_ready_in_the_operators_language(monkeypatch, caplog):
    # given
    monkeypatch.setenv("LANG", "ru_RU.UTF-8")
    monkeypatch.delenv("KUZET_LANGUAGE", raising=False)
    monkeypatch.setattr(translation, "gettext", marked_django_gettext)

    # when
    with caplog.at_level(logging.INFO, logger="backend.config.celery"):
        celery_config._worker_ready()

    # then
    assert [r.getMessage() for r in caplog.records] == [
        "[ru] The worker is ready: escalations, SMS and the periodic sweeps run."
    ]


# --- the web server's start -----------------------------------------------------------------------


def test_matplotlibs_info_lines_are_not_printed():
    # the settings' logging, as every process applies it
    assert settings.LOGGING["loggers"]["matplotlib"] == {"level": "WARNING"}
    assert logging.getLogger("matplotlib.font_manager").getEffectiveLevel() >= logging.WARNING


# --- the simulator --------------------------------------------------------------------------------


@pytest.fixture
def simulated(monkeypatch):
    monkeypatch.setattr(simulate, "LivePort", StubPort)
    monkeypatch.setattr(
        simulate, "build_world", lambda **kw: stub_world(kw["stats"], recorded=set())
    )
    monkeypatch.setattr(simulate.Command, "_wait_for", lambda self, url, seconds: None)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("options", "first"),
    [
        ({}, "Simulating 1 unit, 1 phone against http://kuzet.test at scale 30."),
        ({"seed": 7}, "Simulating 1 unit, 1 phone against http://kuzet.test at scale 30 (seed 7)."),
        (
            {"verbosity": 2},
            "Simulating 1 unit, 1 phone against http://kuzet.test at scale 30 (seed ",
        ),
    ],
    ids=["made", "chosen", "verbose"],
)
def test_the_simulators_seed_is_said_only_when_chosen_or_asked_for(
    simulated, tmp_path, options, first
):
    # given: make run's simulator chooses no seed: it is the start's epoch second
    out = io.StringIO()

    # when
    call_command(
        "simulate", url="http://kuzet.test", scale=30, duration=1, state_dir=tmp_path,
        stdout=out, **options,
    )  # fmt: skip

    # then
    assert out.getvalue().splitlines()[0].startswith(first)


def a_snapshot(*, median_min: float | None, scale: float) -> Snapshot:
    return Snapshot(
        calls=6, open_assignments=8, phones_offline=8, phones=36, outbox=40, escalations=0,
        conflicts=0, conflicts_resolved=0, median_response_min=median_min, dispatches=9,
        syncs=355, sms_replies=0, ws_events=9, api_errors=0, scale=scale,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("code", "at_30", "at_1"),
    [
        ("en", "18.0 min in the world (0.6 min on the server's clock at ×30)", "7.5 min"),
        ("ru", "18,0 ", "7,5 мин"),
        ("kk", "18,0 ", "7,5 мин"),
    ],
)
def test_the_median_response_at_30_is_the_worlds_with_the_servers_beside_it(code, at_30, at_1):
    # given: crews reach the scene 30 times faster on the server's clock at scale 30
    compressed = a_snapshot(median_min=0.6, scale=30)
    real_time = a_snapshot(median_min=7.46, scale=1)
    console = Console(file=io.StringIO(), width=400)

    # when
    with translation.override(code):
        line, table = summary_line(compressed), summary_table(compressed, title="Kuzet")
        console.print(table)
        plain = median_text(real_time)

    # then: the world's figure first, with the scale; at 1 the figure alone, as before
    assert at_30 in line
    assert at_30 in console.file.getvalue()  # type: ignore[attr-defined]
    assert "×30" in line
    assert plain == at_1
    assert "×" not in summary_line(real_time)


def test_the_median_response_text_is_read_from_the_catalog(monkeypatch):
    # given
    monkeypatch.setattr("backend.simulator.report._", marked_django_gettext)

    # when
    with translation.override("ru"):
        text = median_text(a_snapshot(median_min=0.4, scale=2.5))

    # then
    assert text == "[ru] 1,0 min in the world (0,4 min on the server's clock at ×2,5)"


def test_no_median_yet_is_a_dash_at_any_scale():
    assert median_text(a_snapshot(median_min=None, scale=30)) == "—"


# --- make's own lines -----------------------------------------------------------------------------


@pytest.mark.parametrize("line", ["python-packages", "field-packages", "field-build"])
def test_the_install_and_build_lines_are_read_from_the_catalog(monkeypatch, capsys, line):
    # given
    monkeypatch.setattr(language, "catalog", Marked)
    monkeypatch.setenv("KUZET_LANGUAGE", "kk")

    # when
    code = language.main([line])

    # then
    assert code == 0
    said = capsys.readouterr().out
    assert said.startswith("[kk] "), said
    assert said.count("\n") == 1, said


def test_the_recipe_lines_are_the_same_by_both_modules():
    assert terminal.RECIPE_LINES is language.RECIPE_LINES


def vite_build_options(script: str) -> dict[str, str]:
    """The options of the ``vite build`` in an npm script, as vite reads them
    (``--logLevel warn``, ``--logLevel=warn``, ``-l warn``)."""
    for command in script.split("&&"):
        words = shlex.split(command)
        if words[:2] == ["vite", "build"]:
            options: dict[str, str] = {}
            rest = iter(words[2:])
            for word in rest:
                name, _, value = word.lstrip("-").partition("=")
                options[{"l": "logLevel"}.get(name, name)] = value or next(rest, "")
            return options
    raise AssertionError(f"no vite build in {script!r}")


def test_the_field_apps_build_prints_only_vites_warnings_and_errors():
    # given: the build make run starts on its first run (npm run --silent build): vite's
    # English report of it ("✓ 42 modules transformed.", the chunks' sizes, "PWA v2.0.0 …
    # precache 9 entries") among the operator's lines
    package = json.loads((Path(settings.BASE_DIR) / "field" / "package.json").read_text())

    # when
    options = vite_build_options(package["scripts"]["build"])

    # then: its warnings and errors stay
    assert options.get("logLevel") == "warn"


# --- the field build's size report ----------------------------------------------------------------


def compress(tmp_path: Path, files: dict[str, bytes], **env: str) -> subprocess.CompletedProcess:
    """field/scripts/compress.mjs run as the build runs it (dist/ beside scripts/), on a
    dist/ of ``files``."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("no node")
    (tmp_path / "scripts").mkdir()
    shutil.copy(
        Path(settings.BASE_DIR) / "field" / "scripts" / "compress.mjs", tmp_path / "scripts"
    )
    (tmp_path / "dist").mkdir()
    for name, content in files.items():
        (tmp_path / "dist" / name).write_bytes(content)
    environ = {k: v for k, v in os.environ.items() if k != "KUZET_FIELD_SIZES"} | env
    return subprocess.run(
        [node, str(tmp_path / "scripts" / "compress.mjs")],
        capture_output=True,
        text=True,
        env=environ,
        check=False,
    )


SHELL = {"index.html": b"<!doctype html><title>Kuzet</title>" * 20, "icon.svg": b"<svg/>"}


def test_the_field_build_prints_no_size_report_unless_asked(tmp_path):
    # when: the build's last step, as make run's field build runs it
    done = compress(tmp_path, SHELL)

    # then: nothing printed (it read "app shell: … KB raw, … gzip, … brotli" in English among
    # the operator's lines); the report is written, the compressed files beside the assets
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
    report = json.loads((tmp_path / "dist" / "sizes.json").read_text())
    assert set(report["files"]) == set(SHELL)
    assert report["budget"] == 300 * 1024
    assert (tmp_path / "dist" / "index.html.br").exists()


def test_the_size_report_is_printed_when_asked(tmp_path):
    done = compress(tmp_path, SHELL, KUZET_FIELD_SIZES="1")

    assert done.returncode == 0
    assert done.stdout.startswith("app shell: "), done.stdout
    assert "(budget 300.0 KB compressed)" in done.stdout


def test_an_app_shell_over_its_budget_still_fails_the_build(tmp_path):
    # given: 400 KB that no compression makes smaller
    done = compress(tmp_path, SHELL | {"photo.png": os.urandom(400 * 1024)})

    assert done.returncode == 1
    assert done.stderr.startswith("FAIL: the app shell is "), done.stderr
    assert "over the 300.0 KB budget" in done.stderr
    assert done.stdout == ""
