"""The address a request came from, decided once for every limiter and lockout."""

from __future__ import annotations

from django.http import HttpRequest
from rest_framework.throttling import BaseThrottle


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: ``REMOTE_ADDR``, or with ``KUZET_PROXY_COUNT`` = n > 0 the n-th
    address from the right of ``X-Forwarded-For`` (the one our own proxy saw).

    DRF's rule for ``NUM_PROXIES`` (which the settings set from the same variable), so the
    admin lockout (django-axes), the failure limits and DRF's throttles agree on who asked.
    Left of our proxies the header is whatever the client wrote: never trusted further.
    None when the request carries no address (a test client's synthetic request): django-axes
    stores addresses in an ``inet`` column on PostgreSQL, where a placeholder is refused.

    ``REMOTE_ADDR`` must be the TCP peer for this to hold: gunicorn never rewrites it, and
    uvicorn does only with ``--proxy-headers``, which the Procfile gives it only when
    ``KUZET_PROXY_COUNT`` > 0. With uvicorn's default (headers believed from any loopback
    peer) a client behind a local tunnel named its own address here.
    """
    # get_ident reads only headers and META, which a Django request has as DRF's does.
    return BaseThrottle().get_ident(request) or None  # type: ignore[arg-type]
