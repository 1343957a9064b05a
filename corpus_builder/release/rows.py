"""Documents → release rows (pure functions; no I/O).

``documents`` rows carry document offsets; ``sentences`` rows carry document offsets for the
sentence and sentence offsets for its spans; ``ner`` rows carry tokens and IOB2 tag ids of content
sentences. The split of a document is a pure function of its ``doc_id`` (:func:`split_of`).
"""

from __future__ import annotations

import hashlib
from bisect import bisect_left
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ..records import NER_TAGS, Document, Sentence, Span
from ..entities import bio_tags
from .features import SPLITS

#: The split rule, as written into the manifest and the dataset card.
SPLIT_RULE = (
    "per cluster of near-duplicates (manifest near_duplicates; a document without near-duplicates is its own cluster): "
    "key = the cluster's smallest doc_id; bucket = int(sha256(key as UTF-8).hexdigest()[:16], 16) / 2**64; "
    "train if bucket < train, validation if bucket < train + validation, else test"
)

_TAG_ID = {tag: i for i, tag in enumerate(NER_TAGS)}

Tokenizer = Callable[[str], list[tuple[int, int]]]


def split_of(doc_id: str, fractions: Sequence[float]) -> str:
    """The split (``train``/``validation``/``test``) of split key ``doc_id`` under ``fractions``
    ``(train, validation, test)`` (see :data:`SPLIT_RULE`; the key is the document's own id unless
    it has near-duplicates, then its cluster's key); the same key always gets the same split."""
    bucket = int(hashlib.sha256(doc_id.encode("utf-8")).hexdigest()[:16], 16) / 2**64
    train, validation = fractions[0], fractions[1]
    if bucket < train:
        return SPLITS[0]
    if bucket < train + validation:
        return SPLITS[1]
    return SPLITS[2]


#: A release's split warns when a split's share of the documents is this far (absolute) from the
#: share asked for (:func:`split_share_warning`), on at least :data:`SHARE_CHECK_MIN_DOCUMENTS`.
SHARE_TOLERANCE = 0.10
SHARE_CHECK_MIN_DOCUMENTS = 30


def split_share_warning(manifest: dict[str, Any]) -> str | None:
    """One line saying how far the documents per split are from the fractions asked for, or
    ``None`` when every split is within :data:`SHARE_TOLERANCE` (or the release has fewer than
    :data:`SHARE_CHECK_MIN_DOCUMENTS` documents, where a hash split cannot be close). A cluster
    of near-duplicates goes whole to one split, so a corpus made mostly of a few clusters can
    land almost all in one (fourth fresh-user trial: 80/10/10 asked, 9/1/91 given, no word)."""
    counts = manifest.get("counts", {}).get("documents", {})
    fractions = manifest.get("split", {}).get("fractions", {})
    total = counts.get("total", 0)
    if total < SHARE_CHECK_MIN_DOCUMENTS or not fractions:
        return None
    shares = {s: counts.get(s, 0) / total for s in SPLITS}
    if all(abs(shares[s] - fractions.get(s, 0.0)) <= SHARE_TOLERANCE for s in SPLITS):
        return None
    got = " / ".join(f"{s} {counts.get(s, 0)} ({shares[s]:.0%})" for s in SPLITS)
    asked = "/".join(f"{round(fractions.get(s, 0.0) * 100)}" for s in SPLITS)
    line = f"documents per split: {got}, far from the {asked} asked for"
    near = manifest.get("near_duplicates") or {}
    if near.get("clusters_count") and near.get("dedup") != "near":
        line += (f": {near['documents_in_clusters']} documents are near-duplicates in {near['clusters_count']} clusters, and a "
                 "cluster goes whole to one split; `--dedup near` keeps one document per cluster")
    else:
        line += ": the split hashes each document's id, so it only approaches the fractions on many documents"
    return line


def _span_dict(span: Span, offset: int = 0) -> dict[str, Any]:
    return {
        "start": span.start - offset,
        "end": span.end - offset,
        "label": span.label,
        "text": span.text,
        "source": span.source,
        "annotator": span.annotator,
    }


def document_row(doc: Document) -> dict[str, Any]:
    """The ``documents`` row of ``doc`` (document offsets). ``predictions`` is emptied unless the
    document is reviewed: for a predicted document the machine's spans are its ``entities``."""
    return {
        "doc_id": doc.doc_id,
        "source": doc.source,
        "text": doc.text,
        "lang": doc.lang,
        "raw_sha256": doc.raw_sha256,
        "status": doc.status,
        "blocks": [
            {
                "start": b.start,
                "end": b.end,
                "is_boilerplate": b.is_boilerplate,
                "boilerplate_label": b.boilerplate_label,
                "source": b.source,
            }
            for b in doc.blocks
        ],
        "entities": [_span_dict(s) for s in doc.entities],
        "predictions": [_span_dict(s) for s in doc.predictions] if doc.status == "reviewed" else [],
    }


