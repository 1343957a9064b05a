"""Label Studio round-trip speed: push and pull of 2,000 French documents against a local server.

Builds a workspace of ``--docs`` documents, starts a local Label Studio (``corpus_builder.studio.server``,
127.0.0.1, data in a temporary folder, offline), then prints side by side:

- ``push`` of every document (tasks/s, wall time, batch size) and a second ``push`` (idempotent: 0 new tasks);
- the baseline in the same run: ``push`` with ``--batch-size 1`` (one import request per task) of a
  subset of ``--baseline-docs`` documents into another project, and the batched push's speed-up per task;
- ``--annotate`` annotations created through the SDK on a sample of tasks (not part of the pull timing);
- ``pull`` (full JSON export of the annotated tasks to a file + streaming merge + writing the changed
  shards; tasks/s of the project, with the export and merge times) and a second ``pull`` (same counts,
  same workspace bytes, nothing written);
- peak RSS of this process (the studio client: push/pull/merge; ``prepare`` runs in a child process)
  per phase, with its growth during the call (``+N`` MiB), and of the Label Studio server;
- ``--scale 10``: after the server is stopped, the pulled annotations merged offline (streaming
  ``import_annotations``, fresh child process each) into 1x and 10x the workspace (copies with new
  doc_ids), to show that the merge's peak memory does not grow with the workspace.

The workspace: ``--prepare-docs`` documents are built like ``benchmarks/throughput.py`` (its
``build_corpus``, from ../shared/data) and prepared with ``corpus-builder prepare`` in a child process;
when ``--docs`` is larger, the prepared documents are replicated through the records API with every
digit shifted by the copy number (same length, so every offset stays valid; span texts are re-read)
and a fresh content-addressed ``doc_id``; up to 10 copies per prepared document. ``--prepare-docs
2000`` prepares all of them (slower: spaCy on every document).

Usage: python benchmarks/studio_throughput.py [--docs 2000] [--prepare-docs 200] [--batch-size 100]
       [--baseline-docs 200] [--annotate 200]
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import os
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from corpus_builder.clean import make_doc_id  # noqa: E402
from corpus_builder.records import Document  # noqa: E402
from corpus_builder.studio import commands  # noqa: E402
from corpus_builder.studio.client import StudioClient  # noqa: E402
from corpus_builder.studio.server import free_port, start_server  # noqa: E402
from corpus_builder.studio.tasks import DOC_ID_KEY, document_to_task  # noqa: E402
from corpus_builder.workspace import Workspace  # noqa: E402



def _load_build_corpus() -> Callable[[Path, int], int]:
    """``build_corpus`` of ``benchmarks/throughput.py`` (loaded by path: a ``benchmarks`` package from
    site-packages may shadow this folder), so both benchmarks use the same corpus."""
    spec = importlib.util.spec_from_file_location("cb_bench_throughput", ROOT / "benchmarks" / "throughput.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.build_corpus


_DIGIT_SHIFT = [str.maketrans("0123456789", "".join(str((d + k) % 10) for d in range(10))) for k in range(10)]


# --- memory ------------------------------------------------------------------------------------
def _status_kib(pid: int | str, key: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def reset_peak_rss() -> bool:
    """Reset this process's peak RSS (``VmHWM``) by writing 5 to ``/proc/self/clear_refs`` (Linux >= 4.0)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def peak_rss_mib() -> float:
    """Peak RSS of this process in MiB since the last :func:`reset_peak_rss` (``VmHWM``; else ru_maxrss)."""
    kib = _status_kib("self", "VmHWM") or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kib / 1024


def server_rss_mib(pid: int) -> tuple[float, float]:
    """(current, peak) RSS in MiB of the server process group: ``pid`` and its descendants."""
    pids = [str(pid)]
    for p in Path("/proc").iterdir():
        if p.name.isdigit():
            try:
                if os.getpgid(int(p.name)) == pid and p.name != str(pid):
                    pids.append(p.name)
            except OSError:
                continue
    return sum(_status_kib(p, "VmRSS") for p in pids) / 1024, sum(_status_kib(p, "VmHWM") for p in pids) / 1024


