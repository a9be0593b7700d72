"""The block model: which blocks are body text (issue: editorial blocks as good as the best extractor), and the
benchmark's measure it is judged by."""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy
import pytest

from auditor import blockmodel, layout, segment, textmatch, training
from auditor.document import parse
from auditor.errors import ConfigError
from auditor.evaluation import article_text, editorial_text
from auditor.layout import Layout
from auditor.pipeline import audit_html
from auditor.trees import TreeModel

PARAGRAPH = (
    "The kettle boils a full litre in under three minutes, and its handle stays cool enough to hold without a "
    "cloth. We used it every morning for six weeks, and the limescale filter kept the water clear throughout."
)
ARTICLE = "".join(f"<p>{PARAGRAPH} Week {n} of testing added nothing new to report.</p>" for n in range(1, 7))


def test_an_article_in_a_wrapper_named_like_a_footer_is_editorial_main_text() -> None:
    """A class name is a hint, not the page's structure: `above-footer` once made a whole article boilerplate."""
    page = audit_html(
        f"""<html><body><header><nav><a href="/">Home</a> <a href="/reviews">Reviews</a></nav></header>
        <div class="above-footer"><div class="inner"><h1>Kettle review</h1>{ARTICLE}</div></div>
        <footer class="site-footer"><p>Copyright 2026 Example Media. All rights reserved.</p></footer>
        </body></html>""",
        "https://example.com/kettle",
    )
    paragraphs = [b for b in page.blocks if b.text.startswith("The kettle boils")]
    assert len(paragraphs) == 6
    assert {(b.kind, b.region) for b in paragraphs} == {("editorial", "main")}
    assert PARAGRAPH in editorial_text(page)
    copyright_line = next(b for b in page.blocks if b.text.startswith("Copyright"))
    assert copyright_line.kind != "editorial"


def test_the_measured_texts_keep_subheadings_and_leave_the_title_out() -> None:
    """A human article body has the article's subheadings and not its headline; an extractor's text also has the
    product boxes that the auditor names affiliate blocks, so the article text keeps them and the editorial text
    does not."""
    page = audit_html(
        f"""<html><body><main><article><h1>Kettle review</h1>{ARTICLE}<h2>Where the lid falls short</h2>{ARTICLE}
        <div class="product"><a href="https://www.amazon.com/dp/B000TEST?tag=example-20">Kettle K1 at Amazon</a>
        </div></article></main></body></html>""",
        "https://example.com/kettle",
    )
    kinds = {b.text: b.kind for b in page.blocks}
    assert kinds["Kettle K1 at Amazon"] == "affiliate"
    editorial, article = editorial_text(page), article_text(page)
    assert "Where the lid falls short" in editorial and "Where the lid falls short" in article
    assert "Kettle review" not in editorial and "Kettle review" not in article
    assert "Kettle K1" not in editorial and "Kettle K1 at Amazon" in article


def test_a_disclosure_inside_such_an_article_is_not_judged_a_footer_one() -> None:
    page = audit_html(
        f"""<html><body><div class="above-footer"><div class="inner"><h1>Best kettles</h1>
        <p>We earn a commission from purchases made through links in this article, at no cost to you.</p>
        {ARTICLE}<p>Our pick: <a href="https://www.amazon.com/dp/B000TEST01?tag=example-20">the kettle on Amazon</a>
        , which we tested for six weeks in a real kitchen with hard water every single day.</p></div></div>
        <footer><p>Copyright 2026 Example Media.</p></footer></body></html>""",
        "https://example.com/best-kettles",
    )
    assert page.disclosure.present
    assert page.disclosure.placement == "before_first_affiliate_link"
    assert [s.region for s in page.disclosure.statements] == ["main"]


def test_a_paragraph_longer_than_any_the_model_learnt_from_is_still_body_text() -> None:
    sentence = "The kettle boils quickly, and the handle stays cool. "
    page = audit_html(f"<html><body><main><p>{sentence * 1000}</p></main></body></html>", "https://example.com/")
    assert page.metrics["words_editorial"] == 9000


def test_an_element_or_role_keeps_its_region_where_a_class_name_does_not() -> None:
    statement = "<p>We earn a commission when you buy through links on this page, at no cost to you at all.</p>"
    article = f"<main>{ARTICLE}</main>"
    for wrapper, region in (
        (f"<header><nav>{statement}</nav></header>", "nav"),
        (f"<div role='navigation'>{statement}</div>", "nav"),
        (f"<footer>{statement}</footer>", "footer"),
    ):
        page = audit_html(f"<html><body>{wrapper}{article}</body></html>", "https://example.com/")
        assert [s.region for s in page.disclosure.statements] == [region], wrapper


