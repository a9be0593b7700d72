"""Read a parsed page, in document order: text pieces with their region and box, anchors, and what the page
says of itself (title, base URL, canonical link, robots, scripts, main content element).

Two passes over the tree build everything later stages need, so no stage walks the tree again: one `iter` over
the few tags the page describes itself with (`_Head`), then the walk (lxml's iterwalk, start and end events; in
`_walk.pyx`, the same walk compiled). A *piece* is the text of one block-level element that is not inside a nested
block-level element (a paragraph, a heading, a list item, a table row); later, pieces inside one product box
are grouped into a single block.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeAlias

from lxml import etree

from auditor import native
from auditor.models import Region

BLOCK_TAGS = frozenset(
    "address article aside blockquote body caption center dd details dialog div dl dt fieldset figcaption figure "
    "footer form h1 h2 h3 h4 h5 h6 header hgroup hr html legend li main menu nav ol p pre section summary table "
    "tbody thead tfoot tr ul".split()
)
SKIP_TAGS = frozenset(
    "script style template noscript svg math iframe object embed head select textarea canvas audio video "
    "datalist map".split()
)
SPACED_TAGS = frozenset(("td", "th", "br", "img", "input", "label", "option"))
# inline elements that, when they have no child element, only add their text to the block around them
LEAF_INLINE = frozenset(
    "span strong em b i u s small sup sub code time abbr cite q mark font img br wbr label input button picture "
    "source bdi bdo kbd samp var del data output meter progress dfn big tt".split()
)
HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
_LANDMARK_TAGS: dict[str, Region] = {"nav": "nav", "aside": "aside", "main": "main"}
_LANDMARKS = frozenset((*_LANDMARK_TAGS, "header", "footer"))
# region hints from class words that a main-content ancestor (or an article word) cancels
_PAGE_PARTS = frozenset(("header", "footer", "nav"))
_ROLES: dict[str, Region] = {
    "navigation": "nav",
    "complementary": "aside",
    "main": "main",
    "banner": "header",
    "contentinfo": "footer",
}
# class/id words that name page regions; checked on whole words of the class and id attributes
_HINT_WORDS: dict[str, Region] = {
    "footer": "footer",
    "colophon": "footer",
    "copyright": "footer",
    "site-footer": "footer",
    "foot": "footer",
    "header": "header",
    "masthead": "header",
    "topbar": "header",
    "site-header": "header",
    "nav": "nav",
    "navbar": "nav",
    "navigation": "nav",
    "menu": "nav",
    "breadcrumb": "nav",
    "breadcrumbs": "nav",
    "megamenu": "nav",
    "sidebar": "aside",
    "side-bar": "aside",
    "widget-area": "aside",
    "rail": "aside",
    "secondary": "aside",
}
# words that say a header/footer class belongs to an article or a card, not to the page
_LOCAL_WORDS = frozenset("entry post article content card item product comment teaser story".split())
_WORD_SPLIT = re.compile(r"[^a-z0-9]+")
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
# class/id words of display-ad slots; a label such as "Anzeige" inside one labels the ad, not affiliate links
_AD_WORDS = ("ad", "ads", "adslot", "ad-slot", "adrotate", "adsense", "advert", "advertisement", "banner", "dfp", "gpt")
_AD_SLOT = re.compile(r"(?<![a-z0-9])(" + "|".join(map(re.escape, _AD_WORDS)) + r")(?![a-z0-9])")
EMBED_TAGS = frozenset(("iframe", "ins", "embed", "object"))
# Mozilla Readability's published word patterns, read on an element's class and id: its "unlikely candidates" and
# "negative" words (boilerplate) and its "positive" words (content), substrings as Readability reads them
# ("div-comment-12", "post-481"). Features of the block model, which learns what each is worth.
SIGN_UNLIKELY, SIGN_LIKELY, SIGN_COMMENT = 1, 2, 4
UNLIKELY_WORDS = re.compile(
    "-ad-|banner|breadcrumbs|combx|comment|com-|community|contact|cover-wrap|disqus|extra|foot|gdpr|header|hidden|"
    "legends|masthead|media|menu|meta|outbrain|pager|pagination|popup|promo|related|remark|replies|rss|scroll|share|"
    "shopping|shoutbox|sidebar|skyscraper|social|sponsor|supplemental|tags|tool|widget|agegate|yom-remote"
)
LIKELY_WORDS = re.compile("article|body|content|entry|hentry|h-entry|main|page|post|text|blog|story")
# The words that name readers' comments or a thread of them, whole ("div-comment-12", "comments", WordPress's
# "commentlist" and its "respond" form; not "commented", "commentary" or "correspondent"), on an element that does
# not name itself a post or an article ("post has-comments" is the post, not a thread). The block model's teacher
# labels lean on this one (`training.gather_blocks`), so it is read strictly.
_COMMENT_WORDS = re.compile(r"(?<![a-z0-9])(?:comments?|commentlist|disqus|replies|respond)(?![a-z0-9])")
_ARTICLE_WORDS = re.compile(r"(?<![a-z0-9])(?:post|hentry|h-entry|article)(?![a-z0-9])")
_CSS_IDENT = re.compile(r"^[A-Za-z][\w-]*$")
BOX_MAX_CHARS = 1500


@dataclass(slots=True)
class Anchor:
    """An `<a href>` as written, with the attributes that carry affiliate evidence."""

    raw_href: str
    text: str
    rel: tuple[str, ...]
    classes: tuple[str, ...]
    data: dict[str, str]
    piece: int
    in_box: bool
    hidden: bool
    marked: bool = False
    """Followed directly by a `*` or `(*)` marker, the German convention for 'affiliate link'."""
    has_text: bool = True
    """The link has text of its own (False: an image or icon link, named by its alt text or title)."""


@dataclass(slots=True)
class Piece:
    """The text of one block-level element, with where it sits on the page."""

    index: int
    tag: str
    selector: str
    region: Region
    box: int | None
    box_selector: str | None
    heading: int
    text: str
    words: int
    anchors: list[int] = field(default_factory=list)
    hidden: bool = False
    """Hidden by the page (the `hidden` attribute or an inline display:none): kept, but not seen by readers."""
    ad_slot: bool = False
    """Inside a display-ad slot (a container whose class or id names an ad, a banner or an ad plugin)."""
    embeds: int = 0
    """How many embedded frames and scripts (ad slots, widgets) came before this piece in the page."""
    landmark: bool = False
    """Inside an explicit landmark (header/nav/main/aside/footer element, role, or class)."""
    named: bool = False
    """Its region comes from a class or id name (`footer-widgets`), not from an element or a role."""
    signs: int = 0
    """What the class and id words of the nearest element around it that has any of Mozilla Readability's words
    say (`SIGN_*` bits: boilerplate, content); and whether it is inside an element named as a comment."""


@dataclass(slots=True)
class Layout:
    pieces: list[Piece]
    anchors: list[Anchor]
    title: str | None
    lang: str | None
    base: str | None
    has_main: bool
    canonical: str | None = None
    """The href of <link rel="canonical">, as written."""
    robots: str = ""
    """The content of <meta name="robots">, lowercased ("noindex, nofollow")."""
    scripts: list[etree._Element] = field(default_factory=list)
    """The page's <script> elements, in document order (found by the same pass as the title)."""


