"""Token offsets + entity spans → IOB2 tags (the ``ner`` config's ``ner_tags``).

Kept here until :func:`corpus_builder.entities.bio_tags` lands; there must be one implementation in
the end (the release then imports it from ``entities``).
"""

from __future__ import annotations

from collections.abc import Sequence

from ..records import Span


def bio_tags(token_offsets: Sequence[tuple[int, int]], spans: Sequence[Span]) -> list[str]:
    """IOB2 tag of every token: ``B-<label>`` on the first token of a span, ``I-<label>`` on the
    next ones, ``O`` elsewhere.

    ``token_offsets``: ``(start, end)`` code points, end-exclusive, over the same text as the
    spans' offsets, in text order. A token belongs to a span when they overlap (a span boundary
    inside a token tags the whole token, as spaCy's ``char_span(alignment_mode="expand")``); a
    token overlapping two spans takes the first span in text order. Example (spaCy French
    tokenizer): "l'Institut du radium" with ORG over "Institut du radium" gives
    l' → O, Institut → B-ORG, du → I-ORG, radium → I-ORG.
    """
    tags = ["O"] * len(token_offsets)
    for span in sorted(spans, key=lambda s: (s.start, s.end)):
        first = True
        for i, (start, end) in enumerate(token_offsets):
            if start < span.end and end > span.start and tags[i] == "O":
                tags[i] = ("B-" if first else "I-") + span.label
                first = False
            elif start >= span.end:
                break
    return tags


def is_aligned(token_offsets: Sequence[tuple[int, int]], span: Span) -> bool:
    """True when ``span`` starts at a token start and ends at a token end (no token is cut)."""
    starts = {s for s, _ in token_offsets}
    ends = {e for _, e in token_offsets}
    return span.start in starts and span.end in ends
