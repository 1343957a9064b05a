"""Stage 1, Ingest: files, folders and JSON Lines → :class:`RawDocument` (decoded, not cleaned).

An input that cannot give a document becomes a :class:`Reject` with a short ``reason`` and a
``detail`` for humans, and the iteration goes on (nothing disappears silently). Reasons:

``"empty"``        no bytes, or only whitespace / invisible characters
``"binary"``       a file signature of a non-text format (PDF, ZIP/Office, images, ...: puremagic),
                   NUL bytes, too many control bytes, or no text encoding fits (charset-normalizer)
``"undecodable"``  the bytes do not decode with the encoding their BOM/declaration/detection gives,
                   a ``.gz`` file is not valid gzip, or a UTF-8 file holds more invalid bytes (or
                   U+FFFD replacement characters) than :func:`damage_limit` allows
``"unsupported"``  an extension other than .txt, .html, .htm, .jsonl (each optionally + ``.gz``)
``"bad-jsonl"``    a JSONL line that is not a JSON object with a string ``text`` (and, if present,
                   a string/int ``id``, string ``source``/``lang``, object ``meta``)
``"bad-html"``     the HTML extractor failed on the page (detail: the error)
``"not-a-file"``   a named pipe (FIFO), socket or device (found by ``stat``, never opened: reading a
                   FIFO waits for a writer forever)
``"unreadable"``   the file exists but cannot be read (permissions...), or a folder cannot be
                   listed (its ``source`` is the folder's)
``"bad-filename"`` the file's path (below the input) is not valid UTF-8 (``nom-\\xff.txt``: a
                   Latin-1 name on a UTF-8 system); its ``source`` shows the bytes escaped

A path given by the user that does not exist is a user mistake, not a reject: :class:`InputError`.

Besides documents and rejects, :func:`iter_inputs` yields :class:`Notice` records: ``skipped``
(``"hidden file"``, ``"hidden folder"``, ``"symbolic link to a folder"``: paths under an input
folder that are not read) and ``warning`` (``"invalid bytes"``: a kept document lost or repaired a
few invalid UTF-8 bytes or U+FFFD characters; the detail says how many and where; ``"lone
surrogate"``: a JSONL record's ``id``, ``source`` or ``meta`` held a lone surrogate, written
escaped; ``"read as HTML"``: a ``.txt`` file that starts with ``<!DOCTYPE html`` or ``<html``,
:func:`starts_like_html`, was read as an HTML page). A notice about a JSONL line carries its place in ``record``, as a reject does.
"""

from __future__ import annotations

import codecs
import gzip
import hashlib
import json
import os
import re
import stat
import unicodedata
import zlib
from collections.abc import Iterator, Sequence
from functools import lru_cache
from importlib import resources
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import charset_normalizer

from .errors import InputError, json_error_text
from .langtags import normalize_tag
from .records import Notice, RawDocument, Reject

#: Extensions read, after an optional ``.gz`` is removed, and the ``RawDocument.format`` they give.
FORMATS: dict[str, str] = {".txt": "txt", ".html": "html", ".htm": "html", ".jsonl": "jsonl"}

#: Bytes examined by the control-byte test of :func:`decode_bytes`.
BINARY_SAMPLE_BYTES = 65_536
#: Share of control bytes (C0 except TAB, LF, VT, FF, CR, ESC; and DEL) above which data is binary.
#: Perl's ``-B`` file test uses a similar "odd characters" share (1/3, counting high bytes too); we
#: count only control bytes, which real text in any ASCII-compatible encoding practically never has.
MAX_CONTROL_BYTE_SHARE = 0.10

_CONTROL_BYTES = frozenset(set(range(0x00, 0x09)) | set(range(0x0E, 0x1B)) | set(range(0x1C, 0x20)) | {0x7F})
_CONTROL_BYTE_STRING = bytes(sorted(_CONTROL_BYTES))
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


#: Encoding name reported for mostly-UTF-8 bytes: UTF-8 with a few invalid bytes, each either read
#: as cp1252 (a pasted cp1252 letter, :func:`_repairable`) or dropped. Used when the valid multibyte
#: UTF-8 characters are at least as many as the invalid bytes. A real cp1252 file has nearly every
#: non-ASCII byte invalid as UTF-8 (a cp1252 letter followed by a byte that continues it as UTF-8,
#: like "Ã©", is rare in real text), so it goes on to charset-normalizer.
MIXED_ENCODING = "utf-8+cp1252"

