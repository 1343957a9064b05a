"""HTML → visible text (one block per line) and trafilatura's main content.

Stage 1 (ingest) calls :func:`extract_html` on every decoded HTML page. The document text is the
page's *visible* text, so nothing the reader sees is thrown away; which of its blocks are main
content is decided later by :mod:`corpus_builder.boilerplate`, with trafilatura's extraction
(``main_text``) as one of its signals.

The visible text is rendered from the lxml tree the way a browser lays out blocks, without CSS:
every block-level element (headings, paragraphs, list items, table cells, ``<br>``...) starts a
new line, inline elements are joined, ASCII whitespace runs fold to one space (HTML rendering
rules; U+00A0 and friends are left for the clean stage). Runs of sibling links with nothing but
separators between them (menus, tag lists, "Facebook | Twitter") give one line per link.
Scripts, styles, templates, ``<head>``, embedded objects, form controls and hidden elements
(``hidden`` attribute, inline ``display:none``/``visibility:hidden``, screen-reader-only classes)
are dropped. The text is not cleaned here (the clean stage does that once, before any offset).
"""

from __future__ import annotations

import re

import lxml.etree
import lxml.html
import trafilatura

__all__ = ["extract_html", "visible_text", "TRAFILATURA_OPTIONS"]

#: Options given to :func:`trafilatura.extract` for ``main_text``. ``favor_precision`` was chosen by
#: measurement, combined with the boilerplate stage's own signals (2026-11-29, dev gold): snippet
#: score on trafilatura-fr-dev / token F1 on aeb-en-dev = 1.000 / 0.988 with it, 0.987 / 0.978
#: with trafilatura's defaults, 0.974 / 0.977 with ``favor_recall`` (README, "Boilerplate quality").
TRAFILATURA_OPTIONS: dict[str, object] = {
    "include_comments": False,
    "include_tables": True,
    "favor_precision": True,
    "output_format": "txt",
}

# Elements whose content is never rendered as text (HTML living standard: metadata content,
# scripting, embedded content; form controls whose text is not page prose).
_SKIP_TAGS = frozenset(
    {
        "head", "title", "meta", "link", "base", "script", "style", "noscript", "template",
        "svg", "math", "iframe", "frame", "object", "embed", "applet", "canvas", "audio",
        "video", "source", "track", "picture", "map", "select", "datalist", "textarea",
        "input", "param", "img",
    }
)  # fmt: skip

# Elements rendered as blocks by browsers' default style sheet (plus table cells and rows,
# which the contract wants one per line).
_BLOCK_TAGS = frozenset(
    {
        "html", "body", "address", "article", "aside", "blockquote", "caption", "center", "dd",
        "details", "dialog", "dir", "div", "dl", "dt", "fieldset", "figcaption", "figure",
        "footer", "form", "frameset", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hgroup",
        "hr", "legend", "li", "main", "menu", "nav", "ol", "p", "pre", "section", "summary",
        "table", "tbody", "thead", "tfoot", "tr", "td", "th", "ul", "option", "optgroup",
        "noframes", "listing", "plaintext", "xmp", "button",
    }
)  # fmt: skip

# Screen-reader-only class names of common CSS frameworks (Bootstrap, WordPress, HTML5 Boilerplate,
# Drupal). Responsive classes ("hidden", "d-none") are not listed: they often hide a block on
# small screens only.
_HIDDEN_CLASSES = frozenset(
    {"sr-only", "visually-hidden", "visuallyhidden", "screen-reader-text", "element-invisible"}
)
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
_ASCII_WS = re.compile(r"[ \t\n\r\f]+")
# What may stand between the links of a link list: whitespace, separators, bullets.
_LINK_SEPARATORS = re.compile(r"[\s|•·,;/\-–—>»›:]*")


def _is_hidden(el: lxml.etree._Element) -> bool:
    attrib = el.attrib
    if "hidden" in attrib:
        return True
    style = attrib.get("style")
    if style and _HIDDEN_STYLE.search(style):
        return True
    classes = attrib.get("class")
    return bool(classes) and not _HIDDEN_CLASSES.isdisjoint(classes.split())


