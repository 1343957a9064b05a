"""The command line as a user meets it: build, release, validate, errors, --help."""

from __future__ import annotations

import json
import re
from pathlib import Path

import datasets
import pytest
from typer.testing import CliRunner

from corpus_builder.cli import app, parse_split
from corpus_builder.errors import ConfigError

PROJECT_ROOT = Path(__file__).resolve().parents[1]

EXAMPLES = PROJECT_ROOT / "examples" / "articles"
runner = CliRunner()


def invoke(*args: str):
    result = runner.invoke(app, [str(a) for a in args])
    return result


@pytest.fixture(scope="module")
def demo_release(tmp_path_factory) -> Path:
    releases = tmp_path_factory.mktemp("releases")
    r = invoke("build", EXAMPLES, "--name", "demo", "--version", "0.1.0", "--releases-dir", releases, "--workers", "1")
    assert r.exit_code == 0, r.output
    return releases / "demo" / "0.1.0"


def test_build_writes_a_valid_release_that_load_dataset_reads(demo_release, tmp_path):
    assert (demo_release / "README.md").is_file() and (demo_release / "manifest.json").is_file()
    r = invoke("validate", demo_release)
    assert r.exit_code == 0, r.output
    for config in ("documents", "sentences", "ner"):
        ds = datasets.load_dataset(str(demo_release), config, cache_dir=str(tmp_path / "cache"))
        assert sum(len(split) for split in ds.values()) > 0
    sents = datasets.load_dataset(str(demo_release), "sentences", cache_dir=str(tmp_path / "cache"))
    row = next(iter(sents.values()))[0]
    assert set(row) >= {"doc_id", "sent_index", "start", "end", "text", "is_boilerplate", "boilerplate_label", "entities"}


def test_release_refuses_to_overwrite(demo_release):
    r = invoke("build", EXAMPLES, "--name", "demo", "--version", "0.1.0", "--releases-dir", demo_release.parents[1])
    assert r.exit_code == 1
    assert "already exists" in r.output


def test_prepare_then_release_then_validate(tmp_path):
    ws = tmp_path / "ws"
    r = invoke("prepare", EXAMPLES, "--workspace", ws, "--workers", "1")
    assert r.exit_code == 0, r.output
    assert "documents kept" in r.output
    r = invoke("release", "--workspace", ws, "--name", "demo", "--version", "1.0.0", "--releases-dir", tmp_path / "rel")
    assert r.exit_code == 0, r.output
    assert invoke("validate", tmp_path / "rel" / "demo" / "1.0.0").exit_code == 0


def test_user_mistakes_give_one_line_and_exit_1(tmp_path):
    r = invoke("prepare", tmp_path / "missing", "--workspace", tmp_path / "ws")
    assert r.exit_code == 1 and "not found" in r.output and "Traceback" not in r.output
    r = invoke("release", "--workspace", tmp_path / "nows", "--name", "x", "--version", "1.0.0")
    assert r.exit_code == 1 and "prepare" in r.output
    r = invoke("validate", tmp_path)
    assert r.exit_code == 1


def test_strict_fails_on_a_reject(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "ok.txt").write_text("La ville de Brest accueille un festival.", encoding="utf-8")
    (tmp_path / "in" / "empty.txt").write_text("", encoding="utf-8")
    r = invoke("build", tmp_path / "in", "--name", "s", "--version", "0.1.0", "--releases-dir", tmp_path / "rel", "--strict")
    assert r.exit_code == 1 and "empty.txt" in r.output
    assert not (tmp_path / "rel" / "s").exists()
    r = invoke("build", tmp_path / "in", "--name", "s", "--version", "0.1.0", "--releases-dir", tmp_path / "rel", "--workers", "1")
    assert r.exit_code == 0, r.output
    assert "empty" in r.output  # the reject is in the summary


