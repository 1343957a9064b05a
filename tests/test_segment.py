"""Sentence splitting inside blocks: French rules, model guidance, tiling."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corpus_builder.records import Block, Span
from corpus_builder.segment import split_sentences


def split(text: str, entities=(), model_starts=None) -> list[str]:
    sents = split_sentences(text, Block(0, len(text)), 0, entities, model_starts)
    return [text[s.start : s.end] for s in sents]


def test_french_quotes_around_two_sentences() -> None:
    # Decided from the Sequoia gold: a quote holding complete sentences is split inside, and the
    # closing quote stays with the sentence it ends.
    text = "Il a dit : « Il vient. Il part. » Puis il s'en est allé."
    assert split(text) == ["Il a dit : « Il vient.", "Il part. »", "Puis il s'en est allé."]


def test_a_short_quote_followed_by_lower_case_is_not_split() -> None:
    assert split("« Pourquoi ? » demande-t-il. « Oui ! » dit-elle.") == [
        "« Pourquoi ? » demande-t-il.",
        "« Oui ! » dit-elle.",
    ]


def test_straight_quotes_keep_the_closing_quote() -> None:
    text = 'Il a précisé : "C\'est une vieille histoire. Elle continue". Ensuite il est parti.'
    assert split(text) == ['Il a précisé : "C\'est une vieille histoire.', 'Elle continue".', "Ensuite il est parti."]


@pytest.mark.parametrize("with_model", [False, True])
def test_dateline_stays_one_sentence(with_model: bool) -> None:
    text = "VARSOVIE (Reuters) - Le groupe Orlen a annoncé jeudi une hausse de ses bénéfices."
    starts = [0, text.index("Le groupe"), text.index("(Reuters)")] if with_model else None
    assert split(text, model_starts=starts) == [text]


def test_headline_without_final_punctuation_is_one_sentence() -> None:
    assert split("Une nouvelle école pour la commune") == ["Une nouvelle école pour la commune"]


def test_headline_glued_to_its_text_is_split_before_a_sentence_opener() -> None:
    text = "Cyclisme Les cyclistes se retrouvent demain. Le départ est à 9 h."
    assert split(text) == ["Cyclisme", "Les cyclistes se retrouvent demain.", "Le départ est à 9 h."]
    assert split("Il lit le journal Le Monde tous les jours.") == ["Il lit le journal Le Monde tous les jours."]


def test_a_model_start_after_a_headline_word_is_used() -> None:
    text = "Amélioration de la sécurité Le maire a invité le conseil."
    assert split(text, model_starts=[0, text.index("Le maire")]) == [
        "Amélioration de la sécurité",
        "Le maire a invité le conseil.",
    ]


@pytest.mark.parametrize(
    "text",
    [
        "M. Dupont et Mme Durand ont vu le Dr Martin hier.",
        "Le site date du IIe siècle av. J.-C. selon les fouilles.",
        "Il achète des pommes, des poires, etc. et des prunes.",
        "J. Chirac et J.-P. Raffarin étaient présents.",
        "Le taux passe de 3.5 % à 2.700.000 F cette année.",
        "Voir https://www.exemple.fr/a.b?c=1. et le site www.exemple.org aussi.",
        "Il attend... puis il repart.",
        "Écrivez à jean.dupont@exemple.fr pour en savoir plus.",
    ],
)
def test_no_boundary_after_abbreviations_initials_numbers_urls(text: str) -> None:
    assert split(text) == [text]


def test_ellipses_end_sentences_before_a_capital() -> None:
    assert split("Il attend… Puis il part. Il revient... Enfin !") == [
        "Il attend…",
        "Puis il part.",
        "Il revient...",
        "Enfin !",
    ]


def test_ambiguous_abbreviation_ends_a_sentence_before_a_function_word() -> None:
    text = "Le site date de 50 av. J.-C. Les fouilles continuent."
    assert split(text) == ["Le site date de 50 av. J.-C.", "Les fouilles continuent."]
    assert split("Ils vendent du pain, du lait, etc. Le marché ferme à midi.") == ["Ils vendent du pain, du lait, etc.", "Le marché ferme à midi."]
    assert split("He moved to the U.S. In 2004 he opened a shop.") == ["He moved to the U.S.", "In 2004 he opened a shop."]


def test_ambiguous_abbreviation_before_a_name_ends_a_sentence_only_when_the_model_says_so() -> None:
    text = "Les colis étaient remis à J.-C. Martin ou à sa fille."
    assert split(text) == [text]
    text = "The U.S. Army was there. It was in the U.S. Boston was next."
    assert split(text) == ["The U.S. Army was there.", "It was in the U.S. Boston was next."]
    assert split(text, model_starts=[0, text.index("Boston")]) == ["The U.S. Army was there.", "It was in the U.S.", "Boston was next."]


def test_english_paragraph() -> None:
    text = (
        "Mr. Smith went to Washington. He met Dr. Jones at 5 p.m. on Monday. "
        "The U.S. Army was there, e.g. Gen. Miller! Was it fun? Yes."
    )
    assert split(text) == [
        "Mr. Smith went to Washington.",
        "He met Dr. Jones at 5 p.m. on Monday.",
        "The U.S. Army was there, e.g. Gen. Miller!",
        "Was it fun?",
        "Yes.",
    ]


def test_punctuation_only_piece_is_attached_to_the_previous_sentence() -> None:
    assert split("Il a gagné. (!) Bravo.") == ["Il a gagné. (!)", "Bravo."]
    assert split("Il a gagné. Bravo. ...", model_starts=[0, 12, 19]) == ["Il a gagné.", "Bravo. ..."]


def test_no_boundary_inside_an_entity() -> None:
    text = "Le groupe Yahoo! Inc. a annoncé des résultats."
    ent = Span(text.index("Yahoo"), text.index(" a annoncé"), "ORG", "Yahoo! Inc.")
    assert split(text) != [text]  # the rules alone would cut after "Yahoo!"
    assert split(text, entities=[ent]) == [text]


def test_sentences_carry_document_offsets_and_block_index() -> None:
    text = "Titre\n🎉 Il pleut. Il vente.\n"
    block = Block(6, len(text) - 1)
    sents = split_sentences(text, block, 1)
    assert [(text[s.start : s.end], s.block_index) for s in sents] == [("🎉 Il pleut.", 1), ("Il vente.", 1)]
    assert split_sentences(text, Block(0, 0), 0) == []


def test_model_starts_outside_the_block_are_ignored() -> None:
    text = "Premier Bloc Ici\nOrage sur Paris Le Figaro titre"
    block = Block(17, len(text))
    sents = split_sentences(text, block, 1, model_starts=[0, 8, 17, len(text) + 3])
    assert [text[s.start : s.end] for s in sents] == ["Orage sur Paris Le Figaro titre"]
    sents = split_sentences(text, block, 1, model_starts=[text.index("Le")])
    assert [text[s.start : s.end] for s in sents] == ["Orage sur Paris", "Le Figaro titre"]


# --- properties ----------------------------------------------------------------------------------

chars = st.sampled_from(list("aZé .!?…\"«»()-,;:'\t") + ["🎉", "𝔸", "M.", "etc.", " Le ", "...", "http://x.fr/a.b", "3.5"])


@settings(max_examples=300, deadline=None)
@given(st.lists(chars, max_size=50).map("".join), st.data())
def test_sentences_tile_their_block(body: str, data: st.DataObject) -> None:
    text = "xx\n" + body + "\nyy"
    block = Block(3, 3 + len(body))
    n = len(text)
    model = data.draw(st.one_of(st.none(), st.lists(st.integers(0, n), max_size=8)))
    ents = []
    for _ in range(data.draw(st.integers(0, 2))):
        a = data.draw(st.integers(block.start, block.end))
        b = data.draw(st.integers(a, block.end))
        if text[a:b].strip() == text[a:b] != "":  # entities carry no outer whitespace (repair_spans)
            ents.append(Span(a, b, "PER", text[a:b]))
    sents = split_sentences(text, block, 7, ents, model)
    covered = []
    prev_end = block.start
    for s in sents:
        assert block.start <= prev_end <= s.start < s.end <= block.end
        piece = text[s.start : s.end]
        assert piece == piece.strip() and piece
        assert s.block_index == 7
        assert text[prev_end : s.start].strip() == ""  # nothing but whitespace between sentences
        covered.append(piece)
        prev_end = s.end
    assert text[prev_end : block.end].strip() == ""
    assert "".join("".join(p.split()) for p in covered) == "".join(body.split())
    for e in ents:  # no boundary strictly inside an entity
        assert not any(e.start < s.start < e.end for s in sents)


def test_no_model_boundary_inside_parentheses() -> None:
    text = "(Anna Koper, Janis Laizans; Jean-Stéphane Brosse pour le service français)"
    assert split(text, model_starts=[0, text.index("Jean")]) == [text]
    text = "Le comité : président, Luc Stéfann ; trésorière, Marie Joyot ; secrétaire, Paul Roux."
    assert split(text, model_starts=[0, text.index("trésorière"), text.index("secrétaire")]) == [
        "Le comité : président, Luc Stéfann ;",
        "trésorière, Marie Joyot ;",
        "secrétaire, Paul Roux.",
    ]


def test_lower_case_sentence_after_a_plain_word_and_a_period() -> None:
    assert split("yeah, like mcdonald's. that may be too nice. ok") == ["yeah, like mcdonald's.", "that may be too nice.", "ok"]
    assert split("Il a vu M. le maire, cf. le rapport, etc. et tout.") == ["Il a vu M. le maire, cf. le rapport, etc. et tout."]


def test_stop_words_are_read_without_importing_the_language_package():
    """spaCy's lists, without the 2-4 s of spacy.lang.fr's tokenizer exceptions (studio pull)."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from corpus_builder.wordlists import spacy_stop_words\n"
        "fr, en = spacy_stop_words('fr'), spacy_stop_words('en')\n"
        "assert 'avec' in fr and 'because' in en and 'paris' not in fr, (len(fr), len(en))\n"
        "assert 'spacy.lang.fr' not in sys.modules and 'spacy.lang.en' not in sys.modules\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


