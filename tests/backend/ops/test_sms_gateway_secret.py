"""The SMS gateway's secret is never one anybody can read in the code.

An outside security test found the demo's gateway secret was a constant in the Makefile,
set whenever the demo ran — also on PostgreSQL with production settings — so anyone could
sign inbound SMS callbacks. The embedded demo now makes one per checkout in ``var/demo.env``
(like its ``SECRET_KEY``), a demo on ``DATABASE_URL`` makes one per run, and
``check --deploy`` warns of the published value or a short one.

Settings are loaded in a fresh interpreter, with the environment ``make run`` gives them.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

from django.core import checks

from .fresh_settings import ROOT, fresh_env, probe

PUBLISHED = "kuzet-demo-sms-gateway-secret"
REAL_DB = "postgres://kuzet@127.0.0.1:5432/kuzet"
PROBE = (
    "import json, django; from django.conf import settings; django.setup(); "
    "print(json.dumps({'sms_secret': settings.KUZET_SMS_INBOUND_SECRET, "
    "'key': settings.SECRET_KEY}))"
)


def settings_in(var_dir: Path, **env: str) -> dict[str, str]:
    """The settings a process of the embedded demo (the web server, the simulator) reads."""
    result = probe(PROBE, var_dir, **env)
    assert result.returncode == 0, result.stderr
    return dict(json.loads(result.stdout))


def write_demo_env(var_dir: Path) -> None:
    """What ``make run`` does first: ``python -m backend.config.embedded``."""
    subprocess.run(
        [sys.executable, "-m", "backend.config.embedded"],
        cwd=ROOT,
        env=fresh_env(var_dir),
        check=True,
        capture_output=True,
    )


# --- the embedded demo ----------------------------------------------------------------------------


def test_the_embedded_demo_makes_its_own_gateway_secret_for_the_checkout(tmp_path):
    # given: two checkouts' first `make run`
    one, other = tmp_path / "one", tmp_path / "other"
    write_demo_env(one)
    write_demo_env(other)

    # when: the web server and the simulator (which signs as the gateway) read their settings
    web, simulator = settings_in(one), settings_in(one)

    # then: one long random secret, the same for both, kept in the file, not another's
    secret = web["sms_secret"]
    assert simulator["sms_secret"] == secret
    assert len(secret) >= 32
    assert secret != PUBLISHED
    assert f"KUZET_SMS_INBOUND_SECRET={secret}\n" in (one / "demo.env").read_text()
    assert settings_in(other)["sms_secret"] not in {secret, "", PUBLISHED}


def test_a_second_run_keeps_the_secret_and_the_environment_wins(tmp_path):
    # given
    write_demo_env(tmp_path)
    first = settings_in(tmp_path)["sms_secret"]

    # when
    write_demo_env(tmp_path)
    again = settings_in(tmp_path)["sms_secret"]
    given = settings_in(tmp_path, KUZET_SMS_INBOUND_SECRET="g" * 43)["sms_secret"]

    # then
    assert again == first
    assert given == "g" * 43


def test_a_demo_env_written_before_gets_a_secret_and_keeps_its_key(tmp_path):
    # given: var/demo.env as `make run` wrote it before the gateway secret was made there
    key = secrets.token_urlsafe(50)
    path = tmp_path / "demo.env"
    path.write_text(f"# The embedded demo's settings\nDEBUG=1\nKUZET_DEMO=1\nSECRET_KEY={key}\n")
    path.chmod(0o600)

    # when: the next `make run`
    write_demo_env(tmp_path)

    # then
    probed = settings_in(tmp_path)
    assert probed["key"] == key
    assert len(probed["sms_secret"]) >= 32
    assert path.read_text().startswith(
        f"# The embedded demo's settings\nDEBUG=1\nKUZET_DEMO=1\nSECRET_KEY={key}\n"
        "KUZET_SMS_INBOUND_SECRET="
    )
    assert path.stat().st_mode & 0o777 == 0o600


def test_a_real_database_reads_no_gateway_secret_from_the_demo_file(tmp_path):
    # given
    write_demo_env(tmp_path)

    # when
    probed = settings_in(tmp_path, DATABASE_URL=REAL_DB, SECRET_KEY="s" * 50)

    # then
    assert probed["sms_secret"] == ""


# --- make run -------------------------------------------------------------------------------------


def run_recipe_head(**env: str) -> subprocess.CompletedProcess[str]:
    """The first commands of ``make run`` (which decide the demo's settings, up to the
    database roles), run by the shell as make would, printing the gateway secret they leave
    for the processes."""
    recipe = subprocess.run(
        ["make", "-n", "run"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    assert PUBLISHED not in recipe
    lines = recipe.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("DEMO="))
    end = next(i for i, line in enumerate(lines) if line.startswith("roles="))
    head = "\n".join([*lines[start:end], 'printf "%s" "$KUZET_SMS_INBOUND_SECRET"'])
    base = {k: v for k, v in os.environ.items() if not k.startswith("KUZET_")}
    base.pop("DATABASE_URL", None)
    return subprocess.run(
        ["sh", "-c", head], cwd=ROOT, env={**base, **env}, capture_output=True, text=True
    )


def test_a_demo_on_postgresql_gets_a_gateway_secret_made_for_the_run_and_is_told():
    # when: README's "production settings on a workstation" command, twice
    first = run_recipe_head(DATABASE_URL=REAL_DB, KUZET_DEMO="1")
    second = run_recipe_head(DATABASE_URL=REAL_DB, KUZET_DEMO="1")

    # then
    assert first.returncode == 0, first.stderr
    assert len(first.stdout) >= 32
    assert first.stdout not in {PUBLISHED, second.stdout}
    assert "KUZET_SMS_INBOUND_SECRET is not set" in first.stderr


def test_make_run_keeps_a_given_secret_and_makes_none_outside_a_demo_on_postgresql():
    given = run_recipe_head(DATABASE_URL=REAL_DB, KUZET_DEMO="1", KUZET_SMS_INBOUND_SECRET="g" * 43)
    production = run_recipe_head(DATABASE_URL=REAL_DB)
    embedded = run_recipe_head()

    # then: the given value; nothing for production-like settings (check --deploy warns);
    # nothing in the environment of the embedded demo, which reads var/demo.env
    assert (given.stdout, given.stderr) == ("g" * 43, "")
    assert (production.stdout, production.stderr) == ("", "")
    assert (embedded.stdout, embedded.stderr) == ("", "")


# --- check --deploy -------------------------------------------------------------------------------


def kuzet_warnings() -> list[str]:
    found = checks.run_checks(include_deployment_checks=True, tags=[checks.Tags.security])
    return sorted(m.id for m in found if m.id and m.id.startswith("kuzet."))


def configured_for_production(settings) -> None:
    settings.KUZET_SMS_BACKEND = "backend.dispatch.sms.HttpBackend"
    settings.KUZET_SMS_GATEWAY_URL = "https://sms-gateway.example.kz/send"
    settings.KUZET_METRICS_TOKEN = "m" * 32
    settings.KUZET_WEBPUSH_PRIVATE_KEY = secrets.token_urlsafe(32)


def test_check_deploy_warns_of_the_published_demo_secret(settings):
    # given
    configured_for_production(settings)
    settings.KUZET_SMS_INBOUND_SECRET = PUBLISHED

    # when
    found = checks.run_checks(include_deployment_checks=True, tags=[checks.Tags.security])

    # then
    warning = next(m for m in found if m.id == "kuzet.W005")
    assert warning.msg.startswith("KUZET_SMS_INBOUND_SECRET is the demo's published value")
    assert "token_urlsafe(32)" in (warning.hint or "")
    assert kuzet_warnings() == ["kuzet.W005"]


def test_check_deploy_warns_of_a_short_secret_and_passes_a_made_one(settings):
    configured_for_production(settings)

    settings.KUZET_SMS_INBOUND_SECRET = "gateway-2026"
    assert kuzet_warnings() == ["kuzet.W005"]

    settings.KUZET_SMS_INBOUND_SECRET = secrets.token_urlsafe(32)
    assert kuzet_warnings() == []

    settings.KUZET_SMS_INBOUND_SECRET = ""
    assert kuzet_warnings() == ["kuzet.W004"]
