"""The warning a release prints when its documents per split are far from the fractions asked for."""

from __future__ import annotations

from corpus_builder.release.rows import split_share_warning


def _manifest(train: int, validation: int, test: int, near: dict | None = None) -> dict:
    return {
        "counts": {"documents": {"train": train, "validation": validation, "test": test, "total": train + validation + test}},
        "split": {"fractions": {"train": 0.8, "validation": 0.1, "test": 0.1}},
        "near_duplicates": near,
    }


def test_a_split_far_from_the_fractions_asked_for_is_said_with_its_cause() -> None:
    # fourth fresh-user trial: 600 documents, two clusters of near-duplicates of 300 and 235,
    # 80/10/10 asked and 52 / 4 / 544 given without a word
    near = {"clusters_count": 2, "documents_in_clusters": 535, "dedup": "split"}
    line = split_share_warning(_manifest(52, 4, 544, near))
    assert line.startswith("documents per split: train 52 (9%) / validation 4 (1%) / test 544 (91%), far from the 80/10/10 asked for")
    assert "535 documents are near-duplicates in 2 clusters" in line and "--dedup near" in line
    without_clusters = split_share_warning(_manifest(52, 4, 544))
    assert "hashes each document's id" in without_clusters and "--dedup" not in without_clusters


def test_no_warning_near_the_fractions_or_on_a_few_documents() -> None:
    assert split_share_warning(_manifest(790, 110, 100)) is None
    assert split_share_warning(_manifest(6, 0, 0)) is None  # a hash split of 6 documents cannot be 80/10/10
    assert split_share_warning({"counts": {}, "split": {}}) is None
