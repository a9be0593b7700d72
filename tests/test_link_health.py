"""Following affiliate links (--check-links) against real HTTP servers on 127.0.0.1 only: a publisher whose /go/
links redirect through a "network" server to "merchant" servers on other ports, reached by host name through
--resolve (no DNS), with a 404 merchant, a chain that drops the tag, a loop, a slow hop, a stalled one, a refused
one, a path robots.txt disallows, and chains of 10 and 11 redirects."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from click.testing import CliRunner

from auditor import fetch, linkcheck, resolution
from auditor.addresses import parse
from auditor.cli import main
from auditor.config import Config
from auditor.contract import RESOLUTION_KEYS
from auditor.crawl import Settings
from auditor.report.render import render
from auditor.store import Store

from .localserver import QuietServer, closed_port

ROOT = Path(__file__).resolve().parent.parent
NETWORK, SHOP_A, SHOP_B = "www.awin1.com", "shop-a.test", "shop-b.test"
TIMEOUT = 1.5  # the stalled hop answers after twice this
LINKS = 10  # the distinct links the site's pages give to follow
Answer = tuple[int, dict[str, str], bytes]


@dataclass
class Server:
    """One server on 127.0.0.1: `answer(path, query)` gives (status, headers, body); every request is recorded with
    its method, its time (on the server's clock), its Cookie and User-Agent headers, and how many were in flight."""

    answer: Callable[[str, dict[str, str]], Answer]
    head: bool = True
    """False: the server refuses HEAD (501), as some do."""
    delay: dict[str, float] = field(default_factory=dict)
    """Seconds to wait before answering a path."""
    requests: list[dict[str, Any]] = field(default_factory=list)
    in_flight: int = 0
    most_in_flight: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    port: int = 0

    def hits(self, method: str | None = None) -> Counter[str]:
        return Counter(r["path"] for r in self.requests if method is None or r["method"] == method)


@contextlib.contextmanager
def running(server: Server) -> Iterator[Server]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_HEAD(self) -> None:
            self.handle_one("HEAD")

        def do_GET(self) -> None:
            self.handle_one("GET")

        def handle_one(self, method: str) -> None:
            parts = urlsplit(self.path)
            with server.lock:
                server.in_flight += 1
                server.most_in_flight = max(server.most_in_flight, server.in_flight)
                server.requests.append(
                    {
                        "method": method,
                        "path": parts.path,
                        "query": parts.query,
                        "at": time.monotonic(),
                        "cookie": self.headers.get("Cookie"),
                        "agent": self.headers.get("User-Agent"),
                    }
                )
            try:
                time.sleep(server.delay.get(parts.path, 0.0))
                if method == "HEAD" and not server.head:
                    status, headers, body = 501, {}, b""
                else:
                    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                    status, headers, body = server.answer(parts.path, query)
            finally:
                # no longer in flight once the answer is decided: the client may ask again as soon as it has it
                with server.lock:
                    server.in_flight -= 1
            self.send_response(status)
            self.send_header("Content-Type", headers.pop("Content-Type", "text/html; charset=utf-8"))
            self.send_header("Content-Length", str(len(body)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            if method == "GET":
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    httpd = QuietServer(("127.0.0.1", 0), Handler)
    server.port = int(httpd.server_address[1])
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        httpd.shutdown()
        httpd.server_close()


def redirect(to: str, status: int = 302, cookie: bool = False) -> Answer:
    headers = {"Location": to}
    if cookie:
        headers["Set-Cookie"] = "visit=1; Path=/"
    return status, headers, b""


PAGE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}</title></head><body>
<header><nav><a href="/">Home</a> <a href="/reviews/kettle">Kettle</a> <a href="/reviews/grinder">Grinder</a>
<a href="/reviews/odd">Odd links</a> <a href="/deals">Deals</a></nav></header>
<main><article><h1>{title}</h1>{body}</article></main>
<footer>{footer}<p>Kettle Blog, since 2019.</p></footer></body></html>"""
PROSE = (
    "<p>We poured water from every kettle at the same temperature for three weeks and timed how long each one "
    "took to boil a full litre, how steady its stream was and how hot its handle became.</p>"
)
DISCLOSED = "<p>We earn a commission when you buy through the links on this page.</p>"
# the site-wide footer link (on every page but the kettle review): its chain ends at a 404
FOOTER = '<p><a rel="sponsored" href="/recommends/shop">Our favourite shop</a></p>'


@dataclass
class Net:
    """The publisher, the network and the two merchants, with the --resolve values that reach them."""

    site: Server
    network: Server
    shop_a: Server
    shop_b: Server

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.site.port}"

    @property
    def resolve(self) -> list[str]:
        return [
            f"{NETWORK}:{self.network.port}:127.0.0.1",
            f"{SHOP_A}:{self.shop_a.port}:127.0.0.1",
            f"{SHOP_B}:{self.shop_b.port}:127.0.0.1",
        ]

    def network_url(self, target: str) -> str:
        return f"http://{NETWORK}:{self.network.port}/cread.php?awinmid=7&awinaffid=42&ued={target}"

    def shop_a_url(self, path: str) -> str:
        return f"http://{SHOP_A}:{self.shop_a.port}{path}"

    def shop_b_url(self, path: str) -> str:
        return f"http://{SHOP_B}:{self.shop_b.port}{path}"

    def off_site(self) -> list[Server]:
        return [self.network, self.shop_a, self.shop_b]


def publisher(net: Net, refused_port: int) -> Callable[[str, dict[str, str]], Answer]:
    pages = {
        "/": PAGE.format(title="Kettle Blog", body=PROSE + DISCLOSED, footer=FOOTER),
        # no disclosure and no marked link of the /go/ folder: the page alone cannot tell /go/kettle is affiliate
        "/reviews/kettle": PAGE.format(
            title="The Aurora kettle",
            body=PROSE + '<p>We liked <a href="/go/kettle">the Aurora kettle</a>.</p>',
            footer="",
        ),
        "/reviews/grinder": PAGE.format(
            title="The Burr grinder",
            body=DISCLOSED + PROSE + '<p><a rel="sponsored" href="/go/grinder">Check price</a></p>',
            footer=FOOTER,
        ),
        "/reviews/odd": PAGE.format(
            title="Odd links",
            body=DISCLOSED
            + PROSE
            + "".join(
                f'<p><a rel="sponsored" href="/go/{name}">Check price</a></p>'
                for name in ("loop", "slow", "stall", "ten", "eleven", "refused", "blocked")
            ),
            footer=FOOTER,
        ),
        "/deals": PAGE.format(title="Deals", body=DISCLOSED + PROSE, footer=FOOTER),
    }
    redirects = {
        "/go/kettle": net.network_url(net.shop_a_url("/kettle?aff=pub42")),
        "/recommends/shop": net.network_url(net.shop_a_url("/gone?aff=pub42")),
        "/go/grinder": net.shop_b_url("/grinder?aff=pub42"),
        "/go/loop": net.shop_a_url("/loop/a"),
        "/go/slow": net.shop_a_url("/slow?aff=pub42"),
        "/go/stall": net.shop_a_url("/stall?aff=pub42"),
        "/go/ten": net.shop_a_url("/hop/ten/1"),  # 9 more hops, then the shop's page: 10 redirects
        "/go/eleven": net.shop_a_url("/hop/eleven/0"),  # one more: 11
        "/go/refused": f"http://127.0.0.1:{refused_port}/kettle?aff=pub42",
        "/go/blocked": net.shop_a_url("/kettle?aff=pub42"),
    }

    def answer(path: str, query: dict[str, str]) -> Answer:
        if path == "/robots.txt":
            return 200, {"Content-Type": "text/plain"}, b"User-agent: *\nDisallow: /go/blocked\n"
        if path in redirects:
            return redirect(redirects[path])
        if path in pages:
            return 200, {}, pages[path].encode()
        return 404, {}, b"<h1>not found</h1>"

    return answer


def network(path: str, query: dict[str, str]) -> Answer:
    """An Awin-like click server: it sets a cookie and redirects to the merchant URL in `ued`."""
    if path == "/cread.php" and "ued" in query:
        return redirect(query["ued"], cookie=True)
    return 404, {}, b""


def shop_a(path: str, query: dict[str, str]) -> Answer:
    if path in ("/kettle", "/slow", "/stall"):
        return 200, {"Set-Cookie": "cart=1; Path=/"}, b"<h1>Aurora kettle</h1>"
    if path == "/gone":
        return 404, {}, b"<h1>no longer sold</h1>"
    if path == "/loop/a":
        return redirect("/loop/b")
    if path == "/loop/b":
        return redirect("/loop/a")
    if path.startswith("/hop/"):
        _, _, name, n = path.split("/")
        return redirect(f"/hop/{name}/{int(n) + 1}" if int(n) < 9 else f"/kettle?aff=pub42&via={name}")
    return 404, {}, b""


def shop_b(path: str, query: dict[str, str]) -> Answer:
    """Its own redirect drops the query string, and with it the affiliate id; it answers no HEAD."""
    if path == "/grinder" and query:
        return redirect("/grinder", 301)
    if path == "/grinder":
        return 200, {}, b"<h1>Burr grinder</h1>"
    return 404, {}, b""


@contextlib.contextmanager
def serving() -> Iterator[Net]:
    with contextlib.ExitStack() as stack:
        net = Net(
            site=Server(lambda p, q: (500, {}, b"")),
            network=stack.enter_context(running(Server(network))),
            shop_a=stack.enter_context(running(Server(shop_a, delay={"/slow": 0.3, "/stall": 2 * TIMEOUT}))),
            shop_b=stack.enter_context(running(Server(shop_b, head=False))),
        )
        net.site.answer = publisher(net, closed_port())
        stack.enter_context(running(net.site))
        yield net


def crawl_args(net: Net, db: Path, *extra: str) -> list[str]:
    args = ["crawl", net.base + "/", "--db", str(db), "--delay", "0", "--timeout", str(TIMEOUT), "--workers", "0"]
    return [*args, "--no-sitemaps", "-q", *(a for r in net.resolve for a in ("--resolve", r)), *extra]


def links_of(site: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every link of the site result by its path, as the first page that carries it has it."""
    found: dict[str, dict[str, Any]] = {}
    for page in site["pages"]:
        for link in page.get("links") or []:
            found.setdefault(urlsplit(link["href"]).path, link)
    return found


@pytest.fixture(scope="module")
def checked(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """One crawl with --check-links of the local site, and its report as JSON."""
    db = tmp_path_factory.mktemp("links") / "site.sqlite"
    with serving() as net:
        crawled = CliRunner().invoke(main, crawl_args(net, db, "--check-links"))
        assert crawled.exit_code == 0, crawled.output
        reported = CliRunner().invoke(main, ["report", str(db), "--format", "json"])
        assert reported.exit_code == 0, reported.output
        requests = {name: list(s.requests) for name, s in zip(("network", "a", "b"), net.off_site(), strict=True)}
        yield {
            "net": net,
            "db": db,
            "site": json.loads(reported.output),
            "summary": crawled.output,
            "requests": requests,
        }


def findings(site: dict[str, Any], rule: str) -> dict[str, dict[str, Any]]:
    return {urlsplit(f["evidence"]["href"]).path: f for f in site["findings"] if f["rule"] == rule}


def test_a_cloak_that_reaches_a_tagged_merchant_is_affiliate_by_redirect(checked: dict[str, Any]) -> None:
    net, site = checked["net"], checked["site"]
    link = links_of(site)["/go/kettle"]
    kettle = next(p for p in site["pages"] if p["url"].endswith("/reviews/kettle"))
    assert kettle["metrics"]["affiliate_links"] == 0  # the page alone did not tell
    assert link["affiliate"] and link["network"] == "awin" and link["evidence"].startswith("by redirect (2 redirects)")
    resolution = link["resolution"]
    assert set(resolution) >= set(RESOLUTION_KEYS)
    assert resolution["chain"] == [
        net.base + "/go/kettle",
        net.network_url(net.shop_a_url("/kettle?aff=pub42")),
        net.shop_a_url("/kettle?aff=pub42"),
    ]
    assert resolution["final_url"] == net.shop_a_url("/kettle?aff=pub42")
    assert (resolution["status"], resolution["error"], resolution["verdict"]) == (200, None, "healthy")
    assert resolution["checked_at"].endswith("Z")
    assert [(h["method"], h["status"]) for h in resolution["hops"]] == [("HEAD", 302), ("HEAD", 302), ("HEAD", 200)]
    assert resolution["hops"][0]["location"] == net.network_url(net.shop_a_url("/kettle?aff=pub42"))
    assert kettle["metrics"]["affiliate_links_by_redirect"] == 1 and "by following its redirects" in kettle["notes"][-1]


def test_a_chain_that_ends_at_a_404_is_broken_with_every_page_that_carries_it(checked: dict[str, Any]) -> None:
    net, site = checked["net"], checked["site"]
    broken = findings(site, "links-broken")
    assert set(broken) == {"/recommends/shop"}
    evidence = broken["/recommends/shop"]["evidence"]
    assert evidence["status"] == 404 and evidence["final_url"] == net.shop_a_url("/gone?aff=pub42")
    carrying = {p["url"] for p in site["pages"] if any(k["href"].endswith("/recommends/shop") for k in p["links"])}
    assert set(evidence["pages"]) == carrying and evidence["count"] == len(carrying) == 4
    # the 404 was confirmed with GET (some servers refuse HEAD alone)
    gone = [r["method"] for r in checked["requests"]["a"] if r["path"] == "/gone"]
    assert gone == ["HEAD", "GET"]


def test_a_chain_that_drops_the_tag_is_tag_lost(checked: dict[str, Any]) -> None:
    net, site = checked["net"], checked["site"]
    lost = findings(site, "links-tag-lost")
    assert set(lost) == {"/go/grinder"}
    assert lost["/go/grinder"]["evidence"]["final_url"] == net.shop_b_url("/grinder")
    hops = links_of(site)["/go/grinder"]["resolution"]["hops"]
    # shop B answers no HEAD: each of its hops was asked again with GET
    assert [(h["method"], h["status"]) for h in hops] == [("HEAD", 302), ("GET", 301), ("GET", 200)]


def test_loops_long_chains_and_chains_that_cannot_be_followed(checked: dict[str, Any]) -> None:
    net, site = checked["net"], checked["site"]
    loops = findings(site, "links-redirect-loop")
    assert set(loops) == {"/go/loop", "/go/eleven"}
    assert "redirect loop: back to" in loops["/go/loop"]["evidence"]["error"]
    assert "more than 10 redirects" in loops["/go/eleven"]["evidence"]["error"]
    ten = links_of(site)["/go/ten"]["resolution"]
    assert ten["verdict"] == "healthy" and len(ten["chain"]) == 11  # ten redirects are followed to the end
    slow = links_of(site)["/go/slow"]["resolution"]
    assert slow["verdict"] == "healthy" and slow["final_url"] == net.shop_a_url("/slow?aff=pub42")
    unverified = findings(site, "links-unverified")
    assert set(unverified) == {"/go/stall", "/go/refused", "/go/blocked"}
    reasons = {path: f["evidence"]["error"] for path, f in unverified.items()}
    assert "timeout" in reasons["/go/stall"] and "refused" in reasons["/go/refused"]
    assert "robots.txt" in reasons["/go/blocked"] and not net.site.hits()["/go/blocked"]  # never asked for


def test_each_distinct_link_is_followed_once_without_cookies_and_as_the_crawl(checked: dict[str, Any]) -> None:
    site, requests = checked["site"], checked["requests"]
    for name, made in requests.items():
        asked = Counter((r["method"], r["path"], r["query"]) for r in made)
        assert max(asked.values()) == 1, (name, asked.most_common(3))  # the footer link too, on four pages
        assert not [r for r in made if r["cookie"]], name  # the network and shop A set cookies: none came back
        assert {r["agent"] for r in made} == {Config().user_agent}, name
    followed = {link["href"] for p in site["pages"] for link in p["links"] if "resolution" in link}
    assert len(followed) == LINKS and f"{LINKS} distinct links followed" in checked["summary"]


def test_a_resumed_crawl_follows_no_link_again(checked: dict[str, Any]) -> None:
    net = checked["net"]
    before = [len(s.requests) for s in net.off_site()]
    heads = net.site.hits("HEAD")
    resumed = CliRunner().invoke(main, ["crawl", "--resume", str(checked["db"]), "-q"])
    assert resumed.exit_code == 0, resumed.output
    assert [len(s.requests) for s in net.off_site()] == before and net.site.hits("HEAD") == heads


def test_a_crawl_killed_while_following_links_resumes_and_follows_each_once(tmp_path: Path) -> None:
    db = tmp_path / "killed.sqlite"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with serving() as net:
        net.shop_a.delay["/slow"] = 1.0  # a link in flight for a while: the kill comes during the link checks
        command = [sys.executable, "-m", "auditor", *crawl_args(net, db, "--check-links", "--concurrency", "1")]
        process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and process.poll() is None and not net.shop_a.hits()["/slow"]:
            time.sleep(0.02)
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        servers = [net.site, *net.off_site()]
        asked_before = [len(s.requests) for s in servers]
        before = Store.open(db, create=False).chains()
        assert 2 <= len(before) < LINKS, len(before)
        resumed = subprocess.run(
            [sys.executable, "-m", "auditor", "crawl", "--resume", str(db), "-q"],
            env=env, capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        assert resumed.returncode == 0, resumed.stderr
        again = [r for s, n in zip(servers, asked_before, strict=True) for r in s.requests[n:]]
    after = Store.open(db, create=False)
    assert after.check_counts() == {"done": LINKS}
    assert {u: after.chains()[u] for u in before} == before  # what was followed stays as it was

    def paths(chains: dict[str, Any]) -> set[str]:
        return {urlsplit(u).path for chain in chains.values() for u in chain["chain"]}

    # not one URL of a chain followed before the kill was asked for again, unless a later chain passes it too
    later = {u: c for u, c in after.chains().items() if u not in before}
    assert not {r["path"] for r in again} & (paths(before) - paths(later))
    assert net.shop_a.hits()["/slow"] == 2  # the link in flight when the crawl was killed is followed again


def test_politeness_holds_for_link_checks(tmp_path: Path) -> None:
    """Per-host delay: the network's requests, on its own clock, are --delay apart, as the site's are (pages and
    link checks together). Per-host concurrency: a slow merchant never has more requests at once than
    --concurrency."""
    with serving() as net:
        net.site.answer = many_links(net, 6)
        args = crawl_args(net, tmp_path / "polite.sqlite", "--check-links", "--concurrency", "3", "--delay", "0.4")
        crawled = CliRunner().invoke(main, args)
        assert crawled.exit_code == 0, crawled.output
        assert net.network.hits("HEAD")["/cread.php"] == 12 and net.site.hits("HEAD")["/go/0"] == 1
        # the site's link checks (HEAD: its pages were fetched with GET before them), the network's and the shop's
        for server, method in ((net.site, "HEAD"), (net.network, None), (net.shop_a, None)):
            times = sorted(r["at"] for r in server.requests if method is None or r["method"] == method)
            gaps = [b - a for a, b in itertools.pairwise(times)]
            assert len(times) >= 6 and min(gaps) >= 0.3, (server.port, gaps)  # 0.4 s apart, less the clock's jitter
    with serving() as net:
        net.site.answer = many_links(net, 8)
        net.shop_a.delay["/kettle"] = 0.3
        args = crawl_args(net, tmp_path / "busy.sqlite", "--check-links", "--concurrency", "2")
        crawled = CliRunner().invoke(main, args)
        assert crawled.exit_code == 0, crawled.output
        assert net.shop_a.hits()["/kettle"] == 16
        assert net.shop_a.most_in_flight <= 2


def many_links(net: Net, n: int) -> Callable[[str, dict[str, str]], Answer]:
    """A site of one page with n distinct /go/ links, each through the network to shop A's kettle page, and n
    links straight to the network (so that nothing but its own turns spaces the network's requests)."""
    go = "".join(f'<p><a rel="sponsored" href="/go/{i}">Check price</a></p>' for i in range(n))
    direct = "".join(
        f'<p><a href="{net.network_url(net.shop_a_url(f"/kettle?aff=pub42&direct={i}"))}">Buy it</a></p>'
        for i in range(n)
    )
    page = PAGE.format(title="Deals", body=DISCLOSED + PROSE + go + direct, footer="")

    def answer(path: str, query: dict[str, str]) -> Answer:
        if path == "/":
            return 200, {}, page.encode()
        if path.startswith("/go/"):
            return redirect(net.network_url(net.shop_a_url(f"/kettle?aff=pub42&n={path[4:]}")))
        return 404, {}, b""

    return answer


def test_without_check_links_no_request_leaves_the_site(tmp_path: Path) -> None:
    db = tmp_path / "plain.sqlite"
    with serving() as net:
        crawled = CliRunner().invoke(main, crawl_args(net, db))
        assert crawled.exit_code == 0, crawled.output
        assert net.site.requests and not [r for s in net.off_site() for r in s.requests]
        audited = CliRunner().invoke(main, ["audit", net.base + "/reviews/kettle", "--format", "json"])
        assert audited.exit_code in (0, 1), audited.output
        assert not [r for s in net.off_site() for r in s.requests]
    site = json.loads(CliRunner().invoke(main, ["report", str(db), "--format", "json"]).output)
    assert not [k for p in site["pages"] for k in p["links"] if "resolution" in k]
    assert not [f for f in site["findings"] if f["rule"].startswith("links-")]
    assert not [r for r in site["rules_passed"] if r in ("links-broken", "links-tag-lost")]  # nothing was checked
    assert "Link health" not in render(site, "text") and "Link health" not in render(site, "html")


def test_audit_check_links_gives_the_page_its_findings(tmp_path: Path) -> None:
    with serving() as net:
        args = ["audit", net.base + "/reviews/grinder", "--check-links", "--format", "json"]
        audited = CliRunner().invoke(main, [*args, *(a for r in net.resolve for a in ("--resolve", r))])
    page = json.loads(audited.output)
    lost = [f for f in page["findings"] if f["rule"] == "links-tag-lost"]
    broken = [f for f in page["findings"] if f["rule"] == "links-broken"]
    assert len(lost) == 1 and len(broken) == 1, [f["rule"] for f in page["findings"]]
    grinder = next(k for k in page["links"] if k["href"].endswith("/go/grinder"))
    assert lost[0]["block"] == grinder["block"] and lost[0]["selector"]
    assert "links-redirect-loop" in page["rules_passed"]
    assert page["score"] == max(0, 100 - sum(f["weight"] for f in page["findings"]))
    assert audited.exit_code in (0, 1), audited.output
    assert "Link health" in render(page, "text") and 'id="link-health"' in render(page, "html")
    # a site report of the saved page (a list of pages) judges the links once: on the page, not again as the site's
    saved = tmp_path / "pages.json"
    saved.write_text(f"[{audited.output}]")
    reported = json.loads(CliRunner().invoke(main, ["report", str(saved), "--format", "json"]).output)
    assert [f["rule"] for f in reported["findings"] if f["rule"].startswith("links-")] == []


def test_a_location_no_parser_takes_ends_the_chain_not_the_check() -> None:
    with running(Server(lambda path, query: (302, {"Location": "http://[::1"}, b""))) as odd:
        url = f"http://127.0.0.1:{odd.port}/go/odd"

        async def follow() -> dict[str, Any]:
            async with linkcheck.client("auditor-test", TIMEOUT, {}) as client:
                return await linkcheck.follow(client, url, linkcheck.Pacer([], "auditor-test", TIMEOUT, 0), TIMEOUT)

        followed = asyncio.run(follow())
    assert followed["final_url"] is None and "URL" in followed["error"]  # refused by httpx or by the chain itself


def test_odd_retry_after_values_are_no_wait() -> None:
    assert fetch.parse_retry_after("\u00b2") is None  # a digit to str.isdigit, not to float()
    assert fetch.parse_retry_after("7") == 7.0 and fetch.parse_retry_after("soon") is None


def test_a_shop_link_that_never_carried_an_id_has_no_tag_to_lose() -> None:
    """A partner storefront link the page marks as affiliate, straight to the shop with no id: healthy; the same
    shop reached through the site's own cloak without an id: the tag was lost."""
    catalogue, site = resolution.networks.load(), "blog.example"
    shop = "https://shop.example/store/aurora"
    ended = {"hops": [], "final_url": shop, "status": 200, "error": None, "checked_at": 0}
    straight = resolution.judge({"href": shop, "affiliate": True}, {**ended, "chain": [shop]}, site, catalogue)
    assert straight["verdict"] == "healthy"
    cloak = "https://blog.example/go/aurora"
    through = resolution.judge({"href": cloak, "affiliate": True}, {**ended, "chain": [cloak, shop]}, site, catalogue)
    assert through["verdict"] == "tag_lost"


def test_the_reports_have_a_link_health_section(checked: dict[str, Any]) -> None:
    site = checked["site"]
    text = render(site, "text")
    section = text[text.index("Link health") :]
    assert f"{LINKS} distinct links followed" in section
    assert "broken: 1" in section and "affiliate id lost: 1" in section and "redirect loop: 2" in section
    assert "on 4 pages" in section and "/recommends/shop" in section and "Chains by network: " in section
    assert "Awin" in section.split("Chains by network: ", 1)[1]
    html = render(site, "html")
    assert 'id="link-health"' in html and "Broken: the reader lands on an error page (1)" in html
    assert "Affiliate id lost: the shop cannot credit the sale (1)" in html and "Redirect loops (2)" in html


def test_the_audits_pacer_obeys_the_sites_robots_txt_and_spaces_each_host() -> None:
    """`auditor audit --check-links` has no crawl: its Pacer reads the audited site's robots.txt and spaces the
    requests to each host (as a crawl's default --delay would)."""
    with serving() as net:

        async def run() -> list[dict[str, Any]]:
            pacer = linkcheck.Pacer([net.base + "/reviews/odd"], Config().user_agent, TIMEOUT, delay=0.3)
            async with linkcheck.client(Config().user_agent, TIMEOUT, parse(net.resolve)) as session:
                return [
                    await linkcheck.follow(session, net.base + p, pacer, TIMEOUT) for p in ("/go/blocked", "/go/loop")
                ]

        blocked, loop = asyncio.run(run())
        assert blocked["error"] == "disallowed by the site's robots.txt" and blocked["hops"] == []
        assert not net.site.hits()["/go/blocked"] and net.site.hits()["/robots.txt"] == 1
        assert "redirect loop" in str(loop["error"]) and [h["status"] for h in loop["hops"]] == [302, 302, 302]
        times = [r["at"] for r in net.shop_a.requests]
        assert len(times) == 2 and times[1] - times[0] >= 0.25  # /loop/a, then /loop/b: one host, 0.3 s apart


def test_bad_resolve_values_are_one_line_and_exit_2(tmp_path: Path) -> None:
    for value in ("nonsense", "shop.test:80", "shop.test:0:127.0.0.1", "shop.test:80:not-an-address"):
        for command in (
            ["audit", "http://127.0.0.1:9/"],
            ["crawl", "http://127.0.0.1:9/", "--db", str(tmp_path / "x")],
        ):
            result = CliRunner().invoke(main, [*command, "--resolve", value])
            assert result.exit_code == 2, result.output
            lines = result.stderr.strip().splitlines()
            assert len(lines) == 1 and lines[0].startswith("error: --resolve") and "Traceback" not in result.output
    assert not (tmp_path / "x").exists()


def test_a_database_from_before_link_checks_is_read_and_upgraded_on_resume(
    checked: dict[str, Any], tmp_path: Path
) -> None:
    old = tmp_path / "v2.sqlite"
    old.write_bytes(checked["db"].read_bytes())
    with sqlite3.connect(old) as connection:  # back to version 2, as the previous auditor made it
        connection.execute("DROP TABLE link_checks")
        connection.execute("UPDATE meta SET value = '2' WHERE key = 'schema'")
    report = CliRunner().invoke(main, ["report", str(old), "--format", "json"])
    assert report.exit_code == 0, report.output
    assert not [k for p in json.loads(report.output)["pages"] for k in p["links"] if "resolution" in k]
    assert Store.read_only(old).version == "2"
    resumed = CliRunner().invoke(main, ["crawl", "--resume", str(old), "-q"])
    assert resumed.exit_code == 0, resumed.output
    store = Store.open(old, create=False)
    assert store.version == "3" and store.check_counts() == {}


def test_the_link_check_stops_where_a_page_fetch_stops() -> None:
    assert resolution.MAX_HOPS == fetch.MAX_REDIRECTS


def test_crawl_settings_keep_the_link_check_for_resume() -> None:
    settings = Settings(start_url="http://127.0.0.1:9/", check_links=True, resolve=("shop.test:80:127.0.0.1",))
    assert Settings.from_json(settings.to_json()) == settings
    assert parse(settings.resolve) == {("shop.test", 80): "127.0.0.1"}
    assert parse(["shop.test:443:[::1]", "Shop.Test.:8080:10.0.0.1"]) == {
        ("shop.test", 443): "::1",
        ("shop.test", 8080): "10.0.0.1",
    }


def test_the_link_health_section_opens_clean_in_a_browser(checked: dict[str, Any], tmp_path: Path) -> None:
    """Every folded part of the section open: nothing wider than a phone, no console error, no request to any
    host, and axe-core finds nothing serious (as tests/test_report_browser.py checks the other reports)."""
    from .browser import CHROMIUM, chromium, opened

    axe = pytest.importorskip("axe_playwright_python.sync_playwright", reason="axe-playwright-python is missing")
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed")
    from .test_report_browser import WIDER_THAN_THE_VIEW

    path = tmp_path / "site.html"
    path.write_text(render(checked["site"], "html"), encoding="utf-8")
    with chromium() as browser:
        for width in (400, 1400):
            context = browser.new_context(viewport={"width": width, "height": 900})
            page, seen = opened(context, path)
            page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
            assert page.locator("#link-health").is_visible()
            assert page.evaluate("document.scrollingElement.scrollWidth <= innerWidth")
            assert page.evaluate(WIDER_THAN_THE_VIEW) == [] and seen["console"] == []
            assert seen["requests"] == [path.as_uri()]
            found = axe.Axe().run(page, context={"include": [["section.link-health"]]})
            bad = [v for v in found.response["violations"] if v["impact"] in ("serious", "critical")]
            assert not bad, found.generate_report()
            context.close()


def test_audit_check_links_waits_for_a_busy_host_at_most_max_retry_after() -> None:
    # a link's host that answers 429 "Retry-After: 600" held an audit for minutes, whatever --timeout said
    with serving() as net:
        page = PAGE.format(
            title="Deals", body=DISCLOSED + PROSE + '<p><a rel="sponsored" href="/go/1">Buy</a></p>', footer=""
        )

        def answer(path: str, query: dict[str, str]) -> Answer:
            if path == "/":
                return 200, {}, page.encode()
            if path == "/robots.txt":
                return 404, {}, b""
            return 429, {"Retry-After": "600"}, b"busy"

        net.site.answer = answer
        started = time.monotonic()
        args = ["audit", net.base + "/", "--check-links", "--format", "json", "--max-retry-after", "0.2"]
        audited = CliRunner().invoke(main, [*args, *(a for r in net.resolve for a in ("--resolve", r))])
        elapsed = time.monotonic() - started
    assert audited.exit_code in (0, 1), audited.output
    assert elapsed < 30, elapsed
    link = next(k for k in json.loads(audited.output)["links"] if k["href"].endswith("/go/1"))
    assert link["resolution"]["status"] == 429, link["resolution"]