#: A document may lose at most this share of its bytes (invalid UTF-8 bytes dropped, plus U+FFFD
#: replacement characters already in the text, which :func:`corpus_builder.clean.clean_text`
#: removes), or :data:`DAMAGE_ALLOWANCE`, whichever is more; beyond it the input is rejected as
#: ``"undecodable"``. A policy, checked on ../shared/data: of its 300 files read as UTF-8, one
#: has one invalid byte (a cut sequence) and three hold 1-2 U+FFFD, all far under the limit; at 1%
#: a damaged character falls every ~15 words, enough to corrupt the entities of most sentences.
MAX_DAMAGE_SHARE = 0.01
#: Invalid bytes any document may lose whatever its length (a cut last character, a stray byte).
DAMAGE_ALLOWANCE = 3

#: Characters a single invalid byte may be read as in cp1252 (:func:`_repairable`): Latin letters
#: and the typographic marks of French and English text that a cp1252 editor pastes into UTF-8.
#: Not þ, ð, ÿ (and capitals): Icelandic letters and a French rarity, while "ÿþ" (ff fe) is the
#: UTF-16 mark that a concatenation leaves inside UTF-8.
_CP1252_REPAIRS = frozenset("’‘“”«»–—…€") | frozenset(
    ch for ch in bytes(range(0x80, 0x100)).decode("cp1252", errors="ignore") if ch.isalpha() and ch not in "ÐðÞþÿŸ"
)
#: Longest run of invalid bytes read as cp1252 ("l\x92\xe9quipe" has two); longer runs are dropped.
MAX_REPAIR_RUN = 3
#: Characters that may stand next to a repaired byte: it sits inside a word or at its edge.
_REPAIR_NEIGHBOURS = frozenset(" \n\t.,;:!?'\"»«’-")
_ESCAPED_RUN = re.compile("[\udc80-\udcff]+")


@dataclass(frozen=True)
class Decoded:
    """The result of :func:`decode_input`: ``text``, ``encoding`` (a Python codec name or
    :data:`MIXED_ENCODING`), invalid UTF-8 bytes ``repaired`` (read as cp1252) and ``dropped``,
    ``replacement_chars`` (U+FFFD in the decoded text), ``first_damage`` (byte offset of the first
    invalid byte, else ``None``) and up to three ``examples`` of invalid byte runs (``"ff fe"``)."""

    text: str
    encoding: str
    repaired: int = 0
    dropped: int = 0
    replacement_chars: int = 0
    first_damage: int | None = None
    examples: tuple[str, ...] = ()

    @property
    def damage(self) -> int:
        """Characters lost: dropped bytes plus replacement characters."""
        return self.dropped + self.replacement_chars


def damage_limit(n_bytes: int) -> int:
    """How many characters a document of ``n_bytes`` bytes may lose (invalid bytes dropped, U+FFFD
    removed) and still be kept: ``max(DAMAGE_ALLOWANCE, MAX_DAMAGE_SHARE * n_bytes)``."""
    return max(DAMAGE_ALLOWANCE, int(MAX_DAMAGE_SHARE * n_bytes))


def _repairable(run: bytes, before: str, after: str) -> str | None:
    """The cp1252 reading of a run of invalid UTF-8 bytes if it is pasted cp1252 text, else
    ``None`` (the bytes are dropped). ``before``/``after``: the decoded characters next to it
    (``""`` at the text's edge). Family fixed: a UTF-8 file edited by a cp1252 tool
    ("Caf\\xe9", "l\\x92\\xe9quipe"): at most :data:`MAX_REPAIR_RUN` bytes, each giving a letter
    or a French/English typographic mark (:data:`_CP1252_REPAIRS`), between letters, digits,
    spaces or sentence punctuation, and no capital right after a lower-case letter. What fails is
    damage, not text: ``ff fe`` (a UTF-16 mark inside UTF-8), ``c3 28`` (a cut sequence before
    "("), ``80 81`` (C1 bytes), and ``papieros\\xc3...`` (a UTF-8 sequence cut after its lead
    byte: the one invalid byte in the 300 files of ../shared/data, a Polish gold page). Issue 11:
    "ÿþÃ( ici €" reached a release when every invalid byte was read as cp1252."""
    if len(run) > MAX_REPAIR_RUN:
        return None
    chars = run.decode("cp1252", errors="replace")
    if any(ch not in _CP1252_REPAIRS for ch in chars):
        return None
    for side in (before, after):
        if side and not (side.isalnum() or side in _REPAIR_NEIGHBOURS):
            return None
    for prev, ch in zip(before + chars, chars):
        if ch.isupper() and prev.islower():
            return None
    return chars


