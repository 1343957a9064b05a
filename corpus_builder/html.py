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
from dataclasses import dataclass

import lxml.etree
import lxml.html
import trafilatura

__all__ = ["extract_html", "extract_page", "HtmlPage", "LineLayout", "visible_lines", "visible_text", "TRAFILATURA_OPTIONS"]

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


#: Tags a line's layout may name as its innermost block (:class:`LineLayout` ``tag``); any other
#: block tag is ``"other"``, and a line made by one link of a link list is ``"a"``.
LAYOUT_TAGS: tuple[str, ...] = (
    "p", "div", "li", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6", "a", "span", "figcaption",
    "blockquote", "dd", "dt", "pre", "section", "article", "header", "footer", "nav", "aside",
    "form", "button", "caption", "address", "body", "other",
)  # fmt: skip

#: Ancestor elements recorded as flags (bit ``i`` of :class:`LineLayout` ``ancestors`` is set when
#: the line sits inside an element of ``ANCESTOR_FLAGS[i]``). HTML5 sectioning elements and the
#: containers where boilerplate lives (menus, forms, figures, tables, lists).
ANCESTOR_FLAGS: tuple[frozenset[str], ...] = (
    frozenset({"nav"}), frozenset({"header"}), frozenset({"footer"}), frozenset({"aside"}),
    frozenset({"form", "button"}), frozenset({"figure", "figcaption"}), frozenset({"article"}),
    frozenset({"main"}), frozenset({"li", "ul", "ol", "dl"}), frozenset({"table"}),
    frozenset({"blockquote"}), frozenset({"h1", "h2", "h3", "h4", "h5", "h6"}), frozenset({"time"}),
    frozenset({"strong", "b", "em", "i"}), frozenset({"address"}),
)  # fmt: skip

#: Words looked for in the ``class`` and ``id`` attributes of a line's ancestors (bit ``i`` of
#: :class:`LineLayout` ``hints`` for ``CLASS_HINTS[i]``): the names site templates give to their
#: boilerplate containers (the cue words of Kohlschütter et al. 2010 and of trafilatura's
#: ``xpaths.py`` discard lists) and to the article body.
CLASS_HINTS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(rx))
    for name, rx in (
        ("nav", r"nav|menu|breadcrumb|pagination|pager|topbar"),
        ("footer", r"footer|copyright|legal|cookie|consent|gdpr"),
        ("share", r"share|sharing|social|facebook|twitter|whatsapp|print"),
        ("comment", r"comment|disqus|reply|respond|discussion"),
        ("related", r"related|recommend|popular|most|trending|teaser|outbrain|taboola|more|read-?next|also"),
        ("promo", r"(^|[-_ ])ads?([-_ ]|$)|advert|promo|sponsor|banner|newsletter|subscri|paywall|signup|premium"),
        ("sidebar", r"sidebar|widget|aside|rail"),
        ("caption", r"caption|credit|legend|figure|photo|image|media|gallery"),
        ("meta", r"byline|author|date|time|meta|dateline|publish|info"),
        ("tags", r"(^|[-_ ])tags?([-_ ]|$)|keyword|topic|categor"),
        ("title", r"title|headline|heading"),
        ("content", r"article|content|entry|post|story|body|text|main|chapo|lead|intro"),
    )
)


@dataclass(frozen=True)
class LineLayout:
    """Where one line of the visible text came from in the page (a feature source for the
    boilerplate classifier, :mod:`corpus_builder.boilerplate.features`).

    ``tag``: the innermost block element holding the line, one of :data:`LAYOUT_TAGS`.
    ``ancestors`` / ``hints``: bit sets over :data:`ANCESTOR_FLAGS` and :data:`CLASS_HINTS`.
    ``link_share``: share of the line's characters inside ``<a>`` (0–1, jusText's link density).
    ``depth``: number of open elements above the line.
    """

    tag: str
    ancestors: int
    hints: int
    link_share: float
    depth: int

    def to_list(self) -> list:
        return [self.tag, self.ancestors, self.hints, self.link_share, self.depth]

    @classmethod
    def from_list(cls, row: list) -> "LineLayout":
        return cls(str(row[0]), int(row[1]), int(row[2]), float(row[3]), int(row[4]))


def _class_hints(el: lxml.etree._Element) -> int:
    words = f"{el.get('class') or ''} {el.get('id') or ''}".lower()
    if not words.strip():
        return 0
    bits = 0
    for i, (_name, rx) in enumerate(CLASS_HINTS):
        if rx.search(words):
            bits |= 1 << i
    return bits


