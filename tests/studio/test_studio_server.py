"""The round-trip against a real Label Studio server (session fixture ``ls_server``): push a
workspace of small French documents, annotate through the API as a person would, pull, release,
and check that the workspace and the release hold exactly the corrected labels with the
predictions kept apart; re-push and re-pull change nothing."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from studio_helpers import (
    EXPECTED_BOILERPLATE,
    EXPECTED_ENTITIES,
    build_workspace,
    corrected_results,
    sample_documents,
)

from corpus_builder.errors import StudioError
from corpus_builder.pipeline import release_workspace
from corpus_builder.release import validate_release
from corpus_builder.studio import commands
from corpus_builder.studio.client import StudioClient
from corpus_builder.studio.quality import quality_report

pytestmark = [pytest.mark.studio, pytest.mark.slow]

PROJECT = "Revue presse FR (test)"


def _annotation_count(client: StudioClient, pid: int) -> int:
    return sum(len(t.get("annotations") or []) for t in client.export_json(pid))


def test_push_annotate_pull_round_trip(ls_server, tmp_path):
    ws = build_workspace(tmp_path / "ws")
    client = StudioClient(ls_server.url, ls_server.api_key, retries=2, backoff=0.5)

    first = commands.push(ws.root, PROJECT, client=client, batch_size=2, progress=False)
    assert (first["project_created"], first["pushed"], first["already_there"]) == (True, 3, 0)
    pid = first["project_id"]
    tasks = {t.data["doc_id"]: t for t in client.tasks(pid)}
    assert set(tasks) == {"doc-emoji", "doc-crlf", "doc-plain"}
    assert all(t.total_predictions == 1 for t in tasks.values())

    # the annotator: corrects two documents, skips the third
    docs = {d.doc_id: d for d in sample_documents()}
    for doc_id in ("doc-emoji", "doc-crlf"):
        client.create_annotation(tasks[doc_id].id, corrected_results(docs[doc_id]))
    client.create_annotation(tasks["doc-plain"].id, [], was_cancelled=True)

    pulled = commands.pull(ws.root, PROJECT, client=client, progress=False)
    assert (pulled["tasks"], pulled["merged"], pulled["skipped"], pulled["not_merged"], pulled["reported"]) == (3, 2, 1, 0, 0)
    # the annotated-only export still holds the task whose only annotation was cancelled: it is reported as skipped
    items = json.loads(Path(pulled["report"]).read_text(encoding="utf-8"))["items"]
    assert [(i["kind"], i["doc_id"], i["reason"]) for i in items] == [("skipped", "doc-plain", "no usable annotation (1 cancelled/skipped)")]
    assert not list(ws.root.glob(".pull-*")) and not list(ws.root.glob(".merge-*"))
    merged = {d.doc_id: d for d in ws.iter_documents()}
    for doc_id, want in EXPECTED_ENTITIES.items():
        m = merged[doc_id]
        assert m.status == "reviewed"
        assert {(s.text, s.label) for s in m.entities} == want
        assert all(s.source == "annotation" and s.annotator == str(ls_server_user_id(client)) for s in m.entities)
        assert all(m.text[s.start : s.end] == s.text for s in m.entities)
        assert {(s.start, s.end, s.label) for s in m.predictions} == {(s.start, s.end, s.label) for s in docs[doc_id].entities}
        assert all(s.source == "prediction" for s in m.predictions)
        assert {i: b.boilerplate_label for i, b in enumerate(m.blocks) if b.is_boilerplate} == EXPECTED_BOILERPLATE[doc_id]
    assert merged["doc-plain"].to_dict() == docs["doc-plain"].to_dict()  # skipped: untouched, still predicted
    q = quality_report(merged.values())
    assert q["reviewed_documents"] == 2 and q["annotators"] == 1

    # idempotence: re-push adds no task, re-pull changes no document and no annotation count
    n_tasks, n_annotations = client.count_tasks(pid), _annotation_count(client, pid)
    again = commands.push(ws.root, PROJECT, client=client, progress=False)
    assert (again["project_created"], again["pushed"], again["already_there"]) == (False, 0, 3)
    before = [d.to_dict() for d in ws.iter_documents()]
    saved_before = ws.annotations_path.read_text(encoding="utf-8")
    files = {p: p.stat().st_mtime_ns for p in [*ws.document_shards(), ws.annotations_path]}
    again_pulled = commands.pull(ws.root, PROJECT, client=client, progress=False)
    assert again_pulled["written"] == {"document_shards": 0, "annotations": False}
    assert {p: p.stat().st_mtime_ns for p in files} == files
    assert [d.to_dict() for d in ws.iter_documents()] == before
    assert ws.annotations_path.read_text(encoding="utf-8") == saved_before
    assert (client.count_tasks(pid), _annotation_count(client, pid)) == (n_tasks, n_annotations)

    # the release holds exactly the corrected labels, with the predictions kept apart
    info = release_workspace(ws.root, name="presse-test", version="1.0.0", releases_dir=tmp_path / "releases")
    assert validate_release(info.path) == []
    rows = {r["doc_id"]: r for f in sorted((info.path / "documents").glob("*.parquet")) for r in pq.read_table(f).to_pylist()}
    for doc_id, want in EXPECTED_ENTITIES.items():
        row = rows[doc_id]
        assert row["status"] == "reviewed"
        assert {(e["text"], e["label"], e["source"]) for e in row["entities"]} == {(t, lab, "annotation") for t, lab in want}
        assert {(p["text"], p["label"], p["source"]) for p in row["predictions"]} == {(s.text, s.label, "prediction") for s in docs[doc_id].entities}
        assert {i: b["boilerplate_label"] for i, b in enumerate(row["blocks"]) if b["is_boilerplate"]} == EXPECTED_BOILERPLATE[doc_id]
    assert rows["doc-plain"]["status"] == "predicted" and rows["doc-plain"]["predictions"] == []
    manifest = json.loads((info.path / "manifest.json").read_text(encoding="utf-8"))
    review = manifest["review"]
    assert (review["documents_reviewed"], review["annotators"]) == (2, 1)
    assert review["pre_annotation_quality"]["entities"]["micro"]["tp"] == 4

    # the API key is nowhere in the workspace or the release
    for path in [*ws.root.rglob("*"), *info.path.rglob("*")]:
        if path.is_file():
            assert ls_server.api_key.encode() not in path.read_bytes(), path


def test_keys_missing_project_and_wrong_key(ls_server, tmp_path):
    ws = build_workspace(tmp_path / "ws")
    legacy = StudioClient(ls_server.url, ls_server.api_key)
    with pytest.raises(StudioError, match="no project titled"):
        commands.pull(ws.root, "nope", client=legacy)
    # a personal access token (JWT refresh token, Label Studio >= 1.20) works as well as the legacy token
    pat = legacy.call("create a personal access token", legacy.sdk.tokens.create).token
    assert pat.count(".") == 2  # a JWT
    pushed = commands.push(ws.root, "PAT project", url=ls_server.url, api_key=pat, progress=False)
    assert pushed["pushed"] == 3
    # nobody annotated: the export is empty, every task counts as skipped, nothing is written
    pulled = commands.pull(ws.root, "PAT project", url=ls_server.url, api_key=pat, export_timeout=120, progress=False)
    assert (pulled["tasks"], pulled["merged"], pulled["skipped"], pulled["export_bytes"]) == (3, 0, 3, 2)
    assert pulled["written"] == {"document_shards": 0, "annotations": False}
    with pytest.raises(StudioError, match="refused the API key") as e:
        commands.push(ws.root, PROJECT, url=ls_server.url, api_key="not-the-right-key-0000")
    assert "not-the-right-key-0000" not in str(e.value)


def ls_server_user_id(client: StudioClient) -> int:
    return int(client.whoami().id)


# --- the same round-trip on a workspace made by `prepare` from raw files --------------------------
RAW_FILES = {
    # an emoji before the entities: browsers count offsets after it in UTF-16 units
    "a.txt": "Visite officielle 😀 à Paris : Emmanuel Macron reçoit Olaf Scholz à l'Élysée.\n\n"
    "La Commission européenne salue l'accord signé à Bruxelles.\nPartager\n".encode(),
    # CRLF line ends in the raw source
    "b.txt": "Le ministre Bruno Le Maire était à Lyon mardi.\r\nIl a rencontré les dirigeants de Renault et de Michelin "
    "à Clermont-Ferrand.\r\nPublié le 3 mars 2024\r\n".encode(),
}
_OTHER_LABEL = {"PER": "ORG", "ORG": "LOC", "LOC": "MISC", "MISC": "PER"}


def _corrections(doc, unit):
    """Generic annotator corrections of whatever was predicted: delete the last entity, change the
    first one's label, move the second one's end one character left, add ``Emmanuel Macron`` /
    ``Bruno Le Maire`` (PER, replacing any overlapping prediction), relabel the first content block
    as footer. Returns (results, expected entities {(start, end, label)}, expected {block: label})."""
    from corpus_builder.studio.tasks import OffsetMap, block_region

    ents = sorted(doc.entities, key=lambda s: s.start)
    assert len(ents) >= 3, "the model should predict at least three entities here"
    want = {(s.start, s.end, s.label) for s in ents[1:-1]}
    want.add((ents[0].start, ents[0].end, _OTHER_LABEL[ents[0].label]))
    s1 = ents[1]
    want.discard((s1.start, s1.end, s1.label))
    want.add((s1.start, s1.end - 1, s1.label))
    added = "Emmanuel Macron" if "Emmanuel Macron" in doc.text else "Bruno Le Maire"
    a = doc.text.index(added)
    want = {w for w in want if w[1] <= a or w[0] >= a + len(added)} | {(a, a + len(added), "PER")}
    blocks = {i: b.boilerplate_label for i, b in enumerate(doc.blocks) if b.is_boilerplate}
    first_content = next(i for i, b in enumerate(doc.blocks) if not b.is_boilerplate)
    blocks[first_content] = "footer"
    m = OffsetMap(doc.text)
    conv = (lambda x: m.to_utf16(x)) if unit == "utf16" else (lambda x: x)
    results = [
        {"id": f"r{i}", "from_name": "label", "to_name": "text", "type": "labels",
         "value": {"start": conv(s), "end": conv(e), "text": doc.text[s:e], "labels": [lab]}}
        for i, (s, e, lab) in enumerate(sorted(want))
    ]
    for i, lab in blocks.items():
        r = block_region(doc.text, doc.blocks[i].start, doc.blocks[i].end, lab, f"b{i}")
        r["value"]["start"], r["value"]["end"] = conv(r["value"]["start"]), conv(r["value"]["end"])
        results.append(r)
    return results, want, blocks


def test_prepared_workspace_round_trip_to_release(ls_server, tmp_path):
    from corpus_builder.pipeline import PrepareOptions, prepare
    from corpus_builder.workspace import Workspace

    inputs = tmp_path / "in"
    inputs.mkdir()
    for name, raw in RAW_FILES.items():
        (inputs / name).write_bytes(raw)
    ws = Workspace(tmp_path / "ws")
    prepare([inputs], ws.root, PrepareOptions(workers=1))
    predicted = {d.source: d for d in ws.iter_documents()}
    assert set(predicted) == {"a.txt", "b.txt"} and "\r" not in predicted["b.txt"].text

    client = StudioClient(ls_server.url, ls_server.api_key)
    project = "Prepared FR (test)"
    assert commands.push(ws.root, project, client=client, progress=False)["pushed"] == 2
    tasks = {t.data["doc_id"]: t for t in client.tasks(client.find_project(project))}
    expected = {}
    for source, doc in predicted.items():
        unit = "utf16" if source == "a.txt" else "cp"  # the emoji document comes back in browser units
        results, want, blocks = _corrections(doc, unit)
        client.create_annotation(tasks[doc.doc_id].id, results)
        expected[doc.doc_id] = (want, blocks)

    s = commands.pull(ws.root, project, client=client)
    assert (s["merged"], s["not_merged"], s["reported"], s["results_rejected"]) == (2, 0, 0, 0)
    assert s["utf16_converted"] > 0
    info = release_workspace(ws.root, name="prepared-test", version="1.0.0", releases_dir=tmp_path / "releases")
    assert validate_release(info.path) == []
    rows = {r["doc_id"]: r for f in sorted((info.path / "documents").glob("*.parquet")) for r in pq.read_table(f).to_pylist()}
    for doc_id, (want, blocks) in expected.items():
        row = rows[doc_id]
        assert row["status"] == "reviewed"
        assert {(e["start"], e["end"], e["label"]) for e in row["entities"]} == want
        assert all(e["source"] == "annotation" for e in row["entities"])
        doc = next(d for d in predicted.values() if d.doc_id == doc_id)
        assert {(p["start"], p["end"], p["label"]) for p in row["predictions"]} == {(e.start, e.end, e.label) for e in doc.entities}
        assert {i: b["boilerplate_label"] for i, b in enumerate(row["blocks"]) if b["is_boilerplate"]} == blocks
    sentences = [r for f in sorted((info.path / "sentences").glob("*.parquet")) for r in pq.read_table(f).to_pylist()]
    for r in sentences:  # no sentence cuts a corrected entity: each entity lies inside its sentence
        assert all(0 <= e["start"] < e["end"] <= len(r["text"]) and r["text"][e["start"] : e["end"]] == e["text"] for e in r["entities"])
    n_entities = sum(len(r["entities"]) for r in sentences)
    assert n_entities == sum(len(w) for w, _ in expected.values())


def test_push_after_a_text_change_replaces_untouched_tasks_and_keeps_annotated_ones(ls_server, tmp_path):
    """A new prepare changed two texts: annotators must not see both versions, and nobody's work is lost."""
    from dataclasses import replace

    from studio_helpers import RAW_CRLF, RAW_EMOJI, RAW_PLAIN, make_document

    ws = build_workspace(tmp_path / "ws")
    client = StudioClient(ls_server.url, ls_server.api_key)
    project = "Changed texts (test)"
    pid = commands.push(ws.root, project, client=client, progress=False)["project_id"]
    old = {t.data["doc_id"]: t for t in client.tasks(pid)}
    docs = {d.doc_id: d for d in sample_documents()}
    client.create_annotation(old["doc-emoji"].id, corrected_results(docs["doc-emoji"]))
    import httpx  # the SDK has no drafts call: what the editor sends when an annotator leaves a task unfinished

    r = httpx.post(f"{ls_server.url}/api/tasks/{old['doc-crlf'].id}/drafts", json={"result": [], "lead_time": 1},
                   headers={"Authorization": f"Token {ls_server.api_key}"})
    assert r.status_code == 201, r.text

    plain_v2 = make_document("doc-plain-v2", RAW_PLAIN + "Mise à jour du texte.\n", [("Lyon", "LOC")], {})
    ws.rewrite_documents([
        make_document("doc-emoji", RAW_EMOJI + "\r\nMise à jour du texte.", [("Gabriel Attal", "PER")], {2: "share"}),
        make_document("doc-crlf", RAW_CRLF + "\r\nMise à jour du texte.", [("Berlin", "LOC")], {}),
        # a .txt document's id is a hash of its text: a new id, the same source file
        replace(plain_v2, source=docs["doc-plain"].source),
    ])
    s = commands.push(ws.root, project, client=client, progress=False)
    assert (s["changed"], s["pushed"], s["already_there"], s["replaced"]) == (3, 3, 0, 1)
    assert s["stale_annotated"] == [old["doc-emoji"].id, old["doc-crlf"].id]  # an annotation, a draft: kept, and named
    now = {t.id: t.data["doc_id"] for t in client.tasks(pid)}
    assert old["doc-plain"].id not in now  # the untouched old version is deleted
    assert old["doc-emoji"].id in now and old["doc-crlf"].id in now
    assert sorted(now.values()) == ["doc-crlf", "doc-crlf", "doc-emoji", "doc-emoji", "doc-plain-v2"]

    pulled = commands.pull(ws.root, project, client=client, progress=False)
    assert (pulled["merged"], pulled["not_merged"]) == (0, 1)  # the old annotation is reported, not merged on the new text
    again = commands.push(ws.root, project, client=client, progress=False)
    assert (again["pushed"], again["changed"], again["replaced"]) == (0, 0, 0)
    assert again["stale_annotated"] == [old["doc-emoji"].id, old["doc-crlf"].id]  # still named, until someone deletes them


