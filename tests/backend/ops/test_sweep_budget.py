"""The escalation sweep's time budget fits inside honcho's shutdown window in the embedded demo.

honcho (``make run``) SIGKILLs the worker 5 s after Ctrl-C's SIGTERM; the worker's shutdown
begins up to one polling interval later (backend/config/broker.py), and a sweep that the stop
does not reach goes on until its budget is spent and its batch in progress has committed.
The settings are loaded in a fresh interpreter, as ``make run`` gives them.
"""

from __future__ import annotations

from pathlib import Path

from backend.config.broker import POLLING_INTERVAL_S

from .fresh_settings import probe
from .test_safe_defaults import write_demo_env

HONCHO_KILLS_AFTER_S = 5.0
PROBE = (
    "import django; from django.conf import settings; django.setup(); "
    "print(settings.KUZET_ESCALATION_SWEEP_BUDGET_SECONDS)"
)


def budget_in(var_dir: Path, **env: str) -> float:
    result = probe(PROBE, var_dir, **env)
    assert result.returncode == 0, result.stderr
    return float(result.stdout)


def test_the_embedded_demo_sweeps_at_most_two_seconds_at_a_time(tmp_path: Path) -> None:
    # given: the demo's own settings, as `make run` writes them
    write_demo_env(tmp_path)

    # when: the default interval (10 s), a longer one, and a short one
    budgets = [budget_in(tmp_path, KUZET_ESCALATION_SWEEP_SECONDS=s) for s in ("10", "60", "2")]

    # then: never more than 2 s, leaving honcho's window room for the worker's own stop
    assert budgets == [2.0, 2.0, 1.6]
    assert max(budgets) + POLLING_INTERVAL_S <= HONCHO_KILLS_AFTER_S - 2


def test_a_real_database_keeps_most_of_one_interval(tmp_path: Path) -> None:
    # when: production's settings (systemd's default stop timeout is 90 s)
    budget = budget_in(
        tmp_path,
        DATABASE_URL="postgres://kuzet@127.0.0.1:5432/kuzet",
        SECRET_KEY="x" * 50,
        KUZET_ESCALATION_SWEEP_SECONDS="10",
    )

    # then: sweeps do not pile up behind each other, and a backlog goes on for 8 s
    assert budget == 8.0
