"""Sentence boundary P/R/F1 of our splitter (and, with ``--baselines``, pysbd and spaCy) on the
Deep Sequoia *train* file, per sub-corpus.

The train file is never an evaluation set of the project (``evaluate`` leaves ``*-train`` folders
out); this script is the check a sentence rule must pass on text it was not written from: run it
before and after a rule change and compare the rows. Its annodis.er part overlaps the
``sequoia-annodis-er-fr-dev`` sentences, so that row is not independent of the dev set; the
Europar, emea and frwiki parts are (other genres: parliament, drug leaflets, encyclopedia).
spaCy fr_core_news_sm was trained on UD French Sequoia, this text included: its rows are
training-set figures, not a baseline.

Documents: runs of at most 25 consecutive sentences of one sub-corpus (``sent_id`` prefix), joined
by one space, as ``evaluate`` builds Sequoia annodis.er documents.

    python benchmarks/sentence_rules_on_train.py [--baselines] [--gold ../shared/data/gold]
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from corpus_builder.evaluate import gold as gold_mod
from corpus_builder.evaluate import metrics, systems
from corpus_builder.records import Block, Sentence

TRAIN_DIR = "ner/deep-sequoia-fr-train"
RUN = 25


def train_documents(gold_root: Path) -> list[gold_mod.SentenceGoldDoc]:
    folder = gold_root / TRAIN_DIR
    files = sorted(p for p in folder.glob("sequoia*") if p.is_file())
    if not files:
        sys.exit(f"error: no Deep Sequoia train file in {folder} (see ../shared/data/README.md)")
    groups: list[tuple[str, list[str]]] = []
    prefix = ""
    for line in files[0].read_text(encoding="utf-8").split("\n"):
        if line.startswith("# sent_id ="):
            prefix = re.sub(r"_\d+$", "", line.split("=", 1)[1].strip())
        elif line.startswith("# text ="):
            if not groups or groups[-1][0] != prefix or len(groups[-1][1]) >= RUN:
                groups.append((prefix, []))
            groups[-1][1].append(line[len("# text =") :].strip())
    docs = []
    for i, (sub, sents) in enumerate(groups):
        text = " ".join(sents)
        spans, pos = [], 0
        for s in sents:
            spans.append(Sentence(pos, pos + len(s), 0))
            pos += len(s) + 1
        docs.append(gold_mod.SentenceGoldDoc(f"{sub}#{i}", text, (Block(0, len(text), "annotation"),), tuple(spans)))
    return docs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--gold", type=Path, default=Path("../shared/data/gold"))
    ap.add_argument("--baselines", action="store_true", help="also pysbd and spaCy fr_core_news_sm")
    args = ap.parse_args()
    docs = train_documents(args.gold)
    rows = [(d.text, [(b.start, b.end) for b in d.blocks], [(s.start, s.end) for s in d.sentences]) for d in docs]
    subs = sorted({d.doc_id.split("#")[0] for d in docs})
    print(f"{'system':<22} {'sub-corpus':<16} {'P':>6} {'R':>6} {'F1':>6}  sentences")
    for name, system in systems.sentence_systems("fr", args.baselines).items():
        pred = system(docs, "fr")
        for sub in [*subs, None]:
            keep = [i for i, d in enumerate(docs) if sub is None or d.doc_id.startswith(sub + "#")]
            sc = metrics.sentence_scores([rows[i] for i in keep], [pred[i] for i in keep], max_examples=0)
            n = sum(len(docs[i].sentences) for i in keep)
            print(f"{name:<22} {sub or 'all':<16} {sc['precision']:6.3f} {sc['recall']:6.3f} {sc['f1']:6.3f}  {n}")


if __name__ == "__main__":
    main()
