"""``corpus-builder evaluate``: a typer sub-app (``evaluate_app``) over :mod:`.run`.

Commands ``sentences``, ``entities``, ``boilerplate`` and ``all`` share the options ``--gold``,
``--json``, ``--markdown``, ``--examples N``, ``--baselines/--no-baselines``, ``--progress/--no-progress``, ``--check BASELINE`` (exit 1 naming every figure that
dropped by more than the tolerance) and ``--write-baseline PATH``. User mistakes (missing gold,
bad baseline file) print one line and exit 1. Sentence tables show every system on the whole set
and on its tune and HELD-OUT halves (:mod:`.halves`).
"""

from __future__ import annotations

import json
from contextlib import contextmanager
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from ..cli_options import ProgressOpt
from ..errors import CorpusBuilderError
from . import metrics
from .report import to_markdown
from .run import DEFAULT_TOLERANCE, TASKS, check_baseline, run_evaluation, write_baseline

#: Default gold root: ``../shared/data/gold`` relative to the working directory (the project root).
DEFAULT_GOLD = Path("../shared/data/gold")

evaluate_app = typer.Typer(
    name="evaluate",
    help="Measure sentence splitting, entities and boilerplate on human gold data, with off-the-shelf baselines side by side.",
    no_args_is_help=True,
)

GoldOpt = typer.Option(DEFAULT_GOLD, "--gold", help="Gold root with sentences/, ner/ and boilerplate/ sub-folders.")
JsonOpt = typer.Option(False, "--json", help="Print the full results as JSON instead of tables.")
BaselinesOpt = typer.Option(True, "--baselines/--no-baselines", help="Also run the off-the-shelf baselines (spaCy, pysbd, trafilatura, jusText).")
CheckOpt = typer.Option(None, "--check", help="Baseline JSON of our figures; exit 1 when any figure is worse by more than its tolerance.")
TolOpt = typer.Option(None, "--tolerance", help=f"Override the baseline file's tolerance (default {DEFAULT_TOLERANCE}).")
WriteOpt = typer.Option(None, "--write-baseline", help="Write our figures to this baseline JSON (after a deliberate change).")
MarkdownOpt = typer.Option(False, "--markdown", help="Print Markdown tables (for README / docs/quality.md) instead of rich tables.")
ExamplesOpt = typer.Option(5, "--examples", help="Error examples to print per kind (0 for none).")


def _fmt(x: float | None) -> str:
    return "—" if x is None else f"{x:.3f}"


def _print_sentences(console: Console, task_results: dict, n_examples: int) -> None:
    table = Table(
        title="Sentence boundaries (a boundary = a sentence start inside a paragraph); "
        "F1 tune / F1 HELD-OUT = each half of the set by document: our rules were tuned on the tune half only",
    )
    for col in ("gold set", "system", "P", "R", "F1 all", "F1 tune", "F1 HELD-OUT", "gold sent.", "pred sent."):
        table.add_column(col, justify="right" if col not in ("gold set", "system") else "left")
    for set_name, entry in task_results.items():
        for system, m in entry["systems"].items():
            if "error" in m:
                table.add_row(set_name, system, "failed")
                _FAILURES.append(f"{system} on {set_name}: {m['error']}")
                continue
            h = m.get("halves", {})
            table.add_row(
                set_name, system, _fmt(m["precision"]), _fmt(m["recall"]), _fmt(m["f1"]),
                _fmt(h.get("tune", {}).get("f1")), _fmt(h.get("held-out", {}).get("f1")),
                str(m["n_gold_sentences"]), str(m["n_pred_sentences"]),
            )  # fmt: skip
        table.add_section()
    console.print(table)
    for set_name, entry in task_results.items():
        for note in entry.get("notes", []):
            console.print(f"[dim]note: {set_name}: {note}[/dim]" if not note.startswith(set_name) else f"[dim]note: {note}[/dim]")
    _print_examples(console, task_results, ("missed", "spurious"), n_examples)


def _print_entities(console: Console, task_results: dict, n_examples: int) -> None:
    for set_name, entry in task_results.items():
        table = Table(title=f"Entities — {set_name} ({entry['n_docs']} docs); exact span+type, overlap = same label and overlapping")
        for col in ("system", "label", "exact P", "exact R", "exact F1", "overlap P", "overlap R", "overlap F1", "gold", "pred"):
            table.add_column(col, justify="left" if col in ("system", "label") else "right")
        for system, m in entry["systems"].items():
            if "error" in m:
                table.add_row(system, "failed")
                _FAILURES.append(f"{system} on {set_name}: {m['error']}")
                table.add_section()
                continue
            for lab in list(m["exact"]):
                e, o = m["exact"][lab], m["overlap"].get(lab, {})
                n_gold = e["tp"] + e["fn"]
                n_pred = e["tp"] + e["fp"]
                table.add_row(system, lab, _fmt(e["precision"]), _fmt(e["recall"]), _fmt(e["f1"]), _fmt(o.get("precision")), _fmt(o.get("recall")), _fmt(o.get("f1")), str(n_gold), str(n_pred))
            table.add_section()
        console.print(table)
        errs = Table(title=f"Entity errors by kind — {set_name}")
        errs.add_column("system")
        for col in ("correct", *metrics.ERROR_KINDS):
            errs.add_column(col, justify="right")
        for system, m in entry["systems"].items():
            if "error" not in m:
                errs.add_row(system, str(m["correct"]), *(str(m["errors"][k]) for k in metrics.ERROR_KINDS))
        console.print(errs)
        sources = sorted({src for m in entry["systems"].values() for src in m.get("by_source", {})})
        if len(sources) > 1:
            by = Table(title=f"Exact micro F1 by sub-corpus — {set_name}")
            by.add_column("system")
            for src in sources:
                by.add_column(src, justify="right")
            for system, m in entry["systems"].items():
                if "by_source" in m:
                    by.add_row(system, *(_fmt(m["by_source"].get(src, {}).get("f1")) for src in sources))
            console.print(by)
        for note in entry.get("notes", [])[:5]:
            console.print(f"[dim]note: {note}[/dim]")
        _print_examples(console, {set_name: entry}, metrics.ERROR_KINDS, n_examples)


