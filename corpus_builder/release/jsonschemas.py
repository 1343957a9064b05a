"""The JSON Schemas of released records, loaded from the package and validated with ``jsonschema``.

The schema files live in the repository's top-level ``schemas/`` folder; ``corpus_builder/schemas``
is a symlink to it, so they are found the same way in a checkout, an editable install and a wheel
(setuptools copies the symlinked files into the wheel through the ``schemas/*.json`` package-data
entry). Schemas refer to each other by file name (``"$ref": "span.schema.json"``).
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry, Resource

#: Schema names (file ``<name>.schema.json``) shipped with corpus-builder that the release uses.
RELEASE_SCHEMAS = ("span", "block", "release_document", "release_sentence", "release_ner", "manifest")


def schema_names() -> list[str]:
    """Names of every schema file shipped in ``corpus_builder/schemas`` (without ``.schema.json``)."""
    folder = resources.files("corpus_builder") / "schemas"
    return sorted(p.name[: -len(".schema.json")] for p in folder.iterdir() if p.name.endswith(".schema.json"))


@lru_cache(maxsize=None)
def load_schema(name: str) -> dict[str, Any]:
    """Return the parsed JSON Schema ``corpus_builder/schemas/<name>.schema.json``.

    Raises ``FileNotFoundError`` if no such schema is shipped.
    """
    path = resources.files("corpus_builder") / "schemas" / f"{name}.schema.json"
    return json.loads(path.read_text(encoding="utf-8"))


@lru_cache(maxsize=None)
def _registry() -> Registry:
    resources_ = [(f"{n}.schema.json", Resource.from_contents(load_schema(n))) for n in schema_names()]
    return Registry().with_resources(resources_)


@lru_cache(maxsize=None)
def validator(name: str) -> Draft202012Validator:
    """A compiled Draft 2020-12 validator for schema ``name``, with ``$ref`` to sibling schemas resolved."""
    return Draft202012Validator(load_schema(name), registry=_registry())


def row_errors(name: str, row: Any, where: str) -> list[str]:
    """Check ``row`` against schema ``name``; return one message per violation (empty = valid).

    ``where`` names the record for the message (e.g. ``"sentences/train-...parquet row 12"``);
    each message adds the JSON path of the offending field.
    """
    out = []
    for err in sorted(validator(name).iter_errors(row), key=lambda e: list(e.absolute_path)):
        field = "/".join(str(p) for p in err.absolute_path) or "(row)"
        out.append(f"{where}: field {field}: {err.message}")
    return out
