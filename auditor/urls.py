"""URL normalisation and crawl scope: one spelling per page, so the frontier never fetches a page twice."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

# Query parameters that only track the visit and never change the page (campaign tags, click ids). Sources: the
# Google Analytics campaign parameters (utm_*), Google/Microsoft/Meta click ids, Mailchimp and HubSpot tags.
TRACKING = re.compile(
    r"^(utm_[a-z_]+|gclid|gclsrc|dclid|gbraid|wbraid|msclkid|fbclid|igshid|yclid|mc_cid|mc_eid|_hsenc|_hsmi|"
    r"mkt_tok|ref_src|spm|_ga|_gl)$",
    re.I,
)
DEFAULT_PORTS = {"http": 80, "https": 443}
MAX_URL_LENGTH = 2000
# A path that repeats the same segment this many times is a crawl trap (relative links resolving on themselves).
MAX_REPEATED_SEGMENTS = 3


def normalize(url: str) -> str | None:
    """The canonical spelling of an http(s) URL: lowercase scheme and host, no default port, no fragment, no
    tracking parameters, query parameters sorted, percent-encoding made uniform. None for other URLs.
    Remembered for the last URLs seen: every page of a site repeats its menus' and footers' links."""
    return _normalized(url) if len(url) <= MAX_URL_LENGTH else _normalized.__wrapped__(url)


# The memo of `normalize`: the last 4,096 URLs of at most MAX_URL_LENGTH characters (a crawl follows no longer
# ones; they are normalised each time). Percent-encoding can triple a URL, so that is at most about 32 MB, and about
# 1 MB of ordinary links: plenty for the menus and footers a site repeats on every page.
@lru_cache(maxsize=4_096)
def _normalized(url: str) -> str | None:
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not host:
        return None
    try:
        host = host.encode("idna").decode("ascii") if not host.isascii() else host
    except UnicodeError:
        return None
    netloc = host.rstrip(".").lower()
    if not netloc:
        return None  # a host of dots only ("http://..")
    if ":" in netloc:  # an IPv6 address: urlsplit gives it without the brackets its URL needs (RFC 3986, 3.2.2)
        netloc = f"[{netloc}]"
    if port is not None and port != DEFAULT_PORTS[scheme]:
        netloc = f"{netloc}:{port}"
    path = quote(unquote(parts.path or "/"), safe="/:@!$&'()*+,;=-._~%")
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not TRACKING.match(k)]
    return urlunsplit((scheme, netloc, path, urlencode(sorted(query), doseq=True), ""))


def forget_spellings() -> None:
    """Empty `normalize`'s memo (the speed benchmark times first sight)."""
    _normalized.cache_clear()


def host_key(url: str) -> str:
    """The host a URL is on, without a leading www. (www.example.com and example.com are one site)."""
    host = (urlsplit(url).hostname or "").lower()
    return host[4:] if host.startswith("www.") else host


@dataclass(frozen=True, slots=True)
class Scope:
    """Which URLs a crawl follows: the start URL's host (www. or not), include/exclude patterns, trap guards."""

    host: str
    include: tuple[re.Pattern[str], ...] = ()
    exclude: tuple[re.Pattern[str], ...] = ()

    @classmethod
    def of(cls, start_url: str, include: tuple[str, ...] = (), exclude: tuple[str, ...] = ()) -> Scope:
        return cls(host_key(start_url), tuple(re.compile(p) for p in include), tuple(re.compile(p) for p in exclude))

    def why_not(self, url: str) -> str | None:
        """None when the crawl should follow the URL, else the reason it does not."""
        if host_key(url) != self.host:
            return "off-site"
        if len(url) > MAX_URL_LENGTH:
            return "URL too long (crawl trap?)"
        segments = [s for s in urlsplit(url).path.split("/") if s]
        if segments and max(segments.count(s) for s in set(segments)) > MAX_REPEATED_SEGMENTS:
            return "repeating path (crawl trap?)"
        if self.include and not any(p.search(url) for p in self.include):
            return "not matched by --include"
        if any(p.search(url) for p in self.exclude):
            return "matched by --exclude"
        return None
