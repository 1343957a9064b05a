"""The learned title finder of the plain-text path: which line above the body is the page's title.

A scraped page saved as text has no markup to say where its title is. The rule of 1.1.0 took
the nearest headline-shaped line above the first body block (:func:`corpus_builder.boilerplate.
_find_headline`); on the dev gold pages read as plain text that line was the page's title on
about a third of the pages, and a byline, a date, a photo caption, a widget ("Text size") or a
teaser title on the others (measured 2026-12-02; docs/quality.md, "Boilerplate rules 1.3.0").
The line kept as the title becomes content, so those lines went into the ``ner`` config.

Here every headline-shaped line among the :data:`~corpus_builder.boilerplate.TITLE_LOOKBACK`
blocks above the body is a *candidate*, and a small LightGBM booster (the ``title`` booster of
the block classifier's model file) scores each one from the text booster's feature row of the
line (:data:`~.features.TEXT_FEATURES`) plus its place among the candidates
(:data:`TITLE_FEATURES`). The best candidate is the title when its score is at least
:data:`TITLE_THRESHOLD`; otherwise no line is (the nearest one is then labelled ``metadata``).

Training labels come from the gold pages' HTML: a candidate is the title when its words are
those of the page's ``<title>`` or an ``<h1>`` (:func:`is_page_title`). The plain text of the
page (its visible lines) is what the booster sees, never the markup.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from . import TITLE_LOOKBACK, _Feat, _is_headline
from .features import TEXT_FEATURES

__all__ = ["TITLE_FEATURES", "candidates", "title_rows", "page_titles", "is_page_title"]

#: Columns of the title booster: the candidate's text-booster row, then its distance in blocks
#: to the first body block, its rank among the candidates from the body up (0 = nearest), the
#: number of candidates, and whether it is the document's first block.
TITLE_FEATURES: tuple[str, ...] = TEXT_FEATURES + ("title_gap", "title_rank", "title_candidates", "title_first_block")
#: A line is the page title when this share of its words are in the ``<title>``/``<h1>`` ...
TITLE_LINE_SHARE = 0.8
#: ... and this share of the ``<title>``/``<h1>`` words are in the line (a site name after "|"
#: in ``<title>`` does not count against it).
TITLE_TAG_SHARE = 0.5
#: The best candidate is the title when its score is at least this. Measured (5-fold CV by site,
#: the four dev gold sets read as plain text, three fold assignments summed, 2026-12-02; 120
#: pages have their ``<title>``/``<h1>`` among the candidates): 0.5 kept 83 titles and 25 other
#: lines, 0.3 kept 92 titles and 30 other lines (plain-text figures within 0.001); the nearest
#: headline-shaped line of 1.1.0 was the title on 60 pages and another line on 100.
TITLE_THRESHOLD = 0.3
_WORD = re.compile(r"\w+")


def candidates(feats: Sequence[_Feat], first: int) -> list[int]:
    """Indices of the title candidates above block ``first`` (the first body block), nearest
    first: headline-shaped lines (:func:`corpus_builder.boilerplate._is_headline`, strict) that
    are not site-template lines, among the :data:`TITLE_LOOKBACK` blocks above it."""
    return [i for i in range(first - 1, max(-1, first - 1 - TITLE_LOOKBACK), -1) if _is_headline(feats[i], True) and not feats[i].template]


def title_rows(x_text: np.ndarray, cands: Sequence[int], first: int) -> np.ndarray:
    """The title booster's rows for ``cands`` (nearest first): shape ``(len(cands),
    len(TITLE_FEATURES))``; ``x_text`` is the page's text-booster matrix."""
    if not cands:
        return np.zeros((0, len(TITLE_FEATURES)))
    extra = np.array([[first - c, k, len(cands), float(c == 0)] for k, c in enumerate(cands)], dtype=np.float64)
    return np.hstack([x_text[list(cands)], extra])


def page_titles(html: str) -> list[frozenset[str]]:
    """The case-folded word sets of a page's ``<title>`` and ``<h1>`` elements (empty ones left
    out); ``[]`` when the HTML cannot be parsed."""
    import lxml.html

    try:
        root = lxml.html.fromstring(html)
    except (ValueError, TypeError, lxml.etree.ParserError):  # type: ignore[attr-defined]
        return []
    out = []
    for el in root.iter("title", "h1"):
        words = frozenset(_WORD.findall(el.text_content().casefold()))
        if words:
            out.append(words)
    return out


def is_page_title(text: str, titles: Sequence[frozenset[str]]) -> bool:
    """Whether a line is the page's title: :data:`TITLE_LINE_SHARE` of its words are in one of
    ``titles`` (:func:`page_titles`) and :data:`TITLE_TAG_SHARE` of that title's words are in
    the line."""
    words = set(_WORD.findall(text.casefold()))
    if not words:
        return False
    return any(len(words & t) >= TITLE_LINE_SHARE * len(words) and len(words & t) >= TITLE_TAG_SHARE * len(t) for t in titles)
