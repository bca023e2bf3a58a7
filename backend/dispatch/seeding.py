"""The whole seed: Abai oblast's territory and, for the demo, its staff and units.

Nothing here makes calls. The demo's calls, assignments and events are made by the
simulator (``manage.py history`` for the past, ``manage.py simulate`` for the present)
through the real interfaces, so every incident in the demo is one the system could really
have produced; escalation policies come with the migrations.

Idempotent: a second run finds everything by its natural key (KATO codes, callsigns,
usernames) and creates nothing — no rows, no audit entries, no change-log rows.
"""

from __future__ import annotations

from backend.common import clock
from backend.geo.seeding import seed_territory
from backend.ledger import uow
from backend.ledger.actions import AuditAction
from backend.ledger.names import SyncTable
from backend.people.seeding import seed_staff


def seed_all(*, demo: bool) -> dict[str, int]:
    """The whole seed in one unit of work; returns what it created (empty: nothing to do)."""
    now = clock.now().replace(second=0, microsecond=0)
    with uow.unit_of_work():
        territory = seed_territory()
        created = dict(territory.created)
        if territory.created_settlement_ids:
            uow.touch(SyncTable.SETTLEMENTS, *territory.created_settlement_ids)
        if demo:
            staff = seed_staff(territory, now=now)
            created.update(staff.created)
            if staff.created_unit_ids:
                uow.touch(SyncTable.UNITS, *staff.created_unit_ids)
        if created:
            uow.audit(AuditAction.SEED_LOADED, data={"created": created, "demo": demo})
    return created
