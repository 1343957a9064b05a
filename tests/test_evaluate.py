"""Gold readers, metrics, the regression gate and the CLI, on tiny hand-made files in
``tests/data/eval/gold`` (written for these tests, laid out like the shared gold root)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from corpus_builder.errors import InputError
from corpus_builder.evaluate import gold, metrics
from corpus_builder.evaluate.cli import evaluate_app
from corpus_builder.evaluate.run import check_baseline, headline_figures, write_baseline
from corpus_builder.records import Span

GOLD = Path(__file__).parent / "data" / "eval" / "gold"


# ---------------------------------------------------------------------------- readers


def test_conllu_without_paragraphs_joins_sentences_with_one_space():
    (doc,) = gold.read_conllu_sentences(GOLD / "sentences/tiny-fr-dev/tiny.conllu")
    assert doc.text == "Le marché de Nancy M. Dupont a ouvert le stand. Il pleut."
    assert [(b.start, b.end) for b in doc.blocks] == [(0, len(doc.text))]
    assert [doc.text[s.start : s.end] for s in doc.sentences] == ["Le marché de Nancy", "M. Dupont a ouvert le stand.", "Il pleut."]


def test_conllu_with_newdoc_and_newpar_gives_documents_and_paragraphs():
    docs = gold.read_conllu_sentences(GOLD / "sentences/tiny-en-dev/tiny.conllu")
    assert [d.doc_id for d in docs] == ["docA", "docB"]
    a = docs[0]
    assert a.text == "Hello there. Bye now!\nSecond paragraph"
    assert [a.text[b.start : b.end] for b in a.blocks] == ["Hello there. Bye now!", "Second paragraph"]
    assert [(a.text[s.start : s.end], s.block_index) for s in a.sentences] == [("Hello there.", 0), ("Bye now!", 0), ("Second paragraph", 1)]


def test_sequoia_ne_offsets_labels_multiword_tokens_and_prim_items():
    docs, notes = gold.read_sequoia_ne(GOLD / "ner/tiny-seq-fr-dev/tiny.parseme.dev")
    got = {d.doc_id: [(e.start, e.end, e.label, e.text) for e in d.entities] for d in docs}
    # "du" is a multiword token (de + le): the entity spans its surface; ".prim" (nested) items are ignored
    assert got["s1"] == [(0, 11, "PER", "Jean Dupont"), (22, 37, "LOC", "musée du Louvre"), (40, 45, "LOC", "Paris")]
    # EVE → MISC; the MWE item "passe par" is not an entity; the discontinuous LOC is dropped by default
    assert got["s2"] == [(3, 17, "MISC", "Tour de France")]
    assert got["s3"] == [(15, 19, "MISC", "Clio")]  # PROD → MISC
    assert any("dropped discontinuous LOC 'Alsace Lorraine'" in n for n in notes)
    for d in docs:
        assert all(d.text[e.start : e.end] == e.text and e.source == "annotation" for e in d.entities)


def test_sequoia_ne_discontinuous_first_part_option():
    docs, _ = gold.read_sequoia_ne(GOLD / "ner/tiny-seq-fr-dev/tiny.parseme.dev", discontinuous="first")
    s2 = next(d for d in docs if d.doc_id == "s2")
    assert [(e.text, e.label) for e in s2.entities] == [("Tour de France", "MISC"), ("Alsace", "LOC")]


def test_sequoia_ne_form_not_matching_text_is_an_input_error(tmp_path):
    bad = tmp_path / "bad.dev"
    cols = ["1", "Lyon", "_", "X", "_", "_", "0", "root", "_", "_", "1:PROPN|NE-LOC.final|_", "*"]
    bad.write_text("# global.columns = ID FORM LEMMA UPOS XPOS FEATS HEAD DEPREL DEPS MISC PARSEME:MWE FRSEMCOR:NOUN\n"
                   "# sent_id = x1\n# text = Paris\n" + "\t".join(cols) + "\n\n", encoding="utf-8")
    with pytest.raises(InputError, match="x1.*Lyon"):
        gold.read_sequoia_ne(bad, strict=True)
    docs, notes = gold.read_sequoia_ne(bad)  # lenient (the default): left out and named
    assert docs == [] and notes[0].startswith("1 sentences left out") and "x1" in notes[1]


def test_sequoia_space_after_no_must_agree_with_text(tmp_path):
    bad = tmp_path / "bad.dev"
    row = lambda i, form, misc: "\t".join([str(i), form, "_", "X", "_", "_", "0", "dep", "_", misc, "*", "*"])
    bad.write_text("# global.columns = ID FORM LEMMA UPOS XPOS FEATS HEAD DEPREL DEPS MISC PARSEME:MWE FRSEMCOR:NOUN\n"
                   "# sent_id = x2\n# text = A B\n" + row(1, "A", "SpaceAfter=No") + "\n" + row(2, "B", "_") + "\n\n", encoding="utf-8")
    with pytest.raises(InputError, match="SpaceAfter=No"):
        gold.read_sequoia_ne(bad, strict=True)


def test_conll_io_reader_decodes_runs_and_b_tags():
    docs = gold.read_conll_io(GOLD / "ner/tiny-io-en-dev/tiny.conll.txt")
    assert len(docs) == 2
    d = docs[0]
    assert d.text == "John Smith visited New York .\nHe met Mary Ann and IBM ."
    assert [(e.text, e.label) for e in d.entities] == [("John Smith", "PER"), ("New York", "LOC"), ("Mary", "PER"), ("Ann", "PER"), ("IBM", "ORG")]
    assert all(d.text[e.start : e.end] == e.text for e in d.entities)
    assert [d.text[b.start : b.end] for b in d.blocks] == ["John Smith visited New York .", "He met Mary Ann and IBM ."]
    assert docs[1].entities == ()


def test_boilerplate_readers_and_discovery():
    (snip,) = gold.discover(GOLD, "boilerplate")[1:]
    assert snip.kind == "snippets" and snip.lang == "fr"
    page = snip.items[0]
    assert page.with_snippets == ("Le   texte principal", "Un deuxième paragraphe") and "<article>" in page.html
    art = gold.discover(GOLD, "boilerplate")[0]
    assert art.kind == "article" and art.lang == "en"
    assert "bicycle lanes" in art.items[0].html  # read through gzip
    assert art.items[0].article_body.startswith("The city council")


def test_language_from_folder_name_else_detected(tmp_path):
    assert gold.read_set("sentences", GOLD / "sentences/tiny-en-dev").lang == "en"
    folder = tmp_path / "sentences" / "nolang"
    folder.mkdir(parents=True)
    text = "The city council met on Monday evening to discuss the new bicycle lanes along the river."
    (folder / "x.conllu").write_text(f"# sent_id = 1\n# text = {text}\n1\t{text}\t_\t_\t_\t_\t0\troot\t_\t_\n\n", encoding="utf-8")
    (nolang,) = gold.discover(tmp_path, "sentences")
    assert nolang.lang == "en"  # detected: the French default would be wrong here


def test_training_sets_are_never_evaluation_sets(shared_data):
    """deep-sequoia-fr-train is training data (../shared/data/README.md): discover leaves it out and
    training_sets lists it, so the gate and `evaluate` never score a model on what it learned from."""
    root = shared_data / "gold"
    names = {gs.name for gs in gold.discover(root, "entities")}
    assert "deep-sequoia-fr-train" not in names and "deep-sequoia-fr-dev" in names
    assert [p.name for p in gold.training_sets(root, "entities")] == ["deep-sequoia-fr-train"]


def test_multilingual_snippet_set_keeps_each_page_language(shared_data):
    (multi,) = [gs for gs in gold.discover(shared_data / "gold", "boilerplate") if gs.name == "trafilatura-multi-dev"]
    assert multi.lang == gold.MULTILINGUAL
    langs = {page.lang for page in multi.items}
    assert {"de", "en", "es", "zh"} <= langs and None not in langs and "fr" not in langs


def test_discover_missing_folder_names_it(tmp_path):
    with pytest.raises(InputError, match="gold folder not found"):
        gold.discover(tmp_path, "entities")


# ---------------------------------------------------------------------------- metrics


def test_sentence_boundaries_ignore_paragraph_starts_and_leading_space():
    text = "A b. C d. E f.\nG h."
    blocks = [(0, 14), (15, 19)]
    gold_s = [(0, 4), (5, 9), (10, 14), (15, 19)]
    pred = [(0, 9), (9, 14), (15, 19)]  # second prediction starts on the space before "E"
    m = metrics.sentence_scores([(text, blocks, gold_s)], [pred])
    assert (m["tp"], m["fp"], m["fn"]) == (1, 0, 1)
    assert m["precision"] == 1.0 and m["recall"] == 0.5
    assert m["missed"] == ["A b. ‖C d. E f.⏎G h."]


def test_sentence_scores_keep_counts_only_boundaries_inside_the_ranges():
    text = "A b. C d. E f. G h."
    gold_s = [(0, 4), (5, 9), (10, 14), (15, 19)]
    pred = [(0, 9), (10, 14), (15, 19)]  # misses "C"
    blocks = [(0, 19)]
    first, second = [[(0, 9)]], [[(9, 19)]]
    m1 = metrics.sentence_scores([(text, blocks, gold_s)], [pred], keep=first)
    m2 = metrics.sentence_scores([(text, blocks, gold_s)], [pred], keep=second)
    assert (m1["tp"], m1["fn"], m1["n_gold_sentences"]) == (0, 1, 2)
    assert (m2["tp"], m2["fn"], m2["fp"], m2["n_gold_sentences"]) == (2, 0, 0, 2)
    assert metrics.sentence_scores([(text, blocks, gold_s)], [pred], keep=[[]])["tp"] == 0


def test_halves_by_document_are_deterministic_balanced_and_tile_the_set():
    from corpus_builder.evaluate import halves

    docs = gold.read_conllu_sentences(GOLD / "sentences/tiny-en-dev/tiny.conllu")
    many = [gold.SentenceGoldDoc(f"d{i}", "x.", (), ()) for i in range(40)]
    ranges = halves.half_ranges("some-set", many)
    tune = [i for i, r in enumerate(ranges["tune"]) if r]
    held = [i for i, r in enumerate(ranges["held-out"]) if r]
    assert len(tune) == 20 and len(held) == 20 and not set(tune) & set(held)
    assert halves.half_ranges("some-set", list(reversed(many)))["tune"] == list(reversed(ranges["tune"]))  # order-free
    assert halves.half_ranges("other-set", many) != ranges  # the set name is part of the key
    assert len(halves.units(docs)) == len(docs)


def test_halves_of_a_single_running_text_are_runs_of_sentences():
    from corpus_builder.evaluate import halves
    from corpus_builder.records import Sentence

    sents, pos, parts = [], 0, []
    for i in range(60):
        t = f"Phrase {i}."
        sents.append(Sentence(pos, pos + len(t), 0))
        parts.append(t)
        pos += len(t) + 1
    text = " ".join(parts)
    doc = gold.SentenceGoldDoc("one", text, (), tuple(sents))
    units = halves.units([doc])
    assert len(units) == 3  # 25 + 25 + 10 sentences
    assert units[0][1] == 0 and units[-1][2] == len(text)
    assert all(a[2] == b[1] for a, b in zip(units, units[1:]))  # they tile the text
    r = halves.half_ranges("s", [doc])
    assert len(r["tune"][0]) == 2 and len(r["held-out"][0]) == 1


def _s(start, end, label):
    return Span(start, end, label, "x" * (end - start))


def test_entity_error_kinds_and_exact_overlap_scores():
    gold_spans = [_s(0, 10, "PER"), _s(20, 28, "LOC"), _s(30, 40, "ORG"), _s(50, 55, "MISC"), _s(60, 65, "LOC")]
    pred_spans = [
        _s(0, 10, "PER"),  # correct
        _s(20, 28, "ORG"),  # wrong type
        _s(30, 35, "ORG"),  # boundary
        _s(50, 56, "PER"),  # boundary + type
        _s(70, 75, "LOC"),  # spurious
    ]  # LOC 60-65 missed
    m = metrics.entity_scores([("d", gold_spans, pred_spans)])
    assert m["errors"] == {"spurious": 1, "missed": 1, "wrong_type": 1, "boundary": 1, "boundary_type": 1}
    assert m["correct"] == 1
    micro = m["exact"]["micro"]
    assert (micro["tp"], micro["fp"], micro["fn"]) == (1, 4, 4)
    assert micro["f1"] == pytest.approx(0.2)
    per = m["exact"]["PER"]
    assert (per["precision"], per["recall"]) == (0.5, 1.0) and per["f1"] == pytest.approx(2 / 3)
    assert m["exact"]["LOC"]["f1"] == 0.0
    ov = m["overlap"]["micro"]
    assert ov["precision"] == pytest.approx(0.4) and ov["recall"] == pytest.approx(0.4)
    assert any("wrong_type" in e for e in m["examples"]["wrong_type"])


def test_entity_scores_duplicate_predictions_count_once():
    m = metrics.entity_scores([("d", [_s(0, 4, "LOC")], [_s(0, 4, "LOC"), _s(0, 4, "LOC")])])
    assert m["exact"]["micro"]["precision"] == 1.0 and m["n_pred"] == 1


def test_snippet_score_folds_whitespace_and_averages_rates():
    page1 = metrics.snippet_counts("Le texte\n  principal ici. Menu", ["Le texte principal", "absent"], ["Menu", "Footer"])
    assert page1 == {"tp": 1, "fn": 1, "fp": 1, "tn": 1}
    page2 = metrics.snippet_counts("alpha beta", ["alpha", "beta"], ["x", "y"])
    s = metrics.snippet_scores([page1, page2])
    assert s["with_found"] == 0.75 and s["without_absent"] == 0.75 and s["score"] == 0.75
    assert metrics.snippet_counts(None, ["a"], ["b"]) == {"tp": 0, "fn": 1, "fp": 0, "tn": 1}


def test_token_overlap_bag_of_whitespace_tokens_and_benchmark_aggregation():
    c = metrics.token_counts("a b c d", "a b x")
    assert c == pytest.approx((2 / 5, 1 / 5, 2 / 5))
    s = metrics.token_scores([c])
    assert s["precision"] == pytest.approx(2 / 3) and s["recall"] == pytest.approx(0.5)
    assert s["f1"] == pytest.approx(2 * (2 / 3) * 0.5 / (2 / 3 + 0.5))
    # a failed extraction: no precision to average, recall 0
    assert metrics.token_scores([metrics.token_counts("a b", None)])["recall"] == 0.0
    # benchmark shingles: 4-grams of \w+ tokens, punctuation ignored
    sh = metrics.token_counts("one, two three four five", "one two three four five!", n=4, tokenizer="word")
    assert sh == (1.0, 0.0, 0.0)


# ---------------------------------------------------------------------------- gate


def _results(f1: float | None):
    ours = {"error": "ModuleNotFoundError: x"} if f1 is None else {"precision": 1.0, "recall": 1.0, "f1": f1, "n_gold_sentences": 3, "n_pred_sentences": 3}
    return {"tasks": {"sentences": {"set-fr-dev": {"kind": "conllu", "systems": {"ours": ours}}}}}


def test_gate_tolerance_and_failures(tmp_path):
    base = tmp_path / "baseline.json"
    write_baseline(_results(0.9), base)
    data = json.loads(base.read_text())
    assert data["figures"]["sentences/set-fr-dev/f1"] == 0.9 and data["tolerance"] == 0.005
    assert check_baseline(_results(0.896), base) == []
    (msg,) = check_baseline(_results(0.894), base)
    assert msg.startswith("sentences/set-fr-dev/f1: 0.8940 < baseline 0.9000")
    assert check_baseline(_results(None), base) == [
        "sentences/set-fr-dev/f1: missing or failed (baseline 0.9000)",
        "sentences/set-fr-dev/precision: missing or failed (baseline 1.0000)",
        "sentences/set-fr-dev/recall: missing or failed (baseline 1.0000)",
    ]
    # tasks not evaluated in this run are not checked
    assert check_baseline({"tasks": {}}, base) == []
    assert headline_figures(_results(0.5)) == {"sentences/set-fr-dev/precision": 1.0, "sentences/set-fr-dev/recall": 1.0, "sentences/set-fr-dev/f1": 0.5}


def test_gate_missing_baseline_file_is_input_error(tmp_path):
    with pytest.raises(InputError, match="baseline file not found"):
        check_baseline(_results(0.9), tmp_path / "nope.json")


# ---------------------------------------------------------------------------- CLI


def test_cli_sentences_json_and_check_names_regressions(tmp_path):
    runner = CliRunner()
    res = runner.invoke(evaluate_app, ["sentences", "--gold", str(GOLD), "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    fr = data["tasks"]["sentences"]["tiny-fr-dev"]["systems"]
    assert set(fr) == {"ours", "spacy:fr_core_news_sm", "pysbd"}
    assert fr["pysbd"]["n_gold_sentences"] == 3
    en = data["tasks"]["sentences"]["tiny-en-dev"]["systems"]
    assert "spacy:sentencizer" in en and en["pysbd"]["f1"] == 1.0
    assert set(fr["ours"]["halves"]) == {"tune", "held-out"}
    assert any("halves by" in n for n in data["tasks"]["sentences"]["tiny-fr-dev"]["notes"])
    table = runner.invoke(evaluate_app, ["sentences", "--gold", str(GOLD), "--examples", "0"])
    assert table.exit_code == 0 and "HELD-OUT" in table.output and "pysbd" in table.output
    baseline = tmp_path / "b.json"
    baseline.write_text(json.dumps({"tolerance": 0.005, "figures": {"sentences/tiny-en-dev/f1": 1.5}}))
    res = runner.invoke(evaluate_app, ["sentences", "--gold", str(GOLD), "--no-baselines", "--check", str(baseline)])
    assert res.exit_code == 1
    assert "sentences/tiny-en-dev/f1" in res.output


def test_cli_missing_gold_is_one_line_error(tmp_path):
    res = CliRunner().invoke(evaluate_app, ["entities", "--gold", str(tmp_path / "none")])
    assert res.exit_code == 1
    assert "gold folder not found" in res.output and "Traceback" not in res.output


def test_markdown_report_lists_systems_labels_and_error_kinds():
    from corpus_builder.evaluate.report import to_markdown

    ent = metrics.entity_scores([("d", [_s(0, 4, "LOC")], [_s(0, 4, "LOC"), _s(6, 9, "PER")])])
    results = {"tasks": {"entities": {"tiny-fr-dev": {"n_docs": 1, "systems": {"ours": ent, "other": {"error": "boom"}}}}, **_results(0.9)["tasks"]}}
    md = to_markdown(results)
    assert "| ours | LOC | 1.000 | 1.000 | 1.000 |" in md
    assert "| ours | micro | 0.500 | 1.000 | 0.667 |" in md
    assert "| other | failed |" in md
    assert "| ours | 1 | 2 | 1 | 1 | 0 | 0 | 0 | 0 |" in md  # gold, pred, correct, spurious...
    assert "| set-fr-dev | ours | 1.000 | 1.000 | 0.900 |" in md


def test_entity_scores_by_sub_corpus():
    from corpus_builder.evaluate.run import _by_source, _source_of

    assert _source_of("emea-fr-dev_00019") == "emea-fr-dev"
    assert _source_of("frwiki_50.1000_00066") == "frwiki_50.1000"
    assert _source_of("wikigold#3") == "wikigold"
    rows = [("a_1", [_s(0, 3, "PER")], [_s(0, 3, "PER")]), ("b_1", [_s(0, 3, "LOC")], [_s(0, 3, "ORG")])]
    by = _by_source(rows)
    assert by["a"]["f1"] == 1.0 and by["b"]["f1"] == 0.0