@dataclass
class SentenceRows:
    """The ``sentences`` rows of one document and the spans that fit no sentence (reported, not
    silently dropped: their count goes into the manifest)."""

    rows: list[dict[str, Any]]
    spans_outside: list[Span]


def _by_sentence(spans: Sequence[Span], sentences: Sequence[Sentence]) -> tuple[list[list[Span]], list[Span]]:
    """Spans of each sentence (the sentence contains the span entirely), in start order, and the
    spans of no sentence. Sweep over spans sorted by start: O((spans + sentences) log spans)."""
    order = sorted(range(len(spans)), key=lambda i: (spans[i].start, spans[i].end))
    starts = [spans[i].start for i in order]
    placed: set[int] = set()
    out: list[list[Span]] = []
    for sent in sentences:
        mine = []
        j = bisect_left(starts, sent.start)
        while j < len(order) and starts[j] < sent.end:
            i = order[j]
            if spans[i].end <= sent.end and i not in placed:
                mine.append(spans[i])
                placed.add(i)
            j += 1
        out.append(mine)
    return out, [spans[i] for i in range(len(spans)) if i not in placed]


def sentence_rows(doc: Document) -> SentenceRows:
    """The ``sentences`` rows of ``doc``, in sentence order (``sent_index`` = position in
    ``doc.sentences``). A span belongs to the sentence that contains it entirely; its offsets are
    shifted to the sentence text (spans in start order). ``is_boilerplate``/``boilerplate_label``
    come from the sentence's block. ``predictions`` are filled for reviewed documents only."""
    predictions = doc.predictions if doc.status == "reviewed" else ()
    entities_of, entities_out = _by_sentence(doc.entities, doc.sentences)
    predictions_of, predictions_out = _by_sentence(predictions, doc.sentences)
    rows: list[dict[str, Any]] = []
    for index, sent in enumerate(doc.sentences):
        block = doc.blocks[sent.block_index]
        rows.append(
            {
                "doc_id": doc.doc_id,
                "sent_index": index,
                "start": sent.start,
                "end": sent.end,
                "text": doc.text[sent.start : sent.end],
                "is_boilerplate": block.is_boilerplate,
                "boilerplate_label": block.boilerplate_label if block.is_boilerplate else None,
                "status": doc.status,
                "entities": [_span_dict(s, sent.start) for s in entities_of[index]],
                "predictions": [_span_dict(s, sent.start) for s in predictions_of[index]],
            }
        )
    return SentenceRows(rows, entities_out + predictions_out)


def is_aligned(token_offsets: Sequence[tuple[int, int]], span: Span) -> bool:
    """True when ``span`` starts at a token start and ends at a token end (no token is cut; a cut
    token is tagged whole by :func:`corpus_builder.entities.bio_tags`, and counted in the manifest)."""
    return span.start in {s for s, _ in token_offsets} and span.end in {e for _, e in token_offsets}


@dataclass
class NerRow:
    """A ``ner`` row and the number of its spans whose boundaries cut a token."""

    row: dict[str, Any]
    misaligned: int


def ner_row(sentence: dict[str, Any], tokenize: Tokenizer) -> NerRow:
    """The ``ner`` row of a content ``sentences`` row: ``tokenize(sentence text)`` gives token
    offsets (code points into the sentence text; whitespace-only tokens are dropped), tags come from
    the sentence's ``entities`` (IOB2, :func:`corpus_builder.entities.bio_tags`, the one IOB2 conversion) as ClassLabel ids
    in :data:`~corpus_builder.records.NER_TAGS` order."""
    text = sentence["text"]
    offsets = [(s, e) for s, e in tokenize(text) if text[s:e].strip()]
    spans = [Span(**e) for e in sentence["entities"]]
    tags = bio_tags(offsets, spans)
    return NerRow(
        {
            "doc_id": sentence["doc_id"],
            "sent_index": sentence["sent_index"],
            "tokens": [text[s:e] for s, e in offsets],
            "ner_tags": [_TAG_ID[t] for t in tags],
        },
        sum(1 for s in spans if not is_aligned(offsets, s)),
    )
