"""Every page of a report renders in a real browser, offline: Debian's Chromium."""

from __future__ import annotations

from pathlib import Path

import pytest
from report_runs import build_smoke_report

from helpers import i18n
from helpers.layout import METRIC_SECTIONS

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# The sections that draw charts whatever the data (the others may be tables only).
CHARTED = METRIC_SECTIONS

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="session")
def smoke(tmp_path_factory):
    return build_smoke_report(tmp_path_factory.getbasetemp())


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def test_every_page_renders_offline_with_banner_and_images(smoke, browser):
    assert smoke.result.returncode == 0, smoke.result.stderr
    pages = smoke.pages()
    assert {p.name for p in pages} >= {"index.html", "funnel.html", "methods.html"}
    banner = i18n.t("page.synthetic_banner", "en")
    for page_file in pages:
        context = browser.new_context(offline=True)
        page = context.new_page()
        errors: list[str] = []
        fetched: list[str] = []
        page.on("console", lambda m, e=errors: e.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda error, e=errors: e.append(str(error)))
        page.on("request", lambda r, f=fetched: f.append(r.url))
        page.goto(page_file.as_uri(), wait_until="load")

        assert page.title().strip(), page_file.name
        assert page.locator(".synthetic-banner").inner_text() == banner, page_file.name
        assert page.locator("footer .provenance").is_visible(), page_file.name
        broken = page.evaluate(
            "Array.from(document.images)"
            ".filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.alt || i.src.slice(0, 40))"
        )
        assert broken == [], (page_file.name, broken)
        if page_file.stem in CHARTED:
            assert page.evaluate("document.images.length") > 0, page_file.name
        assert errors == [], (page_file.name, errors)
        remote = [u for u in fetched if not u.startswith(("file:", "data:"))]
        assert remote == [], (page_file.name, remote)
        context.close()
