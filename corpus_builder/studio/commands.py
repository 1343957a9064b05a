"""The studio operations as library functions (the CLI in :mod:`.cli` only parses options).

- :func:`push`: workspace documents → tasks with predictions in a Label Studio project (created if
  missing), idempotent on ``(doc_id, text_sha256)``, in batches with a progress bar.
- :func:`pull`: the project's full JSON export (annotated tasks) → a temporary file in the
  workspace → merged documents, shard by shard, with a status line and a progress bar.
- :func:`export_tasks` / :func:`import_annotations`: the same, through JSON files moved by hand.

Every merge (pull or import, :func:`merge_export`) streams: memory holds one shard and small
per-task index entries, not the export or the workspace. It rewrites the document shards whose
documents changed (none when nothing changed), keeps the raw tasks it merged in
``<workspace>/annotations.jsonl`` (every merged task of each document, one per line; a task's line
is replaced when that task is pulled again changed, never deleted), and writes
``<workspace>/reports/<kind>-<UTC time>.json`` with the summary and every reported item. Re-running ``prepare`` rebuilds documents as *predicted*; the
human labels come back with ``corpus-builder studio import-annotations <workspace>/annotations.jsonl
--workspace <workspace>`` (documents whose text changed are then reported, not merged).
"""

from __future__ import annotations

import json
import os
import shutil
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, NamedTuple

from .. import __version__
from ..errors import ConfigError, CorpusBuilderError, StudioError
from ..records import Document
from ..tempdirs import temporary_dir
from ..workspace import DOCUMENTS_DIR, Workspace, record_written, write_lines_atomic
from .client import StudioClient, TaskRef, ambiguous_title_message
from .config import granularity_advice, labeling_config, parse_config, validate_config
from .merge import (
    POLICIES,
    MergeResult,
    ReportItem,
    check_full_export,
    iter_export,
    merge_document,
    task_identity,
    task_problem,
    unknown_doc_report,
)
from .tasks import DOC_ID_KEY, document_record, document_to_task, task_record, text_sha256

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


@contextmanager
def _status(enabled: bool, text: str) -> Iterator[Callable[[str], None]]:
    """A rich status line (spinner) on stderr while a long server-side step runs; yields a function
    that replaces its text. Drawn only on a terminal, as :func:`_progress`."""
    if not enabled:
        yield lambda _text: None
        return
    from rich.console import Console

    with Console(stderr=True).status(text) as st:
        yield lambda new: st.update(new)


def _require_project(project: str | None, project_id: int | None) -> None:
    if project_id is None and not project:
        raise ConfigError("name the Label Studio project: --project TITLE or --project-id ID")


def resolve_project(client: StudioClient, project: str | None, project_id: int | None = None, *, create: bool) -> tuple[int, bool]:
    """The project to work on, and whether it was created: ``(id, created)``.

    ``project_id`` given: that project (when ``project`` is given too, its title must be
    ``project``). Else the one project titled ``project``; none and ``create``: a new project with
    the generated labeling config. The project's labeling config must be one this tool can use
    (:func:`.config.validate_config`). Raises :class:`StudioError` when the id does not exist, the
    title names no project (and ``create`` is false), several projects share the title (the
    message lists their ids: pass ``project_id``), or the config does not fit; :class:`ConfigError`
    when neither is given.
    """
    _require_project(project, project_id)
    if project_id is not None:
        try:
            title = client.project_title(project_id)
        except StudioError as e:
            if "HTTP 404" not in str(e):
                raise
            raise StudioError(f"no project with id {project_id} at {client.url}; check --project-id (the number in the project's URL)") from None
        if project and title != project:
            raise StudioError(f"project {project_id} at {client.url} is titled {title!r}, not {project!r}; check --project/--project-id")
        pid, what = project_id, f"project {project_id} ({title!r})"
    else:
        assert project is not None
        ids = client.find_projects(project)
        if len(ids) > 1:
            raise StudioError(ambiguous_title_message(project, ids, client.url))
        if not ids:
            if not create:
                raise StudioError(f"no project titled {project!r} at {client.url}; run `corpus-builder studio push --project {project!r}` first")
            return client.create_project(project, labeling_config(), description="corpus-builder pre-annotations (entities and boilerplate)"), True
        pid, what = ids[0], f"project {project!r} (id {ids[0]})"
    try:
        validate_config(client.project_config(pid))
    except ConfigError as e:
        raise StudioError(
            f"{what} at {client.url} has a labeling config this tool cannot use ({e}); "
            "fix it in Settings → Labeling Interface with the output of `corpus-builder studio config`, or use another project"
        ) from None
    return pid, False