# An open element is a list (the walk's hot path: a list is several times cheaper to build than an object).
# Region, box, hidden and ad slot are effective values, inherited from the ancestors.
_TAG, _NTH, _IDENT, _REGION, _BOX, _HIDDEN, _BLOCK, _AD, _ANCHOR, _TEXT_AT, _COUNTS, _SELECTOR, _EL, _NAMED, _SIGNS = (
    range(15)
)
# [tag, nth, id, region, box, hidden, block, ad_slot, anchor index, text start, child counts, selector, element,
#  region named by a class or id, signs]
_Frame: TypeAlias = list[Any]


_HINT_PATTERN = re.compile(
    r"(?<![a-z0-9])(" + "|".join(sorted(map(re.escape, _HINT_WORDS), key=len, reverse=True)) + r")(?![a-z0-9])"
)


def _landmark(tag: str, role: str | None, inside_main: bool) -> Region | None:
    """The region an element's tag or ARIA role names. Inside the main content, <header> and <footer> belong to
    an article or a card, not to the page."""
    if tag in _LANDMARK_TAGS:
        return _LANDMARK_TAGS[tag]
    if tag in ("header", "footer"):
        return None if inside_main else tag  # type: ignore[return-value]
    if role and role in _ROLES:
        region = _ROLES[role]
        return None if inside_main and region in ("header", "footer") else region
    return None