def _decode_mixed_utf8(data: bytes) -> tuple[Decoded, int]:
    """Decode ``data`` as UTF-8, each run of invalid bytes read as cp1252 when :func:`_repairable`,
    else dropped. Return ``(decoded, valid multibyte characters)``."""
    escaped = data.decode("utf-8", errors="surrogateescape")
    runs = list(_ESCAPED_RUN.finditer(escaped))
    invalid = sum(m.end() - m.start() for m in runs)
    multibyte = sum(1 for ch in escaped if ord(ch) > 0x7F) - invalid
    out: list[str] = []
    pos = repaired = dropped = 0
    for m in runs:
        out.append(escaped[pos : m.start()])
        run = bytes(ord(ch) - 0xDC00 for ch in m.group())
        before = escaped[m.start() - 1] if m.start() else ""
        after = escaped[m.end()] if m.end() < len(escaped) else ""
        fixed = _repairable(run, before, after)
        if fixed is None:
            dropped += len(run)
        else:
            repaired += len(run)
            out.append(fixed)
        pos = m.end()
    out.append(escaped[pos:])
    first = len(escaped[: runs[0].start()].encode("utf-8", "surrogateescape")) if runs else None
    examples = tuple(m.group().encode("utf-8", "surrogateescape").hex(" ") for m in runs[:3])
    text = "".join(out)
    decoded = Decoded(text, MIXED_ENCODING, repaired, dropped, text.count("\ufffd"), first, examples)
    return decoded, multibyte


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


#: Bytes :func:`binary_format` reads: every signature of puremagic's database that is not at the
#: end of a file lies in the first 2,048 bytes but ISO 9660's (at 32,769), and a whole 64 KiB
#: sample costs ~4 ms a file (an 80 KB page), 2 KiB ~0.3 ms.
SIGNATURE_SAMPLE_BYTES = 2048
#: Shortest file signature (bytes) that :func:`binary_format` trusts: two- and three-byte ones
#: ("BM" for BMP, "MZ" for executables, "ID3") begin ordinary words ("BMW", "MZ").
MIN_SIGNATURE_BYTES = 4
#: MIME type prefixes of formats that are text we can read, although puremagic knows them.
_TEXT_MIMES = ("text/", "message/", "application/json", "application/xml", "application/xhtml", "application/javascript")


@lru_cache(maxsize=1)
def _signature_index() -> tuple[tuple[int, int, frozenset[bytes]], ...] | None:
    """puremagic's header signatures of 2 bytes or more as ``(offset, length, signatures)``, so
    that :func:`binary_format` calls puremagic (~4 ms a call: it tries ~2,900 signatures in
    Python) only on a file that has one (2,000 small files: 8 s of ingest otherwise). ``None``
    when this puremagic keeps its table elsewhere (then puremagic is called on every file)."""
    try:
        from puremagic.main import magic_header_array
    except ImportError:  # pragma: no cover - another puremagic layout
        return None
    slots: dict[tuple[int, int], set[bytes]] = {}
    for row in magic_header_array:
        if len(row.byte_match) >= 2 and row.offset >= 0:
            slots.setdefault((row.offset, len(row.byte_match)), set()).add(row.byte_match)
    return tuple((offset, n, frozenset(v)) for (offset, n), v in sorted(slots.items()))


