"""The studio operations as library functions (the CLI in :mod:`.cli` only parses options).

- :func:`push`: workspace documents → tasks with predictions in a Label Studio project (created if
  missing), idempotent on ``(doc_id, text_sha256)``, in batches with a progress bar.
- :func:`pull`: the project's full JSON export → merged documents in the workspace.
- :func:`export_tasks` / :func:`import_annotations`: the same, through JSON files moved by hand.

Every merge (pull or import) rewrites the workspace documents, keeps the raw tasks it merged in
``<workspace>/annotations.jsonl`` (one exported task per document, replaced when the document is
pulled again, never deleted), and writes ``<workspace>/reports/<kind>-<UTC time>.json`` with the
summary and every reported item. Re-running ``prepare`` rebuilds documents as *predicted*; the
human labels come back with ``corpus-builder studio import-annotations <workspace>/annotations.jsonl
--workspace <workspace>`` (documents whose text changed are then reported, not merged).
"""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .. import __version__
from ..errors import ConfigError, CorpusBuilderError, StudioError
from ..workspace import Workspace, read_jsonl, write_jsonl_atomic
from .client import StudioClient
from .config import labeling_config, validate_config
from .merge import check_full_export, load_export, merge_tasks
from .tasks import DOC_ID_KEY, document_to_task, text_sha256

DEFAULT_BATCH_SIZE = 100


def default_model_version(workspace: Workspace) -> str:
    """``model_version`` for predictions: ``corpus-builder-<version>+<model>-<model version>`` from the
    workspace's ``workspace.json`` ``components`` (as :func:`corpus_builder.pipeline.prepare` writes
    them), or every recorded component version when no ``model`` is recorded."""
    parts = [f"corpus-builder-{__version__}"]
    try:
        info = workspace.read_info()
    except (CorpusBuilderError, OSError, ValueError):
        info = {}
    comps = info.get("components") or {}
    if isinstance(comps, dict) and comps.get("model"):
        parts.append(f"{comps['model']}-{comps.get('model_version', 'unknown')}")
    elif isinstance(comps, dict):
        parts += [f"{k}-{v}" for k, v in sorted(comps.items()) if k != "corpus-builder" and isinstance(v, (str, int, float))]
    return "+".join(parts)


def _progress(enabled: bool):
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    return Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=Console(stderr=True), disable=not enabled, transient=True,
    )  # fmt: skip


def _project_id(client: StudioClient, project: str, create: bool) -> tuple[int, bool]:
    pid = client.find_project(project)
    if pid is not None:
        try:
            validate_config(client.project_config(pid))
        except ConfigError as e:
            raise StudioError(
                f"project {project!r} at {client.url} has a labeling config this tool cannot use ({e}); "
                "fix it in Settings → Labeling Interface with the output of `corpus-builder studio config`, or use another --project"
            ) from None
        return pid, False
    if not create:
        raise StudioError(f"no project titled {project!r} at {client.url}; run `corpus-builder studio push --project {project!r}` first")
    return client.create_project(project, labeling_config(), description="corpus-builder pre-annotations (entities and boilerplate)"), True


def push(
    workspace: Path | str,
    project: str,
    *,
    client: StudioClient | None = None,
    url: str | None = None,
    api_key: str | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    model_version: str | None = None,
    progress: bool = True,
) -> dict[str, Any]:
    """Send the workspace documents to project ``project`` (created with the generated labeling
    config if missing) as one task per document with predictions.

    Idempotent: a document whose ``(doc_id, text_sha256)`` is already a task is not sent again; a
    document whose text changed is sent as a new task (``changed`` counts them; the old task's
    annotations are then reported at pull). Imports ``batch_size`` tasks per request, so an
    interrupted push can be run again. Returns ``{"project_id", "project_created", "documents",
    "already_there", "changed", "pushed", "model_version"}``. Raises :class:`StudioError` or
    :class:`~corpus_builder.errors.InputError` (not a workspace).
    """
    ws = Workspace(workspace).require()
    client = client or StudioClient(url, api_key)
    mv = model_version or default_model_version(ws)
    pid, created = _project_id(client, project, create=True)
    existing = client.task_keys(pid)
    known_ids = {doc_id for doc_id, _ in existing}
    total = sum(1 for _ in ws.iter_documents())
    already = changed = n_docs = pushed = 0
    batch: list[dict[str, Any]] = []
    with _progress(progress) as bar:  # streams: one batch of tasks in memory at a time
        job = bar.add_task(f"push → {project}", total=total)
        for doc in ws.iter_documents():
            n_docs += 1
            if (doc.doc_id, text_sha256(doc.text)) in existing:
                already += 1
                bar.advance(job)
                continue
            changed += doc.doc_id in known_ids
            batch.append(document_to_task(doc, mv))
            if len(batch) >= max(1, batch_size):
                pushed += client.import_tasks(pid, batch)
                bar.advance(job, len(batch))
                batch = []
        if batch:
            pushed += client.import_tasks(pid, batch)
            bar.advance(job, len(batch))
    return {"project_id": pid, "project_created": created, "documents": n_docs, "already_there": already, "changed": changed, "pushed": pushed, "model_version": mv}


