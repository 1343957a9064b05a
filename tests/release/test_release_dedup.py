"""Near-duplicates: a syndicated wire copy (the seed article as a second site would carry it) is
found, both copies land in one split, ``--dedup near`` keeps one and reports the other."""

from __future__ import annotations

import json
from pathlib import Path

import datasets
import pytest
from typer.testing import CliRunner

from corpus_builder.cli import app
from corpus_builder.pipeline import PrepareOptions, prepare, release_workspace
from corpus_builder.release import read_manifest, split_of, validate_release, write_release
from corpus_builder.release.read import Release
from corpus_builder.release.dedup import NearDuplicates, find_near_duplicates, shingles
from corpus_builder.workspace import Workspace
from tests.test_release import make_doc, regex_tokenize

runner = CliRunner()
EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "articles"


def wire_copy(seed_text: str) -> str:
    """The seed story as another site carries it: its own menu, share and footer lines, another
    headline, no "Partager" button, the agency's dateline without "(Reuters)"."""
    lines = seed_text.splitlines()
    body = [l.replace("VARSOVIE (Reuters) - ", "VARSOVIE - ") for l in lines[1:] if l.strip() != "Partager"]
    return "\n".join([
        "Accueil | Économie | Tech | Médias",
        "Suivez-nous sur Twitter et Facebook",
        "5G : Huawei prêt à tout pour rester en Europe centrale",
        *body,
        "Abonnez-vous à notre newsletter",
        "© 2019 Le Courrier du Numérique - Tous droits réservés",
    ]) + "\n"


@pytest.fixture(scope="module")
def wire_ws(tmp_path_factory, seed_path) -> Path:
    root = tmp_path_factory.mktemp("wire")
    (root / "site-b").mkdir()
    (root / "site-b" / "huawei.txt").write_text(wire_copy(seed_path.read_text(encoding="utf-8")), encoding="utf-8")
    ws = root / "ws"
    prepare([seed_path.parent, root / "site-b", EXAMPLES], ws, PrepareOptions(workers=1))
    return ws


def _ids_by_source(ws: Path) -> dict[str, str]:
    """doc_id by the file name of its source (sources are relative to the inputs' common folder)."""
    return {d.source.rsplit("/", 1)[-1]: d.doc_id for d in Workspace(ws).iter_documents() if not d.source.endswith(".jsonl")}


def test_shingles():
    assert shingles("Le chat dort. Le chat mange", 5) == {"le chat dort le chat", "chat dort le chat mange"}
    assert shingles("Deux mots", 5) == {"deux mots"} and shingles(" ,; ", 5) == set()


def test_the_wire_copy_is_one_cluster_and_nothing_else_is(wire_ws, seed_path):
    ids = _ids_by_source(wire_ws)
    near = find_near_duplicates(Workspace(wire_ws).iter_documents())
    pair = {ids[seed_path.name], ids["huawei.txt"]}
    assert [set(c.members) for c in near.clusters] == [pair]
    c = near.clusters[0]
    assert c.key == min(pair) and 0.8 <= c.similarity <= 1.0
    assert near.documents == len(list(Workspace(wire_ws).iter_documents()))


def test_release_puts_a_cluster_in_one_split_and_reports_it(wire_ws, seed_path, tmp_path):
    info = release_workspace(wire_ws, name="wire", version="1.0.0", releases_dir=tmp_path, split=(0.5, 0.5, 0.0))
    ids = _ids_by_source(wire_ws)
    a, b = ids[seed_path.name], ids["huawei.txt"]
    docs = datasets.load_dataset(str(info.path), "documents", cache_dir=str(tmp_path / "cache"))
    split_of_doc = {row["doc_id"]: s for s in docs for row in docs[s]}
    assert split_of_doc[a] == split_of_doc[b] == split_of(min(a, b), (0.5, 0.5, 0.0))
    near = read_manifest(info.path)["near_duplicates"]
    assert near["clusters_count"] == 1 and near["documents_in_clusters"] == 2 and near["dropped"] == 0
    assert "## Near-duplicates" in (info.path / "README.md").read_text(encoding="utf-8")
    assert validate_release(info.path) == []


def test_dedup_near_keeps_one_and_names_it(wire_ws, seed_path, tmp_path):
    r = runner.invoke(app, ["release", "--workspace", str(wire_ws), "--name", "wire", "--version", "1.0.0",
                            "--releases-dir", str(tmp_path), "--dedup", "near"])
    assert r.exit_code == 0, r.output
    assert "near-duplicates: 1 clusters, 2 documents; 1 dropped" in r.output
    m = read_manifest(tmp_path / "wire" / "1.0.0")
    ids = _ids_by_source(wire_ws)
    kept = ids[seed_path.name]  # first in input order (neither is reviewed)
    rejects = [x for x in m["rejects"] if x["reason"] == "near-duplicate"]
    assert len(rejects) == 1 and rejects[0]["source"].endswith("site-b/huawei.txt")
    assert f"near-duplicate of {kept}" in rejects[0]["detail"] and ids["huawei.txt"] in rejects[0]["detail"]
    assert m["counts"]["documents"]["total"] == len(list(Workspace(wire_ws).iter_documents())) - 1
    assert validate_release(tmp_path / "wire" / "1.0.0") == []
    r = runner.invoke(app, ["release", "--workspace", str(wire_ws), "--name", "wire", "--version", "1.0.1",
                            "--releases-dir", str(tmp_path), "--dedup", "maybe"])
    assert r.exit_code == 1 and "--dedup 'maybe'" in r.output