def test_a_paragraph_at_every_level_of_a_deep_page_is_read_in_time() -> None:
    """Containers' words are carried up once each: a page nesting prose 2,000 levels deep once took 40 s."""
    sentence = "<div><p>This is a sentence of prose that goes on for a while, with more words here.</p>"
    started = time.monotonic()
    audit_html(f"<html><body>{sentence * 2000}{'</div>' * 2000}</body></html>", "https://example.com/")
    giant_id = f"<div id='{'x' * 1_000_000}'>{sentence * 200}{'</div>' * 201}"
    audit_html(f"<html><body>{giant_id}</body></html>", "https://example.com/")
    assert time.monotonic() - started < 10


def test_the_benchmark_measure_counts_shingles_as_often_as_they_occur() -> None:
    assert textmatch.precision_recall("a b c d e", "a b c d x") == (0.5, 0.5)
    assert textmatch.precision_recall("One two three four.", "one, TWO three four") == (1.0, 1.0)
    # the reference holds its shingle once: extracting it twice is half wrong
    assert textmatch.precision_recall("a b c d", "a b c d a b c d") == pytest.approx((1 / 5, 1.0))
    assert textmatch.precision_recall("a b c d", "") == (0.0, 0.0)
    assert textmatch.f1(0.5, 1.0) == pytest.approx(2 / 3)


def test_a_block_shorter_than_a_shingle_is_in_the_reference_when_its_words_are() -> None:
    reference = "The quick brown fox jumps over the lazy dog"
    held, joined = set(textmatch.shingles(reference)), f" {' '.join(textmatch.tokens(reference))} "
    assert textmatch.share_in("brown fox", held, joined) == 1.0
    assert textmatch.share_in("fox brown", held, joined) == 0.0
    assert textmatch.share_in("quick brown fox jumps cat", held, joined) == 0.5


def test_every_block_gets_a_verdict_and_every_feature_a_column() -> None:
    model = blockmodel.load()
    assert model is not None and model.features == blockmodel.COLUMNS
    page = audit_html(
        f"<html><body><h1>Title</h1>{ARTICLE}<ul><li><a href='/a'>Home</a></li></ul></body></html>",
        "https://example.com/",
    )
    assert [b.kind for b in page.blocks][1:] == ["editorial"] * 6 + ["navigation"]
    empty = Layout([], [], None, None, None, False)
    assert blockmodel.body_text(model, segment.group(empty), []) == []
    assert blockmodel.features([], []) == []


def test_a_model_of_other_features_is_refused_not_misread(tmp_path: Path) -> None:
    leaf = {"feature": [0], "threshold": [0.0], "left": [-1], "right": [-1], "value": [1.0]}
    stale = TreeModel(blockmodel.KIND, ("log_words", "digits"), (leaf,), 0.0, 0.5)
    (tmp_path / blockmodel.FILE).write_text(json.dumps(stale.to_json()), encoding="utf-8")
    read = layout.read(parse(f"<html><body>{ARTICLE}</body></html>".encode()).root, layout.Names(frozenset()))
    with pytest.raises(ConfigError, match="retrain"):
        blockmodel.body_text(blockmodel.load(tmp_path), segment.group(read), read.anchors)


def test_the_nearest_class_or_id_words_say_what_surrounds_a_block() -> None:
    """Readability's word patterns, read on the nearest element whose class or id holds one (never the body's:
    its classes are a template's feature flags), and a comment thread marks everything inside it."""
    html = """<html><body class="single comments-open has-sidebar">
      <p>Opening words of the page.</p>
      <div class="sidebar"><div class="entry-content"><p>Inside a content wrapper in a sidebar.</p></div>
        <p>Directly in the sidebar.</p></div>
      <ol class="comment-list"><li id="comment-12"><div class="comment-content"><p>A reader wrote this.</p></div>
      </li></ol></body></html>"""
    for compiled in (True, False):
        read = layout.read(parse(html.encode()).root, layout.Names(frozenset(), use_compiled=compiled))
        signs = {p.text: p.signs for p in read.pieces}
        assert signs == {
            "Opening words of the page.": 0,
            "Inside a content wrapper in a sidebar.": layout.SIGN_LIKELY,
            "Directly in the sidebar.": layout.SIGN_UNLIKELY,
            "A reader wrote this.": layout.SIGN_UNLIKELY | layout.SIGN_LIKELY | layout.SIGN_COMMENT,
        }


def test_a_readers_comment_thread_is_not_the_articles_text() -> None:
    comments = "".join(
        f'<li id="comment-{n}" class="comment"><div class="comment-author">Reader {n}</div>'
        f'<div class="comment-content"><p>{PARAGRAPH} I bought one after reading this, reader {n} says.</p></div></li>'
        for n in range(1, 9)
    )
    page = audit_html(
        f"""<html><body><main><article id="post-481" class="post"><h1>A kettle, tested</h1>{ARTICLE}</article>
        <section id="comments"><h2>8 comments</h2><ol class="comment-list">{comments}</ol></section></main>
        </body></html>""",
        "https://example.com/kettle",
    )
    text = editorial_text(page)
    assert "Week 6 of testing" in text and "reader" not in text


