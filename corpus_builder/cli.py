"""The ``corpus-builder`` command line: parse options, call one library function, report.

Every :class:`~corpus_builder.errors.CorpusBuilderError` becomes one line on stderr and exit code 1
(never a traceback for a user mistake).
"""

from __future__ import annotations

import logging
import re
import signal
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
from .cli_options import ProgressOpt, whole_number
from .entities.train import DEFAULT_BASE
from .errors import ConfigError, CorpusBuilderError
from .langtags import primary_language
from .pipeline import DEFAULT_MODEL, PrepareOptions, RunSummary, available_cpus, prepare, release_workspace
from .tempdirs import temporary_dir

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


class _ConsoleHandler(logging.Handler):
    """The library's notices (logger ``corpus_builder``: leftovers of killed runs removed...) as
    one ``note:`` line each on stderr."""

    def emit(self, record: logging.LogRecord) -> None:
        console.print("[yellow]note:[/]", escape(record.getMessage()), highlight=False)


_library_log = logging.getLogger("corpus_builder")
if not any(isinstance(h, _ConsoleHandler) for h in _library_log.handlers):
    _library_log.addHandler(_ConsoleHandler(logging.INFO))
    _library_log.setLevel(logging.INFO)
    _library_log.propagate = False

InputsArg = Annotated[
    list[Path],
    typer.Argument(metavar="INPUT", help="Files or folders (searched recursively) of .txt, .html/.htm and .jsonl documents, optionally .gz."),
]
ModelOpt = Annotated[
    str,
    typer.Option(
        "--model",
        help="spaCy pipeline for entities: an installed name or a folder written by `train entities`, or one per "
        "language, e.g. fr=models/presse,en=en_core_web_sm. Documents in a language without a model get no entities.",
    ),
]
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
        "--workers", parser=whole_number("--workers", 1, "worker processes; default: the available cores"), metavar="INTEGER",
        help="Processes that clean and annotate (default: the available cores; the local engine uses at most that many). "
        "Each loads the spaCy model (~400 MB).",
    ),
]
ShardOpt = Annotated[
    int,
    typer.Option(
        "--shard-size", parser=whole_number("--shard-size", 1, "documents per workspace shard"), metavar="INTEGER",
        help="Documents per workspace shard: the unit of parallel work and of resume. A corpus of one shard runs in one process.",
    ),
]
ShardRowsOpt = Annotated[
    int, typer.Option("--shard-rows", parser=whole_number("--shard-rows", 1, "rows per Parquet file"), metavar="INTEGER", help="Rows per Parquet file of the release (each config, each split).")
]
EngineOpt = Annotated[
    str,
    typer.Option("--engine", metavar="[local|ray]", help="local: a process pool on this machine; ray: Ray Data (pip install 'corpus-builder[ray]')."),
]
RayAddressOpt = Annotated[
    Optional[str], typer.Option("--ray-address", help="Ray cluster address (e.g. ray://head:10001); default: start a local one.")
]
StrictOpt = Annotated[bool, typer.Option("--strict", help="Fail (exit 1, nothing written) if any input is rejected or kept with a warning (invalid bytes dropped, an invalid JSONL lang ignored); hidden files skipped do not count.")]
NameOpt = Annotated[
    str, typer.Option("--name", help="Release name: folder under the releases dir (ASCII letters, digits, - _ .; at most 255 bytes).")
]
VersionOpt = Annotated[
    str,
    typer.Option(
        "--version",
        help="Release version, SemVer 2.0.0: X.Y.Z, optionally -pre.release and +build (1.0.0, 1.0.0-rc.1, 1.0.0-alpha+build.5); "
        "never overwritten.",
    ),
]
ReleasesDirOpt = Annotated[Path, typer.Option("--releases-dir", help="Folder that holds <name>/<version>/ releases.")]
DedupOpt = Annotated[
    str,
    typer.Option(
        "--dedup",
        metavar="[split|near|off]",
        help="Near-duplicates (MinHash LSH, Jaccard >= 0.8 on word 5-grams of the content text, e.g. the same wire story on two "
        "sites): split = keep them, all members of a cluster in one split (default); near = keep one per cluster (the reviewed "
        "one first), the others are rejects naming the kept document; off = do not look for them.",
    ),
]
SplitOpt = Annotated[
    str,
    typer.Option("--split", help="train/validation/test shares, e.g. 80/10/10. Deterministic: a document goes by a hash of its doc_id, "
                        "near-duplicates together by their cluster's smallest doc_id (see --dedup)."),
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
    from .boilerplate.classifier import lean_lightgbm

    lean_lightgbm()  # this process is ours: LightGBM without its sklearn/pandas integrations


@contextmanager
def _errors_to_exit(resume_hint: str = "nothing half-written is kept; run the same command again (it starts over)"):
    """Library errors, and file-system errors on a named path, → one line and exit 1; Ctrl-C →
    exit 130; SIGTERM (a scheduler, ``docker stop``, a CI timeout) → exit 143. Both signals unwind
    the run, so worker processes are stopped; ``resume_hint`` says what to do next."""
    previous = signal.signal(signal.SIGTERM, _raise_terminated) if threading.current_thread() is threading.main_thread() else None
    try:
        yield
    except CorpusBuilderError as e:
        console.print("[bold red]error:[/]", escape(str(e)), highlight=False)
        raise typer.Exit(1) from None
    except OSError as e:
        if e.filename is None:  # not a path the user gave or chose: a bug, keep the traceback
            raise
        # an output path under a file, a folder not writable, a full disk...: the user's to fix
        where = f"{e.filename} → {e.filename2}" if e.filename2 else str(e.filename)
        console.print("[bold red]error:[/]", escape(f"{where}: {e.strerror or e}"), highlight=False)
        raise typer.Exit(1) from None
    except KeyboardInterrupt:
        console.print(f"[yellow]interrupted[/]: {resume_hint}")
        raise typer.Exit(130) from None
    except _Terminated:
        console.print(f"[yellow]terminated[/] (SIGTERM): {resume_hint}")
        raise typer.Exit(143) from None
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


class _Terminated(BaseException):
    """SIGTERM, raised in the main thread like KeyboardInterrupt so that cleanup runs."""


def _raise_terminated(signum: int, frame: object) -> None:
    raise _Terminated()


@contextmanager
def _progress(enabled: bool = True):
    """A rich progress bar per stage on stderr; yields the ``progress_factory`` of
    :func:`~corpus_builder.pipeline.prepare` (``--no-progress``: ``enabled=False``, nothing drawn)."""
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("documents"),
        TimeElapsedColumn(),
        console=console,
        transient=False,
        disable=not enabled or not console.is_terminal,  # a log file gets the summary, not bar frames
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
    """Print the end-of-run summary (documents in/kept/rejected with reasons, sentences, entities...)
    on stdout: it is the command's result (``prepare ... > run.log`` keeps it); errors and progress
    go to stderr."""
    d = summary.to_dict()
    t = Table(title=title, show_header=False)
    t.add_column("what")
    t.add_column("count", justify="right")
    t.add_row("documents in", str(d["documents_in"]))
    t.add_row("documents kept", str(d["documents_kept"]))
    t.add_row("documents rejected", str(d["documents_rejected"]))
    for reason, n in d["reject_reasons"].items():
        t.add_row(f"  rejected: {reason}", str(n))
    for reason, n in d["inputs_skipped"].items():
        t.add_row(f"paths skipped: {reason}", str(n))
    for reason, n in d["warnings"].items():
        t.add_row(f"documents kept with a warning: {reason}", str(n))
    t.add_row("blocks (boilerplate)", f"{d['blocks']} ({d['boilerplate_blocks']})")
    for label, n in d["boilerplate_labels"].items():
        t.add_row(f"  boilerplate: {label}", str(n))
    share = d["boilerplate_sentences"] / d["sentences"] if d["sentences"] else 0.0
    t.add_row("sentences", str(d["sentences"]))
    t.add_row("boilerplate share (sentences)", f"{share:.1%}")
    # content lines only, as the release's ner config: the trial read "entities: LOC 35" as content
    # entities while many were on captions and footers
    for label, n in sorted(summary.content_entities.items()):
        t.add_row(f"entities on content lines: {label}", str(n))
    on_boilerplate = sum(d["entities"].values()) - sum(summary.content_entities.values())
    t.add_row("entities on boilerplate lines (not in the ner config)", str(on_boilerplate))
    t.add_row("words", str(d["words"]))
    for lang, n in (d.get("no_entity_model") or {}).items():
        t.add_row(f"  no entity model: {lang}", f"{n} documents")
    out.print(t)
    if d.get("no_entity_model"):
        langs = ", ".join(d["no_entity_model"])
        out.print(f"[yellow]note:[/] documents in {langs} got no entity predictions (no entity model for their language; "
                      f"give one with --model fr=fr_core_news_sm,{primary_language(next(iter(d['no_entity_model'])))}=MODEL); "
                      "their sentences stay out of the release's ner config", highlight=False)
    if d["documents_in"] == 0:
        out.print("[yellow]warning:[/] no input file was found (searched for .txt, .html, .htm, .jsonl, optionally .gz)")
    for r in summary.rejects[:20]:
        out.print("  [yellow]rejected[/]", escape(f"{r.where}: {r.reason}" + (f" ({r.detail})" if r.detail else "")), highlight=False)
    if len(summary.rejects) > 20:
        out.print(f"  ... and {len(summary.rejects) - 20} more (see rejects.jsonl / the manifest)")
    for kind, label in (("warning", "warning"), ("skipped", "skipped")):
        notices = [n for n in summary.notices if n.kind == kind]
        for n in notices[:20]:
            out.print(f"  [yellow]{label}[/]", escape(f"{n.where}: {n.reason}" + (f" ({n.detail})" if n.detail else "")), highlight=False)
        if len(notices) > 20:
            out.print(f"  ... and {len(notices) - 20} more (see notices.jsonl / the manifest)")


def _prepare(inputs, workspace, model, workers, shard_size, strict, engine="local", ray_address=None, progress=True, boilerplate_model=None) -> RunSummary:
    options = PrepareOptions(
        model=model, workers=workers, shard_size=shard_size, strict=strict, engine=engine, ray_address=ray_address,
        boilerplate_model=str(boilerplate_model) if boilerplate_model else None,
    )
    cpus = available_cpus()
    if workers is not None and engine == "local" and workers > cpus:
        console.print(f"[yellow]warning[/]: --workers {workers} is more than the {cpus} available cores: using {cpus}")
    with _progress(progress) as factory:
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
    progress: ProgressOpt = True,
    boilerplate_model: BoilerplateModelOpt = None,
) -> None:
    """Ingest, clean, split and pre-annotate INPUTS into a workspace.

    The workspace holds the documents (with blocks, sentences and predicted entities) and the list
    of rejected inputs with reasons. Re-running on the same inputs is idempotent (an up-to-date
    workspace is not recomputed); an interrupted run resumes where it stopped. The workspace must be
    a new or empty folder, or one that prepare wrote, and lie outside every input.
    """
    with _errors_to_exit("run the same command again to resume (completed shards are kept)"):
        summary = _prepare(inputs, workspace, model, workers, shard_size, strict, engine, ray_address, progress, boilerplate_model)
    print_summary(summary, f"prepare → {workspace}")
    if summary.up_to_date:
        out.print(f"workspace {escape(str(workspace))} is up to date: {summary.documents_kept} documents, nothing to do", highlight=False)
    _print_reapplied(workspace)
    _fail_if_all_rejected(summary, f"see {workspace / 'rejects.jsonl'}")


