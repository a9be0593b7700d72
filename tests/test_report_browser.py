"""The HTML report in a real headless browser (Debian's chromium driven by Playwright): no console error, no
request to any host, colours that tell the page's anatomy, sorting and filtering, hostile page text that cannot
run, and a report a person can use: axe-core finds no serious accessibility violation, nothing is wider than a
phone or a wide screen, chart text is at least 12 px, and the print stylesheet prints every folded part.

Checked on the seed page, a long real review page and a 300-page site."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from auditor import Config, audit_file, audit_html, to_dict
from auditor.contract import failed_page
from auditor.report.html import render
from auditor.rulefiles import load_rules
from auditor.site import assemble, from_results

from .browser import CHROMIUM, chromium, opened
from .conftest import CORPUS, SAMPLES, corpus_rows
from .sitegen import Site

pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed")
COLOURS = {"editorial": "rgb(0, 114, 178)", "affiliate": "rgb(213, 94, 0)", "disclosure": "rgb(0, 158, 115)"}
# A long real review: 51 tools, ~100 affiliate links of several networks, ~390 blocks, findings of six rules
REVIEW = "pages/wceb-tiptopjaw/fieldedge.com__0068.html"
WIDTHS = (400, 1400)  # a phone and a wide screen


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as instance:
        yield instance


@pytest.fixture(autouse=True)
def close_pages(browser: Any) -> Iterator[None]:
    yield
    for context in browser.contexts:
        context.close()


def sample(name: str) -> dict[str, Any]:
    expected = json.loads((SAMPLES / f"{name}.expected.json").read_text(encoding="utf-8"))
    return to_dict(audit_file(SAMPLES / f"{name}.html", url=expected["url"]))


def review() -> dict[str, Any]:
    row = next((r for r in corpus_rows() if r["local_file"] == REVIEW), None)
    if row is None or not (CORPUS / REVIEW).is_file():
        pytest.skip(f"the real-page corpus (with {REVIEW}) is not at {CORPUS}")
    return to_dict(audit_file(CORPUS / REVIEW, url=row["page_url"]))


def big_site() -> dict[str, Any]:
    """300 pages of many sites, as a batch gives them: generated articles on ten hosts, real pages of the corpus
    where it is at hand, and pages that were not audited (a redirect, a PDF, a server error)."""
    generated = Site(articles=300)
    config = Config()
    pages = []
    rows = corpus_rows()[::16] if (CORPUS / "MANIFEST.tsv").is_file() else []
    for row in rows:
        page = to_dict(audit_file(CORPUS / row["local_file"], url=row["page_url"]))
        pages.append({**page, "crawl": {"status": 200}})
    failed = [
        ("https://kettles3.example/old", "redirects to https://kettles3.example/new", 301),
        ("https://kettles3.example/files/guide.pdf", "not HTML (application/pdf); skipped", 200),
        ("https://kettles4.example/broken", "HTTP 500 from the server", 500),
    ]
    for n in range(1, 301 - len(pages) - len(failed)):
        page = to_dict(audit_html(generated.article(n), f"https://kettles{n % 10}.example/articles/{n}", config))
        pages.append({**page, "crawl": {"status": 200}})
    pages += [{**failed_page(url, error), "crawl": {"status": status}} for url, error, status in failed]
    return assemble(from_results(pages))


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The three reports every layout and accessibility check runs on, rendered once."""
    folder = tmp_path_factory.mktemp("reports")
    made = {}
    for name, result in (("seed", lambda: sample("seed-article")), ("site", big_site)):
        path = folder / f"{name}.html"
        path.write_text(render(result()), encoding="utf-8")
        made[name] = path
    if (CORPUS / REVIEW).is_file():
        path = folder / "review.html"
        path.write_text(render(review()), encoding="utf-8")
        made["review"] = path
    return made


def report_path(reports: dict[str, Path], name: str) -> Path:
    if name not in reports:
        pytest.skip(f"the real-page corpus (with {REVIEW}) is not at {CORPUS}")
    return reports[name]


