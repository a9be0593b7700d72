"""Follow links hop by hop (--check-links): where each affiliate link, cloak and short link really leads.

One request a hop, never letting the client follow a redirect itself: HEAD, then GET without reading the body
when HEAD fails or answers an error (servers answer HEAD with 405, 403 or 404 where GET works); no cookie kept, so
that every chain is the one a first-time reader's browser is sent along; at most MAX_REDIRECTS redirects. Every
request waits for its host's turn and obeys robots.txt on the audited site's own hosts: a `Politeness`, the
crawl's own (`crawl.Crawler`) or a `Pacer` for `auditor audit`. This module records chains; `resolution` says what
they mean, and a crawl keeps them in its store, one row per distinct link.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable
from http.cookiejar import CookieJar, DefaultCookiePolicy
from typing import Any, Protocol
from urllib.parse import urljoin, urlsplit

import httpx

from auditor.addresses import Addresses, bind
from auditor.config import MAX_RETRY_AFTER, Config
from auditor.fetch import MAX_REDIRECTS, explain, parse_retry_after
from auditor.robots import ROBOTS_MAX_BYTES, Robots
from auditor.urls import DEFAULT_PORTS, host_key

THROTTLE_STATUSES = frozenset((429, 503))
# `auditor audit --check-links` spaces its requests to one host as a crawl does by default (its --delay)
AUDIT_DELAY = 0.5


class Politeness(Protocol):
    """What a link check asks before each request, and tells after a request the host turned away."""

    async def turn(self, client: httpx.AsyncClient, url: str) -> str | None:
        """Wait until the URL's host may be asked again; or say why the URL may not be asked at all."""
        ...

    def hold(self, url: str, seconds: float) -> None:
        """The URL's host asked (429 or 503) to be left alone for this long."""
        ...


def no_cookies(client: httpx.AsyncClient) -> httpx.AsyncClient:
    """The client, made to keep no cookie: a chain is followed as a reader who never visited is sent along it (a
    cookie set by one hop would otherwise reach the next hop of that host, and every later link to it)."""
    # (a jar given as it is: httpx copies a Cookies object into a jar of its own, without the policy)
    client.cookies = CookieJar(policy=DefaultCookiePolicy(allowed_domains=[]))
    return client


async def follow(
    client: httpx.AsyncClient,
    url: str,
    polite: Politeness,
    timeout: float,
    retries: int = 2,
    max_wait: float = MAX_RETRY_AFTER,
) -> dict[str, Any]:
    """Follow one link to the end of its chain: the URLs it led to (`chain`), each answer (`hops`: url, method,
    status, location), where it ended (`final_url`, `status`) or the `error` that stopped it, and `checked_at`
    (seconds since the epoch). A loop ends the chain at the URL it came back to; an 11th redirect ends it too."""
    chain: list[str] = [url]
    hops: list[dict[str, Any]] = []
    current = url
    while True:
        answer = await _ask(client, current, polite, timeout, retries, max_wait)
        if isinstance(answer, str):
            return _ended(chain, hops, None, None, answer)
        status, location = answer["status"], answer["location"]
        hops.append({k: answer[k] for k in ("url", "method", "status", "location")})
        if status in THROTTLE_STATUSES:
            why = f"HTTP {status} each time it was asked (the server is busy, or turns robots away)"
            return _ended(chain, hops, None, status, why)
        if not 300 <= status < 400 or location is None:
            return _ended(chain, hops, current, status, None)
        try:
            following = urljoin(current, location).split("#", 1)[0]
            scheme = urlsplit(following).scheme.lower()
        except ValueError:  # a Location no URL parser takes (http://[::1): the chain ends here, the crawl goes on
            return _ended(chain, hops, None, status, f"redirects to {location[:100]!r}, not a valid URL")
        if scheme not in DEFAULT_PORTS:
            return _ended(chain, hops, None, status, f"redirects to {location[:100]!r}, not an http(s) URL")
        looped = following in chain
        if looped or len(chain) > MAX_REDIRECTS:
            chain.append(following)
            redirects = len(chain) - 1
            why = (
                f"a redirect loop: back to {following} after {redirects} redirects"
                if looped
                else f"more than {MAX_REDIRECTS} redirects (a redirect loop?)"
            )
            return _ended(chain, hops, None, status, why)
        chain.append(following)
        current = following


def _ended(
    chain: list[str], hops: list[dict[str, Any]], final: str | None, status: int | None, error: str | None
) -> dict[str, Any]:
    return {
        "chain": chain,
        "hops": hops,
        "final_url": final,
        "status": status,
        "error": error,
        "checked_at": time.time(),
    }


