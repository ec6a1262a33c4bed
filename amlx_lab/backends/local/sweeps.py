"""Local sweep jobs: submitting one, reading its details, and bringing back a controller that died.

A sweep is a job row of type ``sweep`` with a folder like any job's (the
code snapshot every trial starts from, an empty ``outputs/``, and
``logs/std_log.txt``, where the controller writes its progress in sentences),
plus ``sweep.json``: the settings, the seed and the trial template, written
once at submit. Everything else the controller needs is in the index (its
trials are the rows whose ``parent`` is the sweep), so any controller can
pick a sweep up where another left it.

The controller (``sweep_controller.py``) is a detached process, like a
command job's supervisor: a Jupyter server or a magic that dies does not
touch it. If the controller itself dies (killed, machine restarted),
``reconcile`` starts another one (``resume``), at most ``MAX_RESTARTS``
times; it adopts the trials still running and goes on. Past that the sweep
is Failed, with the reason, and its trials are stopped.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import sys
import time
from dataclasses import dataclass
from typing import Any

from ...errors import NotFoundError
from ...i18n import _
from ...names import check_job_name
from ...records import Job, JobInput, SweepDetails
from ...specs import SweepJobSpec
from ...sweep.sampling import random_seed
from ...sweep.settings import SweepSettings
from ...sweep.space import describe
from . import job_index
from .jobs import Submitter
from .layout import Layout
from .procs import FileLock, spawn_detached, start_time
from .store import Store

PLAN_FILE = "sweep.json"
RESTARTS_FILE = "controller-restarts"
MAX_RESTARTS = 3
#: Tags the controller keeps on rows (the sidebar and ``best`` read them).
BEST_TRIAL_TAG = "amlx.best_trial"
BEST_VALUE_TAG = "amlx.best_value"
SWEEP_TAG = "amlx.sweep"
TRIAL_TAG = "amlx.trial"
PRUNED_TAG = "amlx.pruned_at"


@dataclass(frozen=True)
class SweepPlan:
    """``sweep.json``: what every controller of the sweep works from."""

    settings: SweepSettings
    seed: int
    command: list[str]  # the trial's argv, interpreter filled in, ${{inputs.x}} placeholders kept
    python: str
    parameters: dict[str, Any]  # every parameter's default; a trial's sampled values replace the searched ones
    inputs: list[dict[str, Any]]  # resolved JobInput records
    experiment: str
    display_name: str
    environment: str | None
    tags: dict[str, str]
    manifest: dict[str, Any] | None

    def to_json(self) -> str:
        data = {k: v for k, v in self.__dict__.items() if k != "settings"}
        return json.dumps({"settings": self.settings.model_dump(mode="json"), **data}, indent=1)

    @classmethod
    def from_json(cls, text: str) -> SweepPlan:
        data = json.loads(text)
        return cls(settings=SweepSettings.model_validate(data.pop("settings")), **data)

    def job_inputs(self) -> list[JobInput]:
        return [JobInput(**item) for item in self.inputs]


def read_plan(layout: Layout, name: str) -> SweepPlan:
    return SweepPlan.from_json((layout.job_dir(name) / PLAN_FILE).read_text(encoding="utf-8"))


def submit_sweep(submitter: Submitter, spec: SweepJobSpec) -> Job:
    """Record the sweep and start its controller; returns at once with the parent job (Queued)."""
    trial = spec.trial
    compute, code, python, inputs = submitter.resolve(trial)
    argv = list(trial.command)
    if argv[0] in ("python", "python3"):
        argv[0] = python
    sampling = spec.sampling_algorithm
    seed = getattr(sampling, "seed", None)
    plan = SweepPlan(
        settings=SweepSettings.model_validate(spec.model_dump(include=set(SweepSettings.model_fields))),
        seed=seed if seed is not None else random_seed(),
        command=argv,
        python=python,
        parameters=dict(trial.parameters),
        inputs=[i.to_dict() for i in inputs],
        experiment=trial.experiment,
        display_name=trial.display_name or "sweep",
        environment=trial.environment,
        tags=dict(trial.tags),
        manifest=trial.manifest,
    )
    shown = {**trial.parameters, **{n: describe(e) for n, e in spec.search_space.items()}}
    layout, store = submitter.layout, submitter.store
    name, folder = submitter.create_folder(code)
    try:
        (folder / PLAN_FILE).write_text(plan.to_json(), encoding="utf-8")
        with store.write() as tx:
            job_index.insert(
                tx,
                {
                    "name": name,
                    "display_name": trial.display_name or name,
                    "experiment": trial.experiment,
                    "status": "Queued",
                    "compute": compute,
                    "compute_slots": submitter.compute_slots,
                    "interpreter": python,
                    "environment": trial.environment,
                    "type": "sweep",
                    "parent": None,
                    "command": json.dumps(argv),
                    "parameters": json.dumps(shown),
                    "inputs": json.dumps(plan.inputs),
                    "tags": json.dumps(plan.tags),
                    "manifest": json.dumps(trial.manifest) if trial.manifest is not None else None,
                    "cancel_grace": submitter.cancel_grace,
                    "created_at": time.time(),
                },
            )
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    spawn_controller(store, layout, name)
    return job_index.get_job(store, name)


def spawn_controller(store: Store, layout: Layout, name: str) -> bool:
    """Start the sweep's detached controller and record who it is; ``False`` (and the sweep Failed) if it cannot start."""
    try:
        proc = spawn_detached(
            [sys.executable, "-m", "amlx_lab.backends.local.sweep_controller", str(layout.root), name],
            log=layout.supervisor_log(name),
            cwd=layout.job_dir(name),
        )
    except OSError as exc:
        job_index.update(
            store, name, {"status": "Failed", "error": f"Could not start the sweep's controller: {exc}", "ended_at": time.time()}
        )
        return False
    job_index.update(store, name, {"supervisor_pid": proc.pid, "supervisor_start": start_time(proc.pid)})
    return True


