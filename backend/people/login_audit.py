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

import datetime as dt
import logging
import math
from typing import Any

from axes.models import AccessAttempt
from axes.signals import user_locked_out
from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib import messages
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.core.exceptions import ValidationError
from django.dispatch import receiver
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.translation import gettext, ngettext

from backend.common import clock
from backend.common.attempts import CONSOLE_PASSWORD, attempts_failed, attempts_refusal
from backend.common.net import client_ip
from backend.ledger import uow
from backend.ledger.actions import AuditAction
from backend.ledger.models import ActorKind, AuditEntry

from . import account_guard
from .i18n import officer_language
from .models import Officer
from .signals import access_changed

logger = logging.getLogger(__name__)


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


def _entries_about(officer: Officer, action: AuditAction) -> Any:
    # audit_object_idx: an officer's own entries, however long the log
    return AuditEntry.objects.filter(
        object_type="officer", object_id=str(officer.pk), action=action
    )


def _failures_since_last_login(officer: Officer) -> tuple[int, AuditEntry | None]:
    """The failed sign-ins to the account since its last successful one (all of them when it
    never signed in), and the latest of them."""
    last = _entries_about(officer, AuditAction.AUTH_LOGIN_SUCCEEDED).order_by("-id").first()
    failures = _entries_about(officer, AuditAction.AUTH_LOGIN_FAILED)
    if last is not None:
        failures = failures.filter(id__gt=last.id)
    return failures.count(), failures.order_by("-id").first()


def _known_address(username: str, ip: str | None) -> bool:
    """Whether the account signed in successfully from this address within
    ``KUZET_LOGIN_KNOWN_ADDRESS_DAYS`` (read from the audit log, which keeps every sign-in)."""
    officer = Officer.objects.filter(username=username).first() if username else None
    if officer is None or not ip:
        return False
    since = clock.now() - dt.timedelta(days=settings.KUZET_LOGIN_KNOWN_ADDRESS_DAYS)
    # The entry's data is JSON text: the address narrows the rows, data_dict decides.
    entries = _entries_about(officer, AuditAction.AUTH_LOGIN_SUCCEEDED).filter(
        at__gte=since, data__contains=ip
    )
    return any(entry.data_dict.get("ip") == ip for entry in entries.only("data"))


def _account_key(username: str) -> str:
    return username.strip().casefold()


@receiver(user_logged_in, dispatch_uid="kuzet.login_succeeded")
def login_succeeded(sender: Any, request: HttpRequest | None, user: Officer, **_: Any) -> None:
    """Audited; and the person reads how many failed sign-ins to the account there were since
    their last one (the last: when, from which address) — someone guessing at it from many
    addresses is seen by the one person who knows it was not them."""
    if not _at_the_door(request):
        return
    assert request is not None
    failures, latest = _failures_since_last_login(user)
    data = _where(request)
    if failures:
        data["failures_since_last_login"] = failures
    with uow.unit_of_work():
        uow.audit(AuditAction.AUTH_LOGIN_SUCCEEDED, actor=user, obj=user, data=data)
    if latest is not None:
        # in the person's own language, which the console's next page is in (people.i18n)
        with translation.override(officer_language(user) or translation.get_language()):
            notice = _failures_notice(failures, latest)
        messages.warning(request, notice, fail_silently=True)


