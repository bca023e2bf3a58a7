"""Hypothesis stateful test: devices record offline, sync through lost, failed and rate-limited
requests, restart, and meet replacement snapshots; in the end every event is stored exactly
once and every device holds exactly what the server shows it."""

from __future__ import annotations

import contextlib
import random
import shutil
import tempfile
from pathlib import Path

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from sync.client import DeviceClient, Retry, SimulatedClock, SyncUnavailable

from .fake_server import FakeServer, FakeTime

DEVICES = ("phone_a", "phone_b")
FAULTS = st.sampled_from([None, None, "drop_after", "network_before", "500", "429"])


class DevicesAndServer(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.dir = Path(tempfile.mkdtemp(prefix="kuzet-sync-"))
        self.time = FakeTime()
        self.server = FakeServer(time=self.time, page_size=3)
        self.clocks = {name: SimulatedClock(self.time, boot_id=f"{name}-boot") for name in DEVICES}
        self.devices: dict[str, DeviceClient] = {}
        self.recorded: set[str] = set()
        self.incidents = 0
        for name in DEVICES:
            self.devices[name] = self._open(name)
            self.devices[name].enroll(self.server.issue_code(name))

    def _open(self, name: str) -> DeviceClient:
        return DeviceClient(
            self.dir / f"{name}.sqlite3",
            self.server,
            clock=self.clocks[name],
            retry=Retry(attempts=3),
            sleep=lambda seconds: None,
            rng=random.Random(0),
        )

    # Text a phone's keyboard can type: the client refuses to record U+0000 or a lone surrogate
    # (the server would quarantine it: tests/backend/sync_gateway/test_unstorable.py).
    @rule(
        name=st.sampled_from(DEVICES),
        text=st.text(
            st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"),
            min_size=1,
            max_size=20,
        ).filter(str.strip),
    )
    def record(self, name: str, text: str) -> None:
        self.time.advance(1_000)
        self.recorded.add(self.devices[name].record_event("note", payload={"text": text}))

    @rule(change=st.sampled_from(["put", "update", "delete"]), n=st.integers(0, 5))
    def server_writes(self, change: str, n: int) -> None:
        if change == "put":
            self.incidents += 1
            self.server.put("incidents", {"id": str(self.incidents), "summary": "call"})
        elif change == "update" and str(n) in self.server.tables.get("incidents", {}):
            self.server.put("incidents", {"id": str(n), "summary": "updated"})
        elif change == "delete":
            self.server.delete("incidents", str(n))

    @rule(
        name=st.sampled_from(DEVICES), fault=FAULTS, what=st.sampled_from(["sync", "push", "pull"])
    )
    def talk(self, name: str, fault: str | None, what: str) -> None:
        self.time.advance(5_000)
        if fault is not None:
            self.server.faults.append(fault)
        device = self.devices[name]
        with contextlib.suppress(SyncUnavailable):
            getattr(device, what)()
        self.server.faults.clear()

    @rule(name=st.sampled_from(DEVICES))
    def restart(self, name: str) -> None:
        self.devices[name].close()
        self.devices[name] = self._open(name)

    @rule(name=st.sampled_from(DEVICES))
    def reboot(self, name: str) -> None:
        self.clocks[name].reboot()

    @rule()
    def prune_the_change_log(self) -> None:
        self.server.prune(through=self.server.seq)

    @invariant()
    def nothing_is_stored_twice(self) -> None:
        assert all(count == 1 for count in self.server.store_count.values())

    @invariant()
    def nothing_recorded_is_lost(self) -> None:
        held = {e["id"] for device in self.devices.values() for e in device.outbox()}
        assert self.recorded <= held | set(self.server.store_count)

    def teardown(self) -> None:
        try:
            self.server.faults.clear()
            for _ in range(2):  # the second round carries the other devices' events
                for device in self.devices.values():
                    device.sync()
            assert set(self.server.store_count) == self.recorded
            expected = {t: r for t, r in self.server.visible().items() if r}
            for device in self.devices.values():
                assert device.outbox() == []
                held = {t: device.records(t) for t in expected}
                assert held == expected
                assert {t for t in ("incidents", "events") if device.records(t)} <= set(expected)
        finally:
            for device in self.devices.values():
                device.close()
            shutil.rmtree(self.dir, ignore_errors=True)


DevicesAndServer.TestCase.settings = settings(
    max_examples=60, stateful_step_count=30, deadline=None
)
test_devices_converge_with_the_server = DevicesAndServer.TestCase
