"""Steps a person takes in the amlx sidebar, shared by the browser tests (they wait on conditions, never on time)."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Locator, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

SIDEBAR_TAB = '.jp-SideBar [data-id="amlx-lab-sidebar"]'
SIDEBAR = "#amlx-lab-sidebar"
VISIBLE_NOTEBOOK = ".jp-NotebookPanel:not(.lm-mod-hidden)"
ACTIVE_CELL = re.compile(r"\bjp-mod-active\b")
JOB_TIMEOUT_MS = 180_000  # a job imports pandas, sklearn and MLflow on 2 shared cores


def shot(page: Page, artifacts: Path, name: str) -> None:
    """Screenshot of the whole window as a test artifact."""
    page.screenshot(path=str(artifacts / f"{name}.png"))


def open_sidebar(page: Page) -> Locator:
    sidebar = page.locator(SIDEBAR)
    tab = page.locator(SIDEBAR_TAB)
    # a click on the open tab would close it, and a layout restore right after start-up can
    # switch the left area under us: click only when not selected, and look again if needed
    for _ in range(3):
        if tab.get_attribute("aria-selected") != "true":
            tab.click()
        try:
            expect(sidebar).to_be_visible(timeout=3_000)
            break
        except AssertionError:
            continue
    expect(sidebar).to_be_visible()
    expect(sidebar.locator(".amlx-Header-health")).to_have_attribute("data-state", "ok")
    return sidebar


def widen_sidebar(page: Page, width: int = 400) -> None:
    """Drag the left panel's edge so the runs list has room for metric columns (as a person would)."""
    handle = page.locator("#jp-main-split-panel > .lm-SplitPanel-handle").first
    box = handle.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(width + 33, box["y"] + box["height"] / 2, steps=4)
    page.mouse.up()


def expand_section(page: Page, title: str) -> Locator:
    section = page.locator(f"{SIDEBAR} .amlx-Section", has=page.locator(".amlx-Section-title", has_text=title))
    toggle = section.locator(".amlx-Section-toggle")
    if toggle.get_attribute("aria-expanded") != "true":
        toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    return section


def select_cell(page: Page, text: str) -> Locator:
    """Make the code cell containing ``text`` the active cell (click its prompt, like a person)."""
    cell = page.locator(f"{VISIBLE_NOTEBOOK} .jp-CodeCell", has_text=text).first
    cell.scroll_into_view_if_needed()
    cell.locator(".jp-InputPrompt").click()
    expect(cell).to_have_class(ACTIVE_CELL)
    return cell


def run_row(page: Page, display_name: str) -> Locator:
    """The Runs list row whose display name contains ``display_name`` (rows show it in their title)."""
    return page.locator(f"{SIDEBAR} .amlx-RunRow[title*={json.dumps(display_name)}]")


def main_panel(page: Page, selector: str) -> Locator:
    """A main-area panel of ours that is on screen (the current tab of its area)."""
    return page.locator(f".jp-MainAreaWidget:not(.lm-mod-hidden) {selector}")


def dismiss_toasts(page: Page) -> None:
    """Close the notifications on screen (they stay in the notification center) so screenshots are clear."""
    page.evaluate("() => document.querySelectorAll('.jp-Notification-Toast-Close').forEach(b => b.click())")
    expect(page.locator(".Toastify__toast")).to_have_count(0)


def run_command(page: Page, label: str) -> None:
    """Run a command from the palette by its label, as a keyboard user would.

    The palette is modal: any focus that arrives elsewhere (a notebook taking the focus
    once it has laid itself out, which on a busy machine can be seconds late) closes it.
    A closed palette is opened again, until the item was clicked or the deadline passes.
    """
    palette = page.locator("#command-palette input")
    item = page.locator("#command-palette .lm-CommandPalette-item", has_text=label).first
    deadline = time.monotonic() + 60
    while True:
        try:
            if not palette.is_visible():  # the shortcut toggles: only press it when the palette is closed
                page.keyboard.press("Control+Shift+C")
            expect(palette).to_be_visible(timeout=10_000)
            palette.fill(label, timeout=10_000)
            item.click(timeout=10_000)
            return
        except (AssertionError, PlaywrightTimeoutError):
            if time.monotonic() > deadline or palette.is_visible():
                raise  # still open: the command is missing, not a focus that closed the palette


@contextmanager
def simple_mode(page: Page) -> Iterator[None]:
    """JupyterLab's Simple Interface (one main-area panel at a time) for the length of the block."""
    shell = page.locator(".jp-LabShell")
    run_command(page, "Simple Interface")
    expect(shell).to_have_attribute("data-shell-mode", "single-document")
    try:
        yield
    finally:
        run_command(page, "Simple Interface")
        expect(shell).to_have_attribute("data-shell-mode", "multiple-document")
