"""Merging a Label Studio full JSON export into documents, offline: the rules of corpus_builder.studio.merge."""

from __future__ import annotations

import json

import pytest
from studio_helpers import (
    EXPECTED_BOILERPLATE,
    EXPECTED_ENTITIES,
    annotation,
    corrected_results,
    exported_task,
    region,
)

from corpus_builder.errors import StudioError
from corpus_builder.studio.merge import load_export, locate_span, merge_tasks
from corpus_builder.studio.tasks import OffsetMap


def by_id(docs):
    return {d.doc_id: d for d in docs}


def surfaces(doc):
    return {(s.text, s.label) for s in doc.entities}


def test_corrections_replace_predictions_which_are_kept_apart(docs):
    d = by_id(docs)
    tasks = [exported_task(1, d["doc-emoji"], [annotation(11, corrected_results(d["doc-emoji"]))]),
             exported_task(2, d["doc-crlf"], [annotation(12, corrected_results(d["doc-crlf"]), user=7)])]
    res = merge_tasks(d, tasks)
    assert res.summary()["merged"] == 2 and res.summary()["reported"] == 0
    for doc_id in ("doc-emoji", "doc-crlf"):
        m = res.documents[doc_id]
        assert m.status == "reviewed"
        assert surfaces(m) == EXPECTED_ENTITIES[doc_id]
        assert all(s.source == "annotation" and m.text[s.start : s.end] == s.text for s in m.entities)
        assert {(s.start, s.end, s.label) for s in m.predictions} == {(s.start, s.end, s.label) for s in d[doc_id].entities}
        assert all(s.source == "prediction" and s.annotator is None for s in m.predictions)
        assert {i: b.boilerplate_label for i, b in enumerate(m.blocks) if b.is_boilerplate} == EXPECTED_BOILERPLATE[doc_id]
        assert all(b.source == "annotation" for b in m.blocks)
        for e in m.entities:  # recomputed sentences never cut a corrected entity
            assert any(s.start <= e.start and e.end <= s.end for s in m.sentences)
    assert {s.annotator for s in res.documents["doc-crlf"].entities} == {"7"}
    assert res.documents["doc-emoji"].meta["studio"]["predicted_blocks"] == [[d["doc-emoji"].blocks[2].start, d["doc-emoji"].blocks[2].end, "share"]]


def test_merging_twice_gives_the_same_documents(docs):
    d = by_id(docs)
    tasks = [exported_task(1, d["doc-emoji"], [annotation(11, corrected_results(d["doc-emoji"]))])]
    once = merge_tasks(d, tasks).documents
    twice = merge_tasks(once, tasks).documents
    assert twice["doc-emoji"].to_dict() == once["doc-emoji"].to_dict()


def test_utf16_offsets_are_detected_and_converted(docs):
    d = by_id(docs)
    res = merge_tasks(d, [exported_task(1, d["doc-emoji"], [annotation(11, corrected_results(d["doc-emoji"], unit="utf16"))])])
    assert surfaces(res.documents["doc-emoji"]) == EXPECTED_ENTITIES["doc-emoji"]
    assert res.summary()["utf16_converted"] == 4  # 3 entities and the "Partager" block come after the emoji


def test_changed_text_in_export_is_reported_not_merged(docs):
    d = by_id(docs)
    task = exported_task(1, d["doc-emoji"], [annotation(11, corrected_results(d["doc-emoji"]))])
    task["data"]["text"] = task["data"]["text"].replace("Paris", "Lille")
    res = merge_tasks(d, [task])
    assert res.documents == {}
    assert [(r.kind, r.task_id) for r in res.reports] == [("not-merged", 1)]
    assert "text hash mismatch" in res.reports[0].reason


def test_workspace_text_changed_since_push_is_reported(docs):
    d = by_id(docs)
    task = exported_task(1, d["doc-emoji"], [annotation(11, corrected_results(d["doc-emoji"]))])
    from dataclasses import replace

    changed = {"doc-emoji": replace(d["doc-emoji"], text=d["doc-emoji"].text + "Ajout\n")}
    res = merge_tasks(changed, [task])
    assert res.summary()["not_merged"] == 1 and not res.documents


