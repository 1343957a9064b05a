"""Near-duplicate documents: MinHash LSH over the documents' content text (datasketch).

The case that matters is the syndicated wire copy: the same agency story on two sites, with each
site's menus, share buttons and teasers around it, and sometimes a changed headline or an added
line. Exact deduplication (``prepare``: same cleaned text) misses it; if one copy lands in train
and the other in test, the test set leaks.

Method (numbers are the defaults, written into the manifest):

- content text: the document's content blocks (boilerplate lines left out), lowercased, cut into
  words (``\\w+``); shingles are word 5-grams (a document of fewer than 5 words is one shingle);
- MinHash signature of 128 permutations (datasketch 2, scheme ``affine32``, seed 1, sha1-32 of
  each shingle's UTF-8);
- candidates from datasketch's ``MinHashLSH`` at threshold 0.8 (bands and rows chosen by
  datasketch for that threshold), each checked on the signatures: a pair is a near-duplicate when
  the estimated Jaccard similarity of their shingle sets is >= 0.8 (standard error about 0.035 at
  0.8 with 128 permutations);
- clusters are the connected components of near-duplicate pairs (union-find): A~B and B~C put A,
  B, C in one cluster. The cluster *key* is its smallest ``doc_id``; the split rule buckets the
  key, so all members land in the same split; a document without near-duplicates is its own
  cluster (its key is its ``doc_id``, the split it always had).
- the document *kept* by ``--dedup near`` is the first reviewed member, else the first member, in
  input order.

Jaccard >= 0.8 on word 5-grams is the threshold of the deduplication literature for web text
(e.g. the near-duplicate stage of the BigCode/Gopher pipelines uses 5-grams and 0.7-0.85).

Cost: one pass over the documents, streaming; memory holds one signature (128 x uint32 = 512
bytes) and the LSH band keys per document, never the texts (``benchmarks/dedup.py`` measures it).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..records import Document

THRESHOLD = 0.8
NGRAM = 5
NUM_PERM = 128
SEED = 1
#: datasketch 2.x hashing scheme (32-bit affine permutations), named so signatures stay comparable.
SCHEME = "affine32"
_WORD = re.compile(r"\w+")


def content_text(doc: Document) -> str:
    """The text of ``doc``'s content blocks (boilerplate left out), one line each."""
    return "\n".join(doc.text[b.start : b.end] for b in doc.blocks if not b.is_boilerplate)


def shingles(text: str, n: int = NGRAM) -> set[str]:
    """Word ``n``-grams of ``text`` (lowercased ``\\w+`` words joined by a space); a text of fewer
    than ``n`` words gives one shingle, an empty one none."""
    words = _WORD.findall(text.lower())
    if len(words) < n:
        return {" ".join(words)} if words else set()
    return {" ".join(words[i : i + n]) for i in range(len(words) - n + 1)}


@dataclass(frozen=True)
class Cluster:
    """Near-duplicate documents: ``key`` (smallest doc_id), ``members`` (input order), ``kept``
    (what ``--dedup near`` keeps) and ``similarity`` (smallest estimated Jaccard of the pairs that
    joined it)."""

    key: str
    members: tuple[str, ...]
    kept: str
    similarity: float

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "members": list(self.members), "kept": self.kept, "similarity": round(self.similarity, 4)}


