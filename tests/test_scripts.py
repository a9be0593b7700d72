"""Auto-affiliate scripts and widget embeds (`[[script]]` in rules/networks.toml): each is found where a script
loads or configures it, and not where a page merely names its address."""

from __future__ import annotations

import json

import pytest

from auditor import audit_html

_ARTICLE = "<p>" + "We walked the old town from the harbour to the castle and back again. " * 12 + "</p>"

# (service, what a publisher pastes: a script element that loads or configures it)
EMBEDS = [
    (
        "getyourguide_widget",
        '<script async src="https://widget.getyourguide.com/dist/pa.umd.production.min.js"></script>',
    ),
    ("booking_affiliate_widget", '<script src="//aff.bstatic.com/static/affiliate_base/js/flexiproduct.js"></script>'),
    ("viator_widget", '<script async src="https://www.viator.com/orion/partner/widget.js"></script>'),
    ("klook_widget", '<script src="https://affiliate.klook.com/widget/fetch-iframe-init.js"></script>'),
    ("tiqets_widget", '<script src="https://widgets.tiqets.com/loader.js"></script>'),
    ("agoda_sherpa_widget", '<script src="//cdn0.agoda.net/images/sherpa/js/sherpa_init1_08.min.js"></script>'),
    ("stay22", '<script src="https://scripts.stay22.com/letmeallez.js"></script>'),
    (
        "expedia_group_widget",
        '<script src="https://creator.expediagroup.com/products/widgets/assets/eg-widgets.js"></script>',
    ),
    ("travelpayouts_widget", '<script src="https://tp.media/content?trs=1&shmarker=12345&promo_id=1"></script>'),
    ("kiwi_widget", '<script src="https://widgets.kiwi.com/scripts/widget-search-iframe.js"></script>'),
    ("discovercars_widget", '<script src="https://www.discovercars.com/widget.js?v1"></script>'),
    ("ebay_smart_links", "<script>window._epn = {campaign: 5338000000};</script>"),
    ("monetizer101", '<script src="https://link.monetizer101.com/widget/amp/amp.js"></script>'),
    ("amazon_publisher_studio", "<script>var amzn_ps_tracking_id = 'site-20';</script>"),
    ("amazon_associates_aax_legacy", "<script>var aax_pubname = 'site-20';</script>"),
    ("geniuslink", '<script src="//cdn.georiot.com/snippet.js"></script>'),
]


def _services(head: str, body: str = "") -> set[str]:
    page = f"<html><head><title>Old town walk</title>{head}</head><body><main>{_ARTICLE}{body}</main></body></html>"
    return {script.service for script in audit_html(page, url="https://travel.example/walk/").scripts}


@pytest.mark.parametrize(("service", "embed"), EMBEDS, ids=[s for s, _ in EMBEDS])
def test_an_embed_is_found(service: str, embed: str) -> None:
    assert service in _services(embed)


@pytest.mark.parametrize(("service", "embed"), EMBEDS, ids=[s for s, _ in EMBEDS])
def test_a_page_that_only_names_the_address_has_no_script(service: str, embed: str) -> None:
    """Structured data that mentions the embed's address, and a plain link to it, load nothing."""
    address = embed.split('src="', 1)[1].split('"', 1)[0] if 'src="' in embed else embed
    described = json.dumps({"@context": "https://schema.org", "@type": "Article", "articleBody": address})
    head = f'<script type="application/ld+json">{described}</script>'
    link = f'<p><a href="{address if address.startswith("http") else "https://example.com/"}">the widget</a></p>'
    assert service not in _services(head, link)


# A programme's own widget that no [[script]] entry finds (its loader on a made-up host here), tied to the
# programme by either end of its embed code and configured with the programme's id parameter (Booking.com's `aid`):
# a loader on a host of the programme, or a loader from anywhere right after the element the widget fills, whose
# fallback content links to the programme.
_CONTAINER = (
    '<ins class="box" data-aid="1596094" data-prod="dfl2"><a href="//www.booking.com?aid=1596094">Booking.com</a></ins>'
)
_LOADER = "<script>(function(d){var s=d.createElement('script');s.src='//cdn.example/w.js';})(document);</script>"
_UNNAMED = (
    ('<script src="https://widgets.booking.com/loader.js" data-aid="1596094"></script>', ""),
    ("<script src=\"https://widgets.booking.com/loader.js\" onload=\"W.init({'aid': '1596094'})\"></script>", ""),
    ("", _CONTAINER + _LOADER),
)


