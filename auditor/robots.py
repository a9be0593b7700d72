"""robots.txt (parsed by Protego, Scrapy's parser) and sitemaps (urlset and sitemap index, plain or gzipped)."""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field

from lxml import etree
from protego import Protego

# The sitemaps protocol caps a file at 50,000 URLs and 50 MB uncompressed (sitemaps.org/protocol.html).
SITEMAP_MAX_URLS = 50_000
SITEMAP_MAX_BYTES = 50 * 1024 * 1024
# Google reads at most the first 500 KiB of robots.txt (RFC 9309 asks crawlers to read at least that much).
ROBOTS_MAX_BYTES = 500 * 1024
_XML = etree.XMLParser(recover=True, resolve_entities=False, no_network=True, huge_tree=False, remove_comments=True)


@dataclass(frozen=True)
class Robots:
    """What a host's robots.txt allows this crawler. `Robots.everything()` when there is none (4xx, RFC 9309)."""

    parser: Protego | None
    user_agent: str
    note: str = ""
    sitemaps: tuple[str, ...] = field(default=())

    @classmethod
    def everything(cls, user_agent: str, note: str = "") -> Robots:
        return cls(None, user_agent, note)

    @classmethod
    def nothing(cls, user_agent: str, note: str) -> Robots:
        """robots.txt could not be read (5xx, unreachable): RFC 9309 says to assume a complete disallow."""
        return cls(Protego.parse("User-agent: *\nDisallow: /\n"), user_agent, note)

    @classmethod
    def parse(cls, body: bytes, user_agent: str) -> Robots:
        text = body[:ROBOTS_MAX_BYTES].decode("utf-8", errors="replace")
        if "\x00" in text:
            return cls.everything(user_agent, "robots.txt is binary data; ignored")
        parser = Protego.parse(text)
        return cls(parser, user_agent, sitemaps=tuple(parser.sitemaps))

    def allowed(self, url: str) -> bool:
        return self.parser is None or bool(self.parser.can_fetch(url, self.user_agent))

    @property
    def delay(self) -> float:
        if self.parser is None:
            return 0.0
        value = self.parser.crawl_delay(self.user_agent)
        return float(value) if value else 0.0


def sitemap_urls(body: bytes) -> tuple[list[str], list[str]]:
    """The page URLs and the child sitemap URLs a sitemap lists (gzip is inflated, capped at the protocol's size)."""
    if body[:2] == b"\x1f\x8b":
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            body = inflater.decompress(body, SITEMAP_MAX_BYTES)
        except zlib.error:
            return [], []
    try:
        root = etree.fromstring(body[:SITEMAP_MAX_BYTES], _XML)
    except etree.XMLSyntaxError:
        return [], []
    if root is None:
        return [], []
    pages: list[str] = []
    children: list[str] = []
    for element in root.iter("{*}loc", "loc"):
        parent = element.getparent()
        text = (element.text or "").strip()
        if not text or parent is None:
            continue
        kind = etree.QName(parent).localname
        (children if kind == "sitemap" else pages).append(text)
        if len(pages) + len(children) >= SITEMAP_MAX_URLS:
            break
    return pages, children
