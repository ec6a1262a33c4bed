"""Sweep jobs on every target that has them: trials as child jobs, the best trial, cancellation, refusals."""

from __future__ import annotations

from typing import Any

import pytest

from amlx_lab.errors import NotFoundError, ValidationError
from amlx_lab.records import JobStatus, JobType
from amlx_lab.specs import CommandJobSpec, JobQuery, SweepJobSpec

from .conftest import Target, wait_until

pytestmark = pytest.mark.slow

# Logs its objective once; ``--x`` is the searched parameter.
SCORE_MAIN = """
    import argparse, time
    import mlflow
    parser = argparse.ArgumentParser()
    parser.add_argument("--x", type=float)
    parser.add_argument("--seconds", type=float, default=0)
    args = parser.parse_args()
    with mlflow.start_run():
        time.sleep(args.seconds)
        mlflow.log_metric("score", (args.x - 2) ** 2)
    print("x", args.x, flush=True)
"""


def sweep(target: Target, *, seconds: float = 0, **settings: Any) -> SweepJobSpec:
    trial = CommandJobSpec(
        code_dir=target.code(SCORE_MAIN), experiment="conf-sweeps", display_name="conformance sweep",
        command=("python", "main.py", "--x", "${{inputs.x}}", "--seconds", str(seconds)), parameters={"x": 0.0},
        tags={"stage": "sweep"},
    )
    settings.setdefault("search_space", {"x": "choice(1, 2, 4)"})
    settings.setdefault("objective", {"primary_metric": "score", "goal": "minimize"})
    settings.setdefault("sampling_algorithm", "grid")
    return SweepJobSpec(trial=trial, **settings)


def test_a_sweep_runs_its_trials_as_child_jobs_and_keeps_the_best(target: Target) -> None:
    target.require("sweeps")
    parent = target.ws.sweeps(target.name).submit_sweep(sweep(target, limits={"max_concurrent_trials": 2}))
    assert parent.type is JobType.SWEEP and parent.parent is None and parent.experiment == "conf-sweeps"
    assert parent.status in (JobStatus.QUEUED, JobStatus.NOT_STARTED, JobStatus.PREPARING, JobStatus.RUNNING)
    done = target.finished(parent, timeout=600)
    assert done.status is JobStatus.COMPLETED, done.error

    trials = target.ws.list_jobs(JobQuery(parent=parent.name, limit=10), target=target.name).items
    assert sorted(t.parameters["x"] for t in trials) == [1, 2, 4], "a grid runs every point once"
    for trial in trials:
        assert trial.parent == parent.name and trial.status is JobStatus.COMPLETED and trial.experiment == "conf-sweeps"
        assert trial.metrics["score"] == pytest.approx((trial.parameters["x"] - 2) ** 2)
    top = target.ws.list_jobs(JobQuery(experiment="conf-sweeps", top_level=True, limit=50), target=target.name).items
    assert [j.name for j in top] == [parent.name], "trials are nested under their sweep, not listed beside it"

    details = target.ws.sweeps(target.name).sweep_details(parent.name)
    best = next(t for t in trials if t.parameters["x"] == 2)
    assert (details.name, details.best_trial, details.best_value) == (parent.name, best.name, 0.0)
    assert details.settings.objective.primary_metric == "score" and details.trial_counts == {"Completed": 3}
    assert target.ws.best_job(parent=parent.name, target=target.name).name == best.name


def test_cancelling_a_sweep_cancels_its_trials(target: Target) -> None:
    target.require("sweeps")
    spec = sweep(target, seconds=300, search_space={"x": "uniform(0, 4)"}, sampling_algorithm="random",
                 limits={"max_total_trials": 5, "max_concurrent_trials": 2})
    parent = target.ws.sweeps(target.name).submit_sweep(spec)
    query = JobQuery(parent=parent.name, limit=10)
    wait_until(lambda: any(t.status is JobStatus.RUNNING for t in target.ws.list_jobs(query, target=target.name).items),
               300, "a trial to run")
    target.ws.jobs(target.name).cancel(parent.name)
    assert target.finished(parent, timeout=120).status is JobStatus.CANCELED
    trials = wait_until(lambda: (items := target.ws.list_jobs(query, target=target.name).items)
                        and all(t.status.terminal for t in items) and items, 120, "the trials to end")
    assert all(t.status is JobStatus.CANCELED for t in trials) and len(trials) <= 2


def test_sweep_refusals_have_sentences(target: Target) -> None:
    target.require("sweeps")
    sweeps = target.ws.sweeps(target.name)
    before = target.ws.list_jobs(JobQuery(limit=1), target=target.name).total
    with pytest.raises(ValidationError) as caught:
        sweeps.submit_sweep(sweep(target, search_space={"x": "choice(1)", "y": "choice(2)"}))
    assert caught.value.status == 400 and "The trial command never uses y" in caught.value.message
    assert target.ws.list_jobs(JobQuery(limit=1), target=target.name).total == before, "nothing was created"
    command = target.finished(target.submit("print('not a sweep')"))
    with pytest.raises(NotFoundError) as missing:
        sweeps.sweep_details(command.name)
    assert missing.value.status == 404 and "not a sweep" in missing.value.message
    with pytest.raises(NotFoundError):
        sweeps.sweep_details("calm_lamp_x1y2z3a4b5")
