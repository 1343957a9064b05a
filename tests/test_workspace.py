"""The workspace guard (issue 11, item 1): a command writes only into a folder that is a
corpus-builder workspace (or a new/empty one), never into or around its own inputs, and never
deletes a file the workspace did not write."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from corpus_builder.cli import app
from corpus_builder.errors import InputError
from corpus_builder.pipeline import PrepareOptions, prepare
from corpus_builder.workspace import INFO_FILE, Workspace

runner = CliRunner()
TEXT = "Le maire de Lyon a inauguré la bibliothèque.\nLa cérémonie a eu lieu dimanche.\n"


def _tree(root: Path) -> dict[str, str]:
    """Every file under ``root`` (relative path → sha256 of its bytes): the folder's exact state,
    but for a workspace's own ``.lock`` (it names the run holding it: Workspace.lock)."""
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.relative_to(root).as_posix() != ".lock"
    }


def _one_file_corpus(tmp_path: Path) -> Path:
    """``tmp_path/corpus`` holding one French text, ``a.txt``."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text(TEXT, encoding="utf-8")
    return corpus


def _invoke(*args) -> object:
    return runner.invoke(app, [str(a) for a in args])


def _one_error_line(result) -> str:
    assert result.exit_code == 1, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:"), result.output
    assert "Traceback" not in result.output
    return lines[0]


def test_prepare_documents_with_the_current_folder_as_workspace_is_refused(tmp_path, monkeypatch):
    # The report: raw files in ./documents/, `prepare documents --workspace .` deleted them.
    (tmp_path / "documents").mkdir()
    (tmp_path / "documents" / "article.txt").write_text(TEXT, encoding="utf-8")
    before = _tree(tmp_path)
    monkeypatch.chdir(tmp_path)
    line = _one_error_line(_invoke("prepare", "documents", "--workspace", ".", "--workers", "1"))
    assert "input" in line
    assert _tree(tmp_path) == before and sorted(p.name for p in tmp_path.iterdir()) == ["documents"]


def test_an_unrelated_non_empty_folder_is_not_a_workspace(tmp_path):
    corpus = _one_file_corpus(tmp_path)
    other = tmp_path / "project"
    for rel, content in {"documents/notes.txt": "mes notes", "staging/draft.md": "# brouillon", "rejects.jsonl": '{"mine": 1}\n'}.items():
        (other / rel).parent.mkdir(parents=True, exist_ok=True)
        (other / rel).write_text(content, encoding="utf-8")
    before = _tree(other)
    line = _one_error_line(_invoke("prepare", corpus, "--workspace", other, "--workers", "1"))
    assert "not a corpus-builder workspace" in line and INFO_FILE in line
    assert _tree(other) == before
    # the library says the same (Python users get the same guard)
    with pytest.raises(InputError, match="not a corpus-builder workspace"):
        prepare([corpus], other, PrepareOptions(workers=1))
    assert _tree(other) == before


def test_a_foreign_workspace_json_does_not_make_a_workspace(tmp_path):
    corpus = _one_file_corpus(tmp_path)
    other = tmp_path / "webapp"
    (other / "documents").mkdir(parents=True)
    (other / "documents" / "part-00000.jsonl").write_text('{"not": "ours"}\n', encoding="utf-8")
    (other / INFO_FILE).write_text(json.dumps({"folders": [{"path": "."}]}), encoding="utf-8")  # a VS Code-like file
    before = _tree(other)
    _one_error_line(_invoke("prepare", corpus, "--workspace", other, "--workers", "1"))
    for args in (("studio", "import-annotations", corpus / "a.txt", "--workspace", other), ("release", "--workspace", other, "--name", "x", "--version", "1.0.0", "--releases-dir", tmp_path / "rel")):
        r = _invoke(*args)
        assert r.exit_code == 1 and "not a corpus-builder workspace" in r.output, r.output
    assert _tree(other) == before and not (tmp_path / "rel").exists()


def test_a_workspace_inside_an_input_or_holding_one_is_refused(tmp_path):
    corpus = _one_file_corpus(tmp_path)
    before = _tree(tmp_path)
    cases = [
        ([corpus], corpus / "ws", "inside the input"),
        ([corpus], tmp_path, "contains the input"),
        ([corpus / "a.txt"], tmp_path, "contains the input"),
        ([corpus], corpus, "is the input"),
    ]
    for inputs, ws, why in cases:
        with pytest.raises(InputError, match=why):
            prepare(inputs, ws, PrepareOptions(workers=1))
    assert _tree(tmp_path) == before and not (corpus / "ws").exists()


def test_prepare_claims_a_new_or_empty_folder_and_reruns_in_its_own_workspace(tmp_path):
    corpus = _one_file_corpus(tmp_path)
    empty = tmp_path / "empty"
    empty.mkdir()
    for ws in (tmp_path / "new" / "ws", empty):
        prepare([corpus], ws, PrepareOptions(workers=1))
        assert Workspace(ws).is_workspace() and Workspace(ws).require()
        info = json.loads((ws / INFO_FILE).read_text(encoding="utf-8"))
        assert info["format"] == "corpus-builder workspace"
        (corpus / "b.txt").write_text("Une autre phrase, à Paris.\n", encoding="utf-8")
        prepare([corpus], ws, PrepareOptions(workers=1))  # its own workspace: re-run allowed
        assert len(list(Workspace(ws).iter_documents())) == 2
        (corpus / "b.txt").unlink()


def _prepared_with_a_new_input(tmp_path: Path) -> tuple[Path, Path]:
    """(corpus, workspace): a workspace prepared from one file, then a second file added to the
    corpus so that the next run must rewrite documents/."""
    corpus = _one_file_corpus(tmp_path)
    ws = tmp_path / "ws"
    prepare([corpus], ws, PrepareOptions(workers=1))
    (corpus / "b.txt").write_text("Une autre phrase, à Paris.\n", encoding="utf-8")
    return corpus, ws


def test_a_file_the_workspace_did_not_write_is_never_deleted(tmp_path):
    # Even in a real workspace, a file someone put into documents/ (or staging/, documents.old/)
    # is not ours: the run stops with its name instead of deleting it.
    corpus, ws = _prepared_with_a_new_input(tmp_path)
    for rel in ("documents/my-notes.txt", "staging/keep.me", "documents.old/precious.csv"):
        mine = ws / rel
        mine.parent.mkdir(parents=True, exist_ok=True)
        mine.write_text("not corpus-builder's", encoding="utf-8")
        with pytest.raises(InputError, match="did not write") as e:
            prepare([corpus], ws, PrepareOptions(workers=1))
        assert str(mine) in str(e.value)
        assert mine.read_text(encoding="utf-8") == "not corpus-builder's"
        mine.unlink()
        if not any(mine.parent.iterdir()):
            mine.parent.rmdir()
    prepare([corpus], ws, PrepareOptions(workers=1))  # once they are gone the run goes through
    assert len(list(Workspace(ws).iter_documents())) == 2


def test_a_file_named_like_ours_or_one_of_ours_edited_is_never_deleted(tmp_path):
    # The gap names alone left: a user's own documents/part-00007.jsonl, or a shard of ours that
    # someone hand-edited, would have been deleted by the next run. The folder's ledger
    # (.written.jsonl: every file a run wrote, with size and sha256) says which files are ours.
    corpus, ws = _prepared_with_a_new_input(tmp_path)
    shard = ws / "documents" / "part-00000.jsonl"
    original = shard.read_bytes()
    for rel, content in (("documents/part-00007.jsonl", b'{"mine": true}\n'), ("staging/clean-00003.jsonl", b"{}\n")):
        mine = ws / rel
        mine.parent.mkdir(parents=True, exist_ok=True)
        mine.write_bytes(content)
        with pytest.raises(InputError, match="did not write") as e:
            prepare([corpus], ws, PrepareOptions(workers=1))
        assert str(mine) in str(e.value) and mine.read_bytes() == content
        mine.unlink()
    edited = original.replace("maire".encode(), "Maire".encode())
    shard.write_bytes(edited)  # same size, other bytes, a newer mtime
    with pytest.raises(InputError, match="changed after corpus-builder wrote it"):
        prepare([corpus], ws, PrepareOptions(workers=1))
    assert shard.read_bytes() == edited
    shard.write_bytes(original)  # put back byte for byte (a new mtime): ours again, by its sha256
    prepare([corpus], ws, PrepareOptions(workers=1))
    assert len(list(Workspace(ws).iter_documents())) == 2


def test_edited_rejects_and_notices_at_the_root_are_never_replaced(tmp_path):
    # Fresh-user trial: an annotator's notes added to rejects.jsonl were silently replaced by the
    # next prepare. The root's ledger records both files, so an edit (or a user's own file of that
    # name, or a symlink) stops the run, before any work, with the file named; nothing changes.
    corpus, ws = _prepared_with_a_new_input(tmp_path)
    (corpus / "empty.txt").write_text("", encoding="utf-8")  # a reject, so rejects.jsonl has a row
    prepare([corpus], ws, PrepareOptions(workers=1))
    for name in ("rejects.jsonl", "notices.jsonl"):
        path = ws / name
        original = path.read_bytes()
        for content in (original + b'{"note": "checked by hand"}\n', b"my own file\n"):
            path.write_bytes(content)
            before = _tree(ws)
            line = _one_error_line(_invoke("prepare", corpus, "--workspace", ws, "--workers", "1", "--no-progress"))
            assert str(path) in line and ("changed after corpus-builder wrote it" in line or "did not write" in line), line
            assert _tree(ws) == before
        path.write_bytes(original)  # put back byte for byte: ours again, by its sha256
    target = tmp_path / "elsewhere.jsonl"
    target.write_text("kept\n", encoding="utf-8")
    (ws / "notices.jsonl").unlink()
    (ws / "notices.jsonl").symlink_to(target)
    with pytest.raises(InputError, match="did not write"):
        prepare([corpus], ws, PrepareOptions(workers=1))
    (ws / "notices.jsonl").unlink()
    prepare([corpus], ws, PrepareOptions(workers=1))  # a missing file is simply written again
    assert [r.reason for r in Workspace(ws).iter_rejects()] and target.read_text(encoding="utf-8") == "kept\n"


def test_an_edit_made_while_prepare_runs_is_not_replaced_either(tmp_path, monkeypatch):
    # The check at claim time runs before the long work; the same check runs again just before the
    # documents are published, so an edit made meanwhile stops the run with nothing published.
    import corpus_builder.pipeline as pipeline

    corpus, ws = _prepared_with_a_new_input(tmp_path)
    shards_before = {p.name: p.read_bytes() for p in (ws / "documents").iterdir()}
    real = pipeline._run_passes

    def run_then_edit(*args, **kwargs):
        plan = real(*args, **kwargs)
        (ws / "rejects.jsonl").write_text('{"note": "mine"}\n', encoding="utf-8")
        return plan

    monkeypatch.setattr(pipeline, "_run_passes", run_then_edit)
    with pytest.raises(InputError, match="changed after corpus-builder wrote it|did not write"):
        prepare([corpus], ws, PrepareOptions(workers=1))
    assert (ws / "rejects.jsonl").read_text(encoding="utf-8") == '{"note": "mine"}\n'
    assert {p.name: p.read_bytes() for p in (ws / "documents").iterdir()} == shards_before


def test_a_workspace_copied_elsewhere_still_updates(tmp_path):
    # `cp -r` gives every file a new mtime; the ledger's sha256 still recognises them.
    import shutil

    corpus, ws = _prepared_with_a_new_input(tmp_path)
    shutil.copytree(ws, tmp_path / "copy", copy_function=shutil.copy)
    prepare([corpus], tmp_path / "copy", PrepareOptions(workers=1))
    assert len(list(Workspace(tmp_path / "copy").iter_documents())) == 2


def test_studio_merges_check_the_workspace_before_writing(tmp_path):
    # `studio pull` and `studio import-annotations` rewrite documents/ too: same guard, one line.
    corpus = _one_file_corpus(tmp_path)
    ws = tmp_path / "ws"
    prepare([corpus], ws, PrepareOptions(workers=1))
    r = _invoke("studio", "export-tasks", "--workspace", ws, "--out", tmp_path / "tasks.json")
    assert r.exit_code == 0, r.output
    (ws / "documents" / "notes.txt").write_text("mine", encoding="utf-8")
    before = _tree(ws)
    line = _one_error_line(_invoke("studio", "import-annotations", tmp_path / "tasks.json", "--workspace", ws))
    assert "did not write" in line and "notes.txt" in line
    assert _tree(ws) == before


def test_a_workspace_whose_first_prepare_did_not_finish_is_not_released(tmp_path):
    corpus = _one_file_corpus(tmp_path)
    ws = tmp_path / "ws"
    Workspace(ws).claim([corpus])  # what prepare does first; then the run is killed
    assert Workspace(ws).is_workspace()
    r = _invoke("release", "--workspace", ws, "--name", "x", "--version", "1.0.0", "--releases-dir", tmp_path / "rel")
    assert r.exit_code == 1 and "has not finished" in r.output, r.output
    prepare([corpus], ws, PrepareOptions(workers=1))  # the same command again completes it
    assert Workspace(ws).require() and not Workspace(ws).read_info().get("unfinished")


def test_a_second_run_on_a_busy_workspace_stops_at_once(tmp_path):
    """Fresh-user trial: two `prepare`s on one workspace at once crashed the second with a
    traceback and left a staging file behind. The run holding the workspace's lock is named."""
    from corpus_builder.errors import InputError
    from corpus_builder.workspace import Workspace

    ws = Workspace(tmp_path / "ws")
    ws.claim([])
    with ws.lock("prepare"):
        with pytest.raises(InputError, match=r"in use by corpus-builder prepare \(pid \d+\)"):
            with Workspace(tmp_path / "ws").lock("studio pull"):
                pass
    with ws.lock("prepare"):  # released: the next run takes it
        pass


