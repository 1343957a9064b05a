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
  the decisions);
- **text context** (plain-text booster only, :data:`TEXT_CONTEXT`; :func:`_text_context`): the
  nearest *long* block each way (jusText's context skips short lines: minute marks of a live
  blog, subheadings), the density of sentence-like lines around the block and its distance to the
  page's longest run of them (the body), length after it, stop-word density relative to the
  page, the open boilerplate section (a "section" cue below the body, not yet closed by a good
  paragraph), lexical cohesion with the page's prose, the share of the block's words that are
  cue words on their own (a share bar "Partager : Facebook Twitter LinkedIn"), and a credit
  tail ("… / Jean Dupuis", "(C) Name").
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence

import numpy as np

from ..html import ANCESTOR_FLAGS, CLASS_HINTS, LAYOUT_TAGS
from ..records import BOILERPLATE_LABELS, Document
from . import LENGTH_LOW, MIN_CORPUS_DOCS, CorpusStats, Signals, _is_headline, _shingles, is_cue_word

__all__ = ["FEATURES", "TEXT_CONTEXT", "TEXT_FEATURES", "block_features"]

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
#: Context columns of the plain-text booster (:func:`_text_context`). Each group was kept because
#: leaving it out lowered the mean cross-validated plain-text figure of FR, EN and EN2 (5 folds by
#: site, averaged over three fold assignments, 2026-12-02; docs/quality.md, "How the block
#: classifier was chosen").
TEXT_CONTEXT: tuple[str, ...] = (
    "long_prev_gap", "long_prev_stop", "long_prev_ends", "long_prev_rule", "long_prev_chars",
    "long_next_gap", "long_next_stop", "long_next_ends", "long_next_rule", "long_next_chars",
    "prose_win3", "chars_win3", "prose_win10", "chars_win10",
    "body_run_distance", "body_run_share", "own_run_share",
    "stop_relative", "stop_page_median",
    "corpus_df_log@-1", "corpus_df_log@+1",
    "log_chars@-1", "prose@-1", "log_chars@+1", "prose@+1",
    "chars_after_share", "before_first_long", "after_last_long",
    "section_open", "since_section_cue",
    "cohesion", "cohesion@-1", "cohesion@+1",
    "cue_word_share", "cue_prefix", "credit_tail",
)  # fmt: skip


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
#: The columns of the plain-text model (no trafilatura, no layout), with the context columns.
TEXT_FEATURES: tuple[str, ...] = _names(_TEXT_OWN, _TEXT_NEIGHBOUR, _FAR) + TEXT_CONTEXT
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
    if not html:
        ctx = _text_context(doc, sig, stats)
        parts.append(np.array([ctx[name] for name in TEXT_CONTEXT], dtype=np.float64).T.reshape(n, len(TEXT_CONTEXT)))
    return np.hstack(parts)


def _shift(a: np.ndarray, off: int) -> np.ndarray:
    """``a`` moved so that row ``i`` holds row ``i + off`` (``NaN`` past either end)."""
    n = len(a)
    out = np.full(n, np.nan)
    if off < 0 and n + off > 0:
        out[-off:] = a[: n + off]
    elif off > 0 and n - off > 0:
        out[: n - off] = a[off:]
    return out


#: A sentence-like line (for the context columns): at least this many words and a final mark.
PROSE_WORDS = 8
#: A run of sentence-like lines may hold this many other short lines (a subheading, a minute mark).
RUN_GAP = 2
_COHESION_WORD = re.compile(r"[^\W\d_]{4,}")
_CUE_HEAD = re.compile(r"\s[:|]\s?|\s-\s")
_CREDIT_TAIL = re.compile(r"(\s/\s*|\(c\)\s*|©\s*|\bcr[ée]dits?\s*:?\s*)((?:[A-ZÀ-Ý][\w.'-]*\s*){1,4})$", re.IGNORECASE)


