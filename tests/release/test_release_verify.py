"""``corpus-builder verify``: a release rebuilt from its recorded inputs is byte-identical; a
changed rule set or a changed input is named."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from corpus_builder.cli import app
from corpus_builder.release import read_manifest
from corpus_builder.release.verify import verify_release

runner = CliRunner()
EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "articles"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("verify")
    corpus = root / "corpus"
    shutil.copytree(EXAMPLES, corpus)
    r = runner.invoke(app, ["build", str(corpus), "--name", "demo", "--version", "1.0.0", "--releases-dir", str(root / "releases"), "--workers", "1"])
    assert r.exit_code == 0, r.output
    return root, corpus, root / "releases" / "demo" / "1.0.0"


def test_rebuild_is_byte_identical(built):
    root, corpus, release = built
    assert read_manifest(release)["build"]["input_paths"] == [str(corpus)]
    r = runner.invoke(app, ["verify", str(release), "--workers", "1"])
    assert r.exit_code == 0, r.output
    assert "the rebuild is byte-identical" in r.output and "differs" not in r.output


def test_a_changed_rule_set_is_named(built, monkeypatch):
    import corpus_builder.boilerplate as boilerplate

    root, corpus, release = built
    monkeypatch.setattr(boilerplate, "RULES_VERSION", "9.9.9")
    result = verify_release(release, workers=1)
    assert not result.identical
    assert result.components == {"boilerplate-rules": [read_manifest(release)["components"]["boilerplate-rules"], "9.9.9"]}
    assert {f["path"]: f["status"] for f in result.files}["manifest.json"] == "differs"


def test_a_changed_input_is_named(built, tmp_path):
    root, corpus, release = built
    edited = tmp_path / "corpus"
    shutil.copytree(corpus, edited)
    f = edited / "lyon-gazette" / "musee.txt"
    f.write_text(f.read_text(encoding="utf-8").replace("Lyon", "Lyon-sur-Rhône", 1), encoding="utf-8")
    r = runner.invoke(app, ["verify", str(release), str(edited), "--workers", "1"])
    assert r.exit_code == 1
    assert "✗ differs" in r.output and "every component version is the same" in r.output
    assert "inputs changed: lyon-gazette/musee.txt" in r.output


def test_inputs_not_found(built, tmp_path):
    root, corpus, release = built
    moved = tmp_path / "release"
    shutil.copytree(release, moved)
    shutil.move(corpus, tmp_path / "elsewhere")
    try:
        r = runner.invoke(app, ["verify", str(moved)])
        assert r.exit_code == 1 and "are not found from here; give them" in r.output and "Traceback" not in r.output
    finally:
        shutil.move(tmp_path / "elsewhere", corpus)


def test_a_release_built_from_a_relative_path_verifies(tmp_path, monkeypatch):
    """The README's quick start gives a relative input (examples/articles): the fresh-user trial
    found every such release failing verify, as the rebuild recorded the inputs as absolute paths."""
    shutil.copytree(EXAMPLES, tmp_path / "examples" / "articles")
    monkeypatch.chdir(tmp_path)
    r = runner.invoke(app, ["build", "examples/articles", "--name", "demo", "--version", "0.1.0", "--workers", "1"])
    assert r.exit_code == 0, r.output
    assert read_manifest(Path("releases/demo/0.1.0"))["build"]["input_paths"] == ["examples/articles"]
    r = runner.invoke(app, ["verify", "releases/demo/0.1.0", "--workers", "1"])
    assert r.exit_code == 0, r.output
    assert "byte-identical" in r.output
    monkeypatch.chdir(tmp_path / "releases")  # found from above the releases folder too
    r = runner.invoke(app, ["verify", "demo/0.1.0", "--workers", "1"])
    assert r.exit_code == 0, r.output


def test_a_reviewed_release_verifies_with_its_annotations(tmp_path):
    """A release with reviewed documents rebuilds byte-identical from its inputs and the
    workspace's annotations.jsonl (the fresh-user trial of 2026-12-03 found `verify --annotations`
    refused its own temporary workspace)."""
    import json

    from corpus_builder.studio import commands
    from corpus_builder.studio.tasks import document_to_task
    from corpus_builder.workspace import Workspace

    corpus = tmp_path / "corpus"
    shutil.copytree(EXAMPLES, corpus)
    ws = tmp_path / "ws"
    r = runner.invoke(app, ["prepare", str(corpus), "--workspace", str(ws), "--workers", "1", "--no-progress"])
    assert r.exit_code == 0, r.output
    docs = list(Workspace(ws).iter_documents())
    tasks = []
    for i, doc in enumerate(docs[:2], start=1):
        task = document_to_task(doc, "test-model")
        result = task["predictions"][0]["result"]
        corrected = [reg for reg in result if reg["id"] != next(x["id"] for x in result if x["id"].startswith("e"))]  # one entity removed
        tasks.append({"id": i, "data": task["data"], "predictions": [i], "drafts": [],
                      "annotations": [{"id": 10 + i, "completed_by": 1, "result": corrected, "was_cancelled": False, "ground_truth": False,
                                       "created_at": "2026-12-03T10:00:00Z", "updated_at": "2026-12-03T10:00:00Z", "lead_time": 2.0}]})
    export = tmp_path / "export.json"
    export.write_text(json.dumps(tasks, ensure_ascii=False), encoding="utf-8")
    assert commands.import_annotations(ws, export)["merged"] == 2
    releases = tmp_path / "releases"
    r = runner.invoke(app, ["release", "--workspace", str(ws), "--name", "reviewed", "--version", "1.0.0", "--releases-dir", str(releases)])
    assert r.exit_code == 0, r.output
    release = releases / "reviewed" / "1.0.0"
    r = runner.invoke(app, ["verify", str(release), "--annotations", str(ws / "annotations.jsonl"), "--workers", "1"])
    assert r.exit_code == 0, r.output
    assert "the rebuild is byte-identical" in r.output
    r = runner.invoke(app, ["verify", str(release), "--workers", "1"])  # without them: the reviewed documents differ
    assert r.exit_code == 1 and "annotations" in r.output