def push(
    workspace: Path | str,
    project: str | None = None,
    *,
    project_id: int | None = None,
    client: StudioClient | None = None,
    url: str | None = None,
    api_key: str | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    model_version: str | None = None,
    progress: bool = True,
    update_predictions: bool = False,
) -> dict[str, Any]:
    """Send the workspace documents to project ``project`` (a title; created with the generated
    labeling config if missing) or ``project_id`` (see :func:`resolve_project`) as one task per
    document with predictions.

    ``update_predictions``: afterwards, give the untouched tasks of still-predicted documents the
    current predictions under this ``model_version`` (:func:`.refresh.refresh_predictions`; the
    summary gets its counts under ``"predictions"``).

    Idempotent: a document whose ``(doc_id, text_sha256)`` is already a task is not sent again.
    A document whose text changed (a new ``prepare``) is sent as a new task (``changed`` counts
    them: same ``doc_id``, or same ``source``), and older versions of workspace documents are
    then dealt with so that annotators never see two versions of one document. An older version
    is a task with the ``doc_id`` of a workspace document but another text, or, since a
    ``.txt``/``.html`` document's id (and a JSONL line's without ``id``) is a hash of its text, a
    task whose ``doc_id`` left the workspace and whose record (:func:`.tasks.document_record`:
    the JSONL line, else the file) is that of exactly one workspace document. One nobody has
    touched (no annotation, skip or draft by anyone: :meth:`StudioClient.has_human_work`) is
    deleted (``replaced``); one with human work is kept, since that work exists nowhere else, and
    its id is listed in ``stale_annotated`` and, with its ``doc_id`` and record, in
    ``stale_tasks`` (pull reports it as not merged). Tasks of documents no longer in the workspace
    are left alone (:func:`retire_older_versions`). A workspace document the project holds more
    than once with its current text is listed in ``duplicate_tasks`` (:func:`duplicate_tasks`).
    Imports ``batch_size`` tasks per request, so an interrupted push can be run again. Returns
    ``{"project_id", "project_created", "documents", "already_there", "changed", "pushed",
    "replaced", "stale_annotated", "stale_tasks", "duplicate_tasks", "config_advice",
    "model_version"}`` (``config_advice``: :func:`.config.granularity_advice` of an existing
    project's config, else ``None``). Raises
    :class:`StudioError` or :class:`~corpus_builder.errors.InputError` (not a workspace).
    """
    ws = Workspace(workspace).require()
    with ws.reading("studio push"):  # no prepare/pull rewrites the shards while they are sent
        _require_project(project, project_id)
        client = client or StudioClient(url, api_key)
        mv = model_version or default_model_version(ws)
        pid, created = resolve_project(client, project, project_id, create=True)
        refs = client.task_refs(pid)
        existing = {ref.key for ref in refs}
        known_ids = {doc_id for doc_id, _ in existing}
        known_records = {r for ref in refs for r in (ref.record, ref.source) if r is not None}
        current_keys: set[tuple[str, str]] = set()
        places = _DocumentPlaces()
        from .refresh import refresh_predictions
        total = sum(1 for _ in ws.iter_documents())
        already = changed = n_docs = pushed = 0
        batch: list[dict[str, Any]] = []
        with _progress(progress) as bar:  # streams: one batch of tasks in memory at a time
            job = bar.add_task(f"push → {project or pid}", total=total)
            for doc in ws.iter_documents():
                n_docs += 1
                key = (doc.doc_id, text_sha256(doc.text))
                current_keys.add(key)
                places.add(doc)
                if key in existing:
                    already += 1
                    bar.advance(job)
                    continue
                # same id, or same record (a .txt's id, and a JSONL line's without `id`, is its text's hash)
                changed += doc.doc_id in known_ids or document_record(doc) in known_records
                batch.append(document_to_task(doc, mv))
                if len(batch) >= max(1, batch_size):
                    pushed += client.import_tasks(pid, batch)
                    bar.advance(job, len(batch))
                    batch = []
            if batch:
                pushed += client.import_tasks(pid, batch)
                bar.advance(job, len(batch))
        replaced, stale = retire_older_versions(client, refs, current_keys, places)
        config_advice = None if created else granularity_advice(client.project_config(pid))
        summary = {
            "project_id": pid, "project_created": created, "documents": n_docs, "already_there": already, "changed": changed,
            "pushed": pushed, "replaced": replaced, "stale_annotated": [t["task_id"] for t in stale], "stale_tasks": stale,
            "duplicate_tasks": duplicate_tasks(refs, current_keys), "config_advice": config_advice, "model_version": mv,
        }
        if update_predictions:
            summary["predictions"] = refresh_predictions(ws, client, pid, mv, refs)
        return summary


