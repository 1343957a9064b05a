"""Tests for corpus_builder.clean: examples from the issue, the seed, and hypothesis properties."""

from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corpus_builder.clean import clean_text, detect_lang, make_doc_id, to_document
from corpus_builder.errors import InputError
from corpus_builder.records import RawDocument

# --- examples -----------------------------------------------------------------------------------


def test_crlf_and_cr_become_lf():
    assert clean_text("Première ligne.\r\nDeuxième ligne.\rTroisième.") == "Première ligne.\nDeuxième ligne.\nTroisième."


def test_no_break_and_thin_spaces_become_spaces():
    assert clean_text("12\u202f000\u00a0euros") == "12 000 euros"
    assert clean_text("Il a dit\u2009: «\u00a0non\u00a0»") == "Il a dit : « non »"
    assert clean_text("a\u3000b\u2003c") == "a b c"


def test_zero_width_characters_and_soft_hyphens_removed():
    assert clean_text("Air\u200bbus") == "Airbus"
    assert clean_text("\ufeffTotal\u2060Energies cons\u00adtruit") == "TotalEnergies construit"
    assert clean_text("Re\u200cnault") == "Renault"


def test_zero_width_joiner_kept_inside_an_emoji_sequence_only():
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"
    assert clean_text(f"La famille {family} arrive.") == f"La famille {family} arrive."
    assert clean_text("Air\u200dbus") == "Airbus"


def test_removed_zero_width_between_letter_and_accent_gives_nfc():
    assert clean_text("caf" + "e\u200b\u0301") == "café"
    assert clean_text("cafe\u0301") == "café"


def test_mojibake_repaired():
    assert clean_text("Il est allÃ© Ã\xa0 Nice.") == "Il est allé à Nice."
    assert clean_text("Le prÃ©sident a parlÃ©.") == "Le président a parlé."


@pytest.mark.parametrize(
    "text",
    [
        "L’équipe a gagné la ﬁnale à Lille.",  # curly apostrophe and ligature kept
        "Il a dit « bonjour » puis « au revoir ».",  # French quotes kept (spaces are plain here)
        "Bravo 🎉 à l’équipe 👍🏽 !",  # emoji, astral characters, skin tone modifier
        "Œuvre, cœur, Ça, À bientôt, naïve, Noël, ﬂeur.",
        "ＦＵＬＬ width stays",  # full-width forms kept
        "AT&amp;T reste écrit ainsi.",  # HTML entities are not unescaped
        "Titre\n\nPremier paragraphe.\nSecond paragraphe.",
        "Ελληνικά, русский, 日本語, עברית",
    ],
)
def test_clean_text_leaves_clean_text_unchanged(text):
    assert clean_text(text) == text


def test_whitespace_folding():
    raw = "\n\n  Titre  \t du   texte \n\n\n\n Paragraphe   un.   \n \n\t\n Paragraphe deux.\n\n"
    assert clean_text(raw) == "Titre du texte\n\nParagraphe un.\n\nParagraphe deux."


def test_other_line_breaks_become_lf_so_splitlines_agrees():
    out = clean_text("a\u2028b\u2029c\x0bd\x0ce")
    assert out == "a\nb\nc\nd\ne"
    assert out.splitlines() == out.split("\n")


def test_control_characters_lone_surrogates_and_replacement_characters_removed():
    assert clean_text("a\x01b\x7fc\x1b[31md") == "abcd"
    assert clean_text("x\ud800y") == "xy"
    assert clean_text("d\ufffdj\ufffd\ufffd vu") == "dj vu"


def test_a_lossy_sequence_ftfy_replaces_never_leaves_a_replacement_character():
    # "cafÃ" + a byte lost in an earlier decoding: ftfy (replace_lossy_sequences) reads the pair
    # as one lost character, U+FFFD, which cleaning then removes
    import ftfy

    from corpus_builder.clean import FTFY_CONFIG

    assert ftfy.fix_text("caf\u00c3\ufffd", FTFY_CONFIG) == "caf\ufffd"
    assert clean_text("caf\u00c3\ufffd") == "caf"


def test_empty_and_invisible_only_text_cleans_to_empty():
    assert clean_text("") == ""
    assert clean_text(" \n\u00a0\u200b\t\r\n") == ""


def test_seed_changes_only_in_whitespace(seed_path):
    raw = seed_path.read_bytes().decode("utf-8")
    cleaned = clean_text(raw)
    assert cleaned, "the seed cleans to some text"
    assert re.sub(r"\s+", "", cleaned) == re.sub(r"\s+", "", raw)
    assert clean_text(cleaned) == cleaned
    assert "Huawei prêt à renforcer sa sécurité pour rester dans le marché 5G" in cleaned
    assert "LES ÉVÉNEMENTS L’USINE NOUVELLE" in cleaned  # curly apostrophe kept


# --- doc ids, language, documents ---------------------------------------------------------------


