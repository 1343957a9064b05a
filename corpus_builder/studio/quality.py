"""Pre-annotation quality: how well the machine's predictions matched the people's labels.

Computed over reviewed documents only (``status == "reviewed"``), where ``predictions`` hold the
machine's entity spans and ``entities`` the human ones, and ``meta["studio"]["predicted_blocks"]``
the machine's boilerplate blocks beside the human block labels (see :mod:`.merge`).

- Entities: exact match of ``(start, end, label)`` (the CoNLL-2003 / seqeval convention of exact
  span matching), micro-averaged over all labels and per label.
- Boilerplate: per block, "is boilerplate" as the positive class (P/R/F1), plus the share of
  blocks both sides call boilerplate that got the same category (``category_accuracy``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from ..records import ENTITY_LABELS, Document


def _prf(tp: int, fp: int, fn: int) -> dict[str, Any]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4), "tp": tp, "fp": fp, "fn": fn, "support": tp + fn}


def quality_report(documents: Iterable[Document]) -> dict[str, Any]:
    """Return the pre-annotation quality report of ``documents`` as a JSON-ready dict::

        {"reviewed_documents": int, "annotators": int,
         "entities": {"micro": {precision, recall, f1, tp, fp, fn, support},
                      "per_label": {"PER": {...}, "ORG": {...}, "LOC": {...}, "MISC": {...}}},
         "boilerplate": {precision, recall, f1, tp, fp, fn, support, "blocks": int,
                         "category_accuracy": float | None}}

    Unreviewed documents are ignored; with no reviewed document every figure is 0 and
    ``category_accuracy`` is ``None``. Figures are rounded to 4 decimals.
    """
    reviewed = 0
    annotators: set[str] = set()
    counts: dict[str, Counter[str]] = {}
    b = Counter()
    cat_same = cat_both = 0
    for doc in documents:
        if doc.status != "reviewed":
            continue
        reviewed += 1
        studio = doc.meta.get("studio", {}) if isinstance(doc.meta, dict) else {}
        annotators.update(str(a) for a in studio.get("annotators", ()))
        for s in doc.entities:
            if s.annotator:
                annotators.update(s.annotator.split(","))
        gold = {(s.start, s.end, s.label) for s in doc.entities}
        pred = {(s.start, s.end, s.label) for s in doc.predictions}
        for k in gold & pred:
            counts.setdefault(k[2], Counter())["tp"] += 1
        for k in pred - gold:
            counts.setdefault(k[2], Counter())["fp"] += 1
        for k in gold - pred:
            counts.setdefault(k[2], Counter())["fn"] += 1
        pred_blocks = {(s, e): lab for s, e, lab in studio.get("predicted_blocks", ())}
        for blk in doc.blocks:
            b["blocks"] += 1
            p_lab = pred_blocks.get((blk.start, blk.end))
            if blk.is_boilerplate and p_lab is not None:
                b["tp"] += 1
                cat_both += 1
                cat_same += p_lab == blk.boilerplate_label
            elif p_lab is not None:
                b["fp"] += 1
            elif blk.is_boilerplate:
                b["fn"] += 1
    labels = list(ENTITY_LABELS) + sorted(set(counts) - set(ENTITY_LABELS))
    per_label = {lab: _prf(counts.get(lab, Counter())["tp"], counts.get(lab, Counter())["fp"], counts.get(lab, Counter())["fn"]) for lab in labels}
    micro = _prf(*(sum(c[k] for c in counts.values()) for k in ("tp", "fp", "fn")))
    boiler = _prf(b["tp"], b["fp"], b["fn"])
    boiler["blocks"] = b["blocks"]
    boiler["category_accuracy"] = round(cat_same / cat_both, 4) if cat_both else None
    return {
        "reviewed_documents": reviewed,
        "annotators": len(annotators - {"unknown"}),
        "entities": {"micro": micro, "per_label": per_label},
        "boilerplate": boiler,
    }
