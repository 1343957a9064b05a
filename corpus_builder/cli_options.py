"""Command-line options shared by several typer apps (``corpus-builder``, ``studio``, ``evaluate``),
defined once so that every command spells and explains them the same way."""

from __future__ import annotations

from typing import Annotated

import typer

PROGRESS_HELP = (
    "Show progress bars and status lines on stderr (on a terminal); --no-progress turns them off, "
    "e.g. for logs and scripts. The summary is printed either way."
)
#: ``--progress/--no-progress`` (default on), for every command that can run for long.
ProgressOpt = Annotated[bool, typer.Option("--progress/--no-progress", help=PROGRESS_HELP)]
