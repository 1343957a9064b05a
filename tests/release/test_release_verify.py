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
