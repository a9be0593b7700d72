"""Measure the auditor against a labelled corpus: affiliate-link precision and recall, disclosure presence,
kind and placement, auto-affiliate scripts; overall and per source, with every error listed and explained.

The corpus layout: `MANIFEST.tsv` (local_file, category, page_url, ...), `pages/<source>/<name>.html`, and
`labels/<name>.json` (affiliate_links[].href and count, unresolved[], auto_affiliate_scripts[], disclosure{}).
Labels are read only here, after the audit; the pipeline never sees them.
"""

from __future__ import annotations

import csv
import tempfile
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from auditor import textmatch
from auditor.config import Config
from auditor.errors import InputError
from auditor.fetch import audit_file
from auditor.models import PageResult
from auditor.networks import site_of
from auditor.textmodel import reads_as_main

NEGATIVE_CATEGORIES = ("tricky_lookalike", "editorial_negative")
WEAK_TEXT_F1 = 0.9  # the pages whose editorial text the detailed report lists


@dataclass
class Tally:
    """True and false positives and negatives, for one measure."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, other: Tally) -> None:
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
        }


@dataclass
class PageScore:
    name: str
    source: str
    category: str
    distinct: Tally
    occurrences: Tally
    false_positives: list[dict[str, str]]
    misses: list[dict[str, str]]
    disclosure_expected: dict[str, Any]
    disclosure_found: dict[str, Any]
    scripts_expected: list[str]
    scripts_found: list[str]
    claimed: int
    error: str | None = None
    page_type: tuple[str | None, str | None] = (None, None)
    """The labelled page type and the one found."""
    body_text: tuple[float, float] | None = None
    """Where a person wrote the page's article text: the precision and recall of the editorial text against it."""
    article_text: tuple[float, float] | None = None
    """And of the article text (`article_text`) against it."""