def _fail_if_all_rejected(summary: RunSummary, where: str) -> None:
    """Exit 1 with one ``error:`` line on stderr when inputs were read but every one was rejected
    (fresh-user trial: a folder of .csv/.md files gave "documents kept 0" and exit 0, and the next
    ``release`` failed instead). The summary and ``rejects.jsonl`` are written first, so the
    reasons are there to read; ``where`` says where (the rejects file, or the lines above).
    A run with no input at all keeps its warning and exit 0; a partial reject is not an error."""
    if summary.documents_kept == 0 and summary.rejects:
        n = summary.documents_in or len(summary.rejects)
        what = "the input was rejected" if n == 1 else f"all {n} inputs were rejected"
        console.print("[bold red]error:[/]", escape(f"no documents: {what} ({where})"), highlight=False)
        raise typer.Exit(1)


def _print_reapplied(workspace: Path) -> None:
    """One line on the human annotations ``prepare`` merged again (saved by earlier pulls)."""
    from .workspace import Workspace

    r = Workspace(workspace).read_info().get("annotations_reapplied")
    if not r:
        return
    line = f"human annotations merged again: {r.get('documents', r['merged'])} documents"
    if r.get("not_merged"):
        changed, removed = r.get("not_merged_text_changed", 0), r.get("not_merged_removed", 0)
        why = [f"{changed} whose text changed" if changed else "", f"{removed} removed from the inputs" if removed else "",
               f"{r['not_merged'] - changed - removed} other" if r["not_merged"] - changed - removed else ""]
        line += (f"; {r['not_merged']} saved tasks not merged ({', '.join(w for w in why if w)}): their reviews are kept in "
                 f"annotations.jsonl and Label Studio, not in the documents")
    # what else a pull would report: tasks without an annotation, results and spans left out
    # (a hand-edited annotations.jsonl line: third fresh-user trial, where only the report said so)
    lost = [f"{r[k]} {what}" for k, what in (("skipped", "saved tasks skipped (no annotation to merge)"),
                                             ("results_rejected", "results rejected (unknown label or tag)"),
                                             ("reported", "spans left out")) if r.get(k)]
    if lost:
        line += "; " + ", ".join(lost)
    if r.get("not_merged") or lost:
        line += f"; see {r.get('report')}"
    console.print(line, highlight=False, style="yellow" if r.get("not_merged") or lost else None)


