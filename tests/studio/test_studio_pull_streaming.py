"""Streaming pull/import (offline): the export is read task by task and merged shard by shard with
the same outcome as the in-memory merge (:func:`merge_tasks`); a merge that changes nothing writes
nothing; tasks left out of an annotated-only export are counted as skipped; the schema check does
not read predictions; the export download streams to a file and a timed-out export is not retried."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest
from studio_helpers import (
    annotation,
    corrected_results,
    exported_task,
    region,
    sample_documents,
)

from corpus_builder.errors import ConfigError, InputError, StudioError
from corpus_builder.studio import commands
from corpus_builder.studio.client import StudioClient
from corpus_builder.studio.config import labeling_config
from corpus_builder.studio.merge import iter_export, merge_tasks, task_schema_error
from corpus_builder.workspace import Workspace


def _sharded_workspace(root: Path) -> Workspace:
    """The three sample documents, one per shard (part-00000 emoji, part-00001 crlf, part-00002 plain)."""
    ws = Workspace(root)
    ws.write_info({"schema_version": "1.0.0", "components": {"spacy-model": "fr_core_news_sm-3.8.0"}})
    ws.rewrite_documents(sample_documents(), shard_size=1)
    return ws


def _mixed_export(docs) -> list[dict]:
    """Every kind of task, interleaved: merged, unknown doc_id, foreign (schema), two tasks of one
    document (the later one builds on the first), cancelled only, a span that does not fit."""
    d = {x.doc_id: x for x in docs}
    unknown = exported_task(5, d["doc-plain"], [annotation(50, [])])
    unknown["data"] = {**unknown["data"], "doc_id": "doc-gone"}
    bad_span = region(d["doc-plain"].text, "Lyon", "LOC")
    bad_span["value"]["text"] = "Lille"
    return [
        exported_task(1, d["doc-crlf"], [annotation(11, corrected_results(d["doc-crlf"]))]),
        unknown,
        {"id": 9, "data": {"text": "Une tâche ajoutée à la main."}, "annotations": [annotation(90, [])]},
        exported_task(2, d["doc-plain"], [annotation(21, [region(d["doc-plain"].text, "Lyon", "LOC")])]),
        exported_task(3, d["doc-emoji"], [annotation(31, [], cancelled=True)]),
        exported_task(4, d["doc-plain"], [annotation(41, [bad_span, region(d["doc-plain"].text, "Banque de France", "ORG")])]),
    ]


def _files(ws: Workspace) -> dict[str, tuple[int, int]]:
    """(inode, mtime_ns) of every shard and of annotations.jsonl: unchanged when nothing was written."""
    paths = [*ws.document_shards(), ws.annotations_path]
    return {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in paths if p.exists()}


def test_streaming_merge_equals_in_memory_merge_and_rewrites_only_changed_shards(tmp_path):
    docs = sample_documents()
    ws = _sharded_workspace(tmp_path / "ws")
    tasks = _mixed_export(docs)
    path = tmp_path / "export.json"
    path.write_text(json.dumps(tasks, ensure_ascii=False), encoding="utf-8")
    emoji_shard = ws.document_shards()[0]
    before = (emoji_shard.stat().st_ino, emoji_shard.read_bytes())

    summary = commands.import_annotations(ws.root, path)

    reference = merge_tasks({d.doc_id: d for d in docs}, tasks)
    ref_summary = reference.summary()
    assert {k: summary[k] for k in ref_summary} == ref_summary
    # counts add up per task: 3 merged (doc-plain's two tasks went through the policy together) + 1 skipped + 2 not merged
    assert (summary["tasks"], summary["merged"], summary["skipped"], summary["not_merged"], summary["reported"]) == (6, 3, 1, 2, 1)
    assert (summary["documents"], summary["several_tasks"]) == (2, 1)
    merged = {d.doc_id: d.to_dict() for d in ws.iter_documents()}
    assert merged == {d.doc_id: reference.documents.get(d.doc_id, d).to_dict() for d in docs}
    assert {e["text"] for e in merged["doc-plain"]["entities"]} == {"Banque de France"}  # annotation 41 (task 4) is the latest
    # the report lists the items in export order, exactly as the in-memory merge does
    report = json.loads(Path(summary["report"]).read_text(encoding="utf-8"))
    assert report["items"] == [r.to_dict() for r in reference.reports]
    assert [i["task_id"] for i in report["items"] if i["kind"] in ("not-merged", "skipped")] == [5, 9, 3]
    # shard of the skipped document: the same file (hard link), same bytes; the two others rewritten
    assert summary["written"] == {"document_shards": 2, "annotations": True}
    assert (emoji_shard.stat().st_ino, emoji_shard.read_bytes()) == before
    # annotations.jsonl: every merged task of every merged document, in workspace order, then task order
    saved = [json.loads(line) for line in ws.annotations_path.read_text(encoding="utf-8").splitlines()]
    assert [(t["data"]["doc_id"], t["id"]) for t in saved] == [("doc-crlf", 1), ("doc-plain", 2), ("doc-plain", 4)]
    assert all("drafts" not in t for t in saved)
    assert not list(ws.root.glob(".merge-*")) and not (ws.root / "documents.new").exists()


def test_second_merge_writes_nothing_and_reports_the_same(tmp_path):
    docs = sample_documents()
    ws = _sharded_workspace(tmp_path / "ws")
    path = tmp_path / "export.json"
    path.write_text(json.dumps(_mixed_export(docs), ensure_ascii=False), encoding="utf-8")
    first = commands.import_annotations(ws.root, path)
    files, texts = _files(ws), [p.read_bytes() for p in ws.document_shards()]
    second = commands.import_annotations(ws.root, path)
    assert second["written"] == {"document_shards": 0, "annotations": False}
    assert _files(ws) == files and [p.read_bytes() for p in ws.document_shards()] == texts
    keys = ("tasks", "merged", "skipped", "not_merged", "reported", "results_rejected")
    assert {k: second[k] for k in keys} == {k: first[k] for k in keys}
    # re-applying annotations.jsonl to an unchanged workspace writes nothing either
    assert commands.reapply_annotations(ws.root)["written"] == {"document_shards": 0, "annotations": False}
    assert _files(ws) == files


def test_a_new_annotation_replaces_the_saved_task_and_keeps_the_others(tmp_path):
    docs = sample_documents()
    d = {x.doc_id: x for x in docs}
    ws = _sharded_workspace(tmp_path / "ws")
    commands.apply_export(ws.root, _mixed_export(docs))
    newer = exported_task(4, d["doc-plain"], [annotation(42, [region(d["doc-plain"].text, "Lyon", "LOC")], updated="2026-02-01T00:00:00Z")])
    s = commands.apply_export(ws.root, [newer])
    assert s["written"] == {"document_shards": 1, "annotations": True}
    saved = [json.loads(line) for line in ws.annotations_path.read_text(encoding="utf-8").splitlines()]
    assert [(t["data"]["doc_id"], t["annotations"][0]["id"]) for t in saved] == [("doc-crlf", 11), ("doc-plain", 21), ("doc-plain", 42)]
    plain = next(x for x in ws.iter_documents() if x.doc_id == "doc-plain")
    assert {(e.text, e.label) for e in plain.entities} == {("Lyon", "LOC")}


def test_unexported_tasks_count_as_skipped(tmp_path):
    docs = sample_documents()
    ws = _sharded_workspace(tmp_path / "ws")
    d = {x.doc_id: x for x in docs}
    only_annotated = [exported_task(1, d["doc-crlf"], [annotation(11, corrected_results(d["doc-crlf"]))])]
    s = commands.merge_export(ws.root, only_annotated, project_tasks=3)
    assert (s["tasks"], s["merged"], s["skipped"]) == (3, 1, 2)
    items = json.loads(Path(s["report"]).read_text(encoding="utf-8"))["items"]
    assert [(i["kind"], i["detail"]) for i in items] == [("unannotated", "count=2")]


def test_schema_check_reads_data_and_annotations_not_predictions(tmp_path):
    doc = sample_documents()[2]
    task = exported_task(3, doc, [annotation(31, [region(doc.text, "Lyon", "LOC")])])
    task["predictions"] = [{"result": "not a list"}, "junk"]  # never read by the merge
    assert task_schema_error(task) is None
    task["annotations"][0]["result"] = "not a list"
    assert task_schema_error(task).startswith("annotations/0/result")
    broken = exported_task(3, doc, [])
    del broken["data"]["text_sha256"]
    assert "text_sha256" in task_schema_error(broken)


def test_iter_export_streams_every_file_shape_and_refuses_bad_ones(tmp_path):
    docs = sample_documents()
    tasks = [exported_task(i, doc, []) for i, doc in enumerate(docs, 1)]
    as_list, as_lines, one = tmp_path / "e.json", tmp_path / "e.jsonl", tmp_path / "one.json"
    as_list.write_text("\ufeff\n " + json.dumps(tasks, ensure_ascii=False, indent=2), encoding="utf-8")
    as_lines.write_text("\n".join(json.dumps(t, ensure_ascii=False) for t in tasks) + "\n\n", encoding="utf-8")
    one.write_text(json.dumps(tasks[0]), encoding="utf-8")
    assert list(iter_export(as_list)) == tasks == list(iter_export(as_lines))
    assert list(iter_export(one)) == tasks[:1]
    it = iter_export(as_list)
    assert next(it)["id"] == 1  # one task at a time
    truncated = tmp_path / "cut.json"
    truncated.write_text(json.dumps(tasks)[:-40], encoding="utf-8")
    with pytest.raises(InputError, match="not valid JSON"):
        list(iter_export(truncated))
    control = tmp_path / "ctl.json"
    control.write_text('{"data": {"text": "a\tb"}}', encoding="utf-8")  # a raw tab inside a JSON string
    with pytest.raises(InputError, match=r"not valid JSON \(Invalid control character, line 1 column \d+\)"):
        list(iter_export(control))
    empty = tmp_path / "empty.json"
    empty.write_bytes(b"\xef\xbb\xbf \n")  # a byte order mark and a blank line: nothing else
    with pytest.raises(InputError, match="the file is empty"):
        list(iter_export(empty))
    scalar = tmp_path / "n.json"
    scalar.write_text("42", encoding="utf-8")
    with pytest.raises(StudioError, match="expected a list of tasks"):
        list(iter_export(scalar))


def test_json_min_item_late_in_the_file_stops_before_any_write(tmp_path):
    docs = sample_documents()
    ws = _sharded_workspace(tmp_path / "ws")
    d = {x.doc_id: x for x in docs}
    tasks = [exported_task(1, d["doc-crlf"], [annotation(11, corrected_results(d["doc-crlf"]))]),
             {"id": 2, "text": "x", "doc_id": "doc-plain", "label": []}]
    path = tmp_path / "export.json"
    path.write_text(json.dumps(tasks, ensure_ascii=False), encoding="utf-8")
    files = _files(ws)
    with pytest.raises(StudioError, match="task 2 looks like a JSON_MIN"):  # counted from 1, as a person counts
        commands.import_annotations(ws.root, path)
    assert _files(ws) == files and not ws.annotations_path.exists()
    assert not list(ws.root.glob(".merge-*")) and not list(ws.reports_dir.glob("*.json"))


# --- pull with a stand-in client (the live tests use a real server) -----------------------------
class _FakeClient:
    """The StudioClient calls pull makes, answered from a list of exported tasks."""

    url = "http://127.0.0.1:1"

    def __init__(self, tasks, n_project):
        self.exported, self.n_project, self.export_dirs = tasks, n_project, []

    def find_projects(self, title):
        return [7]

    def project_config(self, pid):
        return labeling_config()

    def project_task_count(self, pid):
        return self.n_project

    def download_export(self, pid, path, *, only_annotated=True, on_bytes=None):
        assert only_annotated
        self.export_dirs.append(Path(path).parent)
        data = json.dumps(self.exported, ensure_ascii=False).encode("utf-8")
        Path(path).write_bytes(data)
        if on_bytes:
            on_bytes(len(data))
        return len(data)


def test_pull_downloads_into_the_workspace_and_merges_annotated_tasks(tmp_path):
    docs = sample_documents()
    d = {x.doc_id: x for x in docs}
    ws = _sharded_workspace(tmp_path / "ws")
    client = _FakeClient([exported_task(1, d["doc-crlf"], [annotation(11, corrected_results(d["doc-crlf"]))]),
                          exported_task(3, d["doc-plain"], [annotation(31, [], cancelled=True)])], n_project=3)
    s = commands.pull(ws.root, "P", client=client, progress=True)  # not a terminal: nothing drawn
    assert (s["tasks"], s["merged"], s["skipped"], s["project_id"]) == (3, 1, 2, 7)
    assert s["export_bytes"] > 0
    assert client.export_dirs[0].parent == ws.root and not client.export_dirs[0].exists()  # temporary, in the workspace
    assert commands.pull(ws.root, "P", client=client, progress=False)["written"] == {"document_shards": 0, "annotations": False}
    with pytest.raises(ConfigError, match="export_timeout"):
        commands.pull(ws.root, "P", client=client, export_timeout=5)


# --- the client's export download ---------------------------------------------------------------
class _ExportHandler(BaseHTTPRequestHandler):
    delay = 0.0
    requests: ClassVar[list[str]] = []
    body = b"[]"

    def do_GET(self):
        type(self).requests.append(self.path)
        time.sleep(self.delay)
        try:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(self.body)))
            self.end_headers()
            self.wfile.write(self.body)
        except OSError:
            pass

    def log_message(self, *args):
        pass


@pytest.fixture
def export_server():
    _ExportHandler.requests = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _ExportHandler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_download_export_streams_to_a_file(export_server, tmp_path):
    _server, url = export_server
    _ExportHandler.delay, _ExportHandler.body = 0.0, json.dumps([{"id": i, "data": {}} for i in range(2000)]).encode()
    client = StudioClient(url, "token-0000", retries=0)
    seen = []
    n = client.download_export(4, tmp_path / "x.json", on_bytes=seen.append)
    assert n == len(_ExportHandler.body) == sum(seen) and (tmp_path / "x.json").read_bytes() == _ExportHandler.body
    (request,) = _ExportHandler.requests
    assert request.startswith("/api/projects/4/export?") and "download_all_tasks=false" in request


def test_timed_out_export_is_not_retried_and_says_what_to_do(export_server, tmp_path, monkeypatch):
    _server, url = export_server
    _ExportHandler.delay, _ExportHandler.body = 1.5, b"[]"
    client = StudioClient(url, "token-0000", export_timeout=0.3, retries=3, backoff=0.01)
    with pytest.raises(StudioError, match="within 0.3 s") as e:
        client.download_export(4, tmp_path / "x.json")
    assert "--export-timeout" in str(e.value) and "token-0000" not in str(e.value)
    assert len(_ExportHandler.requests) == 1
    monkeypatch.setenv("CORPUS_BUILDER_EXPORT_TIMEOUT", "0.3")
    assert StudioClient(url, "token-0000").export_timeout == 0.3
    monkeypatch.setenv("CORPUS_BUILDER_EXPORT_TIMEOUT", "soon")
    with pytest.raises(ConfigError, match="CORPUS_BUILDER_EXPORT_TIMEOUT"):
        StudioClient(url, "token-0000")
