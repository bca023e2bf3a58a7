"""Hypothesis: devices and the server under random offline periods, lost, duplicated and
late requests and responses. At the end every event is stored exactly once and every
device holds exactly the server's view of its scope."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from backend.common import clock
from backend.devices.services import enrolment_code_issue
from backend.dispatch.models import Assignment, Event
from sync.client import DeviceClient, Retry, SimulatedClock, SyncUnavailable
from tests import factories

from .conftest import cancel, device_view, dispatch, reassign, server_view
from .transport import DjangoTransport, Faulty

KINDS = ["delivered", "ack", "en_route", "on_scene", "cleared", "note"]


class SyncMachine(RuleBasedStateMachine):
    personas: Any = None

    @initialize()
    def start(self) -> None:
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        p = self.personas
        self.units = [p.a.patrol, p.a.inspector_unit]
        self.assignments: list[Assignment] = []
        self.recorded: set[str] = set()
        self.devices: list[DeviceClient] = []
        counter = itertools.count()
        for n, officer in enumerate(
            [p.a.patrol_officers[0], p.a.patrol_officers[1], p.a.inspector]
        ):
            device = DeviceClient(
                ":memory:",
                Faulty(DjangoTransport()),
                clock=SimulatedClock(clock.now_ms, boot_id=f"boot-{n}"),
                retry=Retry(attempts=2, base_s=0.0, cap_s=0.0),
                sleep=lambda _s: None,
                id_factory=lambda n=n: f"dev{n}evt{next(counter):010d}",
            )
            device.enroll(enrolment_code_issue(officer=officer), {"install_id": f"inst-{n}"})
            device.sync()
            self.devices.append(device)

    def teardown(self) -> None:
        for device in getattr(self, "devices", []):
            device.close()
        if hasattr(self, "_atomic"):
            transaction.set_rollback(True)
            self._atomic.__exit__(None, None, None)

    # -- the server side --

    @rule(unit=st.integers(0, 1))
    def dispatch_incident(self, unit: int) -> None:
        incident = factories.incident(district=self.personas.a.district)
        self.assignments.append(dispatch(incident=incident, unit=self.units[unit]))

    @rule(index=st.integers(0, 50))
    def reassign_one(self, index: int) -> None:
        open_ones = [a for a in self.assignments if a.is_open]
        if open_ones:
            old = open_ones[index % len(open_ones)]
            to = self.units[1] if old.unit_id == self.units[0].pk else self.units[0]
            self.assignments.append(reassign(old, to=to))

    @rule(index=st.integers(0, 50))
    def cancel_one(self, index: int) -> None:
        open_ones = [a for a in self.assignments if a.is_open]
        if open_ones:
            cancel(open_ones[index % len(open_ones)])

    # -- the devices --

    @rule(device=st.integers(0, 2), kind=st.sampled_from(KINDS), index=st.integers(0, 50))
    def record(self, device: int, kind: str, index: int) -> None:
        if not self.assignments:
            return
        assignment = self.assignments[index % len(self.assignments)]
        payload = {"text": "note"} if kind == "note" else {}
        event_id = self.devices[device].record_event(kind, str(assignment.pk), payload)
        self.recorded.add(event_id)

    @rule(device=st.integers(0, 2), offline=st.booleans())
    def connectivity(self, device: int, offline: bool) -> None:
        self.devices[device].transport.offline = offline

    @rule(
        device=st.integers(0, 2),
        lose_request=st.booleans(),
        lose_response=st.booleans(),
        send_twice=st.booleans(),
        keep_copy=st.booleans(),
    )
    def sync(
        self,
        device: int,
        lose_request: bool,
        lose_response: bool,
        send_twice: bool,
        keep_copy: bool,
    ) -> None:
        phone = self.devices[device]
        faults: Faulty = phone.transport
        faults.lose_request = [lose_request]
        faults.lose_response = [lose_response]
        faults.send_twice = [send_twice]
        faults.keep_copy = [keep_copy]
        try:
            phone.sync()
        except SyncUnavailable:
            pass  # the network gave up: nothing is lost, the device tries again later
        finally:
            faults.lose_request, faults.lose_response = [], []
            faults.send_twice, faults.keep_copy = [], []

    @rule(device=st.integers(0, 2))
    def late_delivery(self, device: int) -> None:
        self.devices[device].transport.deliver_kept()

    @invariant()
    def nothing_stored_twice_nor_invented(self) -> None:
        if not hasattr(self, "devices"):
            return
        stored = set(Event.objects.filter(device__isnull=False).values_list("id", flat=True))
        assert stored <= self.recorded

    def check_convergence(self) -> None:
        for phone in self.devices:
            phone.transport.offline = False
            phone.transport.deliver_kept()
        for _ in range(2):
            for phone in self.devices:
                phone.sync()
        stored = list(Event.objects.filter(device__isnull=False).values_list("id", flat=True))
        assert sorted(stored) == sorted(self.recorded)
        for phone in self.devices:
            assert phone.outbox() == []
            assert phone.rejected() == {}
            assert device_view(phone) == server_view(phone.device_id)


class ConvergingMachine(SyncMachine):
    def teardown(self) -> None:
        try:
            if hasattr(self, "devices"):
                self.check_convergence()
        finally:
            super().teardown()


@pytest.mark.django_db
def test_devices_and_server_converge_under_faults(personas):
    from django.test import override_settings
    from hypothesis.stateful import run_state_machine_as_test

    ConvergingMachine.personas = personas
    # Small pages and a small snapshot bound: catch-ups are paged, and snapshots go out in
    # per-table pages with continuation cursors.
    with override_settings(
        KUZET_SYNC_RATE_PER_MINUTE=0, KUZET_SYNC_PAGE_SIZE=25, KUZET_SYNC_SNAPSHOT_MAX=40
    ):
        run_state_machine_as_test(
            ConvergingMachine,
            settings=settings(
                max_examples=30,
                stateful_step_count=30,
                deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
            ),
        )
