"""Training data and training for the block classifier (:mod:`.classifier`).

Block labels (1 = content, 0 = boilerplate, ``None`` = unlabelled, left out of training):

- **article gold** (``articleBody``, aeb-en-dev*): the block's ``\\w+`` tokens (case-folded) are
  aligned with the gold body's (:class:`difflib.SequenceMatcher` over the whole page, runs of at
  least :data:`GOLD_MIN_RUN` tokens, so a lone common word is not a match); a block is content
  when at least :data:`GOLD_CONTENT_SHARE` of its tokens are aligned, else boilerplate. Blocks
  without a word character are unlabelled.
- **snippet gold** (``with``/``without``, trafilatura-*): after folding whitespace, a block is
  content when a ``with`` snippet is inside it (or it is inside a ``with`` snippet and has at
  least :data:`SNIPPET_MIN_CHARS` characters: snippets may cross lines), boilerplate when a
  ``without`` snippet is (the same way), unlabelled otherwise or when both match.
- **reviewed documents** (a workspace or a release): every block of a document whose ``status``
  is ``reviewed``; content when ``is_boilerplate`` is false.

Cross-validation (:func:`cross_validate`) is k-fold by **site**: the pages of one host (from the
gold's ``url``, else the page itself) are in the same fold, so a site template is never both
trained on and tested. Training is deterministic: LightGBM with ``deterministic=True``,
``num_threads=1``, a fixed seed, and folds from a hash of the site name.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import numpy as np

from ..errors import InputError
from ..records import Document, RawDocument
from . import CorpusStats, Signals, block_signals
from .classifier import SHORT_MAX_BLOCKS, BlockClassifier, _feature_record
from .features import CATEGORICAL, FEATURES, TEXT_FEATURES, block_features
from .title import TITLE_FEATURES, is_page_title, page_titles, title_rows
from .title import candidates as title_candidates

__all__ = [
    "Example",
    "gold_examples",
    "reviewed_examples",
    "train_classifier",
    "cross_validate",
    "LGBM_PARAMS",
]

#: Alignment runs shorter than this many tokens do not count (chance matches).
GOLD_MIN_RUN = 3
#: Share of a block's tokens in the gold body for the block to be content (a majority).
GOLD_CONTENT_SHARE = 0.5
#: A block inside a longer snippet must have this many characters to take its label.
SNIPPET_MIN_CHARS = 15
#: Training weight of a block labelled by snippet gold (article and reviewed blocks weigh 1). A
#: snippet page has about 6 labelled blocks, an article page about 170: without it the snippet
#: pages barely count. Measured (cross-validated, 2026-12-02): weight 5 vs 1, HTML path FR
#: snippet 1.000 vs 0.987, plain text EN token F1 0.932 vs 0.916.
SNIPPET_WEIGHT = 5.0
#: The html booster's blocks also weigh by their length: ``sqrt(words)``, divided by the page's
#: mean over its labelled blocks (so a page's total weight stays its number of labelled blocks).
#: The figures count tokens (token F1) and snippets inside long paragraphs, so a long paragraph
#: should cost more to miss than a one-word link. Measured (5-fold CV by site, three fold
#: assignments, 2026-12-03): HTML EN 0.980 -> 0.987, EN2 0.974 -> 0.976, FR 0.987 -> 0.987,
#: multi 0.930 -> 0.931; ``log(1 + words)`` and ``words ** 0.75`` raised less, ``words`` lowered
#: multi. The text booster stays unweighted: every weighting lowered its figures (sqrt: EN2
#: 0.926 -> 0.918, FR 0.939 -> 0.930).
HTML_LENGTH_WEIGHT = True
#: Short documents cut from each gold page (:func:`crop_examples`), the training data of the
#: ``short`` booster (plain-text documents of at most ``SHORT_MAX_BLOCKS`` blocks). The gold pages
#: are whole web pages (about 170 blocks), but users also bring short texts (wire stories, JSONL
#: records of a few paragraphs), where the text booster had never seen a page made only of
#: prose: a fresh-user trial's three-line Reuters stories lost their first or last line
#: (2026-12-03). Measured (5-fold CV by site, three fold assignments, on the 340 crops of at most
#: 12 blocks of the held-out sites that are fully labelled): token F1 0.938 with the text
#: booster, 0.950 with the short booster. Whole pages keep the text booster, trained on pages
#: only: training it on pages and crops together raised the crops as much but cost multi 0.010
#: (1 or 4 crops per page: within ±0.005; crops weighing half: no better). Again on
#: 2026-12-03 (sixth session), short booster only, the same 340 crops: 2 per page 0.9497, 4 per
#: page 0.9521, 8 per page 0.9508; 4 took the photo caption of the project's caption-above-body
#: test page for content (p 0.46 → 0.66), so 2 stays until a caption gold can settle it.
CROPS_PER_PAGE = 2
#: Longest random crop, in blocks (= the classifier's ``SHORT_MAX_BLOCKS``).
CROP_MAX_BLOCKS = SHORT_MAX_BLOCKS
#: Set-name suffix of the crop examples.
CROPS_SUFFIX = "#crops"
#: Number of cross-validation folds.
CV_FOLDS = 5
SEED = 20261202

#: LightGBM parameters (deterministic; small trees so the model file stays < 1 MB).
LGBM_PARAMS: dict[str, Any] = {
    "objective": "binary",
    "learning_rate": 0.08,
    "num_leaves": 15,
    "min_data_in_leaf": 20,
    "feature_fraction": 0.8,
    "bagging_fraction": 0.8,
    "bagging_freq": 1,
    "lambda_l2": 1.0,
    "max_bin": 63,
    "num_threads": 1,
    "deterministic": True,
    "force_row_wise": True,
    "seed": SEED,
    "verbose": -1,
}
NUM_ROUNDS = 150
#: The title booster (:mod:`.title`): about 500 candidate lines in the dev gold, so smaller
#: leaves and fewer rounds than the block boosters.
TITLE_PARAMS: dict[str, Any] = {"min_data_in_leaf": 5}
#: The plain-text booster (``text``) sees every row and every feature at every round: with
#: LightGBM's row and feature sampling its figures moved with the order of the training rows
#: alone (aeb-en-dev2 plain text 0.920 -> 0.925 on the same folds, rows shuffled), so a
#: retraining on the same data could pass or miss a target by chance. Without sampling, training
#: is a function of the data (same figures for any row order, checked on two shuffles), and the
#: 5-fold CV by site over three fold assignments went EN 0.940 -> 0.939, EN2 0.922 -> 0.927
#: (0.927 on each assignment), FR 0.935 -> 0.930, multi 0.855 -> 0.860 (2026-12-03). Not for the
#: HTML booster (without sampling FR HTML lost 0.004, one fold assignment 1.000 -> 0.987, for
#: +0.001 EN2 and +0.004 multi), the short booster (held-out crops 0.9497 either way; without
#: sampling it kept a photo caption above a short page's body) nor the title booster (591
#: candidate lines: without sampling it missed the title on the project's own test pages).
PLAIN_TEXT_PARAMS: dict[str, Any] = {"bagging_fraction": 1.0, "feature_fraction": 1.0}
TITLE_ROUNDS = 100
#: The short booster (about 6,700 crop blocks): fewer rounds, so the model file stays < 1 MB.
SHORT_ROUNDS = 80

_WORD_RE = __import__("re").compile(r"\w+")


@dataclass
class Example:
    """One document's training rows: ``x_html`` (``None`` without HTML signals) and ``x_text``
    feature matrices, ``y`` labels per block (``NaN`` = unlabelled), and where it came from
    (``set`` name, ``page_id``, ``group`` = site for the folds). ``doc``/``sig_*`` are kept to
    rebuild the extracted text in cross-validation."""

    set: str
    page_id: str
    group: str
    doc: Document
    y: np.ndarray
    x_html: np.ndarray | None
    x_text: np.ndarray
    text_doc: Document | None = None
    weight: float = 1.0
    sig_html: Signals | None = None
    sig_text: Signals | None = None
    x_title: np.ndarray | None = None
    y_title: np.ndarray | None = None

    def decide(self, model: BlockClassifier, kind: str) -> list[bool]:
        """The pipeline's decision on this page with ``model``
        (:meth:`~corpus_builder.boilerplate.classifier.BlockClassifier.decide_rows`; ``kind``:
        ``"html"`` or ``"text"``)."""
        x, sig = (self.x_html, self.sig_html) if kind == "html" else (self.x_text, self.sig_text)
        if not len(self.y) or x is None or sig is None:
            return []
        return model.decide_rows(x, sig, kind)


# --------------------------------------------------------------------------------------------
# labels


def _fold(s: str) -> str:
    return " ".join(s.split())


def article_labels(doc: Document, blocks: Sequence, body: str) -> list[float]:
    """Block labels from an article body (module doc): 1.0, 0.0 or NaN."""
    owner: list[int] = []
    tokens: list[str] = []
    for i, b in enumerate(blocks):
        words = _WORD_RE.findall(doc.text[b.start : b.end].casefold())
        tokens.extend(words)
        owner.extend([i] * len(words))
    gold = _WORD_RE.findall(body.casefold())
    matched = [0] * len(blocks)
    for a, _b, size in SequenceMatcher(None, tokens, gold, autojunk=True).get_matching_blocks():
        if size >= GOLD_MIN_RUN:
            for k in range(a, a + size):
                matched[owner[k]] += 1
    out = []
    for i, b in enumerate(blocks):
        n = len(_WORD_RE.findall(doc.text[b.start : b.end]))
        out.append(float("nan") if n == 0 else float(matched[i] / n >= GOLD_CONTENT_SHARE))
    return out


def snippet_labels(doc: Document, blocks: Sequence, with_snippets: Sequence[str], without_snippets: Sequence[str]) -> list[float]:
    """Block labels from trafilatura-style snippets (module doc): 1.0, 0.0 or NaN."""
    w = [_fold(s) for s in with_snippets if s.strip()]
    wo = [_fold(s) for s in without_snippets if s.strip()]

    def hit(text: str, snippets: list[str]) -> bool:
        return any(s in text or (len(text) >= SNIPPET_MIN_CHARS and text in s) for s in snippets)

    out = []
    for b in blocks:
        text = _fold(doc.text[b.start : b.end])
        pos, neg = hit(text, w), hit(text, wo)
        out.append(1.0 if pos and not neg else 0.0 if neg and not pos else float("nan"))
    return out


# --------------------------------------------------------------------------------------------
# examples


def page_document(html: str, page_id: str, lang: str | None) -> Document | None:
    """A gold page as the pipeline reads it (``extract_page`` → ``to_document``), or ``None``
    when nothing is left after cleaning. ``lang`` overrides language detection when given."""
    from ..clean import to_document
    from ..html import extract_page

    page = extract_page(html)
    meta = {"lang": lang} if lang else {}
    raw = RawDocument(
        source=page_id,
        raw_sha256=hashlib.sha256(html.encode("utf-8", "replace")).hexdigest(),
        text=page.text,
        format="html",
        main_text=page.main_text,
        meta=meta,
        layout=tuple(tuple(r.to_list()) for r in page.layout),
    )
    try:
        return to_document(raw)
    except InputError:
        return None


def as_plain_text(doc: Document) -> Document:
    """``doc`` as a scraped page saved as text: no trafilatura main text, no layout."""
    return replace(doc, main_text=None, layout=None)


def _site(url: str | None, page_id: str) -> str:
    if url:
        host = urlparse(url).netloc.lower()
        if host:
            return host[4:] if host.startswith("www.") else host
    return page_id


def _title_examples(x_text: np.ndarray, sig: Signals, labels: Sequence[float], titles: Sequence[frozenset[str]] | None) -> tuple[np.ndarray | None, np.ndarray | None]:
    """The title booster's rows and labels of a page read as plain text: the candidates above its
    first gold content block, each 1.0 when it is the page's ``<title>``/``<h1>``
    (:func:`.title.is_page_title`). ``(None, None)`` without titles or candidates."""
    first = next((i for i, v in enumerate(labels) if v == 1.0), None)
    if not titles or first is None:
        return None, None
    cands = title_candidates(sig.feats, first)
    if not cands:
        return None, None
    y = np.array([float(is_page_title(sig.feats[c].text, titles)) for c in cands])
    return title_rows(x_text, cands, first), y


def _examples_of(set_name: str, items: list[tuple], stats: CorpusStats, weight: float = 1.0) -> list[Example]:
    """``items``: ``(page_id, group, doc, labels)``, or with a fifth element, the page's
    ``<title>``/``<h1>`` word sets (:func:`.title.page_titles`) for the title booster."""
    out = []
    for page_id, group, doc, labels, *rest in items:
        sig = block_signals(doc, stats)
        html = BlockClassifier.uses_html(doc, sig)
        plain = as_plain_text(doc)
        sig_t = block_signals(plain, stats)
        x_text = block_features(plain, sig_t, stats, False)
        x_title, y_title = _title_examples(x_text, sig_t, labels, rest[0] if rest else None)
        out.append(
            Example(
                set=set_name,
                page_id=page_id,
                group=group,
                doc=doc,
                y=np.array(labels, dtype=np.float64),
                x_html=block_features(doc, sig, stats, True) if html else None,
                x_text=x_text,
                text_doc=plain,
                weight=weight,
                sig_html=sig if html else None,
                sig_text=sig_t,
                x_title=x_title,
                y_title=y_title,
            )
        )
    return out


def crop_examples(ex: Example, stats: CorpusStats | None, n: int = CROPS_PER_PAGE) -> list[Example]:
    """Short plain-text documents cut from a gold page, for the ``short`` booster (:data:`CROPS_PER_PAGE`).

    The crops: the page's body (its first to last content block), and ``n`` runs of 2 to
    :data:`CROP_MAX_BLOCKS` consecutive blocks starting at most 3 blocks before the body; each
    is a new document (the blocks' lines joined), its features computed afresh with the set's
    corpus statistics, its blocks keeping their gold labels. Positions come from a generator
    seeded with the page id (the same crops on every run). Pages without a labelled content
    block, and crops without a labelled block, give none. Returns examples of set
    ``"<set>#crops"`` in the page's group (its site: the same cross-validation fold)."""
    import random

    from . import split_blocks

    y = ex.y
    doc = ex.text_doc or ex.doc
    blocks = split_blocks(doc.text)
    content = np.flatnonzero(y == 1)
    if not len(content) or len(blocks) != len(y):
        return []
    first, last = int(content[0]), int(content[-1])
    texts = [doc.text[b.start : b.end] for b in blocks]
    rng = random.Random(ex.page_id)
    spans = [(first, last)]
    for _ in range(n):
        k = rng.randint(2, CROP_MAX_BLOCKS)
        lo = max(0, first - 3)
        hi = max(lo, min(len(y) - k, last + 3 - k + 1))
        start = rng.randint(lo, hi)
        spans.append((start, min(len(y) - 1, start + k - 1)))
    out = []
    for j, (a, b) in enumerate(spans):
        if np.isnan(y[a : b + 1]).all():
            continue
        text = "\n".join(texts[a : b + 1])
        crop = replace(doc, text=text, doc_id=f"{doc.doc_id}#crop{j}", main_text=None, layout=None)
        if len(split_blocks(text)) != b - a + 1:
            continue
        sig = block_signals(crop, stats)
        out.append(
            Example(
                set=f"{ex.set}{CROPS_SUFFIX}", page_id=f"{ex.page_id}#crop{j}", group=ex.group, doc=crop, y=y[a : b + 1].copy(),
                x_html=None, x_text=block_features(crop, sig, stats, False), text_doc=crop, weight=ex.weight, sig_text=sig,
            )
        )
    return out


def gold_examples(gold_set: Any, progress: Callable[[int], None] | None = None, crops: bool = True) -> list[Example]:
    """Examples of one boilerplate :class:`~corpus_builder.evaluate.gold.GoldSet` (snippet or
    article gold), with corpus statistics over the set's pages as ``build`` would compute them."""
    stats = CorpusStats()
    items = []
    for page in gold_set.items:
        # the language is detected, as ``build`` and the evaluation do (not read from the gold)
        doc = page_document(page.html, page.page_id, None)
        if progress:
            progress(1)
        if doc is None:
            continue
        stats.add(doc.text)
        items.append((page, doc))
    rows = []
    from . import split_blocks

    for page, doc in items:
        blocks = split_blocks(doc.text)
        if gold_set.kind == "article":
            labels = article_labels(doc, blocks, page.article_body)
        else:
            labels = snippet_labels(doc, blocks, page.with_snippets, page.without_snippets)
        rows.append((page.page_id, f"{gold_set.name}/{_site(page.url, page.page_id)}", doc, labels, page_titles(page.html)))
    examples = _examples_of(gold_set.name, rows, stats, SNIPPET_WEIGHT if gold_set.kind == "snippets" else 1.0)
    if crops:
        examples += [c for ex in examples for c in crop_examples(ex, stats)]
    return examples


def reviewed_examples(name: str, documents: Iterable[Document]) -> list[Example]:
    """Examples from the reviewed documents of a workspace or release (``status ==
    "reviewed"``: every block carries the annotators' label). Corpus statistics are computed over
    all ``documents``."""
    docs = list(documents)
    stats = CorpusStats.from_texts(d.text for d in docs)
    rows = []
    from . import split_blocks

    for d in docs:
        if d.status != "reviewed" or not d.blocks:
            continue
        blocks = split_blocks(d.text)
        by_start = {b.start: b for b in d.blocks}
        labels = [float("nan") if b.start not in by_start else float(not by_start[b.start].is_boilerplate) for b in blocks]
        rows.append((d.doc_id, f"{name}/{d.doc_id}", replace(d, blocks=()), labels))
    return _examples_of(name, rows, stats)


# --------------------------------------------------------------------------------------------
# training


_HTML_WORDS = FEATURES.index("n_words")


def _length_weights(n_words: np.ndarray) -> np.ndarray:
    """Per-block weights ``sqrt(words)`` over their mean (:data:`HTML_LENGTH_WEIGHT`); a block
    of no words counts as one word. Shape of ``n_words``."""
    if not len(n_words):
        return n_words
    f = np.sqrt(np.maximum(n_words, 1.0))
    return f / f.mean()


def _stack(examples: Sequence[Example], kind: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    xs, ys, ws = [], [], []
    for ex in examples:
        x = ex.x_html if kind == "html" else ex.x_text
        if x is None or not len(ex.y):
            continue
        keep = ~np.isnan(ex.y)
        xs.append(x[keep])
        ys.append(ex.y[keep])
        w = np.full(int(keep.sum()), ex.weight)
        if kind == "html" and HTML_LENGTH_WEIGHT:
            w = w * _length_weights(x[keep, _HTML_WORDS])
        ws.append(w)
    width = len(FEATURES if kind == "html" else TEXT_FEATURES)
    if not xs:
        return np.zeros((0, width)), np.zeros(0), np.zeros(0)
    return np.vstack(xs), np.concatenate(ys), np.concatenate(ws)


def _fit(x: np.ndarray, y: np.ndarray, w: np.ndarray, names: Sequence[str], params: dict, rounds: int) -> Any:
    from .classifier import import_lightgbm

    lightgbm = import_lightgbm()

    if len(y) == 0 or len(set(y.tolist())) < 2:
        raise InputError("not enough labelled blocks to train (need content and boilerplate blocks)")
    cats = [i for i, n in enumerate(names) if n in CATEGORICAL]
    ds = lightgbm.Dataset(x, y, weight=w, feature_name=[n.replace("@", "_at_").replace("+", "p").replace("-", "m") for n in names], categorical_feature=cats, free_raw_data=True)
    return lightgbm.train(params, ds, num_boost_round=rounds)


def train_classifier(examples: Sequence[Example], meta: dict | None = None, params: dict | None = None, rounds: int = NUM_ROUNDS, version: str = "1") -> BlockClassifier:
    """Train both boosters on the labelled blocks of ``examples``, and the title booster
    (:mod:`.title`) on their title candidates when there are titles and other lines among them
    (gold pages only); the plain-text booster without row and feature sampling
    (:data:`PLAIN_TEXT_PARAMS`); ``meta`` goes into the model file's ``training`` record. Raises
    :class:`InputError` when the html or text booster has no labelled blocks of both classes."""
    p = dict(LGBM_PARAMS | (params or {}))
    x_h, y_h, w_h = _stack(examples, "html")
    pages = [ex for ex in examples if not ex.set.endswith(CROPS_SUFFIX)]
    x_t, y_t, w_t = _stack(pages, "text")
    pt = p | PLAIN_TEXT_PARAMS
    boosters = {"html": _fit(x_h, y_h, w_h, FEATURES, p, rounds), "text": _fit(x_t, y_t, w_t, TEXT_FEATURES, pt, rounds)}
    # the short booster: the crops and the pages of at most SHORT_MAX_BLOCKS blocks
    short = [ex for ex in examples if len(ex.y) <= SHORT_MAX_BLOCKS]
    x_s, y_s, w_s = _stack(short, "text")
    if len(set(y_s.tolist())) == 2 and any(ex.set.endswith(CROPS_SUFFIX) for ex in short):
        boosters["short"] = _fit(x_s, y_s, w_s, TEXT_FEATURES, p, SHORT_ROUNDS)
    titled = [ex for ex in examples if ex.x_title is not None and ex.y_title is not None]
    y_ti = np.concatenate([ex.y_title for ex in titled]) if titled else np.zeros(0)  # type: ignore[misc]
    if len(set(y_ti.tolist())) == 2:  # else no title booster: the nearest headline-shaped line
        x_ti = np.vstack([ex.x_title for ex in titled])  # type: ignore[misc]
        boosters["title"] = _fit(x_ti, y_ti, np.ones(len(y_ti)), TITLE_FEATURES, p | TITLE_PARAMS, TITLE_ROUNDS)
    info = dict(meta or {})
    info.setdefault("params", p)
    info.setdefault("plain_text_params", PLAIN_TEXT_PARAMS)
    info.setdefault("rounds", rounds)
    info.setdefault("block_weights", {"snippet_gold": SNIPPET_WEIGHT, "html_length": "sqrt(words) / page mean" if HTML_LENGTH_WEIGHT else "none"})
    info.setdefault("labelled_blocks", {"html": int(len(y_h)), "text": int(len(y_t)), "short": int(len(y_s)) if "short" in boosters else 0,
                                        "title_candidates": int(len(y_ti)), "titles": int(y_ti.sum())})
    return BlockClassifier(boosters, 0.5, info, version)


def fold_of(group: str, k: int = CV_FOLDS) -> int:
    """The cross-validation fold of a site (a stable hash of its name, modulo ``k``)."""
    return int(hashlib.sha256(group.encode("utf-8")).hexdigest(), 16) % k


def content_text(doc: Document, content: Sequence[bool]) -> str:
    """The content blocks of ``doc`` joined with ``\\n`` (what the evaluation scores)."""
    from . import split_blocks

    return "\n".join(doc.text[b.start : b.end] for b, c in zip(split_blocks(doc.text), content) if c)


def cross_validate(examples: Sequence[Example], k: int = CV_FOLDS, params: dict | None = None, rounds: int = NUM_ROUNDS) -> dict[tuple[str, str], dict[str, list[bool]]]:
    """k-fold cross-validation by site (:func:`fold_of`): for each fold, train on the others and
    predict its pages. Returns ``{(set, page_id): {"html": content per block, "text": ...}}``
    (``"html"`` only for pages with HTML signals)."""
    out: dict[tuple[str, str], dict[str, list[bool]]] = {}
    folds = [fold_of(ex.group, k) for ex in examples]
    for f in range(k):
        train = [ex for ex, fo in zip(examples, folds) if fo != f]
        test = [ex for ex, fo in zip(examples, folds) if fo == f]
        if not test:
            continue
        model = train_classifier(train, params=params, rounds=rounds)
        out.update(model_predictions(model, test))
    return out


def source_hashes(folder: Path) -> dict[str, str]:
    """sha256 of a gold set's ``gold.json`` and of its pages (sorted names, then bytes)."""
    folder = Path(folder)
    h = hashlib.sha256()
    for p in sorted((folder / "pages").rglob("*")) if (folder / "pages").is_dir() else []:
        if p.is_file():
            h.update(p.name.encode("utf-8") + b"\0" + hashlib.sha256(p.read_bytes()).digest())
    gold = folder / "gold.json"
    return {
        "gold.json": hashlib.sha256(gold.read_bytes()).hexdigest() if gold.is_file() else "",
        "pages": h.hexdigest(),
    }


def json_dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True)


# --------------------------------------------------------------------------------------------
# figures and the whole training run


def _score(gold_set: Any, texts: dict[str, str | None]) -> float:
    """The set's headline figure for ``{page_id: extracted text}`` (snippet score, or token F1)."""
    from ..evaluate import metrics

    if gold_set.kind == "snippets":
        counts = [metrics.snippet_counts(texts.get(p.page_id), p.with_snippets, p.without_snippets) for p in gold_set.items]
        return metrics.snippet_scores(counts)["score"]
    counts = [metrics.token_counts(p.article_body, texts.get(p.page_id)) for p in gold_set.items]
    return metrics.token_scores(counts)["f1"]


def predicted_texts(examples: Sequence[Example], preds: dict[tuple[str, str], dict[str, list[bool]]], kind: str) -> dict[str, dict[str, str]]:
    """``{set: {page_id: content text}}`` from per-block decisions (``kind`` = ``"html"`` or
    ``"text"``; a page without HTML signals falls back to its text decision on the text doc)."""
    out: dict[str, dict[str, str]] = {}
    for ex in examples:
        pred = preds.get((ex.set, ex.page_id))
        if pred is None:
            continue
        if kind == "html" and "html" in pred:
            text = content_text(ex.doc, pred["html"])
        else:
            text = content_text(ex.text_doc or ex.doc, pred["text"])
        out.setdefault(ex.set, {})[ex.page_id] = text
    return out


def model_predictions(model: BlockClassifier, examples: Sequence[Example]) -> dict[tuple[str, str], dict[str, list[bool]]]:
    """Per-block decisions of ``model`` on ``examples`` (same layout as :func:`cross_validate`)."""
    out = {}
    for ex in examples:
        pred: dict[str, list[bool]] = {"text": ex.decide(model, "text")}
        if ex.x_html is not None:
            pred["html"] = ex.decide(model, "html")
        out[(ex.set, ex.page_id)] = pred
    return out


def figures(gold_sets: Sequence[Any], examples: Sequence[Example], preds: dict) -> dict[str, dict[str, float]]:
    """``{set: {"html": figure, "text": figure}}`` for the gold sets (module doc of evaluate)."""
    html = predicted_texts(examples, preds, "html")
    text = predicted_texts(examples, preds, "text")
    return {gs.name: {"html": round(_score(gs, html.get(gs.name, {})), 4), "text": round(_score(gs, text.get(gs.name, {})), 4)} for gs in gold_sets}


def read_reviewed(source: Path) -> tuple[str, list[Document], str]:
    """The documents of a workspace (``workspace.json``) or a release (``manifest.json``), with a
    name and a sha256 of their files. Raises :class:`InputError` for anything else."""
    source = Path(source)
    h = hashlib.sha256()
    if (source / "workspace.json").is_file():
        from ..workspace import Workspace

        ws = Workspace(source).require()
        for shard in ws.document_shards():
            h.update(hashlib.sha256(Path(shard).read_bytes()).digest())
        return source.name, list(ws.iter_documents()), h.hexdigest()
    if (source / "manifest.json").is_file():
        import pyarrow.parquet as pq

        docs = []
        for f in sorted((source / "documents").glob("*.parquet")):
            h.update(hashlib.sha256(f.read_bytes()).digest())
            for row in pq.read_table(f).to_pylist():
                docs.append(Document.from_dict({**row, "blocks": row.get("blocks") or [], "entities": [], "predictions": []}))
        return f"{source.parent.name}-{source.name}", docs, h.hexdigest()
    raise InputError(f"{source}: not a workspace (workspace.json) or a release (manifest.json); give a folder made by 'prepare' or 'release'")


def train_boilerplate(
    sources: Sequence[Path],
    gold_root: Path | None,
    out: Path,
    *,
    cv: bool = True,
    progress: Callable[[str], None] | None = None,
    overwrite: bool = False,
) -> dict[str, Any]:
    """Train the block classifier from reviewed documents (``sources``: workspaces or releases)
    and the boilerplate gold sets under ``gold_root`` (``<gold_root>/boilerplate/<set>/``, every
    evaluation set; ``None`` for none), write it to ``out`` and return its ``training`` record
    (sources with hashes, label counts, figures: cross-validated by site when ``cv``, and on the
    training data itself).

    Raises :class:`InputError` for an unreadable source or too few labelled blocks,
    :class:`corpus_builder.errors.ConfigError` when ``out`` exists and was not written by this
    command (a file of another format is never overwritten), or is a model file and not
    ``overwrite`` (a model trained earlier, perhaps from workspaces gone since, is not replaced
    silently: fresh-user trial, 2026-12-03). Checked before any training.
    """
    from .. import __version__
    from ..errors import ConfigError
    from ..evaluate import gold as gold_mod

    out = Path(out)
    if out.exists():
        try:
            fmt = json.loads(out.read_text(encoding="utf-8")).get("format")
        except (OSError, ValueError, AttributeError):
            fmt = None
        from .classifier import MODEL_FORMAT

        if fmt != MODEL_FORMAT:
            raise ConfigError(f"{out}: exists and is not a boilerplate model file; choose another --out")
        if not overwrite:
            raise ConfigError(f"{out}: a boilerplate model file is already there; choose another --out, or pass --overwrite to replace it")
    say = progress or (lambda _msg: None)
    examples: list[Example] = []
    gold_sets = []
    record_sources = []
    if gold_root is not None:
        for gs in gold_mod.discover(Path(gold_root), "boilerplate"):
            say(f"gold {gs.name}: {len(gs.items)} pages")
            ex = gold_examples(gs)
            examples.extend(ex)
            gold_sets.append(gs)
            record_sources.append({"kind": "gold", "name": gs.name, "pages": len(gs.items), "sha256": source_hashes(gs.path)})
    for src in sources:
        name, docs, digest = read_reviewed(Path(src))
        ex = reviewed_examples(name, docs)
        say(f"reviewed {name}: {len(ex)} reviewed documents")
        examples.extend(ex)
        record_sources.append({"kind": "reviewed", "name": name, "path": str(src), "documents": len(ex), "sha256": digest})
    if not examples:
        raise InputError("no training data: give workspaces/releases with reviewed documents, or --gold with the boilerplate gold sets")
    meta: dict[str, Any] = {
        "corpus_builder": __version__,
        "sources": record_sources,
        "labels": "article gold: content when >= 50% of the block's tokens align with articleBody (runs >= 3 tokens); "
        "snippet gold: content/boilerplate when a with/without snippet is in the block, else unlabelled; reviewed: the annotators' block labels",
        "snippet_weight": SNIPPET_WEIGHT,
        "crops": f"{CROPS_PER_PAGE} random runs of 2-{CROP_MAX_BLOCKS} blocks and the body of each gold page, as plain-text documents (short booster)",
        "seed": SEED,
        "cv_folds": CV_FOLDS,
    }
    if cv and gold_sets:
        say(f"cross-validation ({CV_FOLDS} folds by site)")
        meta["figures_cv"] = figures(gold_sets, examples, cross_validate(examples))
    say("training on all data")
    model = train_classifier(examples, meta)
    if gold_sets:
        model.meta["figures_training_set"] = figures(gold_sets, examples, model_predictions(model, examples))
    # the version names what made the model: its data and its recipe (a changed weight or
    # parameter gives a new version, as new data does)
    recipe = {k: model.meta.get(k) for k in ("params", "plain_text_params", "rounds", "block_weights", "labels", "seed", "crops")}
    recipe["features"] = _feature_record(model.boosters)
    model.version = hashlib.sha256(json_dumps({"sources": record_sources, "recipe": recipe}).encode("utf-8")).hexdigest()[:12]
    model.save(out)
    return model.meta