def binary_format(data: bytes) -> str | None:
    """The non-text format whose file signature ``data`` starts with (``"PDF file
    (application/pdf; signature 25 50 44 46)"``; for a signature several formats share, such as ZIP's, ``"ZIP-like
    file (signature 50 4b 03 04, shared by N formats: DOCX, PPTX, ...)"``), or ``None``. puremagic's signature database, matches of at least :data:`MIN_SIGNATURE_BYTES`
    bytes, text formats (HTML, XML, JSON, e-mail) excluded. Catches what the NUL and control-byte
    tests miss: a PDF whose streams are ASCII, an RTF file, a ZIP of text files."""
    import puremagic

    head = data[:SIGNATURE_SAMPLE_BYTES]
    index = _signature_index()
    if index is not None and not any(head[offset : offset + n] in matches for offset, n, matches in index):
        return None  # no signature of 2+ bytes at its place: the common case, ~0.1-0.2 ms
    try:
        matches = puremagic.magic_string(head)
    except (puremagic.PureError, ValueError):
        return None
    strong = [m for m in matches if len(m.byte_match or b"") >= MIN_SIGNATURE_BYTES and m.mime_type]
    if not strong or any(m.mime_type.startswith(_TEXT_MIMES) or m.mime_type.endswith("+xml") for m in strong):
        return None  # no signature, or one a text format shares ("<?xml" is also a QuickTime link)
    m = strong[0]
    shared = list(dict.fromkeys(x.extension.lstrip(".").upper() for x in strong if x.byte_match == m.byte_match and x.extension))
    more = ", ..." if len(shared) > 4 else ""
    if m.byte_match == b"PK\x03\x04":  # the ZIP container (DOCX, XLSX, JAR...): do not guess which
        return f"ZIP-like file (signature {m.byte_match.hex(' ')}, shared by {len(shared)} formats: {', '.join(shared[:4])}{more})"
    also = f", also the signature of {', '.join(shared[1:4])}{more}" if len(shared) > 1 else ""
    return f"{m.extension.lstrip('.').upper()} file ({m.mime_type}; signature {m.byte_match.hex(' ')}{also})"


def decode_bytes(data: bytes, source: str, *, declared: str | None = None) -> tuple[str, str]:
    """``(text, encoding)`` of :func:`decode_input` (same rules, same errors)."""
    decoded = decode_input(data, source, declared=declared)
    return decoded.text, decoded.encoding


#: A file holding valid multibyte UTF-8 is read as damaged UTF-8 (never in a legacy charset) while
#: its invalid bytes are at most this many times its valid multibyte characters. A cp1252 or
#: latin-1 French file has invalid bytes at every accent and almost no valid sequence (a byte pair
#: such as "Ã©" is rare in real text), so it still goes to charset-normalizer; a UTF-8 file with a
#: few stray bytes no longer does.
MIXED_UTF8_RATIO = 10


