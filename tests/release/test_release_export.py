"""``corpus-builder export``: CoNLL, spaCy DocBin and JSONL, read back and compared with the
release as ``datasets.load_dataset`` gives it; a one-epoch ``spacy train`` on the DocBins."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import datasets
import pytest
import spacy
from spacy.tokens import DocBin
from typer.testing import CliRunner

from corpus_builder.cli import app
from corpus_builder.errors import ConfigError, ReleaseError
from corpus_builder.records import NER_TAGS
from corpus_builder.release import read_manifest, write_release
from corpus_builder.release.export import export_release, words_and_spaces
from tests.test_release import make_doc, regex_tokenize

runner = CliRunner()


def load(release: Path, config: str, cache: Path) -> datasets.DatasetDict:
    return datasets.load_dataset(str(release), config, cache_dir=str(cache))


def read_conll(path: Path) -> list[list[tuple[list[str], list[str]]]]:
    """Documents → sentences → (tokens, tags), an independent reader of the CoNLL-2003 layout."""
    docs: list[list[tuple[list[str], list[str]]]] = []
    tokens: list[str] = []
    tags: list[str] = []
    for line in path.read_text(encoding="utf-8").split("\n"):
        if line.startswith("-DOCSTART-"):
            assert not tokens, "a document starts inside a sentence"
            docs.append([])
            continue
        if not line:
            if tokens:
                docs[-1].append((tokens, tags))
                tokens, tags = [], []
            continue
        token, tag = line.split(" ")
        tokens.append(token)
        tags.append(tag)
    assert not tokens, "the file does not end with a blank line"
    return docs


def odd_whitespace_release(tmp_path: Path) -> Path:
    """A release whose sentences hold double spaces, a tab, an emoji and a combining accent."""
    docs = [
        make_doc("ws", [("Marie  Curie vit à\tParis.  Elle travaille à l'Institut du radium.", None), ("Partager", "share")],
                 [("Marie  Curie", "PER"), ("Paris", "LOC"), ("Institut du radium", "ORG")]),
        make_doc("emoji", [("🎉 Bravo à Jose\u0301 Dupont pour Nice.", None)], [("Jose\u0301 Dupont", "PER"), ("Nice", "LOC")]),
        make_doc("revue", [("Airbus livre à Toulouse.", None)], [("Airbus", "ORG"), ("Toulouse", "LOC")], status="reviewed",
                 predictions=[("Airbus", "ORG")], annotator="ana"),
    ]
    info = write_release(docs, name="odd", version="1.0.0", releases_dir=tmp_path / "releases", tokenize=regex_tokenize,
                         inputs=[{"path": d.doc_id, "sha256": d.raw_sha256} for d in docs], split=(1.0, 0.0, 0.0))
    return info.path


# --------------------------------------------------------------------------------------------------


def test_conll_tags_equal_the_ner_config(real_release, tmp_path):
    info = export_release(real_release, tmp_path / "conll", format="conll")
    ner = load(real_release, "ner", tmp_path / "cache")
    names = ner["train"].features["ner_tags"].feature.names
    assert [f["split"] for f in info.files] == list(ner.keys())
    for split in ner:
        docs = read_conll(tmp_path / "conll" / f"{split}.conll")
        want_docs: list[list[tuple[list[str], list[str]]]] = []
        previous = None
        for row in ner[split]:
            if row["doc_id"] != previous:
                want_docs.append([])
                previous = row["doc_id"]
            if row["tokens"]:
                want_docs[-1].append((row["tokens"], [names[t] for t in row["ner_tags"]]))
        assert docs == want_docs
        assert sum(len(d) for d in docs) > 3
        assert any(t != "O" for d in docs for _, tags in d for t in tags)
    meta = json.loads((tmp_path / "conll" / "export.json").read_text())
    assert meta["release"]["version"] == "1.0.0" and meta["format"] == "conll"
    assert sum(f["entities"] for f in meta["files"]) == sum(
        names[t].startswith("B-") for s in ner for row in ner[s] for t in row["ner_tags"]
    )


def _docbin_entities(path: Path) -> tuple[list, set]:
    vocab = spacy.blank("fr").vocab
    docs = list(DocBin().from_disk(path).get_docs(vocab))
    ents = {(d.user_data["doc_id"], d.user_data["start"] + e.start_char, d.user_data["start"] + e.end_char, e.label_) for d in docs for e in d.ents}
    return docs, ents


def test_docbin_entities_equal_the_release_spans(real_release, tmp_path):
    export_release(real_release, tmp_path / "spacy", format="spacy")
    sentences = load(real_release, "sentences", tmp_path / "cache")
    ner = load(real_release, "ner", tmp_path / "cache")
    misaligned = read_manifest(real_release)["counts"]["spans_misaligned_with_tokens"]
    for split in ner:
        docs, got = _docbin_entities(tmp_path / "spacy" / f"{split}.spacy")
        content = [r for r in sentences[split] if not r["is_boilerplate"]]
        assert [d.text for d in docs] == [r["text"] for r in content]  # the text is the release's, spaces included
        for d, row in zip(docs, ner[split]):
            assert [t.text for t in d if not t.is_space] == row["tokens"]
        want = {(r["doc_id"], r["start"] + e["start"], r["start"] + e["end"], e["label"]) for r in content for e in r["entities"]}
        assert want, "the fixture release has entities in content sentences"
        # every span that starts and ends on token boundaries comes back exactly; the rest are widened
        assert len(want - got) <= misaligned
        assert len(got) == len(want)


def test_docbin_and_conll_keep_odd_whitespace_and_every_span(tmp_path):
    release = odd_whitespace_release(tmp_path)
    export_release(release, tmp_path / "spacy", format="spacy")
    export_release(release, tmp_path / "conll", format="conll")
    docs, got = _docbin_entities(tmp_path / "spacy" / "train.spacy")
    assert "Marie  Curie vit à\tParis." in [d.text for d in docs]
    want = set()
    for row in load(release, "documents", tmp_path / "cache")["train"]:
        for e in row["entities"]:
            if row["text"][e["start"]:e["end"]] != "Partager":
                want.add((row["doc_id"], e["start"], e["end"], e["label"]))
    assert got == want  # "Marie  Curie" across a double space, "José" with a combining accent
    conll = read_conll(tmp_path / "conll" / "train.conll")
    assert (["Marie", "Curie", "vit", "à", "Paris", "."], ["B-PER", "I-PER", "O", "O", "B-LOC", "O"]) in conll[0]


def test_words_and_spaces_rebuild_the_text():
    for text in ["a b", "a  b", "a\tb", " a b ", "a \n b", "🎉 x", "a\n\n b"]:
        tokens = text.split()
        words, spaces, origin = words_and_spaces(text, tokens, "t")
        assert "".join(w + (" " if s else "") for w, s in zip(words, spaces)) == text
        assert [words[i] for i, o in enumerate(origin) if o is not None] == tokens
    with pytest.raises(ReleaseError, match="not whitespace"):
        words_and_spaces("a x b", ["a", "b"], "t")


def test_jsonl_rows_equal_the_release_rows(real_release, tmp_path):
    export_release(real_release, tmp_path / "docs", format="jsonl")
    export_release(real_release, tmp_path / "sents", format="jsonl", config="sentences", split="train")
    documents = load(real_release, "documents", tmp_path / "cache")
    for split in documents:
        rows = [json.loads(line) for line in (tmp_path / "docs" / f"{split}.jsonl").read_text(encoding="utf-8").splitlines()]
        assert rows == list(documents[split])
        for row in rows:  # document offsets
            assert all(row["text"][e["start"]:e["end"]] == e["text"] for e in row["entities"])
    assert [p.name for p in sorted((tmp_path / "sents").iterdir())] == ["export.json", "train.jsonl"]


def test_export_never_overwrites_and_rejects_bad_options(real_release, tmp_path):
    export_release(real_release, tmp_path / "x", format="conll")
    before = (tmp_path / "x" / "train.conll").read_bytes()
    with pytest.raises(ConfigError, match="never overwrites"):
        export_release(real_release, tmp_path / "x", format="conll")
    assert (tmp_path / "x" / "train.conll").read_bytes() == before
    with pytest.raises(ConfigError, match="exports config ner"):
        export_release(real_release, tmp_path / "y", format="conll", config="documents")
    with pytest.raises(ConfigError, match="unknown export format"):
        export_release(real_release, tmp_path / "y", format="brat")
    with pytest.raises(ConfigError, match="unknown split"):
        export_release(real_release, tmp_path / "y", format="jsonl", split="dev")
    with pytest.raises(ReleaseError, match="not a folder"):
        export_release(tmp_path / "nope", tmp_path / "y", format="jsonl")
    r = runner.invoke(app, ["export", str(real_release), "--format", "conll", "--out", str(tmp_path / "x")])
    assert r.exit_code == 1 and "never overwrites" in r.output and "Traceback" not in r.output


def test_export_detects_a_changed_file(tmp_path):
    release = odd_whitespace_release(tmp_path)
    shard = next((release / "ner").glob("train-*.parquet"))
    shard.write_bytes(shard.read_bytes() + b"x")
    with pytest.raises(ReleaseError, match="sha256 differs"):
        export_release(release, tmp_path / "out", format="conll")
    assert not (tmp_path / "out").exists()  # the folder it created is removed with the partial files
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("mine")
    with pytest.raises(ReleaseError, match="sha256 differs"):
        export_release(release, tmp_path / "mine", format="spacy")
    assert [p.name for p in (tmp_path / "mine").iterdir()] == ["notes.txt"]  # a folder of the user's stays, with its files


def test_spacy_export_leaves_out_documents_without_ner_rows_as_conll_does(tmp_path):
    """Trial bug: the spacy export of a release holding an English document when only a French
    entity model is configured (its sentences are left out of ``ner`` by design) stopped with
    "has no matching content sentence". The DocBin holds the ``ner`` sentences, as CoNLL does."""
    import dataclasses

    en = make_doc("aaa-en", [("The mayor of Leeds spoke. He left early.", None)])
    en = dataclasses.replace(en, lang="en", meta={"no_entity_model": "en"})
    fr = make_doc("zzz-fr", [("Marie Curie vit à Paris. Elle travaille beaucoup.", None)], [("Marie Curie", "PER"), ("Paris", "LOC")])
    late_en = dataclasses.replace(make_doc("zzz-zen", [("Another English text here.", None)]), lang="en", meta={"no_entity_model": "en"})
    docs = [en, fr, late_en]
    info = write_release(docs, name="mixed", version="1.0.0", releases_dir=tmp_path / "releases", tokenize=regex_tokenize,
                         inputs=[{"path": d.doc_id, "sha256": d.raw_sha256} for d in docs], split=(1.0, 0.0, 0.0))
    ner = load(info.path, "ner", tmp_path / "cache")["train"]
    assert {r["doc_id"] for r in ner} == {"zzz-fr"}  # the fixture: English sentences are not in ner
    spacy_info = export_release(info.path, tmp_path / "spacy", format="spacy")
    export_release(info.path, tmp_path / "conll", format="conll")
    docbin, ents = _docbin_entities(tmp_path / "spacy" / "train.spacy")
    assert [[t.text for t in d if not t.is_space] for d in docbin] == [tokens for doc in read_conll(tmp_path / "conll" / "train.conll") for tokens, _ in doc]
    assert [d.text for d in docbin] == ["Marie Curie vit à Paris.", "Elle travaille beaucoup."]
    assert {(e[0], e[3]) for e in ents} == {("zzz-fr", "PER"), ("zzz-fr", "LOC")}
    assert spacy_info.files[0]["documents"] == 1 and spacy_info.files[0]["sentences"] == 2


def test_export_says_which_documents_and_splits_it_left_out(tmp_path):
    """Trial bug: ``export --format spacy`` left the documents without an entity model out of the
    DocBin silently, and a release without a validation split gave no validation.spacy without a
    word (the README's ``spacy train ... validation.spacy`` then failed). The export counts the
    documents without ``ner`` rows per reason and names the split files it did not write."""
    import dataclasses

    en = [dataclasses.replace(make_doc(f"en-{i}", [(f"The mayor of Leeds spoke {i} times.", None)]), lang="en", meta={"no_entity_model": "en"})
          for i in range(2)]
    menu = make_doc("menu", [("Partager", "share"), ("Accueil", "navigation")])
    fr = make_doc("fr", [("Marie Curie vit à Paris.", None)], [("Marie Curie", "PER"), ("Paris", "LOC")])
    docs = [*en, menu, fr]
    info = write_release(docs, name="mixed", version="1.0.0", releases_dir=tmp_path / "releases", tokenize=regex_tokenize,
                         inputs=[{"path": d.doc_id, "sha256": d.raw_sha256} for d in docs], split=(1.0, 0.0, 0.0))
    r = runner.invoke(app, ["export", str(info.path), "--format", "spacy", "--out", str(tmp_path / "spacy")])
    assert r.exit_code == 0, r.output
    lines = [" ".join(line.split()) for line in r.output.splitlines()]
    assert f"wrote train.spacy and export.json in {tmp_path / 'spacy'}" in lines
    assert "note: no validation.spacy: the release has no ner rows in split validation" in lines
    assert "note: no test.spacy: the release has no ner rows in split test" in lines
    assert "note: 2 documents left out of the ner files (train 2): no entity model for language en (not reviewed: no entity predictions)" in lines
    assert "note: 1 document left out of the ner files (train 1): no content sentence (every line is boilerplate)" in lines
    meta = json.loads((tmp_path / "spacy" / "export.json").read_text())
    assert [m["split"] for m in meta["splits_not_written"]] == ["validation", "test"]
    assert {m["reason"]: m["documents"] for m in meta["left_out"]} == {
        "no entity model for language en (not reviewed: no entity predictions)": 2,
        "no content sentence (every line is boilerplate)": 1,
    }
    assert meta["files"][0]["documents"] == 1  # the DocBin holds the French document only
    conll = export_release(info.path, tmp_path / "conll", format="conll", split="train")
    assert conll.splits_not_written == [] and sum(lo["documents"] for lo in conll.left_out) == 3


@pytest.mark.slow
def test_spacy_train_reads_the_docbins_as_is(real_release, tmp_path):
    r = runner.invoke(app, ["export", str(real_release), "--format", "spacy", "--out", str(tmp_path / "corpus")])
    assert r.exit_code == 0, r.output
    cfg = tmp_path / "config.cfg"
    subprocess.run([sys.executable, "-m", "spacy", "init", "config", "-l", "fr", "-p", "ner", str(cfg)], check=True, capture_output=True)
    run = subprocess.run(
        [sys.executable, "-m", "spacy", "train", str(cfg), "--paths.train", str(tmp_path / "corpus" / "train.spacy"),
         "--paths.dev", str(tmp_path / "corpus" / "validation.spacy"), "--training.max_epochs", "1",
         "--training.eval_frequency", "10", "--output", str(tmp_path / "model")],
        capture_output=True, text=True,
    )
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    nlp = spacy.load(tmp_path / "model" / "model-last")
    assert set(nlp.get_pipe("ner").labels) == {t[2:] for t in NER_TAGS if t != "O"} & {
        e.label_ for d in _docbin_entities(tmp_path / "corpus" / "train.spacy")[0] for e in d.ents
    }
