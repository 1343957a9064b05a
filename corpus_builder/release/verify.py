"""Rebuild a release from its inputs and compare it file by file (``corpus-builder verify``).

The manifest says how the release was built (``build``: the input paths as given to
``prepare``, shard size, rows per Parquet file, ``--dedup``, the sha256 of the workspace's
``annotations.jsonl``), with what (``components``, the split fractions) and from what
(``inputs``: source and sha256 of every input document). :func:`verify_release` runs
``prepare`` and ``release`` again in a temporary folder with the same options and compares the
sha256 of every data file, the card and the manifest. When something differs it says which
component versions differ between the release and this machine (spaCy, the model, the rule sets,
pyarrow...), and which inputs changed or are missing, since those are what change the output.

A release built from human annotations is rebuilt with the same ``annotations.jsonl`` (give the
workspace's file, ``--annotations``): without it the reviewed documents come back as predictions.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ConfigError, InputError
from ..workspace import file_sha256
from .features import SPLITS
from .manifest import MANIFEST_FILE
from .read import Release


@dataclass
class VerifyResult:
    """What :func:`verify_release` found: ``identical`` when every file matches; ``files``: one
    entry per file (``path``, ``status`` = ``same``/``differs``/``missing``/``extra``, the
    ``rebuilt`` path when it differs); ``components``: ``{name: [release, rebuilt]}`` that differ;
    ``inputs``: ``{"changed": [...], "missing": [...], "new": [...]}`` (by source and sha256)."""

    release: Path
    identical: bool
    files: list[dict[str, Any]] = field(default_factory=list)
    components: dict[str, list] = field(default_factory=dict)
    inputs: dict[str, list] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def _resolve_inputs(release: Release, given: list[Path] | None) -> tuple[Path, list[Path]]:
    """``(folder to run prepare from, input paths)``: the given ones from here, else the
    manifest's ``build.input_paths`` from the first folder where they all exist."""
    if given:
        missing = [str(p) for p in given if not p.exists()]
        if missing:
            raise InputError(f"input(s) not found: {', '.join(missing)}")
        return Path.cwd(), given
    recorded = (release.manifest.get("build") or {}).get("input_paths") or []
    if not recorded:
        raise ConfigError(f"{release.path}: the manifest records no input paths (built before `verify` existed); give them: "
                          "corpus-builder verify RELEASE INPUT...")
    # as given to prepare: relative to where it ran; try here, then above the releases folder.
    # The rebuild runs prepare from that folder with the paths as recorded, so that the manifest's
    # build.input_paths come out the same (absolute paths made every rebuild differ).
    for base in (Path.cwd(), *release.path.resolve().parents[2:]):
        if all((Path(p) if Path(p).is_absolute() else base / p).exists() for p in recorded):
            return base, [Path(p) for p in recorded]
    raise InputError(f"the inputs recorded in {release.path / MANIFEST_FILE} ({', '.join(recorded)}) are not found from here; "
                     "give them: corpus-builder verify RELEASE INPUT...")


@contextmanager
def _working_dir(path: Path) -> Iterator[None]:
    """Run a block from ``path`` (``contextlib.chdir`` is Python 3.11+; we support 3.10)."""
    old = Path.cwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(old)


def _previous(release: Release, given: Path | None) -> Path | None:
    changes = release.manifest.get("changes")
    if not changes:
        return None
    since = changes["since"]
    candidates = [given] if given else [release.path.parent / since["version"]]
    for c in candidates:
        if c is not None and (c / MANIFEST_FILE).is_file() and file_sha256(c / MANIFEST_FILE) == since["manifest_sha256"]:
            return c
    raise InputError(f"{release.path} was released with --previous {since['name']} {since['version']} "
                     f"(manifest sha256 {since['manifest_sha256'][:16]}…), which is not found; give it with --previous")


