"""The per-page pipeline: one pure function of (page bytes, url, config) -> PageResult. No network, no globals
beyond the shipped rules and small fixed-size memo caches (hosts, link targets, word stems, URL spellings) that
never change a result, so it runs the same in a test, a crawl and a cluster worker. It leaves its host process as
it found it: the cycle collector is tuned, where that pays, by the crawl and batch workers, not here."""

from __future__ import annotations

import copy
import re
from collections import Counter
from collections.abc import Sequence
from functools import cache
from itertools import islice
from pathlib import Path
from typing import NamedTuple
from urllib.parse import parse_qsl, urljoin, urlsplit

from lxml import etree

from auditor import (
    blockmodel,
    disclosuremodel,
    disclosures,
    engine,
    language,
    layout,
    linkmodel,
    links,
    networks,
    pagetype,
    segment,
    textmodel,
    urls,
)
from auditor.config import Config
from auditor.document import Document, parse
from auditor.errors import AuditError
from auditor.models import (
    AutoAffiliateScript,
    Block,
    Link,
    Page,
    PageResult,
    PageType,
    Statement,
)


def audit_html(
    html: bytes | str, url: str = "", config: Config | None = None, encoding: str | None = None
) -> PageResult:
    """Audit one page given as bytes (or text) and the URL it was served from."""
    config = config or Config()
    data = html.encode("utf-8") if isinstance(html, str) else html
    if isinstance(html, str):
        encoding = "utf-8"
    if len(data) > config.max_bytes:
        raise AuditError(f"the page is {len(data):,} bytes, over the {config.max_bytes:,}-byte limit (max_bytes)")
    page = analyse(data, url, encoding, config.held_out, config.models)
    findings, passed = engine.run(page, engine.active_rules(config))
    return PageResult(
        url=page.url,
        error=None,
        language=page.language,
        score=engine.score(findings),
        metrics=page.metrics,
        blocks=page.blocks,
        links=page.links,
        disclosure=page.disclosure,
        findings=tuple(findings),
        scripts=page.scripts,
        title=page.title,
        rules_passed=tuple(passed),
        canonical=page.canonical,
        notes=page.notes,
        noindex="noindex" in page.robots or "none" in page.robots.split(),
        nofollow="nofollow" in page.robots or "none" in page.robots.split(),
        page_type=page.page_type,
    )


class _Read(NamedTuple):
    """A page read as far as its links and disclosure statements."""

    doc: Document
    read: layout.Layout
    groups: list[segment.Group]
    catalogue: networks.Catalogue
    links: list[Link]
    kept: Kept
    unresolved: list[str]
    statements: list[Statement]
    in_content: list[bool]
    page: linkmodel.PageContext
    texts: list[disclosures.BlockText]
    words: disclosures.Wording


def _read(data: bytes, url: str, encoding: str | None, held_out: frozenset[str], models: Path | None = None) -> _Read:
    url = _resolvable(url)
    catalogue = networks.load(None, held_out)
    doc = parse(data, encoding)
    read = layout.read(doc.root, _names())
    groups = segment.group(read)
    segment.mark_body(groups, blockmodel.body_text(blockmodel.load(models), groups, read.anchors))
    page_site = _site(url)
    found_links, kept, unresolved, in_content = _classify_links(read, groups, url, page_site, catalogue)
    words = disclosures.wording(None, held_out, _languages(read.lang))
    texts = _block_texts(read, groups, found_links, kept)
    statements = disclosures.find(
        texts,
        words,
        starred={link.block for link, (a, _) in zip(found_links, kept, strict=True) if link.affiliate and a.marked},
    )
    if any(disclosures.declares_paid_links(s, words) for s in statements):
        found_links = _disclosed_cloaks(found_links, kept, in_content, page_site, catalogue)
    page = linkmodel.PageContext(
        site=page_site,
        discloses=bool(statements),
        catalogued=sum(link.affiliate for link in found_links),
        per_host=Counter(u.host for _, u in kept),
    )
    # What the wording patterns missed, by meaning: only on a page that sells, and after the links are judged
    # (the link model was fitted on pages read with the patterns alone, so its evidence is theirs)
    said = disclosuremodel.load(models) if not statements and page.catalogued else None
    if said is not None:
        statements = disclosuremodel.find(texts, words, said)
    return _Read(
        doc, read, groups, catalogue, found_links, kept, unresolved, statements, in_content, page, texts, words
    )


