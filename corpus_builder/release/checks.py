"""Offset checks of release rows, shared by the writer (before a row is written) and
:func:`~corpus_builder.release.validate.validate_release` (on every row read back).

Each function returns a list of problems (empty = fine); messages name ``where`` (file and row or
document id) and the field. Offsets are code points, end-exclusive.
"""

from __future__ import annotations

from typing import Any

#: U+FFFD, the mark of a character lost by a decoding: cleaning removes it
#: (:mod:`corpus_builder.clean`), and no text of a release may hold one.
REPLACEMENT_CHARACTER = "\ufffd"


def _replacement_problem(text: str, field: str, where: str) -> list[str]:
    if REPLACEMENT_CHARACTER not in text:
        return []
    at = text.index(REPLACEMENT_CHARACTER)
    return [f"{where}: {field} holds {text.count(REPLACEMENT_CHARACTER)} U+FFFD replacement character(s), first at code point {at} (a character lost by a decoding; clean the text again)"]


def _span_problems(spans: list[dict[str, Any]], text: str, field: str, where: str) -> list[str]:
    out = []
    for i, s in enumerate(spans):
        if not 0 <= s["start"] < s["end"] <= len(text):
            out.append(f"{where}: {field}[{i}] offsets [{s['start']}, {s['end']}) out of bounds of a text of {len(text)} code points")
        elif text[s["start"] : s["end"]] != s["text"]:
            out.append(
                f"{where}: {field}[{i}] text {s['text']!r} != text[{s['start']}:{s['end']}] {text[s['start']:s['end']]!r}"
            )
    return out


def document_problems(row: dict[str, Any], where: str) -> list[str]:
    """Blocks, entities and predictions of a ``documents`` row lie inside ``text`` and match it;
    blocks are in order and never overlap nor contain a line break; ``text`` holds no U+FFFD."""
    text = row["text"]
    out = _replacement_problem(text, "text", where)
    prev_end = 0
    for i, b in enumerate(row["blocks"]):
        if not 0 <= b["start"] <= b["end"] <= len(text):
            out.append(f"{where}: blocks[{i}] offsets [{b['start']}, {b['end']}) out of bounds of a text of {len(text)} code points")
            continue
        if b["start"] < prev_end:
            out.append(f"{where}: blocks[{i}] starts at {b['start']}, before the end of the previous block ({prev_end})")
        if "\n" in text[b["start"] : b["end"]]:
            out.append(f"{where}: blocks[{i}] [{b['start']}, {b['end']}) contains a line break")
        prev_end = b["end"]
    out += _span_problems(row["entities"], text, "entities", where)
    out += _span_problems(row["predictions"], text, "predictions", where)
    return out


def sentence_problems(row: dict[str, Any], doc_text: str | None, where: str) -> list[str]:
    """A ``sentences`` row: ``text == documents.text[start:end]`` (when ``doc_text`` is known; None
    means the document is missing), it holds no U+FFFD, and its spans match the sentence text."""
    out = _replacement_problem(row["text"], "text", where)
    if doc_text is None:
        out.append(f"{where}: doc_id {row['doc_id']!r} has no row in the documents config")
    elif not 0 <= row["start"] < row["end"] <= len(doc_text):
        out.append(f"{where}: offsets [{row['start']}, {row['end']}) out of bounds of document {row['doc_id']!r} ({len(doc_text)} code points)")
    elif doc_text[row["start"] : row["end"]] != row["text"]:
        out.append(f"{where}: text != documents.text[{row['start']}:{row['end']}] of document {row['doc_id']!r}")
    out += _span_problems(row["entities"], row["text"], "entities", where)
    out += _span_problems(row["predictions"], row["text"], "predictions", where)
    return out


def ner_problems(row: dict[str, Any], where: str) -> list[str]:
    """A ``ner`` row has one tag per token and no U+FFFD in its tokens."""
    out = _replacement_problem("".join(row["tokens"]), "tokens", where)
    if len(row["tokens"]) != len(row["ner_tags"]):
        out.append(f"{where}: {len(row['tokens'])} tokens but {len(row['ner_tags'])} ner_tags")
    return out
