"""The dataset card ``README.md`` of a release: YAML front matter read by ``datasets`` and the Hub
(``configs`` with exact ``data_files`` per split) and a human description built from the manifest.

The ``data_files`` list the exact, content-addressed file names (``<split>-00000-of-00001-<first 16
hex of the file's sha256>.parquet``), never glob patterns: ``datasets`` (5.2) caches a local folder
by its last path component and the card's ``data_files``, so two releases that share a version
number but differ in content get different cache entries.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from ..records import BOILERPLATE_LABELS, ENTITY_LABELS, NER_TAGS
from .features import CONFIGS, SPLITS

CARD_FILE = "README.md"
DEFAULT_CONFIG = "sentences"

_ROW_MEANING = {
    "documents": "one document: cleaned text, blocks (content/boilerplate), entity spans (document offsets)",
    "sentences": "one sentence (document offsets), its block's boilerplate label, entity spans (sentence offsets)",
    "ner": "one content sentence as tokens with IOB2 `ner_tags` (ClassLabel)",
}


def front_matter(manifest: Mapping[str, Any], languages: list[str]) -> dict[str, Any]:
    """The card's YAML metadata: languages, pretty name, tasks and ``configs`` (``sentences`` is
    the default) with the exact data files of every split that has files, from ``manifest["files"]``."""
    configs = []
    for config in CONFIGS:
        entry: dict[str, Any] = {"config_name": config}
        if config == DEFAULT_CONFIG:
            entry["default"] = True
        entry["data_files"] = []
        for split in SPLITS:
            paths = [f["path"] for f in manifest["files"] if f["config"] == config and f["split"] == split]
            if paths:  # an empty split has no file and is left out (datasets cannot load it)
                entry["data_files"].append({"split": split, "path": paths})
        configs.append(entry)
    return {
        "language": languages,
        "pretty_name": f"{manifest['name']} {manifest['version']}",
        "task_categories": ["token-classification", "text-classification"],
        "task_ids": ["named-entity-recognition"],
        "configs": configs,
    }


def card_data_files(card_text: str) -> dict[str, dict[str, list[str]]]:
    """Parse a card's front matter into ``{config: {split: [path, ...]}}`` (raises ``ValueError``
    when the card has no YAML front matter)."""
    if not card_text.startswith("---\n"):
        raise ValueError("the card does not start with a YAML front matter block ('---')")
    end = card_text.index("\n---\n", 4)
    meta = yaml.safe_load(card_text[4:end]) or {}
    out: dict[str, dict[str, list[str]]] = {}
    for entry in meta.get("configs") or []:
        files = {}
        for df in entry.get("data_files") or []:
            path = df["path"]
            files[df["split"]] = [path] if isinstance(path, str) else list(path)
        out[entry["config_name"]] = files
    return out


def _table(header: list[str], rows: list[list[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _score_row(name: str, s: Mapping[str, Any]) -> list[Any]:
    support = s.get("support", s.get("tp", 0) + s.get("fn", 0))
    return [name, s.get("precision", ""), s.get("recall", ""), s.get("f1", ""), support]


def _quality_section(quality: Mapping[str, Any] | None) -> str:
    """The pre-annotation quality report as tables: entity scores per label and micro, and
    boilerplate block scores; any other key of the report is shown as YAML."""
    if not quality:
        return "No pre-annotation quality report: no document has been reviewed in Label Studio."
    parts, rest = [], {}
    header = ["precision", "recall", "F1", "support (human)"]
    for key, value in quality.items():
        if key == "entities" and isinstance(value, Mapping) and isinstance(value.get("per_label"), Mapping):
            rows = [_score_row(lb, s) for lb, s in value["per_label"].items()]
            if isinstance(value.get("micro"), Mapping):
                rows.append(_score_row("**micro**", value["micro"]))
            parts.append("Entities (exact start, end and label):\n\n" + _table(["label", *header], rows))
        elif key == "boilerplate" and isinstance(value, Mapping) and "f1" in value:
            acc = value.get("category_accuracy")
            note = f" Category accuracy on blocks both call boilerplate: {acc}." if acc is not None else ""
            parts.append("Boilerplate blocks:" + note + "\n\n" + _table(["", *header], [_score_row("boilerplate", value)]))
        else:
            rest[key] = value
    if rest:
        parts.append("```yaml\n" + yaml.safe_dump(rest, sort_keys=False, allow_unicode=True).strip() + "\n```")
    return "\n\n".join(parts)


#: What each column means, for the card's "Fields" section (one entry per feature of every config;
#: ``tests/test_release.py`` checks none is missing).
FIELD_DOCS: dict[str, str] = {
    "doc_id": "document id: the input's `id` (JSONL), else `doc-` + 16 hex digits of the sha256 of the cleaned text",
    "source": "where the document came from: the input file's path relative to the folder given (prefixed by that folder's name when several were given), or the JSONL record's `source`",
    "text": "cleaned text (Unicode NFC, mojibake repaired, whitespace normalised); blocks are separated by `\\n`",
    "lang": "language: the input's BCP 47 tag in standard form (`fr`, `fr-FR`, `pt-BR`), else detected (ISO 639-1, py3langid), "
            "`und` when unsure; filter on the primary subtag (`lang.split('-')[0] == 'fr'`) to keep every form",
    "raw_sha256": "sha256 of the raw input bytes (of the line, for JSONL)",
    "status": "`predicted` (machine labels only) or `reviewed` (a person corrected the document in Label Studio)",
    "blocks": "the text's non-empty lines: {start, end, is_boilerplate, boilerplate_label, source}; `source` is `prediction` or `annotation`",
    "entities": "entity spans {start, end, label, text, source, annotator}: the human annotation on reviewed documents (`source` = `annotation`, `annotator` = Label Studio user id), else the predictions",
    "predictions": "the machine's entity spans, kept apart on reviewed documents (empty on predicted ones, whose `entities` are the predictions)",
    "sent_index": "position of the sentence in its document, from 0",
    "start": "sentence start in the document text (code points)",
    "end": "sentence end in the document text (code points, exclusive)",
    "is_boilerplate": "the sentence's block is boilerplate",
    "boilerplate_label": "its category (navigation, share, caption, related, promo, comments, footer, duplicate, metadata, other), null for content",
    "tokens": "the sentence's tokens (spaCy's tokenizer, the one the entities were predicted with)",
    "ner_tags": "one IOB2 tag per token (ClassLabel); content sentences only; join with `documents` on `doc_id` for `status`",
}


#: Where a field means something else in one config: ``(config, field)`` → meaning.
FIELD_DOCS_BY_CONFIG: dict[tuple[str, str], str] = {
    ("sentences", "text"): "the sentence text: `documents.text[start:end]` of its document",
    ("sentences", "entities"): "entity spans as in `documents`, with offsets into the sentence text",
    ("sentences", "predictions"): "the machine's spans as in `documents`, with offsets into the sentence text",
    ("sentences", "status"): "its document's `status`",
}


def _fields_section() -> str:
    from .features import features_for

    parts = ["## Fields"]
    for cf in CONFIGS:
        rows = [[f"`{name}`", FIELD_DOCS_BY_CONFIG.get((cf, name), FIELD_DOCS.get(name, ""))] for name in features_for(cf)]
        parts.append(f"`{cf}`:\n\n" + _table(["field", "meaning"], rows))
    return "\n\n".join(parts)


def card_languages(languages: Mapping[str, int]) -> list[str]:
    """The card's language list from ``{lang: documents}``: most documents first, then by code."""
    return [lang for lang, _ in sorted(languages.items(), key=lambda kv: (-kv[1], kv[0]))]