def test_unknown_from_name_label_and_hypertext_results_are_rejected(docs):
    d = by_id(docs)
    doc = d["doc-plain"]
    bad_from = region(doc.text, "Lyon", "LOC", from_name="ner", rid="x1")
    bad_label = region(doc.text, "Lyon", "GPE", rid="x2")
    hyper = {"id": "x3", "from_name": "label", "to_name": "text", "type": "hypertextlabels",
             "value": {"start": "/p[1]/text()[1]", "end": "/p[1]/text()[1]", "startOffset": 0, "endOffset": 4, "text": "Lyon", "hypertextlabels": ["LOC"]}}
    good = region(doc.text, "Banque de France", "ORG", rid="ok")
    res = merge_tasks(d, [exported_task(3, doc, [annotation(31, [bad_from, bad_label, hyper, good])])])
    rejected = {r.result_id: r.reason for r in res.reports if r.kind == "rejected"}
    assert set(rejected) == {"x1", "x2", "x3"}
    assert "unknown from_name 'ner'" in rejected["x1"]
    assert "unknown label 'GPE'" in rejected["x2"]
    assert "HyperText/node-path" in rejected["x3"]
    assert surfaces(res.documents["doc-plain"]) == {("Banque de France", "ORG")}


def test_json_min_file_is_refused(tmp_path, docs):
    doc = docs[2]
    json_min = [{"id": 3, "text": doc.text, "doc_id": doc.doc_id, "annotator": "a@b.c", "annotation_id": 31,
                 "label": [{"start": 0, "end": 2, "text": "La", "labels": ["ORG"]}]}]
    path = tmp_path / "export_min.json"
    path.write_text(json.dumps(json_min), encoding="utf-8")
    with pytest.raises(StudioError, match="JSON_MIN"):
        load_export(path)


def test_two_annotators_who_disagree_ground_truth_then_latest(docs):
    d = by_id(docs)
    doc = d["doc-plain"]
    older_gt = annotation(1, [region(doc.text, "Lyon", "LOC")], user=1, updated="2026-01-01T09:00:00Z", ground_truth=True)
    newer = annotation(2, [region(doc.text, "Lyon", "ORG")], user=2, updated="2026-01-02T09:00:00Z")
    res = merge_tasks(d, [exported_task(3, doc, [newer, older_gt])])
    assert surfaces(res.documents["doc-plain"]) == {("Lyon", "LOC")}  # ground truth wins though older
    assert {s.annotator for s in res.documents["doc-plain"].entities} == {"1"}
    older_gt["ground_truth"] = False
    res = merge_tasks(d, [exported_task(3, doc, [older_gt, newer])])
    assert surfaces(res.documents["doc-plain"]) == {("Lyon", "ORG")}  # then the most recent


def test_two_annotators_who_disagree_majority(docs):
    d = by_id(docs)
    doc = d["doc-plain"]
    a1 = annotation(1, [region(doc.text, "Banque de France", "ORG"), region(doc.text, "Lyon", "LOC")], user=1)
    a2 = annotation(2, [region(doc.text, "Banque de France", "ORG"), region(doc.text, "Lyon", "ORG")], user=2)
    res = merge_tasks(d, [exported_task(3, doc, [a1, a2])], policy="majority")
    m = res.documents["doc-plain"]
    assert surfaces(m) == {("Banque de France", "ORG")}  # 1 of 2 is no majority: both Lyon spans left out
    assert {s.annotator for s in m.entities} == {"1,2"}
    assert sum("without majority" in r.reason for r in res.reports) == 2
    a3 = annotation(3, [region(doc.text, "Lyon", "LOC")], user=3)
    m3 = merge_tasks(d, [exported_task(3, doc, [a1, a2, a3])], policy="majority").documents["doc-plain"]
    assert surfaces(m3) == {("Banque de France", "ORG"), ("Lyon", "LOC")}  # 2 of 3 agree on each


