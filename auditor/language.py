"""Tell a page's language: from its `lang` attribute, else from the commonest function words in its text."""

from __future__ import annotations

import re
from collections import Counter

# The most frequent function words of each language; enough to tell these apart on a page's worth of text.
_STOPWORDS: dict[str, frozenset[str]] = {
    "en": frozenset("the and of to in is that for it with as was on are you this be by at have from".split()),
    "de": frozenset("der die und das ist nicht sich mit den auf ein eine für von dem zu im auch es sie".split()),
    "fr": frozenset("le la les et des est un une pour que dans qui pas sur du au avec ce sont".split()),
    "es": frozenset("el la los las y de que en un una es por con para no del se al lo".split()),
    "it": frozenset("il la di che e un una per non sono con del della gli le si è da in".split()),
    "nl": frozenset("de het een en van is dat op te in voor niet met zijn er aan".split()),
    "pt": frozenset("o a os as e de que em um uma para com não do da dos por se".split()),
}
STOPWORDS: frozenset[str] = frozenset().union(*_STOPWORDS.values()) | frozenset(
    "a an or but if then than so not no yes its it's our your their his her we you they he she them this these "
    "those which what who whom whose when where why how all any each more most other some such only own same very "
    "can will just should now also into about over after before under again further once here there both few "
    "ich du er wir ihr sie mich dich uns euch sein seine ihre kein keine nur noch schon wie was wer wo warum "
    "oder aber wenn dann als bei nach vor über unter durch gegen ohne um aus".split()
)
_WORD = re.compile(r"[a-zà-öø-ÿ]+")
_LANG_ATTR = re.compile(r"^[a-z]{2,3}(?=$|[-_])", re.I)


def detect(declared: str | None, text: str) -> str | None:
    """A two-letter language code (`lang="de-DE"` gives "de"), or None when the text is too short to tell."""
    if declared:
        match = _LANG_ATTR.match(declared.strip())
        if match:
            return match.group(0).lower()
    counts: Counter[str] = Counter()
    for word in _WORD.findall(text[:20000].lower()):
        for lang, words in _STOPWORDS.items():
            if word in words:
                counts[lang] += 1
    if not counts:
        return None
    lang, hits = counts.most_common(1)[0]
    return lang if hits >= 5 else None
