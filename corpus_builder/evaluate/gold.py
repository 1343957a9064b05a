"""Gold readers: human-annotated evaluation data → records of :mod:`corpus_builder.records`.

Every reader returns plain records over a running text it rebuilds, with offsets in Unicode code
points, end-exclusive, ``text[start:end] == span.text``. Gold spans carry ``source="annotation"``.
Formats and scoring rules: ``../shared/data/README.md``. Readers raise
:class:`~corpus_builder.errors.InputError` naming the file and line when the input is malformed.

Supported formats
-----------------
- **CoNLL-U sentences** (:func:`read_conllu_sentences`): one ``# text =`` line per sentence. With
  ``# newpar`` marks, a paragraph (a :class:`Block`, one line of the rebuilt text) groups the
  sentences that follow it; ``# newdoc`` starts a new document. Without ``# newpar`` marks (Sequoia
  annodis.er), consecutive ``# text`` lines are joined with one space into one paragraph, as the data
  README prescribes. Sentences in a paragraph are joined with one space.
- **Deep Sequoia CoNLL-U Plus** (:func:`read_sequoia_ne`): entities from column 11 (PARSEME:MWE).
  See the function for the rules (``.final`` type, label map, discontinuous spans).
- **CoNLL with IO (or IOB) tags** (:func:`read_conll_io`): ``token TAG`` lines, blank line between
  sentences, ``-DOCSTART-`` between documents (wikigold).
- **trafilatura snippet gold** (:func:`read_snippet_gold`): ``gold.json`` mapping page path →
  ``with``/``without`` snippet lists.
- **article-extraction-benchmark gold** (:func:`read_article_gold`): ``gold.json`` mapping page path
  (``.html`` or ``.html.gz``) → ``articleBody``.

:func:`discover` walks a gold root laid out as ``sentences/<set>/``, ``ner/<set>/``,
``boilerplate/<set>/`` and picks the reader from the files it finds, so held-out sets of the same
kinds can be evaluated without code changes.
"""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path

from ..errors import InputError
from ..records import Block, Sentence, Span

#: Deep Sequoia NE types → our labels (source: ../shared/data/README.md, gold/ner).
SEQUOIA_LABEL_MAP: dict[str, str] = {"PERS": "PER", "ORG": "ORG", "LOC": "LOC", "PROD": "MISC", "EVE": "MISC"}


@dataclass(frozen=True)
class SentenceGoldDoc:
    """A gold document for sentence segmentation.

    ``text``: the rebuilt running text, paragraphs separated by ``\\n``. ``blocks``: one per
    paragraph (tiling the lines). ``sentences``: the gold sentences, document offsets.
    """

    doc_id: str
    text: str
    blocks: tuple[Block, ...]
    sentences: tuple[Sentence, ...]


@dataclass(frozen=True)
class EntityGoldDoc:
    """A gold document for entities: ``text`` with ``blocks`` (its lines) and gold ``entities``."""

    doc_id: str
    text: str
    blocks: tuple[Block, ...]
    entities: tuple[Span, ...]


@dataclass(frozen=True)
class SnippetGoldPage:
    """A web page with the trafilatura-style snippet gold: ``with_snippets`` must be in the main
    text, ``without_snippets`` must not. ``html`` is the decoded page."""

    page_id: str
    html: str
    with_snippets: tuple[str, ...]
    without_snippets: tuple[str, ...]
    url: str | None = None
    #: the language of the page's main text when the gold names it (``trafilatura-multi-dev``)
    lang: str | None = None


@dataclass(frozen=True)
class ArticleGoldPage:
    """A web page with its human-extracted article body (article-extraction-benchmark)."""

    page_id: str
    html: str
    article_body: str
    url: str | None = None


@dataclass
class GoldSet:
    """One gold data set found by :func:`discover`.

    ``task``: ``"sentences"``, ``"entities"`` or ``"boilerplate"``. ``kind`` names the format
    (``"conllu"``, ``"sequoia-ne"``, ``"conll-io"``, ``"snippets"``, ``"article"``). ``lang``: ISO
    code from the folder name (``-fr-``/``-en-``), else detected from the text. ``items``: the documents or
    pages. ``notes``: what the reader had to decide (dropped discontinuous entities...).
    """

    name: str
    task: str
    kind: str
    lang: str
    path: Path
    items: list = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------------------------
# helpers


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError as e:
        raise InputError(f"{path}: gold file not found; check --gold (expected the shared data layout)") from e
    except UnicodeDecodeError as e:
        raise InputError(f"{path}: not UTF-8 ({e}); gold files must be UTF-8") from e


