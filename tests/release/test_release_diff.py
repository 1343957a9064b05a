"""``corpus-builder diff``: every kind of change between two releases, exact in JSON, readable on
a terminal, and summarised in the new release's card (``release --previous``)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from corpus_builder.cli import app
from corpus_builder.errors import ReleaseError
from corpus_builder.release import read_manifest, validate_release, write_release
from corpus_builder.release.diff import diff_releases, diff_spans
from corpus_builder.release.read import Release
from corpus_builder.release.rows import split_of
from tests.test_release import make_doc, regex_tokenize

runner = CliRunner()
CURIE = [("Marie Curie dirigeait l'Institut du radium à Paris. Elle y travaillait.", None), ("Partager", "share"), ("Photo AFP", None)]


def old_docs():
    return [
        make_doc("curie", CURIE, [("Marie Curie", "PER"), ("Institut du radium", "ORG"), ("Paris", "LOC")]),
        make_doc("lyon", [("La ville de Lyon accueille Berlin.", None)], [("Lyon", "LOC"), ("Berlin", "LOC")]),
        make_doc("gone", [("Un texte retiré du corpus.", None)]),
        make_doc("edit", [("Version un du texte à Nice.", None)], [("Nice", "LOC")]),
    ]


def new_docs():
    curie = CURIE[:2] + [("Photo AFP", "caption")]  # a line relabelled content → caption
    return [
        make_doc(
            "curie", curie,
            # "Marie Curie" → "Curie" (boundary), "Institut du radium" ORG → LOC, "Paris" removed, "Elle" added
            [("Curie", "PER"), ("Institut du radium", "LOC"), ("Elle", "PER")],
            status="reviewed", predictions=[("Marie Curie", "PER")], annotator="ana",
        ),
        make_doc("lyon", [("La ville de Lyon accueille Berlin.", None)], [("Lyon", "LOC"), ("Berlin", "LOC")]),
        make_doc("edit", [("Version deux du texte à Nice.", None)], [("Nice", "LOC")]),
        make_doc("neuf", [("Un nouveau texte sur Lille.", None)], [("Lille", "LOC")]),
    ]


def build(tmp_path, docs, version, **kw):
    return write_release(docs, name="demo", version=version, releases_dir=tmp_path / "releases", tokenize=regex_tokenize,
                         inputs=[{"path": d.doc_id, "sha256": d.raw_sha256} for d in docs], **kw).path


def test_diff_spans_categories():
    old = [(0, 11, "PER", "Marie Curie"), (20, 30, "ORG", "x"), (40, 45, "LOC", "Paris"), (50, 55, "ORG", "y"), (60, 65, "MISC", "z")]
    new = [(6, 11, "PER", "Curie"), (20, 30, "LOC", "x"), (50, 56, "LOC", "y2"), (60, 65, "MISC", "z"), (70, 74, "PER", "Elle")]
    d = diff_spans(old, new)
    assert d["same"] == 1
    assert d["relabelled"] == [(20, 30, "ORG", "LOC", "x")]
    assert d["boundary_moved"] == [((0, 11, "PER", "Marie Curie"), (6, 11, "PER", "Curie"))]
    assert d["moved_and_relabelled"] == [((50, 55, "ORG", "y"), (50, 56, "LOC", "y2"))]
    assert d["removed"] == [(40, 45, "LOC", "Paris")] and d["added"] == [(70, 74, "PER", "Elle")]


def test_diff_reports_every_change_exactly(tmp_path):
    old = build(tmp_path, old_docs(), "1.0.0", split=(0.5, 0.5, 0.0))
    new = build(tmp_path, new_docs(), "1.1.0", split=(0.5, 0.5, 0.0), components={"model": "fr_core_news_sm-3.8.1"})
    r = diff_releases(Release(old), Release(new))
    assert r["documents"] == {"added": ["neuf"], "removed": ["gone"], "text_changed": ["edit"], "in_both": 3, "unchanged": 1}
    assert r["entities"] == {
        "added": {"PER": 1}, "removed": {"LOC": 1}, "relabelled": {"ORG→LOC": 1}, "boundary_moved": {"PER": 1}, "moved_and_relabelled": {},
    }
    assert r["blocks"] == {"content→caption": 1}
    assert r["status"] == {"predicted→reviewed": 1}
    assert r["splits"] == {}  # same fractions, same ids: nobody moves
    assert r["components"]["model"] == [None, "fr_core_news_sm-3.8.1"]
    assert r["rows"]["documents"]["total"] == [4, 4]
    curie = next(c for c in r["changed"] if c["doc_id"] == "curie")
    text = "\n".join(t for t, _ in CURIE)
    elle, photo = text.index("Elle"), text.index("Photo AFP")
    assert curie["entities"]["added"] == [[elle, elle + 4, "PER", "Elle"]]
    assert curie["blocks"] == [[photo, photo + len("Photo AFP"), "content", "caption"]]
    assert any("1 relabelled" in line for line in r["summary"]) and "Relabelled: ORG→LOC 1." in r["summary"]


def test_diff_reports_split_moves_and_rematches_by_source(tmp_path):
    old = build(tmp_path, old_docs(), "1.0.0", split=(1.0, 0.0, 0.0))
    docs = old_docs()
    # the same file with a new text gets a new id (a .txt document's id is a hash of its text)
    edited = make_doc("doc-new-hash", [("Version deux du texte à Nice.", None)], [("Nice", "LOC")])
    docs[3] = type(edited)(**{**edited.__dict__, "source": "edit.txt"})
    new = build(tmp_path, docs, "2.0.0", split=(0.0, 0.0, 1.0))
    r = diff_releases(Release(old), Release(new))
    assert r["documents"]["text_changed"] == [["edit", "doc-new-hash"]]
    assert r["documents"]["added"] == [] and r["documents"]["removed"] == []
    assert r["splits"] == {"train→test": 4}


def test_release_previous_puts_the_summary_into_the_card(tmp_path):
    old = build(tmp_path, old_docs(), "1.0.0")
    new = build(tmp_path, new_docs(), "1.1.0", previous=old)
    changes = read_manifest(new)["changes"]
    assert changes["since"]["version"] == "1.0.0" and changes["documents"]["added"] == 1
    card = (new / "README.md").read_text(encoding="utf-8")
    assert "## Changes since 1.0.0" in card and "Documents: 1 added, 1 removed, 1 with a changed text" in card
    assert validate_release(new) == []
    with pytest.raises(ReleaseError, match="not a folder"):
        build(tmp_path, new_docs(), "1.2.0", previous=tmp_path / "nope")
    assert not (tmp_path / "releases" / "demo" / "1.2.0").exists()


def test_diff_cli_tables_and_json(tmp_path):
    old = build(tmp_path, old_docs(), "1.0.0")
    new = build(tmp_path, new_docs(), "1.1.0")
    r = runner.invoke(app, ["diff", str(old), str(new)])
    assert r.exit_code == 0, r.output
    assert "documents added" in r.output and "ORG→LOC 1" in r.output and "summary:" in r.output
    r = runner.invoke(app, ["diff", str(old), str(new), "--json"])
    assert r.exit_code == 0
    assert json.loads(r.output)["documents"]["removed"] == ["gone"]
    r = runner.invoke(app, ["diff", str(old), str(tmp_path / "missing")])
    assert r.exit_code == 1 and "not a folder" in r.output and "Traceback" not in r.output


def test_diff_on_real_releases_after_a_new_prepare(real_workspace, real_release, tmp_path):
    """The same workspace released again with another split: only split moves, no span change."""
    from corpus_builder.pipeline import release_workspace

    again = release_workspace(real_workspace, name="demo", version="1.0.1", releases_dir=tmp_path, split=(0.0, 0.5, 0.5), previous=real_release).path
    r = diff_releases(Release(real_release), Release(again))
    n = r["rows"]["documents"]["total"][0]
    assert r["documents"]["in_both"] == n and r["documents"]["added"] == [] and not any(r["entities"].values())
    moved = sum(1 for row in Release(real_release).iter_rows("documents", "train", ["doc_id"])
                if split_of(row["doc_id"], (0.0, 0.5, 0.5)) != "train")
    assert sum(v for k, v in r["splits"].items() if k.startswith("train→")) == moved > 0
    assert read_manifest(again)["changes"]["summary"] == r["summary"]
