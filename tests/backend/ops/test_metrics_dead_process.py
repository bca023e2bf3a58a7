"""``kuzet_websocket_connections`` after a uvicorn process is killed and systemd starts it
again alone (``Restart=always``): an operator saw the dead process's sockets still counted —
nothing marks a uvicorn process dead the way gunicorn's ``child_exit`` marks its workers."""

from __future__ import annotations

import os
import subprocess
import sys

from backend.ops import metrics

_A_PROCESS_WITH_ONE_SOCKET = """
from prometheus_client import Counter, Gauge
Gauge("kuzet_websocket_connections", "open sockets", ["kind"],
      multiprocess_mode="livesum").labels("device").inc()
Counter("kuzet_sync_requests_total", "pulls", ["endpoint", "result"]).labels("pull", "ok").inc()
"""


def test_a_dead_process_sockets_are_not_counted_its_counters_stay(db, tmp_path, monkeypatch):
    # given: a process that held one socket and died without being marked dead
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    subprocess.run([sys.executable, "-c", _A_PROCESS_WITH_ONE_SOCKET], env=env, check=True)
    assert any(f.name.startswith("gauge_livesum_") for f in tmp_path.iterdir())
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))

    # when
    text = metrics.exposition().decode()

    # then
    assert 'kuzet_websocket_connections{kind="device"} 1.0' not in text
    assert 'kuzet_sync_requests_total{endpoint="pull",result="ok"} 1.0' in text
    assert not any(f.name.startswith("gauge_livesum_") for f in tmp_path.iterdir())


def test_a_living_process_sockets_are_counted(tmp_path):
    # given: this process, alive, with a live gauge file of its own pid
    (tmp_path / f"gauge_livesum_{os.getpid()}.db").write_bytes(b"")

    # when
    metrics.forget_dead_processes(str(tmp_path))

    # then
    assert (tmp_path / f"gauge_livesum_{os.getpid()}.db").exists()
