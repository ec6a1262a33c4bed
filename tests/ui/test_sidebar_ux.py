"""The sidebar tried as a new user would, past the two stories: a job's outputs and log, the
experiment the code names, a notebook kernel's own MLflow runs, and times that stay true.

Each test starts from what a person does (a notebook cell, a click) against a real
JupyterLab, real jobs and a real MLflow store; screenshots go to test-artifacts/ui/.
"""

from __future__ import annotations

import json
import re
import urllib.request
from pathlib import Path

from playwright.sync_api import Page, expect

from .conftest import open_lab
from .lab import LabServer
from .steps import JOB_TIMEOUT_MS, dismiss_toasts, main_panel, open_sidebar, run_row, select_cell, shot, widen_sidebar

KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}

# A job that prints a long log, draws a figure and writes a table and a JSON file.
OUTPUTS_CELL = """\
os.makedirs("outputs/figures", exist_ok=True)
for epoch in range(200):
    print(f"epoch {epoch} loss {1 / (epoch + 1):.4f}", flush=True)
print("SLOWSTEP: step 17 took long")
print("wide " + "x" * 600)
fig, ax = plt.subplots(figsize=(4, 3))
ax.plot([1, 2, 3], [3, 1, 2])
fig.savefig("outputs/figures/curve.png")
with open("outputs/figures/shape.svg", "w") as out:
    out.write('<svg xmlns="http://www.w3.org/2000/svg" width="80" height="40"><rect width="80" height="40" fill="teal"/></svg>')
with open("outputs/table.csv", "w") as out:
    out.write('name,score\\n"Braund, Mr. Owen",0.5\\nCumings,0.9\\n')
with open("outputs/metrics.json", "w") as out:
    json.dump({"rmse": 57.4, "alpha": 0.3}, out)"""

# A notebook whose own MLflow runs (in the kernel, no job) appear in the sidebar as interactive runs.
KERNEL_RUNS_CELL = """\
import mlflow
mlflow.set_experiment("kernel-runs")
for C in (0.1, 1.0):
    with mlflow.start_run(run_name=f"by hand C={C}"):
        mlflow.log_param("C", C)
        mlflow.log_metric("accuracy", 0.7 + C / 10)
print("logged two runs")"""


def _notebook(*sources: str) -> dict:
    cells = [
        {"cell_type": "code", "id": f"cell-{i}", "metadata": {}, "execution_count": None, "outputs": [], "source": s}
        for i, s in enumerate(sources)
    ]
    return {"cells": cells, "metadata": {"kernelspec": KERNELSPEC}, "nbformat": 4, "nbformat_minor": 5}