def decode_input(data: bytes, source: str, *, declared: str | None = None) -> Decoded:
    """Decode raw bytes to text; return a :class:`Decoded` (text, encoding as a Python codec name
    or :data:`MIXED_ENCODING`, and the damage found).

    Order: a file signature of a non-text format (:func:`binary_format`); a UTF-8/16/32
    byte-order mark decides (and is stripped); then the binary test (a NUL byte, or more than
    :data:`MAX_CONTROL_BYTE_SHARE` control bytes in the first :data:`BINARY_SAMPLE_BYTES`); then
    strict UTF-8; then mostly-UTF-8 (at most :data:`MIXED_UTF8_RATIO` invalid bytes per valid multibyte character; each
    run of invalid bytes read as cp1252 if :func:`_repairable`, else dropped); then ``declared`` (an
    encoding the container declares, e.g. an HTML ``<meta charset>``) if the bytes decode with it;
    then charset-normalizer, with a windows-1252 preference for Western text (see
    :func:`_prefer_cp1252`), so that a cp1252 French file comes out right; if charset-normalizer
    finds nothing but the bytes hold valid multibyte UTF-8, the mostly-UTF-8 reading is used.
    ``source`` only names the input in errors.

    Raises :class:`DecodeError` (an :class:`InputError`) with ``reason`` ``"binary"`` (a non-text
    file signature, NUL bytes, control-byte share, or charset-normalizer finds no encoding) or
    ``"undecodable"`` (the bytes fail the encoding their BOM announces, or more characters are
    lost, invalid bytes dropped plus U+FFFD, than :func:`damage_limit` allows).
    """
    fmt = binary_format(data)
    if fmt is not None:
        raise DecodeError(source, "binary", f"a {fmt}, not text (convert it to .txt or .html first)")
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return _checked(Decoded(data[len(bom) :].decode(encoding), encoding), len(data), source)
            except UnicodeDecodeError as e:
                raise DecodeError(source, "undecodable", f"starts with a {encoding} byte-order mark but is not {encoding} ({e.reason} at byte {e.start})") from e
    if b"\x00" in data:
        raise DecodeError(source, "binary", "contains NUL bytes (not a text file)")
    sample = data[:BINARY_SAMPLE_BYTES]
    controls = len(sample) - len(sample.translate(None, _CONTROL_BYTE_STRING))
    if sample and controls / len(sample) > MAX_CONTROL_BYTE_SHARE:
        raise DecodeError(source, "binary", f"{controls / len(sample):.0%} control bytes (not a text file)")
    try:
        return _checked(Decoded(data.decode("utf-8"), "utf-8"), len(data), source)
    except UnicodeDecodeError:
        pass
    mixed, multibyte = _decode_mixed_utf8(data)
    if multibyte > 0 and mixed.repaired + mixed.dropped <= multibyte * MIXED_UTF8_RATIO:
        # valid UTF-8 sequences beside the invalid bytes: damaged UTF-8. A single-byte charset
        # would turn every valid sequence into mojibake ("café" → "cafﺃﺏ", seen in a fresh-user
        # trial), so the damage limit decides: dropped with a warning, or rejected
        return _checked(mixed, len(data), source)
    if declared:
        try:
            return Decoded(data.decode(declared), declared)
        except (UnicodeDecodeError, LookupError):
            pass  # a wrong declaration is common on the web: fall back to detection
    best = charset_normalizer.from_bytes(data).best()
    if best is None:
        if multibyte > 0:  # some real UTF-8 in it: usable if the damage stays under the limit
            return _checked(mixed, len(data), source)
        raise DecodeError(source, "binary", "no text encoding fits these bytes (charset-normalizer found none)")
    try:
        text = str(best)
    except (UnicodeDecodeError, LookupError) as e:  # pragma: no cover - charset-normalizer checked it
        raise DecodeError(source, "undecodable", f"detected {best.encoding} but decoding failed: {e}") from e
    western = _prefer_cp1252(data, text)
    if western is not None:
        return Decoded(western, "cp1252")
    return _checked(Decoded(text, best.encoding, replacement_chars=text.count("\ufffd")), len(data), source)


def _checked(decoded: Decoded, n_bytes: int, source: str) -> Decoded:
    """``decoded`` with its U+FFFD counted, or :class:`DecodeError` ``"undecodable"`` when it lost
    more than :func:`damage_limit` characters."""
    if decoded.replacement_chars == 0 and "\ufffd" in decoded.text:
        decoded = Decoded(decoded.text, decoded.encoding, decoded.repaired, decoded.dropped,
                          decoded.text.count("\ufffd"), decoded.first_damage, decoded.examples)
    limit = damage_limit(n_bytes)
    if decoded.damage > limit:
        raise DecodeError(source, "undecodable", f"{damage_summary(decoded)}: more than the {limit} a file of {n_bytes} bytes may lose (damaged or not UTF-8)")
    return decoded


def damage_summary(decoded: Decoded) -> str:
    """One phrase saying what was repaired and dropped, for warnings and rejects."""
    parts = []
    if decoded.dropped:
        parts.append(f"{decoded.dropped} invalid UTF-8 byte{'s' if decoded.dropped > 1 else ''} dropped")
    if decoded.repaired:
        parts.append(f"{decoded.repaired} invalid byte{'s' if decoded.repaired > 1 else ''} read as cp1252")
    if decoded.replacement_chars:
        parts.append(f"{decoded.replacement_chars} U+FFFD replacement character{'s' if decoded.replacement_chars > 1 else ''} removed")
    where = f", first at byte {decoded.first_damage}" if decoded.first_damage is not None else ""
    examples = f" (bytes {', '.join(decoded.examples)})" if decoded.examples else ""
    return ", ".join(parts) + where + examples


#: Characters at the start of a ``.txt`` file that :func:`starts_like_html` looks at.
HTML_SNIFF_CHARS = 512
#: What an HTML page starts with (after a BOM and whitespace), case-insensitive. Only the two
#: unambiguous starts: a plain text may well begin with ``<b>`` or ``<Le titre>``.
_HTML_START = re.compile(r"[\ufeff\s]*(<!doctype\s+html|<html)(?=[\s>/])", re.IGNORECASE)


