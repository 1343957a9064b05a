"""Fixtures of the Label Studio tests: small French documents written by hand, a workspace holding
them, and a real Label Studio server started once per session (see ``ls_server``)."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest
from studio_helpers import build_workspace, sample_documents

from corpus_builder.records import Document
from corpus_builder.workspace import Workspace


@pytest.fixture
def docs() -> list[Document]:
    return sample_documents()


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    return build_workspace(tmp_path / "ws")


@pytest.fixture(scope="session")
def ls_server(tmp_path_factory: pytest.TempPathFactory):
    """A real Label Studio on 127.0.0.1 (free port, temporary data folder), started once per
    session and always stopped. Startup (database migrations) takes 30-90 s; bounded by
    ``CORPUS_BUILDER_LS_TIMEOUT`` seconds (default 300). Fails, never skips, when label-studio is
    missing: install the ``studio`` extra."""
    from corpus_builder.studio.server import free_port, start_server

    if shutil.which("label-studio") is None and not (Path(sys.executable).with_name("label-studio")).is_file():
        pytest.fail("label-studio is not installed: pip install -e '.[test,studio]'")
    data_dir = tmp_path_factory.mktemp("label-studio")
    server = start_server(data_dir, port=free_port(), timeout=float(os.environ.get("CORPUS_BUILDER_LS_TIMEOUT", "300")))
    try:
        yield server
    finally:
        server.stop()
