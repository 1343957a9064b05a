"""New predictions for tasks nobody has touched.

The loop with annotators: ``studio pull`` → ``train entities WORKSPACE`` → ``prepare --model DIR``
(reviewed documents keep their human labels; only predictions change) → ``studio push
--update-predictions``: :func:`refresh_predictions` gives every task whose document is still
``predicted`` in the workspace, and that no person has touched (no annotation, no skip, no draft:
:meth:`StudioClient.has_human_work`), the workspace's current predictions under the new
``model_version``, and deletes its older predictions. Annotated, skipped and drafted tasks are
left exactly as they are, and so are tasks whose prediction already carries this
``model_version``.

There is no ``push --order uncertainty``: sending the least sure documents first did not beat
random order measurably in the simulation of ``benchmarks/entity_training.py ordering`` (100
sentences: 0.700 exact F1 by uncertainty, 0.651-0.711 for three random draws; issue 9 asks to
keep it only if it does), so push keeps the workspace order. The measure stays in
:mod:`corpus_builder.entities.uncertainty` for that benchmark.
"""

from __future__ import annotations

from typing import Any, Sequence

from ..workspace import Workspace
from .tasks import document_to_task, text_sha256

def workspace_model(ws: Workspace) -> str:
    """The entity model the workspace was prepared with (its primary model)."""
    from ..entities import primary_model
    from ..pipeline import DEFAULT_MODEL

    return primary_model((ws.read_info().get("options") or {}).get("model") or DEFAULT_MODEL)


def refresh_predictions(ws: Workspace, client: Any, project_id: int, model_version: str, refs: Sequence[Any] | None = None) -> dict[str, Any]:
    """Replace the predictions of the untouched tasks of workspace documents that are still
    ``predicted`` (see the module docstring). ``refs``: the project's :class:`TaskRef` list when
    the caller has it. Returns ``{"updated", "up_to_date", "kept_human_work", "kept_reviewed"}``
    (task counts; ``kept_human_work`` lists task ids)."""
    refs = client.task_refs(project_id) if refs is None else refs
    by_key = {}
    for ref in refs:
        by_key.setdefault(ref.key, []).append(ref)
    updated = up_to_date = reviewed = 0
    kept: list[int] = []
    for doc in ws.iter_documents():
        for ref in by_key.get((doc.doc_id, text_sha256(doc.text)), []):
            if doc.status == "reviewed":
                reviewed += 1  # its human labels live in the task's annotations
                continue
            if ref.touched or client.has_human_work(ref.id):
                kept.append(ref.id)
                continue
            old = client.task_predictions(ref.id)
            if old and all(p.get("model_version") == model_version for p in old):
                up_to_date += 1
                continue
            pred = document_to_task(doc, model_version)["predictions"][0]
            client.create_prediction(ref.id, pred["result"], model_version, pred.get("score"))
            for p in old:
                client.delete_prediction(p["id"])
            updated += 1
    return {"updated": updated, "up_to_date": up_to_date, "kept_human_work": kept, "kept_reviewed": reviewed}
