"""The rest of the sidebar's entry points: the file browser's "Register as data asset",
the cell context menu, the palette, and readable errors instead of blank panels."""

from __future__ import annotations

import json
import re
import urllib.request
from pathlib import Path

from playwright.sync_api import Page, expect

from .conftest import open_lab
from .lab import LabServer
from .steps import expand_section, main_panel, open_sidebar, run_command, select_cell, shot

BROKEN_NOTEBOOK = {
    "cells": [
        {"cell_type": "code", "id": "defines-x", "metadata": {}, "execution_count": None, "outputs": [],
         "source": "x = 1"},
        {"cell_type": "code", "id": "uses-undefined", "metadata": {}, "execution_count": None, "outputs": [],
         "source": "print(undefined_name + x)"},
    ],
    "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
    "nbformat": 4,
    "nbformat_minor": 5,
}


def _put_notebook(lab: LabServer, path: str, content: dict) -> None:
    body = json.dumps({"type": "notebook", "format": "json", "content": content}).encode()
    request = urllib.request.Request(
        f"{lab.url}api/contents/{path}", data=body, method="PUT",
        headers={"Authorization": f"token {lab.token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status in (200, 201)


def test_register_a_data_asset_from_the_file_browser(page: Page, lab: LabServer, artifacts: Path) -> None:
    open_lab(page, lab, reset=True)
    tab = page.locator('.jp-SideBar [data-id="filebrowser"]')
    if tab.get_attribute("aria-selected") != "true":
        tab.click()
    listing = page.locator(".jp-DirListing-content")
    listing.get_by_text("data", exact=True).dblclick()
    item = listing.locator(".jp-DirListing-item", has_text="titanic.csv")
    item.click(button="right")
    page.locator(".lm-Menu-item", has_text="Register as data asset").click()
    dialog = page.locator(".jp-Dialog")
    expect(dialog).to_contain_text("Name of the data asset for data/titanic.csv")
    name = dialog.locator("input")
    expect(name).to_have_value("titanic-csv")
    shot(page, artifacts, "50-data-register-dialog")
    dialog.get_by_role("button", name="Register").click()
    expect(page.locator(".Toastify__toast", has_text="Registered titanic-csv version 1")).to_be_visible()

    # a second registration under the same name is the next version; a bad name is explained
    item.click(button="right")
    page.locator(".lm-Menu-item", has_text="Register as data asset").click()
    page.locator(".jp-Dialog").get_by_role("button", name="Register").click()
    expect(page.locator(".Toastify__toast", has_text="Registered titanic-csv version 2")).to_be_visible()
    item.click(button="right")
    page.locator(".lm-Menu-item", has_text="Register as data asset").click()
    page.locator(".jp-Dialog input").fill("no spaces allowed")
    page.locator(".jp-Dialog").get_by_role("button", name="Register").click()
    expect(page.locator(".Toastify__toast", has_text="could not be registered")).to_be_visible()

    open_sidebar(page)
    data = expand_section(page, "Data")
    asset = data.locator(".amlx-ListItem[data-asset='titanic-csv']")
    expect(asset).to_contain_text("v2")
    asset.click()
    expect(data.locator(".amlx-AssetVersions li")).to_have_count(2)
    shot(page, artifacts, "51-data-assets")


def test_cell_menu_palette_and_readable_errors(page: Page, lab: LabServer, artifacts: Path) -> None:
    _put_notebook(lab, "broken.ipynb", BROKEN_NOTEBOOK)
    open_lab(page, lab, "broken.ipynb", reset=True)
    open_sidebar(page)

    # the cell context menu offers Submit for the cell under the pointer
    cell = select_cell(page, "undefined_name")
    cell.locator(".jp-InputArea-editor").click(button="right")
    page.locator(".lm-Menu-item", has_text="AML: Submit cell as a job").click()
    form = main_panel(page, ".amlx-SubmitView")
    error = form.locator(".amlx-ErrorNote")
    expect(error).to_contain_text("The cell cannot be submitted as it is.")
    expect(error).to_contain_text("name 'undefined_name' is used but no cell above defines it")
    shot(page, artifacts, "52-submit-readable-error")

    # Retry keeps failing readably; submitting does too (the server's 422 in words)
    with page.expect_response(lambda r: r.request.method == "POST" and re.search(r"/amlx/api/jobs(\?|$)", r.url)) as sent:
        form.locator(".amlx-SubmitView-submit").click()
    assert sent.value.status == 422
    expect(error).to_contain_text("undefined_name")
    expect(form.locator(".amlx-Submitted")).to_have_count(0)

    # the palette has the commands, under "Azure ML"
    run_command(page, "AML: Preview cell as a job")
    expect(main_panel(page, ".amlx-SubmitView .amlx-Tab[aria-selected='true']")).to_have_text("Preview")

    # a run that does not exist is a message, not a blank panel
    run_command(page, "AML: Open run")
    page.locator(".jp-Dialog input").fill("no_such_job_x")
    page.locator(".jp-Dialog").get_by_role("button", name="Ok").click()
    missing = main_panel(page, ".amlx-RunDetails .amlx-ErrorNote")
    expect(missing).to_contain_text("Run no_such_job_x could not be loaded.")
    expect(missing.get_by_role("button", name="Retry")).to_be_visible()
    shot(page, artifacts, "53-run-not-found")


def test_cancel_and_rerun_from_the_run_details(page: Page, lab: LabServer, artifacts: Path) -> None:
    open_lab(page, lab, "titanic.ipynb", reset=True)
    sidebar = open_sidebar(page)
    select_cell(page, 'joblib.dump(model, "outputs/model.pkl")')
    sidebar.locator(".amlx-Submit-button").click()
    form = main_panel(page, ".amlx-SubmitView")
    expect(form.locator(".amlx-Param[data-param='SEED'] input")).to_have_value("42")
    form.get_by_label("Display name").fill("to cancel")
    form.locator(".amlx-SubmitView-submit").click()
    form.locator(".amlx-Submitted button").first.click()

    details = main_panel(page, ".amlx-RunDetails")
    first_run = details.get_attribute("data-run")
    details.locator(".amlx-RunActions-cancel").click()
    expect(details).to_have_attribute("data-status", "Canceled", timeout=60_000)
    expect(details.locator(".amlx-RunActions-cancel")).to_have_count(0)
    shot(page, artifacts, "54-run-canceled")

    # Re-run submits the same notebook cell again, as a new run
    details.locator(".amlx-RunActions-rerun").click()
    toast = page.locator(".Toastify__toast", has_text="Re-ran to cancel as")
    expect(toast).to_be_visible()
    toast.get_by_role("button", name="Open run").click()
    again = main_panel(page, ".amlx-RunDetails")
    expect(again).not_to_have_attribute("data-run", first_run or "")
    expect(again.locator("h2")).to_have_text("to cancel")
    again.locator(".amlx-RunActions-cancel").click()
    expect(again).to_have_attribute("data-status", "Canceled", timeout=60_000)
    expect(sidebar.locator(".amlx-RunRow[data-status='Canceled']", has_text="to cancel")).to_have_count(2)

    # switching the target closes the panels of runs that are not in the new one, and says so
    header = sidebar.locator(".amlx-Header")
    header.locator("select").select_option("azure")
    expect(page.locator(".Toastify__toast", has_text="Closed 2 panels")).to_be_visible()
    expect(page.locator(".jp-MainAreaWidget .amlx-RunDetails")).to_have_count(0)
    expect(sidebar.locator(".amlx-RunRow")).to_have_count(0)
    header.locator("select").select_option("server-default")
    expect(sidebar.locator(".amlx-RunRow[data-status='Canceled']", has_text="to cancel")).to_have_count(2)


METRICS_NOTEBOOK = {
    "cells": [
        {"cell_type": "code", "id": "train", "metadata": {}, "execution_count": None, "outputs": [],
         "source": "import os\nimport mlflow\n"
                   "for step in range(5):\n    mlflow.log_metric('loss', 1.0 / (step + 1), step=step)\n"
                   "os.makedirs('outputs', exist_ok=True)\nopen('outputs/result.txt', 'w').write('five steps')"},
    ],
    "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
    "nbformat": 4,
    "nbformat_minor": 5,
}


def test_metric_history_chart_and_output_download(page: Page, lab: LabServer, artifacts: Path) -> None:
    _put_notebook(lab, "steps.ipynb", METRICS_NOTEBOOK)
    open_lab(page, lab, "steps.ipynb", reset=True)
    sidebar = open_sidebar(page)
    select_cell(page, "log_metric")
    sidebar.locator(".amlx-Submit-button").click()
    form = main_panel(page, ".amlx-SubmitView")
    form.locator(".amlx-SubmitView-submit").click()
    form.locator(".amlx-Submitted button").first.click()
    details = main_panel(page, ".amlx-RunDetails")
    expect(details).to_have_attribute("data-status", "Completed", timeout=120_000)

    # a metric logged at five steps is drawn as a line with five points
    details.get_by_role("tab", name="Metrics").click()
    card = details.locator(".amlx-MetricCard[data-metric='loss']")
    expect(card.locator("svg.amlx-Chart .amlx-Chart-line")).to_have_count(1)
    expect(card.locator("svg.amlx-Chart .amlx-Chart-dot")).to_have_count(5)
    shot(page, artifacts, "55-metric-history-chart")

    # Download saves the output file's bytes through Jupyter's auth
    details.get_by_role("tab", name="Outputs").click()
    with page.expect_download() as saved:
        details.get_by_role("button", name="Download result.txt").click()
    assert saved.value.suggested_filename == "result.txt"
    assert Path(saved.value.path()).read_text() == "five steps"
