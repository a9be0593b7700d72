"""Train the link model on a labelled corpus (`auditor train`): the links of every page, labelled by the corpus,
described by `linkmodel.features`, fitted with scikit-learn's logistic regression. Reproducible: the solver is
deterministic, the rows are in manifest order, and the card records the corpus's hash.

The disclosure model (`disclosuremodel`) learns from the sentences with a disclosure keyword, labelled by the
statements of each page's label; it speaks only where the patterns found nothing, so its threshold is chosen by
the false pages it would add: within the training pages, by their own site-grouped cross-validation."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from auditor import blockmodel, disclosuremodel, pagetype, textmatch
from auditor.errors import AuditError, InputError
from auditor.linear import LinearModel, SoftmaxModel
from auditor.linkmodel import RULE_NETWORKS, candidate
from auditor.pagetype import KIND, TYPES
from auditor.trees import TreeModel

# The threshold and the L2 regularisation strength (C), chosen among thresholds 0.7-0.95, C 0.1-1 and class
# weights none, 1:3 and balanced by site-grouped 5-fold cross-validation on the corpus (`auditor eval --cv 5`):
# the choice with no false positive and the most links found beyond the catalogue's rules.
THRESHOLD = 0.9
C = 1.0
# The page-type model's regularisation (scikit-learn's default) and the fewest pages a feature must be seen on
# (a title word of one page teaches nothing of others). Site-grouped 5-fold accuracy moved by less than 0.05 over
# C 0.1-3 and 1-5 pages, so these hold the model small, not its figures up.
PAGE_TYPE_C = 1.0
PAGE_TYPE_MIN_PAGES = 3
FILE = "link-model.json"
# The block model: gradient-boosted trees (scikit-learn's histogram boosting, its default learning rate and leaf
# size; every tree grown, none held back by early stopping, and a fixed seed). A block is body text when at least
# half of its 4-word shingles are in the page's reference text, and the model calls it so at a probability of one
# half. The trees' number and size were chosen among 50-200 trees of 4-31 leaves, scored by scikit-learn itself in
# an experiment with the site-grouped folds `auditor eval --cv` uses (F1 0.926 at 4 leaves, 0.94-0.95 from 8 to
# 16), which flatters the quoted figure a little; 8 leaves is also the most a tree may have here (`trees.py`). A
# logistic regression over the same features scored 0.92 in that experiment.
BLOCK_TREES = 100
BLOCK_LEAVES = 8
BLOCK_THRESHOLD = 0.5
BLOCK_LABEL_SHARE = 0.5
# The disclosure model: logistic regression with classes weighted by their size (a page holds one statement among
# dozens of sentences with a keyword), character n-grams seen in DISCLOSURE_MIN_SENTENCES sentences or more.
# Chosen among word 1-2-grams, character 3-5-grams and both, C 1-10 and 3-10 sentences, under nested site-grouped
# cross-validation (the threshold chosen inside each training part): every character variant found the same
# pages; these keep the model small. The threshold is the lowest of DISCLOSURE_THRESHOLDS at which no page of the
# training part without a disclosure gains one, out of sample (DISCLOSURE_FOLDS site-grouped folds).
DISCLOSURE_C = 3.0
DISCLOSURE_MIN_SENTENCES = 10
DISCLOSURE_THRESHOLDS = (0.6, 0.7, 0.8, 0.85, 0.9, 0.95)
DISCLOSURE_FOLDS = 4
# The human article text of the corpus pages that have one (the ScrapingHub benchmark's `articleBody`)
ARTICLE_BODIES = Path("extraction") / "articlebody.json"


@dataclass(frozen=True, slots=True)
class Sample:
    """One link of a labelled page, as the link model sees it, and whether the label calls it affiliate."""

    page: str
    href: str
    features: dict[str, float]
    positive: bool


@dataclass(frozen=True, slots=True)
class DisclosurePage:
    """One labelled page as the disclosure model sees it: its candidate sentences, each with whether the label's
    statements hold it, whether the label gives a disclosure, and whether the patterns found one."""

    site: str
    sentences: list[tuple[str, bool]]
    expected: bool
    disclosed: bool
    sells: bool = True
    """The page has affiliate links the catalogue finds: the model reads only such pages."""


@dataclass
class TrainingData:
    """What the models learn from: the link model's samples, the page-type model's (features, type) pairs and
    the disclosure model's pages."""

    links: list[Sample] = field(default_factory=list)
    page_types: list[tuple[dict[str, float], str]] = field(default_factory=list)
    disclosures: list[DisclosurePage] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    """Pages that could not be read or audited, with why: they teach nothing (the eval reports them as errors)."""


