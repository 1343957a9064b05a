"""``manifest.json``: what a release holds and how it was built (schema ``manifest.schema.json``).

The manifest holds no wall-clock time, so a rebuild from the same inputs and version is
byte-identical, manifest included. Keys: ``format``, ``name``, ``version``, ``schema_version``
(:data:`corpus_builder.records.SCHEMA_VERSION`), ``components`` (name → version of everything
that changes output), ``inputs`` (as given, each with its ``sha256``), ``rejects`` (source, reason,
detail), ``split`` (rule and fractions), ``files`` (path, config, split, sha256, rows, bytes),
``counts`` and ``review`` (reviewed/predicted documents, annotator count, pre-annotation quality),
``card`` (``README.md`` and the sha256 of its bytes: the card is rendered from the manifest
without this key, then hashed into it), plus any extra top-level keys of the caller (the pipeline
adds ``prepare_summary`` (the released documents' counts, after any review merged since ``prepare``) and ``notices``: paths skipped and documents kept with a warning).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

MANIFEST_FILE = "manifest.json"
FORMAT = "corpus-builder-release"


def dumps(manifest: dict[str, Any]) -> str:
    """The manifest as written: UTF-8 JSON, 2-space indent, key order as built, final newline.

    ASCII JSON (``\\uXXXX`` escapes) when a string holds a lone surrogate, which UTF-8 cannot
    encode: an input path given whose name is not valid UTF-8 (``build.input_paths``); it reads
    back as the same path."""
    text = json.dumps(manifest, ensure_ascii=False, indent=2) + "\n"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = json.dumps(manifest, indent=2) + "\n"
    return text


def read_manifest(release: Path) -> dict[str, Any]:
    """Parse ``<release>/manifest.json`` (raises ``FileNotFoundError``/``json.JSONDecodeError``)."""
    return json.loads((Path(release) / MANIFEST_FILE).read_text(encoding="utf-8"))


def missing_manifest_message(path: Path) -> str:
    """The error for a folder without ``manifest.json``; when it holds releases (a
    ``releases/<name>`` folder given instead of ``releases/<name>/<version>``), it names them."""
    path = Path(path)
    versions = sorted(p.name for p in path.iterdir() if (p / MANIFEST_FILE).is_file()) if path.is_dir() else []
    hint = f"; it holds the release(s) {', '.join(str(path / v) for v in versions[:5])}: give one of them" if versions else ""
    return f"{path}: no {MANIFEST_FILE}; not a corpus-builder release{hint}"
