"""Sentence splitting inside blocks (stage 4): French-aware rules, optionally guided by a model.

A sentence never crosses a block (a line of the cleaned text), never cuts an entity span, and
carries no leading or trailing whitespace; the sentences of a block cover every non-space
character of the block exactly once (they *tile* it). Offsets are Unicode code points into
``Document.text``, end-exclusive.

How boundaries are chosen (block-relative positions where a new sentence starts):

* **Rules** (always): after a run of terminal punctuation (``.``, ``!``, ``?``, ``…``, ``...``)
  plus any closing quotes/brackets (``»``, ``”``, a closing ``"``, ``)``), when a space follows and
  the next character can start a sentence (a capital letter, a digit, an opening quote or bracket,
  a dash, a symbol). No boundary before a lower-case letter ("« Pourquoi ? » demande-t-il", "etc.
  et"), nor after an abbreviation of ``data/segment/abbreviations.txt`` ("M. Dupont", "av. J.-C."),
  nor after an initial ("J. Chirac", "J.-C."), nor after a numbered list marker that opens a
  sentence ("1. Battez les oeufs. 2. Ajoutez…": family *list markers split off as sentences*),
  nor inside a URL, an e-mail or a number ("3.5", "2.700.000 F" have no space after the dot).
* **Abbreviations that may end a sentence, and ellipses** (``ambiguous_abbreviations.txt``:
  "etc.", "J.-C.", "U.S."; ``…``, ``...``): a boundary before a capitalised function word
  ("av. J.-C. La ville…", "… Je ne sais pas", "the U.S. In 2004…"); before another capital (a
  name: "J.-C. Martin", "U.S. Army", "les villes de… Paris et Lyon") only when the model starts a
  sentence there; never after a bracketed ellipsis "[…]", "(...)" (omitted words). Family: *a
  boundary after an ellipsis that continues the sentence*.
* **Quotes**: a boundary may fall inside « » or "…" when the quote itself holds complete
  sentences and ends its sentence, as the Sequoia gold does ("parce que … histoire. | La présence
  … à créer\\"."): the closing quote always stays with the sentence it ends. No boundary inside a
  quotation that the sentence goes on after (closing quote followed by ",", ";", ":", ")" or lower
  case: "« Nous partons. Le bateau est prêt », a déclaré…", a quoted title "« Qui a peur ?
  Personne » au théâtre"). Family: *a boundary inside a quoted title* (UD French PUD).
* **Headlines glued to their text** (rules): within the first 7 words of a sentence, a boundary
  before a capitalised determiner/pronoun/honorific of ``sentence_openers.txt`` followed by a
  lower-case word ("Cyclisme Les cyclistes…"), not after a function word, never before a name
  ("le journal Le Monde"), never after two title-case words ("Kim Jong Il a composé…"). Lower case
  after a plain word and "." also starts a sentence ("sounds exciting. want to go?"), which
  informal English needs.
* **Model** (optional ``model_starts``, spaCy ``senter`` via
  :meth:`corpus_builder.entities.EntityRecognizer.analyze`, one batched ``nlp.pipe`` pass shared
  with the entities): a model start is accepted where rules made none when it follows terminal
  punctuation that is not an abbreviation, an initial or a list marker; a ";" that separates the
  items of an enumeration (two or more ";" in the sentence, as UD Sequoia and EWT split lists; a
  lone ";" joining two clauses never ends a sentence, as in UD French PUD: family *a boundary
  after ";"*); or a word/closing bracket before a capitalised opener of ``sentence_openers.txt``
  or any capitalised function word of spaCy's fr+en stop words (a headline: "L'agenda sportif
  Football Une seule rencontre…", "… pour la commune Au cours de la cérémonie…"), unless the word
  before is a function word, or ends a run of title-case words. A model start before any other capitalised word after a
  plain word is refused: family *a boundary inside a multi-word name in title case* ("accompagnait
  Friedrich Mandl", "le navire britannique Endurance"). A model start after ``,`` ``:`` a dash, or
  inside an open parenthesis is refused, so a dateline "VARSOVIE (Reuters) - Le groupe…" stays one
  sentence.
* **Entities**: no boundary strictly inside an entity span.
* **Punctuation-only pieces** (no letter or digit) are attached to the previous sentence (or to
  the next one at the start of a block).

Where the families were measured: each sentence gold set is cut in a tune half and a held-out half
by document (:mod:`corpus_builder.evaluate.halves`); the rules above were written from the
families named in issue 10 and tuned on the tune halves only, and ``corpus-builder evaluate
sentences`` reports both halves next to pysbd and spaCy. Boundary F1, 2026-12-02, all / tune /
held-out:

* UD French PUD dev: ours 0.996 / 1.000 / 0.993; pysbd 0.970 / 0.964 / 0.976; spaCy sm 0.830 /
  0.846 / 0.813.
* Sequoia annodis.er dev: ours 0.988 / 0.990 / 0.986; spaCy sm 0.987 / 0.980 / 0.993; pysbd
  0.913 / 0.944 / 0.880 (spaCy's model was trained on Sequoia: inflated for spaCy and for us).
* EWT English dev: ours 0.955 / 0.959 / 0.950; pysbd 0.943 / 0.950 / 0.935.

Before issue 10 (whole sets): PUD 0.955, Sequoia 0.993, EWT 0.950.

The ";" conventions of the treebanks differ: UD French PUD never ends a sentence at ";" (0 of
its 26), the Deep Sequoia train file outside annodis.er ends one at 15 of its 17 (lone ones too),
EWT at its ";"-separated lists. The enumeration rule is the compromise: Sequoia's and EWT's lists
are kept, PUD's clause joins too; a lone ";" that Sequoia splits is missed. The train file also
agrees with the ambiguous-abbreviation rule ("etc. Les banquiers…" ends a sentence, "J.-C.
Marchianni" does not).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from importlib import resources
from typing import Iterable, Sequence

from .records import Block, Sentence, Span
from .wordlists import spacy_stop_words

_TERMINAL = re.compile(r"(?:\.{2,}|[.!?…‽]+)")
_ELLIPSIS = re.compile(r"\.{3,}|…")
_CLOSERS = "»”’)]}\"'"
_OPENERS = "«“‘([{\"'¿¡"
_DASHES = "-–—"
_URL = re.compile(r"(?:https?://|www\.)\S+|\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b|\b[\w-]+(?:\.[a-z]{2,6})+/\S*", re.I)
_INITIAL = re.compile(r"^(?:[A-ZÀ-Ý]\.)(?:-?[A-ZÀ-Ý]\.)*$")  # "J.", "J.-C.", "J.-P."
_ACRONYM = re.compile(r"^(?:[A-Za-zÀ-ÿ]\.){2,}$")  # "U.S.", "B.C.E.", "e.g."


def _data_lines(name: str) -> list[str]:
    text = resources.files("corpus_builder").joinpath("data", "segment", name).read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


@lru_cache(maxsize=None)
def _abbreviations() -> tuple[frozenset[str], frozenset[str]]:
    """(never-final, maybe-final) abbreviations, case-folded, each with its final dot."""
    return frozenset(_data_lines("abbreviations.txt")), frozenset(_data_lines("ambiguous_abbreviations.txt"))


def _token_before(text: str, end: int) -> str:
    """The whitespace-delimited token ending at ``end`` (without leading opening punctuation)."""
    start = end
    while start > 0 and not text[start - 1].isspace():
        start -= 1
    return text[start:end].lstrip(_OPENERS)


def _starts_sentence(ch: str) -> bool:
    """Can ``ch`` be the first character of a sentence? (Not lower case, not mid-sentence punct.)"""
    if ch.isalpha():
        return not ch.islower()
    if ch.isdigit() or ch in _OPENERS or ch in _DASHES or ch in "•*¶§#@":
        return True
    cat = unicodedata.category(ch)
    return cat[0] == "S"  # emoji, symbols


def _plain_word_before(block: str, dot: int) -> bool:
    """The token before the "." at ``dot`` is a plain lower-case word of 3+ letters (no digit,
    capital or inner dot), so the "." is not part of an abbreviation or a reference."""
    token = _token_before(block, dot).replace("'", "").replace("’", "")
    return len(token) >= 3 and token.isalpha() and token.islower()


_LIST_MARKER = re.compile(r"^(?:\d{1,3}|[a-z]|[IVX]{1,4})\.$")  # "1.", "12.", "a.", "IV."


def _list_marker(block: str, dot: int) -> bool:
    """Is the "." at ``dot`` the end of a numbered list marker ("1.", "a.", "IV.") that opens a
    sentence (at the block start, or after terminal punctuation, ":" or ";")?

    Family: list items written on one line split off as one-token sentences ("1. Préparez la
    pâte. 2. Laissez reposer." has two sentences, not four). A number after a word is not a marker
    ("en 1492. Beaucoup", "chapitre 3. Il"): there the "." may end the sentence.
    """
    token = _token_before(block, dot + 1)
    if not _LIST_MARKER.match(token):
        return False
    before = block[: dot + 1 - len(token)].rstrip()
    return not before or before[-1] in ".!?…:;»”)"


def _dot_kind(block: str, dot: int) -> str:
    """Classify the single "." at ``dot``: "abbrev" (never final: an abbreviation, an initial, a
    list marker), "ambiguous", or "final"."""
    token = _token_before(block, dot + 1)
    if _list_marker(block, dot):
        return "abbrev"
    never, maybe = _abbreviations()
    folded = token.casefold()
    if folded in maybe:
        return "ambiguous"
    if folded in never:
        return "abbrev"
    if _INITIAL.match(token):
        return "abbrev"
    if _ACRONYM.match(token):
        return "ambiguous"
    return "final"


def _boundary_after_terminal(block: str, start: int, end: int, quote_open: bool) -> tuple[int | None, str]:
    """For terminal punctuation at ``block[start:end]``: (position of the next sentence, kind).

    kind is "final", "ambiguous" or "none"; position is ``None`` when no sentence can start.
    """
    run = block[start:end]
    kind = "final"
    if run == ".":
        kind = _dot_kind(block, start)
        if kind == "abbrev":
            return None, "none"
    elif _ELLIPSIS.fullmatch(run):
        if start > 0 and block[start - 1] in "[(" and end < len(block) and block[end] in "])":
            return None, "none"  # "[…]", "(...)": omitted words inside a quotation, not an end
        kind = "ellipsis"
    j = end
    n = len(block)
    # absorb closing quotes/brackets (with French spacing before them)
    while True:
        k = j
        while k < n and block[k] == " ":
            k += 1
        if k < n and block[k] in _CLOSERS and (block[k] != '"' or quote_open) and block[k] != "'":
            if block[k] == '"':
                quote_open = False
            j = k + 1
            continue
        break
    if j < n and not block[j].isspace():
        return None, "none"  # "3.5", "www.x.fr", "?!)" glued to a word
    k = j
    while k < n and block[k].isspace():
        k += 1
    if k >= n:
        return None, "none"
    if kind in ("ellipsis", "ambiguous"):
        # an ellipsis, or an abbreviation that may end a sentence ("etc.", "J.-C.", "U.S."), ends
        # the sentence before a capitalised function word ("… Je ne sais pas", "av. J.-C. La
        # ville", "in the U.S. He said"); before any other capital (a name: "les villes de…
        # Paris et Lyon", "J.-C. Marchianni", "U.S. Army") the sentence model decides
        if not _starts_sentence(block[k]):
            return None, "none"
        return k, "final" if _clause_opener(block, k) else "ambiguous"
    if not _starts_sentence(block[k]):
        # lower case after a plain word and a single "." still starts a sentence in informal text
        # ("sounds exciting. want to go?"); not after "?"/"!" ("« Pourquoi ? » demande-t-il")
        if run == "." and kind == "final" and block[k].isalpha() and _plain_word_before(block, start):
            return k, "final"
        return None, "none"
    return k, kind


_QUOTE_PAIRS = {"«": "»", "“": "”"}


def quotations(block: str) -> list[tuple[int, int]]:
    """Quotations of ``block``: ``(opening, closing)`` positions of each « … », “ … ” and "…" pair
    (straight quotes paired in order), not nested, on one line. An unclosed quote gives none."""
    out: list[tuple[int, int]] = []
    i, n = 0, len(block)
    while i < n:
        ch = block[i]
        close = _QUOTE_PAIRS.get(ch) or ('"' if ch == '"' else None)
        if close is None:
            i += 1
            continue
        j = block.find(close, i + 1)
        if j < 0:
            i += 1
            continue
        out.append((i, j))
        i = j + 1
    return out


def embedded_quotation_cuts(block: str, cuts: Iterable[int]) -> set[int]:
    """The cuts of ``cuts`` that fall inside a quotation that the sentence goes on after: its
    closing quote is followed by ",", ";", ":", ")" or a lower-case word ("« Je dois partir. Il
    est tard », a-t-il dit.", 'la pièce "Qui a peur ? Personne" est jouée').

    Family: boundaries inside a quoted title or a quotation with its reporting clause (UD French
    PUD keeps such a quotation in its sentence). A quotation that ends its sentence may hold
    boundaries (UD Sequoia splits "… une longue histoire. | La présence … à créer\"."), so it is
    left alone.
    """
    out: set[int] = set()
    inside = sorted(cuts)
    for lo, hi in quotations(block):
        k = hi + 1
        while k < len(block) and block[k].isspace():
            k += 1
        if k < len(block) and (block[k] in ",;:)" or block[k].isalpha() and block[k].islower()):
            out.update(c for c in inside if lo < c <= hi)
    return out


def _clause_opener(block: str, at: int) -> bool:
    """Is the word at ``at`` a capitalised function word that opens a clause: a determiner,
    pronoun or preposition of spaCy's fr+en stop words in title case ("La", "Il", "The", "He",
    "I"), a word of ``sentence_openers.txt``, or an elided "L'", "D'", "Qu'" ("L'espace…")?"""
    word = _WORD.match(block, at).group().strip("\"'’”»«“)]([,;:.!?…")
    if word in _openers() or re.match(r"^(?:L|D|Qu|J|N|S|C)['’]\w", word):
        return True
    return bool(word) and word[0].isupper() and (len(word) == 1 or word[1:].islower()) and word.casefold() in spacy_stop_words("fr", "en")


def _protected(block: str, entities: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    spans = [(m.start(), m.end()) for m in _URL.finditer(block)]
    spans.extend(entities)
    return spans


def rule_boundaries(block: str) -> dict[int, str]:
    """Candidate sentence starts in ``block`` (block-relative code points) → kind ("final" or
    "ambiguous"); pure rules, no model. See the module docstring for the rules."""
    out: dict[int, str] = {}
    quotes, pos = 0, 0
    for m in _TERMINAL.finditer(block):
        quotes += block.count('"', pos, m.start())
        pos = m.start()
        quote_open = quotes % 2 == 1  # straight quotes: open when an odd number precede
        at, kind = _boundary_after_terminal(block, m.start(), m.end(), quote_open)
        if at is not None:
            out[at] = kind
    return out


def enumeration_semicolons(block: str, cuts: Iterable[int]) -> set[int]:
    """Positions (block-relative) of the ";" that separate the items of an enumeration: two or
    more ";" outside parentheses between two sentence boundaries of ``cuts`` (or the block's
    ends).

    Family: a ";" that joins two clauses is inside a sentence in UD French PUD (all of its ";"
    are), while UD Sequoia and UD English EWT end each item of a ";"-separated list as a sentence
    ("président : X ; vice-président : Y ; trésorière : Z.", "Fahim Ahmad, 21, Toronto; Zakaria
    Amara, 20, Mississauga; ..."). A lone ";" is never a boundary.
    """
    edges = [0, *sorted(c for c in cuts if 0 < c < len(block)), len(block)]
    out: set[int] = set()
    for lo, hi in zip(edges, edges[1:]):
        depth, found = 0, []
        for i in range(lo, hi):
            ch = block[i]
            if ch == "(":
                depth += 1
            elif ch == ")":
                depth = max(0, depth - 1)
            elif ch == ";" and depth == 0:
                found.append(i)
        if len(found) >= 2:
            out.update(found)
    return out


def _title_case(word: str) -> bool:
    word = word.strip("\"'’”»«“)]([,")
    return len(word) > 1 and word[0].isupper() and any(c.islower() for c in word[1:])


def _model_start_ok(block: str, at: int, enumeration: set[int] = frozenset()) -> bool:
    """Accept a model sentence start at ``at`` (block-relative) where the rules made none.

    After terminal punctuation (not an abbreviation, an initial or a list marker): accepted
    whatever follows, except mid-sentence punctuation (the model knows "… existait. à peu près …"
    where a capital was lost). After ";": accepted only when that ";" separates the items of an
    enumeration (``enumeration``, see :func:`enumeration_semicolons`); a ";" joining two clauses
    never ends a sentence. After a word (a headline glued to its text, "L'agenda sportif Football
    Une seule rencontre…"): accepted only before a capitalised determiner, pronoun or honorific
    of ``sentence_openers.txt`` or another capitalised function word (:func:`_clause_opener`:
    "Au", "Pour", "Que"; measured on the parts of the Deep Sequoia train file it was not
    written from: emea-fr-dev 0.735 → 0.767, emea-fr-test 0.910 → 0.934, frwiki 0.861 → 0.866
    boundary F1, Europar unchanged, precision unchanged; PUD, EWT unchanged) (a capital
    after a plain word is otherwise mostly a name: "le navire
    britannique Endurance", "adapter Tintin au cinéma"), not after a function word ("because",
    "avec"), and not inside a run of title-case words ("Kim Jong Il a composé": a multi-word name).
    After ",", ":", a dash or an opening bracket: refused (dateline "VARSOVIE (Reuters) - Le
    groupe…"), and so is any start inside an open parenthesis.
    """
    if at <= 0 or at >= len(block) or not block[at - 1].isspace() or block[at].isspace():
        return False
    if block.count("(", 0, at) > block.count(")", 0, at):
        return False  # inside an open parenthesis: "(Anna Koper, Janis Laizans; Jean-Stéphane Brosse)"
    nxt = block[at]
    k = at
    while k > 0 and block[k - 1].isspace():
        k -= 1
    if k == 0:
        return False
    prev = block[k - 1]
    if prev in ".!?…‽":
        if prev == "." and block[k - 2 : k] != ".." and _dot_kind(block, k - 1) == "abbrev":
            return False
        return nxt not in ",;:)]}»”"
    if prev == ";":
        return k - 1 in enumeration and nxt.isalpha()
    if prev.isalnum() or prev in ")]»”":
        if not nxt.isupper():
            return False
        word = _WORD.match(block, at).group()
        if word not in _openers() and word[:2] not in ("L'", "L’") and not _clause_opener(block, at):
            return False  # a capitalised word after a plain word: a name, not a new sentence
        before = _token_before(block, k)
        j = k
        while j > 0 and not block[j - 1].isspace():
            j -= 1
        while j > 0 and block[j - 1].isspace():
            j -= 1
        if _title_case(before) and j > 0 and _title_case(_token_before(block, j)):
            return False  # inside a multi-word name in title case ("Kim Jong Il")
        # a headline does not end with a function word
        return before.strip("\"'’”»)]").casefold() not in spacy_stop_words("fr", "en")
    return False


@lru_cache(maxsize=None)
def _openers() -> frozenset[str]:
    return frozenset(_data_lines("sentence_openers.txt"))


_WORD = re.compile(r"\S+")


def headline_boundaries(block: str, cuts: Iterable[int]) -> set[int]:
    """Starts of sentences that follow a headline without punctuation on the same line.

    Looks at the first 7 words after the block start and after each cut; see
    ``data/segment/sentence_openers.txt`` for the rule. Never after two title-case words (a
    multi-word name such as "Kim Jong Il", where "Il" is part of the name), except before an
    honorific, which no name holds ("Décès de Guy Hosneld M. Hosneld avait…"). Pure; block-relative
    offsets.
    """
    openers = _openers()
    stops = spacy_stop_words("fr", "en")
    out: set[int] = set()
    for begin in sorted({0, *cuts}):
        words = [m for _, m in zip(range(9), _WORD.finditer(block, begin))]
        for i in range(1, min(len(words) - 1, 7)):
            w, prev, nxt = words[i].group(), words[i - 1].group(), words[i + 1].group()
            elided = w[:2] in ("L'", "L’") and len(w) > 2
            if w not in openers and not elided:
                continue
            if not prev[-1].isalnum() or prev.casefold() in stops or prev[0].isdigit() and len(words) < 3:
                continue
            honorific = w in ("M.", "Mme", "MM.")
            if not honorific and i >= 2 and _title_case(prev) and _title_case(words[i - 2].group()):
                continue  # inside a multi-word name in title case: "Kim Jong Il a composé"
            follower = w[2:] if elided else nxt
            if honorific or (follower[:1].isalpha() and follower[:1].islower()):
                out.add(words[i].start())
                break
    return out


def split_sentences(
    text: str,
    block: Block,
    block_index: int,
    entities: Sequence[Span] = (),
    model_starts: Iterable[int] | None = None,
) -> list[Sentence]:
    """Split one block of ``text`` into sentences (pure).

    ``text``: the document text; ``block``: the block to split (document offsets); ``block_index``:
    its index in ``Document.blocks`` (copied into each sentence). ``entities``: spans with document
    offsets (those outside the block are ignored); no boundary falls inside one. ``model_starts``:
    optional document offsets where a sentence model starts a sentence (spaCy ``senter``, see
    :meth:`corpus_builder.entities.EntityRecognizer.analyze`); offsets outside the block are
    ignored. Returns sentences in order with document offsets, trimmed of whitespace, tiling the
    block's non-space characters; an all-whitespace block gives ``[]``.
    """
    b0 = block.start
    chunk = text[block.start : block.end]
    if not chunk.strip():
        return []
    cuts = {at for at, kind in rule_boundaries(chunk).items() if kind == "final"}
    cuts |= headline_boundaries(chunk, cuts)
    if model_starts is not None:
        enumeration = enumeration_semicolons(chunk, cuts)
        for start in model_starts:
            at = start - b0
            if not 0 < at < len(chunk):
                continue
            if at not in cuts and _model_start_ok(chunk, at, enumeration):
                cuts.add(at)
    cuts -= embedded_quotation_cuts(chunk, cuts)
    protected = _protected(chunk, [(e.start - b0, e.end - b0) for e in entities if e.start < block.end and e.end > b0])
    if protected:
        inside = bytearray(len(chunk) + 1)  # 1 where a boundary would cut a protected span
        for s, e in protected:
            lo, hi = max(s + 1, 0), min(e, len(chunk))
            if hi > lo:
                inside[lo:hi] = b"\x01" * (hi - lo)
        cuts = {c for c in cuts if not inside[c]}

    pieces: list[tuple[int, int]] = []
    edges = [0, *sorted(cuts), len(chunk)]
    for s, e in zip(edges, edges[1:]):
        piece = chunk[s:e]
        lead = len(piece) - len(piece.lstrip())
        trail = len(piece) - len(piece.rstrip())
        if lead == len(piece):
            continue
        pieces.append((s + lead, e - trail))
    merged: list[tuple[int, int]] = []
    for s, e in pieces:
        if merged and not any(ch.isalnum() for ch in chunk[s:e]):
            merged[-1] = (merged[-1][0], e)  # punctuation-only: attach to the previous sentence
        elif merged and not any(ch.isalnum() for ch in chunk[merged[-1][0] : merged[-1][1]]):
            merged[-1] = (merged[-1][0], e)  # a leading punctuation-only piece joins the next one
        else:
            merged.append((s, e))
    return [Sentence(b0 + s, b0 + e, block_index) for s, e in merged]


__all__ = [
    "embedded_quotation_cuts",
    "enumeration_semicolons",
    "headline_boundaries",
    "quotations",
    "rule_boundaries",
    "split_document",
    "split_sentences",
]
def split_document(
    text: str,
    blocks: Sequence[Block],
    entities: Sequence[Span] = (),
    model_starts: Iterable[int] | None = None,
) -> tuple[Sentence, ...]:
    """Sentences of every block of a document, in order (pure): :func:`split_sentences` on each
    block with the entities inside it, so no sentence crosses a line break or cuts an entity.
    ``entities`` and ``model_starts``: document offsets, as for :func:`split_sentences`."""
    starts = None if model_starts is None else tuple(model_starts)
    out: list[Sentence] = []
    for i, block in enumerate(blocks):
        inside = [e for e in entities if block.start <= e.start and e.end <= block.end]
        out.extend(split_sentences(text, block, i, inside, starts))
    return tuple(out)


