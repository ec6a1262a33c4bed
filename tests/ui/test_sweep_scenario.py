"""The diabetes sweep from the sidebar alone on the local target (the steps: ``sweep_steps.py``).

The local engine samples with the preview's sampler, so the previewed points are the ones that run.
"""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page

from .lab import LabServer
from .sweep_steps import diabetes_sweep_from_the_sidebar


def test_the_diabetes_sweep_from_the_sidebar_registers_the_best_trials_model(page: Page, lab: LabServer, artifacts: Path) -> None:
    diabetes_sweep_from_the_sidebar(page, lab, artifacts, label="40", previewed_points_run=True, model="diabetes-sweep-best")
