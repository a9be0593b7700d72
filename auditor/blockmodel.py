"""Which blocks are the page's body text: gradient-boosted trees over features of a block that carry across sites,
in the tradition of boilerpipe and dragnet: its length, link text and punctuation, its tag and landmark, its
neighbours, how much of the page's prose shares its containers (readability's "best container", found from the
blocks' own selectors), families of numbered ids, and what the class and id words around it read as. It replaces
a region read from a class name: a wrapper named `above-footer` around an article no longer makes the article
footer boilerplate.

The features are computed a column at a time over all of a page's blocks (numpy; a dictionary of features per
block cost 13 ms a page, three times the layout walk), and the trees score all blocks at once (`trees.py`).

`auditor train` fits it on the corpus (`training.fit_blocks`); its labels are the human article text of the pages
that have one (`extraction/articlebody.json`) and, for the others, trafilatura's extraction as a teacher."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from itertools import repeat
from operator import attrgetter, itemgetter
from pathlib import Path
from typing import TYPE_CHECKING, get_args

from auditor import trees
from auditor.errors import ConfigError
from auditor.layout import LIKELY_WORDS, SIGN_COMMENT, SIGN_LIKELY, SIGN_UNLIKELY, UNLIKELY_WORDS, Anchor
from auditor.models import Region
from auditor.rulefiles import rules_dir
from auditor.segment import Group
from auditor.trees import TreeModel

if TYPE_CHECKING:
    import numpy

FILE = "block-model.json"
KIND = "blocks"
# Prose: a block this long or longer (in words), under this share of link text, not a heading. The page's prose
# decides which containers hold the article.
PROSE_WORDS = 10
PROSE_LINK_SHARE = 0.34
TAGS = ("p", "li", "td", "tr", "div", "blockquote", "pre", "figcaption", "dd", "dt", "box", "section", "article")
REGIONS: tuple[str, ...] = get_args(Region)
WORD_BINS = (1, 3, 6, 10, 20, 40, 80)
MAX_WORDS = 200
LINK_BINS = (0.1, 0.3, 0.5, 0.8)
NEIGHBOURS = (-2, -1, 1, 2)
COLUMNS: tuple[str, ...] = (
    "log_words",
    "link_share",
    "no_links",
    "log_links",
    "heading",
    "sentence_end",
    "stops",
    "commas",
    "hidden",
    "ad_slot",
    "box",
    "landmark",
    "position",
    "in_best",
    "best_share",
    "in_best_x_share",
    "between_prose",
    "before_prose",
    "after_prose",
    "prose",
    "prose_in_best",
    "short",
    "short_in_best",
    "depth",
    "link_share_in_best",
    "sentence_end_in_best",
    "log_words_in_best",
    "container",
    "prose_in_container",
    "id_unlikely",
    "id_likely",
    "id_family",
    "id_family_top",
    "names_unlikely",
    "names_likely",
    "names_comment",
    *(f"tag_{tag}" for tag in (*TAGS, "h", "other")),
    *(f"region_{region}" for region in REGIONS),
    *(f"words_{b}+" for b in WORD_BINS),
    *(f"link_share_{b}+" for b in LINK_BINS),
    *(
        f"next_{offset}_{what}"
        for offset in NEIGHBOURS
        for what in ("prose", "log_words", "link_share", "same_parent", "none")
    ),
)
_SENTENCE_ENDS = frozenset('.!?:;"”»)')
_TAG_COLUMN = {tag: i for i, tag in enumerate(TAGS)}
_REGION_COLUMN = {region: i for i, region in enumerate(REGIONS)}
_COMMENT, _FAMILY, _HEADING = (COLUMNS.index(name) for name in ("names_comment", "id_family", "heading"))


def load(folder: Path | None = None) -> TreeModel | None:
    """The block model of a folder of retrained models, else the shipped one; None where there is neither."""
    retrained = trees.load(folder / FILE, KIND, required=False) if folder is not None else None
    return retrained or trees.load(rules_dir() / FILE, KIND, required=False)


def body_text(model: TreeModel | None, groups: Sequence[Group], anchors: Sequence[Anchor]) -> list[bool] | None:
    """For each block, whether the model calls it body text (None without a model)."""
    if model is None:
        return None
    if model.features != COLUMNS:
        raise ConfigError(
            "the block model was trained on other features than this version computes: retrain it with `auditor train`"
        )
    if not groups:
        return []
    cut = math.log(model.threshold / (1 - model.threshold))  # the threshold's log-odds: no sigmoid per block
    rows = matrix(groups, anchors)
    body = model.log_odds(rows) >= cut
    # readers' comments are not the article once the article is there beside them: a thread's records (numbered
    # ids, `comment-949868`, in an element named as comments) are dropped when the text outside the thread holds
    # a paragraph's worth of words, headings aside (a forum's title and "started by" line do not; an article in a
    # wrapper named `js-comments` has no numbered records)
    thread = (rows[:, _COMMENT] > 0) & (rows[:, _FAMILY] > 0)
    outside = body & ~thread & (rows[:, _HEADING] == 0)
    if thread.any() and sum(g.words for g, out in zip(groups, outside.tolist(), strict=True) if out) >= PROSE_WORDS:
        body &= ~thread
    return body.tolist()  # type: ignore[no-any-return]


def features(groups: Sequence[Group], anchors: Sequence[Anchor]) -> list[dict[str, float]]:
    """Each block's features by name (those that are not zero), in block order: what `auditor train` learns from."""
    return [
        {name: float(value) for name, value in zip(COLUMNS, row, strict=True) if value}
        for row in matrix(groups, anchors).tolist()
    ]


