"""Where a partner's callback may go: a server on the internet, never one of ours (SSRF).

Whoever sets a callback URL chooses where Kuzet's worker POSTs, from inside our network. A
URL whose host is, or resolves to, an internal address — this machine, a private network,
link-local (a cloud's metadata service at 169.254.169.254), multicast, unspecified, reserved —
is refused when it is set (:func:`url_check`) and again at every send (:func:`url_pin`): the
partner's DNS may answer differently by then. At the send the name is resolved once, every
address it gave is checked, and the connection goes to the checked address itself (the URL's
host replaced by it; ``Host`` and TLS's server name stay the partner's, so its certificate is
verified against its name), so a second lookup cannot lead elsewhere.

``KUZET_CALLBACK_ALLOW_PRIVATE`` lets loopback and private networks through (a closed
government network; the tests); link-local, multicast, unspecified and reserved never are.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx
from django.conf import settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Kinds of internal address, in the order they are recognised.
UNSPECIFIED = "unspecified"
MULTICAST = "multicast"
LINK_LOCAL = "link_local"
RESERVED = "reserved"
LOOPBACK = "loopback"
PRIVATE = "private"
# Let through by KUZET_CALLBACK_ALLOW_PRIVATE; the others never are.
ALLOWED_WHEN_PRIVATE_ALLOWED = frozenset({LOOPBACK, PRIVATE})

# ``last_error`` of a delivery refused at send time: "refused <kind> <address> <host>", read
# back by the console (``refusal_of``) to say it in the reader's language.
REFUSED_PREFIX = "refused "


class Refused(Exception):
    """The URL goes where callbacks may not: ``kind`` is ``scheme`` or an address kind."""

    def __init__(self, kind: str, host: str = "", address: str = "") -> None:
        super().__init__(f"{kind} {address} {host}".strip())
        self.kind = kind
        self.host = host
        self.address = address

    def as_error(self) -> str:
        return f"{REFUSED_PREFIX}{self.kind} {self.address or '-'} {self.host or '-'}"[:300]


def refusal_of(error: str) -> Refused | None:
    """The refusal a delivery's ``last_error`` records, if it records one."""
    if not error.startswith(REFUSED_PREFIX):
        return None
    kind, address, host = ([*error.removeprefix(REFUSED_PREFIX).split(" "), "-", "-"])[:3]
    return Refused(kind, "" if host == "-" else host, "" if address == "-" else address)


def address_kind(address: IPAddress) -> str | None:
    """The kind of internal address ``address`` is, or None for one on the internet.

    An IPv6 address carrying an IPv4 one (mapped ``::ffff:10.0.0.1``, 6to4, Teredo) is judged
    by both: a connection to it can reach the IPv4 one."""
    if isinstance(address, ipaddress.IPv6Address):
        for inner in (address.ipv4_mapped, address.sixtofour, *(address.teredo or ())):
            if inner is not None and (kind := address_kind(inner)) is not None:
                return kind
    if address.is_unspecified:
        return UNSPECIFIED
    if address.is_multicast:  # 224.0.0.0/4 counts as global to ``ipaddress``
        return MULTICAST
    if address.is_link_local:
        return LINK_LOCAL
    if address.is_loopback:
        return LOOPBACK
    if address.is_reserved:
        return RESERVED
    # RFC 1918, unique-local fc00::/7, shared 100.64.0.0/10 and every other range IANA marks
    # as not reachable on the internet (documentation, benchmarking…).
    if address.is_private or not address.is_global:
        return PRIVATE
    return None


def refused_kind(address: IPAddress) -> str | None:
    """``address_kind`` less what ``KUZET_CALLBACK_ALLOW_PRIVATE`` allows."""
    kind = address_kind(address)
    if kind in ALLOWED_WHEN_PRIVATE_ALLOWED and settings.KUZET_CALLBACK_ALLOW_PRIVATE:
        return None
    return kind


def resolve(host: str, port: int) -> list[IPAddress]:
    """The addresses ``host`` stands for, in the resolver's order (an address: itself).
    Raises ``OSError`` (``socket.gaierror``) when the name is not found."""
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    found: list[IPAddress] = []
    for _family, _type, _proto, _name, sockaddr in socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM
    ):
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if address not in found:
            found.append(address)
    if not found:
        raise socket.gaierror(socket.EAI_NONAME, f"{host} has no address")
    return found


@dataclass(frozen=True)
class Target:
    """Where one send goes: ``url`` with the checked address as its host, and the partner's
    ``host`` (with its port when not the scheme's) for the Host header and TLS."""

    url: str
    host: str
    host_header: str
    address: IPAddress


def _parts(url: str) -> tuple[str, str, int]:
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise Refused("scheme") from None
    if not host or parts.scheme not in ("https", "http"):
        raise Refused("scheme", host)
    if parts.scheme == "http" and not settings.KUZET_CALLBACK_ALLOW_HTTP:
        raise Refused("scheme", host)
    return parts.scheme, host, port


def _check(host: str, addresses: list[IPAddress]) -> None:
    # Every address, not only the first: a name with one public and one internal address
    # would otherwise reach the internal one whenever the resolver puts it first.
    for address in addresses:
        if (kind := refused_kind(address)) is not None:
            raise Refused(kind, host, str(address))


def url_check(url: str) -> None:
    """Refuse a URL callbacks may not go to (when it is set). A name that resolves to nothing
    yet is let through: every send resolves and checks it again."""
    _scheme, host, port = _parts(url)
    try:
        addresses = resolve(host, port)
    except (OSError, UnicodeError):
        return
    _check(host, addresses)


def url_pin(url: str) -> Target:
    """Resolve the URL's host once, refuse an internal address, and say where to connect.
    ``Refused`` for an address callbacks may not go to; ``OSError`` when the name is not found
    (which may pass: the send is tried again)."""
    scheme, host, port = _parts(url)
    try:
        addresses = resolve(host, port)
    except UnicodeError as exc:
        raise OSError(f"{host}: {exc}") from exc
    _check(host, addresses)
    named = f"[{host}]" if ":" in host else host  # an IPv6 address, bracketed as in the URL
    return Target(
        url=str(httpx.URL(url).copy_with(host=str(addresses[0]))),
        host=host,
        host_header=named if port == (443 if scheme == "https" else 80) else f"{named}:{port}",
        address=addresses[0],
    )
