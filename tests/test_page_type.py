"""The page type: what a page says of itself (structured data, title, address, headings) read by the shipped
model, reported in the JSON with its confidence."""

from __future__ import annotations

from lxml import html as lxml_html

from auditor import audit_html, to_dict
from auditor.pagetype import TYPES, features, structured_types


def test_structured_data_types_are_read_from_json_ld_only() -> None:
    page = lxml_html.fromstring(
        '<html><head><script type="application/ld+json">{"@context": "https://schema.org", "@type": "Recipe"}'
        '</script><script>var x = {"@type": "NewsArticle"};</script></head><body></body></html>'
    )
    assert structured_types(page.iter("script")) == {"Recipe"}


def test_features_name_words_and_shape_not_sites() -> None:
    found = features("Best kettles of 2025", "/reviews/2025/03/best-kettles/", ["1. Alpha", "2. Beta"], ["Review"],
                     12, 900, 3)  # fmt: skip
    assert {"t:best", "t:kettles", "u:reviews", "u:best", "h:alpha", "ld:review", "path_has_year"} <= found.keys()
    assert found["numbered_headings"] == 0.2 and found["product_boxes"] == 0.3


def test_the_json_reports_the_page_type_with_its_confidence() -> None:
    news = (
        "<html><head><title>Council approves new tram line</title><script type='application/ld+json'>"
        '{"@type": "NewsArticle"}</script></head><body><main><h1>Council approves new tram line</h1>'
        "<p>The city council voted on Tuesday to build a new tram line to the airport by 2027.</p></main></body></html>"
    )
    found = to_dict(audit_html(news, url="https://city-news.example/2024/05/tram-line/"))["page_type"]
    assert found["type"] in TYPES and 0 < found["confidence"] <= 1
    assert found["type"] == "news"
