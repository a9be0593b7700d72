"""Host names mapped to addresses, as curl's `--resolve HOST:PORT:ADDR`: a request to HOST on PORT connects to
ADDR instead of the address DNS gives, and keeps HOST everywhere else (the Host header, TLS's server name and its
certificate check). It lets a user audit a site before its DNS points at it, and a test serve a network's or a
shop's host name from 127.0.0.1 without any DNS."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping

import httpcore
import httpx

from auditor.errors import ConfigError

Addresses = Mapping[tuple[str, int], str]
"""(host, port) -> the IP address to connect to instead."""


def parse(values: Iterable[str]) -> dict[tuple[str, int], str]:
    """HOST:PORT:ADDR values (an IPv6 ADDR may be bracketed, as curl writes it); a malformed one is one line."""
    found: dict[tuple[str, int], str] = {}
    for value in values:
        host, _, rest = value.partition(":")
        port, _, address = rest.partition(":")
        address = address.strip()
        if address.startswith("[") and address.endswith("]"):
            address = address[1:-1]
        if not host or not port.isdigit() or not 0 < int(port) < 65536 or not address:
            raise ConfigError(f"--resolve {value!r}: write HOST:PORT:ADDR, as in example.com:443:127.0.0.1")
        try:
            ipaddress.ip_address(address)
        except ValueError:
            raise ConfigError(f"--resolve {value!r}: {address!r} is not an IP address") from None
        found[host.lower().rstrip("."), int(port)] = address
    return found


def spelled(addresses: Addresses) -> tuple[str, ...]:
    """The mapping as HOST:PORT:ADDR values again (a crawl keeps them in its settings, for --resume)."""
    return tuple(f"{host}:{port}:{address}" for (host, port), address in sorted(addresses.items()))


def address_of(addresses: Addresses, host: str, port: int) -> str:
    """Where to connect for (host, port): the mapped address, or the host itself (DNS as usual)."""
    return addresses.get((host.lower().rstrip("."), port), host)


class AsyncResolving(httpcore.AsyncNetworkBackend):
    """An async network backend that connects to the mapped address of a host (see the module's docstring)."""

    def __init__(self, addresses: Addresses, backend: httpcore.AsyncNetworkBackend | None = None) -> None:
        self.addresses = addresses
        self.backend = backend or httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        target = address_of(self.addresses, host, port)
        return await self.backend.connect_tcp(target, port, timeout, local_address, socket_options)

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None
    ) -> httpcore.AsyncNetworkStream:
        return await self.backend.connect_unix_socket(path, timeout, socket_options)

    async def sleep(self, seconds: float) -> None:
        await self.backend.sleep(seconds)


def bind(client: httpx.AsyncClient, addresses: Addresses) -> httpx.AsyncClient:
    """Make every connection of the client honour the mapping (none: the client as it is). httpx builds its
    httpcore pools with no way to pass a network backend, though each pool takes one (as `fetch.Deadline.bind`)."""
    if addresses:
        for transport in (client._transport, *client._mounts.values()):
            pool = getattr(transport, "_pool", None)
            if hasattr(pool, "_network_backend"):
                pool._network_backend = AsyncResolving(addresses)  # type: ignore[union-attr]
    return client