def _agreement_section(agreement: Mapping[str, Any] | None) -> list[str]:
    """The "Inter-annotator agreement" section (``manifest.agreement``, from the workspace's raw tasks)."""
    if not agreement:
        return []
    e, b = agreement["entities"], agreement["boilerplate"]

    def fmt(x: Any) -> str:
        return "–" if x is None else f"{x:.4f}"

    rows = [[lab, fmt(v["f1"]), fmt(v["kappa"]), v["spans"]] for lab, v in e["per_label"].items()]
    rows.append(["all", fmt(e["overall"]["f1"]), fmt(e["overall"]["kappa"]), e["overall"]["spans"]])
    worst = ", ".join(f"`{r['doc_id']}`" for r in agreement["most_disagreement"][:5])
    return [
        "## Inter-annotator agreement\n\n"
        f"On {agreement['documents']} documents annotated by two or more people ({agreement['annotators']} annotators, "
        f"{agreement['pairs']} annotator pairs × documents; {e['overall']['tokens']} token pairs, {b['blocks']} lines). "
        f"Method: {agreement['method']}.\n\n"
        + _table(["label", "exact-span F1", "Cohen's κ (tokens)", "spans (both sides)"], rows)
        + f"\n\nBoilerplate lines: Krippendorff's α {fmt(b['alpha'])} (categories), {fmt(b['alpha_binary'])} (boilerplate or not); "
        f"Cohen's κ {fmt(b['kappa'])}."
        + (f" Most disagreement (for adjudication): {worst}; `corpus-builder agreement` lists them." if worst else "")
    ]


