"""Blocks and boilerplate labelling: seed document, hand-written pages, corpus statistics, gold."""

from __future__ import annotations

import collections
import gzip
import json
import pickle
import re
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from trafilatura.utils import decode_file

from corpus_builder.boilerplate import (
    MIN_CORPUS_DOCS,
    CorpusStats,
    label_blocks,
    load_cues,
    parse_cues,
    split_blocks,
    stoplist,
)
from corpus_builder.errors import ConfigError
from corpus_builder.html import extract_html
from corpus_builder.records import BOILERPLATE_LABELS, Document

try:  # the clean stage, once merged; until then NFC + line-break folding is what it does here
    from corpus_builder.clean import clean_text
except ImportError:  # pragma: no cover - depends on merge order

    def clean_text(text: str) -> str:
        return unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))


def make_doc(text: str, lang: str = "fr", main_text: str | None = None) -> Document:
    return Document(doc_id="d", source="test", text=clean_text(text), lang=lang, raw_sha256="0" * 64, main_text=main_text)


def labelled(doc: Document, stats: CorpusStats | None = None) -> list[tuple[str, str | None]]:
    """(block text, label) pairs; label None for content."""
    blocks = label_blocks(doc, stats)
    for b in blocks:
        assert b.is_boilerplate == (b.boilerplate_label is not None)
        assert b.boilerplate_label is None or b.boilerplate_label in BOILERPLATE_LABELS
        assert b.source == "prediction"
    return [(doc.text[b.start : b.end], b.boilerplate_label) for b in blocks]


def label_of(pairs: list[tuple[str, str | None]], prefix: str, nth: int = 0) -> str | None:
    hits = [label for text, label in pairs if text.startswith(prefix)]
    assert len(hits) > nth, f"no block #{nth} starting with {prefix!r}"
    return hits[nth]


def content_of(pairs: list[tuple[str, str | None]]) -> list[str]:
    return [text for text, label in pairs if label is None]


# ------------------------------------------------------------------------------------------
# split_blocks


def test_split_blocks_offsets_are_code_points_and_skip_blank_lines() -> None:
    text = "Titre 🎉\n\n  \nPremier paragraphe.\nSecond 𝒜 paragraphe.\n"
    blocks = split_blocks(text)
    assert [text[b.start : b.end] for b in blocks] == ["Titre 🎉", "Premier paragraphe.", "Second 𝒜 paragraphe."]
    assert blocks[1].start == len("Titre 🎉\n\n  \n")  # the emoji counts as one code point
    assert all(not b.is_boilerplate and b.boilerplate_label is None for b in blocks)
    assert split_blocks("") == () and split_blocks("\n \n") == ()


_LINES = st.lists(
    st.one_of(
        st.text(alphabet=st.characters(blacklist_characters="\n", blacklist_categories=("Cs",)), max_size=80),
        st.sampled_from(["Partager", "Accueil", "© 2024 Site", "Lire aussi", "   ", "",
                         "Le conseil municipal a voté mardi la construction de deux pistes cyclables."]),
    ),
    max_size=25,
)  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(lines=_LINES, with_main=st.booleans(), lang=st.sampled_from(["fr", "en", "xx"]))
def test_blocks_tile_the_non_blank_lines_and_labels_are_valid(lines: list[str], with_main: bool, lang: str) -> None:
    text = "\n".join(lines)
    blocks = split_blocks(text)
    assert [text[b.start : b.end] for b in blocks] == [line for line in lines if line.strip()]
    doc = Document(doc_id="d", source="t", text=text, lang=lang, raw_sha256="0", main_text=lines[-1] if with_main and lines else None)
    labelled_blocks = label_blocks(doc)
    assert [(b.start, b.end) for b in labelled_blocks] == [(b.start, b.end) for b in blocks]
    for b in labelled_blocks:
        assert b.is_boilerplate == (b.boilerplate_label is not None)
        assert b.boilerplate_label is None or b.boilerplate_label in BOILERPLATE_LABELS


# ------------------------------------------------------------------------------------------
# The seed document (read in place)