@app.command("release")
def release_cmd(
    workspace: Annotated[Path, typer.Option("--workspace", "-w", help="A workspace written by `prepare`.")],
    name: NameOpt,
    version: VersionOpt,
    releases_dir: ReleasesDirOpt = Path("releases"),
    split: SplitOpt = "80/10/10",
    shard_rows: ShardRowsOpt = 100_000,
    progress: ProgressOpt = True,
    previous: Annotated[
        Optional[Path],
        typer.Option("--previous", help="An earlier release (e.g. releases/demo/1.0.0): the card and manifest say what changed since it."),
    ] = None,
    dedup: DedupOpt = "split",
) -> None:
    """Write a versioned Parquet release from a workspace (dataset card, manifest, 3 configs)."""
    with _errors_to_exit(), _progress(progress) as factory:
        info = release_workspace(
            workspace, name=name, version=version, releases_dir=releases_dir, split=parse_split(split), shard_rows=shard_rows,
            progress_factory=factory,
            previous=previous, dedup=dedup,
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
    progress: ProgressOpt = True,
    dedup: DedupOpt = "split",
    boilerplate_model: BoilerplateModelOpt = None,
) -> None:
    """prepare + release in one go, with a temporary workspace (the common case)."""
    from .release import check_name, check_version
    from .release.writer import same_version

    with _errors_to_exit("build starts again from the beginning (its temporary workspace is gone); to resume a long run, use prepare + release"):
        # Everything that can be checked before the long prepare run is checked first.
        check_name(name, releases_dir)
        check_version(version, releases_dir)
        fractions = parse_split(split)
        if dedup not in ("split", "near", "off"):
            raise ConfigError(f"--dedup {dedup!r}: choose split, near or off")
        target = releases_dir / name / version
        if target.exists():
            raise ConfigError(f"release {target} already exists; releases are never overwritten: choose another --version")
        twin = same_version(releases_dir, name, version)
        if twin is not None:
            raise ConfigError(f"release {releases_dir / name / twin} has the same SemVer precedence as {version} (build metadata "
                              "after '+' does not order versions): choose another --version")
        # an owned temporary folder: a killed build's is removed by the next one (corpus_builder.tempdirs)
        with temporary_dir(tempfile.gettempdir(), "corpus-builder-") as tmp:
            summary = _prepare(inputs, tmp / "workspace", model, workers, shard_size, strict, engine, ray_address, progress, boilerplate_model)
            print_summary(summary, "prepare")
            _fail_if_all_rejected(summary, "the reasons are listed above; nothing was released")
            with _progress(progress) as factory:
                info = release_workspace(
                    tmp / "workspace", name=name, version=version, releases_dir=releases_dir, split=fractions,
                    shard_rows=shard_rows, progress_factory=factory, dedup=dedup,
                )
    _print_release(info)


