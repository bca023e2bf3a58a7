"""Every staff sign-in at the door, failed or not, is an audit entry.

Django's own auth signals are the one place every password login passes (the admin's login
form, and anything later built on ``authenticate()``); django-axes adds ``user_locked_out``.
Connected in :class:`backend.people.apps.PeopleConfig.ready`.

What a failed attempt typed as the username is recorded only when it names an officer: a
password typed into the username field must not become a permanent part of an append-only
log. A login made without an HTTP request (the test client's ``force_login``, a shell) is
not a sign-in at the door and is not recorded.
"""

from __future__ import annotations

from typing import Any

from axes.signals import user_locked_out
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.core.exceptions import ValidationError
from django.dispatch import receiver
from django.http import HttpRequest

from backend.common.attempts import CONSOLE_PASSWORD, attempts_failed, attempts_refusal
from backend.common.net import client_ip
from backend.ledger import uow
from backend.ledger.actions import AuditAction
from backend.ledger.models import ActorKind

from .models import Officer


def _at_the_door(request: HttpRequest | None) -> bool:
    return request is not None and bool(getattr(request, "path", ""))


def _where(request: HttpRequest) -> dict[str, Any]:
    return {"ip": client_ip(request), "path": request.path[:200]}


def _attempt(action: AuditAction, request: HttpRequest, username: str, **data: Any) -> None:
    officer = Officer.objects.filter(username=username).first() if username else None
    with uow.unit_of_work():
        uow.audit(
            action,
            actor_kind=ActorKind.ANONYMOUS,
            actor_label=officer.username if officer else "",
            obj=officer,
            object_type="" if officer else "officer",
            data={**_where(request), "username_known": officer is not None, **data},
        )


@receiver(user_logged_in, dispatch_uid="kuzet.login_succeeded")
def login_succeeded(sender: Any, request: HttpRequest | None, user: Officer, **_: Any) -> None:
    if not _at_the_door(request):
        return
    assert request is not None
    with uow.unit_of_work():
        uow.audit(AuditAction.AUTH_LOGIN_SUCCEEDED, actor=user, obj=user, data=_where(request))


@receiver(user_login_failed, dispatch_uid="kuzet.login_failed")
def login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **_: Any
) -> None:
    if not _at_the_door(request):
        return
    assert request is not None
    username = str(credentials.get("username") or "")
    locked = bool(getattr(request, "axes_locked_out", False))
    _attempt(AuditAction.AUTH_LOGIN_FAILED, request, username, locked_out=locked)


@receiver(user_locked_out, dispatch_uid="kuzet.locked_out")
def locked_out(
    sender: Any, request: HttpRequest | None, username: str | None = None, **_: Any
) -> None:
    if not _at_the_door(request):
        return
    assert request is not None
    _attempt(AuditAction.AUTH_LOCKED_OUT, request, str(username or ""))


class ConsoleLoginForm(AdminAuthenticationForm):
    """The console's login form. The right password of someone with no console access (a
    patrol officer: the field app is theirs) is refused as Django refuses it — and recorded
    as a failed sign-in: Django's form refuses it after ``authenticate()`` succeeded, so no
    signal fired and the audit log never saw the attempt.

    Wrong passwords are also counted per address, whatever the usernames
    (``KUZET_LOGIN_ADDRESS_FAILURE_LIMIT`` within ``KUZET_LOGIN_COOLOFF_MINUTES``); past the
    limit every sign-in from the address, a right password too, gets django-axes' lockout
    page. django-axes counts each username from each address only: one address could try
    four passwords on every officer's name each quarter hour and never be stopped."""

    def clean(self) -> dict[str, Any]:
        request = self.request
        ip = client_ip(request) if request is not None else None
        if request is not None and attempts_refusal(request, CONSOLE_PASSWORD, ip=ip):
            username = str(self.cleaned_data.get("username") or "")
            # axes' middleware answers with its lockout page (429); the page names the address
            request.axes_locked_out = True  # type: ignore[attr-defined]
            request.axes_credentials = {"username": username}  # type: ignore[attr-defined]
            request.kuzet_address_locked_out = True  # type: ignore[attr-defined]
            if _at_the_door(request):
                _attempt(
                    AuditAction.AUTH_LOGIN_FAILED,
                    request,
                    username,
                    locked_out=True,
                    address_locked_out=True,
                )
            raise self.get_invalid_login_error()
        try:
            return super().clean()
        except ValidationError:
            # A wrong password checked (not a pair axes refused unchecked, nor the right
            # password of someone without console access).
            locked = getattr(request, "axes_locked_out", False)
            if request is not None and self.user_cache is None and not locked:
                attempts_failed(request, CONSOLE_PASSWORD, ip=ip)
            raise

    def confirm_login_allowed(self, user: Any) -> None:
        try:
            super().confirm_login_allowed(user)
        except ValidationError:
            if _at_the_door(self.request):
                assert self.request is not None
                _attempt(
                    AuditAction.AUTH_LOGIN_FAILED,
                    self.request,
                    user.get_username(),
                    no_console_access=True,
                )
            raise