# The languages whose disclosure wording every page is searched for: pages in any language quote English
# disclosures (Amazon's required sentence above all), and German ones are as common in the field.
_ALWAYS = frozenset(("en", "de"))


def _languages(declared: str | None) -> frozenset[str] | None:
    """The disclosure wording a page is searched for: the always-searched languages and the one the page
    declares; all languages where it declares none (each language's wording costs time on every page)."""
    code = language.detect(declared, "") if declared else None
    return _ALWAYS | {code} if code else None


def block_inputs(data: bytes) -> list[tuple[str, dict[str, float]]]:
    """What `auditor train` learns the block model from: each block's text and features, read as an audit reads
    them before the block model is applied."""
    read = layout.read(parse(data).root, _names())
    groups = segment.group(read)
    return [(g.text, f) for g, f in zip(groups, blockmodel.features(groups, read.anchors), strict=True)]


class TrainingInputs(NamedTuple):
    """What `auditor train` learns from a page, read exactly as an audit reads it (with the block model in
    `models`, and without a disclosure model there: the wording patterns alone)."""

    links: list[tuple[Link, dict[str, float]]]
    """Every link with the link model's features."""
    page_type: dict[str, float]
    """The page-type model's features."""
    sentences: list[str]
    """The disclosure model's candidate sentences."""
    disclosed: bool
    """Whether the wording patterns found a statement."""
    sells: bool
    """Whether the catalogue and the patterns found an affiliate link (the disclosure model reads only such pages)."""


def training_inputs(
    data: bytes, url: str, held_out: frozenset[str] = frozenset(), models: Path | None = None
) -> TrainingInputs:
    seen = _read(data, url, None, held_out, models)
    found = [
        (link, linkmodel.features(anchor, target, content, seen.page, seen.catalogue))
        for link, (anchor, target), content in zip(seen.links, seen.kept, seen.in_content, strict=True)
    ]
    sentences = [sentence for _, sentence in disclosuremodel.candidates(seen.texts, seen.words)]
    features = page_type_features(seen.read, url, seen.links)
    return TrainingInputs(found, features, sentences, bool(seen.statements), bool(seen.page.catalogued))


def analyse(
    data: bytes,
    url: str,
    encoding: str | None = None,
    held_out: frozenset[str] = frozenset(),
    models: Path | None = None,
) -> Page:
    """Everything the checks need to know of a page: blocks, links, disclosure, metrics. `held_out` and
    `models`: see `Config`."""
    doc, read, groups, catalogue, found_links, kept, unresolved, statements, in_content, context, _, _ = _read(
        data, url, encoding, held_out, models
    )
    kind = _page_type(read, url, found_links, models)  # read before the link model, as `auditor train` reads it
    model = linkmodel.load(models)
    if model is not None:
        found_links = linkmodel.apply(model, found_links, kept, in_content, context, catalogue)
    blocks = _blocks(groups, found_links, {s.block: s for s in statements})
    first_affiliate = next((link.block for link in found_links if link.affiliate), None)
    page = Page(
        url=url,
        language=language.detect(read.lang, " ".join(b.text for b in blocks if b.kind == "editorial")),
        title=read.title,
        blocks=tuple(blocks),
        links=tuple(found_links),
        disclosure=disclosures.judge(statements, first_affiliate, segment.after_content(blocks)),
        scripts=tuple(_scripts(read.scripts, catalogue)),
        metrics={},
        canonical=_canonical(read.canonical, url),
        robots=read.robots,
        notes=doc.notes,
        page_type=kind,
    )
    page.metrics.update(metrics(page, unresolved))
    return page


def _page_type(read: layout.Layout, url: str, found: Sequence[Link], models: Path | None) -> PageType | None:
    model = pagetype.load(models)
    if model is None:
        return None
    kind, confidence = model.predict(page_type_features(read, url, found))
    return PageType(kind, confidence)