def _ancestor_bits(tag: str) -> int:
    bits = 0
    for i, tags in enumerate(ANCESTOR_FLAGS):
        if tag in tags:
            bits |= 1 << i
    return bits


def visible_text(root: lxml.etree._Element) -> str:
    """Render the visible text of an lxml HTML tree, one block per line (see the module doc).

    Returns lines joined with ``"\\n"``; no line is empty and none has leading/trailing spaces.
    """
    return "\n".join(visible_lines(root)[0])


def visible_lines(root: lxml.etree._Element) -> tuple[list[str], list[LineLayout]]:
    """The lines of :func:`visible_text` and, for each, its :class:`LineLayout` (same length)."""
    lines: list[str] = []
    layouts: list[LineLayout] = []
    buf: list[str] = []
    link_chars = 0
    pre_depth = 0
    link_depth = 0
    link_lists: set[lxml.etree._Element] = set()
    # open elements: (tag, ancestor bits incl. this one, hint bits incl. this one, is a block)
    stack: list[tuple[str, int, int, bool]] = []

    def flush() -> None:
        nonlocal link_chars
        if not buf:
            return
        raw = "".join(buf)
        buf.clear()
        total = len(_ASCII_WS.sub("", raw))
        share = round(min(1.0, link_chars / total), 3) if total else 0.0
        link_chars = 0
        tag = "body"
        for t, _a, _h, is_block in reversed(stack):
            if is_block or t == "a":
                tag = t if t in LAYOUT_TAGS else "other"
                break
        anc, hints = (stack[-1][1], stack[-1][2]) if stack else (0, 0)
        for part in raw.split("\n"):
            line = _ASCII_WS.sub(" ", part).strip()
            if line:
                lines.append(line)
                layouts.append(LineLayout(tag, anc, hints, share, len(stack)))

    def add(text: str | None) -> None:
        nonlocal link_chars
        if text:
            buf.append(text if pre_depth else _ASCII_WS.sub(" ", text))
            if link_depth:
                link_chars += len(_ASCII_WS.sub("", text))

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
            in_link_list = tag == "a" and el.getparent() in link_lists
            if tag in _BLOCK_TAGS or tag == "br" or in_link_list:
                flush()
            if tag == "pre":
                pre_depth += 1
            if tag == "a":
                link_depth += 1
            parent_anc, parent_hints = (stack[-1][1], stack[-1][2]) if stack else (0, 0)
            stack.append((tag, parent_anc | _ancestor_bits(tag), parent_hints | _class_hints(el), tag in _BLOCK_TAGS and tag != "br" or in_link_list))
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
                if tag == "a":
                    link_depth -= 1
                link_lists.discard(el)
                stack.pop()
            if tag == "br":
                flush()
            if el.getparent() not in link_lists:
                add(el.tail)
    flush()
    return lines, layouts


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


@dataclass(frozen=True)
class HtmlPage:
    """What :func:`extract_page` reads from a page: ``text`` (visible text, one block per line,
    not yet cleaned), ``main_text`` (trafilatura's extraction or ``None``) and ``layout`` (one
    :class:`LineLayout` per line of ``text``)."""

    text: str
    main_text: str | None
    layout: tuple[LineLayout, ...] = ()


def extract_page(html: str) -> HtmlPage:
    """Visible text, main content and per-line layout of an HTML page.

    ``html``: the decoded page (``str``). ``text`` is the page's visible text (module doc);
    ``main_text`` is :func:`trafilatura.extract` with :data:`TRAFILATURA_OPTIONS` (no comments),
    one paragraph per line, or ``None`` when trafilatura finds no main content; ``layout[i]``
    describes line ``i`` of ``text``. A page with no parsable content gives an empty page;
    nothing is raised for malformed markup (lxml repairs it).
    """
    root = _parse(html)
    if root is None:
        return HtmlPage("", None)
    lines, layout = visible_lines(root)
    if not lines:
        return HtmlPage("", None)
    try:
        main_text = trafilatura.extract(root, **TRAFILATURA_OPTIONS)  # type: ignore[arg-type]
    except Exception:  # noqa: BLE001 - trafilatura may fail on odd trees; main_text is only a hint
        main_text = None
    return HtmlPage("\n".join(lines), main_text or None, tuple(layout))


def extract_html(html: str) -> tuple[str, str | None]:
    """``(text, main_text)`` of :func:`extract_page` (the page's visible text and trafilatura's
    main content)."""
    page = extract_page(html)
    return page.text, page.main_text