class _DocumentPlaces:
    """How many workspace documents come from each record and each source (push's test for "an
    older task of the same document" when the ``doc_id`` changed with the text)."""

    def __init__(self) -> None:
        self.records: Counter[str] = Counter()
        self.sources: Counter[str] = Counter()

    def add(self, doc: Document) -> None:
        self.records[document_record(doc)] += 1
        self.sources[doc.source] += 1

    def one_document(self, ref: TaskRef) -> bool:
        """True when exactly one workspace document comes from the task's record (a task pushed
        before records were sent: from its source)."""
        if ref.record is not None:
            return self.records.get(ref.record) == 1
        return ref.source is not None and self.sources.get(ref.source) == 1


def retire_older_versions(
    client: StudioClient, refs: list[TaskRef], current_keys: set[tuple[str, str]], places: _DocumentPlaces
) -> tuple[int, list[dict[str, Any]]]:
    """Deal with the older versions of workspace documents once every current version is in the
    project: a task that is not a current ``(doc_id, text_sha256)`` but has the ``doc_id`` of a
    workspace document, or (its ``doc_id`` left the workspace) the record of exactly one workspace
    document, is deleted when nobody touched it; one with human work is kept and returned as
    ``{"task_id", "doc_id", "record"}``. Tasks of documents no longer in the workspace are left
    alone. Returns ``(deleted, kept)``."""
    current_ids = {doc_id for doc_id, _ in current_keys}
    replaced, stale = 0, []
    for ref in refs:
        if ref.key in current_keys:
            continue
        if not (ref.key[0] in current_ids or places.one_document(ref)):
            continue  # a document no longer in the workspace: not push's to delete
        if ref.touched or client.has_human_work(ref.id):  # the listing does not show drafts
            stale.append({"task_id": ref.id, "doc_id": ref.key[0], "record": ref.record or ref.source})
        else:
            client.delete_task(ref.id)
            replaced += 1
    return replaced, stale


def duplicate_tasks(refs: list[TaskRef], current_keys: set[tuple[str, str]]) -> list[dict[str, Any]]:
    """Workspace documents that the project holds more than once with their current text (the
    tasks were imported twice, or by hand beside push): ``[{"doc_id", "record", "task_ids"}]``,
    by ``doc_id``. Push warns; pull merges all their annotations through the policy together."""
    by_key: dict[tuple[str, str], list[TaskRef]] = {}
    for ref in refs:
        if ref.key in current_keys:
            by_key.setdefault(ref.key, []).append(ref)
    return [
        {"doc_id": key[0], "record": group[0].record or group[0].source, "task_ids": sorted(r.id for r in group)}
        for key, group in sorted(by_key.items()) if len(group) > 1
    ]


class _Rows:
    """JSON lines appended to a scratch file and read back by byte offset (so a merge holds offsets,
    not rows, in memory)."""

    def __init__(self, path: Path):
        self._f = path.open("w+b")

    def add(self, line: bytes) -> int:
        self._f.seek(0, os.SEEK_END)
        off = self._f.tell()
        self._f.write(line.rstrip(b"\n") + b"\n")
        return off

    def get(self, off: int) -> bytes:
        self._f.seek(off)
        return self._f.readline().rstrip(b"\n")

    def close(self) -> None:
        self._f.close()


