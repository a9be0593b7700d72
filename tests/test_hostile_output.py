"""Hostile data on the way out: escape sequences from a page reaching the terminal, credentials in URLs reaching
the reports, hand-edited result files reaching the renderers, and a WARC file cut short reaching a batch."""

from __future__ import annotations

import copy
import gzip
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from auditor.cli import main
from auditor.report.render import FORMATS, render

from .test_batch import site_pages, write_warc

ESC = "\x1b"
# A window title, a cleared screen and colours: each runs in a terminal that receives it raw
HOSTILE = f"{ESC}]0;pwned\x07 {ESC}[2J {ESC}[31;1m red {ESC}[0m \x9b31m"
SENTENCE = f"Click here {HOSTILE} to buy the best kettle money can buy today."


def cli(*args: str) -> tuple[int, str, str]:
    done = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return done.exit_code, done.stdout, done.stderr


def hostile_page(tmp_path: Path) -> Path:
    words = " ".join(f"kettle{i} boils water fast" for i in range(60))
    repeated = "".join(f"<p>{SENTENCE}</p>" for _ in range(6))
    html = (
        f"<html><head><title>{HOSTILE}</title></head><body><main><h1>Best kettles {HOSTILE}</h1>"
        f"<p>As an Amazon Associate we earn from qualifying purchases.</p><p>{words}</p>"
        f'{repeated}<p><a href="https://www.amazon.com/dp/B0{ESC}[2J?tag=foo-20">buy {HOSTILE}</a></p>'
        "</main></body></html>"
    )
    page = tmp_path / "hostile.html"
    page.write_text(html, encoding="utf-8")
    return page


def page_json(tmp_path: Path, url: str = "https://kettles.example/best") -> dict[str, Any]:
    code, out, err = cli("audit", str(hostile_page(tmp_path)), "--url", url, "--format", "json")
    assert code in (0, 1), err
    return dict(json.loads(out))


# -- case 4: control characters from a page never reach the terminal raw ---------------------------------------


def test_page_escape_sequences_never_reach_the_terminal_raw(tmp_path: Path) -> None:
    page = hostile_page(tmp_path)
    code, out, err = cli("audit", str(page), "--url", f"https://kettles.example/{ESC}[2J", "-v")
    assert code in (0, 1), err
    assert ESC not in out and "\x9b" not in out
    assert "^[]0;pwned" in out or "^[[2J" in out  # shown, visibly, not dropped

    result = page_json(tmp_path)
    assert any(ESC in f["message"] for f in result["findings"]), "the page's repeated sentence is quoted"
    # on a terminal the report has rich's own escapes, never the page's
    shown = render(result, "text", terminal=True, verbose=True)
    for raw in (f"{ESC}]0;", f"{ESC}[2J", f"{ESC}[31;1m", "\x9b"):
        assert raw not in shown


def test_json_written_to_a_terminal_carries_no_raw_control_character(tmp_path: Path) -> None:
    """JSON's encoder escapes ESC but writes C1 controls (U+009B acts as ESC [ in some terminals) as they are."""
    code, out, err = cli("audit", str(hostile_page(tmp_path)), "--format", "json")
    assert code in (0, 1), err
    assert not any(0x80 <= ord(c) < 0xA0 for c in out) and ESC not in out
    assert any("\x9b" in f["message"] for f in json.loads(out)["findings"])  # the same text, escaped


def test_failed_page_and_site_lines_escape_page_data(tmp_path: Path) -> None:
    failed = {
        "schema": "auditor/page@1",
        "url": f"https://kettles.example/{ESC}]0;title\x07",
        "error": f"HTTP 500 from {ESC}[2J server",
    }
    good = page_json(tmp_path)
    lines = tmp_path / "site.jsonl"
    lines.write_text(json.dumps(failed) + "\n" + json.dumps(good) + "\n", encoding="utf-8")
    single = tmp_path / "failed.json"
    single.write_text(json.dumps(failed), encoding="utf-8")
    for source in (lines, single):
        for fmt in ("text", "csv"):
            code, out, err = cli("report", str(source), "--format", fmt)
            assert code == 0, err
            assert ESC not in out and ESC not in err, (source.name, fmt)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({**good, "score": f"{ESC}[2J"}), encoding="utf-8")
    code, _, err = cli("report", str(bad))
    assert code == 2 and ESC not in err


# -- case 9: credentials in a URL are never recorded or reported -----------------------------------------------

SECRET = "hunter2secret"


def test_credentials_in_urls_never_reach_any_report(tmp_path: Path) -> None:
    html = (
        '<html><head><link rel="canonical" href="https://ann:' + SECRET + '@kettles.example/c"></head><body><main>'
        "<h1>Best kettles</h1><p>As an Amazon Associate we earn from qualifying purchases.</p>"
        "<p>" + "kettles boil water fast " * 60 + "</p>"
        f'<p><a href="https://bob:{SECRET}@www.amazon.com/dp/B00X?tag=foo-20">one</a> '
        f'<a href="//al:{SECRET}@amzn.to/x">two</a> '
        f'<a href="http://user:{SECRET}@shareasale.com/r.cfm?b=1&amp;u=2">three</a> '
        f'<a href="/local">four</a></p></main></body></html>'
    )
    page = tmp_path / "creds.html"
    page.write_text(html, encoding="utf-8")
    url = f"https://me:{SECRET}@kettles.example/best"
    code, out, err = cli("audit", str(page), "--url", url, "--format", "json")
    assert code in (0, 1), err
    result = json.loads(out)
    assert SECRET not in out
    assert result["url"] == "https://kettles.example/best"
    assert result["canonical"] == "https://kettles.example/c"
    raw = {link["raw_href"] for link in result["links"]}
    assert "//amzn.to/x" in raw and "/local" in raw  # the attribute as written, less its credentials
    assert "https://www.amazon.com/dp/B00X?tag=foo-20" in {link["href"] for link in result["links"]}
    for fmt in FORMATS:
        code, out, err = cli("audit", str(page), "--url", url, "--format", fmt, "-v")
        assert SECRET not in out, fmt
    failed = cli("audit", str(tmp_path / "empty.html"), "--url", url)
    assert SECRET not in failed[2]


