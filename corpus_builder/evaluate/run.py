"""Run the evaluation: every gold set of a task, every system, one results dict; and the
regression gate against a checked-in baseline.

Results layout (JSON-ready)::

    {"gold": "<root>", "tasks": {
        "sentences":   {"<set>": {"lang", "kind", "n_docs", "notes", "systems": {"<system>": metrics}}},
                        (sentence metrics also hold "halves": {"tune": ..., "held-out": ...})
        "entities":    {...},
        "boilerplate": {...}}}

where ``metrics`` is :func:`~.metrics.sentence_scores`, :func:`~.metrics.entity_scores`, or for
boilerplate ``{"snippets": snippet_scores}`` (snippet gold) / ``{"tokens": token_scores,
"shingles": token_scores}`` (article gold), or ``{"error": "..."}`` when the system failed (a
missing stage, a crash): a failing system never stops the others.
"""

from __future__ import annotations

import json
import traceback
from pathlib import Path
from collections.abc import Callable
from typing import Any

from ..errors import ConfigError, InputError
from . import gold as gold_mod
from . import halves, metrics, systems

TASKS: tuple[str, ...] = ("sentences", "entities", "boilerplate")
#: Default regression tolerance of the quality gate (absolute, on 0–1 figures).
DEFAULT_TOLERANCE = 0.005


def _safe(fn, *args) -> Any:
    try:
        return fn(*args)
    except ModuleNotFoundError as e:
        return {"error": f"{e.name} is not installed: pip install 'corpus-builder[eval]' for the baselines"}
    except Exception as e:  # noqa: BLE001 -- a system failure is a result to report, not a crash of the run
        last = traceback.extract_tb(e.__traceback__)[-1]
        return {"error": f"{type(e).__name__}: {e} ({Path(last.filename).name}:{last.lineno})"}


def evaluate_sentences(gs: gold_mod.GoldSet, baselines: bool = True, only: set[str] | None = None) -> dict:
    """Score every sentence system on one gold set (boundary P/R/F1, see :func:`metrics.sentence_scores`):
    on the whole set, and under ``"halves"`` on its tune half and its held-out half
    (:mod:`.halves`; our rules are tuned on the first only), each ``{"precision", "recall", "f1",
    "tp", "fp", "fn", "n_gold_sentences", "n_pred_sentences", "n_units"}``."""
    gold_rows = [(d.text, [(b.start, b.end) for b in d.blocks], [(s.start, s.end) for s in d.sentences]) for d in gs.items]
    ranges = halves.half_ranges(gs.name, gs.items)
    out = {}
    for name, system in systems.sentence_systems(gs.lang, baselines).items():
        if only and name not in only:
            continue
        pred = _safe(system, gs.items, gs.lang)
        if isinstance(pred, dict):
            out[name] = pred
            continue
        scores = _safe(metrics.sentence_scores, gold_rows, pred)
        if "error" not in scores:
            scores["halves"] = {}
            for half in halves.HALVES:
                h = metrics.sentence_scores(gold_rows, pred, max_examples=0, keep=ranges[half])
                scores["halves"][half] = {k: v for k, v in h.items() if k not in ("missed", "spurious")}
                scores["halves"][half]["n_units"] = sum(len(r) for r in ranges[half])
        out[name] = scores
    return out


def evaluate_entities(gs: gold_mod.GoldSet, baselines: bool = True, only: set[str] | None = None) -> dict:
    """Score every entity system on one gold set (see :func:`metrics.entity_scores`)."""
    out = {}
    for name, system in systems.entity_systems(gs.lang, baselines).items():
        if only and name not in only:
            continue
        pred = _safe(system, gs.items, gs.lang)
        if isinstance(pred, dict):
            out[name] = pred
            continue
        rows = [(d.doc_id, d.entities, p) for d, p in zip(gs.items, pred)]
        scores = _safe(metrics.entity_scores, rows)
        if "error" not in scores:
            scores["by_source"] = _by_source(rows)
        out[name] = scores
    return out


