"""Beat's log at the documented ``--loglevel INFO`` (docs/deployment.md, *Logs*): an operator
running the guide's beat command found a "Sending due task escalation-sweep" line every 10 s
burying everything else, while the guide says routine task lines are left out."""

import logging
from collections.abc import Iterator

import pytest

from backend.config import celery as kuzet_celery


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@pytest.fixture
def beat_log() -> Iterator[_Collect]:
    logger = logging.getLogger("celery.beat")
    level, filters = logger.level, list(logger.filters)
    handler = _Collect()
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        kuzet_celery._quiet_routine_task_lines()
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
        logger.filters[:] = filters


def test_beat_leaves_out_the_line_of_every_sweep_it_sends(beat_log: _Collect) -> None:
    logger = logging.getLogger("celery.beat")
    logger.info(
        "Scheduler: Sending due task %s (%s)",
        "escalation-sweep",
        "backend.dispatch.tasks.escalation_sweep",
    )
    logger.info("beat: Starting...")
    logger.error("Message Error: %s", "broker gone")
    assert beat_log.messages == ["beat: Starting...", "Message Error: broker gone"]


def test_setting_up_logging_twice_adds_one_filter(beat_log: _Collect) -> None:
    kuzet_celery._quiet_routine_task_lines()
    logger = logging.getLogger("celery.beat")
    assert len([f for f in logger.filters if isinstance(f, kuzet_celery._NoDueTaskLines)]) == 1
