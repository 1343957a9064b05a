"""The data contract: the records every stage exchanges.

Offsets everywhere are Unicode code points into ``Document.text``, end-exclusive, unless a name
says otherwise (``Sentence``-relative entity offsets in a release are the one documented
exception and are produced only by :mod:`corpus_builder.release`). ``text[start:end]`` always
equals a span's ``text``.

Records are frozen dataclasses; a stage returns new records instead of mutating old ones
(``dataclasses.replace``). ``to_dict``/``from_dict`` are the only JSON (de)serialisers, used by
the workspace and by the release writer, and they match the JSON Schemas in ``schemas/``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any, Literal

SCHEMA_VERSION = "1.0.0"

#: Entity labels, in the CoNLL-2003 order used for the BIO ``ClassLabel`` of the ``ner`` config.
ENTITY_LABELS: tuple[str, ...] = ("PER", "ORG", "LOC", "MISC")
#: IOB2 tag names, in the conll2003 ``ner_tags`` order (source: the ``conll2003`` dataset card).
NER_TAGS: tuple[str, ...] = ("O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC", "B-MISC", "I-MISC")

#: Boilerplate categories (documented in README.md, "Boilerplate labels").
BOILERPLATE_LABELS: tuple[str, ...] = (
    "navigation",  # menus, breadcrumbs, "Tout voir", "Tous les podcasts"
    "share",  # share / like / print buttons
    "caption",  # photo captions and credits, bylines-as-credits
    "related",  # related topics, "most read", teasers to other articles or podcasts
    "promo",  # newsletter, subscription, advertising, job ads, calls to action
    "comments",  # reader comments and comment widgets
    "footer",  # legal notices, copyright, cookie banners, contact
    "duplicate",  # a repeat of content already present in the document (title, lead)
    "metadata",  # dates, author lines, reading time, tags
    "other",  # boilerplate that no cue places in a category
)

SpanSource = Literal["prediction", "annotation"]
Status = Literal["predicted", "reviewed"]


@dataclass(frozen=True)
class Span:
    """An entity span over a text.

    ``start``/``end``: code points, end-exclusive. ``label``: one of :data:`ENTITY_LABELS`.
    ``source``: ``"prediction"`` (machine) or ``"annotation"`` (a person, via Label Studio).
    ``annotator``: who made an annotation span (Label Studio user id or e-mail), else ``None``.
    """

    start: int
    end: int
    label: str
    text: str
    source: SpanSource = "prediction"
    annotator: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Span":
        return cls(**{f.name: d[f.name] for f in fields(cls) if f.name in d})


@dataclass(frozen=True)
class Block:
    """A line of the cleaned document text (never contains ``\\n``).

    ``boilerplate_label`` is ``None`` for content and one of :data:`BOILERPLATE_LABELS` otherwise.
    ``source`` says who labelled it, as for :class:`Span`.
    """

    start: int
    end: int
    is_boilerplate: bool = False
    boilerplate_label: str | None = None
    source: SpanSource = "prediction"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Block":
        return cls(**{f.name: d[f.name] for f in fields(cls) if f.name in d})


@dataclass(frozen=True)
class Sentence:
    """A sentence: document offsets, always inside one block (``block_index``)."""

    start: int
    end: int
    block_index: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Sentence":
        return cls(**{f.name: d[f.name] for f in fields(cls) if f.name in d})


@dataclass(frozen=True)
class RawDocument:
    """What ingest produces: decoded but not yet cleaned text.

    ``source``: the input path relative to the folder it was found under (or the JSONL ``source``,
    or ``"<file>#L<line>"`` for a JSONL line without one). ``raw_sha256``: hex sha256 of the raw
    bytes (for JSONL: of the line's UTF-8 bytes). ``doc_id``: an id given by the input (JSONL
    ``id``), else ``None``. ``main_text``: for HTML, the main content as extracted by trafilatura
    (a hint for the boilerplate stage), else ``None``. ``encoding``: the detected input encoding.
    """

    source: str
    raw_sha256: str
    text: str
    format: Literal["txt", "html", "jsonl"]
    doc_id: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    main_text: str | None = None
    encoding: str = "utf-8"
    #: HTML only: one ``LineLayout.to_list()`` row per line of ``text`` (see
    #: :class:`corpus_builder.html.LineLayout`), else ``None``.
    layout: tuple[tuple, ...] | None = None


@dataclass(frozen=True)
class Document:
    """A cleaned document with its annotations (spans beside the text, never inside it).

    ``doc_id``: stable id (see :func:`corpus_builder.clean.make_doc_id`). ``text``: cleaned text,
    blocks separated by ``\\n``. ``blocks`` tile the non-empty lines; ``sentences`` tile the
    non-blank part of each block; ``entities`` carry document offsets. ``predictions``: the
    machine's entity spans, kept apart once a person has reviewed the document (``status ==
    "reviewed"``, ``entities`` then hold the human annotation). ``main_text``: trafilatura's main
    content for HTML inputs and ``layout`` the page layout of each block (workspace only, never
    released).
    """

    doc_id: str
    source: str
    text: str
    lang: str
    raw_sha256: str
    blocks: tuple[Block, ...] = ()
    sentences: tuple[Sentence, ...] = ()
    entities: tuple[Span, ...] = ()
    predictions: tuple[Span, ...] = ()
    status: Status = "predicted"
    meta: dict[str, Any] = field(default_factory=dict)
    main_text: str | None = None
    #: HTML inputs: one :class:`corpus_builder.html.LineLayout` row ``[tag, ancestors, hints,
    #: link_share, depth]`` per block (non-empty line) of ``text``, in order; ``None`` when the
    #: page's lines could not be matched after cleaning, or for other formats. Workspace only.
    layout: tuple[tuple, ...] | None = None

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        for key in ("blocks", "sentences", "entities", "predictions"):
            d[key] = list(d[key])
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Document":
        return cls(
            doc_id=d["doc_id"],
            source=d["source"],
            text=d["text"],
            lang=d["lang"],
            raw_sha256=d["raw_sha256"],
            blocks=tuple(Block.from_dict(b) for b in d.get("blocks", ())),
            sentences=tuple(Sentence.from_dict(s) for s in d.get("sentences", ())),
            entities=tuple(Span.from_dict(s) for s in d.get("entities", ())),
            predictions=tuple(Span.from_dict(s) for s in d.get("predictions", ())),
            status=d.get("status", "predicted"),
            meta=d.get("meta") or {},
            main_text=d.get("main_text"),
            layout=tuple(tuple(row) for row in d["layout"]) if d.get("layout") else None,
        )


@dataclass(frozen=True)
class Reject:
    """An input that produced no document: ``source`` and a short ``reason`` (e.g. ``"empty"``,
    ``"binary"``, ``"undecodable"``, ``"duplicate"``), with ``detail`` for humans.

    ``source``: the file's path relative to its input folder; for a JSONL line, the record's
    ``source`` field, else the line's place. ``record``: a JSONL line's place,
    ``"<file source>#L<n>"`` (``None`` for a file; absent from :meth:`to_dict` then, so a file's
    reject reads as before). :attr:`where` names it for people."""

    source: str
    reason: str
    detail: str = ""
    record: str | None = None

    @property
    def where(self) -> str:
        """Where to find the input: ``"depeches.jsonl#L3 (source afp-wire)"`` for a JSONL line
        whose record has its own ``source``, ``"depeches.jsonl#L3"`` for one without, else
        ``source``. (Several lines may share a ``source``: it alone does not say which.)"""
        if self.record is None or self.record == self.source:
            return self.record or self.source
        return f"{self.record} (source {self.source})"

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        if d["record"] is None:
            del d["record"]
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Reject":
        return cls(**{f.name: d[f.name] for f in fields(cls) if f.name in d})


@dataclass(frozen=True)
class Notice:
    """Something ingest did that the run summary must show although no input was rejected.

    ``kind``: ``"skipped"`` (a path under an input folder that was not read: a hidden file or
    folder, a symbolic link to a folder, a file reached a second time) or ``"warning"`` (a
    document that was kept, with damage repaired or dropped: invalid UTF-8 bytes, U+FFFD
    replacement characters; a JSONL ``lang`` that is not a BCP 47 tag, ignored; or a ``.txt`` file
    holding an HTML page, read as HTML). ``source``: as for
    :class:`Reject` (the path relative to its input folder). ``reason``: short, countable
    (``"hidden file"``, ``"invalid bytes dropped"``...); ``detail`` for humans. ``record``: a
    JSONL line's place, as for :class:`Reject` (``None`` otherwise, and then absent from
    :meth:`to_dict`).
    """

    source: str
    kind: Literal["skipped", "warning"]
    reason: str
    detail: str = ""
    record: str | None = None

    @property
    def where(self) -> str:
        """Where to find the input, as :attr:`Reject.where`: ``"depeches.jsonl#L3 (source afp-wire)"``."""
        if self.record is None or self.record == self.source:
            return self.record or self.source
        return f"{self.record} (source {self.source})"

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        if d["record"] is None:
            del d["record"]
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Notice":
        return cls(**{f.name: d[f.name] for f in fields(cls) if f.name in d})