def test_seed_document_is_labelled_as_the_issue_says(seed_path: Path) -> None:
    doc = make_doc(seed_path.read_text(encoding="utf-8"), "fr")
    pairs = labelled(doc)
    assert [b.start for b in label_blocks(doc)] == [b.start for b in split_blocks(doc.text)]

    body = ["VARSOVIE (Reuters)", "Les Etats-Unis", "Le vice-président", '"Le gouvernement américain',
            "L'équipementier", "Cité par"]  # fmt: skip
    title = "Huawei prêt à renforcer sa sécurité pour rester dans le marché 5G"
    assert content_of(pairs) == [title] + [next(t for t, _ in pairs if t.startswith(p)) for p in body]

    assert label_of(pairs, "Partager") == "share"
    assert label_of(pairs, title, nth=1) == "duplicate"
    assert label_of(pairs, "Le groupe chinois Huawei est prêt") in ("duplicate", "caption")
    assert label_of(pairs, "(Anna Koper") == "caption"
    assert label_of(pairs, "Sujets associés") == "related"
    assert label_of(pairs, "LES PODCASTS") == "related"
    assert label_of(pairs, "Digital et médias, par Julie Manou-Mani") == "related"
    assert label_of(pairs, "Dans le podcast") == "related"
    assert label_of(pairs, "Écouter cet épisode") == "related"
    assert label_of(pairs, "Tous les podcasts") == "related"
    assert label_of(pairs, "Ingénieur chef de projet bâtiment H/F") == "promo"
    assert label_of(pairs, "LE CNAM - 10/01/2022 - CDD") == "promo"
    assert label_of(pairs, "+ 550 offres") == "promo"
    assert label_of(pairs, "Tout voir") == "navigation"
    assert label_of(pairs, "ARTICLES LES PLUS LUS") == "related"
    # everything after the body is boilerplate
    last_body = max(i for i, (_, label) in enumerate(pairs) if label is None)
    assert pairs[last_body][0].startswith("Cité par")


# ------------------------------------------------------------------------------------------
# Hand-written pages and texts

PAGE_FR = """<!DOCTYPE html>
<html lang="fr"><head><meta charset="utf-8"><title>La Gazette du Nord</title></head><body>
<div class="cookies"><p>Nous utilisons des cookies pour mesurer l'audience et personnaliser les contenus. En poursuivant
votre navigation, vous acceptez leur utilisation.</p><button>Accepter</button><button>Paramétrer les cookies</button></div>
<header><nav><ul><li><a href="/">Accueil</a></li><li><a href="/region">Région</a></li><li><a href="/eco">Économie</a></li>
<li><a href="/culture">Culture</a></li><li><a href="/sport">Sport</a></li></ul></nav>
<form><input type="search"><button>Rechercher</button></form></header>
<main><article>
<p class="breadcrumb"><a href="/">Accueil</a> &gt; <a href="/region">Région</a></p>
<h1>À Roubaix, une ancienne filature devient une école de cuisine</h1>
<p class="meta">Par Claire Dumont</p><p class="date">Publié le 12 mars 2024 à 08h15</p>
<div class="share"><a>Partager</a><a>Facebook</a><a>Twitter</a></div>
<p>Les murs de briques de l'ancienne filature Motte accueillent depuis lundi une école de cuisine qui forme chaque
année une centaine de jeunes sans diplôme aux métiers de la restauration.</p>
<p>Le projet, porté par une association du quartier et soutenu par la région, a demandé trois ans de travaux. Les
anciens ateliers ont été transformés en cuisines pédagogiques et en salle de restaurant ouverte au public le midi.</p>
<figure><img src="a.jpg"><figcaption>Les élèves en cuisine, lundi. © Claire Dumont</figcaption></figure>
<p>« Ici, on apprend en servant de vrais clients », explique la directrice, qui a elle-même tenu un restaurant à Lille
pendant vingt ans avant de rejoindre l'association.</p>
<p>La formation dure dix mois et se termine par un stage dans un restaurant de la métropole. Les deux premières
promotions ont trouvé un emploi pour plus des trois quarts de leurs élèves.</p>
</article>
<section class="newsletter"><h3>Newsletter</h3><p>Recevez notre newsletter chaque matin</p><input type="email">
<button>Je m'inscris</button></section>
<section class="related"><h3>À lire aussi</h3>
<ul><li><a href="/a">Tourcoing : le marché couvert rouvre ses portes</a></li>
<li><a href="/b">Lille : la braderie aura bien lieu en septembre</a></li>
<li><a href="/c">Villeneuve-d'Ascq : un nouveau musée pour l'art brut</a></li></ul></section>
<section class="comments"><h3>Commentaires</h3>
<div class="comment"><p class="author">Jean-Pierre59</p><p>Très belle initiative, j'irai tester le restaurant avec ma
femme dès la semaine prochaine, on en a entendu beaucoup de bien dans le quartier.</p><a>Répondre</a></div>
<p>Laisser un commentaire</p></section>
</main>
<footer><ul><li><a>Mentions légales</a></li><li><a>Politique de confidentialité</a></li><li><a>Contact</a></li></ul>
<p>© 2024 La Gazette du Nord – Tous droits réservés</p></footer>
</body></html>"""

