"""Every page of a report renders in a real browser, offline: Debian's Chromium.

Each page is opened on a 1280 px screen, on a 390 px phone and as printed on A4: nothing
scrolls sideways, no table runs past the page, every image loads, nothing is logged as
an error, and on the phone the charts' texts are at least 11 px high.
"""

from __future__ import annotations

import base64
import re
from pathlib import Path

import pytest
from report_runs import SMOKE_YEAR, build_smoke_report

from helpers.core.layout import METRIC_SECTIONS
from helpers.pages import i18n

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
# (name, viewport width, media): a screen, a phone, and A4 printed (190 mm of text
# width at 96 px per inch).
LAYOUTS = (("screen", 1280, "screen"), ("phone", 390, "screen"), ("print", 718, "print"))
SMALLEST_PHONE_TEXT_PX = 11.0

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# Elements wider than the page, and tables wider than the box they sit in.
OVERFLOW = """() => {
  const page = document.documentElement;
  const out = [];
  if (page.scrollWidth > page.clientWidth + 1) out.push('page ' + page.scrollWidth);
  for (const table of document.querySelectorAll('table')) {
    const box = table.getBoundingClientRect();
    const room = table.parentElement.getBoundingClientRect();
    if (box.right > Math.min(room.right, page.clientWidth) + 1)
      out.push('table ' + (table.className || table.parentElement.className) + ' ' + Math.round(box.right));
  }
  return out;
}"""
# Each chart shown: its SVG (the source the browser chose) and its width on the page.
CHARTS = """() => Array.from(document.querySelectorAll('img.mr-chart'))
  .map(i => ({src: i.currentSrc, width: i.getBoundingClientRect().width}))"""


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


def smallest_text_px(src: str, width: float) -> float:
    """The smallest text of an SVG chart as drawn ``width`` px wide."""
    svg = base64.b64decode(src.split(",", 1)[1]).decode("utf-8")
    view_width = float(re.search(r'viewBox="[\d.]+ [\d.]+ ([\d.]+)', svg).group(1))
    sizes = [float(s) for s in re.findall(r"font-size: ([\d.]+)px", svg)]
    return min(sizes) * width / view_width


@pytest.mark.parametrize(("layout", "width", "media"), LAYOUTS, ids=[n for n, _, _ in LAYOUTS])
def test_every_page_fits_loads_and_logs_no_error(smoke, browser, layout, width, media):
    assert smoke.result.returncode == 0, smoke.result.stderr
    pages = smoke.pages()
    assert {p.name for p in pages} >= {"index.html", "funnel.html", "methods.html"}
    banner = i18n.t("page.synthetic_banner", "en")
    for page_file in pages:
        context = browser.new_context(offline=True, viewport={"width": width, "height": 900})
        page = context.new_page()
        page.emulate_media(media=media)
        errors: list[str] = []
        fetched: list[str] = []
        page.on("console", lambda m, e=errors: e.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda error, e=errors: e.append(str(error)))
        page.on("request", lambda r, f=fetched: f.append(r.url))
        page.goto(page_file.as_uri(), wait_until="load")
        where = (page_file.name, layout)

        assert page.title().strip(), where
        assert page.locator(".synthetic-banner").inner_text() == banner, where
        # The provenance, folded in one "About this report" block.
        assert page.locator("details.about > summary").count() == 1, where
        assert page.locator("details.about > summary").is_visible(), where
        nav_shown = page.locator(".report-header nav").is_visible()
        assert nav_shown == (media == "screen"), where
        if media == "print":  # no navigation of any kind on paper
            assert page.locator("nav:visible, .section-list:visible").count() == 0, where
        broken = page.evaluate(
            "Array.from(document.images)"
            ".filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.alt || i.src.slice(0, 40))"
        )
        assert broken == [], (*where, broken)
        assert page.evaluate(OVERFLOW) == [], where
        charts = page.evaluate(CHARTS)
        if page_file.stem in CHARTED:
            assert charts, where
        if layout == "phone":
            small = [c["width"] for c in charts if smallest_text_px(c["src"], c["width"]) < 11]
            assert small == [], (*where, small)
        assert errors == [], (*where, errors)
        remote = [u for u in fetched if not u.startswith(("file:", "data:"))]
        assert remote == [], (*where, remote)
        context.close()


def test_a_keyboard_reader_can_skip_to_the_content(smoke, browser):
    page = browser.new_page()
    page.goto((smoke.folder / "funnel.html").as_uri())
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.getAttribute('href')")
    assert focused == "#main"
    assert page.locator("main#main").count() == 1
    page.close()


@pytest.mark.parametrize(("layout", "width", "media"), LAYOUTS, ids=[n for n, _, _ in LAYOUTS])
def test_the_language_chooser_fits_and_leads_to_the_report(
    smoke, browser, tmp_path, layout, width, media
):
    from helpers.pages.chooser import build_chooser

    # The smoke run built English alone; a chooser of both languages is drawn beside it.
    both = tmp_path / "index.html"
    both.write_text(build_chooser(SMOKE_YEAR, ["en", "fr"], synthetic=True), encoding="utf-8")
    for chooser in (smoke.year_folder / "index.html", both):
        context = browser.new_context(viewport={"width": width, "height": 800})
        page = context.new_page()
        page.emulate_media(media=media)
        errors: list[str] = []
        page.on(
            "console", lambda m, seen=errors: seen.append(m.text) if m.type == "error" else None
        )
        page.goto(chooser.as_uri())
        assert page.evaluate(OVERFLOW) == [], (chooser, layout)
        links = page.locator("nav a")
        assert links.count() >= 1
        for i in range(links.count()):
            box = links.nth(i).bounding_box()
            assert box and box["height"] >= 44 and box["x"] + box["width"] <= width, box
        assert errors == [], errors
        context.close()
    page = browser.new_page()
    page.goto((smoke.year_folder / "index.html").as_uri())
    page.locator('a[hreflang="en"]').click()
    assert page.url.endswith("/en/index.html")
    page.close()