class Names:
    """What an element's id and class words say: a region hint, whether the words belong to an article or a card
    (so "entry-header" is no page header), a product box, an ad slot. Cached per attribute string: pages repeat
    the same few class strings on hundreds of elements.

    A first reading is cheap too: one search for any hint, ad or box word at the start of a word comes first, and
    most strings have none. It matches wherever one of the three patterns would (each of them asks for a word
    start and one of its words, the hint and ad patterns for a word end as well), so only what it matches needs
    the three."""

    def __init__(self, box_words: frozenset[str], use_compiled: bool = True) -> None:
        self.boxes = word_start_pattern(box_words)
        self.any_word = word_start_pattern(frozenset((*_HINT_WORDS, *_AD_WORDS, *box_words)))
        self.cache: dict[str, tuple[Region | None, bool, bool, bool]] = {}
        self.sign_cache: dict[str, int] = {}
        # the compiled module reads ASCII strings the same way without patterns (None for other strings)
        self.ascii: Callable[[str], tuple[Region | None, bool, bool, bool] | None] = lambda names: None
        compiled = native.compiled() if use_compiled else None
        if compiled is not None:
            hints = sorted(_HINT_WORDS.items(), key=lambda item: len(item[0]), reverse=True)  # as _HINT_PATTERN
            self.ascii = compiled.ClassWords(hints, sorted(box_words), _AD_WORDS, _LOCAL_WORDS)

    def __call__(self, names: str) -> tuple[Region | None, bool, bool, bool]:
        found = self.cache.get(names)
        if found is None:
            found = self.ascii(names) or self.read(names)
            if len(self.cache) < 50_000:
                self.cache[names] = found
        return found

    def signs(self, names: str) -> int:
        """The `SIGN_*` bits of a class or id string."""
        found = self.sign_cache.get(names)
        if found is None:
            lowered = names.lower()
            found = (
                (SIGN_UNLIKELY if UNLIKELY_WORDS.search(lowered) else 0)
                | (SIGN_LIKELY if LIKELY_WORDS.search(lowered) else 0)
                | (SIGN_COMMENT if _COMMENT_WORDS.search(lowered) and not _ARTICLE_WORDS.search(lowered) else 0)
            )
            if len(self.sign_cache) < 50_000:
                self.sign_cache[names] = found
        return found

    def read(self, names: str) -> tuple[Region | None, bool, bool, bool]:
        lowered = names.lower()
        if self.any_word.search(lowered) is None:
            return _NOTHING
        match = _HINT_PATTERN.search(lowered)
        hint = _HINT_WORDS[match.group(1)] if match else None
        local = hint is not None and not _LOCAL_WORDS.isdisjoint(_WORD_SPLIT.split(lowered))
        return hint, local, self.boxes.search(lowered) is not None, _AD_SLOT.search(lowered) is not None


_NOTHING: tuple[Region | None, bool, bool, bool] = (None, False, False, False)


def word_start_pattern(words: frozenset[str]) -> re.Pattern[str]:
    """A pattern that finds any of the words at the start of a class or id word (box words, or all the words the
    class reader looks for)."""
    alternatives = "|".join(sorted(map(re.escape, words), key=len, reverse=True)) or "(?!)"
    return re.compile(rf"(?<![a-z0-9])(?:{alternatives})")


def read(root: etree._Element, classify_names: Names) -> Layout:
    """Walk the tree once and return its pieces and anchors in document order, with what the page says of
    itself (title, language, base URL, canonical link, robots)."""
    head = _Head.of(root)
    body = root.find("body")
    start = body if body is not None else root
    compiled = native.compiled()
    pieces, anchors, has_main = (compiled.walk if compiled else walk)(start, head.main, classify_names)
    lang = root.get("lang") or root.get("xml:lang")
    return Layout(pieces, anchors, head.title, lang, head.base, has_main, head.canonical, head.robots, head.scripts)


def script_text(script: etree._Element) -> str:
    """A script's src, its lazy-loading data-src, and its text ("src\ndata-src\ntext")."""
    return (script.get("src") or "") + "\n" + (script.get("data-src") or "") + "\n" + (script.text or "")