def test_two_projects_with_one_title_ask_for_the_project_id(ls_server, tmp_path, monkeypatch):
    """Issue 11 item 9: Label Studio lets two projects share a title; the title is then ambiguous
    (not a labeling-config problem), and --project-id picks one."""
    from typer.testing import CliRunner

    from corpus_builder.studio.cli import studio_app
    from corpus_builder.studio.config import labeling_config

    ws = build_workspace(tmp_path / "ws")
    client = StudioClient(ls_server.url, ls_server.api_key)
    title = "Same title (test)"
    first = client.create_project(title, labeling_config())
    second = client.create_project(title, "<View><Text name='t' value='$t'/></View>")  # someone else's project, another config
    assert first != second and client.find_projects(title) == sorted([first, second])
    for run in (commands.push, commands.pull):
        with pytest.raises(StudioError) as e:
            run(ws.root, title, client=client, progress=False)
        msg = str(e.value)
        assert "ambiguous" in msg and f"ids {min(first, second)}, {max(first, second)}" in msg and "--project-id" in msg
        assert "labeling config" not in msg
    s = commands.push(ws.root, project_id=first, client=client, progress=False)
    assert (s["project_id"], s["project_created"], s["pushed"]) == (first, False, 3)
    assert client.count_tasks(second) == 0
    with pytest.raises(StudioError, match=f"project {second} .* labeling config this tool cannot use"):
        commands.pull(ws.root, project_id=second, client=client, progress=False)
    with pytest.raises(StudioError, match="no project with id 999999"):
        commands.pull(ws.root, project_id=999999, client=client, progress=False)
    with pytest.raises(StudioError, match="is titled"):
        commands.pull(ws.root, "Another title", project_id=first, client=client, progress=False)
    # the CLI: one line naming the ids, then --project-id works (title optional)
    monkeypatch.setenv("LABEL_STUDIO_URL", ls_server.url)
    monkeypatch.setenv("LABEL_STUDIO_API_KEY", ls_server.api_key)
    runner = CliRunner()
    r = runner.invoke(studio_app, ["pull", "-w", str(ws.root), "--project", title, "--no-progress"])
    assert r.exit_code == 1 and "ambiguous" in r.output and str(second) in r.output and "Traceback" not in r.output
    r = runner.invoke(studio_app, ["pull", "-w", str(ws.root), "--project-id", str(first), "--no-progress"])
    assert r.exit_code == 0, r.output
    assert "tasks: 3" in r.output
    r = runner.invoke(studio_app, ["push", "-w", str(ws.root), "--project-id", str(first), "--no-progress"])
    assert r.exit_code == 0 and f"(id {first})" in r.output and "3 already there" in r.output, r.output
    r = runner.invoke(studio_app, ["push", "-w", str(ws.root), "--no-progress"])
    assert r.exit_code == 1 and "--project-id" in r.output


