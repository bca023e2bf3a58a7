"""Request throttles of the DRF API (staff commands, intake, the SMS callback).

One class for every view, which picks its rate by who asks, so nobody has to remember to add
it to a new view: a staff user (``staff``, per user), an intake integration (``intake``, per
key) or anyone else (``anon``, per client address). Rates are ``DEFAULT_THROTTLE_RATES`` in the
settings; counts live in the cache (Redis in production, shared by every process). Over the
rate DRF answers ``429`` with ``Retry-After``, rendered as ``{"error": "rate_limited", …}``.
The device sync endpoints have their own per-device limit (``KUZET_SYNC_RATE_PER_MINUTE``).
"""

from __future__ import annotations

import logging
from typing import Any

from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from backend.common.net import client_ip
from backend.common.outage import cache_unavailable

from .models import IntakeKey

logger = logging.getLogger(__name__)


class PrincipalRateThrottle(SimpleRateThrottle):
    def __init__(self) -> None:
        # The scope, and so the rate, is chosen per request in allow_request.
        self.scope = "anon"

    def _principal(self, request: Request) -> tuple[str, str]:
        if isinstance(request.auth, IntakeKey):
            return "intake", f"key{request.auth.pk}"
        user = request.user
        if user is not None and getattr(user, "is_authenticated", False):
            return "staff", f"user{user.pk}"
        return "anon", client_ip(request._request) or "no-address"

    def allow_request(self, request: Request, view: Any) -> bool:
        self.scope, self._ident = self._principal(request)
        # Read per request (not the class attribute): the settings can change under tests.
        rate = api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)
        if not isinstance(rate, str):
            return True
        self.rate = rate
        self.num_requests, self.duration = self.parse_rate(rate)
        try:
            return super().allow_request(request, view)
        except Exception as error:
            # A cache (Redis) outage must not stop dispatch: the throttle fails open.
            cache_unavailable(logger, error, "throttle not enforced: cache unavailable")
            return True

    def get_cache_key(self, request: Request, view: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self._ident}