def resume(store: Store, layout: Layout, row: sqlite3.Row) -> str:
    """A sweep whose controller died: start another (``"resumed"``), or fail it past ``MAX_RESTARTS`` (``"failed"``).

    Serialised by a lock file so that two processes reconciling at once start one controller, not two.
    ``"skipped"`` when someone else is already on it.
    """
    name = row["name"]
    guard = FileLock(layout.job_dir(name) / "resume.lock")
    if not guard.acquire(blocking=False):
        return "skipped"
    try:
        from .reconcile import supervisor_alive  # reconcile imports this module

        current = job_index.get_row(store, name)
        if current["status"] not in job_index.ACTIVE or supervisor_alive(layout, current):
            return "skipped"
        counter = layout.job_dir(name) / RESTARTS_FILE
        restarts = int(counter.read_text() or 0) if counter.exists() else 0
        if current["cancel_requested_at"] is not None or restarts >= MAX_RESTARTS:
            reason = (
                "Canceled; the sweep's controller died before confirming it."
                if current["cancel_requested_at"] is not None
                else f"The sweep was lost: its controller died {restarts + 1} times (see logs/supervisor.txt)."
            )
            status = "Canceled" if current["cancel_requested_at"] is not None else "Failed"
            stop_trials(store, layout, name, reason)
            job_index.update(store, name, {"status": status, "error": reason, "ended_at": time.time()})
            return "failed"
        counter.write_text(str(restarts + 1))
        with open(layout.std_log(name), "a", encoding="utf-8") as log:
            log.write(
                f"[amlx] {time.strftime('%H:%M:%S')} the sweep's controller was lost; "
                f"starting another (restart {restarts + 1} of {MAX_RESTARTS})\n"
            )
        return "resumed" if spawn_controller(store, layout, name) else "failed"
    finally:
        guard.release()


def stop_trials(store: Store, layout: Layout, sweep: str, reason: str) -> None:
    """Kill every trial of ``sweep`` still running and close their rows (the sweep is being given up)."""
    import signal

    from .procs import is_alive, kill_group

    marks = ",".join("?" * len(job_index.ACTIVE))
    for row in store.query(f"SELECT * FROM jobs WHERE parent = ? AND status IN ({marks})", (sweep, *job_index.ACTIVE)):
        if row["child_pid"] and is_alive(row["child_pid"], row["child_start"]):
            kill_group(row["child_pid"], signal.SIGKILL)
        job_index.update(store, row["name"], {"status": "Canceled", "error": reason, "ended_at": time.time()})


def sweep_details(store: Store, layout: Layout, name: str) -> SweepDetails:
    """The sweep's settings, the best trial so far and its trials' counts."""
    check_job_name(name)
    row = job_index.get_row(store, name)
    if row["type"] != "sweep":
        raise NotFoundError(_("Job {name} is a {kind} job, not a sweep.").format(name=name, kind=row["type"]), details={"job": name})
    plan = read_plan(layout, name)
    tags = json.loads(row["tags"])
    counts: dict[str, int] = {}
    pruned = 0
    for trial in store.query("SELECT status, tags FROM jobs WHERE parent = ?", (name,)):
        counts[trial["status"]] = counts.get(trial["status"], 0) + 1
        pruned += PRUNED_TAG in json.loads(trial["tags"])
    best_value = tags.get(BEST_VALUE_TAG)
    return SweepDetails(
        name=name,
        settings=plan.settings,
        seed=plan.seed,
        best_trial=tags.get(BEST_TRIAL_TAG),
        best_value=float(best_value) if best_value is not None else None,
        trials=sum(counts.values()),
        trial_counts=counts,
        pruned=pruned,
        notes=tuple(plan.settings.notes()),
    )
