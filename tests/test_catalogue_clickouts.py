"""Catalogue click hosts taken from public lists and link builders (ClearURLs redirections, the affiliate-tag
allowlist, goaround's domain list, uBlock Origin's link-sanitiser filters, networks' own link guides): a bare link
in a page's text is recognised with its network, and a link to the same host that pays nobody stays plain."""

from __future__ import annotations

from html import escape

import pytest

from auditor import audit_html
from auditor.models import Link

PAGE_URL = "https://pub.example/post/"


def only_link(href: str) -> Link:
    """The one link of a tiny page whose main content is a sentence and a bare link (no rel, no call to action)."""
    page = f'<html><body><main><p>text</p><a href="{escape(href)}">shop</a></main></body></html>'
    result = audit_html(page, url=PAGE_URL)
    assert len(result.links) == 1, result.links
    return result.links[0]


@pytest.mark.parametrize(
    ("href", "network"),
    [
        (
            "https://rpx.a8.net/svt/ejp?a8mat=3T1ABC+5XYZ+2HOM+BWGDT&rakuten=y"
            "&a8ejpredirect=https%3A%2F%2Fitem.rakuten.co.jp%2Fshop%2Fitem%2F",
            "a8",
        ),
        (
            "https://partner.bol.com/click/click?p=2&t=url&s=1234567&f=TXL"
            "&url=https%3A%2F%2Fwww.bol.com%2Fnl%2Fnl%2Fp%2Fwaterkoker%2F9200000000000001%2F&name=Waterkoker",
            "bol",
        ),
        (
            "https://partner.bol.com/click/click?p=1&t=url&s=1234567"
            "&url=https%3A%2F%2Fwww.bol.com%2Fnl%2Fm%2Fsieraden%2F&f=BAN&name=Sieraden&subid=",
            "bol",
        ),
        (
            "https://www.idealo-partner.com/?trg=https%3A%2F%2Fwww.idealo.de%2Fpreisvergleich%2FOffersOfProduct%2F1.html",
            "idealo-partner",
        ),
        (
            "https://track.effiliation.com/servlet/effi.redir?id_compteur=12345678"
            "&url=https%3A%2F%2Fwww.shop.example%2Fproduit%2F1",
            "effiliation",
        ),
        ("https://track.effiliation.com/servlet/effi.click?id_compteur=12345678", "effiliation"),
        (
            "https://refer.ccbill.com/cgi-bin/clicks.cgi?CA=900000-0000&PA=1234567&HTML=https%3A%2F%2Fsite.example%2F",
            "ccbill",
        ),
        (
            "https://t.groupon.com/r?tsToken=US_AFF_0_201236_200897_0&url=https%3A%2F%2Fwww.groupon.com%2Fdeals%2Fspa",
            "groupon",
        ),
        ("https://t.groupon.co.uk/r?tsToken=UK_AFF_0_201236_212556_0", "groupon"),
        ("https://ds1.nl/c/?si=1234&li=56789&wi=101112&ws=post", "daisycon"),
        ("https://lt45.net/c/?si=2036&li=119986&wi=101112", "daisycon"),
        ("https://jf79.net/c/?si=16264&li=1698129&wi=101112", "daisycon"),
        ("https://bdt9.net/c/?si=19078&li=1819944&wi=101112&dl=nl%2F", "daisycon"),
        ("https://glp8.net/c/?si=20714&li=1878051&wi=101112&ws=&dl=nl%2F", "daisycon"),
        ("https://jdt8.net/c/?si=17893&li=1774970&wi=101112", "daisycon"),
        ("https://fr135.net/c/?si=15690&li=1680158&wi=101112", "daisycon"),
        ("https://rkn3.net/c/?si=13663&li=1597128&wi=101112&ws=", "daisycon"),
        ("https://partners.insurer.example/c/?si=21167&li=1901301&wi=101112", "daisycon-custom-domain"),
        (
            "https://online.adservicemedia.dk/cgi-bin/click.pl?cid=7664&pid=7983"
            "&deeplink=https%3A//www.insurer.example/olycksfall/",
            "adservice",
        ),
        ("https://online.adservicemedia.dk/cgi-bin/click.pl?bid=498336&media_id=15141", "adservice"),
        (
            "https://invol.co/aff_m?offer_id=101166&aff_id=189674&source=deeplink_generator_v2"
            "&url=https%3A%2F%2Fwww.shop.example%2F",
            "involveasia",
        ),
        ("https://invl.me/cl8a2bX9q", "involveasia"),
        (
            "https://r.bttn.io/?btn_ref=org-225e4e0aac880b8f&btn_url=https%3A%2F%2Fwww.shop.example%2Fitem"
            "&btn_pub_ref=1417452-in_text",
            "button",
        ),
        (
            "https://aaa.artefact.com/trck/eclick/c2560e29dd1a7af900efb841522aaedd?prodid=D1-B2&fid=71",
            "artefact-affiliate",
        ),
        (
            "https://affportal.bhphoto.com/dl/somepublisher/?u=https%3A%2F%2Fwww.bhphotovideo.com%2Fc%2Fproduct%2F1",
            "bhphoto-affportal",
        ),
        ("https://store.epicgames.com/en-US/p/some-game?epic_affiliate=somecreator", "epicgames"),
        ("https://www.epicgames.com/store/de/product/uno/home?epic_affiliate=somecreator&epic_gameId=abc", "epicgames"),
        ("https://uk.gamesplanet.com/game/some-game-steam-key--1234-5?ref=somepartner", "gamesplanet"),
    ],
)
def test_click_link_is_recognised(href: str, network: str) -> None:
    link = only_link(href)
    assert link.affiliate and link.network == network, link