def _carried_up(direct: dict[str, float]) -> dict[str, float]:
    """The prose words inside each container: each container adds its words to its parent's once, deepest first
    (a page nesting a paragraph in each of 2,000 levels costs 2,000 steps, not a step per level per paragraph)."""
    held = dict(direct)
    by_depth: dict[int, set[str]] = {}
    for key in direct:
        by_depth.setdefault(key.count(" > "), set()).add(key)
    for depth in range(max(by_depth, default=0), 0, -1):
        for key in by_depth.get(depth, ()):
            parent = key[: key.rfind(" > ")]
            held[parent] = held.get(parent, 0.0) + held[key]
            by_depth.setdefault(depth - 1, set()).add(parent)
    return held


def _start_id(selector: str) -> str:
    """The id a selector starts from ("" where it starts from the body)."""
    if selector[:1] != "#":
        return ""
    cut = selector.find(" ")
    return selector[1:cut] if cut >= 0 else selector[1:]


def _unlikely(selector: str) -> bool:
    """Whether the id a selector starts from reads as boilerplate."""
    return UNLIKELY_WORDS.search(_start_id(selector).lower()) is not None


def _id_words(idents: Sequence[str], count: int) -> list[numpy.ndarray]:
    """Whether the id a block's selector starts from (its nearest ancestor's that has one) reads as boilerplate,
    and whether it reads as content, by Mozilla Readability's word patterns (`layout.UNLIKELY_WORDS`)."""
    import numpy

    unlikely, likely = numpy.zeros(count), numpy.zeros(count)
    seen: dict[str, tuple[bool, bool]] = {}
    for i, ident in enumerate(idents):
        if not ident:
            continue
        found = seen.get(ident)
        if found is None:
            lowered = ident.lower()
            found = seen[ident] = (UNLIKELY_WORDS.search(lowered) is not None, LIKELY_WORDS.search(lowered) is not None)
        unlikely[i], likely[i] = found
    return [unlikely, likely]


_DIGITS = re.compile(r"[0-9]+")