def _row_index(path: Path) -> dict[str, list[int]]:
    """``doc_id`` → byte offsets of its rows (one per task) in a saved ``annotations.jsonl``."""
    index: dict[str, list[int]] = {}
    if not path.is_file():
        return index
    with path.open("rb") as f:
        while True:
            off = f.tell()
            line = f.readline()
            if not line:
                return index
            if line.strip():
                row = json.loads(line)
                index.setdefault(str((row.get("data") or {}).get(DOC_ID_KEY)), []).append(off)


def _read_line(f: Any, off: int) -> bytes:
    f.seek(off)
    return f.readline().rstrip(b"\n")


def _dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True)  # as write_jsonl_atomic writes rows


def merge_export(
    workspace: Path | str,
    tasks: Iterable[dict[str, Any]],
    *,
    policy: str = "ground-truth-latest",
    config_xml: str | None = None,
    origin: str = "import",
    progress: bool = False,
    project_tasks: int | None = None,
) -> dict[str, Any]:
    """Merge exported ``tasks`` (any iterable: a list, or :func:`.merge.iter_export` streaming a file)
    into the workspace with the rules of :mod:`.merge`; write the documents, ``annotations.jsonl``
    and a report file; return the summary (with ``report`` = its path).

    Streaming, in two passes: (1) each task is schema-checked and appended to a scratch file in the
    workspace, keeping only ``doc_id`` → (position, byte offset) in memory; (2) the document shards
    are read one at a time, each document with tasks is merged with all of its tasks together, this
    export's and those saved in ``annotations.jsonl`` (:func:`.merge.merge_document`: their
    annotations go through ``policy`` as one set, whatever their order in the export), and a
    shard is written to the new ``documents`` folder only when one of its documents changed
    (unchanged shards are hard-linked). The folder is swapped in at the end
    (:meth:`Workspace.publish_documents`), and ``annotations.jsonl`` is rewritten only when a saved
    task changed: a merge that changes nothing writes nothing but its report. Memory: one shard,
    the tasks of one document (usually one; a document imported N times holds N at once), and
    O(annotated tasks + saved annotations) small index entries (doc_id, offsets, positions) plus
    the report items. Reports are listed in export order (a document's merge reports at the place
    of its first task). Counts add up: ``tasks`` = ``merged`` + ``skipped`` + ``not_merged``
    (tasks), ``documents`` counts the documents reviewed, ``several_tasks`` those merged from
    more than one task.

    ``project_tasks``: the project's task count when ``tasks`` holds only its annotated tasks (as
    :func:`pull` exports them); the tasks left out (no annotation at all) are added to ``tasks``
    and ``skipped`` and reported as one ``unannotated`` item. The summary's ``written`` says what
    was rewritten (``{"document_shards": int, "annotations": bool}``).

    Raises :class:`StudioError` for an unknown policy, and for a JSON_MIN or non-task item (during
    pass 1, so before anything is written); :class:`~corpus_builder.errors.InputError` for a file
    that is not valid JSON.
    """
    ws = Workspace(workspace).require()
    ws.check_owned()
    if policy not in POLICIES:
        raise StudioError(f"unknown merge policy {policy!r}; choose one of {', '.join(POLICIES)}")
    cfg = parse_config(config_xml or labeling_config())
    reports: list[tuple[int, ReportItem]] = []
    pending: dict[str, list[tuple[int, int]]] = {}
    task_records: set[str] = set()  # the records the pending tasks name (explain a doc_id that left the workspace)
    n_tasks = merged = documents = several = shards_written = 0
    annotations_written = False
    old_f = None
    with temporary_dir(ws.root, ".merge-") as tmp, _progress(progress) as bar:
        spill = _Rows(Path(tmp) / "tasks.jsonl")
        try:
            # pass 1: check and spill every task; keep doc_id -> [(position, offset)]
            for seq, task in enumerate(tasks):
                n_tasks += 1
                problem = task_problem(task)
                if problem is not None:
                    reports.append((seq, problem))
                    continue
                row = {k: v for k, v in task.items() if k != "drafts"}
                pending.setdefault(str(task["data"][DOC_ID_KEY]), []).append((seq, spill.add(_dumps(row).encode("utf-8"))))
                task_records.update(r for r in (task_record(task), str(task["data"].get("source"))) if r)
            job = bar.add_task("merge → workspace", total=n_tasks, completed=n_tasks - sum(map(len, pending.values())))
            # pass 2: shard by shard; every task of a document (this export's and the saved ones) merged together
            old_index = _row_index(ws.annotations_path) if pending else {}
            old_f = ws.annotations_path.open("rb") if old_index else None
            changed_rows: dict[str, list[tuple[bool, int]]] = {}  # doc_id -> its new saved rows: (in the spill?, offset)
            order: dict[str, int] = {}  # workspace position of every doc_id with a saved task
            staging = ws.root / (DOCUMENTS_DIR + ".new")
            locators: dict[str, list[str]] = {}  # record/source -> doc_ids, for the records the tasks name
            if pending:
                ws.remove_owned(staging)
                staging.mkdir(parents=True)
                pos = 0
                for shard in ws.document_shards():
                    out_lines: list[str] = []
                    shard_changed = False
                    with shard.open(encoding="utf-8") as f:
                        for line in f:
                            line = line.rstrip("\n")
                            if not line.strip():
                                continue
                            d = json.loads(line)
                            doc_id = str(d.get("doc_id"))
                            for loc in {_row_record(d), str(d.get("source"))} & task_records:
                                locators.setdefault(loc, []).append(doc_id)
                            pos += 1
                            if doc_id in old_index:
                                order[doc_id] = pos
                            todo = pending.pop(doc_id, None)
                            if todo:
                                new_line, rows = _merge_one(Document.from_dict(d), todo, spill, old_f, old_index.get(doc_id, []), cfg, policy, reports)
                                bar.advance(job, len(todo))
                                if new_line is not None:
                                    merged += rows.tasks_merged
                                    documents += 1
                                    several += rows.several
                                    order[doc_id] = pos
                                    shard_changed |= new_line != line
                                    line = new_line
                                    if rows.changed:
                                        changed_rows[doc_id] = rows.rows
                            out_lines.append(line)
                    target = staging / shard.name
                    if shard_changed:
                        shards_written += 1
                        write_lines_atomic(target, out_lines)
                    else:
                        _link_or_copy(shard, target)
                if shards_written:
                    ws.publish_documents(staging)
                else:
                    ws.remove_owned(staging)
            for doc_id, todo in pending.items():  # tasks naming a document the workspace does not have
                for seq, off in todo:
                    task = json.loads(spill.get(off))
                    reports.append((seq, unknown_doc_report(task, locators)))
                    bar.advance(job)
            if changed_rows:
                keys = sorted(set(old_index) | set(changed_rows), key=lambda k: (order.get(k, float("inf")), k))
                tmp_path = ws.annotations_path.with_name(ws.annotations_path.name + ".tmp")
                with tmp_path.open("wb") as out:
                    for k in keys:
                        for in_spill, off in changed_rows.get(k) or [(False, o) for o in old_index[k]]:
                            out.write((spill.get(off) if in_spill else _read_line(old_f, off)) + b"\n")
                if old_f is not None:
                    old_f.close()
                os.replace(tmp_path, ws.annotations_path)
                annotations_written = True
                ws.record_annotations_digest()  # the documents now hold what the file says
        finally:
            spill.close()
            if old_f is not None:
                old_f.close()
    items = [r for _, r in sorted(reports, key=lambda x: x[0])]
    unexported = max(0, project_tasks - n_tasks) if project_tasks is not None else 0
    if unexported:
        items.append(ReportItem("unannotated", f"{unexported} tasks have no annotation at all: not exported (only annotated tasks are "
                                "downloaded), counted as skipped; their documents are left as they are", detail=f"count={unexported}"))
    summary = MergeResult(reports=items, tasks_seen=n_tasks, tasks_merged=merged, several_tasks=several).summary()
    summary.update(tasks=n_tasks + unexported, documents=documents, skipped=summary["skipped"] + unexported)
    summary["policy"] = policy
    summary["written"] = {"document_shards": shards_written, "annotations": annotations_written}
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    kind = origin.split()[0]
    report_path = ws.reports_dir / f"{kind}-{stamp}.json"
    report_path.parent.mkdir(parents=True, exist_ok=True)
    tmp_report = report_path.with_name(report_path.name + ".tmp")
    tmp_report.write_text(
        json.dumps({"origin": origin, "summary": summary, "items": [r.to_dict() for r in items]}, ensure_ascii=False, indent=2) + "\n",
        encoding="utf-8",
    )
    os.replace(tmp_report, report_path)
    summary["report"] = str(report_path)
    return summary


