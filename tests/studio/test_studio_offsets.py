"""The code point ↔ UTF-16 boundary (corpus_builder.studio.tasks.OffsetMap)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from corpus_builder.studio.tasks import OffsetMap, cp_to_utf16, utf16_to_cp


def test_emoji_shifts_utf16_offsets_after_it():
    text = "Salon 😀 : Gabriel Attal à Paris"
    cp = text.index("Gabriel")
    assert cp_to_utf16(text, cp) == cp + 1  # one astral character before it
    assert utf16_to_cp(text, cp + 1) == cp
    assert cp_to_utf16(text, text.index("😀")) == text.index("😀")  # nothing astral before the emoji itself


def test_offset_inside_surrogate_pair_is_refused():
    text = "a😀b"
    with pytest.raises(ValueError, match="surrogate"):
        utf16_to_cp(text, 2)


def test_crlf_and_combining_characters_are_one_unit_each():
    text = "Ligne\r\nCafe\u0301 à Montréal"  # CR, LF and U+0301 are BMP code points
    m = OffsetMap(text)
    assert not m.has_astral
    assert all(m.to_utf16(i) == i for i in range(len(text) + 1))
    assert m.utf16_len == len(text.encode("utf-16-le")) // 2


def test_skin_tone_sequence_counts_two_astral_characters():
    text = "👍🏽 Lyon"
    m = OffsetMap(text)
    assert m.to_utf16(text.index("Lyon")) == text.index("Lyon") + 2
    assert text[m.to_codepoint(5) : m.to_codepoint(9)] == "Lyon"


def test_out_of_range_offsets_raise():
    m = OffsetMap("abc")
    with pytest.raises(ValueError):
        m.to_utf16(4)
    with pytest.raises(ValueError):
        m.to_codepoint(-1)


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40))
def test_round_trip_matches_python_utf16_encoding(text):
    m = OffsetMap(text)
    for cp in range(len(text) + 1):
        u16 = m.to_utf16(cp)
        assert u16 == len(text[:cp].encode("utf-16-le")) // 2
        assert m.to_codepoint(u16) == cp
