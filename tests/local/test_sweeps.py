"""Local sweeps with real processes: the diabetes sweep end to end, pruning, limits, cancellation, restart safety.

Trials run this venv's Python (they log to MLflow) except where a bare
interpreter is enough. Every wait is a bounded poll on a condition.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from amlx_lab.backends.local import LocalBackend
from amlx_lab.backends.local.procs import is_alive
from amlx_lab.backends.local.tracking import open_reader
from amlx_lab.config import AmlxConfig
from amlx_lab.records import Job, JobStatus, JobType
from amlx_lab.specs import CommandJobSpec, JobQuery, SweepJobSpec
from amlx_lab.submission import SweepRequest
from amlx_lab.workspace import Workspace

from .conftest import wait_until, write_code

pytestmark = pytest.mark.slow

BARE_PYTHON = str(Path(sys.base_prefix) / "bin" / "python3")
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

# A trial that logs its loss once per step: interval k is its k-th value.
STEPS_MAIN = """
    import argparse, os, time
    import mlflow
    parser = argparse.ArgumentParser()
    parser.add_argument("--lr", type=float, default=0.5)
    parser.add_argument("--steps", type=int, default=6)
    parser.add_argument("--pause", type=float, default=0.4)
    args = parser.parse_args()
    with mlflow.start_run():
        for step in range(args.steps):
            loss = (args.lr - 0.3) ** 2 + 1.0 / (step + 1)
            mlflow.log_metric("loss", loss, step=step)
            print("step", step, "loss", loss, flush=True)
            time.sleep(args.pause)
    os.makedirs("outputs", exist_ok=True)
    open("outputs/result.txt", "w").write(str(loss))
