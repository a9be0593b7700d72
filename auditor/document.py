"""Turn page bytes into text and an lxml tree: charset detection, binary rejection, parsing."""

from __future__ import annotations

import codecs
import re
import threading
from dataclasses import dataclass
from itertools import chain

from bs4.dammit import EncodingDetector
from lxml import etree

from auditor.errors import InputError

# Labels of the WHATWG Encoding Standard that Python does not know, with the codec Python has for them.
_LABELS_PYTHON_LACKS = {
    "windows-874": "cp874",
    "dos-874": "cp874",
    "x-mac-cyrillic": "mac-cyrillic",
    "x-mac-ukrainian": "mac-cyrillic",
    "x-sjis": "cp932",
    "iso-8859-8-i": "iso8859-8",
}
# Codecs Python reads a label as where browsers read it as another, wider encoding (WHATWG Encoding Standard: latin-1
# and ASCII are windows-1252, ISO-8859-9 windows-1254, TIS-620 windows-874, GB2312 GBK, EUC-KR windows-949,
# Shift_JIS windows-31j, Big5 Big5-HKSCS), by Python's name of each.
_AS_BROWSERS_READ = {
    "iso8859-1": "cp1252",
    "ascii": "cp1252",
    "iso8859-9": "cp1254",
    "iso8859-11": "cp874",
    "tis-620": "cp874",
    "gb2312": "gbk",
    "euc_kr": "cp949",
    "shift_jis": "cp932",
    "big5": "big5hkscs",
}
_SNIFF = 4096
# libxml2 reads at most this many nested elements (its limit with huge_tree); deeper content is dropped, and the
# page's result says so.
MAX_DEPTH = 2048
_LOCAL = threading.local()


def _parser() -> etree.HTMLParser:
    """One parser per thread: lxml parsers must not be used by two threads at once."""
    parser = getattr(_LOCAL, "parser", None)
    if parser is None:
        parser = _LOCAL.parser = etree.HTMLParser(  # (no table of ids: nothing looks elements up by id)
            encoding="utf-8", remove_comments=True, remove_pis=True, huge_tree=True, collect_ids=False
        )
    return parser


@dataclass(frozen=True, slots=True)
class Document:
    """A parsed page: its root element, the encoding used to read it, and whether that needed a guess."""

    root: etree._Element
    encoding: str
    guessed: bool
    notes: tuple[str, ...] = ()
    """What could not be read (content nested deeper than MAX_DEPTH)."""


def page_declared(codec: str) -> str | None:
    """The codec a page means by a charset it names of itself, as a browser takes it: a UTF-16 label in bytes that
    were read far enough to find it cannot be right, so it means UTF-8 (WHATWG HTML, "prescan a byte stream"), and a
    charset outside the Encoding Standard means nothing (None)."""
    if codec in _WIDE_CODECS:
        return "utf-8"
    return codec if codec in _WEB_CODECS else None


def codec_of(label: str | None) -> str | None:
    """The codec a charset label names, as browsers read it (latin-1 is windows-1252), or None if none."""
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    try:
        name = codecs.lookup(_LABELS_PYTHON_LACKS.get(label, label)).name
    except LookupError:
        return None
    return _AS_BROWSERS_READ.get(name, name)


# The encodings of the WHATWG Encoding Standard, by their names there, as `codec_of` reads them ("replacement" and
# x-user-defined have no codec): a page that names any other charset of itself is read as if it named none, as a
# browser reads it (a page labelled "cp037" or "utf-7" would decode into other text than its readers see).
_WEB_CODECS = frozenset(
    codec_of(name)
    for name in (
        "utf-8", "ibm866", "iso-8859-2", "iso-8859-3", "iso-8859-4", "iso-8859-5", "iso-8859-6", "iso-8859-7",
        "iso-8859-8", "iso-8859-10", "iso-8859-13", "iso-8859-14", "iso-8859-15", "iso-8859-16", "koi8-r",
        "koi8-u", "macintosh", "windows-874", "windows-1250", "windows-1251", "windows-1252", "windows-1253",
        "windows-1254", "windows-1255", "windows-1256", "windows-1257", "windows-1258", "x-mac-cyrillic", "gbk",
        "gb18030", "big5", "euc-jp", "iso-2022-jp", "shift_jis", "euc-kr", "utf-16be", "utf-16le",
    )
)  # fmt: skip


