"""`auditor diff`: two crawls of a small site on 127.0.0.1, between which pages change, compared.

Between the crawls one page loses its disclosure, one gains an affiliate plug, one is deleted, one is added and one
has a paragraph edited that no finding is about. The diff must report exactly those changes, and nothing new or
fixed on the edited page (a finding's identity survives an unrelated edit: auditor/identity.py)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from auditor.cli import main
from auditor.diff import compare, fails
from auditor.report.diff import render

from .browser import chromium, opened
from .localserver import send, serve

DISCLOSURE = "<p>We earn a commission when you buy through the links on this page, at no extra cost to you.</p>"
ARTICLES = {
    "/kettles": (
        "Kettles",
        "<p>The kettle boils a litre in three minutes and is quiet enough for a shared office early in the day.</p>"
        "<p>Its gooseneck spout pours a thin steady stream for pour-over coffee, and the handle stays cool.</p>"
        '<p><a href="https://www.amazon.com/dp/B000KETTLE?tag=brew-20">Check the kettle on Amazon</a></p>',
    ),
    "/grinders": (
        "Grinders",
        "<p>A burr grinder gives an even grind, which matters more to the cup than the price of the beans.</p>"
        "<p>We ground light and dark roasts for two weeks and measured the particle spread with a sieve set.</p>"
        '<p><a href="https://www.amazon.com/dp/B000GRIND?tag=brew-20">See the grinder on Amazon</a></p>',
    ),
    "/mugs": (
        "Mugs",
        "<p>A double-walled glass mug keeps coffee hot for twenty minutes without burning the fingers.</p>"
        "<p>{edit}We dropped each mug on a kitchen floor of tiles from waist height, ten times over.</p>"
        '<p><a href="https://www.amazon.com/dp/B000MUGS?tag=brew-20">Buy the mug on Amazon</a></p>',
    ),
    "/scales": (
        "Scales",
        "<p>A coffee scale with a timer makes each brew repeatable, gram by gram and second by second.</p>"
        '<p><a href="https://www.amazon.com/dp/B000SCALE?tag=brew-20">Buy the scale on Amazon</a></p>',
    ),
    "/filters": (
        "Filters",
        "<p>Paper filters give a clean cup; metal ones let the oils through for a heavier body.</p>"
        '<p><a href="https://www.amazon.com/dp/B000FILTER?tag=brew-20">Buy filters on Amazon</a></p>',
    ),
}
PLUG = '<p><a href="https://www.amazon.com/dp/B000SCALE2?tag=brew-20">Our favourite scale, on Amazon</a></p>'


def site(version: int) -> dict[str, bytes]:
    """The site's pages at each crawl: path -> HTML."""
    paths = (
        ["/kettles", "/grinders", "/mugs", "/scales"]
        if version == 1
        else ["/kettles", "/grinders", "/mugs", "/filters"]
    )
    nav = "<nav>" + " ".join(f'<a href="{p}">{ARTICLES[p][0]}</a>' for p in paths) + "</nav>"

    def page(title: str, body: str) -> bytes:
        html = f"<html><head><title>{title}</title></head><body>{nav}<main><h1>{title}</h1>{body}</main>"
        return (html + "<footer><p>Brew Notes, a coffee blog.</p></footer></body></html>").encode()

    pages = {"/": page("Brew Notes", "<p>Reviews of the things we brew coffee with, tested at home.</p>")}
    for path in paths:
        title, body = ARTICLES[path]
        disclosure = "" if (version == 2 and path == "/kettles") else DISCLOSURE
        plug = PLUG if (version == 2 and path == "/grinders") else ""
        edit = "After a month, " if version == 2 else ""
        pages[path] = page(title, disclosure + body.replace("{edit}", edit) + plug)
    return pages


def crawl(base: str, db: Path) -> None:
    result = CliRunner().invoke(main, ["crawl", f"{base}/", "--db", str(db), "--delay", "0", "-q", "--workers", "0"])
    assert result.exit_code == 0, result.output


