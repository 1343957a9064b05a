"""Pre-annotation quality: the machine's predictions scored against the human annotation of
reviewed documents (issue 3: "precision/recall/F1 of the predictions against the human labels").

Entities are scored here, by exact match of ``(start, end, label)`` in document offsets (the
CoNLL-2003 span-level rule). Boilerplate needs the machine's block labels from before review,
which a Document does not keep; the Label Studio merge supplies that part through
``write_release(extra_manifest={"review": {"pre_annotation_quality": {"boilerplate": ...}}})``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from ..records import ENTITY_LABELS, Document


def prf(tp: int, fp: int, fn: int) -> dict[str, Any]:
    """Precision, recall and F1 (rounded to 4 decimals; 0.0 when undefined) with the raw counts."""
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4), "tp": tp, "fp": fp, "fn": fn}


class EntityQuality:
    """Streaming scorer of ``predictions`` against ``entities`` over reviewed documents."""

    def __init__(self) -> None:
        self.tp: Counter[str] = Counter()
        self.fp: Counter[str] = Counter()
        self.fn: Counter[str] = Counter()
        self.documents = 0

    def add(self, doc: Document) -> None:
        """Count ``doc`` if it is reviewed (predicted documents have no human labels to score)."""
        if doc.status != "reviewed":
            return
        self.documents += 1
        gold = {(s.start, s.end, s.label) for s in doc.entities}
        pred = {(s.start, s.end, s.label) for s in doc.predictions}
        for _, _, label in pred & gold:
            self.tp[label] += 1
        for _, _, label in pred - gold:
            self.fp[label] += 1
        for _, _, label in gold - pred:
            self.fn[label] += 1

    def result(self) -> dict[str, Any] | None:
        """Per-label and micro-averaged scores; ``None`` when no document was reviewed."""
        if not self.documents:
            return None
        seen = set(self.tp) | set(self.fp) | set(self.fn)
        labels = list(ENTITY_LABELS) + sorted(seen - set(ENTITY_LABELS))
        return {
            "documents": self.documents,
            "match": "exact (start, end, label), document offsets",
            "per_label": {lb: prf(self.tp[lb], self.fp[lb], self.fn[lb]) for lb in labels},
            "micro": prf(sum(self.tp.values()), sum(self.fp.values()), sum(self.fn.values())),
        }


def entity_quality(documents: Iterable[Document]) -> dict[str, Any] | None:
    """Scores of ``predictions`` against ``entities`` over the reviewed documents of ``documents``,
    per label and micro-averaged; ``None`` when no document is reviewed."""
    q = EntityQuality()
    for doc in documents:
        q.add(doc)
    return q.result()
