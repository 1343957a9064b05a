"""A small, retrying wrapper around label-studio-sdk 2.x (``label_studio_sdk.LabelStudio``).

Connection: ``url``/``api_key`` arguments, else the ``LABEL_STUDIO_URL`` / ``LABEL_STUDIO_API_KEY``
environment variables. The API key may be a legacy token (sent as ``Authorization: Token …``) or a
personal access token (a JWT refresh token, exchanged for access tokens by the SDK); the SDK tells
them apart itself.

Reliability: every call is retried on connection errors, timeouts and HTTP 5xx/429/408 with
exponential backoff (``backoff * 2**attempt`` seconds, ``retries`` extra attempts), then a one-line
:class:`~corpus_builder.errors.StudioError` names the URL and what to check. The API key is never
put in a message, a log record or a file.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

import httpx

from ..errors import ConfigError, StudioError

T = TypeVar("T")

URL_ENV = "LABEL_STUDIO_URL"
API_KEY_ENV = "LABEL_STUDIO_API_KEY"
EXPORT_TIMEOUT_ENV = "CORPUS_BUILDER_EXPORT_TIMEOUT"
#: Seconds the export request of ``pull`` may take (Label Studio builds the whole export before the
#: first byte: ~2 s per 1,000 tasks measured by benchmarks/studio_throughput.py on a 2-core machine,
#: so 10 minutes leave room for a few hundred thousand annotated tasks). Our choice.
DEFAULT_EXPORT_TIMEOUT = 600.0
_RETRY_STATUS = frozenset({408, 429}) | frozenset(range(500, 600))


class StudioClient:
    """Label Studio at ``url`` (``http://host:port``), authenticated with ``api_key``.

    ``timeout``: seconds per HTTP request. ``export_timeout``: seconds for the export request of
    :meth:`download_export` (default ``CORPUS_BUILDER_EXPORT_TIMEOUT``, else
    :data:`DEFAULT_EXPORT_TIMEOUT`); a timed-out export is not retried. ``retries``: extra attempts
    after a transient failure; ``backoff``: first wait in seconds (doubled each time). Raises
    :class:`ConfigError` when no URL or key is given and none is in the environment, or when the
    export timeout is not a positive number.
    """

    def __init__(
        self,
        url: str | None = None,
        api_key: str | None = None,
        *,
        timeout: float = 60.0,
        export_timeout: float | None = None,
        retries: int = 4,
        backoff: float = 1.0,
    ):
        self.url = (url or os.environ.get(URL_ENV) or "").rstrip("/")
        key = api_key or os.environ.get(API_KEY_ENV)
        if not self.url:
            raise ConfigError(f"no Label Studio URL: pass --url or set {URL_ENV} (e.g. http://127.0.0.1:8080, as printed by `corpus-builder studio serve`)")
        if not self.url.startswith(("http://", "https://")):
            raise ConfigError(f"Label Studio URL {self.url!r} must start with http:// or https://")
        if not key:
            raise ConfigError(f"no Label Studio API key: pass --api-key or set {API_KEY_ENV} (Account & Settings → Access Token in Label Studio)")
        self.retries, self.backoff = retries, backoff
        self.export_timeout = _export_timeout(export_timeout)
        from label_studio_sdk import LabelStudio

        try:
            self._ls = LabelStudio(base_url=self.url, api_key=key, timeout=timeout, max_retries=0)
        except Exception as e:  # the SDK decodes JWT keys here and refuses expired ones
            raise StudioError(f"Label Studio API key refused before any request ({type(e).__name__}); check {API_KEY_ENV} for {self.url}") from None

    @property
    def sdk(self) -> Any:
        """The underlying ``label_studio_sdk.LabelStudio`` client (wrap calls in :meth:`call` for retries)."""
        return self._ls

    # --- the retry loop ----------------------------------------------------------------------
    def call(self, what: str, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run ``fn(*args, **kwargs)`` (an SDK call described by ``what``) with retries; map failures to :class:`StudioError`."""
        from label_studio_sdk.core.api_error import ApiError

        attempt = 0
        while True:
            try:
                return fn(*args, **kwargs)
            except (httpx.TransportError, ApiError) as e:
                status = getattr(e, "status_code", None)
                if status in (401, 403):
                    raise StudioError(
                        f"Label Studio at {self.url} refused the API key while trying to {what} (HTTP {status}); check {API_KEY_ENV} "
                        "(a legacy token or a personal access token of a user of this server)"
                    ) from None
                transient = status is None or status in _RETRY_STATUS
                if not transient:
                    raise StudioError(f"Label Studio at {self.url} refused to {what} (HTTP {status}: {_short(getattr(e, 'body', ''))})") from None
                if attempt >= self.retries:
                    reason = f"HTTP {status}" if status else type(e).__name__
                    raise StudioError(
                        f"Label Studio at {self.url} did not answer while trying to {what} after {attempt + 1} attempts ({reason}); "
                        f"check that the server is running (`corpus-builder studio serve`) and that {URL_ENV}/--url is right"
                    ) from None
                time.sleep(self.backoff * 2**attempt)
                attempt += 1

    # --- operations --------------------------------------------------------------------------
    def find_projects(self, title: str) -> list[int]:
        """Ids of every project titled exactly ``title``, in increasing order (Label Studio allows
        several projects with one title: its ``unique_together`` on title was dropped in migration
        ``projects/0002``; its ``title`` filter is a substring match, so titles are compared here)."""
        projects = self.call("list projects", lambda: list(self._ls.projects.list(title=title)))
        return sorted(int(p.id) for p in projects if p.title == title)

    def find_project(self, title: str) -> int | None:
        """Id of the project titled ``title`` (exact match), or ``None``; raises
        :class:`StudioError` listing the ids when several projects have that title."""
        ids = self.find_projects(title)
        if len(ids) > 1:
            raise StudioError(ambiguous_title_message(title, ids, self.url))
        return ids[0] if ids else None

    def project_title(self, project_id: int) -> str:
        """The title of project ``project_id``; :class:`StudioError` (HTTP 404) when there is none."""
        return self.call(f"read project {project_id}", self._ls.projects.get, project_id).title or ""

    def project_config(self, project_id: int) -> str:
        """The labeling config XML of project ``project_id``."""
        return self.call(f"read project {project_id}", self._ls.projects.get, project_id).label_config or ""

    def create_project(self, title: str, label_config: str, description: str = "") -> int:
        """Create a project with ``label_config``; return its id."""
        p = self.call(f"create project {title!r}", self._ls.projects.create, title=title, label_config=label_config, description=description)
        return int(p.id)

    def task_refs(self, project_id: int) -> list[TaskRef]:
        """Every task of the project: its id, ``(doc_id, text_sha256)`` key, and whether a person
        has annotated or skipped it (drafts are not visible in this listing: check them with
        :meth:`has_human_work` before deleting a task).

        Asks only for those fields (``include``): with ``fields="task_only"`` alone Label Studio
        still computes every task's prediction/annotation results and comments (measured by
        benchmarks/studio_throughput.py: 2,000 tasks listed in 1.5 s instead of 3.4 s)."""
        from .tasks import RECORD_KEY, task_key

        tasks = self.call(
            f"list the tasks of project {project_id}",
            lambda: list(self._ls.tasks.list(
                project=project_id, fields="task_only", include="id,data,total_annotations,cancelled_annotations", page_size=500,
            )),
        )
        return [
            TaskRef(
                int(t.id),
                task_key({"data": t.data}),
                bool(t.total_annotations or t.cancelled_annotations),
                (t.data or {}).get("source"),
                (t.data or {}).get(RECORD_KEY),
            )
            for t in tasks
        ]

    def has_human_work(self, task_id: int) -> bool:
        """True when a person has worked on the task: an annotation, a skipped one, or a draft by
        any user. One request; needed because the task list only shows the key's own drafts, and
        none at all with ``fields="task_only"`` (Label Studio 1.23: ``draft_exists`` is computed
        for every user's drafts, in the single-task view)."""
        t = self.call(f"read task {task_id}", self._ls.tasks.get, task_id)
        return bool(t.total_annotations or t.cancelled_annotations or getattr(t, "draft_exists", None) or getattr(t, "drafts", None))

    # --- predictions of one task (studio push --update-predictions, see .refresh) ---

    def task_predictions(self, task_id: int) -> list[dict[str, Any]]:
        """The predictions of one task: ``[{"id", "model_version"}]``."""
        preds = self.call(f"list the predictions of task {task_id}", self._ls.predictions.list, task=task_id)
        return [{"id": int(p.id), "model_version": p.model_version} for p in preds]

    def create_prediction(self, task_id: int, result: list[dict[str, Any]], model_version: str, score: float | None = None) -> int:
        """Add a prediction (Label Studio regions) to a task; return its id."""
        kwargs: dict[str, Any] = {"task": task_id, "result": result, "model_version": model_version}
        if score is not None:
            kwargs["score"] = score
        return int(self.call(f"add a prediction to task {task_id}", self._ls.predictions.create, **kwargs).id)

    def delete_prediction(self, prediction_id: int) -> None:
        """Delete one prediction."""
        self.call(f"delete prediction {prediction_id}", self._ls.predictions.delete, prediction_id)

    def delete_task(self, task_id: int) -> None:
        """Delete one task (with its predictions)."""
        self.call(f"delete task {task_id}", self._ls.tasks.delete, task_id)

    def count_tasks(self, project_id: int) -> int:
        return len(self.call(f"list the tasks of project {project_id}", lambda: list(self._ls.tasks.list(project=project_id, fields="task_only", page_size=500))))

    def import_tasks(self, project_id: int, tasks: list[dict[str, Any]]) -> int:
        """Import ``tasks`` (with predictions) into the project; return the number of tasks created."""
        r = self.call(f"import {len(tasks)} tasks into project {project_id}", self._ls.projects.import_tasks, project_id, request=tasks, return_task_ids=True)
        return int(r.task_count or 0)

    def export_json(self, project_id: int) -> list[dict[str, Any]]:
        """The project's full JSON export (every task, with annotations; not JSON_MIN)."""
        data = self.call(
            f"export project {project_id}",
            lambda: self._ls.projects.exports.as_json(project_id),
        )
        return list(data)

    def project_task_count(self, project_id: int) -> int:
        """Number of tasks in the project (``task_number`` of the project; one request)."""
        return int(self.call(f"read project {project_id}", self._ls.projects.get, project_id).task_number or 0)

    def download_export(
        self,
        project_id: int,
        path: Path | str,
        *,
        only_annotated: bool = True,
        on_bytes: Callable[[int], None] | None = None,
    ) -> int:
        """Stream the project's full JSON export (not JSON_MIN) into ``path``; return its size in bytes.

        ``only_annotated``: only tasks with at least one annotation, cancelled/skipped ones included
        (Label Studio's ``download_all_tasks=false``: ``annotations__isnull=False`` in
        ``label_studio/data_export/api.py``), so tasks nobody opened are not serialised. The body is
        written in 1 MiB chunks as it arrives (``on_bytes(n)`` after each), never held in memory.
        The request may take :attr:`export_timeout` seconds (Label Studio builds the whole export
        before answering); connection errors and HTTP 5xx are retried as every call, a timeout is
        not (a retry would rebuild the same export and time out again): :class:`StudioError` says
        how to give it more time.
        """
        path = Path(path)
        what = f"export project {project_id}"

        def fetch() -> int:
            n = 0
            try:
                chunks = self._ls.projects.exports.download_sync(
                    project_id,
                    export_type="JSON",
                    download_all_tasks=not only_annotated,
                    download_resources=False,
                    request_options={"timeout": self.export_timeout, "chunk_size": 1 << 20},
                )
                with path.open("wb") as f:  # truncates a partial file of an earlier attempt
                    for chunk in chunks:
                        f.write(chunk)
                        n += len(chunk)
                        if on_bytes is not None:
                            on_bytes(len(chunk))
            except httpx.TimeoutException:
                raise _ExportTimeout() from None
            return n

        try:
            return self.call(what, fetch)
        except _ExportTimeout:
            raise StudioError(
                f"Label Studio at {self.url} did not finish the export of project {project_id} within {self.export_timeout:g} s "
                f"(not retried: the server would rebuild the same export); give it more time with --export-timeout SECONDS "
                f"or {EXPORT_TIMEOUT_ENV}, or check the server's load"
            ) from None

    def create_annotation(self, task_id: int, result: list[dict[str, Any]], **kwargs: Any) -> int:
        """Create an annotation on a task (as the key's user); return its id. Used by tests and scripts."""
        a = self.call(f"annotate task {task_id}", self._ls.annotations.create, task_id, result=result, **kwargs)
        return int(a.id)

    def tasks(self, project_id: int) -> Iterable[Any]:
        return self.call(f"list the tasks of project {project_id}", lambda: list(self._ls.tasks.list(project=project_id, fields="all", page_size=500)))

    def whoami(self) -> Any:
        return self.call("read the current user", self._ls.users.whoami)


def ambiguous_title_message(title: str, ids: list[int], url: str) -> str:
    """The error for a title that several projects share: names every id and the option to use."""
    return (f"{len(ids)} projects are titled {title!r} at {url} (ids {', '.join(map(str, ids))}); the title is ambiguous: "
            f"pass --project-id with one of these ids (Label Studio shows it in the project's URL, /projects/<id>)")


class TaskRef(NamedTuple):
    """A task as :meth:`StudioClient.task_refs` lists it: ``key`` is ``(doc_id, text_sha256)``;
    ``touched`` is true once a person has annotated or skipped it (not drafts: see
    :meth:`StudioClient.has_human_work`); ``source`` is the document's input path as pushed
    (``None`` for a task added by hand); ``record`` the document's record
    (:func:`.tasks.document_record`; ``None`` for a task pushed before records were sent)."""

    id: int
    key: tuple[str, str]
    touched: bool
    source: str | None = None
    record: str | None = None


class _ExportTimeout(Exception):
    """Internal: the export request timed out (not retried by :meth:`StudioClient.call`)."""


def _export_timeout(value: float | None) -> float:
    raw: Any = value if value is not None else os.environ.get(EXPORT_TIMEOUT_ENV, DEFAULT_EXPORT_TIMEOUT)
    try:
        seconds = float(raw)
    except (TypeError, ValueError):
        seconds = -1.0
    if not seconds > 0:
        raise ConfigError(f"export timeout {raw!r} (--export-timeout or {EXPORT_TIMEOUT_ENV}) must be a positive number of seconds")
    return seconds


def _short(body: Any, n: int = 200) -> str:
    text = str(body)
    return text if len(text) <= n else text[:n] + "…"
