"""The learned block classifier: content vs boilerplate, from :mod:`.features`.

Two LightGBM boosters in one model file: ``html`` (every column of
:data:`~.features.FEATURES`; pages with trafilatura's main text or a layout) and ``text``
(:data:`~.features.TEXT_FEATURES`; plain text, and HTML whose lines lost their layout), and since
1.3.0 a third, ``title``, that picks the plain text's title line (:mod:`.title`), and a fourth,
``short``, for plain-text documents of at most :data:`SHORT_MAX_BLOCKS` blocks. The file
is JSON: ``{"format", "version", "threshold", "features": {...}, "boosters": {"html": <LightGBM
model text>, "text": ...}, "training": {...}}``; ``training`` records the data (each source with
its sha256), the parameters, the seed and the figures measured at training time (cross-validated
and training-set). The model shipped with the package is
``corpus_builder/data/boilerplate/classifier.json`` (:data:`DEFAULT_MODEL_PATH`), trained by
``corpus-builder train boilerplate`` on the dev gold pages (see README, "Boilerplate labels").

The category of a boilerplate block is not learned: it stays with the cue rules
(``corpus_builder.boilerplate._categorise``).
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ConfigError
from ..records import Document
from . import CorpusStats, Signals
from .features import FEATURES, TEXT_FEATURES, block_features

__all__ = ["BlockClassifier", "DEFAULT_MODEL_PATH", "default_model", "import_lightgbm", "lean_lightgbm", "load_model", "MODEL_FORMAT"]

MODEL_FORMAT = "corpus-builder/boilerplate-classifier/1"
#: Plain-text documents of at most this many blocks go to the ``short`` booster when the model
#: file has one (a wire story, a JSONL record of a few paragraphs; the gold pages are whole web
#: pages of about 170 blocks, on which the ``text`` booster was trained). Equal to
#: ``train.CROP_MAX_BLOCKS``, the longest crop it is trained on.
SHORT_MAX_BLOCKS = 12
DEFAULT_MODEL_NAME = "classifier.json"


#: Set by :func:`lean_lightgbm` in the processes corpus-builder owns (the CLI, the worker pool).
_LEAN = False
#: Optional integrations ``import lightgbm`` 4.x loads eagerly when they are installed, none of
#: which the booster's ``predict`` needs (LightGBM issue #7327, "Speed up 'import lightgbm'",
#: 2026; PR #7340 made some of them lazy in later releases).
_LIGHTGBM_EXTRAS = ("sklearn", "pandas", "dask", "matplotlib", "graphviz", "datatable", "cffi", "pyarrow")


def lean_lightgbm() -> None:
    """Import LightGBM without its optional scikit-learn, pandas, dask, ... integrations from now
    on, in this process (call it only in a process corpus-builder owns: the CLI does, and so do
    the pool's workers). Measured (lightgbm 4.7.0, 2026-12-02): a bare Python importing it
    peaked at 222 MiB resident and took 2.5 s with scikit-learn and pandas installed (both are,
    for the agreement figures and ``datasets``), 59 MiB and 0.55 s lean; ``prepare`` loads it in
    every worker. The integrations stay importable afterwards (``import sklearn`` works); only
    LightGBM's own sklearn/pandas wrappers are off in that process, and the boosters here use
    neither. Does nothing when LightGBM is already imported."""
    global _LEAN
    _LEAN = True


def import_lightgbm() -> Any:
    """The ``lightgbm`` module, imported lean after :func:`lean_lightgbm` in this process (the
    one place corpus-builder imports it: prediction, training and the fork server)."""
    import sys

    if "lightgbm" in sys.modules or not _LEAN:
        import lightgbm

        return lightgbm
    blocked = [name for name in _LIGHTGBM_EXTRAS if name not in sys.modules]
    for name in blocked:
        sys.modules[name] = None  # type: ignore[assignment]  # makes "import name" raise ImportError
    try:
        import lightgbm
    finally:
        for name in blocked:
            if name in sys.modules and sys.modules[name] is None:
                del sys.modules[name]
    return lightgbm


def _default_path() -> Path:
    return Path(str(resources.files("corpus_builder") / "data" / "boilerplate" / DEFAULT_MODEL_NAME))


#: The model file shipped in the package.
DEFAULT_MODEL_PATH: Path = _default_path()


class BlockClassifier:
    """Content/boilerplate decision per block from two LightGBM boosters (module doc).

    ``boosters``: ``{"html": lightgbm.Booster, "text": lightgbm.Booster}``, and optionally
    ``"title"`` (the plain-text title finder, :mod:`.title`) and ``"short"`` (plain-text
    documents of at most :data:`SHORT_MAX_BLOCKS` blocks, trained on short crops of the gold
    pages: ``train.crop_examples``; same columns as ``"text"``); ``threshold``: a block
    is content when its predicted probability of content is at least this; ``meta``: the
    ``training`` record of the file; ``sha256``: of the file it was loaded from (``None`` when
    built in memory); ``name``: the file name.
    """

    def __init__(self, boosters: dict[str, Any], threshold: float = 0.5, meta: dict | None = None, version: str = "0", name: str = "", sha256: str | None = None) -> None:
        self.boosters = boosters
        self.threshold = threshold
        self.meta = meta or {}
        self.version = version
        self.name = name
        self.sha256 = sha256

    @staticmethod
    def uses_html(doc: Document, sig: Signals) -> bool:
        """Whether ``doc`` goes to the ``html`` booster: it has trafilatura's main text or a layout."""
        return sig.coverage is not None or bool(doc.layout)

    def kind(self, doc: Document, sig: Signals) -> str:
        """The booster that decides ``doc``: ``"html"`` (:meth:`uses_html`) or ``"text"``."""
        return "html" if self.uses_html(doc, sig) else "text"

    def probabilities(self, doc: Document, sig: Signals, stats: CorpusStats | None) -> np.ndarray:
        """Probability of content per block (shape ``(len(sig.blocks),)``)."""
        if not sig.blocks:
            return np.zeros(0)
        html = self.uses_html(doc, sig)
        x = block_features(doc, sig, stats, html)
        return self.boosters["html" if html else "text"].predict(x, num_threads=1)

    def predict(self, doc: Document, sig: Signals, stats: CorpusStats | None) -> list[bool]:
        """Content (``True``) or boilerplate per block of ``sig.blocks``: the booster alone."""
        return [bool(p >= self.threshold) for p in self.probabilities(doc, sig, stats)]

    def decide(self, doc: Document, sig: Signals, stats: CorpusStats | None) -> list[bool]:
        """The pipeline's decision per block of ``sig.blocks`` (content = ``True``): the booster,
        then :func:`corpus_builder.boilerplate.finalize` with the title booster on the
        plain-text path (:meth:`decide_rows`)."""
        if not sig.blocks:
            return []
        html = self.uses_html(doc, sig)
        return self.decide_rows(block_features(doc, sig, stats, html), sig, "html" if html else "text")

    def decide_rows(self, x: np.ndarray, sig: Signals, kind: str) -> list[bool]:
        """:meth:`decide` on a feature matrix already computed (``x``: :func:`block_features` of
        the page for booster ``kind``, ``"html"`` or ``"text"``). A model file without a ``title``
        booster (before 1.3.0) takes the nearest headline-shaped line as the plain text's title."""
        from . import finalize
        from .title import title_rows

        if not len(x):
            return []
        booster = self.boosters[kind]
        if kind == "text" and "short" in self.boosters and len(x) <= SHORT_MAX_BLOCKS:
            booster = self.boosters["short"]
        probs = booster.predict(x, num_threads=1)
        predicted = [bool(p >= self.threshold) for p in probs]
        scores = None
        if kind == "text" and "title" in self.boosters:
            booster = self.boosters["title"]

            def scores(cands: list[int], first: int) -> Sequence[float]:
                return booster.predict(title_rows(x, cands, first), num_threads=1)

        return finalize(sig, predicted, sig.coverage is not None, kind, scores)

    # -- files --------------------------------------------------------------------------------

    def to_json(self) -> str:
        """The model file's text (deterministic: same boosters and meta give the same bytes)."""
        data = {
            "format": MODEL_FORMAT,
            "version": self.version,
            "threshold": self.threshold,
            "features": _feature_record(self.boosters),
            "boosters": {k: b.model_to_string(num_iteration=-1) for k, b in sorted(self.boosters.items())},
            "training": self.meta,
        }
        return json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n"

    def save(self, path: str | Path) -> str:
        """Write the model file (UTF-8 JSON) and return its sha256."""
        text = self.to_json()
        Path(path).write_text(text, encoding="utf-8")
        self.sha256 = hashlib.sha256(text.encode("utf-8")).hexdigest()
        self.name = Path(path).name
        return self.sha256

    def manifest_entry(self) -> dict[str, str]:
        """What a release manifest records of this model: name, version and content hash."""
        return {"name": self.name or "in-memory", "version": self.version, "sha256": self.sha256 or ""}


def _feature_record(boosters: dict[str, Any]) -> dict[str, list[str]]:
    """The ``features`` record of a model file with these boosters: the column names of each."""
    from .title import TITLE_FEATURES

    out = {"html": list(FEATURES), "text": list(TEXT_FEATURES)}
    if "title" in boosters:
        out["title"] = list(TITLE_FEATURES)
    if "short" in boosters:
        out["short"] = list(TEXT_FEATURES)
    return out


def load_model(path: str | Path) -> BlockClassifier:
    """Read a model file written by :meth:`BlockClassifier.save`.

    Raises :class:`ConfigError` naming the file when it is missing, not JSON, of another format,
    or trained on other feature columns than this version computes (retrain it with
    ``corpus-builder train boilerplate``).
    """
    lightgbm = import_lightgbm()
    path = Path(path)
    try:
        raw = path.read_bytes()
        data = json.loads(raw.decode("utf-8"))
    except FileNotFoundError as e:
        raise ConfigError(f"{path}: boilerplate model file not found (train one with 'corpus-builder train boilerplate')") from e
    except IsADirectoryError as e:
        raise ConfigError(f"{path}: is a folder, not a boilerplate model file (give the .json file that 'corpus-builder train boilerplate --out' wrote)") from e
    except OSError as e:
        raise ConfigError(f"{path}: the boilerplate model file cannot be read ({e.strerror or e})") from e
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ConfigError(f"{path}: not a boilerplate model file (invalid JSON: {e})") from e
    if not isinstance(data, dict) or data.get("format") != MODEL_FORMAT:
        raise ConfigError(f"{path}: not a boilerplate model file (format {data.get('format') if isinstance(data, dict) else None!r}, expected {MODEL_FORMAT!r})")
    boosters_text = data.get("boosters") if isinstance(data.get("boosters"), dict) else {}
    if not {"html", "text"} <= set(boosters_text) <= {"html", "text", "title", "short"}:
        raise ConfigError(f"{path}: the model file needs an 'html' and a 'text' booster (and may have 'title' and 'short' ones)")
    if data.get("features") != _feature_record(boosters_text):
        raise ConfigError(f"{path}: the model was trained on other feature columns than this corpus-builder computes; retrain it with 'corpus-builder train boilerplate'")
    boosters = {k: lightgbm.Booster(model_str=v) for k, v in boosters_text.items()}
    return BlockClassifier(
        boosters,
        float(data.get("threshold", 0.5)),
        data.get("training") or {},
        str(data.get("version", "0")),
        path.name,
        hashlib.sha256(raw).hexdigest(),
    )


@functools.lru_cache(maxsize=8)
def _load_cached(path: str) -> BlockClassifier:
    return load_model(path)


def default_model(path: str | Path | None = None) -> BlockClassifier:
    """The model at ``path`` (default: the one shipped, :data:`DEFAULT_MODEL_PATH`), loaded once
    per process. Raises :class:`ConfigError` as :func:`load_model`."""
    return _load_cached(str(path or DEFAULT_MODEL_PATH))


def importance(model: BlockClassifier, kind: str = "html", top: int = 15) -> list[tuple[str, float]]:
    """The ``top`` features of a booster by total gain (share of the booster's total)."""
    b = model.boosters[kind]
    gains = b.feature_importance(importance_type="gain")
    from .title import TITLE_FEATURES

    names: Sequence[str] = {"html": FEATURES, "text": TEXT_FEATURES, "short": TEXT_FEATURES, "title": TITLE_FEATURES}[kind]
    total = float(gains.sum()) or 1.0
    ranked = sorted(zip(names, gains), key=lambda t: -t[1])[:top]
    return [(n, round(float(g) / total, 4)) for n, g in ranked]