async def _ask(
    client: httpx.AsyncClient, url: str, polite: Politeness, timeout: float, retries: int, max_wait: float
) -> dict[str, Any] | str:
    """One hop's answer ({url, method, status, location, retry_after}), or why there is none. A 429 or 503 is asked
    again after the wait it names (Retry-After, up to `max_wait`) or a back-off, at most `retries` times."""
    attempt = 0
    while True:
        answer = await _head_or_get(client, url, polite, timeout)
        if isinstance(answer, str) or answer["status"] not in THROTTLE_STATUSES or attempt >= retries:
            return answer
        polite.hold(url, min(answer["retry_after"] if answer["retry_after"] is not None else 2.0**attempt, max_wait))
        attempt += 1


async def _head_or_get(client: httpx.AsyncClient, url: str, polite: Politeness, timeout: float) -> dict[str, Any] | str:
    """HEAD, then GET when HEAD fails or answers an error (some servers refuse HEAD alone: 405, 501, even 403 or
    404), each request in its host's turn."""
    why = await polite.turn(client, url)
    if why is not None:
        return why
    try:
        head = await _request(client, "HEAD", url, timeout)
        if head["status"] < 400:
            return head
    except (httpx.ConnectError, httpx.TimeoutException, TimeoutError) as exc:
        return explain(exc, timeout)  # the host is not there: asking again with GET would not help
    except Exception:  # a server that breaks on HEAD may still answer GET
        pass
    why = await polite.turn(client, url)
    if why is not None:
        return why
    try:
        return await _request(client, "GET", url, timeout)
    except Exception as exc:  # anything this hop raises is its failure, never the crawl's
        return explain(exc, timeout)


async def _request(client: httpx.AsyncClient, method: str, url: str, timeout: float) -> dict[str, Any]:
    """One request, its body never read: the status and Location are all a hop needs."""
    async with asyncio.timeout(timeout), client.stream(method, url) as response:
        status = response.status_code
        return {
            "url": url,
            "method": method,
            "status": status,
            "location": response.headers.get("location") if 300 <= status < 400 else None,
            "retry_after": parse_retry_after(response.headers.get("retry-after")),
        }


def packed_to_follow(packed: bytes, config: Config) -> list[str]:
    """The links to follow of a page result as a crawl database keeps it (a page a re-crawl carries over, whose
    links are followed again: a link's health is what changes between two crawls)."""
    import zlib

    import orjson

    from auditor import networks
    from auditor.resolution import to_follow

    result = orjson.loads(zlib.decompress(packed))
    pairs = ((str(link["href"]), bool(link["affiliate"])) for link in result.get("links") or [])
    return to_follow(pairs, str(result.get("url", "")), networks.load(None, config.held_out))


def client(user_agent: str, timeout: float, addresses: Addresses, connections: int = 1) -> httpx.AsyncClient:
    """A client for link checks: the crawl's headers, no redirects followed, no cookies kept, --resolve honoured."""
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    headers = {"User-Agent": user_agent, "Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5"}
    made = httpx.AsyncClient(follow_redirects=False, timeout=timeout, headers=headers, limits=limits)
    return no_cookies(bind(made, addresses))


class Pacer:
    """The politeness of `auditor audit --check-links`: requests to one host `delay` seconds apart (further when a
    host answers 429 or 503), and robots.txt obeyed on the audited pages' own sites (host and port)."""

    def __init__(self, sites: Iterable[str], user_agent: str, timeout: float, delay: float = AUDIT_DELAY) -> None:
        self.sites = {_site(url) for url in sites}
        self.user_agent = user_agent
        self.timeout = timeout
        self.delay = delay
        self.next_slot: dict[str, float] = {}
        self.robots: dict[str, Robots] = {}

    async def turn(self, client: httpx.AsyncClient, url: str) -> str | None:
        if _site(url) in self.sites:
            robots = await self._robots(client, url)
            if not robots.allowed(url):
                return f"disallowed by the site's robots.txt{f' ({robots.note})' if robots.note else ''}"
        host = host_key(url)
        now = time.monotonic()
        slot = max(now, self.next_slot.get(host, now))
        self.next_slot[host] = slot + self.delay
        if slot > now:
            await asyncio.sleep(slot - now)
        return None

    def hold(self, url: str, seconds: float) -> None:
        host = host_key(url)
        self.next_slot[host] = max(self.next_slot.get(host, 0.0), time.monotonic() + seconds)

    async def _robots(self, client: httpx.AsyncClient, url: str) -> Robots:
        parts = urlsplit(url)
        where = f"{parts.scheme}://{parts.netloc}/robots.txt"
        if where not in self.robots:
            try:
                status, body = await _robots_txt(client, where, self.timeout)
                if status >= 500 or status == 429:
                    robots = Robots.nothing(self.user_agent, f"robots.txt answered HTTP {status}")
                elif status >= 300:  # none (4xx), or a redirect: as the crawl reads it, no rules
                    robots = Robots.everything(self.user_agent)
                else:
                    robots = Robots.parse(body, self.user_agent)
            except Exception as exc:  # any failure of this one fetch: RFC 9309 has a crawler assume a full disallow
                robots = Robots.nothing(self.user_agent, f"robots.txt unreachable: {explain(exc, self.timeout)}")
            self.robots[where] = robots
        return self.robots[where]


