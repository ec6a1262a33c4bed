"""The Titanic training cell on the Azure target, through the UI alone.

JupyterLab's server runs with the Azure target as its default, pointed at the loopback Azure ML
workspace (tests/azure_emulator) by its settings.json; the server process gets the emulator's client
variables (certificate, the test-only credential plugin, the blob seam) and the socket guard, so the
real azure-ai-ml client does the work and no socket leaves 127.0.0.1. From the sidebar: the header
reports the reached workspace, the cell is submitted to the cluster, the log streams while the job
runs, the status follows, and the finished run shows its metrics, outputs and code. Then the rest of the
seed: the model is registered from the run, deployed to a managed online endpoint (the deploy form offers
a VM size here), provisioning is followed to Succeeded, the test panel gets a prediction from the model the
emulator serves, and the curl copies the real scoring URI and key.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from azure_emulator.fixtures import guarded
from azure_emulator.socket_guard import LOG_VAR
from playwright.sync_api import Page, expect

from tests.azure_target.helpers import azure_settings

from .conftest import _lab, open_lab
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
    widen_sidebar,
)
from .sweep_steps import diabetes_sweep_from_the_sidebar

SEED_BODY = {"data": [{"Age": 22, "Pclass": 3, "Sex": "male"}]}


@pytest.fixture(scope="module")
def azure_lab(
    tmp_path_factory: pytest.TempPathFactory, azure_emulator: Any, azure_emulator_guard_log: Path
) -> Iterator[LabServer]:
    def prepare(server: LabServer) -> None:
        server.workspace_dir.mkdir(parents=True, exist_ok=True)
        settings = {"target": "azure", "azure": azure_settings(azure_emulator, compute="cpu-cluster")}
        (server.workspace_dir / "settings.json").write_text(json.dumps(settings))
        server.extra_env = {**azure_emulator.client_env(), LOG_VAR: str(azure_emulator_guard_log)}

    with guarded(azure_emulator_guard_log):
        yield from _lab(tmp_path_factory, "lab-azure", [], prepare)


def test_titanic_on_the_azure_target_from_the_sidebar(
    page: Page, azure_lab: LabServer, azure_emulator: Any, artifacts: Path
) -> None:
    # the header: the workspace was reached, who is signed in, a link to the studio
    open_lab(page, azure_lab, "titanic.ipynb", reset=True)
    sidebar = open_sidebar(page)  # waits for health "ok": configured is not enough
    widen_sidebar(page)
    health = sidebar.locator(".amlx-Header-health")
    expect(health).to_contain_text("Connected to Azure ML workspace amlx-ws in loopback as amlx-tester@loopback.test")
    expect(health.get_by_role("link", name="open in Azure ML studio")).to_have_attribute(
        "href", re.compile(re.escape(azure_emulator.base_url) + r"/\?wsid=/subscriptions/")
    )
    shot(page, artifacts, "40-azure-header")

    # the training cell, submitted from the notebook toolbar to the workspace's cluster
    select_cell(page, 'joblib.dump(model, "outputs/model.pkl")')
    page.locator(".jp-NotebookPanel-toolbar [data-jp-item-name='amlx-submit-cell'] jp-button, "
                 ".jp-NotebookPanel-toolbar [data-jp-item-name='amlx-submit-cell'] button").first.click()
    form = main_panel(page, ".amlx-SubmitView")
    expect(form.locator("h2")).to_contain_text("Submit cell 16 of titanic.ipynb")
    expect(form.get_by_label("Compute")).to_have_value("cpu-cluster")
    shot(page, artifacts, "41-azure-submit-form")
    form.locator(".amlx-SubmitView-submit").click()
    toast = page.locator(".Toastify__toast", has_text="Submitted titanic cell 16")
    expect(toast).to_be_visible()
    toast.get_by_role("button", name="Open run").click()

    # the log streams while the job runs on the emulator, then the run completes
    details = main_panel(page, ".amlx-RunDetails")
    expect(details.locator("h2")).to_have_text("titanic cell 16")
    details.get_by_role("tab", name="Logs").click()
    log = details.locator(".amlx-Logs-text")
    expect(log).not_to_be_empty(timeout=JOB_TIMEOUT_MS)
    status_when_streaming = details.get_attribute("data-status")
    shot(page, artifacts, "42-azure-log-streaming")
    expect(details).to_have_attribute("data-status", "Completed", timeout=JOB_TIMEOUT_MS)
    expect(details.locator(".amlx-Logs-status")).to_have_text("Log complete.")
    expect(log).to_contain_text("accuracy:")
    assert status_when_streaming != "Completed", "the log should have streamed while the job was running"
    # the sidebar's live list follows through the Azure change feed (listing and diffing)
    expect(run_row(page, "titanic cell 16")).to_have_attribute("data-status", "Completed", timeout=60_000)
    shot(page, artifacts, "43-azure-completed")

    # the studio link of the run, its metrics (autolog in the job, read from the workspace's MLflow),
    # its outputs and its code
    studio = details.get_by_role("link", name="open in Azure ML studio")
    expect(studio).to_have_attribute("href", re.compile(re.escape(azure_emulator.base_url) + r"/studio/runs/"))
    details.get_by_role("tab", name="Metrics").click()
    expect(details.locator(".amlx-MetricCard[data-metric='accuracy_score_X_test']")).to_be_visible()
    shot(page, artifacts, "44-azure-metrics")
    details.get_by_role("tab", name="Outputs").click()
    expect(details.locator(".amlx-FileTree [data-path='model.pkl']")).to_be_visible()
    shot(page, artifacts, "45-azure-outputs")
    details.get_by_role("tab", name="Code").click()
    expect(details.locator(".amlx-CodeTab-script")).to_contain_text('joblib.dump(model, "outputs/model.pkl")')

    # the model, registered from the run by reference to its artifacts
    details.locator(".amlx-RunActions-register").click()
    card = details.locator(".amlx-RegisterModel")
    card.locator(".amlx-Candidate[data-source='outputs/model.pkl'] input").check()
    expect(card.locator(".amlx-RegisterModel-name")).to_have_value("titanic-model")
    card.locator(".amlx-RegisterModel-submit").click()
    expect(card.locator(".amlx-Success")).to_contain_text(re.compile(r"Registered titanic-model version \d+"),
                                                          timeout=60_000)
    models = expand_section(page, "Models")
    expect(models.locator(".amlx-ListItem[data-model='titanic-model']")).to_be_visible()
    shot(page, artifacts, "46-azure-model-registered")

    # deployed to a managed online endpoint with a VM size of the form's; provisioning is followed
    card.locator(".amlx-RegisterModel-deploy").click()
    deploy = main_panel(page, ".amlx-Deploy")
    expect(deploy.get_by_label("Endpoint name")).to_have_value("titanic-endpoint")
    deploy.get_by_label("Instance type").fill("Standard_DS2_v2")
    deploy.get_by_label("Instance count").fill("1")
    shot(page, artifacts, "47-azure-deploy-form")
    deploy.locator(".amlx-Deploy-submit").click()
    endpoint = main_panel(page, ".amlx-EndpointView[data-endpoint='titanic-endpoint']")
    expect(endpoint).to_have_attribute("data-status", "Succeeded", timeout=180_000)
    expect(endpoint.locator(".amlx-Deployments [data-deployment='blue']")).to_contain_text("titanic-model:")
    expect(endpoint.locator(".amlx-ScoringUri")).to_have_text(f"{azure_emulator.base_url}/endpoints/titanic-endpoint/score")
    dismiss_toasts(page)
    shot(page, artifacts, "48-azure-endpoint")

    # the seed's request answered by the model the workspace serves
    endpoint.locator(".amlx-TestPanel-payload").fill(json.dumps(SEED_BODY, indent=2))
    endpoint.locator(".amlx-TestPanel-send").click()
    expect(endpoint.locator(".amlx-Response")).to_have_attribute("data-status-code", "200", timeout=60_000)
    expect(endpoint.locator(".amlx-Prediction")).to_have_text("Prediction: 0")
    endpoint.get_by_role("button", name="Copy the curl command (with the key)").click()
    copied = page.evaluate("() => navigator.clipboard.readText()")
    assert f"curl -X POST {azure_emulator.base_url}/endpoints/titanic-endpoint/score" in copied
    assert "Bearer " in copied and "•" not in copied
    shot(page, artifacts, "49-azure-prediction")

    endpoint.get_by_role("button", name="Delete endpoint").click()
    page.locator(".jp-Dialog").get_by_role("button", name="Delete").click()
    endpoints = expand_section(page, "Endpoints")
    expect(endpoints.locator(".amlx-ListItem[data-endpoint='titanic-endpoint']")).to_have_count(0, timeout=60_000)
    assert not [e for e in page.console_errors if "amlx" in e.lower()]


def test_the_diabetes_sweep_on_the_azure_target_from_the_sidebar(
    page: Page, azure_lab: LabServer, artifacts: Path
) -> None:
    """The local sweep scenario against the loopback workspace: the trials are Azure's child jobs, sampled by the
    workspace (so the preview shows our sampler's points, not necessarily the ones that run)."""
    best = diabetes_sweep_from_the_sidebar(page, azure_lab, artifacts, label="50-azure", previewed_points_run=False,
                                           model="diabetes-sweep-azure-best")
    assert re.fullmatch(r"\w+_[0-3]", best), best


HEART_ROW = {
    "age": 60, "anaemia": 0, "creatinine_phosphokinase": 582, "diabetes": 0, "ejection_fraction": 20,
    "high_blood_pressure": 1, "platelets": 265000, "serum_creatinine": 1.9, "serum_sodium": 130, "sex": 1,
    "smoking": 0, "time": 4,
}


def test_heart_failure_automl_on_the_azure_target_from_the_sidebar(
    page: Page, azure_lab: LabServer, artifacts: Path
) -> None:
    """The AutoML form from the CSV's context menu, the job on the workspace (the emulator runs it), its
    leaderboard with the best trial, the best model registered, deployed and scoring the seed's row."""
    open_lab(page, azure_lab, reset=True)
    open_sidebar(page)
    tab = page.locator('.jp-SideBar [data-id="filebrowser"]')
    if tab.get_attribute("aria-selected") != "true":
        tab.click()
    listing = page.locator(".jp-DirListing-content")
    listing.get_by_text("data", exact=True).dblclick()
    listing.locator(".jp-DirListing-item", has_text="heart_failure_clinical_records.csv").click(button="right")
    page.locator(".lm-Menu-item", has_text="AutoML on this data…").click()

    form = main_panel(page, ".amlx-AutoMLForm")
    expect(form.get_by_label("Training data")).to_have_value(re.compile(r"heart_failure_clinical_records\.csv$"))
    form.get_by_label("Target column").fill("DEATH_EVENT")
    form.get_by_label("Primary metric").select_option("AUC_weighted")
    form.get_by_label("Time limit (minutes)").fill("1")
    form.locator(".amlx-AutoMLForm-more").click()
    form.get_by_label("Cross-validation folds").fill("3")
    form.get_by_label("Max trials").fill("4")
    form.locator(".amlx-AutoMLForm-submit").click()

    details = main_panel(page, ".amlx-RunDetails")
    expect(details.locator("h2")).to_have_text("AutoML classification of DEATH_EVENT")
    details.get_by_role("tab", name="Leaderboard").click()
    board = details.locator(".amlx-Leaderboard")
    expect(details).to_have_attribute("data-status", "Completed", timeout=JOB_TIMEOUT_MS)
    expect(board.locator(".amlx-LeaderboardTable tbody tr").first).to_be_visible(timeout=60_000)
    expect(board.locator("tr.amlx-mod-best")).to_have_count(1)
    expect(board.locator(".amlx-Leaderboard-summary")).to_contain_text("AUC_weighted (higher is better)")
    shot(page, artifacts, "50-azure-automl-leaderboard")

    details.locator(".amlx-RegisterBest").click()
    card = details.locator(".amlx-RegisterModel")
    expect(card.locator(".amlx-Candidate[data-source='outputs/model'] input")).to_be_checked(timeout=60_000)
    card.locator(".amlx-RegisterModel-name").fill("heart-automl-azure")
    card.locator(".amlx-RegisterModel-submit").click()
    expect(card.locator(".amlx-Success")).to_contain_text("Registered heart-automl-azure version 1", timeout=60_000)
    card.locator(".amlx-RegisterModel-deploy").click()
    deploy = main_panel(page, ".amlx-Deploy")
    deploy.get_by_label("Endpoint name").fill("heart-automl-azure")
    deploy.locator(".amlx-Deploy-submit").click()
    endpoint = main_panel(page, ".amlx-EndpointView[data-endpoint='heart-automl-azure']")
    expect(endpoint).to_have_attribute("data-status", "Succeeded", timeout=180_000)
    endpoint.locator(".amlx-TestPanel-payload").fill(json.dumps({"data": [HEART_ROW]}, indent=2))
    endpoint.locator(".amlx-TestPanel-send").click()
    expect(endpoint.locator(".amlx-Response")).to_have_attribute("data-status-code", "200", timeout=60_000)
    expect(endpoint.locator(".amlx-Prediction")).to_have_text(re.compile(r"Prediction: [01]$"))
    dismiss_toasts(page)
    shot(page, artifacts, "51-azure-automl-prediction")
    assert not [e for e in page.console_errors if "amlx" in e.lower()]
