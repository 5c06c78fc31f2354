"""Honour a trusted reverse proxy's forwarded headers, so that absolute links are right.

uvicorn's own proxy support covers the scheme and the client address but not the host;
licensehub's links (paging nextLinks, Veeam's _links) need all of them. Only
requests arriving from an address in LICENSEHUB_FORWARDED_ALLOW_IPS are believed.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Receive, Scope, Send

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(values: Iterable[str]) -> tuple[list[Network], bool]:
    networks: list[Network] = []
    trust_all = False
    for value in values:
        value = value.strip()
        if value == "*":
            trust_all = True
        elif value:
            networks.append(ipaddress.ip_network(value, strict=False))
    return networks, trust_all


def first(value: str) -> str:
    """The client-facing hop: the first of a comma-separated list."""
    return value.split(",")[0].strip()


def parse_forwarded(value: str) -> dict[str, str]:
    """RFC 7239 Forwarded: the first element's for/proto/host pairs."""
    pairs: dict[str, str] = {}
    for part in first(value).split(";"):
        name, _, raw = part.partition("=")
        if raw:
            pairs[name.strip().lower()] = raw.strip().strip('"')
    return pairs


class ForwardedHeaders:
    def __init__(self, app: ASGIApp, trusted: Iterable[str]) -> None:
        self.app = app
        self.networks, self.trust_all = parse_networks(trusted)

    def trusts(self, host: str | None) -> bool:
        if self.trust_all:
            return True
        if not host:
            return False
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            return False
        return any(address in network for network in self.networks)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self.trusts((scope.get("client") or (None,))[0]):
            scope = self.apply(scope)
        await self.app(scope, receive, send)

    def apply(self, scope: Scope) -> Scope:
        scope = dict(scope)
        headers = MutableHeaders(scope=scope)
        forwarded = parse_forwarded(headers.get("forwarded", ""))
        proto = forwarded.get("proto") or first(headers.get("x-forwarded-proto", ""))
        host = forwarded.get("host") or first(headers.get("x-forwarded-host", ""))
        client = forwarded.get("for") or first(headers.get("x-forwarded-for", ""))
        if proto.lower() in ("http", "https"):
            scope["scheme"] = proto.lower()
        if host:
            headers["host"] = host
        if client:
            scope["client"] = (client.strip("[]"), 0)
        return scope
