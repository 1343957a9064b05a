"""The round-trip against a real Label Studio server (session fixture ``ls_server``): push a
workspace of small French documents, annotate through the API as a person would, pull, and check
that the workspace holds exactly the corrected labels with the predictions kept apart; re-push and
re-pull change nothing."""

from __future__ import annotations

import pytest
from studio_helpers import EXPECTED_BOILERPLATE, EXPECTED_ENTITIES, build_workspace, corrected_results, sample_documents

from corpus_builder.errors import StudioError
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

    pulled = commands.pull(ws.root, PROJECT, client=client)
    assert (pulled["tasks"], pulled["merged"], pulled["skipped"], pulled["not_merged"], pulled["reported"]) == (3, 2, 1, 0, 0)
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
    commands.pull(ws.root, PROJECT, client=client)
    assert [d.to_dict() for d in ws.iter_documents()] == before
    assert ws.annotations_path.read_text(encoding="utf-8") == saved_before
    assert (client.count_tasks(pid), _annotation_count(client, pid)) == (n_tasks, n_annotations)

    # the API key is nowhere in the workspace
    for path in ws.root.rglob("*"):
        if path.is_file():
            assert ls_server.api_key not in path.read_text(encoding="utf-8", errors="replace"), path


def test_pull_of_a_missing_project_and_a_wrong_key(ls_server, tmp_path):
    ws = build_workspace(tmp_path / "ws")
    with pytest.raises(StudioError, match="no project titled"):
        commands.pull(ws.root, "nope", client=StudioClient(ls_server.url, ls_server.api_key))
    with pytest.raises(StudioError, match="refused the API key") as e:
        commands.push(ws.root, PROJECT, url=ls_server.url, api_key="not-the-right-key-0000")
    assert "not-the-right-key-0000" not in str(e.value)


def ls_server_user_id(client: StudioClient) -> int:
    return int(client.whoami().id)