def _id_families(idents: Sequence[str], prose: numpy.ndarray, count: int) -> list[numpy.ndarray]:
    """Whether the id a block's selector starts from is one of a family of ids that differ only in their digits
    (`post-7816`, `post-7908`: the records of a list, the comments of a thread), and whether its member holds the
    most prose of its family (the post itself among its teasers)."""
    import numpy

    family, top = numpy.zeros(count), numpy.zeros(count)
    held: dict[str, float] = {}  # the prose words of each id
    for ident, words in zip(idents, prose.tolist(), strict=True):
        if ident:
            held[ident] = held.get(ident, 0.0) + words
    names = {ident: _DIGITS.sub("#", ident) for ident in held if _DIGITS.search(ident)}
    members = Counter(names.values())
    most: dict[str, float] = {}  # per family of two ids or more, the prose of its longest member
    for ident, name in names.items():
        if members[name] > 1:
            most[name] = max(most.get(name, 0.0), held[ident])
    for i, ident in enumerate(idents):
        family_name = names.get(ident)
        if family_name in most:
            family[i] = 1
            top[i] = held[ident] > 0 and held[ident] >= most[family_name]
    return [family, top]


def _signs(groups: Sequence[Group]) -> list[numpy.ndarray]:
    """What the nearest class or id words around each block say (`layout.SIGN_*`), a column per sign."""
    import numpy

    signs = numpy.fromiter((g.pieces[0].signs for g in groups), int, len(groups))
    return [((signs & bit) > 0).astype(float) for bit in (SIGN_UNLIKELY, SIGN_LIKELY, SIGN_COMMENT)]


