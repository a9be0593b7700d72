"""Find affiliate disclosures in a page's blocks and judge their kind and placement.

The wording lives in `rules/disclosures.toml`; this module only applies it. A statement is found per block;
its kind is the strongest wording it carries (explanatory > label only > link only), and the page's
placement compares the first disclosure with the first affiliate link in document order.
"""

from __future__ import annotations

import re
import tomllib
from bisect import bisect_right
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from functools import cache
from itertools import accumulate, groupby
from pathlib import Path
from typing import NamedTuple

from auditor import native
from auditor.errors import ConfigError
from auditor.models import Disclosure, DisclosureKind, Placement, Region, Statement
from auditor.rulefiles import any_word, patterns, rules_dir

_KIND_RANK: dict[DisclosureKind, int] = {"explanatory": 3, "label_only": 2, "link_only": 1, "none": 0}
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-ZÄÖÜ*(\"“„])")
_BRACKETED = re.compile(r"\s*[\[(][^\])]{1,24}[\])]")
_LINK_PARTS = re.compile(r"\s[/|·•]\s")
# Kana and CJK ideographs: scripts written without spaces, where a letter comes before nearly every word
_UNSPACED = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f]")
# A block this short that names a disclosure page is read as a link to it would be (a button, a toggle).
SHORT_NAME = 40
# A statement longer than this is cut down to the sentences around the wording that matched.
STATEMENT_MAX_WORDS = 70
# In a long block, patterns run only within this many characters of a keyword (they span at most ~250).
WINDOW = 400


@dataclass(frozen=True, slots=True)
class Wording:
    explanatory: re.Pattern[str]
    label: re.Pattern[str]
    ad_label: re.Pattern[str]
    ad_title: re.Pattern[str]
    ad_marker: re.Pattern[str]
    link_only: re.Pattern[str]
    vague: re.Pattern[str]
    star_legend: re.Pattern[str]
    keywords: Keywords
    """Finds, in lowercased text, a word that every explanatory or label pattern needs (a fast filter)."""
    link_keywords: re.Pattern[str]
    """Finds a word that names a disclosure page in a link's text (any case)."""
    paid_link_words: re.Pattern[str]
    """Finds a word that names paid links or advertising in a link to a disclosure page ("Affiliate Disclosure",
    not a bare "Disclosure"): such a link declares that the site's links pay it."""
    disclosure_page_words: re.Pattern[str]
    """Finds a word that names a disclosure (not a programme's guidelines) in such a link."""
    examples: tuple[tuple[str, DisclosureKind], ...]


class BlockText(NamedTuple):
    """What the disclosure finder needs to know of a block (a named tuple: one is made per block of every page,
    and a tuple is made several times faster than a frozen dataclass)."""

    id: int
    text: str
    region: Region
    words: int
    affiliate_near: bool
    """An affiliate link is in this block, or in the block right before or after it with no ad frame between."""
    text_link_near: bool
    """The same, counting only links with text of their own (not image banners)."""
    link_texts: tuple[str, ...]
    """Texts of its links that may name a disclosure page (short, with one of the `link_keywords`)."""
    hidden: bool = False
    ad_slot: bool = False
    labels: tuple[str, ...] = ()
    """The short texts of a product box's own elements ("ANZEIGE" under a price box), where a block is a box."""


