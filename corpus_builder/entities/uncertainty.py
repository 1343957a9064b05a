"""How sure the entity model is: the margin of its least sure decision on a text.

spaCy's ``ner`` is a greedy transition system: for every token it scores each move (``B-PER``,
``I-ORG``, ``O``, ...) and takes the best *valid* one. The margin of a decision is the best valid
score minus the second best (raw scores, before any softmax); a text's uncertainty is its
smallest margin, so a text with one hesitant decision ranks before a text the model reads
confidently throughout. This is the classic margin sampling of active learning (Scheffer et al.
2001), computed with spaCy's own parser step model (``ner.model.predict`` then
``ner.transition_states``): the same moves the pipeline takes, so the entities are unchanged.

Whether ordering by it helps is measured, not assumed (``benchmarks/entity_training.py ordering``,
docs/quality.md).
"""

from __future__ import annotations

import math
from typing import Any, Sequence


def min_margins(model: str, texts: Sequence[str], batch_size: int = 64) -> list[float]:
    """For each text, the smallest margin between the best and second-best valid move of the
    model's ``ner`` over its tokens (``math.inf`` for a text without tokens). ``model``: an
    installed pipeline name or directory (loaded once, :func:`corpus_builder.entities.load_model`)."""
    import numpy

    from . import load_model

    nlp = load_model(model)
    ner = nlp.get_pipe("ner")
    moves = ner.moves
    names = [moves.get_class_name(i) for i in range(moves.n_moves)]
    out: list[float] = []
    for b in range(0, len(texts), batch_size):
        docs = [nlp.make_doc(t) for t in texts[b : b + batch_size]]
        margins = [math.inf] * len(docs)
        nonempty = [i for i, d in enumerate(docs) if len(d)]
        if nonempty:
            states = moves.init_batch([docs[i] for i in nonempty])
            index = {id(s): i for s, i in zip(states, nonempty)}
            step_model = ner.model.predict([docs[i] for i in nonempty])
            todo = [s for s in states if not s.is_final()]
            while todo:
                scores = numpy.ascontiguousarray(step_model.predict(todo), dtype="f")
                for state, row in zip(todo, scores):
                    valid = numpy.fromiter((moves.is_valid(state, n) for n in names), dtype=bool, count=len(names))
                    best = numpy.sort(row[valid])[::-1]
                    if len(best) > 1:
                        i = index[id(state)]
                        margins[i] = min(margins[i], float(best[0] - best[1]))
                ner.transition_states(todo, scores)
                todo = [s for s in todo if not s.is_final()]
            step_model.clear_memory()
        out.extend(margins)
    return out


def rank_by_uncertainty(model: str, texts: Sequence[str]) -> list[int]:
    """Indices of ``texts``, least sure first (:func:`min_margins` ascending; ties keep the order)."""
    margins = min_margins(model, texts)
    return sorted(range(len(texts)), key=lambda i: (margins[i], i))


def document_uncertainty(model: str, docs: Sequence[Any]) -> list[float]:
    """For each :class:`corpus_builder.records.Document`, the smallest margin over its blocks
    (lines when it has none): the number ``studio push --order uncertainty`` sorts by."""
    texts: list[str] = []
    owner: list[int] = []
    for k, doc in enumerate(docs):
        spans = [(b.start, b.end) for b in doc.blocks] or [(0, len(doc.text))]
        for s, e in spans:
            if doc.text[s:e].strip():
                texts.append(doc.text[s:e])
                owner.append(k)
    out = [math.inf] * len(docs)
    for k, m in zip(owner, min_margins(model, texts)):
        out[k] = min(out[k], m)
    return out
