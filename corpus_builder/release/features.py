"""Explicit ``datasets.Features`` and Arrow schemas of the three release configs.

Every Parquet shard is written with :func:`arrow_schema` of its config, so all shards of a config
have the same schema whatever their content (a column that is all null or all empty in a shard
keeps its declared type), text columns are ``string`` (never ``large_string``), lists of structs
stay lists of structs (``datasets.List({...})``, not ``Sequence({...})`` which would turn them into
a struct of lists), and the schema metadata carries the ``huggingface`` features so that
``datasets.load_dataset`` restores ``ClassLabel`` names for ``ner_tags``.

Offsets are ``int32`` code points (end-exclusive); ``ner_tags`` are ``ClassLabel`` ids in the
order of :data:`corpus_builder.records.NER_TAGS` (the conll2003 order).
"""

from __future__ import annotations

import pyarrow as pa
from datasets import ClassLabel, Features, List, Value

from ..records import NER_TAGS

#: The release configs, in card order.
CONFIGS: tuple[str, ...] = ("documents", "sentences", "ner")
#: The splits, in card order.
SPLITS: tuple[str, ...] = ("train", "validation", "test")


def span_feature() -> dict:
    """Struct of an entity span: ``{start, end, label, text, source, annotator}`` (records.Span)."""
    return {
        "start": Value("int32"),
        "end": Value("int32"),
        "label": Value("string"),
        "text": Value("string"),
        "source": Value("string"),
        "annotator": Value("string"),
    }


def block_feature() -> dict:
    """Struct of a block: ``{start, end, is_boilerplate, boilerplate_label, source}`` (records.Block)."""
    return {
        "start": Value("int32"),
        "end": Value("int32"),
        "is_boilerplate": Value("bool"),
        "boilerplate_label": Value("string"),
        "source": Value("string"),
    }


def documents_features() -> Features:
    """Features of the ``documents`` config (one row per document, document offsets)."""
    return Features(
        {
            "doc_id": Value("string"),
            "source": Value("string"),
            "text": Value("string"),
            "lang": Value("string"),
            "raw_sha256": Value("string"),
            "status": Value("string"),
            "blocks": List(block_feature()),
            "entities": List(span_feature()),
            "predictions": List(span_feature()),
        }
    )


def sentences_features() -> Features:
    """Features of the ``sentences`` config (document offsets for the sentence, sentence offsets
    for its ``entities`` and ``predictions``)."""
    return Features(
        {
            "doc_id": Value("string"),
            "sent_index": Value("int32"),
            "start": Value("int32"),
            "end": Value("int32"),
            "text": Value("string"),
            "is_boilerplate": Value("bool"),
            "boilerplate_label": Value("string"),
            "status": Value("string"),
            "entities": List(span_feature()),
            "predictions": List(span_feature()),
        }
    )


def ner_features() -> Features:
    """Features of the ``ner`` config: ``tokens`` and IOB2 ``ner_tags`` (ClassLabel names NER_TAGS)."""
    return Features(
        {
            "doc_id": Value("string"),
            "sent_index": Value("int32"),
            "tokens": List(Value("string")),
            "ner_tags": List(ClassLabel(names=list(NER_TAGS))),
        }
    )


def features_for(config: str) -> Features:
    """The :class:`datasets.Features` of ``config`` (one of :data:`CONFIGS`)."""
    return {"documents": documents_features, "sentences": sentences_features, "ner": ner_features}[config]()


def arrow_schema(config: str) -> pa.Schema:
    """The Arrow schema every shard of ``config`` is written with, including the ``huggingface``
    features metadata that ``datasets`` reads back (``Features.from_arrow_schema``)."""
    return features_for(config).arrow_schema
