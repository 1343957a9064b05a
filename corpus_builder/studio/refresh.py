"""New predictions for tasks nobody has touched, and ordering tasks by the model's uncertainty.

The loop with annotators: ``studio pull`` → ``train entities WORKSPACE`` → ``prepare --model DIR``
(reviewed documents keep their human labels; only predictions change) → ``studio push
--update-predictions``: :func:`refresh_predictions` gives every task whose document is still
``predicted`` in the workspace, and that no person has touched (no annotation, no skip, no draft:
:meth:`StudioClient.has_human_work`), the workspace's current predictions under the new
``model_version``, and deletes its older predictions. Annotated, skipped and drafted tasks are
left exactly as they are, and so are tasks whose prediction already carries this
``model_version``.

``push --order uncertainty`` imports new tasks least-sure first
(:func:`corpus_builder.entities.uncertainty.document_uncertainty`), so Label Studio's default
sequential sampling (by task id) shows them first, and gives each prediction a ``score`` (the
model's smallest margin, squashed to 0-1: low = unsure) that the Data Manager can sort on.
"""

from __future__ import annotations

import math
from typing import Any, Iterable, Sequence

from ..records import Document
from ..workspace import Workspace
from .tasks import document_to_task, text_sha256

ORDERS = ("workspace", "uncertainty")


def prediction_score(margin: float) -> float:
    """A 0-1 confidence from a margin (:func:`~corpus_builder.entities.uncertainty.min_margins`):
    ``1 - exp(-margin / 5)`` (5 is about the median smallest margin of fr_core_news_sm on Deep
    Sequoia sentences; only the order matters). A text without tokens scores 1."""
    return 1.0 if math.isinf(margin) else round(1.0 - math.exp(-max(0.0, margin) / 5.0), 4)


def workspace_model(ws: Workspace) -> str:
    """The entity model the workspace was prepared with (its primary model)."""
    from ..entities import primary_model
    from ..pipeline import DEFAULT_MODEL

    return primary_model((ws.read_info().get("options") or {}).get("model") or DEFAULT_MODEL)


def ordered_documents(ws: Workspace, order: str) -> tuple[Iterable[Document], dict[str, float]]:
    """The workspace documents in push order and each one's prediction score (empty for the
    workspace order, which streams). ``"uncertainty"`` reads every document once to rank them (the
    least sure first; ties keep the workspace order)."""
    if order == "workspace":
        return ws.iter_documents(), {}
    if order != "uncertainty":
        from ..errors import ConfigError

        raise ConfigError(f"unknown --order {order!r}: choose one of {', '.join(ORDERS)}")
    from ..entities.uncertainty import document_uncertainty

    docs = list(ws.iter_documents())
    margins = document_uncertainty(workspace_model(ws), docs)
    ranked = sorted(range(len(docs)), key=lambda i: (margins[i], i))
    return [docs[i] for i in ranked], {docs[i].doc_id: prediction_score(margins[i]) for i in ranked}


def task_with_score(doc: Document, model_version: str, scores: dict[str, float]) -> dict[str, Any]:
    """:func:`document_to_task`, with the prediction's ``score`` when ``scores`` has the document."""
    task = document_to_task(doc, model_version)
    if doc.doc_id in scores:
        task["predictions"][0]["score"] = scores[doc.doc_id]
    return task


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