def page_type_features(read: layout.Layout, url: str, found: Sequence[Link]) -> dict[str, float]:
    """The page-type model's features of a page read as far as its catalogued links (before the link model)."""
    return pagetype.features(
        read.title,
        urlsplit(url).path if (url := _resolvable(url)) else "",
        [p.text for p in read.pieces if p.heading and p.text],
        pagetype.structured_types(read.scripts),
        sum(link.affiliate for link in found),
        sum(p.words for p in read.pieces if p.region == "main"),
        len({p.box for p in read.pieces if p.box is not None}),
    )


Kept = list[tuple[layout.Anchor, links.Url]]


def _classify_links(
    read: layout.Layout,
    groups: Sequence[segment.Group],
    url: str,
    page_site: str | None,
    catalogue: networks.Catalogue,
) -> tuple[list[Link], Kept, list[str], list[bool]]:
    """Every http(s) link of the page, classified; also the anchors kept, the unresolvable short links, and
    whether each link is in the page's content (main or aside), not its header, navigation or footer."""
    base = _base(url, read.base)
    block_of_piece = {p.index: gi for gi, g in enumerate(groups) for p in g.pieces}
    kept = _targets(read.anchors, base)
    in_content = [groups[block_of_piece[a.piece]].region in ("main", "aside") for a, _ in kept]
    verdicts = [
        links.classify(a, target, page_site, catalogue, content)
        for (a, target), content in zip(kept, in_content, strict=True)
    ]
    urls = [u for _, u in kept]
    verdicts = links.cobranded(urls, [a for a, _ in kept], verdicts, page_site, catalogue)
    for i, verdict in links.cloak_siblings(urls, verdicts, in_content, page_site, catalogue).items():
        verdicts[i] = verdict
    found = [
        Link(
            target.href,
            a.raw_href,
            a.text[:300],
            block_of_piece[a.piece],
            v.affiliate,
            v.network,
            v.evidence,
            a.rel,
            v.merchant,
        )
        for (a, target), v in zip(kept, verdicts, strict=True)
    ]
    unresolved = [target.href for (_, target), v in zip(kept, verdicts, strict=True) if v.unresolved]
    return found, kept, unresolved, in_content


def _resolvable(url: str) -> str:
    """The page's URL, or "" where it cannot be split ("http://[::1", a host without its closing bracket): the page
    is then read as one of unknown address, as a page given without its URL is."""
    try:
        urlsplit(url)
    except ValueError:
        return ""
    return url


def _base(url: str, declared: str | None) -> str:
    """What the page's relative links resolve against: its `<base href>` resolved against its URL, or its URL where
    it declares none or one that cannot be read (as a browser ignores it)."""
    if not declared:
        return url
    try:
        base = urljoin(url, declared) if url else declared
        urlsplit(base)
    except ValueError:
        return url
    return base


def _site(url: str) -> str | None:
    """The site a page belongs to (its registrable domain), where its URL is known."""
    host = urlsplit(url).hostname if url else None
    return networks.site_of(host) if host else None


def _disclosed_cloaks(
    found: list[Link], kept: Kept, in_content: list[bool], page_site: str | None, catalogue: networks.Catalogue
) -> list[Link]:
    """On a page that says it carries affiliate links, its same-site cloak links in the content are affiliate
    links. A visible link to the site's disclosure page that names affiliation or advertising says so too: a
    publisher whose only disclosure is a footer link ("Affiliate Disclosure") still declares that its `/go/` and
    `/apply/` links pay it; a bare "Disclosure" link may be a museum's legal page."""
    upgrades = links.cloak_siblings(
        [u for _, u in kept],
        [links.Verdict(link.affiliate, link.network, link.evidence) for link in found],
        in_content,
        page_site,
        catalogue,
        disclosed=True,
    )
    if not upgrades:
        return found
    out = list(found)
    for i, verdict in upgrades.items():
        out[i] = out[i]._replace(affiliate=True, network=verdict.network, evidence=verdict.evidence)
    return out


