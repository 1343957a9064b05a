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
Each such write is recorded, before the rename, in the hidden ledger ``.written.jsonl`` of the
folder the file is in (name, size, modification time, sha256: :func:`write_atomic`).

A folder is a workspace when its ``workspace.json`` says so (``"format": "corpus-builder
workspace"``, or, for workspaces written before that key existed, ``plan_key`` + ``schema_version``
+ ``components``). :meth:`Workspace.claim` is the one gate before ``prepare`` writes: it refuses a
non-empty folder that is not a workspace and a workspace that is, contains or lies inside an input,
and marks a new or empty folder as a workspace. Every deletion inside a workspace goes through
:meth:`Workspace.remove_owned`, which deletes a folder only when every file in it has a name this
module writes (:data:`OWNED_FILES`) *and* is in its folder's ledger with the same size and content,
so a file someone else put there (even one named ``part-00007.jsonl``), or one of ours that someone
edited, stops the run instead of being deleted.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .errors import InputError
from .records import Document, Notice, Reject

DOCUMENTS_DIR = "documents"
REJECTS_FILE = "rejects.jsonl"
NOTICES_FILE = "notices.jsonl"
#: Held (``flock``) by the run that writes the workspace: :meth:`Workspace.lock`.
LOCK_FILE = ".lock"
ANNOTATIONS_FILE = "annotations.jsonl"
INFO_FILE = "workspace.json"
REPORTS_DIR = "reports"
STAGING_DIR = "staging"
#: The ``format`` value of every ``workspace.json`` corpus-builder writes: what makes a folder a workspace.
WORKSPACE_FORMAT = "corpus-builder workspace"
#: Hidden file, one per folder, listing the files corpus-builder wrote there (:func:`write_atomic`).
LEDGER_FILE = ".written.jsonl"
#: ``workspace.json`` key set by versions that keep ledgers: in such a workspace a file that is not
#: in its folder's ledger is never deleted. Workspaces written before it are checked by name only
#: until their next run writes ledgers.
LEDGER_KEY = "files_ledger"
#: Files at the workspace root that every ``prepare`` replaces (:meth:`Workspace.check_replaceable`).
REPLACED_FILES = (REJECTS_FILE, NOTICES_FILE)
#: Key of ``workspace.json`` holding the sha256 of ``annotations.jsonl`` as the tool last merged
#: it (``None`` without the file): a hand edit since then makes ``prepare`` rebuild and merge again.
ANNOTATIONS_DIGEST_KEY = "annotations_sha256"

_SHARD = r"part-[0-9]{5}\.jsonl"
_TMP = r"(\.tmp)?"
#: Folders of a workspace that a run replaces or deletes, with the relative paths (regular
#: expressions, ``/``-separated) of the files corpus-builder writes in them. Anything else found
#: there is not ours: :meth:`Workspace.remove_owned` refuses to delete it.
OWNED_FILES: dict[str, re.Pattern[str]] = {
    DOCUMENTS_DIR: re.compile(_SHARD + _TMP),
    DOCUMENTS_DIR + ".new": re.compile(_SHARD + _TMP),
    DOCUMENTS_DIR + ".old": re.compile(_SHARD + _TMP),
    STAGING_DIR: re.compile(
        r"(clean-[0-9]{5}\.jsonl|plan\.json|corpus_stats\.pkl|rejects\.jsonl|notices\.jsonl|inputs\.jsonl|annotated/" + _SHARD + ")" + _TMP
    ),
}


