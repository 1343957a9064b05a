"""``corpus-builder studio ...``: a typer sub-app over :mod:`.commands` and :mod:`.server`.

Each command parses options, calls one library function and prints a one-line summary; a
:class:`~corpus_builder.errors.CorpusBuilderError` becomes one line on stderr and exit code 1.
"""

from __future__ import annotations

from pathlib import Path

import typer

from ..cli_options import ProgressOpt, whole_number
from ..errors import CorpusBuilderError
from . import commands
from .merge import POLICIES

studio_app = typer.Typer(help="Label Studio round-trip: pre-annotations out, human corrections back in.", no_args_is_help=True)

_URL = typer.Option(None, "--url", envvar="LABEL_STUDIO_URL", help="Label Studio URL, e.g. http://127.0.0.1:8080 (default: $LABEL_STUDIO_URL).", show_envvar=False)
_KEY = typer.Option(
    None, "--api-key", envvar="LABEL_STUDIO_API_KEY", help="Label Studio API key, legacy token or personal access token (default: $LABEL_STUDIO_API_KEY; never printed).",
    show_default=False, show_envvar=False,
)  # fmt: skip
_WS = typer.Option(..., "--workspace", "-w", help="Workspace folder written by `corpus-builder prepare`.")
_PROJECT = typer.Option(None, "--project", "-p", help="Label Studio project title (created by push when missing).")
_PROJECT_ID = typer.Option(
    None, "--project-id", parser=whole_number("--project-id", 1, "the number in the project's URL"), metavar="INTEGER", help="Label Studio project id (the number in its URL, /projects/<id>): needed when several projects share the title.",
)  # fmt: skip
_POLICY = typer.Option("ground-truth-latest", "--policy", help="How to choose among several annotations of a document (in one task or several): "
                       "ground-truth-latest (the one marked ground truth, else the most recent) or majority (one vote per "
                       "annotator; a span is kept when more than half of the annotators drew it).")


def _first(items: list, describe, n: int = 20) -> str:
    """The first ``n`` items described and joined with ``; `` (``...`` when there are more): a
    warning names what it is about without flooding the terminal."""
    return "; ".join(describe(item) for item in items[:n]) + (" ..." if len(items) > n else "")


def _fail(e: CorpusBuilderError) -> None:
    typer.echo(f"error: {e}", err=True)
    raise typer.Exit(1)


def _check_policy(policy: str) -> None:
    if policy not in POLICIES:
        typer.echo(f"error: --policy must be one of {', '.join(POLICIES)} (got {policy!r})", err=True)
        raise typer.Exit(2)


@studio_app.command()
def serve(
    port: int = typer.Option(8080, "--port", help="Port on 127.0.0.1 for the local Label Studio."),
    data_dir: Path = typer.Option(Path("label-studio-data"), "--data-dir", help="Folder for Label Studio's SQLite database, media and the generated login."),
    timeout: float = typer.Option(240.0, "--timeout", help="Seconds to wait for the server to become healthy."),
) -> None:
    """Start a local Label Studio on 127.0.0.1, create the user and API token if needed, print the URL and login."""
    from .server import serve as run

    try:
        code = run(data_dir, port=port, timeout=timeout, echo=typer.echo)
    except CorpusBuilderError as e:
        _fail(e)
    raise typer.Exit(code)


@studio_app.command()
def config() -> None:
    """Print the labeling config (entity labels and boilerplate categories on one <Text> tag), validated."""
    from .config import labeling_config

    try:
        typer.echo(labeling_config())
    except CorpusBuilderError as e:
        _fail(e)


