"""Releases: versioned Parquet datasets that ``datasets.load_dataset`` reads (issue 2, "The release").

Layout of ``<releases_dir>/<name>/<version>/``::

    README.md      dataset card: YAML ``configs`` (documents, sentences = default, ner) with the exact
                   data files per split; description, counts, label distribution, review, how it was built
    manifest.json  name, version, schema version, components, inputs (sha256), rejects, split rule,
                   files (sha256, rows), counts, review, the card's sha256 (see manifest.schema.json)
    documents/<split>-<i:05d>-of-<n:05d>-<sha16>.parquet
    sentences/<split>-...parquet
    ner/<split>-...parquet

Public API: :func:`write_release`, :func:`validate_release`, :class:`ReleaseInfo`, the features
(:func:`features_for`, :func:`arrow_schema`) and :func:`split_of`.
"""

from .card import card_data_files, render_card
from .features import CONFIGS, SPLITS, arrow_schema, features_for
from .jsonschemas import load_schema, row_errors
from .manifest import read_manifest
from .rows import SPLIT_RULE, split_of
from .validate import ValidationReport, check_release, environment_differences, validate_release
from .writer import ReleaseInfo, check_name, check_version, write_release

__all__ = [
    "CONFIGS",
    "SPLITS",
    "SPLIT_RULE",
    "ReleaseInfo",
    "ValidationReport",
    "arrow_schema",
    "card_data_files",
    "check_name",
    "check_release",
    "check_version",
    "environment_differences",
    "features_for",
    "load_schema",
    "read_manifest",
    "render_card",
    "row_errors",
    "split_of",
    "validate_release",
    "write_release",
]
