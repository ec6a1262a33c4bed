"""The diabetes sweep from the sidebar, as one scenario both targets walk (``test_sweep_scenario.py``, ``test_azure_target.py``).

Open the notebook, select the training cell, open its submit form, search alpha
with uniform(0.1, 1.0) on the Sweep tab (sobol with a seed), start 4 trials 2 at
a time, follow them nested under the sweep in Runs, read the trials table, the
objective over time and the parallel coordinates with the best trial marked, and
register the best trial's model. A screenshot of every step goes to
test-artifacts/ui/, named with ``label``.
"""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

from .conftest import open_lab
from .lab import LabServer
from .steps import JOB_TIMEOUT_MS, dismiss_toasts, expand_section, main_panel, open_sidebar, select_cell, shot, widen_sidebar

SWEEP_TIMEOUT_MS = 4 * JOB_TIMEOUT_MS  # a warm worker imports the stack once, then 4 trials 2 at a time


def diabetes_sweep_from_the_sidebar(
    page: Page, lab: LabServer, artifacts: Path, *, label: str, previewed_points_run: bool, model: str
) -> str:
    """Walk the scenario; returns the best trial's name. ``previewed_points_run``: the target samples with
    the preview's sampler (the local engine does; Azure ML samples with its own)."""
    open_lab(page, lab, "diabetes_ridge.ipynb", reset=True)
    sidebar = open_sidebar(page)
    widen_sidebar(page, 470)
    select_cell(page, "model = Ridge(alpha=alpha)")
    page.keyboard.press("Control+Shift+Enter")
    form = main_panel(page, ".amlx-SubmitView")
    expect(form.locator(".amlx-Param[data-param='alpha'] input")).to_have_value("0.5")

    # the Sweep tab: alpha is the dimension the tutorial searches, suggested from its notebook value
    form.get_by_role("tab", name="Sweep").click()
    alpha = form.locator(".amlx-SweepDimensions tr[data-param='alpha']")
    expect(alpha.get_by_label("Search alpha")).to_be_checked()
    expression = alpha.get_by_label("Search expression for alpha")
    expect(expression).to_have_value("uniform(0.1, 1)")
    expression.fill("uniform(0.1, 1.0)")
    form.get_by_label("Objective metric").fill("rmse")
    form.get_by_label("Sampling").select_option("sobol")
    form.get_by_label("Seed").fill("3")
    form.get_by_label("Trials", exact=True).fill("4")
    form.get_by_label("Trials at once").fill("2")

    # a mistake is a sentence from the server, and nothing starts
    expression.fill("uniform(1.0, 0.1)")
    expect(form.locator(".amlx-ErrorNote")).to_contain_text("min_value (1) must be less than max_value (0.1)")
    expression.fill("uniform(0.1, 1.0)")
    points = form.locator(".amlx-SweepPoints-table tbody tr")
    expect(points).to_have_count(4)
    expect(form.locator(".amlx-SweepPoints h3")).to_contain_text("(of 4), seed 3")
    previewed = [points.nth(i).locator("td").nth(1).inner_text() for i in range(4)]
    shot(page, artifacts, f"{label}-sweep-tab")

    start = form.locator(".amlx-SubmitView-submit")
    expect(start).to_have_text("Start sweep")
    start.click()
    submitted = form.locator(".amlx-Submitted button")
    expect(submitted).to_have_count(1)
    dismiss_toasts(page)

    # the sweep is one row in Runs (the workspace may hold other tests' sweeps); its trials show under it
    sweep_name = submitted.get_attribute("data-run")
    assert sweep_name
    sweep_row = sidebar.locator(f".amlx-RunRow.amlx-mod-sweep[data-run='{sweep_name}']")
    expect(sweep_row).to_have_count(1, timeout=60_000)
    sweep_row.locator(".amlx-RunRow-caret").click()
    trial_rows = sidebar.locator(f".amlx-RunRow.amlx-mod-trial[data-parent='{sweep_name}']")
    expect(trial_rows.first).to_be_visible(timeout=SWEEP_TIMEOUT_MS)
    expect(sweep_row).to_have_attribute("aria-expanded", "true")
    shot(page, artifacts, f"{label}-sweep-trials-nested")

    # the sweep view: trials table, best marked, both charts
    submitted.click()
    view = main_panel(page, f".amlx-RunDetails[data-run='{sweep_name}']")
    expect(view).to_have_attribute("data-status", "Completed", timeout=SWEEP_TIMEOUT_MS)
    expect(trial_rows).to_have_count(4)
    table = view.locator(".amlx-SweepTrials tbody tr")
    expect(table).to_have_count(4)
    expect(view.locator(".amlx-SweepTrials tbody tr[data-status='Completed']")).to_have_count(4)
    ran = [table.nth(i).locator("td").nth(2).inner_text() for i in range(4)]
    if previewed_points_run:
        assert ran == previewed, "the previewed points are the ones that ran"
    else:
        assert all(0.1 <= float(a) <= 1.0 for a in ran), ran
    best = view.locator(".amlx-SweepTrials tr.amlx-mod-best")
    expect(best).to_have_count(1)
    best_trial = best.get_attribute("data-run")
    expect(view.locator(".amlx-Sweep-best")).to_have_attribute("data-run", best_trial or "")
    rmse = [float(table.nth(i).locator(".amlx-SweepTrials-objective").inner_text()) for i in range(4)]
    assert float(best.locator(".amlx-SweepTrials-objective").inner_text()) == min(rmse)
    expect(view.locator(".amlx-ObjectiveChart .amlx-Sweep-series")).to_have_count(4)
    expect(view.locator(".amlx-ObjectiveChart .amlx-Sweep-series.amlx-mod-best")).to_have_attribute("data-run", best_trial or "")
    expect(view.locator(".amlx-Parallel-line")).to_have_count(4)
    expect(view.locator(".amlx-Parallel-line.amlx-mod-best")).to_have_attribute("data-run", best_trial or "")
    expect(view.locator(".amlx-Parallel-axis")).to_have_count(2)  # alpha, then rmse last
    expect(view.locator(".amlx-Parallel-axis").last).to_have_attribute("data-axis", "rmse")
    dismiss_toasts(page)
    shot(page, artifacts, f"{label}-sweep-view")

    # Register best model: the best trial's model file
    view.locator(".amlx-Sweep-register").click()
    card = view.locator(".amlx-RegisterModel")
    pickle_choice = card.locator(".amlx-Candidate[data-source='outputs/model.pkl'] input")
    expect(pickle_choice).to_have_count(1)
    pickle_choice.check()
    card.locator(".amlx-RegisterModel-name").fill(model)
    card.locator(".amlx-RegisterModel-submit").click()
    expect(card.locator(".amlx-Success")).to_contain_text(f"Registered {model} version 1", timeout=60_000)
    models = expand_section(page, "Models")
    models.locator(f".amlx-ListItem[data-model='{model}']").click()
    model_panel = main_panel(page, ".amlx-ModelView")
    expect(model_panel).to_contain_text(best_trial or "")
    shot(page, artifacts, f"{label}-sweep-best-model-registered")
    return best_trial or ""