def _is_link_list(el: lxml.etree._Element) -> bool:
    """True when ``el`` holds two or more links and nothing but separators around them."""
    children = [c for c in el if isinstance(c.tag, str)]
    if sum(1 for c in children if c.tag == "a") < 2:
        return False
    if not _LINK_SEPARATORS.fullmatch(el.text or ""):
        return False
    for child in el:
        if isinstance(child.tag, str) and child.tag not in ("a", "br"):
            return False
        if not _LINK_SEPARATORS.fullmatch(child.tail or ""):
            return False
    return True


def visible_text(root: lxml.etree._Element) -> str:
    """Render the visible text of an lxml HTML tree, one block per line (see the module doc).

    Returns lines joined with ``"\\n"``; no line is empty and none has leading/trailing spaces.
    """
    lines: list[str] = []
    buf: list[str] = []
    pre_depth = 0
    link_lists: set[lxml.etree._Element] = set()

    def flush() -> None:
        if not buf:
            return
        raw = "".join(buf)
        buf.clear()
        for part in raw.split("\n"):
            line = _ASCII_WS.sub(" ", part).strip()
            if line:
                lines.append(line)

    def add(text: str | None) -> None:
        if text:
            buf.append(text if pre_depth else _ASCII_WS.sub(" ", text))

    walker = lxml.etree.iterwalk(root, events=("start", "end"))
    for event, el in walker:
        tag = el.tag
        if not isinstance(tag, str):  # comment or processing instruction: only its tail shows
            if event == "end":
                add(el.tail)
            continue
        tag = tag.lower()
        skipped = tag in _SKIP_TAGS or _is_hidden(el)
        if event == "start":
            if skipped:
                walker.skip_subtree()  # iterwalk still sends this element's "end" event
                continue
            if tag in _BLOCK_TAGS or tag == "br" or (tag == "a" and el.getparent() in link_lists):
                flush()
            if tag == "pre":
                pre_depth += 1
            if tag in _BLOCK_TAGS and _is_link_list(el):
                link_lists.add(el)  # its text and the links' tails are separators only: dropped
            else:
                add(el.text)
        else:  # end
            if not skipped:
                if tag in _BLOCK_TAGS or (tag == "a" and el.getparent() in link_lists):
                    flush()
                if tag == "pre":
                    pre_depth -= 1
                link_lists.discard(el)
            if tag == "br":
                flush()
            if el.getparent() not in link_lists:
                add(el.tail)
    flush()
    return "\n".join(lines)


def _parse(html: str) -> lxml.etree._Element | None:
    # Encoding is forced to UTF-8 on the encoded string, so a page's own charset declaration
    # (already honoured by ingest's decoding) cannot make lxml re-decode it.
    parser = lxml.html.HTMLParser(
        encoding="utf-8", remove_comments=True, remove_pis=True, collect_ids=False, default_doctype=False
    )
    try:
        return lxml.html.document_fromstring(html.encode("utf-8", "replace"), parser=parser)
    except (lxml.etree.ParserError, ValueError):
        return None


def extract_html(html: str) -> tuple[str, str | None]:
    """Visible text and main content of an HTML page.

    ``html``: the decoded page (``str``). Returns ``(text, main_text)``: ``text`` is the page's
    visible text, one block per line (see the module doc), not yet cleaned; ``main_text`` is
    :func:`trafilatura.extract` with :data:`TRAFILATURA_OPTIONS` (no comments), one paragraph
    per line, or ``None`` when trafilatura finds no main content. A page with no parsable
    content gives ``("", None)``; nothing is raised for malformed markup (lxml repairs it).
    """
    root = _parse(html)
    if root is None:
        return "", None
    text = visible_text(root)
    if not text:
        return "", None
    try:
        main_text = trafilatura.extract(root, **TRAFILATURA_OPTIONS)  # type: ignore[arg-type]
    except Exception:  # noqa: BLE001 - trafilatura may fail on odd trees; main_text is only a hint
        main_text = None
    return text, (main_text or None)
