"""Documents → Label Studio tasks (one task per document) with predictions; the UTF-16 boundary.

A task::

    {"data": {"text": <Document.text>, "doc_id": ..., "text_sha256": <sha256 of text, UTF-8>,
              "source": ...},
     "predictions": [{"model_version": ..., "result": [<labels regions>]}]}

Prediction regions use code-point offsets and carry the region ``text`` so that every span can be
checked when it comes back. Code points are what Label Studio's ``Text`` tag counts since its emoji
fix (label-studio-frontend PR 308); checked in the editor bundled with label-studio 1.23.2, which
slices text nodes with ``[...text]``, i.e. by code point (``web/dist/apps/labelstudio/358.js``).
Older front ends and other tools counted UTF-16 units, so imports accept both (:mod:`.merge`).
Entity regions use ``from_name="label"``; boilerplate regions (one per predicted boilerplate
block, over the block's whole line) use ``from_name="boilerplate"``.

This module is the ONE place where code points and UTF-16 code units are converted
(:class:`OffsetMap`): browsers count string positions in UTF-16 units, so after an emoji or any
other astral character (U+10000 and above) a browser-side offset is larger than the code-point
offset by one per astral character before it. CRLF and combining characters are the same length
in both units (they are BMP code points); only astral characters differ.
"""

from __future__ import annotations

import hashlib
from bisect import bisect_left
from collections.abc import Mapping
from typing import Any

from ..records import Document, Span
from .config import BOILERPLATE_FROM_NAME, ENTITY_FROM_NAME, TEXT_NAME

#: Data keys that identify a task's document; ``push`` keys idempotency on the pair.
DOC_ID_KEY = "doc_id"
TEXT_SHA_KEY = "text_sha256"


def text_sha256(text: str) -> str:
    """Hex sha256 of ``text`` encoded as UTF-8 (the task key that detects a changed text)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class OffsetMap:
    """Code-point ↔ UTF-16 code-unit offsets over one text.

    ``to_utf16(cp)``: the UTF-16 offset of code-point offset ``cp`` (0 ≤ cp ≤ len(text)).
    ``to_codepoint(u16)``: the inverse; raises :class:`ValueError` when ``u16`` falls between the
    two halves of a surrogate pair or outside the text. Offsets are end-exclusive positions, so
    both ``start`` and ``end`` of a span convert with the same call.
    """

    def __init__(self, text: str):
        self.text = text
        # code-point positions of astral characters (each takes 2 UTF-16 units)
        self._astral = [i for i, ch in enumerate(text) if ord(ch) > 0xFFFF]
        self.utf16_len = len(text) + len(self._astral)

    @property
    def has_astral(self) -> bool:
        return bool(self._astral)

    def to_utf16(self, cp: int) -> int:
        if not 0 <= cp <= len(self.text):
            raise ValueError(f"code-point offset {cp} outside text of length {len(self.text)}")
        return cp + bisect_left(self._astral, cp)

    def to_codepoint(self, u16: int) -> int:
        if not 0 <= u16 <= self.utf16_len:
            raise ValueError(f"UTF-16 offset {u16} outside text of UTF-16 length {self.utf16_len}")
        # cp = u16 - (number of astral characters wholly before cp); search on the monotone map
        lo, hi = 0, len(self._astral)
        while lo < hi:  # count astral chars whose UTF-16 end (pos + k + 2) is <= u16
            mid = (lo + hi) // 2
            if self._astral[mid] + mid + 2 <= u16:
                lo = mid + 1
            else:
                hi = mid
        cp = u16 - lo
        if self.to_utf16(cp) != u16:
            raise ValueError(f"UTF-16 offset {u16} falls inside a surrogate pair")
        return cp


def cp_to_utf16(text: str, cp: int) -> int:
    """UTF-16 offset of code-point offset ``cp`` in ``text`` (see :class:`OffsetMap`)."""
    return OffsetMap(text).to_utf16(cp)


def utf16_to_cp(text: str, u16: int) -> int:
    """Code-point offset of UTF-16 offset ``u16`` in ``text``; :class:`ValueError` inside a surrogate pair."""
    return OffsetMap(text).to_codepoint(u16)


def span_region(span: Span, region_id: str) -> dict[str, Any]:
    """A Label Studio ``labels`` result for an entity span (code-point offsets, region text kept)."""
    return {
        "id": region_id,
        "from_name": ENTITY_FROM_NAME,
        "to_name": TEXT_NAME,
        "type": "labels",
        "value": {"start": span.start, "end": span.end, "text": span.text, "labels": [span.label]},
    }


def block_region(text: str, start: int, end: int, label: str, region_id: str) -> dict[str, Any]:
    """A Label Studio ``labels`` result marking ``text[start:end]`` (a block) as boilerplate ``label``."""
    return {
        "id": region_id,
        "from_name": BOILERPLATE_FROM_NAME,
        "to_name": TEXT_NAME,
        "type": "labels",
        "value": {"start": start, "end": end, "text": text[start:end], "labels": [label]},
    }


def machine_spans(doc: Document) -> tuple[Span, ...]:
    """The machine's entity spans: ``entities`` of a predicted document, ``predictions`` of a reviewed one."""
    return doc.predictions if doc.status == "reviewed" else doc.entities


