# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""The layout walk of `auditor/layout.py`, compiled: the same reading of the same tree, done on libxml2's nodes
through lxml's C API instead of on lxml's Python element proxies (which cost most of the walk's time).

`layout.walk` is the reference: `walk` here follows it step for step and must return equal pieces and anchors
for every tree (tests/test_compiled_reference.py holds every helper here equal to its reference on the sample and
corpus pages, tests/test_walk.py the walk on generated tag soup). What is rare on
a page (a product box, a link around a block, an image link, a "*" after a link) is handed to layout.py's own
helpers on an element proxy, so that each of those rules is written once.

Readers of what pages repeat in bulk come with it, each held equal to its Python reference by a property test:
`ClassWords` reads ASCII class and id strings as `layout.Names`' patterns do (tests/test_class_names.py);
`ScriptWords` tells which words each of a page's scripts holds from the tree's bytes, as `pipeline._scripts` would
find them (tests/test_walk.py); `KeywordStarts` finds the disclosure keywords as `disclosures.Keywords` does
(tests/test_keywords.py); `ascii_key` keys sentences whose letters and digits are ASCII as `textmodel.key_of`
does (tests/test_similarity.py).

auditor/native.py is the one place that imports this module (`native.Compiled` declares what it defines, for
mypy), and falls back to the references, with a warning, when the import fails."""

cimport lxml.includes.etreepublic as cetree
from lxml.includes.tree cimport (
    XML_CDATA_SECTION_NODE as CDATA,
    XML_COMMENT_NODE as COMMENT,
    XML_ELEMENT_NODE as ELEMENT,
    XML_ENTITY_REF_NODE as ENTITY_REF,
    XML_PI_NODE as PI,
    XML_TEXT_NODE as TEXT,
    XML_XINCLUDE_END as XINCLUDE_END,
    XML_XINCLUDE_START as XINCLUDE_START,
    xmlAttr,
    xmlNode,
)

from cpython.unicode cimport (
    Py_UNICODE_ISALNUM,
    Py_UNICODE_ISDECIMAL,
    PyUnicode_DATA,
    PyUnicode_DecodeASCII,
    PyUnicode_DecodeUTF8,
    PyUnicode_GET_LENGTH,
    PyUnicode_KIND,
    PyUnicode_READ,
    PyUnicode_READ_CHAR,
)
from cpython.mem cimport PyMem_Free, PyMem_Malloc
from libc.string cimport memcmp, strchr, strcmp, strlen, strncmp

from auditor import layout as L

cetree.import_lxml__etree()

# what a tag is, as bits (read once per tag name and page)
cdef enum:
    BLOCK = 1
    SKIP = 2
    SPACED = 4
    LEAF = 8
    LANDMARK = 16
    EMBED = 32
    ANCHOR = 64
    SCRIPT = 128

cdef dict HEADINGS = L.HEADINGS
cdef object HIDDEN_STYLE = L._HIDDEN_STYLE.search
cdef object CSS_IDENT = L._CSS_IDENT.match
cdef frozenset PAGE_PARTS = L._PAGE_PARTS
cdef int SIGN_COMMENT = L.SIGN_COMMENT
cdef object Piece = L.Piece
cdef object Anchor = L.Anchor


# the tag sets of layout.py, each with its bit
cdef tuple KINDS = (
    (L.BLOCK_TAGS, BLOCK),
    (L.SKIP_TAGS, SKIP),
    (L.SPACED_TAGS, SPACED),
    (L.LEAF_INLINE, LEAF),
    (L._LANDMARKS, LANDMARK),
    (L.EMBED_TAGS, EMBED),
    (frozenset(("a",)), ANCHOR),
    (frozenset(("script",)), SCRIPT),
)


cdef int _kind_of(str tag):
    cdef int kind = 0
    for tags, bit in KINDS:
        if tag in tags:
            kind |= bit
    return kind


cdef inline str _decode(const char* s):
    return PyUnicode_DecodeUTF8(s, strlen(s), NULL)


cdef inline bint _is_text(xmlNode* c):
    return c.type == TEXT or c.type == CDATA


cdef inline bint _is_element_like(xmlNode* c):
    """What lxml counts as a child element: elements, comments, processing instructions, entity references."""
    return c.type == ELEMENT or c.type == COMMENT or c.type == PI or c.type == ENTITY_REF


cdef inline xmlNode* _text_or_skip(xmlNode* c):
    while c is not NULL:
        if c.type == TEXT or c.type == CDATA:
            return c
        if c.type == XINCLUDE_START or c.type == XINCLUDE_END:
            c = c.next
        else:
            return NULL
    return NULL


cdef object _collect_text(xmlNode* c):
    """The text of consecutive text nodes from `c` on, as lxml's `.text` and `.tail` read it (None if none)."""
    c = _text_or_skip(c)
    if c is NULL:
        return None
    cdef xmlNode* after = _text_or_skip(c.next)
    if after is NULL:
        return _decode(<const char*>c.content) if c.content is not NULL else ""
    cdef bytes joined = b""
    while c is not NULL:
        if c.content is not NULL:
            joined += <bytes>(<const char*>c.content)
        c = _text_or_skip(c.next)
    return joined.decode("utf-8")


cdef inline xmlNode* _next_element_like(xmlNode* c):
    while c is not NULL and not _is_element_like(c):
        c = c.next
    return c


cdef bint _has_element_like_child(xmlNode* c):
    c = c.children
    while c is not NULL:
        if _is_element_like(c):
            return True
        c = c.next
    return False


cdef str _attr_value(xmlAttr* a):
    """An attribute's value as lxml's `get` reads it ("" for an attribute written without one)."""
    cdef xmlNode* c = a.children
    if c is NULL:
        return ""
    if c.next is NULL and _is_text(c):
        return _decode(<const char*>c.content) if c.content is not NULL else ""
    cdef bytes joined = b""
    while c is not NULL:
        if _is_text(c) and c.content is not NULL:
            joined += <bytes>(<const char*>c.content)
        c = c.next
    return joined.decode("utf-8")


cdef bint _star_near(xmlNode* c):
    """Whether a "*" is in the link's tail or in the text of the element after it: only then is the link's
    marker read (by `layout._followed_by_star`)."""
    if _star_in_text(c.next):
        return True
    cdef xmlNode* following = _next_element_like(c.next)
    if following is NULL:
        return False
    if following.type != ELEMENT:
        return True  # let the reference read a comment's text
    return _star_in_text(following.children)


cdef bint _star_in_text(xmlNode* c):
    """Whether the consecutive text nodes from `c` on (a tail, or an element's text) hold a "*"."""
    cdef xmlNode* t = _text_or_skip(c)
    while t is not NULL:
        if t.content is not NULL and strchr(<const char*>t.content, 42) is not NULL:  # "*"
            return True
        t = _text_or_skip(t.next)
    return False


cdef class _Frame:
    """An open element (layout.py's frame list): effective region, box, hidden and ad slot, inherited."""

    cdef str tag
    cdef int nth
    cdef object ident
    cdef object region
    cdef bint named
    cdef int signs
    cdef object box
    cdef bint hidden
    cdef bint block
    cdef bint ad
    cdef Py_ssize_t anchor
    cdef Py_ssize_t flushes_at
    cdef Py_ssize_t buf_at
    cdef int kind
    cdef dict counts
    cdef object selector
    cdef xmlNode* node


cdef _Frame _frame(str tag, int kind, int nth, object ident, object region, object box, bint hidden, bint block,
                   bint ad, xmlNode* node):
    cdef _Frame f = _Frame.__new__(_Frame)
    f.tag = tag
    f.kind = kind
    f.nth = nth
    f.ident = ident
    f.region = region
    f.box = box
    f.hidden = hidden
    f.block = block
    f.ad = ad
    f.anchor = -1
    f.node = node
    return f


cdef class _Walk:
    """One walk's state: what `layout.walk` keeps in its locals."""

    cdef cetree._Document doc
    cdef list pieces
    cdef list anchors
    cdef list stack
    cdef list buf
    cdef list pending
    cdef Py_ssize_t open_anchors
    cdef Py_ssize_t embeds
    cdef Py_ssize_t flushes
    cdef dict box_selectors
    cdef object classify_names
    cdef dict names_seen
    cdef dict signs_seen
    cdef dict kinds  # tag name pointer (interned by libxml2 per document) -> (tag, kind bits)
    cdef xmlNode* main
    cdef bint seek_main

    cdef object proxy(self, xmlNode* c):
        return cetree.elementFactory(self.doc, c)

    cdef str selector(self):
        cdef Py_ssize_t top = len(self.stack) - 1
        cdef Py_ssize_t known = top
        cdef _Frame frame
        cdef Py_ssize_t i
        while (<_Frame>self.stack[known]).selector is None:
            known -= 1
        above = (<_Frame>self.stack[known]).selector
        for i in range(known + 1, top + 1):
            frame = <_Frame>self.stack[i]
            if frame.ident is not None:
                frame.selector = "#" + frame.ident
            else:
                step = f"{frame.tag}:nth-of-type({frame.nth})"
                frame.selector = f"{above} > {step}" if above else frame.tag
            above = frame.selector
        return str((<_Frame>self.stack[top]).selector)

    cdef void flush(self) except *:
        words = "".join(self.buf).split()
        text = " ".join(words)
        self.buf = []
        self.flushes += 1
        if not text and (not self.pending or self.open_anchors):
            return
        cdef _Frame frame = <_Frame>self.stack[len(self.stack) - 1]
        box = frame.box
        index = len(self.pieces)
        region = frame.region
        self.pieces.append(
            Piece(
                index,
                frame.tag,
                self.selector(),
                region or "main",
                box,
                self.box_selectors.get(box) if box is not None else None,
                HEADINGS.get(frame.tag, 0),
                text,
                len(words),
                self.pending,
                frame.hidden,
                frame.ad,
                self.embeds,
                region is not None,
                frame.named,
                frame.signs,
            )
        )
        for a in self.pending:
            self.anchors[a].piece = index
        self.pending = []

    cdef inline void add_text(self, object text) except *:
        if text and (self.buf or not text.isspace()):
            self.buf.append(text)

    cdef bint start(self, xmlNode* c) except -1:
        """An element's start: returns whether it opened a frame (else it is read whole, its tail too)."""
        if c.type != ELEMENT:
            return False  # a comment or processing instruction: skipped with its tail, as the reference does
        cdef size_t name_at = <size_t>c.name
        found = self.kinds.get(name_at)
        if found is None:
            name = _decode(<const char*>c.name)
            found = self.kinds[name_at] = (name, _kind_of(name))
        cdef str tag = found[0]
        cdef int kind = found[1]
        cdef _Frame parent = <_Frame>self.stack[len(self.stack) - 1]
        if parent.counts is None:
            parent.counts = {}
        cdef int nth = parent.counts.get(tag, 0) + 1
        parent.counts[tag] = nth

        # one pass over the attributes for the few this walk reads
        cdef xmlAttr* a = c.properties
        cdef xmlAttr* a_class = NULL
        cdef xmlAttr* a_id = NULL
        cdef xmlAttr* a_role = NULL
        cdef xmlAttr* a_style = NULL
        cdef xmlAttr* a_href = NULL
        cdef xmlAttr* a_rel = NULL
        cdef xmlAttr* a_src = NULL
        cdef bint has_hidden = False
        cdef int n_keys = 0
        cdef const char* an
        while a is not NULL:
            n_keys += 1
            an = <const char*>a.name
            if an[0] == b"c" and a_class is NULL and strcmp(an, "class") == 0:
                a_class = a
            elif an[0] == b"i" and a_id is NULL and strcmp(an, "id") == 0:
                a_id = a
            elif an[0] == b"r":
                if a_role is NULL and strcmp(an, "role") == 0:
                    a_role = a
                elif a_rel is NULL and strcmp(an, "rel") == 0:
                    a_rel = a
            elif an[0] == b"s":
                if a_style is NULL and strcmp(an, "style") == 0:
                    a_style = a
                elif a_src is NULL and strcmp(an, "src") == 0:
                    a_src = a
            elif an[0] == b"h":
                if strcmp(an, "hidden") == 0:
                    has_hidden = True
                elif a_href is NULL and strcmp(an, "href") == 0:
                    a_href = a
            a = a.next

        if kind & LEAF and not _has_element_like_child(c) and not (has_hidden or a_style is not NULL):
            # a text-only inline element: no frame, only its text counts (then its tail)
            if kind & SPACED:
                self.buf.append(" ")
            self.add_text(_collect_text(c.children))
            if kind & SPACED:
                self.buf.append(" ")
            self.add_text(_collect_text(c.next))
            return False

        ident = role = None
        cdef bint hidden = parent.hidden
        hint = None
        local = is_box = ad_slot = False
        cdef int signs = parent.signs
        cdef int own = 0
        if n_keys:
            if a_class is not NULL:
                names = _attr_value(a_class)
                if names:
                    hint, local, is_box, ad_slot = self.names_seen.get(names) or self.classify_names(names)
                    own = self.signs_seen.get(names, -1)
                    if own < 0:
                        own = self.classify_names.signs(names)
            if a_id is not NULL:
                ident = _attr_value(a_id)
                found = self.signs_seen.get(ident, -1)
                own |= found if found >= 0 else self.classify_names.signs(ident)
                id_hint, id_local, _, id_ad = self.names_seen.get(ident) or self.classify_names(ident)
                hint, local, ad_slot = hint or id_hint, local or id_local, ad_slot or id_ad
                if not CSS_IDENT(ident):
                    ident = None
            if own and tag != "body":
                signs = own | (signs & SIGN_COMMENT)
            if a_role is not NULL:
                role = _attr_value(a_role)
                if self.seek_main and role == "main":
                    self.main, self.seek_main = c, False
            if has_hidden or (a_style is not NULL and HIDDEN_STYLE(_attr_value(a_style))):
                hidden = True
        if kind & SKIP:
            if kind & EMBED or (kind & SCRIPT and a_src is not NULL and _attr_value(a_src)):
                self.embeds += 1
            self.add_text(_collect_text(c.next))
            return False
        if kind & EMBED:
            self.embeds += 1
        region = parent.region
        cdef bint named = parent.named
        if c == self.main:
            region, named = "main", False
        elif (kind & LANDMARK or role) and (landmark := L._landmark(tag, role, region == "main")) is not None:
            region, named = landmark, False
        elif hint is not None and not (hint in PAGE_PARTS and (region == "main" or local)):
            region, named = hint, True
        box = parent.box
        if is_box and box is None:
            el = self.proxy(c)
            if el.find(".//a") is not None and len(L._text(el)) <= L.BOX_MAX_CHARS:
                box = len(self.box_selectors) + 1
        cdef bint block = kind & BLOCK or (hidden and not parent.hidden)
        if block and (self.buf or self.pending):
            self.flush()
        cdef _Frame frame = _frame(tag, kind, nth, ident, region, box, hidden, block, parent.ad or ad_slot, c)
        frame.named = named
        frame.signs = signs
        self.stack.append(frame)
        if box is not None and box not in self.box_selectors:
            self.box_selectors[box] = self.selector()
        if kind & ANCHOR:
            href = _attr_value(a_href) if a_href is not NULL else None
            if href is not None and href.strip():
                frame.anchor = len(self.anchors)
                frame.flushes_at = self.flushes
                frame.buf_at = len(self.buf)
                self.open_anchors += 1
                self.pending.append(len(self.anchors))
                self.anchors.append(
                    Anchor(
                        href.strip(),
                        "",
                        tuple(_attr_value(a_rel).lower().split()) if a_rel is not NULL else (),
                        tuple(_attr_value(a_class).lower().split()) if a_class is not NULL else (),
                        self.data_attributes(c) if n_keys > 1 else {},
                        -1,
                        box is not None,
                        hidden,
                        _star_near(c) and L._followed_by_star(self.proxy(c)),
                    )
                )
        elif kind & SPACED:
            self.buf.append(" ")
        self.add_text(_collect_text(c.children))
        return True

    cdef dict data_attributes(self, xmlNode* c):
        cdef dict data = {}
        cdef xmlAttr* a = c.properties
        while a is not NULL:
            if strncmp(<const char*>a.name, "data-", 5) == 0:
                data[_decode(<const char*>a.name).lower()] = _attr_value(a)
            a = a.next
        return data

    cdef void end(self, xmlNode* c) except *:
        """The end of an element that opened a frame."""
        cdef _Frame frame = <_Frame>self.stack.pop()
        if frame.block and (self.buf or self.pending):
            self.stack.append(frame)
            self.flush()
            self.stack.pop()
        if frame.anchor >= 0:
            self.open_anchors -= 1
            anchor = self.anchors[frame.anchor]
            if frame.flushes_at == self.flushes:  # no block inside: the link's text is all in the buffer
                anchor.text = " ".join("".join(self.buf[frame.buf_at :]).split())
            else:
                anchor.text = " ".join(L._text(self.proxy(c)).split())
            if not anchor.text:
                anchor.has_text = False
                anchor.text = L._fallback_text(self.proxy(c))
            elif anchor.text.endswith("*"):
                anchor.marked = True
        elif frame.kind & SPACED:
            self.buf.append(" ")
        self.add_text(_collect_text(c.next))


def walk(cetree._Element start not None, object main, object classify_names):
    """Pieces, anchors, and whether the page has a main content element, as `layout.read` finds them from
    `start` (the body, else the root) with the main element it found (or None)."""
    cdef _Walk w = _Walk.__new__(_Walk)
    w.doc = start._doc
    w.pieces = []
    w.anchors = []
    w.stack = [_frame("", 0, 0, None, None, None, False, False, False, NULL)]
    w.buf = []
    w.pending = []
    w.box_selectors = {}
    w.classify_names = classify_names
    w.names_seen = classify_names.cache
    w.signs_seen = classify_names.sign_cache
    w.kinds = {}
    w.main = (<cetree._Element>main)._c_node if main is not None else NULL
    w.seek_main = main is None
    (<_Frame>w.stack[0]).selector = ""
    cdef xmlNode* top = start._c_node
    cdef xmlNode* c = top
    cdef xmlNode* child
    cdef xmlNode* after
    while True:
        if w.start(c):
            child = _next_element_like(c.children)
            if child is not NULL:
                c = child
                continue
            w.end(c)
        while c != top:
            after = _next_element_like(c.next)
            if after is not NULL:
                c = after
                break
            c = c.parent
            w.end(c)
        else:
            break
    if w.buf or w.pending:
        w.flush()
    return w.pieces, w.anchors, w.main is not NULL


cdef unsigned char FOLD[256]  # ASCII letters to lowercase, every other byte to itself
for _byte in range(256):
    FOLD[_byte] = _byte + 32 if 65 <= _byte <= 90 else _byte


cdef class ScriptWords:
    """Which of a set of words each of a page's scripts holds, as `pipeline._scripts` looks for them: in the
    lowercased text of the script's src, its lazy-loading data-src and its content. Read on the UTF-8 bytes of
    the tree, ASCII letters folded, with no text copied (pages carry megabytes of script, and most hold none of the words). Besides the ASCII
    letters, only two characters lowercase to ASCII (U+0130 to "i" and a combining dot, U+212A KELVIN SIGN to
    "k"); where either is, or a script's text is split in several nodes, the scan cannot tell, and says so."""

    cdef tuple words
    cdef list encoded  # the words as bytes (the pointers below point into them)
    cdef const unsigned char* word_at[64]
    cdef size_t word_size[64]
    cdef Py_ssize_t count
    cdef unsigned char starts[65536]  # the first two bytes of a word (or of U+0130, U+212A)
    cdef bint always

    def __init__(self, tuple words):
        self.words = words
        self.encoded = [w.encode("utf-8") for w in words]
        self.count = len(words)
        self.always = self.count > 64 or any(
            len(w) < 2 or not (w.isascii() and w.isprintable() and w == w.lower()) for w in words
        )
        cdef Py_ssize_t j
        cdef bytes word
        for j in range(min(self.count, 64)):
            word = self.encoded[j]
            self.word_at[j] = <const unsigned char*>word
            self.word_size[j] = len(word)
            if len(word) >= 2:
                self.starts[(word[0] << 8) | word[1]] = 1
        self.starts[0xC4B0] = 1
        self.starts[0xE284] = 1

    cdef int scan(self, const unsigned char* s, unsigned long long* found):
        """Add the words in `s` to `found`; -1 when the text holds a character that lowercases to ASCII."""
        cdef const unsigned char* end = s + strlen(<const char*>s)
        cdef const unsigned char* w
        cdef unsigned int key
        cdef size_t k, n
        cdef Py_ssize_t j
        while s + 1 < end:
            key = (FOLD[s[0]] << 8) | FOLD[s[1]]
            if self.starts[key]:
                if key == 0xC4B0 or key == 0xE284 and s + 2 < end and s[2] == 0xAA:
                    return -1
                for j in range(self.count):
                    w = self.word_at[j]
                    n = self.word_size[j]
                    if w[0] != (key >> 8) or w[1] != (key & 0xFF) or s + n > end:
                        continue
                    k = 2
                    while k < n and FOLD[s[k]] == w[k]:
                        k += 1
                    if k == n:
                        found[0] |= 1ULL << j
            s += 1
        return 0

    cdef int scan_node(self, xmlNode* t, unsigned long long* found):
        """Scan a script's text or src value, one text node; -1 when the scan cannot tell (several nodes)."""
        if t is NULL:
            return 0
        if t.next is not NULL or not _is_text(t) or t.content is NULL:
            return -1
        return self.scan(<const unsigned char*>t.content, found)

    def __call__(self, list scripts not None):
        """For each script element, the words it holds, as a frozenset; None when the scan cannot tell."""
        if self.always:
            return None
        cdef unsigned long long found
        cdef cetree._Element script
        cdef xmlNode* c
        cdef xmlAttr* a
        cdef list held = []
        cdef dict sets = {0: frozenset()}
        for script in scripts:
            c = script._c_node
            found = 0
            a = c.properties
            while a is not NULL:
                if strcmp(<const char*>a.name, "src") == 0 or strcmp(<const char*>a.name, "data-src") == 0:
                    if self.scan_node(a.children, &found) < 0:
                        return None
                a = a.next
            if self.scan_node(c.children, &found) < 0:
                return None
            words = sets.get(found)
            if words is None:
                words = sets[found] = frozenset(self.words[j] for j in range(self.count) if found & (1ULL << j))
            held.append(words)
        return held


def first_with_role(cetree._Element root not None, str role not None):
    """The first element from `root` on, in document order, whose role attribute is `role`, as
    `next((el for el in root.iter() if el.get("role") == role), None)` finds it; None if there is none."""
    cdef xmlNode* top = root._c_node
    cdef xmlNode* c = top
    cdef xmlAttr* a
    while c is not NULL:
        if c.type == ELEMENT:
            a = c.properties
            while a is not NULL:
                if a.ns is NULL and strcmp(<const char*>a.name, "role") == 0:
                    if _attr_value(a) == role:
                        return cetree.elementFactory(root._doc, c)
                    break
                a = a.next
        c = _next_in_order(c, top)
    return None


cdef inline xmlNode* _next_in_order(xmlNode* c, xmlNode* top):
    """The element-like node after `c` in document order, below `top` (NULL at the end)."""
    cdef xmlNode* child = _next_element_like(c.children)
    if child is not NULL:
        return child
    while c != top:
        child = _next_element_like(c.next)
        if child is not NULL:
            return child
        c = c.parent
    return NULL


cdef inline bint _alnum(unsigned char c):
    return 97 <= c <= 122 or 48 <= c <= 57  # [a-z0-9], on folded bytes


cdef struct _Words:
    Py_ssize_t count
    const unsigned char* at[128]
    Py_ssize_t size[128]


cdef void _fill(_Words* words, list encoded, unsigned char* starts):
    cdef bytes word
    words.count = 0
    for word in encoded[:128]:
        words.at[words.count] = <const unsigned char*>word
        words.size[words.count] = len(word)
        words.count += 1
        if len(word):
            starts[word[0]] = 1


cdef Py_ssize_t _word_at(_Words* words, const unsigned char* s, Py_ssize_t i, Py_ssize_t n, bint ends):
    """The first of the words that starts at s[i] (and ends a word there, with `ends`), or -1."""
    cdef Py_ssize_t j, size
    for j in range(words.count):
        size = words.size[j]
        if (size <= n - i and words.at[j][0] == s[i] and memcmp(s + i, words.at[j], size) == 0
                and (not ends or i + size == n or not _alnum(s[i + size]))):
            return j
    return -1


cdef class ClassWords:
    """`layout.Names`' reading of an ASCII class or id string, without patterns: a region hint (the first hint
    word, leftmost and then in the given order, that starts and ends a word), whether a word of the string is a
    local word, whether a box word starts a word, whether an ad word starts and ends one. Other strings: None."""

    cdef list encoded  # keeps the bytes the word tables point into
    cdef list regions
    cdef frozenset local
    cdef _Words hints
    cdef _Words boxes
    cdef _Words ads
    cdef unsigned char starts[256]  # the first bytes of all the words
    cdef bint usable

    def __init__(self, list hints, boxes, ads, local):
        hint_words = [word.encode() for word, _ in hints]
        box_words = [word.encode() for word in boxes]
        ad_words = [word.encode() for word in ads]
        self.encoded = [hint_words, box_words, ad_words]
        self.regions = [region for _, region in hints]
        self.local = frozenset(local)
        self.usable = max(len(hint_words), len(box_words), len(ad_words)) <= 128 and all(
            word for words in self.encoded for word in words
        )
        _fill(&self.hints, hint_words, self.starts)
        _fill(&self.boxes, box_words, self.starts)
        _fill(&self.ads, ad_words, self.starts)

    def __call__(self, str names):
        if not self.usable or not names.isascii():
            return None
        cdef bytes folded = names.lower().encode("ascii")
        cdef const unsigned char* s = <const unsigned char*>folded
        cdef Py_ssize_t n = len(folded), i, j
        cdef Py_ssize_t hint = -1
        cdef bint is_box = False, ad = False
        for i in range(n):
            if not self.starts[s[i]] or i and _alnum(s[i - 1]):
                continue  # no word starts with this byte, or this is no word start
            if hint < 0:
                hint = _word_at(&self.hints, s, i, n, True)
            if not is_box:
                is_box = _word_at(&self.boxes, s, i, n, False) >= 0
            if not ad:
                ad = _word_at(&self.ads, s, i, n, True) >= 0
        cdef bint local = False
        cdef Py_ssize_t start = 0
        if hint >= 0:
            while start < n and not local:
                while start < n and not _alnum(s[start]):
                    start += 1
                i = start
                while i < n and _alnum(s[i]):
                    i += 1
                if i > start and folded[start:i].decode("ascii") in self.local:
                    local = True
                start = i
        return (self.regions[hint] if hint >= 0 else None), local, is_box, ad


cdef class KeywordStarts:
    """`disclosures.Keywords.starts`: where the keywords start in lowercased text, leftmost first, the earliest
    keyword at one position, no two overlapping; a word keyword only where no letter comes before it. One pass
    over the text, looking at the keywords only where one of them starts with the character there."""

    cdef Py_UCS4 chars[64][32]  # each keyword's characters (at most 64 keywords of at most 32 characters)
    cdef Py_ssize_t size[64]
    cdef Py_ssize_t words
    cdef signed char bucket[256][8]  # by first character: the keywords starting with it, in order (-1 ends)
    cdef readonly bint usable

    def __init__(self, tuple words, tuple symbols):
        cdef tuple keywords = words + symbols
        self.words = len(words)
        self.usable = len(keywords) <= 64 and all(
            0 < len(k) <= 32 and ord(k[0]) < 256 for k in keywords
        )
        cdef Py_ssize_t order, j, slot
        for j in range(256):
            self.bucket[j][0] = -1
        if not self.usable:
            return
        for order, keyword in enumerate(keywords):
            self.size[order] = len(keyword)
            for j, c in enumerate(keyword):
                self.chars[order][j] = ord(c)
            first = ord(keyword[0])
            slot = 0
            while slot < 7 and self.bucket[first][slot] >= 0:
                slot += 1
            if slot == 7:
                self.usable = False  # more than 7 keywords share a first character
                return
            self.bucket[first][slot] = order
            self.bucket[first][slot + 1] = -1

    def __call__(self, str text):
        cdef int kind = PyUnicode_KIND(text)
        cdef void* data = PyUnicode_DATA(text)
        cdef Py_ssize_t n = PyUnicode_GET_LENGTH(text), i = 0, slot, size, k
        cdef signed char order
        cdef Py_UCS4 ch, before
        cdef list out = []
        while i < n:
            ch = PyUnicode_READ(kind, data, i)
            if ch < 256 and self.bucket[ch][0] >= 0:
                for slot in range(8):
                    order = self.bucket[ch][slot]
                    if order < 0:
                        break
                    size = self.size[order]
                    if size > n - i:
                        continue
                    k = 1
                    while k < size and PyUnicode_READ(kind, data, i + k) == self.chars[order][k]:
                        k += 1
                    if k < size:
                        continue
                    if order < self.words and i:
                        before = PyUnicode_READ(kind, data, i - 1)
                        if Py_UNICODE_ISALNUM(before) and not Py_UNICODE_ISDECIMAL(before):
                            continue  # a letter before a word: inside another word
                    out.append(i)
                    i += size - 1  # no other keyword may start inside this one
                    break
            i += 1
        return out


def ascii_key(str text):
    """`textmodel.key_of` of a text whose letters and digits are all ASCII: its letters and digits lowercased,
    every run of anything else one space, none at the ends. Other characters (typographic quotes and dashes,
    the no-break space) are no word characters, and lowercase to none. None for text with a letter or digit beyond
    ASCII, which lowercasing may change in length or kind."""
    cdef int kind = PyUnicode_KIND(text)
    cdef void* data = PyUnicode_DATA(text)
    cdef Py_ssize_t n = PyUnicode_GET_LENGTH(text), i, size = 0
    cdef unsigned char* o = <unsigned char*>PyMem_Malloc(n + 1)
    if o is NULL:
        raise MemoryError()
    cdef Py_UCS4 ch
    cdef unsigned char c
    cdef bint gap = False
    try:
        for i in range(n):
            ch = PyUnicode_READ(kind, data, i)
            if ch >= 128:
                if Py_UNICODE_ISALNUM(ch):
                    return None
                gap = True
                continue
            c = FOLD[ch]
            if 97 <= c <= 122 or 48 <= c <= 57:
                if gap and size:
                    o[size] = 32
                    size += 1
                gap = False
                o[size] = c
                size += 1
            else:
                gap = True
        return PyUnicode_DecodeASCII(<const char*>o, size, NULL)
    finally:
        PyMem_Free(o)
