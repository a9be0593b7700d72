"""Bad input gets one clear line on stderr and exit status 2, never a traceback."""

from __future__ import annotations

import codecs
import os
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from click.testing import CliRunner

from auditor.cli import main

from .localserver import closed_port, send, serve


def run(*args: str, input: bytes | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), input=input)
    return result.exit_code, result.stdout, result.stderr


def assert_one_line_error(code: int, stderr: str, *needles: str) -> None:
    assert code == 2, stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("error: ")
    assert "Traceback" not in stderr
    for needle in needles:
        assert needle in lines[0], lines[0]


def test_missing_file(tmp_path: Path) -> None:
    code, _, err = run("audit", str(tmp_path / "nope.html"))
    assert_one_line_error(code, err, "no such file")


def test_directory(tmp_path: Path) -> None:
    code, _, err = run("audit", str(tmp_path))
    assert_one_line_error(code, err, "directory")


def test_empty_file(tmp_path: Path) -> None:
    page = tmp_path / "empty.html"
    page.write_bytes(b"")
    code, _, err = run("audit", str(page))
    assert_one_line_error(code, err, "empty")


def test_whitespace_only_file(tmp_path: Path) -> None:
    page = tmp_path / "blank.html"
    page.write_bytes(b"  \n\t \r\n")
    code, _, err = run("audit", str(page))
    assert_one_line_error(code, err, "empty")


def test_binary_garbage(tmp_path: Path) -> None:
    page = tmp_path / "garbage.html"
    page.write_bytes(os.urandom(64 * 1024))
    code, _, err = run("audit", str(page))
    assert_one_line_error(code, err, "binary")


def test_png_named_html(tmp_path: Path) -> None:
    page = tmp_path / "image.html"
    page.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200))
    code, _, err = run("audit", str(page))
    assert_one_line_error(code, err, "binary")


def test_fifty_megabyte_page(tmp_path: Path) -> None:
    page = tmp_path / "huge.html"
    with page.open("wb") as handle:
        handle.write(b"<html><body>")
        chunk = b"<p>" + b"word " * 2000 + b"</p>\n"
        while handle.tell() < 50 * 1024 * 1024:
            handle.write(chunk)
    code, _, err = run("audit", str(page))
    assert_one_line_error(code, err, "limit")


def test_fifty_megabyte_stdin() -> None:
    data = b"<html><body>" + b"<p>" + b"x" * (50 * 1024 * 1024) + b"</p>"
    code, _, err = run("audit", "-", input=data)
    assert_one_line_error(code, err, "limit")


def test_gzip_bomb_file(tmp_path: Path) -> None:
    import gzip

    page = tmp_path / "bomb.html.gz"
    page.write_bytes(gzip.compress(b"<p>" + b"a" * (40 * 1024 * 1024), compresslevel=9))
    assert page.stat().st_size < 200_000
    code, _, err = run("audit", str(page))
    assert_one_line_error(code, err, "limit")


@pytest.mark.parametrize(
    ("declared", "codec"),
    [("windows-1251", "cp1251"), ("shift_jis", "shift_jis"), ("iso-8859-7", "iso-8859-7"), ("koi8-r", "koi8-r")],
)
def test_odd_declared_encodings_are_read_correctly(tmp_path: Path, declared: str, codec: str) -> None:
    text = {
        "cp1251": "Партнёрская ссылка",
        "shift_jis": "アフィリエイト",
        "iso-8859-7": "Συνεργάτες",
        "koi8-r": "Реклама и ссылки",
    }[codec]
    page = tmp_path / "odd.html"
    page.write_bytes(
        f'<html><head><meta charset="{declared}"></head><body><main><p>{text} '
        f"and more words</p></main></body></html>".encode(codec)
    )
    code, out, err = run("audit", str(page), "--format", "json")
    assert code == 0, err
    assert text in out


