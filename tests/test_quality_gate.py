"""The quality gate: our stages on the dev gold (../shared/data/gold, read in place) must not
fall below the checked-in figures of ``benchmarks/quality_baseline.json`` by more than its
tolerance. After a deliberate change of figures, rewrite the baseline with
``corpus-builder evaluate all --no-baselines --write-baseline benchmarks/quality_baseline.json``
and say why in the commit."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from corpus_builder.evaluate.run import TASKS, check_baseline, gated_figures, run_evaluation

BASELINE = Path(__file__).resolve().parents[1] / "benchmarks" / "quality_baseline.json"


@pytest.fixture(scope="module")
def our_results(shared_data: Path) -> dict:
    gold = shared_data / "gold"
    if not gold.is_dir():
        pytest.fail(f"gold folder not found at {gold}: the quality gate reads ../shared/data/gold in place")
    return run_evaluation(gold, TASKS, baselines=False)


def test_our_stages_run_on_every_gold_set(our_results):
    failures = [
        f"{task}/{name}: {entry['systems']['ours']['error']}"
        for task, sets in our_results["tasks"].items()
        for name, entry in sets.items()
        if "error" in entry["systems"]["ours"]
    ]
    assert not failures, "our stages failed on gold sets:\n" + "\n".join(failures)


def test_baseline_covers_every_gold_set(our_results):
    pinned = json.loads(BASELINE.read_text(encoding="utf-8"))["figures"]
    missing = sorted(set(gated_figures(our_results)) - set(pinned))
    assert not missing, f"figures not pinned in {BASELINE.name} (rewrite it with --write-baseline): {missing}"


def test_no_quality_regression(our_results):
    regressions = check_baseline(our_results, BASELINE)
    assert not regressions, "quality regressions against benchmarks/quality_baseline.json:\n" + "\n".join(regressions)


def test_boilerplate_dev_sets_have_cross_validated_figures_marked_as_such(our_results):
    """The shipped block classifier was trained on the boilerplate dev sets: their ``ours``
    figures are training-set figures, so each set also has the 5-fold cross-validated ones,
    and a note says which is which."""
    sets = our_results["tasks"]["boilerplate"]
    assert {"aeb-en-dev", "aeb-en-dev2", "trafilatura-fr-dev", "trafilatura-multi-dev"} <= set(sets)
    for name, entry in sets.items():
        assert {"ours (cv)", "ours-plain-text (cv)"} <= set(entry["systems"]), name
        assert any("training-set figures" in note and "cross-validation by site" in note for note in entry["notes"]), name
        for system in ("ours (cv)", "ours-plain-text (cv)"):
            assert "error" not in entry["systems"][system], (name, entry["systems"][system])


#: The targets the README's quality table states as met, asserted as they are written there (the
#: baseline's tolerance must never let a figure slip under its stated target). Targets not met yet
#: are listed in the README as such and are not asserted: the plain-text boilerplate path ≥ 0.93
#: (cross-validated 0.83–0.92).
README_TARGETS: dict[str, float] = {
    "sentences/pud-fr-dev/f1": 0.99,
    "sentences/pud-fr-dev/held-out/f1": 0.99,
    "sentences/sequoia-annodis-er-fr-dev/f1": 0.985,
    "sentences/sequoia-annodis-er-fr-dev/held-out/f1": 0.985,
    "sentences/ewt-en-dev/f1": 0.950,  # "EWT not worse" than 0.950 before issue 10
    "entities/deep-sequoia-fr-dev/exact/micro/f1": 0.70,
    "boilerplate/trafilatura-fr-dev/ours (cv)/snippets/score": 0.96,
    "boilerplate/aeb-en-dev/ours (cv)/tokens/f1": 0.97,
    "boilerplate/aeb-en-dev2/ours (cv)/tokens/f1": 0.97,
    # the plain-text path (issue 10: >= 0.93); aeb-en-dev2 (0.929) is below it, not asserted
    "boilerplate/trafilatura-fr-dev/ours-plain-text (cv)/snippets/score": 0.93,
    "boilerplate/aeb-en-dev/ours-plain-text (cv)/tokens/f1": 0.93,
}


def test_readme_targets_are_met(our_results):
    figs = gated_figures(our_results)
    missed = [f"{k}: {figs.get(k)} < {t}" for k, t in README_TARGETS.items() if figs.get(k) is None or figs[k] < t]
    assert not missed, "README quality targets not met:\n" + "\n".join(missed)