def test_release_refuses_a_foreign_shard_and_a_workspace_being_written(tmp_path):
    # Fresh-user trial: `release` read a user's own documents/part-00007.jsonl (a traceback,
    # KeyError 'doc_id'), and a release made during a prepare read half-rewritten shards.
    corpus, ws = _prepared_with_a_new_input(tmp_path)
    rel = tmp_path / "rel"
    args = ("release", "--workspace", ws, "--name", "x", "--version", "1.0.0", "--releases-dir", rel, "--no-progress")
    mine = ws / "documents" / "part-00007.jsonl"
    mine.write_text('{"mine": true}\n', encoding="utf-8")
    line = _one_error_line(_invoke(*args))
    assert str(mine) in line and "did not write" in line and "read it as documents" in line
    assert not rel.exists() and mine.read_text(encoding="utf-8") == '{"mine": true}\n'
    mine.unlink()
    with Workspace(ws).lock("prepare"):  # a prepare is writing the workspace
        line = _one_error_line(_invoke(*args))
        assert "in use by corpus-builder prepare" in line and not rel.exists()
    with Workspace(ws).lock("release", shared=True):  # another release reading it: fine to read too
        r = _invoke(*args)
        assert r.exit_code == 0, r.output
        with pytest.raises(InputError, match="in use by a corpus-builder run that reads it"):
            with Workspace(ws).lock("prepare"):
                pass