def decode_html(data: bytes) -> str:
    """Decode page bytes: UTF-8 when valid, else the encoding detected by charset-normalizer."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        from charset_normalizer import from_bytes

        best = from_bytes(data).best()
        return str(best) if best is not None else data.decode("utf-8", errors="replace")


def _read_page(path: Path) -> str:
    if not path.is_file():
        raise InputError(f"{path}: page listed in gold.json is missing")
    data = path.read_bytes()
    if path.name.endswith(".gz"):
        data = gzip.decompress(data)
    return decode_html(data)


def _blocks_of(text: str) -> tuple[Block, ...]:
    """One :class:`Block` per non-empty line of ``text``."""
    blocks = []
    pos = 0
    for line in text.split("\n"):
        if line.strip():
            blocks.append(Block(start=pos, end=pos + len(line), source="annotation"))
        pos += len(line) + 1
    return tuple(blocks)


def _misc_space_after(misc: str) -> bool:
    return "SpaceAfter=No" not in misc.split("|")


# --------------------------------------------------------------------------------------------
# CoNLL-U sentences


def read_conllu_sentences(path: Path) -> list[SentenceGoldDoc]:
    """Read gold sentences from a CoNLL-U file (``# text =`` lines; tokens are ignored).

    Returns one :class:`SentenceGoldDoc` per ``# newdoc`` (or one for the whole file when there is
    none, ``doc_id`` = file stem). Paragraphs come from ``# newpar``; without any ``# newpar`` in the
    file, each document is a single paragraph whose sentences are joined with one space (the data
    README's rule for Sequoia annodis.er). Raises :class:`InputError` for a sentence without
    ``# text``.
    """
    lines = _read_text(path).split("\n")
    docs: list[list[list[str]]] = []  # doc → paragraph → sentence texts
    doc_ids: list[str] = []
    pending_text: str | None = None
    in_sentence = False
    for lineno, line in enumerate(lines, 1):
        if line.startswith("# newdoc"):
            m = re.match(r"# newdoc(?: id = (.*))?", line)
            doc_ids.append((m.group(1) or "").strip() or f"{path.stem}#{len(docs)}")
            docs.append([])
        elif line.startswith("# newpar"):
            if not docs:
                doc_ids.append(path.stem)
                docs.append([])
            docs[-1].append([])
        elif line.startswith("# text ="):
            pending_text = line[len("# text =") :].strip()
        elif line and not line.startswith("#"):
            if not in_sentence:
                if pending_text is None:
                    raise InputError(f"{path}:{lineno}: sentence without a '# text =' line")
                if not docs:
                    doc_ids.append(path.stem)
                    docs.append([])
                if not docs[-1]:
                    docs[-1].append([])
                docs[-1][-1].append(pending_text)
                pending_text = None
                in_sentence = True
        elif not line.strip():
            in_sentence = False
    out = []
    for doc_id, paragraphs in zip(doc_ids, docs):
        text_parts: list[str] = []
        blocks: list[Block] = []
        sentences: list[Sentence] = []
        pos = 0
        paragraphs = [p for p in paragraphs if p]
        for p_index, para in enumerate(paragraphs):
            if p_index:
                text_parts.append("\n")
                pos += 1
            p_start = pos
            for s_index, sent in enumerate(para):
                if s_index:
                    text_parts.append(" ")
                    pos += 1
                sentences.append(Sentence(start=pos, end=pos + len(sent), block_index=p_index))
                text_parts.append(sent)
                pos += len(sent)
            blocks.append(Block(start=p_start, end=pos, source="annotation"))
        out.append(SentenceGoldDoc(doc_id, "".join(text_parts), tuple(blocks), tuple(sentences)))
    return out


# --------------------------------------------------------------------------------------------
# Deep Sequoia NE column


@dataclass
class _Token:
    id: str
    form: str
    misc: str
    mwe: str


def _sequoia_sentences(path: Path) -> Iterator[tuple[str, str, list[_Token], int]]:
    """Yield ``(sent_id, text, tokens, first_line)`` for each sentence of a CoNLL-U Plus file."""
    sent_id, text, tokens, first = "", None, [], 0
    for lineno, line in enumerate(_read_text(path).split("\n"), 1):
        if line.startswith("# sent_id ="):
            sent_id = line.split("=", 1)[1].strip()
            first = lineno
        elif line.startswith("# text ="):
            text = line[len("# text =") :].strip()
        elif line.startswith("#"):
            continue
        elif line.strip():
            cols = line.split("\t")
            if len(cols) < 11:
                raise InputError(f"{path}:{lineno}: {len(cols)} columns, expected ≥ 11 (CoNLL-U Plus with PARSEME:MWE)")
            tokens.append(_Token(cols[0], cols[1], cols[9], cols[10]))
        elif tokens:
            if text is None:
                raise InputError(f"{path}:{first}: sentence {sent_id!r} has no '# text =' line")
            yield sent_id, text, tokens, first
            sent_id, text, tokens = "", None, []
    if tokens:
        if text is None:
            raise InputError(f"{path}:{first}: sentence {sent_id!r} has no '# text =' line")
        yield sent_id, text, tokens, first


def _token_offsets(path: Path, sent_id: str, text: str, tokens: list[_Token]) -> dict[int, tuple[int, int]]:
    """Char offsets of each word id: FORMs aligned in order against ``# text``.

    Each surface token (a multiword token such as ``2-3 au``, or a word outside one) must appear at
    the cursor once whitespace is skipped; ``SpaceAfter=No`` in MISC, when given, must agree (no
    whitespace follows). Deep Sequoia leaves MISC empty, so alignment against ``# text`` is what
    places the spaces there. Words inside a multiword token get the multiword token's offsets.
    Raises :class:`InputError` naming the sentence and token when a FORM does not match.
    """
    offsets: dict[int, tuple[int, int]] = {}
    pos = 0
    covered_until = 0
    for tok in tokens:
        if "." in tok.id:  # empty node: no surface
            continue
        if "-" in tok.id:
            a, b = (int(x) for x in tok.id.split("-"))
            ids = range(a, b + 1)
            covered_until = b
        else:
            i = int(tok.id)
            if i <= covered_until:
                continue
            ids = range(i, i + 1)
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if not text.startswith(tok.form, pos):
            raise InputError(
                f"{path}: sentence {sent_id!r}: token {tok.id} FORM {tok.form!r} not found at char {pos} of "
                f"'# text' ({text[pos:pos + 20]!r}…); FORMs must spell the sentence text"
            )
        start, pos = pos, pos + len(tok.form)
        for i in ids:
            offsets[i] = (start, pos)
        if not _misc_space_after(tok.misc) and pos < len(text) and text[pos].isspace():
            raise InputError(f"{path}: sentence {sent_id!r}: token {tok.id} has SpaceAfter=No but '# text' has a space after it")
    if text[pos:].strip():
        raise InputError(f"{path}: sentence {sent_id!r}: '# text' continues after the last token ({text[pos:]!r})")
    return offsets


def read_sequoia_ne(path: Path, discontinuous: str = "drop", strict: bool = False) -> tuple[list[EntityGoldDoc], list[str]]:
    """Read Deep Sequoia CoNLL-U Plus named entities (column 11, PARSEME:MWE).

    Column 11 holds ``*`` (nothing) or ``;``-separated items: ``<id>:<category>`` on the first token
    of an item, ``<id>`` on its following tokens. An item is an entity when its category contains
    ``NE-<TYPE>.final`` (``.prim`` items are nested readings and are ignored); other items are
    multiword expressions. Types map with :data:`SEQUOIA_LABEL_MAP`; an unknown type raises
    :class:`InputError`.

    Offsets come from FORM plus ``SpaceAfter=No`` and are checked against ``# text``. A sentence
    whose FORMs do not spell its ``# text`` raises :class:`InputError` when ``strict``; otherwise it
    is left out of the gold (for every system alike) and named in the notes, so one odd sentence
    in a held-out file does not stop the evaluation.

    ``discontinuous``: ``"drop"`` (default) leaves out entities whose words are not consecutive;
    ``"first"`` keeps their first contiguous part. We drop them by default because the first part
    alone is not an entity a person would mark (e.g. a first name whose surname comes after an
    inserted word), so scoring it would reward a wrong span. Returns ``(docs, notes)``: one
    :class:`EntityGoldDoc` per sentence (``doc_id`` = ``sent_id``; no document structure in this
    corpus) and human-readable notes on dropped/truncated entities.
    """
    if discontinuous not in ("drop", "first"):
        raise InputError(f"discontinuous={discontinuous!r}: use 'drop' or 'first'")
    docs: list[EntityGoldDoc] = []
    notes: list[str] = []
    n_discontinuous = 0
    skipped: list[str] = []
    for sent_id, text, tokens, first in _sequoia_sentences(path):
        try:
            offsets = _token_offsets(path, sent_id, text, tokens)
        except InputError as e:
            if strict:
                raise
            skipped.append(f"{sent_id}: left out ({e})")
            continue
        items: dict[str, list[int]] = {}
        categories: dict[str, str] = {}
        for tok in tokens:
            if "-" in tok.id or "." in tok.id or tok.mwe in ("*", "_", ""):
                continue
            for item in tok.mwe.split(";"):
                item_id, _, cat = item.partition(":")
                items.setdefault(item_id, []).append(int(tok.id))
                if cat:
                    categories[item_id] = cat
        entities = []
        for item_id, word_ids in items.items():
            cat = categories.get(item_id, "")
            m = re.search(r"NE-([A-Z]+)\.final", cat)
            if not m:
                continue
            ne_type = m.group(1)
            if ne_type not in SEQUOIA_LABEL_MAP:
                raise InputError(f"{path}:{first}: sentence {sent_id!r}: unknown NE type {ne_type!r} (known: {sorted(SEQUOIA_LABEL_MAP)})")
            word_ids = sorted(word_ids)
            contiguous = all(b == a + 1 or offsets[b] == offsets[a] for a, b in pairwise(word_ids))
            if not contiguous:
                n_discontinuous += 1
                surface = " ".join(text[offsets[w][0] : offsets[w][1]] for w in word_ids)
                if discontinuous == "drop":
                    notes.append(f"{sent_id}: dropped discontinuous {ne_type} {surface!r}")
                    continue
                run = [word_ids[0]]
                for w in word_ids[1:]:
                    if w != run[-1] + 1:
                        break
                    run.append(w)
                notes.append(f"{sent_id}: kept first part of discontinuous {ne_type} {surface!r}")
                word_ids = run
            start, end = offsets[word_ids[0]][0], offsets[word_ids[-1]][1]
            entities.append(Span(start, end, SEQUOIA_LABEL_MAP[ne_type], text[start:end], source="annotation"))
        entities.sort(key=lambda s: (s.start, s.end))
        docs.append(EntityGoldDoc(sent_id, text, _blocks_of(text), tuple(entities)))
    if n_discontinuous:
        notes.insert(0, f"{n_discontinuous} discontinuous entities ({'dropped' if discontinuous == 'drop' else 'first part kept'})")
    if skipped:
        notes[:0] = [f"{len(skipped)} sentences left out: FORMs do not spell '# text'", *skipped]
    return docs, notes


# --------------------------------------------------------------------------------------------
# CoNLL IO/IOB (wikigold)


def read_conll_io(path: Path) -> list[EntityGoldDoc]:
    """Read ``token TAG`` CoNLL (last column = tag; IO, IOB1 or IOB2), ``-DOCSTART-`` between docs.

    Rebuilt text: tokens joined with one space (the format keeps no spacing), one sentence per line,
    so a document's sentences are its blocks. Entities: maximal runs of ``I-X``/``B-X`` tokens of one
    type, a ``B-`` tag starting a new entity. With pure IO tags, two adjacent entities of the same
    type cannot be told apart and are read as one (a limit of the format, not of the reader).
    Labels must be in PER/ORG/LOC/MISC, else :class:`InputError`.
    """
    docs: list[EntityGoldDoc] = []
    sentences: list[list[tuple[str, str]]] = []
    current: list[tuple[str, str]] = []

    def flush_doc() -> None:
        if current:
            sentences.append(list(current))
            current.clear()
        if not sentences:
            return
        parts: list[str] = []
        entities: list[Span] = []
        pos = 0
        for s_index, sent in enumerate(sentences):
            if s_index:
                parts.append("\n")
                pos += 1
            open_label, open_start, open_end = None, 0, 0
            for t_index, (tok, tag) in enumerate(sent):
                if t_index:
                    parts.append(" ")
                    pos += 1
                start, end = pos, pos + len(tok)
                parts.append(tok)
                pos = end
                prefix, _, label = tag.partition("-")
                if tag == "O" or not label:
                    label = None
                if open_label is not None and (label != open_label or prefix == "B"):
                    entities.append(Span(open_start, open_end, open_label, "", source="annotation"))
                    open_label = None
                if label is not None:
                    if open_label is None:
                        open_label, open_start = label, start
                    open_end = end
            if open_label is not None:
                entities.append(Span(open_start, open_end, open_label, "", source="annotation"))
        text = "".join(parts)
        entities = [Span(e.start, e.end, e.label, text[e.start : e.end], source="annotation") for e in entities]
        docs.append(EntityGoldDoc(f"{path.stem}#{len(docs)}", text, _blocks_of(text), tuple(entities)))
        sentences.clear()

    for lineno, line in enumerate(_read_text(path).split("\n"), 1):
        cols = line.split()
        if not cols:
            if current:
                sentences.append(list(current))
                current.clear()
            continue
        if cols[0] == "-DOCSTART-":
            flush_doc()
            continue
        if len(cols) < 2:
            raise InputError(f"{path}:{lineno}: expected 'token TAG', got {line!r}")
        tag = cols[-1]
        label = tag.partition("-")[2]
        if tag != "O" and label not in ("PER", "ORG", "LOC", "MISC"):
            raise InputError(f"{path}:{lineno}: tag {tag!r} is not O or [IB]-PER/ORG/LOC/MISC")
        current.append((cols[0], tag))
    flush_doc()
    return docs


# --------------------------------------------------------------------------------------------
# boilerplate golds


def _gold_json(path: Path) -> dict:
    try:
        data = json.loads(_read_text(path))
    except json.JSONDecodeError as e:
        raise InputError(f"{path}: invalid JSON ({e})") from e
    if not isinstance(data, dict):
        raise InputError(f"{path}: expected an object mapping page path → gold")
    return data


def read_snippet_gold(gold_json: Path) -> list[SnippetGoldPage]:
    """Read a trafilatura-style ``gold.json``: ``{page_path: {"with": [...], "without": [...]}}``.

    Page paths are relative to the folder of ``gold.json``. Raises :class:`InputError` when a page is
    missing or an entry lacks ``with``/``without``.
    """
    pages = []
    for rel, entry in _gold_json(gold_json).items():
        if not isinstance(entry, dict) or "with" not in entry or "without" not in entry:
            raise InputError(f"{gold_json}: entry {rel!r} needs 'with' and 'without' snippet lists")
        pages.append(
            SnippetGoldPage(
                page_id=rel,
                html=_read_page(gold_json.parent / rel),
                with_snippets=tuple(entry["with"]),
                without_snippets=tuple(entry["without"]),
                url=entry.get("url"),
                lang=entry.get("lang"),
            )
        )
    return pages


def read_article_gold(gold_json: Path) -> list[ArticleGoldPage]:
    """Read an article-extraction-benchmark ``gold.json``: ``{page_path: {"articleBody": ...}}``.

    Pages may be gzipped (``.html.gz``). Raises :class:`InputError` for a missing page or body.
    """
    pages = []
    for rel, entry in _gold_json(gold_json).items():
        if not isinstance(entry, dict) or "articleBody" not in entry:
            raise InputError(f"{gold_json}: entry {rel!r} has no 'articleBody'")
        pages.append(ArticleGoldPage(rel, _read_page(gold_json.parent / rel), entry["articleBody"], entry.get("url")))
    return pages


# --------------------------------------------------------------------------------------------
# discovery


def _lang_of(name: str) -> str | None:
    """The language code in a set's folder name (``…-fr-dev``, ``ewt-en-dev``), else ``None``."""
    for lang in ("fr", "en", "de", "es", "it"):
        if re.search(rf"(^|[-_.]){lang}([-_.]|$)", name):
            return lang
    return None


def _detect_lang(sample: str) -> str:
    """Language of a gold set without a code in its name: :func:`corpus_builder.clean.detect_lang`
    on a sample of its text; ``"fr"`` (the project's first language) when undetermined."""
    from ..clean import detect_lang

    lang = detect_lang(sample) if sample.strip() else "und"
    return "fr" if lang == "und" else lang


def _sample_text(items: list) -> str:
    parts = []
    for item in items[:50]:
        parts.append(getattr(item, "text", None) or getattr(item, "article_body", None) or " ".join(getattr(item, "with_snippets", ())))
    return "\n".join(parts)[:5000]


def _data_files(folder: Path) -> list[Path]:
    skip = re.compile(r"(LICENSE|README|NOTICE|MIRROR)", re.IGNORECASE)
    return sorted(p for p in folder.iterdir() if p.is_file() and not skip.search(p.name))


def read_set(task: str, folder: Path) -> GoldSet:
    """Read one gold set folder for ``task`` (``sentences``, ``entities``/``ner``, ``boilerplate``).

    The format is chosen from the files: CoNLL-U (``# text =``) for sentences; a CoNLL-U Plus file
    whose ``global.columns`` names PARSEME:MWE, else ``token TAG`` CoNLL, for entities; ``gold.json``
    with ``with``/``without`` or ``articleBody`` for boilerplate. The language is the code in the
    folder name (``-fr-``, ``-en-``), else detected from the gold text. Raises :class:`InputError`
    when no readable file is found.
    """
    gs = _read_set(task, folder, _lang_of(folder.name) or "fr")
    if _lang_of(folder.name) is None:
        page_langs = {getattr(item, "lang", None) for item in gs.items}
        if None not in page_langs and len(page_langs) > 1:
            gs.lang = MULTILINGUAL
        else:
            gs.lang = _detect_lang(_sample_text(gs.items))
    return gs


def _read_set(task: str, folder: Path, lang: str) -> GoldSet:
    name = folder.name
    if task == "sentences":
        items: list = []
        for p in _data_files(folder):
            head = _read_text(p)[:20000]
            if "# text =" in head:
                items.extend(read_conllu_sentences(p))
        if not items:
            raise InputError(f"{folder}: no CoNLL-U file with '# text =' lines")
        return GoldSet(name, "sentences", "conllu", lang, folder, items)
    if task in ("entities", "ner"):
        items, notes, kind = [], [], ""
        for p in _data_files(folder):
            head = _read_text(p)[:2000]
            if "PARSEME:MWE" in head.split("\n", 1)[0]:
                docs, n = read_sequoia_ne(p)
                items.extend(docs)
                notes.extend(n)
                kind = "sequoia-ne"
            elif re.search(r"^\S+[ \t]+(O|[IB]-(PER|ORG|LOC|MISC))$", head, re.MULTILINE):
                items.extend(read_conll_io(p))
                kind = "conll-io"
        if not items:
            raise InputError(f"{folder}: no entity gold file (CoNLL-U Plus with PARSEME:MWE or 'token TAG' CoNLL)")
        return GoldSet(name, "entities", kind, lang, folder, items, notes)
    if task == "boilerplate":
        gold = folder / "gold.json"
        data = _gold_json(gold)
        first = next(iter(data.values()), {})
        if isinstance(first, dict) and "articleBody" in first:
            return GoldSet(name, "boilerplate", "article", lang, folder, read_article_gold(gold))
        return GoldSet(name, "boilerplate", "snippets", lang, folder, read_snippet_gold(gold))
    raise InputError(f"unknown task {task!r}: use sentences, entities or boilerplate")


#: Sub-folder of the gold root for each task.
TASK_DIRS = {"sentences": "sentences", "entities": "ner", "boilerplate": "boilerplate"}

#: ``GoldSet.lang`` of a set whose pages name different languages (each page's ``lang`` is kept).
MULTILINGUAL = "multi"

#: A gold folder whose name ends with this is training data (``deep-sequoia-fr-train``): never an
#: evaluation set (``../shared/data/README.md``), so :func:`discover` leaves it out and
#: :func:`training_sets` lists it for the trainers.
TRAINING_SUFFIX = "-train"


def is_training_set(folder: Path) -> bool:
    """Whether a gold folder holds training data (its name ends with :data:`TRAINING_SUFFIX`)."""
    return Path(folder).name.endswith(TRAINING_SUFFIX)


def training_sets(gold_root: Path, task: str) -> list[Path]:
    """The training-data folders under ``<gold_root>/<task dir>/`` (see :func:`is_training_set`)."""
    folder = Path(gold_root) / TASK_DIRS[task]
    if not folder.is_dir():
        return []
    return [sub for sub in sorted(folder.iterdir()) if sub.is_dir() and is_training_set(sub)]


def discover(gold_root: Path, task: str) -> list[GoldSet]:
    """Read every evaluation set under ``<gold_root>/<sentences|ner|boilerplate>/`` for ``task``,
    sorted by name; training sets (:func:`is_training_set`) are left out.

    Raises :class:`InputError` when the folder is missing or empty (the message names it).
    """
    folder = Path(gold_root) / TASK_DIRS[task]
    if not folder.is_dir():
        raise InputError(f"{folder}: gold folder not found; pass --gold pointing at the shared gold root (…/shared/data/gold)")
    sets = [read_set(task, sub) for sub in sorted(folder.iterdir()) if sub.is_dir() and not is_training_set(sub)]
    if not sets:
        raise InputError(f"{folder}: no gold set inside")
    return sets
