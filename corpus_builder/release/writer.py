"""Write a release: ``<releases_dir>/<name>/<version>/`` with the dataset card, the manifest and
the Parquet shards of the ``documents``, ``sentences`` and ``ner`` configs.

Contract (issue 2, "The release"):

- every row is checked against its JSON Schema and its offsets before it is written
  (:class:`ReleaseError` names the document and field otherwise);
- shards are written with the config's explicit Arrow schema (:mod:`.features`) and pinned
  Parquet writer options, and named ``<split>-<i:05d>-of-<n:05d>-<sha16>.parquet`` where
  ``sha16`` is the first 16 hex digits of the file's sha256 (content-addressed: the card's exact
  file list is the release's cache identity in ``datasets``);
- a split with no rows gets no file and is left out of the card (``datasets`` 5.2 cannot load an
  empty split: "Instruction ... corresponds to no data"), so a small corpus may have fewer than
  three splits; a config with no row at all keeps one empty train shard (no row group) so that its
  schema is published;
- nothing in a release depends on the clock or on where it is written: the same documents, options
  and version give byte-identical files (card and manifest included) with the same pyarrow;
- the release is assembled in a hidden temporary folder next to the target (``.<version>.tmp-*``,
  with an owner file: :mod:`corpus_builder.tempdirs`) and renamed at the end; an existing version
  is never overwritten; such folders left by killed runs are removed by the next release of the name.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import datasets
import pyarrow as pa
import pyarrow.parquet as pq

from .. import __version__, tempdirs
from ..errors import ConfigError, ReleaseError
from ..records import SCHEMA_VERSION, Document, Reject
from ..workspace import file_sha256
from . import card as card_mod
from .checks import document_problems, ner_problems, sentence_problems
from .features import CONFIGS, SPLITS, arrow_schema
from .jsonschemas import row_errors
from .manifest import FORMAT, MANIFEST_FILE, dumps
from .rows import SPLIT_RULE, ner_row, sentence_rows, split_of, document_row

#: Semantic Versioning 2.0.0, the regular expression the specification itself suggests
#: ("Is there a suggested regular expression (RegEx) to check a SemVer string?",
#: https://semver.org/spec/v2.0.0.html#is-there-a-suggested-regular-expression-regex-to-check-a-semver-string),
#: verbatim, with named groups; compiled ASCII-only (Python's ``\d`` also matches other scripts'
#: digits) and used with ``fullmatch`` (``$`` alone also matches before a final newline).
VERSION_RE = re.compile(
    r"^(?P<major>0|[1-9]\d*)\.(?P<minor>0|[1-9]\d*)\.(?P<patch>0|[1-9]\d*)"
    r"(?:-(?P<prerelease>(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
    r"(?:\+(?P<buildmetadata>[0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$",
    re.ASCII,
)
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$", re.ASCII)
#: Longest file name (one path component), in bytes, where the file system does not say
#: (POSIX ``NAME_MAX``; ext4, XFS, btrfs, APFS and NTFS allow 255).
DEFAULT_NAME_MAX = 255
#: The release is assembled in ``.<version>.tmp-XXXXXXXX`` (``tempfile.mkdtemp``: 8 random
#: characters) next to its target: a version must leave room for this many more bytes.
STAGING_EXTRA_BYTES = len(".") + len(".tmp-") + 8
#: ``datasets.load_dataset`` (5.2) caches each split of a local release in a file named
#: ``<snake_case(folder name)>-<split>-JJJJJ-SSSSS-of-NNNNN.arrow`` (``datasets.builder``,
#: ``_prepare_split``; ``datasets.naming.camelcase_to_snakecase``): with the longest split,
#: ``validation``, this many bytes more than the version. Measured: a 241-byte version was written
#: and validated, then ``load_dataset`` failed with "File name too long".
DATASETS_CACHE_EXTRA_BYTES = len("-validation-00000-00000-of-00000.arrow")

#: Parquet writer options, pinned so that a rebuild is byte-identical (with the same pyarrow).
PARQUET_OPTIONS: dict[str, Any] = {
    "version": "2.6",
    "data_page_version": "1.0",
    "compression": "zstd",
    "compression_level": 3,
    "use_dictionary": True,
    "write_statistics": True,
    "use_compliant_nested_type": True,
    "store_schema": True,
    "write_page_index": False,
    "write_page_checksum": False,
}
#: Rows per Parquet row group, per config (documents are long; sentences and ner rows short).
ROW_GROUP_ROWS = {"documents": 1_000, "sentences": 10_000, "ner": 10_000}
#: Manifest keys set by the writer; ``extra_manifest`` may not replace them (``review`` is merged).
RESERVED_KEYS = ("format", "name", "version", "schema_version", "components", "inputs", "rejects", "split", "files", "counts", "card")

Tokenizer = Callable[[str], list[tuple[int, int]]]


@dataclass(frozen=True)
class ReleaseInfo:
    """What :func:`write_release` wrote: ``path`` of the release folder, ``counts`` and ``review``
    as in the manifest, ``files`` (path relative to the release, config, split, sha256, rows, bytes)
    and the whole ``manifest``."""

    path: Path
    name: str
    version: str
    counts: dict[str, Any]
    review: dict[str, Any]
    files: list[dict[str, Any]] = field(default_factory=list)
    manifest: dict[str, Any] = field(default_factory=dict)


def name_max(folder: Path | str | None = None) -> int:
    """The longest file name, in bytes, that the file system holding ``folder`` (or its nearest
    existing parent; the current folder when ``None``) accepts: ``os.pathconf(..., "PC_NAME_MAX")``,
    else :data:`DEFAULT_NAME_MAX`."""
    path = Path(folder if folder is not None else ".").absolute()
    while not path.exists() and path != path.parent:
        path = path.parent
    try:
        return int(os.pathconf(path, "PC_NAME_MAX"))
    except (AttributeError, OSError, ValueError):  # Windows has no pathconf
        return DEFAULT_NAME_MAX


def _shown(value: str, limit: int = 40) -> str:
    return repr(value if len(value) <= limit else value[:limit] + "…")


def check_version(version: str, releases_dir: Path | str | None = None) -> str:
    """Return ``version`` if it is a Semantic Versioning 2.0.0 version (:data:`VERSION_RE`:
    ``MAJOR.MINOR.PATCH``, optionally ``-pre.release`` and ``+build.metadata``, e.g.
    ``1.0.0-rc.1``, ``1.0.0-alpha+build.5``) that fits one path component of the file system
    holding ``releases_dir`` with the staging folder's :data:`STAGING_EXTRA_BYTES`
    (:func:`name_max`) and ``datasets``' cache file names (:data:`DATASETS_CACHE_EXTRA_BYTES`,
    on a file system of :data:`DEFAULT_NAME_MAX`: 217 bytes), else raise :class:`ConfigError`."""
    if not isinstance(version, str) or not VERSION_RE.fullmatch(version):
        raise ConfigError(
            f"release version (--version) {_shown(str(version))} is not a SemVer 2.0.0 version: MAJOR.MINOR.PATCH without "
            "leading zeros, optionally -pre.release and +build (e.g. 1.0.0, 1.0.0-rc.1, 1.0.0-alpha+build.5)"
        )
    from datasets.naming import camelcase_to_snakecase

    size = max(len(version.encode()) + STAGING_EXTRA_BYTES - name_max(releases_dir),
               len(camelcase_to_snakecase(version).encode()) + DATASETS_CACHE_EXTRA_BYTES - DEFAULT_NAME_MAX)
    if size > 0:
        raise ConfigError(
            f"release version (--version) {_shown(version)} is {len(version.encode())} bytes, {size} too many: a file name may have "
            f"at most {DEFAULT_NAME_MAX} bytes, and the release is written in '.<version>.tmp-XXXXXXXX' and cached by "
            f"datasets.load_dataset as '<version>-validation-00000-00000-of-00000.arrow'; choose a shorter version"
        )
    return version


def same_version(releases_dir: Path | str, name: str, version: str) -> str | None:
    """The version folder of release ``name`` under ``releases_dir`` that SemVer 2.0.0 ranks the
    same as ``version`` (equal once the ``+build`` metadata is dropped: rule 10 of the spec),
    ``version`` itself included; ``None`` when there is none. ``1.0.0+b`` beside ``1.0.0`` would
    be two releases that no tool can order (third fresh-user trial)."""
    folder = Path(releases_dir) / name
    if not folder.is_dir():
        return None
    base = version.split("+", 1)[0]
    for p in sorted(folder.iterdir()):
        if p.is_dir() and not p.name.startswith(".") and p.name.split("+", 1)[0] == base:
            return p.name
    return None


def check_name(name: str, releases_dir: Path | str | None = None) -> str:
    """Return ``name`` if it is a safe folder name (ASCII letters, digits, ``.``, ``_``, ``-``; not
    starting with a dot or dash) of at most :func:`name_max` bytes on the file system holding
    ``releases_dir``, else raise :class:`ConfigError`."""
    if not isinstance(name, str) or not NAME_RE.fullmatch(name):
        raise ConfigError(
            f"release name (--name) {_shown(str(name))} must be ASCII letters, digits, '.', '_' or '-' and start with a letter or digit"
        )
    limit = name_max(releases_dir)
    if len(name.encode()) > limit:
        raise ConfigError(
            f"release name (--name) {_shown(name)} is {len(name.encode())} bytes: a folder name may have at most {limit} bytes "
            "on this file system; choose a shorter name"
        )
    return name


def check_split(split: Sequence[float]) -> tuple[float, float, float]:
    """Return ``split`` as ``(train, validation, test)`` fractions if they are three non-negative
    numbers summing to 1 (±1e-9), else raise :class:`ConfigError`."""
    if len(split) != 3 or any(f < 0 for f in split) or abs(sum(split) - 1.0) > 1e-9:
        raise ConfigError(f"split fractions {tuple(split)} must be three non-negative numbers (train, validation, test) summing to 1, e.g. 0.8 0.1 0.1")
    return (float(split[0]), float(split[1]), float(split[2]))


class _ShardSet:
    """The shards of one (config, split): rows are buffered and flushed every ``shard_rows`` rows
    to temporary files, renamed to their final content-addressed names by :meth:`finish`."""

    def __init__(self, folder: Path, config: str, split: str, shard_rows: int):
        self.folder, self.config, self.split, self.shard_rows = folder, config, split, shard_rows
        self.schema = arrow_schema(config)
        self.buffer: list[dict[str, Any]] = []
        self.parts: list[tuple[Path, int]] = []
        self.rows = 0

    def add(self, row: dict[str, Any]) -> None:
        self.buffer.append(row)
        self.rows += 1
        if len(self.buffer) >= self.shard_rows:
            self._flush()

    def _flush(self) -> None:
        path = self.folder / f".{self.split}-part{len(self.parts):05d}.tmp"
        # An empty shard has no row group at all: datasets (5.2) fails on a zero-row row group
        # ("BatchSize must be greater than 0") but reads a file without row groups as 0 rows.
        with pq.ParquetWriter(path, self.schema, **PARQUET_OPTIONS) as writer:
            if self.buffer:
                table = pa.Table.from_pylist(self.buffer, schema=self.schema)
                writer.write_table(table, row_group_size=ROW_GROUP_ROWS[self.config])
        self.parts.append((path, len(self.buffer)))
        self.buffer = []

    def finish(self, release: Path, keep_empty: bool = False) -> list[dict[str, Any]]:
        """Write the last shard and rename every shard to its final name. A split without rows
        gets no file (``datasets`` cannot load an empty split), unless ``keep_empty``."""
        if self.buffer or (keep_empty and not self.parts):
            self._flush()
        n = len(self.parts)
        files = []
        for i, (tmp, rows) in enumerate(self.parts):
            digest = file_sha256(tmp)
            final = self.folder / f"{self.split}-{i:05d}-of-{n:05d}-{digest[:16]}.parquet"
            os.replace(tmp, final)
            files.append(
                {
                    "path": final.relative_to(release).as_posix(),
                    "config": self.config,
                    "split": self.split,
                    "sha256": digest,
                    "rows": rows,
                    "bytes": final.stat().st_size,
                }
            )
        return files


def _fail(problems: list[str]) -> None:
    if problems:
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        raise ReleaseError("release rows do not satisfy the release contract: " + "; ".join(problems[:5]) + more)


def write_release(
    documents: Iterable[Document],
    *,
    name: str,
    version: str,
    releases_dir: Path,
    rejects: Sequence[Reject] = (),
    inputs: Sequence[dict] = (),
    components: dict[str, str] | None = None,
    split: tuple[float, float, float] = (0.8, 0.1, 0.1),
    tokenize: Tokenizer,
    shard_rows: int = 100_000,
    extra_manifest: dict | None = None,
    previous: Path | None = None,
    near_duplicates: Any = None,
    dedup: str = "split",
) -> ReleaseInfo:
    """Write ``documents`` as release ``<releases_dir>/<name>/<version>/`` and return its :class:`ReleaseInfo`.

    ``documents`` is consumed once, in order (rows keep that order inside each split); each is
    assigned a split by :func:`~corpus_builder.release.rows.split_of` with ``split`` = (train,
    validation, test) fractions. ``tokenize(sentence_text)`` returns token ``(start, end)`` code
    point offsets for the ``ner`` config (the pipeline passes the entity tokenizer, so tokens and
    entity boundaries agree). ``rejects`` and ``inputs`` (dicts with at least ``sha256``, e.g.
    ``{"path": ..., "sha256": ...}``) go into the manifest as given; ``components`` (name →
    version) are added to ``corpus-builder``, ``pyarrow`` and ``datasets``. ``shard_rows``: rows per
    Parquet file. ``extra_manifest``: further top-level manifest keys, except that

    - ``review`` is merged into the computed ``review`` (documents reviewed/predicted, sentences
      reviewed, annotators = distinct span annotators of reviewed documents). The pre-annotation
      quality report (precision/recall/F1 of predictions against the human labels, issue 3) is
      computed by the Label Studio merge and passed here, either as
      ``review["pre_annotation_quality"]`` or as the whole ``review`` when it has the shape of
      :func:`corpus_builder.studio.quality.quality_report` (``entities``/``boilerplate`` keys); it
      lands in ``manifest.review.pre_annotation_quality`` (``None`` when not given) and in the card;
      its ``annotators`` count, when present, replaces the computed one;
    - ``description`` also replaces the card's default description.

    ``near_duplicates``: the :class:`~corpus_builder.release.dedup.NearDuplicates` of
    ``documents`` (``None``: none known); every member of a cluster goes to the split of the
    cluster's key, and the clusters go into ``manifest.near_duplicates`` and the card. ``dedup``:
    ``split`` keeps every member; ``near`` keeps one per cluster (the reviewed one first) and
    reports the others as rejects (reason ``near-duplicate``, naming the kept document).

    ``previous``: an earlier release folder; the changes since it (:mod:`.diff`) go into
    ``manifest.changes`` and the card's "Changes since" section.

    Raises :class:`ConfigError` for a bad name, version, split or shard size or a reserved
    ``extra_manifest`` key, and :class:`ReleaseError` when the version already exists (never
    overwritten), a document id repeats, or a row breaks its JSON Schema or an offset rule. On any
    error nothing is left behind.
    """
    check_name(name, releases_dir)
    check_version(version, releases_dir)
    fractions = check_split(split)
    if shard_rows < 1:
        raise ConfigError(f"shard_rows must be at least 1 (got {shard_rows})")
    for i, item in enumerate(inputs):
        if not isinstance(item, dict) or not re.fullmatch(r"[0-9a-f]{64}", str(item.get("sha256", ""))):
            raise ConfigError(f"inputs[{i}] = {item!r} needs a 'sha256' (64 lowercase hex digits of the input's bytes)")
    extra = dict(extra_manifest or {})
    clash = sorted(set(extra) & set(RESERVED_KEYS))
    if clash:
        raise ConfigError(f"extra_manifest may not set {', '.join(clash)}: the writer computes them")
    if dedup not in ("split", "near"):
        raise ConfigError(f"dedup {dedup!r} must be 'split' (keep near-duplicates, one split per cluster) or 'near' (keep one per cluster)")
    if previous is not None:
        from .read import Release

        Release(previous)  # an unreadable previous release fails before anything is written
    target = Path(releases_dir) / name / version
    if target.exists():
        raise ReleaseError(
            f"release {target} already exists and is never overwritten; choose a new version (e.g. bump {version}) or delete that folder yourself"
        )
    twin = same_version(releases_dir, name, version)
    if twin is not None:
        raise ReleaseError(
            f"release {target.parent / twin} has the same SemVer precedence as {version} (build metadata after '+' does not "
            "order versions), so the two could not be told apart; choose a new version"
        )
    created = [p for p in (target.parent, *target.parent.parents) if not p.exists()]  # folders this run makes
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):  # a file where a folder must be (third fresh-user trial: a raw OS error)
        blocker = next((p for p in (target.parent, *target.parent.parents) if p.exists() and not p.is_dir()), target.parent)
        raise ReleaseError(f"{blocker} is a file, not a folder: the release would go in {target}; choose another --releases-dir or --name") from None
    tempdirs.sweep(target.parent, ".*.tmp-*")  # releases of any version whose run was killed
    staging = tempdirs.make_dir(target.parent, f".{version}.tmp-")
    try:
        manifest, languages = _write_contents(
            staging, documents, name=name, version=version, rejects=rejects, inputs=inputs,
            components=components, fractions=fractions, tokenize=tokenize, shard_rows=shard_rows, extra=extra,
            previous=previous, near_duplicates=near_duplicates, dedup=dedup,
        )
        if target.exists():
            raise ReleaseError(f"release {target} appeared while this one was being written; it is left untouched")
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(staging, 0o777 & ~umask)
        tempdirs.release_owner(staging)
        os.rename(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        for folder in created:  # innermost first: a failed first release leaves no empty releases/<name>/ behind
            try:
                folder.rmdir()  # only when empty: anything put there meanwhile stays
            except OSError:
                break
        raise
    return ReleaseInfo(
        path=target, name=name, version=version, counts=manifest["counts"], review=manifest["review"],
        files=manifest["files"], manifest=manifest,
    )


def _write_contents(
    release: Path,
    documents: Iterable[Document],
    *,
    name: str,
    version: str,
    rejects: Sequence[Reject],
    inputs: Sequence[dict],
    components: dict[str, str] | None,
    fractions: tuple[float, float, float],
    tokenize: Tokenizer,
    shard_rows: int,
    extra: dict[str, Any],
    previous: Path | None = None,
    near_duplicates: Any = None,
    dedup: str = "split",
) -> tuple[dict[str, Any], list[str]]:
    from .dedup import NearDuplicates

    near = near_duplicates or NearDuplicates()
    dropped = near.dropped() if dedup == "near" else {}
    rejects = list(rejects)
    for config in CONFIGS:
        (release / config).mkdir()
    shards = {(c, s): _ShardSet(release / c, c, s, shard_rows) for c in CONFIGS for s in SPLITS}
    seen: set[str] = set()
    entities_by_label: Counter[str] = Counter()
    predictions_by_label: Counter[str] = Counter()
    bp_by_label: Counter[str] = Counter()
    languages: Counter[str] = Counter()
    left_out_langs: Counter[str] = Counter()
    annotators: set[str] = set()
    n = Counter()
    for doc in documents:
        where = f"document {doc.doc_id!r} (source {doc.source!r})"
        if doc.doc_id in seen:
            raise ReleaseError(f"{where}: doc_id repeats; every document of a release needs its own doc_id")
        seen.add(doc.doc_id)
        for i, s in enumerate(doc.sentences):
            if not 0 <= s.block_index < len(doc.blocks):
                raise ReleaseError(f"{where}: sentences[{i}].block_index {s.block_index} names no block ({len(doc.blocks)} blocks)")
        if doc.doc_id in dropped:
            c = dropped[doc.doc_id]
            rejects.append(Reject(doc.source, "near-duplicate", f"document {doc.doc_id} is a near-duplicate of {c.kept}, which is kept "
                                  f"(cluster of {len(c.members)}, estimated Jaccard >= {c.similarity:.2f} on word {near.ngram}-grams)",
                                  record=(doc.meta.get("ingest") or {}).get("record")))
            continue
        split_name = split_of(near.key_of(doc.doc_id), fractions)
        row = document_row(doc)
        _fail(row_errors("release_document", row, where) + document_problems(row, where))
        shards["documents", split_name].add(row)
        languages[doc.lang] += 1
        n["blocks"] += len(doc.blocks)
        n["boilerplate_blocks"] += sum(1 for b in doc.blocks if b.is_boilerplate)
        entities_by_label.update(s.label for s in doc.entities)
        if doc.status == "reviewed":
            n["documents_reviewed"] += 1
            predictions_by_label.update(s.label for s in doc.predictions)
            # a merged span may carry several annotators joined by "," (studio merge rules)
            annotators.update(a for s in doc.entities if s.annotator for a in s.annotator.split(","))
        sents = sentence_rows(doc)
        n["spans_outside_sentences"] += len(sents.spans_outside)
        for srow in sents.rows:
            swhere = f"{where} sentence {srow['sent_index']}"
            _fail(row_errors("release_sentence", srow, swhere) + sentence_problems(srow, doc.text, swhere))
            shards["sentences", split_name].add(srow)
            if doc.status == "reviewed":
                n["sentences_reviewed"] += 1
            if srow["is_boilerplate"]:
                n["boilerplate_sentences"] += 1
                bp_by_label[srow["boilerplate_label"]] += 1
                continue
            if doc.meta.get("no_entity_model") and doc.status != "reviewed":
                n["ner_sentences_left_out"] += 1  # no entity model for its language: tags would be all O
                left_out_langs[doc.meta["no_entity_model"]] += 1
                continue
            nr = ner_row(srow, tokenize)
            n["spans_misaligned_with_tokens"] += nr.misaligned
            _fail(row_errors("release_ner", nr.row, swhere) + ner_problems(nr.row, swhere))
            shards["ner", split_name].add(nr.row)

    if not seen:
        raise ReleaseError("no documents to release: the workspace or input is empty (check the rejects of the run)")
    files = []
    for c in CONFIGS:
        # A config without any row keeps one empty train shard, so its schema is still published.
        empty_config = all(shards[c, s].rows == 0 for s in SPLITS)
        for s in SPLITS:
            files += shards[c, s].finish(release, keep_empty=empty_config and s == SPLITS[0])
    per_split = {
        c: {**{s: shards[c, s].rows for s in SPLITS}, "total": sum(shards[c, s].rows for s in SPLITS)} for c in CONFIGS
    }
    n_sentences = per_split["sentences"]["total"]
    counts = {
        **per_split,
        "entities_by_label": dict(sorted(entities_by_label.items())),
        "predictions_by_label": dict(sorted(predictions_by_label.items())),
        "sentences_by_boilerplate_label": dict(sorted(bp_by_label.items())),
        "blocks": n["blocks"],
        "boilerplate_blocks": n["boilerplate_blocks"],
        "boilerplate_sentences": n["boilerplate_sentences"],
        "boilerplate_share": round(n["boilerplate_sentences"] / n_sentences, 4) if n_sentences else 0.0,
        "spans_outside_sentences": n["spans_outside_sentences"],
        "spans_misaligned_with_tokens": n["spans_misaligned_with_tokens"],
        "ner_sentences_left_out": n["ner_sentences_left_out"],
        "ner_sentences_left_out_by_language": dict(sorted(left_out_langs.items())),
    }
    review: dict[str, Any] = {
        "documents_reviewed": n["documents_reviewed"],
        "documents_predicted": per_split["documents"]["total"] - n["documents_reviewed"],
        "sentences_reviewed": n["sentences_reviewed"],
        "annotators": len(annotators - {"unknown"}),
        "pre_annotation_quality": None,
    }
    extra_review = dict(extra.pop("review", None) or {})
    quality = extra_review.pop("pre_annotation_quality", None)
    if quality is None and ("entities" in extra_review or "boilerplate" in extra_review):
        # the shape of corpus_builder.studio.quality.quality_report: the whole report is the slot
        quality, extra_review = extra_review, {}
    if isinstance(quality, dict):
        review["pre_annotation_quality"] = quality
        if isinstance(quality.get("annotators"), int):  # the merge knows annotators of blocks too
            review["annotators"] = quality["annotators"]
    review.update(extra_review)
    description = extra.pop("description", None)
    all_components = {"corpus-builder": __version__, "pyarrow": pa.__version__, "datasets": datasets.__version__}
    all_components.update(components or {})
    manifest: dict[str, Any] = {
        "format": FORMAT,
        "name": name,
        "version": version,
        "schema_version": SCHEMA_VERSION,
        "components": all_components,
        "inputs": [dict(i) for i in inputs],
        "rejects": [r.to_dict() for r in rejects],
        "split": {"rule": SPLIT_RULE, "fractions": dict(zip(SPLITS, fractions))},
        "files": files,
        "counts": counts,
        "review": review,
        **extra,
    }
    if description is not None:
        manifest["description"] = description
    if near_duplicates is not None:
        manifest["near_duplicates"] = near.manifest_entry(dedup)
    if previous is not None:
        from .diff import card_changes, diff_releases
        from .read import Release

        old = Release(previous)
        manifest["changes"] = card_changes(diff_releases(old, Release.from_manifest(release, manifest)), file_sha256(old.path / MANIFEST_FILE))
    langs = card_mod.card_languages(languages)
    card_bytes = card_mod.render_card(manifest, langs, description).encode("utf-8")
    # the card is rendered from the manifest without this key, then hashed into it (validate
    # checks both the hash and that the card is still what the manifest renders)
    manifest["card"] = {"path": card_mod.CARD_FILE, "sha256": hashlib.sha256(card_bytes).hexdigest()}
    _fail(row_errors("manifest", manifest, MANIFEST_FILE))
    (release / card_mod.CARD_FILE).write_bytes(card_bytes)
    (release / MANIFEST_FILE).write_text(dumps(manifest), encoding="utf-8")
    return manifest, langs
