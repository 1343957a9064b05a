"""Boilerplate stage speed: the learned block classifier vs the hand-written rules of 1.1.0.

    python benchmarks/boilerplate_speed.py [--gold ../shared/data/gold] [--repeat 3]

Reads the pages of the boilerplate gold sets (in place), cleans them as ``build`` does (not
timed), then times ``label_blocks`` over all of them with the shipped model and with
``model=None`` (the rules alone), HTML path and plain-text path, and prints words/s (whitespace
words of the document texts; best of ``--repeat`` runs, one thread).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from corpus_builder.boilerplate import CorpusStats, label_blocks
from corpus_builder.boilerplate.classifier import default_model
from corpus_builder.boilerplate.train import as_plain_text, page_document
from corpus_builder.evaluate.gold import discover


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--gold", type=Path, default=Path(__file__).resolve().parents[1].parent / "shared" / "data" / "gold")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    docs = []
    for gs in discover(args.gold, "boilerplate"):
        for page in gs.items:
            doc = page_document(page.html, page.page_id, None)
            if doc is not None:
                docs.append(doc)
    stats = CorpusStats.from_texts(d.text for d in docs)
    words = sum(len(d.text.split()) for d in docs)
    model = default_model()
    print(f"{len(docs)} pages, {words:,} words")
    for path, batch in (("HTML", docs), ("plain text", [as_plain_text(d) for d in docs])):
        for name, m in (("rules 1.1.0", None), ("classifier", model)):
            best = float("inf")
            for _ in range(args.repeat):
                t = time.perf_counter()
                for d in batch:
                    label_blocks(d, stats, m)
                best = min(best, time.perf_counter() - t)
            print(f"{path:10}  {name:12} {words / best:>10,.0f} words/s")


if __name__ == "__main__":
    main()