def _source_of(doc_id: str) -> str:
    """The sub-corpus of a gold document: its id up to the last ``_`` (Deep Sequoia sent_ids are
    ``<source>_<n>``: annodis.er, emea-fr-dev, Europar.550, frwiki_50.1000...), else the id's
    file part (before ``#``)."""
    return doc_id.rsplit("_", 1)[0] if "_" in doc_id else doc_id.split("#", 1)[0]


def _by_source(rows: list) -> dict[str, dict]:
    """Exact micro P/R/F1 per sub-corpus (see :func:`_source_of`), to show where errors concentrate."""
    groups: dict[str, list] = {}
    for row in rows:
        groups.setdefault(_source_of(row[0]), []).append(row)
    return {src: metrics.entity_scores(g, max_examples=0)["exact"]["micro"] for src, g in sorted(groups.items())}


def _score_boilerplate(gs: gold_mod.GoldSet, texts: list[str | None]) -> dict:
    if gs.kind == "snippets":
        counts = [metrics.snippet_counts(t, p.with_snippets, p.without_snippets) for t, p in zip(texts, gs.items)]
        missed = [f"{p.page_id}: missed {s!r}" for t, p in zip(texts, gs.items) for s in p.with_snippets if metrics.fold_whitespace(s) not in metrics.fold_whitespace(t or "")]
        kept = [f"{p.page_id}: kept {s!r}" for t, p in zip(texts, gs.items) for s in p.without_snippets if metrics.fold_whitespace(s) in metrics.fold_whitespace(t or "")]
        return {"snippets": metrics.snippet_scores(counts), "missed": missed, "kept_boilerplate": kept}
    tokens = [metrics.token_counts(p.article_body, t) for t, p in zip(texts, gs.items)]
    shingles = [metrics.token_counts(p.article_body, t, n=4, tokenizer="word") for t, p in zip(texts, gs.items)]
    worst = sorted(
        ((metrics.token_scores([c])["f1"], p.page_id) for c, p in zip(tokens, gs.items)),
    )[:5]
    return {
        "tokens": metrics.token_scores(tokens),
        "shingles": metrics.token_scores(shingles),
        "worst_pages": [f"{pid}: token F1 {f:.3f}" for f, pid in worst],
    }


#: The cross-validated systems (our block classifier retrained without the page's site, see
#: :func:`systems.cv_texts`): name → which path (HTML, plain text).
CV_SYSTEMS: dict[str, str] = {"ours (cv)": "html", "ours-plain-text (cv)": "text"}


def evaluate_boilerplate(gs: gold_mod.GoldSet, baselines: bool = True, only: set[str] | None = None) -> dict:
    """Score every boilerplate system on one gold set: snippet score for snippet gold; bag of
    whitespace tokens and the benchmark's 4-gram ``\\w+`` shingles for article gold.

    When the set is part of the shipped block classifier's training data, ``ours`` and
    ``ours-plain-text`` are training-set figures, and the ``(cv)`` systems of
    :data:`CV_SYSTEMS` give the cross-validated ones (a note on the set says so)."""
    out: dict[str, Any] = {}
    for name, system in systems.boilerplate_systems(gs.lang, baselines).items():
        if only and name not in only:
            continue
        langs = [getattr(page, "lang", None) or gs.lang for page in gs.items]
        texts = _safe(system, [page.html for page in gs.items], langs)
        out[name] = texts if isinstance(texts, dict) else _score_boilerplate(gs, texts)
    if only and not set(CV_SYSTEMS) & only:
        return out
    cv = _safe(systems.cv_texts, gs)
    if cv is None:
        gs.notes.append("held out: not in the shipped boilerplate model's training data")
        return out
    if "error" in cv:
        for name in CV_SYSTEMS:
            out[name] = cv
        return out
    gs.notes.append(
        "in the shipped boilerplate model's training data: 'ours' and 'ours-plain-text' are training-set figures; "
        f"'(cv)' = {cv['folds']}-fold cross-validation by site"
    )
    for name, kind in CV_SYSTEMS.items():
        if only and name not in only:
            continue
        out[name] = _score_boilerplate(gs, [cv[kind].get(p.page_id) for p in gs.items])
    return out