@studio_app.command()
def push(
    workspace: Path = _WS,
    project: str | None = _PROJECT,
    project_id: int | None = _PROJECT_ID,
    url: str | None = _URL,
    api_key: str | None = _KEY,
    batch_size: int = typer.Option(commands.DEFAULT_BATCH_SIZE, "--batch-size", parser=whole_number("--batch-size", 1, "tasks per import request"), metavar="INTEGER", help="Tasks per import request."),
    model_version: str | None = typer.Option(None, "--model-version", help="model_version of the predictions (default: corpus-builder and component versions)."),
    progress: ProgressOpt = True,
    update_predictions: bool = typer.Option(
        False, "--update-predictions",
        help="Also replace the predictions of tasks nobody has touched (no annotation, skip or draft) with the workspace's "
        "current ones, under the new model_version: after `prepare --model` with a retrained model.",
    ),
) -> None:
    """Send one task per document with its predictions; documents already there (same doc_id and text) are not sent again.

    A document whose text changed since the last push (a new `prepare`) gets a new task; its older
    task (same doc_id, or same record, i.e. the same file or JSONL line, when the id is a hash of
    the text) is deleted if nobody touched it, and kept (with a warning naming it) if it holds
    annotations, skips or drafts. Warns when the project holds a document more than once.
    """
    try:
        s = commands.push(workspace, project, project_id=project_id, url=url, api_key=api_key, batch_size=batch_size,
                          model_version=model_version, progress=progress, update_predictions=update_predictions)
    except CorpusBuilderError as e:
        _fail(e)
    typer.echo(
        f"project {repr(project) + ' ' if project else ''}(id {s['project_id']}{', created' if s['project_created'] else ''}): {s['documents']} documents, "
        f"{s['pushed']} tasks pushed, {s['already_there']} already there, {s['changed']} with changed text "
        f"({s['replaced']} untouched older tasks deleted) (model_version {s['model_version']})"
    )
    if "predictions" in s:
        p = s["predictions"]
        typer.echo(
            f"predictions updated on {p['updated']} untouched tasks ({p['up_to_date']} already had model_version {s['model_version']}); "
            f"left alone: {len(p['kept_human_work'])} tasks with annotations, skips or drafts, {p['kept_reviewed']} of reviewed documents"
        )
    if s["stale_tasks"]:
        named = _first(s["stale_tasks"], lambda t: f"task {t['task_id']} (doc_id {t['doc_id']}, {t['record']})")
        typer.echo(
            f"warning: {len(s['stale_tasks'])} older task(s) of changed documents hold human work on the previous text and were "
            f"kept: {named}; pull reports them as not merged. "
            "Copy what is still needed to the new task of that document, then delete them.",
            err=True,
        )
    if s.get("config_advice"):
        typer.echo(f"warning: {s['config_advice']}", err=True)
    if s["duplicate_tasks"]:
        named = _first(s["duplicate_tasks"], lambda d: f"doc_id {d['doc_id']} ({d['record']}): tasks {', '.join(map(str, d['task_ids']))}")
        typer.echo(
            f"warning: the project holds {len(s['duplicate_tasks'])} document(s) more than once (imported twice?): "
            f"{named}; pull merges the annotations of all of a document's tasks "
            "through --policy together. Delete the copies nobody annotated so that annotators do not label a document twice.",
            err=True,
        )


@studio_app.command()
def pull(
    workspace: Path = _WS,
    project: str | None = _PROJECT,
    project_id: int | None = _PROJECT_ID,
    url: str | None = _URL,
    api_key: str | None = _KEY,
    policy: str = _POLICY,
    export_timeout: float | None = typer.Option(
        None, "--export-timeout", help="Seconds Label Studio may take to build and send the export (default $CORPUS_BUILDER_EXPORT_TIMEOUT or 600)."
    ),
    progress: ProgressOpt = True,
) -> None:
    """Export the project's annotations (full JSON) and merge them into the workspace; prints merged/skipped/reported counts."""
    _check_policy(policy)
    try:
        s = commands.pull(workspace, project, project_id=project_id, policy=policy, url=url, api_key=api_key, export_timeout=export_timeout, progress=progress)
    except CorpusBuilderError as e:
        _fail(e)
    typer.echo(commands.format_summary(s))


@studio_app.command("export-tasks")
def export_tasks(
    workspace: Path = _WS,
    out: Path = typer.Option(..., "--out", "-o", help="JSON file to write (a list of tasks with predictions, for Label Studio's import)."),
    model_version: str | None = typer.Option(None, "--model-version", help="model_version of the predictions (default: corpus-builder and component versions)."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace --out if it is a task file written earlier (a JSON list of tasks); any other file, or without this option any file, is never touched."),
) -> None:
    """Write the tasks with predictions to a JSON file, for teams that import files by hand."""
    try:
        n = commands.export_tasks(workspace, out, model_version=model_version, overwrite=overwrite)
    except CorpusBuilderError as e:
        _fail(e)
    except OSError as e:  # --out under a file, a folder not writable...
        if e.filename is None:
            raise
        typer.echo(f"error: {e.filename}: {e.strerror or e}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"{n} tasks written to {out}; create the project with the output of `corpus-builder studio config`")


@studio_app.command("import-annotations")
def import_annotations(
    file: Path = typer.Argument(..., help="Label Studio full JSON export (not JSON_MIN), or a workspace's annotations.jsonl to re-apply."),
    workspace: Path = _WS,
    policy: str = _POLICY,
    progress: ProgressOpt = True,
) -> None:
    """Merge an exported annotation file into the workspace (same rules and summary as pull)."""
    _check_policy(policy)
    try:
        s = commands.import_annotations(workspace, file, policy=policy, progress=progress)
    except CorpusBuilderError as e:
        _fail(e)
    typer.echo(commands.format_summary(s))
