"""How the DRF API knows who asks: ``Api-Key`` for intake integrations, ``Token`` for staff.

Both are long random secrets, but a guess still costs an attacker only a request: failures
are counted per client address and, past ``KUZET_AUTH_FAILURE_LIMIT`` within the cool-off,
further tries are refused with ``429`` before the secret is even looked up
(:mod:`backend.common.attempts`). Staff tokens are issued in the admin only; there is no
endpoint that trades a password for a token (the admin login has django-axes). Both are
stored as digests: intake keys as SHA-256 (:class:`IntakeKey`), staff tokens by
django-rest-knox as SHA-512 (:class:`StaffToken`), so a backup or a read of the tables
gives nobody a working credential.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from knox.auth import TokenAuthentication
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from backend.common import clock
from backend.common.attempts import INTAKE_KEY, STAFF_TOKEN, attempts_check, attempts_failed
from backend.common.errors import Unauthenticated
from backend.common.net import client_ip
from backend.ledger.models import INTEGRATION_LABEL_PREFIX

from .models import IntakeKey, StaffToken
from .services.intake import intake_key_authenticate

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Integration:
    """The principal behind an intake request (``request.user``)."""

    key: IntakeKey
    is_authenticated: bool = True
    is_active: bool = True
    is_superuser: bool = False
    role: str = "integration"

    def get_username(self) -> str:
        return INTEGRATION_LABEL_PREFIX + self.key.name


class IntakeKeyAuthentication(BaseAuthentication):
    keyword = "Api-Key"

    def authenticate(self, request: Request) -> tuple[Integration, IntakeKey] | None:
        header = get_authorization_header(request).decode("latin-1")
        keyword, _, raw = header.partition(" ")
        if not header.strip():
            return None  # DRF's 401, with WWW-Authenticate: Api-Key
        if keyword.lower() != self.keyword.lower():
            # A valid key sent as "Bearer <key>" was told "credentials were not provided".
            # Nothing is looked up, so nothing is counted against the address.
            # The scheme is named back only when it is one word before a credential (a bare
            # key sent without a scheme is never echoed).
            named = raw and keyword.isascii() and keyword.isalnum() and len(keyword) <= 20
            raise AuthenticationFailed(
                "Intake takes `Authorization: Api-Key <key>`"
                + (f", not {keyword}." if named else ".")
            )
        ip = client_ip(request._request)
        attempts_check(request._request, INTAKE_KEY, ip=ip)
        try:
            key = intake_key_authenticate(raw)
        except Unauthenticated:
            attempts_failed(request._request, INTAKE_KEY, ip=ip)
            raise
        return Integration(key), key

    def authenticate_header(self, request: Request) -> str:
        return self.keyword


class TokenExpired(AuthenticationFailed):
    """A staff token past its lifetime: ``401`` with ``WWW-Authenticate: Token`` like every
    refused credential, under a code of its own (``backend.common.api.exception_handler``
    reads ``error_code``): a client told ``token_expired`` asks for a new token instead of
    checking what it typed."""

    error_code = "token_expired"


def staff_token_issue(*, user: Any) -> tuple[StaffToken, str]:
    """A new API token for a staff member: the row (digest and the key's start) and the key,
    which the caller shows once — it is stored nowhere."""
    token, key = StaffToken.objects.create(user=user, expiry=None)  # knox's manager
    return token, key


# What ends a staff member's API tokens: the console's sessions end with a new password
# (Django's session hash), and a password changed because it leaked must not leave a script
# holding a token working; a deactivated officer's tokens are refused already, and must not
# come back with a reactivation. A new role or district needs nothing: a token acts with the
# officer's scope as it is at each request.
TOKENS_END_WITH = frozenset({"password", "is_active"})


def staff_tokens_end(
    sender: Any, officer_id: int, changed: frozenset[str] = frozenset(), **_: Any
) -> int:
    """``people.signals.access_changed``: a new password or a deactivation deletes the
    officer's staff API tokens (how many)."""
    if not changed & TOKENS_END_WITH:
        return 0
    deleted: int = StaffToken.objects.filter(user_id=officer_id).delete()[0]
    if deleted:
        logger.info(
            "staff API tokens ended: %s of officer %s (%s changed)",
            deleted,
            officer_id,
            ", ".join(sorted(changed & TOKENS_END_WITH)),
        )
    return deleted


def token_expires_at(token: StaffToken) -> dt.datetime | None:
    """When a staff token stops working: ``KUZET_STAFF_TOKEN_DAYS`` after it was issued
    (``None``: the setting is 0, tokens do not expire)."""
    days = settings.KUZET_STAFF_TOKEN_DAYS
    if days <= 0:
        return None
    created: dt.datetime = token.created
    return created + dt.timedelta(days=days)


def token_expired(token: StaffToken) -> bool:
    expires = token_expires_at(token)
    return expires is not None and clock.now() >= expires


class StaffTokenAuthentication(TokenAuthentication):  # type: ignore[misc]  # knox: no hints
    """django-rest-knox's ``Authorization: Token <key>`` (the key checked against its stored
    digest) with failed tries limited per client address, and a lifetime
    (``KUZET_STAFF_TOKEN_DAYS`` from the token's issue).

    An expired token is refused ``401 token_expired`` and not counted as a failed try: only
    its holder can present it (a guess cannot hit one any more than a live token), and a
    forgotten script retrying with it must not lock everybody behind its address (a duty
    room's NAT) out of the API. A deactivated officer's token is refused as knox refuses it
    ("User inactive or deleted."); a new role or district applies from the next request."""

    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        keyword, _, _rest = get_authorization_header(request).partition(b" ")
        if keyword.lower() != self.authenticate_header(request).lower().encode():
            return None
        ip = client_ip(request._request)
        attempts_check(request._request, STAFF_TOKEN, ip=ip)
        try:
            return super().authenticate(request)  # type: ignore[no-any-return]
        except TokenExpired:
            raise
        except AuthenticationFailed:
            attempts_failed(request._request, STAFF_TOKEN, ip=ip)
            raise

    def authenticate_credentials(self, token: bytes) -> tuple[Any, Any]:
        try:
            token.decode("utf-8")
        except UnicodeDecodeError:
            # knox decodes it unguarded: a header of stray bytes was a 500.
            raise AuthenticationFailed("Invalid token.") from None
        user, auth_token = super().authenticate_credentials(token)
        if token_expired(auth_token):
            expires = token_expires_at(auth_token)
            assert expires is not None
            raise TokenExpired(
                f"Staff API tokens last {settings.KUZET_STAFF_TOKEN_DAYS} days: this one "
                f"expired at {timezone.localtime(expires).isoformat(timespec='minutes')}. "
                "Ask the administrator for a new one."
            )
        return user, auth_token

    def _cleanup_token(self, auth_token: Any) -> bool:
        # knox deletes the user's tokens past their own expiry here, reading all of them on
        # every request (a query more on each list). Ours have none (REST_KNOX's TOKEN_TTL is
        # None): the lifetime is read from `created` above, and an expired token stays, listed
        # as expired, for its holder to be told `token_expired`.
        return False


class HasIntakeKey(BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        return isinstance(request.auth, IntakeKey)


class IntakeKeyScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    target_class = "backend.dispatch.authentication.IntakeKeyAuthentication"
    name = "IntakeApiKey"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Api-Key <key>` — one key per integration, issued in admin or by "
            "`manage.py intake_key <channel> <name>`.",
        }


class StaffTokenScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    target_class = "backend.dispatch.authentication.StaffTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        days = settings.KUZET_STAFF_TOKEN_DAYS
        lifetime = (
            f"It works for {days} days from its issue (`KUZET_STAFF_TOKEN_DAYS`); after that "
            "every request is refused `401` with `error: token_expired` — ask the administrator "
            "for a new token."
            if days > 0
            else "It does not expire (`KUZET_STAFF_TOKEN_DAYS=0`)."
        )
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Token <key>` — a staff member's token, issued in the admin "
            "(*Staff API tokens*), which shows the key once: the server keeps only its digest. "
            f"{lifetime}",
        }
