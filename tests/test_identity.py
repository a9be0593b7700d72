"""A finding's identity survives edits of the page that do not touch it."""

from __future__ import annotations

import copy
from typing import Any

from auditor import audit_html, to_dict
from auditor.identity import identities, match

ARTICLE = """<html><body><main>
<p>We earn a commission when you buy through links on this page.</p>
{extra}
<p>The kettle boils in three minutes and is quiet enough for a shared office at seven in the morning.</p>
<p><a href="https://www.amazon.com/dp/B000TEST?tag=site-20">Buy the kettle on Amazon</a></p>
<p>{edited} It pours a thin, steady stream for pour-over coffee and keeps the water warm for an hour.</p>
<p><a href="https://www.amazon.com/dp/B000MORE?tag=site-20">Buy the scale on Amazon</a></p>
</main></body></html>"""


def page(extra: str = "", edited: str = "") -> dict[str, Any]:
    return to_dict(audit_html(ARTICLE.format(extra=extra, edited=edited), url="https://example.com/kettle"))


def compare(old: dict[str, Any], new: dict[str, Any]) -> tuple[int, int, int]:
    pairs, added, fixed = match((i for i, _, _ in identities([old])), (i for i, _, _ in identities([new])))
    return len(pairs), len(added), len(fixed)


def test_an_unrelated_edit_or_an_inserted_paragraph_changes_no_finding() -> None:
    before = page()
    assert before["findings"], "the page must have findings for this test to mean anything"
    n = len(before["findings"])
    assert compare(before, page(edited="Tested for a month.")) == (n, 0, 0)
    assert compare(before, page(extra="<p>A new paragraph above everything else, about the test method used.</p>")) == (
        n,
        0,
        0,
    )


def test_a_finding_on_an_edited_block_is_followed_by_its_element() -> None:
    before = page()
    after = copy.deepcopy(before)
    target = next(f for f in after["findings"] if f["block"] is not None)
    after["blocks"][target["block"]]["text"] += " (edited)"
    assert compare(before, after) == (len(before["findings"]), 0, 0)


def test_a_removed_and_an_added_finding_are_told_apart() -> None:
    before = page()
    after = copy.deepcopy(before)
    gone = after["findings"].pop(0)
    after["findings"].append({**gone, "rule": "links-density"})
    assert compare(before, after) == (len(before["findings"]) - 1, 1, 1)
