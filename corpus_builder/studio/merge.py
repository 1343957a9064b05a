"""Label Studio full JSON export → merged workspace Documents (human annotation wins).

Merging rules (issue 3), applied per document by :func:`merge_document` to all of its tasks
together (:func:`merge_tasks` in memory, ``commands.merge_export`` streaming):

1. **Which document.** ``data.doc_id`` names the workspace document; the task's
   ``data.text_sha256`` and the sha256 of ``data.text`` must both equal the sha256 of the
   workspace document's text. Otherwise the task is *reported, not merged* (the text changed since
   push: re-run ``studio push`` so the annotators see the current text).
2. **Which annotation.** Cancelled/skipped annotations (``was_cancelled``) never win. A task with
   no usable annotation is *skipped* (its document is left as it is: still ``predicted``, or
   ``reviewed`` from an earlier merge). The usable annotations of *all the tasks of the document*
   (a document imported twice, or two projects' exports, has several; the ones saved in
   ``annotations.jsonl`` by earlier merges take part too) go through the policy together, whatever
   their order in the export, and the choice is reported (kind ``policy``) whenever more than
   one annotation competes (:data:`POLICIES`):

   - ``ground-truth-latest`` (default): the annotation flagged ``ground_truth`` wins; among equals
     the most recent (``updated_at``, then ``created_at``, then ``id``). Its whole result is used.
   - ``majority``: one vote per annotator (``completed_by``; an annotator with several
     annotations of the document, e.g. in two tasks, votes with the most recent one, reported);
     per entity span ``(start, end, label)``, kept when a strict majority of the annotators has it;
     per block, the boilerplate label (or content) chosen by a strict majority, else the
     ``ground-truth-latest`` winner's choice (reported as "no majority").

3. **Every result is checked** against the labeling config: unknown ``from_name``/``to_name``/label,
   result types other than ``labels``, and HyperText/node-path results (``xpath``,
   ``startOffset``, ``globalOffsets``) are *rejected* (reported; the other results still merge).
4. **Every span is checked**: ``text[start:end]`` must equal the region's ``text``. If it does not,
   the offsets are read as UTF-16 code units (browser counting after emoji) and converted; if that
   does not fit either, the span is re-anchored only when the region text occurs exactly once within
   :data:`REANCHOR_WINDOW` code points of where it claimed to be; otherwise it is *reported* and left
   out. Entity spans are trimmed of edge whitespace; a span crossing a line break, or overlapping an
   earlier kept span, is reported and left out. A span that starts or ends inside a word ("raîneur
   lill") is merged as drawn and reported (``mid-word``, with the whole-word span as a suggestion).
5. **Boilerplate regions** label every block whose non-blank extent they cover by more than half;
   a region touching a block less than that is reported. Blocks without a region are content.
6. **The merged document**: ``entities`` = the human spans (``source="annotation"``, ``annotator`` =
   Label Studio user id(s)), ``predictions`` = the machine spans (``source="prediction"``),
   blocks relabelled with ``source="annotation"``, the machine's boilerplate blocks kept in
   ``meta["studio"]["predicted_blocks"]``, sentences recomputed per block never cutting an entity,
   ``status="reviewed"``. Merging the same export twice gives the same documents.

A JSON_MIN export (flattened, no ``annotations`` list) is refused as a whole: it has no
annotation ids, cancel flags or ground-truth flags, so the rules above cannot be applied.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from ..errors import InputError, StudioError, json_error_text
from ..records import Block, Document, Sentence, Span
from .config import (
    BOILERPLATE_FROM_NAME,
    ENTITY_FROM_NAME,
    NODE_PATH_TAGS,
    LabelingConfig,
    labeling_config,
    parse_config,
)
from .tasks import (
    DOC_ID_KEY,
    TEXT_SHA_KEY,
    OffsetMap,
    document_record,
    machine_blocks,
    machine_spans,
    task_record,
    text_sha256,
)

Policy = Literal["ground-truth-latest", "majority"]
#: Multi-annotation policies (see the module docstring).
POLICIES: tuple[str, ...] = ("ground-truth-latest", "majority")
#: How far (code points, each side of the claimed offsets) a region text is searched for when its
#: offsets fit neither as code points nor as UTF-16 units. Our choice: a few words of drift.
REANCHOR_WINDOW = 40
_NODE_PATH_KEYS = ("xpath", "startOffset", "endOffset", "globalOffsets")

#: Report kinds that are information (the span was merged) rather than problems.
INFO_KINDS = frozenset({"utf16-converted", "reanchored", "trimmed", "mid-word", "policy", "saved-left-out", "all-content"})


@dataclass(frozen=True)
class ReportItem:
    """One reported event of a merge. ``kind``: ``not-merged`` (a whole task: text hash mismatch,
    unknown doc_id), ``rejected`` (a result the labeling config does not allow), ``reported`` (a
    span, region or vote that did not fit and was left out), ``skipped`` (a task with no usable
    annotation), or an information kind (:data:`INFO_KINDS`: the span was merged; ``all-content``:
    the merged annotation has no boilerplate region while the prediction had some, so every block
    became content)."""

    kind: str
    reason: str
    task_id: Any = None
    doc_id: str | None = None
    annotation_id: Any = None
    result_id: str | None = None
    detail: str = ""
    #: where the document came from (:func:`.tasks.document_record`: ``<file>#L<line>`` for a JSONL
    #: line, else the file), so that a report names one document even when JSONL lines share a source.
    record: str | None = None
    #: for ``not-merged``: ``text-changed`` (the document's text is not the task's), ``removed`` (no
    #: workspace document has the task's doc_id or record), ``ambiguous`` (several documents come
    #: from the task's source: which cannot be told) or ``invalid`` (the task does not match the schema).
    cause: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class MergeResult:
    """What :func:`merge_tasks` produced: merged documents by ``doc_id``, the raw tasks they came from
    (kept in ``annotations.jsonl``), and every report item."""

    documents: dict[str, Document] = field(default_factory=dict)
    merged_tasks: list[dict[str, Any]] = field(default_factory=list)
    reports: list[ReportItem] = field(default_factory=list)
    tasks_seen: int = 0
    tasks_merged: int = 0
    several_tasks: int = 0

    def summary(self) -> dict[str, Any]:
        """Counts that add up: ``tasks`` = ``merged`` (tasks whose annotations went through the
        policy into their document) + ``skipped`` + ``not_merged``; ``documents``: documents
        reviewed by this merge; ``several_tasks``: those of them merged from more than one task;
        then report items by kind."""
        kinds = Counter(r.kind for r in self.reports)
        return {
            "tasks": self.tasks_seen,
            "merged": self.tasks_merged,
            "documents": len(self.documents),
            "several_tasks": self.several_tasks,
            "skipped": kinds.get("skipped", 0),
            "not_merged": kinds.get("not-merged", 0),
            "not_merged_text_changed": sum(r.kind == "not-merged" and r.cause == "text-changed" for r in self.reports),
            "not_merged_removed": sum(r.kind == "not-merged" and r.cause == "removed" for r in self.reports),
            "reported": kinds.get("reported", 0),
            "results_rejected": kinds.get("rejected", 0),
            "utf16_converted": kinds.get("utf16-converted", 0),
            "reanchored": kinds.get("reanchored", 0),
            "trimmed": kinds.get("trimmed", 0),
            "mid_word": kinds.get("mid-word", 0),
            "all_content": kinds.get("all-content", 0),
        }


# --- reading exports ---------------------------------------------------------------------------
def is_json_min(item: Any) -> bool:
    """True for a JSON_MIN / CSV-like export row (flattened: no ``annotations`` list, no ``data``)."""
    return isinstance(item, dict) and "annotations" not in item and "data" not in item


def check_full_export(tasks: Any, where: str) -> list[dict[str, Any]]:
    """Return ``tasks`` if it is a Label Studio full JSON export (list of tasks with ``data`` and
    ``annotations``); raise :class:`StudioError` naming ``where`` otherwise (JSON_MIN gets its own message)."""
    if isinstance(tasks, dict) and "data" in tasks:
        tasks = [tasks]
    if not isinstance(tasks, list):
        raise StudioError(f"{where}: not a Label Studio JSON export (expected a list of tasks)")
    for i, t in enumerate(tasks):
        _check_item(i, t, where)
    return tasks


@lru_cache(maxsize=1)
def _task_validator() -> Any:
    import jsonschema

    schema = json.loads(resources.files("corpus_builder").joinpath("schemas/studio_task.schema.json").read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema)


#: Task keys the merge reads (and so the schema check looks at): ``predictions`` are not among them
#: (the machine's spans come from the workspace document), and checking them was most of the
#: check's time (benchmarks/studio_throughput.py).
MERGE_READS = ("id", "data", "annotations")


def task_schema_error(task: Any) -> str | None:
    """The first violation of ``schemas/studio_task.schema.json`` by the parts of ``task`` the merge
    reads (:data:`MERGE_READS`; ``predictions`` are not checked), as ``path: message``, else ``None``."""
    if isinstance(task, dict):
        task = {k: task[k] for k in MERGE_READS if k in task}
    err = next(iter(sorted(_task_validator().iter_errors(task), key=lambda e: list(e.absolute_path))), None)
    if err is None:
        return None
    path = "/".join(str(p) for p in err.absolute_path) or "(task)"
    return f"{path}: {err.message}"


def task_problem(task: Mapping[str, Any]) -> ReportItem | None:
    """The ``not-merged`` report of a task that does not match the task schema (e.g. a task added by
    hand without ``doc_id``/``text_sha256``), else ``None``."""
    problem = task_schema_error(task)
    if problem is None:
        return None
    doc_id = str((task.get("data") or {}).get(DOC_ID_KEY))
    return ReportItem("not-merged", f"task does not match schemas/studio_task.schema.json ({problem}); not merged", task.get("id"), doc_id,
                      record=task_record(task), cause="invalid")


def _check_item(item: str, t: Any, where: str) -> dict[str, Any]:
    """``t`` when it is a full-format Label Studio task, else :class:`StudioError` naming ``where``
    and ``item`` (``"line 3"`` of a ``.jsonl`` file, ``"task 3"`` of a list, counting from 1)."""
    if is_json_min(t):
        raise StudioError(
            f"{where}: {item} looks like a JSON_MIN export (flattened, no 'annotations'); it lacks annotation ids, "
            "cancel and ground-truth flags, so it cannot be merged safely: export again with the full 'JSON' format"
        )
    if not isinstance(t, dict) or not isinstance(t.get("data"), dict) or not isinstance(t.get("annotations", []), list):
        raise StudioError(f"{where}: {item} is not a Label Studio task (needs a 'data' object and an 'annotations' list)")
    return t


def iter_export(path: Path | str) -> Iterator[dict[str, Any]]:
    """Yield the tasks of a full JSON export file one at a time (streaming: memory does not grow with
    the file): ``.json`` holding a list of tasks (parsed incrementally with ``ijson``) or one task,
    or ``.jsonl`` with one task per line (e.g. a workspace's ``annotations.jsonl``).

    Raises :class:`InputError` for an unreadable file or invalid JSON, and :class:`StudioError`
    (naming the item) for JSON_MIN or non-task content, when the iteration reaches it."""
    import ijson

    path = Path(path)
    where = str(path)
    bad_json = "not valid JSON ({}); CSV/TSV exports are not accepted, export 'JSON'"
    try:
        f = path.open("rb")
    except OSError as e:
        raise InputError(f"{path}: cannot read the annotation file ({e.strerror})") from e
    with f:
        if path.suffix == ".jsonl":
            for lineno, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    item = json.loads(line)
                except (json.JSONDecodeError, UnicodeDecodeError) as e:
                    raise InputError(f"{path}: line {lineno}: " + bad_json.format(json_error_text(e, line=False))) from e
                yield _check_item(f"line {lineno}", item, where)
            return
        start = 3 if f.read(3) == b"\xef\xbb\xbf" else 0  # a UTF-8 byte order mark (Windows editors)
        f.seek(start)
        head = f.read(4096).lstrip(b" \t\r\n")[:1]
        f.seek(start)
        if not head:
            raise InputError(f"{path}: the file is empty (no task): export the project again in Label Studio's 'JSON' format")
        if head != b"[":  # one task, or not an export at all: small enough to read whole
            try:
                data = json.loads(f.read().decode("utf-8"))
            except (json.JSONDecodeError, UnicodeDecodeError) as e:
                raise InputError(f"{path}: " + bad_json.format(json_error_text(e))) from e
            if not (isinstance(data, dict) and "data" in data):
                raise StudioError(f"{where}: not a Label Studio JSON export (expected a list of tasks)")
            yield _check_item("the task", data, where)
            return
        try:
            for i, item in enumerate(ijson.items(f, "item", use_float=True), 1):
                yield _check_item(f"task {i}", item, where)
        except ijson.JSONError as e:
            raise InputError(f"{path}: " + bad_json.format(e)) from e


def load_export(path: Path | str) -> list[dict[str, Any]]:
    """Read a whole full JSON export (``.json``: a list of tasks, or one task) or JSON Lines file of
    tasks (``.jsonl``) into a list (see :func:`iter_export`, which streams). Raises
    :class:`InputError` for unreadable files and :class:`StudioError` for JSON_MIN or non-task content."""
    return list(iter_export(path))


# --- spans -------------------------------------------------------------------------------------
def _readings(text: str, omap: OffsetMap, start: int, end: int, region_text: str) -> dict[str, tuple[int, int]]:
    """The readings of ``start``/``end`` under which ``text`` holds ``region_text``: ``"codepoint"``
    (as sent) and/or ``"utf16"`` (read as UTF-16 code units), each as code-point offsets."""
    out: dict[str, tuple[int, int]] = {}
    if 0 <= start < end <= len(text) and text[start:end] == region_text:
        out["codepoint"] = (start, end)
    if omap.has_astral:
        try:
            s, e = omap.to_codepoint(start), omap.to_codepoint(end)
        except ValueError:
            pass
        else:
            if text[s:e] == region_text and (s, e) != out.get("codepoint"):
                out["utf16"] = (s, e)
    return out


def offset_convention(text: str, omap: OffsetMap, results: Iterable[Any]) -> str | None:
    """How one annotation's results count offsets: ``"codepoint"`` or ``"utf16"`` when at least one
    of its regions fits under that reading only (a region after an emoji or another character
    outside the BMP), ``None`` when none tells them apart (or they disagree). One annotation comes
    from one client, so all its regions share one convention; this decides the regions that fit
    under both readings at different places (repeated text after an emoji: "😀 aaa")."""
    seen: set[str] = set()
    for r in results:
        value = r.get("value") if isinstance(r, dict) and isinstance(r.get("value"), dict) else {}
        start, end, region_text = value.get("start"), value.get("end"), value.get("text")
        if isinstance(start, int) and isinstance(end, int) and isinstance(region_text, str) and region_text:
            fits = _readings(text, omap, start, end, region_text)
            if len(fits) == 1:
                seen |= set(fits)
    return seen.pop() if len(seen) == 1 else None


def locate_span(
    text: str, omap: OffsetMap, start: Any, end: Any, region_text: Any, convention: str | None = None
) -> tuple[int, int, str] | None:
    """Find where a region really is in ``text``: ``(start, end, how)`` in code points, with ``how`` =
    ``"codepoint"`` (fits as sent), ``"utf16"`` (fits once read as UTF-16 units) or ``"reanchored"``
    (region text found exactly once within :data:`REANCHOR_WINDOW`); ``None`` when nothing fits.
    A region that fits under both readings at two places is placed by ``convention`` (the
    annotation's, :func:`offset_convention`); without one it is ``(-1, -1, "ambiguous")``: which
    occurrence the annotator meant cannot be told, and the caller reports it instead of guessing."""
    if not isinstance(region_text, str) or not region_text or not isinstance(start, int) or not isinstance(end, int):
        return None
    fits = _readings(text, omap, start, end, region_text)
    if len(fits) == 2:
        if convention not in fits:
            return -1, -1, "ambiguous"
        return (*fits[convention], convention)
    if fits:
        (how, (s, e)), = fits.items()
        return s, e, how
    lo, hi = max(0, min(start, end) - REANCHOR_WINDOW), min(len(text), max(start, end) + REANCHOR_WINDOW)
    window = text[lo:hi]
    hits, i = [], window.find(region_text)
    while i >= 0:
        hits.append(i)
        i = window.find(region_text, i + 1)
    if len(hits) == 1:
        return lo + hits[0], lo + hits[0] + len(region_text), "reanchored"
    return None


@dataclass(frozen=True)
class _Region:
    from_name: str
    start: int
    end: int
    label: str
    result_id: str | None


@dataclass
class _Ctx:
    task_id: Any
    doc_id: str
    reports: list[ReportItem]
    record: str | None = None

    def add(self, kind: str, reason: str, annotation_id: Any = None, result_id: Any = None, detail: str = "", cause: str | None = None) -> None:
        self.reports.append(
            ReportItem(kind, reason, self.task_id, self.doc_id, annotation_id, None if result_id is None else str(result_id), detail,
                       self.record, cause)
        )


def _parse_result(r: Any, cfg: LabelingConfig, text: str, omap: OffsetMap, ctx: _Ctx, ann_id: Any, convention: str | None = None) -> _Region | None:
    if not isinstance(r, dict):
        ctx.add("rejected", "result is not an object", ann_id, "?")
        return None
    rid = r.get("id", "?")
    value = r.get("value") if isinstance(r.get("value"), dict) else {}
    from_name, to_name, rtype = r.get("from_name"), r.get("to_name"), str(r.get("type", "")).lower()
    obj = cfg.objects.get(to_name) if isinstance(to_name, str) else None
    if rtype.startswith("hypertext") or any(k in value for k in _NODE_PATH_KEYS) or (obj and obj[0] in NODE_PATH_TAGS):
        ctx.add("rejected", "HyperText/node-path result: its offsets are DOM node paths, not text offsets; "
                "annotate with the generated config (plain <Text> tag)", ann_id, rid)
        return None
    if from_name not in cfg.controls:
        ctx.add("rejected", f"unknown from_name {from_name!r}: the labeling config defines {sorted(cfg.controls)}", ann_id, rid)
        return None
    if to_name != cfg.controls[from_name][0]:
        ctx.add("rejected", f"unknown to_name {to_name!r} for from_name {from_name!r}: expected {cfg.controls[from_name][0]!r}", ann_id, rid)
        return None
    if rtype != "labels":
        ctx.add("rejected", f"result type {rtype!r} is not supported (only 'labels' regions)", ann_id, rid)
        return None
    labels = value.get("labels")
    if not isinstance(labels, list) or len(labels) != 1:
        ctx.add("rejected", f"region must carry exactly one label, got {labels!r}", ann_id, rid)
        return None
    if labels[0] not in cfg.labels_of(from_name):
        ctx.add("rejected", f"unknown label {labels[0]!r} for {from_name!r}: allowed {sorted(cfg.labels_of(from_name))}", ann_id, rid)
        return None
    found = locate_span(text, omap, value.get("start"), value.get("end"), value.get("text"), convention)
    if found is not None and found[2] == "ambiguous":
        ctx.add("reported", "span is ambiguous: its region text is at start:end read as code points and, elsewhere, read as "
                "UTF-16 units, and no other region of the annotation tells which the client used", ann_id, rid,
                f"start={value.get('start')!r} end={value.get('end')!r} text={value.get('text')!r}")
        return None
    if found is None:
        ctx.add("reported", "span does not fit the text: text[start:end] differs from the region text, as code points and as "
                "UTF-16 units, and the region text is not found once nearby", ann_id, rid,
                f"start={value.get('start')!r} end={value.get('end')!r} text={value.get('text')!r}")
        return None
    s, e, how = found
    if how == "utf16":
        ctx.add("utf16-converted", "offsets were UTF-16 code units; converted to code points", ann_id, rid, f"{value['start']}-{value['end']} -> {s}-{e}")
    elif how == "reanchored":
        ctx.add("reanchored", "offsets did not fit; region text found once nearby", ann_id, rid, f"{value['start']}-{value['end']} -> {s}-{e}")
    return _Region(from_name, s, e, labels[0], None if rid is None else str(rid))


def _clean_entities(text: str, regions: Iterable[_Region], ctx: _Ctx, ann_id: Any) -> list[_Region]:
    """Trim edge whitespace, drop (and report) spans across a line break or overlapping a kept span."""
    trimmed: list[_Region] = []
    for r in regions:
        s, e = r.start, r.end
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if s == e:
            ctx.add("reported", "entity span is only whitespace", ann_id, r.result_id)
            continue
        if (s, e) != (r.start, r.end):
            ctx.add("trimmed", "entity span trimmed of edge whitespace", ann_id, r.result_id, f"{r.start}-{r.end} -> {s}-{e}")
        if "\n" in text[s:e]:
            ctx.add("reported", "entity span crosses a line break (entities stay inside one block)", ann_id, r.result_id, repr(text[s:e]))
            continue
        trimmed.append(replace(r, start=s, end=e))
    kept: list[_Region] = []
    for r in sorted(set(trimmed), key=lambda r: (r.start, -(r.end - r.start), r.label)):
        clash = next((k for k in kept if r.start < k.end and k.start < r.end), None)
        if clash is not None:
            ctx.add("reported", f"entity span overlaps span {clash.start}-{clash.end} {clash.label} kept before it", ann_id, r.result_id,
                    f"{r.start}-{r.end} {r.label} {text[r.start:r.end]!r}")
            continue
        kept.append(r)
        cut = mid_word_snap(text, r.start, r.end)
        if cut is not None:
            s2, e2 = cut
            ctx.add("mid-word", f"entity span {r.start}-{r.end} {r.label} {text[r.start:r.end]!r} starts or ends inside a word; "
                    f"merged as the annotator drew it (a person's span is never changed silently): check it in Label Studio, "
                    f"the whole words would be {s2}-{e2} {text[s2:e2]!r}", ann_id, r.result_id,
                    f"{r.start}-{r.end} {text[r.start:r.end]!r} -> suggested {s2}-{e2} {text[s2:e2]!r}")
    return kept


def mid_word_snap(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The span widened to whole words when ``text[start:end]`` starts or ends inside a word, else
    ``None``. A boundary is inside a word when the characters on both sides of it are letters or
    digits (``str.isalnum``): "raîneur lill" in "Entraîneur lillois" gives "Entraîneur lillois";
    "Institut" in "l'Institut" and "Vivendi" in "Vivendi-Générale" are whole words. Offsets in
    code points, end-exclusive. This is the family of errors that character-level dragging makes
    and that the editor's ``granularity="word"`` (:data:`.config.GRANULARITY`) prevents for new
    annotations; it is reported, not fixed, by :func:`merge_document`."""
    s, e = start, end
    while 0 < s < len(text) and text[s - 1].isalnum() and text[s].isalnum():
        s -= 1
    while 0 < e < len(text) and text[e - 1].isalnum() and text[e].isalnum():
        e += 1
    return None if (s, e) == (start, end) else (s, e)


def _block_labels(text: str, blocks: tuple[Block, ...], regions: Iterable[_Region], ctx: _Ctx, ann_id: Any) -> list[str | None]:
    """Per block: the boilerplate label of the region covering more than half of its non-blank extent, else ``None``."""
    best: list[tuple[int, str | None]] = [(0, None)] * len(blocks)
    for r in regions:
        touched = False
        for i, b in enumerate(blocks):
            bs, be = _strip_extent(text, b.start, b.end)
            ov = min(be, r.end) - max(bs, r.start)
            if ov <= 0:
                continue
            touched = True
            if 2 * ov > be - bs:
                if best[i][1] not in (None, r.label):
                    ctx.add("reported", f"block {i} is covered by boilerplate regions with different labels; kept the larger overlap",
                            ann_id, r.result_id, f"{best[i][1]} vs {r.label}")
                if ov > best[i][0]:
                    best[i] = (ov, r.label)
            else:
                ctx.add("reported", f"boilerplate region covers only part of block {i}; not applied to that block", ann_id, r.result_id,
                        f"covers {ov} of {be - bs} code points")
        if not touched:
            ctx.add("reported", "boilerplate region covers no block", ann_id, r.result_id)
    return [lab for _, lab in best]


def _strip_extent(text: str, start: int, end: int) -> tuple[int, int]:
    seg = text[start:end]
    s = start + (len(seg) - len(seg.lstrip()))
    e = end - (len(seg) - len(seg.rstrip()))
    return (s, e) if s < e else (start, end)


# --- sentences ---------------------------------------------------------------------------------
def recompute_sentences(text: str, blocks: tuple[Block, ...], entities: tuple[Span, ...]) -> tuple[Sentence, ...]:
    """Sentences of every block, recomputed from the corrected blocks and entities
    (:func:`corpus_builder.segment.split_document`: no sentence ever cuts a corrected entity)."""
    from ..segment import split_document

    return split_document(text, blocks, entities)


# --- annotations and policies ------------------------------------------------------------------
def _one_vote_per_annotator(pool: list[tuple[Mapping[str, Any], Mapping[str, Any], _Ctx]], ctx: _Ctx) -> list[tuple[Mapping[str, Any], Mapping[str, Any], _Ctx]]:
    """The entries of ``pool`` (task, annotation, context) that vote under ``majority``: for each
    annotator (:func:`annotator_id`) the most recent annotation (:func:`recency`), in pool order.
    Annotations whose annotator is unknown vote each. Each annotator set aside this way is
    reported (kind ``policy``), so that one person's two copies never outvote another person."""
    latest = latest_per_annotator([a for _, a, _ in pool], unknown_each=True)
    repeated = [(seen[1], who, i, len(seen)) for who, (i, seen) in latest.items() if len(seen) > 1]
    for _, who, i, n in sorted(repeated):  # in the order of their second annotation in the pool
        ctx.add("policy", f"annotator {who} has {n} annotations of this document; under 'majority' they vote once, "
                "with the most recent", pool[i][1].get("id"))
    return [pool[i] for i in sorted(i for i, _ in latest.values())]


def latest_per_annotator(annotations: Sequence[Mapping[str, Any]], *, unknown_each: bool) -> dict[str, tuple[int, list[int]]]:
    """Each annotator's most recent annotation in ``annotations``: ``{annotator: (index of that
    annotation, indices of all the annotator's annotations)}``, annotators in order of first appearance.

    Annotators by :func:`annotator_id`, most recent by :func:`recency` (on a tie, the first). An
    annotation without a known annotator (``"unknown"``) is its own annotator
    ``"unknown#<index>"`` when ``unknown_each`` (the ``majority`` merge: one vote each, nobody's
    copies are set aside), else all of them are the one annotator ``"unknown"`` (agreement: one
    group, compared as one person with the others).
    """
    latest: dict[str, tuple[int, list[int]]] = {}
    for i, a in enumerate(annotations):
        who = annotator_id(a)
        if who == "unknown" and unknown_each:
            who = f"unknown#{i}"
        if who in latest:
            j, seen = latest[who]
            seen.append(i)
            latest[who] = (i if recency(a) > recency(annotations[j]) else j, seen)
        else:
            latest[who] = (i, [i])
    return latest


def annotator_id(annotation: Mapping[str, Any]) -> str:
    """The annotator of an annotation: the Label Studio user id as a string (``completed_by`` is an
    id in the full export, or an object with ``id`` when exported with user details)."""
    cb = annotation.get("completed_by")
    if isinstance(cb, dict):
        cb = cb.get("id", cb.get("email"))
    return "unknown" if cb is None else str(cb)


def usable_annotations(annotations: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Annotations that may win: not cancelled/skipped (``was_cancelled``)."""
    return [a for a in annotations if isinstance(a, Mapping) and not a.get("was_cancelled") and isinstance(a.get("result", []), list)]


def recency(a: Mapping[str, Any]) -> tuple[bool, str, int]:
    """The sort key of the ``ground-truth-latest`` policy: ground truth first, then the most
    recent ``updated_at`` (else ``created_at``), then the highest integer ``id``."""
    aid = a.get("id")
    return (bool(a.get("ground_truth")), str(a.get("updated_at") or a.get("created_at") or ""), aid if isinstance(aid, int) else -1)


def pick_annotation(annotations: Iterable[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    """The ``ground-truth-latest`` winner among usable annotations, or ``None`` if there is none."""
    usable = usable_annotations(annotations)
    return max(usable, key=recency) if usable else None


@dataclass
class _Parsed:
    ann: Mapping[str, Any]
    entities: list[_Region]
    blocks: list[str | None]


def annotation_labels(doc: Document, ann: Mapping[str, Any], cfg: LabelingConfig) -> tuple[set[tuple[int, int, str]], list[str | None]]:
    """What one annotation says about ``doc``, checked as a merge checks it (rules 3-5 of the
    module docstring; problems are not reported: the merge reports them): its entity spans
    ``{(start, end, label)}`` (code points) and the boilerplate label of each block of
    ``doc.blocks`` (``None`` = content). Used by :mod:`corpus_builder.release.agreement`."""
    p = _parse_annotation(doc, ann, cfg, OffsetMap(doc.text), _Ctx(None, doc.doc_id, []))
    return {(r.start, r.end, r.label) for r in p.entities}, list(p.blocks)


def _parse_annotation(doc: Document, ann: Mapping[str, Any], cfg: LabelingConfig, omap: OffsetMap, ctx: _Ctx) -> _Parsed:
    aid = ann.get("id")
    results = ann.get("result") or []
    convention = offset_convention(doc.text, omap, results) if omap.has_astral else None
    regions = [r for r in (_parse_result(r, cfg, doc.text, omap, ctx, aid, convention) for r in results) if r is not None]
    ents = _clean_entities(doc.text, [r for r in regions if r.from_name == ENTITY_FROM_NAME], ctx, aid)
    blocks = _block_labels(doc.text, doc.blocks, [r for r in regions if r.from_name == BOILERPLATE_FROM_NAME], ctx, aid)
    return _Parsed(ann, ents, blocks)


def document_locators(docs: Iterable[Document]) -> dict[str, list[str]]:
    """Where each document came from → the ``doc_id`` s that came from there: every document under
    its record (:func:`.tasks.document_record`: ``<file>#L<line>`` for a JSONL line, the file's
    path otherwise) and, for tasks pushed before records were sent, under its ``source``.
    Explains a task whose ``doc_id`` left the workspace (:func:`unknown_doc_reason`)."""
    out: dict[str, list[str]] = {}
    for d in docs:
        for loc in dict.fromkeys((document_record(d), d.source)):
            out.setdefault(loc, []).append(d.doc_id)
    return out


def unknown_doc_report(task: Mapping[str, Any], locators: Mapping[str, Sequence[str]]) -> ReportItem:
    """The ``not-merged`` report of a task whose ``doc_id`` is not in the workspace (reason and
    cause from :func:`unknown_doc_reason`)."""
    reason = unknown_doc_reason(task, locators)
    record = task_record(task)
    found = set(locators.get(record, ())) if record is not None else set()
    cause = "text-changed" if len(found) == 1 else "ambiguous" if found else "removed"
    return ReportItem("not-merged", reason, task.get("id"), str((task.get("data") or {}).get(DOC_ID_KEY)), record=record, cause=cause)


def unknown_doc_reason(task: Mapping[str, Any], locators: Mapping[str, Sequence[str]]) -> str:
    """Why a task whose ``doc_id`` is not in the workspace is not merged, telling "text changed"
    from "removed from the inputs". ``locators``: :func:`document_locators` of the workspace (only
    the locators tasks name are needed). A ``.txt``/``.html`` document's id, and a JSONL line's
    without ``id``, is a hash of its text: when exactly one workspace document comes from the
    task's record (or, for an older task without one, its source), the text changed since push;
    when none does, the document was removed from the inputs or the task is another workspace's
    (the two cannot be told apart; ``cause`` stays ``removed``); when several share the task's
    source (JSONL lines with one ``source``), which one it was cannot be told, and the reason says so."""
    data = task.get("data") or {}
    doc_id, record = data.get(DOC_ID_KEY), task_record(task)
    if record is None:
        return (f"document {doc_id} is not in the workspace (the task names no source): removed from the inputs, or a task "
                "of another workspace; not merged")
    found = list(dict.fromkeys(locators.get(record, ())))
    if len(found) == 1:
        return (f"the text of document {doc_id} ({record}) changed since this task was pushed: that record is now document "
                f"{found[0]}; not merged: copy what still applies to the task of {found[0]} in Label Studio")
    if len(found) > 1:
        return (f"document {doc_id} ({record}) is not in the workspace: {len(found)} documents come from {record} "
                f"({', '.join(found[:5])}{', …' if len(found) > 5 else ''}), so whether it was removed from the inputs or its text "
                "changed cannot be told (push again to send records with their line); not merged")
    return (f"document {doc_id} ({record}) is not in the workspace: no workspace document has this doc_id or comes from "
            f"{record}, so it was removed from the inputs, or the task comes from another workspace; not merged")


def task_identity(task: Mapping[str, Any]) -> str:
    """What makes two exported rows the same Label Studio task: ``project:id`` (task ids are unique
    within one Label Studio database; ``project`` is in the full export), else, for a row without
    an id, the sha256 of its annotations. A newer export of the same task replaces the saved row."""
    if task.get("id") is not None:
        return f"{task.get('project', '')}:{task.get('id')}"
    return "annotations:" + text_sha256(json.dumps(task.get("annotations") or [], sort_keys=True, ensure_ascii=False))


def _usable_of_task(doc: Document, task: Mapping[str, Any], ctx: _Ctx | None) -> list[Mapping[str, Any]]:
    """The usable annotations of one task of ``doc`` (empty when none). With a ``ctx``, a task made
    on another text is reported ``not-merged`` and one without usable annotation ``skipped``."""
    data = task.get("data") or {}
    want = text_sha256(doc.text)
    if data.get(TEXT_SHA_KEY) != want or ("text" in data and text_sha256(str(data["text"])) != want):
        if ctx is not None:
            ctx.add("not-merged", f"text hash mismatch: the task's text is not the text of document {doc.doc_id} "
                    f"({document_record(doc)}) in the workspace (changed since push, or edited in the export); task not merged, "
                    "re-run `studio push` to send the current text", cause="text-changed")
        return []
    usable = usable_annotations(task.get("annotations") or [])
    if not usable and ctx is not None:
        n = len(task.get("annotations") or [])
        ctx.add("skipped", "no usable annotation" + (f" ({n} cancelled/skipped)" if n else ""))
    return usable


@dataclass
class DocumentMerge:
    """What :func:`merge_document` made of one document's tasks: the merged ``document`` (``None``
    when no task had a usable annotation), and the indices of the incoming tasks that took part
    (``merged``: their text matched and they hold at least one usable annotation)."""

    document: Document | None
    merged: list[int]


def merge_document(
    doc: Document,
    tasks: Sequence[Mapping[str, Any]],
    cfg: LabelingConfig,
    policy: str,
    reports: list[ReportItem],
    *,
    saved: Sequence[Mapping[str, Any]] = (),
) -> DocumentMerge:
    """Merge every task of one document together (rules in the module docstring).

    ``tasks``: the document's tasks from this export, in export order (each checked: a task made
    on another text is reported ``not-merged``, one without usable annotation ``skipped``).
    ``saved``: the document's tasks kept in ``annotations.jsonl`` by earlier merges; those that are
    not among the tasks taking part (:func:`task_identity`: another task, as when the tasks were
    imported twice or another project's export was merged before) take part only when at least
    one of ``tasks`` does, and a saved task made on another text is left out (reported
    ``saved-left-out``). The usable annotations of all the
    tasks that take part go through ``policy`` together, so a later task never replaces an earlier
    one because of its place in the export; when more than one annotation competes, the choice is
    reported (kind ``policy``: the tasks, the number of annotations, the winner and why).
    Reports are appended to ``reports``. Raises :class:`StudioError` for an unknown policy.
    """
    if policy not in POLICIES:
        raise StudioError(f"unknown merge policy {policy!r}; choose one of {', '.join(POLICIES)}")
    record = document_record(doc)
    pool: list[tuple[Mapping[str, Any], Mapping[str, Any], _Ctx]] = []  # (task, annotation, its report context)
    took_part: list[int] = []
    for i, task in enumerate(tasks):
        ctx = _Ctx(task.get("id"), doc.doc_id, reports, record)
        usable = _usable_of_task(doc, task, ctx)
        if usable:
            took_part.append(i)
            pool += [(task, a, ctx) for a in usable]
    if not pool:
        return DocumentMerge(None, [])
    from_saved: list[Any] = []
    replaced = {task_identity(tasks[i]) for i in took_part}  # a newer export of a saved task replaces it
    for task in saved:
        if task_identity(task) in replaced:
            continue
        ctx = _Ctx(task.get("id"), doc.doc_id, reports, record)
        usable = _usable_of_task(doc, task, None)
        if not usable:
            if (task.get("data") or {}).get(TEXT_SHA_KEY) != text_sha256(doc.text):
                ctx.add("saved-left-out", "a task of this document saved in annotations.jsonl by an earlier merge was made on "
                        "another text; left out of the policy (still in annotations.jsonl and in Label Studio)")
            continue
        from_saved.append(task.get("id"))
        pool += [(task, a, ctx) for a in usable]
    omap = OffsetMap(doc.text)
    anns = [a for _, a, _ in pool]
    winner_i = max(range(len(pool)), key=lambda i: recency(anns[i]))
    if policy == "ground-truth-latest":
        task, winner, ctx = pool[winner_i]
        p = _parse_annotation(doc, winner, cfg, omap, ctx)
        who = annotator_id(winner)
        ents = [(r, who) for r in p.entities]
        block_labels = p.blocks
        used = [winner]
    else:
        doc_ctx = _Ctx(pool[0][0].get("id"), doc.doc_id, reports, record)
        voters_pool = _one_vote_per_annotator(pool, doc_ctx)
        parsed = [_parse_annotation(doc, a, cfg, omap, ctx) for _, a, ctx in voters_pool]
        n = len(parsed)
        votes: dict[tuple[int, int, str], list[str]] = {}
        for p in parsed:
            for r in {(r.start, r.end, r.label) for r in p.entities}:
                votes.setdefault(r, []).append(annotator_id(p.ann))
        ents = []
        for (s, e, lab), voters in sorted(votes.items()):
            if 2 * len(voters) > n:
                ents.append((_Region(ENTITY_FROM_NAME, s, e, lab, None), ",".join(sorted(set(voters)))))
            else:
                doc_ctx.add("reported", f"entity span without majority ({len(voters)} of {n} annotators); left out", None, None,
                            f"{s}-{e} {lab} {doc.text[s:e]!r}")
        # the ground-truth-latest winner is its annotator's most recent annotation: it votes
        fallback = next(p for p, (_, a, _) in zip(parsed, voters_pool) if a is pool[winner_i][1])
        block_labels = []
        for i in range(len(doc.blocks)):
            (lab, cnt), = Counter(p.blocks[i] for p in parsed).most_common(1)
            if 2 * cnt <= n:
                lab = fallback.blocks[i]
                doc_ctx.add("reported", f"block {i}: no majority on its boilerplate label; used the ground-truth/latest annotation's ({lab})")
            block_labels.append(lab)
        used = [p.ann for p in parsed]
    predicted_boilerplate = len(machine_blocks(doc))  # the machine's, also when doc is already reviewed (a re-import)
    if predicted_boilerplate and all(lab is None for lab in block_labels):
        # The README's rule (no boilerplate region: the block is content) applied to a whole page
        # whose prediction had boilerplate: merged as it says, and said, since an annotation made
        # from scratch for its entities alone does it too (fresh-user trial).
        pool[winner_i][2].add(
            "all-content",
            f"the annotation marks no boilerplate region, so all {len(doc.blocks)} blocks are content now "
            f"({predicted_boilerplate} were predicted boilerplate); if only the entities were meant to be corrected, "
            "add the boilerplate regions in Label Studio and pull again",
            anns[winner_i].get("id"), None, f"predicted_boilerplate={predicted_boilerplate}",
        )
    task_ids = sorted({t.get("id") for t, _, _ in pool}, key=str)
    if len(anns) > 1:
        pool[winner_i][2].add("policy", _choice_reason(policy, pool, winner_i, from_saved), anns[winner_i].get("id"), None,
                              f"tasks={','.join(map(str, task_ids))} annotations={len(anns)}")
    entities = tuple(
        Span(r.start, r.end, r.label, doc.text[r.start:r.end], source="annotation", annotator=who) for r, who in ents
    )
    blocks = tuple(
        replace(b, is_boilerplate=lab is not None, boilerplate_label=lab, source="annotation") for b, lab in zip(doc.blocks, block_labels)
    )
    predictions = tuple(replace(s, source="prediction", annotator=None) for s in machine_spans(doc))
    studio_meta = {
        "task_id": pool[winner_i][0].get("id"),
        "task_ids": task_ids,
        "policy": policy,
        "annotation_ids": sorted((a.get("id") for a in used), key=str),
        "annotators": sorted({annotator_id(a) for a in used}),
        "predicted_blocks": [list(b) for b in machine_blocks(doc)],
    }
    merged = replace(
        doc,
        blocks=blocks,
        entities=entities,
        predictions=predictions,
        sentences=recompute_sentences(doc.text, blocks, entities),
        status="reviewed",
        meta={**doc.meta, "studio": studio_meta},
    )
    return DocumentMerge(merged, took_part)


def _choice_reason(policy: str, pool: Sequence[tuple[Mapping[str, Any], Mapping[str, Any], Any]], winner_i: int, from_saved: list[Any]) -> str:
    """The ``policy`` report: which tasks and annotations competed, and what the policy chose."""
    task_ids = sorted({str(t.get("id")) for t, _, _ in pool})
    where = f"{len(task_ids)} tasks ({', '.join(task_ids)})" if len(task_ids) > 1 else f"task {task_ids[0]}"
    if from_saved:
        saved = ", ".join(map(str, from_saved))
        where += f", of which task{'s' if len(from_saved) > 1 else ''} {saved} {'were' if len(from_saved) > 1 else 'was'} saved in annotations.jsonl by an earlier merge"
    head = f"{len(pool)} usable annotations of {where} went through policy {policy} together: "
    task, winner, _ = pool[winner_i]
    if policy == "ground-truth-latest":
        why = "ground truth" if winner.get("ground_truth") else f"most recent (updated {winner.get('updated_at') or winner.get('created_at')})"
        return head + f"annotation {winner.get('id')} of task {task.get('id')} won ({why})"
    voters = len({annotator_id(a) for _, a, _ in pool})
    return head + (f"one vote per annotator ({voters}); entities kept when more than half of them have them; ties on a block fall back to "
                   f"annotation {winner.get('id')} of task {task.get('id')} (ground truth, else most recent)")


def merge_task(doc: Document, task: Mapping[str, Any], cfg: LabelingConfig, policy: str, reports: list[ReportItem]) -> Document | None:
    """Merge one exported task into its document (:func:`merge_document` with one task); ``None``
    when the task is skipped or not merged (the reason is appended to ``reports``)."""
    return merge_document(doc, [task], cfg, policy, reports).document


def merge_tasks(
    documents: Mapping[str, Document],
    tasks: Iterable[Mapping[str, Any]],
    policy: str = "ground-truth-latest",
    config_xml: str | None = None,
) -> MergeResult:
    """Merge exported tasks into ``documents`` (by ``doc_id``); return a :class:`MergeResult`.

    All the tasks of one document are merged together (:func:`merge_document`), whatever their
    places in ``tasks``. ``config_xml``: the project's labeling config (results are checked
    against it); default the config :func:`~corpus_builder.studio.config.labeling_config`
    generates. Raises :class:`StudioError` for an unknown ``policy``. Tasks whose ``doc_id`` is not
    in ``documents`` are reported, not merged, and so are tasks that do not match
    ``schemas/studio_task.schema.json`` (e.g. a task added by hand without
    ``doc_id``/``text_sha256``). Reports are in export order (those of a document's merge at the
    place of its first task). Input documents are not modified.
    """
    if policy not in POLICIES:
        raise StudioError(f"unknown merge policy {policy!r}; choose one of {', '.join(POLICIES)}")
    cfg = parse_config(config_xml or labeling_config())
    out = MergeResult()
    keyed: list[tuple[int, ReportItem]] = []
    groups: dict[str, list[tuple[int, Mapping[str, Any]]]] = {}
    for seq, task in enumerate(tasks):
        out.tasks_seen += 1
        problem = task_problem(task)
        if problem:
            keyed.append((seq, problem))
            continue
        groups.setdefault(str(task["data"][DOC_ID_KEY]), []).append((seq, task))
    locators = document_locators(documents.values())
    for doc_id, group in groups.items():
        doc = documents.get(doc_id)
        if doc is None:
            keyed += [(seq, unknown_doc_report(task, locators)) for seq, task in group]
            continue
        local: list[ReportItem] = []
        m = merge_document(doc, [t for _, t in group], cfg, policy, local)
        keyed += [(group[0][0], r) for r in local]
        if m.document is not None:
            out.documents[doc_id] = m.document
            out.tasks_merged += len(m.merged)
            out.several_tasks += len(m.document.meta["studio"]["task_ids"]) > 1
            out.merged_tasks += [{k: v for k, v in group[i][1].items() if k != "drafts"} for i in m.merged]
    out.reports = [r for _, r in sorted(keyed, key=lambda x: x[0])]
    return out