def _near_duplicates_section(near: Mapping[str, Any] | None) -> list[str]:
    """The "Near-duplicates" section (``manifest.near_duplicates``)."""
    if not near:
        return []
    text = (f"## Near-duplicates\n\n{near['method']}. Documents checked: {near['documents_checked']}; clusters: "
            f"{near['clusters_count']} ({near['documents_in_clusters']} documents). All members of a cluster are in the same split. ")
    if near["dedup"] == "near":
        text += f"Deduplicated (`--dedup near`): {near['dropped']} documents dropped, one kept per cluster (listed with reason `near-duplicate` in the manifest's rejects)."
    else:
        text += "Every member is kept (`--dedup near` keeps one per cluster)."
    rows = [[c["key"], len(c["members"]), c["kept"], c["similarity"]] for c in near["clusters"][:10]]
    if rows:
        text += "\n\n" + _table(["cluster key", "documents", "kept", "min. similarity"], rows)
        if near["clusters_count"] > 10:
            text += f"\n\n(and {near['clusters_count'] - 10} more clusters in `manifest.json`)"
    return [text]


def _changes_section(changes: Mapping[str, Any] | None) -> list[str]:
    """The "Changes since" section (``manifest.changes``, written by ``release --previous``)."""
    if not changes:
        return []
    since = changes["since"]
    return [f"## Changes since {since['version']}\n\nCompared with `{since['name']}` {since['version']} "
            "(`corpus-builder diff` gives every change):\n\n" + "\n".join(f"- {line}" for line in changes["summary"])]


