"""The affiliate-network catalogue (`rules/networks.toml`) and the URL test it defines."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Iterable, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import SplitResult, parse_qsl

from lxml import etree

from auditor import layout
from auditor.errors import ConfigError
from auditor.rulefiles import any_word, held_out_only, patterns, rules_dir

if TYPE_CHECKING:
    from publicsuffixlist import PublicSuffixList


@dataclass(frozen=True, slots=True)
class Network:
    id: str
    name: str
    hosts: tuple[str, ...]
    any_host: bool
    params: frozenset[str]
    values: tuple[tuple[str, re.Pattern[str]], ...]
    """Query parameters that must be present with a value the pattern finds at its start (cid=af:...)."""
    path: re.Pattern[str] | None
    evidence: bool
    target: tuple[str, ...]
    merchant: str | bool
    """True: the link's own site is the merchant; a string names it; False: only `target` can tell."""
    source: str
    seen_on: frozenset[str] = frozenset()
    widget: str = ""
    """The service id its own widgets are reported under: a `[[script]]` entry's id where one names them."""


@dataclass(frozen=True, slots=True)
class Redirector:
    host: str
    name: str
    unresolved: bool


@dataclass(frozen=True, slots=True)
class Script:
    id: str
    contains: tuple[str, ...]
    """Lowercase words, one of which the page's scripts must contain before the pattern is tried."""
    pattern: re.Pattern[str]
    """Searched, whatever the case, in the text of the scripts that hold one of the words."""


@dataclass(frozen=True, slots=True)
class Catalogue:
    networks: tuple[Network, ...]
    by_domain: dict[str, tuple[Network, ...]]
    by_name: dict[str, tuple[Network, ...]]
    """Networks listed as "name.*", keyed by the name label."""
    generic: tuple[Network, ...]
    generic_hint: re.Pattern[str]
    """Finds, in a URL's path or query, a word that one of the `generic` networks needs (a fast filter)."""
    redirectors: dict[str, Redirector]
    negatives: dict[str, tuple[Network, ...]]
    """Links that look affiliate but pay nobody (a programme's sign-up pages), by domain: tried before the
    networks."""
    signup_text: re.Pattern[str]
    """Link texts that invite the reader to join a programme: such a link is a sign-up page."""
    cloak_paths: re.Pattern[str]
    cloak_ignore: re.Pattern[str]
    endpoints: frozenset[str]
    target_params: tuple[str, ...]
    plugin_classes: tuple[str, ...]
    tag_params: tuple[str, ...]
    tag_value: re.Pattern[str]
    sponsored_rel: frozenset[str]
    weak_rel: frozenset[str]
    data_attributes: frozenset[str]
    classes: frozenset[str]
    id_params: frozenset[str]
    cta: re.Pattern[str]
    box_words: frozenset[str]
    scripts: tuple[Script, ...]
    widget_params: frozenset[str]
    """Every programme's id parameters as a `data-*` attribute names them (`_` written `-`): an element with none
    of them is no programme widget's."""
    script_words: Callable[[list[etree._Element]], list[frozenset[str]]] = field(compare=False, repr=False)
    """Which of the scripts' `contains` words each of a page's script elements holds."""
    hosts_seen: dict[str, tuple[tuple[Network, ...], Redirector | None, tuple[Network, ...]]] = field(
        default_factory=dict, compare=False, repr=False
    )
    """What `host_facts` found per host: pages link to the same few hosts again and again. Emptied when it holds
    `HOSTS_KEPT` hosts, so that a long-lived process holds a fixed amount of what it saw."""


def merchant_name(host: str) -> str:
    """A shop's name as the single-seller check compares it: www.amazon.co.uk -> amazon."""
    return site_of(host).split(".")[0]


def site_of(host: str) -> str:
    """A host's site, its registrable domain by the Public Suffix List: www.shop.example.co.uk -> example.co.uk,
    and alice.blogspot.com stays itself (the list's private section counts blogspot.com, github.io and the like as
    suffixes: each name under them is someone else's site). An IDN host is spelt in Unicode whichever way it came,
    so both spellings are one site. An IP address, or a host that is itself a suffix (localhost, co.uk), is its
    own site. Remembered for the last 4,096 hosts of at most DNS's 253 characters (under 3 MB)."""
    return _site(host) if len(host) <= 253 else _site.__wrapped__(host)


