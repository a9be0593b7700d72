"""Affiliate link classification: networks by host, parameter and path, cloaks with and without evidence,
and lookalikes that must stay plain links."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.layout import Anchor
from auditor.links import absolute, classify, target
from auditor.networks import load, site_of

CATALOGUE = load()
PAGE = "https://www.example-blog.com/posts/best-kettles/"


def anchor(
    raw: str,
    text: str = "link",
    rel: str = "",
    classes: str = "",
    data: dict[str, str] | None = None,
    in_box: bool = False,
    marked: bool = False,
) -> Anchor:
    return Anchor(
        raw_href=raw,
        text=text,
        rel=tuple(rel.split()),
        classes=tuple(classes.split()),
        data=data or {},
        piece=0,
        in_box=in_box,
        hidden=False,
        marked=marked,
    )


def verdict(a: Anchor, in_content: bool = True):  # type: ignore[no-untyped-def]
    url = absolute(a.raw_href, PAGE, "https://www.example-blog.com")
    assert url is not None
    return classify(a, url, site_of("www.example-blog.com"), CATALOGUE, in_content)


@pytest.mark.parametrize(
    ("href", "network"),
    [
        ("https://www.amazon.com/dp/B000?tag=site-20", "amazon"),
        ("https://www.amazon.co.uk/dp/B000/?tag=site-21&linkCode=ll1", "amazon"),
        ("https://www.amazon.de/exec/obidos/ASIN/B09KMW78GR/hit1-21/", "amazon-obidos"),
        ("https://amzn.to/3abcXYZ", "amazon-shortlink"),
        ("https://www.awin1.com/cread.php?awinmid=1&awinaffid=2&ued=https%3A%2F%2Fshop.example%2F", "awin"),
        ("https://px.a8.net/svt/ejp?a8mat=4AV789+1JYRN6+5J4W+5YZ76", "a8"),
        ("https://l.neqty.net/c/1234", "financequality"),
        ("https://c.trackmytarget.com/c/1234", "target-circle"),
        ("https://work.selecdoo.com/c/1234", "selecdoo"),
        (
            "https://pvn.mediamarkt.de/c/1234",
            "mediamarkt-saturn-pvn",
        ),
        ("https://ck.jp.ap.valuecommerce.com/servlet/referral?sid=3756713&pid=892228479", "valuecommerce"),
        ("https://af.moshimo.com/af/c/click?a_id=1234567&p_id=170&pc_id=185&pl_id=4062", "moshimo"),
        (
            "https://hb.afl.rakuten.co.jp/hgc/1a2b3c4d.5e6f7a8b.1a2b3c4e.5e6f7a8c/?pc=https%3A%2F%2Fitem.rakuten.co.jp%2Fshop%2Fitem%2F",
            "rakuten-affiliate-jp",
        ),
        ("https://www.anrdoezrs.net/click-100-200?url=https%3A%2F%2Fshop.example", "cj"),
        ("https://www.jdoqocy.com/click-1-2", "cj"),
        ("https://goto.target.com/c/1982182/81938/2092", "impact-custom-domain"),
        ("https://nordstrom.sjv.io/c/3006986/1960196/23920", "impact"),
        ("https://click.linksynergy.com/deeplink?id=abc&mid=1&murl=https%3A%2F%2Fx.example", "rakuten"),
        ("https://shareasale.com/r.cfm?b=1&u=2&m=3", "shareasale"),
        ("https://go.skimresources.com/?id=1X2&url=https%3A%2F%2Fx.example", "skimlinks"),
        ("https://prf.hn/click/camref:1/destination:https%3A%2F%2Fx.example", "partnerize"),
        ("https://clk.tradedoubler.com/click?p=1&a=2&url=https%3A%2F%2Fx.example", "tradedoubler"),
        ("https://www.ebay.de/itm/1?mkcid=1&mkrid=707-53477-19255-0&campid=5337813603", "ebay"),
        ("https://apps.apple.com/us/app/id1?at=11lte3", "apple"),
        ("https://www.booking.com/hotel/x.html?aid=123456", "booking"),
        ("https://tracking.example-net.com/aff_c?offer_id=78&aff_id=1169", "hasoffers"),
        ("https://www.bhphotovideo.com/c/product/1-REG/x.html/BI/23683/KBID/29131", "bhphoto"),
        ("https://shop.example/product?a_aid=someblog", "postaffiliatepro"),
        ("https://zdcs.link/abc", "redirector"),
        ("https://geni.us/xyz", "geniuslink"),
    ],
)
def test_networks(href: str, network: str) -> None:
    v = verdict(anchor(href))
    assert v.affiliate and v.network == network, v


@pytest.mark.parametrize(
    "href",
    [
        "https://www.amazon.com/dp/B000",  # no associate tag
        "https://www.amazon.com/dp/B000?ref=sr_1_1",
        "https://www.eventbrite.com/e/tickets-1?aff=ebdssbdestsearch",  # an event tracking code
        "https://www.nobledesktop.com/x?utm_source=example-blog.com&utm_medium=referral",
        "https://preferences.truste.com/2.0/?type=abc&affiliateId=115",
        "https://itunes.apple.com/us/podcast/id1095401893",  # no at= token
        "https://www.shareasale.com/info/affiliates/",  # the network's own site
        "https://www.example-blog.com/go/",  # a bare prefix
        "https://bit.ly/abc",  # unresolvable: not counted
    ],
)
def test_lookalikes_stay_plain(href: str) -> None:
    assert not verdict(anchor(href, rel="nofollow")).affiliate


@pytest.mark.parametrize(
    ("href", "entry"),
    [
        ("https://www.shareasale.com/shareasale.cfm?merchantID=30300", "ShareASale merchant programme sign-up"),
        ("https://signup.cj.com/member/signup/publisher/?cid=1956334", "CJ Affiliate publisher sign-up"),
        ("https://app.impact.com/campaign-promo-signup/Example-Brand.brand", "impact.com brand / programme sign-up"),
        ("https://signup.partnerize.com/signup/en/examplebrand", "Partnerize brand sign-up page"),
        ("https://ui.awin.com/merchant-profile/24800", "Awin advertiser programme profile"),
        ("https://www.booking.com/affiliate-program/v2/index.html", "Booking.com Affiliate Partner Programme"),
    ],
)
def test_programme_sign_up_pages_pay_nobody(href: str, entry: str) -> None:
    """Each documented sign-up shape is told apart by its own entry (the evidence names it), even marked as paid."""
    v = verdict(anchor(href, text="Learn more", rel="sponsored"))
    assert not v.affiliate and entry in v.evidence, v


def test_an_invitation_to_join_is_a_sign_up_link_whatever_its_url() -> None:
    v = verdict(anchor("https://shop.example/affiliates?a_aid=someblog", text="Become an affiliate"))
    assert not v.affiliate, v
    # an ordinary call to action under a network's click link stays an affiliate link
    call = anchor("https://hop.clickbank.net/?affiliate=me&vendor=fit", text="Join the program today")
    assert verdict(call).affiliate


def test_a_click_link_beside_a_sign_up_shape_still_counts() -> None:
    assert verdict(anchor("https://www.shareasale.com/r.cfm?b=1&u=2&m=30300", text="Shop now")).affiliate
    assert verdict(anchor("https://shop.example/affiliates?a_aid=someblog", text="Shop now")).affiliate
    assert verdict(anchor("https://www.booking.com/hotel/x.html?aid=123456", text="Book now")).affiliate


def test_same_site_cloak_needs_evidence() -> None:
    assert not verdict(anchor("/go/kettle-shop/")).affiliate
    assert verdict(anchor("/go/kettle-shop/", rel="sponsored")).affiliate
    assert verdict(anchor("/recommends/kettle/", text="Check price")).affiliate
    assert verdict(anchor("/out/kettle", in_box=True)).affiliate
    assert verdict(anchor("/x7k2", classes="thirstylink")).affiliate  # the plugin's class alone
    # nofollow alone counts in the content, not in menus and footers
    assert verdict(anchor("/goto/podia/", rel="nofollow")).affiliate
    assert not verdict(anchor("/goto/podia/", rel="nofollow"), in_content=False).affiliate
    assert not verdict(anchor("/goto/post?id=1", rel="sponsored")).affiliate  # forum machinery


def test_redirect_endpoint_with_external_target() -> None:
    link = anchor("/r?h=1&u=https%3A%2F%2Fwww.mediamarkt.de%2F&subid=box", rel="nofollow")
    v = verdict(link)
    assert v.affiliate and v.network == "cloak" and v.merchant == "mediamarkt"
    assert verdict(anchor("/special/amazon/redirect?id=9&amazon_tag=box-21")).affiliate


def test_marked_merchant_link_with_id_parameter() -> None:
    assert verdict(anchor("https://www.truetraveller.com/?tag=4498", rel="sponsored")).affiliate
    assert not verdict(anchor("https://www.truetraveller.com/?tag=4498")).affiliate
    assert not verdict(anchor("https://my.example/register?referrer=https://x.example/", rel="nofollow")).affiliate


def test_evidence_and_merchant_are_reported() -> None:
    v = verdict(anchor("https://www.awin1.com/cread.php?awinmid=1&awinaffid=2&ued=https%3A%2F%2Fwww.ikea.com%2Fa"))
    assert v.merchant == "ikea"
    assert "Awin" in v.evidence
    assert verdict(anchor("https://www.amazon.de/dp/B1?tag=x-21")).merchant == "amazon"


def test_absolute_resolves_like_a_browser() -> None:
    base = "https://ex.example/dir/page.html"
    for raw, expected in [
        ("/a?b=1", "https://ex.example/a?b=1"),
        ("x", "https://ex.example/dir/x"),
        ("//cdn.example/y", "https://cdn.example/y"),
        ("/a/../b", "https://ex.example/b"),
    ]:
        url = absolute(raw, base, "https://ex.example")
        assert url is not None and url.href == expected
    assert absolute("mailto:a@b.example", base) is None
    assert absolute("javascript:void(0)", base) is None
    assert absolute("http://[::1", base) is None
    assert absolute("http://../x", base) is None  # a host of dots only is no host (found by the fuzz run)
    assert absolute("", "http://..") is None


URL_PIECES = st.sampled_from(
    [
        "https://",
        "http://",
        "HTTPS://",
        "ftp:",
        "//",
        "a.com",
        "B.Example",
        "%41",
        "user@",
        ":8080",
        "[::1]",
        "]",
        "/",
        "?",
        "#",
        "&",
        "=",
        "x",
        "é",
        "%2F",
        "\t",
        "\n",
        " ",
        "\x00",
        ".",
        "..",
        "@",
    ]
)


@settings(max_examples=3000, deadline=None)
@given(st.lists(URL_PIECES, max_size=10).map("".join) | st.text(max_size=30))
def test_a_targets_host_is_urllibs_hostname(href: str) -> None:
    """A plain host name is read without urllib; the host is still what urllib's `hostname` says."""
    try:
        parts = urlsplit(href)
        hostname = parts.hostname
    except ValueError:
        assert target(href) is None
        return
    got = target(href)
    if got is None:
        assert parts.scheme.lower() not in ("http", "https") or not (hostname or "").rstrip(".")
    else:
        assert hostname is not None and got.host == hostname.rstrip(".")
