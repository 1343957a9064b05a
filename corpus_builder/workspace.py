"""The workspace: where ``prepare`` leaves documents and ``studio pull`` merges annotations.

Layout (all JSON Lines are UTF-8, one record per line, records as in :mod:`corpus_builder.records`)::

    <workspace>/
      workspace.json            schema version, component versions, inputs (path, sha256), options
      documents/part-00000.jsonl  Document records (shards, in input order)
      rejects.jsonl             Reject records (inputs that produced no document, with reasons)
      notices.jsonl             Notice records (paths skipped, documents kept with a warning)
      annotations.jsonl         human annotations pulled from Label Studio, one per document
      reports/                  reports of pulls/imports (spans that did not fit, unknown labels...)

Writes go to a temporary file renamed into place, so an interrupted run never leaves half a file.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from .errors import InputError
from .records import Document, Notice, Reject

DOCUMENTS_DIR = "documents"
REJECTS_FILE = "rejects.jsonl"
NOTICES_FILE = "notices.jsonl"
ANNOTATIONS_FILE = "annotations.jsonl"
INFO_FILE = "workspace.json"
REPORTS_DIR = "reports"


def write_jsonl_atomic(path: Path, rows: Iterable[dict[str, Any]]) -> int:
    """Write ``rows`` as JSON Lines to ``path`` atomically; return the number of rows written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    n = 0
    with tmp.open("w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False, sort_keys=True))
            f.write("\n")
            n += 1
    os.replace(tmp, path)
    return n


def read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    """Yield the records of a JSON Lines file; :class:`InputError` names the file and line on bad JSON."""
    with path.open(encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                yield json.loads(line)
            except json.JSONDecodeError as e:
                raise InputError(f"{path}:{lineno}: not valid JSON ({e.msg})") from e


class Workspace:
    """A workspace folder (see the module docstring for its layout)."""

    def __init__(self, root: Path | str):
        self.root = Path(root)

    # --- paths -------------------------------------------------------------------------------
    @property
    def documents_dir(self) -> Path:
        return self.root / DOCUMENTS_DIR

    @property
    def rejects_path(self) -> Path:
        return self.root / REJECTS_FILE

    @property
    def annotations_path(self) -> Path:
        return self.root / ANNOTATIONS_FILE

    @property
    def reports_dir(self) -> Path:
        return self.root / REPORTS_DIR

    @property
    def info_path(self) -> Path:
        return self.root / INFO_FILE

    def require(self) -> "Workspace":
        """Return self, or raise :class:`InputError` if this is not a prepared workspace."""
        if not self.info_path.is_file():
            raise InputError(
                f"{self.root} is not a prepared workspace (no {INFO_FILE}); run `corpus-builder prepare INPUT... --workspace {self.root}` first"
            )
        return self

    # --- documents ---------------------------------------------------------------------------
    def document_shards(self) -> list[Path]:
        return sorted(self.documents_dir.glob("part-*.jsonl"))

    def iter_documents(self) -> Iterator[Document]:
        """Yield every document, shard by shard, in input order (streaming: one shard line at a time)."""
        for shard in self.document_shards():
            for d in read_jsonl(shard):
                yield Document.from_dict(d)

    def write_document_shard(self, index: int, documents: Iterable[Document]) -> int:
        """Write shard ``index`` (``documents/part-{index:05d}.jsonl``) atomically; return its row count."""
        return write_jsonl_atomic(self.documents_dir / f"part-{index:05d}.jsonl", (d.to_dict() for d in documents))

    def rewrite_documents(self, documents: Iterable[Document], shard_size: int = 1000) -> int:
        """Replace all shards with ``documents`` (re-sharded by ``shard_size`` rows); return the count."""
        staging = self.root / (DOCUMENTS_DIR + ".new")
        staging.mkdir(parents=True, exist_ok=True)
        for old in staging.glob("*"):
            old.unlink()
        n, shard, buf = 0, 0, []
        for doc in documents:
            buf.append(doc.to_dict())
            n += 1
            if len(buf) >= shard_size:
                write_jsonl_atomic(staging / f"part-{shard:05d}.jsonl", buf)
                shard, buf = shard + 1, []
        if buf or shard == 0:
            write_jsonl_atomic(staging / f"part-{shard:05d}.jsonl", buf)
        self.publish_documents(staging)
        return n

    def publish_documents(self, new_dir: Path) -> None:
        """Make the shards in ``new_dir`` (a folder on the same file system) the workspace documents.

        The old folder is moved aside before the new one is renamed into place, so readers see either
        the old or the new shards, never a mix; ``new_dir`` no longer exists afterwards.
        """
        old_dir = self.root / (DOCUMENTS_DIR + ".old")
        shutil.rmtree(old_dir, ignore_errors=True)
        if self.documents_dir.exists():
            os.replace(self.documents_dir, old_dir)
        os.replace(new_dir, self.documents_dir)
        shutil.rmtree(old_dir, ignore_errors=True)

    # --- rejects and info --------------------------------------------------------------------
    def iter_rejects(self) -> Iterator[Reject]:
        if self.rejects_path.is_file():
            for d in read_jsonl(self.rejects_path):
                yield Reject.from_dict(d)

    def write_rejects(self, rejects: Iterable[Reject]) -> int:
        return write_jsonl_atomic(self.rejects_path, (r.to_dict() for r in rejects))

    def iter_notices(self) -> Iterator[Notice]:
        """Paths skipped and documents kept with a warning by the last ``prepare`` (none before
        notices existed)."""
        path = self.root / NOTICES_FILE
        if path.is_file():
            for d in read_jsonl(path):
                yield Notice.from_dict(d)

    def write_notices(self, notices: Iterable[Notice]) -> int:
        return write_jsonl_atomic(self.root / NOTICES_FILE, (n.to_dict() for n in notices))

    def read_info(self) -> dict[str, Any]:
        self.require()
        return json.loads(self.info_path.read_text(encoding="utf-8"))

    def write_info(self, info: dict[str, Any]) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        tmp = self.info_path.with_name(INFO_FILE + ".tmp")
        tmp.write_text(json.dumps(info, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        os.replace(tmp, self.info_path)