def test_credentials_are_stripped_from_crawl_and_batch_records(tmp_path: Path) -> None:
    from auditor.contract import failed_page, strip_credentials

    assert SECRET not in json.dumps(failed_page(f"http://u:{SECRET}@host.example/", f"at http://u:{SECRET}@h/"))
    for url, want in [
        (f"http://u:{SECRET}@h.example:8080/p?q=1#f", "http://h.example:8080/p?q=1#f"),
        (f"HTTPS://{SECRET}@h.example", "HTTPS://h.example"),
        (f"http://a@b:{SECRET}@h.example/", "http://h.example/"),
        (f"http:\\\\u:{SECRET}@h.example/", "http:\\\\h.example/"),
        ("mailto:ann@kettles.example", "mailto:ann@kettles.example"),
        ("https://h.example/@ann/posts", "https://h.example/@ann/posts"),
        ("/path/to@thing", "/path/to@thing"),
    ]:
        assert strip_credentials(url) == want, url


# -- case 12: a hand-edited result names the file, the page and the field --------------------------------------


def _mutations(page: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Every field of every part of a page result, removed or given the wrong type, one at a time."""
    out: list[tuple[str, dict[str, Any]]] = []
    parts: list[tuple[str, Any]] = [("page", [page])]
    parts += [(k, page[k]) for k in ("blocks", "links", "findings")]
    parts += [("disclosure", [page["disclosure"]]), ("statements", page["disclosure"]["statements"])]
    for name, items in parts:
        if not items:
            continue
        for key in list(items[0]):
            for value in (None, [], "x", 7):
                edited = copy.deepcopy(page)
                holder = {
                    "page": lambda e: e,
                    "blocks": lambda e: e["blocks"][0],
                    "links": lambda e: e["links"][0],
                    "findings": lambda e: e["findings"][0],
                    "disclosure": lambda e: e["disclosure"],
                    "statements": lambda e: e["disclosure"]["statements"][0],
                }[name](edited)
                if value is None:
                    del holder[key]
                else:
                    holder[key] = value
                out.append((f"{name}.{key}={value!r}", edited))
    return out


def test_hand_edited_result_gives_one_clear_line(tmp_path: Path) -> None:
    page = page_json(tmp_path)
    assert page["links"] and page["findings"] and page["disclosure"]["statements"]
    page_file = tmp_path / "edited.json"
    no_kind = copy.deepcopy(page)
    del no_kind["blocks"][2]["kind"]
    page_file.write_text(json.dumps(no_kind), encoding="utf-8")
    code, _, err = cli("report", str(page_file))
    assert code == 2 and "internal error" not in err
    assert str(page_file) in err and page["url"] in err and "block 3" in err and "'kind'" in err
    assert len(err.strip().splitlines()) == 1

    no_network = copy.deepcopy(page)
    del no_network["links"][0]["network"]
    listed = tmp_path / "edited.jsonl"
    listed.write_text(json.dumps(page) + "\n" + json.dumps(no_network) + "\n", encoding="utf-8")
    code, _, err = cli("report", str(listed), "--format", "html")
    assert code == 2 and f"{listed}:2" in err and "link 1" in err and "'network'" in err

    failures = []
    for label, edited in _mutations(page):
        page_file.write_text(json.dumps(edited), encoding="utf-8")
        listed.write_text(json.dumps(edited) + "\n", encoding="utf-8")
        for source in (page_file, listed):
            for fmt in ("text", "html", "csv"):
                code, _, err = cli("report", str(source), "--format", fmt)
                if code not in (0, 2) or "internal error" in err or (code == 2 and str(source) not in err):
                    failures.append(f"{label} {source.suffix} {fmt}: {code} {err.strip()[:160]}")
    assert not failures, "\n".join(failures[:20]) + f"\n({len(failures)} in all)"


# -- case 8: a WARC file cut short is an error for that file, its earlier pages kept ---------------------------


@pytest.mark.parametrize("cut", ["inside a record", "inside the last trailer"])
def test_truncated_warc_is_an_error_that_keeps_the_pages_before_the_cut(tmp_path: Path, cut: str) -> None:
    whole = tmp_path / "whole.warc.gz"
    write_warc(whole, site_pages(list(range(1, 41))), extras=False)
    data = whole.read_bytes()
    broken = tmp_path / "broken.warc.gz"
    broken.write_bytes(data[: len(data) * 3 // 4] if cut == "inside a record" else data[:-4])
    with pytest.raises((EOFError, OSError)):
        gzip.decompress(broken.read_bytes())
    out = tmp_path / "out"
    code, stdout, err = cli("batch", str(broken), "-o", str(out), "--workers", "1", "-q")
    assert code != 0, stdout
    assert str(broken) in err and "truncated" in err
    pages = [json.loads(line) for f in (out / "pages").glob("*.jsonl") for line in f.read_text().splitlines()]
    audited = [p for p in pages if p["error"] is None]
    assert len(audited) >= (29 if cut == "inside a record" else 39)
    assert all("truncated" in p["error"] for p in pages if p["error"] is not None)
