"""Check a release on disk against the release contract (``corpus-builder validate``)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq

from .card import CARD_FILE, card_data_files, read_card
from .checks import document_problems, ner_problems, sentence_problems
from .features import CONFIGS, SPLITS, arrow_schema
from .jsonschemas import row_errors
from .manifest import MANIFEST_FILE, read_manifest
from .dedup import NearDuplicates
from .rows import split_of
from .writer import _sha256

_SCHEMA_OF = {"documents": "release_document", "sentences": "release_sentence", "ner": "release_ner"}
#: Validation stops listing problems of one file after this many (the count is still reported).
MAX_PROBLEMS_PER_FILE = 20


def validate_release(path: Path) -> list[str]:
    """Return every problem found in the release folder ``path`` (empty list = valid).

    Checks: ``manifest.json`` parses and matches ``manifest.schema.json``; every listed file exists
    with the listed sha256 and row count and is named after its sha256, and no unlisted Parquet file
    lies in a config folder; the
    card's front matter ``configs`` list exactly the manifest's files per config and split; every
    shard has the config's Arrow schema (features metadata included); every row matches its JSON
    Schema; blocks and spans lie inside their text and ``text[start:end]`` equals the span text;
    ``sentences.text == documents.text[start:end]``; ``ner`` rows have one tag per token and name a
    content sentence; every document sits in the split its ``doc_id`` (or its near-duplicate
    cluster's key, ``manifest.near_duplicates``) gives under the manifest's fractions; per-split row counts equal ``manifest.counts``. Never raises for a bad release:
    problems are messages naming the file, row and field.
    """
    path = Path(path)
    if not path.is_dir():
        return [f"{path}: not a folder"]
    try:
        manifest = read_manifest(path)
    except FileNotFoundError:
        return [f"{path}: no {MANIFEST_FILE}; not a corpus-builder release"]
    except json.JSONDecodeError as e:
        return [f"{path / MANIFEST_FILE}: not valid JSON ({e.msg}, line {e.lineno})"]
    problems = row_errors("manifest", manifest, MANIFEST_FILE)
    if problems:
        return problems

    # files: checksums, row counts, nothing unlisted
    listed = {f["path"]: f for f in manifest["files"]}
    for f in manifest["files"]:
        p = path / f["path"]
        if not p.is_file():
            problems.append(f"{f['path']}: listed in {MANIFEST_FILE} but missing")
            continue
        if _sha256(p) != f["sha256"]:
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
                elif config == "sentences":
                    file_problems += sentence_problems(row, doc_texts.get(row["doc_id"]), where)
                    if not row["is_boilerplate"]:
                        content_sentences.add((row["doc_id"], row["sent_index"]))
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
    return problems
