"""Split a page into ordered blocks and say what each block is: editorial, affiliate, disclosure, navigation or
boilerplate. The segmenter describes; the checks judge (no thresholds of rules live here)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from auditor.layout import Layout, Piece
from auditor.models import Block, BlockKind, Region, Statement

# A block whose words are mostly link text, with this few words per link, is a menu or a link list.
NAV_LINK_SHARE = 0.7
NAV_WORDS_PER_LINK = 6
# A block with an affiliate link is an affiliate block (a plug, a buy button, a deal line) when it is short or
# mostly made of link text; a long paragraph with one affiliate link in a sentence stays editorial.
AFFILIATE_MAX_WORDS = 30
AFFILIATE_LINK_SHARE = 0.3
# A disclosure block is one whose main job is disclosing: short, or mostly the disclosure statement.
DISCLOSURE_MAX_WORDS = 80
# The article ends at its last paragraph of at least this many words.
CONTENT_MIN_WORDS = 20


@dataclass(slots=True)
class Group:
    """Consecutive pieces that form one block (several only inside a product box)."""

    pieces: list[Piece]
    region: Region
    selector: str
    tag: str
    text: str = ""
    words: int = 0
    anchors: list[int] = field(default_factory=list)
    hidden: bool = False
    ad_slot: bool = False
    body: bool | None = None
    """Whether the block model calls it body text (None without a model)."""

    @property
    def heading(self) -> bool:
        return len(self.pieces) == 1 and self.pieces[0].heading > 0

    @property
    def box(self) -> bool:
        return self.pieces[0].box is not None


def _regions(layout: Layout) -> list[Region]:
    """Each piece's region; on pages that mark their main content, unmarked text before it is header and
    unmarked text after it is footer (the copyright lines and widget areas of most templates)."""
    regions = [p.region for p in layout.pieces]
    if not layout.has_main:
        return regions
    marked_main = [i for i, p in enumerate(layout.pieces) if p.landmark and p.region == "main"]
    if not marked_main:
        return regions
    first, last = marked_main[0], marked_main[-1]
    for i, piece in enumerate(layout.pieces):
        if not piece.landmark:
            if i < first:
                regions[i] = "header"
            elif i > last:
                regions[i] = "footer"
    return regions


def group(layout: Layout) -> list[Group]:
    """Pieces grouped into blocks: each product box becomes one block, every other piece is its own block."""
    groups: list[Group] = []
    regions = _regions(layout)
    boxes = False
    for piece, region in zip(layout.pieces, regions, strict=True):
        box = piece.box
        if box is not None and groups and groups[-1].pieces[-1].box == box:
            groups[-1].pieces.append(piece)
            boxes = True
            continue
        selector = piece.box_selector if box is not None and piece.box_selector else piece.selector
        groups.append(  # a block of one piece (the common case): the piece's text, words and links
            Group(
                [piece],
                region,
                selector,
                "box" if box is not None else piece.tag,
                piece.text,
                piece.words,
                list(piece.anchors),
                piece.hidden,
                piece.ad_slot,
            )
        )
    for g in groups if boxes else ():
        if len(g.pieces) > 1:
            g.text = " ".join(p.text for p in g.pieces if p.text)
            g.words = sum(p.words for p in g.pieces)
            g.anchors = [a for p in g.pieces for a in p.anchors]
            g.hidden = all(p.hidden for p in g.pieces)
            g.ad_slot = any(p.ad_slot for p in g.pieces)
    return groups


def mark_body(groups: Sequence[Group], body: Sequence[bool] | None) -> None:
    """Record the block model's verdicts. A text block it calls body text is in the main content when only a
    class or id name (`above-footer`) or its position put it elsewhere; an element or a role (`<footer>`, `<nav>`,
    role=navigation) keeps its region, and so does a product box: a sidebar of deals is not the article, however
    much its boxes read like prose."""
    if body is None:
        return
    for g, is_body in zip(groups, body, strict=True):
        g.body = is_body
        first = g.pieces[0]
        if is_body and g.region != "main" and not g.box and (first.named or not first.landmark):
            g.region = "main"


def kind_of(
    g: Group,
    link_words: int,
    links: int,
    affiliate_links: int,
    statement: Statement | None,
) -> BlockKind:
    """What one block is, from its text, its links and any disclosure statement in it. A product box stays an
    affiliate block though it carries its own disclosure line (Lasso's and AAWP's boxes print one under the
    button): it sells, and its statement is still found and placed."""
    if (
        statement is not None
        and statement.kind != "link_only"
        and not (affiliate_links and g.box)
        and (g.words <= DISCLOSURE_MAX_WORDS or len(statement.text.split()) * 2 >= g.words)
        and not (affiliate_links and statement.kind == "label_only" and g.words > len(statement.text.split()) + 3)
    ):
        return "disclosure"
    if g.hidden:
        return "boilerplate"
    if affiliate_links and (g.box or g.words <= AFFILIATE_MAX_WORDS or link_words >= AFFILIATE_LINK_SHARE * g.words):
        return "affiliate"
    if g.region == "nav":
        return "navigation"
    if (
        links
        and link_words >= NAV_LINK_SHARE * max(g.words, 1)
        and g.words <= NAV_WORDS_PER_LINK * links
        and not g.heading
    ):
        return "navigation"
    if g.body is not None:
        return "editorial" if g.body else "boilerplate"
    if g.region != "main":
        return "boilerplate"
    return "editorial"


def positions(groups: Sequence[Group]) -> list[float]:
    """Where each block starts, as a share of the page's text (0 = top, 1 = bottom)."""
    total = sum(len(g.text) + 1 for g in groups) or 1
    out: list[float] = []
    seen = 0
    for g in groups:
        out.append(round(seen / total, 4))
        seen += len(g.text) + 1
    return out


def after_content(blocks: Sequence[Block]) -> set[int]:
    """Ids of the blocks a reader reaches only after the content: the footer region, and the sidebars and other
    regions outside the main content that come after the article's last paragraph."""
    paragraphs = [b.id for b in blocks if b.kind == "editorial" and b.region == "main" and b.words >= CONTENT_MIN_WORDS]
    end = paragraphs[-1] if paragraphs else len(blocks)
    return {b.id for b in blocks if b.region == "footer" or (b.region != "main" and b.id > end)}