PAGE_FR_CONTENT = [
    "À Roubaix, une ancienne filature devient une école de cuisine",
    "Les murs de briques",
    "Le projet, porté par une association",
    "« Ici, on apprend",
    "La formation dure dix mois",
]

PAGE_FR_LABELS = {
    "Nous utilisons des cookies": "footer",
    "Accepter": "footer",
    "Paramétrer les cookies": "footer",
    "Accueil": "navigation",
    "Économie": "navigation",
    "Rechercher": "navigation",
    "Par Claire Dumont": "metadata",
    "Publié le 12 mars 2024": "metadata",
    "Partager": "share",
    "Facebook": "share",
    "Les élèves en cuisine": "caption",
    "Newsletter": "promo",
    "Recevez notre newsletter": "promo",
    "Je m'inscris": "promo",
    "À lire aussi": "related",
    "Tourcoing : le marché couvert": "related",
    "Commentaires": "comments",
    "Jean-Pierre59": "comments",
    "Très belle initiative": "comments",
    "Répondre": "comments",
    "Laisser un commentaire": "comments",
    "Mentions légales": "footer",
    "Politique de confidentialité": "footer",
    "© 2024 La Gazette du Nord": "footer",
}


@pytest.mark.parametrize("use_main_text", [True, False], ids=["html-with-main-text", "visible-text-only"])
def test_french_page_blocks(use_main_text: bool) -> None:
    text, main_text = extract_html(PAGE_FR)
    assert main_text is not None
    pairs = labelled(make_doc(text, "fr", main_text if use_main_text else None))
    content = content_of(pairs)
    # With trafilatura's main text (HTML), the headline is metadata: the gold the block
    # classifier learned from leaves titles out of the main text (HTML_HEADLINE_IS_CONTENT).
    expected = PAGE_FR_CONTENT[1:] if use_main_text else PAGE_FR_CONTENT
    assert len(content) == len(expected)
    for line, prefix in zip(content, expected):
        assert line.startswith(prefix)
    if use_main_text:
        assert label_of(pairs, PAGE_FR_CONTENT[0]) == "metadata"
    for prefix, label in PAGE_FR_LABELS.items():
        assert label_of(pairs, prefix) == label, prefix


TEXT_EN = """Home
News
Sport
Culture
We use cookies to improve your experience on our site. By continuing to use this site you agree to our cookie policy.
Town council approves new cycle lanes on the high street
By Sarah Jones
Published on 4 March 2024
Share
The town council voted on Tuesday evening to build two protected cycle lanes along the high street, after a year of consultation with shopkeepers and residents.
Work will start in the summer and is expected to last four months. The council said that most of the cost will be covered by a grant from the regional transport authority.
Shopkeepers were divided. Some fear that the loss of parking spaces will keep customers away, while others hope that quieter streets will bring more people on foot and by bike.
"We looked at what happened in other towns of the same size, and footfall went up in almost every case," said the councillor in charge of transport, who presented the plan to the meeting.
Sign up for our newsletter
Get the top stories in your inbox every morning.
Related articles
New bus timetable starts next month
Library opening hours extended for the summer
3 comments
I think this is a great idea, the high street is far too dangerous for children on bikes at the moment and something had to be done.
Reply
Leave a comment
Privacy policy
Terms of use
© 2024 The Town Gazette. All rights reserved."""


