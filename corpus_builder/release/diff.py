"""What changed between two releases (``corpus-builder diff OLD NEW``).

Documents are matched by ``doc_id``; a document whose id is a hash of its text (a ``.txt`` or
``.html`` input) gets a new id when its text changes, so documents left unmatched on both sides
are matched again by ``source`` when that source names exactly one document on each side. A
matched pair with a different text is reported as *text changed* and its spans are not compared
(offsets on one text mean nothing on the other). For every pair with the same text:

- entity spans (the published ``entities``: human labels on reviewed documents, the machine's on
  predicted ones), as ``(start, end, label)`` in code points: *same* (identical), *relabelled*
  (same offsets, another label), *boundary moved* (overlapping, same label), *moved and relabelled*
  (overlapping, another label), else *added* / *removed*. Overlapping pairs are matched one to one,
  greedily by largest overlap;
- blocks with the same offsets whose label (a boilerplate category or ``content``) changed;
- ``status`` (``predicted`` → ``reviewed``) and split moves.

Plus the components whose versions differ (model, rule sets, libraries) and the row counts per
config and split. Memory: the old release's documents are indexed (spans, blocks, a hash of the
text; not the text); the new one is streamed.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable
from typing import Any

from .features import CONFIGS, SPLITS
from .read import Release

#: Entity change categories, in report order.
ENTITY_CHANGES = ("added", "removed", "relabelled", "boundary_moved", "moved_and_relabelled")
_DOC_COLUMNS = ["doc_id", "source", "text", "status", "blocks", "entities"]


def _doc_key(split: str, row: dict[str, Any]) -> dict[str, Any]:
    return {
        "split": split,
        "source": row["source"],
        "text_sha256": hashlib.sha256(row["text"].encode("utf-8")).hexdigest(),
        "status": row["status"],
        "entities": sorted((e["start"], e["end"], e["label"], e["text"]) for e in row["entities"]),
        "blocks": {(b["start"], b["end"]): (b["boilerplate_label"] or "other") if b["is_boilerplate"] else "content" for b in row["blocks"]},
    }


def diff_spans(old: Iterable[tuple], new: Iterable[tuple]) -> dict[str, list]:
    """Compare two documents' spans ``(start, end, label, text)`` over the same text.

    Returns ``{category: [...]}`` for :data:`ENTITY_CHANGES` plus ``same`` (a count):
    ``added``/``removed`` hold spans, ``relabelled`` ``(start, end, old_label, new_label, text)``,
    ``boundary_moved`` and ``moved_and_relabelled`` ``(old_span, new_span)``.
    """
    o = set(old)
    n = set(new)
    same = o & n
    o -= same
    n -= same
    out: dict[str, Any] = {k: [] for k in ENTITY_CHANGES}
    out["same"] = len(same)
    by_offsets = {(s[0], s[1]): s for s in n}
    for s in sorted(o):
        m = by_offsets.get((s[0], s[1]))
        if m is not None and m in n:
            out["relabelled"].append((s[0], s[1], s[2], m[2], s[3]))
            o.discard(s)
            n.discard(m)
    pairs = sorted(
        ((min(a[1], b[1]) - max(a[0], b[0]), a, b) for a in o for b in n if a[0] < b[1] and b[0] < a[1]),
        key=lambda p: (-p[0], p[1], p[2]),
    )
    for _, a, b in pairs:
        if a in o and b in n:
            out["boundary_moved" if a[2] == b[2] else "moved_and_relabelled"].append((a, b))
            o.discard(a)
            n.discard(b)
    out["added"] = sorted(n)
    out["removed"] = sorted(o)
    return out


def _components(old: dict[str, str], new: dict[str, str]) -> dict[str, list]:
    keys = list(dict.fromkeys([*old, *new]))
    return {k: [old.get(k), new.get(k)] for k in keys if old.get(k) != new.get(k)}


def _rows(old: dict[str, Any], new: dict[str, Any]) -> dict[str, dict[str, list[int]]]:
    out = {}
    for c in CONFIGS:
        oc, nc = old.get("counts", {}).get(c, {}), new.get("counts", {}).get(c, {})
        out[c] = {s: [oc.get(s, 0), nc.get(s, 0)] for s in (*SPLITS, "total")}
    return out


def diff_releases(old: Release, new: Release, *, progress=None) -> dict[str, Any]:
    """The changes from release ``old`` to release ``new`` (both :class:`Release`), as a
    JSON-ready dict (exact: every changed document and span is listed):

    ``old``/``new`` (name, version), ``documents`` (``added``, ``removed``, ``text_changed`` as
    sorted id lists — a text change matched by source is ``[old_id, new_id]`` —, ``in_both``,
    ``unchanged``), ``entities`` (per category of :data:`ENTITY_CHANGES`: ``{label: count}``, the
    old label for removed/moved, the new one for added, ``"OLD→NEW"`` for relabelled), ``blocks``
    (``{"OLD→NEW": count}`` of blocks whose label changed), ``status`` and ``splits``
    (``{"OLD→NEW": count}``), ``changed`` (per document with any change: its span, block, status
    and split changes), ``components`` (``{name: [old, new]}`` that differ), ``rows``
    (``{config: {split: [old, new]}}``) and ``summary`` (short Markdown lines, see
    :func:`summary_lines`). ``progress(n)`` is called per document read. Raises
    :class:`~corpus_builder.errors.ReleaseError` when a release cannot be read.
    """
    index: dict[str, dict[str, Any]] = {}
    for split, row in old.iter_all("documents", _DOC_COLUMNS):
        index[row["doc_id"]] = _doc_key(split, row)
        if progress:
            progress(1)
    seen: set[str] = set()
    unmatched_new: dict[str, dict[str, Any]] = {}
    pairs: list[tuple[str, str, dict, dict]] = []
    for split, row in new.iter_all("documents", _DOC_COLUMNS):
        key = _doc_key(split, row)
        if progress:
            progress(1)
        prev = index.get(row["doc_id"])
        if prev is None:
            unmatched_new[row["doc_id"]] = key
            continue
        seen.add(row["doc_id"])
        pairs.append((row["doc_id"], row["doc_id"], prev, key))
    unmatched_old = {d: k for d, k in index.items() if d not in seen}
    # re-match by source, when a source names exactly one unmatched document on each side
    old_by_source = Counter(k["source"] for k in unmatched_old.values())
    new_by_source = Counter(k["source"] for k in unmatched_new.values())
    source_old = {k["source"]: d for d, k in unmatched_old.items() if old_by_source[k["source"]] == 1}
    for new_id, key in sorted(unmatched_new.items()):
        old_id = source_old.get(key["source"])
        if old_id is not None and new_by_source[key["source"]] == 1:
            pairs.append((old_id, new_id, unmatched_old.pop(old_id), key))
            del unmatched_new[new_id]

    entities: dict[str, Counter] = {k: Counter() for k in ENTITY_CHANGES}
    blocks: Counter = Counter()
    status: Counter = Counter()
    splits: Counter = Counter()
    text_changed: list = []
    changed: list[dict[str, Any]] = []
    unchanged = 0
    for old_id, new_id, a, b in sorted(pairs, key=lambda p: p[1]):
        item: dict[str, Any] = {"doc_id": new_id}
        if old_id != new_id:
            item["old_doc_id"] = old_id
        if a["status"] != b["status"]:
            item["status"] = [a["status"], b["status"]]
            status[f"{a['status']}→{b['status']}"] += 1
        if a["split"] != b["split"]:
            item["split"] = [a["split"], b["split"]]
            splits[f"{a['split']}→{b['split']}"] += 1
        if a["text_sha256"] != b["text_sha256"]:
            item["text_changed"] = True
            text_changed.append([old_id, new_id] if old_id != new_id else new_id)
        else:
            spans = diff_spans(a["entities"], b["entities"])
            for cat in ENTITY_CHANGES:
                for x in spans[cat]:
                    if cat == "relabelled":
                        entities[cat][f"{x[2]}→{x[3]}"] += 1
                    elif cat == "moved_and_relabelled":
                        entities[cat][f"{x[0][2]}→{x[1][2]}"] += 1
                    elif cat == "boundary_moved":
                        entities[cat][x[0][2]] += 1
                    else:
                        entities[cat][x[2]] += 1
            span_changes = {cat: [list(x) if cat in ("added", "removed", "relabelled") else [list(x[0]), list(x[1])] for x in spans[cat]]
                            for cat in ENTITY_CHANGES if spans[cat]}
            if span_changes:
                item["entities"] = span_changes
            block_changes = [
                [s, e, a["blocks"][s, e], lab] for (s, e), lab in sorted(b["blocks"].items())
                if (s, e) in a["blocks"] and a["blocks"][s, e] != lab
            ]
            for _, _, x, y in block_changes:
                blocks[f"{x}→{y}"] += 1
            if block_changes:
                item["blocks"] = block_changes
        if len(item) > 1:
            changed.append(item)
        else:
            unchanged += 1
    report: dict[str, Any] = {
        "old": {"name": old.manifest.get("name"), "version": old.manifest.get("version")},
        "new": {"name": new.manifest.get("name"), "version": new.manifest.get("version")},
        "documents": {
            "added": sorted(unmatched_new),
            "removed": sorted(unmatched_old),
            "text_changed": sorted(text_changed, key=str),
            "in_both": len(pairs),
            "unchanged": unchanged,
        },
        "entities": {cat: dict(sorted(entities[cat].items())) for cat in ENTITY_CHANGES},
        "blocks": dict(sorted(blocks.items())),
        "status": dict(sorted(status.items())),
        "splits": dict(sorted(splits.items())),
        "components": _components(old.manifest.get("components", {}), new.manifest.get("components", {})),
        "rows": _rows(old.manifest, new.manifest),
        "changed": changed,
    }
    report["summary"] = summary_lines(report)
    return report


def _counts(c: dict[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(c.items(), key=lambda kv: (-kv[1], kv[0])))


def summary_lines(report: dict[str, Any]) -> list[str]:
    """Short Markdown lines for a dataset card's "Changes since OLD" section, from a
    :func:`diff_releases` report."""
    d = report["documents"]
    lines = [
        f"Documents: {len(d['added'])} added, {len(d['removed'])} removed, {len(d['text_changed'])} with a changed text; "
        f"{d['in_both']} in both releases, {d['unchanged']} unchanged."
    ]
    e = report["entities"]
    total = {cat: sum(e[cat].values()) for cat in ENTITY_CHANGES}
    if any(total.values()):
        parts = [f"{total['added']} added", f"{total['removed']} removed", f"{total['relabelled']} relabelled",
                 f"{total['boundary_moved']} with a moved boundary", f"{total['moved_and_relabelled']} moved and relabelled"]
        lines.append("Entities (documents in both, same text): " + ", ".join(parts) + ".")
        if e["relabelled"]:
            lines.append("Relabelled: " + _counts(e["relabelled"]) + ".")
    else:
        lines.append("Entities (documents in both, same text): no change.")
    if report["blocks"]:
        lines.append(f"Lines relabelled: {sum(report['blocks'].values())} ({_counts(report['blocks'])}).")
    if report["status"]:
        lines.append("Status: " + _counts(report["status"]) + ".")
    if report["splits"]:
        lines.append("Split moves: " + _counts(report["splits"]) + ".")
    if report["components"]:
        lines.append("Components: " + "; ".join(f"{k} {v[0] or '–'} → {v[1] or '–'}" for k, v in report["components"].items()) + ".")
    rows = report["rows"]
    lines.append("Rows: " + "; ".join(f"{c} {rows[c]['total'][0]} → {rows[c]['total'][1]}" for c in CONFIGS) + ".")
    return lines


def card_changes(report: dict[str, Any], old_manifest_sha256: str) -> dict[str, Any]:
    """The compact ``changes`` entry a new release's manifest and card carry: the old release
    (name, version, manifest sha256), the summary lines and the headline counts."""
    d = report["documents"]
    return {
        "since": {**report["old"], "manifest_sha256": old_manifest_sha256},
        "documents": {"added": len(d["added"]), "removed": len(d["removed"]), "text_changed": len(d["text_changed"]), "in_both": d["in_both"]},
        "entities": {cat: sum(report["entities"][cat].values()) for cat in ENTITY_CHANGES},
        "summary": report["summary"],
    }