def open_report(
    browser: Any, html: str | Path, tmp_path: Path, javascript: bool = True, width: int = 1280
) -> tuple[Any, dict[str, list[str]]]:
    if isinstance(html, Path):
        path = html
    else:
        path = tmp_path / "report.html"
        path.write_text(html, encoding="utf-8")
    context = browser.new_context(java_script_enabled=javascript, viewport={"width": width, "height": 900})
    return opened(context, path)


def only_itself(seen: dict[str, list[str]], path: Path) -> bool:
    return all(url == path.as_uri() for url in seen["requests"])


def test_page_report_opens_clean_and_shows_the_anatomy(browser: Any, tmp_path: Path) -> None:
    result = sample("seed-like-news")
    page, seen = open_report(browser, render(result), tmp_path)
    assert seen["console"] == []
    assert only_itself(seen, tmp_path / "report.html"), seen["requests"]
    page.screenshot(path=str(tmp_path / "page.png"), full_page=True)
    assert (tmp_path / "page.png").stat().st_size > 10_000
    # the map's colours say what each block is
    for kind, colour in COLOURS.items():
        segment = page.locator(f".map .seg[data-kind={kind}]").first
        assert segment.evaluate("e => getComputedStyle(e).backgroundColor") == colour, kind
    # the first affiliate link comes before the first disclosure, visibly
    first_link = next(link["block"] for link in result["links"] if link["affiliate"])
    first_disclosure = result["disclosure"]["statements"][0]["block"]
    top_link = page.locator(f'.map .seg[href="#b{first_link}"]').bounding_box()
    top_disclosure = page.locator(f'.map .seg[href="#b{first_disclosure}"]').bounding_box()
    assert top_link["y"] < top_disclosure["y"]
    assert page.locator(f'.map .seg[href="#b{first_link}"]').evaluate("e => e.classList.contains('k-affiliate')")
    assert "▲" in page.locator(f'.map .seg[href="#b{first_link}"]').inner_text()
    assert "◆" in page.locator(f'.map .seg[href="#b{first_disclosure}"]').inner_text()
    # findings sit under their rule, and the repetition shows side by side
    assert page.locator(".rule.error .finding").count() >= 1
    assert page.locator(".finding .pair").count() >= 2


def test_findings_are_grouped_under_their_rule_in_plain_words(browser: Any, reports: dict[str, Path]) -> None:
    """Each rule once, with its plain why and fix and its first source; never its technical description; plain
    labels for every value; no weight of "minus 0"."""
    rules = {rule.id: rule for rule in load_rules()}
    for name in ("seed", "review"):
        page, _ = open_report(browser, report_path(reports, name), reports[name].parent)
        sections = page.locator("section.rule")
        ids = [s.get_attribute("aria-labelledby") for s in sections.all()]
        assert len(ids) == len(set(ids)) and ids, ids  # one section a rule
        text = page.evaluate("document.body.textContent")
        for section in sections.all():
            rule = rules[section.locator("h3 code, .muted code").first.inner_text()]
            assert section.locator(".why").count() == (1 if rule.why else 0), rule.id
            assert section.locator(".fix").count() == (1 if rule.fix else 0), rule.id
            if rule.fix:
                assert rule.sources[0] in section.locator(".fix").inner_text()
        for rule in rules.values():
            assert rule.description[:60] not in text, rule.id
        assert "−0" not in text
        # what a person reads about a value: words and percentages, not the JSON's spelling
        shown = page.eval_on_selector_all(
            "dl.evidence dd, dl.evidence dt, .facts, th",  # less the URLs and page text in them
            "els => els.map(e => { const c = e.cloneNode(true); c.querySelectorAll('a, code').forEach(a => a.remove());"
            " return c.textContent; }).join(' ')",
        )
        assert not re.search(r"\b[a-z]+_[a-z_]+\b", shown), re.findall(r"\b[a-z]+_[a-z_]+\b", shown)[:5]
        assert not re.search(r"\b0\.\d{2,}", shown), re.findall(r"\b0\.\d{2,}", shown)[:5]
        # headers and numbers never break inside a word
        wraps = page.eval_on_selector_all(
            "th, td.num", "els => els.map(e => getComputedStyle(e).whiteSpace).filter(w => w !== 'nowrap')"
        )
        assert wraps == []