def test_stop_words_for_a_language_spacy_lacks_is_a_clear_error():
    from corpus_builder.errors import ConfigError
    from corpus_builder.wordlists import spacy_stop_words

    with pytest.raises(ConfigError, match="no stop-word list for language 'xx'"):
        spacy_stop_words("xx")


# --- error families seen on uncontaminated French text (issue 10); sentences written for these tests


def _model_everywhere(text: str) -> list[int]:
    """A sentence model that starts a sentence after every space: the worst case the rules must
    filter (the real senter over-splits on text it was not trained on)."""
    return [i + 1 for i, ch in enumerate(text) if ch == " "]


@pytest.mark.parametrize(
    "text",
    [
        "La digue a cédé dans la nuit ; les habitants du quartier ont été relogés à la mairie.",
        "Le train était en retard ; personne ne savait pourquoi.",
        "The shop closed early; nobody knew why.",
        "We missed the bus; then it started to rain.",
    ],
)
def test_a_lone_semicolon_never_ends_a_sentence(text: str) -> None:
    assert split(text, model_starts=[0, text.index(";") + 2]) == [text]


def test_semicolons_of_an_enumeration_end_its_items_when_the_model_says_so() -> None:
    text = "Invités : Anne Morel, 31 ans, Nancy; Paul Ribot, 40 ans, Metz; Léa Brun, 25 ans, Épinal."
    starts = [0, text.index("Paul"), text.index("Léa")]
    assert split(text, model_starts=starts) == [
        "Invités : Anne Morel, 31 ans, Nancy;",
        "Paul Ribot, 40 ans, Metz;",
        "Léa Brun, 25 ans, Épinal.",
    ]
    # without the model, no boundary: the rules alone never end a sentence at ";"
    assert split(text) == [text]


