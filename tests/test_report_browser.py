"""The HTML report in a real headless browser (Debian's chromium driven by Playwright): no console error, no
request to any host, colours that tell the page's anatomy, sorting and filtering, and hostile page text that
cannot run."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from auditor import audit_file, to_dict
from auditor.report.html import render
from auditor.site import assemble, from_results

from .conftest import SAMPLES

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
playwright = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed")
COLOURS = {"editorial": "rgb(0, 114, 178)", "affiliate": "rgb(213, 94, 0)", "disclosure": "rgb(0, 158, 115)"}


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with playwright.sync_playwright() as p:
        instance = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-default-apps",
            ],
        )
        yield instance
        instance.close()


def sample(name: str) -> dict[str, Any]:
    expected = json.loads((SAMPLES / f"{name}.expected.json").read_text(encoding="utf-8"))
    return to_dict(audit_file(SAMPLES / f"{name}.html", url=expected["url"]))


def open_report(browser: Any, html: str, tmp_path: Path, javascript: bool = True) -> tuple[Any, dict[str, list[str]]]:
    path = tmp_path / "report.html"
    path.write_text(html, encoding="utf-8")
    context = browser.new_context(java_script_enabled=javascript, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    seen: dict[str, list[str]] = {"console": [], "requests": [], "dialogs": []}
    page.on("console", lambda m: seen["console"].append(m.text) if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: seen["console"].append(str(e)))
    page.on("request", lambda r: seen["requests"].append(r.url))
    page.on("dialog", lambda d: (seen["dialogs"].append(d.message), d.dismiss()))
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    return page, seen


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
    # findings carry their rule, why it matters, and the repetition side by side
    assert page.locator(".finding.error").count() >= 1
    assert page.get_by_text("Why it matters").count() >= 1
    assert page.locator(".finding .pair").count() >= 2


def test_phone_width_and_no_javascript(browser: Any, tmp_path: Path) -> None:
    html = render(sample("clean-review"))
    page, seen = open_report(browser, html, tmp_path, javascript=False)
    page.set_viewport_size({"width": 390, "height": 800})
    assert page.locator(".map").is_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 400, width  # nothing wider than the phone
    assert seen["console"] == []


def test_site_report_sorts_and_filters(browser: Any, tmp_path: Path) -> None:
    pages = [sample(name) for name in ("seed-like-news", "clean-review", "hostile")]
    site = assemble(from_results(pages))
    page, seen = open_report(browser, render(site), tmp_path)
    assert seen["console"] == [] and only_itself(seen, tmp_path / "report.html")
    rows = page.locator("#pages-table tbody tr")
    assert rows.count() == 3

    def scores() -> list[int]:
        return [int(s) for s in page.locator("#pages-table tbody tr td:first-child").all_inner_texts()]

    assert scores() == sorted(scores())  # worst first
    page.locator("#pages-table thead button", has_text="score").click()
    assert scores() == sorted(scores())
    page.locator("#pages-table thead button", has_text="score").click()
    assert scores() == sorted(scores(), reverse=True)
    page.fill("#filter", "railledger")
    assert page.locator("#pages-table tbody tr:not([hidden])").count() == 1
    assert "1 of 3" in page.locator("#shown").inner_text()
    page.fill("#filter", "")
    page.select_option("#placement", "before_first_affiliate_link")
    assert page.locator("#pages-table tbody tr:not([hidden])").count() == 2
    assert page.locator("svg.chart").count() == 3


def test_hostile_page_text_cannot_run(browser: Any, tmp_path: Path) -> None:
    result = sample("hostile")
    for html in (render(result), render(assemble(from_results([result])))):
        page, seen = open_report(browser, html, tmp_path)
        page.mouse.move(200, 200)
        page.hover("h1")
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
        title = page.locator("h1, h3").all_inner_texts()
        assert any("<script>" in t and "{{ 7*7 }}" in t for t in title), title  # shown as text, not run