_RUNNERS = {"sentences": evaluate_sentences, "entities": evaluate_entities, "boilerplate": evaluate_boilerplate}


def run_evaluation(
    gold_root: Path,
    tasks: tuple[str, ...] = TASKS,
    baselines: bool = True,
    only: set[str] | None = None,
    on_gold_set: Callable[[str, str], None] | None = None,
) -> dict:
    """Evaluate ``tasks`` on every gold set under ``gold_root``; return the results dict (module doc).

    ``baselines=False`` runs only our stages; ``only`` restricts to the named systems;
    ``on_gold_set(task, gold set name)`` is called before each gold set is scored (progress). Raises
    :class:`InputError` when the gold folder or a gold file cannot be read, :class:`ConfigError`
    for an unknown task.
    """
    for t in tasks:
        if t not in _RUNNERS:
            raise ConfigError(f"unknown task {t!r}: use one of {', '.join(TASKS)} or all")
    results: dict[str, Any] = {"gold": str(gold_root), "tasks": {}}
    for task in tasks:
        per_set = {}
        for gs in gold_mod.discover(Path(gold_root), task):
            if on_gold_set is not None:
                on_gold_set(task, gs.name)
            scores = _RUNNERS[task](gs, baselines, only)  # may add notes to gs (the boilerplate CV)
            notes = list(gs.notes)
            if task == "sentences":
                notes.append(halves.describe(gs.name, gs.items))
                if note := systems.contamination_note(gs.name):
                    notes.append(note)
            per_set[gs.name] = {
                "lang": gs.lang,
                "kind": gs.kind,
                "n_docs": len(gs.items),
                "notes": notes,
                "systems": scores,
            }
        results["tasks"][task] = per_set
    return results


# --------------------------------------------------------------------------------------------
# regression gate


def headline_figures(results: dict, system: str = "ours") -> dict[str, float | None]:
    """The figures of one system that the gate pins, as ``{"task/set/measure": value}``.

    sentences: boundary precision/recall/F1 on the whole set, and the F1 of each half
    (``sentences/<set>/tune/f1``, ``sentences/<set>/held-out/f1``). entities: exact micro P/R/F1, exact F1 per label,
    overlap micro F1. boilerplate: snippet score, with-found, without-absent (snippet gold); token
    P/R/F1 and shingle F1 (article gold). A failed system yields ``None`` values for the keys it
    would have had (so the gate reports them).
    """
    figs: dict[str, float | None] = {}
    for task, sets in results.get("tasks", {}).items():
        for set_name, entry in sets.items():
            m = entry["systems"].get(system)
            if m is None:
                continue
            key = f"{task}/{set_name}"
            failed = "error" in m
            if task == "sentences":
                for k in ("precision", "recall", "f1"):
                    figs[f"{key}/{k}"] = None if failed else m[k]
                for half in halves.HALVES if "halves" in m else ():
                    figs[f"{key}/{half}/f1"] = m["halves"][half]["f1"]
            elif task == "entities":
                if failed:
                    figs[f"{key}/exact/micro/f1"] = None
                    continue
                for k in ("precision", "recall", "f1"):
                    figs[f"{key}/exact/micro/{k}"] = m["exact"]["micro"][k]
                for lab, v in m["exact"].items():
                    if lab != "micro" and v["tp"] + v["fn"] > 0:
                        figs[f"{key}/exact/{lab}/f1"] = v["f1"]
                figs[f"{key}/overlap/micro/f1"] = m["overlap"]["micro"]["f1"]
            elif entry["kind"] == "snippets":
                for k in ("score", "with_found", "without_absent"):
                    figs[f"{key}/snippets/{k}"] = None if failed else m["snippets"][k]
            else:
                for k in ("precision", "recall", "f1"):
                    figs[f"{key}/tokens/{k}"] = None if failed else m["tokens"][k]
                figs[f"{key}/shingles/f1"] = None if failed else m["shingles"]["f1"]
    return figs