def render_card(manifest: Mapping[str, Any], languages: list[str], description: str | None = None) -> str:
    """The full ``README.md`` text of a release: front matter, then description, how to load it,
    counts per config and split, what each field means, label distribution, boilerplate share, review status, the
    pre-annotation quality report and how the release was built. Deterministic (no timestamp)."""
    c = manifest["counts"]
    name, version = manifest["name"], manifest["version"]
    fm = yaml.safe_dump(front_matter(manifest, languages), sort_keys=False, allow_unicode=True)
    description = description or (
        f"`{name}` is a corpus of {c['documents']['total']} document{'' if c['documents']['total'] == 1 else 's'} ({', '.join(languages) or 'no language'}) "
        "cleaned, cut into blocks labelled content or boilerplate, split into sentences and annotated with "
        f"entity spans ({', '.join(ENTITY_LABELS)}). Built with corpus-builder."
    )
    review = manifest["review"]
    entity_rows = [[lb, c["entities_by_label"].get(lb, 0), c["predictions_by_label"].get(lb, 0)] for lb in ENTITY_LABELS]
    entity_rows += [[lb, n, c["predictions_by_label"].get(lb, 0)] for lb, n in c["entities_by_label"].items() if lb not in ENTITY_LABELS]
    bp_rows = [[lb, c["sentences_by_boilerplate_label"].get(lb, 0)] for lb in BOILERPLATE_LABELS]
    rejects: dict[str, int] = {}
    for r in manifest["rejects"]:
        rejects[r["reason"]] = rejects.get(r["reason"], 0) + 1
    fr = manifest["split"]["fractions"]
    sections = [
        f"---\n{fm}---",
        f"# {name} {version}\n\n{description}",
        "## Load it\n\n```python\nfrom datasets import load_dataset\n\n"
        'sentences = load_dataset("path/to/this/folder")  # default config: sentences\n'
        'documents = load_dataset("path/to/this/folder", "documents")\n'
        'ner = load_dataset("path/to/this/folder", "ner")  # ner_tags: ClassLabel\n```\n\n'
        "Splits are per document; a split without rows is left out. "
        f"`ner_tags` names (IOB2, conll2003 order): {', '.join(NER_TAGS)}. Offsets are Unicode code points, "
        "end-exclusive: `documents.text[start:end]` is a block or span of a document, "
        "`sentences.text == documents.text[start:end]`, and sentence spans are offsets into the sentence text.",
        "## Configs and counts\n\n"
        + _table(
            ["config", *SPLITS, "total", "a row is"],
            [[cf, *(c[cf][s] for s in SPLITS), c[cf]["total"], _ROW_MEANING[cf]] for cf in CONFIGS],
        ),
        _fields_section(),
        "## Label distribution\n\nEntity spans (`entities`; `predictions` are the machine's spans kept apart on reviewed documents):\n\n"
        + _table(["label", "entities", "predictions"], entity_rows)
        + f"\n\nBoilerplate: {c['boilerplate_sentences']} of {c['sentences']['total']} sentences "
        f"(share {c['boilerplate_share']:.4f}), {c['boilerplate_blocks']} of {c['blocks']} blocks. "
        "Boilerplate sentences by category:\n\n"
        + _table(["category", "sentences"], bp_rows)
        + f"\n\nSpans in no sentence: {c['spans_outside_sentences']}; spans whose boundaries cut a token "
        f"(tagged by overlap in `ner`): {c['spans_misaligned_with_tokens']}."
        + _left_out_note(c),
        "## Review\n\n"
        f"Documents reviewed by a person: {review['documents_reviewed']} (by {review['annotators']} annotator{'' if review['annotators'] == 1 else 's'}); "
        f"predicted only: {review['documents_predicted']}; reviewed sentences: {review['sentences_reviewed']}. "
        "On reviewed documents `entities` hold the human annotation and `predictions` the machine's spans.\n\n"
        "### Pre-annotation quality\n\n" + _quality_section(review.get("pre_annotation_quality")),
        *_agreement_section(manifest.get("agreement")),
        *_near_duplicates_section(manifest.get("near_duplicates")),
        *_changes_section(manifest.get("changes")),
        "## How it was built\n\n"
        + _table(["component", "version"], [[k, v] for k, v in manifest["components"].items()])
        + f"\n\nRecord schema version: {manifest['schema_version']}. Inputs: {len(manifest['inputs'])} "
        f"(sha256 of each in `manifest.json`). Rejected inputs: {len(manifest['rejects'])}"
        + (" (" + ", ".join(f"{k}: {v}" for k, v in sorted(rejects.items())) + ")" if rejects else "")
        + "."
        + _notices_sentence(manifest.get("notices") or [])
        + "\n\n"
        f"Split (train {fr['train']}, validation {fr['validation']}, test {fr['test']}): {manifest['split']['rule']}.\n\n"
        "Every data file is listed in `manifest.json` with its sha256 and row count; "
        "`corpus-builder validate <this folder>` checks them, the row schemas and every offset.",
    ]
    return "\n\n".join(sections) + "\n"


def _notices_sentence(notices: list[Mapping[str, Any]]) -> str:
    """" Paths skipped: 2 (hidden file: 2). Documents kept with a warning: 1 (invalid bytes: 1)."
    from the manifest's ``notices`` (empty string when there are none)."""
    out = ""
    for kind, what in (("skipped", "Paths skipped"), ("warning", "Documents kept with a warning")):
        reasons: dict[str, int] = {}
        for n in notices:
            if n.get("kind") == kind:
                reasons[n["reason"]] = reasons.get(n["reason"], 0) + 1
        if reasons:
            out += f" {what}: {sum(reasons.values())} (" + ", ".join(f"{k}: {v}" for k, v in sorted(reasons.items())) + ")."
    return out


def read_card(release: Path) -> str:
    """The text of ``<release>/README.md``."""
    return (Path(release) / CARD_FILE).read_text(encoding="utf-8")


def _left_out_note(counts: dict) -> str:
    """One sentence on the content sentences left out of ``ner``: documents whose language has
    no entity model (and that nobody reviewed) got no entity prediction, so their all-O tags would
    teach a model that their names are not names."""
    n = counts.get("ner_sentences_left_out") or 0
    if not n:
        return ""
    by_lang = ", ".join(f"{lang} {k}" for lang, k in (counts.get("ner_sentences_left_out_by_language") or {}).items())
    return (f" Content sentences left out of `ner`: {n} ({by_lang}): their documents' language has no entity model "
            "(`prepare --model fr=...,en=...` names one per language), so they have no entity predictions.")
