"""The disclosure wording in rules/disclosures.toml: its examples classify as documented, and the keyword filter
never hides a pattern."""

from __future__ import annotations

import re
import tomllib

import pytest

from auditor.disclosures import classify_text, wording
from auditor.rulefiles import rules_dir

WORDING = wording()
DATA = tomllib.loads((rules_dir() / "disclosures.toml").read_text(encoding="utf-8"))


@pytest.mark.parametrize(("text", "kind"), WORDING.examples, ids=[t[:40] for t, _ in WORDING.examples])
def test_examples(text: str, kind: str) -> None:
    assert classify_text(text, WORDING)[0] == kind


def test_every_pattern_carries_a_keyword() -> None:
    """Long texts are searched only where a keyword starts a word; a pattern without one would never run."""
    keywords = [k for k in DATA["keywords"] if k[:1].isalnum()]
    symbols = [k for k in DATA["keywords"] if not k[:1].isalnum()]  # found anywhere: "*", "#ad", "(aff)"
    languages = [k for k, v in DATA.items() if isinstance(v, dict)]
    for language in languages:
        for key in ("explanatory", "label", "ad_marker"):
            for entry in DATA[language].get(key, ()):
                pattern = entry if isinstance(entry, str) else entry["pattern"]
                literal = re.sub(r"\\[a-zA-Z]", " ", pattern).lower()
                unescaped = re.sub(r"\\(\W)", r"\1", pattern).lower()
                assert any(re.search(rf"(?<![a-zäöüß]){re.escape(k)}", literal) for k in keywords) or any(
                    k in unescaped for k in symbols
                ), f"{language}.{key}: {pattern!r} has no keyword at a word start"


@pytest.mark.parametrize(
    ("text", "near", "text_near", "kind"),
    [
        ("Anzeige", True, True, "label_only"),
        ("- Anzeige -", True, False, "none"),  # over an image banner: a display ad
        ("Anzeige", False, False, "none"),  # nothing to label
        ("Geschenkideen – Werbung", True, False, "label_only"),
        ("Sponsored Links", False, False, "none"),
        ("paid link", True, True, "label_only"),
        # a label opening the line of its links, bare or bracketed, with the links in the same block
        ("[Werbung] Angebot bei Otto", True, True, "label_only"),
        ("Reklame: Jetzt im Angebot", True, True, "label_only"),
        ("(Anzeige) Zum Shop", True, True, "label_only"),
        ("Ad: The kettle at Target", True, True, "label_only"),
        ("[Ad] Shop the kettle", True, True, "label_only"),
        ("Adjustable kettle stand", True, True, "none"),
        ("Ad hoc reviews of kettles", True, True, "none"),
        ("Reklame: Jetzt im Angebot", False, False, "none"),  # no affiliate link to label
    ],
)
def test_advertising_labels_need_affiliate_links_beside_them(text: str, near: bool, text_near: bool, kind: str) -> None:
    assert classify_text(text, WORDING, near, text_near)[0] == kind


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        # a marker beside the link in running text (Amazon's "(paid link)" and "#ad"; the Medienanstalten's labels)
        ("Our pick is the Fellow Stagg EKG (paid link), which held its temperature best of the eight.", "label_only"),
        (
            "Grab the kettle while it is on sale #ad and brew better pour-over coffee every single morning.",
            "label_only",
        ),
        ("Der Wasserkocher von Fellow (Werbung) hielt die Temperatur am besten von allen acht Geräten.", "label_only"),
        ("Unser Favorit ist der Stagg EKG (Anzeige), der die Temperatur über den ganzen Guss hielt.", "label_only"),
        ("Try YNAB (aff) for a month: it changed how we plan our household budget and our savings.", "label_only"),
        ("We paid for the kettle ourselves (paid link or not, we never accept free samples from brands).", "none"),
        ("Use the #address field in the form to tell the shop where your new kettle should be sent.", "none"),
    ],
)
def test_a_marker_beside_a_link_labels_it(text: str, kind: str) -> None:
    assert classify_text(text, WORDING, True, True)[0] == kind
    assert classify_text(text, WORDING, False, False)[0] == "none" or kind == "none"  # no link: no label


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Dieser Beitrag enthält Werbung.", "label_only"),
        ("Many or all of the products featured here are from our partners who compensate us.", "explanatory"),
        ("We are compensated in exchange for placement of sponsored products and services.", "explanatory"),
        ("Workers are compensated for overtime under the new agreement.", "none"),
        ("As nurses, we are compensated for overtime at one and a half times the hourly rate.", "none"),
        ("If the airline cancels, we are compensated under EU rule 261.", "none"),
        ("Die kostenlose Version enthält Werbung, die sich in den Einstellungen abschalten lässt.", "none"),
    ],
)
def test_publishers_standard_sentences(text: str, kind: str) -> None:
    assert classify_text(text, WORDING)[0] == kind