def test_strict_fails_on_a_document_kept_with_damage_but_not_on_hidden_files(tmp_path):
    # --strict used to let a file with invalid UTF-8 bytes through (kept, bytes dropped, a warning):
    # a damaged input is bad input too. A hidden file skipped is not damage.
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "ok.txt").write_text("La ville de Brest accueille un festival.", encoding="utf-8")
    (tmp_path / "in" / ".notes.txt").write_text("mes notes", encoding="utf-8")
    args = ["prepare", tmp_path / "in", "--workspace", tmp_path / "ws", "--workers", "1", "--strict", "--no-progress"]
    r = invoke(*args)
    assert r.exit_code == 0, r.output
    long_text = "Le conseil municipal de Brest a voté le budget de la ville pour l'année prochaine. " * 20
    (tmp_path / "in" / "damaged.txt").write_bytes(long_text.encode("utf-8").replace("é".encode(), b"\xe9", 1))
    r = invoke(*args)
    assert r.exit_code == 1 and "damaged.txt" in r.output and "invalid bytes" in r.output, r.output
    assert "--strict" in r.output and "Traceback" not in r.output
    r = invoke(*args[:-2], "--no-progress")  # without --strict: kept, with the warning in the summary
    assert r.exit_code == 0 and "warning" in r.output, r.output


def test_a_model_that_is_not_there_stops_prepare_before_any_work_or_write(tmp_path):
    # It used to read and clean every input first, and leave an unfinished workspace behind.
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text("La ville de Brest accueille un festival.", encoding="utf-8")
    (tmp_path / "not-a-model").mkdir()
    (tmp_path / "half-model").mkdir()
    (tmp_path / "half-model" / "config.cfg").write_text("[nlp]\nlang = \"fr\"\n", encoding="utf-8")
    for model, says in (("fr_core_news_xx", "pip install fr-core-news-xx"), (tmp_path / "not-a-model", "no config.cfg"),
                        (tmp_path / "half-model", "no meta.json"), (tmp_path / "in" / "a.txt", "this is a file")):
        r = invoke("prepare", tmp_path / "in", "--workspace", tmp_path / "ws", "--model", model, "--no-progress")
        assert r.exit_code == 1 and says in r.output and "Traceback" not in r.output, r.output
        assert not (tmp_path / "ws").exists()


def test_split_option_parsing():
    assert parse_split("80/10/10") == pytest.approx((0.8, 0.1, 0.1))
    assert parse_split("0.5,0.25,0.25") == pytest.approx((0.5, 0.25, 0.25))
    with pytest.raises(ConfigError):
        parse_split("80/10")
    with pytest.raises(ConfigError):
        parse_split("50/10/10")
    with pytest.raises(ConfigError, match="sum to 0"):
        parse_split("0/0/0")


def test_help_teaches_each_command():
    for cmd in ("prepare", "release", "build", "validate"):
        r = invoke(cmd, "--help")
        assert r.exit_code == 0
        assert "Usage" in r.output
    assert "--workspace" in invoke("prepare", "--help").output
    assert "X.Y.Z" in invoke("build", "--help").output


def test_build_on_the_seed_and_the_french_gold_pages(shared_data, tmp_path):
    rel = tmp_path / "rel"
    r = invoke("build", shared_data / "seeds", "--name", "seed", "--version", "0.1.0", "--releases-dir", rel, "--workers", "1")
    assert r.exit_code == 0, r.output
    pages = shared_data / "gold" / "boilerplate" / "trafilatura-fr-dev" / "pages"
    r = invoke("build", pages, "--name", "pages", "--version", "0.1.0", "--releases-dir", rel)
    assert r.exit_code == 0, r.output
    for name in ("seed", "pages"):
        path = rel / name / "0.1.0"
        assert invoke("validate", path).exit_code == 0
        for config in ("documents", "sentences", "ner"):
            ds = datasets.load_dataset(str(path), config, cache_dir=str(tmp_path / "cache"))
            assert sum(len(s) for s in ds.values()) > 0
    docs = datasets.load_dataset(str(rel / "pages" / "0.1.0"), "documents", cache_dir=str(tmp_path / "cache"))
    assert sum(len(s) for s in docs.values()) == 13


def test_sharded_release_loads_with_the_right_row_counts(tmp_path):
    rel = tmp_path / "rel"
    r = invoke("build", EXAMPLES, "--name", "sharded", "--version", "0.1.0", "--releases-dir", rel, "--shard-rows", "7",
               "--split", "100/0/0", "--workers", "1")
    assert r.exit_code == 0, r.output
    path = rel / "sharded" / "0.1.0"
    manifest = __import__("json").loads((path / "manifest.json").read_text())
    files = [f for f in manifest["files"] if f["path"].startswith("sentences/")]
    assert len(files) > 1  # 70-odd sentences in shards of 7 rows
    card = (path / "README.md").read_text()
    assert all(f["path"] in card for f in files)  # the card lists every shard
    ds = datasets.load_dataset(str(path), "sentences", cache_dir=str(tmp_path / "cache"))
    assert len(ds["train"]) == sum(f["rows"] for f in files)


