"""IOB2 well-formedness of the ``ner`` tags (corpus_builder.entities.bio_tags, the one conversion,
and the release's ner rows built on it), as properties over random token-aligned spans.

The example tests had no two entities of the same label side by side, so a conversion that
continued an entity into the next one of the same label ("Paris Lyon" as one LOC: B-LOC I-LOC)
passed them all. Here spans are drawn token-aligned, never overlapping, often adjacent and often
of the same label, and the tags must decode back into exactly those spans.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from corpus_builder.entities import bio_tags
from corpus_builder.records import ENTITY_LABELS, NER_TAGS, Span
from corpus_builder.release.rows import ner_row


def decode_iob2(tags: list[str]) -> list[tuple[int, int, str]]:
    """Entities as (first token, last token + 1, label), by the IOB2 rule: B- starts an entity,
    I- continues the one before when it has the same label."""
    out: list[list] = []
    for i, tag in enumerate(tags):
        if tag.startswith("B-"):
            out.append([i, i + 1, tag[2:]])
        elif tag.startswith("I-"):
            assert out and out[-1][1] == i and out[-1][2] == tag[2:], f"I- tag without its B-: {tags}"
            out[-1][1] = i + 1
    return [tuple(e) for e in out]


@st.composite
def tokens_and_spans(draw):
    """Tokens ``w0 w1 ...`` (code-point offsets into their text) and token-aligned spans over them:
    runs of 1-3 tokens, each followed by a gap of 0 (adjacent) or more tokens, labels drawn from
    few values so that neighbours often share one."""
    n = draw(st.integers(1, 14))
    words = [f"w{i}" for i in range(n)]
    text = " ".join(words)
    offsets, pos = [], 0
    for w in words:
        offsets.append((pos, pos + len(w)))
        pos += len(w) + 1
    spans, i = [], draw(st.integers(0, 2))
    while i < n:
        length = draw(st.integers(1, 3))
        j = min(n, i + length)
        label = draw(st.sampled_from(ENTITY_LABELS[:2]))
        start, end = offsets[i][0], offsets[j - 1][1]
        spans.append(Span(start, end, label, text[start:end]))
        i = j + draw(st.sampled_from([0, 0, 1, 2]))
    return text, offsets, spans


@settings(max_examples=400, deadline=None)
@given(tokens_and_spans())
def test_bio_tags_are_well_formed_and_decode_to_the_spans(case):
    text, offsets, spans = case
    tags = bio_tags(offsets, spans)
    assert len(tags) == len(offsets) and set(tags) <= set(NER_TAGS)
    for prev, tag in zip(["O", *tags], tags):  # IOB2: an I-X follows a B-X or an I-X
        if tag.startswith("I-"):
            assert prev in (f"B-{tag[2:]}", tag), tags
    starts = {s for s, _ in offsets}
    ends = {e for _, e in offsets}
    want = [(sorted(starts).index(s.start), sorted(ends).index(s.end) + 1, s.label) for s in spans]
    assert decode_iob2(tags) == want, (tags, spans)


@settings(max_examples=150, deadline=None)
@given(tokens_and_spans())
def test_release_ner_rows_keep_adjacent_entities_apart(case):
    text, offsets, spans = case
    sentence = {"doc_id": "d", "sent_index": 0, "text": text,
                "entities": [{"start": s.start, "end": s.end, "label": s.label, "text": s.text, "source": "prediction", "annotator": None} for s in spans]}
    nr = ner_row(sentence, lambda t: offsets)
    tags = [NER_TAGS[i] for i in nr.row["ner_tags"]]
    assert len(decode_iob2(tags)) == len(spans) and nr.misaligned == 0


def test_two_adjacent_places_are_two_entities():
    text = "Paris Lyon Marseille"
    offsets = [(0, 5), (6, 10), (11, 20)]
    spans = [Span(0, 5, "LOC", "Paris"), Span(6, 10, "LOC", "Lyon"), Span(11, 20, "LOC", "Marseille")]
    assert bio_tags(offsets, spans) == ["B-LOC", "B-LOC", "B-LOC"]
    assert bio_tags(offsets, [Span(0, 10, "LOC", text[:10]), Span(11, 20, "LOC", "Marseille")]) == ["B-LOC", "I-LOC", "B-LOC"]