@pytest.mark.parametrize(("head", "body"), _UNNAMED)
def test_a_programmes_own_widget_configured_with_its_id_is_found(head: str, body: str) -> None:
    """Reported under the programme's `widget` name (Booking.com's is its [[script]] entry's)."""
    assert _services(head, body) == {"booking_affiliate_widget"}


@pytest.mark.parametrize(
    "embed",
    [
        '<script src="https://widgets.booking.com/loader.js"></script>',  # no id: the programme's own page script
        '<script src="https://widgets.booking.com/loader.js" data-said="12"></script>',  # another parameter
        '<script src="https://cdn.example/loader.js" data-aid="1596094"></script>',  # not the programme's host
    ],
)
def test_a_script_without_the_programmes_host_and_id_is_no_widget(embed: str) -> None:
    assert not {s for s in _services(embed) if s.endswith("_widget")}


@pytest.mark.parametrize(
    "body",
    [
        _CONTAINER.replace("data-aid", "data-said") + _LOADER,  # another parameter
        _CONTAINER.replace("booking.com", "hotels.example") + _LOADER,  # a link to another site
        _CONTAINER,  # no loader after it
        _CONTAINER + "<p>More below.</p>" + _LOADER,  # the loader follows another element
        _CONTAINER + "<script>window.dataLayer = window.dataLayer || [];</script>",  # a script that loads none
        _CONTAINER.replace("?aid=1596094", ""),  # the fallback link carries no id
        _CONTAINER.replace("?aid=1596094", "?aid=777"),  # another id than the element's
        # the parameter's name inside another attribute's name, or set only in a value
        '<div data-gtm-tag="buy-button"><a href="https://www.amazon.com/dp/B01?tag=buy-button">Amazon</a></div>'
        + _LOADER,
        '<div data-url="https://www.amazon.de/dp/B01?tag=site-21"><a href="https://www.amazon.de/dp/B01?tag=site-21">'
        "Buy</a></div>" + _LOADER,
        '<figure data-caption="The price tag: 99"><a href="https://www.amazon.com/dp/B01?tag=99">Buy</a></figure>'
        + _LOADER,
    ],
)
def test_an_element_that_is_not_a_programmes_widget_container_is_no_widget(body: str) -> None:
    assert not {s for s in _services("", body) if s.endswith("_widget")}


def test_one_element_is_one_widget() -> None:
    """Amazon's links are two catalogue entries (its shop and its redirects): the element is still one widget."""
    body = '<div data-tag="site-21"><a href="https://www.amazon.com/dp/B01?tag=site-21">Buy</a></div>' + _LOADER
    assert [s for s in _services("", body) if s.endswith("_widget")] == ["amazon_widget"]


def test_nested_elements_read_a_bounded_number_of_links(monkeypatch: pytest.MonkeyPatch) -> None:
    """A hostile page nests elements with a programme's `data-*` attribute, thousands of links inside, each
    followed by a loader: each element reads at most `FALLBACK_LINKS` of them, not all of them per level."""
    from auditor import pipeline

    calls = 0
    host = pipeline._host

    def counted(url: str) -> str:
        nonlocal calls
        calls += 1
        return host(url)

    monkeypatch.setattr(pipeline, "_host", counted)
    levels, links = 200, 2_000
    inner = "".join(f'<a href="/p/{i}">{i}</a>' for i in range(links))
    page = inner
    for _ in range(levels):
        page = f'<div data-aid="1">{page}</div>{_LOADER}'
    _services("", page)
    assert calls <= (levels + 1) * pipeline.FALLBACK_LINKS + links


def test_the_widget_is_found_without_knowledge_met_on_the_page() -> None:
    """The rule needs no [[script]] entry: with the GetYourGuide entry held out, its v2 embed is still found."""
    from auditor.config import Config

    embed = (
        '<script async src="//widget.getyourguide.com/v2/core.js" '
        "onload=\"GYG.Widget(el, {'currency': 'EUR', 'partnerId': 'YBX1SD2'});\"></script>"
    )
    page = f"<html><head>{embed}</head><body><main>{_ARTICLE}</main></body></html>"
    config = Config(held_out=frozenset({"unterwegsinberlin.de"}))
    found = audit_html(page, url="https://travel.example/walk/", config=config).scripts
    assert [s.service for s in found] == ["getyourguide_widget"]
    assert "partnerId" in found[0].evidence
