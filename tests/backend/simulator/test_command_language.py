"""`manage.py history` and `manage.py simulate` — what the operator watches during `make run` —
speak the operator's language (KUZET_LANGUAGE, else the locale, else English): the progress,
the summary, the live figures and the end-of-run check, with the reader's numbers and
Kazakhstan's time (UTC+5) with its date."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation
from rich.console import Console

from backend.simulator import history
from backend.simulator.management.commands import simulate
from backend.simulator.management.commands.history import building_text, summary_text
from backend.simulator.report import Check, Snapshot, summary_line, summary_table
from backend.simulator.world import Stats

HISTORY = {
    "ru": {
        "environ": {"KUZET_LANGUAGE": "ru", "LANG": "en_US.UTF-8"},
        "building": "Строим историю вызовов за 0,05 дня для укомплектованных районов через "
        "сервисы самого Kuzet.",
        "progress": r"История: (\d+)% из 0,05 дня · \d+ вызов(а|ов)? · прошло \d+:\d\d",
        "summary": r"История: \d\d\.\d\d\.\d{4} \d\d:\d\d → \d\d\.\d\d\.\d{4} \d\d:\d\d по "
        r"времени Казахстана, за \d+ с: \d+ вызов(а|ов)?, .*, \d+ синхронизаци(я|и|й) "
        r"телефон(а|ов)\.",
        "check": "Проверка в конце прогона: OK",
        "events": "  события устройств: записано на телефонах ",
    },
    "kk": {
        "environ": {"LC_MESSAGES": "kk_KZ.UTF-8", "LANG": "ru_RU.UTF-8"},
        "building": "Нарядтары бар аудандар үшін 0,05 күн шақырулар тарихы Kuzet-тің өз "
        "қызметтері арқылы құрылуда.",
        "progress": r"Тарих: 0,05 күн ішінен (\d+)% · \d+ шақыру · \d+:\d\d өтті",
        "summary": r"Тарих: \d\d\.\d\d\.\d{4} \d\d:\d\d → \d\d\.\d\d\.\d{4} \d\d:\d\d Қазақстан "
        r"уақытымен, \d+ с ішінде: \d+ шақыру, .*, \d+ телефон синхрондауы\.",
        "check": "Жұмыс соңындағы тексеру: OK",
        "events": "  құрылғы оқиғалары: телефондарда жазылды ",
    },
}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", ["ru", "kk"])
def test_the_history_reads_in_the_operators_language(monkeypatch, tmp_path, language):
    # given: output to a log (a plain line at every tenth), the terminal in that language
    expected = HISTORY[language]
    call_command("seed", "--demo", stdout=io.StringIO())
    for name, value in expected["environ"].items():
        monkeypatch.setenv(name, value)
    out = io.StringIO()

    # when
    call_command("history", "--days", "0.05", "--state-dir", str(tmp_path), stdout=out)

    # then: no line of it in English
    lines = out.getvalue().splitlines()
    assert lines[0] == expected["building"]
    progress = [re.fullmatch(expected["progress"], line) for line in lines[1:11]]
    assert [int(m.group(1)) for m in progress if m] == list(range(10, 101, 10)), lines
    assert re.fullmatch(expected["summary"], lines[11]), lines[11]
    assert lines[12] == expected["check"]
    assert lines[13].startswith(expected["events"])
    assert not [line for line in lines if re.search(r"\b(calls?|History|check|lost)\b", line)]


@pytest.mark.parametrize(
    ("language", "start", "parts"),
    [
        (
            "ru",
            "История: 04.12.2026 00:30 → 07.12.2026 00:30 по времени Казахстана, за 12 с: "
            "1 вызов, 1\xa0234 направления нарядов, закрыто: 5, ",
            [
                "21 контрольное посещение по бытовому насилию",
                "1 вызов изменён после обратного звонка (2 сообщения их нарядам)",
                "5 ответов по SMS",
            ],
        ),
        (
            "kk",
            "Тарих: 04.12.2026 00:30 → 07.12.2026 00:30 Қазақстан уақытымен, 12 с ішінде: "
            "1 шақыру, наряд 1\xa0234 рет жіберілді, жабылды: 5, ",
            [
                "тұрмыстық зорлық-зомбылық бойынша 21 бақылау сапары",
                "1 шақыру кері қоңыраудан кейін өзгертілді (олардың нарядтарына 2 хабарлама)",
                "5 SMS жауап",
            ],
        ),
    ],
    ids=["ru", "kk"],
)
def test_the_histories_summary_counts_in_the_languages_words(language, start, parts):
    # given: a past ending at 19:30 UTC — 00:30 the next day in Kazakhstan (UTC+5)
    stats = Stats()
    stats.calls["102"], stats.dispatches, stats.closes = 1, 1234, 5
    stats.follow_ups, stats.reclassified, stats.messages = 21, 1, 2
    stats.sms_replies = ["a", "b", "c", "d", "e"]
    end = dt.datetime(2026, 12, 6, 19, 30, tzinfo=dt.UTC)
    built = history.Built(end - dt.timedelta(days=3), end, stats, Check(), 1)

    # when
    with translation.override(language):
        text = summary_text(built, 12.4)
        building = building_text(60)

    # then
    assert text.startswith(start)
    assert all(part in text for part in parts), text
    assert "KUZET_HISTORY_DAYS=3 make run" in building
    assert "60 " in building


# --- manage.py simulate -----------------------------------------------------------------------
class StubPort:
    """A Kuzet that answers: the command's own lines without a server (the whole stack is
    tests/e2e/simulator/test_live_simulation.py)."""

    RETRY_S = 5.0

    def __init__(self, *, base_url: str, sms_dir: Path, stats: Stats) -> None:
        self.base_url, self.stats = base_url, stats
        self.http = self.transport = None

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)

    def run(self, engine: Any, until: dt.datetime, tick: Any, stop: Any) -> None:
        tick()

    def close(self) -> None:
        pass


def stub_world(stats: Stats, *, recorded: set[str]) -> Any:
    client = SimpleNamespace(outbox=list, rejected=dict, device_id="D1")
    phone = SimpleNamespace(
        username="sem_pc1_1", client=client, recorded=recorded, online=True, outbox_size=lambda: 0
    )
    stats.errors["dispatch"] = 2
    stats.unreachable = 3
    stats.dispatches = 1234
    return SimpleNamespace(
        crews={"SEM-PC1": SimpleNamespace(phones=[phone])},
        stats=stats,
        start=lambda: None,
        end_of_shift=lambda: None,
        duty=SimpleNamespace(adopt_from_board=lambda **_: 2),
        duty_username="duty_semey1",
    )


@pytest.fixture
def simulated(monkeypatch):
    """``manage.py simulate`` against a stub port and world; ``recorded``: the phone's events."""
    recorded: set[str] = set()
    monkeypatch.setattr(simulate, "LivePort", StubPort)
    monkeypatch.setattr(
        simulate, "build_world", lambda **kw: stub_world(kw["stats"], recorded=recorded)
    )
    monkeypatch.setattr(simulate.Command, "_wait_for", lambda self, url, seconds: None)
    return recorded


