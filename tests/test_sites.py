"""A host's site, as the pages, links and cross-validation folds count it: its registrable domain."""

from __future__ import annotations

import pytest

from auditor.evaluation import site
from auditor.links import target
from auditor.networks import merchant_name, site_of


def test_blogs_on_a_shared_host_are_sites_of_their_own() -> None:
    # blogspot.com and github.io sell no names but give them away: the Public Suffix List's private section
    assert site_of("alice.blogspot.com") == "alice.blogspot.com"
    assert site_of("alice.blogspot.com") != site_of("bob.blogspot.com")
    assert site_of("www.alice.blogspot.com") == "alice.blogspot.com"
    assert site_of("carol.github.io") != site_of("dave.github.io")


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("www.bbc.co.uk", "bbc.co.uk"),
        ("bbc.co.uk", "bbc.co.uk"),
        ("www.shop.example.co.uk", "example.co.uk"),
        ("www.amazon.com.au", "amazon.com.au"),
        ("news.example.com", "example.com"),
        ("example.com.", "example.com"),
        ("WWW.Example.COM", "example.com"),
        ("a.b.example.unknowntld", "example.unknowntld"),
    ],
)
def test_a_hosts_site_is_its_registrable_domain(host: str, expected: str) -> None:
    assert site_of(host) == expected


@pytest.mark.parametrize("host", ["127.0.0.1", "192.168.1.20", "::1", "2001:db8::1", "localhost", "co.uk", "github.io"])
def test_an_address_or_a_bare_suffix_is_its_own_site(host: str) -> None:
    assert site_of(host) == host


def test_an_idn_host_is_one_site_however_it_is_spelt() -> None:
    assert site_of("www.münchen.de") == "münchen.de"
    assert site_of("shop.xn--mnchen-3ya.de") == "münchen.de"
    assert site_of("www.example.xn--p1ai") == "example.рф"
    assert merchant_name("www.münchen.de") == "münchen"


def test_hosts_no_registry_knows_never_raise() -> None:
    for host in ("", ".", "..", "a..com", "-", "xn--.com", "xn--zz--.de", "x" * 300 + ".com"):
        assert isinstance(site_of(host), str)


def test_links_pages_and_folds_count_sites_alike() -> None:
    url = target("https://bob.blogspot.com/2024/01/post.html")
    assert url is not None and url.site == "bob.blogspot.com"
    assert site({"page_url": "https://alice.blogspot.com/p/about.html", "local_file": "a.html"}) == "alice.blogspot.com"
    assert site({"page_host": "WWW.BBC.CO.UK", "local_file": "b.html"}) == "bbc.co.uk"
    assert site({"page_url": "", "local_file": "c.html"}) == "c.html"
