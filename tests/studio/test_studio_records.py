"""Reports name the right document (issue 11 item 3): JSONL lines that share a ``source`` are told
apart by their record (``<file>#L<line>``), and a document removed from the inputs is not reported
as "text changed"."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from studio_helpers import annotation, exported_task, make_document, region
from typer.testing import CliRunner

from corpus_builder.studio import commands
from corpus_builder.studio.merge import merge_tasks
from corpus_builder.studio.tasks import document_record, document_to_task
from corpus_builder.workspace import Workspace

LINES = [
    "Emmanuel Macron était à Lyon lundi.\n",
    "La Banque de France publie ses prévisions.\n",
    "Les économistes de Lille restent prudents.\n",
]


def jsonl_document(line: int, text: str, doc_id: str | None = None):
    """A document from line ``line`` of news.jsonl whose records all have ``source: lemonde.fr`` and no
    ``id`` (so the doc_id is a hash of the text, as ingest gives it)."""
    doc = make_document(doc_id or f"doc-{abs(hash(text)) % 10**8:08d}", text, [], {})
    return replace(doc, source="lemonde.fr", meta={"ingest": {"record": f"news.jsonl#L{line}"}})


def _ws(root: Path, docs) -> Workspace:
    ws = Workspace(root)
    ws.write_info({"schema_version": "1.0.0", "components": {}})
    ws.rewrite_documents(docs)
    return ws


def test_task_carries_the_record_and_reports_name_it():
    doc = jsonl_document(2, LINES[1], "doc-b")
    task = document_to_task(doc, "m")
    assert task["data"]["record"] == "news.jsonl#L2" == document_record(doc) and task["data"]["source"] == "lemonde.fr"
    txt = make_document("doc-t", LINES[0], [], {})
    assert document_record(txt) == txt.source == "doc-t.txt"


def test_a_changed_line_and_a_removed_line_are_told_apart(tmp_path):
    old = [jsonl_document(i + 1, t, f"doc-old{i + 1}") for i, t in enumerate(LINES)]
    # a new prepare: line 2's text changed (a new doc_id), line 3 was removed; all share source lemonde.fr
    now = [old[0], jsonl_document(2, "La Banque de France publie enfin ses prévisions.\n", "doc-new2")]
    tasks = [exported_task(i + 10, d, [annotation(i + 100, [region(d.text, d.text.split()[1], "ORG")])]) for i, d in enumerate(old)]
    res = merge_tasks({d.doc_id: d for d in now}, tasks)
    by_task = {r.task_id: r for r in res.reports if r.kind == "not-merged"}
    changed, removed = by_task[11], by_task[12]
    assert (changed.doc_id, changed.record, changed.cause) == ("doc-old2", "news.jsonl#L2", "text-changed")
    assert "doc-new2" in changed.reason and "doc-old1" not in changed.reason
    assert (removed.doc_id, removed.record, removed.cause) == ("doc-old3", "news.jsonl#L3", "removed")
    assert "removed from the inputs" in removed.reason and "changed" not in removed.reason and "doc-new2" not in removed.reason
    s = res.summary()
    assert (s["not_merged"], s["not_merged_text_changed"], s["not_merged_removed"], s["merged"]) == (2, 1, 1, 1)
    # the streaming merge says the same, in its report file
    ws = _ws(tmp_path / "ws", now)
    summary = commands.apply_export(ws.root, tasks)
    items = json.loads(Path(summary["report"]).read_text(encoding="utf-8"))["items"]
    assert items == [r.to_dict() for r in res.reports]


def test_an_old_task_without_record_never_names_another_document():
    """A task pushed before records were sent has only the shared source: the report says that
    several documents come from it instead of naming one of them."""
    old = jsonl_document(2, LINES[1], "doc-old2")
    task = exported_task(11, old, [annotation(111, [])])
    del task["data"]["record"]
    now = [jsonl_document(1, LINES[0], "doc-a"), jsonl_document(2, "Autre texte.\n", "doc-b")]
    (item,) = merge_tasks({d.doc_id: d for d in now}, [task]).reports
    assert item.cause == "ambiguous" and "2 documents come from lemonde.fr" in item.reason
    assert "is now document" not in item.reason


def test_prepare_with_other_inputs_reports_removed_documents_as_removed(tmp_path):
    """The saved annotations of a JSONL line removed from the inputs, and of a line whose text
    changed, after `prepare` with the new inputs: the summary line tells them apart."""
    from corpus_builder.cli import app
    from corpus_builder.pipeline import PrepareOptions, prepare

    inputs = tmp_path / "in"
    inputs.mkdir()
    jsonl = inputs / "news.jsonl"
    jsonl.write_text("".join(json.dumps({"text": t.strip(), "source": "lemonde.fr"}, ensure_ascii=False) + "\n" for t in LINES), encoding="utf-8")
    ws = Workspace(tmp_path / "ws")
    prepare([inputs], ws.root, PrepareOptions(workers=1))
    docs = list(ws.iter_documents())
    assert [document_record(d) for d in docs] == ["news.jsonl#L1", "news.jsonl#L2", "news.jsonl#L3"]
    tasks = [exported_task(i + 1, d, [annotation(i + 10, [region(d.text, d.text.split()[1], "ORG")])]) for i, d in enumerate(docs)]
    assert commands.apply_export(ws.root, tasks)["documents"] == 3
    # new inputs: line 2 changed, line 3 removed
    jsonl.write_text("".join(json.dumps({"text": t, "source": "lemonde.fr"}, ensure_ascii=False) + "\n"
                             for t in [LINES[0].strip(), "La Banque de France publie enfin ses prévisions."]), encoding="utf-8")
    r = CliRunner().invoke(app, ["prepare", str(inputs), "--workspace", str(ws.root), "--workers", "1"])
    assert r.exit_code == 0, r.output
    out = " ".join(r.output.split())
    assert "human annotations merged again: 1 documents" in out
    assert "2 saved tasks not merged (1 whose text changed, 1 removed from the inputs)" in out
    info = ws.read_info()["annotations_reapplied"]
    items = json.loads(Path(info["report"]).read_text(encoding="utf-8"))["items"]
    assert [(i["record"], i["cause"]) for i in items if i["kind"] == "not-merged"] == [("news.jsonl#L2", "text-changed"), ("news.jsonl#L3", "removed")]


def test_prepare_counts_the_saved_results_it_could_not_merge_again(tmp_path):
    """Third fresh-user trial: a hand edit of annotations.jsonl that is still a task (a label
    renamed PERSON, the annotations emptied) lost a span or a review, and only the report said
    so: prepare's summary line now counts them too."""
    from corpus_builder.cli import app
    from corpus_builder.pipeline import PrepareOptions, prepare

    inputs = tmp_path / "in"
    inputs.mkdir()
    jsonl = inputs / "news.jsonl"
    jsonl.write_text("".join(json.dumps({"text": t.strip(), "source": f"site{i}"}, ensure_ascii=False) + "\n" for i, t in enumerate(LINES)), encoding="utf-8")
    ws = Workspace(tmp_path / "ws")
    prepare([inputs], ws.root, PrepareOptions(workers=1))
    docs = list(ws.iter_documents())
    tasks = [exported_task(i + 1, d, [annotation(i + 10, [region(d.text, d.text.split()[1], "ORG")])]) for i, d in enumerate(docs)]
    assert commands.apply_export(ws.root, tasks)["documents"] == len(docs)
    saved = [json.loads(line) for line in ws.annotations_path.read_text(encoding="utf-8").splitlines()]
    saved[0]["annotations"][0]["result"][0]["value"]["labels"] = ["PERSON"]
    saved[1]["annotations"] = []
    ws.annotations_path.write_text("".join(json.dumps(t, ensure_ascii=False) + "\n" for t in saved), encoding="utf-8")
    jsonl.write_text(jsonl.read_text(encoding="utf-8") + json.dumps({"text": "Une ligne de plus.", "source": "new"}) + "\n", encoding="utf-8")
    r = CliRunner().invoke(app, ["prepare", str(inputs), "--workspace", str(ws.root), "--workers", "1"])
    assert r.exit_code == 0, r.output
    out = " ".join(r.output.split())
    assert "1 saved tasks skipped (no annotation to merge)" in out and "1 results rejected" in out, out
    assert "see " in out