SIMULATE = {
    "ru": {
        "environ": {"LANG": "ru_RU.UTF-8"},
        "lines": [
            "Симуляция: 1 наряд и 1 телефон работают с http://kuzet.test в масштабе 30 (seed 7).",
            "Его вызовы — учебные: обрабатываются как любые, помечены как учения и не входят "
            "в показатели начальников.",
            "Принято с табло: 2 вызова, оставшихся в ожидании или снятых.",
            "Конец смены: все телефоны снова на связи, синхронизация.",
        ],
        "summary": r"\[\d:\d\d из 0:01 \(\d+%\)\] вызовы 0 · открытые назначения 0 · телефоны без "
        r"связи 0/1 \(в очереди 0\) · .* · медиана прибытия — · направления нарядов 1\xa0234 · "
        r".* · ошибки API 2",
        "after": [
            "Ошибки API (отказы Kuzet): dispatch: 2",
            "Kuzet не ответил 3 раза (каждый шаг повторялся через 5,0 с; при остановке — нет).",
            "Проверка в конце прогона: OK",
            "  события устройств: записано на телефонах 0, сохранено сервером 0; потеряно 0, "
            "продублировано 0, отклонено 0, осталось в очередях 0",
            "  сообщения: отправлено через приём 0, сохранено по одному разу 0; неверных 0",
            "  ответы по SMS: отправлено шлюзом 0, сохранено 0",
        ],
        "failed": ("Проверка в конце прогона: НЕ ПРОЙДЕНА", "  потеряны: LostEvent0000000001"),
        "error": "проверка в конце прогона не пройдена",
    },
    "kk": {
        "environ": {"KUZET_LANGUAGE": "kk"},
        "lines": [
            "Модельдеу: 1 наряд және 1 телефон http://kuzet.test жүйесімен 30 масштабта жұмыс "
            "істейді (seed 7).",
            "Оның шақырулары — оқу-жаттығу шақырулары: кез келген шақыру сияқты өңделеді, "
            "оқу-жаттығу деп белгіленеді және бастықтардың көрсеткіштеріне кірмейді.",
            "Таблодан қабылданды: күтуде қалған немесе жабылған 2 шақыру.",
            "Ауысым соңы: барлық телефондар қайта байланыста, синхрондалуда.",
        ],
        "summary": r"\[0:01 ішінен \d:\d\d \(\d+%\)\] шақырулар 0 · ашық тапсырмалар 0 · "
        r"байланыссыз телефондар 0/1 \(кезекте 0\) · .* · жету медианасы — · наряд жіберулер "
        r"1\xa0234 · .* · API қателері 2",
        "after": [
            "API қателері (Kuzet бас тартқан жауаптар): dispatch: 2",
            "Kuzet 3 рет жауап бермеді (әр қадам 5,0 с кейін қайталанды; тоқтату кезінде — жоқ).",
            "Жұмыс соңындағы тексеру: OK",
            "  құрылғы оқиғалары: телефондарда жазылды 0, сервер сақтады 0; жоғалды 0, "
            "қайталанды 0, қабылданбады 0, кезектерде қалды 0",
            "  хабарламалар: қабылдау арқылы жіберілді 0, бір реттен сақталды 0; қате 0",
            "  SMS жауаптар: шлюз жіберді 0, сақталды 0",
        ],
        "failed": ("Жұмыс соңындағы тексеру: СӘТСІЗ", "  жоғалғандар: LostEvent0000000001"),
        "error": "жұмыс соңындағы тексеру сәтсіз аяқталды",
    },
}