def test_english_plain_text_blocks() -> None:
    pairs = labelled(make_doc(TEXT_EN, "en"))
    assert content_of(pairs) == [line for line in TEXT_EN.split("\n")[5:13] if not line.startswith(("By ", "Published", "Share"))]
    expected = {
        "Home": "navigation",
        "Culture": "navigation",
        "We use cookies": "footer",
        "By Sarah Jones": "metadata",
        "Published on 4 March 2024": "metadata",
        "Share": "share",
        "Sign up for our newsletter": "promo",
        "Get the top stories": "promo",
        "Related articles": "related",
        "New bus timetable": "related",
        "3 comments": "comments",
        "I think this is a great idea": "comments",
        "Reply": "comments",
        "Privacy policy": "footer",
        "© 2024 The Town Gazette": "footer",
    }
    for prefix, label in expected.items():
        assert label_of(pairs, prefix) == label, prefix


def test_an_english_share_bar_is_share() -> None:
    # Fresh-user trial (second): "Share on Facebook | Share on X | Email" came out navigation; the
    # French cue already read a bar of several buttons.
    text = "\n".join([
        "Harbour council approves a new storm wall",
        "Share on Facebook | Share on X | Email",
        "The council voted on Tuesday to build a storm wall along the old harbour, after two winters in which the sea reached the market square.",
        "The work will start in April and should last eighteen months, the mayor said, with the harbour open to boats throughout.",
        "Related: Five things to know about the new bus lanes in the town centre",
        "Residents who lost stock in the floods can claim a grant from the council until the end of the year.",
    ])
    pairs = labelled(make_doc(text, "en"))
    assert label_of(pairs, "Share on Facebook") == "share"
    # "Related: <title>" on a page this short is not caught: the cue for it was left out
    # (docs/quality.md, "Fifth session"), so nothing is asserted on it here
    for prefix in ("The council voted", "The work will start", "Residents who lost"):
        assert label_of(pairs, prefix) is None, prefix


def test_main_text_decides_and_cues_override_it() -> None:
    """A block in trafilatura's main text is content unless a cue says otherwise; a short line
    trafilatura did not keep stays out; the alignment tolerates line breaks and markup changes."""
    paragraph = ("Le conseil municipal a voté mardi soir la construction de deux pistes cyclables protégées "
                 "le long de la rue principale, après un an de concertation avec les commerçants.")  # fmt: skip
    text = "\n".join(["Menu", "Vélo : la ville trace ses pistes", paragraph, "Pour lire la suite, abonnez-vous", "Voir aussi"])
    main_text = "Vélo : la ville trace ses pistes\n" + paragraph.replace(", ", ",\n", 1) + "\nPour lire la suite, abonnez-vous"
    pairs = labelled(make_doc(text, "fr", main_text))
    # The title in the main text is the model's call: the gold it learned from leaves titles out
    # (its probability was 0.66 before the 1.3.0 retraining, 0.47 after); when left out it is
    # the headline, labelled metadata (HTML_HEADLINE_IS_CONTENT), never another category.
    assert content_of(pairs) in (["Vélo : la ville trace ses pistes", paragraph], [paragraph])
    assert label_of(pairs, "Vélo : la ville") in (None, "metadata")
    assert label_of(pairs, "Pour lire la suite") == "promo"
    assert label_of(pairs, "Menu") == "navigation"


def test_headline_is_content_in_plain_text_and_metadata_outside_the_html_main_text() -> None:
    paragraph = ("Le conseil municipal a voté mardi soir la construction de deux pistes cyclables protégées "
                 "le long de la rue principale, après un an de concertation avec les commerçants du centre.")  # fmt: skip
    text = "\n".join(["Menu", "Vélo : la ville trace ses pistes", "Par Jean Dupont", paragraph])
    plain = labelled(make_doc(text, "fr"))
    assert [label for _, label in plain] == ["navigation", None, "metadata", None]
    html = labelled(make_doc(text, "fr", main_text=paragraph))
    assert [label for _, label in html] == ["navigation", "metadata", "metadata", None]


def test_repeated_title_and_lead_with_credit_are_duplicates() -> None:
    lead = ("Le groupe a annoncé mercredi la fermeture de deux usines en Lorraine, qui emploient au total "
            "quatre cents personnes, en invoquant la baisse durable de la demande européenne.")  # fmt: skip
    text = "\n".join(
        [
            "Deux usines fermeront en Lorraine",
            "METZ (AFP) - " + lead,
            "Deux usines fermeront en Lorraine",
            lead + " Photo d'archives",
            "Les syndicats ont dénoncé une décision brutale et demandé une réunion avec la direction dès la semaine "
            "prochaine, tandis que la région a promis de soutenir les salariés dans leur reconversion.",
        ]
    )
    pairs = labelled(make_doc(text, "fr"))
    assert pairs[0][1] is None and pairs[1][1] is None and pairs[4][1] is None
    assert pairs[2][1] == "duplicate"
    assert pairs[3][1] == "duplicate"


