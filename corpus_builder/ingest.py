"""Stage 1, Ingest: files, folders and JSON Lines → :class:`RawDocument` (decoded, not cleaned).

An input that cannot give a document becomes a :class:`Reject` with a short ``reason`` and a
``detail`` for humans, and the iteration goes on (nothing disappears silently). Reasons:

``"empty"``        no bytes, or only whitespace / invisible characters
``"binary"``       NUL bytes, too many control bytes, or no text encoding fits (charset-normalizer)
``"undecodable"``  the bytes do not decode with the encoding their BOM/declaration/detection gives,
                   or a ``.gz`` file is not valid gzip
``"unsupported"``  an extension other than .txt, .html, .htm, .jsonl (each optionally + ``.gz``)
``"bad-jsonl"``    a JSONL line that is not a JSON object with a string ``text`` (and, if present,
                   a string/int ``id``, string ``source``/``lang``, object ``meta``)
``"bad-html"``     the HTML extractor failed on the page (detail: the error)
``"unreadable"``   the file exists but cannot be read (permissions...)

A path given by the user that does not exist is a user mistake, not a reject: :class:`InputError`.
"""

from __future__ import annotations

import codecs
import gzip
import hashlib
import json
import os
import re
import threading
import unicodedata
import zlib
from collections.abc import Iterator, Sequence
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import charset_normalizer

from .errors import InputError
from .records import RawDocument, Reject

#: Extensions read, after an optional ``.gz`` is removed, and the ``RawDocument.format`` they give.
FORMATS: dict[str, str] = {".txt": "txt", ".html": "html", ".htm": "html", ".jsonl": "jsonl"}

#: Bytes examined by the control-byte test of :func:`decode_bytes`.
BINARY_SAMPLE_BYTES = 65_536
#: Share of control bytes (C0 except TAB, LF, VT, FF, CR, ESC; and DEL) above which data is binary.
#: Perl's ``-B`` file test uses a similar "odd characters" share (1/3, counting high bytes too); we
#: count only control bytes, which real text in any ASCII-compatible encoding practically never has.
MAX_CONTROL_BYTE_SHARE = 0.10