@dataclass
class Report:
    pages: list[PageScore] = field(default_factory=list)
    folds: int = 0
    """0: every page scored with all the project's knowledge; K: site-grouped K-fold, out of sample."""
    page_type_splits: list[float] = field(default_factory=list)
    """Out of sample: the page-type accuracy of each of several shuffled site-grouped splits (one split's figure
    moves by several points with which sites share a fold: 8 types, some with five pages)."""

    def tallies(self, pages: Iterable[PageScore]) -> dict[str, Any]:
        distinct, occurrences, presence = Tally(), Tally(), Tally()
        kind_ok = placement_ok = n = typed = type_ok = 0
        scored = list(pages)
        for page in scored:
            n += 1
            if page.page_type[0] is not None:
                typed += 1
                type_ok += page.page_type[0] == page.page_type[1]
            distinct.add(page.distinct)
            occurrences.add(page.occurrences)
            expected = page.disclosure_expected.get("kind", "none") != "none"
            found = bool(page.disclosure_found.get("present"))
            presence.tp += expected and found
            presence.fp += found and not expected
            presence.fn += expected and not found
            kind_ok += page.disclosure_expected.get("kind") == page.disclosure_found.get("kind")
            placement_ok += page.disclosure_expected.get("placement") == page.disclosure_found.get("placement")
        return {
            "pages": n,
            "links_distinct": distinct.as_dict(),
            "links_occurrences": occurrences.as_dict(),
            "disclosure_presence": presence.as_dict(),
            "disclosure_kind_accuracy": round(kind_ok / n, 4) if n else 1.0,
            "placement_accuracy": round(placement_ok / n, 4) if n else 1.0,
            "page_type_accuracy": round(type_ok / typed, 4) if typed else None,
            "editorial_text": _text_scores([p.body_text for p in scored if p.body_text is not None]),
            "article_text": _text_scores([p.article_text for p in scored if p.article_text is not None]),
        }

    def summary(self) -> dict[str, Any]:
        by_source: dict[str, list[PageScore]] = defaultdict(list)
        for page in self.pages:
            by_source[page.source].append(page)
        confusion: Counter[tuple[str, str]] = Counter(
            (p.disclosure_expected.get("placement", "none"), p.disclosure_found.get("placement", "none"))
            for p in self.pages
        )
        scripts_needed = [p for p in self.pages if p.scripts_expected]
        scripts_missed = [
            {"page": p.name, "expected": p.scripts_expected, "found": p.scripts_found}
            for p in scripts_needed
            if not set(p.scripts_expected) <= set(p.scripts_found)
        ]
        negatives = [p for p in self.pages if p.category in NEGATIVE_CATEGORIES]
        overall = self.tallies(self.pages)
        if self.page_type_splits:
            # the figure quoted is the mean over shuffled splits; the split the pages were audited in (and the
            # per-source figures) is kept beside it
            overall["page_type_accuracy_audited_split"] = overall["page_type_accuracy"]
            overall["page_type_accuracy"] = round(sum(self.page_type_splits) / len(self.page_type_splits), 4)
        return {
            "validation": (
                {"method": "GroupKFold", "folds": self.folds, "groups": "site (page_host)", "out_of_sample": True}
                if self.folds
                else {"method": "none", "out_of_sample": False}
            ),
            "overall": overall,
            "page_type_splits": self.page_type_splits,
            "by_source": {source: self.tallies(pages) for source, pages in sorted(by_source.items())},
            "placement_confusion": [{"expected": e, "found": f, "pages": n} for (e, f), n in sorted(confusion.items())],
            "auto_affiliate_scripts": {"pages": len(scripts_needed), "missed": scripts_missed},
            "negative_pages": {
                "pages": len(negatives),
                "claimed": [{"page": p.name, "links": p.claimed} for p in negatives if p.claimed],
            },
            "false_positives": [fp | {"page": p.name} for p in self.pages for fp in p.false_positives],
            "misses": [m | {"page": p.name} for p in self.pages for m in p.misses],
            "editorial_text_pages": sorted(
                (_text_page(p.name, *p.body_text) for p in self.pages if p.body_text is not None),
                key=lambda page: (page["f1"], page["page"]),
            ),
            "disclosure_errors": [
                {"page": p.name, "expected": p.disclosure_expected, "found": p.disclosure_found}
                for p in self.pages
                if (p.disclosure_expected.get("kind"), p.disclosure_expected.get("placement"))
                != (p.disclosure_found.get("kind"), p.disclosure_found.get("placement"))
            ],
            "errors": [{"page": p.name, "error": p.error} for p in self.pages if p.error],
        }


def _text_scores(scores: list[tuple[float, float]]) -> dict[str, Any] | None:
    """The benchmark's figures: precision and recall averaged over pages (each page weighs the same), and the F1
    of the two averages."""
    if not scores:
        return None
    precision = sum(p for p, _ in scores) / len(scores)
    recall = sum(r for _, r in scores) / len(scores)
    return {
        "pages": len(scores),
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(textmatch.f1(precision, recall), 4),
    }