def test_short_documents_without_a_body_keep_their_text_as_content() -> None:
    assert labelled(make_doc("Le maire de Nantes a inauguré le pont.", "fr")) == [
        ("Le maire de Nantes a inauguré le pont.", None)
    ]
    pairs = labelled(make_doc("Partager\nLe maire de Nantes a inauguré le pont.\nTous droits réservés", "fr"))
    assert [label for _, label in pairs] == ["share", None, "footer"]


def test_unknown_language_still_labels() -> None:
    pairs = labelled(make_doc(TEXT_EN, "xx"))
    assert label_of(pairs, "We use cookies") == "footer"
    assert label_of(pairs, "Privacy policy") == "footer"
    assert stoplist("xx") == frozenset()
    assert "the" in stoplist("en") and "le" in stoplist("fr")


# ------------------------------------------------------------------------------------------
# Corpus statistics


BOATS = ("Albatros", "Mouette", "Goéland", "Cormoran", "Sterne", "Fou de Bassan", "Macareux", "Pétrel", "Puffin")


def site_page(i: int) -> str:
    """A page of one site: a template (masthead, slogan, address) around an article of its own."""
    boat = BOATS[i]
    return "\n".join(
        [
            "Le Journal de la Côte",
            "Toute l'info de la Côte d'Opale, chaque jour",
            f"Le port de Boulogne accueille un nouveau chalutier, le {boat}",
            f"Le {boat} a été baptisé samedi en présence des familles de marins, du maire et de "
            f"nombreux habitants venus assister à la cérémonie sur le quai, malgré une pluie fine et froide.",
            f"L'armateur explique que ce navire de nouvelle génération consomme un tiers de carburant en moins "
            f"que les anciens chalutiers de la flotte, grâce à une coque redessinée et à un moteur hybride ({boat}).",
            "Journal de la Côte, 12 rue du Port, 62200 Boulogne-sur-Mer",
        ]
    )


def test_corpus_stats_counts_documents_not_lines_and_normalises() -> None:
    stats = CorpusStats.from_texts(["Bonjour\nBonjour\nLigne 2023", "BONJOUR !\nLigne 2024", "Autre"])
    assert stats.n_docs == 3
    assert stats.doc_freq("bonjour") == 2  # twice in one document counts once; case and punctuation fold
    assert stats.doc_freq("Ligne 1999") == 2  # digits fold
    assert stats.doc_freq("jamais vu") == 0
    assert stats.doc_freq("—") == 0


def test_corpus_stats_merge_and_pickle_match_a_single_pass() -> None:
    texts = [site_page(i) for i in range(8)]
    whole = CorpusStats.from_texts(texts)
    part1, part2 = CorpusStats.from_texts(texts[:3]), CorpusStats()
    for text in texts[3:]:
        part2.add(text)
    merged = pickle.loads(pickle.dumps(part1)).merge(pickle.loads(pickle.dumps(part2)))
    assert merged == whole
    assert merged.n_docs == 8 and merged.doc_freq("Le Journal de la Côte") == 8


def test_site_template_lines_become_boilerplate_with_enough_documents() -> None:
    texts = [clean_text(site_page(i)) for i in range(MIN_CORPUS_DOCS + 3)]
    stats = CorpusStats.from_texts(texts)
    pairs = labelled(make_doc(texts[0], "fr"), stats)
    assert label_of(pairs, "Le Journal de la Côte") == "navigation"
    assert label_of(pairs, "Toute l'info de la Côte") == "navigation"
    assert label_of(pairs, "Journal de la Côte, 12 rue du Port") == "footer"
    assert content_of(pairs)[0].startswith("Le port de Boulogne accueille")
    assert len(content_of(pairs)) == 3
    # a paragraph repeated across the corpus (wire copy) is not a template line
    wire = ("Selon la préfecture maritime, la saison de pêche a été marquée par une baisse des prises de "
            "cabillaud et une hausse de celles de seiche, ce qui inquiète les armateurs de la région.")  # fmt: skip
    with_wire = [text.replace("\nJournal de la Côte, 12", f"\n{wire}\nJournal de la Côte, 12") for text in texts]
    pairs = labelled(make_doc(with_wire[0], "fr"), CorpusStats.from_texts(with_wire))
    assert label_of(pairs, wire) is None
    # too few documents: corpus repetition is not used
    few = CorpusStats.from_texts(texts[: MIN_CORPUS_DOCS - 1])
    assert label_of(labelled(make_doc(texts[0], "fr"), few), "Journal de la Côte, 12 rue du Port") != "footer"


