"""Site near-duplicates at scale: 10k and 100k generated page texts with planted near-copies; time, peak memory,
and recall and precision of the planted pairs. Each size runs in a fresh process so peak memory is its own."""

from __future__ import annotations

import json
import random
import subprocess
import sys
import time

from benchmarks.common import ROOT, machine, peak_rss_mb

WORDS_PER_PAGE = 400
VOCABULARY = 20_000
PLANTED_SHARE = 0.02  # of pages get a near copy (a few words swapped)


def texts(n: int, seed: int = 7) -> tuple[dict[int, str], set[tuple[int, int]]]:
    """n page texts; PLANTED_SHARE of them have a copy with 1% of the words replaced (Jaccard ~0.9+)."""
    rng = random.Random(seed)
    vocabulary = [f"w{i}" for i in range(VOCABULARY)]
    pages: dict[int, str] = {}
    planted: set[tuple[int, int]] = set()
    key = 0
    originals = int(n * (1 - PLANTED_SHARE))
    for _ in range(originals):
        pages[key] = " ".join(rng.choices(vocabulary, k=WORDS_PER_PAGE))
        key += 1
    for original in rng.sample(range(originals), n - originals):
        words = pages[original].split()
        for index in rng.sample(range(len(words)), 2):  # two words swapped: a templated near-copy
            words[index] = rng.choice(vocabulary)
        pages[key] = " ".join(words)
        planted.add((original, key))
        key += 1
    return pages, planted


def measure(n: int) -> dict[str, float]:
    from auditor.neardup import groups

    pages, planted = texts(n)
    start = time.perf_counter()
    found = groups(pages, threshold=0.9, min_words=30)
    elapsed = time.perf_counter() - start
    pairs = {(a, b) for g in found for i, (a, _) in enumerate(g) for b, _ in g[i + 1 :]}
    pairs = {(min(a, b), max(a, b)) for a, b in pairs}
    hit = len(pairs & planted)
    return {
        "pages": n,
        "seconds": elapsed,
        "recall": hit / len(planted),
        "precision": hit / len(pairs) if pairs else 1.0,
        "peak_mb": peak_rss_mb(),
    }


def main() -> None:
    if len(sys.argv) > 1:
        print(json.dumps(measure(int(sys.argv[1]))))
        return
    print(
        f"near-duplicate pages, MinHash LSH at 0.9 ({machine()}; {WORDS_PER_PAGE} words a page, "
        f"{PLANTED_SHARE:.0%} planted near-copies)"
    )
    for n in (10_000, 100_000):
        done = subprocess.run(
            [sys.executable, "-m", "benchmarks.neardup", str(n)], capture_output=True, text=True, check=True, cwd=ROOT
        )
        r = json.loads(done.stdout)
        print(
            f"  {n:>7,} pages: {r['seconds']:.1f} s, peak memory {r['peak_mb']:.0f} MB, "
            f"recall {r['recall']:.3f}, precision {r['precision']:.3f}"
        )


if __name__ == "__main__":
    main()
