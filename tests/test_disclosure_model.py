"""The disclosure model: read as it was fitted, consulted only where the wording patterns find nothing, and its
threshold chosen by the false pages it would add."""

from __future__ import annotations

import math

import pytest

from auditor import Config, audit_html, disclosuremodel
from auditor.linear import LinearModel
from auditor.training import DisclosurePage, _disclosure_threshold, fit_disclosures

MODEL = disclosuremodel.load()


def test_grams_pad_each_word_and_keep_a_short_one_whole() -> None:
    assert disclosuremodel.grams("Ad") == [" ad", "ad ", " ad "]  # no 5-gram: the padded word is 4 long
    assert disclosuremodel.grams("Paid  LINK")[:4] == [" pa", "pai", "aid", "id "]
    assert " link" in disclosuremodel.grams("paid link")


def test_the_audit_reads_a_sentence_as_scikit_learn_fitted_it() -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer

    texts = ["We earn a commission on purchases.", "Commission rates vary by shop.", "Paid link", "Opening hours"]
    vectorizer = TfidfVectorizer(analyzer=disclosuremodel.grams, use_idf=False, sublinear_tf=True).fit(texts)
    known = set(vectorizer.get_feature_names_out())
    sentence = "We earn a small commission, a commission we need."
    expected = dict(zip(vectorizer.get_feature_names_out(), vectorizer.transform([sentence]).toarray()[0], strict=True))
    found = disclosuremodel.vector(sentence, known)
    assert found.keys() == {g for g, v in expected.items() if v}
    assert all(math.isclose(found[g], expected[g]) for g in found)


@pytest.mark.skipif(MODEL is None, reason="no disclosure model shipped")
@pytest.mark.parametrize(
    ("sentence", "statement"),
    [
        ("Our site is supported by commissions from the insurers listed on this page.", True),
        ("The European Commission fined the company for breaking competition rules.", False),
        ("Estate agents charge a commission of between one and three percent of the sale price.", False),
        ("Affiliate marketers should read the FTC's guides before they start.", False),
    ],
)
def test_the_shipped_model_tells_statements_from_sentences_about_commissions(sentence: str, statement: bool) -> None:
    assert MODEL is not None
    found = MODEL.probability(disclosuremodel.vector(sentence, MODEL.weights)) >= MODEL.threshold
    assert found is statement


@pytest.mark.skipif(MODEL is None, reason="no disclosure model shipped")
def test_the_shipped_model_read_the_sentences_an_audit_gives_it() -> None:
    """Its candidates are the sentences with a wording keyword: a keyword added since it was fitted brings it
    sentences it never learnt from (an ad unit's "Sponsored Links" header became a disclosure that way)."""
    assert MODEL is not None
    assert MODEL.card["data"]["keywords"] == disclosuremodel.keywords(), "retrain: auditor train CORPUS -o rules"


def _page(sentence: str) -> str:
    body = "<p>" + "We compared eight travel insurance plans for older travellers over three months. " * 6 + "</p>"
    link = "<p><a href='https://www.awin1.com/cread.php?awinmid=1&awinaffid=2'>Get a quote</a></p>"
    return f"<html><head><title>Plans</title></head><body><main><p>{sentence}</p>{body}{link}</main></body></html>"


@pytest.mark.skipif(MODEL is None, reason="no disclosure model shipped")
def test_the_model_speaks_only_where_the_patterns_found_nothing() -> None:
    # the wording pattern for this phrasing was first met on a corpus page: held out, the model finds the statement
    held_out = Config(held_out=frozenset({"seniorliving.org"}))
    said = "Our site is supported by commissions from the insurers listed on this page."
    result = audit_html(_page(said), url="https://plans.example/best/", config=held_out)
    assert result.disclosure.present and result.disclosure.kind == "explanatory"
    assert result.disclosure.placement == "before_first_affiliate_link"
    assert result.disclosure.texts == (said,)
    # where a pattern finds a statement, the model adds none
    both = _page("As an Amazon Associate we earn from qualifying purchases.</p><p>" + said)
    statements = audit_html(both, url="https://plans.example/best/", config=held_out).disclosure.statements
    assert [s.text for s in statements] == ["As an Amazon Associate we earn from qualifying purchases."]


def _pages() -> list[DisclosurePage]:
    said = [("we earn a commission when you buy through our links", True), ("prices change daily", False)]
    plain = [("the commission met on tuesday", False), ("the committee earned praise", False)]
    pages = []
    for site in "abcdefgh":
        pages.append(DisclosurePage(site, said * 6, expected=True, disclosed=False))
        pages.append(DisclosurePage(site, plain * 6, expected=False, disclosed=False))
    return pages


def test_a_fitted_model_keeps_every_ngram_and_a_threshold_from_the_grid() -> None:
    model = fit_disclosures(_pages())
    assert isinstance(model, LinearModel)
    # the two kinds of sentence share no page: the lowest threshold of the grid already adds no false page
    assert model.threshold == disclosuremodel_thresholds()[0]
    assert " ear" in model.weights and " met" in model.weights  # every n-gram, whatever its weight
    said = model.probability(disclosuremodel.vector("we earn a commission when you buy", model.weights))
    plain = model.probability(disclosuremodel.vector("the commission met on tuesday", model.weights))
    assert said >= model.threshold > plain


def disclosuremodel_thresholds() -> tuple[float, ...]:
    from auditor.training import DISCLOSURE_THRESHOLDS

    return DISCLOSURE_THRESHOLDS


def test_the_threshold_is_above_every_false_page_out_of_sample() -> None:
    pages = _pages()
    threshold = _disclosure_threshold(pages)
    # a page without a disclosure that says the very words of the statements would be a false page at any level
    lying = DisclosurePage("z", [("we earn a commission when you buy through our links", False)] * 3, False, False)
    assert _disclosure_threshold([*pages, lying]) >= threshold
    assert _disclosure_threshold([*pages, lying]) == 1.0


@pytest.mark.skipif(MODEL is None, reason="no disclosure model shipped")
def test_the_model_reads_no_menu_label_and_no_page_that_sells_nothing() -> None:
    review = "<p>" + "The Fellow Stagg held its temperature within a degree for the whole pour. " * 6 + "</p>"
    link = "<p>Our pick: <a href='https://www.amazon.com/dp/B000TEST01?tag=pub-20'>Fellow Stagg EKG</a>.</p>"
    menu = "<aside><a href='/category/affiliate/'>Affiliate</a> <a href='/category/coffee/'>Coffee</a></aside>"
    page = f"<html><body><main>{review}{link}</main>{menu}</body></html>"
    assert not audit_html(page, url="https://blog.example/kettles/").disclosure.present
    news = "<p>Amazon cut affiliate commission rates for furniture to 3 percent last year, publishers say.</p>"
    story = f"<html><body><main>{news}{review}</main></body></html>"
    assert not audit_html(story, url="https://news.example/amazon/").disclosure.present


def test_no_model_without_labelled_statements() -> None:
    assert fit_disclosures([DisclosurePage("a", [("prices change daily", False)] * 20, False, False)]) is None