@dataclass(frozen=True, slots=True)
class Keywords:
    """Where the disclosure keywords sit in lowercased text: the words where no letter comes before them (they
    may end inside a word: "compensat" finds "compensation"), the symbols ("*") anywhere, and so the words of
    scripts written without spaces ("広告"), as no word start can be told there. Found with one substring
    search per keyword, several times faster than one pattern of them all, and reported as that pattern would:
    leftmost first, earlier keywords first at one position, no two overlapping."""

    words: tuple[str, ...]
    symbols: tuple[str, ...]
    unspaced: tuple[str, ...] = ()
    """The keywords of scripts written without spaces, found anywhere like the symbols, after them in order."""
    compiled: Callable[[str], list[int]] | None = None
    """The same search of the words and symbols in one pass over the text, from the compiled module (when built);
    it reads Latin text only, so it answers for texts that hold none of the `unspaced` keywords."""

    def all(self) -> tuple[str, ...]:
        return (*self.words, *self.symbols, *self.unspaced)

    @classmethod
    def of(cls, keywords: Sequence[str]) -> Keywords:
        unspaced = tuple(k for k in keywords if _UNSPACED.match(k))
        words = tuple(k for k in keywords if k[:1].isalnum() and k not in unspaced)
        symbols = tuple(k for k in keywords if k not in words and k not in unspaced)
        module = native.compiled()
        compiled = module.KeywordStarts(words, symbols) if module is not None else None
        return cls(words, symbols, unspaced, compiled if compiled is not None and compiled.usable else None)

    def starts(self, text: str) -> list[int]:
        if self.compiled is not None and not (self.unspaced and any(k in text for k in self.unspaced)):
            return self.compiled(text)
        hits: list[tuple[int, int, int]] = []  # (start, keyword order, end)
        for order, keyword in enumerate(self.all()):
            word = order < len(self.words)
            at = text.find(keyword)
            while at >= 0:
                before = text[at - 1] if at else ""
                if not (word and before.isalnum() and not before.isdecimal()):  # a letter before a word: inside
                    hits.append((at, order, at + len(keyword)))
                at = text.find(keyword, at + 1)
        hits.sort()
        out: list[int] = []
        end = 0
        for start, _, stop in hits:
            if start >= end:
                out.append(start)
                end = stop
        return out


def declares_paid_links(statement: Statement, words: Wording) -> bool:
    """Whether a visible statement says the page's links may pay: any statement or label, and a link to the
    disclosure page that names affiliation or advertising ("Affiliate Disclosure", "Advertiser Disclosure"), not
    a programme's or an advertiser's page ("Affiliate Guidelines", "Advertising Policy")."""
    if statement.hidden:
        return False
    if statement.kind != "link_only":
        return True
    text = statement.text
    return bool(words.paid_link_words.search(text) and words.disclosure_page_words.search(text))


def _join(patterns: Sequence[str]) -> re.Pattern[str]:
    """The patterns as one, found whatever the case, tried in their order. Each run of patterns that open with a
    word boundary is a group of its own: Python's re moves the `\\b` they share out of the group, so that the
    group is tried only at word boundaries. (Alone, one pattern without it, such as "#commissions earned", made
    re try every alternative at every character: the explanatory wording took 1.8x as long on the corpus.)"""
    runs = groupby((f"(?:{p})" for p in patterns), key=lambda p: p.startswith(r"(?:\b"))
    return re.compile("|".join(f"(?:{'|'.join(run)})" for _, run in runs) or "$^", re.I)


