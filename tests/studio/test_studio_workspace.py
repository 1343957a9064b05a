"""Offline studio commands on a workspace: export-tasks, import-annotations, re-applying
annotations.jsonl after prepare, reports; the labeling config; the quality report; the CLI;
the client's errors when the server is down."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from studio_helpers import (
    EXPECTED_ENTITIES,
    annotation,
    corrected_results,
    exported_task,
    sample_documents,
)
from typer.testing import CliRunner

from corpus_builder.errors import ConfigError, StudioError
from corpus_builder.studio import commands
from corpus_builder.studio.cli import studio_app
from corpus_builder.studio.client import StudioClient
from corpus_builder.studio.config import labeling_config, parse_config, validate_config
from corpus_builder.studio.quality import quality_report
from corpus_builder.studio.server import free_port
from corpus_builder.studio.tasks import text_sha256


def _export_file(tmp_path, docs):
    d = {x.doc_id: x for x in docs}
    tasks = [exported_task(1, d["doc-emoji"], [annotation(11, corrected_results(d["doc-emoji"]))]),
             exported_task(2, d["doc-crlf"], [annotation(12, corrected_results(d["doc-crlf"]), user=2)]),
             exported_task(3, d["doc-plain"], [])]
    path = tmp_path / "export.json"
    path.write_text(json.dumps(tasks, ensure_ascii=False), encoding="utf-8")
    return path


def test_config_has_both_label_sets_on_one_text_tag():
    cfg = validate_config(labeling_config())
    assert cfg.objects == {"text": ("text", "$text")}
    assert cfg.labels_of("label") == {"PER", "ORG", "LOC", "MISC"}
    assert "footer" in cfg.labels_of("boilerplate")
    with pytest.raises(ConfigError, match="expected"):
        validate_config(labeling_config().replace('<Label value="MISC"', '<Label value="GPE"'))
    with pytest.raises(ConfigError, match="well-formed"):
        parse_config("<View><Labels name='x'")
    with pytest.raises(ConfigError, match="toName='txt'"):
        parse_config('<View><Labels name="l" toName="txt"><Label value="A"/></Labels><Text name="text" value="$text"/></View>')


def test_export_tasks_writes_predictions_with_model_version(workspace, tmp_path):
    out = tmp_path / "tasks.json"
    assert commands.export_tasks(workspace.root, out) == 3
    tasks = json.loads(out.read_text(encoding="utf-8"))
    emoji = next(t for t in tasks if t["data"]["doc_id"] == "doc-emoji")
    assert emoji["data"]["text_sha256"] == text_sha256(emoji["data"]["text"])
    pred = emoji["predictions"][0]
    assert "fr_core_news_sm" in pred["model_version"]
    for r in pred["result"]:
        v = r["value"]
        assert emoji["data"]["text"][v["start"] : v["end"]] == v["text"]
    assert {r["from_name"] for r in pred["result"]} == {"label", "boilerplate"}


def test_import_then_reapply_after_prepare(workspace, tmp_path):
    summary = commands.import_annotations(workspace.root, _export_file(tmp_path, sample_documents()))
    assert (summary["merged"], summary["skipped"], summary["not_merged"]) == (2, 1, 0)
    docs = {d.doc_id: d for d in workspace.iter_documents()}
    assert {(s.text, s.label) for s in docs["doc-emoji"].entities} == EXPECTED_ENTITIES["doc-emoji"]
    assert docs["doc-plain"].status == "predicted"
    report = json.loads(Path(summary["report"]).read_text(encoding="utf-8"))
    assert report["summary"]["merged"] == 2 and report["items"][0]["kind"] == "skipped"
    saved = [json.loads(line) for line in workspace.annotations_path.read_text(encoding="utf-8").splitlines()]
    assert [t["data"]["doc_id"] for t in saved] == ["doc-emoji", "doc-crlf"]
    # prepare runs again: documents come back predicted; annotations.jsonl puts the human labels back
    workspace.rewrite_documents(sample_documents())
    again = commands.import_annotations(workspace.root, workspace.annotations_path)
    assert again["merged"] == 2
    redocs = {d.doc_id: d for d in workspace.iter_documents()}
    assert redocs["doc-emoji"].to_dict() == docs["doc-emoji"].to_dict()
    assert redocs["doc-crlf"].to_dict() == docs["doc-crlf"].to_dict()


def test_quality_report_scores_predictions_against_human_labels(workspace, tmp_path):
    commands.import_annotations(workspace.root, _export_file(tmp_path, sample_documents()))
    q = quality_report(workspace.iter_documents())
    assert q["reviewed_documents"] == 2 and q["annotators"] == 2
    micro = q["entities"]["micro"]  # emoji: 2 tp, 1 fp, 1 fn; crlf: 2 tp, 2 fp, 2 fn
    assert (micro["tp"], micro["fp"], micro["fn"]) == (4, 3, 3)
    assert micro["precision"] == round(4 / 7, 4)
    assert q["entities"]["per_label"]["MISC"]["fp"] == 1 and q["entities"]["per_label"]["PER"]["tp"] == 2
    bp = q["boilerplate"]  # "Partager" found, the dateline missed
    assert (bp["tp"], bp["fp"], bp["fn"], bp["category_accuracy"]) == (1, 0, 1, 1.0)
    assert quality_report(sample_documents())["reviewed_documents"] == 0


def test_cli_config_and_clear_errors(workspace, tmp_path, monkeypatch):
    runner = CliRunner()
    r = runner.invoke(studio_app, ["config"])
    assert r.exit_code == 0 and '<Text name="text" value="$text"' in r.output
    monkeypatch.delenv("LABEL_STUDIO_URL", raising=False)
    r = runner.invoke(studio_app, ["push", "--workspace", str(workspace.root), "--project", "p", "--api-key", "k" * 20])
    assert r.exit_code == 1 and "LABEL_STUDIO_URL" in r.output and "Traceback" not in r.output
    min_file = tmp_path / "min.json"
    min_file.write_text(json.dumps([{"id": 1, "text": "x", "annotator": "a"}]), encoding="utf-8")
    r = runner.invoke(studio_app, ["import-annotations", str(min_file), "--workspace", str(workspace.root)])
    assert r.exit_code == 1 and "JSON_MIN" in r.output
    r = runner.invoke(studio_app, ["import-annotations", str(min_file), "--workspace", str(workspace.root), "--policy", "vote"])
    assert r.exit_code == 2


def test_server_down_gives_one_line_error_without_the_key():
    secret = "s3cr3t-token-that-must-not-leak"
    url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    client = StudioClient(url, secret, retries=2, backoff=0.0, timeout=2)
    with pytest.raises(StudioError) as e:
        client.find_project("x")
    msg = str(e.value)
    assert url in msg and "after 3 attempts" in msg and "studio serve" in msg
    assert secret not in msg and "\n" not in msg


class _Flaky:
    """A tiny HTTP server on 127.0.0.1 answering ``fail`` times 503, then an empty project list."""

    def __init__(self, fail: int):
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        outer = self
        self.requests = 0
        self.fail = fail

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                outer.requests += 1
                ok = outer.requests > outer.fail
                body = json.dumps({"count": 0, "next": None, "previous": None, "results": []} if ok else {"detail": "busy"}).encode()
                self.send_response(200 if ok else 503)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def test_http_5xx_is_retried_then_reported():
    flaky = _Flaky(fail=2)
    try:
        assert StudioClient(flaky.url, "k" * 20, retries=3, backoff=0.0).find_project("x") is None
        assert flaky.requests == 3  # two 503s, then the answer
        flaky.requests, flaky.fail = 0, 100
        with pytest.raises(StudioError, match=r"after 3 attempts \(HTTP 503\)"):
            StudioClient(flaky.url, "k" * 20, retries=2, backoff=0.0).find_project("x")
        assert flaky.requests == 3
    finally:
        flaky.close()


def test_start_server_refuses_a_busy_port(tmp_path):
    import socket

    from corpus_builder.studio.server import start_server

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        with pytest.raises(ConfigError, match=f"port {s.getsockname()[1]} .* already in use"):
            start_server(tmp_path / "ls", port=s.getsockname()[1])


def test_generated_login_is_private_and_reused(tmp_path, monkeypatch):
    import stat

    from corpus_builder.studio.server import _credentials

    for var in ("LABEL_STUDIO_USERNAME", "LABEL_STUDIO_PASSWORD", "LABEL_STUDIO_USER_TOKEN"):
        monkeypatch.delenv(var, raising=False)
    first = _credentials(tmp_path)
    assert _credentials(tmp_path) == first  # the next start reuses them
    for name in ("username", "password", "api-key"):
        assert stat.S_IMODE((first[3] / name).stat().st_mode) == 0o600
    monkeypatch.setenv("LABEL_STUDIO_USER_TOKEN", "abc")
    with pytest.raises(ConfigError, match="longer than 5"):
        _credentials(tmp_path)


def test_export_tasks_never_replaces_an_existing_file(workspace, tmp_path):
    """Issue 11's rule: a file the tool did not write is never overwritten (the old export-tasks
    replaced --out, and a `<out>.tmp` beside it, without a word)."""
    from corpus_builder.errors import ConfigError

    out = tmp_path / "tasks.json"
    out.write_text("someone's notes\n", encoding="utf-8")
    (tmp_path / "tasks.json.tmp").write_text("also theirs\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="never replaces a file"):
        commands.export_tasks(workspace.root, out)
    assert out.read_text(encoding="utf-8") == "someone's notes\n"
    # fourth fresh-user trial: --overwrite replaced a file of notes; it replaces only a task file
    with pytest.raises(ConfigError, match="is not a task file"):
        commands.export_tasks(workspace.root, out, overwrite=True)
    assert out.read_text(encoding="utf-8") == "someone's notes\n"
    folder = tmp_path / "a folder"
    folder.mkdir()
    with pytest.raises(ConfigError, match="is a folder"):  # said first, with or without --overwrite
        commands.export_tasks(workspace.root, folder)
    mine = tmp_path / "mine.json"
    assert commands.export_tasks(workspace.root, mine) == 3
    assert commands.export_tasks(workspace.root, mine, overwrite=True) == 3  # a task file written earlier is replaced
    assert json.loads(mine.read_text(encoding="utf-8"))[0]["data"]["doc_id"]
    assert (tmp_path / "tasks.json.tmp").read_text(encoding="utf-8") == "also theirs\n"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith((".tasks", ".mine"))) == []
