"""Rewrite ``constraints.txt``: every package that a from-scratch install of corpus-builder with all
its extras resolves to, pinned ``name==version``.

Why: the README's two install commands (the main job; the tests with the ``test,studio,ray``
extras) resolved different versions of shared packages (label-studio's pins pulled pyarrow and
trafilatura down), so a release built before and after installing the test extras differed in its
bytes. With ``-c constraints.txt`` both commands install the same versions, the ones recorded in a
release's manifest. Run it after changing a dependency in ``pyproject.toml`` (it asks pip's own
resolver, ``pip install --dry-run --ignore-installed --report``, on the package index) and commit
the result::

    python tools/update_constraints.py

The pins are for CPython 3.11 on Linux x86_64 (the CI machine); another Python may need
``python tools/update_constraints.py`` run there.
"""

from __future__ import annotations

import json
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXTRAS = "test,studio,ray,eval"


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.json"
        cmd = [
            sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed", "--quiet",
            "--report", str(report), f"{ROOT}[{EXTRAS}]",
        ]
        # the machine-wide pip constraint file (if any) still applies: pip reads it from its config
        subprocess.run(cmd, check=True)
        items = json.loads(report.read_text(encoding="utf-8"))["install"]
    pins = sorted(
        (item["metadata"]["name"].lower(), item["metadata"]["version"])
        for item in items
        if item["metadata"]["name"].lower() != "corpus-builder"
    )
    header = (
        "# Every package of a from-scratch install of corpus-builder[" + EXTRAS + "], pinned.\n"
        f"# Made by tools/update_constraints.py with Python {platform.python_version()} on "
        f"{platform.system()} {platform.machine()}; the README's install commands use it (-c).\n"
    )
    out = ROOT / "constraints.txt"
    out.write_text(header + "".join(f"{n}=={v}\n" for n, v in pins), encoding="utf-8")
    print(f"{out}: {len(pins)} packages pinned")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
