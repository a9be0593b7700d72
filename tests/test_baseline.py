"""Gates over runs: --fail-on, --select and --ignore on report, crawl and batch as on audit, and a baseline of known
findings that only new ones get past. The site is crawled from 127.0.0.1 with the CLI, as a user would."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from auditor.cli import main

from .localserver import send, serve

ARTICLE = """<html><head><title>{title}</title></head><body><main>
<h1>{title}</h1>
{extra}
<p>We used the {thing} every morning for three weeks in a shared office kitchen and timed it against two others.</p>
<p><a href="https://www.amazon.com/dp/{asin}?tag=site-20">Buy the {thing} on Amazon</a></p>
<p>It is quiet, easy to clean, and sturdy enough to survive a drop from the counter onto a tiled floor.</p>
</main></body></html>"""


def article(thing: str, asin: str, extra: str = "") -> bytes:
    return ARTICLE.format(title=f"The best {thing}", thing=thing, asin=asin, extra=extra).encode()


def home(paths: list[str]) -> bytes:
    links = "".join(f'<li><a href="{p}">{p}</a></li>' for p in paths)
    return (
        f"<html><body><main><p>Reviews of kitchen things we tested.</p><ul>{links}</ul></main></body></html>".encode()
    )


def page(body: bytes) -> Any:
    return lambda handler: send(handler, 200, body)


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def crawl(base: str, db: Path, *extra: str) -> tuple[int, str, str]:
    return run("crawl", base + "/", "--db", str(db), "--delay", "0", "--workers", "0", "--no-sitemaps", "-q", *extra)


def report_json(*args: str) -> dict[str, Any]:
    code, out, err = run("report", *args, "--format", "json")
    assert code in (0, 1), err
    return dict(json.loads(out))


def findings(result: dict[str, Any], rule: str) -> list[dict[str, Any]]:
    return [f for p in result["pages"] for f in p["findings"] if f["rule"] == rule]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """One server, two states of its site: `first` (one undisclosed affiliate page) and `second` (a paragraph
    added above it, and a new undisclosed page): a baseline of the first must know the one and not the other."""
    folder = tmp_path_factory.mktemp("site")
    routes = {"/": page(home(["/kettle"])), "/kettle": page(article("kettle", "B000KETTLE"))}
    with serve(routes) as base:
        first, second = folder / "first.sqlite", folder / "second.sqlite"
        code, _, err = crawl(base, first)
        assert code == 0, err
        routes["/"] = page(home(["/kettle", "/scale"]))
        routes["/kettle"] = page(
            article("kettle", "B000KETTLE", "<p>Updated in June after a second round of tests.</p>")
        )
        routes["/scale"] = page(article("scale", "B000SCALE"))
        code, _, err = crawl(base, second)
        assert code == 0, err
        yield {"base": base, "first": first, "second": second, "folder": folder, "routes": routes}


@pytest.fixture(scope="module")
def known(site: dict[str, Any]) -> Path:
    path = site["folder"] / "known.json"
    code, _, err = run("report", str(site["first"]), "--write-baseline", str(path))
    assert code == 0, err
    return path


def test_report_fails_on_an_error_and_passes_with_its_baseline(site: dict[str, Any], known: Path) -> None:
    code, _, _ = run("report", str(site["first"]), "--fail-on", "error")
    assert code == 1
    data = json.loads(known.read_text())
    assert data["schema"] == "auditor/baseline@1"
    missing = [f for f in data["findings"] if f["rule"] == "disclosure-missing"]
    assert len(missing) == 1 and missing[0]["page"].endswith("/kettle") and missing[0]["severity"] == "error"
    code, _, _ = run("report", str(site["first"]), "--fail-on", "error", "--baseline", str(known))
    assert code == 0
    result = report_json(str(site["first"]), "--baseline", str(known))
    assert all(f.get("baseline") is True for p in result["pages"] for f in p["findings"])


def test_without_fail_on_or_baseline_findings_change_no_exit_status(site: dict[str, Any]) -> None:
    code, _, _ = run("report", str(site["first"]))
    assert code == 0


def test_a_new_error_not_in_the_baseline_still_fails(site: dict[str, Any], known: Path) -> None:
    code, _, _ = run("report", str(site["second"]), "--fail-on", "error", "--baseline", str(known))
    assert code == 1
    result = report_json(str(site["second"]), "--baseline", str(known))
    marks = {
        p["url"].rsplit("/", 1)[1]: [f.get("baseline") for f in p["findings"] if f["rule"] == "disclosure-missing"]
        for p in result["pages"]
    }
    # the kettle page was edited above its finding, which is still known; the scale page's is new
    assert marks["kettle"] == [True] and marks["scale"] == [None]


def test_known_findings_are_marked_in_text_and_html(site: dict[str, Any], known: Path) -> None:
    second = str(site["second"])
    text = run("report", second, "--baseline", str(known))[1]
    # the worst pages: the kettle page's findings are all known, the new scale page's none
    assert re.search(r"/kettle .* (\d+), \1 known\s*$", text, re.M), text
    assert re.search(r"/scale .* \d+\s*$", text, re.M), text
    html = site["folder"] / "second.html"
    code, _, err = run("report", second, "--baseline", str(known), "--format", "html", "-o", str(html))
    assert code == 1, err  # --baseline alone gates at error: the scale page's is new
    assert 'class="known"' in html.read_text()


def test_select_and_ignore_change_what_report_counts_and_its_exit_status(site: dict[str, Any]) -> None:
    db = str(site["first"])
    everything = report_json(db)
    assert findings(everything, "disclosure-missing") and findings(everything, "links-no-sponsored-rel")
    assert run("report", db, "--fail-on", "error", "--ignore", "disclosure-missing")[0] == 0
    assert run("report", db, "--fail-on", "warning", "--ignore", "disclosure-missing")[0] == 1
    assert run("report", db, "--fail-on", "warning", "--select", "disclosure")[0] == 1
    assert run("report", db, "--fail-on", "warning", "--select", "content")[0] == 0
    kept = report_json(db, "--select", "links")
    rules = {f["rule"] for p in kept["pages"] for f in p["findings"]} | {f["rule"] for f in kept["findings"]}
    assert rules and all(rule.startswith("links") for rule in rules)
    for before, after in zip(everything["pages"], kept["pages"], strict=True):
        # scored as the engine scores a page: 100 less the weights of the findings kept
        assert after["score"] == max(0, 100 - sum(f["weight"] for f in after["findings"]))
        assert after["score"] >= before["score"]
        assert all(rule.startswith("links") for rule in after["rules_passed"])
    assert kept["score"] >= everything["score"]


def test_audit_writes_a_baseline_and_reads_it_back(tmp_path: Path) -> None:
    kettle, scale, baseline = tmp_path / "kettle.html", tmp_path / "scale.html", tmp_path / "audit.json"
    kettle.write_bytes(article("kettle", "B000KETTLE"))
    scale.write_bytes(article("scale", "B000SCALE"))
    url = ["--url", "https://example.com/kettle"]
    assert run("audit", str(kettle), *url)[0] == 1
    code, _, err = run("audit", str(kettle), *url, "--write-baseline", str(baseline))
    assert code == 0 and "written to" in err
    code, out, _ = run("audit", str(kettle), *url, "--baseline", str(baseline), "--format", "json")
    assert code == 0
    assert all(f["baseline"] is True for f in json.loads(out)["findings"])
    # a paragraph inserted above the finding leaves it known
    kettle.write_bytes(article("kettle", "B000KETTLE", "<p>Updated in June after a second round of tests.</p>"))
    assert run("audit", str(kettle), *url, "--baseline", str(baseline))[0] == 0
    # several pages: one JSON line each, the known page's findings marked and the other's new
    assert run("audit", str(kettle), "--write-baseline", str(baseline))[0] == 0
    code, out, _ = run("audit", str(kettle), str(scale), "--baseline", str(baseline), "--format", "json")
    assert code == 1
    pages = [json.loads(line) for line in out.splitlines()]
    assert [{f.get("baseline") for f in p["findings"]} for p in pages] == [{True}, {None}]


def test_crawl_fails_on_an_error_unless_the_baseline_knows_it(
    site: dict[str, Any], known: Path, tmp_path: Path
) -> None:
    code, _, err = crawl(site["base"], tmp_path / "a.sqlite", "--fail-on", "error")
    assert code == 1 and "at or above error" in err
    # the site as it is now has a new page; left out, what is left is known
    code, _, err = crawl(site["base"], tmp_path / "b.sqlite", "--fail-on", "error", "--baseline", str(known))
    assert code == 1 and "1 finding at or above error not in the baseline" in err
    known_only = ("--fail-on", "error", "--baseline", str(known), "--exclude", "/scale")
    code, _, err = crawl(site["base"], tmp_path / "c.sqlite", *known_only)
    assert code == 0, err
    code, _, err = crawl(site["base"], tmp_path / "d.sqlite", "--fail-on", "error", "--ignore", "disclosure-missing")
    assert code == 0, err


def test_batch_fails_on_an_error_unless_the_baseline_knows_it(
    site: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    urls = tmp_path / "urls.txt"
    urls.write_text(f"{site['base']}/kettle\n")
    out, baseline = tmp_path / "out", tmp_path / "batch-known.json"
    batch = ("batch", str(urls), "-o", str(out), "--workers", "1", "-q")
    code, _, err = run(*batch, "--fail-on", "error")  # one real run on a local cluster
    assert code == 1 and "at or above error" in err
    assert run("report", str(out / "pages"), "--write-baseline", str(baseline))[0] == 0

    # a re-run would audit nothing (its chunk is done) and start a cluster for it: a stand-in records the
    # configuration the pages would be audited with, and the gate reads the results already in OUTDIR
    from auditor import batch as batches

    given: list[Any] = []
    monkeypatch.setattr(batches, "run", lambda inputs, outdir, config, *rest: given.append(config) or batches.Summary())
    code, _, err = run(*batch, "--fail-on", "error", "--baseline", str(baseline))
    assert code == 0, err
    assert run(*batch, "--fail-on", "warning")[0] == 1
    assert run(*batch, "--fail-on", "warning", "--select", "content")[0] == 0
    assert given[-1].select == ("content",) and given[-1].fail_on == "warning"


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("{not json", "not JSON"),
        ('{"schema": "auditor/page@1"}', "not a baseline file"),
        ('{"schema": "auditor/baseline@1", "findings": {}}', "without a list of findings"),
        ('{"schema": "auditor/baseline@1", "findings": [{"rule": "x", "page": "p", "nth": 1}]}', "finding 1"),
        ('{"schema": "auditor/baseline@1", "findings": [' + "[" * 100_000 + "]" * 100_000 + "]}", "not a baseline"),
        (b"\xff\xfe\x00 not UTF-8", "not UTF-8"),
    ],
)
def test_a_bad_baseline_file_is_one_line_and_exit_2(
    site: dict[str, Any], tmp_path: Path, text: str | bytes, needle: str
) -> None:
    path = tmp_path / "bad.json"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    for args in (("report", str(site["first"])), ("audit", str(tmp_path / "none.html"))):
        code, _, err = run(*args, "--baseline", str(path))
        assert code == 2, err
        lines = err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: ") and str(path) in lines[0] and needle in lines[0], err


def test_a_missing_baseline_or_folder_to_write_one_is_one_line(site: dict[str, Any], tmp_path: Path) -> None:
    code, _, err = run("report", str(site["first"]), "--baseline", str(tmp_path / "none.json"))
    assert code == 2 and "no such baseline file" in err and len(err.strip().splitlines()) == 1
    code, _, err = run("report", str(site["first"]), "--write-baseline", str(tmp_path / "no" / "b.json"))
    assert code == 2 and "no such folder" in err and len(err.strip().splitlines()) == 1