def _block_texts(
    read: layout.Layout, groups: Sequence[segment.Group], found: Sequence[Link], kept: Kept
) -> list[disclosures.BlockText]:
    """What the disclosure finder needs of each block: its text, whether affiliate links sit beside it (an
    advertising label labels them), and the texts of its links that may name a disclosure page."""
    affiliate = [(link.block, anchor.has_text) for link, (anchor, _) in zip(found, kept, strict=True) if link.affiliate]
    near_any = _beside(groups, {b for b, _ in affiliate})
    near_text = _beside(groups, {b for b, has_text in affiliate if has_text})
    keyword = disclosures.wording().link_keywords
    link_texts: dict[int, list[str]] = {}
    for i, g in enumerate(groups):
        for a in g.anchors:
            text = read.anchors[a].text
            if len(text) < 60 and keyword.search(text):
                link_texts.setdefault(i, []).append(text)
    return [
        disclosures.BlockText(
            i,
            g.text,
            g.region,
            g.words,
            i in near_any,
            i in near_text,
            tuple(link_texts.get(i, ())),
            g.hidden,
            g.ad_slot,
            tuple(p.text for p in g.pieces if 0 < len(p.text) <= 30) if len(g.pieces) > 1 else (),
        )
        for i, g in enumerate(groups)
    ]


def _canonical(raw: str | None, url: str) -> str | None:
    target = links.absolute(raw, url) if raw else None
    return target.href if target is not None else None


def _targets(anchors: Sequence[layout.Anchor], base: str) -> list[tuple[layout.Anchor, links.Url]]:
    """Each anchor with the absolute URL it leads to; anchors without an http(s) target are dropped. A page
    repeats its links (menus twice, buttons beside titles), so each distinct href is resolved once."""
    resolved: dict[str, links.Url | None] = {}
    out: list[tuple[layout.Anchor, links.Url]] = []
    parts = urlsplit(base)
    origin = f"{parts.scheme}://{parts.netloc}" if parts.scheme in ("http", "https") and parts.netloc else ""
    for anchor in anchors:
        if anchor.piece < 0:
            continue
        raw = anchor.raw_href
        if raw not in resolved:
            resolved[raw] = links.absolute(raw, base, origin)
        url = resolved[raw]
        if url is not None:
            out.append((anchor, url))
    return out


def _beside(groups: Sequence[segment.Group], blocks: set[int]) -> set[int]:
    """The given blocks and their neighbours before and after, unless an embedded frame or ad script sits
    between the two (a label over an ad slot labels the ad, not the links after it)."""
    out = set(blocks)
    for i in blocks:
        if i > 0 and groups[i - 1].pieces[-1].embeds == groups[i].pieces[0].embeds:
            out.add(i - 1)
        if i + 1 < len(groups) and groups[i + 1].pieces[0].embeds == groups[i].pieces[-1].embeds:
            out.add(i + 1)
    return out


def forget_memos() -> None:
    """Empty the memo caches (link hosts, link targets, word stems, URL spellings), so that the next page is read
    as if it were the first. Results never depend on them; the speed benchmark uses this to time first sight."""
    networks.load().hosts_seen.clear()
    textmodel.forget_stems()
    urls.forget_spellings()
    links.forget_targets()


def _names() -> layout.Names:
    """A class-name reader for one page: the shipped reader's compiled patterns with a memo of its own. Class
    strings repeat within a page (hundreds of elements share a few) far more than across sites, and a memo that
    ends with the page holds none of them afterwards (measured: as fast on the corpus as one kept for the
    process)."""
    names = copy.copy(_shipped_names())
    names.cache, names.sign_cache = {}, {}
    return names


@cache
def _shipped_names() -> layout.Names:
    """The class-name reader for the shipped catalogue's box words (its patterns are compiled once)."""
    return layout.Names(networks.load().box_words)


