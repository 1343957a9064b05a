"""Inter-annotator agreement from the raw tasks a workspace keeps: two annotators on the same
documents (a full Label Studio export merged with ``studio import-annotations``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from corpus_builder.cli import app
from corpus_builder.pipeline import PrepareOptions, prepare, release_workspace
from corpus_builder.release import read_manifest
from corpus_builder.release.agreement import workspace_agreement
from corpus_builder.studio.tasks import block_region, document_to_task, span_region
from corpus_builder.workspace import Workspace

runner = CliRunner()
EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "articles"


def kappa(a: list, b: list) -> float:
    """Cohen's kappa written out: (p_o - p_e) / (1 - p_e)."""
    n = len(a)
    po = sum(x == y for x, y in zip(a, b)) / n
    pe = sum((a.count(v) / n) * (b.count(v) / n) for v in set(a) | set(b))
    return (po - pe) / (1 - pe)


def annotation(ann_id: int, who: int, doc, entities, blocks, cancelled: bool = False) -> dict:
    result = [span_region(s, f"e{i}") for i, s in enumerate(entities)]
    result += [block_region(doc.text, s, e, lab, f"b{i}") for i, (s, e, lab) in enumerate(blocks)]
    return {"id": ann_id, "completed_by": who, "result": result, "was_cancelled": cancelled,
            "ground_truth": False, "created_at": f"2026-01-01T00:00:0{ann_id % 10}Z", "updated_at": f"2026-01-01T00:00:0{ann_id % 10}Z"}


@pytest.fixture(scope="module")
def annotated(tmp_path_factory):
    root = tmp_path_factory.mktemp("agreement")
    ws = root / "ws"
    prepare([EXAMPLES], ws, PrepareOptions(workers=1))
    docs = [d for d in Workspace(ws).iter_documents() if len(d.entities) >= 3 and any(b.is_boilerplate for b in d.blocks)]
    assert len(docs) >= 2, "the sample articles have entities and boilerplate lines"
    d0, d1 = docs[0], docs[1]
    tasks = []
    # d0: annotator 2 relabels the first entity, drops the second, and relabels the first boilerplate line
    ents0 = list(d0.entities)
    blocks0 = [(b.start, b.end, b.boilerplate_label) for b in d0.blocks if b.is_boilerplate]
    other = "ORG" if ents0[0].label != "ORG" else "PER"
    changed = [type(ents0[0])(**{**ents0[0].__dict__, "label": other})] + ents0[2:]
    new_label = "promo" if blocks0[0][2] != "promo" else "share"
    blocks0_b = [(blocks0[0][0], blocks0[0][1], new_label)] + blocks0[1:]
    t0 = document_to_task(d0, "m")
    t0.update(id=1, annotations=[annotation(11, 1, d0, ents0, blocks0), annotation(12, 2, d0, changed, blocks0_b)])
    # d1: both agree; a third person skipped it (never counts)
    blocks1 = [(b.start, b.end, b.boilerplate_label) for b in d1.blocks if b.is_boilerplate]
    t1 = document_to_task(d1, "m")
    t1.update(id=2, annotations=[annotation(21, 1, d1, d1.entities, blocks1), annotation(22, 2, d1, d1.entities, blocks1),
                                 annotation(23, 3, d1, [], [], cancelled=True)])
    export = root / "export.json"
    export.write_text(json.dumps([t0, t1], ensure_ascii=False), encoding="utf-8")
    r = runner.invoke(app, ["studio", "import-annotations", str(export), "--workspace", str(ws)])
    assert r.exit_code == 0, r.output
    return ws, d0, d1, ents0, changed, blocks0


def test_agreement_figures_from_two_annotators(annotated):
    ws, d0, d1, ents0, changed, blocks0 = annotated
    rep = workspace_agreement(ws)
    assert (rep["documents"], rep["annotators"], rep["pairs"], rep["not_comparable"]) == (2, 2, 2, 0)
    a0 = {(s.start, s.end, s.label) for s in ents0}
    b0 = {(s.start, s.end, s.label) for s in changed}
    a1 = {(s.start, s.end, s.label) for s in d1.entities}
    tp = len(a0 & b0) + len(a1)
    assert rep["entities"]["overall"]["f1"] == round(2 * tp / (len(a0) + len(b0) + 2 * len(a1)), 4) < 1
    lab = ents0[0].label
    assert rep["entities"]["per_label"][lab]["f1"] < 1
    assert 0 < rep["entities"]["overall"]["kappa"] < 1
    # boilerplate: one line of one document differs in category, not in being boilerplate
    b = rep["boilerplate"]
    assert b["blocks"] == len(d0.blocks) + len(d1.blocks)
    assert 0 < b["alpha"] < 1 and b["alpha_binary"] == 1.0
    worst = rep["most_disagreement"]
    assert [w["doc_id"] for w in worst] == [d0.doc_id]
    assert worst[0]["spans_disputed"] == 3 and worst[0]["blocks_disputed"] == 1 and worst[0]["annotators"] == ["1", "2"]


def test_token_kappa_matches_the_formula(annotated):
    from corpus_builder.entities import tokenize
    from corpus_builder.release.agreement import _token_labels

    ws, d0, d1, ents0, changed, _ = annotated
    ta, tb = [], []
    for doc, a, b in ((d0, ents0, changed), (d1, d1.entities, d1.entities)):
        offsets = [(s, e) for s, e in tokenize(doc.text) if doc.text[s:e].strip()]
        ta += _token_labels(offsets, [(s.start, s.end, s.label) for s in a])
        tb += _token_labels(offsets, [(s.start, s.end, s.label) for s in b])
    assert workspace_agreement(ws)["entities"]["overall"]["kappa"] == round(kappa(ta, tb), 4)


def test_release_card_manifest_and_cli(annotated, tmp_path):
    ws, d0, *_ = annotated
    info = release_workspace(ws, name="agree", version="1.0.0", releases_dir=tmp_path)
    m = read_manifest(info.path)
    assert m["agreement"] == workspace_agreement(ws)
    card = (info.path / "README.md").read_text(encoding="utf-8")
    assert "## Inter-annotator agreement" in card and "On 2 documents annotated by two or more people" in card
    r = runner.invoke(app, ["agreement", str(info.path)])
    assert r.exit_code == 0 and d0.doc_id in r.output and "Krippendorff" in r.output
    r = runner.invoke(app, ["agreement", str(ws), "--json"])
    assert r.exit_code == 0 and json.loads(r.output)["documents"] == 2
    r = runner.invoke(app, ["agreement", str(tmp_path)])
    assert r.exit_code == 1 and "neither a release" in r.output


def test_no_multi_annotated_document(real_workspace):
    assert workspace_agreement(real_workspace) is None
    r = runner.invoke(app, ["agreement", str(real_workspace)])
    assert r.exit_code == 0 and "no document was annotated by two or more people" in r.output