class _SavedRows(NamedTuple):
    """What :func:`_merge_one` says of a merged document's rows in ``annotations.jsonl``."""

    rows: list[tuple[bool, int]]  # (in the spill?, byte offset), in task order
    changed: bool
    tasks_merged: int
    several: bool


def _merge_one(
    doc: Document, todo: list[tuple[int, int]], spill: _Rows, old_f: Any, saved_offsets: list[int], cfg: Any, policy: str,
    reports: list[tuple[int, ReportItem]],
) -> tuple[str | None, _SavedRows]:
    """Merge one document's tasks of this export (``todo``: (position, spill offset)) with its
    tasks saved in ``annotations.jsonl`` (:func:`.merge.merge_document`); return its new
    serialised line (``None`` when not merged) and its saved rows afterwards: the saved rows of
    other tasks, then this export's merged tasks (a newer export of a saved task replaces its row),
    ordered by task. Memory: the document's tasks."""
    incoming = [json.loads(spill.get(off)) for _, off in todo]
    saved = [json.loads(_read_line(old_f, off)) for off in saved_offsets]
    local: list[ReportItem] = []
    m = merge_document(doc, incoming, cfg, policy, local, saved=saved)
    reports.extend((todo[0][0], r) for r in local)  # a document's reports at the place of its first task, as merge_tasks
    if m.document is None:
        return None, _SavedRows([], False, 0, False)
    new_ids = {task_identity(incoming[i]): i for i in m.merged}  # the last row of one task wins
    rows = [(task_identity(t), (False, off), t) for t, off in zip(saved, saved_offsets) if task_identity(t) not in new_ids]
    rows += [(ident, (True, todo[i][1]), incoming[i]) for ident, i in new_ids.items()]
    rows.sort(key=lambda r: _task_order(r[2], r[0]))
    old_bytes = [_read_line(old_f, off) for off in saved_offsets]
    new_bytes = [spill.get(off) if in_spill else _read_line(old_f, off) for _, (in_spill, off), _ in rows]
    several = len(m.document.meta["studio"]["task_ids"]) > 1
    return _dumps(m.document.to_dict()), _SavedRows([r[1] for r in rows], new_bytes != old_bytes, len(m.merged), several)