def _blocks(groups: Sequence[segment.Group], found: Sequence[Link], statement_of: dict[int, Statement]) -> list[Block]:
    by_block: dict[int, list[Link]] = {}
    for link in found:
        by_block.setdefault(link.block, []).append(link)
    where = segment.positions(groups)
    blocks: list[Block] = []
    for i, g in enumerate(groups):
        own = by_block.get(i)
        link_words = sum(len(link.text.split()) for link in own) if own else 0
        affiliate = sum(1 for link in own if link.affiliate) if own else 0
        kind = segment.kind_of(g, link_words, len(own) if own else 0, affiliate, statement_of.get(i))
        blocks.append(Block(i, kind, g.region, g.selector, where[i], g.words, g.text, g.tag, g.heading, g.hidden))
    return blocks


def _scripts(scripts: list[etree._Element], catalogue: networks.Catalogue) -> list[AutoAffiliateScript]:
    """Auto-affiliate services the page's scripts load or configure, each with the first script that shows it.
    A service's patterns are tried only on the scripts that hold one of its words: pages carry megabytes of
    inline script, and most of it holds none. The compiled module tells which scripts hold which words from the
    tree's bytes, so that most pages' scripts are never read as text. Structured data (JSON-LD) describes the
    page's content, which may name a widget's address without loading it: it is not read."""
    scripts = [s for s in scripts if (s.get("type") or "").strip().lower() != "application/ld+json"]
    held = catalogue.script_words(scripts)
    found: list[AutoAffiliateScript] = []
    texts: dict[int, str] = {}
    for service in catalogue.scripts if any(held) else ():
        for i, words in enumerate(held):
            if words.isdisjoint(service.contains):
                continue
            if i not in texts:
                texts[i] = layout.script_text(scripts[i])
            match = service.pattern.search(texts[i])
            if match:
                shown = texts[i][max(0, match.start() - 30) : match.end() + 30]
                found.append(AutoAffiliateScript(service.id, " ".join(shown.split())))
                break
    named = {s.service for s in found}
    return found + [w for w in _programme_widgets(scripts, catalogue) if w.service not in named]


def _programme_widgets(scripts: list[etree._Element], catalogue: networks.Catalogue) -> list[AutoAffiliateScript]:
    """Widgets of the programmes in the catalogue that no service entry finds, tied to the programme by either end
    of the embed code the programme hands out, and carrying the publisher's id under the programme's id
    parameter:
    - a script served from the programme's own host and configured with the id (an attribute, a `data-*` value or
      its configuration: "partnerId" for `partner_id`);
    - a loader script right after the element the widget fills, whose `data-<parameter>` attribute holds the
      same id as the fallback link inside it, to the programme's host (Booking.com's published code:
      `<ins data-aid="X"><a href="//www.booking.com?aid=X">`, then a loader from a CDN no entry names). The
      parser drops comments, so a comment between the two does not part them; any other element does.
    Programmes render their tours, hotels and products this way, each link carrying the id; reported under the
    programme's `widget` service."""
    found: dict[str, AutoAffiliateScript] = {}
    for script in scripts:
        src = (script.get("src") or "").strip()
        if src:
            settings = [f"{k!s}={v!s}" for k, v in script.attrib.items() if k != "src"]
            for net in _programmes(_host(src), catalogue):
                match = _id_setting(net.params).search(" ".join([*settings, src, layout.script_text(script)]))
                if match:
                    found.setdefault(net.widget, AutoAffiliateScript(net.widget, f"{_host(src)}: {match[0][:60]}"))
                    break
        # (the element first: few are a widget's, while a page's inline scripts run to megabytes of text)
        container = script.getprevious()
        widget = _filled_element(container, catalogue) if container is not None else None
        if widget is not None and (src or _LOADS_A_SCRIPT.search(layout.script_text(script))):
            found.setdefault(widget.service, widget)
    return list(found.values())


# A script that loads another: its text creates a script element or names a .js address.
_LOADS_A_SCRIPT = re.compile(r"createElement\(\s*[\"']script|\.js\b", re.I)
# How many links inside an element are read for the programme's fallback link: a widget's element holds one; a
# page's wrapper holding thousands is not a widget's, and reading them all per script would be quadratic.
FALLBACK_LINKS = 3


