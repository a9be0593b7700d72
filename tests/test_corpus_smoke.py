"""Every real page of the corpus audits without a crash and gives a result that follows the contract."""

from __future__ import annotations

import pytest

from auditor import audit_file, to_dict

from .conftest import CORPUS, corpus_rows, needs_corpus
from .test_contract import check_page


@needs_corpus
def test_every_corpus_page_audits() -> None:
    rows = corpus_rows()
    assert len(rows) >= 100
    for row in rows:
        result = audit_file(CORPUS / row["local_file"], url=row["page_url"])
        page = to_dict(result)
        try:
            check_page(page)
        except AssertionError as exc:  # name the page that broke the contract
            pytest.fail(f"{row['local_file']}: {exc}")