def starts_like_html(text: str) -> bool:
    """True when ``text`` begins, after an optional BOM (U+FEFF) and whitespace, with
    ``<!DOCTYPE html`` or an ``<html`` tag (case-insensitive). Used on ``.txt`` inputs: a page
    saved under a ``.txt`` name is read as HTML, with a ``"read as HTML"`` warning notice (a
    fresh-user trial found one kept as plain text with its raw tags)."""
    return _HTML_START.match(text[:HTML_SNIFF_CHARS]) is not None


def _html_start(text: str) -> str:
    """The tag that made :func:`starts_like_html` true, as written (``<!DOCTYPE html``, ``<HTML``)."""
    m = _HTML_START.match(text[:HTML_SNIFF_CHARS])
    return m.group(1) if m else ""


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


def _walk(folder: Path) -> Iterator[tuple[Path, str | OSError | None]]:
    """``(path, skip_reason)`` for everything under ``folder``, recursively, in sorted order:
    files to read (``skip_reason`` ``None``), and the paths not read with their reason: ``"hidden
    file"`` / ``"hidden folder"`` (name starting with ``.``: ``.git``, ``.DS_Store``; a hidden
    folder is reported once, its contents are not listed) and ``"symbolic link to a folder"`` (not
    followed: no cycles, no reading outside the folder given). Links to files are read.

    A folder that cannot be listed (permissions; ``folder`` itself included) comes with the
    :class:`OSError` that :func:`os.walk` gave its ``onerror`` callback instead of a reason:
    without the callback os.walk leaves it out silently."""
    errors: list[OSError] = []

    def unreadable() -> Iterator[tuple[Path, OSError]]:
        while errors:
            e = errors.pop(0)
            yield Path(e.filename) if e.filename else folder, e

    for root, dirs, files in os.walk(folder, onerror=errors.append):
        yield from unreadable()
        kept = []
        for name, is_dir in sorted([(d, True) for d in dirs] + [(f, False) for f in files]):
            path = Path(root) / name
            if name.startswith("."):
                yield path, "hidden folder" if is_dir else "hidden file"
            elif is_dir and path.is_symlink():
                yield path, "symbolic link to a folder"
            elif is_dir:
                kept.append(name)
            else:
                yield path, None
        dirs[:] = kept
    yield from unreadable()


_SKIP_DETAIL = {
    "hidden file": "name starts with '.'; not read (give the file itself as an input to read it)",
    "hidden folder": "name starts with '.'; not read (give the folder itself as an input to read it)",
    "symbolic link to a folder": "links to folders are not followed (give the target folder as an input to read it)",
    "read already": "the same file was reached again (an input given twice, a folder inside another input, or a link); read once",
}