def test_build_checks_name_and_version_before_the_long_run(tmp_path):
    for args in (("--name", "demo", "--version", "1.0"), ("--name", "bad/name", "--version", "1.0.0")):
        r = invoke("build", EXAMPLES, *args, "--releases-dir", tmp_path)
        assert r.exit_code == 1
        assert "documents kept" not in r.output  # failed before prepare ran


def test_skipped_paths_and_warnings_are_counted_and_reported_end_to_end(tmp_path):
    """Issue 11: hidden files, hidden folders and links to folders were skipped without a word, and
    invalid bytes became mojibake. Now: counted in the summary, listed with their reason in
    the workspace's notices.jsonl and the release manifest, summed up in the card."""
    import json

    corpus = tmp_path / "corpus"
    (corpus / ".git").mkdir(parents=True)
    (corpus / ".git" / "notes.txt").write_text("interne", encoding="utf-8")
    (corpus / ".brouillon.txt").write_text("Un brouillon caché.", encoding="utf-8")
    (tmp_path / "ailleurs").mkdir()
    (tmp_path / "ailleurs" / "c.txt").write_text("Un texte d'ailleurs.", encoding="utf-8")
    (corpus / "lien").symlink_to(tmp_path / "ailleurs", target_is_directory=True)
    paragraph = "Le maire de Lyon a présenté le budget de la ville devant le conseil municipal. " * 3
    (corpus / "abime.txt").write_bytes(paragraph.encode() + b"\xff\xfe\xc3( fin")
    (corpus / "rapport.html").write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n")
    ws = tmp_path / "ws"
    r = invoke("prepare", corpus, "--workspace", ws, "--workers", "1")
    assert r.exit_code == 0, r.output
    for line in ("paths skipped: hidden file", "paths skipped: hidden folder", "paths skipped: symbolic link to a", "documents kept with a warning:"):
        assert line in r.output, r.output
    assert "abime.txt: invalid bytes (3 invalid UTF-8 bytes dropped" in r.output
    assert "rapport.html: binary (a PDF" in r.output
    notices = [json.loads(line) for line in (ws / "notices.jsonl").read_text(encoding="utf-8").splitlines()]
    assert {(n["source"], n["kind"], n["reason"]) for n in notices} == {
        (".brouillon.txt", "skipped", "hidden file"),
        (".git", "skipped", "hidden folder"),
        ("lien", "skipped", "symbolic link to a folder"),
        ("abime.txt", "warning", "invalid bytes"),
    }
    summary = json.loads((ws / "workspace.json").read_text(encoding="utf-8"))["summary"]
    assert summary["inputs_skipped"] == {"hidden file": 1, "hidden folder": 1, "symbolic link to a folder": 1}
    assert summary["warnings"] == {"invalid bytes": 1} and summary["reject_reasons"] == {"binary": 1}
    r = invoke("release", "--workspace", ws, "--name", "n", "--version", "1.0.0", "--releases-dir", tmp_path / "rel")
    assert r.exit_code == 0, r.output
    release = tmp_path / "rel" / "n" / "1.0.0"
    manifest = json.loads((release / "manifest.json").read_text(encoding="utf-8"))
    assert sorted(n["source"] for n in manifest["notices"]) == [".brouillon.txt", ".git", "abime.txt", "lien"]
    card = (release / "README.md").read_text(encoding="utf-8")
    assert "Paths skipped: 3 (hidden file: 1, hidden folder: 1, symbolic link to a folder: 1). Documents kept with a warning: 1 (invalid bytes: 1)." in card
    text = datasets.load_dataset(str(release), "documents", cache_dir=str(tmp_path / "cache"))
    (row,) = [row for split in text.values() for row in split]
    assert row["text"].endswith("( fin") and "ÿ" not in row["text"]