def _text_context(doc: Document, sig: Signals, stats: CorpusStats | None) -> dict[str, np.ndarray]:
    """The :data:`TEXT_CONTEXT` columns of ``doc``'s blocks (arrays of shape ``(n,)``).

    A *long* block has at least ``LENGTH_LOW`` (70) characters, jusText's short/long limit; a
    *sentence-like* line has :data:`PROSE_WORDS` words and a final sentence mark. Runs of
    sentence-like lines may hold :data:`RUN_GAP` other short lines; the page's *body run* is the
    run with the most characters. Cohesion: share of the block's word types (4+ letters) found in
    the page's other jusText good/near blocks. The families these serve (a live blog's lines
    between minute marks, a teaser or comment area after the body, a share bar of network names,
    a caption ending with a credit) are in docs/quality.md, "Where our stages lose points".
    """
    feats = sig.feats
    n = len(feats)
    idx = np.arange(n)
    nch = np.array([f.n_chars for f in feats], dtype=np.float64)
    nw = np.array([f.n_words for f in feats], dtype=np.float64)
    stop = np.array([f.stop_density for f in feats], dtype=np.float64)
    ends = np.array([float(bool(_SENTENCE_END.search(f.text))) for f in feats])
    rule = np.array([float(v) for v in sig.rule_text])
    prose = ((nw >= PROSE_WORDS) & (ends > 0)).astype(np.float64)
    long_ = nch >= LENGTH_LOW
    c: dict[str, np.ndarray] = {}
    # the nearest long block before / after
    for step, tag in ((-1, "prev"), (1, "next")):
        j_of = np.full(n, -1)
        last = -1
        for i in range(n) if step == -1 else range(n - 1, -1, -1):
            j_of[i] = last
            if long_[i]:
                last = i
        ok = j_of >= 0
        j = np.where(ok, j_of, 0)
        c[f"long_{tag}_gap"] = np.where(ok, np.abs(idx - j), np.nan)
        c[f"long_{tag}_stop"] = np.where(ok, stop[j], np.nan)
        c[f"long_{tag}_ends"] = np.where(ok, ends[j], np.nan)
        c[f"long_{tag}_rule"] = np.where(ok, rule[j], np.nan)
        c[f"long_{tag}_chars"] = np.where(ok, np.log1p(nch[j]), np.nan)
    # sentence-like lines and characters around the block
    cum_prose = np.concatenate([[0.0], np.cumsum(prose)])
    cum_chars = np.concatenate([[0.0], np.cumsum(nch)])
    for w in (3, 10):
        lo, hi = np.clip(idx - w, 0, n), np.clip(idx + w + 1, 0, n)
        c[f"prose_win{w}"] = (cum_prose[hi] - cum_prose[lo]) / (hi - lo)
        c[f"chars_win{w}"] = np.log1p((cum_chars[hi] - cum_chars[lo]) / (hi - lo))
    runs: list[tuple[int, int, float]] = []
    start, last_prose, gap, chars = None, 0, 0, 0.0
    for i in range(n):
        if prose[i]:
            if start is None:
                start, chars = i, 0.0
            chars += nch[i]
            last_prose, gap = i, 0
        elif start is not None:
            gap += 1
            if gap > RUN_GAP or long_[i]:
                runs.append((start, last_prose, chars))
                start, gap = None, 0
    if start is not None:
        runs.append((start, last_prose, chars))
    if runs:
        a, b, body_chars = max(runs, key=lambda t: t[2])
        run_of = np.full(n, -1)
        for r, (ra, rb, _) in enumerate(runs):
            run_of[ra : rb + 1] = r
        c["body_run_distance"] = np.where(idx < a, idx - a, np.where(idx > b, idx - b, 0)).astype(np.float64)
        c["body_run_share"] = np.full(n, body_chars / max(1.0, nch.sum()))
        c["own_run_share"] = np.array([runs[r][2] / body_chars if r >= 0 else 0.0 for r in run_of])
    else:
        for name in ("body_run_distance", "body_run_share", "own_run_share"):
            c[name] = np.full(n, np.nan)
    # stop words relative to the page (languages and registers differ)
    ref = stop[long_] if long_.any() else stop
    median = float(np.median(ref)) if len(ref) else 0.0
    c["stop_relative"] = stop - median
    c["stop_page_median"] = np.full(n, median)
    # corpus repetition and shape of the neighbours
    if stats is not None and stats.n_docs >= MIN_CORPUS_DOCS:
        df = np.array([math.log1p(stats.doc_freq(f.text)) for f in feats])
    else:
        df = np.full(n, np.nan)
    c["corpus_df_log@-1"], c["corpus_df_log@+1"] = _shift(df, -1), _shift(df, 1)
    for off in (-1, 1):
        c[f"log_chars@{off:+d}"] = _shift(np.log1p(nch), off)
        c[f"prose@{off:+d}"] = _shift(prose, off)
    # position by characters and long blocks
    total = max(1.0, nch.sum())
    c["chars_after_share"] = (total - (np.cumsum(nch) - nch) - nch) / total
    longs = np.where(long_)[0]
    c["before_first_long"] = (idx < longs[0]).astype(np.float64) if len(longs) else np.full(n, np.nan)
    c["after_last_long"] = (idx > longs[-1]).astype(np.float64) if len(longs) else np.full(n, np.nan)
    # the open boilerplate section (as the rules open and close it)
    section = np.zeros(n)
    since = np.full(n, np.nan)
    body, is_open, cue_at = False, False, None
    for i, f in enumerate(feats):
        if f.n_chars >= LENGTH_LOW and rule[i]:
            body = True
        if f.cue is not None and f.cue.scope == "section":
            is_open, cue_at = body, i
        elif f.cf == "good":
            is_open = False
        section[i] = float(is_open)
        if cue_at is not None:
            since[i] = i - cue_at
    c["section_open"], c["since_section_cue"] = section, since
    # lexical cohesion with the page's prose
    types = [set(_COHESION_WORD.findall(f.text.casefold())) for f in feats]
    prose_blocks = [f.cf in ("good", "near") for f in feats]
    counts: Counter[str] = Counter()
    for t, p in zip(types, prose_blocks):
        if p:
            counts.update(t)
    cohesion = np.full(n, np.nan)
    for i, t in enumerate(types):
        if t:
            own = 1 if prose_blocks[i] else 0
            cohesion[i] = sum(1 for w in t if counts[w] - own > 0) / len(t)
    c["cohesion"], c["cohesion@-1"], c["cohesion@+1"] = cohesion, _shift(cohesion, -1), _shift(cohesion, 1)
    # cue words inside a longer line, and credit tails
    cue_prefix = np.zeros(n)
    for i, f in enumerate(feats):
        head = _CUE_HEAD.split(f.text, maxsplit=1)
        if len(head) > 1 and f.cue is None:
            cue_prefix[i] = float(is_cue_word(doc.lang, head[0].strip()))
    c["cue_word_share"], c["cue_prefix"] = np.array([f.cue_words for f in feats], dtype=np.float64), cue_prefix
    c["credit_tail"] = np.array([float(bool(_CREDIT_TAIL.search(f.text))) for f in feats])
    return c


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
