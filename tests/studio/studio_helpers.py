"""Builders shared by the Label Studio tests: hand-written French documents, the annotator's
corrections as Label Studio results, and full-JSON-export tasks made offline."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from corpus_builder.records import Block, Document, Sentence, Span
from corpus_builder.studio.tasks import OffsetMap, document_to_task
from corpus_builder.workspace import Workspace

#: Raw sources (the second one has CRLF line ends, as a Windows-saved file would).
RAW_EMOJI = (
    "Salon de l'agriculture 😀 : Gabriel Attal attendu à Paris\n"
    "Le Premier ministre visitera les stands de la FNSEA samedi matin.\n"
    "Partager\n"
)
RAW_CRLF = (
    "Emmanuel Macron a rencontré Olaf Scholz à Berlin.\r\n"
    "La Commission européenne salue l'accord.\r\n"
    "Publié le 3 mars 2024 à 18h00\r\n"
)
RAW_PLAIN = "La Banque de France publie ses prévisions.\nLes économistes de Lyon restent prudents.\n"


def make_document(doc_id: str, raw: str, entities: list[tuple[str, str]], boilerplate: dict[int, str]) -> Document:
    """A predicted Document built by hand: CRLF → LF (as cleaning does), one block per non-empty
    line, one sentence per block, ``entities`` as ``(surface, label)`` found at their first
    occurrence, ``boilerplate`` as ``{block index: category}``."""
    text = raw.replace("\r\n", "\n")
    blocks, pos = [], 0
    for line in text.split("\n"):
        if line:
            i = len(blocks)
            blocks.append(Block(pos, pos + len(line), i in boilerplate, boilerplate.get(i)))
        pos += len(line) + 1
    spans = []
    for surface, label in entities:
        s = text.index(surface)
        spans.append(Span(s, s + len(surface), label, surface))
    return Document(
        doc_id=doc_id,
        source=f"{doc_id}.txt",
        text=text,
        lang="fr",
        raw_sha256=hashlib.sha256(raw.encode("utf-8")).hexdigest(),
        blocks=tuple(blocks),
        sentences=tuple(Sentence(b.start, b.end, i) for i, b in enumerate(blocks)),
        entities=tuple(sorted(spans, key=lambda s: s.start)),
    )


def sample_documents() -> list[Document]:
    """Three predicted documents with deliberate prediction errors for the annotator to fix."""
    return [
        make_document(
            "doc-emoji",
            RAW_EMOJI,
            [("Gabriel Attal", "PER"), ("Paris", "LOC"), ("Le Premier", "MISC")],  # "Le Premier" is wrong; FNSEA missing
            {2: "share"},
        ),
        make_document(
            "doc-crlf",
            RAW_CRLF,
            [("Emmanuel Macron", "PER"), ("Olaf Scholz", "LOC"), ("Berlin", "LOC"), ("Commission", "ORG")],  # Scholz label, boundary
            {},  # the dateline (block 2) is missed: the annotator relabels it as metadata
        ),
        make_document("doc-plain", RAW_PLAIN, [("Banque de France", "ORG"), ("Lyon", "LOC")], {}),
    ]


def build_workspace(root: Path) -> Workspace:
    ws = Workspace(root)
    ws.write_info({"schema_version": "1.0.0", "components": {"spacy-model": "fr_core_news_sm-3.8.0"}})
    ws.rewrite_documents(sample_documents())
    return ws



def region(text: str, surface: str, label: str, *, from_name: str = "label", unit: str = "cp", rid: str | None = None,
           occurrence: int = 0) -> dict[str, Any]:
    """A Label Studio ``labels`` result over the ``occurrence``-th ``surface`` of ``text``, offsets in
    code points (``unit="cp"``) or UTF-16 units (``unit="utf16"``)."""
    s = -1
    for _ in range(occurrence + 1):
        s = text.index(surface, s + 1)
    e = s + len(surface)
    if unit == "utf16":
        m = OffsetMap(text)
        s, e = m.to_utf16(s), m.to_utf16(e)
    return {"id": rid or f"{from_name}-{surface[:6]}", "from_name": from_name, "to_name": "text", "type": "labels",
            "value": {"start": s, "end": e, "text": surface, "labels": [label]}}


def corrected_results(doc: Document, unit: str = "cp") -> list[dict[str, Any]]:
    """What the annotator submits for the sample documents (see EXPECTED)."""
    t = doc.text
    if doc.doc_id == "doc-emoji":  # delete "Le Premier" MISC, add FNSEA ORG, keep the rest
        return [region(t, "Gabriel Attal", "PER", unit=unit), region(t, "Paris", "LOC", unit=unit),
                region(t, "FNSEA", "ORG", unit=unit), region(t, "Partager", "share", from_name="boilerplate", unit=unit)]
    if doc.doc_id == "doc-crlf":  # change a label, move a boundary, relabel a block as boilerplate
        return [region(t, "Emmanuel Macron", "PER"), region(t, "Olaf Scholz", "PER"), region(t, "Berlin", "LOC"),
                region(t, "Commission européenne", "ORG"),
                region(t, "Publié le 3 mars 2024 à 18h00", "metadata", from_name="boilerplate")]
    raise KeyError(doc.doc_id)


#: The labels that must come back: doc_id → {(surface, label)} and {block index: boilerplate label}.
EXPECTED_ENTITIES = {
    "doc-emoji": {("Gabriel Attal", "PER"), ("Paris", "LOC"), ("FNSEA", "ORG")},
    "doc-crlf": {("Emmanuel Macron", "PER"), ("Olaf Scholz", "PER"), ("Berlin", "LOC"), ("Commission européenne", "ORG")},
}
EXPECTED_BOILERPLATE = {"doc-emoji": {2: "share"}, "doc-crlf": {2: "metadata"}}


def annotation(aid: int, result: list[dict[str, Any]], *, user: int = 1, updated: str = "2026-01-01T10:00:00Z",
               ground_truth: bool = False, cancelled: bool = False) -> dict[str, Any]:
    """An annotation as it appears in Label Studio's full JSON export."""
    return {"id": aid, "completed_by": user, "result": result, "was_cancelled": cancelled, "ground_truth": ground_truth,
            "created_at": updated, "updated_at": updated, "lead_time": 3.2}


def exported_task(task_id: int, doc: Document, annotations: list[dict[str, Any]]) -> dict[str, Any]:
    """A task as Label Studio's full JSON export gives it back (data as pushed, annotations, prediction ids)."""
    task = document_to_task(doc, "test-model")
    return {"id": task_id, "data": task["data"], "annotations": annotations, "predictions": [task_id], "drafts": []}
