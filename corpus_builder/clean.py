"""Stage 2, Clean: text normalisation done once, before any offset exists.

Every later stage (blocks, sentences, entities, Label Studio, releases) puts code-point offsets on
the text this module returns, so cleaning happens exactly once, here, and is idempotent:
``clean_text(clean_text(x)) == clean_text(x)``. Text that is already clean comes back unchanged.

What :func:`clean_text` does, in order:

1. **Mojibake repair** with ftfy (:data:`FTFY_CONFIG`), configured to leave valid text alone:
   curly quotes, ligatures (``ﬁ``) and full-width forms are kept; HTML entities are *not* unescaped
   (a document that talks about ``&amp;`` keeps it, and unescaping would not be idempotent:
   ``&amp;lt;`` → ``&lt;`` → ``<``). ftfy also turns CRLF, CR, U+2028/U+2029 into ``\\n``, removes
   terminal escapes and most C0 controls, and applies NFC.
2. **Characters**: every space separator (Unicode category Zs: U+00A0, U+202F,
   U+2009, U+3000...) becomes U+0020; tab → space; form feed, vertical tab, U+2028, U+2029 (and
   U+0085 if ftfy has not already read it as cp1252 "…") → ``\\n``, so that
   ``text.splitlines() == text.split("\\n")``; zero-width characters (U+200B, U+200C,
   U+2060, U+FEFF) and the soft hyphen U+00AD are removed; U+200D (zero-width joiner) is removed
   except between two symbols/emoji, where it builds one emoji (👨‍👩‍👧); remaining C0/C1
   control characters are removed; lone surrogates (they cannot be written as UTF-8) and U+FFFD
   replacement characters (a character an earlier decoding lost, or a lossy sequence ftfy
   replaced) are removed, so that no U+FFFD ever reaches a release. Ingest counts them per input
   and rejects an input that has too many (:func:`corpus_builder.ingest.damage_limit`).
3. **NFC** again (a removed zero-width character may have separated a letter from its accent).
4. **Whitespace**: runs of spaces → one space; spaces stripped at line starts and ends; runs of
   blank lines → one blank line; blank lines at the start and end removed (no final ``\\n``).

Steps 1–4 are repeated until the text stops changing (at most :data:`MAX_PASSES` times), because
one pass is not always a fixed point: ftfy's output can itself look like mojibake, or become so
once our steps drop a no-break space or an invisible character. Hypothesis found, for instance,
``"\\xa0Â\\x80"`` → ``"Â€"`` (pass 1: C1 control read as cp1252, space stripped) → ``"€"`` (pass 2);
about 1% of its random inputs (control characters, mojibake fragments) change again in a second
pass; none of 8,000 changed in a third.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from functools import lru_cache

import ftfy

from .errors import InputError
from .langtags import normalize_tag
from .records import Document, RawDocument

#: ftfy settings: repair mojibake, never rewrite valid characters (source: ftfy 6.3
#: ``TextFixerConfig`` documentation; each option below is the default unless commented).
FTFY_CONFIG = ftfy.TextFixerConfig(
    unescape_html=False,  # keep "&amp;" as written; unescaping is not idempotent
    remove_terminal_escapes=True,
    fix_encoding=True,  # the point: "allÃ©" → "allé"
    restore_byte_a0=True,
    replace_lossy_sequences=True,
    decode_inconsistent_utf8=True,
    fix_c1_controls=True,
    fix_latin_ligatures=False,  # "ﬁnale" is valid text: keep it
    fix_character_width=False,  # full-width forms are valid text: keep them
    uncurl_quotes=False,  # ’ « » are valid French typography: keep them
    fix_line_breaks=True,
    fix_surrogates=True,
    remove_control_chars=True,
    normalization="NFC",
    explain=False,
)

#: Upper bound on clean passes (see module docstring). At most three passes (two that change, one
#: that confirms) were needed on 8,000 hypothesis inputs; the bound guards against a cycle.
MAX_PASSES = 4

_ZERO_WIDTH = {0x200B, 0x200C, 0x2060, 0xFEFF, 0x00AD}
REPLACEMENT_CHARACTER = "\ufffd"
_ZWJ = "\u200d"
_LINE_BREAKS = {0x0B, 0x0C, 0x85, 0x2028, 0x2029}


def _build_char_map() -> dict[int, str | None]:
    table: dict[int, str | None] = {}
    for cp in range(0x3001):  # every Zs and Cc character lies below U+3001 (Unicode 14)
        ch = chr(cp)
        cat = unicodedata.category(ch)
        if cat == "Zs" and cp != 0x20:
            table[cp] = " "
        elif cat == "Cc" and ch not in "\n\r\t" and cp not in _LINE_BREAKS:
            table[cp] = None
    table[0x09] = " "
    for cp in _LINE_BREAKS:
        table[cp] = "\n"
    for cp in _ZERO_WIDTH:
        table[cp] = None
    table[ord(REPLACEMENT_CHARACTER)] = None
    return table


_CHAR_MAP = _build_char_map()
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_SPACE_RUN = re.compile(" {2,}")
_SPACES_AT_LINE_EDGE = re.compile(" *\n *")
_BLANK_LINE_RUN = re.compile("\n{3,}")


def _is_emoji_part(ch: str) -> bool:
    """True for characters that a ZWJ joins into one emoji (symbols, VS16, skin tones)."""
    return unicodedata.category(ch) == "So" or ch == "\ufe0f" or "\U0001f3fb" <= ch <= "\U0001f3ff"


def _drop_joiners(text: str) -> str:
    if _ZWJ not in text:
        return text
    out = []
    n = len(text)
    for i, ch in enumerate(text):
        if ch == _ZWJ and not (0 < i < n - 1 and _is_emoji_part(text[i - 1]) and _is_emoji_part(text[i + 1])):
            continue
        out.append(ch)
    return "".join(out)


#: Segments longer than this are not memoised by :func:`_fix_segment` (bounded memory).
_MEMO_SEGMENT_CHARS = 10_000


def _ftfy(text: str) -> str:
    """``ftfy.fix_text(text, FTFY_CONFIG)``, one ``"\n"``-terminated segment at a time through a
    memo. ftfy 6.3's ``fix_text`` itself fixes each such segment on its own (``fix_and_explain``
    per segment; no state is carried with ``unescape_html=False``), so the result is the same;
    the confirming pass of :func:`clean_text` and lines repeated across documents then cost a
    dictionary lookup (to_document: ~13 → ~10 µs/word on the throughput benchmark corpus)."""
    if "\n" not in text:
        return _fix_segment(text)
    parts = text.split("\n")
    out = [_fix_segment(part + "\n") for part in parts[:-1]]
    if parts[-1]:
        out.append(_fix_segment(parts[-1]))
    return "".join(out)


def _fix_segment(segment: str) -> str:
    if len(segment) > _MEMO_SEGMENT_CHARS:
        return ftfy.fix_text(segment, FTFY_CONFIG)
    return _fix_segment_memo(segment)


@lru_cache(maxsize=8192)
def _fix_segment_memo(segment: str) -> str:
    return ftfy.fix_text(segment, FTFY_CONFIG)


def _clean_pass(text: str) -> str:
    text = _LONE_SURROGATE.sub("", text)
    text = text.replace("\x0b", "\n")  # a manual line break in word-processor exports; ftfy would drop it
    text = _ftfy(text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")  # ftfy does it too; keep it explicit
    text = text.translate(_CHAR_MAP)
    text = _drop_joiners(text)
    text = unicodedata.normalize("NFC", text)
    text = _SPACE_RUN.sub(" ", text)
    text = _SPACES_AT_LINE_EDGE.sub("\n", text)
    text = _BLANK_LINE_RUN.sub("\n\n", text)
    return text.strip(" \n")


def clean_text(text: str) -> str:
    """Return the cleaned form of ``text`` (see the module docstring for every rule).

    Guarantees (tested with hypothesis): idempotent; no ``\\r``, no Zs character but U+0020, no
    U+200B/U+00AD/U+FEFF, no U+FFFD, no lone surrogate, no tab, no ``"  "`` run, no space at a line start or end, no run of more
    than one blank line, no leading/trailing blank line, NFC. Already-clean text is unchanged.
    May return ``""`` (the caller decides whether that is an error: see :func:`to_document`).
    """
    for _ in range(MAX_PASSES):
        cleaned = _clean_pass(text)
        if cleaned == text:
            return cleaned
        text = cleaned
    return text


def make_doc_id(text: str) -> str:
    """Stable, content-addressed id of a **cleaned** text: ``"doc-"`` + the first 16 hex digits
    (64 bits) of the SHA-256 of its UTF-8 bytes.

    The same cleaned text gets the same id on every run and machine, so re-running ``prepare`` is
    idempotent and identical documents collapse to one id (the duplicate check relies on it).
    64 bits keep ids short; a collision needs ~4 billion documents (birthday bound, 2**32).
    Pass the output of :func:`clean_text`: the id of raw text would change with its whitespace.
    """
    return "doc-" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


#: Below this py3langid probability, :func:`detect_lang` answers ``"und"``. Chosen by hand on short
#: lines: "He went to Nice." scores 0.55 (en), one-word menu items like "Partager" score < 0.2.
MIN_LANG_CONFIDENCE = 0.4
#: Characters read by :func:`detect_lang` (the identifier's answer is stable well before this).
LANG_SAMPLE_CHARS = 10_000


@lru_cache(maxsize=1)
def _language_identifier():
    """py3langid's model (loaded once per process, ~0.8 s), with normalised probabilities."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def identify_language(text: str) -> tuple[str, float]:
    """Return ``(code, probability)`` from py3langid for ``text`` (no threshold applied).

    ``code`` is an ISO 639 code (two letters where one exists: ``"fr"``, ``"en"``); the probability
    is in [0, 1]. Text without any letter gives ``("und", 0.0)``.
    """
    sample = text[:LANG_SAMPLE_CHARS]
    if not any(ch.isalpha() for ch in sample):
        return "und", 0.0
    code, prob = _language_identifier().classify(sample)
    return code, float(prob)


