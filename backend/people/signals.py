"""``access_changed``: an officer's access ended or changed, for the parts above people.

Sent after the commit that deactivated an officer or changed their password (a new one, or
the password taken away: ``set_unusable_password()``), role, district or oblast (whoever
saved: the console, a command, a service), and when one of their sessions signed out
(``session_key`` names it; None otherwise), with ``changed``: the names of the columns that
changed (of :data:`WATCHED`, ``password_hash`` instead of ``password`` for the same password
re-hashed; empty for a sign-out). The live board
(``backend.realtime``, which people may not import) connects to it: a board socket is
opened once with the session's scope and went on receiving its district's frames after its
officer was deactivated, signed out or moved. Dispatch connects to it too: a new password
(or none) or a deactivation ends the officer's staff API tokens
(``backend.dispatch.authentication.staff_tokens_end``).

A change made with ``QuerySet.update()`` sends nothing; the board re-checks its session on
every ping as well. Connected in :class:`backend.people.apps.PeopleConfig.ready`.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.hashers import is_password_usable
from django.contrib.auth.signals import user_logged_out
from django.db import transaction
from django.db.models.signals import post_save, pre_save
from django.dispatch import Signal, receiver
from django.http import HttpRequest

from .models import Officer

# Sent with officer_id (int), session_key (str | None) and changed (frozenset[str]).
access_changed = Signal()

# The columns whose change ends or changes what an officer's open sessions may see.
WATCHED = ("is_active", "password", "role", "district_id", "oblast_id")
_WATCHED_FIELDS = {"is_active", "password", "role", "district", "oblast", *WATCHED}
_PASSWORD = WATCHED.index("password")
_BEFORE = "_kuzet_access_before"


def _send_after_commit(
    officer_id: int, session_key: str | None, changed: frozenset[str] = frozenset()
) -> None:
    transaction.on_commit(
        lambda: access_changed.send(
            sender=Officer, officer_id=officer_id, session_key=session_key, changed=changed
        )
    )


@receiver(pre_save, sender=Officer, dispatch_uid="kuzet.officer_access_before")
def access_before(
    sender: Any, instance: Officer, raw: bool = False, update_fields: Any = None, **_: Any
) -> None:
    before = None
    if (
        not raw
        and instance.pk is not None
        and (update_fields is None or _WATCHED_FIELDS & set(update_fields))
    ):
        before = Officer.objects.filter(pk=instance.pk).values_list(*WATCHED).first()
    setattr(instance, _BEFORE, before)


@receiver(post_save, sender=Officer, dispatch_uid="kuzet.officer_access_after")
def access_after(sender: Any, instance: Officer, created: bool = False, **_: Any) -> None:
    before = getattr(instance, _BEFORE, None)
    setattr(instance, _BEFORE, None)
    if created or before is None:
        return
    changed = frozenset(
        name for name, was in zip(WATCHED, before, strict=True) if getattr(instance, name) != was
    )
    if (
        "password" in changed
        and getattr(instance, "_password", None) is None
        and (instance.has_usable_password() or not is_password_usable(before[_PASSWORD]))
    ):
        # The same password under a new hash: Django upgrades a hash at sign-in when its
        # hasher's cost went up ("hash upgrades shouldn't be considered password changes",
        # ``AbstractBaseUser.check_password``), and only set_password() leaves the raw one
        # until the save. Sessions still re-check (their hash changed); tokens stay. (Nor is
        # a password that was unusable made unusable again a change.) A password taken
        # away (``set_unusable_password()``: the administrator's "Console password: No")
        # leaves no raw one either, and is a change: what was the password is none now.
        changed = (changed - {"password"}) | {"password_hash"}
    if changed:
        _send_after_commit(instance.pk, None, changed)


@receiver(user_logged_out, dispatch_uid="kuzet.officer_signed_out")
def signed_out(sender: Any, request: HttpRequest | None, user: Any, **_: Any) -> None:
    if user is None or not isinstance(user, Officer):
        return
    session = getattr(request, "session", None)
    _send_after_commit(user.pk, getattr(session, "session_key", None))
