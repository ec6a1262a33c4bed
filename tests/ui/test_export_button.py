"""The Export button of a run's panel writes the CLI v2 YAML and workflow beside the run's notebook,
opens job.yml, and asks before it replaces an earlier export."""

from __future__ import annotations

import time

import json
import sys
import urllib.request
from pathlib import Path

import nbformat
from playwright.sync_api import Page, expect

from .conftest import open_lab
from .lab import LabServer
from .steps import main_panel, open_sidebar, run_row, shot

BARE_PYTHON = str(Path(sys.base_prefix) / "bin" / "python3")


def _submit(lab: LabServer, notebook: str, display_name: str) -> str:
    body = json.dumps({"notebook": notebook, "cell": 1, "python": BARE_PYTHON, "display_name": display_name}).encode()
    request = urllib.request.Request(
        f"{lab.url}amlx/api/jobs", data=body, method="POST",
        headers={"Authorization": f"token {lab.token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return str(json.load(response)["name"])


def test_export_a_run_from_its_panel(page: Page, lab: LabServer, artifacts: Path) -> None:
    folder = lab.root_dir / "exportdemo"
    folder.mkdir(exist_ok=True)
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("n = 3"), nbformat.v4.new_code_cell("print('n is', n)")]
    nbformat.write(nb, folder / "tiny.ipynb")
    name = _submit(lab, "exportdemo/tiny.ipynb", "to export")

    open_lab(page, lab)
    open_sidebar(page)
    row = run_row(page, "to export")
    expect(row).to_have_attribute("data-status", "Completed", timeout=60_000)
    row.click()
    details = main_panel(page, ".amlx-RunDetails")
    expect(details).to_have_attribute("data-run", name)

    details.locator(".amlx-Export").click()
    # job.yml opens in front of the panel: read what the panel says wherever it is
    written = page.locator(f".amlx-RunDetails[data-run='{name}'] .amlx-ExportResult")
    expect(written).to_have_attribute("data-folder", f"exportdemo/amlx-export/{name}")
    expect(written).to_contain_text("job.yml")
    expect(written).to_contain_text("serverless")  # the note for a job that ran on this machine
    expect(page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab", has_text="job.yml")).to_be_visible()
    job_yml = folder / "amlx-export" / name / "job.yml"
    assert "n ${{inputs.n}}" in job_yml.read_text()
    assert (folder / "amlx-export" / name / "workflow.yml").is_file()
    shot(page, artifacts, "80-run-exported")

    # again: the earlier export is replaced only after the person says so
    job_yml.write_text("# edited\n")
    row.click()  # job.yml opened in front of the run's panel: bring the panel back
    details.locator(".amlx-Export").click()
    dialog = page.locator(".jp-Dialog", has_text=f"Replace the export of {name}?")
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_have_count(0)
    assert job_yml.read_text() == "# edited\n"
    details.locator(".amlx-Export").click()
    page.locator(".jp-Dialog").get_by_role("button", name="Replace").click()
    expect(page.locator(".jp-Dialog")).to_have_count(0)
    # the first export's toast may still show: wait for the file itself to be rewritten
    deadline = time.monotonic() + 60
    while "${{inputs.n}}" not in job_yml.read_text() and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    assert "${{inputs.n}}" in job_yml.read_text()