def test_validate_prints_environment_differences_as_warnings_and_passes(demo_release, tmp_path):
    import hashlib
    import json
    import shutil

    from corpus_builder.release import render_card

    copy = tmp_path / "demo" / "0.1.0"
    shutil.copytree(demo_release, copy)
    manifest = json.loads((copy / "manifest.json").read_text(encoding="utf-8"))
    manifest["components"]["spacy"] = "3.7.2"  # as if built elsewhere; card re-rendered to match
    card = render_card(manifest, ["fr"], manifest.get("description"))
    (copy / "README.md").write_text(card, encoding="utf-8")
    manifest["card"]["sha256"] = hashlib.sha256(card.encode("utf-8")).hexdigest()
    (copy / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    r = invoke("validate", copy)
    assert r.exit_code == 0, r.output
    assert "warning: environment: spacy" in r.output and "3.7.2 in manifest.json" in r.output
    assert "is a valid release" in r.output
    # a number edited in the card fails validate with a line that names it
    (copy / "README.md").write_text(card.replace("Documents reviewed by a person: 0", "Documents reviewed by a person: 5"), encoding="utf-8")
    r = invoke("validate", copy)
    assert r.exit_code == 1 and "README.md: sha256 differs" in r.output


def test_an_output_path_under_a_file_is_one_line_not_a_traceback(tmp_path):
    """Fresh-user trial: `export --out FILE/sub`, `build --releases-dir FILE`, `prepare -w
    FILE/x` and `studio export-tasks --out FILE/t.json` ended in tracebacks."""
    a_file = tmp_path / "notes.txt"
    a_file.write_text("mine\n", encoding="utf-8")
    for args in (
        ["build", EXAMPLES, "--name", "demo", "--version", "0.1.0", "--releases-dir", a_file / "rel", "--workers", "1"],
        ["prepare", EXAMPLES, "--workspace", a_file / "ws", "--workers", "1"],
    ):
        r = invoke(*args)
        assert r.exit_code == 1, r.output
        assert "Traceback" not in r.output and "error:" in r.output and str(a_file) in r.output
    assert a_file.read_text(encoding="utf-8") == "mine\n"


def test_prepare_with_every_input_rejected_fails_with_one_line_and_keeps_the_reasons(tmp_path):
    # Fresh-user trial: a folder of .csv/.md files gave "documents kept 0" and exit 0, no warning.
    corpus = tmp_path / "in"
    corpus.mkdir()
    (corpus / "notes.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    (corpus / "empty.txt").write_text("", encoding="utf-8")
    ws = tmp_path / "ws"
    r = invoke("prepare", corpus, "--workspace", ws, "--workers", "1", "--no-progress")
    assert r.exit_code == 1, r.output
    errors = [line for line in r.stderr.splitlines() if line.strip()]
    assert errors == [f"error: no documents: all 2 inputs were rejected (see {ws / 'rejects.jsonl'})"], r.stderr
    assert "Traceback" not in r.output
    rejects = [json.loads(line) for line in (ws / "rejects.jsonl").read_text(encoding="utf-8").splitlines()]
    assert sorted(x["reason"] for x in rejects) == ["empty", "unsupported"]
    r = invoke("build", corpus, "--name", "x", "--version", "0.1.0", "--releases-dir", tmp_path / "rel", "--workers", "1", "--no-progress")
    assert r.exit_code == 1 and not (tmp_path / "rel" / "x").exists()
    assert [line for line in r.stderr.splitlines() if line.strip()] == [
        "error: no documents: all 2 inputs were rejected (the reasons are listed above; nothing was released)"]
    # a partial reject stays a warning-free success, as before
    (corpus / "ok.txt").write_text("La ville de Brest accueille un festival.", encoding="utf-8")
    r = invoke("prepare", corpus, "--workspace", ws, "--workers", "1", "--no-progress")
    assert r.exit_code == 0, r.output
    assert "error" not in r.stderr


@pytest.mark.parametrize(
    "args, line",
    [
        (["release", "--workspace", "WS", "--name", "x", "--version", "1.0.0", "--shard-rows", "0"],
         "error: --shard-rows 0: give a whole number of at least 1 (rows per Parquet file)"),
        (["build", "IN", "--name", "x", "--version", "1.0.0", "--shard-rows", "-5"],
         "error: --shard-rows -5: give a whole number of at least 1 (rows per Parquet file)"),
        (["prepare", "IN", "--workspace", "WS", "--workers", "0"],
         "error: --workers 0: give a whole number of at least 1 (worker processes; default: the available cores)"),
        (["prepare", "IN", "--workspace", "WS", "--workers", "-2"],
         "error: --workers -2: give a whole number of at least 1 (worker processes; default: the available cores)"),
        (["prepare", "IN", "--workspace", "WS", "--workers", "two"],
         "error: --workers two: give a whole number of at least 1 (worker processes; default: the available cores)"),
        (["prepare", "IN", "--workspace", "WS", "--shard-size", "0"],
         "error: --shard-size 0: give a whole number of at least 1 (documents per workspace shard)"),
        (["agreement", "WS", "--top", "0"], "error: --top 0: give a whole number of at least 1 (documents to list)"),
        (["studio", "push", "--workspace", "WS", "--batch-size", "0"],
         "error: --batch-size 0: give a whole number of at least 1 (tasks per import request)"),
    ],
)
def test_an_out_of_range_number_is_one_error_line_before_any_work(tmp_path, args, line):
    # Fresh-user trial: `--shard-rows 0` gave click's two-line usage error (exit 2), every other
    # bad value the tool's own `error:` line.
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text("La ville de Brest accueille un festival.", encoding="utf-8")
    args = [str(tmp_path / "in") if a == "IN" else str(tmp_path / "ws") if a == "WS" else a for a in args]
    r = runner.invoke(app, [*args, "--releases-dir", str(tmp_path / "rel")] if args[0] in ("release", "build") else args)
    assert r.exit_code == 1, r.output
    assert [x for x in r.output.splitlines() if x.strip()] == [line]
    assert not (tmp_path / "ws").exists() and not (tmp_path / "rel").exists()


def test_the_library_checks_the_same_bounds(tmp_path):
    from corpus_builder.pipeline import PrepareOptions, prepare, release_workspace

    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text("La ville de Brest accueille un festival.", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"^--shard-size 0: give a whole number of at least 1"):
        prepare([tmp_path / "in"], tmp_path / "ws", PrepareOptions(shard_size=0))
    with pytest.raises(ConfigError, match=r"^--workers 0: give a whole number of at least 1"):
        prepare([tmp_path / "in"], tmp_path / "ws", PrepareOptions(workers=0))
    assert not (tmp_path / "ws").exists()
    with pytest.raises(ConfigError, match=r"^--shard-rows 0: give a whole number of at least 1"):
        release_workspace(tmp_path / "ws", name="x", version="1.0.0", releases_dir=tmp_path / "rel", shard_rows=0)


def test_the_summary_counts_entities_on_content_lines_and_says_so(capsys):
    # Fresh-user trial: "entities: LOC 35" counted entities on captions and footers too, which a
    # reader took for content entities.
    from corpus_builder.cli import print_summary
    from corpus_builder.pipeline import RunSummary
    from corpus_builder.records import Block, Document, Span

    text = "Le maire de Brest a parlé à Quimper.\n© 2026 Journal de Lorient | Contact"
    foot = text.index("©")

    def at(part, label):
        i = text.index(part)
        return Span(i, i + len(part), label, part)

    doc = Document(doc_id="d", source="a.txt", text=text, lang="fr", raw_sha256="0" * 64,
                   blocks=(Block(0, foot - 1), Block(foot, len(text), True, "footer")),
                   entities=(at("Brest", "LOC"), at("Quimper", "LOC"), at("Journal de Lorient", "ORG")))
    summary = RunSummary.from_documents([doc])
    assert summary.content_entities == {"LOC": 2} and summary.entities == {"LOC": 2, "ORG": 1}
    assert "content_entities" not in summary.to_dict()  # the manifest's prepare_summary is unchanged
    print_summary(summary)
    printed = capsys.readouterr().out
    rows = {re.sub(r"\s+", " ", line.strip("│ ")).rsplit(" │ ", 1)[0]: line.strip("│ ").split("│")[-1].strip()
            for line in printed.splitlines() if "│" in line}
    assert rows["entities on content lines: LOC"] == "2"
    assert rows["entities on boilerplate lines (not in the ner config)"] == "1"
    assert not any(k.startswith("entities: ") or k == "entities on content lines: ORG" for k in rows)
