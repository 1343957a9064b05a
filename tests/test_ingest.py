"""Tests for corpus_builder.ingest: decoding, formats, folders, rejects with reasons."""

from __future__ import annotations

import codecs
import gzip
import hashlib
import json
import re
import sys
import types
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corpus_builder.clean import clean_text, to_document
from corpus_builder.errors import InputError
from corpus_builder.ingest import DecodeError, decode_bytes, iter_inputs
from corpus_builder.records import Notice, RawDocument, Reject


def _docs(items):
    return [i for i in items if isinstance(i, RawDocument)]


def _rejects(items):
    return {r.source: r for r in items if isinstance(r, Reject)}


def _notices(items, kind):
    return {(n.source, n.reason) for n in items if isinstance(n, Notice) and n.kind == kind}


@pytest.fixture
def fake_html(monkeypatch):
    """A stand-in for corpus_builder.html.extract_page (owned by the HTML stage): the text is the
    page with tags replaced by line breaks, the main text is the content of <article>."""
    calls = []

    def extract_html(html: str):
        calls.append(html)
        if "<boom>" in html:
            raise ValueError("parser exploded")
        text = "\n".join(s.strip() for s in re.split(r"<[^>]+>", html) if s.strip())
        m = re.search(r"<article>(.*?)</article>", html, re.S)
        return text, (m.group(1).strip() if m else None)

    def extract_page(html: str):
        text, main_text = extract_html(html)
        return types.SimpleNamespace(text=text, main_text=main_text, layout=())

    module = types.ModuleType("corpus_builder.html")
    module.extract_html = extract_html
    module.extract_page = extract_page
    monkeypatch.setitem(sys.modules, "corpus_builder.html", module)
    return calls


# --- decode_bytes -------------------------------------------------------------------------------


def test_decode_utf8_and_bom_stripped():
    assert decode_bytes("Noël à Paris".encode(), "a.txt") == ("Noël à Paris", "utf-8")
    assert decode_bytes(codecs.BOM_UTF8 + "Noël".encode(), "a.txt") == ("Noël", "utf-8")


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_decode_utf16_with_bom(encoding):
    bom = codecs.BOM_UTF16_LE if encoding.endswith("le") else codecs.BOM_UTF16_BE
    assert decode_bytes(bom + "Noël à Paris".encode(encoding), "a.txt") == ("Noël à Paris", encoding)


@pytest.mark.parametrize(
    "text",
    [
        "café élève à Noël",
        "Il a été à Paris.",
        "L’équipe « gagne » – 12 € et ça continue…",
        "España: el niño comió piñata.",
    ],
)
def test_decode_cp1252_western_text(text):
    decoded, encoding = decode_bytes(text.encode("cp1252"), "old.txt")
    assert decoded == text
    assert encoding == "cp1252"


@pytest.mark.parametrize(
    "text,encoding",
    [("Привет, как дела? Это тест.", "cp1251"), ("Zażółć gęślą jaźń, powiedział.", "cp1250")],
)
def test_decode_non_western_single_byte_text_is_not_forced_to_cp1252(text, encoding):
    assert decode_bytes(text.encode(encoding), "old.txt")[0] == text


def test_mostly_utf8_with_a_pasted_cp1252_character_is_read_as_utf8():
    paragraph = "Le président a déclaré que l’équipe était prête. " * 5
    data = paragraph.encode() + " Café".encode("cp1252") + paragraph.encode()
    text, encoding = decode_bytes(data, "mixed.txt")
    assert text == paragraph + " Café" + paragraph
    assert encoding == "utf-8+cp1252"
    short = "Café élève ".encode() + "à".encode("cp1252")
    assert decode_bytes(short, "short.txt") == ("Café élève à", "utf-8+cp1252")


def test_declared_charset_used_when_bytes_fit_it():
    data = "Ça coûte 5 €".encode("cp1252")
    assert decode_bytes(data, "p.html", declared="cp1252") == ("Ça coûte 5 €", "cp1252")


@pytest.mark.parametrize(
    "data,detail",
    [
        (b"PK\x03\x04\x14\x00binary", "signature 50 4b 03 04"),
        (b"\x7fELX\x00\x00binary", "NUL"),
        (bytes(range(1, 9)) * 30 + b"abc", "control bytes"),
    ],
)
def test_decode_binary_raises_with_reason(data, detail):
    with pytest.raises(DecodeError, match=detail) as info:
        decode_bytes(data, "blob.txt")
    assert info.value.reason == "binary"
    assert isinstance(info.value, InputError)
    assert "blob.txt" in str(info.value)


