"""Where the single-page audit spends its time: each stage of `auditor/pipeline.py` timed on its own over the
corpus (best of 5 passes per stage, the cycle collector off as in the workers, memo caches forgotten before each
pass as in `benchmarks.audit`)."""

from __future__ import annotations

import gc
import time
from collections import defaultdict

from benchmarks.common import corpus_pages, machine


class Laps:
    """Time since the last lap, added to the named stage."""

    def __init__(self) -> None:
        self.spent: dict[str, float] = defaultdict(float)
        self.clock = time.perf_counter()

    def start(self) -> None:
        self.clock = time.perf_counter()

    def __call__(self, stage: str) -> None:
        now = time.perf_counter()
        self.spent[stage] += now - self.clock
        self.clock = now


def main(passes: int = 5) -> None:
    from auditor import blockmodel, disclosuremodel, disclosures, engine, layout, networks, segment
    from auditor import pipeline as p
    from auditor.config import Config
    from auditor.document import parse

    pages = corpus_pages()
    rules = engine.active_rules(Config())
    best: dict[str, float] = defaultdict(lambda: float("inf"))
    for body, url in pages:  # load what loads once
        p.audit_html(body, url)
    gc.disable()
    try:
        for _ in range(passes):
            p.forget_memos()
            lap = Laps()
            for body, url in pages:
                lap.start()
                catalogue = networks.load()
                read = None  # (it holds the last page's script elements: its tree is freed here, with the parse)
                doc = parse(body, None)
                lap("parse (lxml, charset)")
                read = layout.read(doc.root, p._names())
                lap("layout walk")
                groups = segment.group(read)
                lap("grouping")
                segment.mark_body(groups, blockmodel.body_text(blockmodel.load(), groups, read.anchors))
                lap("block model")
                found, kept, _, _ = p._classify_links(read, groups, url, p._site(url), catalogue)
                lap("link classification")
                texts = p._block_texts(read, groups, found, kept)
                words = disclosures.wording(None, frozenset(), p._languages(read.lang))
                statements = disclosures.find(texts, words)
                lap("disclosures")
                model = disclosuremodel.load() if not statements and any(link.affiliate for link in found) else None
                if model is not None:
                    statements = disclosuremodel.find(texts, words, model)
                lap("disclosure model")
                p._blocks(groups, found, {s.block: s for s in statements})
                lap("blocks")
                p._scripts(read.scripts, catalogue)
                lap("auto-affiliate scripts")
                page = p.analyse(body, url)
                lap.start()
                engine.run(page, rules)
                lap("rules")
            for stage, seconds in lap.spent.items():
                best[stage] = min(best[stage], seconds)
    finally:
        gc.enable()
    total = sum(best.values())
    print(f"audit stages over {len(pages)} corpus pages, best of {passes} passes ({machine()})")
    for stage, seconds in best.items():
        print(f"  {stage:<24} {seconds / len(pages) * 1000:5.2f} ms/page")
    print(f"  {'all stages':<24} {total / len(pages) * 1000:5.2f} ms/page")


if __name__ == "__main__":
    main()