def _text_page(name: str, precision: float, recall: float) -> dict[str, Any]:
    f1 = textmatch.f1(precision, recall)
    return {"page": name, "precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4)}


def editorial_text(result: PageResult) -> str:
    """The page's editorial text as the benchmark measure reads it: the editorial blocks of the main content with
    their subheadings, the title (`<h1>`) aside, as a human article body has them."""
    return " ".join(b.text for b in result.blocks if b.kind == "editorial" and b.region == "main" and b.tag != "h1")


def article_text(result: PageResult) -> str:
    """The text an extractor would give for the page: what reads as its content (`textmodel.reads_as_main`: the
    main region's editorial blocks, and its product boxes and disclosures, which a human article body keeps as
    text and the auditor names), the title aside. The benchmark's figures for extractors are of this."""
    return " ".join(b.text for b in result.blocks if reads_as_main(b.region, b.kind) and b.tag != "h1")


def _service(label: str) -> str:
    """'skimlinks (site id pushed to dataLayer)' -> 'skimlinks'."""
    return label.split()[0].split("(")[0].strip().lower()


def score_page(result: PageResult, label: dict[str, Any], name: str, source: str, category: str) -> PageScore:
    """Compare one audited page with its label."""
    unresolved = {u["href"] if isinstance(u, dict) else u for u in label.get("unresolved", [])}
    expected = {a["href"]: a for a in label.get("affiliate_links", [])}
    claimed: dict[str, list[str]] = defaultdict(list)
    for link in result.links:
        if link.affiliate and link.raw_href not in unresolved:
            claimed[link.raw_href].append(link.evidence)
    distinct = Tally(
        tp=len(expected.keys() & claimed.keys()),
        fp=len(claimed.keys() - expected.keys()),
        fn=len(expected.keys() - claimed.keys()),
    )
    occurrences = Tally()
    for href, entry in expected.items():
        found = len(claimed.get(href, ()))
        count = int(entry.get("count", 1))
        occurrences.tp += min(found, count)
        occurrences.fn += max(0, count - found)
        occurrences.fp += max(0, found - count)
    for href in claimed.keys() - expected.keys():
        occurrences.fp += len(claimed[href])
    disclosure = label.get("disclosure", {})
    return PageScore(
        name=name,
        source=source,
        category=category,
        distinct=distinct,
        occurrences=occurrences,
        false_positives=[{"href": h, "why": claimed[h][0]} for h in sorted(claimed.keys() - expected.keys())],
        misses=[{"href": h, "why": expected[h].get("why", "")} for h in sorted(expected.keys() - claimed.keys())],
        disclosure_expected={"kind": disclosure.get("kind", "none"), "placement": disclosure.get("placement", "none")},
        disclosure_found={
            "present": result.disclosure.present,
            "kind": result.disclosure.kind,
            "placement": result.disclosure.placement,
        },
        scripts_expected=sorted({_service(s) for s in label.get("auto_affiliate_scripts", [])}),
        scripts_found=sorted({s.service for s in result.scripts}),
        claimed=sum(len(v) for v in claimed.values()),
        page_type=(label.get("page_type"), result.page_type.type if result.page_type else None),
    )


def labelled_rows(corpus: Path) -> list[dict[str, str]]:
    """The manifest's rows that have a label file, in manifest order."""
    manifest = corpus / "MANIFEST.tsv"
    if not manifest.is_file():
        raise InputError(f"{corpus}: no MANIFEST.tsv here; is this a corpus folder?")
    try:
        with manifest.open(encoding="utf-8") as handle:
            reader = csv.DictReader(handle, delimiter="\t")
            if "local_file" not in (reader.fieldnames or ()):
                raise InputError(f"{manifest}: no local_file column (the page's path in the corpus)")
            rows = list(reader)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise InputError(f"{manifest}: cannot read it ({exc})") from None
    return [
        row
        for row in rows
        if row.get("local_file") and (corpus / "labels" / f"{Path(row['local_file']).stem}.json").is_file()
    ]


def site(row: dict[str, str]) -> str:
    """The site a page belongs to, the unit of cross-validation: its registrable domain."""
    host = (row.get("page_host") or urlsplit(row.get("page_url", "").strip()).hostname or "").lower()
    return site_of(host) if host else row["local_file"]


def evaluate(corpus: Path, config: Config | None = None, folds: int = 0) -> Report:
    """Audit every labelled page of the corpus and score it. With `folds` >= 2, out of sample: the sites are
    split into that many groups (scikit-learn's GroupKFold), and each group's pages are audited without the
    knowledge first met on that group's own pages (`seen_on` in the rule data) and with link, page-type, block
    and disclosure models trained on the other groups alone: the figures a new site gets."""
    config = config or Config()
    rows = labelled_rows(corpus)
    if folds < 2:
        report = Report()
        report.pages = [_score_row(corpus, row, config) for row in rows]
        return report
    from sklearn.model_selection import GroupKFold

    from auditor.training import fit, fit_blocks, fit_disclosures, gather, gather_blocks, page_type_model, save

    groups = [site(row) for row in rows]
    if folds > len(set(groups)):
        raise InputError(f"--cv {folds}: the corpus has only {len(set(groups))} sites")
    scores: dict[int, PageScore] = {}
    with tempfile.TemporaryDirectory(prefix="auditor-cv-") as scratch:
        for k, (train, test) in enumerate(GroupKFold(n_splits=folds).split(rows, groups=groups)):
            fold = frozenset(groups[i] for i in test)
            folder = Path(scratch) / f"fold-{k}"
            folder.mkdir()
            seen = [rows[i] for i in train]
            save(None, folder, blocks=fit_blocks(gather_blocks(corpus, seen)))  # the links are read with it
            data = gather(corpus, seen, held_out=fold, models=folder)
            save(
                fit(data.links), folder, page_type_model(data.page_types), disclosures=fit_disclosures(data.disclosures)
            )
            for i in test:
                scores[i] = _score_row(corpus, rows[i], replace(config, held_out=fold, models=folder))
    report = Report(folds=folds, page_type_splits=_page_type_splits(corpus, rows, groups, folds))
    report.pages = [scores[i] for i in range(len(rows))]
    return report


def _page_type_splits(
    corpus: Path, rows: list[dict[str, str]], groups: list[str], folds: int, splits: int = 5
) -> list[float]:
    """The page-type model's accuracy out of sample, once per shuffled site-grouped split (seeds 0 to
    `splits` - 1): each page is read without the knowledge first met on its own site, and typed by a model
    fitted on the other folds' pages."""
    from sklearn.model_selection import GroupKFold

    from auditor.training import gather, page_type_model

    typed = [
        (i, sample) for i, row in enumerate(rows) for sample in gather(corpus, [row], frozenset({groups[i]})).page_types
    ]
    if len({kind for _, (_, kind) in typed}) < 2:
        return []
    sites = [groups[i] for i, _ in typed]
    found = []
    for seed in range(splits):
        right = 0
        for train, test in GroupKFold(n_splits=folds, shuffle=True, random_state=seed).split(typed, groups=sites):
            model = page_type_model([typed[j][1] for j in train])
            right += sum(model is not None and model.predict(typed[j][1][0])[0] == typed[j][1][1] for j in test)
        found.append(round(right / len(typed), 4))
    return found


def _score_row(corpus: Path, row: dict[str, str], config: Config) -> PageScore:
    """One page audited and scored against its label; a page or label that cannot be read is scored as an error."""
    from auditor.training import article_bodies, read_label

    path = corpus / row["local_file"]
    source = path.parent.name
    category = row.get("category", "")
    try:
        _, label = read_label(corpus, row)
        result = audit_file(path, url=row.get("page_url", "").strip(), config=config)
    except InputError as exc:
        return PageScore(path.stem, source, category, Tally(), Tally(), [], [], {}, {}, [], [], 0, error=str(exc))
    scored = score_page(result, label, path.stem, source, category)
    body = article_bodies(corpus).get(row["local_file"])
    if body is not None:
        scored.body_text = textmatch.precision_recall(body, editorial_text(result))
        scored.article_text = textmatch.precision_recall(body, article_text(result))
    return scored


def render_text(summary: dict[str, Any], details: bool = True) -> str:
    lines: list[str] = []

    def tallies(title: str, t: dict[str, Any]) -> None:
        d, o, p = t["links_distinct"], t["links_occurrences"], t["disclosure_presence"]
        lines.append(
            f"{title:<22} pages {t['pages']:>3}  links P {d['precision']:.3f} R {d['recall']:.3f} "
            f"(tp {d['tp']} fp {d['fp']} fn {d['fn']})  occurrences P {o['precision']:.3f} R {o['recall']:.3f}  "
            f"disclosure P {p['precision']:.3f} R {p['recall']:.3f}  kind {t['disclosure_kind_accuracy']:.3f}  "
            f"placement {t['placement_accuracy']:.3f}"
            + (f"  page type {t['page_type_accuracy']:.3f}" if t["page_type_accuracy"] is not None else "")
        )

    validation = summary["validation"]
    if validation["out_of_sample"]:
        lines.append(f"out of sample: {validation['folds']}-fold cross-validation grouped by site")
        if summary["page_type_splits"]:
            shown = ", ".join(f"{a:.3f}" for a in summary["page_type_splits"])
            audited = summary["overall"]["page_type_accuracy_audited_split"]
            lines.append(
                f"page type: the mean of {len(summary['page_type_splits'])} shuffled splits ({shown}); "
                f"{audited:.3f} in the split the pages were audited in (the per-source figures)"
            )
    else:
        lines.append("in sample: every page scored with all knowledge, including what was met on it (see --cv)")
    tallies("overall", summary["overall"])
    for source, t in summary["by_source"].items():
        tallies(source, t)
    text, article = summary["overall"]["editorial_text"], summary["overall"]["article_text"]
    if text and article:
        lines.append(
            f"editorial text against {text['pages']} human article bodies (the ScrapingHub benchmark's measure): "
            f"P {text['precision']:.3f} R {text['recall']:.3f} F1 {text['f1']:.3f}; with the product boxes and "
            f"disclosures of the main content, as an extractor keeps them: P {article['precision']:.3f} "
            f"R {article['recall']:.3f} F1 {article['f1']:.3f}"
        )
    lines.append("")
    lines.append("placement confusion (expected -> found: pages)")
    for row in summary["placement_confusion"]:
        mark = "" if row["expected"] == row["found"] else "   <-"
        lines.append(f"  {row['expected']:<28} -> {row['found']:<28} {row['pages']:>3}{mark}")
    scripts = summary["auto_affiliate_scripts"]
    lines.append(f"\nauto-affiliate scripts: {scripts['pages']} labelled pages, {len(scripts['missed'])} missed")
    for miss in scripts["missed"]:
        lines.append(f"  missed {miss['page']}: expected {miss['expected']}, found {miss['found']}")
    negatives = summary["negative_pages"]
    lines.append(
        f"negative pages (lookalike, editorial): {negatives['pages']}, "
        f"with affiliate links claimed: {len(negatives['claimed'])}"
    )
    for claim in negatives["claimed"]:
        lines.append(f"  {claim['page']}: {claim['links']} link(s)")
    if details:
        lines.append(f"\nfalse positives ({len(summary['false_positives'])})")
        for fp in summary["false_positives"]:
            lines.append(f"  {fp['page']}: {fp['href'][:110]}\n      because {fp['why']}")
        lines.append(f"\nmisses ({len(summary['misses'])})")
        for miss in summary["misses"]:
            lines.append(f"  {miss['page']}: {miss['href'][:110]}\n      label: {miss['why'][:140]}")
        weak = [page for page in summary["editorial_text_pages"] if page["f1"] < WEAK_TEXT_F1]
        if summary["editorial_text_pages"]:
            lines.append(
                f"\neditorial text under F1 {WEAK_TEXT_F1} ({len(weak)} of {len(summary['editorial_text_pages'])} "
                "pages; precision low: text kept that the article lacks, recall low: article text left out)"
            )
        for page in weak:
            lines.append(f"  {page['page']}: F1 {page['f1']:.3f}  P {page['precision']:.3f}  R {page['recall']:.3f}")
        lines.append(f"\ndisclosure errors ({len(summary['disclosure_errors'])})")
        for err in summary["disclosure_errors"]:
            lines.append(f"  {err['page']}: expected {err['expected']}, found {err['found']}")
    for err in summary["errors"]:
        lines.append(f"error {err['page']}: {err['error']}")
    return "\n".join(lines) + "\n"
