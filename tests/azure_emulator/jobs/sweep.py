"""Running a sweep job: trials as child command jobs, the best one in the parent's properties.

As Azure ML does: the trials are jobs named ``<parent>_0``, ``<parent>_1``... with ``parentJobName`` set,
each the sweep's ``trial`` (code, environment, command) with the sampled values put where the command says
``${{search_space.<name>}}`` and passed as literal inputs too; at most ``maxConcurrentTrials`` run at once
(and no more than the scheduler's slots), ``maxTotalTrials`` in all, within ``timeout``; a trial running past
``trialTimeout`` is canceled. Each finished trial's primary metric is read from the MLflow store and the
best so far goes into the parent's properties as ``best_child_run_id`` and ``score``. Canceling the parent
cancels its trials. The early-termination policy is recorded, not applied.
"""

from __future__ import annotations

import json
import logging
import math
import re
import time
from typing import TYPE_CHECKING, Any

from .creation import create_job
from .records import CANCELED, COMPLETED, FAILED, RUNNING, JobRun
from .sampler import SamplingError, points

if TYPE_CHECKING:
    from .scheduler import Scheduler

log = logging.getLogger("amlx.azure_emulator.sweeps")
_SEARCH_SPACE = re.compile(r"\$\{\{\s*search_space\.([A-Za-z0-9_]+)\s*\}\}")
_DURATION = re.compile(r"^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$")
_POLL_SECONDS = 0.1
_CANCEL_WAIT_SECONDS = 30.0
BEST_TRIAL, BEST_SCORE = "best_child_run_id", "score"


def seconds(duration: Any) -> float | None:
    """ISO 8601 ``PT1H30M`` as seconds (``None`` when absent)."""
    if not duration:
        return None
    match = _DURATION.match(str(duration))
    if match is None:
        return None
    days, hours, minutes, secs = (float(g) if g else 0.0 for g in match.groups())
    return ((days * 24 + hours) * 60 + minutes) * 60 + secs


def value_text(value: Any) -> str:
    """How a sampled value appears in the trial's command and literal input."""
    return value if isinstance(value, str) else json.dumps(value)


class SweepDriver:
    def __init__(self, scheduler: Scheduler, run: JobRun, principal: str) -> None:
        assert scheduler.ws is not None
        self.scheduler, self.ws, self.run, self.principal = scheduler, scheduler.ws, run, principal
        self.job: dict[str, Any] = (self.ws.store.get(run.arm_path) or {}).get("properties", {})
        objective = self.job.get("objective") or {}
        self.metric = str(objective.get("primaryMetric", ""))
        self.minimize = str(objective.get("goal", "minimize")).lower() == "minimize"
        self.best: tuple[str, float] | None = None

    def run_sweep(self) -> None:
        run = self.run
        limits = self.job.get("limits") or {}
        total = int(limits.get("maxTotalTrials") or 1000)
        at_once = max(1, min(int(limits.get("maxConcurrentTrials") or total), self.scheduler.slots))
        timeout, trial_timeout = seconds(limits.get("timeout")), seconds(limits.get("trialTimeout"))
        try:
            draws = points(self.job.get("searchSpace") or {}, self.job.get("samplingAlgorithm") or {})
        except SamplingError as exc:
            self.scheduler.finish(run, FAILED, {"code": "UserError", "message": str(exc)})
            return
        self.scheduler.set_status(run, RUNNING)
        started = time.monotonic()
        active: dict[str, float] = {}
        finished: list[JobRun] = []
        index = 0
        while True:
            if run.cancel_requested:
                self._cancel(active)
                self.scheduler.finish(run, CANCELED)
                return
            for name, since in list(active.items()):
                child = self.scheduler.get(name)
                if child is None or child.terminal:
                    del active[name]
                    if child is not None:
                        finished.append(child)
                        self._consider(child)
                elif trial_timeout is not None and time.monotonic() - since > trial_timeout:
                    self.scheduler.cancel(name)
            out_of_time = timeout is not None and time.monotonic() - started > timeout
            if out_of_time and active:
                self._cancel(active)
                continue
            if index < total and len(active) < at_once and not out_of_time:
                point = next(draws, None)
                if point is not None:
                    name = f"{run.name}_{index}"
                    create_job(self.ws, self.scheduler, name, self._trial_body(name, point), self.principal)
                    active[name] = time.monotonic()
                    index += 1
                    continue
                total = index  # the grid is exhausted
            if not active:
                break
            run.done.wait(_POLL_SECONDS)
        if any(c.status == COMPLETED for c in finished):
            self.scheduler.finish(run, COMPLETED)
        else:
            self.scheduler.finish(run, FAILED, {"code": "UserError", "message": "No trial of the sweep completed."})

    def _trial_body(self, name: str, point: dict[str, Any]) -> dict[str, Any]:
        trial = self.job.get("trial") or {}
        texts = {key: value_text(value) for key, value in point.items()}
        command = _SEARCH_SPACE.sub(lambda m: texts.get(m.group(1), m.group(0)), str(trial.get("command", "")))
        inputs = {**(self.job.get("inputs") or {}),
                  **{key: {"jobInputType": "literal", "value": text} for key, text in texts.items()}}
        props = {
            "jobType": "Command", "command": command, "codeId": trial.get("codeId"),
            "environmentId": trial.get("environmentId"),
            "environmentVariables": trial.get("environmentVariables") or {}, "inputs": inputs,
            "computeId": self.job.get("computeId"), "experimentName": self.run.experiment_name,
            "displayName": name, "parentJobName": self.run.name, "tags": {}, "properties": {},
        }
        if trial.get("resources"):
            props["resources"] = trial["resources"]
        return {"properties": props}

    def _consider(self, child: JobRun) -> None:
        """A finished trial's primary metric (its last logged value) against the best so far."""
        if child.status != COMPLETED or not self.metric:
            return
        try:
            value = self.ws.tracking.store.get_run(child.name).data.metrics.get(self.metric)
        except Exception:  # a run without data: no value to compare
            log.exception("trial %s", child.name)
            return
        if value is None or not math.isfinite(value):
            return
        if self.best is None or (value < self.best[1] if self.minimize else value > self.best[1]):
            self.best = (child.name, float(value))
            current = (self.ws.store.get(self.run.arm_path) or {}).get("properties", {}).get("properties") or {}
            self.ws.store.update(self.run.arm_path, {"properties": {
                **current, BEST_TRIAL: child.name, BEST_SCORE: repr(float(value)),
            }})

    def _cancel(self, active: dict[str, float]) -> None:
        for name in list(active):
            self.scheduler.cancel(name)
        deadline = time.monotonic() + _CANCEL_WAIT_SECONDS
        for name in list(active):
            child = self.scheduler.get(name)
            if child is not None:
                child.done.wait(max(0.0, deadline - time.monotonic()))
            del active[name]
