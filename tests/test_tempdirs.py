"""Leftovers of killed runs (issue 11, item 7): the next run removes the temporary folders of dead
runs and says so, and never touches those of a live one. Real processes, really killed (SIGKILL)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from corpus_builder import tempdirs
from corpus_builder.cli import app

PROJECT_ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = PROJECT_ROOT / "examples" / "articles"
runner = CliRunner()

#: A process that writes a release whose documents never come: it stays inside write_release,
#: with its ".<version>.tmp-*" folder made, until it is killed.
HANGING_RELEASE = """
import sys, time
from pathlib import Path
from corpus_builder.release import write_release

def documents():
    Path(sys.argv[3]).touch()  # the release folder is being assembled: tell the test
    time.sleep(600)
    yield from ()

write_release(documents(), name="demo", version=sys.argv[2], releases_dir=Path(sys.argv[1]), tokenize=lambda t: [])
"""
#: A process inside tempdirs.temporary_dir (what `build` uses for its workspace) until it is killed.
HANGING_TEMPDIR = """
import sys, time
from pathlib import Path
from corpus_builder.tempdirs import temporary_dir

with temporary_dir(sys.argv[1], "corpus-builder-") as d:
    Path(sys.argv[2]).write_text(str(d))
    time.sleep(600)
"""


def _start(script: str, *args: Path | str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(script), *map(str, args)], env=env)


def _wait_for(path: Path, proc: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert proc.poll() is None, f"the helper process exited early ({proc.returncode})"
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.05)


def _kill(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)


@pytest.mark.slow
def test_build_removes_the_leftovers_of_killed_runs_and_leaves_live_ones(tmp_path, monkeypatch):
    releases, tmp = tmp_path / "releases", tmp_path / "tmp"
    tmp.mkdir()
    procs = []
    try:
        # a killed release and a live one, in releases/demo/
        dead_release = _start(HANGING_RELEASE, releases, "0.9.0", tmp_path / "r1")
        live_release = _start(HANGING_RELEASE, releases, "0.9.1", tmp_path / "r2")
        procs += [dead_release, live_release]
        # a real `build` killed while it prepares in its temporary workspace, and a live temporary folder
        env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "TMPDIR": str(tmp)}
        dead_build = subprocess.Popen(
            [sys.executable, "-m", "corpus_builder.cli", "build", str(EXAMPLES), "--name", "other", "--version", "1.0.0",
             "--releases-dir", str(releases), "--workers", "1"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        live_tmp = _start(HANGING_TEMPDIR, tmp, tmp_path / "t2")
        procs += [dead_build, live_tmp]
        for marker, proc in ((tmp_path / "r1", dead_release), (tmp_path / "r2", live_release), (tmp_path / "t2", live_tmp)):
            _wait_for(marker, proc)
        deadline = time.monotonic() + 120
        while not any((d / tempdirs.OWNER_FILE).exists() for d in tmp.glob("corpus-builder-*") if str(d) != (tmp_path / "t2").read_text()):
            assert dead_build.poll() is None and time.monotonic() < deadline, "build never made its temporary workspace"
            time.sleep(0.05)
        _kill(dead_release)
        _kill(dead_build)
        leftovers = sorted((releases / "demo").glob(".0.9.0.tmp-*")) + [
            d for d in tmp.glob("corpus-builder-*") if str(d) != (tmp_path / "t2").read_text()
        ]
        assert len(leftovers) == 2 and all(p.is_dir() for p in leftovers)  # what kill -9 leaves behind
        live = sorted((releases / "demo").glob(".0.9.1.tmp-*")) + [Path((tmp_path / "t2").read_text())]
        assert len(live) == 2

        # the next build: removes both leftovers, says so, leaves the live runs' folders alone
        monkeypatch.setattr(tempfile, "tempdir", str(tmp))
        r = runner.invoke(app, ["build", str(EXAMPLES), "--name", "demo", "--version", "1.0.0", "--releases-dir", str(releases), "--workers", "1"])
        assert r.exit_code == 0, r.output
        for p in leftovers:
            assert not p.exists()
            assert f"removed {p}: left by a run that was killed" in r.output
        for p in live:
            assert p.is_dir() and (p / tempdirs.OWNER_FILE).is_file() and str(p) not in r.output
        assert sorted(p.name for p in (releases / "demo").iterdir() if not p.name.startswith(".")) == ["1.0.0"]
        assert not [d for d in tmp.glob("corpus-builder-*") if d not in live]  # build removed its own
    finally:
        for proc in procs:
            if proc.poll() is None:
                _kill(proc)


def test_a_folder_is_removed_only_when_its_owner_is_dead_on_this_host(tmp_path):
    # the owner's pid alone is not enough: a pid reused by another process has another start time
    me = tempdirs.Owner.current()
    assert me.is_running()
    assert not tempdirs.Owner(me.pid, me.host, me.started - 3600).is_running()
    folders = {}
    for name, owner in {
        "live": me,
        "reused-pid": tempdirs.Owner(me.pid, me.host, me.started - 3600),
        "other-host": tempdirs.Owner(1, me.host + ".elsewhere", 0.0),
    }.items():
        d = folders[name] = tmp_path / f".x.tmp-{name}"
        d.mkdir()
        (d / tempdirs.OWNER_FILE).write_text(f'{{"pid": {owner.pid}, "host": "{owner.host}", "started": {owner.started}}}')
    (tmp_path / ".x.tmp-no-owner").mkdir()  # not ours, or made before owner files existed
    assert tempdirs.sweep(tmp_path, ".x.tmp-*") == [folders["reused-pid"]]
    assert sorted(p.name for p in tmp_path.iterdir()) == [".x.tmp-live", ".x.tmp-no-owner", ".x.tmp-other-host"]