# the bytes that are not control characters (tab, newlines, form feed and carriage return are text); NUL is left
# out of the count: browsers render pages with stray NULs, and a wide encoding is told apart before this test
_TEXT_BYTES = bytes(b for b in range(256) if not (b < 9 or 13 < b < 32) or b == 0)
# Formats that are never a page, by their first bytes: the image, audio, video, font and archive patterns of the
# WHATWG MIME Sniffing Standard (section 6), plus PDF, executables, WebAssembly, 7-Zip and Zstandard. Patterns of
# letters only (RIFF, ID3, fLaC, wOFF) are left out, as a text may start so: their compressed data fails the
# control-byte test anyway.
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_SIGNATURES = (
    b"\x89PNG\r\n\x1a\n",
    b"GIF87a",
    b"GIF89a",
    b"\xff\xd8\xff",
    b"\x00\x00\x01\x00",
    b"\x00\x00\x02\x00",
    b"OggS\x00",
    b"MThd\x00\x00\x00\x06",
    b"\x1a\x45\xdf\xa3",
    b"\x00\x01\x00\x00",
    b"\x1f\x8b\x08",
    b"PK\x03\x04",
    b"Rar \x1a\x07\x00",
    b"Rar!\x1a\x07",
    b"%PDF-",
    b"\x7fELF",
    b"\x00asm",
    b"7z\xbc\xaf\x27\x1c",
    b"\x28\xb5\x2f\xfd",
)


def _looks_binary(data: bytes) -> bool:
    """A known binary format, or more than 1 in 20 control bytes in the first 4 KB (no text has that many), or
    NULs for more than half of it (a zero-filled file): a few stray NULs still make a page, as in browsers."""
    head = data[:_SNIFF]
    if head.startswith(_UTF16_BOMS):
        return False
    if head.startswith(_SIGNATURES) or head[4:8] == b"ftyp":  # (ftyp: the MP4 family, after a box size)
        return True
    controls = len(head.translate(None, _TEXT_BYTES))
    return controls > len(head) // 20 or head.count(0) > len(head) // 2


# Where the zero bytes of ASCII text fall in each wide encoding, by position modulo the character width.
_WIDE_ZEROS = {
    "utf-32-le": (4, {1, 2, 3}),
    "utf-32-be": (4, {0, 1, 2}),
    "utf-16-le": (2, {1}),
    "utf-16-be": (2, {0}),
}
_WIDE_CODECS = frozenset(codecs.lookup(name).name for name in (*_WIDE_ZEROS, "utf-16", "utf-32"))


def _wide_text(data: bytes) -> str | None:
    """The UTF-16 or UTF-32 variant that markup without a byte-order mark is written in, if the zero bytes of its
    first characters fall where that encoding puts them (browsers do not guess these, nor does the auditor)."""
    head = data[: _SNIFF - _SNIFF % 4]
    if len(head) < 16 or b"\x00" not in head:
        return None
    for name, (width, zeros) in _WIDE_ZEROS.items():
        at = [head[i::width].count(0) for i in range(width)]
        slots = len(head) // width
        if all((n >= 0.9 * slots) if i in zeros else (n <= 0.1 * slots) for i, n in enumerate(at)):
            try:
                if "<" in head.decode(name):
                    return name
            except UnicodeDecodeError:
                return None
    return None


def _by_byte_order_mark(data: bytes) -> tuple[str, str, bool] | None:
    """The page as its UTF-8 or UTF-16 byte-order mark says, whatever the server or the page declares, as a browser
    reads it (WHATWG Encoding Standard, "decode": the mark wins); None without one, or if the bytes do not decode
    so (a UTF-32 mark, which begins as UTF-16's, is left to the reading of wide text)."""
    if data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return None
    for mark, codec in ((codecs.BOM_UTF8, "utf-8"), *((bom, "utf-16") for bom in _UTF16_BOMS)):
        if data.startswith(mark):
            try:
                return data.decode(codec), codec, False
            except UnicodeDecodeError:
                return None
    return None


def decode(data: bytes, declared: str | None = None) -> tuple[str, str, bool]:
    """Decode page bytes the way a browser would; returns (text, codec name, guessed).

    Order: byte-order mark, the charset the server declared, `<meta charset>` in the page, strict UTF-8,
    then windows-1252, which decodes any byte sequence.
    """
    if not data or data.isspace():  # (not data.strip(), which copies the page)
        raise InputError("the page is empty")
    marked = _by_byte_order_mark(data)
    if marked is not None:
        return marked
    wide = _wide_text(data)
    declared_codec = codec_of(declared)
    if wide and declared_codec in _WIDE_CODECS:  # a wide declaration is believed when the bytes are wide
        reading = wide if declared_codec in ("utf-16", "utf-32") else declared_codec
        try:
            return data.decode(reading), reading, False
        except UnicodeDecodeError:
            pass
    if wide and not data.startswith(_UTF16_BOMS):
        raise InputError(
            f"the page looks like {wide.upper()} text with no byte-order mark and no declared encoding "
            f"(give it: --encoding {wide})"
        )
    if _looks_binary(data):
        raise InputError("the input is binary data, not an HTML page")
    # The detector's candidates come lazily, in its order: its statistical guess (the costly one) is made only
    # when neither the server nor the page names an encoding that decodes the bytes.
    tried: set[str] = set()
    first = True
    guessed = True
    detector = EncodingDetector(data[: _SNIFF * 4], is_html=True)
    for label in chain((declared,), detector.encodings):
        codec = codec_of(label)
        if codec and label is detector.declared_encoding:  # the page's own <meta charset>, or its XML declaration
            codec = page_declared(codec)
        if not codec or codec in tried:
            continue
        tried.add(codec)
        if first:
            guessed, first = codec == "utf-8" and declared is None, False
        try:
            return data.decode(codec), codec, guessed
        except (UnicodeDecodeError, LookupError):
            guessed = True
    return data.decode("cp1252", errors="replace"), "cp1252", True