async def _robots_txt(client: httpx.AsyncClient, url: str, timeout: float) -> tuple[int, bytes]:
    """A robots.txt's status and its first ROBOTS_MAX_BYTES (what Google reads of it; the rest is never read)."""
    body = b""
    async with asyncio.timeout(timeout), client.stream("GET", url) as response:
        async for chunk in response.aiter_bytes():
            body += chunk
            if len(body) >= ROBOTS_MAX_BYTES:
                break
        return response.status_code, body[:ROBOTS_MAX_BYTES]


def _site(url: str) -> str:
    """The site a URL is on for robots.txt: its host and port (another port is another server, RFC 9309 2.3)."""
    parts = urlsplit(url)
    try:
        port = parts.port or DEFAULT_PORTS.get(parts.scheme.lower())
    except ValueError:
        port = None
    return f"{host_key(url)}:{port}"


def check_pages(
    pages: list[dict[str, Any]], config: Config, addresses: Addresses, max_wait: float = MAX_RETRY_AFTER
) -> list[dict[str, Any]]:
    """`auditor audit --check-links`: follow the links to follow of every page, each distinct link once and one at a
    time, then give each page its links' resolutions and the link-health findings (`judge_page`). A host that asks
    to be asked again later is waited for at most `max_wait` seconds a time (--max-retry-after)."""
    from auditor import networks
    from auditor.resolution import apply, to_follow

    catalogue = networks.load(None, config.held_out)
    audited = [p for p in pages if p.get("error") is None]
    wanted = dict.fromkeys(
        url
        for page in audited
        for url in to_follow(((str(k["href"]), bool(k["affiliate"])) for k in page["links"]), page["url"], catalogue)
    )

    async def run() -> dict[str, dict[str, Any]]:
        pacer = Pacer([str(p["url"]) for p in audited], config.user_agent, config.timeout)
        async with client(config.user_agent, config.timeout, addresses) as session:
            return {url: await follow(session, url, pacer, config.timeout, max_wait=max_wait) for url in wanted}

    chains = asyncio.run(run()) if wanted else {}
    return [judge_page(apply(page, chains, catalogue), config) if page.get("error") is None else page for page in pages]


def judge_page(page: dict[str, Any], config: Config) -> dict[str, Any]:
    """A page whose links were followed on their own (no crawl): the link-health rules, which are site rules, run on
    the page as a site of one page, and their findings join the page's, each pointing at the block of the link (its
    first on the page); the page's score counts them, and the rules that pass join its passed rules."""
    from auditor import engine
    from auditor.checks import KINDS
    from auditor.contract import link_key
    from auditor.models import SEVERITY_RANK
    from auditor.site import from_results

    if not any(isinstance(link.get("resolution"), dict) for link in page.get("links") or []):
        return page
    rules = [
        r for r in engine.active_rules(config, scope="site") if getattr(KINDS[r.kind], "NEEDS_CHECKED_LINKS", False)
    ]
    found, passed = engine.run_site(from_results([page]), rules)
    blocks = page.get("blocks") or []
    first: dict[str, int] = {}
    for link in page["links"]:
        if isinstance(link.get("block"), int):
            first.setdefault(link_key(str(link["href"])), link["block"])
    added = []
    for f in found:
        block = first.get(str(f.evidence.get("href")))
        inside = block is not None and 0 <= block < len(blocks)
        added.append(
            {
                "rule": f.rule,
                "severity": f.severity,
                "message": f.message,
                "block": block if inside else None,
                "selector": blocks[block].get("selector") if inside and block is not None else None,
                "evidence": f.evidence,
                "weight": f.weight,
                "title": f.title,
            }
        )
    findings = sorted([*page["findings"], *added], key=lambda f: -SEVERITY_RANK.get(str(f["severity"]), 0))
    score = max(0, 100 - sum(int(f.get("weight") or 0) for f in findings))
    return {**page, "findings": findings, "score": score, "rules_passed": [*page.get("rules_passed", []), *passed]}