def _task_order(task: dict[str, Any], identity: str) -> tuple[str, int, str]:
    tid = task.get("id")
    return (str(task.get("project") or ""), tid if isinstance(tid, int) else -1, identity)


def _row_record(d: dict[str, Any]) -> str:
    """:func:`.tasks.document_record` of a serialised document row (without building the Document)."""
    ingest = (d.get("meta") or {}).get("ingest")
    rec = ingest.get("record") if isinstance(ingest, dict) else None
    return str(rec) if rec else str(d.get("source"))


def _link_or_copy(src: Path, dst: Path) -> None:
    """Put ``src`` (a shard of ours) at ``dst`` as a hard link (a copy across file systems) and
    record it in the ledger of ``dst``'s folder."""
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)
    record_written(dst)


def apply_export(workspace: Path | str, tasks: Any, *, policy: str = "ground-truth-latest", config_xml: str | None = None, origin: str = "import") -> dict[str, Any]:
    """Merge a full JSON export held in memory (a list of tasks, or one task) into the workspace:
    :func:`merge_export` after :func:`.merge.check_full_export`."""
    return merge_export(workspace, check_full_export(tasks, origin), policy=policy, config_xml=config_xml, origin=origin)


def pull(
    workspace: Path | str,
    project: str | None = None,
    *,
    project_id: int | None = None,
    policy: str = "ground-truth-latest",
    client: StudioClient | None = None,
    url: str | None = None,
    api_key: str | None = None,
    export_timeout: float | None = None,
    progress: bool = True,
) -> dict[str, Any]:
    """Export project ``project`` (a title) or ``project_id`` (:func:`resolve_project`; never
    created here) (full JSON of its annotated tasks, cancelled/skipped annotations
    included) into a temporary file in the workspace and merge it shard by shard
    (:func:`merge_export`); return the summary (``tasks`` = the project's task count, ``merged``,
    ``skipped`` (no usable annotation, including tasks nobody annotated), ``not_merged``,
    ``reported``, ``results_rejected``, ``utf16_converted``, ``reanchored``, ``trimmed``, ``policy``,
    ``written``, ``report``, ``project_id``, ``export_bytes``).

    ``progress``: a status line while Label Studio builds and sends the export, then a progress bar
    over the merged tasks (on stderr; drawn only on a terminal). ``export_timeout``: seconds the
    export request may take (default: the client's, see :class:`StudioClient`). Pulling twice gives
    the same documents and writes no document or ``annotations.jsonl`` the second time. Raises
    :class:`StudioError` when the project is missing or the export fails or times out."""
    ws = Workspace(workspace).require()
    _require_project(project, project_id)
    if export_timeout is not None and client is not None:
        raise ConfigError("pass export_timeout to the StudioClient you pass as client, not to pull")
    client = client or StudioClient(url, api_key, export_timeout=export_timeout)
    pid, _ = resolve_project(client, project, project_id, create=False)
    name = repr(project) if project else f"project {pid}"
    config_xml = client.project_config(pid)
    n_project = client.project_task_count(pid)
    with ws.lock("studio pull"), temporary_dir(ws.root, ".pull-") as tmp:
        export_path = Path(tmp) / f"project-{pid}-export.json"
        with _status(progress, f"Label Studio is building the export of {name} ({n_project} tasks)…") as status:
            got = [0]

            def on_bytes(n: int) -> None:
                got[0] += n
                status(f"downloading the export of {name}: {got[0] / 1e6:.1f} MB")

            size = client.download_export(pid, export_path, only_annotated=True, on_bytes=on_bytes)
        summary = merge_export(
            ws.root, iter_export(export_path), policy=policy, config_xml=config_xml, origin=f"pull project {pid} ({project or 'by id'}) at {client.url}",
            progress=progress, project_tasks=n_project,
        )
    summary["project_id"] = pid
    summary["export_bytes"] = size
    return summary


