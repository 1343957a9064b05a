"""Language tags of documents: BCP 47 checked and written in their standard form by
`langcodes <https://pypi.org/project/langcodes/>`_, and the primary language subtag that picks a
model, a cue file or a stop-list ("fr-FR", "fr-CA" and "fr" all get the French ones)."""

from __future__ import annotations


def normalize_tag(tag: str) -> str | None:
    """``tag`` in BCP 47 standard form (``"FR"`` → ``"fr"``, ``"fr_FR"`` → ``"fr-FR"``,
    ``"fre"`` → ``"fr"``), or ``None`` when it is not a valid tag (``"xx-invalid"``,
    ``"english"``)."""
    import langcodes

    tag = tag.strip()
    if not tag or not langcodes.tag_is_valid(tag):
        return None
    try:
        return langcodes.standardize_tag(tag)
    except (ValueError, LookupError):
        return None


def primary_language(tag: str | None) -> str:
    """The primary language subtag of ``tag``, lower case (``"fr-FR"`` → ``"fr"``); ``""`` for
    ``None``. Models, cue files and stop-lists are chosen by it."""
    return (tag or "").replace("_", "-").split("-", 1)[0].strip().lower()
