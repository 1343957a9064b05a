"""Release names and versions (issue 11, item 8): SemVer 2.0.0 versions, pre-releases included,
and names and versions that fit the file system's limits, each refused with one clear line."""

from __future__ import annotations

import json
from pathlib import Path

import datasets
import pytest
from typer.testing import CliRunner

from corpus_builder.cli import app
from corpus_builder.errors import ConfigError
from corpus_builder.release import check_name, check_version
from corpus_builder.release.jsonschemas import row_errors

PROJECT_ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = PROJECT_ROOT / "examples" / "articles"
runner = CliRunner()

#: Valid versions: the examples of the SemVer 2.0.0 text (items 9, 10 and 11 of https://semver.org/spec/v2.0.0.html).
VALID = [
    "0.0.0", "1.0.0", "10.20.30", "1.0.0-rc.1", "1.0.0-alpha+build.5", "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-0.3.7",
    "1.0.0-x.7.z.92", "1.0.0-x-y-z.--", "1.0.0-alpha+001", "1.0.0+20130313144700", "1.0.0-beta+exp.sha.5114f85",
    "1.0.0+21AF26D3----117B344092BD", "1.0.0-alpha.beta", "1.0.0-0A.is.legal",
]  # fmt: skip
#: Invalid: not SemVer (missing parts, leading zeros, empty identifiers, a prefix, non-ASCII digits or letters).
#: The longest version a release can have (217 bytes): see test_names_and_versions_must_fit_a_path_component.
LONGEST = "1.0.0-" + "a" * (255 - 38 - 6)
INVALID = [
    "", "1", "1.0", "1.0.0.0", "01.0.0", "1.02.0", "v1.0.0", "1.0.0-", "1.0.0+", "1.0.0-01", "1.0.0-rc..1", "1.0.0-rc.1+",
    "1.0.0+build..5", "1.0.0-é", "１.0.0", "1.0.0 ", " 1.0.0", "1.0.0\n", "1.0.0-rc/1", "../1.0.0",
]  # fmt: skip


@pytest.mark.parametrize("version", VALID)
def test_semver_versions_are_accepted(version):
    assert check_version(version) == version
    assert _field_errors("version", version) == []


@pytest.mark.parametrize("version", INVALID)
def test_non_semver_versions_are_refused(version):
    with pytest.raises(ConfigError, match="SemVer"):
        check_version(version)
    if not version.endswith("\n"):  # jsonschema matches with re.search, where "$" also matches before a final newline
        assert _field_errors("version", version) != []


def test_names_and_versions_must_fit_a_path_component(tmp_path):
    assert check_name("a" * 255) == "a" * 255
    with pytest.raises(ConfigError, match="255 bytes"):
        check_name("a" * 256)
    # datasets caches "<version>-validation-00000-00000-of-00000.arrow": 38 bytes more than the version
    assert check_version(LONGEST) == LONGEST
    with pytest.raises(ConfigError, match="255 bytes"):
        check_version(LONGEST + "a")
    with pytest.raises(ConfigError, match="255 bytes"):  # datasets writes "1.0.0+a_bc..." for "1.0.0+aBc...": longer
        check_version("1.0.0+" + "aB" * 100)  # 206 bytes, 306 in the cache
    assert _field_errors("name", "a" * 255) == [] and _field_errors("name", "a" * 256) != []


def _one_error_line(result) -> str:
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output and result.exception is None or isinstance(result.exception, SystemExit)
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:"), result.output
    return lines[0]


def test_a_300_character_name_is_one_clear_line_in_every_command(tmp_path):
    name = "n" * 300
    for cmd in (["build", EXAMPLES], ["release", "--workspace", tmp_path / "ws"]):
        r = runner.invoke(app, [str(a) for a in cmd] + ["--name", name, "--version", "1.0.0", "--releases-dir", str(tmp_path / "rel")])
        line = _one_error_line(r)
        assert "--name" in line and "255 bytes" in line
    r = runner.invoke(app, ["build", str(EXAMPLES), "--name", "demo", "--version", "1.0.0-" + "a" * 300, "--releases-dir", str(tmp_path / "rel")])
    assert "--version" in _one_error_line(r)
    assert not (tmp_path / "rel").exists() and not (tmp_path / "ws").exists()


@pytest.mark.parametrize("version", ["1.0.0-rc.1", "1.0.0-alpha+build.5", LONGEST])
def test_a_pre_release_version_works_end_to_end(tmp_path, version):
    rel = tmp_path / "rel"
    r = runner.invoke(app, ["build", str(EXAMPLES), "--name", "demo", "--version", version, "--releases-dir", str(rel), "--workers", "1"])
    assert r.exit_code == 0, r.output
    path = rel / "demo" / version
    assert path.is_dir() and sorted(p.name for p in (rel / "demo").iterdir()) == [version]
    manifest = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["version"] == version
    card = (path / "README.md").read_text(encoding="utf-8")
    assert f"pretty_name: demo {version}" in card and f"# demo {version}" in card
    v = runner.invoke(app, ["validate", str(path)])
    assert v.exit_code == 0, v.output
    for config in ("documents", "sentences", "ner"):
        ds = datasets.load_dataset(str(path), config, cache_dir=str(tmp_path / "cache"))  # caches "<version>-<split>-...arrow"
        assert sum(len(s) for s in ds.values()) == manifest["counts"][config]["total"] > 0


def _field_errors(field: str, value: str) -> list[str]:
    """The manifest schema's complaints about its ``field`` (``name`` or ``version``) set to ``value``."""
    return [e for e in row_errors("manifest", {field: value}, "m") if e.startswith(f"m: field {field}:")]


def test_validate_on_a_release_name_folder_names_its_versions(tmp_path):
    # Trial: `validate releases/mine` said only "no manifest.json"; it names the versions inside.
    from corpus_builder.release.manifest import missing_manifest_message

    (tmp_path / "mine" / "1.0.0").mkdir(parents=True)
    (tmp_path / "mine" / "1.0.0" / "manifest.json").write_text("{}", encoding="utf-8")
    msg = missing_manifest_message(tmp_path / "mine")
    assert "no manifest.json" in msg and str(tmp_path / "mine" / "1.0.0") in msg and "give one of them" in msg
    assert "give one" not in missing_manifest_message(tmp_path / "mine" / "1.0.0" / "nope")


def test_a_version_that_differs_only_by_build_metadata_is_refused(tmp_path):
    # Third fresh-user trial: `--version 1.0.0+b` was accepted beside an existing 1.0.0, though
    # SemVer 2.0.0 (rule 10) gives them the same precedence: no tool could order the two.
    from corpus_builder.release.writer import same_version

    rel = tmp_path / "rel"
    (rel / "demo" / "1.0.0").mkdir(parents=True)
    (rel / "demo" / ".1.0.0+x.tmp-abc").mkdir()  # a killed run's staging folder is not a release
    assert same_version(rel, "demo", "1.0.0+b") == "1.0.0"
    assert same_version(rel, "demo", "1.0.1+b") is None and same_version(rel, "other", "1.0.0") is None
    before = sorted(p.name for p in (rel / "demo").iterdir())
    r = runner.invoke(app, ["build", str(EXAMPLES), "--name", "demo", "--version", "1.0.0+b", "--releases-dir", str(rel), "--workers", "1"])
    assert r.exit_code == 1 and "same SemVer precedence" in r.output and "Traceback" not in r.output, r.output
    assert sorted(p.name for p in (rel / "demo").iterdir()) == before
