"""``Authorization: Api-Key <key>`` for intake integrations (one key per integration)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from .models import IntakeKey
from .services.intake import intake_key_authenticate


@dataclass(frozen=True)
class Integration:
    """The principal behind an intake request (``request.user``)."""

    key: IntakeKey
    is_authenticated: bool = True
    is_active: bool = True
    is_superuser: bool = False
    role: str = "integration"

    def get_username(self) -> str:
        return f"intake:{self.key.name}"


class IntakeKeyAuthentication(BaseAuthentication):
    keyword = "Api-Key"

    def authenticate(self, request: Request) -> tuple[Integration, IntakeKey] | None:
        header = get_authorization_header(request).decode("latin-1")
        keyword, _, raw = header.partition(" ")
        if keyword.lower() != self.keyword.lower():
            return None
        key = intake_key_authenticate(raw)
        return Integration(key), key

    def authenticate_header(self, request: Request) -> str:
        return self.keyword


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