@pytest.mark.parametrize(
    ("href", "merchant"),
    [
        (
            "https://partner.bol.com/click/click?p=2&t=url&s=1234567&f=TXL&url=https%3A%2F%2Fwww.bol.com%2Fnl%2Fnl%2F",
            "bol",
        ),
        ("https://t.groupon.com/r?tsToken=US_AFF_0_1_2_0&url=https%3A%2F%2Fwww.groupon.com%2Fdeals%2Fspa", "groupon"),
        (
            "https://online.adservicemedia.dk/cgi-bin/click.pl?cid=1&pid=2&deeplink=https%3A%2F%2Fwww.lindex.com%2F",
            "lindex",
        ),
        ("https://track.adtraction.com/t/t?a=1&as=2&t=2&tk=1&url=https%3A%2F%2Fwww.lindex.com%2F", "lindex"),
        (
            "https://www.partner-ads.com/dk/klikbanner.php?partnerid=1&bannerid=2&htmlurl=https%3A%2F%2Fwww.zalando.dk%2F",
            "zalando",
        ),
        ("https://clk.tradedoubler.com/click?p=1&a=2&_td_deeplink=https%3A%2F%2Fwww.zalando.de%2F", "zalando"),
        ("https://partners.insurer.example/c/?si=21167&li=1901301&wi=101112", "insurer"),
    ],
)
def test_target_parameter_names_the_merchant(href: str, merchant: str) -> None:
    link = only_link(href)
    assert link.affiliate and link.merchant == merchant, link


@pytest.mark.parametrize(
    "href",
    [
        "https://partner.bol.com/",  # the click host's own front page
        "https://partnerplatform.bol.com/nl/",  # the programme's sign-up site
        "https://www.bol.com/nl/nl/p/waterkoker/9200000000000001/",  # a shop link without the programme
        "https://partner.net.idealo-partner.com/app/index.html",  # idealo's partner portal
        "https://www.idealo.de/preisvergleich/OffersOfProduct/1.html",
        "https://www.effiliation.com/",  # the network's own site
        "https://refer.ccbill.com/",
        "https://www.groupon.com/deals/spa",  # a deal without the partner token
        "https://www.groupon.com/r",
        "https://www.daisycon.com/nl/",  # the network's own site
        "https://shop.example/c/?si=abc&li=1&wi=2",  # the custom-domain shape needs three numeric ids
        "https://shop.example/c/?si=1",
        "https://invol.co/",
        "https://r.bttn.io/",
        "https://www.artefact.com/news/",  # the agency's own site
        "https://affportal.bhphoto.com/",
        "https://store.epicgames.com/en-US/p/some-game",  # a store page without a creator code
        "https://www.epicgames.com/help/en-US",
        "https://uk.gamesplanet.com/game/some-game-steam-key--1234-5",  # a game page without a partner tag
    ],
)
def test_same_host_link_that_pays_nobody_stays_plain(href: str) -> None:
    link = only_link(href)
    assert not link.affiliate, link
