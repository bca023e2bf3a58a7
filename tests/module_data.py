"""Data built once for a test module whose tests only look at it.

A parametrised test over a large fixture (the oblast's territory, the admin's three-district
world) rebuilt that fixture for each of its hundreds of cases. Built here once per module
inside a transaction that is rolled back when the module ends, each test still runs in its
own savepoint (pytest-django's ``db``), so what one test writes is gone before the next —
the same database every test saw before, built once.

Only for modules without ``transaction=True`` tests: those would flush the data away.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from django.db import transaction

T = TypeVar("T")


@contextmanager
def built_for_the_module(django_db_blocker: Any, build: Callable[[], T]) -> Iterator[T]:
    """Open the module's transaction and ``build`` in it; roll it back on leaving."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
    try:
        with django_db_blocker.unblock():
            built = build()
        yield built
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
