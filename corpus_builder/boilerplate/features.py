"""Block features for the boilerplate classifier (:mod:`corpus_builder.boilerplate.classifier`).

One row of floats per block (:func:`block_features`), ``NaN`` where a signal is missing (no
corpus statistics, no trafilatura main text, no HTML layout). The columns are named by
:data:`FEATURES`; :data:`TEXT_FEATURES` is the subset the plain-text model sees (everything that
can be read from the text alone). The signals:

- **text shape**: length in words and characters, jusText's stop-word density, punctuation,
  digit and capitalised-word shares, a final sentence mark, separators (``|``, ``•``: menus),
  ``©``, a date/time pattern, the headline shape;
- **cue matches** (``data/boilerplate/<lang>.txt``): the matched cue's category and scope;
- **jusText classes**: the context-free class and the rules' decision (1.1.0) on the text path
  (the rules become one feature among others);
- **position**: relative index and character offset, distance to the body (the span of
  jusText-good blocks), blocks before/after it;
- **repetition**: share of the block's word 4-grams seen earlier in the document, an exact
  repeat earlier or later, the number of documents of the corpus holding the line;
- **HTML** (:class:`corpus_builder.html.LineLayout`, trafilatura): main-text coverage and the
  HTML rules' decision, position relative to the main text, innermost block tag, ancestor
  elements (nav, footer, figure, ...), class/id hints, link density, depth;
- the same main features of the **neighbouring blocks** (previous and next, two each way for
  the decisions).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

import numpy as np

from ..html import ANCESTOR_FLAGS, CLASS_HINTS, LAYOUT_TAGS
from ..records import BOILERPLATE_LABELS, Document
from . import MIN_CORPUS_DOCS, CorpusStats, Signals, _is_headline, _shingles

__all__ = ["FEATURES", "TEXT_FEATURES", "block_features"]

_CF = {"bad": 0.0, "short": 1.0, "near": 2.0, "good": 3.0}
_SCOPE = {"line": 0.0, "any": 1.0, "section": 2.0}
_WORD = re.compile(r"\w+")
_PUNCT = re.compile(r"[^\w\s]")
_SEPARATORS = re.compile(r"\s[|•·/–—-]\s|\s\|\S|\S\|\s")
_DATE_TIME = re.compile(r"\b\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}\b|\b\d{1,2}[:h]\d{2}\b|\b(19|20)\d{2}\b")
_SENTENCE_END = re.compile(r"[.!?…»\"”)]$")

# Own features of a block from the text alone, then from the HTML.
_TEXT_OWN = (
    "n_words", "log_chars", "stop_density", "punct_share", "digit_share", "upper_word_share",
    "ends_sentence", "starts_upper", "separators", "copyright", "date_time", "headline_shape",
    "cue_category", "cue_scope", "jt_class", "rule_text",
    "rel_index", "rel_offset", "body_distance", "before_body", "after_body", "n_blocks_log",
    "dup_shingles", "repeat_before", "repeat_after", "corpus_df_log", "corpus_df_share",
)  # fmt: skip
_HTML_OWN = (
    ("main_coverage", "rule_main", "main_distance", "before_main", "after_main", "tag", "link_share", "depth")
    + tuple(f"in_{sorted(tags)[0]}" for tags in ANCESTOR_FLAGS)
    + tuple(f"class_{name}" for name, _ in CLASS_HINTS)
)
# Features of the neighbours (offset -1/+1; the decisions also at -2/+2).
_TEXT_NEIGHBOUR = ("n_words", "stop_density", "cue_category", "jt_class", "rule_text", "ends_sentence")
_HTML_NEIGHBOUR = ("main_coverage", "rule_main", "tag", "link_share")
_FAR = ("rule_text",)
_FAR_HTML = ("rule_main",)
def _names(own: Sequence[str], near: Sequence[str], far: Sequence[str]) -> tuple[str, ...]:
    out = list(own)
    for off in (-1, 1):
        out += [f"{n}@{off:+d}" for n in near]
    for off in (-2, 2):
        out += [f"{n}@{off:+d}" for n in far]
    return tuple(out)


#: Column names of :func:`block_features` (``name@-1`` = the previous block's ``name``).
#: (Means over windows of 3 and 8 blocks each way were tried and left out: they lowered the
#: cross-validated figures, 2026-12-02, e.g. plain-text FR snippet 0.882 → 0.803.)
FEATURES: tuple[str, ...] = _names(_TEXT_OWN + _HTML_OWN, _TEXT_NEIGHBOUR + _HTML_NEIGHBOUR, _FAR + _FAR_HTML)
#: The columns of the plain-text model (no trafilatura, no layout).
TEXT_FEATURES: tuple[str, ...] = _names(_TEXT_OWN, _TEXT_NEIGHBOUR, _FAR)
#: Columns holding category codes (LightGBM ``categorical_feature``).
CATEGORICAL: frozenset[str] = frozenset(
    n for n in FEATURES if n.split("@")[0] in ("cue_category", "cue_scope", "tag")
)


def _span_distance(i: int, first: int | None, last: int | None) -> float:
    """Signed distance in blocks from block ``i`` to the span ``first..last`` (0 inside)."""
    if first is None or last is None:
        return math.nan
    if i < first:
        return float(i - first)
    if i > last:
        return float(i - last)
    return 0.0


def block_features(doc: Document, sig: Signals, stats: CorpusStats | None, html: bool) -> np.ndarray:
    """Feature matrix of ``doc``'s blocks: shape ``(len(sig.blocks), len(FEATURES))`` when
    ``html``, else ``(…, len(TEXT_FEATURES))``; ``float64``, ``NaN`` for a missing signal.

    ``sig``: :func:`corpus_builder.boilerplate.block_signals` of ``doc``. ``stats``: the corpus
    line statistics (``None``, or fewer than ``MIN_CORPUS_DOCS`` documents: repetition across the
    corpus is missing). ``html``: add the HTML columns (``doc.layout`` rows and trafilatura's
    coverage; missing ones are ``NaN``).
    """
    feats = sig.feats
    n = len(feats)
    cols: dict[str, list[float]] = {name: [] for name in (_TEXT_OWN + _HTML_OWN if html else _TEXT_OWN)}
    total_chars = sum(f.n_chars for f in feats) or 1
    good = [i for i, f in enumerate(feats) if f.cf == "good"]
    body_first, body_last = (good[0], good[-1]) if good else (None, None)
    use_corpus = stats is not None and stats.n_docs >= MIN_CORPUS_DOCS
    keys = [tuple(_WORD.findall(f.text.casefold())) for f in feats]
    key_count: dict[tuple[str, ...], int] = {}
    for k in keys:
        key_count[k] = key_count.get(k, 0) + 1
    seen_keys: dict[tuple[str, ...], int] = {}
    seen_shingles: set[tuple[str, ...]] = set()
    offset = 0
    for i, f in enumerate(feats):
        words = f.text.split()
        nw = max(1, len(words))
        c = cols
        c["n_words"].append(float(f.n_words))
        c["log_chars"].append(math.log1p(f.n_chars))
        c["stop_density"].append(f.stop_density)
        c["punct_share"].append(len(_PUNCT.findall(f.text)) / max(1, f.n_chars))
        c["digit_share"].append(sum(ch.isdigit() for ch in f.text) / max(1, f.n_chars))
        c["upper_word_share"].append(sum(1 for w in words if w[:1].isupper()) / nw)
        c["ends_sentence"].append(float(bool(_SENTENCE_END.search(f.text))))
        c["starts_upper"].append(float(f.text[:1].isupper()))
        c["separators"].append(float(len(_SEPARATORS.findall(f.text))))
        c["copyright"].append(float("\u00a9" in f.text))
        c["date_time"].append(float(len(_DATE_TIME.findall(f.text))))
        c["headline_shape"].append(float(_is_headline(f)))
        c["cue_category"].append(float(BOILERPLATE_LABELS.index(f.cue.category)) if f.cue else math.nan)
        c["cue_scope"].append(_SCOPE[f.cue.scope] if f.cue else math.nan)
        c["jt_class"].append(_CF[f.cf])
        c["rule_text"].append(float(sig.rule_text[i]))
        c["rel_index"].append(i / (n - 1) if n > 1 else 0.0)
        c["rel_offset"].append(offset / total_chars)
        offset += f.n_chars
        c["body_distance"].append(_span_distance(i, body_first, body_last))
        c["before_body"].append(float(body_first is not None and i < body_first))
        c["after_body"].append(float(body_last is not None and i > body_last))
        c["n_blocks_log"].append(math.log1p(n))
        k = keys[i]
        sh = _shingles(list(k))
        c["dup_shingles"].append(len(sh & seen_shingles) / len(sh) if sh else 0.0)
        c["repeat_before"].append(float(seen_keys.get(k, 0) > 0 and len(k) > 0))
        c["repeat_after"].append(float(key_count.get(k, 0) - seen_keys.get(k, 0) > 1 and len(k) > 0))
        seen_keys[k] = seen_keys.get(k, 0) + 1
        seen_shingles |= sh
        if use_corpus:
            df = stats.doc_freq(f.text)  # type: ignore[union-attr]
            c["corpus_df_log"].append(math.log1p(df))
            c["corpus_df_share"].append(df / stats.n_docs)  # type: ignore[union-attr]
        else:
            c["corpus_df_log"].append(math.nan)
            c["corpus_df_share"].append(math.nan)
    if html:
        _html_columns(doc, sig, cols)
    own = np.array([cols[name] for name in cols], dtype=np.float64).T.reshape(n, len(cols))
    index = {name: j for j, name in enumerate(cols)}
    near = _TEXT_NEIGHBOUR + (_HTML_NEIGHBOUR if html else ())
    far = _FAR + (_FAR_HTML if html else ())
    parts = [own]
    for off, names in ((-1, near), (1, near), (-2, far), (2, far)):
        block = np.full((n, len(names)), np.nan)
        src = own[:, [index[nm] for nm in names]]
        if off < 0:
            block[-off:] = src[: n + off] if n + off > 0 else block[-off:]
        else:
            block[: n - off] = src[off:] if n - off > 0 else block[: n - off]
        parts.append(block)
    return np.hstack(parts)


def _html_columns(doc: Document, sig: Signals, c: dict[str, list[float]]) -> None:
    n = len(sig.feats)
    cov = sig.coverage
    in_main = [i for i in range(n) if cov is not None and cov[i] >= 0.5]
    first, last = (in_main[0], in_main[-1]) if in_main else (None, None)
    layout = doc.layout if doc.layout and len(doc.layout) == n else None
    for i in range(n):
        c["main_coverage"].append(cov[i] if cov is not None else math.nan)
        c["rule_main"].append(float(sig.rule_main[i]) if sig.rule_main is not None else math.nan)
        c["main_distance"].append(_span_distance(i, first, last))
        c["before_main"].append(float(first is not None and i < first) if cov is not None else math.nan)
        c["after_main"].append(float(last is not None and i > last) if cov is not None else math.nan)
        if layout is None:
            for name in ("tag", "link_share", "depth"):
                c[name].append(math.nan)
            for tags in ANCESTOR_FLAGS:
                c[f"in_{sorted(tags)[0]}"].append(math.nan)
            for name, _ in CLASS_HINTS:
                c[f"class_{name}"].append(math.nan)
            continue
        tag, anc, hints, link, depth = layout[i]
        c["tag"].append(float(LAYOUT_TAGS.index(tag)) if tag in LAYOUT_TAGS else float(len(LAYOUT_TAGS) - 1))
        c["link_share"].append(float(link))
        c["depth"].append(float(depth))
        for j, tags in enumerate(ANCESTOR_FLAGS):
            c[f"in_{sorted(tags)[0]}"].append(float(bool(int(anc) >> j & 1)))
        for j, (name, _) in enumerate(CLASS_HINTS):
            c[f"class_{name}"].append(float(bool(int(hints) >> j & 1)))
