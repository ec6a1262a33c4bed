"""The heart-failure AutoML seed through the sidebar alone, against a real JupyterLab and a real AutoML job.

Register the CSV as data asset ``heart`` from the file browser, open the
AutoML form from the asset (the CSV's own context menu offers it too), ask
for classification of ``DEATH_EVENT`` by ``AUC_weighted`` with 3 concurrent
trials and a short budget, watch the leaderboard fill in the run panel, read
the best trial, the confusion matrix and the ROC curve, register the best
model, deploy it, and score the seed's row from the endpoint's test panel.
"""

from __future__ import annotations

import json
from pathlib import Path

from playwright.sync_api import Page, expect

from .conftest import open_lab
from .lab import LabServer
from .steps import JOB_TIMEOUT_MS, dismiss_toasts, expand_section, main_panel, open_sidebar, shot, widen_sidebar

SEED_ROW = {
    "age": 60, "anaemia": 0, "creatinine_phosphokinase": 582, "diabetes": 0, "ejection_fraction": 20,
    "high_blood_pressure": 1, "platelets": 265000, "serum_creatinine": 1.9, "serum_sodium": 130, "sex": 1,
    "smoking": 0, "time": 4,
}


def test_heart_failure_automl_from_the_sidebar(page: Page, lab: LabServer, artifacts: Path) -> None:
    open_lab(page, lab, reset=True)
    tab = page.locator('.jp-SideBar [data-id="filebrowser"]')
    if tab.get_attribute("aria-selected") != "true":
        tab.click()
    listing = page.locator(".jp-DirListing-content")
    listing.get_by_text("data", exact=True).dblclick()
    item = listing.locator(".jp-DirListing-item", has_text="heart_failure_clinical_records.csv")
    item.click(button="right")
    expect(page.locator(".lm-Menu-item", has_text="AutoML on this data…")).to_be_visible()
    page.locator(".lm-Menu-item", has_text="Register as data asset").click()
    dialog = page.locator(".jp-Dialog")
    dialog.locator("input").fill("heart")
    dialog.get_by_role("button", name="Register").click()
    expect(page.locator(".Toastify__toast", has_text="Registered heart version 1")).to_be_visible()
    dismiss_toasts(page)

    # 1. the form, opened from the data asset
    open_sidebar(page)
    widen_sidebar(page, 420)
    data = expand_section(page, "Data")
    data.locator(".amlx-ListItem[data-asset='heart']").click()
    data.locator(".amlx-AssetAutoML").click()
    form = main_panel(page, ".amlx-AutoMLForm")
    expect(form.get_by_label("Training data")).to_have_value("azureml:heart@latest")
    form.locator(".amlx-AutoMLForm-submit").click()
    expect(form.locator("[data-field$='target'] .amlx-FieldProblem")).to_have_text("Name the column to predict.")
    form.get_by_label("Target column").fill("DEATH_EVENT")
    form.get_by_label("Primary metric").select_option("AUC_weighted")
    form.get_by_label("Time limit (minutes)").fill("0.5")
    form.get_by_label("Max concurrent trials").fill("3")
    form.locator(".amlx-AutoMLForm-more").click()
    form.get_by_label("Cross-validation folds").fill("3")
    form.get_by_label("Max trials").fill("10")
    shot(page, artifacts, "60-automl-form")
    form.locator(".amlx-AutoMLForm-submit").click()

    # 2. the run panel: the leaderboard fills in, then the job completes
    details = main_panel(page, ".amlx-RunDetails")
    expect(details.locator("h2")).to_have_text("AutoML classification of DEATH_EVENT")
    details.get_by_role("tab", name="Leaderboard").click()
    board = details.locator(".amlx-Leaderboard")
    expect(board.locator(".amlx-LeaderboardTable tbody tr").first).to_be_visible(timeout=JOB_TIMEOUT_MS)
    expect(details).to_have_attribute("data-status", "Completed", timeout=JOB_TIMEOUT_MS)
    expect(board).to_have_attribute("data-trials", "10", timeout=30_000)
    best = board.locator("tr.amlx-mod-best")
    expect(best).to_have_count(1)
    expect(best.locator(".amlx-BestMark")).to_be_visible()
    expect(best.locator(".amlx-Leaderboard-score")).to_contain_text("±")
    expect(board.locator(".amlx-Leaderboard-summary")).to_contain_text("AUC_weighted (higher is better) · 3-fold cross-validation")
    expect(board.locator(".amlx-Confusion")).to_contain_text("recall")
    expect(board.locator("[data-chart='roc'] svg")).to_be_visible()
    shot(page, artifacts, "61-automl-leaderboard")

    # 3. the trials are runs of their own, nested under the AutoML job
    board.locator("tr.amlx-mod-best .amlx-Link").click()
    trial = main_panel(page, ".amlx-RunDetails")
    expect(trial.locator(".amlx-RunDetails-meta")).to_contain_text("experiment Default")
    expect(trial.get_by_role("tab", name="Leaderboard")).to_have_count(0)
    page.locator(".lm-TabBar-tab", has_text="AutoML classification of DEATH_EVENT").click()
    details = main_panel(page, ".amlx-RunDetails")

    # 4. register the best model, deploy it, score the seed's row
    details.get_by_role("tab", name="Leaderboard").click()
    details.locator(".amlx-RegisterBest").click()
    card = details.locator(".amlx-RegisterModel")
    expect(card.locator(".amlx-Candidate[data-source='outputs/model'] input")).to_be_checked()
    card.locator(".amlx-RegisterModel-name").fill("heart-automl")
    card.locator(".amlx-RegisterModel-submit").click()
    expect(card.locator(".amlx-Success")).to_contain_text("Registered heart-automl version 1", timeout=60_000)
    card.locator(".amlx-RegisterModel-deploy").click()
    deploy = main_panel(page, ".amlx-Deploy")
    deploy.get_by_label("Endpoint name").fill("heart-endpoint")
    deploy.locator(".amlx-Deploy-submit").click()
    endpoint = main_panel(page, ".amlx-EndpointView[data-endpoint='heart-endpoint']")
    expect(endpoint).to_have_attribute("data-status", "Succeeded", timeout=120_000)
    payload = endpoint.locator(".amlx-TestPanel-payload")
    payload.fill(json.dumps({"data": [SEED_ROW]}, indent=2))
    endpoint.locator(".amlx-TestPanel-send").click()
    expect(endpoint.locator(".amlx-Response")).to_have_attribute("data-status-code", "200", timeout=60_000)
    expect(endpoint.locator(".amlx-Prediction")).to_have_text("Prediction: 1")
    dismiss_toasts(page)
    shot(page, artifacts, "62-automl-prediction")
    assert not [e for e in page.console_errors if "amlx" in e.lower()]