#: Systems besides ``ours`` whose figures the gate pins too, under ``task/set/<system>/measure``:
#: our plain-text boilerplate path (the HTML gold pages without trafilatura's main text), and
#: the cross-validated figures of both paths.
GATED_EXTRA_SYSTEMS: tuple[str, ...] = ("ours-plain-text", *CV_SYSTEMS)


def gated_figures(results: dict) -> dict[str, float | None]:
    """The figures the gate pins: :func:`headline_figures` of ``ours``, plus those of
    :data:`GATED_EXTRA_SYSTEMS` keyed ``task/set/<system>/measure``."""
    figs = headline_figures(results)
    for system in GATED_EXTRA_SYSTEMS:
        for key, value in headline_figures(results, system).items():
            task, set_name, measure = key.split("/", 2)
            figs[f"{task}/{set_name}/{system}/{measure}"] = value
    return figs


def write_baseline(results: dict, path: Path, tolerance: float = DEFAULT_TOLERANCE) -> dict:
    """Write our gated figures (:func:`gated_figures`, rounded to 4 decimals) as the checked-in
    baseline JSON.

    Raises :class:`ConfigError` when one of our systems failed (a baseline must hold real figures).
    """
    figs = gated_figures(results)
    missing = [k for k, v in figs.items() if v is None]
    if missing:
        raise ConfigError(f"cannot write a baseline: our system failed on {', '.join(missing)} (see the results' 'error')")
    data = {
        "description": "Quality figures of our stages on the dev gold (corpus-builder evaluate all); "
        "the gate fails when a figure drops by more than `tolerance`.",
        "tolerance": tolerance,
        "figures": {k: round(v, 4) for k, v in sorted(figs.items())},
    }
    Path(path).write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return data


def check_baseline(results: dict, baseline_path: Path, tolerance: float | None = None) -> list[str]:
    """Compare our figures with a baseline file; return one message per regression (empty = pass).

    A figure regresses when it is lower than the baseline by more than ``tolerance`` (default: the
    file's ``tolerance``, else :data:`DEFAULT_TOLERANCE`), or when it is missing/failed while the
    baseline has it. Only figures of tasks present in ``results`` are checked. Raises
    :class:`InputError` when the baseline file is missing or not valid JSON.
    """
    try:
        base = json.loads(Path(baseline_path).read_text(encoding="utf-8"))
    except FileNotFoundError as e:
        raise InputError(f"{baseline_path}: baseline file not found (write one with --write-baseline)") from e
    except json.JSONDecodeError as e:
        raise InputError(f"{baseline_path}: not valid JSON ({e})") from e
    tol = tolerance if tolerance is not None else float(base.get("tolerance", DEFAULT_TOLERANCE))
    figs = gated_figures(results)
    evaluated_tasks = set(results.get("tasks", {}))
    regressions = []
    for key, ref in sorted(base.get("figures", {}).items()):
        task, set_name = key.split("/")[:2]
        if task not in evaluated_tasks:
            continue
        if set_name not in results["tasks"][task]:
            regressions.append(f"{key}: gold set {set_name!r} not evaluated (baseline {ref:.4f})")
            continue
        val = figs.get(key)
        if val is None:
            regressions.append(f"{key}: missing or failed (baseline {ref:.4f})")
        elif val < ref - tol:
            regressions.append(f"{key}: {val:.4f} < baseline {ref:.4f} (−{ref - val:.4f}, tolerance {tol})")
    return regressions
