"""Metrics: sentence boundaries, entity spans (exact and overlap, per label, error kinds),
boilerplate snippets (trafilatura's evaluation) and token/shingle overlap (article-extraction
benchmark).

All functions are pure: they take gold and predicted offsets or texts and return plain dicts of
numbers (JSON-ready). Offsets are code points, end-exclusive. Rates with an empty denominator are
reported as 0.0 except where a source defines otherwise (noted per function).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ..records import ENTITY_LABELS, Span

# --------------------------------------------------------------------------------------------
# shared


def prf(tp: float, fp: float, fn: float) -> dict[str, float]:
    """Precision, recall, F1 from counts (0.0 when a denominator is 0), with the counts."""
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": p, "recall": r, "f1": f, "tp": tp, "fp": fp, "fn": fn}


# --------------------------------------------------------------------------------------------
# sentences


def boundaries(sentences: Iterable[tuple[int, int]], text: str, block_starts: Iterable[int] = ()) -> set[int]:
    """The sentence boundaries of a text: the start offset of every sentence, after skipping its
    leading whitespace, except offsets that start a block (paragraph starts are given to every
    system, so counting them would only inflate scores)."""
    skip = set(block_starts)
    out = set()
    for start, end in sentences:
        while start < end and text[start].isspace():
            start += 1
        if start < end and start not in skip and start != 0:
            out.add(start)
    return out


def sentence_scores(
    gold: Sequence[tuple[str, Iterable[tuple[int, int]], Iterable[tuple[int, int]]]],
    pred: Sequence[Iterable[tuple[int, int]]],
    max_examples: int = 20,
    keep: Sequence[Sequence[tuple[int, int]]] | None = None,
) -> dict:
    """Boundary precision/recall/F1 over documents.

    ``gold``: ``(text, block_spans, gold_sentence_spans)`` per document; ``pred``: predicted
    sentence spans per document (same order). A boundary is a sentence start inside a block (see
    :func:`boundaries`). ``keep``: optional offset ranges per document (``(start, end)``,
    end-exclusive); only boundaries inside one count, gold and predicted alike (a half of the set,
    see :mod:`corpus_builder.evaluate.halves`), and the sentence counts are those of gold and
    predicted sentences starting inside them. Returns ``prf`` counts plus ``n_gold_sentences``,
    ``n_pred_sentences`` and up to ``max_examples`` ``missed``/``spurious`` examples (``"left ‖
    right"`` context).
    """
    tp = fp = fn = n_gold = n_pred = 0
    missed: list[str] = []
    spurious: list[str] = []
    for k, ((text, block_spans, gold_spans), pred_spans) in enumerate(zip(gold, pred, strict=True)):
        gold_spans, pred_spans = list(gold_spans), list(pred_spans)
        block_starts = [s for s, _ in block_spans]
        g = boundaries(gold_spans, text, block_starts)
        p = boundaries(pred_spans, text, block_starts)
        if keep is not None:
            ranges = keep[k]
            if not ranges:
                continue

            def inside(off: int, ranges=ranges) -> bool:
                return any(lo <= off < hi for lo, hi in ranges)

            g = {b for b in g if inside(b)}
            p = {b for b in p if inside(b)}
            gold_spans = [s for s in gold_spans if inside(s[0])]
            pred_spans = [s for s in pred_spans if inside(s[0])]
        n_gold += len(gold_spans)
        n_pred += len(pred_spans)
        tp += len(g & p)
        fp += len(p - g)
        fn += len(g - p)
        for kind, offsets in (("missed", g - p), ("spurious", p - g)):
            bucket = missed if kind == "missed" else spurious
            for off in sorted(offsets):
                if len(bucket) < max_examples:
                    bucket.append(_context(text, off))
    out = prf(tp, fp, fn)
    out.update(n_gold_sentences=n_gold, n_pred_sentences=n_pred, missed=missed, spurious=spurious)
    return out


def _context(text: str, offset: int, width: int = 40) -> str:
    left = text[max(0, offset - width) : offset].replace("\n", "⏎")
    right = text[offset : offset + width].replace("\n", "⏎")
    return f"{left}‖{right}"


# --------------------------------------------------------------------------------------------
# entities

#: Error kinds of the entity breakdown, in display order (after the exact matches, ``correct``).
ERROR_KINDS: tuple[str, ...] = ("spurious", "missed", "wrong_type", "boundary", "boundary_type")


def _overlaps(a: Span, b: Span) -> bool:
    return a.start < b.end and b.start < a.end


@dataclass(frozen=True)
class EntityError:
    """One entity error: ``kind`` in :data:`ERROR_KINDS`, the gold and/or predicted span, the doc."""

    kind: str
    doc_id: str
    gold: Span | None
    pred: Span | None

    def describe(self) -> str:
        g = f"{self.gold.text!r}/{self.gold.label}" if self.gold else "—"
        p = f"{self.pred.text!r}/{self.pred.label}" if self.pred else "—"
        return f"{self.kind}: gold {g} pred {p} [{self.doc_id}]"


def classify_entity_errors(doc_id: str, gold: Sequence[Span], pred: Sequence[Span]) -> tuple[int, list[EntityError]]:
    """Compare one document's spans; return ``(n_correct, errors)``.

    A prediction with the exact span and label of a gold entity is correct. Every other
    prediction gets exactly one kind: ``wrong_type`` (same span as a gold entity, other label),
    ``boundary`` (overlaps a gold entity of its label, different span), ``boundary_type``
    (overlaps only gold entities of other labels, different span), or ``spurious`` (overlaps no
    gold entity). A gold entity that no prediction overlaps is ``missed``. (The kinds follow the
    usual MUC/SemEval-2013 breakdown, as in the nervaluate package.)
    """
    gold_keys = {(g.start, g.end, g.label) for g in gold}
    pred_keys = {(p.start, p.end, p.label) for p in pred}
    correct = len(gold_keys & pred_keys)
    errors: list[EntityError] = []
    for p in pred:
        if (p.start, p.end, p.label) in gold_keys:
            continue
        same_span = [g for g in gold if g.start == p.start and g.end == p.end]
        overl = [g for g in gold if _overlaps(g, p)]
        if same_span:
            errors.append(EntityError("wrong_type", doc_id, same_span[0], p))
        elif any(g.label == p.label for g in overl):
            errors.append(EntityError("boundary", doc_id, next(g for g in overl if g.label == p.label), p))
        elif overl:
            errors.append(EntityError("boundary_type", doc_id, overl[0], p))
        else:
            errors.append(EntityError("spurious", doc_id, None, p))
    for g in gold:
        if not any(_overlaps(g, p) for p in pred):
            errors.append(EntityError("missed", doc_id, g, None))
    return correct, errors


def entity_scores(
    docs: Sequence[tuple[str, Sequence[Span], Sequence[Span]]],
    labels: Sequence[str] = ENTITY_LABELS,
    max_examples: int = 15,
) -> dict:
    """Entity precision/recall/F1, exact and overlap, per label and micro-averaged, with errors.

    ``docs``: ``(doc_id, gold_spans, pred_spans)``. *Exact*: a prediction is a true positive when a
    gold entity has the same start, end and label (duplicates count once). *Overlap*: per label, a
    prediction is correct when it overlaps a gold entity of its label (precision), and a gold entity
    is found when a prediction of its label overlaps it (recall) — a lenient view of what an
    annotator would only need to adjust. Returns ``{"exact": {label|"micro": prf},
    "overlap": {...}, "errors": {kind: count}, "correct": n, "examples": {kind: [str]},
    "n_gold": n, "n_pred": n}``. Predicted labels outside ``labels`` still count (as errors).
    """
    exact_c: dict[str, list[int]] = {lab: [0, 0, 0] for lab in labels}
    ov_p: dict[str, list[int]] = {lab: [0, 0] for lab in labels}  # [pred overlapping, pred total]
    ov_r: dict[str, list[int]] = {lab: [0, 0] for lab in labels}  # [gold found, gold total]
    kinds: Counter[str] = Counter()
    examples: dict[str, list[str]] = {k: [] for k in ERROR_KINDS}
    n_correct = n_gold = n_pred = 0
    for doc_id, gold, pred in docs:
        gold = list(dict.fromkeys((g.start, g.end, g.label, g.text) for g in gold))
        pred = list(dict.fromkeys((p.start, p.end, p.label, p.text) for p in pred))
        gold_s = [Span(*g) for g in gold]
        pred_s = [Span(*p) for p in pred]
        n_gold += len(gold_s)
        n_pred += len(pred_s)
        gk = {(g.start, g.end, g.label) for g in gold_s}
        pk = {(p.start, p.end, p.label) for p in pred_s}
        for lab in set(labels) | {k[2] for k in gk | pk}:
            c = exact_c.setdefault(lab, [0, 0, 0])
            g_l = {k for k in gk if k[2] == lab}
            p_l = {k for k in pk if k[2] == lab}
            c[0] += len(g_l & p_l)
            c[1] += len(p_l - g_l)
            c[2] += len(g_l - p_l)
        for p in pred_s:
            c = ov_p.setdefault(p.label, [0, 0])
            c[1] += 1
            c[0] += any(g.label == p.label and _overlaps(g, p) for g in gold_s)
        for g in gold_s:
            c = ov_r.setdefault(g.label, [0, 0])
            c[1] += 1
            c[0] += any(p.label == g.label and _overlaps(g, p) for p in pred_s)
        correct, errs = classify_entity_errors(doc_id, gold_s, pred_s)
        n_correct += correct
        for e in errs:
            kinds[e.kind] += 1
            if len(examples[e.kind]) < max_examples:
                examples[e.kind].append(e.describe())
    exact = {lab: prf(*c) for lab, c in exact_c.items()}
    tot = [sum(c[i] for c in exact_c.values()) for i in range(3)]
    exact["micro"] = prf(*tot)
    overlap = {}
    for lab in sorted(set(ov_p) | set(ov_r), key=lambda x: (x not in labels, list(labels).index(x) if x in labels else 0, x)):
        pc, pt = ov_p.get(lab, [0, 0])
        rc, rt = ov_r.get(lab, [0, 0])
        overlap[lab] = _rates(pc, pt, rc, rt)
    overlap["micro"] = _rates(
        sum(c[0] for c in ov_p.values()), sum(c[1] for c in ov_p.values()), sum(c[0] for c in ov_r.values()), sum(c[1] for c in ov_r.values())
    )
    return {
        "exact": exact,
        "overlap": overlap,
        "errors": {k: kinds.get(k, 0) for k in ERROR_KINDS},
        "correct": n_correct,
        "n_gold": n_gold,
        "n_pred": n_pred,
        "examples": examples,
    }


def _rates(p_ok: int, p_total: int, r_ok: int, r_total: int) -> dict[str, float]:
    p = p_ok / p_total if p_total else 0.0
    r = r_ok / r_total if r_total else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": p, "recall": r, "f1": f, "n_pred": p_total, "n_gold": r_total}


# --------------------------------------------------------------------------------------------
# boilerplate: snippets (trafilatura evaluation)


def fold_whitespace(text: str) -> str:
    """Collapse every whitespace run to one space and strip the ends."""
    return " ".join(text.split())


def snippet_counts(extracted: str | None, with_snippets: Iterable[str], without_snippets: Iterable[str]) -> dict[str, int]:
    """Count one page: ``with`` snippet found → tp, missed → fn; ``without`` snippet found → fp,
    absent → tn. Matching is substring search after :func:`fold_whitespace` on both sides (as in
    trafilatura's ``tests/comparison.py``). ``extracted=None`` (extraction failed) finds nothing."""
    text = fold_whitespace(extracted or "")
    c = {"tp": 0, "fn": 0, "fp": 0, "tn": 0}
    for s in with_snippets:
        c["tp" if fold_whitespace(s) in text else "fn"] += 1
    for s in without_snippets:
        c["fp" if fold_whitespace(s) in text else "tn"] += 1
    return c


def snippet_scores(pages: Iterable[dict[str, int]]) -> dict[str, float]:
    """Aggregate :func:`snippet_counts` over pages (counts summed).

    ``score`` = mean of the with-found rate ``tp/(tp+fn)`` and the without-absent rate
    ``tn/(tn+fp)`` (the data README's score); ``precision``, ``recall``, ``f1`` and ``accuracy`` as
    trafilatura's evaluation prints them are included.
    """
    tot = Counter()
    for c in pages:
        tot.update(c)
    tp, fn, fp, tn = tot["tp"], tot["fn"], tot["fp"], tot["tn"]
    with_found = tp / (tp + fn) if tp + fn else 0.0
    without_absent = tn / (tn + fp) if tn + fp else 0.0
    out = prf(tp, fp, fn)
    out.update(
        tn=tn,
        with_found=with_found,
        without_absent=without_absent,
        score=(with_found + without_absent) / 2,
        accuracy=(tp + tn) / (tp + tn + fp + fn) if tp + tn + fp + fn else 0.0,
    )
    return out


# --------------------------------------------------------------------------------------------
# boilerplate: token overlap (article-extraction benchmark)

_WORD_RE = re.compile(r"\w+")


def _grams(text: str, n: int, tokenizer: str) -> Counter:
    tokens = text.split() if tokenizer == "whitespace" else _WORD_RE.findall(text)
    if n == 1:
        return Counter(tokens)
    return Counter(tuple(tokens[i : i + n]) for i in range(max(1, len(tokens) - n + 1)) if tokens[i : i + n])


def token_counts(gold: str, pred: str | None, n: int = 1, tokenizer: str = "whitespace") -> tuple[float, float, float]:
    """Bag-of-tokens overlap of one page: ``(tp, fp, fn)`` as multiset intersection/differences.

    ``n=1, tokenizer="whitespace"``: bag of whitespace tokens. ``n=4, tokenizer="word"``: the
    article-extraction-benchmark's shingles (4-grams of ``\\w+`` tokens, its ``evaluate.py``).
    Counts are normalised to sum to 1 per page, as the benchmark does, so long pages do not weigh
    more.
    """
    g = _grams(gold, n, tokenizer)
    p = _grams(pred or "", n, tokenizer)
    tp = float(sum((g & p).values()))
    fp = float(sum((p - g).values()))
    fn = float(sum((g - p).values()))
    s = tp + fp + fn
    return (tp / s, fp / s, fn / s) if s else (0.0, 0.0, 0.0)


def token_scores(pages: Sequence[tuple[float, float, float]]) -> dict[str, float]:
    """Aggregate per-page ``(tp, fp, fn)`` like the article-extraction benchmark: precision = mean
    of per-page precisions (pages with a prediction), recall = mean of per-page recalls (pages with
    gold text), F1 = harmonic mean of those two means. A page with neither fp nor fn scores 1."""

    def p_of(tp, fp, fn):
        return 1.0 if fp == fn == 0 else (0.0 if tp == fp == 0 else tp / (tp + fp))

    def r_of(tp, fp, fn):
        return 1.0 if fp == fn == 0 else (0.0 if tp == fn == 0 else tp / (tp + fn))

    ps = [p_of(*c) for c in pages if c[0] + c[1] > 0]
    rs = [r_of(*c) for c in pages if c[0] + c[2] > 0]
    p = sum(ps) / len(ps) if ps else 0.0
    r = sum(rs) / len(rs) if rs else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": p, "recall": r, "f1": f, "pages": len(pages)}