def export_tasks(workspace: Path | str, out: Path | str, *, model_version: str | None = None, overwrite: bool = False) -> int:
    """Write the workspace's tasks (with predictions) to ``out`` as a JSON list that Label Studio's
    import accepts; return the number of tasks. The labeling config is ``studio config``'s output.

    An existing ``out`` is never replaced unless ``overwrite``, and then only when it is a task
    file (:func:`_is_task_file`; anything else may be someone's file): raises
    :class:`ConfigError` naming it, as for a folder. The file is written to a fresh temporary name beside ``out``
    and renamed, so an interrupted run leaves no half file and touches no other file."""
    ws = Workspace(workspace).require()
    with ws.reading("studio export-tasks"):
        return _export_tasks(ws, Path(out), model_version=model_version, overwrite=overwrite)


def _export_tasks(ws: Workspace, out: Path, *, model_version: str | None, overwrite: bool) -> int:
    import tempfile

    if out.is_dir():
        raise ConfigError(f"{out} is a folder: --out takes a file name (e.g. {out / 'tasks.json'})")
    if os.path.lexists(out):
        if not overwrite:
            raise ConfigError(f"{out} exists: export-tasks never replaces a file; choose another --out, or pass --overwrite")
        if out.is_symlink() or not _is_task_file(out):
            raise ConfigError(
                f"{out} exists and is not a task file (a JSON list of tasks with data.{DOC_ID_KEY}, as export-tasks writes): "
                "--overwrite replaces only such a file; choose another --out"
            )
    mv = model_version or default_model_version(ws)
    tasks = [document_to_task(d, mv) for d in ws.iter_documents()]
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(json.dumps(tasks, ensure_ascii=False, indent=1) + "\n")
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return len(tasks)


