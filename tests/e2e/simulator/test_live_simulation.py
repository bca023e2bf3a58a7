"""End to end: the simulator against a real Kuzet — uvicorn (HTTP and WebSocket), a Celery
worker and beat, PostgreSQL, a private Redis — at a high time scale. Calls must flow through
every interface and the end-of-run check must find nothing lost or duplicated."""

from __future__ import annotations

import io
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

from backend.common import clock
from backend.dispatch.models import Assignment, Event, Incident
from backend.dispatch.services import IncidentInput, incident_create
from backend.people.models import Officer
from backend.people.seeding import DEMO_PASSWORD
from backend.simulator import provision
from tests.e2e.escalation.conftest import CELERY, PrivateRedis, Proc
from tests.e2e.processes import database_url, free_port, http_server, server_env

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
]

SMS_SECRET = "test-inbound-secret"  # as in backend.config.settings.test


@pytest.fixture
def kuzet(tmp_path: Path, settings) -> Iterator[str]:
    """``http://host:port`` of a whole Kuzet on the test database."""
    call_command("seed", "--demo", stdout=io.StringIO())
    # The test settings hash with MD5, which the server's settings do not accept: give the
    # duty officer (who signs in to the board) a password hash the server can check.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    duty = Officer.objects.get(username=provision.officers().duty_username)
    duty.set_password(DEMO_PASSWORD)
    duty.save(update_fields=["password"])
    redis = PrivateRedis(port=free_port(), dir=tmp_path)
    redis.start()
    sms_dir = tmp_path / "sms"
    settings.KUZET_SMS_FILE_DIR = str(sms_dir)
    env = server_env(
        database=database_url(),
        var_dir=tmp_path,
        REDIS_URL=redis.url,
        KUZET_SMS_BACKEND="backend.dispatch.sms.FileBackend",
        KUZET_SMS_FILE_DIR=str(sms_dir),
        KUZET_SMS_INBOUND_SECRET=SMS_SECRET,
        KUZET_ESCALATION_SWEEP_SECONDS="2",
        KUZET_DB_POOL="0",
        # As under `make run`: the duty officer signs in to the board over plain HTTP, which
        # production settings (secure cookies only) rightly refuse.
        DEBUG="1",
    )
    celery = [
        Proc("worker", [CELERY, "-A", "backend.config", "worker", "--pool", "threads",
                        "--concurrency", "2", "--without-heartbeat", "--without-mingle",
                        "--without-gossip", "--loglevel", "WARNING"], env,
             tmp_path / "worker.log").start(),
        Proc("beat", [CELERY, "-A", "backend.config", "beat", "--loglevel", "WARNING",
                      "-s", str(tmp_path / "beat-schedule")], env, tmp_path / "beat.log").start(),
    ]  # fmt: skip
    port = free_port()
    args = [
        sys.executable, "-m", "uvicorn", "backend.config.asgi:application", "--host",
        "127.0.0.1", "--port", str(port), "--lifespan", "off", "--no-access-log",
    ]  # fmt: skip
    try:
        with http_server(args, port=port, env=env, name="uvicorn") as host:
            yield f"http://{host}"
    finally:
        for proc in reversed(celery):
            proc.stop()
        redis.stop()
        connection.close()


def left_on_the_board() -> Incident:
    """A call an earlier shift took and never dispatched (its simulator was stopped)."""
    duty = Officer.objects.get(username="duty_semey1")
    return incident_create(
        by=duty,
        channel="phone_102",
        data=IncidentInput(
            category="theft", received_at=clock.now(), summary="Кража из гаража",
            settlement_kato="103620100",
        ),
    )  # fmt: skip


def test_a_short_simulation_flows_through_every_interface_and_loses_nothing(kuzet, tmp_path):
    # given
    out = io.StringIO()
    waiting = left_on_the_board()

    # when: a minute of real time, an hour of the world, at forty times the usual call rate
    call_command(
        "simulate",
        url=kuzet,
        scale=60,
        duration=60,
        busy=40,
        seed=12,
        summary_every=15,
        state_dir=tmp_path / "sim",
        stdout=out,
    )

    # then: the simulator's own end-of-run check
    output = out.getvalue()
    assert "End-of-run check: OK" in output, output
    assert "lost 0, duplicated 0, rejected 0, left in outboxes 0" in output, output

    # then: calls came through intake and were dispatched by the duty officer's API calls
    simulated = Incident.objects.filter(external_ref__startswith="SIM-L")
    assert simulated.count() >= 5
    # then: at scale 60 every call it made is an exercise call (intake and the desk's own),
    # kept out of the chiefs' figures; the call that was on the board before is not
    made = Incident.objects.exclude(pk=waiting.pk)
    assert set(made.values_list("exercise", flat=True)) == {True}
    waiting.refresh_from_db()
    assert waiting.exercise is False
    assert Assignment.objects.filter(dispatched_by__role="duty_officer").count() >= 5
    # then: the phones spoke over HTTP and over their sockets
    vias = set(Event.objects.filter(source="app").values_list("via", flat=True))
    assert {"http", "ws"} <= vias
    kinds = set(Event.objects.filter(source="app").values_list("kind", flat=True))
    assert {"delivered", "ack", "en_route", "on_scene"} <= kinds
    # then: the duty officer took over the call left on the board and sent a unit
    assert "Taken over from the board: 1 call left waiting or cleared." in output, output
    assert Assignment.objects.filter(incident=waiting).exists()
