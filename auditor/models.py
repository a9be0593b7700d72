"""Plain data that flows through the pipeline: links, blocks, disclosures, findings and page results."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple

BlockKind = Literal["editorial", "affiliate", "disclosure", "navigation", "boilerplate"]
Region = Literal["header", "nav", "main", "aside", "footer"]
Severity = Literal["error", "warning", "info"]
DisclosureKind = Literal["explanatory", "label_only", "link_only", "none"]
Placement = Literal[
    "before_first_affiliate_link",
    "after_first_affiliate_link",
    "footer_only",
    "no_affiliate_links",
    "none",
]

BLOCK_KINDS: tuple[BlockKind, ...] = ("editorial", "affiliate", "disclosure", "navigation", "boilerplate")
REGIONS: tuple[Region, ...] = ("header", "nav", "main", "aside", "footer")
SEVERITIES: tuple[Severity, ...] = ("error", "warning", "info")
DISCLOSURE_KINDS: tuple[DisclosureKind, ...] = ("explanatory", "label_only", "link_only", "none")
PLACEMENTS: tuple[Placement, ...] = (
    "before_first_affiliate_link",
    "after_first_affiliate_link",
    "footer_only",
    "no_affiliate_links",
    "none",
)
SEVERITY_RANK: dict[str, int] = {"info": 1, "warning": 2, "error": 3}


class Link(NamedTuple):
    """One `<a href>` of the page, classified. (A named tuple, as `Block`: pages have hundreds of both, and a
    tuple is made three times faster than a frozen dataclass.)"""

    href: str
    raw_href: str
    text: str
    block: int
    affiliate: bool
    network: str | None
    evidence: str
    rel: tuple[str, ...]
    merchant: str | None = None
    """The shop the click leads to, where the URL says so (host of the target, or the network's merchant)."""


class Block(NamedTuple):
    """A run of text the reader sees as one unit (a paragraph, a heading, a product box), in document order."""

    id: int
    kind: BlockKind
    region: Region
    selector: str
    position: float
    words: int
    text: str
    tag: str
    heading: bool = False
    hidden: bool = False


@dataclass(frozen=True, slots=True)
class Statement:
    """One disclosure statement found on the page."""

    text: str
    kind: DisclosureKind
    block: int
    region: Region
    order: int
    """Document order: the index of its block."""
    vague_terms: tuple[str, ...] = ()
    hidden: bool = False
    """The page hides it (display:none, the hidden attribute): readers do not see it."""
    trails_link: bool = False
    """A marker written after the link it labels (the "*" convention), so it comes after that link."""


@dataclass(frozen=True, slots=True)
class Disclosure:
    present: bool
    kind: DisclosureKind
    placement: Placement
    texts: tuple[str, ...]
    statements: tuple[Statement, ...] = ()


@dataclass(frozen=True, slots=True)
class Finding:
    rule: str
    severity: Severity
    message: str
    block: int | None
    selector: str | None
    evidence: dict[str, Any] = field(default_factory=dict)
    weight: int = 0
    title: str = ""


@dataclass(frozen=True, slots=True)
class AutoAffiliateScript:
    """A script that rewrites plain merchant links into affiliate links when clicked (Skimlinks, VigLink...)."""

    service: str
    evidence: str


@dataclass(frozen=True, slots=True)
class PageType:
    """What kind of page it is, as the page-type model reads it, and how sure it is (0..1)."""

    type: str
    confidence: float


@dataclass(frozen=True, slots=True)
class PageResult:
    url: str
    error: str | None
    language: str | None
    score: int
    metrics: dict[str, Any]
    blocks: tuple[Block, ...]
    links: tuple[Link, ...]
    disclosure: Disclosure
    findings: tuple[Finding, ...]
    scripts: tuple[AutoAffiliateScript, ...] = ()
    title: str | None = None
    rules_passed: tuple[str, ...] = ()
    canonical: str | None = None
    """The page's canonical URL (<link rel="canonical">), absolute."""
    notes: tuple[str, ...] = ()
    """Limits the audit ran into (content nested too deep to read)."""
    noindex: bool = False
    nofollow: bool = False
    """<meta name="robots"> asks crawlers not to index the page / not to follow its links."""
    page_type: PageType | None = None


@dataclass(frozen=True, slots=True)
class Page:
    """A page as the checks see it: everything the pipeline found, before any rule judged it."""

    url: str
    language: str | None
    title: str | None
    blocks: tuple[Block, ...]
    links: tuple[Link, ...]
    disclosure: Disclosure
    scripts: tuple[AutoAffiliateScript, ...]
    metrics: dict[str, Any]
    canonical: str | None = None
    robots: str = ""
    notes: tuple[str, ...] = ()
    page_type: PageType | None = None
    memo: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
    """Results shared between checks (the page's TF-IDF model), computed once on first use."""

    def block(self, block_id: int) -> Block:
        return self.blocks[block_id]

    @property
    def affiliate_links(self) -> tuple[Link, ...]:
        """The affiliate links, in document order (found once: most checks ask)."""
        found: tuple[Link, ...] | None = self.memo.get("affiliate_links")
        if found is None:
            found = self.memo["affiliate_links"] = tuple(link for link in self.links if link.affiliate)
        return found


@dataclass(frozen=True, slots=True)
class SitePage:
    """One crawled URL: how the fetch went, and the page's result in the JSON contract when it was audited."""

    url: str
    status: int | None
    depth: int | None
    error: str | None
    result: dict[str, Any] | None
    text: str = ""
    """The page's main content (editorial, affiliate and disclosure blocks), for near-duplicate detection."""


@dataclass(frozen=True, slots=True)
class Site:
    """A whole site as the site checks see it."""

    start_url: str
    pages: tuple[SitePage, ...]

    @property
    def audited(self) -> tuple[SitePage, ...]:
        return tuple(p for p in self.pages if p.result is not None and not p.result.get("error"))