def test_vague_terms_are_found() -> None:
    assert WORDING.vague.search("We may earn a commission")
    assert not WORDING.vague.search("We earn a commission on every sale through these links")


def test_a_bracketed_label_may_open_a_line_of_affiliate_text_links() -> None:
    line = "[Werbung] Thiele, C. (2021). Positiv führen: Stärken erkennen und nutzen. Freiburg: Haufe."
    assert classify_text(line, WORDING, True, True)[0] == "label_only"
    assert classify_text(line, WORDING, True, False)[0] == "none"  # beside an image banner: a display ad
    prose = "Paid links are a risky SEO tactic that search engines punish, as three studies have shown by now."
    assert classify_text(prose, WORDING, True, True)[0] == "none"


def test_a_page_is_searched_for_english_german_and_the_language_it_declares() -> None:
    from auditor import audit_html

    said = "Nous percevons une petite commission si vous achetez via nos liens."
    links = "<p><a href='https://www.amazon.fr/dp/B000TEST01?tag=pub-21'>Bouilloire</a></p>"
    for lang, found in (("fr", "explanatory"), ("it", "none"), ("", "explanatory")):
        declared = f" lang='{lang}'" if lang else ""
        page = f"<html{declared}><body><main><p>{said}</p>{links}</main></body></html>"
        assert audit_html(page, url="https://blog.example/x/").disclosure.kind == found, lang


@pytest.mark.parametrize(
    ("text", "points_at_a_disclosure"),
    [
        ("Affiliate and FTC Disclosure", True),
        ("FTC & Affiliate Disclosures", True),
        ("Advertising & Affiliate Disclaimer", True),
        ("Read our affiliate disclosure.", True),
        ("Affiliate and Advertising Policy", True),
        ("Responsible Disclosure", False),  # a security page
        ("Financial Disclosure", False),
        ("Editorial Policy", False),
        ("Advertising Policy", False),  # how ads are placed: says nothing of paid links
        # Japanese footer links after the Consumer Affairs Agency's stealth-marketing rule
        ("広告表記", True),
        ("広告・アフィリエイト表記について", True),
        ("PR表示", True),
        ("プロモーション表記", True),
        ("PR・アフィリエイトの表記", True),
        ("アフィリエイト広告に関する表示", True),
        ("プライバシーポリシー・広告ポリシー", True),
        ("プライバシーポリシー・免責事項", False),
        ("運営者情報", False),
        ("アフィリエイトで稼ぐ方法", False),  # an article on how to earn from affiliation
    ],
)
def test_names_of_a_disclosure_page(text: str, points_at_a_disclosure: bool) -> None:
    assert bool(WORDING.link_only.search(text)) is points_at_a_disclosure
    if points_at_a_disclosure:  # and a page's footer link so named is read as one (its text passes the filter)
        from auditor import audit_html

        link = "<p><a href='https://www.amazon.com/dp/B000TEST01?tag=pub-20'>Kettle</a></p>"
        html = f"<html><body><main>{link}</main><footer><a href='/d/'>{text}</a></footer></body></html>"
        assert audit_html(html, url="https://blog.example/k/").disclosure.kind == "link_only", text


def test_a_button_naming_the_disclosure_counts_as_a_link_to_it() -> None:
    from auditor import audit_html

    link = "<p>Apply for the <a href='https://www.awin1.com/cread.php?awinmid=1&awinaffid=2'>Sapphire card</a>.</p>"
    prose = "<p>We compared fourteen travel cards on fees, points and lounge access over six months.</p>"
    for control, kind in (("<button>Advertiser Disclosure</button>", "link_only"), ("<h2>Our picks</h2>", "none")):
        html = f"<html><body><main>{control}{prose}{link}</main></body></html>"
        assert audit_html(html, url="https://cards.example/best/").disclosure.kind == kind, control