def _ids_in_two_splits() -> tuple[str, str]:
    ids = [f"wire-{i}" for i in range(50)]
    first = ids[0]
    other = next(i for i in ids if split_of(i, (0.5, 0.5, 0.0)) != split_of(first, (0.5, 0.5, 0.0)))
    return first, other


def test_the_reviewed_copy_is_kept_and_the_split_follows_the_cluster_key(tmp_path):
    a, b = _ids_in_two_splits()
    story = "L'agence rapporte que le conseil municipal de Lyon a voté mercredi le budget du tramway, après trois heures de débat animé."
    docs = [
        make_doc(b, [("Menu | Accueil", "navigation"), (story, None), ("Partager", "share")], [("Lyon", "LOC")]),
        make_doc(a, [(story, None), ("© Le Site B", "footer")], [("Lyon", "LOC")], status="reviewed", annotator="ana"),
        make_doc("autre", [("Un tout autre texte sur la météo à Brest cette semaine, sans rapport.", None)]),
    ]
    near = find_near_duplicates(docs)
    assert [c.members for c in near.clusters] == [(b, a)] and near.clusters[0].kept == a
    info = write_release(docs, name="x", version="1.0.0", releases_dir=tmp_path, tokenize=regex_tokenize, split=(0.5, 0.5, 0.0),
                         inputs=[{"sha256": d.raw_sha256} for d in docs], near_duplicates=near, dedup="near")
    m = read_manifest(info.path)
    assert [x["source"] for x in m["rejects"]] == [f"{b}.txt"]
    kept_split = next(f["split"] for f in m["files"] if f["config"] == "documents" and f["rows"])
    assert kept_split == split_of(min(a, b), (0.5, 0.5, 0.0))
    assert NearDuplicates.from_manifest(m["near_duplicates"]).key_of(a) == min(a, b)
    assert validate_release(info.path) == []
    # with every member kept, b sits in a's split, not its own; the manifest's clusters say why
    info = write_release(docs, name="x", version="1.0.1", releases_dir=tmp_path, tokenize=regex_tokenize, split=(0.5, 0.5, 0.0),
                         inputs=[{"sha256": d.raw_sha256} for d in docs], near_duplicates=near)
    docs_split = {row["doc_id"]: s for s, row in Release(info.path).iter_all("documents", ["doc_id"])}
    assert docs_split[a] == docs_split[b] == split_of(a, (0.5, 0.5, 0.0)) != split_of(b, (0.5, 0.5, 0.0))
    assert validate_release(info.path) == []
    m = read_manifest(info.path)
    m["near_duplicates"]["clusters"] = []
    (info.path / "manifest.json").write_text(json.dumps(m, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    assert any(f"document {b!r} is in" in p and "split rule" in p for p in validate_release(info.path))


def test_a_near_duplicate_jsonl_line_is_named_by_its_place(tmp_path):
    """A near-duplicate dropped by ``--dedup near`` that came from a JSONL line carries the
    line's place in ``record`` (as the prepare rejects do), beside the record's ``source``."""
    import dataclasses

    from corpus_builder.release import write_release
    from tests.test_release import make_doc, regex_tokenize

    body = ("Le conseil municipal de Brest a voté hier soir le budget de la ville pour l'année prochaine, "
            "avec une hausse des crédits consacrés aux écoles, aux transports en commun et à la rénovation "
            "des quartiers anciens du centre, après un long débat entre la majorité et l'opposition. ")
    docs = [dataclasses.replace(make_doc(f"d{i}", [(body + tail, None)]), source="afp-wire", meta={"ingest": {"record": f"depeches.jsonl#L{i + 1}"}})
            for i, tail in enumerate(["Le maire a salué le vote.", "Le maire a salué ce vote."])]
    near = find_near_duplicates(docs)
    assert len(near.clusters) == 1
    info = write_release(docs, name="wire", version="1.0.0", releases_dir=tmp_path, tokenize=regex_tokenize,
                         inputs=[{"path": d.doc_id, "sha256": d.raw_sha256} for d in docs], near_duplicates=near, dedup="near")
    (reject,) = read_manifest(info.path)["rejects"]
    assert (reject["reason"], reject["source"], reject["record"]) == ("near-duplicate", "afp-wire", "depeches.jsonl#L2")