def test_utf16_with_byte_order_mark(tmp_path: Path) -> None:
    page = tmp_path / "utf16.html"
    page.write_bytes("<html><body><main><p>Grüße aus Köln</p></main></body></html>".encode("utf-16"))
    code, out, err = run("audit", str(page), "--format", "json")
    assert code == 0, err
    assert "Grüße aus Köln" in out


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be", "utf-32-le"])
def test_wide_encoding_without_byte_order_mark(tmp_path: Path, codec: str) -> None:
    """The one odd encoding that cannot be read without help (browsers do not guess it either): one clear
    line that names the encoding and the option that reads it; with the option, the page is read."""
    page = tmp_path / "wide.html"
    page.write_bytes("<html><body><main><p>Grüße aus Köln</p></main></body></html>".encode(codec))
    code, _, err = run("audit", str(page))
    assert_one_line_error(code, err, codec.upper(), f"--encoding {codec}")
    code, out, err = run("audit", str(page), "--encoding", codec, "--format", "json")
    assert code == 0, err
    assert "Grüße aus Köln" in out


def test_unknown_encoding_option(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_bytes(b"<html><body><p>hello</p></body></html>")
    code, _, err = run("audit", str(page), "--encoding", "x-no-such-codec")
    assert_one_line_error(code, err, "x-no-such-codec", "no known character encoding")


def test_unknown_encoding_label_and_invalid_bytes(tmp_path: Path) -> None:
    page = tmp_path / "weird.html"
    page.write_bytes(
        b'<html><head><meta charset="x-no-such-codec"></head><body><main><p>caf\xe9 \xff\xfe ok</p>'
        b"</main></body></html>"
    )
    code, out, err = run("audit", str(page), "--format", "json")
    assert code == 0, err
    assert "café" in out


def test_dead_host() -> None:
    code, _, err = run("audit", f"http://127.0.0.1:{closed_port()}/page", "--timeout", "5")
    assert_one_line_error(code, err, "cannot connect", "refused")


def _loop(handler: BaseHTTPRequestHandler) -> None:
    send(handler, 302, headers={"Location": "/loop"})


def _ping(handler: BaseHTTPRequestHandler) -> None:
    send(handler, 301, headers={"Location": "/pong"})


def _pong(handler: BaseHTTPRequestHandler) -> None:
    send(handler, 301, headers={"Location": "/ping"})


def test_redirect_loop() -> None:
    with serve({"/loop": _loop, "/ping": _ping, "/pong": _pong}) as base:
        for path in ("/loop", "/ping"):
            code, _, err = run("audit", base + path)
            assert_one_line_error(code, err, "redirect")


def _endless(handler: BaseHTTPRequestHandler) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", "text/html")
    handler.end_headers()
    chunk = b"<p>" + b"endless " * 8000 + b"</p>"
    for _ in range(20_000):
        handler.wfile.write(chunk)


def test_endless_response_is_capped() -> None:
    with serve({"/endless": _endless}) as base:
        code, _, err = run("audit", base + "/endless", "--max-bytes", "2000000")
        assert_one_line_error(code, err, "limit")


def test_http_error_status() -> None:
    with serve({}) as base:
        code, _, err = run("audit", base + "/missing")
        assert_one_line_error(code, err, "HTTP 404")


def test_not_html_content_type() -> None:
    def image(handler: BaseHTTPRequestHandler) -> None:
        send(handler, 200, b"\x89PNG\r\n" + bytes(100), content_type="image/png")

    with serve({"/image": image}) as base:
        code, _, err = run("audit", base + "/image")
        assert_one_line_error(code, err, "not an HTML page")


def test_unsupported_scheme() -> None:
    code, _, err = run("audit", "ftp://127.0.0.1/page.html")
    assert_one_line_error(code, err, "http")


def test_unknown_option_value_is_a_usage_error(tmp_path: Path) -> None:
    code, _, err = run("audit", "-", "--fail-on", "catastrophe", input=b"<p>x</p>")
    assert code == 2
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("base", "url", "expected"),
    [
        ("http://[::1", "https://example.com/kettles/", "https://example.com/kettles/best"),  # base ignored
        ("", "http://[::1", None),  # a page of unknown address: a relative link leads nowhere known
        ("/shop/", "https://example.com/kettles/", "https://example.com/shop/best"),
    ],
)
def test_an_address_that_cannot_be_split_fails_no_page(base: str, url: str, expected: str | None) -> None:
    # an IPv6 host without its closing bracket made urllib raise, which ended a whole audit or batch of pages
    from auditor import audit_html

    html = f'<html><head><base href="{base}"></head><body><main><p>Read <a href="best">the best</a> one.</p>'
    html += '<p><a href="https://www.amazon.com/dp/B000TEST?tag=site-20">Kettle</a></p></main></body></html>'
    result = audit_html(html.encode(), url=url)
    hrefs = [link.href for link in result.links]
    assert "https://www.amazon.com/dp/B000TEST?tag=site-20" in hrefs
    assert (expected in hrefs) if expected else len(hrefs) == 1


