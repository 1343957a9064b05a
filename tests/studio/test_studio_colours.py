"""Label colours of the labeling config: one colour per label; entity colours strong and far
apart even at Label Studio's highlight strength, boilerplate colours lighter."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from itertools import combinations

from corpus_builder.records import BOILERPLATE_LABELS, ENTITY_LABELS
from corpus_builder.studio.config import labeling_config

#: Label Studio draws a text region with its label's background at about this opacity.
HIGHLIGHT_ALPHA = 0.3


def colours() -> dict[str, dict[str, str]]:
    root = ET.fromstring(labeling_config())
    return {el.get("name"): {lab.get("value"): lab.get("background") for lab in el} for el in root.iter("Labels")}


def rgb(hex_colour: str) -> tuple[float, float, float]:
    h = hex_colour.lstrip("#")
    return tuple(int(h[i : i + 2], 16) / 255 for i in (0, 2, 4))  # type: ignore[return-value]


def over_white(c: tuple[float, float, float], alpha: float) -> tuple[float, float, float]:
    return tuple(alpha * x + (1 - alpha) for x in c)  # type: ignore[return-value]


def lab(c: tuple[float, float, float]) -> tuple[float, float, float]:
    """sRGB (0-1) → CIELAB (D65), the textbook formulas."""
    lin = [x / 12.92 if x <= 0.04045 else ((x + 0.055) / 1.055) ** 2.4 for x in c]
    x = (0.4124 * lin[0] + 0.3576 * lin[1] + 0.1805 * lin[2]) / 0.95047
    y = 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]
    z = (0.0193 * lin[0] + 0.1192 * lin[1] + 0.9505 * lin[2]) / 1.08883
    f = [t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116 for t in (x, y, z)]
    return (116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2]))


def delta_e(a: str, b: str, alpha: float = 1.0) -> float:
    la, lb = lab(over_white(rgb(a), alpha)), lab(over_white(rgb(b), alpha))
    return sum((p - q) ** 2 for p, q in zip(la, lb)) ** 0.5


def test_every_label_has_its_own_colour():
    c = colours()
    assert set(c["label"]) == set(ENTITY_LABELS) and set(c["boilerplate"]) == set(BOILERPLATE_LABELS)
    every = list(c["label"].values()) + list(c["boilerplate"].values())
    assert len(set(every)) == len(every)


def test_entity_colours_stay_apart_at_highlight_strength():
    ents = colours()["label"]
    # the old ORG/LOC pair (#2a9d8f / #457b9d) was 10 ΔE apart at 30% (ours: 18 and more)
    assert delta_e("#2a9d8f", "#457b9d", HIGHLIGHT_ALPHA) < 11
    for a, b in combinations(ents, 2):
        assert delta_e(ents[a], ents[b], HIGHLIGHT_ALPHA) > 15, (a, b)


def test_boilerplate_colours_are_lighter_and_distinct():
    c = colours()
    darkest_boilerplate = min(lab(rgb(v))[0] for v in c["boilerplate"].values())
    lightest_entity = max(lab(rgb(v))[0] for v in c["label"].values())
    assert darkest_boilerplate > lightest_entity
    for a, b in combinations(c["boilerplate"], 2):
        assert delta_e(c["boilerplate"][a], c["boilerplate"][b]) > 10, (a, b)