def test_phone_width_and_no_javascript(browser: Any, tmp_path: Path) -> None:
    html = render(sample("clean-review"))
    page, seen = open_report(browser, html, tmp_path, javascript=False)
    page.set_viewport_size({"width": 390, "height": 800})
    assert page.locator(".map").is_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 400, width  # nothing wider than the phone
    assert seen["console"] == []


WIDER_THAN_THE_VIEW = """() => [...document.querySelectorAll('body *')].filter(e => {
  const r = e.getBoundingClientRect();
  return r.width > 0 && r.right > innerWidth + 0.5 && !e.closest('.table-wrap');
}).slice(0, 5).map(e => e.tagName + '.' + e.className + ': ' + (e.textContent || '').slice(0, 60))"""


@pytest.mark.parametrize("name", ["seed", "review", "site"])
@pytest.mark.parametrize("width", WIDTHS)
def test_nothing_is_wider_than_a_phone_or_a_wide_screen(
    browser: Any, reports: dict[str, Path], name: str, width: int
) -> None:
    page, seen = open_report(browser, report_path(reports, name), reports[name].parent, width=width)
    page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")  # all of it, unfolded
    assert page.evaluate("document.scrollingElement.scrollWidth <= innerWidth"), page.evaluate(
        "[document.scrollingElement.scrollWidth, innerWidth]"
    )
    assert page.evaluate(WIDER_THAN_THE_VIEW) == []
    assert seen["console"] == []


CHART_TEXT = """() => [...document.querySelectorAll('svg.chart text')].map(t => {
  const m = t.getScreenCTM();
  return [t.textContent, parseFloat(getComputedStyle(t).fontSize) * Math.hypot(m.a, m.b)];
})"""


@pytest.mark.parametrize("width", WIDTHS)
def test_site_charts_read_at_a_glance(browser: Any, reports: dict[str, Path], width: int) -> None:
    page, _ = open_report(browser, reports["site"], reports["site"].parent, width=width)
    sizes = page.evaluate(CHART_TEXT)
    assert sizes and all(size >= 12 for _, size in sizes), [s for s in sizes if s[1] < 12][:5]
    charts = page.locator("svg.chart")
    assert charts.count() == 3
    for chart in charts.all():
        assert chart.locator("title").count() >= 3  # the chart's own and one a bar, shown on hover
    density = page.locator("svg.chart").nth(1)
    assert "links per 1,000 words" in density.inner_html() and "pages" in density.inner_html()
    audited = page.locator("#pages-table tbody tr:not([data-status=not_audited])").count()
    counts = [int(t) for t in density.locator("text.count").all_text_contents()]
    assert len(counts) >= 5 and sum(counts) == audited  # a histogram: every audited page in one bin
    placements = page.locator("svg.chart").nth(2).inner_html()
    assert "no affiliate links" in placements and "affiliate links, no disclosure" in placements


# Rows past the first few of a long table repeat the same markup with other data; checking the colour contrast of
# each of them would take most of a minute, so axe leaves them out.
REPEATED_ROWS = [
    ["#pages-table tbody tr:nth-child(n+21):nth-last-child(n+11)"],
    ["#blocks-table tbody tr:nth-child(n+31)"],
    ["#links-table tbody tr:nth-child(n+31)"],
    [".rule details li:nth-child(n+21)"],
    [".finding li:nth-child(n+21)"],
]


@pytest.mark.parametrize("name", ["seed", "review", "site"])
def test_no_serious_accessibility_violation(browser: Any, reports: dict[str, Path], name: str) -> None:
    """axe-core (bundled by axe-playwright-python, run inside the page) finds nothing serious or critical, with
    every folded part open."""
    axe = pytest.importorskip("axe_playwright_python.sync_playwright", reason="axe-playwright-python is missing")
    page, _ = open_report(browser, report_path(reports, name), reports[name].parent)
    page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
    results = axe.Axe().run(page, context={"exclude": REPEATED_ROWS}, options={"resultTypes": ["violations"]})
    bad = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    assert not bad, results.generate_report()