# A page links to the same few hosts again and again (the corpus: 111 look-ups a page, of 10 hosts). A look-up in
# the list took 4.7 µs against the hand-written guess's 0.6 it replaced, 0.52 ms a page against 0.07; with this memo
# 0.08 (benchmarks/stages.py's corpus, first sight, best of 7).
@lru_cache(maxsize=4_096)
def _site(host: str) -> str:
    host = host.rstrip(".").lower()
    if ":" in host or host.rpartition(".")[2].isdigit():
        return host  # an IPv6 or IPv4 address (no top-level domain is all digits)
    if "xn--" in host:
        with suppress(UnicodeError):  # (not valid punycode: its ASCII spelling is the only one it has)
            host = host.encode("ascii").decode("idna")
    return _suffixes().privatesuffix(host) or host


def forget_sites() -> None:
    """Empty `site_of`'s memo (the speed benchmark times first sight)."""
    _site.cache_clear()


@cache
def _suffixes() -> PublicSuffixList:
    """The Public Suffix List that publicsuffixlist ships, ICANN and private sections both: loaded on first use
    (about 0.1 s), never fetched, so an audit makes no request of its own."""
    from publicsuffixlist import PublicSuffixList

    return PublicSuffixList()


def query_params(parts: SplitResult) -> dict[str, str]:
    """Query parameters with lowercased names and non-empty values (the first value of each name)."""
    params: dict[str, str] = {}
    if parts.query and "=" in parts.query:
        for key, value in parse_qsl(parts.query, keep_blank_values=False):
            params.setdefault(key.lower(), value)
    return params


def _network(entry: dict[str, Any]) -> Network:
    hosts = tuple(h.lower() for h in entry.get("hosts", ()))
    any_host = bool(entry.get("any_host", False))
    if not hosts and not any_host:
        raise ConfigError(f"networks.toml: network {entry.get('id')!r} has neither hosts nor any_host")
    if any_host and not (entry.get("path") or entry.get("params") or entry.get("values")):
        raise ConfigError(f"networks.toml: network {entry.get('id')!r} matches any host without path or params")
    path = entry.get("path")
    return Network(
        id=entry["id"],
        name=entry["name"],
        hosts=hosts,
        any_host=any_host,
        params=frozenset(p.lower() for p in entry.get("params", ())),
        values=tuple((k.lower(), re.compile(v, re.I)) for k, v in entry.get("values", {}).items()),
        path=re.compile(path, re.I) if path else None,
        evidence=bool(entry.get("evidence", False)),
        target=tuple(t.lower() for t in entry.get("target", ())),
        merchant=entry.get("merchant", any_host),
        source=entry.get("source", ""),
        seen_on=frozenset(entry.get("seen_on", ())),
        widget=entry.get("widget") or f"{entry['id']}_widget",
    )


def _kept(entries: Any, held_out: frozenset[str]) -> list[Any]:
    """The entries not first met on a held-out site's pages (`seen_on`)."""
    return [e for e in entries if not held_out_only(e.get("seen_on", ()), held_out)]


