"""What ``make run`` says besides its commands speaks the operator's language too: the port
check (plain python3, before the venv), the embedded demo's start-up lines, the recipe's own
lines ("Kuzet stopped.", the gateway secret made for the run) and the simulator's refusals.
They were English whatever the terminal spoke, among lines in Kazakh or Russian.

The lines before Django read the backend catalog as it lies (``backend.common.language``);
"through the catalog" is checked with a stand-in catalog that marks what it is asked, the
Kazakh and Russian words with the committed one."""

from __future__ import annotations

import gettext
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import override_settings
from django.utils import translation

from backend.common import language, terminal
from backend.config import embedded, port
from backend.simulator import provision
from backend.simulator.ports import in_process_host_refused

ROOT = Path(__file__).resolve().parents[3]


class Marked(gettext.NullTranslations):
    """A catalog that answers every msgid with the language it was asked in and the msgid."""

    def __init__(self, code: str) -> None:
        super().__init__()
        self.code = code

    def gettext(self, message: str) -> str:
        return f"[{self.code}] {message}"


@pytest.fixture
def marked(monkeypatch):
    monkeypatch.setattr(language, "catalog", Marked)


def taken_port():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    return listener


# --- the catalog without Django -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("environ", "word"),
    [({}, "History"), ({"LANG": "ru_RU.UTF-8"}, "История"), ({"KUZET_LANGUAGE": "kk"}, "Тарих")],
)
def test_the_backend_catalog_is_read_without_django(environ, word):
    assert language.gettext("History", environ) == word


def test_the_commands_and_the_lines_before_them_choose_the_language_by_one_rule():
    assert terminal.terminal_language is language.terminal_language


# --- the recipe's own lines -----------------------------------------------------------------------


def test_the_recipes_lines_are_english_in_an_english_terminal(capsys):
    # when
    stopped = terminal.main(["stopped"])
    made = terminal.main(["sms-secret-made"])

    # then
    assert (stopped, made) == (0, 0)
    assert capsys.readouterr().out.splitlines() == [
        "Kuzet stopped.",
        "KUZET_SMS_INBOUND_SECRET is not set: the simulated SMS gateway signs with a secret "
        "made for this run.",
        "A real gateway needs a lasting one in the environment of every process "
        "(docs/deployment.md, Secrets).",
    ]


def test_the_recipes_lines_are_read_from_the_catalog_in_the_terminals_language(
    marked, monkeypatch, capsys
):
    # given
    monkeypatch.setenv("LC_ALL", "kk_KZ.UTF-8")

    # when
    terminal.main(["stopped"])

    # then
    assert capsys.readouterr().out == "[kk] Kuzet stopped.\n"


def test_a_line_the_recipe_does_not_have_is_a_usage_error(capsys):
    # when
    code = terminal.main(["started"])

    # then
    assert code == 2
    assert capsys.readouterr() == (
        "",
        "usage: python -m backend.common.terminal "
        "{stopped,sms-secret-made,python-packages,field-packages,field-build}\n",
    )


