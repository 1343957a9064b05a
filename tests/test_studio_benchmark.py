"""The studio benchmark's workspace replication keeps every record valid (offsets, span texts, ids)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from corpus_builder.clean import make_doc_id
from corpus_builder.records import Block, Document, Sentence, Span
from corpus_builder.studio.tasks import document_to_task
from corpus_builder.workspace import Workspace

ROOT = Path(__file__).resolve().parents[1]


def _bench():
    spec = importlib.util.spec_from_file_location("studio_throughput", ROOT / "benchmarks" / "studio_throughput.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _doc() -> Document:
    text = "Le 12 mai 2024, Airbus livre 37 avions.\nDépêche n° 9"
    ents = (Span(16, 22, "ORG", "Airbus"), Span(3, 14, "MISC", "12 mai 2024"))
    first = text.index("\n")
    return Document(
        doc_id=make_doc_id(text), source="a.txt", text=text, lang="fr", raw_sha256="0" * 64,
        blocks=(Block(0, first), Block(first + 1, len(text), True, "metadata")),
        sentences=(Sentence(0, first, 0), Sentence(first + 1, len(text), 1)),
        entities=ents,
    )


def test_shifted_copy_keeps_offsets_and_renews_ids():
    bench = _bench()
    doc = _doc()
    copy = bench.shifted_copy(doc, 3)
    assert copy.text == "Le 45 mai 5357, Airbus livre 60 avions.\nDépêche n° 2"
    assert len(copy.text) == len(doc.text) and copy.blocks == doc.blocks and copy.sentences == doc.sentences
    assert copy.doc_id == make_doc_id(copy.text) != doc.doc_id
    assert [s.text for s in copy.entities] == ["Airbus", "45 mai 5357"]
    assert all(copy.text[s.start : s.end] == s.text for s in copy.entities)
    region = document_to_task(copy, "m")["predictions"][0]["result"][1]["value"]
    assert copy.text[region["start"] : region["end"]] == region["text"] == "45 mai 5357"


def test_replicate_writes_distinct_documents(tmp_path):
    bench = _bench()
    ws = Workspace(tmp_path / "ws")
    ws.root.mkdir()
    ws.rewrite_documents([_doc()])
    assert bench.replicate(ws, 7) == 7
    docs = list(ws.iter_documents())
    assert len({d.doc_id for d in docs}) == len({d.text for d in docs}) == 7
    assert docs[0] == _doc()
