"""The ``corpus-builder`` command line: parse options, call one library function, report.

Every :class:`~corpus_builder.errors.CorpusBuilderError` becomes one line on stderr and exit code 1
(never a traceback for a user mistake).
"""

from __future__ import annotations

import re
import shutil
import signal
import sys
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from . import __version__
from .errors import ConfigError, CorpusBuilderError
from .pipeline import DEFAULT_MODEL, PrepareOptions, RunSummary, available_cpus, prepare, release_workspace

app = typer.Typer(
    name="corpus-builder",
    help=(
        "Turn raw documents (.txt, .html, .jsonl) into cleaned, segmented, pre-annotated, versioned "
        "NLP datasets.\n\nTypical use: `corpus-builder build examples/articles --name demo --version 0.1.0` "
        "writes releases/demo/0.1.0/, which loads with datasets.load_dataset('releases/demo/0.1.0', 'sentences')."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # help texts contain literal brackets: 'corpus-builder[ray]'
)
console = Console(stderr=True, soft_wrap=True)
out = Console(soft_wrap=True)

InputsArg = Annotated[
    list[Path],
    typer.Argument(help="Files or folders (searched recursively) of .txt, .html/.htm and .jsonl documents, optionally .gz."),
]
ModelOpt = Annotated[str, typer.Option("--model", help="spaCy pipeline used for entities (installed package name).")]
BoilerplateModelOpt = Annotated[
    Optional[Path],
    typer.Option(
        "--boilerplate-model",
        help="Block classifier file for the boilerplate labels, written by `corpus-builder train boilerplate` "
        "(default: the model shipped in the package). Named with its sha256 in the workspace and the release manifest.",
    ),
]
WorkersOpt = Annotated[
    Optional[int],
    typer.Option(
        "--workers", min=1,
        help="Processes that clean and annotate (default: the available cores; the local engine uses at most that many). "
        "Each loads the spaCy model (~400 MB).",
    ),
]
ShardOpt = Annotated[
    int,
    typer.Option(
        "--shard-size", min=1,
        help="Documents per workspace shard: the unit of parallel work and of resume. A corpus of one shard runs in one process.",
    ),
]
ShardRowsOpt = Annotated[
    int, typer.Option("--shard-rows", min=1, help="Rows per Parquet file of the release (each config, each split).")
]
EngineOpt = Annotated[
    str,
    typer.Option("--engine", help="local: a process pool on this machine; ray: Ray Data (pip install 'corpus-builder[ray]')."),
]
RayAddressOpt = Annotated[
    Optional[str], typer.Option("--ray-address", help="Ray cluster address (e.g. ray://head:10001); default: start a local one.")
]
StrictOpt = Annotated[bool, typer.Option("--strict", help="Fail (exit 1, nothing written) if any input is rejected.")]
NameOpt = Annotated[str, typer.Option("--name", help="Release name: folder under the releases dir (letters, digits, - _ .).")]
VersionOpt = Annotated[str, typer.Option("--version", help="Release version, semantic versioning X.Y.Z; never overwritten.")]
ReleasesDirOpt = Annotated[Path, typer.Option("--releases-dir", help="Folder that holds <name>/<version>/ releases.")]
SplitOpt = Annotated[
    str,
    typer.Option("--split", help="train/validation/test shares per document, e.g. 80/10/10 (deterministic from doc_id)."),
]


def _version_callback(value: bool) -> None:
    if value:
        out.print(f"corpus-builder {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version_callback, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """corpus-builder command line."""


@contextmanager
def _errors_to_exit():
    """Library errors → one line and exit 1; Ctrl-C → exit 130; SIGTERM (a scheduler, ``docker
    stop``, a CI timeout) → exit 143. Both signals unwind the run, so worker processes are stopped."""
    previous = signal.signal(signal.SIGTERM, _raise_terminated) if threading.current_thread() is threading.main_thread() else None
    try:
        yield
    except CorpusBuilderError as e:
        console.print("[bold red]error:[/]", escape(str(e)), highlight=False)
        raise typer.Exit(1) from None
    except KeyboardInterrupt:
        console.print("[yellow]interrupted[/]: run the same command again to resume")
        raise typer.Exit(130) from None
    except _Terminated:
        console.print("[yellow]terminated[/] (SIGTERM): run the same command again to resume")
        raise typer.Exit(143) from None
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


class _Terminated(BaseException):
    """SIGTERM, raised in the main thread like KeyboardInterrupt so that cleanup runs."""


def _raise_terminated(signum: int, frame: object) -> None:
    raise _Terminated()


@contextmanager
def _progress():
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("documents"),
        TimeElapsedColumn(),
        console=console,
        transient=False,
        disable=not console.is_terminal and "pytest" in sys.modules,
    ) as progress:

        def factory(description: str, total: int | None):
            for earlier in progress.tasks:  # a new stage: the previous one is done, its clock stops
                if not earlier.finished:
                    progress.update(earlier.id, total=earlier.completed)
                    progress.stop_task(earlier.id)
            task = progress.add_task(description, total=total)
            return lambda n: progress.advance(task, n)

        yield factory


def parse_split(value: str) -> tuple[float, float, float]:
    """Parse ``"80/10/10"`` (percent or fractions, summing to 100 or 1) into three fractions."""
    parts = re.split(r"[/,:]", value)
    try:
        nums = [float(p) for p in parts]
    except ValueError:
        raise ConfigError(f"--split {value!r}: expected three numbers like 80/10/10") from None
    if len(nums) != 3 or any(n < 0 for n in nums):
        raise ConfigError(f"--split {value!r}: expected three non-negative numbers like 80/10/10")
    if sum(nums) <= 0:
        raise ConfigError(f"--split {value!r}: the shares sum to 0; give e.g. 80/10/10")
    total = sum(nums)
    if abs(total - 100) > 1e-6 and abs(total - 1) > 1e-6:
        raise ConfigError(f"--split {value!r}: shares must sum to 100 (or 1), got {total:g}")
    return tuple(n / total for n in nums)  # type: ignore[return-value]


def print_summary(summary: RunSummary, title: str = "Summary") -> None:
    """Print the end-of-run summary (documents in/kept/rejected with reasons, sentences, entities...)."""
    d = summary.to_dict()
    t = Table(title=title, show_header=False)
    t.add_column("what")
    t.add_column("count", justify="right")
    t.add_row("documents in", str(d["documents_in"]))
    t.add_row("documents kept", str(d["documents_kept"]))
    t.add_row("documents rejected", str(d["documents_rejected"]))
    for reason, n in d["reject_reasons"].items():
        t.add_row(f"  rejected: {reason}", str(n))
    t.add_row("blocks (boilerplate)", f"{d['blocks']} ({d['boilerplate_blocks']})")
    for label, n in d["boilerplate_labels"].items():
        t.add_row(f"  boilerplate: {label}", str(n))
    share = d["boilerplate_sentences"] / d["sentences"] if d["sentences"] else 0.0
    t.add_row("sentences", str(d["sentences"]))
    t.add_row("boilerplate share (sentences)", f"{share:.1%}")
    for label, n in d["entities"].items():
        t.add_row(f"entities: {label}", str(n))
    t.add_row("words", str(d["words"]))
    console.print(t)
    if d["documents_in"] == 0:
        console.print("[yellow]warning:[/] no input file was found (searched for .txt, .html, .htm, .jsonl, optionally .gz)")
    for r in summary.rejects[:20]:
        console.print("  [yellow]rejected[/]", escape(f"{r.source}: {r.reason}" + (f" ({r.detail})" if r.detail else "")), highlight=False)
    if len(summary.rejects) > 20:
        console.print(f"  ... and {len(summary.rejects) - 20} more (see rejects.jsonl / the manifest)")


def _prepare(inputs, workspace, model, workers, shard_size, strict, engine="local", ray_address=None, boilerplate_model=None) -> RunSummary:
    options = PrepareOptions(
        model=model, workers=workers, shard_size=shard_size, strict=strict, engine=engine, ray_address=ray_address,
        boilerplate_model=str(boilerplate_model) if boilerplate_model else None,
    )
    cpus = available_cpus()
    if workers is not None and engine == "local" and workers > cpus:
        console.print(f"[yellow]warning[/]: --workers {workers} is more than the {cpus} available cores: using {cpus}")
    with _progress() as factory:
        return prepare(inputs, workspace, options, progress_factory=factory)


@app.command("prepare")
def prepare_cmd(
    inputs: InputsArg,
    workspace: Annotated[Path, typer.Option("--workspace", "-w", help="Workspace folder to write (created if needed).")],
    model: ModelOpt = DEFAULT_MODEL,
    workers: WorkersOpt = None,
    shard_size: ShardOpt = 100,
    strict: StrictOpt = False,
    engine: EngineOpt = "local",
    ray_address: RayAddressOpt = None,
    boilerplate_model: BoilerplateModelOpt = None,
) -> None:
    """Ingest, clean, split and pre-annotate INPUTS into a workspace.

    The workspace holds the documents (with blocks, sentences and predicted entities) and the list
    of rejected inputs with reasons. Re-running on the same inputs is idempotent; an interrupted
    run resumes where it stopped.
    """
    with _errors_to_exit():
        summary = _prepare(inputs, workspace, model, workers, shard_size, strict, engine, ray_address, boilerplate_model)
    print_summary(summary, f"prepare → {workspace}")
    _print_reapplied(workspace)


def _print_reapplied(workspace: Path) -> None:
    """One line on the human annotations ``prepare`` merged again (saved by earlier pulls)."""
    from .workspace import Workspace

    r = Workspace(workspace).read_info().get("annotations_reapplied")
    if not r:
        return
    line = f"human annotations merged again: {r['merged']} documents"
    if r.get("not_merged"):
        line += (f"; {r['not_merged']} not merged (their text changed: the review is kept in annotations.jsonl and "
                 f"Label Studio, not in the documents; see {r.get('report')})")
    console.print(line, highlight=False, style="yellow" if r.get("not_merged") else None)


@app.command("release")
def release_cmd(
    workspace: Annotated[Path, typer.Option("--workspace", "-w", help="A workspace written by `prepare`.")],
    name: NameOpt,
    version: VersionOpt,
    releases_dir: ReleasesDirOpt = Path("releases"),
    split: SplitOpt = "80/10/10",
    shard_rows: ShardRowsOpt = 100_000,
) -> None:
    """Write a versioned Parquet release from a workspace (dataset card, manifest, 3 configs)."""
    with _errors_to_exit():
        info = release_workspace(
            workspace, name=name, version=version, releases_dir=releases_dir, split=parse_split(split), shard_rows=shard_rows
        )
    _print_release(info)


@app.command("build")
def build_cmd(
    inputs: InputsArg,
    name: NameOpt,
    version: VersionOpt,
    releases_dir: ReleasesDirOpt = Path("releases"),
    split: SplitOpt = "80/10/10",
    shard_rows: ShardRowsOpt = 100_000,
    model: ModelOpt = DEFAULT_MODEL,
    workers: WorkersOpt = None,
    shard_size: ShardOpt = 100,
    strict: StrictOpt = False,
    engine: EngineOpt = "local",
    ray_address: RayAddressOpt = None,
    boilerplate_model: BoilerplateModelOpt = None,
) -> None:
    """prepare + release in one go, with a temporary workspace (the common case)."""
    from .release import check_name, check_version

    with _errors_to_exit():
        # Everything that can be checked before the long prepare run is checked first.
        check_name(name)
        check_version(version)
        fractions = parse_split(split)
        target = releases_dir / name / version
        if target.exists():
            raise ConfigError(f"release {target} already exists; releases are never overwritten: choose another --version")
        tmp = Path(tempfile.mkdtemp(prefix="corpus-builder-"))
        try:
            summary = _prepare(inputs, tmp / "workspace", model, workers, shard_size, strict, engine, ray_address, boilerplate_model)
            print_summary(summary, "prepare")
            info = release_workspace(
                tmp / "workspace", name=name, version=version, releases_dir=releases_dir, split=fractions, shard_rows=shard_rows
            )
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    _print_release(info)


def _print_release(info) -> None:
    out.print(f"release written: {info.path}")
    out.print(f"load it with: datasets.load_dataset({str(info.path)!r}, 'sentences')  # or 'documents', 'ner'")


@app.command("validate")
def validate_cmd(
    release_dir: Annotated[Path, typer.Argument(help="A release folder, e.g. releases/demo/0.1.0.")],
) -> None:
    """Check a release: schemas of every row, offsets, checksums and row counts, and that the dataset card lists exactly its files. Exit 0 if valid, else 1."""
    from .release import validate_release

    with _errors_to_exit():
        problems = validate_release(release_dir)
    if problems:
        for p in problems:
            console.print("[red]✗[/]", escape(p), highlight=False)
        console.print(f"{len(problems)} problem(s) in {release_dir}")
        raise typer.Exit(1)
    out.print(f"✓ {release_dir} is a valid release")


def _train_app() -> typer.Typer:
    """The ``train`` sub-app (created here if no other command made it yet)."""
    existing = next((g.typer_instance for g in app.registered_groups if g.name == "train"), None)
    if existing is not None:
        return existing
    train_app = typer.Typer(help="Retrain the learned components from reviewed documents and gold data.", no_args_is_help=True)
    app.add_typer(train_app, name="train")
    return train_app


train_app = _train_app()


@train_app.command("boilerplate")
def train_boilerplate_cmd(
    sources: Annotated[
        Optional[list[Path]],
        typer.Argument(help="Workspaces (prepare) or releases with reviewed documents: their annotators' block labels are training data."),
    ] = None,
    out_file: Annotated[Path, typer.Option("--out", help="Model file to write (JSON, < 1 MB); use it with prepare/build --boilerplate-model.")] = Path("boilerplate-model.json"),
    gold: Annotated[
        Optional[Path],
        typer.Option("--gold", help="Gold root whose boilerplate/<set>/ pages are added (snippet and article gold)."),
    ] = Path("../shared/data/gold"),
    no_gold: Annotated[bool, typer.Option("--no-gold", help="Train on the reviewed documents only.")] = False,
    cv: Annotated[bool, typer.Option("--cv/--no-cv", help="Cross-validate by site on the gold sets first (figures go into the model file).")] = True,
) -> None:
    """Train the boilerplate block classifier (content vs boilerplate; LightGBM).

    Training data: every block of the reviewed documents of SOURCE workspaces/releases (the
    annotators' labels) plus the boilerplate gold pages under --gold (how their blocks are
    labelled: README, "Boilerplate labels"). The file records its sources with their sha256, the
    parameters and the figures (cross-validated and on the training data).

    Example: corpus-builder train boilerplate ws/ --out models/boilerplate.json, then
    corpus-builder prepare corpus/ -w ws2 --boilerplate-model models/boilerplate.json
    """
    from .boilerplate.train import train_boilerplate

    with _errors_to_exit():
        gold_root = None if no_gold else gold
        if gold_root is not None and not (gold_root / "boilerplate").is_dir():
            raise ConfigError(f"{gold_root}/boilerplate: gold folder not found; pass --gold DIR (the shared gold root) or --no-gold")
        if gold_root is None and not sources:
            raise ConfigError("nothing to train on: give SOURCE workspaces/releases with reviewed documents, or --gold")
        with console.status("training the boilerplate classifier") as status:
            meta = train_boilerplate(list(sources or []), gold_root, out_file, cv=cv, progress=lambda msg: status.update(msg))
    t = Table(title=f"boilerplate model → {out_file}")
    for col in ("gold set", "HTML (cv)", "plain text (cv)", "HTML (training set)", "plain text (training set)"):
        t.add_column(col, justify="left" if col == "gold set" else "right")
    cvf, trf = meta.get("figures_cv", {}), meta.get("figures_training_set", {})
    for name in trf:
        t.add_row(name, *(f"{d.get(name, {}).get(k, float('nan')):.3f}" for d in (cvf, trf) for k in ("html", "text")))
    out.print(t)
    out.print(f"labelled blocks: {meta['labelled_blocks']['html']} (HTML booster), {meta['labelled_blocks']['text']} (text booster); "
              f"sources: {', '.join(s['name'] for s in meta['sources'])}", highlight=False)


def _mount_subapps() -> None:
    """Mount ``corpus-builder studio ...`` and ``corpus-builder evaluate ...``."""
    from .evaluate.cli import evaluate_app
    from .studio.cli import studio_app

    app.add_typer(studio_app, name="studio", help="Label Studio round-trip: serve, config, push, pull, export-tasks, import-annotations.")
    app.add_typer(evaluate_app, name="evaluate", help="Measure our stages and off-the-shelf baselines on gold data.")


_mount_subapps()

if __name__ == "__main__":  # pragma: no cover
    app()