def test_a_document_imported_twice_is_warned_by_push_and_merged_as_one_by_pull(ls_server, tmp_path):
    """Issue 11 item 2 on a real server: the tasks of doc-crlf imported twice; the full ground-truth
    review in the first task is not replaced by a partial, later-exported annotation of the second."""
    from corpus_builder.studio.tasks import document_to_task

    ws = build_workspace(tmp_path / "ws")
    client = StudioClient(ls_server.url, ls_server.api_key)
    project = "Imported twice (test)"
    pid = commands.push(ws.root, project, client=client, progress=False)["project_id"]
    docs = {d.doc_id: d for d in sample_documents()}
    client.import_tasks(pid, [document_to_task(docs["doc-crlf"], "by-hand")])  # the same document, a second time
    s = commands.push(ws.root, project, client=client, progress=False)
    tasks = sorted((t for t in client.tasks(pid) if t.data["doc_id"] == "doc-crlf"), key=lambda t: t.id)
    assert [t.id for t in tasks] == s["duplicate_tasks"][0]["task_ids"] and len(s["duplicate_tasks"]) == 1
    assert s["duplicate_tasks"][0]["doc_id"] == "doc-crlf" and s["pushed"] == 0
    full = client.create_annotation(tasks[0].id, corrected_results(docs["doc-crlf"]), ground_truth=True)
    partial = client.create_annotation(tasks[1].id, corrected_results(docs["doc-crlf"])[:3])  # later: the most recent
    pulled = commands.pull(ws.root, project, client=client, progress=False)
    assert (pulled["tasks"], pulled["merged"], pulled["skipped"], pulled["not_merged"], pulled["documents"]) == (4, 2, 2, 0, 1)
    assert pulled["tasks"] == pulled["merged"] + pulled["skipped"] + pulled["not_merged"]
    crlf = next(d for d in ws.iter_documents() if d.doc_id == "doc-crlf")
    assert {(e.text, e.label) for e in crlf.entities} == EXPECTED_ENTITIES["doc-crlf"]
    assert crlf.meta["studio"]["annotation_ids"] == [full]
    items = json.loads(Path(pulled["report"]).read_text(encoding="utf-8"))["items"]
    (choice,) = [i for i in items if i["kind"] == "policy"]
    assert choice["annotation_id"] == full and f"annotation {full} of task {tasks[0].id} won (ground truth)" in choice["reason"]
    assert "2 usable annotations of 2 tasks" in choice["reason"] and partial != full
    # the CLI names the duplicated document and its tasks
    from typer.testing import CliRunner

    from corpus_builder.studio.cli import studio_app

    r = CliRunner().invoke(studio_app, ["push", "-w", str(ws.root), "-p", project, "--url", ls_server.url, "--api-key", ls_server.api_key,
                                        "--no-progress"])
    assert r.exit_code == 0 and "more than once" in r.output and f"tasks {tasks[0].id}, {tasks[1].id}" in r.output
    assert "doc_id doc-crlf" in r.output