def test_make_doc_id_is_stable_and_content_addressed():
    a = make_doc_id("Le texte.")
    assert a == make_doc_id("Le texte.")
    assert re.fullmatch(r"doc-[0-9a-f]{16}", a)
    assert a != make_doc_id("Le texte!")


@pytest.mark.parametrize(
    "text,lang",
    [
        ("Le groupe chinois Huawei est prêt à prendre toutes les mesures de sécurité nécessaires.", "fr"),
        ("Les Etats-Unis font pression sur leurs alliés pour qu'ils refusent de s'équiper auprès de Huawei.", "fr"),
        ("Il est allé à Nice.", "fr"),
        ("The Chinese group Huawei is ready to take all the security measures needed in Europe.", "en"),
        ("Google said on Tuesday it would cut jobs in its cloud unit.", "en"),
        ("Der Hund ist groß und läuft schnell nach Hause.", "de"),
        ("12 000 — 45 %", "und"),
        ("", "und"),
    ],
)
def test_detect_lang(text, lang):
    assert detect_lang(text) == lang


def test_to_document_cleans_and_derives_id_and_lang():
    raw = RawDocument(source="a.txt", raw_sha256="0" * 64, text="  Il est allÃ© Ã\xa0 Nice.\r\n", format="txt")
    doc = to_document(raw)
    assert doc.text == "Il est allé à Nice."
    assert doc.doc_id == make_doc_id("Il est allé à Nice.")
    assert doc.lang == "fr"
    assert (doc.source, doc.raw_sha256) == ("a.txt", "0" * 64)
    assert doc.blocks == () and doc.sentences == () and doc.entities == ()
    assert doc.main_text is None


def test_to_document_keeps_given_id_lang_and_cleans_main_text():
    raw = RawDocument(
        source="c.jsonl#L3",
        raw_sha256="1" * 64,
        text="Hello\u00a0world, this is English.",
        format="html",
        doc_id="article-7",
        meta={"lang": "EN", "site": "x"},
        main_text="Hello\u00a0world",
    )
    doc = to_document(raw)
    assert (doc.doc_id, doc.lang, doc.main_text) == ("article-7", "en", "Hello world")
    assert doc.meta == {"lang": "EN", "site": "x"}


def test_to_document_rejects_empty_cleaned_text():
    with pytest.raises(InputError, match="empty.txt"):
        to_document(RawDocument(source="empty.txt", raw_sha256="2" * 64, text="\u200b \u00a0\n", format="txt"))


# --- properties ---------------------------------------------------------------------------------

_SPECIALS = st.sampled_from(
    list("\r\n\t \u00a0\u202f\u2009\u200b\u200c\u200d\u2060\ufeff\u00ad\u2028\x0c\x85\u0301\u0308\u0327")
    + ["\r\n", "Ã©", "Ã\xa0", "â€™", "Ã", "\ufffd", "\ud83d", "â€\ufffd", "🎉", "👨\u200d👩", "\U0001f3fd", "\U00010348", "ﬁ", "«", "’"]
)
_TEXT = st.lists(
    st.one_of(st.text(max_size=8), st.text(alphabet=st.characters(codec="utf-8"), max_size=8), _SPECIALS),
    max_size=30,
).map("".join)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_TEXT)
def test_clean_text_is_idempotent(text):
    once = clean_text(text)
    assert clean_text(once) == once


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_TEXT)
def test_clean_text_output_invariants(text):
    out = clean_text(text)
    for forbidden in ("\r", "\u00a0", "\u202f", "\u200b", "\u00ad", "\ufeff", "\ufffd", "\t", "  ", "\n\n\n", " \n", "\n "):
        assert forbidden not in out
    assert out == out.strip(" \n")
    assert out.splitlines() == out.split("\n") or out == ""
    assert all(unicodedata.category(ch) != "Zs" or ch == " " for ch in out)
    assert unicodedata.is_normalized("NFC", out)
    assert not any("\ud800" <= ch <= "\udfff" for ch in out)


def _gold_sentences(folder):
    (conllu,) = folder.glob("*.conllu")
    return [line[len("# text = ") :].strip() for line in conllu.open(encoding="utf-8") if line.startswith("# text = ")]


def test_detect_lang_on_gold_news_sentences(shared_data):
    """Sentences of 8+ words from the French (Sequoia, regional news) and English (EWT) gold sets.
    Measured: fr 244/244, en 180/185 (the misses are name lists like "Cossor Ali, 24, London E17")."""
    gold = shared_data / "gold" / "sentences"
    for folder, lang, floor in (("sequoia-annodis-er-fr-dev", "fr", 0.99), ("ewt-en-dev", "en", 0.95)):
        sentences = [s for s in _gold_sentences(gold / folder) if len(s.split()) >= 8]
        hits = sum(detect_lang(s) == lang for s in sentences)
        assert hits / len(sentences) >= floor, (folder, hits, len(sentences))
