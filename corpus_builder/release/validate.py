"""Check a release on disk against the release contract (``corpus-builder validate``)."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from .. import __version__
from .card import CARD_FILE, card_data_files, card_languages, read_card, render_card
from .checks import document_problems, ner_problems, sentence_problems
from .features import CONFIGS, SPLITS, arrow_schema
from .jsonschemas import row_errors
from .manifest import MANIFEST_FILE, missing_manifest_message, read_manifest
from .dedup import NearDuplicates
from .rows import split_of
from ..workspace import file_sha256

_SCHEMA_OF = {"documents": "release_document", "sentences": "release_sentence", "ner": "release_ner"}
#: Validation stops listing problems of one file after this many (the count is still reported).
MAX_PROBLEMS_PER_FILE = 20


@dataclass
class ValidationReport:
    """What :func:`check_release` found: ``problems`` (the release breaks its contract: validate
    fails) and ``warnings`` (it holds, but something deserves a word: the running environment
    differs from the one that built it, or the card could not be re-rendered by this version)."""

    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def validate_release(path: Path) -> list[str]:
    """Every problem found in the release folder ``path`` (empty list = valid): the ``problems``
    of :func:`check_release`."""
    return check_release(path).problems


def check_release(path: Path) -> ValidationReport:
    """Check the release folder ``path``: problems and warnings (:class:`ValidationReport`).

    Warnings: :func:`environment_differences` (each component whose running version differs from
    the manifest's), and a card that this corpus-builder version cannot re-render because another
    version wrote it (its sha256 is still checked). Problems: :func:`_problems`.
    """
    report = ValidationReport()
    report.problems = _problems(Path(path), report.warnings)
    return report


def _problems(path: Path, warnings: list[str]) -> list[str]:
    """Every problem found in the release folder ``path`` (empty list = valid).

    Checks: ``manifest.json`` parses and matches ``manifest.schema.json``; every listed file exists
    with the listed sha256 and row count and is named after its sha256, and no unlisted Parquet file
    lies in a config folder; the
    card's front matter ``configs`` list exactly the manifest's files per config and split; every
    shard has the config's Arrow schema (features metadata included); every row matches its JSON
    Schema; blocks and spans lie inside their text and ``text[start:end]`` equals the span text;
    ``sentences.text == documents.text[start:end]``; ``ner`` rows have one tag per token and name a
    content sentence; every document sits in the split its ``doc_id`` (or its near-duplicate
    cluster's key, ``manifest.near_duplicates``) gives under the manifest's fractions; per-split row counts equal ``manifest.counts``; every other figure of
    ``manifest.counts`` and ``manifest.review`` is recomputed from the rows (:class:`_Recount`;
    ``spans_misaligned_with_tokens`` needs the tokenizer and is covered by the hashes only); the
    card's sha256 equals ``manifest.card.sha256``, and the card is exactly what the manifest
    renders, so a number edited in the card or in the manifest is found. Never raises for a bad
    release: problems are messages naming the file, row and field. Appends to ``warnings``.
    """
    path = Path(path)
    if not path.is_dir():
        return [f"{path}: not a folder"]
    try:
        manifest = read_manifest(path)
    except FileNotFoundError:
        return [missing_manifest_message(path)]
    except json.JSONDecodeError as e:
        return [f"{path / MANIFEST_FILE}: not valid JSON ({e.msg}, line {e.lineno})"]
    problems = row_errors("manifest", manifest, MANIFEST_FILE)
    if problems:
        return problems
    warnings += environment_differences(manifest)

    # files: checksums, row counts, nothing unlisted
    listed = {f["path"]: f for f in manifest["files"]}
    for f in manifest["files"]:
        p = path / f["path"]
        if not p.is_file():
            problems.append(f"{f['path']}: listed in {MANIFEST_FILE} but missing")
            continue
        if file_sha256(p) != f["sha256"]:
            problems.append(f"{f['path']}: sha256 differs from {MANIFEST_FILE} (file changed after release)")
        if not f["path"].endswith(f"-{f['sha256'][:16]}.parquet"):
            problems.append(f"{f['path']}: the name does not end with the first 16 hex digits of its sha256 (cache identity)")
        try:
            rows = pq.read_metadata(p).num_rows
        except Exception as e:  # a corrupt file is a problem to report, not a crash
            problems.append(f"{f['path']}: not a readable Parquet file ({e})")
            continue
        if rows != f["rows"]:
            problems.append(f"{f['path']}: {rows} rows, {MANIFEST_FILE} says {f['rows']}")
    for config in CONFIGS:
        for p in sorted((path / config).glob("*.parquet")):
            rel = p.relative_to(path).as_posix()
            if rel not in listed:
                problems.append(f"{rel}: Parquet file not listed in {MANIFEST_FILE}")

    # card data_files == manifest files
    try:
        card_files = card_data_files(read_card(path))
    except FileNotFoundError:
        problems.append(f"{CARD_FILE}: missing (the dataset card with the configs)")
        card_files = None
    except (ValueError, KeyError, TypeError) as e:
        problems.append(f"{CARD_FILE}: front matter unreadable ({e})")
        card_files = None
    card_path = path / CARD_FILE
    if card_path.is_file() and hashlib.sha256(card_path.read_bytes()).hexdigest() != manifest["card"]["sha256"]:
        problems.append(f"{CARD_FILE}: sha256 differs from {MANIFEST_FILE} card.sha256 (the card was edited after release)")
    if card_files is not None:
        for config in CONFIGS:
            for split in SPLITS:
                want = [f["path"] for f in manifest["files"] if f["config"] == config and f["split"] == split]
                got = card_files.get(config, {}).get(split, [])
                if got != want:
                    problems.append(f"{CARD_FILE}: configs {config}/{split} data_files {got} != {MANIFEST_FILE} files {want}")

    if problems:  # rows of files that do not match the manifest are not worth reading
        return problems

    # rows
    fractions = tuple(manifest["split"]["fractions"][s] for s in SPLITS)
    near = NearDuplicates.from_manifest(manifest.get("near_duplicates"))  # members share their cluster's split
    doc_texts: dict[str, str] = {}
    content_sentences: set[tuple[str, int]] = set()
    row_counts: Counter[tuple[str, str]] = Counter()
    recount = _Recount()
    for config in CONFIGS:
        schema = arrow_schema(config)
        for f in (f for f in manifest["files"] if f["config"] == config):
            rel = f["path"]
            pf = pq.ParquetFile(path / rel)
            # Parquet's compliant list encoding reads back list children as "element" (not "item"):
            # compare types and nullability, and the huggingface features metadata separately.
            if not pf.schema_arrow.equals(schema) or pf.schema_arrow.metadata != schema.metadata:
                problems.append(f"{rel}: Arrow schema differs from the {config} features ({pf.schema_arrow} != {schema})")
                continue
            file_problems: list[str] = []
            rows_iter = (row for batch in pf.iter_batches(batch_size=10_000) for row in batch.to_pylist())
            for i, row in enumerate(rows_iter):
                where = f"{rel} row {i}"
                file_problems += row_errors(_SCHEMA_OF[config], row, where)
                if config == "documents":
                    if row["doc_id"] in doc_texts:
                        file_problems.append(f"{where}: doc_id {row['doc_id']!r} repeats")
                    doc_texts[row["doc_id"]] = row["text"]
                    want = split_of(near.key_of(row["doc_id"]), fractions)
                    if want != f["split"]:
                        file_problems.append(f"{where}: document {row['doc_id']!r} is in {f['split']} but the split rule puts it in {want}")
                    file_problems += document_problems(row, where)
                    recount.document(row)
                elif config == "sentences":
                    file_problems += sentence_problems(row, doc_texts.get(row["doc_id"]), where)
                    if not row["is_boilerplate"]:
                        content_sentences.add((row["doc_id"], row["sent_index"]))
                    recount.sentence(row)
                else:
                    file_problems += ner_problems(row, where)
                    if (row["doc_id"], row["sent_index"]) not in content_sentences:
                        file_problems.append(f"{where}: ({row['doc_id']!r}, sentence {row['sent_index']}) is not a content sentence of the release")
                row_counts[config, f["split"]] += 1
            if len(file_problems) > MAX_PROBLEMS_PER_FILE:
                file_problems = file_problems[:MAX_PROBLEMS_PER_FILE] + [f"{rel}: {len(file_problems) - MAX_PROBLEMS_PER_FILE} more problems not listed"]
            problems += file_problems
    for config in CONFIGS:
        for split in SPLITS:
            want = manifest["counts"][config][split]
            if row_counts[config, split] != want:
                problems.append(f"{MANIFEST_FILE}: counts.{config}.{split} is {want} but the files hold {row_counts[config, split]} rows")
    problems += recount.problems(manifest)
    if not problems:
        problems += _card_problems(path, manifest, card_languages(recount.languages), warnings)
    return problems


class _Recount:
    """The figures of ``manifest.counts`` and ``manifest.review`` recomputed from the rows, the way
    :func:`corpus_builder.release.writer.write_release` counts them."""

    def __init__(self) -> None:
        self.n: Counter[str] = Counter()
        self.entities: Counter[str] = Counter()
        self.predictions: Counter[str] = Counter()
        self.bp_labels: Counter[str] = Counter()
        self.languages: Counter[str] = Counter()
        self.annotators: set[str] = set()

    def document(self, row: dict[str, Any]) -> None:
        self.languages[row["lang"]] += 1
        self.n["blocks"] += len(row["blocks"])
        self.n["boilerplate_blocks"] += sum(1 for b in row["blocks"] if b["is_boilerplate"])
        self.n["spans"] += len(row["entities"]) + len(row["predictions"])
        self.entities.update(e["label"] for e in row["entities"])
        if row["status"] == "reviewed":
            self.n["documents_reviewed"] += 1
            self.predictions.update(e["label"] for e in row["predictions"])
            self.annotators.update(a for e in row["entities"] if e["annotator"] for a in e["annotator"].split(","))

    def sentence(self, row: dict[str, Any]) -> None:
        self.n["sentences"] += 1
        self.n["spans_in_sentences"] += len(row["entities"]) + len(row["predictions"])
        if row["status"] == "reviewed":
            self.n["sentences_reviewed"] += 1
        if row["is_boilerplate"]:
            self.n["boilerplate_sentences"] += 1
            self.bp_labels[row["boilerplate_label"]] += 1

    def problems(self, manifest: dict[str, Any]) -> list[str]:
        counts, review = manifest["counts"], manifest["review"]
        n = self.n
        quality = review.get("pre_annotation_quality") or {}
        annotators = quality["annotators"] if isinstance(quality.get("annotators"), int) else len(self.annotators - {"unknown"})
        want = {
            "counts.entities_by_label": (counts["entities_by_label"], dict(sorted(self.entities.items()))),
            "counts.predictions_by_label": (counts["predictions_by_label"], dict(sorted(self.predictions.items()))),
            "counts.sentences_by_boilerplate_label": (counts["sentences_by_boilerplate_label"], dict(sorted(self.bp_labels.items()))),
            "counts.blocks": (counts["blocks"], n["blocks"]),
            "counts.boilerplate_blocks": (counts["boilerplate_blocks"], n["boilerplate_blocks"]),
            "counts.boilerplate_sentences": (counts["boilerplate_sentences"], n["boilerplate_sentences"]),
            "counts.boilerplate_share": (counts["boilerplate_share"], round(n["boilerplate_sentences"] / n["sentences"], 4) if n["sentences"] else 0.0),
            "counts.spans_outside_sentences": (counts["spans_outside_sentences"], n["spans"] - n["spans_in_sentences"]),
            "review.documents_reviewed": (review["documents_reviewed"], n["documents_reviewed"]),
            "review.documents_predicted": (review["documents_predicted"], counts["documents"]["total"] - n["documents_reviewed"]),
            "review.sentences_reviewed": (review["sentences_reviewed"], n["sentences_reviewed"]),
            "review.annotators": (review["annotators"], annotators),
        }
        out = [
            f"{MANIFEST_FILE}: {key} is {got!r} but the rows give {data!r}" for key, (got, data) in want.items() if got != data
        ]
        for config in CONFIGS:
            total = sum(counts[config][s] for s in SPLITS)
            if counts[config]["total"] != total:
                out.append(f"{MANIFEST_FILE}: counts.{config}.total is {counts[config]['total']} but its splits sum to {total}")
        return out


def _card_problems(path: Path, manifest: dict[str, Any], languages: list[str], warnings: list[str]) -> list[str]:
    """The card must be exactly what the manifest renders (``manifest`` already checked against
    the rows), so that every count and figure in it is the data's. A card written by another
    corpus-builder version may render differently: then only its sha256 is checked (a warning)."""
    built_by = manifest["components"].get("corpus-builder")
    if built_by != __version__:
        warnings.append(f"{CARD_FILE}: written by corpus-builder {built_by}, this is {__version__}: its text is checked by sha256 only, not re-rendered")
        return []
    try:
        on_disk = read_card(path)
    except (FileNotFoundError, UnicodeDecodeError):
        return []  # reported with the front matter
    expected = render_card(manifest, languages, manifest.get("description"))
    if on_disk == expected:
        return []
    for lineno, (got, want) in enumerate(zip(on_disk.splitlines(), expected.splitlines()), 1):
        if got != want:
            return [f"{CARD_FILE} line {lineno}: {got.strip()[:160]!r} but the manifest and data give {want.strip()[:160]!r}"]
    return [f"{CARD_FILE}: {len(on_disk.splitlines())} lines, the manifest and data render {len(expected.splitlines())}"]


def environment_differences(manifest: dict[str, Any]) -> list[str]:
    """One line per component whose version in ``manifest["components"]`` differs from the running
    environment (corpus-builder, the rule sets, spaCy, the model package, ftfy, trafilatura,
    charset-normalizer, puremagic, pyarrow, datasets, and any other installed package named
    there). Not a failure: the release is what it is, but rebuilding it here may give other bytes
    (``model`` is a pipeline name and is checked through ``model_version``; a model folder of
    ``train entities`` that is not found from the current folder gives one line saying so)."""
    from importlib.metadata import PackageNotFoundError, version

    components = manifest["components"]
    model = components.get("model", "")
    out = []
    trained: dict[str, str] | None = None
    missing_folder = False
    for key, recorded in components.items():
        if key in ("model", "entity_models"):  # names: their versions and hashes are checked below
            continue
        if key == "corpus-builder":
            running = __version__
        elif key == "boilerplate-rules":
            from ..boilerplate import RULES_VERSION

            running = RULES_VERSION
        elif key.startswith("boilerplate-model"):
            from ..boilerplate.classifier import default_model

            shipped = default_model().manifest_entry()
            if components.get("boilerplate-model") != shipped["name"]:
                continue  # a model file of the user's (`train boilerplate`): `verify` rebuilds with it
            running = {"boilerplate-model": shipped["name"], "boilerplate-model-version": shipped["version"],
                       "boilerplate-model-sha256": shipped["sha256"]}.get(key, recorded)
        elif key.startswith("model_") and key != "model_version" or (key == "model_version" and ("model_sha256" in components or Path(model).is_dir())):
            # a model folder written by `train entities`: compare its identity (version, hash, base)
            if not Path(model).is_dir():
                missing_folder = True  # the manifest names the folder, not where it is: said once below
                continue
            if trained is None:
                from ..pipeline import model_identity

                trained = model_identity(model)
            running = trained.get(key, "not recorded")
        else:
            package = model.replace("_", "-") if key == "model_version" else key
            try:
                running = version(package)
            except PackageNotFoundError:
                running = "not installed"
        if str(running) != str(recorded):
            name = f"{model} (model)" if key == "model_version" else key
            out.append(f"environment: {name} {running} here, {recorded} in {MANIFEST_FILE} (a rebuild here may give other bytes)")
    if missing_folder:
        out.append(f"environment: the entity model folder {model!r} is not in the current folder, so its version and sha256 "
                   f"({components.get('model_version')}) were not compared; run validate from where it was built to compare them")
    return out