def simulate_lines(tmp_path: Path) -> list[str]:
    out = io.StringIO()
    call_command(
        "simulate", url="http://kuzet.test", scale=30, duration=1, seed=7,
        state_dir=tmp_path, stdout=out,
    )  # fmt: skip
    return out.getvalue().splitlines()


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["ru", "kk"])
def test_the_simulator_reads_in_the_operators_language(simulated, monkeypatch, tmp_path, language):
    # given
    expected = SIMULATE[language]
    for name, value in expected["environ"].items():
        monkeypatch.setenv(name, value)

    # when
    lines = simulate_lines(tmp_path)

    # then: the start, the take-over, the end of the shift, the last summary and the check
    assert lines[:4] == expected["lines"]
    assert re.fullmatch(expected["summary"], lines[4]), lines[4]
    assert lines[5:] == expected["after"]


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["ru", "kk"])
def test_a_failed_end_of_run_check_says_so_in_the_operators_language(
    simulated, monkeypatch, tmp_path, language
):
    # given: an event the phone recorded that the server never stored
    simulated.add("LostEvent0000000001")
    for name, value in SIMULATE[language]["environ"].items():
        monkeypatch.setenv(name, value)
    out = io.StringIO()

    # when
    with pytest.raises(CommandError) as failed:
        call_command(
            "simulate", url="http://kuzet.test", duration=1, state_dir=tmp_path, stdout=out
        )

    # then
    verdict, lost = SIMULATE[language]["failed"]
    assert verdict in out.getvalue().splitlines()
    assert lost in out.getvalue().splitlines()
    assert str(failed.value) == SIMULATE[language]["error"]


