"""Evidence a page shares between its links: same-site cloak folders, a disclosure on the page, lookalikes that
pay nobody, lazily loaded auto-affiliate scripts, and knowledge left out for sites scored out of sample."""

from __future__ import annotations

import pytest

from auditor import Config, audit_html

URL = "https://www.example-blog.com/best-apps/"


def page(body: str, head: str = "") -> str:
    return (
        f"<html><head><title>Best apps</title>{head}</head><body><header><a href='/'>Home</a></header>"
        f"<main><h1>Best apps</h1><p>Our picks after a month of daily use, with notes on price and quality.</p>"
        f"{body}</main><footer><a href='/about/'>About</a></footer></body></html>"
    )


def affiliate(html: str, config: Config | None = None) -> dict[str, bool]:
    return {link.raw_href: link.affiliate for link in audit_html(html, url=URL, config=config).links}


def test_a_cloak_folder_shares_the_evidence_of_one_marked_link() -> None:
    html = page(
        "<p><a href='/go/apps/alpha/' rel='sponsored'>Try Alpha</a></p>"
        "<p>Or the plainer <a href='/go/apps/beta/'>Beta</a>.</p>"
        "<p>Read our <a href='/reviews/gamma/'>Gamma review</a>.</p>"
    )
    assert affiliate(html) == {"/": False, "/go/apps/alpha/": True, "/go/apps/beta/": True,
                               "/reviews/gamma/": False, "/about/": False}  # fmt: skip


def test_without_shared_evidence_or_disclosure_a_cloak_path_is_an_ordinary_link() -> None:
    html = page("<p>Or the plainer <a href='/go/apps/beta/'>Beta</a>.</p>")
    assert affiliate(html)["/go/apps/beta/"] is False


def test_a_disclosure_on_the_page_makes_its_content_cloaks_affiliate() -> None:
    disclosed = page(
        "<p>We earn a commission when you buy through links on this page.</p>"
        "<p>Start with <a href='/go/beta/'>Beta</a>.</p>"
    )
    assert affiliate(disclosed)["/go/beta/"] is True
    in_footer_only = disclosed.replace("<footer>", "<footer><a href='/go/newsletter/'>Newsletter</a>")
    assert affiliate(in_footer_only)["/go/newsletter/"] is False


def test_programme_sign_up_pages_are_not_affiliate_links() -> None:
    html = page(
        "<p><a href='https://partner.getyourguide.com/de/?partner_id=ABC123' rel='sponsored'>Werde Partner</a></p>"
        "<p><a href='https://www.shareasale.com/shareasale.cfm?merchantID=116318'>Join our programme</a></p>"
        "<p><a href='https://www.getyourguide.de/berlin-l17/?partner_id=ABC123'>Berlin tours</a></p>"
    )
    found = affiliate(html)
    assert found["https://partner.getyourguide.com/de/?partner_id=ABC123"] is False
    assert found["https://www.shareasale.com/shareasale.cfm?merchantID=116318"] is False
    assert found["https://www.getyourguide.de/berlin-l17/?partner_id=ABC123"] is True


def test_a_lazily_loaded_script_is_read_from_its_data_src() -> None:
    lazy = "<script async data-type='lazy' data-src='//z-na.amazon-adsystem.com/widgets/onejs?MarketPlace=US'></script>"
    result = audit_html(page("<p>Plain text.</p>" + lazy), url=URL)
    assert [s.service for s in result.scripts] == ["amazon_onelink"]


def test_knowledge_met_on_a_held_out_site_is_left_out() -> None:
    """An entry brought in by a labelled page of georiot's users (seen_on) is not used to score that site."""
    html = page("<p><a href='https://target.georiot.com/Proxy.ashx?tsid=1&GR_URL=https%3A%2F%2Fwww.amazon.com%2F'>"
                "Buy</a></p>")  # fmt: skip
    href = "https://target.georiot.com/Proxy.ashx?tsid=1&GR_URL=https%3A%2F%2Fwww.amazon.com%2F"
    assert affiliate(html)[href] is True
    assert affiliate(html, Config(held_out=frozenset({"tomshardware.com"})))[href] is False