@dataclass(frozen=True)
class NearDuplicates:
    """The near-duplicate clusters of a corpus (clusters of two or more documents, in order of
    their first member) and the parameters used."""

    clusters: tuple[Cluster, ...] = ()
    threshold: float = THRESHOLD
    ngram: int = NGRAM
    num_perm: int = NUM_PERM
    documents: int = 0
    _key: dict[str, str] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        for c in self.clusters:
            for m in c.members:
                self._key[m] = c.key

    def key_of(self, doc_id: str) -> str:
        """The split key of ``doc_id``: its cluster's key, or ``doc_id`` itself."""
        return self._key.get(doc_id, doc_id)

    def dropped(self) -> dict[str, Cluster]:
        """doc_id → cluster of every member that ``--dedup near`` drops (all but ``kept``)."""
        return {m: c for c in self.clusters for m in c.members if m != c.kept}

    def manifest_entry(self, dedup: str) -> dict[str, Any]:
        """The manifest's ``near_duplicates`` entry (``dedup``: ``split`` or ``near``)."""
        return {
            "method": (
                f"MinHash LSH (datasketch), {self.num_perm} permutations, word {self.ngram}-grams of the lowercased "
                f"content text (boilerplate lines left out); pairs with estimated Jaccard >= {self.threshold}; "
                "clusters = connected components; key = smallest doc_id"
            ),
            "threshold": self.threshold,
            "ngram": self.ngram,
            "num_perm": self.num_perm,
            "dedup": dedup,
            "documents_checked": self.documents,
            "clusters_count": len(self.clusters),
            "documents_in_clusters": sum(len(c.members) for c in self.clusters),
            "dropped": sum(len(c.members) - 1 for c in self.clusters) if dedup == "near" else 0,
            "clusters": [c.to_dict() for c in self.clusters],
        }

    @classmethod
    def from_manifest(cls, entry: dict[str, Any] | None) -> "NearDuplicates":
        """Rebuild from a manifest's ``near_duplicates`` entry (``None``: no clusters)."""
        if not entry:
            return cls()
        return cls(
            tuple(Cluster(c["key"], tuple(c["members"]), c["kept"], c["similarity"]) for c in entry.get("clusters", [])),
            entry.get("threshold", THRESHOLD), entry.get("ngram", NGRAM), entry.get("num_perm", NUM_PERM), entry.get("documents_checked", 0),
        )


def find_near_duplicates(
    documents: Iterable[Document],
    *,
    threshold: float = THRESHOLD,
    ngram: int = NGRAM,
    num_perm: int = NUM_PERM,
    progress: Callable[[int], None] | None = None,
) -> NearDuplicates:
    """Cluster the near-duplicates among ``documents`` (consumed once, streaming).

    Returns :class:`NearDuplicates` with every cluster of two or more documents. A document with
    no content word takes part in no cluster. ``progress(1)`` is called per document. Raises
    ``ValueError`` for a threshold outside (0, 1] or ``ngram`` < 1.
    """
    from datasketch import MinHash, MinHashLSH

    if not 0 < threshold <= 1 or ngram < 1:
        raise ValueError(f"threshold must be in (0, 1] and ngram >= 1 (got {threshold}, {ngram})")
    template = MinHash(num_perm=num_perm, seed=SEED, scheme=SCHEME)
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    signatures: dict[str, np.ndarray] = {}
    order: dict[str, int] = {}
    reviewed: set[str] = set()
    parent: dict[str, str] = {}
    joined: dict[str, float] = {}

    def find(x: str) -> str:
        while parent.get(x, x) != x:
            parent[x] = parent.get(parent[x], parent[x])
            x = parent[x]
        return x

    n = 0
    for doc in documents:
        n += 1
        if progress:
            progress(1)
        grams = shingles(content_text(doc), ngram)
        if not grams:
            continue
        m = MinHash(num_perm=num_perm, seed=SEED, permutations=template.permutations, scheme=SCHEME)
        m.update_batch([g.encode("utf-8") for g in grams])
        sig = m.hashvalues.astype(np.uint32)
        order[doc.doc_id] = len(order)
        if doc.status == "reviewed":
            reviewed.add(doc.doc_id)
        for other in lsh.query(m):
            sim = float(np.mean(signatures[other] == sig))
            if sim >= threshold:
                a, b = find(doc.doc_id), find(other)
                if a != b:
                    parent[a] = b
                joined[b] = min(joined.get(b, 1.0), joined.get(a, 1.0), sim)
        signatures[doc.doc_id] = sig
        lsh.insert(doc.doc_id, m)
    groups: dict[str, list[str]] = {}
    for doc_id in parent:
        groups.setdefault(find(doc_id), []).append(doc_id)
    for root in list(groups):
        if root not in groups[root]:
            groups[root].append(root)
    clusters = []
    for root, members in groups.items():
        members = sorted(set(members), key=order.__getitem__)
        kept = next((m for m in members if m in reviewed), members[0])
        sim = min((joined[r] for r in {root, *members} if r in joined), default=1.0)
        clusters.append(Cluster(min(members), tuple(members), kept, sim))
    clusters.sort(key=lambda c: order[c.members[0]])
    return NearDuplicates(tuple(clusters), threshold, ngram, num_perm, n)