def test_a_deleted_shard_is_never_released_short_and_prepare_rebuilds_it(tmp_path):
    # Re-trial: after `rm documents/part-00002.jsonl` the release lacked those documents,
    # validate passed and prepare said "up to date". The ledger names every shard of the run.
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for i in range(6):
        (corpus / f"a{i}.txt").write_text(f"Le maire de Brest a parlé {i} fois au conseil municipal.", encoding="utf-8")
    ws = tmp_path / "ws"
    prepare([corpus], ws, PrepareOptions(workers=1, shard_size=2))
    (ws / "documents" / "part-00001.jsonl").unlink()
    assert Workspace(ws).missing_shards() == ["part-00001.jsonl"]
    line = _one_error_line(_invoke("release", "--workspace", ws, "--name", "x", "--version", "1.0.0",
                                   "--releases-dir", tmp_path / "rel", "--no-progress"))
    assert "part-00001.jsonl" in line and "gone" in line and not (tmp_path / "rel").exists()
    summary = prepare([corpus], ws, PrepareOptions(workers=1, shard_size=2))
    assert not summary.up_to_date and summary.documents_kept == 6 and Workspace(ws).missing_shards() == []


def test_strict_keeps_an_empty_folder_the_user_made(tmp_path):
    # Re-trial: --strict removed the (empty) workspace folder the user had made beforehand.
    corpus = _one_file_corpus(tmp_path)
    (corpus / "empty.txt").write_text("", encoding="utf-8")
    mine = tmp_path / "mine"
    mine.mkdir()
    with pytest.raises(InputError, match="--strict"):
        prepare([corpus], mine, PrepareOptions(workers=1, strict=True))
    assert mine.is_dir() and list(mine.iterdir()) == []


