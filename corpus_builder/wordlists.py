"""Word lists borrowed from installed packages, read without importing what they sit in.

spaCy's stop-word lists live in ``spacy/lang/<lang>/stop_words.py``; importing that module the
usual way runs ``spacy/lang/<lang>/__init__.py`` first, which for French compiles the tokenizer
exceptions into one large regular expression (2-4 s). The sentence and entity repairs need the
words, not the tokenizer, and some processes (``studio pull`` merging annotations) never load a
model: they read the file alone here.
"""

from __future__ import annotations

import importlib.util
import sys
from functools import cache
from pathlib import Path

from .errors import ConfigError


@cache
def spacy_stop_words(*langs: str) -> frozenset[str]:
    """spaCy's stop words for the languages ``langs`` (``"fr"``, ``"en"``...), together, case-folded.

    Uses ``spacy.lang.<lang>.stop_words`` if it is already imported, else executes that file
    alone (it defines ``STOP_WORDS`` from literals). Raises :class:`ConfigError` when the
    installed spaCy has no such list.
    """
    if len(langs) != 1:
        return frozenset().union(*(spacy_stop_words(lang) for lang in langs))
    (lang,) = langs
    name = f"spacy.lang.{lang}.stop_words"
    module = sys.modules.get(name)
    if module is None:
        spacy_spec = importlib.util.find_spec("spacy")  # finds the package without importing it
        path = Path(spacy_spec.origin).parent / "lang" / lang / "stop_words.py" if spacy_spec and spacy_spec.origin else None
        if path is None or not path.is_file():
            raise ConfigError(f"the installed spaCy has no stop-word list for language {lang!r}")
        spec = importlib.util.spec_from_file_location(f"_corpus_builder_stop_words_{lang}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    return frozenset(w.casefold() for w in module.STOP_WORDS)