def test_print_opens_every_folded_part_and_holds_nothing_sticky(browser: Any, reports: dict[str, Path]) -> None:
    for name in ("seed", "site"):
        page, _ = open_report(browser, reports[name], reports[name].parent, javascript=False)
        page.emulate_media(media="print")
        hidden = page.eval_on_selector_all(
            "details > :not(summary)", "els => els.filter(e => e.getBoundingClientRect().height === 0).length"
        )
        assert hidden == 0, name
        sticky = page.eval_on_selector_all(
            "body *", "els => els.filter(e => ['sticky', 'fixed'].includes(getComputedStyle(e).position)).length"
        )
        assert sticky == 0, name
        # a grade is a word as well as a colour
        badge = page.locator(".score").first.inner_text().lower()
        assert any(word in badge for word in ("good", "needs work", "poor")), badge


def test_site_report_sorts_filters_and_unfolds(browser: Any, tmp_path: Path) -> None:
    pages = [sample(name) for name in ("seed-like-news", "clean-review", "hostile")]
    site = assemble(from_results(pages))
    page, seen = open_report(browser, render(site), tmp_path)
    assert seen["console"] == [] and only_itself(seen, tmp_path / "report.html")
    rows = page.locator("#pages-table tbody tr")
    assert rows.count() == 3

    def scores() -> list[int]:
        return [int(s) for s in page.locator("#pages-table tbody tr .pill").all_inner_texts()]

    assert scores() == sorted(scores())  # worst first
    page.locator("#pages-table thead button", has_text="score").click()
    assert scores() == sorted(scores())
    page.locator("#pages-table thead button", has_text="score").click()
    assert scores() == sorted(scores(), reverse=True)
    page.fill("#filter", "railledger")
    assert page.locator("#pages-table tbody tr:not([hidden])").count() == 1
    assert "1 of 3" in page.locator("#shown").inner_text()
    page.fill("#filter", "")
    page.select_option("#status", "before_first_affiliate_link")
    assert page.locator("#pages-table tbody tr:not([hidden])").count() == 2
    assert page.locator("svg.chart").count() == 3
    # every row unfolds to its page's findings, without script
    first = rows.first
    assert not first.locator(".page-detail").is_visible()
    first.locator("summary").click()
    assert first.locator(".page-detail .sev").count() >= 1


def test_big_site_says_what_was_audited_and_scores_only_audited_pages(browser: Any, reports: dict[str, Path]) -> None:
    page, seen = open_report(browser, reports["site"], reports["site"].parent)
    assert seen["console"] == []
    title = page.locator("h1").inner_text()
    assert re.fullmatch(r"Affiliate audit: \d+ sites(, \d+ files?)?", title), title  # corpus pages saved without a URL
    assert page.locator("#pages-table tbody tr").count() == 300
    assert page.locator("#pages-table tbody tr details").count() == 300
    skipped = page.locator("#pages-table tbody tr[data-status=not_audited]")
    assert skipped.count() == 3
    for row in skipped.all():
        assert row.locator(".pill").count() == 0 and "not audited: " in row.inner_text()
    # not audited pages sort last, whichever way the scores go
    button = page.locator("#pages-table thead button", has_text="score")
    for _ in range(2):
        button.click()
        assert page.locator("#pages-table tbody tr").last.get_attribute("data-status") == "not_audited"


def test_hostile_page_text_cannot_run(browser: Any, tmp_path: Path) -> None:
    result = sample("hostile")
    for html in (render(result), render(assemble(from_results([result])))):
        page, seen = open_report(browser, html, tmp_path)
        page.mouse.move(200, 200)
        page.hover("h1")
        page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
        assert page.evaluate("window.__pwned === undefined")
        assert seen["dialogs"] == [] and seen["console"] == []
        assert only_itself(seen, tmp_path / "report.html"), seen["requests"]
        hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
        assert hrefs and all(h.startswith(("#", "http://", "https://")) for h in hrefs), hrefs
        handlers = page.eval_on_selector_all(
            "*", "els => els.flatMap(e => [...e.attributes].filter(a => a.name.startsWith('on')).map(a => a.name))"
        )
        assert handlers == []
        assert page.locator("script").count() == 1  # the report's own
        assert page.locator("iframe, object, embed, svg[onload]").count() == 0
        title = page.locator("h1, .page-detail strong").all_inner_texts()
        assert any("<script>" in t and "{{ 7*7 }}" in t for t in title), title  # shown as text, not run