def test_a_recipe_line_needs_no_django_settings():
    # given: no settings module, as in the recipe's shell (Django's own gettext would refuse)
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}

    # when
    said = subprocess.run(
        [sys.executable, "-m", "backend.common.terminal", "stopped"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    # then
    assert (said.returncode, said.stdout, said.stderr) == (0, "Kuzet stopped.\n", "")


# --- the embedded demo's start-up -----------------------------------------------------------------


def test_the_embedded_demos_first_run_says_it_creates_the_database(monkeypatch, tmp_path, capsys):
    # given: a demo that never ran
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("KUZET_VAR_DIR", str(tmp_path))

    # when
    embedded.main()

    # then: where (stderr, as before), and that migrate will take a while (stdout, as the
    # recipe's echo said it)
    said = capsys.readouterr()
    assert (
        said.err == f"Embedded demo (SQLite under {tmp_path}/): settings in {tmp_path}/demo.env\n"
    )
    assert said.out == (
        f"Creating the database ({tmp_path}/kuzet.sqlite3): a minute or two the first time.\n"
    )


def test_a_later_run_does_not(monkeypatch, tmp_path, capsys):
    # given
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("KUZET_VAR_DIR", str(tmp_path))
    (tmp_path / "kuzet.sqlite3").touch()

    # when
    embedded.main()

    # then
    assert capsys.readouterr().out == ""


def test_a_real_database_is_not_the_demos_to_create(monkeypatch, tmp_path, capsys):
    # given
    monkeypatch.setenv("DATABASE_URL", "postgres://kuzet@127.0.0.1/kuzet")
    monkeypatch.setenv("KUZET_VAR_DIR", str(tmp_path))

    # when
    embedded.main()

    # then
    assert capsys.readouterr() == ("", "")
    assert list(tmp_path.iterdir()) == []


def test_the_embedded_demos_lines_are_read_from_the_catalog(marked, monkeypatch, tmp_path):
    # given
    monkeypatch.setenv("KUZET_LANGUAGE", "ru")

    # when / then
    assert embedded.startup_line(tmp_path / "demo.env") == (
        f"[ru] Embedded demo (SQLite under {tmp_path}/): settings in {tmp_path}/demo.env"
    )
    assert embedded.creating_line(tmp_path / "kuzet.sqlite3") == (
        f"[ru] Creating the database ({tmp_path}/kuzet.sqlite3): a minute or two the first time."
    )


# --- the port check -------------------------------------------------------------------------------


def test_a_taken_port_is_said_through_the_catalog(marked, monkeypatch):
    # given
    monkeypatch.setenv("LANG", "ru_RU.UTF-8")

    # when
    with taken_port() as listener:
        number = listener.getsockname()[1]
        said = port.port_taken_text(number)

    # then: all of it from the catalog — the C library's English reason is not in it
    assert said == (
        f"[ru] Port {number} on 127.0.0.1 is taken: another Kuzet or another program serves "
        f"there. Stop it, or choose another port: PORT={number + 1} make run"
    )


def test_the_port_check_runs_on_a_python_without_the_venv():
    # given: python -S, no site-packages: no Django, no dotenv, as the system's python3
    env = {**os.environ, "LANG": "C.UTF-8"}

    # when
    with taken_port() as listener:
        number = listener.getsockname()[1]
        checked = subprocess.run(
            [sys.executable, "-S", "backend/config/port.py", str(number)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )

    # then
    assert checked.returncode == 1
    assert checked.stderr.startswith(f"Port {number} on 127.0.0.1 is taken"), checked.stderr


# --- the simulator's refusals ---------------------------------------------------------------------


@pytest.mark.django_db
def test_no_duty_officer_to_dispatch_as_is_said_in_the_active_language(monkeypatch):
    # given: no staff seeded; a catalog that marks what it is asked
    monkeypatch.setattr(translation, "gettext", lambda message: f"[marked] {message}")

    # when
    with pytest.raises(RuntimeError) as refused:
        provision.officers()

    # then
    assert str(refused.value) == (
        "[marked] no duty officer to dispatch as: seed the demo staff first (manage.py seed --demo)"
    )


def test_the_host_refusal_names_the_hosts_allowed():
    assert provision.host_refused_text("localhost", [".example.kz", "kuzet.kz"]) == (
        "ALLOWED_HOSTS must include the host the demo is served on, e.g. "
        "ALLOWED_HOSTS=127.0.0.1 (README's first command sets it and DEBUG=1): with "
        "ALLOWED_HOSTS set to .example.kz,kuzet.kz, Kuzet refuses history's requests to "
        "'localhost'."
    )
    assert provision.host_refused_text("localhost", []) == (
        "ALLOWED_HOSTS must include the host the demo is served on, e.g. "
        "ALLOWED_HOSTS=127.0.0.1 (README's first command sets it and DEBUG=1): with "
        "ALLOWED_HOSTS empty, Kuzet refuses history's requests to 'localhost'."
    )


def test_history_refuses_a_host_in_the_active_language(monkeypatch):
    # given: production settings without ALLOWED_HOSTS; a catalog that marks what it is asked
    monkeypatch.setattr(translation, "gettext", lambda message: f"[marked] {message}")

    # when
    with override_settings(ALLOWED_HOSTS=[], DEBUG=False):
        refused = in_process_host_refused()

    # then
    assert refused is not None
    assert refused.startswith("[marked] ALLOWED_HOSTS must include"), refused


# --- Kazakh and Russian (the committed catalog) ---------------------------------------------------

WORDS = {
    "ru": {
        "stopped": "Kuzet остановлен.",
        "creating": "Создаём базу данных (var/kuzet.sqlite3): в первый раз это минута-две.",
        "duty": "нет дежурного, от имени которого направлять наряды: сначала добавьте "
        "демо-сотрудников (manage.py seed --demo)",
    },
    "kk": {
        "stopped": "Kuzet тоқтатылды.",
        "creating": "Дерекқор құрылуда (var/kuzet.sqlite3): алғашқы рет бір-екі минут алады.",
        "duty": "наряд жіберетін кезекші жоқ: алдымен демо қызметкерлерді жүктеңіз "
        "(manage.py seed --demo)",
    },
}


@pytest.mark.django_db
@pytest.mark.parametrize("code", ["ru", "kk"])
def test_the_lines_read_in_kazakh_and_russian(monkeypatch, capsys, code):
    # given
    monkeypatch.setenv("KUZET_LANGUAGE", code)
    words = WORDS[code]

    # when
    terminal.main(["stopped"])
    creating = embedded.creating_line(Path("var/kuzet.sqlite3"))
    with translation.override(code), pytest.raises(RuntimeError) as refused:
        provision.officers()

    # then
    assert capsys.readouterr().out == words["stopped"] + "\n"
    assert creating == words["creating"]
    assert str(refused.value) == words["duty"]