def detect_lang(text: str) -> str:
    """ISO 639-1 language code of ``text`` (``"fr"``, ``"en"``, ...), or ``"und"`` when the text
    has no letters or py3langid's probability is below :data:`MIN_LANG_CONFIDENCE`.

    Uses py3langid (a maintained fork of langid.py, Lui & Baldwin 2012; trafilatura's own optional
    language identifier), on the first :data:`LANG_SAMPLE_CHARS` characters.
    """
    code, prob = identify_language(text)
    if prob < MIN_LANG_CONFIDENCE:
        return "und"
    return code


def to_document(raw: RawDocument) -> Document:
    """Turn an ingested :class:`RawDocument` into a cleaned :class:`Document`.

    ``text`` and ``main_text`` are cleaned with :func:`clean_text` (an empty cleaned ``main_text``
    becomes ``None``). ``doc_id``: ``raw.doc_id`` (an id given by the input) if set, else
    :func:`make_doc_id` of the cleaned text. ``lang``: ``raw.meta["lang"]`` if given (in BCP 47
    standard form, :func:`.langtags.normalize_tag`), else :func:`detect_lang`. ``source``, ``raw_sha256`` and ``meta`` are carried over; blocks,
    sentences and entities are left empty for the later stages.

    Raises :class:`InputError` naming ``raw.source`` when the cleaned text is empty.
    """
    text = clean_text(raw.text)
    if not text:
        raise InputError(
            f"{raw.source}: the document is empty after cleaning (only whitespace or invisible "
            "characters); remove it from the inputs or give it some text"
        )
    main_text = clean_text(raw.main_text) if raw.main_text is not None else None
    lang = raw.meta.get("lang")
    lang = (normalize_tag(str(lang)) or str(lang).strip().lower()) if lang else detect_lang(text)
    return Document(
        doc_id=raw.doc_id if raw.doc_id else make_doc_id(text),
        source=raw.source,
        text=text,
        lang=lang,
        raw_sha256=raw.raw_sha256,
        meta=dict(raw.meta),
        main_text=main_text or None,
        layout=_block_layout(raw, text),
    )


def _block_layout(raw: RawDocument, text: str) -> tuple[tuple, ...] | None:
    """``raw.layout`` (one row per raw line) mapped onto the non-empty lines of the cleaned
    ``text``. Cleaning keeps the lines of a page in the usual case (one row per line, zipped);
    when it splits or empties lines, each raw line is cleaned alone to see how many lines it
    became. ``None`` when the counts still disagree (the boilerplate stage then reads the page
    as text only)."""
    if not raw.layout:
        return None
    n_blocks = sum(1 for line in text.split("\n") if line.strip())
    raw_lines = raw.text.split("\n")
    if len(raw_lines) != len(raw.layout):
        return None
    if n_blocks == len(raw.layout) and all(line.strip() for line in raw_lines):
        return tuple(tuple(row) for row in raw.layout)
    rows: list[tuple] = []
    for line, row in zip(raw_lines, raw.layout):
        rows.extend(tuple(row) for part in clean_text(line).split("\n") if part.strip())
    return tuple(rows) if len(rows) == n_blocks else None