def script_words(words: Iterable[str]) -> Callable[[list[etree._Element]], list[frozenset[str]]]:
    """A reader of which of these words each script's `script_text` holds, lowercased. The compiled module's
    reads the tree's own bytes and copies no text (pages carry megabytes of script, and most hold none of the
    words); where it cannot tell, or was not built, the texts are read."""
    words = tuple(words)

    def in_texts(scripts: list[etree._Element]) -> list[frozenset[str]]:
        lowered = [script_text(script).lower() for script in scripts]
        return [frozenset(word for word in words if word in text) for text in lowered]

    compiled = native.compiled()
    if compiled is None:
        return in_texts
    scan = compiled.ScriptWords(words)

    def read(scripts: list[etree._Element]) -> list[frozenset[str]]:
        held: list[frozenset[str]] | None = scan(scripts)
        return held if held is not None else in_texts(scripts)

    return read


def walk(
    start: etree._Element, main: etree._Element | None, classify_names: Names
) -> tuple[list[Piece], list[Anchor], bool]:
    """The pieces and anchors from `start` on, and whether the page has a main content element (`main`, found
    before the walk, else the first role=main element the walk meets). `auditor/_walk.pyx` is this function
    compiled; this one is the reference, and the one used where the compiled module was not built."""
    seek_main = main is None  # then the first role=main element met is the main content
    pieces: list[Piece] = []
    anchors: list[Anchor] = []
    stack: list[_Frame] = [["", 0, None, None, None, False, False, False, -1, 0, None, "", None, False, 0]]
    buf: list[str] = []
    pending: list[int] = []  # anchors waiting for the piece that holds their text
    open_anchors = 0
    embeds = 0
    flushes = 0
    box_selectors: dict[int, str] = {}
    names_seen = classify_names.cache

    def selector() -> str:
        """The CSS path of the innermost open element, built from (and cached on) its ancestors' frames: walk
        up to the nearest frame that knows its path, then fill in the frames below it (no recursion: pages nest
        thousands of levels deep)."""
        top = len(stack) - 1
        known = top
        while stack[known][_SELECTOR] is None:
            known -= 1
        above = stack[known][_SELECTOR]
        for frame in stack[known + 1 : top + 1]:
            if frame[_IDENT] is not None:
                frame[_SELECTOR] = "#" + frame[_IDENT]
            else:
                step = f"{frame[_TAG]}:nth-of-type({frame[_NTH]})"
                frame[_SELECTOR] = f"{above} > {step}" if above else frame[_TAG]
            above = frame[_SELECTOR]
        return str(stack[top][_SELECTOR])

    def flush() -> None:
        nonlocal buf, pending, flushes
        words = "".join(buf).split()
        text = " ".join(words)
        buf = []
        flushes += 1
        if not text and (not pending or open_anchors):
            return  # a card link wrapping block elements: its anchors go to the first piece with text
        frame = stack[-1]
        box = frame[_BOX]
        index = len(pieces)
        tag, region = frame[_TAG], frame[_REGION]
        pieces.append(  # by position, in the order of Piece's fields (under half the cost of keywords)
            Piece(
                index,
                tag,
                selector(),
                region or "main",
                box,
                box_selectors.get(box) if box is not None else None,
                HEADINGS.get(tag, 0),
                text,
                len(words),
                pending,
                frame[_HIDDEN],
                frame[_AD],
                embeds,
                region is not None,
                frame[_NAMED],
                frame[_SIGNS],
            )
        )
        for a in pending:
            anchors[a].piece = index
        pending = []

    walker = etree.iterwalk(start, events=("start", "end"))
    for event, el in walker:
        tag = el.tag
        if tag.__class__ is not str:
            continue  # a comment or processing instruction left by a broken page
        if event == "end":
            if stack[-1][_EL] is not el:  # a text-only inline element, which opened no frame
                if tag in SPACED_TAGS:
                    buf.append(" ")
                tail = el.tail
                if tail and (buf or not tail.isspace()):
                    buf.append(tail)
                continue
            frame = stack.pop()
            if frame[_BLOCK] and (buf or pending):
                stack.append(frame)
                flush()
                stack.pop()
            if frame[_ANCHOR] >= 0:
                open_anchors -= 1
                anchor = anchors[frame[_ANCHOR]]
                at = frame[_TEXT_AT]
                if at >> 32 == flushes:  # no block inside: the link's text is all in the buffer
                    anchor.text = " ".join("".join(buf[at & 0xFFFFFFFF :]).split())
                else:
                    anchor.text = " ".join(_text(el).split())
                if not anchor.text:
                    anchor.has_text = False
                    anchor.text = _fallback_text(el)
                elif anchor.text.endswith("*"):
                    anchor.marked = True
            elif tag in SPACED_TAGS:
                buf.append(" ")
            tail = el.tail
            if tail and (buf or not tail.isspace()):  # whitespace before any text says nothing
                buf.append(tail)
            continue
        parent = stack[-1]
        counts = parent[_COUNTS]
        if counts is None:
            counts = parent[_COUNTS] = {}
        nth = counts[tag] = counts.get(tag, 0) + 1
        keys = el.keys()
        if tag in LEAF_INLINE and not len(el) and not (keys and ("hidden" in keys or "style" in keys)):
            # text-only inline element (the commonest kind): it holds no piece and no link, so it needs no
            # frame; only its text counts
            if tag in SPACED_TAGS:
                buf.append(" ")
            text = el.text
            if text and (buf or not text.isspace()):
                buf.append(text)
            continue
        ident = role = None
        hidden = parent[_HIDDEN]
        hint: Region | None = None
        local = is_box = ad_slot = False
        signs = parent[_SIGNS]
        if keys:
            own = 0
            names = el.get("class")
            if names:
                hint, local, is_box, ad_slot = names_seen.get(names) or classify_names(names)
                own = classify_names.signs(names)
            ident = el.get("id")
            if ident is not None:
                own |= classify_names.signs(ident)
                # ids are read like class words (id="sidebar"), but never make a product box
                id_hint, id_local, _, id_ad = names_seen.get(ident) or classify_names(ident)
                hint, local, ad_slot = hint or id_hint, local or id_local, ad_slot or id_ad
                if not _CSS_IDENT.match(ident):
                    ident = None
            if own and tag != "body":
                # the nearest element whose words say something speaks (not the body: its classes are the
                # page's template and feature flags); a comment thread holds all inside it
                signs = own | (signs & SIGN_COMMENT)
            if "role" in keys:
                role = el.get("role")
                if seek_main and role == "main":
                    main, seek_main = el, False
            if "hidden" in keys or ("style" in keys and _HIDDEN_STYLE.search(el.get("style") or "")):
                hidden = True
        if tag in SKIP_TAGS:
            walker.skip_subtree()
            if tag in EMBED_TAGS or (tag == "script" and el.get("src")):
                embeds += 1
            skipped = [tag, nth, ident, parent[_REGION], parent[_BOX], True, False, False, -1, 0, None, None, el]
            stack.append([*skipped, parent[_NAMED], signs])
            continue
        if tag in EMBED_TAGS:
            embeds += 1
        region: Region | None = parent[_REGION]
        named = parent[_NAMED]
        if el is main:
            region, named = "main", False
        elif (tag in _LANDMARKS or role) and (landmark := _landmark(tag, role, region == "main")) is not None:
            region, named = landmark, False
        elif hint is not None and not (hint in _PAGE_PARTS and (region == "main" or local)):
            region, named = hint, True
        box = parent[_BOX]
        if is_box and box is None and el.find(".//a") is not None and len(_text(el)) <= BOX_MAX_CHARS:
            box = len(box_selectors) + 1
        # an element the page hides is a block of its own, so that hidden text never mixes with visible text
        block = tag in BLOCK_TAGS or (hidden and not parent[_HIDDEN])
        if block and (buf or pending):
            flush()
        ad = parent[_AD] or ad_slot
        frame = [tag, nth, ident, region, box, hidden, block, ad, -1, 0, None, None, el, named, signs]
        stack.append(frame)
        if box is not None and box not in box_selectors:
            box_selectors[box] = selector()
        if tag == "a":
            href = el.get("href")
            if href is not None and href.strip():
                frame[_ANCHOR] = len(anchors)
                frame[_TEXT_AT] = (flushes << 32) | len(buf)
                open_anchors += 1
                pending.append(len(anchors))
                anchors.append(
                    Anchor(  # by position: raw_href, text, rel, classes, data, piece, in_box, hidden, marked
                        href.strip(),
                        "",
                        tuple((el.get("rel") or "").lower().split()),
                        tuple((el.get("class") or "").lower().split()),
                        {k.lower(): el.get(k) or "" for k in keys if k[:5] == "data-"} if len(keys) > 1 else {},
                        -1,
                        box is not None,
                        hidden,
                        _followed_by_star(el),
                    )
                )
        elif tag in SPACED_TAGS:
            buf.append(" ")
        text = el.text
        if text and (buf or not text.isspace()):
            buf.append(text)
    if buf or pending:
        flush()
    return pieces, anchors, main is not None