def test_skipped_and_cancelled_annotations_never_win(docs):
    d = by_id(docs)
    doc = d["doc-plain"]
    real = annotation(1, [region(doc.text, "Lyon", "LOC")], updated="2026-01-01T09:00:00Z")
    cancelled = annotation(2, [], updated="2026-03-01T09:00:00Z", ground_truth=True, cancelled=True)
    res = merge_tasks(d, [exported_task(3, doc, [real, cancelled])])
    assert surfaces(res.documents["doc-plain"]) == {("Lyon", "LOC")}
    res = merge_tasks(d, [exported_task(3, doc, [cancelled])])
    assert res.documents == {} and [r.kind for r in res.reports] == ["skipped"]


def test_misplaced_offsets_reanchor_only_when_unambiguous():
    text = "Lyon et Paris, puis Paris encore."
    m = OffsetMap(text)
    assert locate_span(text, m, 2, 6, "Lyon")[2] == "reanchored"  # shifted by 2, "Lyon" occurs once
    assert locate_span(text, m, 10, 15, "Paris") is None  # two "Paris" nearby: ambiguous
    assert locate_span(text, m, 8, 13, "Paris") == (8, 13, "codepoint")


def test_span_that_fits_nowhere_or_crosses_a_line_is_reported(docs):
    d = by_id(docs)
    doc = d["doc-plain"]
    lost = {"id": "lost", "from_name": "label", "to_name": "text", "type": "labels",
            "value": {"start": 3, "end": 9, "text": "Marseille", "labels": ["LOC"]}}
    s = doc.text.index("France")
    across = {"id": "across", "from_name": "label", "to_name": "text", "type": "labels",
              "value": {"start": s, "end": s + 12, "text": doc.text[s : s + 12], "labels": ["MISC"]}}
    across["value"]["end"] = doc.text.index("Les") + 3
    across["value"]["text"] = doc.text[s : across["value"]["end"]]
    res = merge_tasks(d, [exported_task(3, doc, [annotation(1, [lost, across, region(doc.text, " Lyon ", "LOC")])])])
    reported = {r.result_id for r in res.reports if r.kind == "reported"}
    assert reported == {"lost", "across"}
    assert surfaces(res.documents["doc-plain"]) == {("Lyon", "LOC")}  # edge spaces trimmed
    assert any(r.kind == "trimmed" for r in res.reports)


def test_unknown_policy_is_a_clear_error(docs):
    with pytest.raises(StudioError, match="majority"):
        merge_tasks(by_id(docs), [], policy="vote")


def test_foreign_task_without_our_keys_is_reported_not_merged(docs):
    d = by_id(docs)
    good = exported_task(1, d["doc-plain"], [annotation(1, [region(d["doc-plain"].text, "Lyon", "LOC")])])
    foreign = {"id": 9, "data": {"text": "Une tâche ajoutée à la main."}, "annotations": [annotation(2, [])]}
    res = merge_tasks(d, [foreign, good])
    assert list(res.documents) == ["doc-plain"]
    (item,) = [r for r in res.reports if r.kind == "not-merged"]
    assert item.task_id == 9 and "studio_task.schema.json" in item.reason and "doc_id" in item.reason


def test_pushed_tasks_match_the_task_schema(docs):
    from corpus_builder.studio.merge import task_schema_error
    from corpus_builder.studio.tasks import document_to_task

    assert all(task_schema_error(document_to_task(doc, "m")) is None for doc in docs)


