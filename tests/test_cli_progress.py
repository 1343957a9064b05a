"""What long commands print (issue 11, smaller items): one shared --progress/--no-progress option on
every long command, and an "up to date" line when prepare has nothing to do."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from corpus_builder.cli import app
from corpus_builder.cli_options import PROGRESS_HELP

PROJECT_ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = PROJECT_ROOT / "examples" / "articles"
GOLD = PROJECT_ROOT / "tests" / "data" / "eval" / "gold"
runner = CliRunner()

LONG_COMMANDS = [
    ("prepare",), ("build",), ("release",), ("evaluate", "sentences"), ("evaluate", "entities"), ("evaluate", "boilerplate"),
    ("evaluate", "all"), ("studio", "push"), ("studio", "pull"), ("studio", "import-annotations"),
]  # fmt: skip


def _command(path: tuple[str, ...]):
    """The click command (typer's own click) of ``corpus-builder <path...>``."""
    cmd = typer.main.get_command(app)
    for name in path:
        cmd = cmd.get_command(cmd.context_class(cmd), name)
        assert cmd is not None, f"no command {' '.join(path)}"
    return cmd


@pytest.mark.parametrize("path", LONG_COMMANDS, ids=" ".join)
def test_every_long_command_has_the_same_progress_option(path):
    options = [p for p in _command(path).params if "--progress" in p.opts]
    assert len(options) == 1, f"{' '.join(path)} has no --progress/--no-progress"
    (opt,) = options
    assert opt.secondary_opts == ["--no-progress"] and opt.default is True and opt.help == PROGRESS_HELP


def _run(*args) -> str:
    r = runner.invoke(app, [str(a) for a in args])
    assert r.exit_code == 0, r.output
    return r.output


def test_no_progress_turns_the_bars_off(tmp_path, monkeypatch):
    monkeypatch.setenv("FORCE_COLOR", "1")  # rich draws as on a terminal
    monkeypatch.delenv("TTY_COMPATIBLE", raising=False)
    out = _run("prepare", EXAMPLES, "--workspace", tmp_path / "a", "--workers", "1")
    assert "Annotating" in out
    out = _run("prepare", EXAMPLES, "--workspace", tmp_path / "b", "--workers", "1", "--no-progress")
    assert "Annotating" not in out and "Reading and cleaning" not in out and "documents kept" in out
    out = _run("release", "--workspace", tmp_path / "a", "--name", "d", "--version", "1.0.0", "--releases-dir", tmp_path / "rel")
    assert "Writing the release" in out
    out = _run("release", "--workspace", tmp_path / "b", "--name", "d", "--version", "1.0.1", "--releases-dir", tmp_path / "rel", "--no-progress")
    assert "Writing the release" not in out and "release written" in out
    out = _run("evaluate", "sentences", "--gold", GOLD, "--no-baselines")
    assert "Evaluating" in out
    out = _run("evaluate", "sentences", "--gold", GOLD, "--no-baselines", "--no-progress")
    assert "Evaluating" not in out and "tiny-fr-dev" in out


def test_rerunning_prepare_on_unchanged_inputs_says_it_is_up_to_date(tmp_path):
    ws = tmp_path / "ws"
    first = _run("prepare", EXAMPLES, "--workspace", ws, "--workers", "1")
    assert "up to date" not in first
    again = _run("prepare", EXAMPLES, "--workspace", ws, "--workers", "1")
    assert f"workspace {ws} is up to date: 5 documents, nothing to do" in again
    (tmp_path / "more").mkdir()
    (tmp_path / "more" / "x.txt").write_text("Une nouvelle phrase à Brest.\n", encoding="utf-8")
    changed = _run("prepare", EXAMPLES, tmp_path / "more", "--workspace", ws, "--workers", "1")
    assert "up to date" not in changed