def read_label(corpus: Path, row: dict[str, str]) -> tuple[Path, dict[str, Any]]:
    """A manifest row's page path and label; an InputError naming the label file when it cannot be read."""
    path = corpus / row["local_file"]
    label_path = corpus / "labels" / f"{path.stem}.json"
    try:
        label = json.loads(label_path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"{label_path}: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise InputError(f"{label_path}: not a label file ({exc})") from None
    if not isinstance(label, dict):
        raise InputError(f"{label_path}: not a label file (a JSON object)")
    return path, label


def labelled_page(corpus: Path, row: dict[str, str]) -> tuple[Path, dict[str, Any], bytes]:
    """A manifest row's page path, label and bytes, read as `auditor audit` reads a saved page (gzip inflated,
    the size capped), so that training sees what an audit sees."""
    from auditor.config import Config
    from auditor.fetch import read_file

    path, label = read_label(corpus, row)
    return path, label, read_file(path, Config().max_bytes)


@dataclass(frozen=True, slots=True)
class BlockSample:
    """One block of a corpus page, as the block model sees it, and whether the page's reference text holds it."""

    page: str
    features: dict[str, float]
    positive: bool


@cache
def article_bodies(corpus: Path) -> dict[str, str]:
    """The human article text of each corpus page that has one, by the page's manifest path."""
    path = corpus / ARTICLE_BODIES
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return {str(page): str(entry["articleBody"]) for page, entry in data.items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise InputError(f"{path}: not a file of article bodies ({exc})") from None


@cache
def teacher_text(data: bytes) -> str:
    """The main text trafilatura extracts from a page: the block model's label where no person wrote one. Without
    readers' comments, as the benchmark's human article texts are: comments are not the publisher's text."""
    try:
        import trafilatura
    except ImportError:
        raise InputError("training the block model needs trafilatura: pip install 'affiliate-auditor[train]'") from None
    return trafilatura.extract(data.decode("utf-8", "replace"), include_comments=False) or ""


def gather_blocks(corpus: Path, rows: list[dict[str, str]]) -> list[BlockSample]:
    """The block model's samples: every block of every page, labelled by the page's human article text or, where
    it has none, by the teacher's."""
    from auditor.pipeline import block_inputs

    bodies = article_bodies(corpus)
    samples: list[BlockSample] = []
    for row in rows:
        try:
            path, _, data = labelled_page(corpus, row)
            blocks = block_inputs(data)
        except AuditError:
            continue  # `gather` reports the page as skipped
        reference = bodies.get(row["local_file"])
        taught = reference is None
        if reference is None:
            reference = teacher_text(data)
        held = set(textmatch.shingles(reference))
        joined = f" {' '.join(textmatch.tokens(reference))} "
        labels = [textmatch.share_in(text, held, joined) >= BLOCK_LABEL_SHARE for text, _ in blocks]
        if taught:
            labels = _without_comments(blocks, labels)
        samples.extend(BlockSample(path.stem, f, positive) for (_, f), positive in zip(blocks, labels, strict=True))
    return samples


def _without_comments(blocks: list[tuple[str, dict[str, float]]], labels: list[bool]) -> list[bool]:
    """A teacher's labels less the blocks inside an element named as a comment: trafilatura keeps threads it does
    not recognise, and a person never counts readers' comments as the article. Unless those blocks hold most of
    the text the teacher kept (a forum's posts, or an article inside an element named so): then the labels stand,
    rather than leave the page without text."""
    words = [len(text.split()) if positive else 0 for (text, _), positive in zip(blocks, labels, strict=True)]
    in_threads = [bool(features.get("names_comment")) for _, features in blocks]
    if 2 * sum(w for w, thread in zip(words, in_threads, strict=True) if thread) > sum(words):
        return labels
    return [positive and not thread for positive, thread in zip(labels, in_threads, strict=True)]


def fit_blocks(samples: list[BlockSample], card: dict[str, Any] | None = None) -> TreeModel | None:
    """Gradient-boosted trees over the blocks' features; None where the samples do not hold both body text and
    other blocks (a small corpus of the user's own: the shipped block model stays in use)."""
    import numpy
    from sklearn.ensemble import HistGradientBoostingClassifier

    if not any(s.positive for s in samples) or all(s.positive for s in samples):
        return None
    rows = numpy.array([[s.features.get(name, 0.0) for name in blockmodel.COLUMNS] for s in samples])
    model = HistGradientBoostingClassifier(
        max_iter=BLOCK_TREES, max_leaf_nodes=BLOCK_LEAVES, early_stopping=False, random_state=0
    ).fit(rows, [s.positive for s in samples])
    return TreeModel(blockmodel.KIND, blockmodel.COLUMNS, _trees(model), _baseline(model), BLOCK_THRESHOLD, card or {})


def _trees(model: Any) -> tuple[dict[str, list[float]], ...]:
    """A fitted two-class HistGradientBoostingClassifier's trees as plain lists (`trees.NODE_FIELDS`). scikit-learn
    has no public export of these trees, so this reads the node table its own predictor walks (`_predictors`,
    unchanged in form since 0.21); tests/test_trees.py holds the exported model's probabilities equal to
    scikit-learn's, so a change of that table fails a test instead of a model. Where a missing value would go is
    not exported: no feature is ever missing (NaN)."""
    exported: list[dict[str, list[float]]] = []
    for (predictor,) in model._predictors:
        nodes = predictor.nodes
        leaf = nodes["is_leaf"].astype(bool)
        exported.append(
            {
                "feature": [0 if end else int(f) for end, f in zip(leaf, nodes["feature_idx"], strict=True)],
                "threshold": [0.0 if end else float(t) for end, t in zip(leaf, nodes["num_threshold"], strict=True)],
                "left": [-1 if end else int(n) for end, n in zip(leaf, nodes["left"], strict=True)],
                "right": [-1 if end else int(n) for end, n in zip(leaf, nodes["right"], strict=True)],
                "value": [float(v) if end else 0.0 for end, v in zip(leaf, nodes["value"], strict=True)],
            }
        )
    return tuple(exported)


def _baseline(model: Any) -> float:
    """The log-odds a fitted HistGradientBoostingClassifier starts every sample from (before its trees)."""
    return float(model._baseline_prediction.ravel()[0])


def _logistic(
    rows: list[dict[str, float]], labels: list[bool], c: float, max_iter: int
) -> tuple[dict[str, float], float]:
    """A two-class logistic regression's weights by feature name (those that round to a weight) and intercept."""
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    vectorizer = DictVectorizer()
    model = LogisticRegression(C=c, max_iter=max_iter).fit(vectorizer.fit_transform(rows), labels)
    weights = {
        name: round(float(w), 4)
        for name, w in zip(vectorizer.get_feature_names_out(), model.coef_[0], strict=True)
        if round(float(w), 4)
    }
    return weights, round(float(model.intercept_[0]), 4)


def gather(
    corpus: Path, rows: list[dict[str, str]], held_out: frozenset[str] = frozenset(), models: Path | None = None
) -> TrainingData:
    """The training data of these rows. Links: one sample per distinct href of a page (its first link) with a
    candidate's shape that no network, redirector or lookalike of the catalogue names; links the label calls
    unresolvable are left out, as neither right nor wrong. Page types: each page whose label gives one."""
    from auditor.evaluation import site
    from auditor.pipeline import training_inputs

    found = TrainingData()
    for row in rows:
        try:
            path, label, data = labelled_page(corpus, row)
            inputs = training_inputs(data, row.get("page_url", "").strip(), held_out, models)
        except AuditError as exc:
            found.skipped.append(f"{row['local_file']}: {exc}")
            continue
        links, page_features = inputs.links, inputs.page_type
        found.disclosures.append(_disclosure_page(site(row), label, inputs.sentences, inputs.disclosed, inputs.sells))
        affiliate = {a.get("href") for a in label.get("affiliate_links", []) if isinstance(a, dict)}
        unresolved = {u.get("href") if isinstance(u, dict) else u for u in label.get("unresolved", [])}
        seen: set[str] = set()
        for link, features in links:
            named = (link.affiliate and link.network not in RULE_NETWORKS) or (not link.affiliate and link.evidence)
            if named or not candidate(features) or link.raw_href in seen or link.raw_href in unresolved:
                continue
            seen.add(link.raw_href)
            found.links.append(Sample(path.stem, link.raw_href, features, link.raw_href in affiliate))
        if label.get("page_type") in TYPES:
            found.page_types.append((page_features, label["page_type"]))
    return found


def _disclosure_page(
    site: str, label: dict[str, Any], sentences: list[str], disclosed: bool, sells: bool
) -> DisclosurePage:
    """A sentence is a statement when it lies within one of the label's statement texts, or holds one that makes
    at least half of it (a label's "Werbung" does not make every sentence with the word a statement)."""
    said = label.get("disclosure")
    said = said if isinstance(said, dict) else {}
    expected = said.get("kind", "none") != "none"
    texts = [" ".join(str(t).lower().split()) for t in said.get("texts", []) if expected and isinstance(t, str)]
    texts = [t for t in texts if len(t) > 3]

    def stated(sentence: str) -> bool:
        s = " ".join(sentence.lower().split())
        return any(s in t or (t in s and 2 * len(t) >= len(s)) for t in texts)

    return DisclosurePage(site, [(s, stated(s)) for s in sentences], expected, disclosed, sells)


def _fit_sentences(pages: list[DisclosurePage]) -> tuple[Any, Any] | None:
    """The vectoriser and the logistic regression fitted on these pages' sentences; None without both classes."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    texts = [s for page in pages for s, _ in page.sentences]
    labels = [y for page in pages for _, y in page.sentences]
    if not any(labels) or all(labels) or len(texts) < DISCLOSURE_MIN_SENTENCES:
        return None
    vectorizer = TfidfVectorizer(
        analyzer=disclosuremodel.grams, use_idf=False, sublinear_tf=True, min_df=DISCLOSURE_MIN_SENTENCES
    )
    x = vectorizer.fit_transform(texts)
    model = LogisticRegression(C=DISCLOSURE_C, class_weight="balanced", max_iter=3000).fit(x, labels)
    return vectorizer, model


def _disclosure_threshold(pages: list[DisclosurePage]) -> float:
    """The lowest threshold at which no page that sells without a disclosure, and that the patterns left alone,
    gains one, out of sample: each such page scored by a model fitted on the other sites' pages."""
    from sklearn.model_selection import GroupKFold

    sites = [page.site for page in pages]
    folds = min(DISCLOSURE_FOLDS, len(set(sites)))
    worst = 0.0
    if folds >= 2:
        for train, test in GroupKFold(n_splits=folds).split(pages, groups=sites):
            fitted = _fit_sentences([pages[i] for i in train])
            if fitted is None:
                continue
            vectorizer, model = fitted
            for i in test:
                page = pages[i]
                if page.sentences and page.sells and not page.expected and not page.disclosed:
                    found = model.predict_proba(vectorizer.transform([s for s, _ in page.sentences]))[:, 1]
                    worst = max(worst, float(found.max()))
    return next((t for t in DISCLOSURE_THRESHOLDS if t > worst), 1.0)


def fit_disclosures(pages: list[DisclosurePage], card: dict[str, Any] | None = None) -> LinearModel | None:
    """The disclosure model over these pages' sentences; None where they hold no labelled statement. Every n-gram
    of the vocabulary is kept, with its weight: the audit scales a sentence's vector over all of them."""
    fitted = _fit_sentences(pages)
    if fitted is None:
        return None
    vectorizer, model = fitted
    names = vectorizer.get_feature_names_out()
    weights = {str(n): round(float(w), 4) for n, w in zip(names, model.coef_[0], strict=True)}
    threshold = _disclosure_threshold(pages)
    return LinearModel(disclosuremodel.KIND, weights, round(float(model.intercept_[0]), 4), threshold, card or {})


def fit_page_types(samples: list[tuple[dict[str, float], str]], card: dict[str, Any] | None = None) -> SoftmaxModel:
    """A multinomial logistic regression over the pages' features seen on PAGE_TYPE_MIN_PAGES pages or more."""
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    if len({kind for _, kind in samples}) < 2:
        raise InputError("the page-type model needs labelled pages of at least two types")
    seen = Counter(name for features, _ in samples for name in features)
    kept = [{k: v for k, v in features.items() if seen[k] >= PAGE_TYPE_MIN_PAGES} for features, _ in samples]
    vectorizer = DictVectorizer()
    x = vectorizer.fit_transform(kept)
    model = LogisticRegression(C=PAGE_TYPE_C, max_iter=3000).fit(x, [kind for _, kind in samples])
    names = vectorizer.get_feature_names_out()
    classes = [str(c) for c in model.classes_]
    if len(classes) == 2:  # scikit-learn keeps one row of weights for two classes: the second class's
        rows = [-model.coef_[0], model.coef_[0]]
        intercepts = [-model.intercept_[0], model.intercept_[0]]
    else:
        rows, intercepts = list(model.coef_), list(model.intercept_)
    return SoftmaxModel(
        KIND,
        {c: round(float(b), 4) for c, b in zip(classes, intercepts, strict=True)},
        {
            c: {n: round(float(w), 4) for n, w in zip(names, row, strict=True) if round(float(w), 4)}
            for c, row in zip(classes, rows, strict=True)
        },
        card or {},
    )


def fit(samples: list[Sample], card: dict[str, Any] | None = None) -> LinearModel:
    """A logistic regression over the samples' features; only the features with a weight are kept."""
    if not any(s.positive for s in samples) or all(s.positive for s in samples):
        raise InputError("the link model needs labelled pages with both affiliate and other links")
    weights, intercept = _logistic([s.features for s in samples], [s.positive for s in samples], C, 2000)
    return LinearModel("links", weights, intercept, THRESHOLD, card or {})


def save(
    model: LinearModel | None,
    folder: Path,
    page_types: SoftmaxModel | None = None,
    blocks: TreeModel | None = None,
    disclosures: LinearModel | None = None,
) -> None:
    files = ((model, FILE), (page_types, pagetype.FILE), (blocks, blockmodel.FILE), (disclosures, disclosuremodel.FILE))
    for fitted, name in files:
        if fitted is not None:
            text = json.dumps(fitted.to_json(), ensure_ascii=False, indent=1) + "\n"
            (folder / name).write_text(text, encoding="utf-8")


def corpus_hash(corpus: Path, rows: list[dict[str, str]]) -> str:
    """SHA-256 over the manifest, and every labelled page and label file in manifest order."""
    digest = hashlib.sha256((corpus / "MANIFEST.tsv").read_bytes())
    for row in rows:
        path = corpus / row["local_file"]
        digest.update(path.read_bytes())
        digest.update((corpus / "labels" / f"{path.stem}.json").read_bytes())
    return digest.hexdigest()


def page_type_model(
    samples: list[tuple[dict[str, float], str]], card: dict[str, Any] | None = None
) -> SoftmaxModel | None:
    """The page-type model, where the labels give two types or more."""
    return fit_page_types(samples, card) if len({kind for _, kind in samples}) >= 2 else None


def train(
    corpus: Path, folds: int = 5, output: str = "rules"
) -> tuple[LinearModel, SoftmaxModel | None, TreeModel | None, LinearModel | None]:
    """The models fitted on the whole corpus, with cards of their data and their out-of-sample figures."""
    import tempfile

    from auditor.evaluation import evaluate, labelled_rows, site

    rows = labelled_rows(corpus)
    block_samples = gather_blocks(corpus, rows)
    blocks = fit_blocks(block_samples)
    with tempfile.TemporaryDirectory(prefix="auditor-train-") as scratch:
        save(None, Path(scratch), blocks=blocks)  # the links are read as an audit reads them: with the block model
        data = gather(corpus, rows, models=Path(scratch))
    samples = data.links
    figures = evaluate(corpus, folds=folds).summary()["overall"]
    digest = corpus_hash(corpus, rows)
    trained, command = date.today().isoformat(), f"auditor train CORPUS --cv {folds} -o {output}"
    method = f"{folds}-fold cross-validation grouped by site; each fold's models and knowledge never saw it"
    card = {
        "trained": trained,
        "command": command,
        "data": {
            "corpus_sha256": digest,
            "pages": len(rows),
            "sites": len({site(row) for row in rows}),
            "links": len(samples),
            "affiliate_links": sum(s.positive for s in samples),
        },
        "model": f"logistic regression (scikit-learn, C={C}), threshold {THRESHOLD}; C and the threshold were "
        "chosen by the same cross-validation whose figures are below, which flatters them a little",
        "features": "linkmodel.features: URL shape, the link's element, its page; no host or id of any page",
        "out_of_sample": {
            "method": method,
            "links_precision": figures["links_distinct"]["precision"],
            "links_recall": figures["links_distinct"]["recall"],
            "disclosure_precision": figures["disclosure_presence"]["precision"],
            "disclosure_recall": figures["disclosure_presence"]["recall"],
            "placement_accuracy": figures["placement_accuracy"],
        },
    }
    typed = data.page_types
    types_card = {
        "trained": trained,
        "command": command,
        "data": {"corpus_sha256": digest, "pages": len(typed), "types": sorted(TYPES)},
        "model": f"multinomial logistic regression (scikit-learn, C={PAGE_TYPE_C})",
        "features": "pagetype.features: structured-data types, words of title, path and headings, selling shape",
        "out_of_sample": {"method": method, "accuracy": figures["page_type_accuracy"]},
    }
    bodies = article_bodies(corpus)
    text, article = figures["editorial_text"] or {}, figures["article_text"] or {}
    blocks_card = {
        "trained": trained,
        "command": command,
        "data": {
            "corpus_sha256": digest,
            "pages": len(rows),
            "blocks": len(block_samples),
            "body_blocks": sum(s.positive for s in block_samples),
            "labels": f"the human article text of {len(bodies)} pages ({ARTICLE_BODIES}); for the others, the text "
            f"trafilatura {_version('trafilatura')} extracts, less blocks inside a readers' comment thread unless "
            "they hold most of its text; a block is body text when at least half of its 4-word shingles are in it",
        },
        "model": f"gradient-boosted trees (scikit-learn's HistGradientBoostingClassifier, {BLOCK_TREES} trees of "
        f"{BLOCK_LEAVES} leaves), threshold {BLOCK_THRESHOLD}",
        "features": "blockmodel.features: words, link words, punctuation, tag, landmark, neighbours, the share of "
        "the page's prose in its containers, families of numbered ids, what the nearest id and the nearest class "
        "or id words around the block read as (Mozilla Readability's published word patterns: boilerplate, "
        "content, a comment); no word of any page's text",
        "out_of_sample": {
            "method": method,
            "editorial_text": "F1 of the ScrapingHub benchmark's 4-word shingles against the human article text: "
            "the main region's editorial blocks and subheadings, the title aside",
            "pages": text.get("pages"),
            "precision": text.get("precision"),
            "recall": text.get("recall"),
            "f1": text.get("f1"),
            "article_text": {
                "what": "the same with the main content's product boxes and disclosures, as an extractor keeps them",
                "precision": article.get("precision"),
                "recall": article.get("recall"),
                "f1": article.get("f1"),
            },
        },
    }
    blocks = replace(blocks, card=blocks_card) if blocks is not None else None
    pages = data.disclosures
    disclosures_card = {
        "trained": trained,
        "command": command,
        "data": {
            "corpus_sha256": digest,
            "pages": len(pages),
            "sentences": sum(len(p.sentences) for p in pages),
            "statements": sum(y for p in pages for _, y in p.sentences),
            "labels": "a sentence with a disclosure keyword is a statement when it lies within one of its page "
            "label's statement texts, or holds one that makes at least half of it",
            # the sentences it reads are those with one of these: retrain when the wording file's keywords change
            "keywords": disclosuremodel.keywords(),
        },
        "model": f"logistic regression (scikit-learn, C={DISCLOSURE_C}, classes weighted by size); its threshold is "
        "the lowest at which no page without a disclosure gains one in site-grouped cross-validation of the "
        "training pages; used only on pages where the wording patterns find no statement",
        "features": f"disclosuremodel.grams: character 3- to 5-grams within words, seen in {DISCLOSURE_MIN_SENTENCES} "
        "sentences or more, sublinear counts, unit length",
        "out_of_sample": {
            "method": method,
            "disclosure_precision": figures["disclosure_presence"]["precision"],
            "disclosure_recall": figures["disclosure_presence"]["recall"],
            "placement_accuracy": figures["placement_accuracy"],
        },
    }
    return fit(samples, card), page_type_model(typed, types_card), blocks, fit_disclosures(pages, disclosures_card)


def _version(package: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(package)
    except PackageNotFoundError:
        return "(not installed)"
