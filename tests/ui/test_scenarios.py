"""The two stories of issue 6 through the UI alone, against a real JupyterLab and real jobs.

Titanic: open the notebook, select the training cell, preview, submit, watch the
run finish with its log streaming, register the model, deploy it, test the
endpoint and read a prediction. Diabetes: submit the training cell with three
alpha values from the form and read rmse against alpha, best run marked.
A screenshot of every step goes to test-artifacts/ui/.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from playwright.sync_api import Page, expect

from .conftest import open_lab
from .lab import LabServer
from .steps import (
    JOB_TIMEOUT_MS,

    dismiss_toasts,
    expand_section,
    main_panel,
    open_sidebar,
    run_row,
    select_cell,
    shot,
    simple_mode,
    widen_sidebar,
)

SEED_BODY = {"data": [{"Age": 22, "Pclass": 3, "Sex": "male"}]}
TWO_PASSENGERS = {"data": [{"Age": 22, "Pclass": 3, "Sex": "male"}, {"Age": 38, "Pclass": 1, "Sex": "female"}]}


def test_titanic_from_a_cell_to_a_prediction(page: Page, lab: LabServer, artifacts: Path) -> None:
    # 1. the notebook, the sidebar following its training cell
    open_lab(page, lab, "titanic.ipynb", reset=True)
    sidebar = open_sidebar(page)
    widen_sidebar(page)
    select_cell(page, 'joblib.dump(model, "outputs/model.pkl")')
    submit = sidebar.locator(".amlx-Submit")
    expect(submit.locator(".amlx-Submit-notebook")).to_have_text("titanic.ipynb")
    expect(submit.locator(".amlx-Submit-cell")).to_have_text("cell 16")  # counted from 1, as JupyterLab shows it
    expect(submit.locator(".amlx-Tag")).to_have_text("aml-train")
    shot(page, artifacts, "10-titanic-cell-selected")

    # 2. the notebook toolbar's Submit button opens the form, prefilled by the slicer
    page.locator(".jp-NotebookPanel-toolbar [data-jp-item-name='amlx-submit-cell'] jp-button, "
                 ".jp-NotebookPanel-toolbar [data-jp-item-name='amlx-submit-cell'] button").first.click()
    form = main_panel(page, ".amlx-SubmitView")
    expect(form.locator("h2")).to_contain_text("Submit cell 16 of titanic.ipynb")
    expect(form.locator(".amlx-Param[data-param='TEST_SIZE'] input")).to_have_value("0.2")
    expect(form.locator(".amlx-Param[data-param='SEED'] input")).to_have_value("42")
    expect(form.get_by_label("Experiment")).to_have_value("titanic")
    expect(form.locator(".amlx-Inputs [data-input='data/titanic.csv']")).to_be_visible()
    shot(page, artifacts, "11-titanic-submit-form")

    # 3. the Preview tab, before anything runs: the cells taken and why each is needed (with its code),
    # the parameters, requirements, the data file and warnings; the generated main.py behind a toggle
    form.get_by_role("tab", name="Preview").click()
    cells = form.locator(".amlx-PreviewCell")
    target = form.locator(".amlx-PreviewCell[data-target='true']")
    expect(target.locator(".amlx-PreviewCell-head")).to_contain_text("Cell 16")
    expect(target.locator(".amlx-PreviewCell-why")).to_have_text("Cell 16 is the target cell.")
    expect(target.locator(".amlx-PreviewCell-source")).to_contain_text('joblib.dump(model, "outputs/model.pkl")')
    loading = cells.filter(has_text='pd.read_csv("data/titanic.csv")')
    expect(loading.locator(".amlx-PreviewCell-why")).to_contain_text("Cell 4 defines df, which")
    expect(form.locator(".amlx-Preview-summary")).to_contain_text("1 data file")
    expect(form.locator(".amlx-Preview-parameters [data-param='TEST_SIZE']")).to_contain_text("0.2")
    expect(form.locator(".amlx-Preview-requirements")).to_contain_text("scikit-learn")
    expect(form.locator(".amlx-Preview-inputs")).to_contain_text("data/titanic.csv")
    expect(form.locator(".amlx-Preview-script")).to_have_count(0)
    shot(page, artifacts, "12-titanic-preview")
    form.get_by_role("button", name="Show the generated main.py").click()
    expect(form.locator(".amlx-Preview-script")).to_contain_text('joblib.dump(model, "outputs/model.pkl")')
    # %matplotlib inline loses nothing in a job (its figures become outputs): kept as a comment, no warning
    expect(form.locator(".amlx-Preview-script")).to_contain_text("# %matplotlib inline")

    # 4. submit; the notification links to the run
    form.locator(".amlx-SubmitView-submit").click()
    toast = page.locator(".Toastify__toast", has_text="Submitted titanic cell 16")
    expect(toast).to_be_visible()
    shot(page, artifacts, "13-titanic-submitted")
    toast.get_by_role("button", name="Open run").click()

    # 5. run details: the log streams while the job runs, then the run completes
    details = main_panel(page, ".amlx-RunDetails")
    expect(details.locator("h2")).to_have_text("titanic cell 16")
    # the notebook, the form and the run are tabs of one area: no split halves the width again
    expect(page.locator("#jp-main-dock-panel .lm-DockPanel-tabBar")).to_have_count(1)
    details.get_by_role("tab", name="Logs").click()
    log = details.locator(".amlx-Logs-text")
    expect(log).not_to_be_empty(timeout=JOB_TIMEOUT_MS)
    status_when_streaming = details.get_attribute("data-status")
    shot(page, artifacts, "14-titanic-log-streaming")
    expect(details).to_have_attribute("data-status", "Completed", timeout=JOB_TIMEOUT_MS)
    expect(details.locator(".amlx-Logs-status")).to_have_text("Log complete.")
    expect(log).to_contain_text("accuracy:")
    assert status_when_streaming != "Completed", "the log should have streamed while the job was running"
    expect(run_row(page, "titanic cell 16")).to_have_attribute("data-status", "Completed")
    shot(page, artifacts, "15-titanic-completed-log")

    # metrics and outputs of the finished run
    details.get_by_role("tab", name="Metrics").click()
    expect(details.locator(".amlx-MetricCard[data-metric='accuracy_score_X_test']")).to_be_visible()
    details.get_by_role("tab", name="Outputs").click()
    expect(details.locator(".amlx-FileTree [data-path='model.pkl']")).to_be_visible()
    shot(page, artifacts, "16-titanic-outputs")
    # the code package: main.py as it ran, and any other file of the snapshot on a click
    details.get_by_role("tab", name="Code").click()
    expect(details.locator(".amlx-CodeTab-script")).to_contain_text('joblib.dump(model, "outputs/model.pkl")')
    details.locator(".amlx-CodeTab-files [data-path='requirements.txt'] .amlx-CodeTab-file").click()
    expect(details.locator(".amlx-CodeTab-script")).to_contain_text("scikit-learn")
    shot(page, artifacts, "16b-titanic-code")

    # 6. register titanic-model from outputs/model.pkl
    details.locator(".amlx-RunActions-register").click()
    card = details.locator(".amlx-RegisterModel")
    card.locator(".amlx-Candidate[data-source='outputs/model.pkl'] input").check()
    expect(card.locator(".amlx-RegisterModel-name")).to_have_value("titanic-model")
    card.locator(".amlx-RegisterModel-submit").click()
    # registering loads the model in a helper process: seconds, more on a busy machine
    expect(card.locator(".amlx-Success")).to_contain_text("Registered titanic-model version 1", timeout=60_000)
    # the same registration cannot be sent twice by accident, even from a reopened card
    register = card.locator(".amlx-RegisterModel-submit")
    expect(register).to_be_disabled()
    expect(register).to_have_text("Registered")
    shot(page, artifacts, "17-titanic-model-registered")
    card.get_by_role("button", name="Close").click()
    details.locator(".amlx-RunActions-register").click()
    expect(card.locator(".amlx-Success")).to_contain_text("Registered titanic-model version 1")
    expect(register).to_be_disabled()
    models = expand_section(page, "Models")
    expect(models.locator(".amlx-ListItem[data-model='titanic-model']")).to_contain_text("v1")

    # 7. deploy it to titanic-endpoint (key auth), with progress, then the endpoint panel
    card.locator(".amlx-RegisterModel-deploy").click()
    deploy = main_panel(page, ".amlx-Deploy")
    expect(deploy.get_by_label("Endpoint name")).to_have_value("titanic-endpoint")
    deploy.locator(".amlx-Deploy-submit").click()
    endpoint = main_panel(page, ".amlx-EndpointView[data-endpoint='titanic-endpoint']")
    expect(endpoint).to_have_attribute("data-status", "Succeeded", timeout=120_000)
    expect(endpoint.locator(".amlx-Deployments [data-deployment='blue']")).to_contain_text("titanic-model:1")
    expect(endpoint.locator(".amlx-ScoringUri")).to_have_text(re.compile(r"^http://127\.0\.0\.1:\d+/score$"))
    expect(endpoint.locator(".amlx-Keys .amlx-Secret").first).to_have_text(re.compile(r"^•+.{4}$"))
    endpoints = expand_section(page, "Endpoints")
    expect(endpoints.locator(".amlx-ListItem[data-endpoint='titanic-endpoint']")).to_contain_text("Succeeded")
    dismiss_toasts(page)
    shot(page, artifacts, "18-titanic-endpoint")

    # 8. the test panel: prefilled with a real passenger (the first complete row of the data the job
    # read, in the model's columns: the seed body), and a prediction
    payload = endpoint.locator(".amlx-TestPanel-payload")
    expect(payload).to_have_value(re.compile(r'"Sex": "male"'))
    assert json.loads(payload.input_value()) == SEED_BODY
    endpoint.locator(".amlx-TestPanel-send").click()
    response = endpoint.locator(".amlx-Response")
    expect(response).to_have_attribute("data-status-code", "200", timeout=60_000)
    expect(endpoint.locator(".amlx-Prediction")).to_have_text("Prediction: 0")
    # two rows, two answers in the headline
    payload.fill(json.dumps(TWO_PASSENGERS, indent=2))
    endpoint.locator(".amlx-TestPanel-send").click()
    expect(endpoint.locator(".amlx-Prediction")).to_have_text("Predictions for 2 rows: 0, 1", timeout=60_000)
    # and a table: each answer next to the passenger it is for
    answers = endpoint.locator(".amlx-PredictionTable")
    expect(answers.locator("thead th")).to_have_text(["Row", "Age", "Pclass", "Sex", "Prediction"])
    expect(answers.locator("tbody tr").nth(1).locator("td")).to_have_text(["2", "38", "1", "female", "1"])
    dismiss_toasts(page)
    shot(page, artifacts, "19-titanic-prediction")

    with simple_mode(page):  # the panel alone, for the README
        shot(page, artifacts, "21-titanic-endpoint-test-panel")

    # 9. the curl command sends the edited body, shows the key masked and copies the real one
    curl = endpoint.locator(".amlx-Curl-command")
    expect(endpoint.locator(".amlx-Curl[data-fresh]")).to_have_attribute("data-fresh", "true")
    expect(curl).to_contain_text('"Sex": "female"')
    expect(curl).to_contain_text("••••")
    endpoint.get_by_role("button", name="Copy the curl command (with the key)").click()
    copied = page.evaluate("() => navigator.clipboard.readText()")
    assert "Bearer " in copied and "•" not in copied and '"Age": 38' in copied
    key = copied.split("Bearer ", 1)[1].split('"', 1)[0].split("'", 1)[0]
    assert len(key) >= 16 and key not in curl.inner_text()
    # the primary key's own Copy button copies the same key the curl carries
    endpoint.get_by_role("button", name="Copy the primary key").click()
    expect(endpoint.get_by_role("button", name="Copy the primary key")).to_have_text("Copied")
    assert page.evaluate("() => navigator.clipboard.readText()") == key
    endpoint.locator(".amlx-Curl-command").scroll_into_view_if_needed()
    shot(page, artifacts, "20-titanic-curl")

    # the edited body is still there when the endpoint is opened again
    page.locator(".lm-TabBar-tab", has_text="Endpoint titanic-endpoint").locator(".lm-TabBar-tabCloseIcon").click()
    expect(page.locator(".amlx-EndpointView")).to_have_count(0)
    endpoints.locator(".amlx-ListItem[data-endpoint='titanic-endpoint']").click()
    endpoint = main_panel(page, ".amlx-EndpointView[data-endpoint='titanic-endpoint']")
    payload = endpoint.locator(".amlx-TestPanel-payload")
    expect(payload).to_have_value(json.dumps(TWO_PASSENGERS, indent=2))
    expect(endpoint.locator(".amlx-TestPanel-note")).to_contain_text("as you left it")

    # a broken payload is explained, not sent; the curl keeps the last valid body
    payload.fill('{"data": [{"Age": 22,}]}')
    expect(endpoint.locator(".amlx-TestPanel .amlx-FieldError")).to_contain_text("Invalid JSON at line 1")
    expect(endpoint.locator(".amlx-TestPanel-send")).to_be_disabled()
    expect(endpoint.locator(".amlx-Curl-note")).to_contain_text("not valid JSON")

    # 10. delete the endpoint (its scoring server stops); the model stays registered
    endpoint.get_by_role("button", name="Delete endpoint").click()
    page.locator(".jp-Dialog").get_by_role("button", name="Delete").click()
    expect(endpoints.locator(".amlx-ListItem[data-endpoint='titanic-endpoint']")).to_have_count(0, timeout=60_000)
    expect(models.locator(".amlx-ListItem[data-model='titanic-model']")).to_be_visible()
    assert not [e for e in page.console_errors if "amlx" in e.lower()]


def test_diabetes_rmse_against_alpha(page: Page, lab: LabServer, artifacts: Path) -> None:
    open_lab(page, lab, "diabetes_ridge.ipynb", reset=True)
    sidebar = open_sidebar(page)
    widen_sidebar(page, 470)
    select_cell(page, "model = Ridge(alpha=alpha)")
    expect(sidebar.locator(".amlx-Submit-cell")).to_have_text("cell 12")

    # the keyboard shortcut opens the form; alpha comes from the 'parameters' cell
    page.keyboard.press("Control+Shift+Enter")
    form = main_panel(page, ".amlx-SubmitView")
    alpha = form.locator(".amlx-Param[data-param='alpha'] input")
    expect(alpha).to_have_value("0.5")
    # the experiment is the one the notebook names (mlflow.set_experiment), not the notebook's name
    expect(form.get_by_label("Experiment")).to_have_value("diabetes-ridge")
    alpha.fill("fast")
    expect(form.locator(".amlx-Param[data-param='alpha'] .amlx-FieldError")).to_have_text(
        "alpha takes a number, e.g. 0.5."
    )
    expect(form.locator(".amlx-SubmitView-submit")).to_be_disabled()

    alphas = ["0.05", "0.3", "2"]
    for count, value in enumerate(alphas, start=1):
        alpha.fill(value)
        form.locator(".amlx-SubmitView-submit").click()
        expect(form.locator(".amlx-Submitted button")).to_have_count(count)
    shot(page, artifacts, "30-diabetes-three-submits")

    for value in alphas:
        expect(run_row(page, f"(alpha={value})")).to_have_attribute("data-status", "Completed", timeout=JOB_TIMEOUT_MS)
    group = sidebar.locator(".amlx-RunGroup[data-experiment='diabetes-ridge']")
    # each run reads first what differs from its siblings
    names = sidebar.locator(".amlx-RunRow[title*='diabetes_ridge cell 12'] .amlx-RunRow-name")
    expect(names).to_have_count(3)
    assert sorted(names.all_inner_texts()) == sorted(f"alpha={value} · diabetes_ridge cell 12" for value in alphas)
    expect(group.locator(".amlx-RunGroup-count")).to_have_text("3")
    expect(sidebar.locator(".amlx-RunHead")).to_contain_text("rmse")
    dismiss_toasts(page)
    shot(page, artifacts, "31-diabetes-runs")

    # sort by rmse by clicking its column
    sidebar.locator(".amlx-RunHead-cell", has_text="rmse").click()
    sidebar.locator(".amlx-RunHead-cell", has_text="rmse").click()
    first = sidebar.locator(".amlx-RunRow").first
    expect(first).to_contain_text("alpha=0.3 ·")

    group.locator(".amlx-RunGroup-compare").click()
    chart = main_panel(page, ".amlx-Comparison[data-experiment='diabetes-ridge']")
    # a tab of the main area, as wide as it: no split halves it for the chart and the table
    assert (chart.bounding_box() or {"width": 0})["width"] > 700
    expect(chart.get_by_label("Metric (y axis)")).to_have_value("rmse")
    expect(chart.get_by_label("Parameter (x axis)")).to_have_value("alpha")
    expect(chart.locator(".amlx-Scatter-point")).to_have_count(3)
    best = chart.locator(".amlx-Best")
    expect(best).to_contain_text("alpha = 0.3")
    best_run = best.get_attribute("data-run")
    expect(chart.locator(".amlx-Scatter-best")).to_have_attribute("data-run", best_run or "")
    expect(chart.locator(".amlx-Scatter-point.amlx-mod-best")).to_have_attribute("data-run", best_run or "")
    expect(chart.locator(".amlx-Ranking tbody tr").first).to_have_attribute("data-run", best_run or "")
    dismiss_toasts(page)
    shot(page, artifacts, "32-diabetes-rmse-vs-alpha")

    with simple_mode(page):
        shot(page, artifacts, "33-diabetes-compare-panel")

    # the other way round: 'highest' marks alpha 2
    chart.get_by_label("highest").check()
    expect(chart.locator(".amlx-Best")).to_contain_text("alpha = 2")
    chart.get_by_label("lowest").check()

    # the best run's autologged MLflow model is registered from its details, the other kind of source
    chart.locator(".amlx-Best").get_by_role("button", name="open run").click()
    details = main_panel(page, f".amlx-RunDetails[data-run='{best_run}']")
    details.locator(".amlx-RunActions-register").click()
    card = details.locator(".amlx-RegisterModel")
    mlflow_choice = card.locator(".amlx-Candidate[data-source^='mlflow:'] input")
    expect(mlflow_choice).to_have_count(1)
    mlflow_choice.check()
    expect(card.locator(".amlx-RegisterModel-name")).to_have_value("diabetes-ridge-model")
    card.locator(".amlx-RegisterModel-submit").click()
    expect(card.locator(".amlx-Success")).to_contain_text("Registered diabetes-ridge-model version 1", timeout=60_000)
    models = expand_section(page, "Models")
    models.locator(".amlx-ListItem[data-model='diabetes-ridge-model']").click()
    model_panel = main_panel(page, ".amlx-ModelView")
    expect(model_panel).to_contain_text("mlflow")
    # the version's description and a tag, each saved through the version's PATCH and read back
    version_labels = model_panel.locator(".amlx-VersionLabels")
    version_labels.get_by_label("Description of the version").fill("Ridge on diabetes, the lowest rmse")
    version_labels.locator(".amlx-VersionLabels-saveDescription").click()
    expect(model_panel.locator(".amlx-Panel-header p")).to_have_text("Ridge on diabetes, the lowest rmse")
    version_labels.get_by_label("Add a tag to the version").fill("stage=candidate")
    version_labels.get_by_label("Add a tag to the version").press("Enter")
    expect(model_panel.locator(".amlx-Versions tr[data-version='1'] .amlx-Versions-tags")).to_contain_text(
        "stage=candidate")
    expect(version_labels.locator(".amlx-Tag[data-tag='stage']")).to_have_count(1)
    shot(page, artifacts, "34-diabetes-mlflow-model-registered")

    # select the three runs (checkboxes) and compare them side by side: alpha differs, alpha=0.3 has the best rmse
    for value in alphas:
        run_row(page, f"(alpha={value})").locator(".amlx-RunRow-select").check()
    sidebar.locator(".amlx-Runs-compareSelected").click()
    side_by_side = main_panel(page, ".amlx-RunCompare")
    alpha_row = side_by_side.locator(".amlx-RunCompare-params tr[data-key='alpha']")
    expect(alpha_row).to_have_attribute("data-differs", "true")
    assert [text.strip() for text in alpha_row.locator("td").all_inner_texts()] == alphas
    rmse_best = side_by_side.locator(".amlx-RunCompare-metrics tr[data-key='rmse'] td[data-best='true']")
    expect(rmse_best).to_have_count(1)
    columns = side_by_side.locator(".amlx-RunCompare-metrics thead th[data-run]")
    best_column = [cell.get_attribute("data-run") for cell in columns.all()].index(best_run)
    expect(side_by_side.locator(".amlx-RunCompare-metrics tr[data-key='rmse'] td").nth(best_column)).to_have_attribute(
        "data-best", "true")
    expect(side_by_side.locator(".amlx-MultiLine svg[aria-label='rmse by step']")).to_have_count(1)
    # the scatter and the parallel coordinates of the three: a point and a line per run, the best rmse marked
    charts = side_by_side.locator(".amlx-RunCompare-charts")
    charts.get_by_label("Metric (y axis)").select_option("rmse")
    charts.get_by_label("Parameter (x axis)").select_option("alpha")
    compared = sorted(cell.get_attribute("data-run") for cell in columns.all())
    points = charts.locator(".amlx-Scatter-point")
    expect(points).to_have_count(3)
    assert sorted(point.get_attribute("data-run") for point in points.all()) == compared
    expect(charts.locator(".amlx-Scatter-point.amlx-mod-best")).to_have_attribute("data-run", best_run)
    lines = charts.locator(".amlx-Parallel .amlx-Parallel-line")
    expect(lines).to_have_count(3)
    assert sorted(line.get_attribute("data-run") for line in lines.all()) == compared
    expect(charts.locator(".amlx-Parallel-line.amlx-mod-best")).to_have_attribute("data-run", best_run)
    axes = charts.locator(".amlx-Parallel-axis")
    assert "alpha" in [axis.get_attribute("data-axis") for axis in axes.all()]
    expect(axes.last).to_have_attribute("data-axis", "rmse")
    with page.expect_download() as download:
        side_by_side.locator(".amlx-RunCompare-csv").click()
    assert "params.alpha,0.05,0.3,2" in Path(download.value.path()).read_text()
    shot(page, artifacts, "35-diabetes-runs-side-by-side")

    # a metric condition in the filter box
    runs_filter = sidebar.get_by_label("Filter runs")
    runs_filter.fill("metrics.rmse > 0 and params.alpha >= 0.3")
    expect(names).to_have_count(2)
    assert sorted(names.all_inner_texts()) == sorted(f"alpha={value} · diabetes_ridge cell 12" for value in alphas[1:])

    # tag one, then archive it: it leaves the list
    run_row(page, "(alpha=2)").click()
    details = main_panel(page, ".amlx-RunDetails")
    details.get_by_label("Add a tag").fill("stage=too-strong")
    details.get_by_label("Add a tag").press("Enter")
    expect(details.locator(".amlx-Tag[data-tag='stage']")).to_have_text(re.compile(r"^stage=too-strong"))
    runs_filter.fill('tags.stage = "too-strong"')
    expect(names).to_have_count(1)
    details.locator(".amlx-RunLabels-archive").click()
    expect(details.locator(".amlx-RunLabels-archive")).to_have_text("Restore")
    expect(names).to_have_count(0)
    # a filter that does not parse says where, under the box
    runs_filter.fill("metrics.rmse <")
    expect(sidebar.locator(".amlx-Runs-filterError")).to_contain_text("(column 15)")
    expect(runs_filter).to_have_attribute("aria-invalid", "true")
    runs_filter.fill("")
    expect(names).to_have_count(2)
    expect(sidebar.locator(".amlx-Runs-filterError")).to_have_count(0)
    # the archived run is deleted after a confirmation that says what goes
    details.locator(".amlx-RunLabels-delete").click()
    dialog = page.locator(".jp-Dialog")
    expect(dialog).to_contain_text("cannot be undone")
    dialog.get_by_role("button", name="Delete").click()
    expect(details.locator(".amlx-RunLabels-deleted")).to_be_visible()

    # promote version 1 to production and deploy diabetes-ridge-model@production
    models.locator(".amlx-ListItem[data-model='diabetes-ridge-model']").click()
    model_panel = main_panel(page, ".amlx-ModelView")
    model_panel.get_by_label("Alias", exact=True).fill("production")
    model_panel.locator(".amlx-AliasForm-set").click()
    expect(model_panel.locator(".amlx-Versions tr[data-version='1'] .amlx-Versions-aliases")).to_have_text("production")
    expect(model_panel.locator(".amlx-Versions tr[data-version='1'] .amlx-Versions-archive")).to_have_text("Archive")
    expect(models.locator(".amlx-ModelAlias[data-alias='production']")).to_have_text("production: v1")
    deploy = model_panel.locator(".amlx-Deploy")
    deploy.get_by_label("Version").select_option("@production")
    endpoint_name = deploy.get_by_label("Endpoint name").input_value()
    deploy.locator(".amlx-Deploy-submit").click()
    endpoint = main_panel(page, f".amlx-EndpointView[data-endpoint='{endpoint_name}']")
    expect(endpoint).to_have_attribute("data-status", "Succeeded", timeout=180_000)
    expect(endpoint.locator(".amlx-Deployments")).to_contain_text("diabetes-ridge-model:1")
    shot(page, artifacts, "36-diabetes-model-at-production-deployed")