def _is_task_file(path: Path) -> bool:
    """True when ``path`` holds a JSON list of tasks that each have ``data.doc_id`` (what
    :func:`export_tasks` writes; an empty list too): the only kind of file ``--overwrite`` may
    replace (fourth fresh-user trial: it replaced a text file of notes)."""
    try:
        tasks = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(tasks, list) and all(isinstance(t, dict) and isinstance(t.get("data"), dict) and DOC_ID_KEY in t["data"] for t in tasks)


def import_annotations(
    workspace: Path | str, file: Path | str, *, policy: str = "ground-truth-latest", config_xml: str | None = None, progress: bool = False
) -> dict[str, Any]:
    """Merge a full JSON export file (or a workspace's ``annotations.jsonl``) into the workspace,
    streaming it (:func:`.merge.iter_export`, :func:`merge_export`); return the summary as
    :func:`pull` does. JSON_MIN/CSV files are refused (:class:`StudioError`) before anything is written."""
    Workspace(workspace).require()
    with Workspace(workspace).lock("studio import-annotations"):
        return _merge_file(workspace, file, policy=policy, config_xml=config_xml, progress=progress)


def _merge_file(workspace: Path | str, file: Path | str, *, policy: str, config_xml: str | None = None, progress: bool = False) -> dict[str, Any]:
    """:func:`import_annotations` without taking the workspace lock (for a caller that holds it)."""
    return merge_export(workspace, iter_export(file), policy=policy, config_xml=config_xml, origin=f"import {file}", progress=progress)


def reapply_annotations(workspace: Path | str, *, policy: str = "ground-truth-latest") -> dict[str, Any] | None:
    """Merge ``<workspace>/annotations.jsonl`` back into the workspace documents (after ``prepare``
    rebuilt them as predicted); ``None`` when the workspace has no saved annotations. Same summary as
    :func:`import_annotations`; documents whose text changed are reported, not merged."""
    ws = Workspace(workspace).require()
    if not ws.annotations_path.is_file():
        return None
    return _merge_file(ws.root, ws.annotations_path, policy=policy)  # prepare holds the workspace lock


def check_saved_annotations(workspace: Path | str) -> int:
    """Read the whole of ``<workspace>/annotations.jsonl`` (the reviews ``prepare`` merges back
    after rebuilding the documents) and return its number of tasks; 0 without the file. Raises
    :class:`InputError` (unreadable file, a line that is not JSON) or :class:`StudioError` (a line
    that is not a full-format task) naming the file and line. ``prepare`` calls it before its long
    work and again just before it replaces the documents, so a file it could not merge stops the
    run with the reviewed documents still in place (fresh-user trial: a hand-added line made the
    merge fail after the documents were replaced, and the next release published every reviewed
    document as ``predicted``)."""
    ws = Workspace(workspace)
    if not ws.annotations_path.is_file():
        return 0
    return sum(1 for _ in iter_export(ws.annotations_path))


def format_summary(summary: dict[str, Any]) -> str:
    """One human line for a pull/import summary: the tasks (``merged`` + ``skipped`` + ``not
    merged`` = ``tasks``), the documents reviewed (and how many of them had several tasks), then
    ``reported`` (spans and regions left out) and the other report counts."""
    labels = {
        "tasks": "tasks", "merged": "merged", "skipped": "skipped", "not_merged": "not merged",
        "documents": "documents reviewed", "several_tasks": "documents with several tasks",
        "reported": "spans left out", "results_rejected": "results rejected", "utf16_converted": "utf16 converted",
        "reanchored": "reanchored", "trimmed": "trimmed", "mid_word": "spans inside a word",
    }
    if summary.get("all_content"):  # (shown only when it happened: a line every pull reads)
        labels["all_content"] = "documents made all content (no boilerplate region)"
    return ", ".join(f"{label}: {summary.get(k, 0)}" for k, label in labels.items()) + f" (policy {summary.get('policy')}; report {summary.get('report')})"