def _print_release(info) -> None:
    near = info.manifest.get("near_duplicates")
    if near and near["clusters_count"]:
        what = f"{near['dropped']} dropped (rejects)" if near["dedup"] == "near" else "kept, one split per cluster"
        out.print(f"near-duplicates: {near['clusters_count']} clusters, {near['documents_in_clusters']} documents; {what}")
    from .release.rows import split_share_warning

    warning = split_share_warning(info.manifest)
    if warning:
        out.print("[yellow]warning:[/]", escape(warning), highlight=False)
    out.print(f"release written: {info.path}")
    out.print(f"load it with: datasets.load_dataset({str(info.path)!r}, 'sentences')  # or 'documents', 'ner'")


@app.command("validate")
def validate_cmd(
    release_dir: Annotated[Path, typer.Argument(help="A release folder, e.g. releases/demo/0.1.0.")],
) -> None:
    """Check a release: schemas of every row, offsets, checksums and row counts, every count of the manifest recomputed from the rows, and that the dataset card is the one the manifest renders (sha256 and text). Warns (no failure) about each component whose installed version differs from the manifest's. Exit 0 if valid, else 1."""
    from .release import check_release

    with _errors_to_exit():
        report = check_release(release_dir)
    for w in report.warnings:
        console.print("[yellow]warning:[/]", escape(w), highlight=False)
    problems = report.problems
    if problems:
        for p in problems:
            console.print("[red]✗[/]", escape(p), highlight=False)
        console.print(f"{len(problems)} problem(s) in {release_dir}")
        raise typer.Exit(1)
    out.print(f"✓ {release_dir} is a valid release")