@cache
def wording(
    path: Path | None = None, held_out: frozenset[str] = frozenset(), languages: frozenset[str] | None = None
) -> Wording:
    """The wording of these `languages` merged (None: all of them): pages mix languages, and a German page may
    disclose in English. `held_out`: sites scored out of sample, whose patterns met on their own pages (`seen_on`)
    are left out."""
    source = path or rules_dir() / "disclosures.toml"
    try:
        data = tomllib.loads(source.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read {source}: {exc}") from None
    sections = [v for k, v in data.items() if isinstance(v, dict) and (languages is None or k in languages)]

    def merged(key: str) -> re.Pattern[str]:
        return _join([p for lang in sections for p in patterns(lang.get(key, ()), held_out)])

    examples = tuple((e["text"], e["kind"]) for e in data.get("example", ()))
    return Wording(
        explanatory=merged("explanatory"),
        label=merged("label"),
        ad_label=merged("ad_label"),
        ad_title=merged("ad_title"),
        ad_marker=merged("ad_marker"),
        link_only=merged("link_only"),
        vague=merged("vague"),
        star_legend=merged("star_legend"),
        keywords=Keywords.of(data.get("keywords", ())),
        link_keywords=any_word(data.get("link_keywords", ())),
        paid_link_words=any_word(data.get("paid_link_words", ())),
        disclosure_page_words=any_word(data.get("disclosure_page_words", ())),
        examples=examples,
    )


def _excerpt(text: str, start: int, end: int) -> str:
    """The sentences of `text` that hold the match [start, end)."""
    if len(text.split()) <= STATEMENT_MAX_WORDS:
        return text
    bounds = [0, *(m.end() for m in _SENTENCE_END.finditer(text)), len(text)]
    first = max(b for b in bounds if b <= start)
    last = min((b for b in bounds if b >= end), default=len(text))
    return text[first:last].strip()


def classify_text(
    text: str, words: Wording, affiliate_near: bool = True, text_link_near: bool = True
) -> tuple[DisclosureKind, str]:
    """The disclosure kind of one text and the excerpt that carries it ("none", "" when it is no disclosure).
    Advertising labels count only beside affiliate links (`affiliate_near`); a bare label only beside text links."""
    match = words.explanatory.search(text)
    if match:
        return "explanatory", _excerpt(text, match.start(), match.end())
    match = words.label.search(text)
    if match:
        return "label_only", _excerpt(text, match.start(), match.end())
    if len(text) <= 60:
        if text_link_near and words.ad_label.search(text):
            return "label_only", text
        if affiliate_near and words.ad_title.search(text):
            return "label_only", text
    else:
        # a bare advertising label in brackets that opens a line of text links: "[Werbung] Thiele, C. (2021) ..."
        opening = _BRACKETED.match(text)
        if opening and text_link_near and words.ad_label.search(opening.group(0).strip()):
            return "label_only", _excerpt(text, 0, opening.end())
    # a marker beside the link it labels, in running text: "Kettle X (paid link) is our pick"
    marker = words.ad_marker.search(text) if text_link_near else None
    if marker is not None:
        return "label_only", marker.group(0).strip()
    return "none", ""


def find(blocks: Sequence[BlockText], words: Wording, starred: Collection[int] = ()) -> list[Statement]:
    """Every disclosure statement of the page, in document order. `starred`: blocks holding an affiliate link
    followed by "*"; when the page explains that marker, each of them carries a label-only statement."""
    statements = _statements(blocks, words)
    if starred and any(words.star_legend.search(s.text) for s in statements):
        marked = [
            Statement("*", "label_only", b.id, b.region, order=b.id, hidden=b.hidden, trails_link=True)
            for b in blocks
            if b.id in starred and b.id not in {s.block for s in statements}
        ]
        statements = sorted([*statements, *marked], key=lambda s: s.order)
    return statements


def _candidates(blocks: Sequence[BlockText], words: Wording) -> dict[int, list[int]]:
    """The blocks worth searching, each with where its disclosure keywords sit: blocks with a keyword, and
    short ones beside affiliate links (advertising labels)."""
    found: dict[int, list[int]] = {
        i: [] for i, block in enumerate(blocks) if block.affiliate_near and len(block.text) <= 60
    }
    for index, hits in keyword_hits(blocks, words).items():
        found.setdefault(index, []).extend(hits)
    return found


def keyword_hits(blocks: Sequence[BlockText], words: Wording) -> dict[int, list[int]]:
    """The blocks that hold a disclosure keyword, each with where its keywords start. One keyword scan of the whole
    page text replaces a scan of every block."""
    joined = "\n".join(block.text for block in blocks).lower()
    starts = [0, *accumulate(len(block.text) + 1 for block in blocks)]
    found: dict[int, list[int]] = {}
    for at in words.keywords.starts(joined):
        index = bisect_right(starts, at) - 1
        found.setdefault(index, []).append(at - starts[index])
    return found


def _around(text: str, hits: Sequence[int]) -> str:
    """The parts of a long text near its keywords, where a disclosure could be (a window of WINDOW chars)."""
    if len(text) <= 4 * WINDOW or not hits:
        return text
    spans: list[list[int]] = []
    for hit in hits:
        start, end = max(0, hit - WINDOW), hit + WINDOW
        if spans and start <= spans[-1][1]:
            spans[-1][1] = end
        else:
            spans.append([start, end])
    return " … ".join(text[a:b] for a, b in spans)


def _statements(blocks: Sequence[BlockText], words: Wording) -> list[Statement]:
    statements: list[Statement] = []
    candidates = _candidates(blocks, words)
    for index, block in enumerate(blocks):
        kind: DisclosureKind = "none"
        excerpt = ""
        if index in candidates:
            labels_links = not block.ad_slot and block.text not in block.link_texts  # a link named "Ad" is no label
            kind, excerpt = classify_text(
                _around(block.text, candidates[index]),
                words,
                labels_links and block.affiliate_near,
                labels_links and block.text_link_near,
            )
        trails = False
        if kind == "none" and block.labels and block.text_link_near and not block.ad_slot:
            # a bare advertising label inside a product box labels the box's links ("Preisvergleich ... ANZEIGE");
            # unless it opens the box, it comes after them
            label = next((t for t in block.labels if words.ad_label.search(t)), None)
            if label is not None:
                kind, excerpt, trails = "label_only", label, not block.text.startswith(label)
        for link_text in _named(block, words) if kind == "none" else ():
            # a footer link may name several pages at once: "Privacy / DMCA / Affiliate and FTC Disclosure"
            if any(words.link_only.search(part.strip(" .:»›>")) for part in _LINK_PARTS.split(link_text)):
                kind, excerpt = "link_only", link_text
                break

        if kind == "none":
            continue
        vague = tuple(sorted({m.group(0).strip().lower() for m in words.vague.finditer(excerpt)}))
        statements.append(
            Statement(
                text=excerpt,
                kind=kind,
                block=block.id,
                region=block.region,
                order=block.id,
                vague_terms=vague,
                hidden=block.hidden,
                trails_link=trails,
            )
        )
    return statements


def _named(block: BlockText, words: Wording) -> tuple[str, ...]:
    """The texts of a block that may name a disclosure page: its links', and its own when it is as short as a
    link's (finance sites' "Advertiser Disclosure" is a button that opens the statement, not a link)."""
    if len(block.text) <= SHORT_NAME and words.link_keywords.search(block.text):
        return (*block.link_texts, block.text)
    return block.link_texts


def judge(
    statements: Sequence[Statement], first_affiliate_block: int | None, after_content: Collection[int] = ()
) -> Disclosure:
    """The page's disclosure: its strongest kind, and where its first statement sits. A statement in the same
    block as the first affiliate link sits beside it ("paid link" next to the link), which counts as before.
    `after_content`: blocks in the footer area (footer_only when every statement is there)."""
    if not statements:
        return Disclosure(False, "none", "none", ())
    kind = max((s.kind for s in statements), key=_KIND_RANK.__getitem__)
    # Placement is judged on real statements; a bare link to a disclosure page counts only when alone.
    counted = [s for s in statements if s.kind != "link_only"] or list(statements)
    texts = tuple(dict.fromkeys(s.text for s in statements))
    placement: Placement
    if first_affiliate_block is None:
        placement = "no_affiliate_links"
    elif counted[0].order < first_affiliate_block or (
        counted[0].order == first_affiliate_block and not counted[0].trails_link
    ):
        placement = "before_first_affiliate_link"
    elif all(s.block in after_content for s in counted):
        placement = "footer_only"
    else:
        placement = "after_first_affiliate_link"
    return Disclosure(True, kind, placement, texts, tuple(statements))
