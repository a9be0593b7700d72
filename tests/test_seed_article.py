"""The seed article as a page (samples/seed-article.html), and the two cases it taught the checks: an FAQ whose
questions are headings of its title's own level, and a plug that shares only the article's backdrop words."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest

from auditor import Config, audit_file, audit_html
from auditor.checks import off_topic, restatement
from auditor.models import Block, PageResult, PageType
from auditor.pipeline import analyse
from auditor.rulefiles import heading_pattern
from auditor.textmodel import Coverage, main_blocks, split_sentences, terms

from .conftest import ROOT, SAMPLES

SEED = ROOT.parent / "shared" / "seed" / "000_a7a0a0e55961a505.txt"
EXPECTED = json.loads((SAMPLES / "seed-article.expected.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def seed_result() -> PageResult:
    return audit_file(SAMPLES / "seed-article.html", url=EXPECTED["url"])


@pytest.mark.skipif(not SEED.is_file(), reason=f"the seed text is not at {SEED}")
def test_the_sample_keeps_every_line_of_the_seed_text_in_order(seed_result: PageResult) -> None:
    page = " ".join(" ".join(block.text.split()) for block in seed_result.blocks)
    at = 0
    for line in SEED.read_text(encoding="utf-8").splitlines():
        line = " ".join(line.split())
        if line:
            found = page.find(line, at)
            assert found >= 0, line
            at = found + len(line)


def test_the_seed_findings_point_at_the_right_blocks(seed_result: PageResult) -> None:
    result = seed_result

    def block_of(rule: str) -> list[Block]:
        return [result.blocks[f.block] for f in result.findings if f.rule == rule and f.block is not None]

    assert "disclosure-missing" not in {f.rule for f in result.findings}
    assert result.disclosure.placement == "after_first_affiliate_link"
    [copies] = [f for f in result.findings if f.rule == "repetition-disclosure"]
    assert copies.severity == "info"
    assert copies.evidence["count"] == EXPECTED["repeated_disclosure_count"]
    assert [b.text for b in block_of("repetition-summary")] == ["TL;DR"]
    assert [b.text for b in block_of("repetition-faq")] == ["Key Questions"]
    [faq] = [f for f in result.findings if f.rule == "repetition-faq"]
    # the five answers (ten sentences); the questions, and the source line and tags after the last answer, are not
    assert faq.evidence["sentences"] == 10
    plugs = block_of("content-off-topic-plug")
    assert all(b.kind == "affiliate" for b in plugs)
    for plug in EXPECTED["off_topic_plugs"]:
        assert any(b.text.startswith(plug) for b in plugs), plug


# --- an FAQ whose questions are headings of the same level as its title --------------------------------------

_BODY = """<p>The museum reopens on Friday after a two year renovation of its east wing.</p>
<p>Entry stays free for children under twelve, and adult tickets cost ten euros.</p>
<p>The east wing now holds the textile collection, which spent the renovation in storage outside the city.</p>"""


def _faq_page(level: int, answers: tuple[str, str, str]) -> str:
    questions = ("When does the museum reopen?", "How much are tickets?", "What was renovated?")
    faq = "".join(f"<h{level}>{q}</h{level}><p>{a}</p>" for q, a in zip(questions, answers, strict=True))
    return f"<html><body><main>{_BODY}<h2>Key Questions</h2>{faq}</main></body></html>"


_RESTATING = (
    "The museum reopens on Friday after a two year renovation.",
    "Adult tickets cost ten euros and entry is free for children under twelve.",
    "The east wing was renovated over two years and now holds the textile collection.",
)
_NEW = (
    "Doors open at nine; the first hour is reserved for school groups.",
    "A family pass for two adults and three children costs twenty-five euros.",
    "The roof was insulated, and lifts now reach every floor of the east wing.",
)


def _faq_findings(html: str) -> list[str]:
    result = audit_html(html, url="https://museum.example/news/", config=Config(select=("repetition-faq",)))
    return [f.rule for f in result.findings]


@pytest.mark.parametrize("level", [2, 3])
def test_an_faq_restating_the_body_is_found_whatever_the_level_of_its_questions(level: int) -> None:
    assert _faq_findings(_faq_page(level, _RESTATING)) == ["repetition-faq"]


@pytest.mark.parametrize("level", [2, 3])
def test_an_faq_adding_to_the_body_passes_whatever_the_level_of_its_questions(level: int) -> None:
    assert _faq_findings(_faq_page(level, _NEW)) == []


def _faq_members(html: str) -> list[str]:
    blocks = main_blocks(analyse(html.encode(), "https://museum.example/news/"))
    pattern = heading_pattern(("key questions",))
    [(_, members)] = list(restatement.sections(blocks, pattern, 3000, True))
    return [b.text for b in members]


def test_a_same_level_faq_ends_at_the_next_heading_that_is_not_a_question() -> None:
    html = _faq_page(2, _RESTATING).replace(
        "</main>", "<h2>More from the museum</h2><p>The summer programme starts in June with night openings.</p></main>"
    )
    members = _faq_members(html)
    assert members[-1] == _RESTATING[-1]
    assert "More from the museum" not in members


def test_an_faq_that_ends_the_article_leaves_out_what_follows_its_last_answer() -> None:
    html = _faq_page(2, _RESTATING).replace(
        "</main>", "<p>Filed under Museums and City News, tagged renovation, textiles and opening hours.</p></main>"
    )
    members = _faq_members(html)
    assert members[-1] == _RESTATING[-1]
    assert len(members) == 6  # three questions, three answers


# --- a plug that shares only the article's backdrop ------------------------------------------------------------

_NEWS = """<html><head><title>Helios buys Sunward: the solar maker now owns its whole supply chain</title></head><body>
<main><article><h1>Helios buys Sunward: the solar maker now owns its whole supply chain</h1>
<p>Helios, the largest solar manufacturer in the region, has agreed to buy Sunward, a profitable solar installer, for
$2.1 billion in shares.</p>
<p>The deal gives Helios control of every step of the solar business, from the silicon wafers in its own factories to
the crews that fit solar roofs for households.</p>
<p>Sunward earned about $300 million last year, mostly from maintenance contracts on solar farms it built for
utilities in the north.</p>
<p>Analysts say the hard part for Helios is still the output of its solar farms, which lag behind rivals during the
winter months.</p>
<p>Owning the installer does not fix that, they note, because the weak output comes from the design of the farms, not
from who builds them.</p>
{plug}
<p>Helios expects the purchase to close in the third quarter, after the competition regulator has reviewed it.</p>
<p>The regulator has already asked whether one company should own so much of the solar market, from factories to
rooftops.</p>
<p>Sunward's founders will stay on to run the installation business as a subsidiary of Helios for at least two
years.</p>
</article></main></body></html>"""

_REVIEW = """<html><head><title>The best gooseneck kettles, tested for six weeks</title></head><body>
<main><article><h1>The best gooseneck kettles, tested for six weeks</h1>
<p>A gooseneck kettle pours a thin, steady stream, which is what pour-over coffee needs, so we brewed with eight
kettles for six weeks.</p>
<p>We timed how long each kettle took to heat one litre and filmed the stream of every kettle at slow flow rates.</p>
<p>Our pick is the Fellow Stagg EKG: the Stagg held its set temperature within one degree for the whole pour.</p>
<p>The counterweighted handle of the Stagg made it the easiest kettle for our tester with shaky hands.</p>
{plug}
<p>The budget pick is a plain stovetop kettle that heated water quickly but drifted by a few degrees during a
pour.</p>
<p>Two cheaper electric kettles leaked at the seam after three weeks, so we returned both of them to the shop.</p>
<p>Whichever kettle you choose, fill it only two thirds full: every kettle we tried poured more evenly that way.</p>
</article></main></body></html>"""


def _box(title: str) -> str:
    return (
        f'<div class="product-box"><h4>{title}</h4><a href="https://www.amazon.com/dp/B0TEST0009?tag=pub-20" '
        'rel="sponsored">Check price on Amazon</a></div>'
    )


def _off_topic(html: str) -> list[dict[str, Any]]:
    result = audit_html(html, url="https://site.example/a/", config=Config(select=("content-off-topic-plug",)))
    return [f.evidence for f in result.findings]


def _plain_coverage(html: str) -> float:
    """The overlap as measured before the backdrop discount: every shared word counts as covered."""
    page = analyse(html.encode(), "https://site.example/a/")
    blocks = main_blocks(page)
    ignore = frozenset(off_topic.DEFAULTS["ignore"])
    article = Coverage([s for b in blocks if b.kind == "editorial" for s in split_sentences(b.text)], ignore)
    [plug] = [b for b in blocks if b.kind == "affiliate"]
    return article.of(plug.text)


def test_a_plug_sharing_only_the_stories_backdrop_words_is_off_topic() -> None:
    html = _NEWS.format(plug=_box("Solar output testing kits"))
    assert _plain_coverage(html) >= 0.3  # "solar" is in most sentences, so plain overlap called this on topic
    [evidence] = _off_topic(html)
    assert evidence["coverage"] < 0.3
    assert evidence["missing_terms"] == ["testing", "kits"]  # as the page writes them, in its order
    assert evidence["shared_terms"]["Solar"] > 0.5


def test_a_plug_naming_what_the_story_is_about_is_on_topic() -> None:
    assert _off_topic(_NEWS.format(plug=_box("Helios solar roof installation guide"))) == []


def test_under_a_story_about_a_named_subject_a_plug_naming_none_of_its_names_is_off_topic() -> None:
    # the article uses most of the plug's words, but the plug is about the field, not about Helios buying Sunward
    html = _NEWS.format(plug=_box("Solar farm maintenance contracts handbook"))
    [evidence] = _off_topic(html)
    assert evidence["coverage"] >= 0.3
    assert evidence["story_subject"] == ["Helios", "Sunward"]
    assert _off_topic(_NEWS.format(plug=_box("Sunward installer tool belt"))) == []  # names the story
    # a kind of thing the story mentions (its installers' roofs) is not judged by the names alone
    assert _off_topic(_NEWS.format(plug=_box("Solar farm maintenance roofs"))) == []


def test_plugs_naming_the_story_are_on_topic_however_many_name_it() -> None:
    plugs = _box("Helios solar roof installation guide") + _box("Helios solar farm winter output guide")
    assert _off_topic(_NEWS.format(plug=plugs)) == []


def test_what_a_plug_is_is_the_last_word_of_its_title() -> None:
    ignore = frozenset(off_topic.DEFAULTS["ignore"])
    assert off_topic._head("AI development workstations Check price on Amazon", ignore) == "workstation"
    assert off_topic._head("Spare battery for mirrorless cameras", ignore) == "battery"
    assert off_topic._head("AI Systems Performance Engineering: Optimizing Model Training", ignore) == "engineer"
    assert off_topic._head("Buy now", ignore) is None


@pytest.mark.parametrize(("kind", "judged"), [("news", True), ("other", True), ("howto", False), ("roundup", False)])
def test_only_stories_are_judged_by_their_subject(kind: str, judged: bool) -> None:
    page = analyse(
        _NEWS.format(plug=_box("Solar farm maintenance contracts handbook")).encode(), "https://site.example/a/"
    )
    page = replace(page, page_type=PageType(kind, 0.9))
    assert bool(list(off_topic.check(page, off_topic.DEFAULTS))) is judged


def test_a_date_or_a_word_in_capitals_is_no_story_subject() -> None:
    names = off_topic._proper_names("Sales of GPUs rose in March, when Helios said that Helios would buy.", frozenset())
    assert names == {"helio"}


def test_the_reviewed_product_is_on_topic_though_it_shares_the_reviews_backdrop() -> None:
    # "kettle" is in nearly every sentence and counts little; the brand and model the review discusses carry it
    assert _off_topic(_REVIEW.format(plug=_box("Fellow Stagg EKG electric gooseneck kettle"))) == []


def test_a_product_the_story_never_mentions_is_off_topic_as_before() -> None:
    [evidence] = _off_topic(_NEWS.format(plug=_box("Stainless steel garlic press with silicone peeler")))
    assert evidence["coverage"] < 0.3
    assert {"garlic", "steel"} <= set(evidence["missing_terms"])


_TOOLS = """<html><head><title>The tools every electrician needs</title></head><body>
<main><article><h1>The tools every electrician needs</h1>
<p>An electrician's first tool is a digital multimeter that reads voltage, current and resistance.</p>
<p>Choose a multimeter with auto-ranging, so that you need not guess the range before every reading.</p>
<p>A good multimeter survives a drop from a ladder and has leads that stay flexible in the cold.</p>
<p>Wire strippers come next: a pair that cuts, strips and crimps saves a trip back to the van.</p>
<p>Last, a non-contact voltage tester tells you whether a wire is live before you touch it.</p>
<p>Add a fish tape for pulling cable through conduit, and a stud finder for locating joists behind drywall.</p>
<p>Keep every tool in a bag with a stiff base, so that the multimeter and the strippers are where you left them.</p>
<p>Replace worn leads and blunt strippers early: a tool that slips is how an electrician gets hurt on the job.</p>
<p>None of this needs to be expensive; a mid-priced multimeter from a known maker outlasts two cheap ones.</p>
{plug}
</article></main></body></html>"""


def test_a_model_number_says_which_product_not_what_it_is() -> None:
    # a brand and a model number the article never names: the plug says which product, not what it is, so there
    # is too little to judge it by; a plug whose own words the article never uses stays off topic, model or not
    assert _off_topic(_TOOLS.format(plug=_box("Klein Tools MM400"))) == []
    [evidence] = _off_topic(_TOOLS.format(plug=_box("Garmin Forerunner 265 running watch")))
    assert "265" not in evidence["missing_terms"]
    assert {"running", "watch"} <= set(evidence["missing_terms"])


def test_backdrop_discount_weighs_a_shared_word_by_the_sentences_without_it() -> None:
    article = Coverage(["solar panels on roofs", "solar farms in winter", "the solar market", "a quiet winter"])
    everywhere = off_topic._coverage(article, terms("solar"))
    some = off_topic._coverage(article, terms("winter"))
    assert everywhere == pytest.approx(0.25)  # in 3 of 4 sentences: counts a quarter
    assert some == pytest.approx(0.5)  # in 2 of 4 sentences: counts half
    assert off_topic._coverage(article, terms("garlic")) == 0


_ONE_PRODUCT = """<html><head><title>Acme X200 review: a kettle that keeps its word</title></head><body>
<main><article><h1>Acme X200 review: a kettle that keeps its word</h1>
<p>The Acme X200 heats a litre of water in four minutes, and the Acme X200 holds it within a degree.</p>
<p>We poured from the Acme X200 every morning for a month and the Acme X200 never dripped.</p>
<p>The handle of the Acme X200 stays cool, and the lid of the Acme X200 opens with one thumb.</p>
<p>At its price the Acme X200 is the kettle we would buy again; the Acme X200 has earned its place.</p>
{plug}
<p>If you brew pour-over coffee every day, the Acme X200 is worth its counter space.</p>
</article></main></body></html>"""


def test_the_product_a_review_names_in_its_title_is_on_topic_however_often_it_is_named() -> None:
    assert _off_topic(_ONE_PRODUCT.format(plug=_box("Acme X200 cordless kettle in white"))) == []