@pytest.mark.parametrize(
    "text",
    [
        "Le romancier rencontra Marie Claire Dubois au festival de Cannes.",
        "En 1952, le paquebot français Normandie Express quitta le port du Havre.",
        "Selon la presse locale Jean Luc Il était présent, mais personne ne l'a vu.",
        "She met Anna Maria Lopez at the conference in Lisbon.",
        "Last year the novelist Peter Paul Grant moved to Dublin.",
    ],
)
def test_no_boundary_inside_a_title_case_name(text: str) -> None:
    assert split(text, model_starts=_model_everywhere(text)) == [text]


def test_a_glued_headline_ends_before_any_capitalised_function_word_the_model_starts() -> None:
    # Family "headline glued to its text" (Sequoia annodis.er): the heading ends before a
    # capitalised preposition, conjunction or adverb of the stop-word lists too ("Au cours de…",
    # "Pour…", "Que…"), not only before a determiner or pronoun. Measured on the Deep Sequoia
    # train file's parts the rule was not written from (emea 0.735 -> 0.767 and 0.910 -> 0.934,
    # frwiki 0.861 -> 0.866), precision unchanged; PUD and EWT unchanged.
    text = "Une salle rénovée pour les aînés Au cours de la soirée, le maire a remercié les bénévoles."
    assert split(text, model_starts=[0, text.index("Au cours")]) == [
        "Une salle rénovée pour les aînés",
        "Au cours de la soirée, le maire a remercié les bénévoles.",
    ]
    text = "Travaux sur la départementale Pour les riverains, la gêne durera trois semaines."
    assert split(text, model_starts=[0, text.index("Pour")]) == [
        "Travaux sur la départementale",
        "Pour les riverains, la gêne durera trois semaines.",
    ]
    # without the model, or after a function word, or inside a title-case name: no boundary
    assert split(text) == [text]
    text = "Il a lu le roman de Pour une nuit au festival."
    assert split(text, model_starts=[0, text.index("Pour")]) == [text]