_HEAD_TAGS = ("title", "base", "link", "meta", "main", "article", "script")


@dataclass(slots=True)
class _Head:
    """What the page says of itself, wherever in the tree it is written: title, base URL, canonical link,
    robots meta, scripts, and its main content element: its first <main>, else its role=main element, else its
    longest <article> (other articles are teasers and cards around it; `_longest_article`). Read in one pass over
    the tree for all these tags at once (each pass costs as much as the next, whatever it looks for). A page with
    neither <main> nor an article leaves `main` to the walk, which takes the first role=main element it meets."""

    title: str | None = None
    base: str | None = None
    canonical: str | None = None
    robots: str = ""
    main: etree._Element | None = None
    scripts: list[etree._Element] = field(default_factory=list)

    @classmethod
    def of(cls, root: etree._Element) -> _Head:
        head = cls()
        robots: list[str] = []
        title_el = base_el = main_el = canonical = None
        articles: list[etree._Element] = []
        for el in root.iter(_HEAD_TAGS):
            tag = el.tag
            if tag == "script":
                head.scripts.append(el)
            elif tag == "link":
                if canonical is None and el.get("href") and "canonical" in (el.get("rel") or "").lower().split():
                    canonical = el.get("href", "").strip()
            elif tag == "meta":
                if (el.get("name") or "").lower() == "robots":
                    robots.append((el.get("content") or "").lower())
            elif tag == "main":
                main_el = main_el if main_el is not None else el
            elif tag == "article":
                articles.append(el)
            elif tag == "title":
                title_el = title_el if title_el is not None else el
            elif base_el is None and el.get("href") is not None:
                base_el = el
        head.title = " ".join(_text(title_el).split()) or None if title_el is not None else None
        head.base = base_el.get("href") if base_el is not None else None
        head.canonical = canonical or None
        head.robots = " ".join(robots)
        if main_el is None and articles:  # the longest article, unless an element says role=main
            main_el = first_with_role(root, "main")
            if main_el is None:
                main_el = _longest_article(articles)
        head.main = main_el
        return head


