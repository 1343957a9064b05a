"""Byte identity across processes: the same inputs and version give the same release files.

``test_release.py`` rebuilds twice inside one process, which cannot see a split keyed on Python's
``hash()`` (salted per process by ``PYTHONHASHSEED``) or a date written into the manifest: both
are the same twice in one process. Here two CLI builds run in subprocesses with different hash
seeds, time zones 26 hours apart, and the clock of the second moved 400 days on
(``tests/data/clock_shift.py``), and every file of the two releases is compared byte for byte,
manifest and card included.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = PROJECT_ROOT / "examples" / "articles"


def _build(tmp: Path, name: str, *, seed: str, tz: str, days: int) -> Path:
    releases = tmp / name
    env = {**os.environ, "PYTHONHASHSEED": seed, "TZ": tz, "PYTHONPATH": str(PROJECT_ROOT)}
    cmd = [sys.executable, str(PROJECT_ROOT / "tests" / "data" / "clock_shift.py"), str(days), "build", str(EXAMPLES),
           "--name", "demo", "--version", "1.0.0", "--releases-dir", str(releases), "--workers", "1"]
    proc = subprocess.run(cmd, env=env, cwd=tmp, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return releases / "demo" / "1.0.0"


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.slow
def test_two_cli_builds_with_other_hash_seeds_and_dates_are_byte_identical(tmp_path):
    a = _files(_build(tmp_path, "a", seed="1", tz="Etc/GMT+12", days=0))
    b = _files(_build(tmp_path, "b", seed="2", tz="Etc/GMT-14", days=400))
    assert "manifest.json" in a and "README.md" in a and sum(p.endswith(".parquet") for p in a) >= 3
    assert sorted(a) == sorted(b), "the two builds wrote different file names (a name carries its content hash)"
    differ = [p for p in a if a[p] != b[p]]
    assert differ == [], {p: (hashlib.sha256(a[p]).hexdigest()[:12], hashlib.sha256(b[p]).hexdigest()[:12]) for p in differ}
