"""corpus-builder: raw documents → cleaned, segmented, pre-annotated, versioned NLP datasets."""

__version__ = "0.1.0"