def _filled_element(element: etree._Element, catalogue: networks.Catalogue) -> AutoAffiliateScript | None:
    """The widget whose element this is: one of its first FALLBACK_LINKS links goes to a programme's host and sets
    one of the programme's id parameters to the value the element's `data-<parameter>` attribute holds."""
    settings = {
        str(k)[5:].lower().replace("_", "-"): str(v).strip()
        for k, v in element.attrib.items()
        if str(k).startswith("data-") and str(v).strip()
    }
    if not settings.keys() & catalogue.widget_params:
        return None  # (most elements: no walk of their links)
    for anchor in islice(element.iterfind(".//a[@href]"), FALLBACK_LINKS):
        href = anchor.get("href") or ""
        host = _host(href)
        if not host or "?" not in href:
            continue
        query = dict(parse_qsl(urlsplit(href.strip()).query))  # (_host read it: it splits)
        for net in _programmes(host, catalogue):
            for param in net.params:
                name = param.replace("_", "-")
                if name in settings and query.get(param) == settings[name]:
                    said = f"<{element.tag} data-{name}={settings[name][:40]}>, links to {host}, then a loader"
                    return AutoAffiliateScript(net.widget, said)
    return None


def _programmes(host: str, catalogue: networks.Catalogue) -> list[networks.Network]:
    """The catalogue's programmes with id parameters whose host this is, most specific domain first."""
    return [net for net in networks.host_facts(catalogue, host)[0] if net.params] if host else []


def _host(url: str) -> str:
    """The host of an absolute or scheme-relative URL, lowercased ("" for any other)."""
    url = url.strip()
    if not url.lower().startswith(("http:", "https:", "//")):
        return ""
    try:
        return (urlsplit("https:" + url if url.startswith("//") else url).hostname or "").lower()
    except ValueError:
        return ""


@cache
def _id_setting(params: frozenset[str]) -> re.Pattern[str]:
    """A setting of one of a programme's id parameters to a value, as a query, an attribute or a script's
    configuration writes it: `partner_id=X`, `data-partner-id="X"`, `'partnerId': 'X'`."""
    names = "|".join(sorted(re.escape(p).replace("_", "[_-]?") for p in params))
    return re.compile(rf"(?<![a-z])(?:{names})(?![a-z])[\"']?\s*[:=]\s*[\"']?[\w-]{{2,}}", re.I)


def metrics(page: Page, unresolved: Sequence[str]) -> dict[str, object]:
    """The numbers behind the verdicts: words by kind, link counts, densities, positions."""
    words: Counter[str] = Counter()
    for block in page.blocks:
        words[block.kind] += block.words
    affiliate = page.affiliate_links
    editorial = words["editorial"]
    networks_seen = Counter(link.network for link in affiliate if link.network)
    first = page.block(affiliate[0].block).position if affiliate else None
    statements = page.disclosure.statements
    return {
        "words_editorial": editorial,
        "words_affiliate": words["affiliate"],
        "words_disclosure": words["disclosure"],
        "words_navigation": words["navigation"],
        "words_boilerplate": words["boilerplate"],
        "links": len(page.links),
        "affiliate_links": len(affiliate),
        "affiliate_links_distinct": len({link.raw_href for link in affiliate}),
        "affiliate_links_per_1000_words": round(len(affiliate) * 1000 / editorial, 2) if editorial else 0.0,
        "affiliate_text_share": round(words["affiliate"] / (words["affiliate"] + editorial), 4)
        if words["affiliate"] + editorial
        else 0.0,
        "affiliate_links_without_rel": sum(1 for link in affiliate if not {"sponsored", "nofollow"} & set(link.rel)),
        "networks": dict(networks_seen.most_common()),
        "merchants": sorted({link.merchant for link in affiliate if link.merchant}),
        "blocks": dict(Counter(b.kind for b in page.blocks)),
        "first_affiliate_link_position": first,
        "first_disclosure_position": page.block(statements[0].block).position if statements else None,
        "disclosures": len(statements),
        "unresolved_links": len(unresolved),
        "auto_affiliate_scripts": [s.service for s in page.scripts],
    }