def test_release_during_a_prepare_says_to_wait_not_to_run_prepare_again(tmp_path):
    # Fresh-user trial: `release` while the first prepare ran said "its first prepare has not
    # finished; run corpus-builder prepare ... again", which the lock would have refused then.
    import os

    corpus = _one_file_corpus(tmp_path)
    ws = tmp_path / "ws"
    args = ("release", "--workspace", ws, "--name", "x", "--version", "1.0.0", "--releases-dir", tmp_path / "rel", "--no-progress")
    Workspace(ws).claim([corpus])
    assert Workspace(ws).lock_holder() is None
    with Workspace(ws).lock("prepare"):  # the first prepare is running
        assert Workspace(ws).lock_holder() == f"corpus-builder prepare (pid {os.getpid()})"
        line = _one_error_line(_invoke(*args))
        assert line == (f"error: workspace {ws}: its first prepare is in progress (corpus-builder prepare (pid {os.getpid()})): "
                        "wait for it to finish, then run release again")
    # stopped (no lock held): the old advice stands, it resumes
    assert "run `corpus-builder prepare INPUT... --workspace" in _one_error_line(_invoke(*args))
    prepare([corpus], ws, PrepareOptions(workers=1))
    with Workspace(ws).lock("prepare"):  # a later prepare is updating a completed workspace
        line = _one_error_line(_invoke(*args))
        assert line == (f"error: workspace {ws} is in use by corpus-builder prepare (pid {os.getpid()}): a prepare is in progress; "
                        "wait for it to finish, then run release again")
    with Workspace(ws).lock("release", shared=True):  # a reader is not a writer
        assert Workspace(ws).lock_holder() is None
    assert not (tmp_path / "rel").exists()


