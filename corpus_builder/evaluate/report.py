"""Markdown rendering of evaluation results (for README / docs/quality.md).

:func:`to_markdown` turns the dict of :func:`corpus_builder.evaluate.run.run_evaluation` into
GitHub-flavoured Markdown tables: one table per task with every system side by side, entity
tables per label, and the entity error breakdown. Figures are rounded to 3 decimals.
"""

from __future__ import annotations

from .metrics import ERROR_KINDS


def _f(x: float | None) -> str:
    return "—" if x is None else f"{x:.3f}"


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def to_markdown(results: dict) -> str:
    """Render the results as Markdown (sections for the tasks present in ``results``)."""
    out: list[str] = []
    tasks = results.get("tasks", {})
    if "sentences" in tasks:
        rows = []
        notes = []
        for set_name, entry in tasks["sentences"].items():
            notes += [n if n.startswith(set_name) else f"{set_name}: {n}" for n in entry.get("notes", [])]
            for system, m in entry["systems"].items():
                if "error" in m:
                    rows.append([set_name, system, "failed", "", "", "", "", "", ""])
                else:
                    h = m.get("halves", {})
                    rows.append([
                        set_name, system, _f(m["precision"]), _f(m["recall"]), _f(m["f1"]),
                        _f(h.get("tune", {}).get("f1")), f"**{_f(h.get('held-out', {}).get('f1'))}**",
                        str(m["n_gold_sentences"]), str(m["n_pred_sentences"]),
                    ])  # fmt: skip
        header = ["gold set", "system", "P", "R", "F1 all", "F1 tune", "F1 **held-out**", "gold sentences", "predicted"]
        out += [
            "### Sentence boundaries",
            "",
            "F1 tune / **held-out**: the two halves of each set by document (`corpus_builder/evaluate/halves.py`); "
            "our rules were tuned on the tune half only, so the held-out figure is the one to expect on new text.",
            "",
            _table(header, rows),
            "",
            *(f"- {n}" for n in notes),
            "",
        ]
    if "entities" in tasks:
        out += ["### Entities (exact = same span and label; overlap = same label, overlapping span)", ""]
        for set_name, entry in tasks["entities"].items():
            rows = []
            for system, m in entry["systems"].items():
                if "error" in m:
                    rows.append([system, "failed", "", "", "", "", "", ""])
                    continue
                for lab, e in m["exact"].items():
                    o = m["overlap"].get(lab, {})
                    rows.append([system, lab, _f(e["precision"]), _f(e["recall"]), _f(e["f1"]), _f(o.get("precision")), _f(o.get("recall")), _f(o.get("f1"))])
            out += [f"**{set_name}** ({entry['n_docs']} documents)", "", _table(["system", "label", "exact P", "exact R", "exact F1", "overlap P", "overlap R", "overlap F1"], rows), ""]
            rows = [
                [system, str(m["n_gold"]), str(m["n_pred"]), str(m["correct"]), *(str(m["errors"][k]) for k in ERROR_KINDS)]
                for system, m in entry["systems"].items()
                if "error" not in m
            ]
            out += [f"Error breakdown, {set_name}:", "", _table(["system", "gold", "predicted", "correct", *ERROR_KINDS], rows), ""]
            sources = sorted({src for m in entry["systems"].values() for src in m.get("by_source", {})})
            if len(sources) > 1:
                rows = [
                    [system, *(_f(m["by_source"].get(src, {}).get("f1")) for src in sources)]
                    for system, m in entry["systems"].items()
                    if "by_source" in m
                ]
                out += [f"Exact micro F1 by sub-corpus, {set_name}:", "", _table(["system", *sources], rows), ""]
    if "boilerplate" in tasks:
        rows = []
        for set_name, entry in tasks["boilerplate"].items():
            for system, m in entry["systems"].items():
                if "error" in m:
                    rows.append([set_name, system, "failed", "", "", "", "", "", ""])
                elif "snippets" in m:
                    s = m["snippets"]
                    rows.append([set_name, system, _f(s["score"]), _f(s["with_found"]), _f(s["without_absent"]), "", "", "", ""])
                else:
                    t = m["tokens"]
                    rows.append([set_name, system, "", "", "", _f(t["precision"]), _f(t["recall"]), _f(t["f1"]), _f(m["shingles"]["f1"])])
        notes = [f"- {name}: {note}" for name, entry in tasks["boilerplate"].items() for note in entry.get("notes", [])]
        out += [
            "### Boilerplate (main text)",
            "",
            _table(["gold set", "system", "snippet score", "with found", "without absent", "token P", "token R", "token F1", "shingle F1"], rows),
            "",
            *notes,
            *([""] if notes else []),
        ]
    return "\n".join(out)