def test_push_retires_the_old_task_of_a_changed_jsonl_line_that_shares_its_source(ls_server, tmp_path):
    """Issue 11 item 3: JSONL lines without `id` that share a `source`: the changed line's older
    task is found by its record (file and line) and deleted (nobody touched it); the task of a
    line removed from the inputs is left alone and named as removed by pull, not as changed."""
    from studio_helpers import region
    from test_studio_records import LINES, jsonl_document

    from corpus_builder.workspace import Workspace

    ws = Workspace(tmp_path / "ws")
    ws.write_info({"schema_version": "1.0.0", "components": {}})
    old = [jsonl_document(i + 1, t, f"doc-old{i + 1}") for i, t in enumerate(LINES)]
    ws.rewrite_documents(old)
    client = StudioClient(ls_server.url, ls_server.api_key)
    project = "Shared JSONL source (test)"
    pid = commands.push(ws.root, project, client=client, progress=False)["project_id"]
    before = {t.data["doc_id"]: t.id for t in client.tasks(pid)}
    assert {t.data["record"] for t in client.tasks(pid)} == {"news.jsonl#L1", "news.jsonl#L2", "news.jsonl#L3"}
    d3 = old[2]
    client.create_annotation(before["doc-old3"], [region(d3.text, "Lille", "LOC")])
    ws.rewrite_documents([old[0], jsonl_document(2, "La Banque de France publie enfin ses prévisions.\n", "doc-new2")])
    s = commands.push(ws.root, project, client=client, progress=False)
    assert (s["pushed"], s["changed"], s["replaced"], s["stale_annotated"]) == (1, 1, 1, [])
    now = {t.data["doc_id"]: t.id for t in client.tasks(pid)}
    assert set(now) == {"doc-old1", "doc-new2", "doc-old3"}  # line 2's old task gone; line 3's (annotated, removed) kept
    pulled = commands.pull(ws.root, project, client=client, progress=False)
    items = json.loads(Path(pulled["report"]).read_text(encoding="utf-8"))["items"]
    (item,) = [i for i in items if i["kind"] == "not-merged"]
    assert (item["doc_id"], item["record"], item["cause"]) == ("doc-old3", "news.jsonl#L3", "removed")
    assert pulled["not_merged_removed"] == 1 and pulled["not_merged_text_changed"] == 0