def _reviewed_workspace(tmp_path: Path) -> tuple[Path, Path]:
    """(corpus, workspace): one document prepared, exported as a task, accepted as it is by an
    annotator and imported back (``reviewed``, its task saved in ``annotations.jsonl``)."""
    corpus = _one_file_corpus(tmp_path)
    ws = tmp_path / "ws"
    prepare([corpus], ws, PrepareOptions(workers=1))
    tasks_file = tmp_path / "tasks.json"
    assert _invoke("studio", "export-tasks", "--workspace", ws, "--out", tasks_file).exit_code == 0
    tasks = json.loads(tasks_file.read_text(encoding="utf-8"))
    for i, task in enumerate(tasks, 1):  # an annotator accepts the predictions as they are
        task.update(id=i, annotations=[{"id": 10 + i, "completed_by": 1, "result": task["predictions"][0]["result"],
                                        "was_cancelled": False, "ground_truth": False,
                                        "created_at": "2026-12-03T10:00:00Z", "updated_at": "2026-12-03T10:00:00Z"}])
        task.pop("predictions")
    export = tmp_path / "export.json"
    export.write_text(json.dumps(tasks, ensure_ascii=False), encoding="utf-8")
    assert _invoke("studio", "import-annotations", export, "--workspace", ws).exit_code == 0
    assert [d.status for d in Workspace(ws).iter_documents()] == ["reviewed"]
    return corpus, ws


def test_a_saved_review_file_that_cannot_be_merged_stops_prepare_before_the_documents_change(tmp_path):
    # Fresh-user trial: a hand-added line in annotations.jsonl made the merge after prepare fail,
    # but prepare had already replaced documents/ with fresh predictions, so the next release
    # published the reviewed document as `predicted`. The file is now read whole before the run
    # and again before the documents are replaced: the run stops with the line named, and the
    # reviewed documents stay as they were.
    corpus, ws = _reviewed_workspace(tmp_path)
    saved = ws / "annotations.jsonl"
    good = saved.read_text(encoding="utf-8")
    saved.write_text(good + '{"text": "a note of mine", "label": []}\n', encoding="utf-8")
    (corpus / "b.txt").write_text("Une autre phrase, à Paris.\n", encoding="utf-8")  # the next run must rebuild
    before = _tree(ws)
    line = _one_error_line(_invoke("prepare", corpus, "--workspace", ws, "--workers", "1", "--no-progress"))
    assert f"{saved}: line {good.count(chr(10)) + 1}" in line and "stopped before changing anything" in line, line
    assert _tree(ws) == before
    assert [d.status for d in Workspace(ws).iter_documents()] == ["reviewed"]
    saved.write_text(good, encoding="utf-8")  # the line taken out: the run goes through, the review is merged back
    prepare([corpus], ws, PrepareOptions(workers=1))
    assert sorted(d.status for d in Workspace(ws).iter_documents()) == ["predicted", "reviewed"]


