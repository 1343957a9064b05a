"""Language tags of JSONL records: checked as BCP 47, written in standard form, and a regional
tag ("fr-FR") gets the French model, cues and stop-list (it got none: exact match on "fr")."""

from __future__ import annotations

import json

from corpus_builder.langtags import normalize_tag, primary_language
from corpus_builder.pipeline import PrepareOptions, prepare
from corpus_builder.workspace import Workspace

TEXT = "Le maire de Lyon, Grégory Doucet, a inauguré la bibliothèque municipale dimanche."


def test_tags_are_checked_and_standardised():
    assert normalize_tag("FR") == "fr" and normalize_tag("fr_FR") == "fr-FR" and normalize_tag("pt-br") == "pt-BR"
    assert normalize_tag("xx-invalid") is None and normalize_tag("english") is None and normalize_tag("") is None
    assert primary_language("fr-FR") == "fr" and primary_language(None) == ""


def test_jsonl_lang_regional_invalid_and_missing(tmp_path):
    corpus = tmp_path / "in"
    corpus.mkdir()
    # three texts (identical ones would be one document: exact duplicates are dropped)
    rows = [{"id": k, "text": f"{TEXT} Article {k}.", **({"lang": tag} if tag else {})}
            for k, tag in (("a", "fr_FR"), ("b", "xx-invalid"), ("c", None))]
    (corpus / "docs.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    summary = prepare([corpus], tmp_path / "ws", PrepareOptions(workers=1))
    docs = {d.doc_id: d for d in Workspace(tmp_path / "ws").iter_documents()}
    assert docs["a"].lang == "fr-FR" and docs["b"].lang == "fr" and docs["c"].lang == "fr"  # b, c: detected
    for d in docs.values():  # the regional tag gets the French model's entities, like the others
        assert {(e.text, e.label) for e in d.entities if e.text != "Article"} == {(e.text, e.label) for e in docs["c"].entities if e.text != "Article"}
    assert any(e.label == "LOC" and e.text == "Lyon" for e in docs["a"].entities)
    (notice,) = [n for n in summary.notices if n.reason == "invalid lang"]
    assert notice.kind == "warning" and notice.source.endswith("docs.jsonl#L2") and "xx-invalid" in notice.detail


def test_the_invalid_lang_notice_names_its_line_like_the_other_notices(tmp_path):
    # Fresh-user trial: in notices.jsonl the `invalid lang` warning had no `record` field.
    from corpus_builder.ingest import iter_inputs
    from corpus_builder.records import Notice

    rows = [{"id": "a", "source": "agence-ouest", "text": "Le maire de Quimper a parlé.", "lang": "xx-invalid"},
            {"id": "b", "text": "Le maire de Morlaix a parlé.", "lang": "not a tag"}]
    (tmp_path / "docs.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    notices = [n for n in iter_inputs([tmp_path / "docs.jsonl"]) if isinstance(n, Notice)]
    assert [(n.source, n.record, n.reason) for n in notices] == [
        ("agence-ouest", "docs.jsonl#L1", "invalid lang"), ("docs.jsonl#L2", "docs.jsonl#L2", "invalid lang")]
    assert notices[0].where == "docs.jsonl#L1 (source agence-ouest)"
    assert notices[0].to_dict()["record"] == "docs.jsonl#L1" and notices[1].to_dict()["record"] == "docs.jsonl#L2"
