"""Pointed at a real database Kuzet switches nothing on by itself; the embedded demo is a demo.

The settings are loaded in a fresh interpreter each time, with the environment ``make run``
would give them (``DJANGO_SETTINGS_MODULE`` the production module, nothing else set unless
the test says so).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .fresh_settings import ROOT, probe

REAL_DB = "postgres://kuzet@127.0.0.1:5432/kuzet"
PROBE = (
    "import json, django; from django.conf import settings; django.setup(); "
    "print(json.dumps({'debug': settings.DEBUG, 'demo': settings.KUZET_DEMO, "
    "'docs_public': settings.KUZET_API_DOCS_PUBLIC, 'key': settings.SECRET_KEY, "
    "'fallbacks': settings.SECRET_KEY_FALLBACKS}))"
)


def settings_in(var_dir: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return probe(PROBE, var_dir, **env)


def write_demo_env(var_dir: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["KUZET_VAR_DIR"] = str(var_dir)
    subprocess.run([sys.executable, "-m", "backend.config.embedded"], cwd=ROOT, env=env, check=True)


def test_a_real_database_without_secret_key_is_a_clear_error(tmp_path):
    # given: the demo's file exists, as after an earlier `make run` on SQLite
    write_demo_env(tmp_path)

    # when
    result = settings_in(tmp_path, DATABASE_URL=REAL_DB)

    # then
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr
    assert "python3 -c 'import secrets; print(secrets.token_urlsafe(50))'" in result.stderr


def test_a_real_database_runs_without_debug_demo_or_public_docs(tmp_path):
    # given
    write_demo_env(tmp_path)

    # when
    result = settings_in(tmp_path, DATABASE_URL=REAL_DB, SECRET_KEY="s" * 50)

    # then
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "debug": False,
        "demo": False,
        "docs_public": False,
        "key": "s" * 50,
        "fallbacks": [],
    }


def test_a_rotated_key_keeps_the_old_one_as_a_fallback(tmp_path):
    # when: the operator rotates SECRET_KEY, the old key beside it until sessions end
    result = settings_in(
        tmp_path, DATABASE_URL=REAL_DB, SECRET_KEY="n" * 50, SECRET_KEY_FALLBACKS="o" * 50
    )

    # then
    assert result.returncode == 0, result.stderr
    probed = json.loads(result.stdout)
    assert (probed["key"], probed["fallbacks"]) == ("n" * 50, ["o" * 50])


def test_debug_on_a_real_database_is_no_request_for_demo_accounts(tmp_path):
    # when: DEBUG opted into by hand
    result = settings_in(tmp_path, DATABASE_URL=REAL_DB, SECRET_KEY="s" * 50, DEBUG="1")

    # then
    assert json.loads(result.stdout)["demo"] is False


def test_the_embedded_demo_reads_its_own_settings_file(tmp_path):
    # given
    write_demo_env(tmp_path)
    written = (tmp_path / "demo.env").read_text()

    # when
    result = settings_in(tmp_path)
    again = settings_in(tmp_path)

    # then
    assert result.returncode == 0, result.stderr
    probed = json.loads(result.stdout)
    assert (probed["debug"], probed["demo"], probed["docs_public"]) == (True, True, True)
    assert f"SECRET_KEY={probed['key']}" in written
    assert len(probed["key"]) >= 50
    assert json.loads(again.stdout)["key"] == probed["key"]
    assert (tmp_path / "demo.env").stat().st_mode & 0o777 == 0o600


def test_make_run_sets_no_debug_of_its_own():
    # when: the recipe make would run
    recipe = subprocess.run(
        ["make", "-n", "run"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout

    # then
    assert "DEBUG" not in recipe
    assert "backend.config.embedded" in recipe
    assert "db_roles --export" in recipe


@pytest.mark.slow
def test_operator_commands_work_in_the_embedded_demo_as_readme_shows(tmp_path):
    # given: what `make run` does on SQLite, in a var/ of its own
    write_demo_env(tmp_path)
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(
        {
            "KUZET_VAR_DIR": str(tmp_path),
            "DJANGO_SETTINGS_MODULE": "backend.config.settings.base",
        }
    )
    env.pop("DEBUG", None)
    env.pop("SECRET_KEY", None)
    env.pop("KUZET_DEMO", None)

    def manage(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
        )

    assert manage("migrate", "--no-input", "-v", "0").returncode == 0
    seeded = manage("seed")
    assert "officers" in seeded.stdout, seeded.stderr

    # when
    code = manage("enrolment_code", "sem_pc1_1")

    # then
    assert code.returncode == 0, code.stderr
    assert len(code.stdout.strip().splitlines()[-1].replace("-", "")) == 12
    assert "ImproperlyConfigured" not in code.stderr


def test_the_embedded_demo_says_which_folder_it_keeps_its_database_in(tmp_path):
    # given: a demo in a folder of its own (it said "SQLite under var/" whatever the folder)
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["KUZET_VAR_DIR"] = str(tmp_path / "demo")

    # when
    result = subprocess.run(
        [sys.executable, "-m", "backend.config.embedded"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )

    # then
    demo = tmp_path / "demo"
    assert result.stderr.splitlines() == [
        f"Embedded demo (SQLite under {demo}/): settings in {demo / 'demo.env'}"
    ]