def test_rejects_and_notices_moved_away_are_written_again_by_an_up_to_date_prepare(tmp_path):
    # Fresh-user trial: after moving rejects.jsonl out (as the refusal above advises), prepare
    # said "up to date" and left the workspace without it.
    corpus = _one_file_corpus(tmp_path)
    (corpus / "empty.txt").write_text("", encoding="utf-8")
    ws = tmp_path / "ws"
    prepare([corpus], ws, PrepareOptions(workers=1))
    (ws / "rejects.jsonl").rename(tmp_path / "mine.jsonl")
    summary = prepare([corpus], ws, PrepareOptions(workers=1))
    assert not summary.up_to_date
    assert [r.reason for r in Workspace(ws).iter_rejects()] == ["empty"]
    assert prepare([corpus], ws, PrepareOptions(workers=1)).up_to_date


def test_a_valid_hand_edit_of_the_saved_reviews_is_merged_by_the_next_prepare(tmp_path):
    # Third fresh-user trial: with unchanged inputs, prepare said "up to date" after a valid hand
    # edit of annotations.jsonl, so the documents (and the next release) kept the old label while
    # the file said another. The digest of the file the tool last merged is kept in
    # workspace.json; another file is rebuilt and merged again, the same file is still up to date.
    corpus, ws = _reviewed_workspace(tmp_path)
    assert prepare([corpus], ws, PrepareOptions(workers=1)).up_to_date  # the import recorded what it merged
    saved = ws / "annotations.jsonl"
    task = json.loads(saved.read_text(encoding="utf-8"))
    (result,) = task["annotations"][0]["result"]
    assert result["value"]["labels"] == ["LOC"]
    result["value"]["labels"] = ["ORG"]  # the annotator's correction, made in the file
    saved.write_text(json.dumps(task, ensure_ascii=False) + "\n", encoding="utf-8")
    summary = prepare([corpus], ws, PrepareOptions(workers=1))
    assert not summary.up_to_date
    (doc,) = Workspace(ws).iter_documents()
    assert doc.status == "reviewed" and [(e.text, e.label) for e in doc.entities] == [("Lyon", "ORG")]
    assert prepare([corpus], ws, PrepareOptions(workers=1)).up_to_date


@pytest.mark.parametrize("damage", ["removed", "a folder", "a broken link"])
def test_reviews_that_are_gone_or_not_a_file_stop_prepare(tmp_path, damage):
    # Third fresh-user trial: annotations.jsonl made a folder or a link to nothing read as "no
    # reviews", and a deleted one too: every reviewed document went back to `predicted`, exit 0.
    corpus, ws = _reviewed_workspace(tmp_path)
    saved = ws / "annotations.jsonl"
    kept = saved.read_bytes()
    saved.unlink()
    if damage == "a folder":
        saved.mkdir()
    elif damage == "a broken link":
        saved.symlink_to(tmp_path / "nowhere.jsonl")
    (corpus / "b.txt").write_text("Une autre phrase, à Paris.\n", encoding="utf-8")
    before = _tree(ws)
    line = _one_error_line(_invoke("prepare", corpus, "--workspace", ws, "--workers", "1", "--no-progress"))
    assert "stopped before changing anything" in line, line
    assert ("1 reviewed document(s)" in line) if damage == "removed" else ("is not a file" in line), line
    assert _tree(ws) == before and [d.status for d in Workspace(ws).iter_documents()] == ["reviewed"]
    if saved.is_dir() and not saved.is_symlink():
        saved.rmdir()
    else:
        saved.unlink(missing_ok=True)
    saved.write_bytes(kept)  # put back: the run goes through with the review
    prepare([corpus], ws, PrepareOptions(workers=1))
    assert sorted(d.status for d in Workspace(ws).iter_documents()) == ["predicted", "reviewed"]
    fresh = tmp_path / "fresh"  # the way to start without the reviews: a new workspace
    prepare([corpus], fresh, PrepareOptions(workers=1))
    assert {d.status for d in Workspace(fresh).iter_documents()} == {"predicted"}
