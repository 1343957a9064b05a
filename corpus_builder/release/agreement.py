"""Inter-annotator agreement, from the raw Label Studio tasks a workspace keeps.

Where the annotations are: every ``studio pull`` / ``import-annotations`` keeps the full exported
task of each merged document, with *all* its annotations, in ``<workspace>/annotations.jsonl``
(:mod:`corpus_builder.studio.merge` publishes one winner per document; the others stay there).
A document counts when its task holds usable (not cancelled) annotations from at least two
annotators (``completed_by``; the most recent annotation per annotator) and its text still
matches the workspace document (the task's ``text_sha256``). Each annotation is read with the
merge's own rules (config check, UTF-16 offsets, trimming, overlaps, blocks covered by more than
half), so agreement is measured on what a merge would publish.

Figures (over all annotator pairs of all such documents, pooled):

- entities, per label and overall: pairwise exact-span F1 = 2·|A∩B| / (|A| + |B|) on
  ``(start, end, label)`` (symmetric; the exact-match convention of CoNLL-2003/seqeval);
- entities, per label and overall: Cohen's κ on tokens (scikit-learn ``cohen_kappa_score``);
  tokens from the release's tokenizer (``entities.tokenize``, the model's), each token labelled
  with the entity label that overlaps it or ``O``; per label, κ of "token is L" vs not;
- boilerplate lines: Krippendorff's α (the ``krippendorff`` package, nominal), units = blocks,
  coders = annotators, values = the block's boilerplate category or ``content``; also α for the
  binary "is boilerplate" decision, and Cohen's κ of the categories on pooled pairs;
- ``documents``, ``annotators``, ``pairs`` (annotator pairs × documents) and token/block counts
  the figures rest on;
- the documents with the most disagreement (entity spans not shared by every annotator plus
  blocks labelled differently), for adjudication.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from itertools import combinations
from pathlib import Path
from typing import Any

from ..records import ENTITY_LABELS, Document

#: Documents listed for adjudication.
TOP_DISAGREEMENTS = 20
Tokenizer = Callable[[str], list[tuple[int, int]]]


def _latest_per_annotator(task: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """``{annotator: most recent usable annotation}`` of ``task``; annotations without a known
    annotator are one annotator, ``"unknown"`` (:func:`~corpus_builder.studio.merge.latest_per_annotator`)."""
    from ..studio.merge import latest_per_annotator, usable_annotations

    anns = usable_annotations(task.get("annotations") or [])
    return {who: anns[i] for who, (i, _) in latest_per_annotator(anns, unknown_each=False).items()}


def iter_multi_annotated(tasks: Iterable[dict[str, Any]]) -> Iterator[tuple[str, dict[str, Any], dict[str, dict[str, Any]]]]:
    """``(doc_id, task, {annotator: annotation})`` of every task with two or more annotators."""
    from ..studio.tasks import DOC_ID_KEY

    for task in tasks:
        if not isinstance(task, dict):
            continue
        doc_id = (task.get("data") or {}).get(DOC_ID_KEY)
        per = _latest_per_annotator(task)
        if doc_id is not None and len(per) >= 2:
            yield str(doc_id), task, per


def _token_labels(offsets: list[tuple[int, int]], spans: Iterable[tuple[int, int, str]]) -> list[str]:
    labels = ["O"] * len(offsets)
    for s, e, lab in sorted(spans):
        for i, (ts, te) in enumerate(offsets):
            if ts < e and s < te and labels[i] == "O":
                labels[i] = lab
    return labels


def _kappa(a: list[str], b: list[str]) -> float | None:
    from sklearn.metrics import cohen_kappa_score

    if not a:
        return None
    if len(set(a) | set(b)) < 2:
        return 1.0  # one value everywhere: full agreement (κ is undefined, 0/0)
    return round(float(cohen_kappa_score(a, b)), 4)


def _alpha(rows: list[list[Any]]) -> float | None:
    import krippendorff
    import numpy as np

    if not rows or not rows[0]:
        return None
    data = np.array(rows, dtype=float)
    values = set(data[~np.isnan(data)].tolist())
    if len(values) < 2:
        return 1.0  # a single value everywhere: no disagreement to measure (α undefined, 0/0)
    return round(float(krippendorff.alpha(reliability_data=data, level_of_measurement="nominal")), 4)


def agreement_report(
    documents: dict[str, Document],
    tasks: Iterable[dict[str, Any]],
    tokenize: Tokenizer,
    *,
    top: int = TOP_DISAGREEMENTS,
) -> dict[str, Any]:
    """The agreement report (JSON-ready) of ``tasks`` (raw exported tasks) over ``documents``
    (``doc_id`` → workspace document):

    ``documents``, ``annotators``, ``pairs``, ``not_comparable`` (multi-annotated tasks whose
    document is missing or whose text changed), ``entities`` (``per_label`` and ``overall``:
    ``f1``, ``kappa``, ``spans``, ``tokens``), ``boilerplate`` (``alpha``, ``alpha_binary``,
    ``kappa``, ``blocks``), ``method`` (one line) and ``most_disagreement`` (up to ``top``
    documents: ``doc_id``, ``source``, ``task_id``, ``annotators``, ``entity_f1``,
    ``spans_disputed``, ``blocks_disputed``, a few ``examples``). Figures are ``None`` when there
    is nothing to measure; rounded to 4 decimals.
    """
    from ..studio.config import labeling_config, parse_config
    from ..studio.merge import annotation_labels
    from ..studio.tasks import TEXT_SHA_KEY, text_sha256

    cfg = parse_config(labeling_config())
    span_tp: Counter[str] = Counter()
    span_sizes: Counter[str] = Counter()
    tok_a: list[str] = []
    tok_b: list[str] = []
    block_a: list[str] = []
    block_b: list[str] = []
    alpha_units: list[dict[str, str]] = []
    annotators: set[str] = set()
    n_docs = n_pairs = not_comparable = 0
    ranking: list[dict[str, Any]] = []
    for doc_id, task, per in iter_multi_annotated(tasks):
        doc = documents.get(doc_id)
        data = task.get("data") or {}
        if doc is None or data.get(TEXT_SHA_KEY) != text_sha256(doc.text):
            not_comparable += 1
            continue
        n_docs += 1
        parsed: dict[str, tuple[set[tuple[int, int, str]], list[str]]] = {}
        for who, ann in sorted(per.items()):
            spans, blocks = annotation_labels(doc, ann, cfg)
            parsed[who] = (spans, [lab or "content" for lab in blocks])
        annotators.update(parsed)
        offsets = [(s, e) for s, e in tokenize(doc.text) if doc.text[s:e].strip()]
        tokens = {who: _token_labels(offsets, spans) for who, (spans, _) in parsed.items()}
        doc_tp = doc_size = 0
        for a, b in combinations(sorted(parsed), 2):
            n_pairs += 1
            sa, sb = parsed[a][0], parsed[b][0]
            for lab in {s[2] for s in sa | sb}:
                la = {s for s in sa if s[2] == lab}
                lb = {s for s in sb if s[2] == lab}
                span_tp[lab] += len(la & lb)
                span_sizes[lab] += len(la) + len(lb)
            doc_tp += len(sa & sb)
            doc_size += len(sa) + len(sb)
            tok_a += tokens[a]
            tok_b += tokens[b]
            block_a += parsed[a][1]
            block_b += parsed[b][1]
        for i in range(len(doc.blocks)):
            alpha_units.append({who: parsed[who][1][i] for who in parsed})
        all_spans = [spans for spans, _ in parsed.values()]
        disputed = set().union(*all_spans) - set.intersection(*all_spans)
        blocks_disputed = [i for i in range(len(doc.blocks)) if len({parsed[w][1][i] for w in parsed}) > 1]
        ranking.append({
            "doc_id": doc_id,
            "source": doc.source,
            "task_id": task.get("id"),
            "annotators": sorted(parsed),
            "entity_f1": round(2 * doc_tp / doc_size, 4) if doc_size else None,
            "spans_disputed": len(disputed),
            "blocks_disputed": len(blocks_disputed),
            "examples": [f"{s}-{e} {lab} {doc.text[s:e]!r}" for s, e, lab in sorted(disputed)[:3]]
            + [f"block {i} {doc.text[doc.blocks[i].start:doc.blocks[i].end][:40]!r}" for i in blocks_disputed[:2]],
        })
    labels = sorted(set(span_sizes) | set(ENTITY_LABELS), key=lambda lab: (lab not in ENTITY_LABELS, ENTITY_LABELS.index(lab) if lab in ENTITY_LABELS else 0, lab))
    per_label = {}
    for lab in labels:
        per_label[lab] = {
            "f1": round(2 * span_tp[lab] / span_sizes[lab], 4) if span_sizes[lab] else None,
            "kappa": _kappa([t == lab for t in tok_a], [t == lab for t in tok_b]) if tok_a and (lab in tok_a or lab in tok_b) else None,
            "spans": span_sizes[lab],
        }
    coders = sorted(annotators)
    values = sorted({v for u in alpha_units for v in u.values()})
    code = {v: i for i, v in enumerate(values)}
    rows = [[code[u[c]] if c in u else float("nan") for u in alpha_units] for c in coders]
    binary = [[(0 if u[c] == "content" else 1) if c in u else float("nan") for u in alpha_units] for c in coders]
    ranking.sort(key=lambda r: (-(r["spans_disputed"] + r["blocks_disputed"]), r["doc_id"]))
    total_size = sum(span_sizes.values())
    return {
        "method": (
            "documents whose task holds usable annotations from 2+ annotators (latest per annotator), read with the merge rules; "
            "entities: pooled pairwise exact-span F1 and Cohen's kappa on tokens (scikit-learn); "
            "boilerplate lines: Krippendorff's alpha, nominal (krippendorff), units = blocks, coders = annotators"
        ),
        "documents": n_docs,
        "annotators": len(annotators),
        "pairs": n_pairs,
        "not_comparable": not_comparable,
        "entities": {
            "overall": {
                "f1": round(2 * sum(span_tp.values()) / total_size, 4) if total_size else None,
                "kappa": _kappa(tok_a, tok_b),
                "spans": total_size,
                "tokens": len(tok_a),
            },
            "per_label": per_label,
        },
        "boilerplate": {
            "alpha": _alpha(rows) if len(coders) >= 2 else None,
            "alpha_binary": _alpha(binary) if len(coders) >= 2 else None,
            "kappa": _kappa(block_a, block_b),
            "blocks": len(alpha_units),
        },
        "most_disagreement": [r for r in ranking if r["spans_disputed"] or r["blocks_disputed"]][:top],
    }


def workspace_agreement(workspace: str | Path, *, tokenize: Tokenizer | None = None, top: int = TOP_DISAGREEMENTS) -> dict[str, Any] | None:
    """The :func:`agreement_report` of a workspace's ``annotations.jsonl``, or ``None`` when no
    task there has two or more annotators. ``tokenize`` defaults to the workspace model's tokenizer.
    Raises :class:`InputError` if the workspace was not prepared or a line is not JSON."""
    from ..pipeline import DEFAULT_MODEL
    from ..workspace import Workspace, read_jsonl

    ws = Workspace(workspace).require()
    path = ws.annotations_path
    if not path.is_file():
        return None
    wanted = {doc_id for doc_id, _, _ in iter_multi_annotated(read_jsonl(path))}
    if not wanted:
        return None
    if tokenize is None:
        from ..entities import tokenize as model_tokenize

        model = ws.read_info().get("options", {}).get("model", DEFAULT_MODEL)
        tokenize = lambda text: model_tokenize(text, model)  # noqa: E731
    documents = {d.doc_id: d for d in ws.iter_documents() if d.doc_id in wanted}
    return agreement_report(documents, read_jsonl(path), tokenize, top=top)