def iter_inputs(paths: Sequence[str | Path]) -> Iterator[RawDocument | Reject | Notice]:
    """Yield a :class:`RawDocument` or a :class:`Reject` for every input, in a deterministic order,
    and a :class:`Notice` for every path skipped and every document kept with a warning.

    ``paths``: files and folders, read in the order given; folders recursively in sorted order,
    hidden files and folders (name starting with ``.``), symbolic links to folders, and files
    reached a second time (an input given twice, a folder inside another input: each file is read
    once) skipped, each reported as a ``skipped`` :class:`Notice` with its reason; a folder that
    cannot be listed is an ``"unreadable"`` :class:`Reject`. Formats: ``.txt``, ``.html`` /
    ``.htm`` (text and main content from :func:`corpus_builder.html.extract_html`), ``.jsonl`` (one
    document per line: ``text``, optional ``id``, ``source``, ``meta``, ``lang``; blank lines are
    skipped), each optionally ``.gz``-compressed. A document that lost or repaired a few invalid
    bytes (under :func:`damage_limit`) comes right after a ``warning`` :class:`Notice` naming it.

    ``source``: the path relative to the folder it was found under, ``/``-separated (a file given
    directly: its name). With several inputs, that path is prefixed with the input's own path
    relative to the inputs' common folder, so that ``prepare news/a news/b`` gives ``a/x.txt``
    and ``b/x.txt``, never ``x.txt`` twice (:func:`input_prefixes`). For a JSONL line: its
    ``source`` field, else ``"<file source>#L<n>"`` (n is the 1-based line number).
    ``raw_sha256``: hex SHA-256 of the file's bytes as stored on disk
    (compressed if ``.gz``); for a JSONL line, of the line's UTF-8 bytes (without the line break).
    A JSONL ``lang`` goes to ``meta["lang"]`` in BCP 47 standard form (one that is not a tag,
    ``"xx-invalid"``, is ignored with a ``warning`` notice naming the line); a JSONL ``id`` (string or integer) to ``doc_id``;
    the line's place, ``"<file source>#L<n>"``, to ``meta["ingest"]["record"]`` (several lines may
    share a ``source``; the Label Studio reports name documents by ``doc_id`` and this record).

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
    seen: set[Path] = set()  # resolved files read so far: each is read once

    def first_time(file: Path) -> bool:
        real = file.resolve()
        if real in seen:
            return False
        seen.add(real)
        return True

    for (path, is_dir), prefix in zip(resolved, prefixes):
        if is_dir:
            for file, skipped in _walk(path):
                source = prefix + file.relative_to(path).as_posix() if file != path else prefix.rstrip("/") or path.name or str(path)
                if isinstance(skipped, OSError):
                    yield Reject(printable_source(source), "unreadable",
                                 f"the folder cannot be read ({skipped.strerror or skipped}); nothing in it was read")
                    continue
                if not skipped and not first_time(file):
                    skipped = "read already"
                if skipped:
                    yield Notice(printable_source(source), "skipped", skipped, _SKIP_DETAIL[skipped])
                else:
                    yield from _read_file(file, source)
        elif first_time(path):
            yield from _read_file(path, prefix + path.name)
        else:
            yield Notice(printable_source(prefix + path.name), "skipped", "read already", _SKIP_DETAIL["read already"])


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


def printable_source(source: str) -> str:
    """``source`` with the undecodable bytes of a file name escaped (``"nom-\\xff.txt"``).

    Python reads a name that is not valid UTF-8 with lone surrogates (``"nom-\\udcff.txt"``,
    PEP 383), which no UTF-8 JSON write accepts; the escaped form can be written anywhere."""
    return source.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _special_kind(mode: int) -> str:
    """What a path that is not a regular file is, from its ``st_mode``, for a reject's detail."""
    for test, kind in ((stat.S_ISFIFO, "named pipe (FIFO)"), (stat.S_ISSOCK, "socket"), (stat.S_ISCHR, "character device"),
                       (stat.S_ISBLK, "block device"), (stat.S_ISDIR, "folder")):
        if test(mode):
            return kind
    return "special file"


def _read_file(path: Path, source: str) -> Iterator[RawDocument | Reject | Notice]:
    if _ESCAPED_RUN.search(source):
        yield Reject(printable_source(source), "bad-filename",
                     f"the file name is not valid UTF-8 ({os.fsencode(path)!r}); rename it (e.g. convmv) to read it")
        return
    try:
        mode = path.stat().st_mode  # follows a link: what reading would open
    except OSError as e:
        yield Reject(source, "unreadable", f"{e.strerror or e}")
        return
    if not stat.S_ISREG(mode):  # opening a FIFO waits for a writer forever; a device never ends
        yield Reject(source, "not-a-file", f"a {_special_kind(mode)}, not a regular file: not opened")
        return
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
    # HTML saved as .txt: read as HTML, with a warning (fresh-user trial: kept with its raw tags).
    # The byte test (an ASCII-compatible start) lets its <meta charset> decide the decoding; the
    # text test below catches a UTF-16/32 page.
    sniffed = fmt == "txt" and starts_like_html(data[:HTML_SNIFF_CHARS].decode("latin-1"))
    if sniffed:
        fmt = "html"
    declared = _declared_html_charset(data) if fmt == "html" else None
    try:
        decoded = decode_input(data, source, declared=declared)
    except DecodeError as e:
        yield Reject(source, e.reason, e.detail)
        return
    text, encoding = decoded.text, decoded.encoding
    if _is_blank(text):
        yield Reject(source, "empty", "the file has only whitespace or invisible characters")
        return
    raw_sha256 = hashlib.sha256(stored).hexdigest()
    if decoded.damage or decoded.repaired:
        yield Notice(source, "warning", "invalid bytes", damage_summary(decoded))
    if fmt == "txt" and starts_like_html(text):
        sniffed, fmt = True, "html"
    if fmt == "txt":
        yield RawDocument(source=source, raw_sha256=raw_sha256, text=text, format="txt", encoding=encoding)
    elif fmt == "html":
        page = _html_document(source, raw_sha256, text, encoding)
        if sniffed and isinstance(page, RawDocument):  # a notice comes right before the document it is about
            yield Notice(source, "warning", "read as HTML", f"the file starts with {_html_start(text)}: read as HTML (tags "
                         "removed, blocks from the page layout), not as plain text; name it .html to say so")
        yield page
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


