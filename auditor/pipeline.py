"""The per-page pipeline: one pure function of (page bytes, url, config) -> PageResult. No network, no globals
beyond read-only caches of the shipped rules, so it runs the same in a test, a crawl and a cluster worker."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from urllib.parse import urljoin, urlsplit

from auditor import disclosures, engine, language, layout, links, networks, segment
from auditor.config import Config
from auditor.document import parse
from auditor.errors import AuditError
from auditor.models import (
    AutoAffiliateScript,
    Block,
    Disclosure,
    Link,
    Page,
    PageResult,
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
    page = analyse(data, url, encoding)
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
    )


def error_result(url: str, error: str) -> PageResult:
    """The result of a page that could not be audited: the error says why, nothing else is claimed."""
    return PageResult(
        url=url,
        error=error,
        language=None,
        score=0,
        metrics={},
        blocks=(),
        links=(),
        disclosure=Disclosure(False, "none", "none", ()),
        findings=(),
    )


def analyse(data: bytes, url: str, encoding: str | None = None) -> Page:
    """Everything the checks need to know of a page: blocks, links, disclosure, metrics."""
    catalogue = networks.load()
    doc = parse(data, encoding)
    read = layout.read(doc.root, _box_pattern(catalogue))
    base = urljoin(url, read.base) if read.base and url else (read.base or url)
    page_host = urlsplit(url).hostname if url else None
    page_site = networks.site_of(page_host) if page_host else None

    groups = segment.group(read)
    block_of_piece = {p.index: gi for gi, g in enumerate(groups) for p in g.pieces}
    kept = [(a, href) for a in read.anchors if a.piece >= 0 and (href := links.absolute(a.raw_href, base))]
    regions = [groups[block_of_piece[a.piece]].region for a, _ in kept]
    verdicts = [
        links.classify(a, href, page_site, catalogue, region in ("main", "aside"))
        for (a, href), region in zip(kept, regions, strict=True)
    ]
    verdicts = links.cobranded([h for _, h in kept], [a for a, _ in kept], verdicts, page_site, catalogue)
    unresolved = [href for (_, href), v in zip(kept, verdicts, strict=True) if v.unresolved]
    found_links = [
        Link(
            href=href,
            raw_href=a.raw_href,
            text=a.text[:300],
            block=block_of_piece[a.piece],
            affiliate=v.affiliate,
            network=v.network,
            evidence=v.evidence,
            rel=a.rel,
            merchant=v.merchant,
        )
        for (a, href), v in zip(kept, verdicts, strict=True)
    ]

    affiliate_blocks = {link.block for link in found_links if link.affiliate}
    text_link_blocks = {
        link.block for link, (anchor, _) in zip(found_links, kept, strict=True) if link.affiliate and anchor.has_text
    }
    texts = [
        disclosures.BlockText(
            id=i,
            text=g.text,
            region=g.region,
            words=g.words,
            affiliate_near=_labels_links(groups, i, affiliate_blocks),
            text_link_near=_labels_links(groups, i, text_link_blocks),
            link_texts=tuple(read.anchors[a].text for a in g.anchors),
            hidden=g.hidden,
            ad_slot=g.ad_slot,
        )
        for i, g in enumerate(groups)
    ]
    starred = {
        link.block for link, (anchor, _) in zip(found_links, kept, strict=True) if link.affiliate and anchor.marked
    }
    statements = disclosures.find(texts, disclosures.wording(), starred)
    statement_of = {s.block: s for s in statements}
    blocks = _blocks(groups, found_links, statement_of)

    first_affiliate = next((link.block for link in found_links if link.affiliate), None)
    disclosure = disclosures.judge(statements, first_affiliate, segment.after_content(blocks))
    scripts = _scripts(read.scripts, catalogue)
    text = " ".join(b.text for b in blocks if b.kind == "editorial")
    page = Page(
        url=url,
        language=language.detect(read.lang, text),
        title=read.title,
        blocks=tuple(blocks),
        links=tuple(found_links),
        disclosure=disclosure,
        scripts=tuple(scripts),
        metrics={},
    )
    page.metrics.update(metrics(page, unresolved))
    return page


def _labels_links(groups: Sequence[segment.Group], i: int, affiliate_blocks: set[int]) -> bool:
    """Whether a label in block i can label affiliate links: one is in the block, or in the next or previous
    block with no embedded frame or ad script between the two (a label over an ad slot labels the ad)."""
    if i in affiliate_blocks:
        return True
    here = groups[i].pieces
    if i + 1 in affiliate_blocks and groups[i + 1].pieces[0].embeds == here[-1].embeds:
        return True
    return i - 1 in affiliate_blocks and groups[i - 1].pieces[-1].embeds == here[0].embeds


def _box_pattern(catalogue: networks.Catalogue) -> re.Pattern[str]:
    return layout.box_pattern(catalogue.box_words)


def _blocks(groups: Sequence[segment.Group], found: Sequence[Link], statement_of: dict[int, Statement]) -> list[Block]:
    by_block: dict[int, list[Link]] = {}
    for link in found:
        by_block.setdefault(link.block, []).append(link)
    where = segment.positions(groups)
    blocks: list[Block] = []
    for i, g in enumerate(groups):
        own = by_block.get(i, [])
        link_words = sum(len(link.text.split()) for link in own)
        kind = segment.kind_of(g, link_words, len(own), sum(1 for link in own if link.affiliate), statement_of.get(i))
        blocks.append(
            Block(
                id=i,
                kind=kind,
                region=g.region,
                selector=g.selector,
                position=where[i],
                words=g.words,
                text=g.text,
                tag=g.tag,
                heading=g.heading,
                hidden=g.hidden,
            )
        )
    return blocks


def _scripts(sources: Sequence[str], catalogue: networks.Catalogue) -> list[AutoAffiliateScript]:
    found: list[AutoAffiliateScript] = []
    joined = "\n".join(sources)
    for script in catalogue.scripts:
        match = script.pattern.search(joined)
        if match:
            start = max(0, match.start() - 30)
            found.append(AutoAffiliateScript(script.id, " ".join(joined[start : match.end() + 30].split())))
    return found


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
