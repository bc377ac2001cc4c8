"""JupyterLab as an analyst uses it: ``make lab``, the notebooks opened, one run.

The server is started as the README says (``make lab ARGS=...``: loopback address, a
free port, a token). Through its REST API every section notebook is listed and opened,
and a kernel session runs one section notebook cell by cell over the kernel's
websocket, as JupyterLab's page does; then Debian's Chromium drives the page itself:
the file browser, a notebook opened, "Run All Cells", a chart drawn.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from lab_server import LabServer

from helpers.core.layout import SECTION_ORDER
from helpers.core.paths import NOTEBOOKS_DIR

KERNEL = "mission-report"
# The section run in full: its charts and tables on the embedded data's defaults.
RUN_SECTION = "carbon"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def lab_server(tmp_path_factory):
    before = notebook_files()
    checkpoints = NOTEBOOKS_DIR / ".ipynb_checkpoints"
    kept = checkpoints.exists()
    server = LabServer(tmp_path_factory.mktemp("lab") / "jupyterlab.log").start()
    try:
        yield server
    finally:
        server.stop()
        if not kept:  # JupyterLab's copy of a notebook it opened (git ignores them)
            shutil.rmtree(checkpoints, ignore_errors=True)
    # Opened and run, the committed notebooks stay as they were (no outputs saved).
    assert notebook_files() == before


def notebook_files() -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(NOTEBOOKS_DIR.iterdir()) if p.is_file()}


def test_the_file_browser_lists_and_opens_every_section_notebook(lab_server):
    listing = lab_server.api("GET", "/api/contents/?content=1")
    names = {item["name"] for item in listing["content"]}
    assert {f"{name}.ipynb" for name in SECTION_ORDER} <= names
    for name in SECTION_ORDER:
        opened = lab_server.api("GET", f"/api/contents/{name}.ipynb?content=1&type=notebook")
        assert opened["type"] == "notebook"
        cells = opened["content"]["cells"]
        assert any("parameters" in c["metadata"].get("tags", []) for c in cells), name
        assert opened["content"]["metadata"]["kernelspec"]["name"] == KERNEL, name


def test_a_section_notebook_runs_cell_by_cell_through_a_server_session(lab_server):
    path = f"{RUN_SECTION}.ipynb"
    notebook = lab_server.api("GET", f"/api/contents/{path}?content=1&type=notebook")["content"]
    session = lab_server.api(
        "POST",
        "/api/sessions",
        {"path": path, "name": path, "type": "notebook", "kernel": {"name": KERNEL}},
    )
    assert session["kernel"]["name"] == KERNEL
    channel = lab_server.channel(session["kernel"]["id"])
    try:
        replies = [
            channel.execute(cell["source"])
            for cell in notebook["cells"]
            if cell["cell_type"] == "code"
        ]
    finally:
        channel.close()
        lab_server.api("DELETE", f"/api/sessions/{session['id']}")
    for number, reply in enumerate(replies, start=1):
        assert reply.status == "ok" and not reply.errors, (number, reply.errors)
    charts = [o for r in replies for o in r.shown("image/svg+xml", "text/html") if is_chart(o)]
    tables = [o for r in replies for o in r.shown("text/html") if "<table" in html_of(o)]
    assert charts and tables


def html_of(output: dict) -> str:
    return output["content"]["data"].get("text/html", "")


def is_chart(output: dict) -> bool:
    """An SVG image, or a page piece holding one (the report's charts are SVG)."""
    data = output["content"]["data"]
    return (
        "image/svg+xml" in data or "<svg" in html_of(output) or "image/svg+xml" in html_of(output)
    )


@pytest.mark.browser
def test_jupyterlab_s_page_opens_a_notebook_and_runs_all_its_cells(lab_server, tmp_path: Path):
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import sync_playwright
    from test_browser import CHROMIUM, CHROMIUM_ARGS

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            shot = tmp_path / f"jupyterlab-{RUN_SECTION}.png"
            errors: list[str] = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.goto(f"{lab_server.url}/lab?token={lab_server.token}")
            listing = page.locator(".jp-DirListing-content .jp-DirListing-itemText")
            listing.first.wait_for(timeout=120_000)
            shown = set(listing.all_inner_texts())
            assert {f"{name}.ipynb" for name in SECTION_ORDER} <= shown
            page.locator(".jp-DirListing-item", has_text=f"{RUN_SECTION}.ipynb").dblclick()
            panel = page.locator(".jp-NotebookPanel:visible")
            panel.wait_for(timeout=60_000)
            # A first opening asks which kernel to start, the project's one chosen.
            choice = page.locator(".jp-Dialog", has_text="Select Kernel")
            try:
                choice.wait_for(timeout=20_000)
            except PlaywrightTimeout:
                pass
            else:
                assert "Mission report" in choice.locator("select").input_value() + (
                    choice.locator("select option:checked").inner_text()
                )
                choice.locator(".jp-mod-accept").click()
            idle = panel.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']")
            idle.wait_for(timeout=120_000)
            page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
            page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
            # Cells scrolled out of view may be hidden: a chart is there once attached.
            chart = panel.locator(".jp-OutputArea-output img.mr-chart")
            chart.first.wait_for(state="attached", timeout=300_000)
            # Every cell ran once the last one shows its execution count.
            last = panel.locator(".jp-CodeCell .jp-InputArea-prompt").last
            page.wait_for_function(
                "element => /\\[\\d+\\]/.test(element.textContent)",
                arg=last.element_handle(),
                timeout=300_000,
            )
            failures = panel.locator("[data-mime-type='application/vnd.jupyter.stderr']")
            tracebacks = [t for t in failures.all_inner_texts() if "Traceback" in t]
            chart.last.scroll_into_view_if_needed()
            page.screenshot(path=str(shot))
            assert not tracebacks, tracebacks
            assert not errors, errors
        finally:
            if not shot.exists():
                page.screenshot(path=str(shot))  # what the page showed when it failed
            browser.close()
