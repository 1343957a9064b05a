"""Read a release on disk, one row at a time (for ``export``, ``diff``, ``agreement``, ``verify``).

The manifest says which files a config and split have, in order; rows are streamed from those
Parquet files in record batches (memory: one batch), in the order the writer wrote them (documents
in workspace order inside each split; a document's sentences in ``sent_index`` order).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from ..errors import ReleaseError
from ..workspace import file_sha256
from .features import CONFIGS, SPLITS
from .manifest import MANIFEST_FILE, missing_manifest_message, read_manifest

#: Rows per record batch when streaming a Parquet file.
BATCH_ROWS = 1_000


class Release:
    """A release folder ``<releases_dir>/<name>/<version>/`` opened through its manifest.

    Raises :class:`ReleaseError` when ``path`` is not a folder or has no readable manifest.
    ``check_hashes``: before a file is read, its sha256 is compared with the manifest's and a
    mismatch raises :class:`ReleaseError` (run ``corpus-builder validate`` for the full list).
    """

    def __init__(self, path: str | Path, *, check_hashes: bool = True) -> None:
        self.path = Path(path)
        self.check_hashes = check_hashes
        if not self.path.is_dir():
            raise ReleaseError(f"{self.path}: not a folder; give a release folder such as releases/demo/0.1.0")
        try:
            self.manifest: dict[str, Any] = read_manifest(self.path)
        except FileNotFoundError:
            raise ReleaseError(missing_manifest_message(self.path)) from None
        except json.JSONDecodeError as e:
            raise ReleaseError(f"{self.path / MANIFEST_FILE}: not valid JSON ({e.msg}, line {e.lineno})") from None
        if not isinstance(self.manifest.get("files"), list):
            raise ReleaseError(f"{self.path / MANIFEST_FILE}: has no 'files' list; not a corpus-builder release")

    @classmethod
    def from_manifest(cls, path: str | Path, manifest: dict[str, Any]) -> "Release":
        """A release whose manifest is given instead of read (a release being written)."""
        self = cls.__new__(cls)
        self.path, self.check_hashes, self.manifest = Path(path), True, manifest
        return self

    @property
    def label(self) -> str:
        """``name version`` from the manifest."""
        return f"{self.manifest.get('name')} {self.manifest.get('version')}"

    def files(self, config: str, split: str | None = None) -> list[dict[str, Any]]:
        """Manifest entries of ``config`` (and ``split`` if given), in manifest order."""
        if config not in CONFIGS:
            raise ReleaseError(f"unknown config {config!r}; a release has {', '.join(CONFIGS)}")
        return [f for f in self.manifest["files"] if f["config"] == config and (split is None or f["split"] == split)]

    def splits(self, config: str) -> list[str]:
        """Splits of ``config`` that have at least one row, in :data:`SPLITS` order."""
        return [s for s in SPLITS if any(f["rows"] for f in self.files(config, s))]

    def iter_rows(self, config: str, split: str, columns: Sequence[str] | None = None) -> Iterator[dict[str, Any]]:
        """Rows of ``config``/``split`` as dicts (only ``columns`` if given), in written order."""
        for entry in self.files(config, split):
            path = self.path / entry["path"]
            if not path.is_file():
                raise ReleaseError(f"{path}: listed in {MANIFEST_FILE} but missing")
            if self.check_hashes and file_sha256(path) != entry["sha256"]:
                raise ReleaseError(f"{path}: sha256 differs from {MANIFEST_FILE} (changed after release); run corpus-builder validate")
            pf = pq.ParquetFile(path)
            for batch in pf.iter_batches(batch_size=BATCH_ROWS, columns=list(columns) if columns else None):
                yield from batch.to_pylist()

    def iter_all(self, config: str, columns: Sequence[str] | None = None) -> Iterator[tuple[str, dict[str, Any]]]:
        """``(split, row)`` for every row of ``config``, splits in :data:`SPLITS` order."""
        for split in SPLITS:
            for row in self.iter_rows(config, split, columns):
                yield split, row