# --- workspace ---------------------------------------------------------------------------------
def prepare_workspace(corpus: Path, ws: Path, workers: int) -> float:
    """``corpus-builder prepare`` in a child process (spaCy stays out of this process's RSS); return seconds."""
    t0 = time.perf_counter()
    cmd = [sys.executable, "-m", "corpus_builder.cli", "prepare", str(corpus), "--workspace", str(ws), "--workers", str(workers)]
    r = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    if r.returncode:
        sys.exit(f"prepare failed:\n{r.stderr[-3000:]}")
    return time.perf_counter() - t0


def shifted_copy(doc: Document, k: int) -> Document:
    """``doc`` with every ASCII digit shifted by ``k`` (mod 10): same length, so blocks, sentences and
    spans keep their offsets; span texts are re-read from the new text; a fresh content-addressed ``doc_id``."""
    text = doc.text.translate(_DIGIT_SHIFT[k])
    return replace(
        doc,
        doc_id=make_doc_id(text),
        text=text,
        raw_sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        source=f"{doc.source}#copy{k}",
        entities=tuple(replace(s, text=text[s.start : s.end]) for s in doc.entities),
        predictions=tuple(replace(s, text=text[s.start : s.end]) for s in doc.predictions),
    )


def replicate(ws: Workspace, n_docs: int) -> int:
    """Rewrite ``ws`` with ``n_docs`` documents: the prepared ones, then digit-shifted copies; return the count."""
    base = list(ws.iter_documents())
    docs, seen = list(base[:n_docs]), {d.doc_id for d in base[:n_docs]}
    for k in range(1, 10):
        for d in base:
            if len(docs) >= n_docs:
                break
            c = shifted_copy(d, k)
            if c.doc_id not in seen:
                seen.add(c.doc_id)
                docs.append(c)
    if len(docs) < n_docs:
        sys.exit(f"only {len(docs)} distinct documents from {len(base)} prepared ones: raise --prepare-docs to at least {n_docs // 10 + 1}")
    return ws.rewrite_documents(docs, shard_size=500)


def subset_workspace(src: Workspace, dst: Path, n_docs: int) -> Workspace:
    """A workspace with the first ``n_docs`` documents of ``src`` (same workspace.json)."""
    ws = Workspace(dst)
    ws.root.mkdir(parents=True, exist_ok=True)
    ws.write_info(src.read_info())
    docs = []
    for d in src.iter_documents():
        if len(docs) >= n_docs:
            break
        docs.append(d)
    ws.rewrite_documents(docs)
    return ws


def docs_digest(ws: Workspace) -> str:
    h = hashlib.sha256()
    for p in ws.document_shards():
        h.update(p.read_bytes())
    return h.hexdigest()[:16]


# --- annotation ----------------------------------------------------------------------------------
def corrected_result(doc: Document, model_version: str) -> list[dict[str, Any]]:
    """A plausible human correction of the machine's prediction: every entity but the last, plus the
    boilerplate regions (code-point offsets, region text kept, as the tasks carry them)."""
    result = document_to_task(doc, model_version)["predictions"][0]["result"]
    ents = [r for r in result if r["from_name"] == "label"]
    return [r for r in result if r["from_name"] != "label"] + ents[:-1]