# hosts Label Studio sends tracking events or error reports to when its switches are on (1.23.2)
_TRACKERS = ("googletagmanager.com", "google-analytics.com", "sentry.io", "sentry-cdn.com", "labelstud.io/track", "tele.labelstud.io", "gtag(")


_GUARD = "if (!window.APP_SETTINGS?.collect_analytics) return;"


def _unguarded_trackers(html: str) -> list[str]:
    """Tracker hosts that the page would call: every reference, unless it sits in a script function
    that returns first when analytics are off (Label Studio 1.23.2's login page always inlines the
    labelstud.io/track iframe helper, behind that guard)."""
    found = []
    for host in _TRACKERS:
        i = html.find(host)
        while i >= 0:
            script = html.rfind("<script", 0, i)
            body = html[script:i]
            functions = list(re.finditer(r"const\s+\w+\s*=\s*\([^)]*\)\s*=>\s*\{\s*", body))  # the enclosing named function
            guarded = bool(functions) and body[functions[-1].end():].startswith(_GUARD)
            if not (script >= 0 and "</script>" not in body and guarded):
                found.append(f"{host} at {i}: {html[max(0, i - 80):i + 40]!r}")
            i = html.find(host, i + 1)
    return found


def test_served_pages_make_no_tracking_or_error_report_calls(ls_server):
    """Issue 11 item 10: with the server running, the login page (HTML and the script it inlines)
    and a logged-in page's APP_SETTINGS reference no analytics or error-reporting host."""
    import httpx

    from corpus_builder.studio.server import NO_OUTSIDE_CALLS_ENV

    assert set(NO_OUTSIDE_CALLS_ENV) >= {"LABEL_STUDIO_SENTRY_DSN", "LABEL_STUDIO_FRONTEND_SENTRY_DSN", "LABEL_STUDIO_COLLECT_ANALYTICS",
                                         "LABEL_STUDIO_LATEST_VERSION_CHECK"}
    with httpx.Client(base_url=ls_server.url, follow_redirects=True, timeout=60) as http:
        login = http.get("/user/login/")
        assert login.status_code == 200 and 'name="password"' in login.text
        html = login.text
        assert "window.APP_SETTINGS.collect_analytics = false;" in html
        assert _unguarded_trackers(html) == []
        # log in as the researcher, then read a page of the app: the config it hands the front end
        password = (ls_server.credentials_dir / "password").read_text(encoding="utf-8").strip()
        r = http.post("/user/login/", data={"email": ls_server.username, "password": password,
                                            "csrfmiddlewaretoken": http.cookies.get("csrftoken", "")},
                      headers={"Referer": f"{ls_server.url}/user/login/"})
        assert r.status_code == 200 and "/user/login" not in str(r.url), r.url
        page = http.get("/projects/").text
        assert "APP_SETTINGS" in page
        assert _unguarded_trackers(page) == []
        assert re.search(r"sentry_dsn:\s*null", page) and re.search(r"collect_analytics:\s*false", page)
        scripts = re.findall(r"<script[^>]*\bsrc=\"([^\"]+)\"", page + html)
        assert scripts and all(s.startswith((ls_server.url, "/")) for s in scripts), scripts  # every script from this server