def _put_notebook(lab: LabServer, path: str, *sources: str) -> None:
    body = json.dumps({"type": "notebook", "format": "json", "content": _notebook(*sources)}).encode()
    request = urllib.request.Request(
        f"{lab.url}api/contents/{path}", data=body, method="PUT",
        headers={"Authorization": f"token {lab.token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status in (200, 201)


def test_outputs_previews_log_tools_and_times_that_move(page: Page, lab: LabServer, artifacts: Path) -> None:
    # the page's clock is Playwright's: it runs as real time does, and can jump ahead
    page.clock.install()
    _put_notebook(
        lab, "outputs_demo.ipynb",
        "import json\nimport os\nimport matplotlib\nmatplotlib.use('Agg')\nimport matplotlib.pyplot as plt",
        OUTPUTS_CELL,
    )
    open_lab(page, lab, "outputs_demo.ipynb", reset=True)
    sidebar = open_sidebar(page)
    select_cell(page, "SLOWSTEP")
    expect(sidebar.locator(".amlx-Submit-cell")).to_have_text("cell 2")
    sidebar.locator(".amlx-Submit-button").click()
    form = main_panel(page, ".amlx-SubmitView")
    expect(form.locator("h2")).to_contain_text("Submit cell 2 of outputs_demo.ipynb")
    form.locator(".amlx-SubmitView-submit").click()
    form.locator(".amlx-Submitted button").first.click()
    details = main_panel(page, ".amlx-RunDetails")
    expect(details).to_have_attribute("data-status", "Completed", timeout=JOB_TIMEOUT_MS)
    name = details.get_attribute("data-run") or ""
    # the form and the run opened as tabs of one area, not as ever narrower splits
    expect(page.locator("#jp-main-dock-panel .lm-DockPanel-tabBar")).to_have_count(1)

    # Outputs: the figures at the top, then CSV and JSON previews from the file list
    details.get_by_role("tab", name="Outputs").click()
    gallery = details.locator(".amlx-OutputGallery")
    for path in ("figures/curve.png", "figures/shape.svg"):
        image = gallery.locator(f".amlx-OutputImage[data-path='{path}'] img")
        expect(image).to_be_visible()
        page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle())
    details.get_by_role("button", name="Preview table.csv").click()
    table = details.locator(".amlx-OutputPreview[data-path='table.csv'] .amlx-OutputPreview-csv")
    expect(table.locator("thead th")).to_have_text(["name", "score"])
    expect(table.locator("tbody tr").first.locator("td")).to_have_text(["Braund, Mr. Owen", "0.5"])
    expect(table.locator("tbody tr")).to_have_count(2)
    shot(page, artifacts, "60-outputs-figures-and-csv")
    details.get_by_role("button", name="Preview metrics.json").click()
    expect(details.locator(".amlx-OutputPreview-json")).to_have_text('{\n  "rmse": 57.4,\n  "alpha": 0.3\n}')

    # Logs: find (count, next), no wrap for the wide line, and the whole log as a file
    details.get_by_role("tab", name="Logs").click()
    log = details.locator(".amlx-Logs-text")
    expect(details.locator(".amlx-Logs-status")).to_have_text("Log complete.")
    find = details.get_by_label("Find in log")
    find.fill("slowstep")
    expect(details.locator(".amlx-Logs-count")).to_have_text("1 of 1")
    expect(log.locator("mark.amlx-mod-current")).to_have_text("SLOWSTEP")
    find.fill("epoch 1")
    expect(details.locator(".amlx-Logs-count")).to_have_text("1 of 111")  # epoch 1, 10-19, 100-199
    find.press("Enter")
    expect(details.locator(".amlx-Logs-count")).to_have_text("2 of 111")
    expect(log.locator("mark.amlx-mod-current")).to_be_in_viewport()
    shot(page, artifacts, "61-logs-find")
    wrapped = log.evaluate("e => e.scrollWidth <= e.clientWidth + 1")
    details.get_by_label("Wrap lines").uncheck()
    expect(log).to_have_class(re.compile(r"\bamlx-mod-nowrap\b"))
    assert wrapped and log.evaluate("e => e.scrollWidth > e.clientWidth"), "the wide line scrolls instead of wrapping"
    with page.expect_download() as saved:
        details.get_by_role("button", name="Download log").click()
    assert saved.value.suggested_filename == f"{name}.log"
    text = Path(saved.value.path()).read_text()
    assert "epoch 0 loss" in text and "epoch 199 loss" in text and "SLOWSTEP" in text

    # "submitted … ago" moves on with the clock, in the header and in the list's tooltip
    submitted = details.locator(".amlx-RunDetails-submitted")
    expect(submitted).to_contain_text(re.compile(r"just now|1 min ago"))
    page.clock.fast_forward("05:00")
    expect(submitted).to_contain_text(re.compile(r"[56] min ago"))
    expect(run_row(page, name)).to_have_attribute("title", re.compile(r"submitted [56] min ago"))


def test_the_experiment_is_the_one_the_code_names_until_one_is_typed(page: Page, lab: LabServer) -> None:
    _put_notebook(lab, "named.ipynb", "import mlflow\nmlflow.set_experiment('named-by-code')", "print('hello')")
    open_lab(page, lab, "named.ipynb", reset=True)
    sidebar = open_sidebar(page)
    select_cell(page, "print('hello')")
    sidebar.locator(".amlx-Submit-button").click()
    form = main_panel(page, ".amlx-SubmitView")
    experiment = form.get_by_label("Experiment")
    expect(experiment).to_have_value("named-by-code")
    expect(form.locator(".amlx-Experiment-hint")).to_contain_text("Named by the code")

    def submitted_body() -> dict:
        with page.expect_request(lambda r: r.method == "POST" and re.search(r"/amlx/api/jobs(\?|$)", r.url) is not None) as sent:
            form.locator(".amlx-SubmitView-submit").click()
        return json.loads(sent.value.post_data or "{}")

    body = submitted_body()
    assert "experiment" not in body and body["default_experiment"] == "named", body
    expect(page.locator(".Toastify__toast", has_text="to named-by-code")).to_be_visible()
    dismiss_toasts(page)
    experiment.fill("typed-here")
    assert submitted_body()["experiment"] == "typed-here"
    expect(page.locator(".Toastify__toast", has_text="to typed-here")).to_be_visible()


def test_runs_of_one_cell_read_first_what_differs_the_default_value_too(page: Page, lab: LabServer) -> None:
    _put_notebook(lab, "params_demo.ipynb", "scale = 2", "print('scaled', scale * 10)")
    open_lab(page, lab, "params_demo.ipynb", reset=True)
    sidebar = open_sidebar(page)
    select_cell(page, "print('scaled'")
    sidebar.locator(".amlx-Submit-button").click()
    form = main_panel(page, ".amlx-SubmitView")
    scale = form.locator(".amlx-Param[data-param='scale'] input")
    expect(scale).to_have_value("2")
    form.locator(".amlx-SubmitView-submit").click()  # the notebook's own value
    expect(form.locator(".amlx-Submitted button")).to_have_count(1)
    scale.fill("5")
    form.locator(".amlx-SubmitView-submit").click()
    expect(form.locator(".amlx-Submitted button").first).to_contain_text("Submitted params_demo cell 2 (scale=5)")
    group = sidebar.locator(".amlx-RunGroup[data-experiment='params_demo']")
    expect(group.locator(".amlx-RunGroup-count")).to_have_text("2")
    # the names start with the value, not with five identical "cell 2 (…" at the sidebar's width
    names = sidebar.locator(".amlx-RunRow[title*='params_demo cell 2'] .amlx-RunRow-name")
    expect(names).to_have_text(["scale=5 · cell 2", "scale=2 · cell 2"])


def test_a_kernels_own_mlflow_runs_are_interactive_runs(page: Page, lab: LabServer, artifacts: Path) -> None:
    _put_notebook(lab, "by_hand.ipynb", KERNEL_RUNS_CELL)
    open_lab(page, lab, "by_hand.ipynb", reset=True)
    sidebar = open_sidebar(page)
    widen_sidebar(page, 420)
    cell = select_cell(page, "mlflow.start_run")
    # run only once the notebook has its kernel: on a busy machine the execution indicator reads idle
    # before the kernel is connected, and running then asks which kernel to start
    kernel = page.get_by_role("contentinfo", name="Bottom Panel").get_by_role("button", name=re.compile(r"^Python 3.* \| Idle$"))
    expect(kernel).to_be_visible(timeout=90_000)
    page.keyboard.press("Shift+Enter")  # runs in the notebook's kernel, which logs to the workspace
    expect(cell.locator(".jp-OutputArea")).to_contain_text("logged two runs", timeout=JOB_TIMEOUT_MS)

    group = sidebar.locator(".amlx-RunGroup[data-experiment='kernel-runs']")
    expect(group.locator(".amlx-RunGroup-count")).to_have_text("2", timeout=60_000)
    row = sidebar.locator(".amlx-RunRow", has_text="by hand C=0.1")
    expect(row.locator(".amlx-TypeBadge")).to_have_text("interactive")
    shot(page, artifacts, "62-interactive-runs")
    row.click()
    details = main_panel(page, ".amlx-RunDetails")
    expect(details.locator(".amlx-RunDetails-title .amlx-TypeBadge")).to_have_text("interactive")
    expect(details).to_have_attribute("data-status", "Completed")
    # no process to cancel and no cell to submit again; a finished run's model can be registered
    expect(details.locator(".amlx-RunActions-cancel")).to_have_count(0)
    expect(details.locator(".amlx-RunActions-rerun")).to_have_count(0)
    expect(details.locator(".amlx-RunActions-register")).to_be_visible()
    details.get_by_role("tab", name="Logs").click()
    expect(details.locator(".amlx-Logs-interactive")).to_contain_text("its output is in the notebook")
    details.get_by_role("tab", name="Code").click()
    expect(details.locator(".amlx-CodeTab-interactive")).to_contain_text("its code is the notebook")
    details.get_by_role("tab", name="Overview").click()
    expect(details.locator(".amlx-KeyValues[aria-label='Logged params']")).to_contain_text("C")

    # with no submitted parameters, the comparison plots against the logged param
    group.locator(".amlx-RunGroup-compare").click()
    chart = main_panel(page, ".amlx-Comparison[data-experiment='kernel-runs']")
    expect(chart.get_by_label("Parameter (x axis)")).to_have_value("params.C")
    expect(chart.get_by_label("Metric (y axis)")).to_have_value("accuracy")
    expect(chart.locator(".amlx-Scatter-point")).to_have_count(2)
    expect(chart.locator(".amlx-Best")).to_contain_text("C (logged param) = 1")
    shot(page, artifacts, "63-interactive-compare")