def machine_blocks(doc: Document) -> list[tuple[int, int, str]]:
    """The machine's boilerplate blocks as ``(start, end, label)`` (code points).

    For a reviewed document they come from ``meta["studio"]["predicted_blocks"]``, where
    :mod:`.merge` keeps them when the human labels replace the block labels.
    """
    if doc.status == "reviewed" and "predicted_blocks" in doc.meta.get("studio", {}):
        return [tuple(b) for b in doc.meta["studio"]["predicted_blocks"]]  # type: ignore[misc]
    return [(b.start, b.end, b.boilerplate_label or "other") for b in doc.blocks if b.is_boilerplate]


#: Data key of the record a task's document came from (:func:`document_record`).
RECORD_KEY = "record"


def document_record(doc: Document) -> str:
    """Where ``doc`` came from, one document per value: ``<file>#L<line>`` for a JSONL line (kept
    by ingest in ``meta["ingest"]["record"]``, since several lines may share one ``source``), else
    ``doc.source`` (a file's path relative to its input folder). Reports name documents by
    ``doc_id`` and this record."""
    rec = (doc.meta.get("ingest") or {}).get("record") if isinstance(doc.meta.get("ingest"), dict) else None
    return str(rec) if rec else doc.source


def task_record(task: Mapping[str, Any]) -> str | None:
    """The record of a task's document: ``data.record`` (pushed since issue 11), else ``data.source``
    (older tasks), else ``None``."""
    data = task.get("data") or {}
    rec = data.get(RECORD_KEY) or data.get("source")
    return None if rec is None else str(rec)


def document_to_task(doc: Document, model_version: str) -> dict[str, Any]:
    """Return the Label Studio task for ``doc``: data (text, doc_id, text_sha256, source, record:
    :func:`document_record`) and one prediction (entity spans + boilerplate blocks) tagged with
    ``model_version``."""
    result = [span_region(s, f"e{i}") for i, s in enumerate(machine_spans(doc))]
    result += [block_region(doc.text, s, e, lab, f"b{i}") for i, (s, e, lab) in enumerate(machine_blocks(doc))]
    return {
        "data": {TEXT_NAME: doc.text, DOC_ID_KEY: doc.doc_id, TEXT_SHA_KEY: text_sha256(doc.text), "source": doc.source,
                 RECORD_KEY: document_record(doc)},
        "predictions": [{"model_version": model_version, "result": result}],
    }


def task_key(task: dict[str, Any]) -> tuple[str, str]:
    """``(doc_id, text_sha256)`` of a task (or of an exported task); the idempotency key of push."""
    data = task.get("data") or {}
    return (str(data.get(DOC_ID_KEY)), str(data.get(TEXT_SHA_KEY)))