def test_the_main_article_is_the_longest_outer_one_without_the_articles_it_lists() -> None:
    """A page without <main> takes its longest <article> as its main content. An article nested in another is not
    a candidate, and one that holds several (a list of related posts, a thread of comments) is measured without
    them: a one-paragraph post before an article of six longer excerpts of other posts is the main one. A wrapper
    around a single article, the post itself, is measured with it, and beats a short promo elsewhere."""
    post = "<p>" + "Only a short post, one paragraph of it. " * 5 + "</p>"
    teaser = "<p>" + "A teaser of another post, each longer than the post itself. " * 8 + "</p>"
    teasers = "".join(f'<article id="post-{n}">{teaser}</article>' for n in range(6))
    promo = "<div><article><p>Sign up for our newsletter and hear about deals first.</p></article></div>"
    for html, inside, outside in (  # the first word of a block in the main article, and of one outside it
        (f"<article><h1>Post</h1>{post}</article><article><h3>You may</h3>{teasers}</article>", "Only", "A"),
        (f"<article><h1>Post</h1><article>{ARTICLE}</article></article>{promo}", "The", "Sign"),
    ):
        read = layout.read(parse(f"<html><body>{html}</body></html>".encode()).root, layout.Names(frozenset()))
        main = {p.text.split()[0] for p in read.pieces if p.landmark}
        assert {"Post", inside} <= main and outside not in main, main


def test_a_comment_thread_is_never_body_text_beside_a_post() -> None:
    """Readers' comments (numbered records in an element named as comments) are not the article once a paragraph
    outside their thread is, whatever the trees say: a short "open thread" post above ten long comments had its
    comments read as the post by some retrainings. A thread under only its title and a "started by" line (a
    forum's) keeps the trees' verdict, and so does an article in a wrapper named for comments, records or not."""
    comment = "I wonder how the team weighs evidence from small trials against the larger studies of the same aid. "
    thread = "".join(f'<li class="comment" id="comment-{n}"><p>{comment}</p></li>' for n in range(10))
    article = "".join(f"<p>{comment}</p>" for _ in range(10))
    post = '<div class="post"><p>You can view our June open thread here, with the questions readers asked.</p></div>'
    always = TreeModel(blockmodel.KIND, blockmodel.COLUMNS, (), 5.0, 0.5)  # every block body text
    for html, expected in (
        (f'{post}<div id="comments"><ol>{thread}</ol></div>', [True] + [False] * 10),
        (f'<h1>Thread</h1><p>Started by Ann, 3 June</p><div id="comments"><ol>{thread}</ol></div>', [True] * 12),
        (f'{post}<div class="content js-comments">{article}</div>', [True] * 11),
    ):
        read = layout.read(parse(f"<html><body>{html}</body></html>".encode()).root, layout.Names(frozenset()))
        assert blockmodel.body_text(always, segment.group(read), read.anchors) == expected


@pytest.mark.parametrize(
    ("names", "comment"),
    [
        ("comment-list", True),
        ("commentlist", True),  # WordPress's classic themes
        ("div-comment-12", True),
        ("disqus_thread", True),
        ("js_toggled-replies", True),
        ("post hentry commented", False),  # a post that has comments is the post
        ("post has-comments", False),
        ("commentary-body", False),
        ("correspondent-report", False),
    ],
)
def test_comment_words_are_read_whole_and_never_on_a_post(names: str, comment: bool) -> None:
    assert bool(layout.Names(frozenset()).signs(names) & layout.SIGN_COMMENT) is comment


@pytest.mark.parametrize("names", ["post hentry commented", "commentary-body", "correspondent-report"])
def test_an_article_whose_class_only_mentions_comments_keeps_its_text(names: str) -> None:
    page = audit_html(
        f'<html><body><main><article class="{names}"><h1>A kettle, tested</h1>{ARTICLE}</article></main></body></html>',
        "https://example.com/kettle",
    )
    assert editorial_text(page).count("Week") == 6


def test_teacher_labels_lose_comment_threads_unless_they_hold_most_of_the_text() -> None:
    article, comment = ("words " * 50, {"names_comment": 1.0}), ("words " * 20, {"names_comment": 1.0})
    plain = ("words " * 50, {"log_words": 1.0})
    assert training._without_comments([plain, comment, comment], [True, True, True]) == [True, False, False]
    # a forum's posts, or an article inside an element named so: the labels stand
    assert training._without_comments([plain, article, article], [True, True, True]) == [True, True, True]
    assert training._without_comments([plain, comment], [False, False]) == [False, False]


def test_numbered_ids_make_a_family_whose_longest_member_is_marked() -> None:
    idents = ["post-7816", "post-7816", "post-7908", "primary", "", "menu-item-1"]
    prose = numpy.array([100.0, 40.0, 90.0, 139.0, 10.0, 0.0])
    family, top = blockmodel._id_families(idents, prose, len(idents))
    assert family.tolist() == [1, 1, 1, 0, 0, 0]  # one menu item is no family
    assert top.tolist() == [1, 1, 0, 0, 0, 0]  # post-7816 holds 140 words, post-7908 90