ReleaseArg = Annotated[Path, typer.Argument(help="A release folder, e.g. releases/demo/0.1.0.")]


@app.command("export")
def export_cmd(
    release_dir: ReleaseArg,
    format: Annotated[
        str,
        typer.Option(
            "--format", "-f",
            help="conll: CoNLL-2003-style IOB2 (TOKEN TAG, -DOCSTART- between documents); spacy: a DocBin (.spacy) per "
            "split for `spacy train`; jsonl: the config's rows with document offsets.",
        ),
    ],
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="Folder to write <split>.<ext> and export.json into (created; nothing is overwritten).")],
    config: Annotated[
        Optional[str],
        typer.Option("--config", help="Release config to export: ner (default for conll, spacy), documents (default for jsonl), sentences."),
    ] = None,
    split: Annotated[Optional[str], typer.Option("--split", help="Export one split only (train, validation, test); default: all.")] = None,
) -> None:
    """Export a release for trainers: CoNLL IOB2, spaCy DocBin or JSONL, one file per split.

    Tokens and tags are exactly the release's `ner` config (spaCy's French tokenizer, every
    label kept). Example: corpus-builder export releases/demo/0.1.0 --format spacy --out corpus/
    then: python -m spacy train config.cfg --paths.train corpus/train.spacy --paths.dev corpus/validation.spacy
    (the export lists the files it wrote; a split without rows gets no file). Documents with no
    ner row (no entity model for their language, no content sentence) are counted per reason.
    """
    from .release.export import EXPORT_FILE, FORMATS, export_release

    with _errors_to_exit():
        info = export_release(
            release_dir, out_dir, format=format, config=config, split=split,
            progress=lambda s: console.print(f"exporting {s} ...", highlight=False),
        )
    t = Table(title=f"export {info.format} ({info.config}) → {info.out}")
    keys = [k for k in info.files[0] if k not in ("path", "split", "sha256")] if info.files else []
    for col in ["file", *keys]:
        t.add_column(col, justify="left" if col == "file" else "right")
    for f in info.files:
        t.add_row(f["path"], *(str(f[k]) for k in keys))
    out.print(t)
    # which files exist, said plainly: `spacy train --paths.dev validation.spacy` needs one
    out.print(f"wrote {', '.join(f['path'] for f in info.files) or 'no split file'} and {EXPORT_FILE} in {escape(str(info.out))}", highlight=False)
    for m in info.splits_not_written:
        out.print(f"[yellow]note:[/] no {m['split']}.{FORMATS[info.format]['ext']}: {escape(m['reason'])}", highlight=False)
    for lo in info.left_out:
        where = ", ".join(f"{s} {n}" for s, n in lo["splits"].items())
        noun = "document" if lo["documents"] == 1 else "documents"
        out.print(f"[yellow]note:[/] {lo['documents']} {noun} left out of the {info.config} files ({where}): {escape(lo['reason'])}", highlight=False)