def test_decode_bad_bom_is_undecodable():
    with pytest.raises(DecodeError) as info:
        decode_bytes(codecs.BOM_UTF8 + b"caf\xe9", "bom.txt")
    assert info.value.reason == "undecodable"


# --- iter_inputs --------------------------------------------------------------------------------


def test_folder_order_sources_hashes_and_rejects(tmp_path):
    root = tmp_path / "corpus"
    (root / "sub").mkdir(parents=True)
    (root / ".git").mkdir()
    (root / "b.txt").write_text("Deuxième document.\n", encoding="utf-8")
    (root / "a.txt").write_bytes("café élève à Noël".encode("cp1252"))
    (root / "sub" / "c.TXT").write_text("Troisième document.", encoding="utf-8")
    (root / "empty.txt").write_bytes(b"")
    (root / "blank.txt").write_text(" \n\t\u00a0\u200b\n", encoding="utf-8")
    (root / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    (root / "report.pdf").write_bytes(b"%PDF-1.7")
    (root / ".hidden.txt").write_text("caché", encoding="utf-8")
    (root / ".git" / "HEAD.txt").write_text("ref", encoding="utf-8")

    items = list(iter_inputs([root]))
    docs = _docs(items)
    assert [d.source for d in docs] == ["a.txt", "b.txt", "sub/c.TXT"]
    assert docs[0].text == "café élève à Noël" and docs[0].encoding == "cp1252"
    assert docs[1].text == "Deuxième document.\n" and docs[1].format == "txt"
    assert docs[1].raw_sha256 == hashlib.sha256((root / "b.txt").read_bytes()).hexdigest()
    rejects = _rejects(items)
    assert {s: r.reason for s, r in rejects.items()} == {
        "empty.txt": "empty",
        "blank.txt": "empty",
        "image.txt": "binary",
        "report.pdf": "unsupported",
    }
    assert all(r.detail for r in rejects.values())
    assert list(iter_inputs([root])) == items  # deterministic


def test_file_given_directly_has_its_name_as_source(tmp_path):
    f = tmp_path / "deep" / "note.txt"
    f.parent.mkdir()
    f.write_text("Une note.", encoding="utf-8")
    (doc,) = iter_inputs([str(f)])
    assert doc.source == "note.txt"


def test_several_inputs_never_share_a_source(tmp_path):
    """Two folders with the same relative file name: each source says which folder it came from."""
    for name, text in (("a", "Premier texte."), ("b", "Second texte.")):
        (tmp_path / "news" / name).mkdir(parents=True)
        (tmp_path / "news" / name / "x.txt").write_text(text, encoding="utf-8")
    (tmp_path / "news" / "note.txt").write_text("Une note.", encoding="utf-8")
    news = tmp_path / "news"
    items = list(iter_inputs([news / "a", news / "b", news / "note.txt"]))
    assert [(d.source, d.text) for d in items] == [("a/x.txt", "Premier texte."), ("b/x.txt", "Second texte."), ("note.txt", "Une note.")]
    # one input keeps sources relative to it, as before
    assert [d.source for d in iter_inputs([news / "a"])] == ["x.txt"]


def test_missing_path_raises_before_anything_is_read(tmp_path):
    good = tmp_path / "ok.txt"
    good.write_text("Texte.", encoding="utf-8")
    missing = tmp_path / "nope"
    it = iter_inputs([good, missing])
    with pytest.raises(InputError, match="nope"):
        next(it)


def test_jsonl_lines_become_documents_and_bad_lines_rejects(tmp_path):
    lines = [
        json.dumps({"text": "Premier texte.", "id": "d1", "source": "site/1", "meta": {"site": "x"}, "lang": "fr"}),
        "",
        "{not json",
        json.dumps({"id": 3}),
        json.dumps({"text": 42}),
        json.dumps(["text"]),
        json.dumps({"text": "Second texte.", "id": 7}, ensure_ascii=False),
        json.dumps({"text": "   "}),
        json.dumps({"text": "Bad meta.", "meta": "x"}),
    ]
    f = tmp_path / "batch.jsonl"
    f.write_text("\r\n".join(lines) + "\n", encoding="utf-8")
    items = list(iter_inputs([tmp_path]))
    docs = _docs(items)
    assert [(d.source, d.doc_id, d.text) for d in docs] == [
        ("site/1", "d1", "Premier texte."),
        ("batch.jsonl#L7", "7", "Second texte."),
    ]
    # the line is kept beside the record's own `source` (several lines may share one)
    assert docs[0].meta == {"site": "x", "lang": "fr", "ingest": {"record": "batch.jsonl#L1"}} and docs[0].format == "jsonl"
    assert docs[1].meta == {"ingest": {"record": "batch.jsonl#L7"}}
    assert docs[0].raw_sha256 == hashlib.sha256(lines[0].encode()).hexdigest()
    rejects = _rejects(items)
    assert {s: r.reason for s, r in rejects.items()} == {
        "batch.jsonl#L3": "bad-jsonl",
        "batch.jsonl#L4": "bad-jsonl",
        "batch.jsonl#L5": "bad-jsonl",
        "batch.jsonl#L6": "bad-jsonl",
        "batch.jsonl#L8": "empty",
        "batch.jsonl#L9": "bad-jsonl",
    }
    assert "`text`" in rejects["batch.jsonl#L4"].detail
    assert "string" in rejects["batch.jsonl#L5"].detail
    # the parser's message is whole, with where it stopped (was "Expecting property name enclosed
    # in double quotes" cut after "at", or "Invalid control character at": fresh-user trial)
    assert rejects["batch.jsonl#L3"].detail == "not valid JSON (Expecting property name enclosed in double quotes, column 2)"


def test_gzipped_inputs(tmp_path):
    (tmp_path / "a.txt.gz").write_bytes(gzip.compress("Texte compressé.".encode()))
    (tmp_path / "b.jsonl.gz").write_bytes(gzip.compress(json.dumps({"text": "Ligne."}).encode() + b"\n"))
    (tmp_path / "c.txt.gz").write_bytes(b"not gzip at all")
    items = list(iter_inputs([tmp_path]))
    assert [(d.source, d.text, d.format) for d in _docs(items)] == [
        ("a.txt.gz", "Texte compressé.", "txt"),
        ("b.jsonl.gz#L1", "Ligne.", "jsonl"),
    ]
    assert _docs(items)[0].raw_sha256 == hashlib.sha256((tmp_path / "a.txt.gz").read_bytes()).hexdigest()
    assert _rejects(items)["c.txt.gz"].reason == "undecodable"


def test_html_goes_through_the_extractor(tmp_path, fake_html):
    page = "<html><body><nav>Menu</nav><article>Le corps de l'article.</article></body></html>"
    (tmp_path / "p.html").write_text(page, encoding="utf-8")
    (tmp_path / "q.htm.gz").write_bytes(gzip.compress(page.encode()))
    (tmp_path / "boom.html").write_text("<boom>", encoding="utf-8")
    (tmp_path / "bare.html").write_text("<html><body> </body></html>", encoding="utf-8")
    items = list(iter_inputs([tmp_path]))
    docs = _docs(items)
    assert [(d.source, d.format, d.text, d.main_text) for d in docs] == [
        ("p.html", "html", "Menu\nLe corps de l'article.", "Le corps de l'article."),
        ("q.htm.gz", "html", "Menu\nLe corps de l'article.", "Le corps de l'article."),
    ]
    rejects = _rejects(items)
    assert rejects["boom.html"].reason == "bad-html" and "parser exploded" in rejects["boom.html"].detail
    assert rejects["bare.html"].reason == "empty"


def test_html_declared_latin1_is_read_as_cp1252(tmp_path, fake_html):
    page = '<html><head><meta charset="iso-8859-1"></head><body><p>Ça coûte 5 € à Noël</p></body></html>'
    (tmp_path / "old.html").write_bytes(page.encode("cp1252"))
    (doc,) = iter_inputs([tmp_path])
    assert doc.encoding == "cp1252"
    assert "Ça coûte 5 € à Noël" in doc.text


def test_english_gold_pages_decompress_and_decode(shared_data, fake_html):
    pages = shared_data / "gold" / "boilerplate" / "aeb-en-dev" / "pages"
    all_items = list(iter_inputs([pages]))
    items = [i for i in all_items if not isinstance(i, Notice)]
    assert len(items) == len(list(pages.glob("*.html.gz"))) > 0
    assert all(isinstance(i, RawDocument) and i.format == "html" for i in items)
    # one page holds a U+FFFD (valid UTF-8 EF BF BD): kept, with a warning naming it
    assert _notices(all_items, "warning") == {("0dd1357045727799a447563fd8851f4ebe79f042073ea16991a9b67aa595f81a.html.gz", "invalid bytes")}
    assert all("<" in html for html in fake_html)  # the extractor got markup, not compressed bytes


def test_seed_decodes_and_cleans_with_text_unchanged_except_whitespace(seed_path):
    (raw,) = iter_inputs([seed_path])
    assert raw.encoding == "utf-8" and raw.source == seed_path.name
    doc = to_document(raw)
    original = seed_path.read_bytes().decode("utf-8")
    assert re.sub(r"\s+", "", doc.text) == re.sub(r"\s+", "", original)
    assert doc.text == clean_text(original)
    assert doc.lang == "fr"
    assert doc.raw_sha256 == hashlib.sha256(seed_path.read_bytes()).hexdigest()


def test_unreadable_file_is_a_reject(tmp_path, monkeypatch):
    f = tmp_path / "locked.txt"
    f.write_text("secret", encoding="utf-8")
    real = Path.read_bytes

    def read_bytes(self):
        if self.name == "locked.txt":
            raise PermissionError(13, "Permission denied")
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    (reject,) = iter_inputs([tmp_path])
    assert (reject.source, reject.reason) == ("locked.txt", "unreadable")


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\x00\ufeff\ufffd", exclude_categories=("Cc",)) | st.sampled_from("\n\t\r")))
def test_utf8_text_decodes_to_itself(text):
    assert decode_bytes(text.encode("utf-8"), "t.txt") == (text, "utf-8")


def test_gold_pages_through_the_real_html_extractor(shared_data):
    """The 13 French and 20 English gold pages (the English ones ``.html.gz``) with the real
    ``corpus_builder.html.extract_html``: every page gives an HTML document whose cleaned text is
    in the page's language, with trafilatura's main text inside the visible text."""
    gold = shared_data / "gold" / "boilerplate"
    for folder, lang, n_pages in (("trafilatura-fr-dev", "fr", 13), ("aeb-en-dev", "en", 20)):
        items = [i for i in iter_inputs([gold / folder / "pages"]) if not isinstance(i, Notice)]
        assert len(items) == n_pages
        for raw in items:
            assert isinstance(raw, RawDocument) and raw.format == "html", raw
            doc = to_document(raw)
            assert doc.lang == lang, (raw.source, doc.lang)
            assert clean_text(doc.text) == doc.text
            assert "\ufffd" not in doc.text  # regards.fr holds two: removed, with a warning
            assert doc.main_text, raw.source
            first_line = doc.main_text.split("\n")[0]
            assert first_line[:40] in doc.text, raw.source


# --- damaged and non-text inputs (issue 11, item 4) -----------------------------------------------

from corpus_builder.ingest import DAMAGE_ALLOWANCE, MAX_DAMAGE_SHARE, damage_limit, decode_input  # noqa: E402

_PARAGRAPH = "Le président a déclaré que l’équipe était prête à partir pour Noël. " * 10
#: The bytes that reached a release in issue 11 as "ÿþÃ( ici €�": a UTF-16 mark, a cut UTF-8
#: sequence, and two C1 bytes, inside otherwise valid UTF-8.
_GARBAGE = b"\xff\xfe\xc3( ici \x80\x81"


def test_a_few_invalid_bytes_are_dropped_with_a_warning_naming_the_file(tmp_path):
    (tmp_path / "mixed.txt").write_bytes(_PARAGRAPH.encode() + _GARBAGE + b" " + _PARAGRAPH.encode())
    items = list(iter_inputs([tmp_path]))
    (doc,) = _docs(items)
    assert doc.text == _PARAGRAPH + "( ici  " + _PARAGRAPH  # no ÿ þ Ã € and no U+FFFD
    (notice,) = [i for i in items if isinstance(i, Notice)]
    assert (notice.source, notice.kind, notice.reason) == ("mixed.txt", "warning", "invalid bytes")
    at = len(_PARAGRAPH.encode())
    assert notice.detail == f"5 invalid UTF-8 bytes dropped, first at byte {at} (bytes ff fe c3, 80 81)"
    assert items.index(notice) == items.index(doc) - 1  # the warning comes right before its document
    assert "\ufffd" not in to_document(doc).text


def test_a_short_file_with_the_same_bytes_is_rejected_as_undecodable(tmp_path):
    (tmp_path / "short.txt").write_bytes("Déjà vu ".encode() + _GARBAGE)
    (reject,) = iter_inputs([tmp_path])
    assert (reject.source, reject.reason) == ("short.txt", "undecodable")
    assert "5 invalid UTF-8 bytes dropped" in reject.detail and f"more than the {DAMAGE_ALLOWANCE}" in reject.detail


def test_the_damage_limit_is_a_share_of_the_bytes_with_a_floor():
    assert damage_limit(10) == DAMAGE_ALLOWANCE
    assert damage_limit(100_000) == int(100_000 * MAX_DAMAGE_SHARE) == 1000
    base = ("é" * 50 + " texte ordinaire " * 40).encode()  # 780 bytes: the floor applies (limit 7)
    n = damage_limit(len(base) + 8)
    at_limit = base + b"\xff" * n
    assert decode_input(at_limit, "a.txt").dropped == n
    with pytest.raises(DecodeError, match="undecodable") as info:
        decode_input(base + b"\xff" * (n + 1), "b.txt")
    assert info.value.reason == "undecodable"


def test_a_third_of_the_bytes_invalid_is_rejected(tmp_path):
    import random

    rng = random.Random(11)
    data = bytes(b if rng.random() > 0.33 else rng.randint(0x80, 0xFF) for b in _PARAGRAPH.encode())
    (tmp_path / "noisy.txt").write_bytes(data)
    (reject,) = iter_inputs([tmp_path])
    assert reject.reason in ("undecodable", "binary"), reject
    assert isinstance(reject, Reject)


def test_replacement_characters_in_valid_utf8_count_as_damage(tmp_path):
    (tmp_path / "some.txt").write_text(_PARAGRAPH + "d\ufffdj\ufffd vu", encoding="utf-8")
    (tmp_path / "many.txt").write_text("d\ufffdj\ufffd v\ufffd \ufffd\ufffd", encoding="utf-8")
    items = list(iter_inputs([tmp_path]))
    assert _rejects(items)["many.txt"].reason == "undecodable"
    (doc,) = _docs(items)
    assert _notices(items, "warning") == {("some.txt", "invalid bytes")}
    assert to_document(doc).text.endswith("dj vu")


def test_jsonl_records_with_replacement_characters(tmp_path):
    lines = [
        json.dumps({"id": "a", "text": _PARAGRAPH + " d\ufffdj\ufffd vu"}),
        json.dumps({"id": "b", "text": "\ufffd\ufffd\ufffd\ufffd"}),
        '{"id": "c", "text": "' + _PARAGRAPH + ' \\ud800 seul"}',
    ]
    (tmp_path / "x.jsonl").write_text("\n".join(lines), encoding="utf-8")
    items = list(iter_inputs([tmp_path]))
    assert [d.doc_id for d in _docs(items)] == ["a", "c"]
    assert _rejects(items)["x.jsonl#L2"].reason == "undecodable"
    assert _notices(items, "warning") == {("x.jsonl#L1", "invalid bytes"), ("x.jsonl#L3", "invalid bytes")}
    assert all("\ufffd" not in to_document(d).text for d in _docs(items))


def test_a_pasted_cp1252_letter_is_repaired_with_a_warning(tmp_path):
    (tmp_path / "cafe.txt").write_bytes(_PARAGRAPH.encode() + b"Caf\xe9, l\x92\xe9quipe \xc9tat")
    items = list(iter_inputs([tmp_path]))
    (doc,) = _docs(items)
    assert doc.text.endswith("Café, l’équipe État") and doc.encoding == "utf-8+cp1252"
    (notice,) = [i for i in items if isinstance(i, Notice)]
    assert notice.detail == f"4 invalid bytes read as cp1252, first at byte {len(_PARAGRAPH.encode()) + 3} (bytes e9, 92 e9, c9)"


def test_a_cut_utf8_sequence_is_dropped_not_read_as_a_capital():
    # the one invalid byte in ../shared/data: "papieros\xc3..." (a Polish gold page) is not "papierosÃ"
    decoded = decode_input(_PARAGRAPH.encode() + b"papieros\xc3...", "pl.html")
    assert decoded.text.endswith("papieros...") and (decoded.dropped, decoded.repaired) == (1, 0)


@pytest.mark.parametrize(
    "name,data,fmt",
    [
        # a PDF without a NUL byte (ASCII streams): the NUL and control-byte tests let it through
        ("report.html", b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\nstream\nBT /F1 12 Tf (Bonjour) Tj ET\nendstream\n%%EOF\n", "PDF"),
        ("letter.txt", b"{\\rtf1\\ansi\\deff0 {\\fonttbl {\\f0 Times;}} Bonjour \\par }", "RTF"),
        ("slides.txt", b"PK\x03\x04\x14\x00\x06\x08" + b"word/document.xml" * 20, "signature 50 4b 03 04"),
        ("scan.txt", b"\x89PNG\r\n\x1a\n" + b"IHDR" * 40, "PNG"),
    ],
)
def test_a_non_text_format_is_rejected_whatever_its_name(tmp_path, fake_html, name, data, fmt):
    (tmp_path / name).write_bytes(data)
    (reject,) = iter_inputs([tmp_path])
    assert (reject.source, reject.reason) == (name, "binary")
    assert fmt in reject.detail and "not text" in reject.detail
    assert fake_html == []  # never reached the HTML extractor


def test_a_zip_is_not_named_as_one_particular_office_format(tmp_path):
    # A ZIP of text files renamed .txt was reported as "a DOCX": puremagic's first guess for the
    # signature that ZIP, DOCX, XLSX, JAR... share. Say that it is shared instead of guessing.
    import zipfile

    with zipfile.ZipFile(tmp_path / "archive.txt", "w") as z:
        z.writestr("notes.txt", "Bonjour")
    (reject,) = iter_inputs([tmp_path])
    assert reject.reason == "binary" and reject.detail.startswith("a ZIP-like file (signature 50 4b 03 04, shared by"), reject.detail
    assert "DOCX (" not in reject.detail



@pytest.mark.parametrize("text", ["BMW a annoncé des résultats.", "MZ Éditions publie.", "ID3 est un format.", "From: Jean\nSujet : réunion", "<?xml version='1.0'?><p>Texte</p>"])
def test_text_that_starts_like_a_short_signature_is_still_text(text):
    assert decode_bytes(text.encode(), "t.txt") == (text, "utf-8")


def test_hidden_paths_and_folder_links_are_skipped_and_reported(tmp_path):
    root = tmp_path / "corpus"
    (root / ".git" / "objects").mkdir(parents=True)
    (root / ".git" / "HEAD.txt").write_text("ref", encoding="utf-8")
    (root / "sub").mkdir()
    (root / "sub" / ".DS_Store.txt").write_text("x", encoding="utf-8")
    (root / "sub" / "a.txt").write_text("Un texte.", encoding="utf-8")
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "b.txt").write_text("Un autre texte.", encoding="utf-8")
    (root / "link").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    (root / "loop").symlink_to(root, target_is_directory=True)
    (root / "b-link.txt").symlink_to(tmp_path / "elsewhere" / "b.txt")  # a link to a file is read
    items = list(iter_inputs([root]))
    assert [d.source for d in _docs(items)] == ["b-link.txt", "sub/a.txt"]
    assert _notices(items, "skipped") == {
        (".git", "hidden folder"),
        ("sub/.DS_Store.txt", "hidden file"),
        ("link", "symbolic link to a folder"),
        ("loop", "symbolic link to a folder"),
    }
    assert all(n.detail for n in items if isinstance(n, Notice))
    # a hidden file given by name is read
    assert [d.text for d in _docs(iter_inputs([root / "sub" / ".DS_Store.txt"]))] == ["x"]


def test_damaged_utf8_is_never_read_in_a_legacy_charset():
    """Fresh-user trial: a UTF-8 file with a few more stray bytes than its valid accents was read
    whole as another charset ("café" → "cafﺃﺏ") with no warning. Valid UTF-8 beside invalid bytes
    is damaged UTF-8: kept with the bytes dropped under the limit, rejected above it."""
    from corpus_builder.ingest import DecodeError, decode_input

    head = "Le café est fermé. ".encode("utf-8")
    at_limit = decode_input(head + b"\x80\x81\x82 fin.\n", "e3.txt")
    assert at_limit.text.startswith("Le café est fermé.") and at_limit.dropped + at_limit.repaired == 3
    with pytest.raises(DecodeError) as e:
        decode_input(head + b"\x80\x81\x82\x83\x84 fin.\n", "e5.txt")
    assert e.value.reason == "undecodable"
    # a real cp1252 French text still decodes as cp1252
    legacy = "L'été à Paris : les élèves préfèrent la fraîcheur des quais, où l'on déjeune.\n" * 3
    assert decode_input(legacy.encode("cp1252"), "w.txt").text == legacy


def test_a_folder_given_twice_or_inside_another_input_is_read_once(tmp_path):
    # `prepare news news` (or `prepare news news/sport`) read every file twice, and the second
    # copies came out as duplicate rejects: now each file is read once, the rest is a notice.
    (tmp_path / "news" / "sport").mkdir(parents=True)
    (tmp_path / "news" / "a.txt").write_text("Le maire de Brest a parlé.", encoding="utf-8")
    (tmp_path / "news" / "sport" / "b.txt").write_text("Le club de Brest a gagné.", encoding="utf-8")
    items = list(iter_inputs([tmp_path / "news", tmp_path / "news", tmp_path / "news" / "sport", tmp_path / "news" / "a.txt"]))
    docs = [i for i in items if isinstance(i, RawDocument)]
    assert sorted(d.text for d in docs) == ["Le club de Brest a gagné.", "Le maire de Brest a parlé."]
    again = [i for i in items if isinstance(i, Notice)]
    assert len(again) == 4 and {n.reason for n in again} == {"read already"} and {n.kind for n in again} == {"skipped"}
    assert not [i for i in items if isinstance(i, Reject)]


def test_a_file_name_that_is_not_utf8_is_a_reject_naming_it_escaped(tmp_path):
    """Trial bug: ``nom-\\xff.txt`` (Latin-1 bytes in a name on a UTF-8 system) crashed prepare with
    a UnicodeEncodeError; it is now a ``bad-filename`` reject whose source and detail hold no lone
    surrogate (they are written to JSON), and the other files are read."""
    import os

    os.makedirs(os.fsencode(tmp_path / "in") + b"/sous-\xe9", exist_ok=True)
    with open(os.fsencode(tmp_path / "in") + b"/nom-\xff.txt", "wb") as f:
        f.write("Le maire de Brest a parlé.".encode("utf-8"))
    with open(os.fsencode(tmp_path / "in") + b"/sous-\xe9/a.txt", "wb") as f:
        f.write(b"Dans un dossier mal nomm\xc3\xa9.")
    (tmp_path / "in" / "ok.txt").write_text("Une autre phrase.", encoding="utf-8")
    items = list(iter_inputs([tmp_path / "in"]))
    assert [d.source for d in _docs(items)] == ["ok.txt"]
    rejects = _rejects(items)
    assert set(rejects) == {"nom-\\xff.txt", "sous-\\xe9/a.txt"}
    for r in rejects.values():
        assert r.reason == "bad-filename"
        assert "\\xff" in r.detail or "\\xe9" in r.detail
        json.dumps(r.to_dict(), ensure_ascii=False).encode("utf-8")  # no lone surrogate left


def test_a_folder_that_cannot_be_read_is_a_reject_naming_it(tmp_path, monkeypatch):
    """Trial bug: a folder under chmod 000 vanished (no document, reject or notice). os.walk
    reports it only to its ``onerror`` callback; the folder is now an ``unreadable`` reject, and
    so is an input folder that cannot be listed. (As root chmod 000 blocks nothing, so the
    listing is refused here by os.scandir, what os.walk calls.)"""
    import os

    (tmp_path / "in" / "locked").mkdir(parents=True)
    (tmp_path / "in" / "locked" / "b.txt").write_text("Une phrase cachée.", encoding="utf-8")
    (tmp_path / "in" / "a.txt").write_text("Une phrase lisible.", encoding="utf-8")
    real = os.scandir
    refused = {str(tmp_path / "in" / "locked")}

    def scandir(path="."):
        if os.fspath(path) in refused:
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    items = list(iter_inputs([tmp_path / "in"]))
    assert [d.source for d in _docs(items)] == ["a.txt"]
    (reject,) = _rejects(items).values()
    assert (reject.source, reject.reason) == ("locked", "unreadable")
    assert "folder" in reject.detail and "Permission denied" in reject.detail

    refused.add(str(tmp_path / "in"))
    (reject,) = iter_inputs([tmp_path / "in"])
    assert (reject.source, reject.reason) == ("in", "unreadable")


def test_an_html_page_saved_as_txt_is_read_as_html_with_a_warning(tmp_path, fake_html):
    # Fresh-user trial: html-as.txt was kept as plain text with its raw tags, no warning.
    page = "<html><body><nav>Accueil | Sport</nav><article>Le club de Vannes a gagné.</article></body></html>"
    (tmp_path / "a-page.txt").write_text("\ufeff  \n" + page, encoding="utf-8")
    (tmp_path / "b-doctype.txt.gz").write_bytes(gzip.compress(("<!DOCTYPE HTML>\n" + page).encode()))
    (tmp_path / "c-utf16.txt").write_bytes(codecs.BOM_UTF16_LE + page.upper().replace("<ARTICLE>", "<article>")
                                           .replace("</ARTICLE>", "</article>").encode("utf-16-le"))
    latin = '<html><head><meta charset="iso-8859-1"></head><body><p>Ça coûte 5 € à Noël</p></body></html>'
    (tmp_path / "d-latin.txt").write_bytes(latin.encode("cp1252"))
    # plain texts that merely contain or begin with markup-like text stay plain text
    (tmp_path / "e-plain.txt").write_text("<b>Attention</b> : le <html> est un langage.", encoding="utf-8")
    (tmp_path / "f-plain.txt").write_text("Un article sur <html> et le web.", encoding="utf-8")
    (tmp_path / "g-htmlfoo.txt").write_text("<htmlish> n'est pas une balise.", encoding="utf-8")
    items = list(iter_inputs([tmp_path]))
    docs = {d.source: d for d in _docs(items)}
    assert {s: d.format for s, d in docs.items()} == {
        "a-page.txt": "html", "b-doctype.txt.gz": "html", "c-utf16.txt": "html", "d-latin.txt": "html",
        "e-plain.txt": "txt", "f-plain.txt": "txt", "g-htmlfoo.txt": "txt"}
    assert docs["a-page.txt"].text == "Accueil | Sport\nLe club de Vannes a gagné."
    assert "<" not in docs["b-doctype.txt.gz"].text and docs["b-doctype.txt.gz"].main_text == "Le club de Vannes a gagné."
    assert "Ça coûte 5 € à Noël" in docs["d-latin.txt"].text and docs["d-latin.txt"].encoding == "cp1252"
    assert _notices(items, "warning") == {(s, "read as HTML") for s in ("a-page.txt", "b-doctype.txt.gz", "c-utf16.txt", "d-latin.txt")}
    (n,) = [n for n in items if isinstance(n, Notice) and n.source == "b-doctype.txt.gz"]
    assert n.detail.startswith("the file starts with <!DOCTYPE HTML: read as HTML") and n.record is None
    # each notice comes right before its document
    for i, item in enumerate(items):
        if isinstance(item, Notice) and item.reason == "read as HTML":
            assert isinstance(items[i + 1], RawDocument) and items[i + 1].source == item.source


def test_an_html_page_saved_as_txt_through_prepare(tmp_path):
    from corpus_builder.pipeline import PrepareOptions, prepare
    from corpus_builder.workspace import Workspace

    corpus = tmp_path / "in"
    corpus.mkdir()
    (corpus / "page.txt").write_text(
        "<!doctype html><html><body><nav><a href='/'>Accueil</a> | <a href='/sport'>Sport</a></nav>"
        "<p>Le club de Vannes a remporté son match samedi soir devant deux mille spectateurs.</p>"
        "<footer>© 2026 Le Quotidien du Golfe</footer></body></html>", encoding="utf-8")
    summary = prepare([corpus], tmp_path / "ws", PrepareOptions(workers=1))
    (doc,) = Workspace(tmp_path / "ws").iter_documents()
    assert "<" not in doc.text and "Le club de Vannes a remporté son match" in doc.text
    assert [(n.source, n.kind, n.reason) for n in summary.notices] == [("page.txt", "warning", "read as HTML")]
    assert [json.loads(line)["reason"] for line in (tmp_path / "ws" / "notices.jsonl").read_text(encoding="utf-8").splitlines()] == ["read as HTML"]


def test_the_readme_table_lists_every_reject_reason_the_code_gives():
    # Fresh-user trial: `line too long`, `duplicate-id`, `unsupported`, `empty`, `bad-jsonl` and the
    # 100,000-character limit were not in the README. The reasons are read from the code itself.
    from corpus_builder.pipeline import MAX_LINE_CHARS

    package = Path(__file__).resolve().parents[1] / "corpus_builder"
    code = "\n".join(p.read_text(encoding="utf-8") for p in package.rglob("*.py"))
    in_code = set(re.findall(r"\b(?:Reject|_reject|DecodeError)\([^,()]+(?:\([^()]*\))?,\s*\"([^\"]+)\"", code))
    assert {"empty", "binary", "undecodable", "unsupported", "bad-jsonl", "line too long", "duplicate-id"} <= in_code
    readme = (package.parent / "README.md").read_text(encoding="utf-8")
    table = readme.split("| reason | the input gave no document because |", 1)[1].split("\n\n", 1)[0]
    in_readme = set(re.findall(r"^\| `([^`]+)` \|", table, re.M))
    assert in_readme == in_code
    assert f"{MAX_LINE_CHARS:,} characters" in table
