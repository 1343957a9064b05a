"""The tune half and the held-out half of a gold set, so that reported figures predict unseen text.

Every sentence gold set is cut into *units*: a document (``# newdoc``) where the set has several,
else runs of :data:`CHUNK_SENTENCES` consecutive gold sentences of its single document (Sequoia
annodis.er is one running text without document marks). The units are sorted by the sha256 of
``"<set name>/<unit id>"``: the first half (rounded up) is the **tune** half, the rest the
**held-out** half. The assignment is deterministic, balanced, and does not depend on the text. Rules are
written and tuned from the errors of the tune half only; the held-out half is only measured.

A boundary (a sentence start, see :func:`corpus_builder.evaluate.metrics.boundaries`) belongs to
the unit whose code-point range holds it; the ranges of a document's units tile the document.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from .gold import SentenceGoldDoc

#: Gold sentences per unit in a set with a single document (about one short news article).
CHUNK_SENTENCES = 25
#: Names of the halves, in report order.
HALVES: tuple[str, ...] = ("tune", "held-out")


def _key(set_name: str, unit_id: str) -> str:
    return hashlib.sha256(f"{set_name}/{unit_id}".encode("utf-8")).hexdigest()


def held_out_ids(set_name: str, unit_ids: Sequence[str]) -> set[str]:
    """The ids of ``unit_ids`` (units of gold set ``set_name``) that are in the held-out half."""
    ranked = sorted(unit_ids, key=lambda u: _key(set_name, u))
    return set(ranked[(len(ranked) + 1) // 2 :])


def units(docs: Sequence[SentenceGoldDoc]) -> list[tuple[int, int, int, str]]:
    """The units of a set: ``(doc index, start, end, unit id)``, document offsets (code points,
    end-exclusive), tiling each document. One unit per document when there are several documents;
    else one per :data:`CHUNK_SENTENCES` gold sentences, id ``"<doc_id>#<k>"``."""
    if len(docs) != 1:
        return [(i, 0, len(d.text), d.doc_id) for i, d in enumerate(docs)]
    doc = docs[0]
    out = []
    starts = [s.start for s in doc.sentences][::CHUNK_SENTENCES] or [0]
    starts[0] = 0
    for k, lo in enumerate(starts):
        hi = starts[k + 1] if k + 1 < len(starts) else len(doc.text)
        out.append((0, lo, hi, f"{doc.doc_id}#{k}"))
    return out


def half_ranges(set_name: str, docs: Sequence[SentenceGoldDoc]) -> dict[str, list[list[tuple[int, int]]]]:
    """For each half (:data:`HALVES`), the offset ranges of its units per document (a list per
    document, in the order of ``docs``): the argument ``keep`` of
    :func:`corpus_builder.evaluate.metrics.sentence_scores`."""
    out = {h: [[] for _ in docs] for h in HALVES}
    all_units = units(docs)
    held = held_out_ids(set_name, [u[3] for u in all_units])
    for i, lo, hi, uid in all_units:
        out["held-out" if uid in held else "tune"][i].append((lo, hi))
    return out


def describe(set_name: str, docs: Sequence[SentenceGoldDoc]) -> str:
    """One line saying how ``set_name`` was halved (for the report's notes)."""
    all_units = units(docs)
    held = held_out_ids(set_name, [u[3] for u in all_units])
    kind = "documents" if len(docs) != 1 else f"runs of {CHUNK_SENTENCES} gold sentences"
    return (
        f"halves by {kind} (sha256 of set/unit id): tune {len(all_units) - len(held)}, held-out {len(held)}; "
        "our rules were tuned on the tune half only, the held-out half is only measured"
    )


__all__ = ["describe", "CHUNK_SENTENCES", "HALVES", "half_ranges", "held_out_ids", "units"]