@app.command("diff")
def diff_cmd(
    old_release: Annotated[Path, typer.Argument(help="The older release folder, e.g. releases/demo/1.0.0.")],
    new_release: Annotated[Path, typer.Argument(help="The newer release folder, e.g. releases/demo/1.1.0.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the exact report as JSON (every changed document and span).")] = False,
) -> None:
    """What changed between two releases: documents added/removed/with a changed text; for documents
    in both, entities added, removed, relabelled, with a moved boundary (per label), lines relabelled,
    status and split changes; components whose versions differ; rows per config and split."""
    import json

    from .release.diff import diff_releases
    from .release.read import Release

    with _errors_to_exit():
        old, new = Release(old_release), Release(new_release)
        report = diff_releases(old, new)
    if as_json:
        out.print_json(json.dumps(report, ensure_ascii=False)) if out.is_terminal else print(json.dumps(report, ensure_ascii=False, indent=2))
        return
    d = report["documents"]
    t = Table(title=f"diff {old.label} → {new.label}", show_header=False)
    t.add_column("what")
    t.add_column("count", justify="right")
    for k in ("added", "removed", "text_changed"):
        t.add_row(f"documents {k.replace('_', ' ')}", str(len(d[k])))
    t.add_row("documents in both", str(d["in_both"]))
    t.add_row("documents unchanged", str(d["unchanged"]))
    for title, counts in (("lines relabelled", report["blocks"]), ("status", report["status"]), ("split moves", report["splits"])):
        for k, v in counts.items():
            t.add_row(f"{title}: {k}", str(v))
    out.print(t)
    e = report["entities"]
    labels = sorted({lab for cat in ("added", "removed", "boundary_moved") for lab in e[cat]})
    if any(e.values()):
        et = Table(title="entities (documents in both, same text)")
        et.add_column("label")
        for cat in ("added", "removed", "boundary_moved"):
            et.add_column(cat.replace("_", " "), justify="right")
        for lab in labels:
            et.add_row(lab, *(str(e[cat].get(lab, 0)) for cat in ("added", "removed", "boundary_moved")))
        out.print(et)
        for cat in ("relabelled", "moved_and_relabelled"):
            if e[cat]:
                out.print(f"{cat.replace('_', ' ')}: " + ", ".join(f"{k} {v}" for k, v in e[cat].items()), highlight=False)
    if report["components"]:
        ct = Table(title="components that differ")
        for col in ("component", "old", "new"):
            ct.add_column(col)
        for k, (a, b) in report["components"].items():
            ct.add_row(k, str(a or "–"), str(b or "–"))
        out.print(ct)
    rt = Table(title="rows (old → new)")
    rt.add_column("config")
    for s in ("train", "validation", "test", "total"):
        rt.add_column(s, justify="right")
    for c, per in report["rows"].items():
        rt.add_row(c, *(f"{a} → {b}" if a != b else str(a) for a, b in per.values()))
    out.print(rt)
    out.print("summary:\n" + "\n".join(f"- {line}" for line in report["summary"]), highlight=False)


