"""Shared fixtures. Real data is read in place from ``../shared/data`` and never copied here."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("CORPUS_BUILDER_SHARED_DATA", PROJECT_ROOT.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The shared real-data folder; fails loudly (never skips) when it is missing."""
    if not SHARED_DATA.is_dir():
        pytest.fail(f"shared data folder not found at {SHARED_DATA}: tests need ../shared/data (see README)")
    return SHARED_DATA


@pytest.fixture(scope="session")
def seed_path(shared_data: Path) -> Path:
    seeds = sorted((shared_data / "seeds").glob("*.txt"))
    if not seeds:
        pytest.fail(f"no seed document in {shared_data / 'seeds'}")
    return seeds[0]