"""


def sweep_spec(
    code: Path, *, python: str = sys.executable, steps: int = 6, pause: float = 0.4, command: tuple[str, ...] | None = None,
    **settings: Any,
) -> SweepJobSpec:
    command = command or ("python", "main.py", "--lr", "${{inputs.lr}}", "--steps", str(steps), "--pause", str(pause))
    trial = CommandJobSpec(code_dir=code, experiment="sweeps", command=command, parameters={"lr": 0.5, "steps": steps},
                           interpreter=python, display_name="steps")
    settings.setdefault("search_space", {"lr": "uniform(0, 1)"})
    settings.setdefault("objective", {"primary_metric": "loss", "goal": "minimize"})
    return SweepJobSpec(trial=trial, **settings)


def trials_of(backend: LocalBackend, sweep: str) -> list[Job]:
    return list(backend.list_jobs(JobQuery(parent=sweep, descending=False, limit=100)).items)


def finished(backend: LocalBackend, name: str, timeout: float = 420) -> Job:
    return wait_until(lambda: (j := backend.get_job(name)).status.terminal and j, timeout, f"sweep {name} to end")


def sweep_log(backend: LocalBackend, name: str) -> str:
    return backend.layout.std_log(name).read_text()


def children_of(backend: LocalBackend, run_id: str) -> set[str]:
    """MLflow runs whose parent run is ``run_id`` (read from the store's tables)."""
    with sqlite3.connect(backend.layout.mlflow_db) as conn:
        rows = conn.execute("SELECT run_uuid FROM tags WHERE key = 'mlflow.parentRunId' AND value = ?", (run_id,)).fetchall()
    return {r[0] for r in rows}


def run_status(backend: LocalBackend, run_id: str) -> str:
    with sqlite3.connect(backend.layout.mlflow_db) as conn:
        return str(conn.execute("SELECT status FROM runs WHERE run_uuid = ?", (run_id,)).fetchone()[0])


# -- the diabetes sweep, end to end ---------------------------------------------------------------------


def test_the_diabetes_sweep_runs_trials_as_child_jobs_and_registers_the_best(tmp_path: Path) -> None:
    shutil.copy(EXAMPLES / "diabetes_ridge.ipynb", tmp_path / "diabetes_ridge.ipynb")
    ws = Workspace(AmlxConfig.resolve(workspace_dir=tmp_path / "ws", target="local", compute_slots=2))
    try:
        settings = {
            "search_space": {"alpha": "uniform(0.1, 1.0)"},
            "objective": {"primary_metric": "rmse", "goal": "minimize"},
            "sampling_algorithm": {"type": "random", "rule": "sobol", "seed": 5},
            "limits": {"max_total_trials": 4, "max_concurrent_trials": 2},
        }
        request = SweepRequest(cell="aml-train", notebook="diabetes_ridge.ipynb", sweep=settings)
        preview = ws.preview_sweep(request, base_dir=tmp_path)
        assert [d.name for d in preview.dimensions] == ["alpha"] and preview.dimensions[0].expression == "uniform(0.1, 1)"
        assert preview.seed == 5 and len(preview.points) == 4 and preview.total_trials == 4

        sweep = ws.sweep(request, base_dir=tmp_path)
        assert sweep.type is JobType.SWEEP and sweep.parent is None and sweep.parameters == {"alpha": "uniform(0.1, 1)"}
        done = ws.wait(sweep.name, timeout=420)
        assert done.status is JobStatus.COMPLETED, done.error

        trials = ws.sweep_trials(sweep.name)
        assert [t.name for t in trials] == [f"{sweep.name}_{i}" for i in range(4)]
        assert [t.parameters["alpha"] for t in trials] == [p["alpha"] for p in preview.points], "the previewed points ran"
        backend = ws.backend()
        assert isinstance(backend, LocalBackend)
        reader = open_reader(backend.layout)
        try:
            parent_run = done.mlflow_run_id
            assert parent_run
            for trial in trials:
                assert trial.status is JobStatus.COMPLETED and trial.parent == sweep.name and trial.type is JobType.COMMAND
                assert "rmse:" in ws.jobs().logs(trial.name).text
                assert "model.pkl" in {f.path for f in ws.jobs().list_outputs(trial.name)}
                assert trial.mlflow_run_id and trial.mlflow_run_id != parent_run
                assert float(reader.params(trial.mlflow_run_id)["alpha"]) == pytest.approx(trial.parameters["alpha"])
                assert trial.metrics["rmse"] > 0
        finally:
            reader.close()
        assert children_of(backend, parent_run) == {t.mlflow_run_id for t in trials}, "trial runs nest under the sweep's run"
        best = min(trials, key=lambda t: t.metrics["rmse"])
        details = ws.sweeps().sweep_details(sweep.name)
        assert details.best_trial == best.name and details.best_value == pytest.approx(best.metrics["rmse"])
        assert details.trial_counts == {"Completed": 4} and details.seed == 5
        assert ws.best_job(parent=sweep.name).name == best.name
        assert done.metrics["best_rmse"] == pytest.approx(best.metrics["rmse"])
        assert sweep_log(backend, sweep.name).count("started (warm") == 4, "every trial forked from the warm worker"

        version = ws.models().register_model("diabetes-best", job=best.name)
        assert version.version == "1" and version.job == best.name
    finally:
        ws.close()


# -- early termination ---------------------------------------------------------------------------------


def test_the_bandit_policy_stops_trials_far_behind_the_best(backend: LocalBackend, tmp_path: Path) -> None:
    code = write_code(tmp_path / "code", STEPS_MAIN)
    spec = sweep_spec(
        code, search_space={"lr": "choice(0.3, 0.35, 0.9, 1.5)"}, sampling_algorithm="grid",
        early_termination={"type": "bandit", "slack_amount": 0.1}, limits={"max_concurrent_trials": 2},
    )
    sweep = backend.submit_sweep(spec)
    done = finished(backend, sweep.name)
    assert done.status is JobStatus.COMPLETED, done.error
    trials = {t.parameters["lr"]: t for t in trials_of(backend, sweep.name)}
    assert set(trials) == {0.3, 0.35, 0.9, 1.5}, "grid: every point once"
    assert trials[0.3].status is JobStatus.COMPLETED and trials[0.35].status is JobStatus.COMPLETED
    for lr in (0.9, 1.5):  # (lr - 0.3)^2 puts them 0.36 and 1.44 behind the best at every interval
        pruned = trials[lr]
        assert pruned.status is JobStatus.CANCELED, (lr, pruned.status, pruned.error)
        assert pruned.tags["amlx.pruned_at"] == "1" and "bandit policy at interval 1" in (pruned.error or "")
        run_id = pruned.mlflow_run_id
        assert run_id and wait_until(lambda: run_status(backend, run_id) == "KILLED", 30, "the pruned trial's MLflow run to close")  # noqa: B023
        assert not is_alive(*backend.store.query("SELECT child_pid, child_start FROM jobs WHERE name = ?", (pruned.name,))[0])
    details = backend.sweep_details(sweep.name)
    assert details.pruned == 2 and details.best_trial == trials[0.3].name
    assert details.best_value == pytest.approx(1 / 6)
    log = sweep_log(backend, sweep.name)
    assert "stopped early: bandit policy" in log and "2 stopped early" in log


# -- limits and cancellation ---------------------------------------------------------------------------


def test_cancelling_a_sweep_cancels_its_trials(backend: LocalBackend, tmp_path: Path) -> None:
    code = write_code(tmp_path / "code", STEPS_MAIN)
    sweep = backend.submit_sweep(sweep_spec(code, steps=600, pause=0.2, limits={"max_total_trials": 6, "max_concurrent_trials": 2}))
    running = wait_until(lambda: len([t for t in trials_of(backend, sweep.name) if t.status is JobStatus.RUNNING]) == 2
                         and trials_of(backend, sweep.name), 300, "two trials running")
    pids = backend.store.query(f"SELECT child_pid, child_start FROM jobs WHERE parent = '{sweep.name}'")
    assert backend.cancel(sweep.name).status in (JobStatus.CANCEL_REQUESTED, JobStatus.CANCELED)
    done = finished(backend, sweep.name, timeout=60)
    assert done.status is JobStatus.CANCELED
    trials = trials_of(backend, sweep.name)
    assert [t.name for t in trials] == [t.name for t in running], "no trial starts once the sweep is canceled"
    assert all(t.status is JobStatus.CANCELED and t.error == "Canceled with its sweep." for t in trials)
    assert not any(is_alive(pid, start) for pid, start in pids), "the trials' processes are gone"


def test_a_trial_past_its_timeout_is_stopped_and_cold_trials_work_too(
    backend: LocalBackend, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AMLX_SWEEP_WARM", "0")  # the controller inherits it: every trial a fresh interpreter
    code = write_code(tmp_path / "code", STEPS_MAIN)
    command = ("python", "main.py", "--steps", "${{inputs.steps}}", "--pause", "0.1")
    spec = sweep_spec(code, command=command, search_space={"steps": "choice(1, 400)"}, sampling_algorithm="grid",
                      limits={"max_concurrent_trials": 2, "trial_timeout": 25})
    sweep = backend.submit_sweep(spec)
    done = finished(backend, sweep.name)
    trials = {t.parameters["steps"]: t for t in trials_of(backend, sweep.name)}
    assert set(trials) == {1, 400} and sweep_log(backend, sweep.name).count("started (cold") == 2
    assert trials[1].status is JobStatus.COMPLETED
    assert trials[400].status is JobStatus.CANCELED and "trial_timeout of 25 s" in (trials[400].error or "")
    assert done.status is JobStatus.COMPLETED and backend.sweep_details(sweep.name).best_trial == trials[1].name


def test_a_sweep_whose_first_trials_all_fail_stops_and_says_why(backend: LocalBackend, tmp_path: Path) -> None:
    code = write_code(tmp_path / "code", "raise RuntimeError('no data file: broken on purpose')\n")
    sweep = backend.submit_sweep(sweep_spec(code, python=BARE_PYTHON, limits={"max_total_trials": 20, "max_concurrent_trials": 2}))
    done = finished(backend, sweep.name)
    trials = trials_of(backend, sweep.name)
    assert done.status is JobStatus.FAILED and len(trials) <= 4, "it stopped instead of running 20 failing trials"
    assert done.error and done.error.startswith(f"All {len(trials)} trial(s) failed") and "broken on purpose" in done.error
    assert all(t.status is JobStatus.FAILED for t in trials)


def test_a_sweep_whose_trials_never_log_the_objective_fails_with_the_metrics_they_did_log(
    backend: LocalBackend, tmp_path: Path
) -> None:
    code = write_code(tmp_path / "code", STEPS_MAIN)
    spec = sweep_spec(code, steps=1, pause=0, objective={"primary_metric": "val_loss", "goal": "minimize"},
                      limits={"max_total_trials": 2, "max_concurrent_trials": 2})
    done = finished(backend, backend.submit_sweep(spec).name)
    assert done.status is JobStatus.FAILED
    assert done.error == (
        "No trial logged the objective metric 'val_loss'; they logged loss. "
        "The objective must be the exact name the code passes to mlflow.log_metric."
    )


# -- restart safety ------------------------------------------------------------------------------------


SUBMIT_AND_REPORT = """
import json, sys
from amlx_lab.backends.local import LocalBackend
from amlx_lab.specs import SweepJobSpec
backend = LocalBackend(sys.argv[1], compute_slots=2)
job = backend.submit_sweep(SweepJobSpec.model_validate_json(sys.argv[2]))
print(job.name, flush=True)
sys.stdin.read()  # stays alive until killed, like a server would
"""


def test_a_sweep_survives_its_submitter_and_its_controller_being_killed(make_backend: Callable[..., LocalBackend], tmp_path: Path) -> None:
    backend = make_backend()
    code = write_code(tmp_path / "code", STEPS_MAIN)
    spec = sweep_spec(code, steps=10, pause=0.5, sampling_algorithm={"type": "random", "seed": 1},
                      limits={"max_total_trials": 4, "max_concurrent_trials": 2})
    submitter = subprocess.Popen([sys.executable, "-c", SUBMIT_AND_REPORT, str(backend.root), spec.model_dump_json()],
                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert submitter.stdout is not None
    name = submitter.stdout.readline().strip()
    os.kill(submitter.pid, signal.SIGKILL)  # the "server" that submitted dies at once
    submitter.wait()

    def a_trial_is_halfway() -> Job | None:
        for trial in trials_of(backend, name):
            if trial.status is JobStatus.RUNNING and "step 2" in backend.logs(trial.name).text:
                return trial
        return None

    halfway = wait_until(a_trial_is_halfway, 300, "a trial halfway through")
    row = backend.store.query("SELECT supervisor_pid, child_pid, child_start FROM jobs WHERE name = ?", (halfway.name,))[0]
    controller = backend.store.query("SELECT supervisor_pid FROM jobs WHERE name = ?", (name,))[0][0]
    os.kill(controller, signal.SIGKILL)  # kill -9 the sweep's controller mid-trial
    wait_until(lambda: not is_alive(controller, None), 10, "the controller to die")
    assert is_alive(row["child_pid"], row["child_start"]), "the trial itself keeps running"

    backend.reconcile()  # what a server's next read does: the sweep gets a new controller
    done = finished(backend, name)
    assert done.status is JobStatus.COMPLETED, done.error
    trials = trials_of(backend, name)
    assert len(trials) == 4 and all(t.status is JobStatus.COMPLETED for t in trials)
    adopted = backend.store.query("SELECT child_pid, exit_code FROM jobs WHERE name = ?", (halfway.name,))[0]
    assert tuple(adopted) == (row["child_pid"], 0), "the running trial was adopted, not restarted"
    assert (backend.layout.job_dir(name) / "controller-restarts").read_text() == "1"
    assert "resuming: " in sweep_log(backend, name)
    assert backend.sweep_details(name).best_trial == min(trials, key=lambda t: t.metrics["loss"]).name


def test_a_sweep_that_loses_its_controller_and_warm_worker_still_closes_its_trials_honestly(
    backend: LocalBackend, tmp_path: Path
) -> None:
    code = write_code(tmp_path / "code", STEPS_MAIN)
    sweep = backend.submit_sweep(sweep_spec(code, steps=8, pause=0.5, limits={"max_total_trials": 2, "max_concurrent_trials": 2}))
    wait_until(lambda: sum(t.status is JobStatus.RUNNING for t in trials_of(backend, sweep.name)) == 2, 300, "two trials running")
    worker_log = (backend.layout.logs_dir(sweep.name) / "warm_worker.txt").read_text()
    worker = int(re.search(r"\[warm-worker (\d+)\]", worker_log).group(1))  # type: ignore[union-attr]
    controller = backend.store.query("SELECT supervisor_pid FROM jobs WHERE name = ?", (sweep.name,))[0][0]
    for pid in (controller, worker):
        os.kill(pid, signal.SIGKILL)
    backend.reconcile()
    done = finished(backend, sweep.name)
    trials = trials_of(backend, sweep.name)
    # Nobody reaped the orphaned trials for us: their MLflow runs (finished by the trials themselves) say how they went.
    assert done.status is JobStatus.COMPLETED and [t.status for t in trials] == [JobStatus.COMPLETED] * 2
    assert all(t.exit_code is None for t in trials), "the exit status is unknown and not made up"