def test_a_glued_headline_still_ends_before_an_opener() -> None:
    # the principled part that stays: a headline without punctuation, then a determiner
    text = "Marché de Noël à Toul Les exposants sont arrivés dès l'aube."
    assert split(text, model_starts=[0, text.index("Les")]) == ["Marché de Noël à Toul", "Les exposants sont arrivés dès l'aube."]
    text = "Décès de Paul Girard M. Girard avait 80 ans."
    assert split(text) == ["Décès de Paul Girard", "M. Girard avait 80 ans."]


@pytest.mark.parametrize(
    "text",
    [
        "Elle a joué dans « Qui a tué Paul ? Personne » au théâtre de Reims.",
        "« Nous partons demain. Le bateau est prêt », a déclaré le capitaine.",
        "« Rentrez chez vous ! Il est tard » lança la gardienne.",
        'He sang "Where are you now? Nobody knows" at the end of the show.',
        '"We are ready. The team is here," the coach said.',
    ],
)
def test_no_boundary_inside_a_quotation_the_sentence_goes_on_after(text: str) -> None:
    assert split(text, model_starts=_model_everywhere(text)) == [text]


def test_a_quotation_that_ends_its_sentence_may_still_hold_boundaries() -> None:
    text = "Le maire a répondu : « Les travaux commencent lundi. Ils dureront un mois. »"
    assert split(text) == ["Le maire a répondu : « Les travaux commencent lundi.", "Ils dureront un mois. »"]


@pytest.mark.parametrize(
    "text",
    [
        "Il cita le texte : « Nous voulons […] Des écoles pour tous » devant la foule.",
        "Le ministre a promis (...) Des moyens nouveaux pour les hôpitaux.",
        "Elle a visité les capitales… Rome, Madrid et Lisbonne en une semaine.",
        "He listed the towns... Boston, Denver and Austin, all in one week.",
    ],
)
def test_an_ellipsis_that_continues_the_sentence(text: str) -> None:
    assert split(text) == [text]


def test_an_ellipsis_before_a_capitalised_function_word_ends_the_sentence() -> None:
    assert split("Je ne sais plus… Il faisait nuit.") == ["Je ne sais plus…", "Il faisait nuit."]
    assert split("I waited and waited... The bus never came.") == ["I waited and waited...", "The bus never came."]
    # before a name, the sentence model decides
    text = "Nous avons attendu... Pierre est enfin arrivé."
    assert split(text) == [text]
    assert split(text, model_starts=[0, text.index("Pierre")]) == ["Nous avons attendu...", "Pierre est enfin arrivé."]


@pytest.mark.parametrize("with_model", [False, True])
def test_numbered_list_markers_stay_with_their_item(with_model: bool) -> None:
    text = "Recette : 1. Battez les oeufs. 2. Ajoutez la farine. 3. Laissez reposer une heure."
    starts = _model_everywhere(text) if with_model else None
    got = split(text, model_starts=starts)
    if with_model:  # the model may over-split elsewhere, but never after a list marker
        assert not any(s in ("1.", "2.", "3.") for s in got)
        assert "2. Ajoutez la farine." in got
    else:
        assert got == ["Recette : 1. Battez les oeufs.", "2. Ajoutez la farine.", "3. Laissez reposer une heure."]
    assert split("1. Open the box. 2. Take out the manual.") == ["1. Open the box.", "2. Take out the manual."]
    assert split("a. Les rues. b. Les places.") == ["a. Les rues.", "b. Les places."]


def test_a_number_after_a_word_may_still_end_a_sentence() -> None:
    assert split("Le roi mourut en 1492. Son fils lui succéda.") == ["Le roi mourut en 1492.", "Son fils lui succéda."]
    assert split("Lisez le chapitre 3. Il explique tout.") == ["Lisez le chapitre 3.", "Il explique tout."]