def verify_release(
    release_path: str | Path,
    inputs: list[Path] | None = None,
    *,
    annotations: Path | None = None,
    previous: Path | None = None,
    workers: int | None = None,
    keep: Path | None = None,
) -> VerifyResult:
    """Rebuild release ``release_path`` and compare every file's sha256 (see the module docstring).

    ``inputs``: the input files/folders (default: the manifest's ``build.input_paths``, resolved
    from the current folder, then from the folders above the releases folder); ``annotations``: the
    workspace's ``annotations.jsonl`` when the release has reviewed documents; ``previous``: the
    release named by ``changes.since`` (default: the sibling version folder, checked by its
    manifest sha256); ``keep``: a folder to keep the rebuilt release in (default: a temporary one,
    removed). Raises :class:`InputError` when inputs, annotations or the previous release cannot be
    found, :class:`ConfigError` when the manifest lacks what a rebuild needs.
    """
    from ..pipeline import PrepareOptions, prepare, release_workspace

    release = Release(release_path)
    m = release.manifest
    build = m.get("build") or {}
    base, paths = _resolve_inputs(release, inputs)
    prev = _previous(release, previous)
    result = VerifyResult(release.path, identical=False)
    want_annotations = build.get("annotations_sha256")
    if annotations is not None:
        if not annotations.is_file():
            raise InputError(f"--annotations {annotations}: not a file")
        if want_annotations and file_sha256(annotations) != want_annotations:
            result.notes.append(f"{annotations} is not the annotations.jsonl the release was built with (sha256 differs)")
    elif want_annotations:
        result.notes.append("the release was built with human annotations (annotations.jsonl); without --annotations its reviewed "
                            "documents come back as predictions")
    model = m.get("components", {}).get("model")
    tmp = Path(tempfile.mkdtemp(prefix="corpus-builder-verify-"))
    try:
        ws = tmp / "workspace"
        if annotations is not None:
            # the workspace is claimed first (its workspace.json), so that prepare takes the
            # annotations file as the workspace's own and merges it (a folder holding only the
            # copied file was refused as "not a workspace and not empty": fresh-user trial, 2026-12-03)
            from ..workspace import Workspace

            Workspace(ws).claim(paths)
            shutil.copyfile(annotations, ws / "annotations.jsonl")
        options = PrepareOptions(model=model or PrepareOptions().model, workers=workers, shard_size=build.get("shard_size") or 100)
        with _working_dir(base):
            prepare(paths, ws, options)
        fractions = tuple(m["split"]["fractions"][s] for s in SPLITS)
        rebuilt = release_workspace(
            ws, name=m["name"], version=m["version"], releases_dir=tmp / "releases", split=fractions,  # type: ignore[arg-type]
            shard_rows=build.get("shard_rows") or 100_000, previous=prev, dedup=build.get("dedup") or "split",
        )
        new = Release(rebuilt.path)
        _compare(release, new, result)
        if keep is not None:
            shutil.copytree(rebuilt.path, keep)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return result


def _compare(old: Release, new: Release, result: VerifyResult) -> None:
    def key(f: dict[str, Any]) -> tuple:
        return (f["config"], f["split"], f["path"].split("-of-")[0])

    old_files = {key(f): f for f in old.manifest["files"]}
    new_files = {key(f): f for f in new.manifest["files"]}
    for k in sorted(set(old_files) | set(new_files)):
        a, b = old_files.get(k), new_files.get(k)
        if a and b:
            result.files.append({"path": a["path"], "status": "same" if a["sha256"] == b["sha256"] else "differs",
                                 **({} if a["sha256"] == b["sha256"] else {"rebuilt": b["path"]})})
        elif a:
            result.files.append({"path": a["path"], "status": "missing"})
        else:
            result.files.append({"path": b["path"], "status": "extra"})  # type: ignore[index]
    for name in ("README.md", MANIFEST_FILE):
        same = (old.path / name).is_file() and file_sha256(old.path / name) == file_sha256(new.path / name)
        result.files.append({"path": name, "status": "same" if same else "differs"})
    oc, nc = old.manifest.get("components", {}), new.manifest.get("components", {})
    result.components = {k: [oc.get(k), nc.get(k)] for k in dict.fromkeys([*oc, *nc]) if oc.get(k) != nc.get(k)}
    oi = {(i.get("source"), i["sha256"]) for i in old.manifest.get("inputs", [])}
    ni = {(i.get("source"), i["sha256"]) for i in new.manifest.get("inputs", [])}
    old_sources = {s for s, _ in oi}
    new_sources = {s for s, _ in ni}
    result.inputs = {
        "changed": sorted({s for s, _ in oi - ni} & new_sources, key=str),
        "missing": sorted(old_sources - new_sources, key=str),
        "new": sorted(new_sources - old_sources, key=str),
    }
    if old.manifest.get("schema_version") != new.manifest.get("schema_version"):
        result.components["schema_version"] = [old.manifest.get("schema_version"), new.manifest.get("schema_version")]
    result.identical = all(f["status"] == "same" for f in result.files)
