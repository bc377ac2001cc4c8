"""The built pages as validators nobody here wrote judge them: axe-core (WCAG 2.1 A and
AA rules) in Debian's Chromium on a 1280 px screen and a 390 px phone, and the W3C Nu
HTML checker. Both come from the npm registry (``make validators``); the Nu checker runs
on Java.

The smoke report's pages in both languages and its language chooser are judged, built
once per session with the other report tests.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from report_runs import build_french_report, build_smoke_report
from test_browser import CHROMIUM, CHROMIUM_ARGS

from helpers.core.paths import ROOT

TOOLS = ROOT / ".tools" / "node_modules"
AXE = TOOLS / "axe-core" / "axe.min.js"
NU_CHECKER = TOOLS / "vnu-jar" / "build" / "dist" / "vnu.jar"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
WIDTHS = (1280, 390)
# Each rule broken, with the first places it is broken in.
RUN_AXE = """async (tags) => {
  const found = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
  return found.violations.map(v => v.id + ': ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', '));
}"""

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> list[Path]:
    base = tmp_path_factory.getbasetemp()
    smoke = build_smoke_report(base)
    assert smoke.result.returncode == 0, smoke.result.stderr
    french = build_french_report(base)
    return [smoke.year_folder / "index.html", *smoke.pages(), *sorted(french.glob("*.html"))]


def tool(path: Path) -> Path:
    assert path.is_file(), f"{path.relative_to(ROOT)} missing: run make validators"
    return path


def test_axe_finds_no_wcag_violation_on_a_screen_or_a_phone(pages):
    from playwright.sync_api import sync_playwright

    script = tool(AXE).read_text(encoding="utf-8")
    found = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        for width in WIDTHS:
            # The pages forbid scripts (their security policy): axe is let in, as a
            # reader's extension would be.
            context = browser.new_context(viewport={"width": width, "height": 900}, bypass_csp=True)
            for path in pages:
                page = context.new_page()
                page.goto(path.as_uri())
                page.add_script_tag(content=script)
                found += [
                    f"{width} px {path.parent.name}/{path.name}: {v}"
                    for v in page.evaluate(RUN_AXE, WCAG_TAGS)
                ]
                page.close()
            context.close()
        browser.close()
    assert len(pages) > 20
    assert not found, found[:10]


def test_the_nu_checker_finds_no_error(pages):
    command = ["java", "-jar", str(tool(NU_CHECKER)), "--errors-only", "--format", "json"]
    result = subprocess.run(
        [*command, *map(str, pages)], capture_output=True, text=True, timeout=600
    )
    messages = json.loads(result.stderr or result.stdout or '{"messages": []}')["messages"]
    errors = [
        f"{Path(m.get('url', '')).name}:{m.get('lastLine')}: {m['message']}"
        for m in messages
        if m.get("type") in ("error", "non-document-error")
    ]
    assert not errors, errors[:10]