@pytest.mark.parametrize("label", ["utf-16", "UTF-16LE", "cp037", "utf-7"])
def test_a_charset_no_browser_reads_the_page_in_is_not_believed(label: str) -> None:
    # a page that named itself UTF-16 was read as UTF-16 and had no text nor links: its selling hid from the audit,
    # while every browser reads it as UTF-8 (a UTF-16 label found in the bytes cannot be right) and shows the link;
    # EBCDIC and UTF-7, which no browser has, decoded it into other text ("+AGEAZA-" is "ad" in UTF-7)
    from auditor import audit_html

    html = (
        f'<html><head><meta charset="{label}"><title>Kettles</title></head><body><main><p>Our kettle review: '
        "C+AGEAZA- fans, for tea.</p>"
        '<a href="https://www.amazon.com/dp/B000TEST?tag=site-20">Buy it</a></main></body></html>'
    ).encode("ascii")
    html += b" " * (-len(html) % 2)  # whole UTF-16 characters: the bytes decode as the label says
    result = audit_html(html, url="https://example.com/kettles")
    assert [link.href for link in result.links] == ["https://www.amazon.com/dp/B000TEST?tag=site-20"]
    assert "Our kettle review: C+AGEAZA- fans, for tea." in [b.text for b in result.blocks]


@pytest.mark.parametrize(
    ("label", "codec"), [("tis-620", "tis-620"), ("l1", "cp1252"), ("iso_8859-1", "cp1252"), ("windows-874", "cp874")]
)
def test_charset_labels_browsers_know_are_read_as_they_read_them(label: str, codec: str) -> None:
    from auditor.document import decode

    text = {"tis-620": "กาต้มน้ำไฟฟ้าที่ดีที่สุด", "cp1252": "Café “quoted”", "cp874": "กาต้มน้ำ “ดี”"}[codec]
    page = f'<html><head><meta charset="{label}"></head><body><p>{text}</p></body></html>'.encode(codec)
    assert text in decode(page)[0]


@pytest.mark.parametrize("declared", ["utf-16", "iso-8859-1", "shift_jis"])
def test_a_byte_order_mark_wins_over_what_the_server_declares(declared: str) -> None:
    # a UTF-8 page with its mark, served as UTF-16, was read as UTF-16: no text, no links (WHATWG: the mark wins)
    from auditor.document import decode

    page = "<html><body><p>Grüße, “quoted”</p></body></html>"
    assert decode(codecs.BOM_UTF8 + page.encode("utf-8"), declared)[:2] == ("\ufeff" + page, "utf-8")
    assert decode(page.encode("utf-16"), declared)[:2] == (page, "utf-16")


def test_a_file_name_reaches_the_terminal_shown_not_run(tmp_path: Path) -> None:
    # a name with an escape sequence (here one that sets the terminal's title) or a newline, in an error line
    name = "empty\x1b]0;TITLE\x07\nline.html"
    (tmp_path / name).write_bytes(b"")
    code, _, err = run("audit", str(tmp_path / name))
    assert_one_line_error(code, err, "the page is empty", "^[]0;TITLE^G^Jline.html")
    (tmp_path / "good.html").write_bytes(b"<html><body><main><p>A page of words.</p></main></body></html>")
    code, _, err = run("audit", str(tmp_path / "good.html"), str(tmp_path / name))  # several targets
    assert code == 2 and "\x1b" not in err and "\x07" not in err and len(err.strip().splitlines()) == 1, err
