"""Command-line options shared by several typer apps (``corpus-builder``, ``studio``, ``evaluate``),
defined once so that every command spells and explains them the same way."""

from __future__ import annotations

from typing import Annotated, Callable

import typer
from rich.console import Console
from rich.markup import escape

#: stderr, for the errors found while the command line is parsed (the commands print theirs the same way)
_stderr = Console(stderr=True, soft_wrap=True)

PROGRESS_HELP = (
    "Show progress bars and status lines on stderr (on a terminal); --no-progress turns them off, "
    "e.g. for logs and scripts. The summary is printed either way."
)
#: ``--progress/--no-progress`` (default on), for every command that can run for long.
ProgressOpt = Annotated[bool, typer.Option("--progress/--no-progress", help=PROGRESS_HELP)]


def whole_number(option: str, minimum: int, what: str) -> Callable[[object], int]:
    """A typer ``parser`` for an integer option with a lower bound (``--shard-rows``, ``--workers``...).

    A bad value (not a whole number, or below ``minimum``) prints the project's one line on
    stderr, ``error: --shard-rows 0: give a whole number of at least 1 (rows per Parquet file)``,
    and exits 1 at parse time, before any work; click's own two-line usage error (``Try '... --help'``,
    exit 2) was the only message of that shape (fresh-user trial). ``what`` says what the number counts.
    Give the option ``metavar="INTEGER"``: a parser has no type name for ``--help`` to show.
    The library checks the same bounds (:class:`~corpus_builder.errors.ConfigError`) for Python callers."""

    def parse(value: object) -> int:
        if isinstance(value, int) and not isinstance(value, bool):
            n = value
        else:
            try:
                n = int(str(value).strip())
            except ValueError:
                n = None
        if n is None or n < minimum:
            _stderr.print("[bold red]error:[/]", escape(f"{option} {value}: give a whole number of at least {minimum} ({what})"),
                          highlight=False)
            raise typer.Exit(1)
        return n

    return parse