@pytest.mark.django_db
def test_the_simulator_speaks_english_by_default(simulated, tmp_path):
    # when: no KUZET_LANGUAGE, LANG=C.UTF-8 (tests/conftest.py)
    lines = simulate_lines(tmp_path)

    # then
    assert lines[:3] == [
        "Simulating 1 unit, 1 phone against http://kuzet.test at scale 30 (seed 7).",
        "Its calls are exercise calls: handled like any call, marked as exercises and kept "
        "out of the chiefs' figures.",
        "Taken over from the board: 2 calls left waiting or cleared.",
    ]
    assert " · dispatches 1,234 · " in lines[4]
    assert "Kuzet did not answer 3 times (each step tried again 5.0 s later" in lines[6]
    assert "End-of-run check: OK" in lines


EXERCISE_LINE = (
    "Its calls are exercise calls: handled like any call, marked as exercises and kept out of "
    "the chiefs' figures."
)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("options", "said"),
    [({"scale": 1}, False), ({"scale": 1, "exercise": True}, True), ({"exercise": False}, False)],
    ids=["real-time", "told", "told-not"],
)
def test_the_operator_is_told_when_the_runs_calls_are_exercises(simulated, tmp_path, options, said):
    # given: scale 30 unless the case says otherwise (simulate_lines' default)
    out = io.StringIO()

    # when
    call_command(
        "simulate", url="http://kuzet.test", duration=1, seed=7, state_dir=tmp_path, stdout=out,
        **{"scale": 30, **options},
    )  # fmt: skip

    # then
    assert (EXERCISE_LINE in out.getvalue().splitlines()) is said


@pytest.mark.parametrize(
    ("language", "error"),
    [
        ("ru", "Kuzet по адресу http://127.0.0.1:9 не отвечает уже 0,0 с"),
        ("kk", "http://127.0.0.1:9 мекенжайындағы Kuzet 0,0 с бойы жауап бермейді"),
    ],
    ids=["ru", "kk"],
)
def test_no_kuzet_answering_is_said_in_the_operators_language(monkeypatch, language, error):
    # given
    monkeypatch.setenv("KUZET_LANGUAGE", language)

    # when
    with pytest.raises(CommandError) as refused:
        call_command("simulate", url="http://127.0.0.1:9", wait=0, stdout=io.StringIO())

    # then
    assert str(refused.value) == error


@pytest.mark.parametrize(
    ("language", "headers", "median"),
    [
        ("ru", ["вызовы", "открытые назначения", "телефоны без связи"], "7,5 мин"),
        ("kk", ["шақырулар", "ашық тапсырмалар", "байланыссыз телефондар"], "7,5 мин"),
    ],
    ids=["ru", "kk"],
)
def test_the_live_table_reads_in_the_operators_language(language, headers, median):
    # given
    snap = Snapshot(
        calls=1234, open_assignments=3, phones_offline=2, phones=40, outbox=5, escalations=1,
        conflicts=4, conflicts_resolved=2, median_response_min=7.46, dispatches=9, syncs=80,
        sms_replies=1, ws_events=300, api_errors=0,
    )  # fmt: skip
    console = Console(file=io.StringIO(), width=200)

    # when
    with translation.override(language):
        console.print(summary_table(snap, title="Kuzet"))
        line = summary_line(snap)

    # then
    table = console.file.getvalue()  # type: ignore[attr-defined]
    assert all(header in table for header in headers), table
    assert "1\xa0234" in table
    assert median in table
    assert median in line
    assert "1\xa0234" in line
    with translation.override("en"):
        assert "7.5 min" in summary_line(snap)
        assert "calls 1,234 · " in summary_line(snap)