def write_atomic(path: Path, chunks: Iterable[bytes]) -> None:
    """Write ``chunks`` to ``path`` through ``<path>.tmp`` renamed into place, and record the file
    in the ledger of its folder (:data:`LEDGER_FILE`: one JSON line ``{"name", "size",
    "mtime_ns", "sha256"}``) *before* the rename, so a run killed at any point never leaves a file
    of ours that the ledger does not name. The ledger line is one ``O_APPEND`` write, so parallel
    workers writing in one folder do not mix their lines."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    h = hashlib.sha256()
    with tmp.open("wb") as f:
        for chunk in chunks:
            h.update(chunk)
            f.write(chunk)
    st = tmp.stat()
    _append_ledger(path, st.st_size, st.st_mtime_ns, h.hexdigest())
    os.replace(tmp, path)


def record_written(path: Path) -> None:
    """Record in its folder's ledger a file corpus-builder put in place otherwise than by
    :func:`write_atomic` (a hard link or copy of one of its own files)."""
    st = path.stat()
    _append_ledger(path, st.st_size, st.st_mtime_ns, file_sha256(path))


def _append_ledger(path: Path, size: int, mtime_ns: int, sha256: str) -> None:
    line = json.dumps({"name": path.name, "size": size, "mtime_ns": mtime_ns, "sha256": sha256}) + "\n"
    fd = os.open(path.parent / LEDGER_FILE, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line.encode("utf-8"))
    finally:
        os.close(fd)


def file_sha256(path: Path) -> str:
    """sha256 (hex) of the bytes of ``path``, read in 1 MiB chunks."""
    h = hashlib.sha256()
    with Path(path).open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _read_ledger(folder: Path) -> dict[str, list[dict[str, Any]]] | None:
    """name -> its ledger entries (every write of that name, oldest first); None when the folder
    has no ledger. A damaged line (a run killed mid-write) is skipped: it can only make a file look
    foreign, never make a foreign file look ours."""
    path = folder / LEDGER_FILE
    if not path.is_file():
        return None
    entries: dict[str, list[dict[str, Any]]] = {}
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            e = json.loads(line)
            entries.setdefault(str(e["name"]), []).append(e)
        except (ValueError, KeyError, TypeError):
            continue
    return entries


def _written_by_us(path: Path, entries: list[dict[str, Any]]) -> bool:
    """True when ``path`` is, byte for byte, a file the ledger records: same size and either the
    same modification time (the file was not touched since) or the same sha256 (a copy)."""
    st = path.stat()
    same_size = [e for e in entries if e.get("size") == st.st_size]
    if any(e.get("mtime_ns") == st.st_mtime_ns for e in same_size):
        return True
    return bool(same_size) and file_sha256(path) in {e.get("sha256") for e in same_size}


def write_jsonl_atomic(path: Path, rows: Iterable[dict[str, Any]]) -> int:
    """Write ``rows`` as JSON Lines to ``path`` atomically (:func:`write_atomic`); return the number
    of rows written."""
    n = 0

    def lines() -> Iterator[bytes]:
        nonlocal n
        for row in rows:
            n += 1
            yield (json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8")

    write_atomic(path, lines())
    return n


def write_lines_atomic(path: Path, lines: Iterable[str]) -> None:
    """Write already-serialised JSON ``lines`` (no newline) to ``path`` atomically (:func:`write_atomic`)."""
    write_atomic(path, ((line + "\n").encode("utf-8") for line in lines))


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

    def is_workspace(self) -> bool:
        """True when ``workspace.json`` is one corpus-builder wrote (see the module docstring)."""
        return _is_our_info(self.info_path)

    def _not_a_workspace(self) -> InputError:
        if self.info_path.exists():
            why = f"its {INFO_FILE} was not written by corpus-builder"
        else:
            why = f"no {INFO_FILE}"
        return InputError(
            f"{self.root} is not a corpus-builder workspace ({why}); run `corpus-builder prepare INPUT... --workspace NEW_FOLDER` "
            "to make one, in a new or empty folder"
        )

    def require(self, run: str = "this command") -> "Workspace":
        """Return self if this is a workspace where ``prepare`` has completed, else raise
        :class:`InputError`: not a workspace; a first ``prepare`` still running (the lock is held:
        :meth:`lock_holder`), then the message says so and to wait, then run ``run`` again (a
        fresh-user trial was told to run prepare again while it ran); or a first ``prepare`` that
        stopped without finishing (run it again: it resumes)."""
        if not self.is_workspace():
            raise self._not_a_workspace()
        if self.read_info().get("unfinished"):
            holder = self.lock_holder()
            if holder:
                raise InputError(
                    f"workspace {self.root}: its first prepare is in progress ({holder}): wait for it to finish, then run {run} again"
                )
            raise InputError(
                f"workspace {self.root}: its first `prepare` has not finished; run `corpus-builder prepare INPUT... --workspace {self.root}` "
                "again (it resumes)"
            )
        return self

    def claim(self, inputs: Sequence[Path | str] = ()) -> None:
        """Check that ``prepare`` may write here, then mark the folder as a workspace.

        Refused (:class:`InputError`, nothing written): the workspace is one of ``inputs``,
        contains one or lies inside one (paths compared after resolving symlinks: ``prepare
        documents --workspace .`` would replace ``./documents/``, and a workspace inside an input
        would be read back as input); the path or a folder above it is a file; the folder exists,
        is not empty and is not a workspace (:meth:`is_workspace`); a folder the run replaces
        holds a file corpus-builder did not write (:meth:`check_owned`), or a ``rejects.jsonl`` /
        ``notices.jsonl`` there is not the one it wrote (:meth:`check_replaceable`). A new or empty folder gets a
        ``workspace.json`` holding ``format``, ``schema_version`` and ``"unfinished": true`` until
        ``prepare`` completes (:meth:`require` refuses it meanwhile).
        """
        root = self.root.resolve()
        for given in inputs:
            inp = Path(given).resolve()
            if inp == root:
                where = "is the input"
            elif root in inp.parents:
                where = "contains the input"
            elif inp in root.parents:
                where = "is inside the input"
            else:
                continue
            raise InputError(
                f"workspace {self.root} {where} {given}: prepare writes {DOCUMENTS_DIR}/, {STAGING_DIR}/ and {REJECTS_FILE} into "
                "its workspace and would overwrite or re-read the inputs; choose a --workspace folder outside every input"
            )
        if self.root.exists() and not self.root.is_dir() or any(p.is_file() for p in root.parents):
            raise InputError(f"workspace {self.root} cannot be a folder: it, or a folder above it, is a file; choose another --workspace")
        if self.is_workspace():
            self.check_owned()
            for name in REPLACED_FILES:
                self.check_replaceable(self.root / name)
            return
        if self.root.is_dir() and any(self.root.iterdir()):
            raise InputError(
                f"{self.root} is not a corpus-builder workspace (no {INFO_FILE} written by corpus-builder) and is not empty: "
                f"prepare would write {DOCUMENTS_DIR}/, {STAGING_DIR}/ and {REJECTS_FILE} among your files; give a new or empty "
                "--workspace folder"
            )
        from .records import SCHEMA_VERSION

        self.write_info({"schema_version": SCHEMA_VERSION, "unfinished": True, "created_folder": not self.root.exists()})

    def unclaim(self) -> bool:
        """Undo :meth:`claim` for a workspace whose first ``prepare`` never finished (``--strict``
        refused its inputs): delete its ``workspace.json`` and ``.lock`` (files :meth:`claim`
        wrote), and the folder when :meth:`claim` created it and that leaves it empty. Nothing on a workspace a run completed.
        Returns whether it was undone."""
        info = self.read_info() if self.is_workspace() else {}
        if not info.get("unfinished") or self.documents_dir.exists():
            return False
        created = bool(info.get("created_folder"))
        for name in (INFO_FILE, LOCK_FILE):
            (self.root / name).unlink(missing_ok=True)
        if created:  # a folder the user made (empty) stays
            try:
                self.root.rmdir()
            except OSError:
                pass  # something else is there: left as it is
        return True

    @contextmanager
    def lock(self, run: str, *, shared: bool = False) -> Iterator[None]:
        """Hold the workspace for one run: a non-blocking ``flock`` on ``<workspace>/.lock``
        (released when the run ends or its process dies, so a killed run never leaves it held).

        A writing run (``prepare``, ``pull``, ``import-annotations``) takes it exclusively; a run
        that only reads the documents (``release``, ``shared=True``) takes it shared, so several
        readers may run together but none while a writer does. Raises :class:`InputError` naming
        the writing run when one holds it (two runs writing the same shards crashed, and a release
        made during a prepare read half-written shards: fresh-user trials), or, for a writer,
        ``a run reading it`` while a release holds it. The workspace folder must exist."""
        import fcntl

        path = self.root / LOCK_FILE
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 200).decode("utf-8", "replace").strip() or "another run"
            os.close(fd)
            if shared:  # a reader waits for the writer; another workspace would not hold these documents
                writing = re.match(r"corpus-builder (.+?) \(pid", holder)
                doing = f"a {writing.group(1)} is in progress" if writing else "it is being written"
                raise InputError(f"workspace {self.root} is in use by {holder}: {doing}; wait for it to finish, then run {run} again") from None
            raise InputError(f"workspace {self.root} is in use by {holder}: wait for it to finish, or use another --workspace") from None
        try:
            if not shared:
                os.ftruncate(fd, 0)
                os.pwrite(fd, f"corpus-builder {run} (pid {os.getpid()})\n".encode(), 0)
            yield
        finally:
            if not shared:
                os.ftruncate(fd, 0)
                os.pwrite(fd, b"a corpus-builder run that reads it (release)\n", 0)  # what a writer finds while readers hold it
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    def lock_holder(self) -> str | None:
        """Who holds the workspace for writing (``"corpus-builder prepare (pid 123)"``, as
        :meth:`lock` records it), or ``None`` when no writing run holds it (no ``.lock`` yet, or
        only readers). Takes and at once releases a shared lock; writes nothing."""
        import fcntl

        try:
            fd = os.open(self.root / LOCK_FILE, os.O_RDONLY)
        except OSError:
            return None
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return os.read(fd, 200).decode("utf-8", "replace").strip() or "another run"
        else:
            fcntl.flock(fd, fcntl.LOCK_UN)
            return None
        finally:
            os.close(fd)

    def remove_owned(self, folder: Path) -> None:
        """Delete ``folder`` (one of :data:`OWNED_FILES`' folders of this workspace) if every file
        in it is one corpus-builder wrote there (name in :data:`OWNED_FILES`, and recorded in the
        folder's ledger with the same size and content); nothing when it does not exist. Raises
        :class:`InputError` naming the first other file (or symlink) found, deleting nothing.
        ``*.tmp`` files (what a killed run was writing) go by name alone."""
        self._check_owned(folder)
        shutil.rmtree(folder, ignore_errors=True)

    def check_replaceable(self, path: Path) -> None:
        """Raise :class:`InputError` when ``path`` (a file at the workspace root that ``prepare``
        replaces: :data:`REPLACED_FILES`) exists and is not, byte for byte, the file corpus-builder
        wrote there (its folder's ledger records each write: :func:`write_atomic`), so that an
        annotator's notes in ``rejects.jsonl`` are never silently replaced by the next run
        (fresh-user trial). A symlink is never ours. In a workspace written before ledgers
        existed the file is replaced by name alone, as before."""
        if not (path.exists() or path.is_symlink()):
            return
        ledger = _read_ledger(path.parent)
        why = None
        if path.is_symlink() or not path.is_file():
            why = "corpus-builder did not write this file"
        elif ledger is None:
            if _info_get(self.info_path, LEDGER_KEY):
                why = f"corpus-builder did not write this file (no {LEDGER_FILE} in its folder records it)"
        elif path.name not in ledger:
            why = f"corpus-builder did not write this file (its folder's {LEDGER_FILE} does not record it)"
        elif not _written_by_us(path, ledger[path.name]):
            why = "this file was changed after corpus-builder wrote it"
        if why:
            raise InputError(
                f"{path}: {why}, and prepare would replace it with the rejects and notices of this run; "
                f"move it out of {self.root} (or rename it) and run again"
            )

    def check_owned(self) -> None:
        """Raise :class:`InputError` when a folder that runs replace (:data:`OWNED_FILES`) holds a
        file corpus-builder did not write: called before a long run, so it stops before any work."""
        for name in OWNED_FILES:
            self._check_owned(self.root / name)

    @contextmanager
    def reading(self, run: str) -> Iterator[None]:
        """Hold the workspace for a run that reads its documents (``release``, ``studio push``,
        ``export-tasks``): :meth:`lock` shared, then :meth:`check_documents`."""
        with self.lock(run, shared=True):
            self.check_documents()
            yield

    def check_documents(self) -> None:
        """Raise :class:`InputError` when ``documents/`` holds a file corpus-builder did not write
        (or one of its shards edited since): a run that reads the documents (``release``) would
        read it as documents (a foreign ``part-00007.jsonl`` crashed ``release``: fresh-user
        trial); or when a shard its ledger records is gone (:meth:`missing_shards`: a release
        silently lacked a deleted shard's documents)."""
        self._check_owned(self.documents_dir, "would read it as documents of workspace")
        missing = self.missing_shards()
        if missing:
            raise InputError(
                f"workspace {self.root}: {len(missing)} document shard(s) written by its last run are gone "
                f"({', '.join(missing[:5])}); run `corpus-builder prepare` with the same inputs again to rebuild them"
            )

    def missing_shards(self) -> list[str]:
        """Names of the shards the ledger of ``documents/`` records that are no longer there
        (``documents/`` is a new folder at every run, so its ledger names exactly its shards)."""
        ledger = _read_ledger(self.documents_dir) if self.documents_dir.is_dir() else None
        if not ledger:
            return []
        return sorted(n for n in ledger if n.startswith("part-") and not (self.documents_dir / n).is_file())

    def _check_owned(self, folder: Path, purpose: str = "would have to delete it to update workspace") -> None:
        if not folder.exists():
            return
        pattern = OWNED_FILES.get(folder.name) if folder.parent == self.root else None
        if pattern is None:
            raise ValueError(f"{folder} is not a folder corpus-builder writes in workspace {self.root}")
        ledgers_required = bool(_info_get(self.info_path, LEDGER_KEY))
        for dirpath, dirnames, filenames in os.walk(folder):
            ledger = _read_ledger(Path(dirpath))
            for name in sorted(filenames) + sorted(d for d in dirnames if os.path.islink(os.path.join(dirpath, d))):
                path = Path(dirpath) / name
                rel = path.relative_to(folder).as_posix()
                if name == LEDGER_FILE and not path.is_symlink():
                    continue
                why = None
                if path.is_symlink() or not pattern.fullmatch(rel):
                    why = "corpus-builder did not write this file"
                elif name.endswith(".tmp"):
                    continue
                elif ledger is None and ledgers_required:
                    why = f"corpus-builder did not write this file (no {LEDGER_FILE} in its folder records it)"
                elif ledger is not None and name not in ledger:
                    why = f"corpus-builder did not write this file (its folder's {LEDGER_FILE} does not record it)"
                elif ledger is not None and not _written_by_us(path, ledger[name]):
                    why = "this file was changed after corpus-builder wrote it"
                if why:
                    raise InputError(f"{path}: {why}, and the run {purpose} {self.root}; move it out of {folder} and run again")

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
        self.remove_owned(staging)
        staging.mkdir(parents=True, exist_ok=True)
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
        the old or the new shards, never a mix; ``new_dir`` no longer exists afterwards. Raises
        :class:`InputError`, before any change, when the old folder holds a file corpus-builder
        did not write (:meth:`remove_owned`).
        """
        old_dir = self.root / (DOCUMENTS_DIR + ".old")
        self._check_owned(self.documents_dir)
        self.remove_owned(old_dir)
        if self.documents_dir.exists():
            os.replace(self.documents_dir, old_dir)
        os.replace(new_dir, self.documents_dir)
        self.remove_owned(old_dir)

    # --- rejects and info --------------------------------------------------------------------
    def iter_rejects(self) -> Iterator[Reject]:
        if self.rejects_path.is_file():
            for d in read_jsonl(self.rejects_path):
                yield Reject.from_dict(d)

    def write_rejects(self, rejects: Iterable[Reject]) -> int:
        """Replace ``rejects.jsonl``; :class:`InputError` (nothing written) when the file there is
        not the one corpus-builder wrote (:meth:`check_replaceable`)."""
        self.check_replaceable(self.rejects_path)
        return write_jsonl_atomic(self.rejects_path, (r.to_dict() for r in rejects))

    def iter_notices(self) -> Iterator[Notice]:
        """Paths skipped and documents kept with a warning by the last ``prepare`` (none before
        notices existed)."""
        path = self.root / NOTICES_FILE
        if path.is_file():
            for d in read_jsonl(path):
                yield Notice.from_dict(d)

    def write_notices(self, notices: Iterable[Notice]) -> int:
        """Replace ``notices.jsonl``, under the same check as :meth:`write_rejects`."""
        self.check_replaceable(self.root / NOTICES_FILE)
        return write_jsonl_atomic(self.root / NOTICES_FILE, (n.to_dict() for n in notices))

    def read_info(self) -> dict[str, Any]:
        """The ``workspace.json`` object; :class:`InputError` when this is not a workspace."""
        if not self.is_workspace():
            raise self._not_a_workspace()
        return json.loads(self.info_path.read_text(encoding="utf-8"))

    def annotations_digest(self) -> str | None:
        """sha256 (hex) of ``annotations.jsonl`` (:func:`file_sha256`), or ``None`` when it is not a regular file."""
        return file_sha256(self.annotations_path) if self.annotations_path.is_file() else None

    def record_annotations_digest(self) -> None:
        """Store :meth:`annotations_digest` under :data:`ANNOTATIONS_DIGEST_KEY` in
        ``workspace.json`` (kept as is otherwise): called by whatever merged ``annotations.jsonl``
        into the documents, so that ``prepare`` can tell the file it merged from one edited by hand
        since (third fresh-user trial: a valid hand edit was left unapplied, "up to date")."""
        info = _info_dict(self.info_path)
        if info is None:
            return
        self.write_info({**info, ANNOTATIONS_DIGEST_KEY: self.annotations_digest()})

    def write_info(self, info: dict[str, Any]) -> None:
        """Write ``workspace.json`` atomically, with ``format`` = :data:`WORKSPACE_FORMAT` and
        :data:`LEDGER_KEY` (this version keeps ledgers)."""
        self.root.mkdir(parents=True, exist_ok=True)
        tmp = self.info_path.with_name(INFO_FILE + ".tmp")
        info = {**info, "format": WORKSPACE_FORMAT, LEDGER_KEY: 1}
        text = json.dumps(info, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate: an input path that is not valid UTF-8 (PEP 383)
            text = json.dumps(info, indent=2, sort_keys=True) + "\n"  # \\udcxx escapes read back as the same path
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, self.info_path)


def _info_dict(path: Path) -> dict[str, Any] | None:
    """The JSON object in ``path``, or ``None`` when it is missing, unreadable or not an object."""
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return info if isinstance(info, dict) else None


def _info_get(path: Path, key: str) -> Any:
    return (_info_dict(path) or {}).get(key)


def _is_our_info(path: Path) -> bool:
    info = _info_dict(path)
    if info is None:
        return False
    if info.get("format") == WORKSPACE_FORMAT:
        return True
    return "format" not in info and {"plan_key", "schema_version", "components"} <= set(info)  # written before "format"