@cache
def load(path: Path | None = None, held_out: frozenset[str] = frozenset()) -> Catalogue:
    """Read and compile the catalogue; cached, since every page uses the same one. `held_out`: sites scored out
    of sample (`auditor eval --cv`), whose entries met on their own pages (`seen_on`) are left out."""
    source = path or rules_dir() / "networks.toml"
    try:
        data = tomllib.loads(source.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read {source}: {exc}") from None
    networks = tuple(_network(e) for e in _kept(data.get("network", ()), held_out))
    by_domain: dict[str, list[Network]] = {}
    by_name: dict[str, list[Network]] = {}
    for net in networks:
        for host in net.hosts:
            if host.endswith(".*"):
                by_name.setdefault(host[:-2], []).append(net)
            else:
                by_domain.setdefault(host, []).append(net)
    cloaks = data.get("cloaks", {})
    evidence = data.get("evidence", {})
    scripts = tuple(_script(s) for s in _kept(data.get("script", ()), held_out))
    cloak_paths = patterns(cloaks.get("paths", ()), held_out) or ["$^"]
    signup = patterns(data.get("signup", {}).get("text", ()), held_out) or ["$^"]
    generic = tuple(n for n in networks if n.any_host)
    return Catalogue(
        networks=networks,
        by_domain={k: tuple(v) for k, v in by_domain.items()},
        by_name={k: tuple(v) for k, v in by_name.items()},
        generic=generic,
        generic_hint=any_word(generic_words(generic)),
        redirectors={
            r["host"]: Redirector(r["host"], r["name"], bool(r.get("unresolved", False)))
            for r in _kept(data.get("redirector", ()), held_out)
        },
        negatives=_by_domain(_network(e) for e in _kept(data.get("negative", ()), held_out)),
        signup_text=re.compile("|".join(f"(?:{p})" for p in signup), re.I),
        cloak_paths=re.compile("|".join(f"(?:{p})" for p in cloak_paths), re.I),
        cloak_ignore=re.compile("|".join(f"(?:{p})" for p in cloaks.get("ignore_paths", ["$^"])), re.I),
        endpoints=frozenset(cloaks.get("endpoints", ())),
        target_params=tuple(cloaks.get("target_params", ())),
        plugin_classes=tuple(cloaks.get("plugin_classes", ())),
        tag_params=tuple(cloaks.get("tag_params", ())),
        tag_value=re.compile(cloaks.get("tag_value", "$^")),
        sponsored_rel=frozenset(evidence.get("rel", ("sponsored",))),
        weak_rel=frozenset(evidence.get("weak_rel", ())),
        data_attributes=frozenset(evidence.get("data_attributes", ())),
        classes=frozenset(evidence.get("classes", ())),
        id_params=frozenset(evidence.get("id_params", ())),
        cta=re.compile("|".join(f"(?:{p})" for p in evidence.get("cta", ["$^"])), re.I),
        box_words=frozenset(evidence.get("box_words", ())),
        scripts=scripts,
        widget_params=frozenset(p.replace("_", "-") for net in networks for p in net.params),
        script_words=layout.script_words(word for script in scripts for word in script.contains),
    )


def _script(entry: dict[str, Any]) -> Script:
    """An auto-affiliate service: its words (lowercase, for the fast filter) and its patterns."""
    return Script(entry["id"], tuple(entry["contains"]), re.compile("|".join(entry["patterns"]), re.I))


def generic_words(generic: Sequence[Network]) -> set[str]:
    """The parameter names and literal path words of the any-host networks (`Catalogue.generic_hint`'s words)."""
    words = {p for n in generic for p in n.params}
    for n in generic:
        if n.path is not None:
            words.update(w.lower() for w in re.findall(r"[a-z_]{3,}", n.path.pattern.replace("\\d", "")))
            if "/c/" in n.path.pattern:
                words.add("/c/")
    return words


def _name_match(labels: list[str], name: str) -> bool:
    """Whether `name` appears as a label followed only by a country or generic suffix (amazon.co.uk)."""
    for i, label in enumerate(labels):
        if label == name:
            rest = labels[i + 1 :]
            return 1 <= len(rest) <= 2 and all(len(r) <= 3 for r in rest)
    return False


def _by_domain(entries: Iterable[Network]) -> dict[str, tuple[Network, ...]]:
    found: dict[str, list[Network]] = {}
    for entry in entries:
        for host in entry.hosts:
            found.setdefault(host, []).append(entry)
    return {k: tuple(v) for k, v in found.items()}


# The memo of `host_facts`: 4,096 hosts (a site's menus, shops and networks, many times over) of at most DNS's
# 253 characters hold well under 2 MB however many pages a process audits.
HOSTS_KEPT = 4_096
MAX_HOST_LENGTH = 253


def host_facts(catalogue: Catalogue, host: str) -> tuple[tuple[Network, ...], Redirector | None, tuple[Network, ...]]:
    """The networks whose host condition the host meets (most specific domain first), the publisher redirector
    it belongs to, if any, and the lookalikes on it that pay nobody. Remembered per host, up to a bound."""
    found = catalogue.hosts_seen.get(host)
    if found is None:
        labels = host.split(".")
        nets: list[Network] = []
        for i in range(len(labels) - 1):
            nets.extend(catalogue.by_domain.get(".".join(labels[i:]), ()))
        for name, named in catalogue.by_name.items():
            if name in labels and _name_match(labels, name):
                nets.extend(named)
        redirector = next(
            (r for i in range(len(labels) - 1) if (r := catalogue.redirectors.get(".".join(labels[i:]))) is not None),
            None,
        )
        negatives = tuple(n for i in range(len(labels) - 1) for n in catalogue.negatives.get(".".join(labels[i:]), ()))
        found = (tuple(nets), redirector, negatives)
        if len(host) <= MAX_HOST_LENGTH:
            if len(catalogue.hosts_seen) >= HOSTS_KEPT:
                catalogue.hosts_seen.clear()  # (refilled within a page: a page links to a few dozen hosts)
            catalogue.hosts_seen[host] = found
    return found


def conditions_hold(net: Network, parts: SplitResult, params: dict[str, str]) -> str | None:
    """None when the network's path/params conditions fail, else a short note of what matched."""
    notes: list[str] = []
    if net.path is not None:
        if not net.path.search(parts.path or "/"):
            return None
        notes.append("path " + (parts.path[:40] or "/"))
    if net.params:
        present = sorted(p for p in net.params if p in params)
        if not present:
            return None
        notes.append(", ".join(f"{p}={params[p][:30]}" for p in present))
    for name, value in net.values:
        if not value.match(params.get(name, "")):
            return None
        notes.append(f"{name}={params[name][:30]}")
    return "; ".join(notes)
