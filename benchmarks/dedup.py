"""Cost and recall of near-duplicate detection (``corpus_builder.release.dedup``) on the benchmark corpus.

Builds the 2,000-document corpus of ``benchmarks/throughput.py`` (from ../shared/data, in a
temporary folder) plus ``--copies`` syndicated wire copies: a copy of a random document as another
site would carry it (the site's menu, share and footer lines, another headline, the dateline
without the agency). Runs ``prepare`` (timed, in a fresh process), then the near-duplicate pass
over the workspace (timed, in this process, reading the workspace as ``release`` does), and prints:

- its time against prepare's (target: under 10%);
- recall on the planted copies (copy and original in one cluster) and the other clusters found,
  with the exact Jaccard of their pairs (the generator's documents overlap: each is 12 consecutive
  sentences from one pool, so two of them can share 11 sentences);
- memory: Python heap peak (tracemalloc) of the pass on the first 10% of the documents and on all
  of them (it holds one 512-byte signature and the LSH keys per document, no text).

Usage: python benchmarks/dedup.py [--docs 2000] [--copies 100] [--workers 2] [--keep]
"""

from __future__ import annotations

import argparse
import os
import itertools
import random
import shutil
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import throughput  # noqa: E402
from throughput import build_corpus, run_prepare  # noqa: E402

from corpus_builder.release.dedup import content_text, find_near_duplicates, shingles  # noqa: E402
from corpus_builder.workspace import Workspace  # noqa: E402

# the shared data folder, as the tests find it (CORPUS_BUILDER_SHARED_DATA, else ../shared/data)
throughput.SHARED = Path(os.environ.get("CORPUS_BUILDER_SHARED_DATA", throughput.SHARED))

SITE = ["Accueil | Économie | Monde | Sports", "Suivez-nous sur Twitter et Facebook"]
FOOTER = ["Abonnez-vous à notre newsletter", "© Le Courrier du Soir - Tous droits réservés"]


def plant_copies(corpus: Path, n: int, seed: int = 7) -> list[tuple[str, str]]:
    """Write ``n`` wire copies ``copy-XXXXXX.txt`` of random documents; return (original, copy) file names."""
    rng = random.Random(seed)
    originals = sorted(corpus.glob("doc-*.txt"))
    pairs = []
    for i, src in enumerate(rng.sample(originals, n)):
        lines = src.read_text(encoding="utf-8").split("\n\n")
        body = [l.replace(" (Agence) - ", " - ") for l in lines[1:]]
        text = "\n\n".join([*SITE, "Dépêche : " + lines[0][:60], *body, *FOOTER]) + "\n"
        name = f"copy-{i:06d}.txt"
        (corpus / name).write_text(text, encoding="utf-8")
        pairs.append((src.name, name))
    return pairs


def jaccard(a, b) -> float:
    x, y = shingles(content_text(a)), shingles(content_text(b))
    return len(x & y) / len(x | y) if x | y else 1.0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=2000)
    ap.add_argument("--copies", type=int, default=100)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="cb-dedup-"))
    try:
        corpus = tmp / "corpus"
        words = build_corpus(corpus, args.docs)
        pairs = plant_copies(corpus, args.copies)
        print(f"corpus: {args.docs} documents + {args.copies} wire copies, {words} words before the copies")
        t_prepare, _, summary = run_prepare(corpus, tmp / "ws", "--workers", str(args.workers))
        ws = Workspace(tmp / "ws")
        t0 = time.perf_counter()
        near = find_near_duplicates(ws.iter_documents())
        t_dedup = time.perf_counter() - t0

        docs = {d.doc_id: d for d in ws.iter_documents()}
        by_file = {d.source: d.doc_id for d in docs.values()}
        planted = {frozenset((by_file[a], by_file[b])) for a, b in pairs}
        found = 0
        for pair in planted:
            found += any(pair <= set(c.members) for c in near.clusters)
        members_planted = set().union(*planted)
        other = [c for c in near.clusters if not set(c.members) <= members_planted]
        sims = [jaccard(docs[c.members[i]], docs[c.members[i + 1]]) for c in near.clusters for i in range(len(c.members) - 1)]

        n = len(docs)
        peaks = []
        for k in (n // 10, n):
            tracemalloc.start()
            find_near_duplicates(itertools.islice(ws.iter_documents(), k))
            peaks.append((k, tracemalloc.get_traced_memory()[1]))
            tracemalloc.stop()

        print(f"prepare --workers {args.workers}: {t_prepare:.1f} s ({summary['documents_kept']} documents kept)")
        print(f"near-duplicate pass:  {t_dedup:.2f} s = {t_dedup / t_prepare:.1%} of prepare (target < 10%)")
        print(f"planted wire copies found: {found}/{len(planted)}")
        print(f"clusters: {len(near.clusters)} ({sum(len(c.members) for c in near.clusters)} documents); "
              f"{len(other)} not made of planted copies (overlapping generated documents)")
        if sims:
            print(f"exact Jaccard of clustered neighbours: min {min(sims):.3f}, median {sorted(sims)[len(sims) // 2]:.3f}")
        for k, peak in peaks:
            print(f"heap peak of the pass over {k} documents: {peak / 2**20:.1f} MiB ({peak / k / 1024:.2f} KiB per document)")
    finally:
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