def matrix(groups: Sequence[Group], anchors: Sequence[Anchor]) -> numpy.ndarray:
    """The blocks' features, one row per block, one column per name of COLUMNS. Each raw value is read for all
    blocks at once (`map` over attribute getters and string methods runs in C; a Python loop over the blocks
    cost three times as much), and every feature is derived from those columns."""
    import numpy

    count = len(groups)

    def column(values: Iterable[float]) -> numpy.ndarray:
        return numpy.fromiter(values, float, count)

    texts = list(map(attrgetter("text"), groups))
    selectors = list(map(attrgetter("selector"), groups))
    idents = list(map(_start_id, selectors))
    chars = column(map(len, texts))
    # the length in words, or for text written without spaces (Chinese, Japanese) in characters over seven, an
    # English word with its space
    size = numpy.maximum(column(map(attrgetter("words"), groups)), chars // 7)
    links = column(map(len, map(attrgetter("anchors"), groups)))
    share = numpy.zeros(count)
    if anchors:  # link text in characters, so that it reads every script
        visible = [0 if a.hidden else len(a.text) for a in anchors]
        for i in numpy.flatnonzero(links).tolist():
            share[i] = sum(map(visible.__getitem__, groups[i].anchors))
        share = numpy.minimum(share / numpy.maximum(chars, 1), 1.0)
    heading = column(map(attrgetter("heading"), groups))
    hidden = column(map(attrgetter("hidden"), groups))
    end = column(map(_SENTENCE_ENDS.__contains__, map(itemgetter(slice(-1, None)), texts)))
    stops = numpy.minimum(
        column(map(str.count, texts, repeat(". ")))
        + column(map(str.count, texts, repeat("? ")))
        + column(map(str.count, texts, repeat("! ")))
        + end,
        10,
    )
    commas = column(map(str.count, texts, repeat(",")))
    depth = column(map(str.count, selectors, repeat(" > ")))
    landmark = column(map(attrgetter("landmark"), map(itemgetter(0), map(attrgetter("pieces"), groups))))
    is_prose = ((size >= PROSE_WORDS) & (share < PROSE_LINK_SHARE) & (heading == 0) & (hidden == 0)).astype(float)
    prose = numpy.flatnonzero(is_prose).tolist()
    cuts = map(str.rfind, selectors, repeat(" > "))
    parents = [selector[:cut] if cut >= 0 else "" for selector, cut in zip(selectors, cuts, strict=True)]
    direct: dict[str, float] = {}  # prose words of each parent element
    for i in prose:
        direct[parents[i]] = direct.get(parents[i], 0.0) + float(size[i])
    score = dict(direct)  # readability's container score: a paragraph counts for its parent, half for the one above
    for key, held_words in direct.items():
        if (cut := key.rfind(" > ")) >= 0:
            score[key[:cut]] = score.get(key[:cut], 0.0) + held_words / 2
    held = _carried_up(direct)
    # readability's best container, never one whose id reads as boilerplate (a long comment thread under a
    # short post holds more prose than the post)
    likely = [key for key in score if not _unlikely(key)] or list(score)
    best = max(likely, key=score.__getitem__) if likely else None
    inside = best + " > " if best is not None else "\0"
    in_best = column(map(str.startswith, selectors, repeat(inside)))
    if best is not None:
        in_best[[i for i, selector in enumerate(selectors) if selector == best]] = 1
    container = column(map(held.get, parents, repeat(0.0)))
    rows = numpy.arange(count)
    tag_of = column(map(_TAG_COLUMN.get, map(attrgetter("tag"), groups), repeat(len(TAGS) + 1))).astype(int)
    tag_of[heading > 0] = len(TAGS)
    tags = numpy.zeros((count, len(TAGS) + 2))
    tags[rows, tag_of] = 1
    regions = numpy.zeros((count, len(REGIONS)))
    regions[rows, column(map(_REGION_COLUMN.__getitem__, map(attrgetter("region"), groups))).astype(int)] = 1
    ad_slot = column(map(attrgetter("ad_slot"), groups))
    box = column(map(attrgetter("box"), groups))
    prose_words = float(numpy.dot(size, is_prose)) or 1.0
    best_share = held[best] / prose_words if best is not None else 0.0
    order = rows
    first, last = (prose[0], prose[-1]) if prose else (count, -1)
    # capped at a length the corpus has many blocks of (a page that is one million-word paragraph is judged as a
    # long one, not by a length no block it learnt from had)
    log_words = numpy.log1p(numpy.minimum(size, MAX_WORDS))
    short = (size < 5).astype(float)
    container = container / prose_words
    words_seen = numpy.maximum(size, 1)
    columns = [
        log_words,
        share,
        (links == 0).astype(float),
        numpy.log1p(links),
        heading,
        end,
        stops,
        commas / words_seen,
        hidden,
        ad_slot,
        box,
        landmark,
        (numpy.cumsum(chars + 1) - chars - 1) / (chars.sum() + count),
        in_best,
        numpy.full(count, best_share),
        in_best * best_share,
        ((order >= first) & (order <= last)).astype(float),
        (order < first).astype(float),
        (order > last).astype(float),
        is_prose,
        is_prose * in_best,
        short,
        short * in_best,
        depth / 20,
        share * in_best,
        end * in_best,
        log_words * in_best,
        container,
        is_prose * container,
        *_id_words(idents, count),
        *_id_families(idents, size * is_prose, count),
        *_signs(groups),
    ]
    bins = [(size >= b).astype(float) for b in WORD_BINS] + [(share >= b).astype(float) for b in LINK_BINS]
    ids: dict[str, int] = {}
    parent_ids = numpy.array([ids.setdefault(parent, len(ids)) for parent in parents])  # ints compare fast
    near = []
    for offset in NEIGHBOURS:
        present = ((order + offset >= 0) & (order + offset < count)).astype(float)
        other = numpy.clip(order + offset, 0, max(count - 1, 0))
        same = (parent_ids[other] == parent_ids).astype(float) * present
        near += [is_prose[other] * present, log_words[other] * present, share[other] * present, same, 1 - present]
    return numpy.column_stack([*columns, tags, regions, *bins, *near])
