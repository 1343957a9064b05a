"""The annotation view as an annotator sees it: Debian's chromium, driven by Playwright (no
browser download), logs into the local Label Studio, opens pushed tasks of the real seed article
and an emoji document, and checks that every predicted region is drawn over its own text, with its
label and its label's colour; then turns on "Show region labels" (README) and saves screenshots.

Needs ``chromium`` on PATH (Debian: ``apt-get install -y chromium``) or ``CORPUS_BUILDER_CHROMIUM``;
fails, never skips, without it. ``CORPUS_BUILDER_SCREENSHOTS=DIR`` keeps the screenshots there."""

from __future__ import annotations

import os
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from corpus_builder.pipeline import PrepareOptions, prepare
from corpus_builder.studio import commands
from corpus_builder.studio.client import StudioClient
from corpus_builder.studio.config import labeling_config
from corpus_builder.studio.tasks import document_to_task
from corpus_builder.workspace import Workspace

pytestmark = [pytest.mark.studio, pytest.mark.slow]

EMOJI = "Salon de l'agriculture 😀 : Gabriel Attal attendu à Paris\nLe Premier ministre visitera les stands de la FNSEA samedi matin.\nPartager\n"
TIMEOUT_MS = 180_000

#: Per region id (``e0``, ``b3``: the ids push gives), the text of its highlight spans (pieces of a
#: region split by a nested region are joined), its ``data-label`` and its background colour.
REGIONS_JS = """els => {
  const out = {};
  for (const e of els) {
    const m = e.className.match(/htx-highlight-([A-Za-z0-9_]+)-\\d+/);
    if (!m) continue;
    const rid = m[1];
    let p = e.parentElement, nested = false;
    while (p) {
      if (p.classList && [...p.classList].some(c => c.startsWith('htx-highlight-' + rid + '-'))) { nested = true; break; }
      p = p.parentElement;
    }
    if (nested) continue;
    const r = out[rid] || (out[rid] = {text: '', label: e.dataset.label, bg: getComputedStyle(e).backgroundColor, labelShown: !e.classList.contains('htx-no-label')});
    r.text += e.textContent;
  }
  return out;
}"""


def chromium() -> str:
    path = os.environ.get("CORPUS_BUILDER_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        pytest.fail("chromium not found: install Debian's package (apt-get install -y chromium) or set CORPUS_BUILDER_CHROMIUM")
    return path


def label_colours() -> dict[str, tuple[int, int, int]]:
    out = {}
    for lab in ET.fromstring(labeling_config()).iter("Label"):
        h = lab.get("background").lstrip("#")
        out[lab.get("value")] = tuple(int(h[i : i + 2], 16) for i in (0, 2, 4))
    return out


def test_predicted_regions_render_over_their_text(ls_server, tmp_path, seed_path):
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("playwright is not installed: pip install -e '.[test]'")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(seed_path, corpus / seed_path.name)
    (corpus / "salon.txt").write_text(EMOJI, encoding="utf-8")
    ws = tmp_path / "ws"
    prepare([corpus], ws, PrepareOptions(workers=1))
    docs = {d.doc_id: d for d in Workspace(ws).iter_documents()}
    client = StudioClient(ls_server.url, ls_server.api_key, retries=2, backoff=0.5)
    pushed = commands.push(ws, "Browser view", client=client, progress=False)
    tasks = {t.data["doc_id"]: t.id for t in client.tasks(pushed["project_id"])}
    assert set(tasks) == set(docs)
    colours = label_colours()
    password = (ls_server.credentials_dir / "password").read_text(encoding="utf-8").strip()
    shots = Path(os.environ.get("CORPUS_BUILDER_SCREENSHOTS", tmp_path / "screenshots"))
    shots.mkdir(parents=True, exist_ok=True)

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium(), args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1800})
            page.set_default_timeout(TIMEOUT_MS)
            page.goto(f"{ls_server.url}/user/login/")
            page.fill("input[name=email]", ls_server.username)
            page.fill("input[name=password]", password)
            page.click("button[type=submit]")
            page.wait_for_url(re.compile(r"^(?!.*/user/login).*$"))
            for doc_id, task_id in sorted(tasks.items()):
                doc = docs[doc_id]
                expected = {r["id"]: r["value"] for r in document_to_task(doc, "m")["predictions"][0]["result"]}
                assert expected, f"{doc_id}: the pushed task has predicted regions"
                page.goto(f"{ls_server.url}/projects/{pushed['project_id']}/data?task={task_id}")
                page.wait_for_function("document.querySelectorAll('.htx-highlight').length > 0")
                drawn = {}
                for _ in range(60):  # the editor may draw, then redraw once the annotation draft exists
                    page.wait_for_timeout(1000)
                    drawn = page.eval_on_selector_all(".htx-highlight", REGIONS_JS)
                    if set(drawn) == set(expected):
                        break
                assert set(drawn) == set(expected), f"{doc_id}: regions drawn {sorted(drawn)} != predicted {sorted(expected)}"
                for rid, value in expected.items():
                    r = drawn[rid]
                    assert r["text"] == value["text"] == doc.text[value["start"] : value["end"]], (doc_id, rid, r["text"], value)
                    assert r["label"].split(":", 1)[1] == value["labels"][0], (doc_id, rid, r["label"])
                    rgb = tuple(int(x) for x in re.findall(r"[\d.]+", r["bg"])[:3])
                    assert rgb == colours[value["labels"][0]], (doc_id, rid, r["bg"])
                    assert not r["labelShown"]  # Label Studio's default: labels hidden (README: turn them on)
                page.screenshot(path=str(shots / f"{doc_id}.png"), full_page=True)
            # README: Settings → "Show region labels" puts every label's name on its region
            page.click("button[aria-label=Settings]")
            page.get_by_text("Show region labels").first.click()
            page.keyboard.press("Escape")
            for _ in range(30):  # the editor redraws its regions; on a loaded CI machine that took over 0.5 s
                page.wait_for_timeout(500)
                drawn = page.eval_on_selector_all(".htx-highlight", REGIONS_JS)
                if drawn and all(r["labelShown"] for r in drawn.values()):
                    break
            assert drawn and all(r["labelShown"] for r in drawn.values())
            page.screenshot(path=str(shots / "region-labels-shown.png"), full_page=True)
        finally:
            browser.close()
    assert all((shots / f"{d}.png").stat().st_size > 10_000 for d in docs)
