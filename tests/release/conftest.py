"""Fixtures of the release-tool tests: a real release built by the pipeline (spaCy model, real
boilerplate and sentences) from the sample articles and the shared seed article, read in place."""

from __future__ import annotations

from pathlib import Path

import pytest

from corpus_builder.pipeline import PrepareOptions, prepare, release_workspace

PROJECT_ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = PROJECT_ROOT / "examples" / "articles"


@pytest.fixture(scope="session")
def real_workspace(tmp_path_factory, seed_path: Path) -> Path:
    """A workspace prepared from ``examples/articles`` and the seed article (6 documents)."""
    ws = tmp_path_factory.mktemp("release-tools") / "ws"
    prepare([EXAMPLES, seed_path.parent], ws, PrepareOptions(workers=1))
    return ws


@pytest.fixture(scope="session")
def real_release(real_workspace: Path, tmp_path_factory) -> Path:
    """Release ``demo 1.0.0`` of :func:`real_workspace`, split 50/30/20 so that train and
    validation both have documents."""
    releases = tmp_path_factory.mktemp("releases")
    info = release_workspace(real_workspace, name="demo", version="1.0.0", releases_dir=releases, split=(0.5, 0.3, 0.2))
    return info.path