def annotate_sample(client: StudioClient, project_id: int, ws: Workspace, n: int) -> tuple[int, float]:
    """Create ``n`` annotations (every ``tasks/n``-th task) through the SDK; return (count, seconds)."""
    t0 = time.perf_counter()
    tasks = client.call("list tasks", lambda: list(client._ls.tasks.list(project=project_id, fields="task_only", page_size=500)))
    by_doc = {d.doc_id: d for d in ws.iter_documents()}
    step = max(1, len(tasks) // max(1, n))
    done = 0
    for t in tasks[::step][:n]:
        doc = by_doc[str(t.data[DOC_ID_KEY])]
        client.create_annotation(int(t.id), corrected_result(doc, "human"))
        done += 1
    return done, time.perf_counter() - t0


# --- timing ------------------------------------------------------------------------------------
_PEAKS: list[float] = []


_GROWTH: list[float] = [0.0]


def release_free_memory() -> None:
    """Collect garbage and hand freed heap pages back to the OS (glibc ``malloc_trim``), so that the
    next call's growth is measured from what is really in use."""
    import ctypes
    import gc

    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def timed(fn: Callable[[], Any]) -> tuple[Any, float, float]:
    """Run ``fn``; return (result, wall seconds, peak RSS MiB of this process during the call). The
    growth during the call (peak minus the RSS at its start, after :func:`release_free_memory`) is
    left in ``_GROWTH[0]`` and printed as ``+N``."""
    _PEAKS.append(peak_rss_mib())
    release_free_memory()
    reset_peak_rss()
    start = _status_kib("self", "VmRSS") / 1024
    t0 = time.perf_counter()
    out = fn()
    dt = time.perf_counter() - t0
    _PEAKS.append(peak_rss_mib())
    _GROWTH[0] = _PEAKS[-1] - start
    return out, dt, _PEAKS[-1]


def stop_words_import_seconds() -> float:
    """Seconds of the first ``spacy_stop_words("fr", "en")`` call in a fresh process (the sentence
    splitter's function words; the first merged task of a pull pays it: 3.0 s while it imported
    ``spacy.lang.fr``, 0.03 s since it reads the list files alone)."""
    code = ("import time; from corpus_builder.wordlists import spacy_stop_words; t = time.perf_counter(); "
            "spacy_stop_words('fr', 'en'); print(time.perf_counter() - t)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    return float(r.stdout) if r.returncode == 0 else float("nan")


class MethodTimer:
    """Replaces ``client.<name>`` by a wrapper that adds up the seconds spent in it (to split a push or
    pull into its server request and its local work); ``take()`` returns the total and resets it."""

    def __init__(self, client: StudioClient, name: str):
        self.seconds = 0.0
        self._orig = getattr(client, name)
        setattr(client, name, self)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return self._orig(*args, **kwargs)
        finally:
            self.seconds += time.perf_counter() - t0

    def take(self) -> float:
        out, self.seconds = self.seconds, 0.0
        return out


# --- merge memory vs workspace size (offline, child processes) ----------------------------------
def merge_child(ws_path: str, export_path: str) -> None:
    """``--merge-child``: merge ``export_path`` into ``ws_path`` (``import_annotations``) and print
    JSON ``{"seconds", "rss_start", "rss_peak", "summary"}`` (MiB; start = after imports and the
    stop-word list, so the growth is the merge's own)."""
    import json

    from corpus_builder.wordlists import spacy_stop_words

    spacy_stop_words("fr", "en")
    release_free_memory()
    reset_peak_rss()
    start = _status_kib("self", "VmRSS") / 1024
    t0 = time.perf_counter()
    s = commands.import_annotations(ws_path, export_path)
    print(json.dumps({"seconds": time.perf_counter() - t0, "rss_start": start, "rss_peak": peak_rss_mib(), "summary": s}))


def merge_scaling(ws: Workspace, tmp: Path, factors: tuple[int, ...]) -> list[tuple[str, str, str, str]]:
    """Peak memory of merging the pulled annotations into ``factor`` × the workspace (copies with a
    ``~j`` doc_id suffix; every copy's saved tasks re-imported with new annotation ids, so every
    annotated document changes and its shard is rewritten), each in a fresh child process."""
    import copy
    import json

    from corpus_builder.workspace import read_jsonl

    saved = list(read_jsonl(ws.annotations_path))
    rows = []
    for f in factors:
        dst = Workspace(tmp / f"scale-{f}")
        dst.root.mkdir(parents=True, exist_ok=True)
        dst.write_info(ws.read_info())
        n = dst.rewrite_documents(
            (replace(d, doc_id=f"{d.doc_id}~{j}") if j else d for j in range(f) for d in ws.iter_documents()), shard_size=500
        )
        export = tmp / f"scale-{f}.jsonl"
        with export.open("w", encoding="utf-8") as out:
            for j in range(f):
                for row in saved:
                    t = copy.deepcopy(row)
                    if j:
                        t["data"][DOC_ID_KEY] = f"{t['data'][DOC_ID_KEY]}~{j}"
                    for a in t["annotations"]:
                        a["id"] = a["id"] + 10_000_000
                    out.write(json.dumps(t, ensure_ascii=False) + "\n")
        r = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--merge-child", str(dst.root), str(export)],
                           capture_output=True, text=True, cwd=ROOT, check=False)
        if r.returncode:
            sys.exit(f"merge child failed:\n{r.stderr[-3000:]}")
        m = json.loads(r.stdout.strip().splitlines()[-1])
        s = m["summary"]
        rows.append((f"merge {len(saved) * f} tasks into {n} documents (offline, x{f})", f"{s['tasks'] / m['seconds']:,.1f} tasks/s",
                     f"{m['seconds']:.1f} s", f"merged {s['merged']}, wrote {s['written']['document_shards']} shards; "
                     f"RSS {m['rss_peak']:.0f} MiB (+{m['rss_peak'] - m['rss_start']:.0f})"))
        import shutil

        shutil.rmtree(dst.root, ignore_errors=True)
        export.unlink()
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=2000, help="documents (= tasks) pushed and pulled")
    ap.add_argument("--prepare-docs", type=int, default=200, help="documents really prepared (the rest are digit-shifted copies)")
    ap.add_argument("--workers", type=int, default=2, help="prepare --workers")
    ap.add_argument("--batch-size", type=int, default=commands.DEFAULT_BATCH_SIZE, help="tasks per import request of the batched push")
    ap.add_argument("--baseline-docs", type=int, default=200, help="tasks pushed one request per task (baseline)")
    ap.add_argument("--compare-batch", type=int, default=500, help="also push every task with this batch size into a third project (0: skip)")
    ap.add_argument("--annotate", type=int, default=200, help="annotations created through the SDK before pull")
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder (workspace, server data and log)")
    ap.add_argument("--scale", type=int, default=10, help="also merge offline into 1x and this many x the workspace (0: skip)")
    ap.add_argument("--merge-child", nargs=2, metavar=("WORKSPACE", "EXPORT"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.merge_child:
        merge_child(*args.merge_child)
        return
    if args.docs < 1 or args.prepare_docs < 1:
        sys.exit("--docs and --prepare-docs must be >= 1")

    tmp = Path(tempfile.mkdtemp(prefix="cb-studio-bench-"))
    corpus, ws_path = tmp / "corpus", tmp / "ws"
    n_prep = min(args.prepare_docs, args.docs)
    words = _load_build_corpus()(corpus, n_prep)
    t_prep = prepare_workspace(corpus, ws_path, args.workers)
    ws = Workspace(ws_path)
    n_docs = replicate(ws, args.docs) if args.docs > n_prep else sum(1 for _ in ws.iter_documents())
    n_chars = sum(len(d.text) for d in ws.iter_documents())
    n_ents = sum(len(d.entities) for d in ws.iter_documents())
    print(f"workspace: {n_docs} documents ({n_prep} prepared from ../shared/data in {t_prep:.0f} s, {words} words; "
          f"{n_docs - n_prep} digit-shifted copies), {n_chars:,} characters, {n_ents:,} predicted entities; in {tmp}")

    rows: list[tuple[str, str, str, str]] = []
    t_sw = stop_words_import_seconds()
    t0 = time.perf_counter()
    server = start_server(tmp / "label-studio", port=free_port())
    t_start = time.perf_counter() - t0
    try:
        print(f"Label Studio {server.url} started in {t_start:.0f} s (pid {server.process.pid})", flush=True)
        client = StudioClient(server.url, server.api_key, timeout=300)
        base_rss = peak_rss_mib()
        listing, importing, export = (MethodTimer(client, m) for m in ("task_refs", "import_tasks", "download_export"))

        s1, dt, rss = timed(lambda: commands.push(ws_path, "bench", client=client, batch_size=args.batch_size, progress=False))
        assert s1["pushed"] == n_docs, s1
        push_tps = s1["pushed"] / dt
        rows.append((f"push {n_docs} tasks, batch {args.batch_size}", f"{push_tps:,.1f} tasks/s", f"{dt:.1f} s",
                     f"{s1['pushed']} pushed in {-(-n_docs // args.batch_size)} requests (import {importing.take():.1f} s); RSS {rss:.0f} MiB (+{_GROWTH[0]:.0f})"))
        listing.take()

        s2, dt, rss = timed(lambda: commands.push(ws_path, "bench", client=client, batch_size=args.batch_size, progress=False))
        rows.append(("push again (idempotent)", f"{s2['pushed']} new tasks", f"{dt:.1f} s",
                     f"{s2['already_there']} already there, {s2['changed']} changed (listing the tasks {listing.take():.1f} s); RSS {rss:.0f} MiB (+{_GROWTH[0]:.0f})"))

        nb = min(args.baseline_docs, n_docs)
        sub = subset_workspace(ws, tmp / "ws-baseline", nb)
        sb, dtb, rss = timed(lambda: commands.push(sub.root, "bench-baseline", client=client, batch_size=1, progress=False))
        base_tps = sb["pushed"] / dtb
        rows.append((f"baseline: push {nb} tasks, batch 1", f"{base_tps:,.1f} tasks/s", f"{dtb:.1f} s",
                     f"{sb['pushed']} requests; {n_docs} tasks would take ~{n_docs / base_tps:.0f} s; "
                     f"batched is {push_tps / base_tps:.1f}x faster per task"))

        pid = s1["project_id"]
        (n_ann, dta), _, _ = timed(lambda: annotate_sample(client, pid, ws, args.annotate))
        rows.append((f"annotate {n_ann} tasks via SDK (not timed in pull)", f"{n_ann / dta:,.1f} ann/s", f"{dta:.1f} s", "one request per annotation"))

        export.take()
        p1, dt, rss = timed(lambda: commands.pull(ws_path, "bench", client=client, progress=False))
        digest1 = docs_digest(ws)
        rows.append((f"pull {p1['tasks']} tasks (export of annotated tasks + merge)", f"{p1['tasks'] / dt:,.1f} tasks/s", f"{dt:.1f} s",
                     f"export {export.seconds:.1f} s ({p1['export_bytes'] / 1e6:.1f} MB), merge+write {dt - export.take():.1f} s; merged {p1['merged']}, "
                     f"skipped {p1['skipped']}, reported {p1['reported']}; wrote {p1['written']['document_shards']} shards; RSS {rss:.0f} MiB (+{_GROWTH[0]:.0f})"))
        rows.append(("  of which: spaCy stop-word lists (segment)", "", f"{t_sw:.2f} s",
                     "one-time, first merge in a process: wordlists.spacy_stop_words (measured in a child process)"))

        p2, dt, rss = timed(lambda: commands.pull(ws_path, "bench", client=client, progress=False))
        same = docs_digest(ws) == digest1
        keys = ("tasks", "merged", "skipped", "not_merged", "reported", "results_rejected")
        rows.append(("pull again (idempotent)", f"{p2['tasks'] / dt:,.1f} tasks/s", f"{dt:.1f} s",
                     f"export {export.seconds:.1f} s, merge+write {dt - export.take():.1f} s; "
                     f"{'same' if all(p1[k] == p2[k] for k in keys) else 'DIFFERENT'} counts, "
                     f"{'identical' if same else 'DIFFERENT'} workspace documents, wrote {p2['written']['document_shards']} shards"
                     f"{' + annotations.jsonl' if p2['written']['annotations'] else ''}; RSS {rss:.0f} MiB (+{_GROWTH[0]:.0f})"))

        if args.compare_batch:
            importing.take()
            s3, dt, rss = timed(lambda: commands.push(ws_path, "bench-batch", client=client, batch_size=args.compare_batch, progress=False))
            rows.append((f"push {n_docs} tasks, batch {args.compare_batch} (other project)", f"{s3['pushed'] / dt:,.1f} tasks/s", f"{dt:.1f} s",
                         f"{s3['pushed']} pushed in {-(-n_docs // args.compare_batch)} requests (import {importing.take():.1f} s); RSS {rss:.0f} MiB (+{_GROWTH[0]:.0f})"))

        srv_now, srv_peak = server_rss_mib(server.process.pid)
        rows.append(("peak RSS, this process (client)", f"{max(_PEAKS):,.0f} MiB", "",
                     f"{base_rss:.0f} MiB before the first push (imports + workspace build)"))
        rows.append(("RSS, Label Studio server", f"{srv_peak:,.0f} MiB peak", "", f"{srv_now:.0f} MiB now"))
        server.stop()
        if args.scale > 1:
            rows += merge_scaling(ws, tmp, (1, args.scale))
    finally:
        server.stop()
        if not args.keep:
            import shutil

            shutil.rmtree(tmp, ignore_errors=True)

    w = [max(len(r[i]) for r in rows) for i in range(3)]
    print()
    for name, rate, wall, note in rows:
        print(f"{name:<{w[0]}}  {rate:>{w[1]}}  {wall:>{w[2]}}  {note}")


if __name__ == "__main__":
    main()