def test_a_span_cut_inside_words_is_merged_as_drawn_and_reported(docs):
    """Issue 11 item 5: a sloppy character drag ("raîneur lill" in "Entraîneur lillois") is kept as
    the annotator drew it, and reported with doc_id, offsets, text and the whole-word span."""
    from studio_helpers import make_document

    from corpus_builder.studio.merge import mid_word_snap

    doc = make_document("doc-drag", "L'Entraîneur lillois et l'Institut du radium.\n", [], {})
    t = doc.text
    sloppy = region(t, "raîneur lill", "PER", rid="drag")
    whole = region(t, "Institut du radium", "ORG", rid="ok")  # after an apostrophe: a whole word
    res = merge_tasks({"doc-drag": doc}, [exported_task(5, doc, [annotation(50, [sloppy, whole])])])
    m = res.documents["doc-drag"]
    assert {(s.text, s.label) for s in m.entities} == {("raîneur lill", "PER"), ("Institut du radium", "ORG")}
    (item,) = [r for r in res.reports if r.kind == "mid-word"]
    s = t.index("raîneur lill")
    assert (item.doc_id, item.task_id, item.annotation_id, item.result_id, item.record) == ("doc-drag", 5, 50, "drag", "doc-drag.txt")
    assert f"{s}-{s + 12} 'raîneur lill'" in item.detail and f"{s - 3}-{s + 15} 'Entraîneur lillois'" in item.detail
    assert res.summary()["mid_word"] == 1
    assert mid_word_snap("Vivendi-Générale", 0, 7) is None and mid_word_snap("l'Institut", 2, 10) is None
    assert mid_word_snap("a 2024b", 2, 6) == (2, 7)


def test_the_labeling_config_snaps_selections_to_words():
    import xml.etree.ElementTree as ET

    from corpus_builder.studio.config import labeling_config, validate_config

    root = ET.fromstring(labeling_config())
    assert {el.tag: el.get("granularity") for el in root if el.tag in ("Labels", "Text")} == {"Labels": "word", "Text": "word"}
    assert all(el.get("granularity") == "word" for el in root.iter("Labels"))
    # a project made with the earlier config (no granularity) is still accepted
    from corpus_builder.studio.config import granularity_advice

    old = labeling_config().replace(' granularity="word"', "")
    validate_config(old)
    assert "label, boilerplate" in granularity_advice(old) and granularity_advice(labeling_config()) is None
    only_text = old.replace('<Text name="text" value="$text"', '<Text name="text" value="$text" granularity="word"')
    assert granularity_advice(only_text) is None  # the Text tag's granularity applies to both Labels


def test_an_annotation_with_entities_only_makes_every_block_content_and_says_so(docs):
    # Fresh-user trial: an annotation holding only entity results turned every predicted
    # boilerplate block into content (the README's rule: no region, content) without a word in
    # the pull report. It is still merged by that rule, and now reported as `all-content`.
    d = by_id(docs)
    doc = d["doc-emoji"]
    assert sum(b.is_boilerplate for b in doc.blocks) == 1
    entities_only = [r for r in corrected_results(doc) if r["from_name"] == "label"]
    assert entities_only and len(entities_only) < len(corrected_results(doc))
    res = merge_tasks(d, [exported_task(1, doc, [annotation(11, entities_only)])])
    m = res.documents["doc-emoji"]
    assert not any(b.is_boilerplate for b in m.blocks)
    (item,) = [r for r in res.reports if r.kind == "all-content"]
    assert (item.task_id, item.annotation_id, item.doc_id) == (1, 11, "doc-emoji")
    assert f"all {len(doc.blocks)} blocks are content now (1 were predicted boilerplate)" in item.reason
    assert res.summary()["all_content"] == 1
    # merged again into the reviewed document (a second import, prepare's re-apply): said again
    # (fourth fresh-user trial: the reviewed document had no boilerplate left to compare with)
    again = merge_tasks(res.documents, [exported_task(1, doc, [annotation(11, entities_only)])])
    assert again.summary()["all_content"] == 1
    # with its boilerplate region the same annotation is not reported
    full = merge_tasks(d, [exported_task(1, doc, [annotation(11, corrected_results(doc))])])
    assert full.summary()["all_content"] == 0


def test_the_pull_summary_line_names_documents_made_all_content_only_when_there_are_some():
    from corpus_builder.studio.commands import format_summary

    assert "all content" not in format_summary({"tasks": 1, "merged": 1, "all_content": 0})
    assert "documents made all content (no boilerplate region): 2" in format_summary({"tasks": 2, "merged": 2, "all_content": 2})