@pytest.fixture(scope="module")
def crawls(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("diff")
    routes: dict[str, Any] = {}

    def publish(pages: dict[str, bytes]) -> None:
        routes.clear()
        for path, html in pages.items():
            routes[path] = lambda handler, html=html: send(handler, 200, html)

    with serve(routes) as base:
        publish(site(1))
        crawl(base, folder / "old.sqlite")
        publish(site(2))
        crawl(base, folder / "new.sqlite")
    return folder / "old.sqlite", folder / "new.sqlite"


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def diff_of(crawls: tuple[Path, Path]) -> dict[str, Any]:
    code, out, err = invoke("diff", str(crawls[0]), str(crawls[1]), "--format", "json")
    assert code == 0, err
    data: dict[str, Any] = json.loads(out)
    return data


def test_the_diff_reports_exactly_the_changes_made(crawls: tuple[Path, Path]) -> None:
    diff = diff_of(crawls)
    assert diff["schema"] == "auditor/diff@1"
    assert (diff["old"]["source"], diff["new"]["source"]) == tuple(map(str, crawls))
    by_status: dict[str, set[str]] = {}
    for page in diff["pages"]:
        by_status.setdefault(page["status"], set()).add(page["url"].rsplit("/", 1)[1])
    assert by_status == {"added": {"filters"}, "removed": {"scales"}, "changed": {"kettles", "grinders", "mugs"}}
    assert diff["summary"]["pages_unchanged"] == 1  # the home page: its menu changed, not its own text
    pages = {p["url"].rsplit("/", 1)[1]: p for p in diff["pages"]}

    kettles = pages["kettles"]  # the disclosure removed: an error, the placement gone, nothing else
    assert kettles["disclosure"]["before"]["placement"] == "before_first_affiliate_link"
    assert kettles["disclosure"]["after"] == {"present": False, "kind": "none", "placement": "none"}
    assert kettles["score"]["after"] < kettles["score"]["before"]
    assert kettles["links"] == {"added": [], "removed": []}
    assert kettles["findings"]["fixed"] == 0 and kettles["findings"]["persisting"] >= 1

    grinders = pages["grinders"]  # the plug: one affiliate link more, the disclosure as it was
    assert [link["href"] for link in grinders["links"]["added"]] == ["https://www.amazon.com/dp/B000SCALE2?tag=brew-20"]
    assert grinders["links"]["removed"] == []
    assert grinders["disclosure"]["before"] == grinders["disclosure"]["after"]
    assert grinders["findings"]["fixed"] == 0

    mugs = pages["mugs"]  # the unrelated edit: the text changed, and no finding is new or fixed
    assert mugs["text_changed"] and mugs["findings"]["persisting"] >= 1
    assert (mugs["findings"]["new"], mugs["findings"]["fixed"]) == (0, 0)
    assert mugs["score"]["before"] == mugs["score"]["after"] and mugs["links"] == {"added": [], "removed": []}
    assert not any(page["text_changed"] for name, page in pages.items() if name != "mugs")

    new = diff["findings"]["new"]
    where = [(f["url"].rsplit("/", 1)[1] if f["url"] else "(site)", f["rule"], f["severity"]) for f in new]
    # the disclosure removed: an error on its page, and one page of four that sells undisclosed on the site; any
    # other new finding is the plug's or the new page's
    assert [(rule, severity) for page, rule, severity in where if page == "kettles"] == [
        ("disclosure-missing", "error")
    ]
    assert [rule for page, rule, _ in where if page == "(site)"] == ["site-disclosure-coverage"]
    assert {page for page, _, _ in where} <= {"kettles", "grinders", "filters", "(site)"}
    assert new == sorted(new, key=lambda f: ["error", "warning", "info"].index(f["severity"]))  # worst first
    assert {"rule", "severity", "message", "url", "selector"} <= set(new[0])
    # the deleted page's findings went with it: nobody fixed them
    assert diff["findings"]["fixed"] == [] and pages["scales"]["findings"]["before"] >= 1
    site = diff["site"]
    assert site["pages_with_affiliate_links"] == {"before": 4, "after": 4, "change": 0}
    assert site["disclosure_coverage"]["before"] == 1 and site["disclosure_coverage"]["after"] == 0.75
    assert site["placements"]["after"]["none"] == site["placements"]["before"].get("none", 0) + 1
    assert site["affiliate_links"]["change"] == 1


def test_fail_on_new_gates_on_the_new_findings_only(crawls: tuple[Path, Path]) -> None:
    old, new = map(str, crawls)
    assert invoke("diff", old, new, "--fail-on-new", "error")[0] == 1
    assert invoke("diff", old, new)[0] == 0  # no gate asked for
    # the same run twice: every finding persists, none is new, and no page changed
    code, out, _ = invoke("diff", new, new, "--fail-on-new", "info", "--format", "json")
    same = json.loads(out)
    assert code == 0 and same["pages"] == [] and same["findings"] == {"new": [], "fixed": []}
    assert same["summary"]["findings_persisting"] > 0


def test_json_lines_and_a_page_result_compare_as_the_crawl_does(crawls: tuple[Path, Path], tmp_path: Path) -> None:
    saved = []
    for db in crawls:
        target = tmp_path / f"{db.stem}.jsonl"
        assert invoke("report", str(db), "--format", "jsonl", "-o", str(target))[0] == 0
        saved.append(target)
    from_lines = json.loads(invoke("diff", *map(str, saved), "--format", "json")[1])
    from_dbs = diff_of(crawls)
    assert from_lines["findings"] == from_dbs["findings"] and from_lines["pages"] == from_dbs["pages"]
    # one page's result each side: the page's own changes, and the same gate
    pages = []
    for lines in saved:
        page = next(p for p in map(json.loads, lines.read_text().splitlines()) if p["url"].endswith("/kettles"))
        pages.append(tmp_path / f"{lines.stem}-kettles.json")
        pages[-1].write_text(json.dumps(page))
    code, out, _ = invoke("diff", *map(str, pages), "--format", "json", "--fail-on-new", "error")
    one = json.loads(out)
    assert code == 1 and [f["rule"] for f in one["findings"]["new"]] == ["disclosure-missing"]
    assert [p["status"] for p in one["pages"]] == ["changed"] and one["site"]["disclosure_coverage"]["after"] == 0


def test_the_text_and_csv_put_the_changes_first(crawls: tuple[Path, Path]) -> None:
    old, new = map(str, crawls)
    code, out, _ = invoke("diff", old, new)
    assert code == 0
    order = ["New findings", "disclosure-missing", "Pages added", "Pages removed", "Changed pages", "Numbers"]
    assert [out.index(word) for word in order] == sorted(out.index(word) for word in order), out
    assert "its own text was edited" in out and "B000SCALE2" in out
    code, out, _ = invoke("diff", old, new, "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    changes = [row["change"] for row in rows]
    assert changes[0] == "finding-new" and rows[0]["severity"] == "error"
    assert {"page-added", "page-removed", "link-added", "disclosure-placement", "text-edited"} <= set(changes)
    assert "finding-fixed" not in changes


def test_an_unreadable_side_is_one_line_and_exit_2(crawls: tuple[Path, Path], tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    for args in ((str(crawls[0]), str(tmp_path / "missing.sqlite")), (str(bad), str(crawls[1]))):
        code, out, err = invoke("diff", *args)
        assert code == 2 and out == ""
        assert len(err.strip().splitlines()) == 1 and err.startswith("error: ") and "Traceback" not in err
    target = tmp_path / "diff.html"
    target.write_text("keep")
    code, _, err = invoke("diff", *map(str, crawls), "-o", str(target))
    assert code == 2 and "--force" in err and target.read_text() == "keep"


def hostile_diff() -> dict[str, Any]:
    """Two one-page results whose page text tries to run in the report and on the terminal."""
    evil = "<script>alert(1)</script>\x1b[2J"
    page: dict[str, Any] = {
        "schema": "auditor/page@1",
        "url": "javascript:alert(1)",
        "error": None,
        "title": evil,
        "score": 90,
        "metrics": {"affiliate_links": 0},
        "blocks": [{"id": 0, "kind": "editorial", "region": "main", "text": "x", "selector": "p"}],
        "links": [],
        "disclosure": {"present": False, "kind": "none", "placement": "none"},
        "findings": [],
    }
    finding = {"rule": "content-plugs", "severity": "warning", "message": evil, "block": 0, "selector": evil}
    return compare(page, {**page, "score": 80, "findings": [finding]}, "old.json", "new.json")


def test_page_text_cannot_run_in_any_format() -> None:
    diff = hostile_diff()
    assert fails(diff, "warning") and not fails(diff, "error")
    html = render(diff, "html")
    assert "<script>alert" not in html and "&lt;script&gt;" in html
    assert 'href="javascript' not in html
    assert "\x1b" not in render(diff, "text")
    assert next(csv.reader(io.StringIO(render(diff, "csv").splitlines()[1])))[3] == "warning"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as instance:
        yield instance


def test_the_html_diff_opens_clean_in_a_browser(crawls: tuple[Path, Path], browser: Any, tmp_path: Path) -> None:
    report = tmp_path / "diff.html"
    code, _, err = invoke("diff", *map(str, crawls), "--format", "html", "-o", str(report))
    assert code == 0, err
    page, seen = opened(browser.new_context(), report)
    assert seen == {"console": [], "requests": [report.as_uri()], "dialogs": []}  # no request to any other host
    assert page.evaluate("document.documentElement.classList.contains('js')")  # its script ran under the CSP
    assert page.locator("h2").all_inner_texts()[:3] == ["New findings, worst first", "Fixed findings", "Pages added"]
    assert "disclosure-missing" in page.locator("section.rule.error").first.inner_text()
    page.context.close()


def test_hostile_text_stays_text_in_the_browser(browser: Any, tmp_path: Path) -> None:
    report = tmp_path / "hostile.html"
    report.write_text(render(hostile_diff(), "html"), encoding="utf-8")
    page, seen = opened(browser.new_context(), report)
    assert seen == {"console": [], "requests": [report.as_uri()], "dialogs": []}
    assert "<script>alert(1)</script>" in page.locator("section.rule .finding").first.inner_text()
    page.context.close()
