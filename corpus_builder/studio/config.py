"""The Label Studio labeling config, generated from the label sets in :mod:`corpus_builder.records`.

One task per document: a plain ``<Text name="text" value="$text"/>`` object tag carries the whole
cleaned document text, and two ``<Labels>`` control tags point at it, all with
``granularity="word"`` (:data:`GRANULARITY`: selections snap to whole words):

- ``label``: entity labels (:data:`~corpus_builder.records.ENTITY_LABELS`: PER, ORG, LOC, MISC);
- ``boilerplate``: boilerplate categories (:data:`~corpus_builder.records.BOILERPLATE_LABELS`),
  drawn over whole blocks (lines). A block without a boilerplate region is content.

:func:`parse_config` reads any config back into a :class:`LabelingConfig`, which :mod:`.merge` uses
to reject results whose ``from_name``/``to_name``/label the config does not define.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass, field

from ..errors import ConfigError
from ..records import BOILERPLATE_LABELS, ENTITY_LABELS

#: ``name`` of the object tag (``to_name`` of every result) and the task data key holding the text.
TEXT_NAME = "text"
#: ``from_name`` of entity regions.
ENTITY_FROM_NAME = "label"
#: ``from_name`` of boilerplate regions.
BOILERPLATE_FROM_NAME = "boilerplate"

#: Region colours (cosmetic only: results never depend on them). Label Studio paints a text
#: region with its label's colour at low opacity, so the entity labels take four strong colours of
#: the Okabe-Ito palette (Okabe & Ito 2008, "Color Universal Design"; distinct under protanopia,
#: deuteranopia and tritanopia): ORG blue and LOC bluish green stay apart at highlight strength,
#: where the former teal/steel-blue pair nearly merged. Every boilerplate label gets its own light
#: colour from Paul Tol's colour-blind-safe "light" and "pale" schemes (SRON/EPS/TN/09-002), so
#: neighbouring lines with different labels no longer merge into one grey band.
ENTITY_COLOURS = {"PER": "#D55E00", "ORG": "#0072B2", "LOC": "#009E73", "MISC": "#CC79A7"}
BOILERPLATE_COLOURS = {
    "navigation": "#77AADD",
    "share": "#99DDFF",
    "caption": "#44BB99",
    "related": "#BBCC33",
    "promo": "#EE8866",
    "comments": "#FFAABB",
    "footer": "#AAAA00",
    "duplicate": "#EEDD88",
    "metadata": "#BBCCEE",
    "other": "#DDDDDD",
}
_FALLBACK_ENTITY_COLOUR = "#56B4E9"  # Okabe-Ito sky blue, for a label outside ENTITY_COLOURS
_FALLBACK_BOILERPLATE_COLOUR = "#CCDDAA"  # Tol pale green

#: Selection granularity of the editor: a drag snaps to whole words, so a sloppy drag cannot make a
#: region such as "raîneur lill". Label Studio 1.23.2 accepts ``granularity`` (symbol, word,
#: sentence, paragraph) on ``<Text>`` (default ``symbol``) and on ``<Labels>`` (which wins when set;
#: ``web/dist/apps/labelstudio/358.js``); the browser's word boundaries do the snapping
#: (``Selection.modify``). Spans that still cut a word are reported by the merge (:mod:`.merge`).
GRANULARITY = "word"

#: Object tags whose results carry DOM node paths instead of text offsets: never accepted.
NODE_PATH_TAGS = frozenset({"hypertext", "html", "richtext"})


@dataclass(frozen=True)
class LabelingConfig:
    """A parsed labeling config: ``controls`` maps a control ``name`` to ``(to_name, tag, labels)``;
    ``objects`` maps an object tag ``name`` to its lower-cased tag and ``value``."""

    xml: str
    controls: dict[str, tuple[str, str, frozenset[str]]] = field(default_factory=dict)
    objects: dict[str, tuple[str, str]] = field(default_factory=dict)

    def labels_of(self, from_name: str) -> frozenset[str]:
        return self.controls[from_name][2]


def labeling_config(
    entity_labels: Sequence[str] = ENTITY_LABELS, boilerplate_labels: Sequence[str] = BOILERPLATE_LABELS
) -> str:
    """Return the labeling config XML for ``entity_labels`` and ``boilerplate_labels`` (validated).

    Raises :class:`ConfigError` when a label set is empty, has duplicates, or the two sets overlap.
    """
    view = ET.Element("View")
    ET.SubElement(view, "Header", value="Entités (PER, ORG, LOC, MISC)")
    ents = ET.SubElement(view, "Labels", name=ENTITY_FROM_NAME, toName=TEXT_NAME, granularity=GRANULARITY)
    for lab in entity_labels:
        ET.SubElement(ents, "Label", value=lab, background=ENTITY_COLOURS.get(lab, _FALLBACK_ENTITY_COLOUR))
    ET.SubElement(view, "Header", value="Boilerplate (bloc entier)")
    bp = ET.SubElement(view, "Labels", name=BOILERPLATE_FROM_NAME, toName=TEXT_NAME, granularity=GRANULARITY)
    for lab in boilerplate_labels:
        ET.SubElement(bp, "Label", value=lab, background=BOILERPLATE_COLOURS.get(lab, _FALLBACK_BOILERPLATE_COLOUR))
    ET.SubElement(view, "Text", name=TEXT_NAME, value="$" + TEXT_NAME, granularity=GRANULARITY)
    ET.indent(view)
    xml = ET.tostring(view, encoding="unicode")
    validate_config(xml, entity_labels, boilerplate_labels)
    return xml


def parse_config(xml: str) -> LabelingConfig:
    """Parse a labeling config into a :class:`LabelingConfig`.

    Raises :class:`ConfigError` if the XML is malformed, a control has no ``name``/``toName``, two
    tags share a name, or a control points at an object tag that does not exist.
    """
    try:
        root = ET.fromstring(xml)
    except ET.ParseError as e:
        raise ConfigError(f"labeling config is not well-formed XML ({e}); regenerate it with `corpus-builder studio config`") from e
    controls: dict[str, tuple[str, str, frozenset[str]]] = {}
    objects: dict[str, tuple[str, str]] = {}
    for el in root.iter():
        tag = el.tag.lower()
        name = el.get("name")
        value = el.get("value", "")
        if name is None:
            continue
        if name in controls or name in objects:
            raise ConfigError(f"labeling config: two tags are named {name!r}; tag names must be unique")
        to_name = el.get("toName")
        if to_name is not None:
            labels = [c.get("value") for c in el if c.tag.lower() == "label"]
            if any(v is None for v in labels):
                raise ConfigError(f"labeling config: a <Label> under {name!r} has no value attribute")
            if len(set(labels)) != len(labels):
                raise ConfigError(f"labeling config: control {name!r} lists a label twice")
            controls[name] = (to_name, tag, frozenset(labels))  # type: ignore[arg-type]
        elif value.startswith("$"):
            objects[name] = (tag, value)
    for cname, (to_name, _, _) in controls.items():
        for target in to_name.split(","):
            if target not in objects:
                raise ConfigError(f"labeling config: control {cname!r} has toName={target!r} but no object tag has that name")
    return LabelingConfig(xml=xml, controls=controls, objects=objects)


def validate_config(
    xml: str, entity_labels: Sequence[str] = ENTITY_LABELS, boilerplate_labels: Sequence[str] = BOILERPLATE_LABELS
) -> LabelingConfig:
    """Check that ``xml`` is the config this tool needs and return it parsed.

    Required: one ``<Text name="text" value="$text"/>``; a ``<Labels name="label" toName="text">``
    holding exactly ``entity_labels``; a ``<Labels name="boilerplate" toName="text">`` holding
    exactly ``boilerplate_labels``; the two label sets disjoint and non-empty.
    Raises :class:`ConfigError` naming what is wrong.
    """
    cfg = parse_config(xml)
    if cfg.objects.get(TEXT_NAME) != ("text", "$" + TEXT_NAME):
        raise ConfigError(f'labeling config needs <Text name="{TEXT_NAME}" value="${TEXT_NAME}"/> (one task per document)')
    if set(entity_labels) & set(boilerplate_labels):
        raise ConfigError(f"entity and boilerplate labels overlap: {sorted(set(entity_labels) & set(boilerplate_labels))}")
    for name, want in ((ENTITY_FROM_NAME, entity_labels), (BOILERPLATE_FROM_NAME, boilerplate_labels)):
        if not want:
            raise ConfigError(f"labeling config: the {name!r} label set is empty")
        got = cfg.controls.get(name)
        if got is None or got[1] != "labels" or got[0] != TEXT_NAME:
            raise ConfigError(f'labeling config needs <Labels name="{name}" toName="{TEXT_NAME}">')
        if got[2] != frozenset(want):
            raise ConfigError(
                f"labeling config: {name!r} has labels {sorted(got[2])}, expected {sorted(want)}; regenerate it with `corpus-builder studio config`"
            )
    return cfg


def granularity_advice(xml: str) -> str | None:
    """A one-line advice when the ``<Labels>`` tags of ``xml`` (a project's labeling config, e.g.
    one made before :data:`GRANULARITY` was set) let annotators select characters rather than
    words (neither the ``<Labels>`` nor the ``<Text>`` says ``granularity="word"``), else ``None``."""
    try:
        root = ET.fromstring(xml)
    except ET.ParseError:
        return None
    text_g = next((el.get("granularity") for el in root.iter() if el.tag.lower() == "text" and el.get("name") == TEXT_NAME), None)
    loose = [el.get("name") for el in root.iter() if el.tag.lower() == "labels" and (el.get("granularity") or text_g or "symbol") != GRANULARITY]
    if not loose:
        return None
    return (f"the project's labeling config lets annotators select single characters ({', '.join(map(str, loose))} without "
            f'granularity="{GRANULARITY}"); paste the output of `corpus-builder studio config` in Settings → Labeling Interface')
