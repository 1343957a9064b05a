"""Temporary folders that name their owner, so that a later run can remove those of dead runs.

corpus-builder assembles work in temporary folders: a release in ``releases/<name>/.<version>.tmp-*``
(renamed into place at the end), ``build``'s workspace in ``<tmp>/corpus-builder-*``, a pull's
export in ``<workspace>/.pull-*``, a merge's scratch file in ``<workspace>/.merge-*``. A run stopped
normally (an error, Ctrl-C, SIGTERM) removes its folder; a killed one (``kill -9``, out of memory,
power loss) cannot. So every such folder holds an owner file, :data:`OWNER_FILE`: the pid, the
host name and the start time of the process that made it (``psutil.Process.create_time()``, seconds
since the epoch: a pid reused by a later process has another start time). The next run that makes a
folder of the same kind first sweeps its parent (:func:`sweep`) and removes a folder only when its
owner is on this host and is not running; it logs one line per removed folder (logger
``corpus_builder``; the CLI prints it). A folder whose owner runs, whose owner is on another host
(a shared file system: liveness cannot be checked from here), or that has no readable owner file
(not ours, made by an older version, or being made right now) is left alone.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import socket
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import psutil

OWNER_FILE = ".corpus-builder-owner.json"
#: Two start times of one process read at different moments differ by less than this (seconds):
#: psutil derives it from boot time + clock ticks (1/100 s on Linux).
START_TIME_TOLERANCE = 1.0

log = logging.getLogger("corpus_builder")


@dataclass(frozen=True)
class Owner:
    """The process that made a temporary folder."""

    pid: int
    host: str
    started: float  # psutil create_time(), seconds since the epoch

    @classmethod
    def current(cls) -> "Owner":
        return cls(os.getpid(), socket.gethostname(), psutil.Process().create_time())

    def is_running(self) -> bool:
        """True when a process with this pid and start time runs on this host (a process we may
        not inspect counts as running: never remove what might be in use)."""
        try:
            return abs(psutil.Process(self.pid).create_time() - self.started) < START_TIME_TOLERANCE
        except psutil.NoSuchProcess:
            return False
        except psutil.Error:  # AccessDenied, ZombieProcess...
            return True

    def describe(self) -> str:
        when = datetime.fromtimestamp(self.started, timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
        return f"pid {self.pid} on {self.host}, started {when}"


def release_owner(folder: Path) -> None:
    """Delete ``folder``'s owner file: call it right before the folder is renamed into its final place."""
    (folder / OWNER_FILE).unlink(missing_ok=True)


def make_dir(parent: Path | str, prefix: str) -> Path:
    """Create a new folder ``<parent>/<prefix>XXXXXXXX`` (``tempfile.mkdtemp``: 8 random
    characters, mode 0700) holding this process's :data:`OWNER_FILE`; return its path. ``parent``
    must exist."""
    path = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
    o = Owner.current()
    (path / OWNER_FILE).write_text(json.dumps({"pid": o.pid, "host": o.host, "started": o.started}) + "\n", encoding="utf-8")
    return path


def read_owner(folder: Path) -> Owner | None:
    """The owner recorded in ``folder``, or ``None`` when it has no readable, well-formed owner file."""
    try:
        d = json.loads((folder / OWNER_FILE).read_text(encoding="utf-8"))
        return Owner(int(d["pid"]), str(d["host"]), float(d["started"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def sweep(parent: Path | str, pattern: str) -> list[Path]:
    """Remove the folders ``<parent>/<pattern>`` (a glob, e.g. ``corpus-builder-*``) left by dead runs of this host (see the module
    docstring); return the removed paths, each also logged as a warning. A missing ``parent`` is
    nothing to sweep. Folders without an owner file are counted in one log line, not removed."""
    parent = Path(parent)
    removed: list[Path] = []
    unowned: list[Path] = []
    try:
        candidates = sorted(p for p in parent.glob(pattern) if p.is_dir() and not p.is_symlink())
    except OSError:
        return removed
    host = socket.gethostname()
    for folder in candidates:
        owner = read_owner(folder)
        if owner is None:
            unowned.append(folder)
        elif owner.host == host and not owner.is_running():
            shutil.rmtree(folder, ignore_errors=True)
            if not folder.exists():
                removed.append(folder)
                log.warning("removed %s: left by a run that was killed (%s)", folder, owner.describe())
    if unowned:
        log.info(
            "left alone: %d folder(s) like %s without an owner file (not made by this corpus-builder version); "
            "delete them yourself if no run uses them", len(unowned), unowned[0],
        )  # fmt: skip
    return removed


@contextmanager
def temporary_dir(parent: Path | str, prefix: str) -> Iterator[Path]:
    """Sweep ``parent`` for dead runs' ``prefix*`` folders, make a new owned one (:func:`make_dir`),
    yield it, and remove it at the end whatever happens (a kill leaves it for the next sweep)."""
    sweep(parent, prefix + "*")
    path = make_dir(parent, prefix)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)
