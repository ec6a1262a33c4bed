"""The Runs list with 10,000 runs: painted fast after opening, paged from the server as it
scrolls through a virtualized window, works from the keyboard, and keeps its metric columns
and dark theme right.

The paint time is measured in the page (``performance.now()`` from the click on the
sidebar tab to the first run row in the DOM) and printed; the target (300 ms) is
reported, not asserted, because a shared 2-core machine makes timings noisy.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from .conftest import REPO, _lab, open_lab
from .lab import LabServer
from .steps import SIDEBAR, SIDEBAR_TAB, main_panel, open_sidebar, run_row, shot, widen_sidebar

RUNS = 10_000
EXPERIMENT = "ridge-sweep"
PAINT_TARGET_MS = 300


def _seed(server: LabServer) -> None:
    """10,000 finished runs with metrics and an alpha param, written in bulk (as benchmarks/bench_runs_listing.py)."""
    env = {k: v for k, v in server.env.items() if k != "PYTEST_CURRENT_TEST"}
    done = subprocess.run(
        [sys.executable, "-m", "tests.ui.seed_runs", str(server.workspace_dir), str(RUNS), EXPERIMENT],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    print("\n" + done.stdout.strip())


@pytest.fixture(scope="module")
def lab_with_runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabServer]:
    yield from _lab(tmp_path_factory, "lab-10k", [], prepare=_seed)


def _arm_paint_timer(page: Page) -> None:
    """Time from the click on the sidebar tab to the first run row, observed in the page itself."""
    page.evaluate(
        """(tab) => {
          window.__amlxPaint = {};
          const marks = window.__amlxPaint;
          document.querySelector(tab).addEventListener('click', () => { marks.click = performance.now(); },
                                                       { capture: true, once: true });
          const seen = () => {
            if (marks.click === undefined) { return; }
            if (marks.rows === undefined && document.querySelector('.amlx-RunRow')) {
              marks.rows = performance.now();
            }
            const status = document.querySelector('.amlx-Runs-status');
            if (marks.all === undefined && status && status.dataset.total === '10000') {
              marks.all = performance.now();
            }
            if (marks.rows !== undefined && marks.all !== undefined) { observer.disconnect(); }
          };
          const observer = new MutationObserver(seen);
          observer.observe(document.body, { childList: true, subtree: true, characterData: true, attributes: true,
                                           attributeFilter: ['data-total', 'data-loaded'] });
        }""",
        SIDEBAR_TAB,
    )


def test_ten_thousand_runs_paint_fast_and_scroll(page: Page, lab_with_runs: LabServer, artifacts: Path) -> None:
    open_lab(page, lab_with_runs, reset=True)
    # the workspace header is loaded at start-up; runs are loaded only when the sidebar opens
    page.wait_for_function(
        "() => performance.getEntriesByType('resource').some(e => e.name.includes('/amlx/api/workspace'))"
    )
    expect(page.locator(SIDEBAR)).to_be_hidden()
    _arm_paint_timer(page)
    page.click(SIDEBAR_TAB)
    expect(page.locator(f"{SIDEBAR} .amlx-RunRow").first).to_be_visible()
    page.wait_for_function("() => window.__amlxPaint.rows !== undefined")
    marks = page.evaluate("() => window.__amlxPaint")
    paint_ms = marks["rows"] - marks["click"]
    status = page.locator(f"{SIDEBAR} .amlx-Runs-status")
    expect(status).to_have_attribute("data-total", str(RUNS))
    page.wait_for_function("() => window.__amlxPaint.all !== undefined")
    marks = page.evaluate("() => window.__amlxPaint")
    counted_ms = marks["all"] - marks["click"]
    # server-paged: the first screen needs a page of runs, not all 10,000
    loaded = int(status.get_attribute("data-loaded") or "0")
    assert 0 < loaded <= 300, loaded
    verdict = "within" if paint_ms <= PAINT_TARGET_MS else "OVER"
    print(f"\n10,000 runs: first rows painted {paint_ms:.0f} ms after opening ({verdict} the {PAINT_TARGET_MS} ms target); "
          f"the count of {RUNS:,} known after {counted_ms:.0f} ms; {loaded} runs loaded for the first screen")
    (artifacts / "runs-10k-paint.txt").write_text(
        f"first_rows_ms={paint_ms:.1f}\ncounted_ms={counted_ms:.1f}\nloaded_for_first_screen={loaded}\n"
        f"target_ms={PAINT_TARGET_MS}\n"
    )

    sidebar = open_sidebar(page)
    widen_sidebar(page)
    group = sidebar.locator(f".amlx-RunGroup[data-experiment='{EXPERIMENT}']")
    expect(group.locator(".amlx-RunGroup-count")).to_have_text("10,000")
    expect(sidebar.locator(".amlx-RunHead")).to_contain_text("rmse")
    shot(page, artifacts, "40-runs-10k")

    # virtualized: a screenful of rows in the DOM, whatever the scroll position; the end of
    # the list is paged in from the server when the person scrolls there
    viewport = sidebar.locator(".amlx-Runs-viewport")
    assert sidebar.locator(".amlx-RunRow").count() < 80
    viewport.evaluate("e => { e.scrollTop = e.scrollHeight; }")
    expect(sidebar.locator(".amlx-RunRow", has_text="alpha 0").first).to_be_visible()
    assert sidebar.locator(".amlx-RunRow").count() < 80
    expect(status).to_have_attribute("data-loaded", str(RUNS))

    # sort by a metric and filter by text
    sidebar.get_by_label("Sort runs by").select_option("metrics.rmse")
    viewport.evaluate("e => { e.scrollTop = 0; }")
    expect(sidebar.get_by_label("Sort runs by")).to_have_value("metrics.rmse")
    expect(sidebar.locator("#amlx-runrow-1")).to_be_visible()  # back at the top (row 0 is the group)
    values = [
        float(sidebar.locator(f"#amlx-runrow-{i} .amlx-col-metric[data-metric='rmse']").inner_text())
        for i in range(1, 11)
    ]
    assert values == sorted(values, reverse=True) and values[0] > 79, values
    # every word must match somewhere (a random job name may also hold "9999": at most a few rows)
    sidebar.get_by_label("Filter runs").fill("alpha 9999")
    expect(sidebar.locator(".amlx-Runs-status")).to_contain_text(re.compile(r"^\d of 10,000 runs"))
    expect(run_row(page, "alpha 9999")).to_be_visible()
    assert sidebar.locator(".amlx-RunRow").count() <= 3
    sidebar.get_by_label("Filter runs").fill("")

    # pick metric columns; the choice is a setting and survives a reload
    sidebar.get_by_role("button", name="Choose metric columns").click()
    chooser = sidebar.locator(".amlx-Columns")
    expect(chooser.get_by_label("mae")).to_be_checked()
    chooser.get_by_label("mae").uncheck()
    chooser.get_by_role("button", name="Done").click()
    head = sidebar.locator(".amlx-RunHead")
    expect(head.locator(".amlx-col-metric")).to_have_count(2)
    expect(head).to_contain_text("r2")
    expect(head).not_to_contain_text("mae")
    page.reload()
    page.wait_for_selector("#jupyterlab-splash", state="detached", timeout=90_000)
    sidebar = open_sidebar(page)
    expect(sidebar.locator(".amlx-RunHead")).to_contain_text("r2")
    expect(sidebar.locator(".amlx-RunHead")).not_to_contain_text("mae")

    # keyboard: Tab to the list, arrows to a run, Enter opens it
    # (each key goes to the list itself: JupyterLab may still move the focus while it restores the page)
    viewport = sidebar.locator(".amlx-Runs-viewport")
    viewport.press("ArrowDown")
    viewport.press("ArrowDown")
    expect(viewport).to_have_attribute("aria-activedescendant", "amlx-runrow-1")
    viewport.press("Enter")
    details = main_panel(page, ".amlx-RunDetails")
    expect(details).to_have_attribute("data-status", "Completed")
    expect(details.locator(".amlx-KeyValues[aria-label='Metrics']")).to_contain_text("rmse")
    # a seeded run has no log file: the tab says so in words instead of staying blank
    details.get_by_role("tab", name="Logs").click()
    expect(details.locator(".amlx-Logs-status")).to_have_text("Log complete.")
    expect(details.locator(".amlx-Logs-text")).to_have_text("(the log is empty)")
    shot(page, artifacts, "41-run-details-keyboard")

    # the comparison across 10,000 runs: rmse against alpha
    sidebar.locator(f".amlx-RunGroup[data-experiment='{EXPERIMENT}'] .amlx-RunGroup-compare").click()
    chart = main_panel(page, f".amlx-Comparison[data-experiment='{EXPERIMENT}']")
    expect(chart.get_by_label("Parameter (x axis)")).to_have_value("alpha")
    expect(chart.locator(".amlx-Scatter-best")).to_have_count(1)

    # the same screens in the dark theme
    page.click("text=Settings")
    page.hover("text=Theme")
    page.click("text=JupyterLab Dark")
    expect(page.locator("body")).to_have_attribute("data-jp-theme-light", "false")
    page.wait_for_selector("#jupyterlab-splash", state="detached")
    expect(chart.locator(".amlx-Scatter-best")).to_have_count(1)
    shot(page, artifacts, "42-compare-10k-dark")
    page.click("text=Settings")
    page.hover("text=Theme")
    page.click("text=JupyterLab Light")
    expect(page.locator("body")).to_have_attribute("data-jp-theme-light", "true")
