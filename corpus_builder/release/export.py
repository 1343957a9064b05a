"""Export a release to the files trainers read (``corpus-builder export``).

Formats (one file per split, ``<out>/<split>.<ext>``, plus ``<out>/export.json``):

- ``conll`` (config ``ner``): CoNLL-2003-style IOB2, two space-separated columns ``TOKEN TAG``,
  one token per line, a blank line after each sentence, and ``-DOCSTART- O`` followed by a blank
  line before each document (the CoNLL-2003 convention, read by spaCy's ``conll_ner`` converter,
  flair's ``ColumnCorpus`` and most IOB2 readers). Tokens and tags are exactly the ``ner``
  config's: the same spaCy tokenizer as the entities (not an English tokenizer), no label dropped.
- ``spacy`` (config ``ner``): a spaCy :class:`~spacy.tokens.DocBin` (``.spacy``) per split, one
  ``Doc`` per ``ner`` row (the content sentences of the documents in ``ner``: not those of a
  document with no entity model for its language, unless reviewed; as in ``conll``), that ``spacy train`` reads as is (``--paths.train train.spacy
  --paths.dev validation.spacy``). The words are the ``ner`` config's tokens plus spaCy-style
  whitespace tokens where the sentence has more than one space, so ``doc.text`` equals the
  release's sentence text and ``doc.ents`` carry the release's spans (character offsets into the
  sentence); a span that cuts a token is widened to the token, as in ``ner``
  (``manifest.counts.spans_misaligned_with_tokens``). ``doc.user_data`` holds ``doc_id``,
  ``sent_index`` and ``start`` (the sentence's document offset).
- ``jsonl`` (config ``documents`` by default, or ``sentences``/``ner``): the config's rows, one
  JSON object per line, UTF-8; ``documents`` rows carry document offsets (code points,
  end-exclusive), ``sentences`` rows document offsets for the sentence and sentence offsets for
  its spans.

A document of the release that has no ``ner`` row is in none of the ``conll``/``spacy`` (or
``jsonl --config ner``) files; :attr:`ExportInfo.left_out` counts them per reason (no entity model
for its language and not reviewed; no content sentence), and :attr:`ExportInfo.splits_not_written`
names each split that got no file (no rows in the config), so a caller can say which files exist
(``spacy train --paths.dev validation.spacy`` needs a validation split).

Nothing is overwritten: an output file that already exists stops the export before anything is
written (:class:`ConfigError`). Files are written under a temporary name and renamed when complete;
a failed export removes the files it wrote, and the output folder if it created it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ConfigError, ReleaseError
from ..records import NER_TAGS
from ..workspace import file_sha256
from .features import SPLITS
from .read import Release

FORMATS: dict[str, dict[str, Any]] = {
    "conll": {"ext": "conll", "configs": ("ner",), "default": "ner"},
    "spacy": {"ext": "spacy", "configs": ("ner",), "default": "ner"},
    "jsonl": {"ext": "jsonl", "configs": ("documents", "sentences", "ner"), "default": "documents"},
}
EXPORT_FILE = "export.json"
DOCSTART = "-DOCSTART- O"


@dataclass
class ExportInfo:
    """What :func:`export_release` wrote: ``files`` (path, split, sha256, documents, sentences,
    tokens, entities) and the ``export.json`` it wrote in ``out``; ``splits_not_written``: the
    splits of :data:`SPLITS` the export covers that got no file, with why (``{"split", "reason"}``);
    ``left_out``: for config ``ner``, the documents of the exported splits that have no ``ner``
    row, one entry per reason (``{"reason", "documents", "splits": {split: documents}}``)."""

    out: Path
    format: str
    config: str
    files: list[dict[str, Any]] = field(default_factory=list)
    splits_not_written: list[dict[str, str]] = field(default_factory=list)
    left_out: list[dict[str, Any]] = field(default_factory=list)


def _check_token(token: str, where: str) -> str:
    if not token or any(ch.isspace() for ch in token):
        raise ReleaseError(f"{where}: token {token!r} is empty or holds whitespace; it cannot be written one token per line")
    return token


def _conll_lines(release: Release, split: str, counts: dict[str, int]) -> Iterator[str]:
    """Lines (without newline) of the CoNLL file of ``split``."""
    previous_doc = None
    for row in release.iter_rows("ner", split):
        where = f"ner row doc_id={row['doc_id']!r} sent_index={row['sent_index']}"
        if row["doc_id"] != previous_doc:
            yield DOCSTART
            yield ""
            previous_doc = row["doc_id"]
            counts["documents"] += 1
        if len(row["tokens"]) != len(row["ner_tags"]):
            raise ReleaseError(f"{where}: {len(row['tokens'])} tokens but {len(row['ner_tags'])} tags")
        if not row["tokens"]:
            continue  # a sentence without tokens would read as a blank line: nothing to write
        for token, tag in zip(row["tokens"], row["ner_tags"]):
            yield f"{_check_token(token, where)} {NER_TAGS[tag]}"
            counts["tokens"] += 1
            counts["entities"] += NER_TAGS[tag].startswith("B-")
        yield ""
        counts["sentences"] += 1


def words_and_spaces(text: str, tokens: Sequence[str], where: str) -> tuple[list[str], list[bool], list[int | None]]:
    """spaCy ``words``/``spaces`` that rebuild ``text`` exactly from its non-whitespace ``tokens``.

    Tokens are found in order (the gap between two must be whitespace); a gap of one space becomes
    ``spaces[i] = True``, any other whitespace a whitespace token, as spaCy's tokenizer does. The
    third list maps each word to its index in ``tokens`` (``None`` for a whitespace word). Raises
    :class:`ReleaseError` when the tokens are not the text's.
    """
    words: list[str] = []
    spaces: list[bool] = []
    origin: list[int | None] = []
    pos = 0

    def gap(g: str) -> None:
        if not g:
            return
        if g.strip():
            raise ReleaseError(f"{where}: text {g!r} between tokens is not whitespace; tokens do not match the sentence text")
        if words and not spaces[-1] and g[0] == " ":
            spaces[-1] = True
            g = g[1:]
        if g:
            trailing = g.endswith(" ") and len(g) > 1
            words.append(g[:-1] if trailing else g)
            spaces.append(trailing)
            origin.append(None)

    for i, token in enumerate(tokens):
        at = text.find(token, pos)
        if at < 0:
            raise ReleaseError(f"{where}: token {token!r} not found in the sentence text after offset {pos}")
        gap(text[pos:at])
        words.append(token)
        spaces.append(False)
        origin.append(i)
        pos = at + len(token)
    gap(text[pos:])
    return words, spaces, origin


def _spacy_docs(release: Release, split: str, counts: dict[str, int]) -> Iterator[Any]:
    from spacy.tokens import Doc
    from spacy.vocab import Vocab

    vocab = Vocab()
    sentences = (r for r in release.iter_rows("sentences", split, ["doc_id", "sent_index", "start", "text", "is_boilerplate"]) if not r["is_boilerplate"])
    previous_doc = None
    for row in release.iter_rows("ner", split):
        where = f"ner row doc_id={row['doc_id']!r} sent_index={row['sent_index']}"
        key = (row["doc_id"], row["sent_index"])
        # Content sentences come in the ner rows' order, but not all are in ner: those of a
        # document without an entity model (NO_ENTITY_MODEL, unless reviewed) are left out of it.
        sent = next((r for r in sentences if (r["doc_id"], r["sent_index"]) == key), None)
        if sent is None:
            raise ReleaseError(f"{where}: has no matching content sentence in the sentences config (the release is inconsistent; run corpus-builder validate)")
        if row["doc_id"] != previous_doc:
            previous_doc = row["doc_id"]
            counts["documents"] += 1
        if not row["tokens"]:
            continue
        tags = [NER_TAGS[t] for t in row["ner_tags"]]
        words, spaces, origin = words_and_spaces(sent["text"], row["tokens"], where)
        iob = []
        for k, o in enumerate(origin):
            if o is not None:
                iob.append(tags[o])
            else:  # whitespace word: inside an entity only when the entity continues after it
                nxt = next((origin[j] for j in range(k + 1, len(origin)) if origin[j] is not None), None)
                iob.append(f"I-{tags[nxt][2:]}" if nxt is not None and tags[nxt].startswith("I-") else "O")
        doc = Doc(vocab, words=words, spaces=spaces, ents=iob)
        doc.user_data.update({"doc_id": row["doc_id"], "sent_index": row["sent_index"], "start": sent["start"]})
        counts["sentences"] += 1
        counts["tokens"] += len(row["tokens"])
        counts["entities"] += len(doc.ents)
        yield doc


def _ner_left_out(release: Release, splits: Sequence[str]) -> list[dict[str, Any]]:
    """The documents of ``splits`` that have no ``ner`` row, counted per reason (see
    :class:`ExportInfo`). The release writer leaves a document out of ``ner`` when none of its
    sentences is content (every line boilerplate) or when its language had no entity model and
    nobody reviewed it (``pipeline.NO_ENTITY_MODEL``; the release keeps no flag, so a document
    with content sentences but no ``ner`` row is that case)."""
    by_reason: dict[str, dict[str, int]] = {}
    for s in splits:
        in_ner = {r["doc_id"] for r in release.iter_rows("ner", s, ["doc_id"])}
        content = {r["doc_id"] for r in release.iter_rows("sentences", s, ["doc_id", "is_boilerplate"]) if not r["is_boilerplate"]}
        for d in release.iter_rows("documents", s, ["doc_id", "lang"]):
            if d["doc_id"] in in_ner:
                continue
            if d["doc_id"] in content:
                reason = f"no entity model for language {d['lang']} (not reviewed: no entity predictions)"
            else:
                reason = "no content sentence (every line is boilerplate)"
            per_split = by_reason.setdefault(reason, {})
            per_split[s] = per_split.get(s, 0) + 1
    return [{"reason": r, "documents": sum(n.values()), "splits": n} for r, n in sorted(by_reason.items())]


def _jsonl_lines(release: Release, config: str, split: str, counts: dict[str, int]) -> Iterator[str]:
    previous_doc = None
    for row in release.iter_rows(config, split):
        if row["doc_id"] != previous_doc:
            previous_doc = row["doc_id"]
            counts["documents"] += 1
        counts["rows"] += 1
        if "entities" in row:
            counts["entities"] += len(row["entities"])
        yield json.dumps(row, ensure_ascii=False)


def export_release(
    release_path: str | Path,
    out: str | Path,
    *,
    format: str,
    config: str | None = None,
    split: str | None = None,
    progress: Callable[[str], None] | None = None,
) -> ExportInfo:
    """Export release ``release_path`` as ``format`` (``conll``, ``spacy``, ``jsonl``) into ``out``.

    ``config``: the release config to export (default: ``ner`` for conll and spacy, ``documents``
    for jsonl); ``split``: one split only (default: every split that has rows). Writes
    ``<out>/<split>.<ext>`` per split and ``<out>/export.json`` (release name, version and
    manifest sha256, format, config, files with sha256 and counts). ``progress(split)`` is called
    before each split. Raises :class:`ConfigError` for an unknown format, a config the format
    cannot hold, a split the release does not have, or an output file that already exists (never
    overwritten); :class:`ReleaseError` when the release cannot be read or its files do not match
    its manifest.
    """
    if format not in FORMATS:
        raise ConfigError(f"unknown export format {format!r}; choose one of {', '.join(FORMATS)}")
    spec = FORMATS[format]
    config = config or spec["default"]
    if config not in spec["configs"]:
        raise ConfigError(f"format {format} exports config {' or '.join(spec['configs'])}, not {config!r}")
    release = Release(release_path)
    available = release.splits(config)
    if split is not None:
        if split not in SPLITS:
            raise ConfigError(f"unknown split {split!r}; choose one of {', '.join(SPLITS)}")
        if split not in available:
            raise ConfigError(f"release {release.path} has no {config} rows in split {split!r} (it has: {', '.join(available) or 'none'})")
    splits = [split] if split else available
    not_written = [{"split": s, "reason": f"the release has no {config} rows in split {s}"} for s in SPLITS if s not in splits and not split]
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ConfigError(f"--out {out} exists and is not a folder")
    targets = [out / f"{s}.{spec['ext']}" for s in splits] + [out / EXPORT_FILE]
    existing = [str(t) for t in targets if t.exists()]
    if existing:
        verb = "already exists" if len(existing) == 1 else "already exist"
        raise ConfigError(f"{', '.join(existing)} {verb}; export never overwrites: choose another --out or remove them yourself")
    created = not out.exists()
    out.mkdir(parents=True, exist_ok=True)
    files: list[dict[str, Any]] = []
    try:
        _write_splits(release, out, format, config, spec, splits, files, progress)
        left_out = _ner_left_out(release, [split] if split else SPLITS) if config == "ner" else []
    except BaseException:
        # a failed export leaves nothing of its own: the split files it wrote (none existed
        # before: checked above), and the folder if it created it
        for f in files:
            (out / f["path"]).unlink(missing_ok=True)
        if created:
            try:
                out.rmdir()
            except OSError:
                pass  # not empty: something else wrote there meanwhile
        raise
    info = {
        "release": {
            "name": release.manifest.get("name"),
            "version": release.manifest.get("version"),
            "path": str(release.path),
            "manifest_sha256": file_sha256(release.path / "manifest.json"),
        },
        "format": format,
        "config": config,
        "files": files,
        "splits_not_written": not_written,
        "left_out": left_out,
    }
    (out / EXPORT_FILE).write_text(json.dumps(info, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return ExportInfo(out=out, format=format, config=config, files=files, splits_not_written=not_written, left_out=left_out)


def _write_splits(release: Release, out: Path, format: str, config: str, spec: dict[str, Any], splits: list[str],
                  files: list[dict[str, Any]], progress: Callable[[str], None] | None) -> None:
    """Write ``<out>/<split>.<ext>`` for each of ``splits``, appending each file's record to
    ``files`` once it is complete (so that a failure knows what to remove)."""
    for s in splits:
        if progress:
            progress(s)
        target = out / f"{s}.{spec['ext']}"
        tmp = out / f".{target.name}.tmp"
        counts = {"documents": 0, "sentences": 0, "tokens": 0, "entities": 0} if format != "jsonl" else {"documents": 0, "rows": 0, "entities": 0}
        try:
            if format == "conll":
                with tmp.open("w", encoding="utf-8", newline="\n") as f:
                    for line in _conll_lines(release, s, counts):
                        f.write(line + "\n")
            elif format == "jsonl":
                with tmp.open("w", encoding="utf-8", newline="\n") as f:
                    for line in _jsonl_lines(release, config, s, counts):
                        f.write(line + "\n")
            else:
                from spacy.tokens import DocBin

                db = DocBin(store_user_data=True)
                for doc in _spacy_docs(release, s, counts):
                    db.add(doc)
                db.to_disk(tmp)
            os.replace(tmp, target)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        files.append({"path": target.name, "split": s, "sha256": file_sha256(target), **counts})