def _failures_notice(failures: int, latest: AuditEntry) -> str:
    """What the person reads at sign-in of the failed attempts since the last one."""
    notice = ngettext(
        "%(count)d failed attempt to sign in to your account since your last sign-in "
        "(the last on %(when)s from %(address)s).",
        "%(count)d failed attempts to sign in to your account since your last sign-in "
        "(the last on %(when)s from %(address)s).",
        failures,
    ) % {
        "count": failures,
        "when": f"{timezone.localtime(latest.at):%d.%m.%Y %H:%M}",
        "address": latest.data_dict.get("ip") or "?",
    }
    advice = gettext("If it was not you, tell the oblast administrator.")
    return f"{notice} {advice}"


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
    four passwords on every officer's name each quarter hour and never be stopped.

    And per account from every address (``KUZET_LOGIN_ACCOUNT_FAILURE_LIMIT`` within
    ``KUZET_LOGIN_ACCOUNT_WINDOW_MINUTES``): a botnet tried one chief's name from a thousand
    addresses, four guesses each, and none of the limits above saw it. Past that limit the
    account is guarded (``_refuse_if_guarded``), not locked."""

    def clean(self) -> dict[str, Any]:
        request = self.request
        ip = client_ip(request) if request is not None else None
        username = str(self.cleaned_data.get("username") or "")
        account = _account_key(username)
        if request is not None and attempts_refusal(request, CONSOLE_PASSWORD, ip=ip):
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
        seen = None
        if request is not None and account:
            seen = self._refuse_if_guarded(request, username, account, ip)
        try:
            return super().clean()
        except ValidationError:
            # A wrong password checked (not a pair axes refused unchecked, nor the right
            # password of someone without console access).
            locked = getattr(request, "axes_locked_out", False)
            if request is not None and self.user_cache is None and not locked:
                attempts_failed(request, CONSOLE_PASSWORD, ip=ip)
                # the one failure that reaches the limit (the bucket's count is atomic); in a
                # sliding window, again after failures left it and new ones came
                if (
                    account_guard.failed(account, seen)
                    == settings.KUZET_LOGIN_ACCOUNT_FAILURE_LIMIT
                ):
                    self._guarded(request, username)
            raise

    def _refuse_if_guarded(
        self, request: HttpRequest, username: str, account: str, ip: str | None
    ) -> account_guard.Window | None:
        """An account guessed at from many addresses (the limit within the sliding window:
        ``account_guard``) is signed in to only from an address it signed in from before,
        until enough of the failures left the window (or a new password is set); elsewhere
        the password is not checked at all, so the guesses of a botnet tell it nothing. Not
        a lockout: the duty officer at his desk signs in as always, and no guesser can keep
        him out of a shift. The window read, for counting a failure of this attempt."""
        window = account_guard.read(account)
        if window is None or not window.guarded or _known_address(username, ip):
            return window
        request.kuzet_account_guarded = True  # type: ignore[attr-defined]
        if _at_the_door(request):
            _attempt(AuditAction.AUTH_LOGIN_FAILED, request, username, account_guarded=True)
        raise ValidationError(
            gettext(
                "Too many wrong passwords were typed for this account from other places. "
                "For %(minutes)d more minutes it can be signed in to only from a computer "
                "it was signed in from before. The oblast administrator can tell you more."
            )
            % {"minutes": max(1, math.ceil(window.seconds_left() / 60))},
            code="account_guarded",
        )

    def _guarded(self, request: HttpRequest, username: str) -> None:
        """The audit entry the oblast administrator reads (and the operators' journal)."""
        logger.warning(
            "Console account %r: %s wrong passwords from all addresses within %s min; "
            "only addresses it signed in from before may sign in to it until fewer are",
            username,
            settings.KUZET_LOGIN_ACCOUNT_FAILURE_LIMIT,
            settings.KUZET_LOGIN_ACCOUNT_WINDOW_MINUTES,
        )
        if _at_the_door(request):
            _attempt(
                AuditAction.AUTH_ACCOUNT_GUARDED,
                request,
                username,
                failures=settings.KUZET_LOGIN_ACCOUNT_FAILURE_LIMIT,
                window_minutes=settings.KUZET_LOGIN_ACCOUNT_WINDOW_MINUTES,
                known_address_days=settings.KUZET_LOGIN_KNOWN_ADDRESS_DAYS,
            )

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


@receiver(access_changed, dispatch_uid="kuzet.password_change_lifts_sign_in_guards")
def password_changed(sender: Any, officer_id: int, changed: frozenset[str], **_: Any) -> None:
    """A new password lifts the account's guard and its lockouts at once, whoever set it
    (the console's "set password", ``manage.py changepassword``, the person's own "change
    password": each ends in ``set_password()`` and a save, which ``access_changed`` reports
    after the commit; a hash upgraded at sign-in is ``password_hash``, not a new password).
    The wrong passwords counted were guesses at the old one.

    So does the password taken away (``set_unusable_password()``: the administrator's
    "Console password: No" on the person's page, or a shell): the guard counted guesses at
    a password that no longer exists, and one set later starts clean whichever came first.
    Left in place, the administrator's page went on showing a lockout of an account with no
    password, and the audit log never said what ended the guard. Audited when a guard or a
    lockout was lifted, as its start was (``auth.account_guarded``); ``console_password``
    says which: a new password (true) or none (false)."""
    if "password" not in changed:
        return
    officer = Officer.objects.filter(pk=officer_id).first()
    if officer is None:
        return
    username = officer.get_username()
    window = account_guard.clear(_account_key(username))
    lockout = AccessAttempt.objects.filter(
        username=username, failures_since_start__gte=settings.AXES_FAILURE_LIMIT
    ).exists()
    axes_reset(username=username)  # each address's wrong passwords for it, too
    guarded = window is not None and window.guarded
    if not (guarded or lockout):
        return
    usable = officer.has_usable_password()
    logger.warning(
        "Console account %r: %s lifted its sign-in guard or lockouts",
        username,
        "a new password" if usable else "its password taken away",
    )
    with uow.unit_of_work():
        uow.audit(
            AuditAction.AUTH_ACCOUNT_GUARD_LIFTED,
            obj=officer,
            data={
                "failures": window.total if window is not None else 0,
                "account_guarded": guarded,
                "lockout_lifted": lockout,
                "console_password": usable,
            },
        )