def apply_export(workspace: Path | str, tasks: Any, *, policy: str = "ground-truth-latest", config_xml: str | None = None, origin: str = "import") -> dict[str, Any]:
    """Merge exported ``tasks`` into the workspace (see :mod:`.merge` for the rules); write the
    documents, ``annotations.jsonl`` and a report file; return the summary (with ``report`` = its path)."""
    ws = Workspace(workspace).require()
    tasks = check_full_export(tasks, origin)
    docs = list(ws.iter_documents())
    result = merge_tasks({d.doc_id: d for d in docs}, tasks, policy=policy, config_xml=config_xml)
    if result.documents:
        ws.rewrite_documents(result.documents.get(d.doc_id, d) for d in docs)
        saved: dict[str, dict[str, Any]] = {}
        if ws.annotations_path.is_file():
            for row in read_jsonl(ws.annotations_path):
                saved[str((row.get("data") or {}).get(DOC_ID_KEY))] = row
        for t in result.merged_tasks:
            saved[str(t["data"][DOC_ID_KEY])] = t
        order = {d.doc_id: i for i, d in enumerate(docs)}
        write_jsonl_atomic(ws.annotations_path, (saved[k] for k in sorted(saved, key=lambda k: (order.get(k, len(order)), k))))
    summary = result.summary()
    summary["policy"] = policy
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    kind = origin.split()[0]
    report_path = ws.reports_dir / f"{kind}-{stamp}.json"
    report_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = report_path.with_name(report_path.name + ".tmp")
    tmp.write_text(
        json.dumps({"origin": origin, "summary": summary, "items": [r.to_dict() for r in result.reports]}, ensure_ascii=False, indent=2) + "\n",
        encoding="utf-8",
    )
    os.replace(tmp, report_path)
    summary["report"] = str(report_path)
    return summary


def pull(
    workspace: Path | str,
    project: str,
    *,
    policy: str = "ground-truth-latest",
    client: StudioClient | None = None,
    url: str | None = None,
    api_key: str | None = None,
) -> dict[str, Any]:
    """Export project ``project`` (full JSON, every task) and merge its annotations into the
    workspace; return the summary (``tasks``, ``merged``, ``skipped``, ``not_merged``, ``reported``,
    ``results_rejected``, ``utf16_converted``, ``reanchored``, ``trimmed``, ``policy``, ``report``).
    Pulling twice gives the same documents. Raises :class:`StudioError` when the project is missing."""
    Workspace(workspace).require()
    client = client or StudioClient(url, api_key)
    pid, _ = _project_id(client, project, create=False)
    config_xml = client.project_config(pid)
    tasks = client.export_json(pid)
    summary = apply_export(workspace, tasks, policy=policy, config_xml=config_xml, origin=f"pull project {project!r} at {client.url}")
    summary["project_id"] = pid
    return summary


def export_tasks(workspace: Path | str, out: Path | str, *, model_version: str | None = None) -> int:
    """Write the workspace's tasks (with predictions) to ``out`` as a JSON list that Label Studio's
    import accepts; return the number of tasks. The labeling config is ``studio config``'s output."""
    ws = Workspace(workspace).require()
    mv = model_version or default_model_version(ws)
    tasks = [document_to_task(d, mv) for d in ws.iter_documents()]
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(json.dumps(tasks, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    os.replace(tmp, out)
    return len(tasks)


def import_annotations(workspace: Path | str, file: Path | str, *, policy: str = "ground-truth-latest", config_xml: str | None = None) -> dict[str, Any]:
    """Merge a full JSON export file (or a workspace's ``annotations.jsonl``) into the workspace;
    return the summary as :func:`pull` does. JSON_MIN/CSV files are refused (:class:`StudioError`)."""
    Workspace(workspace).require()
    tasks = load_export(file)
    return apply_export(workspace, tasks, policy=policy, config_xml=config_xml, origin=f"import {file}")


def reapply_annotations(workspace: Path | str, *, policy: str = "ground-truth-latest") -> dict[str, Any] | None:
    """Merge ``<workspace>/annotations.jsonl`` back into the workspace documents (after ``prepare``
    rebuilt them as predicted); ``None`` when the workspace has no saved annotations. Same summary as
    :func:`import_annotations`; documents whose text changed are reported, not merged."""
    ws = Workspace(workspace).require()
    if not ws.annotations_path.is_file():
        return None
    return import_annotations(ws.root, ws.annotations_path, policy=policy)


def format_summary(summary: dict[str, Any]) -> str:
    """One human line for a pull/import summary."""
    keys = ("tasks", "merged", "skipped", "not_merged", "reported", "results_rejected", "utf16_converted", "reanchored", "trimmed")
    return ", ".join(f"{k.replace('_', ' ')}: {summary.get(k, 0)}" for k in keys) + f" (policy {summary.get('policy')}; report {summary.get('report')})"

