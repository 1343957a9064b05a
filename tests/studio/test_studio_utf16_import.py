"""UTF-16 offsets coming back from Label Studio, with several astral characters per document.

The other fixtures have one emoji per document, and their expected offsets come from the
project's own ``OffsetMap``: a conversion that subtracted the *total* number of astral characters
(instead of those before the offset) passed them all, since every span after the one emoji has
the same count either way. Here the expected offsets come from ``str.encode("utf-16-le")``, spans
sit between emoji, and the surface text repeats so that re-anchoring cannot hide a wrong
conversion.
"""

from __future__ import annotations

from hypothesis import assume, given, settings
from hypothesis import strategies as st
from studio_helpers import annotation, exported_task, make_document

from corpus_builder.studio.merge import locate_span, merge_tasks
from corpus_builder.studio.tasks import OffsetMap

TEXT = "Lyon 😀 Lyon 🎉🎉 Lyon 👍🏽 Lyon 𝕏 Lyon.\nPartager 🔗 Lyon"


def utf16(text: str, cp: int) -> int:
    """UTF-16 code units before code point ``cp``, from Python's own encoder."""
    return len(text[:cp].encode("utf-16-le")) // 2


def occurrences(text: str, surface: str) -> list[int]:
    out, i = [], text.find(surface)
    while i >= 0:
        out.append(i)
        i = text.find(surface, i + 1)
    return out


def browser_region(text: str, cp: int, surface: str, label: str, rid: str, from_name: str = "label") -> dict:
    return {"id": rid, "from_name": from_name, "to_name": "text", "type": "labels",
            "value": {"start": utf16(text, cp), "end": utf16(text, cp + len(surface)), "text": surface, "labels": [label]}}


def test_every_span_between_several_emoji_converts_to_its_own_code_points():
    starts = occurrences(TEXT, "Lyon")
    assert len(starts) == 6 and sum(ord(ch) > 0xFFFF for ch in TEXT) == 7
    omap = OffsetMap(TEXT)
    for cp in starts:
        u16s, u16e = utf16(TEXT, cp), utf16(TEXT, cp + 4)
        assert u16s > cp or cp == 0  # the browser's offsets differ after the first emoji
        assert locate_span(TEXT, omap, u16s, u16e, "Lyon") == ((cp, cp + 4, "codepoint") if u16s == cp else (cp, cp + 4, "utf16"))


def test_import_of_a_browser_annotation_with_several_emoji_per_document():
    doc = make_document("doc-emojis", TEXT, [("Lyon", "LOC")], {1: "share"})
    starts = occurrences(TEXT, "Lyon")
    results = [browser_region(TEXT, cp, "Lyon", "LOC", f"r{i}") for i, cp in enumerate(starts)]
    line2 = TEXT.index("Partager")
    results.append(browser_region(TEXT, line2, TEXT[line2:], "share", "b1", from_name="boilerplate"))
    res = merge_tasks({doc.doc_id: doc}, [exported_task(1, doc, [annotation(11, results)])])
    merged = res.documents[doc.doc_id]
    assert sorted((s.start, s.end) for s in merged.entities) == [(cp, cp + 4) for cp in starts]
    assert all(merged.text[s.start : s.end] == "Lyon" for s in merged.entities)
    summary = res.summary()
    assert summary["utf16_converted"] == 6  # 5 entities after an emoji and the block; the first "Lyon" fits as sent
    assert summary.get("reanchored", 0) == 0 and summary["reported"] == 0, summary
    assert [b.boilerplate_label for b in merged.blocks] == [None, "share"]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["Nice", " ", "😀", "🎉", "é", "𝕏", "a"]), min_size=1, max_size=30))
def test_property_utf16_offsets_from_the_encoder_locate_every_word(parts):
    text = "".join(parts)
    omap = OffsetMap(text)
    for cp in occurrences(text, "Nice"):
        u16s, u16e = utf16(text, cp), utf16(text, cp + 4)
        # When the UTF-16 offsets of one "Nice" are also the code points of another
        # ("😀😀😀😀NiceNice"), a lone region is ambiguous: test_an_ambiguous_region_is_reported.
        assume(u16s == cp or text[u16s:u16e] != "Nice")
        s, e, _ = locate_span(text, omap, u16s, u16e, "Nice")
        assert (s, e) == (cp, cp + 4)


AMBIGUOUS = "😀😀😀😀😀 Nice Nice Nice"  # the UTF-16 offsets of the first "Nice" are the code points of the second


def test_an_ambiguous_region_is_placed_by_the_annotation_s_other_regions_or_reported():
    # The gap: a region whose offsets fit as code points at one "Nice" and as UTF-16 units at
    # another was silently read as code points, a span moved to the wrong occurrence.
    first = AMBIGUOUS.index("Nice")
    u16s, u16e = utf16(AMBIGUOUS, first), utf16(AMBIGUOUS, first + 4)
    assert AMBIGUOUS[u16s:u16e] == "Nice" and u16s != first
    omap = OffsetMap(AMBIGUOUS)
    assert locate_span(AMBIGUOUS, omap, u16s, u16e, "Nice") == (-1, -1, "ambiguous")
    assert locate_span(AMBIGUOUS, omap, u16s, u16e, "Nice", "utf16") == (first, first + 4, "utf16")
    assert locate_span(AMBIGUOUS, omap, u16s, u16e, "Nice", "codepoint") == (u16s, u16e, "codepoint")

    doc = make_document("doc-ambiguous", AMBIGUOUS, [], {})
    alone = [browser_region(AMBIGUOUS, first, "Nice", "LOC", "r1")]
    res = merge_tasks({doc.doc_id: doc}, [exported_task(1, doc, [annotation(11, alone)])])
    assert res.summary()["reported"] == 1 and not res.documents[doc.doc_id].entities
    assert any("ambiguous" in r.reason for r in res.reports)

    # the same region with one that fits only as UTF-16 (the last "Nice"): the annotation counts
    # in UTF-16 units, so the first region is the first "Nice"
    last = AMBIGUOUS.rindex("Nice")
    both = alone + [browser_region(AMBIGUOUS, last, "Nice", "LOC", "r2")]
    res = merge_tasks({doc.doc_id: doc}, [exported_task(2, doc, [annotation(12, both)])])
    assert sorted((s.start, s.end) for s in res.documents[doc.doc_id].entities) == [(first, first + 4), (last, last + 4)]
    assert res.summary()["reported"] == 0