def _jsonl_documents(file_source: str, text: str, encoding: str) -> Iterator[RawDocument | Reject | Notice]:
    for lineno, line in enumerate(text.split("\n"), 1):
        line = line.removesuffix("\r")
        if not line.strip():
            continue
        where = f"{file_source}#L{lineno}"
        try:
            record: Any = json.loads(line)
        except json.JSONDecodeError as e:
            yield Reject(where, "bad-jsonl", record=where, detail=f"not valid JSON ({json_error_text(e, line=False)})")
            continue
        problem = _jsonl_problem(record)
        if problem:
            yield Reject(where, "bad-jsonl", problem, record=where)
            continue
        escaped = _escape_surrogates(record)
        if escaped:  # UTF-8 cannot write a lone surrogate: every file we write would fail on it
            record = {**record, **escaped}
        source = record.get("source") or where
        if escaped:
            fields = ", ".join(f"`{k}`" for k in escaped)
            yield Notice(source, "warning", "lone surrogate", f"{fields} held lone surrogate(s) (JSON \\ud800-\\udfff without "
                         "its pair), which UTF-8 cannot write; kept escaped as text (\\ud800)", record=where)
        if _is_blank(record["text"]):
            yield Reject(source, "empty", "the `text` field has only whitespace", record=where)
            continue
        damage = _text_damage(record["text"])
        if damage:
            limit = damage_limit(len(line.encode("utf-8", "surrogatepass")))
            what = f"`text` holds {damage} U+FFFD replacement character(s) or lone surrogate(s)"
            if damage > limit:
                yield Reject(source, "undecodable", f"{what}: more than the {limit} a line of its length may lose (it was decoded with errors before it was written)", record=where)
                continue
            yield Notice(source, "warning", "invalid bytes", f"{what}, removed", record=where)
        meta = dict(record.get("meta") or {})
        meta["ingest"] = {"record": where}  # names the line even when several lines share a `source` (studio reports, push)
        if record.get("lang"):
            tag = normalize_tag(record["lang"])
            if tag is None:
                # named like the other notices of a line: the record's source and its place (fresh-user trial: no record)
                yield Notice(source, "warning", "invalid lang", f"`lang` {record['lang']!r} is not a BCP 47 language tag "
                             "(e.g. fr, en, pt-BR); ignored, the language is detected from the text", record=where)
            else:
                meta["lang"] = tag
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


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _text_damage(text: str) -> int:
    """U+FFFD characters and lone surrogates in ``text`` (what an earlier lossy decoding left;
    :func:`corpus_builder.clean.clean_text` removes both)."""
    return text.count("\ufffd") + len(_LONE_SURROGATE.findall(text))


#: Fields of a JSONL record that are written as they are (``text`` is cleaned instead: lone
#: surrogates there count as damage, :func:`_text_damage`; ``lang`` is a tag or ignored).
_WRITTEN_FIELDS = ("id", "source", "meta")


def _escape_surrogates(record: dict[str, Any]) -> dict[str, Any]:
    """The fields of :data:`_WRITTEN_FIELDS` that hold a lone surrogate (at any depth of ``meta``,
    keys included), each with every lone surrogate written as the six characters ``\\udXXX``
    (Python's ``backslashreplace``); ``{}`` when there is none. A JSON line may hold ``"\\ud800"``
    without its pair: ``json.loads`` accepts it, but no UTF-8 write does."""

    def fix(value: Any) -> Any:
        if isinstance(value, str):
            return value.encode("utf-8", "backslashreplace").decode("utf-8") if _LONE_SURROGATE.search(value) else value
        if isinstance(value, dict):
            return {fix(k): fix(v) for k, v in value.items()}
        if isinstance(value, list):
            return [fix(v) for v in value]
        return value

    out = {}
    for key in _WRITTEN_FIELDS:
        if key in record:
            fixed = fix(record[key])
            if fixed != record[key]:
                out[key] = fixed
    return out


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
