"""The simulator's phones as the provisioning tests open them: the demo's first field officer
and his phone's reference client, against the Django application in this process."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from backend.common import clock
from backend.simulator import provision
from sync.client import Retry


@pytest.fixture
def officer():
    call_command("seed", "--demo", stdout=io.StringIO())
    return provision.officers().field[0]


@pytest.fixture
def open_phone() -> Callable[..., Any]:
    """``open_phone(officer, state_dir, transport)``: the officer's phone, enrolled or reopened
    from ``state_dir``, with one attempt a request and no waiting."""

    def opened(officer: Any, state_dir: Path, transport: Any) -> Any:
        return provision.phone_client(
            officer,
            state_dir=state_dir,
            transport=transport,
            now_ms=lambda: clock.to_ms(clock.now()),
            sleep=lambda _s: None,
            retry=Retry(attempts=1, base_s=0, cap_s=0),
        )

    return opened
