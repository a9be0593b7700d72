"""A summary (TL;DR, key takeaways) or an FAQ whose sentences restate the body instead of adding to it."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from itertools import pairwise
from typing import Any

from auditor.checks import Evidence
from auditor.models import Block, Page
from auditor.rulefiles import heading_pattern
from auditor.textmodel import Coverage, cosines, main_blocks, split_sentences, stemmed, vectorize
from auditor.wording import clip

DEFAULTS: Mapping[str, Any] = {
    "headings": ["tl;?dr"],
    "min_similarity": 0.5,
    "min_coverage": 0.0,
    "min_share": 0.5,
    "min_sentences": 1,
    "max_words": 150,
    "extent": "paragraph",
    "questions": False,
}
# a summary block's lead word or label ("TL;DR:", "Summary -"), dropped before its sentences are compared
_LEAD_WORD = re.compile(r"^\W*\w[\w;]*\W*")


def _level(block: Block) -> int:
    return int(block.tag[1]) if block.heading and len(block.tag) == 2 and block.tag[1].isdigit() else 7


def sections(
    blocks: Sequence[Block], heading: re.Pattern[str], max_words: int, whole: bool
) -> Iterator[tuple[Block, list[Block]]]:
    """Each block whose text opens with one of the headings, with the blocks that belong to it: for a label inside
    a paragraph ("TL;DR: ..."), that block alone; else the blocks up to the next heading of the same or a higher
    level (`whole`, an FAQ, whose question headings at one level belong to it whatever that level) or only the
    first paragraph or list after the heading (a TL;DR is one paragraph, not the article that follows it), at
    most `max_words` long."""
    for i, block in enumerate(blocks):
        match = heading.match(block.text)
        if not match:
            continue
        rest = block.text[match.end() :].strip(" :-–—")
        if not block.heading and len(rest.split()) >= 5:
            yield block, [block]
            continue
        level = _level(block)
        members: list[Block] = []
        words = 0
        question_level: int | None = None
        answers: list[int] = []  # the number of blocks under each question heading so far
        for following in blocks[i + 1 :]:
            if whole and following.heading and _is_question(following.text):
                # An FAQ's questions are usually headings one level below its title ("FAQ" h2, questions h3),
                # but many themes set them at the title's own level, or even above it ("Key Questions" h2, then
                # each question an h2). So the first question heading after the title fixes the level of the
                # questions, and later question headings at that level stay inside the section whatever their
                # level relative to the title; a heading that is not a question (the next chapter of the
                # article), or a question at another level, still ends the FAQ as any heading would.
                if question_level is None:
                    question_level = _level(following)
                if _level(following) == question_level:
                    words += following.words
                    if words > max_words and members:
                        break
                    members.append(following)
                    answers.append(0)
                    continue
            if following.heading and _level(following) <= level:
                break
            words += following.words
            if members and (words > max_words or (not whole and not (following.tag == members[0].tag == "li"))):
                break
            members.append(following)
            if answers:
                answers[-1] += 1
        else:
            # The section ran to the end of the main text: nothing closes the last answer, so whatever ends the
            # article (a source line, the post's tags, an author box) would be read as part of it. With two or
            # more questions, the last answer is taken to be no longer than the longest earlier one.
            if len(answers) >= 2 and answers[-1] > max(answers[:-1]):
                del members[len(members) - (answers[-1] - max(answers[:-1])) :]
        if members:
            yield block, members


def _is_question(text: str) -> bool:
    """A heading that asks something: it ends with a question mark (Latin or full-width), closing quotes aside."""
    return text.rstrip(" \t\"'”’)]").endswith(("?", "？"))


def _units(members: Sequence[Block], head: Block, questions: bool) -> list[tuple[int, str]]:
    units: list[tuple[int, str]] = []
    for block in members:
        if block.heading and block is not head:
            continue
        text = block.text
        if block is head:
            text = _LEAD_WORD.sub("", text, count=1)
        for sentence in split_sentences(text):
            if not questions and sentence.rstrip().endswith("?"):
                continue
            if len(sentence.split()) >= 4:
                units.append((block.id, sentence))
    return units


def check(page: Page, options: Mapping[str, Any]) -> Iterator[Evidence]:
    pattern = heading_pattern(tuple(options["headings"]))
    blocks = main_blocks(page)
    for head, members in sections(blocks, pattern, options["max_words"], options["extent"] == "section"):
        inside = {b.id for b in members} | {head.id}
        section = _units(members, head, options["questions"])
        body: list[tuple[int, str]] = []
        passages: list[tuple[int, str]] = []
        for b in blocks:
            if b.id in inside or b.kind != "editorial" or b.heading:
                continue
            said = [s for s in split_sentences(b.text) if len(s.split()) >= 4]
            body += [(b.id, s) for s in said]
            # A restatement often says in one sentence what the body said in two (a summary compresses), so a
            # section sentence is matched against each body sentence and each two adjacent sentences of one
            # paragraph; whether it adds anything new is still measured against the body's sentences.
            passages += [(b.id, s) for s in said] + [(b.id, f"{a} {c}") for a, c in pairwise(said)]
        if len(section) < options["min_sentences"] or not body:
            continue
        # Both sides are compared word stem by word stem, with the light stemmer the novelty measure uses:
        # "model"/"models", "control"/"controls" are the same word to a reader, and were to `Coverage` already.
        vectors = vectorize([stemmed(s) for _, s in section] + [stemmed(s) for _, s in passages])
        novelty = Coverage([s for _, s in body])
        pairs = []
        for row, similar in enumerate(cosines(vectors[: len(section)], vectors[len(section) :])):
            # the most similar passage, the first of equals
            col = min(similar, key=lambda j: (-similar[j], j), default=0)
            score = similar.get(col, 0.0)
            covered = novelty.of(section[row][1])
            if score >= options["min_similarity"] and covered >= options["min_coverage"]:
                pairs.append(
                    {
                        "section": clip(section[row][1], 240),
                        "body": clip(passages[col][1], 240),
                        "body_block": passages[col][0],
                        "similarity": round(score, 3),
                        "coverage": round(covered, 3),
                    }
                )
        share = len(pairs) / len(section)
        if share >= options["min_share"]:
            yield Evidence(
                head.id,
                {
                    "heading": clip(head.text, 80),
                    "sentences": len(section),
                    "restating": len(pairs),
                    "share": round(share, 3),
                    "min_similarity": options["min_similarity"],
                    "pairs": pairs[:5],
                },
            )