def _print_boilerplate(console: Console, task_results: dict, n_examples: int) -> None:
    table = Table(title="Boilerplate: snippet score (mean of with-found and without-absent) / token P/R/F1 (bag of whitespace tokens; shingle F1 = benchmark's 4-grams)")
    for col in ("gold set", "system", "score", "with found", "without absent", "token P", "token R", "token F1", "shingle F1"):
        table.add_column(col, justify="left" if col in ("gold set", "system") else "right")
    for set_name, entry in task_results.items():
        for system, m in entry["systems"].items():
            if "error" in m:
                table.add_row(set_name, system, "failed")
                _FAILURES.append(f"{system} on {set_name}: {m['error']}")
            elif "snippets" in m:
                s = m["snippets"]
                table.add_row(set_name, system, _fmt(s["score"]), _fmt(s["with_found"]), _fmt(s["without_absent"]), "", "", "", "")
            else:
                t = m["tokens"]
                table.add_row(set_name, system, "", "", "", _fmt(t["precision"]), _fmt(t["recall"]), _fmt(t["f1"]), _fmt(m["shingles"]["f1"]))
        table.add_section()
    console.print(table)
    for set_name, entry in task_results.items():
        for note in entry.get("notes", [])[:3]:
            console.print(f"[dim]note ({set_name}): {note}[/dim]")
    _print_examples(console, task_results, ("missed", "kept_boilerplate", "worst_pages"), n_examples)


def _print_examples(console: Console, task_results: dict, kinds: tuple[str, ...], n: int) -> None:
    if n <= 0:
        return
    for set_name, entry in task_results.items():
        m = entry["systems"].get("ours", {})
        if "error" in m:
            continue
        pool = m.get("examples", m)
        for kind in kinds:
            items = pool.get(kind) or []
            if items:
                console.print(f"[bold]ours · {set_name} · {kind}[/bold] (first {min(n, len(items))})")
                for item in items[:n]:
                    console.print(f"  {item}", markup=False, highlight=False)


#: System failures collected while printing, shown after the tables.
_FAILURES: list[str] = []

_PRINTERS = {"sentences": _print_sentences, "entities": _print_entities, "boilerplate": _print_boilerplate}


def _run(tasks: tuple[str, ...], gold: Path, as_json: bool, baselines: bool, check: Path | None, tolerance: float | None, write: Path | None, n_examples: int, markdown: bool = False, progress: bool = True) -> None:
    console = Console(width=160)
    err = Console(stderr=True, soft_wrap=True)
    try:
        with _status(err, progress) as on_gold_set:
            results = run_evaluation(gold, tasks, baselines, on_gold_set=on_gold_set)
        if as_json:
            typer.echo(json.dumps(results, indent=2, ensure_ascii=False))
        elif markdown:
            typer.echo(to_markdown(results))
        else:
            _FAILURES.clear()
            for task in tasks:
                _PRINTERS[task](console, results["tasks"][task], n_examples)
            for failure in _FAILURES:
                err.print(f"failed: {failure}", markup=False, highlight=False)
        if write is not None:
            write_baseline(results, write, tolerance if tolerance is not None else DEFAULT_TOLERANCE)
            err.print(f"baseline written to {write}")
        if check is not None:
            regressions = check_baseline(results, check, tolerance)
            if regressions:
                err.print(f"[red]quality gate failed[/red] against {check}:")
                for r in regressions:
                    err.print(f"  {r}", markup=False, highlight=False)
                raise typer.Exit(1)
            err.print(f"quality gate passed against {check}")
    except CorpusBuilderError as e:
        err.print(f"error: {e}", markup=False, highlight=False)
        raise typer.Exit(1) from None


@contextmanager
def _status(err: Console, enabled: bool):
    """A status line on stderr naming the gold set being scored; yields ``run_evaluation``'s ``on_gold_set``."""
    if not enabled or not err.is_terminal:
        yield None
        return
    with err.status("Evaluating…") as status:
        yield lambda task, name: status.update(f"Evaluating {task} on {name}…")


def _command(tasks: tuple[str, ...], doc: str):
    def command(
        gold: Path = GoldOpt,
        as_json: bool = JsonOpt,
        baselines: bool = BaselinesOpt,
        check: Path | None = CheckOpt,
        tolerance: float | None = TolOpt,
        write_baseline_path: Path | None = WriteOpt,
        examples: int = ExamplesOpt,
        markdown: bool = MarkdownOpt,
        progress: ProgressOpt = True,
    ) -> None:
        _run(tasks, gold, as_json, baselines, check, tolerance, write_baseline_path, examples, markdown, progress)

    command.__doc__ = doc
    return command


evaluate_app.command("sentences")(_command(("sentences",), "Sentence boundary P/R/F1 on the CoNLL-U gold (ours vs spaCy, pysbd), on each set and on its tune and held-out halves."))
evaluate_app.command("entities")(_command(("entities",), "Entity P/R/F1 per label, exact and overlap, with the error breakdown (ours vs spaCy)."))
evaluate_app.command("boilerplate")(_command(("boilerplate",), "Main-text extraction: snippet score and token F1 (ours vs trafilatura, jusText)."))
evaluate_app.command("all")(_command(TASKS, "All three evaluations in one run (the README's quality table)."))