@app.command("agreement")
def agreement_cmd(
    path: Annotated[Path, typer.Argument(help="A workspace (its annotations.jsonl holds every annotation) or a release (its manifest's figures).")],
    top: Annotated[int, typer.Option("--top", parser=whole_number("--top", 1, "documents to list"), metavar="INTEGER", help="Documents with the most disagreement to list.")] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Inter-annotator agreement where several people annotated the same documents: exact-span F1
    and Cohen's kappa on tokens per entity label, Krippendorff's alpha on boilerplate lines, and the
    documents with the most disagreement, for adjudication."""
    import json

    from .release.agreement import workspace_agreement
    from .release.read import Release

    with _errors_to_exit():
        if (path / "manifest.json").is_file():
            report = Release(path).manifest.get("agreement")
            where = f"release {path}"
        elif (path / "workspace.json").is_file():
            report = workspace_agreement(path, top=top)
            where = f"workspace {path}"
        else:
            raise ConfigError(f"{path} is neither a release (manifest.json) nor a workspace (workspace.json)")
    if report is None:
        out.print(f"{where}: no document was annotated by two or more people; no agreement to measure")
        return
    if as_json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
        return

    def fmt(x) -> str:
        return "–" if x is None else f"{x:.3f}"

    e, b = report["entities"], report["boilerplate"]
    out.print(f"{where}: {report['documents']} documents, {report['annotators']} annotators, {report['pairs']} pairs"
              + (f"; {report['not_comparable']} tasks not comparable (text changed or document missing)" if report["not_comparable"] else ""),
              highlight=False)
    t = Table(title="entities")
    for col in ("label", "exact-span F1", "Cohen's κ (tokens)", "spans"):
        t.add_column(col, justify="left" if col == "label" else "right")
    for lab, v in e["per_label"].items():
        t.add_row(lab, fmt(v["f1"]), fmt(v["kappa"]), str(v["spans"]))
    t.add_row("all", fmt(e["overall"]["f1"]), fmt(e["overall"]["kappa"]), str(e["overall"]["spans"]))
    out.print(t)
    out.print(f"boilerplate lines ({b['blocks']}): Krippendorff's α {fmt(b['alpha'])} (categories), "
              f"{fmt(b['alpha_binary'])} (boilerplate or not); Cohen's κ {fmt(b['kappa'])}", highlight=False)
    worst = report["most_disagreement"][:top]
    if worst:
        w = Table(title="most disagreement (adjudicate these first)")
        for col in ("doc_id", "task", "annotators", "entity F1", "spans disputed", "lines disputed", "examples"):
            w.add_column(col, no_wrap=col == "doc_id")
        for r in worst:
            w.add_row(r["doc_id"], str(r["task_id"]), ",".join(r["annotators"]), fmt(r["entity_f1"]), str(r["spans_disputed"]),
                      str(r["blocks_disputed"]), "; ".join(r["examples"]))
        out.print(w)


@app.command("verify")
def verify_cmd(
    release_dir: ReleaseArg,
    inputs: Annotated[
        Optional[list[Path]],
        typer.Argument(help="The inputs the release was built from (default: the paths its manifest records, found from here)."),
    ] = None,
    annotations: Annotated[
        Optional[Path], typer.Option("--annotations", help="The workspace's annotations.jsonl, for a release with reviewed documents.")
    ] = None,
    previous: Annotated[
        Optional[Path], typer.Option("--previous", help="The release given to `release --previous` (default: the sibling version folder).")
    ] = None,
    workers: WorkersOpt = None,
) -> None:
    """Rebuild a release from its inputs with the options its manifest records, and check that
    every file (data, card, manifest) has the same sha256. Exit 0 if identical, else 1 with the
    files that differ and the component versions (spaCy, model, rule sets, pyarrow...) or inputs
    that differ between the release and this machine."""
    from .release.verify import verify_release

    with _errors_to_exit():
        result = verify_release(release_dir, inputs or None, annotations=annotations, previous=previous, workers=workers)
    for note in result.notes:
        console.print(f"[yellow]note:[/] {escape(note)}", highlight=False)
    t = Table(title=f"verify {release_dir}")
    t.add_column("file")
    t.add_column("rebuilt")
    for f in result.files:
        t.add_row(f["path"], {"same": "✓ same", "differs": "✗ differs", "missing": "✗ not rebuilt", "extra": "✗ only in the rebuild"}[f["status"]])
    out.print(t)
    if result.identical:
        out.print(f"✓ {release_dir}: the rebuild is byte-identical ({len(result.files)} files)")
        return
    if result.components:
        ct = Table(title="component versions that differ (release → this machine)")
        for col in ("component", "release", "rebuilt"):
            ct.add_column(col)
        for k, (a, b) in result.components.items():
            ct.add_row(k, str(a), str(b))
        out.print(ct)
    else:
        out.print("every component version is the same", highlight=False)
    for kind, items in result.inputs.items():
        if items:
            out.print(f"inputs {kind}: " + ", ".join(map(str, items[:10])) + (f" (and {len(items) - 10} more)" if len(items) > 10 else ""), highlight=False)
    console.print(f"{sum(f['status'] != 'same' for f in result.files)} file(s) differ")
    raise typer.Exit(1)
train_app = typer.Typer(
    help="Train the learned components on human labels: `entities` (a spaCy pipeline for --model) and `boilerplate` "
    "(the block classifier file for --boilerplate-model).",
    no_args_is_help=True,
)


@train_app.command("entities")
def train_entities_cmd(
    sources: Annotated[
        list[Path],
        typer.Argument(help="Release folders or workspaces (their reviewed documents' human entities only), or entity gold "
                       "that `evaluate` reads (Deep Sequoia CoNLL-U Plus, token-TAG CoNLL; a file or a folder)."),
    ],
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="Folder to write the spaCy pipeline to (must not exist or be empty).")],
    base: Annotated[str, typer.Option("--base", help="spaCy pipeline to start from: its tokenizer and other components are copied "
                                      "(fr_core_news_md: its ner reads static vectors, measured best; fr_core_news_sm: a model 2.4x smaller on disk).")] = DEFAULT_BASE,
    seed: Annotated[int, typer.Option("--seed", help="Random seed: the held-out documents, the batches, the initial weights.")] = 0,
    dev: Annotated[
        Optional[list[Path]],
        typer.Option("--dev", help="Sources for early stopping (repeatable); default: 10% of the training documents, drawn with --seed."),
    ] = None,
    recipe: Annotated[str, typer.Option("--recipe", help="finetune (the base ner trained further), fresh (a new ner), fresh-md (a new ner with fr_core_news_md's vectors).")] = "finetune",
    max_epochs: Annotated[int, typer.Option("--max-epochs", parser=whole_number("--max-epochs", 1, "training epochs"), metavar="INTEGER", help="Epochs at most (one dev evaluation per epoch).")] = 30,
    patience: Annotated[int, typer.Option("--patience", parser=whole_number("--patience", 1, "epochs without a better dev F1"), metavar="INTEGER", help="Stop after this many epochs without a better dev F1.")] = 6,
    rehearse: Annotated[
        Optional[list[Path]],
        typer.Option("--rehearse", help="Unlabelled documents (prepare inputs) that the base model annotates and that are mixed into "
                     "the training data, so that the model keeps what it did on that kind of text (repeatable)."),
    ] = None,
) -> None:
    """Train a spaCy entity recognizer (PER/ORG/LOC/MISC) on human labels and write it to --out.

    Prints a progress bar and the dev F1 (exact span + type) after every epoch; keeps the best
    epoch. The folder loads with spacy.load(OUT) and is used with `prepare --model OUT`; its
    meta.json (key corpus_builder) and training.json record the base model, the sources with
    their sha256 and counts, the seed, the recipe and the dev figures.
    """
    from .entities.train import train_entities

    with _errors_to_exit():
        record = train_entities(sources, out_dir, base=base, seed=seed, dev=dev or (), recipe=recipe,
                                max_epochs=max_epochs, patience_epochs=patience, rehearse=rehearse or ())
    best = record.get("best") or {}
    fig = record["dev_figures"]
    for src in record["sources"]:
        out.print(f"source {src['path']} ({src['kind']}): {src['documents']} documents, {src['sentences']} sentences, "
                  f"{src['entities']} entities, sha256 {src['sha256'][:16]}", highlight=False)
    on = "--dev" if dev else "the training documents held out for early stopping"
    out.print(f"model written: {out_dir} (sha256 {record['sha256'][:16]}); best epoch {best.get('epoch')}: dev F1 {fig['ents_f']:.3f} "
              f"(P {fig['ents_p']:.3f}, R {fig['ents_r']:.3f}) on {on}, spaCy's score without repairs; "
              f"{record['train_seconds']:.0f} s of training", highlight=False)
    out.print(f"use it with: corpus-builder prepare INPUT... --workspace WS --model {out_dir}", highlight=False)


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
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace an existing model file at --out (never a file of another kind).")] = False,
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
            meta = train_boilerplate(list(sources or []), gold_root, out_file, cv=cv, progress=lambda msg: status.update(msg), overwrite=overwrite)
    t = Table(title=f"boilerplate model → {out_file}")
    for col in ("gold set", "HTML (cv)", "plain text (cv)", "HTML (training set)", "plain text (training set)"):
        t.add_column(col, justify="left" if col == "gold set" else "right")
    cvf, trf = meta.get("figures_cv", {}), meta.get("figures_training_set", {})
    for name in trf:
        t.add_row(name, *(f"{d[name][k]:.3f}" if k in d.get(name, {}) else "not run" for d in (cvf, trf) for k in ("html", "text")))
    out.print(t)
    titles = meta["labelled_blocks"].get("title_candidates")
    title_note = f", {meta['labelled_blocks'].get('titles', 0)} titles in {titles} candidate lines (title booster)" if titles else ""
    out.print(f"labelled blocks: {meta['labelled_blocks']['html']} (HTML booster), {meta['labelled_blocks']['text']} (text booster){title_note}; "
              f"sources: {', '.join(s['name'] for s in meta['sources'])}", highlight=False)


def _mount_subapps() -> None:
    """Mount ``corpus-builder studio ...`` and ``corpus-builder evaluate ...``."""
    from .evaluate.cli import evaluate_app
    from .studio.cli import studio_app

    app.add_typer(studio_app, name="studio", help="Label Studio round-trip: serve, config, push, pull, export-tasks, import-annotations.")
    app.add_typer(evaluate_app, name="evaluate", help="Measure our stages and off-the-shelf baselines on gold data.")
    app.add_typer(train_app, name="train")


_mount_subapps()

if __name__ == "__main__":  # pragma: no cover
    app()