# ------------------------------------------------------------------------------------------
# Cue files


def test_cue_files_parse_and_bad_lines_are_reported() -> None:
    assert {c.category for c in load_cues("fr")} <= set(BOILERPLATE_LABELS)
    assert load_cues("en") and load_cues("fr")
    good = parse_cues("# comment\n\nshare\tline\t^partager$\n", "x.txt")
    assert len(good) == 1 and good[0].matches("Partager", 1) and not good[0].matches("Partager", 20)
    with pytest.raises(ConfigError, match=r"x\.txt:1: expected"):
        parse_cues("share ^partager$", "x.txt")
    with pytest.raises(ConfigError, match=r"x\.txt:2: unknown category 'sharing'"):
        parse_cues("# c\nsharing\tline\tx", "x.txt")
    with pytest.raises(ConfigError, match="unknown scope"):
        parse_cues("share\tblock\tx", "x.txt")
    with pytest.raises(ConfigError, match="bad regular expression"):
        parse_cues("share\tline\t(", "x.txt")


# ------------------------------------------------------------------------------------------
# Quality on the dev gold (read in place): the issue-4 targets


def _fold(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _content_text(html: str, lang: str) -> str:
    text, main_text = extract_html(html)
    doc = make_doc(text, lang, main_text)
    return "\n".join(doc.text[b.start : b.end] for b in label_blocks(doc) if not b.is_boilerplate)


@pytest.mark.slow
def test_snippet_score_on_trafilatura_fr_dev(shared_data: Path) -> None:
    folder = shared_data / "gold" / "boilerplate" / "trafilatura-fr-dev"
    gold = json.loads((folder / "gold.json").read_text(encoding="utf-8"))
    found = absent = n_with = n_without = 0
    for name, entry in gold.items():
        content = _fold(_content_text(decode_file((folder / name).read_bytes()), "fr"))
        found += sum(_fold(s) in content for s in entry["with"])
        absent += sum(_fold(s) not in content for s in entry["without"])
        n_with, n_without = n_with + len(entry["with"]), n_without + len(entry["without"])
    score = (found / n_with + absent / n_without) / 2
    assert score >= 0.97, score


@pytest.mark.slow
def test_token_f1_on_article_benchmark_en_dev(shared_data: Path) -> None:
    folder = shared_data / "gold" / "boilerplate" / "aeb-en-dev"
    gold = json.loads((folder / "gold.json").read_text(encoding="utf-8"))
    precisions, recalls = [], []
    for name, entry in gold.items():
        html = decode_file(gzip.decompress((folder / name).read_bytes()))
        pred = collections.Counter(_content_text(html, "en").split())
        ref = collections.Counter(entry["articleBody"].split())
        common = sum((pred & ref).values())
        precisions.append(common / max(1, sum(pred.values())))
        recalls.append(common / max(1, sum(ref.values())))
    p, r = sum(precisions) / len(precisions), sum(recalls) / len(recalls)
    assert 2 * p * r / (p + r) >= 0.97, (p, r)


def test_a_one_sentence_wire_paragraph_full_of_names_stays_content() -> None:
    """jusText calls it bad for its stop-word density (0.25 < 0.30); as a sentence between
    article paragraphs it is content (plain text, no main-text hint)."""
    text = "\n".join([
        "Accueil",
        "Partager",
        "Le Nord face à la sécheresse : les agriculteurs inquiets",
        "LILLE (AFP) - Les agriculteurs du Nord réclament des aides d'urgence après trois mois sans pluie, a annoncé jeudi la chambre d'agriculture.",
        "M. Martin, président de la FNSEA locale, a rencontré le préfet à Arras. « La situation est grave », a-t-il déclaré.",
        "Mme Lefebvre, maire de Douai, souhaite que l'État débloque un fonds spécial.",
        "PARIS, 12 mars (Reuters) - Le gouvernement annoncera vendredi un plan d'aide aux exploitations touchées, selon Bercy.",
        "Abonnez-vous à notre newsletter",
    ])
    pairs = labelled(make_doc(text))
    assert label_of(pairs, "Mme Lefebvre") is None
    assert label_of(pairs, "Accueil") is not None and label_of(pairs, "Abonnez-vous") is not None


@pytest.mark.parametrize("line", ["Partager sur Facebook Partager sur Twitter", "Partager sur Facebook | Imprimer | Envoyer par e-mail"])
def test_a_line_of_several_share_buttons_is_share(line: str) -> None:
    text = "\n".join([
        "Le Nord face à la sécheresse",
        "LILLE (AFP) - Les agriculteurs du Nord réclament des aides d'urgence après trois mois sans pluie, a annoncé jeudi la chambre d'agriculture.",
        line,
    ])
    assert label_of(labelled(make_doc(text)), line[:8]) == "share"


PAGE_LONG_BOILERPLATE_LINES = """Accueil | Politique | Économie | Régions | Sports
La SNCF annonce un préavis de grève pour la fin du mois
Par Claire Martin, publié le 12 mars 2026 à 08h15, mis à jour à 10h02
Les syndicats de cheminots ont déposé mardi un préavis de grève pour la dernière semaine du mois, après l'échec des négociations salariales avec la direction de l'entreprise publique.
La direction affirme que les discussions restent ouvertes et qu'une nouvelle réunion est prévue lundi, tandis que les usagers s'inquiètent des perturbations annoncées sur les lignes régionales.
Selon les premières estimations, un train sur deux pourrait circuler sur les grandes lignes, et les trains régionaux seraient plus touchés encore dans le Sud-Ouest.
Copyright © Le Quotidien du Rail, tous droits de reproduction réservés, reproduction interdite sans autorisation écrite de la rédaction.
"""


def test_a_boilerplate_line_too_long_for_a_cue_still_gets_the_category_its_opening_names() -> None:
    # Fourth fresh-user trial: a 15-word byline and a 13-word job ad were boilerplate `other`,
    # since a cue applies to lines of at most 12 words. The classifier decides boilerplate; the
    # category now comes from the line's first 12 words, and a long © line is a legal notice.
    doc = Document(doc_id="d", source="page.txt", text=PAGE_LONG_BOILERPLATE_LINES, lang="fr", raw_sha256="0" * 64)
    labels = {doc.text[b.start : b.end].split(",")[0]: b.boilerplate_label for b in label_blocks(doc)}
    assert labels["Par Claire Martin"] == "metadata"
    assert labels["Copyright © Le Quotidien du Rail"] == "footer"
    assert labels["Les syndicats de cheminots ont déposé mardi un préavis de grève pour la dernière semaine du mois"] is None


@pytest.mark.parametrize(
    ("line", "lang", "category"),
    [
        ("Offre d'emploi : le domaine Faiveley recherche des saisonniers pour les vendanges. Candidatures sur notre site.", "fr", "promo"),
        ("PUBLISHED: 10:48, Tue, Nov 4, 2025 | UPDATED: 11:05, Tue, Nov 4, 2025 | By Dana Ruiz, Harbour Desk", "en", "metadata"),
        ("Photo: a fishing boat leaves the harbour at dawn on Tuesday, as the storm wall works begin", "en", "caption"),
        ("© The Coast Gazette, all rights to the articles, photos and videos of this site are reserved", "en", "footer"),
        # a cue at the end of a long line names it no more: a teaser of a list of related stories
        ("Harbour town votes to rebuild its storm wall after two winters of flooding reached the square 2 days ago", "en", None),
        # 12 words or fewer: the ordinary cue path, not this one
        ("Par Claire Martin, publié le 12 mars 2026", "fr", None),
    ],
)
def test_the_category_of_a_long_boilerplate_line_comes_from_its_opening(line: str, lang: str, category: str | None) -> None:
    from corpus_builder.boilerplate import _long_line_category, block_signals

    doc = Document(doc_id="d", source="page.txt", text=line + "\n", lang=lang, raw_sha256="0" * 64)
    (feat,) = block_signals(doc).feats
    assert _long_line_category(load_cues(lang), feat) == category