@pytest.mark.parametrize(
    "text", ["Become An Affiliat", "Join our affiliate program", "Werden Sie Partner.", "Affiliate Programme"]
)
def test_a_link_inviting_readers_to_join_a_programme_is_a_sign_up_page(text: str) -> None:
    href = "https://www.example-shop.com/?aff=12345&tag=blog-21"
    assert affiliate(page(f"<p><a href='{href}' rel='sponsored'>{text}</a></p>"))[href] is False
    assert affiliate(page(f"<p><a href='{href}' rel='sponsored'>Buy the kettle</a></p>"))[href] is True


def test_a_bare_link_to_a_disclosure_page_makes_no_cloak_affiliate() -> None:
    html = page("<p>Plan your day: <a href='/visit/opening-hours/'>opening hours</a>.</p>")
    footer_link = html.replace("<footer>", "<footer><a href='/disclosure/'>Disclosure</a>")
    assert affiliate(footer_link)["/visit/opening-hours/"] is False


@pytest.mark.parametrize(
    "name", ["Affiliate Disclosure", "Advertiser Disclosure", "Werbehinweis", "広告・アフィリエイト表記"]
)
def test_a_footer_link_naming_paid_links_makes_the_contents_cloaks_affiliate(name: str) -> None:
    html = page("<p>Our pick: <a href='/go/babbel'>Try Babbel</a>, or <a href='/apply/sapphire/'>apply</a>.</p>")
    found = affiliate(html.replace("<footer>", f"<footer><a href='/disclosure/'>{name}</a>"))
    assert found["/go/babbel"] is True
    assert found["/apply/sapphire/"] is True
    assert affiliate(html)["/go/babbel"] is False  # without it, a bare /go/ path is no evidence


@pytest.mark.parametrize("name", ["Affiliate Guidelines", "Affiliate Programme", "広告について", "Disclosure"])
def test_a_footer_link_to_a_programme_or_a_bare_disclosure_declares_no_paid_links(name: str) -> None:
    html = page("<p>Plan your day: <a href='/visit/opening-hours/'>opening hours</a>.</p>")
    found = affiliate(html.replace("<footer>", f"<footer><a href='/x/'>{name}</a>"))
    assert found["/visit/opening-hours/"] is False


def test_a_bare_advertising_label_inside_a_price_box_labels_its_links() -> None:
    box = (
        "<div class='product-box'><h4>Price comparison</h4>"
        "<p><a href='https://www.amazon.de/dp/B000TEST01?tag=pub-21'>Kettle X</a></p><p>ab 19,99 €</p>"
        "<p><a href='https://www.amazon.de/dp/B000TEST02?tag=pub-21'>Kettle Y</a></p><p>ab 24,99 €</p>"
        "<p class='caption'>{label}</p></div>"
    )
    disclosure = audit_html(page(box.format(label="ANZEIGE")), url=URL).disclosure
    assert (disclosure.kind, disclosure.placement) == ("label_only", "after_first_affiliate_link")
    assert audit_html(page(box.format(label="Shipping extra")), url=URL).disclosure.kind == "none"


def test_a_product_box_with_its_own_disclosure_line_is_still_an_affiliate_block() -> None:
    box = (
        "<div class='lasso-container product-box'><h4>Kettle X</h4><p>Holds its temperature within a degree.</p>"
        "<a class='lasso-button' href='https://www.amazon.com/dp/B000TEST01?tag=pub-20'>Check price</a>"
        "<p class='lasso-disclosure'>We earn a commission if you make a purchase, at no additional cost to you.</p>"
        "</div>"
    )
    result = audit_html(page(box), url=URL)
    [boxed] = [b for b in result.blocks if "Kettle X" in b.text]
    assert boxed.kind == "affiliate"
    assert result.disclosure.kind == "explanatory"
    assert result.disclosure.statements[0].block == boxed.id  # beside the button it explains
    assert result.metrics["affiliate_text_share"] > 0