# What may stay in <head>; anything else ends it, as in a browser (WHATWG HTML, the "in head" insertion mode)
HEAD_TAGS = frozenset(("title", "meta", "link", "style", "script", "base", "noscript", "template"))


def _end_head(root: etree._Element) -> None:
    """Move content that libxml2 left inside <head> to the start of <body>, where a browser puts it. libxml2 does
    not know HTML5's elements, so in a page without <head> and <body> tags (`<html><title>..</title><main>..`) the
    <main> with the whole article and its links stayed in the head, which the walk skips: the page had no links."""
    head = root.find("head")
    if head is None:
        return
    first = next((c for c in head if isinstance(c.tag, str) and c.tag not in HEAD_TAGS), None)
    if first is None:
        return
    moved = [first, *first.itersiblings()]
    body = root.find("body")
    if body is None:
        body = etree.Element("body")
        head.addnext(body)
    for i, element in enumerate(moved):
        body.insert(i, element)  # an element has one parent: inserting it moves it, with its tail text


def _end_body(root: etree._Element) -> None:
    """Move what libxml2 left after <body> to the end of the body, where a browser puts it: after `</body>` (and
    `</html>`) anything but white space goes back in the body (WHATWG HTML, the "after body" insertion mode), so that a
    link or a disclosure written after the page's end is shown to a reader; libxml2 made it the body's sibling, which
    the walk never reads."""
    body = root.find("body")
    if body is None:
        return
    after = list(body.itersiblings())
    text = body.tail
    if not after and not (text and text.strip()):
        return
    body.tail = None
    if text:
        last = body[-1] if len(body) else None
        if last is None:
            body.text = (body.text or "") + text
        else:
            last.tail = (last.tail or "") + text
    for element in after:
        body.append(element)  # an element has one parent: appending it moves it, with its tail text


# An end tag of the document; what follows one is dropped by libxml2, and read into the body by a browser.
_HTML_END = re.compile(rb"</html\b[^>]*>", re.I)


def _without_html_end(utf8: bytes) -> bytes:
    """The page without its `</html>` tags when anything but white space follows the first one (a comment, or
    content a browser shows: a page closed twice, by its template and again by a plugin, carries its second part
    between them); a page that its first `</html>` ends is returned as it is. One written in a script's text goes
    too, which changes no word the audit reads there."""
    first = _HTML_END.search(utf8)
    if first is None or not utf8[first.end() :].strip():
        return utf8
    return _HTML_END.sub(b"", utf8)


def parse(data: bytes, declared_encoding: str | None = None) -> Document:
    """Parse page bytes into an lxml tree; raise InputError for input that is not an HTML page."""
    text, codec, guessed = decode(data, declared_encoding)
    nul = "\x00" in text
    if nul:  # dropped, as the HTML tree builder drops a NULL in text (WHATWG HTML, "in body" insertion mode)
        text = text.replace("\x00", "")
    # lxml refuses a str that carries an XML encoding declaration, so hand it UTF-8 bytes instead.
    raw = codec == "utf-8" and not nul and not data.startswith(codecs.BOM_UTF8)
    utf8 = _without_html_end(data if raw else text.encode("utf-8", "replace"))
    try:
        parser = _parser()
        root = etree.fromstring(utf8, parser=parser)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError) as exc:
        raise InputError(f"the page cannot be parsed as HTML ({exc})") from None
    if root is None:
        raise InputError("the page cannot be parsed as HTML")
    _end_head(root)
    _end_body(root)
    notes: tuple[str, ...] = ()
    if any("Excessive depth" in entry.message for entry in parser.error_log):
        notes = (f"the page nests elements deeper than {MAX_DEPTH:,} levels; content below that depth was not read",)
    return Document(root=root, encoding=codec, guessed=guessed, notes=notes)