_CONTROL_BYTES = frozenset(set(range(0x00, 0x09)) | set(range(0x0E, 0x1B)) | set(range(0x1C, 0x20)) | {0x7F})
_BOMS = (  # UTF-32 before UTF-16: the UTF-32-LE mark starts with the UTF-16-LE one
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_META_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
#: Declared HTML charsets that browsers decode as windows-1252 (WHATWG Encoding Standard, "labels").
_WHATWG_AS_CP1252 = {"iso-8859-1", "iso8859-1", "latin1", "latin-1", "l1", "ascii", "us-ascii", "cp819", "ibm819"}


class DecodeError(InputError):
    """Bytes that give no text. ``reason``: ``"binary"`` or ``"undecodable"`` (see module doc)."""

    def __init__(self, source: str, reason: str, detail: str):
        super().__init__(f"{source}: {reason}: {detail}")
        self.source = source
        self.reason = reason
        self.detail = detail


@lru_cache(maxsize=1)
def cp1252_languages() -> frozenset[str]:
    """Languages whose text is commonly stored as windows-1252 (data file
    ``data/ingest/cp1252_languages.txt``, one ISO 639 code a line, ``#`` comments)."""
    text = resources.files("corpus_builder").joinpath("data/ingest/cp1252_languages.txt").read_text("utf-8")
    return frozenset(line.split("#")[0].strip() for line in text.splitlines() if line.split("#")[0].strip())


def _ascii_letter_share(text: str) -> float:
    letters = [ch for ch in text if ch.isalpha()]
    return sum(ch.isascii() for ch in letters) / len(letters) if letters else 1.0


def _prefer_cp1252(data: bytes, detected: str) -> str | None:
    """The windows-1252 reading of ``data`` if it is a more plausible text than ``detected``.

    charset-normalizer is unreliable on short single-byte texts: "café élève à Noël" in cp1252 comes
    back as cp1250 "élčve ŕ Noël". windows-1252 is the legacy encoding of French and English, the
    project's languages, so its reading wins when (1) the bytes are valid cp1252, (2) at least half
    of its letters are ASCII (a Cyrillic or Greek text read as cp1252 is all accented letters), and
    (3) py3langid identifies it as a cp1252 language (:func:`cp1252_languages`) with at least the
    probability it gives the detected reading (Polish or Czech read as cp1252 fail this).
    """
    from .clean import identify_language

    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        return None
    if text == detected:
        return text
    if _ascii_letter_share(text) < 0.5:
        return None
    lang, prob = identify_language(text)
    _, detected_prob = identify_language(detected)
    if lang in cp1252_languages() and prob >= detected_prob:
        return text
    return None


#: Encoding name reported for mostly-UTF-8 bytes: UTF-8 with a few invalid bytes read as cp1252.
#: Used when the valid multibyte UTF-8 characters are at least as many as the invalid bytes (a UTF-8
#: file with a pasted cp1252 "é" or a cut last character). A real cp1252 file has nearly every
#: non-ASCII byte invalid as UTF-8 (a cp1252 letter followed by a byte that continues it as UTF-8,
#: like "Ã©", is rare in real text), so it goes on to charset-normalizer.
MIXED_ENCODING = "utf-8+cp1252"


_MIXED_STATE = threading.local()


def _invalid_utf8_as_cp1252(error: UnicodeError) -> tuple[str, int]:
    """Codec error handler: read the invalid bytes as cp1252 and count them."""
    assert isinstance(error, UnicodeDecodeError)
    bad = error.object[error.start : error.end]
    _MIXED_STATE.invalid += len(bad)
    return bytes(bad).decode("cp1252", errors="replace"), error.end


codecs.register_error("corpus_builder.cp1252", _invalid_utf8_as_cp1252)


def _decode_mixed_utf8(data: bytes) -> tuple[str, int, int]:
    """Decode ``data`` as UTF-8, reading each invalid byte as cp1252 (U+FFFD where cp1252 has no
    character), in one pass. Return ``(text, invalid_bytes, valid_multibyte_chars)``."""
    _MIXED_STATE.invalid = 0
    text = data.decode("utf-8", errors="corpus_builder.cp1252")
    invalid = _MIXED_STATE.invalid
    multibyte = sum(1 for ch in text if ord(ch) > 0x7F) - invalid
    return text, invalid, multibyte


def _declared_html_charset(data: bytes) -> str | None:
    match = _META_CHARSET.search(data[:4096])
    if not match:
        return None
    label = match.group(1).decode("ascii", "replace").strip().lower()
    if label in _WHATWG_AS_CP1252:
        return "cp1252"
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def decode_bytes(data: bytes, source: str, *, declared: str | None = None) -> tuple[str, str]:
    """Decode raw bytes to text; return ``(text, encoding)``, encoding as a Python codec name (or
    :data:`MIXED_ENCODING`).

    Order: a UTF-8/16/32 byte-order mark decides (and is stripped); then the binary test (a NUL
    byte, or more than :data:`MAX_CONTROL_BYTE_SHARE` control bytes in the first
    :data:`BINARY_SAMPLE_BYTES`); then strict UTF-8; then mostly-UTF-8 (no more invalid bytes than
    valid multibyte characters, the invalid bytes read as cp1252: a UTF-8 file with a pasted cp1252
    character or a cut last character); then ``declared`` (an encoding the container declares,
    e.g. an HTML ``<meta charset>``) if the bytes decode with it; then charset-normalizer, with a
    windows-1252 preference for Western text (see :func:`_prefer_cp1252`), so that a cp1252 French
    file comes out right; if charset-normalizer finds nothing but the bytes hold valid multibyte
    UTF-8, the mostly-UTF-8 reading is used. ``source`` only names the input in errors.

    Raises :class:`DecodeError` (an :class:`InputError`) with ``reason`` ``"binary"`` (NUL bytes,
    control-byte share, or charset-normalizer finds no encoding) or ``"undecodable"`` (the bytes
    fail the encoding their BOM announces).
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(encoding), encoding
            except UnicodeDecodeError as e:
                raise DecodeError(source, "undecodable", f"starts with a {encoding} byte-order mark but is not {encoding} ({e.reason} at byte {e.start})") from e
    if b"\x00" in data:
        raise DecodeError(source, "binary", "contains NUL bytes (not a text file)")
    sample = data[:BINARY_SAMPLE_BYTES]
    controls = sum(1 for b in sample if b in _CONTROL_BYTES)
    if sample and controls / len(sample) > MAX_CONTROL_BYTE_SHARE:
        raise DecodeError(source, "binary", f"{controls / len(sample):.0%} control bytes (not a text file)")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    mixed, invalid, multibyte = _decode_mixed_utf8(data)
    if multibyte > 0 and invalid <= multibyte:
        return mixed, MIXED_ENCODING
    if declared:
        try:
            return data.decode(declared), declared
        except (UnicodeDecodeError, LookupError):
            pass  # a wrong declaration is common on the web: fall back to detection
    best = charset_normalizer.from_bytes(data).best()
    if best is None:
        if multibyte > 0:  # some real UTF-8 in it: better a few cp1252 characters than a reject
            return mixed, MIXED_ENCODING
        raise DecodeError(source, "binary", "no text encoding fits these bytes (charset-normalizer found none)")
    try:
        text = str(best)
    except (UnicodeDecodeError, LookupError) as e:  # pragma: no cover - charset-normalizer checked it
        raise DecodeError(source, "undecodable", f"detected {best.encoding} but decoding failed: {e}") from e
    western = _prefer_cp1252(data, text)
    if western is not None:
        return western, "cp1252"
    return text, best.encoding


def _is_blank(text: str) -> bool:
    """True when ``text`` has nothing but whitespace, controls and invisible format characters."""
    return all(ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf", "Zs") for ch in text)


def _format_of(path: Path) -> tuple[str | None, bool]:
    """``(format, gzipped)`` from the file name (case-insensitive), format ``None`` if unsupported."""
    name = path.name.lower()
    gzipped = name.endswith(".gz")
    if gzipped:
        name = name[:-3]
    return FORMATS.get(os.path.splitext(name)[1]), gzipped


def _walk(folder: Path) -> Iterator[Path]:
    """Files under ``folder``, recursively, in sorted order; hidden files and folders skipped;
    symbolic links to folders are not followed (no cycles)."""
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if not name.startswith("."):
                yield Path(root) / name


def iter_inputs(paths: Sequence[str | Path]) -> Iterator[RawDocument | Reject]:
    """Yield a :class:`RawDocument` or a :class:`Reject` for every input, in a deterministic order.

    ``paths``: files and folders, read in the order given; folders recursively in sorted order,
    hidden files and folders (name starting with ``.``) skipped. Formats: ``.txt``, ``.html`` /
    ``.htm`` (text and main content from :func:`corpus_builder.html.extract_html`), ``.jsonl`` (one
    document per line: ``text``, optional ``id``, ``source``, ``meta``, ``lang``; blank lines are
    skipped), each optionally ``.gz``-compressed.

    ``source``: the path relative to the folder it was found under, ``/``-separated (a file given
    directly: its name). With several inputs, that path is prefixed with the input's own path
    relative to the inputs' common folder, so that ``prepare news/a news/b`` gives ``a/x.txt``
    and ``b/x.txt``, never ``x.txt`` twice (:func:`input_prefixes`). For a JSONL line: its
    ``source`` field, else ``"<file source>#L<n>"`` (n is the 1-based line number).
    ``raw_sha256``: hex SHA-256 of the file's bytes as stored on disk
    (compressed if ``.gz``); for a JSONL line, of the line's UTF-8 bytes (without the line break).
    A JSONL ``lang`` goes to ``meta["lang"]``; a JSONL ``id`` (string or integer) to ``doc_id``.

    Raises :class:`InputError` before yielding anything if a path does not exist. Every other
    problem becomes a :class:`Reject` (reasons in the module docstring) and iteration goes on.
    """
    resolved: list[tuple[Path, bool]] = []
    for p in paths:
        path = Path(p)
        if not path.exists():
            raise InputError(f"input not found: {path} (give existing files or folders of .txt, .html, .htm, .jsonl, optionally .gz)")
        resolved.append((path, path.is_dir()))
    prefixes = input_prefixes([path for path, _ in resolved])
    for (path, is_dir), prefix in zip(resolved, prefixes):
        if is_dir:
            for file in _walk(path):
                yield from _read_file(file, prefix + file.relative_to(path).as_posix())
        else:
            yield from _read_file(path, prefix + path.name)


def input_prefixes(paths: Sequence[Path]) -> list[str]:
    """The ``source`` prefix of each input path (existing files or folders), in order.

    One input: ``""`` (sources are relative to it, as before). Several: the folder part of each
    input relative to the folder that contains them all, ``/``-terminated (``news/a`` and
    ``news/b`` → ``"a/"``, ``"b/"``; ``x.txt`` and ``news/a`` in the same folder → ``""``,
    ``"a/"``), so two inputs never give the same source to different files. Pure apart from
    resolving the paths (symbolic links and ``..`` followed).
    """
    if len(paths) < 2:
        return [""] * len(paths)
    folders = [p.resolve() if p.is_dir() else p.resolve().parent for p in paths]
    common = Path(os.path.commonpath(folders))
    return [f"{f.relative_to(common).as_posix()}/" if f != common else "" for f in folders]


def _read_file(path: Path, source: str) -> Iterator[RawDocument | Reject]:
    fmt, gzipped = _format_of(path)
    if fmt is None:
        yield Reject(source, "unsupported", f"extension not read (use .txt, .html, .htm, .jsonl, optionally .gz): {path.name}")
        return
    try:
        stored = path.read_bytes()
    except OSError as e:
        yield Reject(source, "unreadable", f"{e.strerror or e}")
        return
    data = stored
    if gzipped:
        try:
            data = gzip.decompress(stored)
        except (OSError, EOFError, zlib.error) as e:
            yield Reject(source, "undecodable", f"not a valid gzip file: {e}")
            return
    if not data.strip():
        yield Reject(source, "empty", "the file has no text")
        return
    declared = _declared_html_charset(data) if fmt == "html" else None
    try:
        text, encoding = decode_bytes(data, source, declared=declared)
    except DecodeError as e:
        yield Reject(source, e.reason, e.detail)
        return
    if _is_blank(text):
        yield Reject(source, "empty", "the file has only whitespace or invisible characters")
        return
    raw_sha256 = hashlib.sha256(stored).hexdigest()
    if fmt == "txt":
        yield RawDocument(source=source, raw_sha256=raw_sha256, text=text, format="txt", encoding=encoding)
    elif fmt == "html":
        yield _html_document(source, raw_sha256, text, encoding)
    else:
        yield from _jsonl_documents(source, text, encoding)


def _html_document(source: str, raw_sha256: str, html: str, encoding: str) -> RawDocument | Reject:
    from .html import extract_page  # lazy: lxml/trafilatura load only when HTML is read

    try:
        page = extract_page(html)
        text, main_text = page.text, page.main_text
    except Exception as e:  # noqa: BLE001 - one bad page must not stop the build; reported as a reject
        return Reject(source, "bad-html", f"HTML extraction failed: {type(e).__name__}: {e}")
    if _is_blank(text):
        return Reject(source, "empty", "the page has no visible text")
    layout = tuple(tuple(row.to_list()) for row in page.layout)
    return RawDocument(
        source=source, raw_sha256=raw_sha256, text=text, format="html", main_text=main_text, encoding=encoding, layout=layout
    )


def _jsonl_documents(file_source: str, text: str, encoding: str) -> Iterator[RawDocument | Reject]:
    for lineno, line in enumerate(text.split("\n"), 1):
        line = line.removesuffix("\r")
        if not line.strip():
            continue
        where = f"{file_source}#L{lineno}"
        try:
            record: Any = json.loads(line)
        except json.JSONDecodeError as e:
            yield Reject(where, "bad-jsonl", f"not valid JSON ({e.msg.removesuffix(' at').strip()}, column {e.colno})")
            continue
        problem = _jsonl_problem(record)
        if problem:
            yield Reject(where, "bad-jsonl", problem)
            continue
        source = record.get("source") or where
        if _is_blank(record["text"]):
            yield Reject(source, "empty", "the `text` field has only whitespace")
            continue
        meta = dict(record.get("meta") or {})
        if record.get("lang"):
            meta["lang"] = record["lang"]
        doc_id = record.get("id")
        yield RawDocument(
            source=source,
            raw_sha256=hashlib.sha256(line.encode("utf-8", "surrogatepass")).hexdigest(),
            text=record["text"],
            format="jsonl",
            doc_id=str(doc_id) if doc_id is not None and doc_id != "" else None,
            meta=meta,
            encoding=encoding,
        )


def _jsonl_problem(record: Any) -> str | None:
    """What is wrong with a decoded JSONL record (a message naming the field), or ``None``."""
    if not isinstance(record, dict):
        return f"a line must be a JSON object with a `text` field, got {type(record).__name__}"
    if "text" not in record:
        return "no `text` field (each line needs the document text in `text`)"
    if not isinstance(record["text"], str):
        return f"`text` must be a string, got {type(record['text']).__name__}"
    doc_id = record.get("id")
    if doc_id is not None and (isinstance(doc_id, bool) or not isinstance(doc_id, (str, int))):
        return f"`id` must be a string or an integer, got {type(doc_id).__name__}"
    for key in ("source", "lang"):
        if record.get(key) is not None and not isinstance(record[key], str):
            return f"`{key}` must be a string, got {type(record[key]).__name__}"
    if record.get("meta") is not None and not isinstance(record["meta"], dict):
        return f"`meta` must be a JSON object, got {type(record['meta']).__name__}"
    return None
