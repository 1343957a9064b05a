"""HTML → visible text (one block per line) and trafilatura's main text."""

from __future__ import annotations

import json
import re

from trafilatura.utils import decode_file

from corpus_builder.html import extract_html

ARTICLE_FR = """<!DOCTYPE html>
<html lang="fr"><head><meta charset="utf-8"><title>Le Petit Journal</title>
<style>.menu { color: red }</style>
<script>var tracking = "ne doit pas apparaître";</script>
</head><body>
<header><nav class="menu"><a href="/">Accueil</a> | <a href="/politique">Politique</a> | <a href="/sport">Sport</a></nav></header>
<div id="cookies" style="display:none">Bandeau caché par le style</div>
<span class="sr-only">Aller au contenu</span>
<main><article>
<h1>La mairie de Lille rénove la gare Saint-Sauveur</h1>
<p class="chapo">Les travaux, qui commenceront en mars, doivent durer <b>deux ans</b> et coûter
   douze millions d'euros, selon la municipalité.</p>
<p>Le projet prévoit une halle couverte, un jardin et des ateliers pour les associations du quartier.
Les riverains ont été consultés pendant six mois lors de réunions publiques organisées par la mairie.</p>
<p>« Nous voulons un lieu ouvert à tous », a expliqué l'adjointe chargée de l'urbanisme, qui rappelle
que la friche était fermée au public depuis plus de dix ans.<br>Les premiers ateliers ouvriront à l'été.</p>
<h2>Un chantier suivi de près</h2>
<p>Les associations de défense du patrimoine demandent que la façade de l'ancienne gare soit conservée,
ce que la mairie a accepté dans la dernière version du projet présentée la semaine dernière.</p>
<ul><li>Début des travaux : mars</li><li>Fin prévue : <i>printemps</i> 2027</li></ul>
<table><tr><th>Poste</th><th>Coût</th></tr><tr><td>Halle</td><td>7 M€</td></tr></table>
</article></main>
<noscript>Activez JavaScript</noscript>
<footer><p>© 2024 Le Petit Journal</p><p hidden>Texte caché par l'attribut</p></footer>
</body></html>"""


def lines_of(text: str) -> list[str]:
    return text.split("\n")


def test_visible_text_has_one_block_per_line() -> None:
    text, _ = extract_html(ARTICLE_FR)
    lines = lines_of(text)
    assert lines[:4] == ["Accueil", "Politique", "Sport", "La mairie de Lille rénove la gare Saint-Sauveur"]
    # inline markup is joined, whitespace folded, <br> splits
    assert (
        "Les travaux, qui commenceront en mars, doivent durer deux ans et coûter douze millions d'euros, "
        "selon la municipalité." in lines
    )
    assert "Les premiers ateliers ouvriront à l'été." in lines
    assert "Un chantier suivi de près" in lines
    # list items and table cells each on their own line
    for cell in ("Début des travaux : mars", "Fin prévue : printemps 2027", "Poste", "Coût", "Halle", "7 M€"):
        assert cell in lines
    assert lines[-1] == "© 2024 Le Petit Journal"
    assert all(line and line == line.strip() for line in lines)


def test_visible_text_drops_scripts_styles_and_hidden_elements() -> None:
    text, _ = extract_html(ARTICLE_FR)
    for hidden in ("tracking", "color: red", "Bandeau caché", "Aller au contenu", "Activez JavaScript",
                   "Texte caché", "Le Petit Journal</title>"):  # fmt: skip
        assert hidden not in text
    assert "|" not in lines_of(text)  # link separators are not blocks


def test_main_text_is_trafilatura_extraction_of_the_article() -> None:
    _, main_text = extract_html(ARTICLE_FR)
    assert main_text is not None
    assert "Le projet prévoit une halle couverte" in main_text
    assert "les associations de défense du patrimoine".lower() in main_text.lower()
    assert "Politique" not in main_text
    assert "© 2024" not in main_text


def test_empty_and_contentless_pages() -> None:
    assert extract_html("") == ("", None)
    assert extract_html("<html><head><script>x()</script></head><body> </body></html>") == ("", None)
    text, _ = extract_html("<p>Bonjour</p>")  # a fragment still gives its visible text
    assert text == "Bonjour"


def test_pre_keeps_its_lines_and_entities_are_decoded() -> None:
    text, _ = extract_html("<html><body><pre>ligne 1\n  ligne 2</pre><p>A&nbsp;&amp;&#160;B</p></body></html>")
    assert lines_of(text) == ["ligne 1", "ligne 2", "A\u00a0&\u00a0B"]  # U+00A0 is left for the clean stage


def test_real_pages_keep_every_main_text_snippet_visible(shared_data) -> None:
    """Nothing the gold calls main text is lost by the visible-text rendering (FR dev pages)."""
    folder = shared_data / "gold" / "boilerplate" / "trafilatura-fr-dev"
    gold = json.loads((folder / "gold.json").read_text(encoding="utf-8"))
    for name, entry in gold.items():
        raw = (folder / name).read_bytes()
        html = decode_file(raw)  # ingest decodes pages; trafilatura's helper stands in for it here
        text, main_text = extract_html(html)
        folded = re.sub(r"\s+", " ", text)
        assert main_text, name
        for snippet in entry["with"]:
            assert re.sub(r"\s+", " ", snippet).strip() in folded, (name, snippet)


def test_text_after_dropped_elements_is_kept() -> None:
    html = (
        "<html><body><p>Avant <img src=x>après<script>x()</script> suite<br>ligne<span hidden>caché</span> fin</p>"
        "<div>a<div>b</div>c</div></body></html>"
    )
    assert lines_of(extract_html(html)[0]) == ["Avant après suite", "ligne fin", "a", "b", "c"]