def _longest_article(articles: list[etree._Element]) -> etree._Element:
    """Of the articles no other article holds, the longest; one that holds several articles (HTML's nested
    articles are comments and related items) is measured without them: a post of one paragraph is longer than the
    article after it that holds six longer excerpts of other posts, and a wrapper around a single article, the post
    itself, is measured with it."""
    length = {article: len(_text(article)) for article in articles}
    held: dict[etree._Element, list[int]] = {}
    outermost = []
    for article in articles:
        holder = next(article.iterancestors("article"), None)
        if holder is None:
            outermost.append(article)
        else:
            held.setdefault(holder, []).append(length[article])
    own = {a: length[a] - sum(held[a]) if len(held.get(a, ())) > 1 else length[a] for a in outermost}
    return max(outermost, key=own.__getitem__)


def first_with_role(root: etree._Element, role: str) -> etree._Element | None:
    """The first element from `root` on, in document order, whose role attribute is `role` (the compiled module's
    search makes no proxy for the elements it passes)."""
    compiled = native.compiled()
    if compiled is not None:
        return compiled.first_with_role(root, role)
    return next((el for el in root.iter() if el.get("role") == role), None)


def _text(el: etree._Element) -> str:
    return str(el.xpath("string()"))


_STAR = re.compile(r"\s*[!.,:;)]?\s*\(?\*")


def _followed_by_star(el: etree._Element) -> bool:
    """Whether "*" follows the link, in its tail or at the start of the next element ("…</a><em>!*</em>")."""
    after = el.tail
    if not after or after.isspace():
        following = el.getnext()
        after = following.text if following is not None else None
    return after is not None and "*" in after and _STAR.match(after) is not None


def _fallback_text(el: etree._Element) -> str:
    """A link with no text of its own is named by its image's alt text, its aria-label or its title."""
    img = el.find(".//img")
    text = (img.get("alt") or "").strip() if img is not None else ""
    return text or (el.get("aria-label") or el.get("title") or "").strip()
