"""The detached process that runs one local sweep: samples trials, starts them, prunes them, keeps the best.

Run as ``python -m amlx_lab.backends.local.sweep_controller <workspace> <sweep>``
in its own session (``sweeps.spawn_controller``). It is to a sweep what
``supervisor.py`` is to a command job, and to each trial it is that trial's
supervisor: it holds the trial's ``supervisor.lock`` (so ``reconcile`` sees
the trial looked after), waits for a compute slot in submission order, starts
the process, copies its metrics into the index, cancels it, and records how
it ended. In a loop, every ``TICK`` seconds:

1. trials that ended are closed (status from ``exit.json``, else from their
   MLflow run if the process that reaped them is gone too);
2. the objective's logged values are read from each running trial's MLflow
   run and the early-termination policy judges every new interval; a trial
   it stops is cancelled (status Canceled, tag ``amlx.pruned_at``);
3. a cancel of the sweep, its ``timeout`` or a trial's ``trial_timeout``
   stops trials (SIGTERM to the process group, SIGKILL after the grace);
4. new trials are sampled while fewer than ``max_concurrent_trials`` are
   active and fewer than ``max_total_trials`` exist, and queued ones start as
   compute slots free up;
5. the best completed trial is written to the sweep's tags as it changes.

Trials start in a warm worker (``warm_worker.py``: the job's interpreter with
the heavy imports done, forking each trial) unless it cannot start, then
cold. On start the controller adopts what an earlier controller left: trials
still running are watched by PID, finished ones are closed from their
``exit.json``, queued ones are started. The sweep ends Completed when at least
one trial completed with a value of the objective, otherwise Failed with the
reason; Canceled when asked.
"""

from __future__ import annotations

import argparse
import json
import os
import select
import signal
import sys
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ...sweep.policies import Progress, first_stop
from ...sweep.sampling import TrialResult, as_parameter, sample
from ...sweep.settings import SweepSettings
from ...sweep.space import describe
from . import job_index
from .jobs import build_command, populate_folder
from .layout import Layout
from .procs import FileLock, is_alive, kill_group, log_line, signal_name, start_time
from .slots import Slots
from .store import Store
from .supervisor import failure_summary, job_environment
from .sweeps import BEST_TRIAL_TAG, BEST_VALUE_TAG, PRUNED_TAG, SWEEP_TAG, TRIAL_TAG, SweepPlan, read_plan
from .tracking import JOB_TAG, PARENT_TAG, Reader, ensure_store, open_reader, prepare_experiment
from .trial_launch import ColdLauncher, LaunchError, Launcher, TrialLaunch, WarmLauncher, warm_allowed

TICK = 0.1  # seconds between looks at the trials (a trial's exit wakes the loop earlier)
OBJECTIVE_INTERVAL = 0.5  # seconds between reads of the running trials' objective values
METRICS_INTERVAL = 2.0  # seconds between copies of a trial's metrics into the index
ORPHAN_GRACE = 3.0  # seconds to wait for exit.json once a trial's process is gone
LEARN_TRIALS = 2  # the first trials report the modules they imported to the warm worker
ACTIVE_TRIAL = ("Queued", "Preparing", "Starting", "Running", "Finalizing", "CancelRequested")


@dataclass
class Trial:
    """The controller's view of one trial."""

    name: str
    index: int
    seq: int
    values: dict[str, Any]
    status: str
    pid: int | None = None
    pid_start: float | None = None
    started_at: float | None = None
    lock: FileLock | None = None
    objective: tuple[float | None, ...] = ()
    judged: int = 0  # intervals the policy has looked at
    stop_reason: str | None = None
    pruned_at: int | None = None
    term_sent: float | None = None
    kill_sent: bool = False
    gone_since: float | None = None
    run_id: str | None = None
    next_sync: float = 0.0
    error: str | None = None
    tags: dict[str, str] = field(default_factory=dict)

    @property
    def active(self) -> bool:
        return self.status in ACTIVE_TRIAL

    @property
    def running(self) -> bool:
        return self.pid is not None and self.active


class SweepController:
    """One sweep's lifecycle; see the module doc."""

    def __init__(self, layout: Layout, name: str) -> None:
        self.layout = layout
        self.name = name
        self.store = Store(layout.index_db)
        self.plan: SweepPlan = read_plan(layout, name)
        self.settings: SweepSettings = self.plan.settings
        self.metric = self.settings.objective.primary_metric
        self.trials: dict[str, Trial] = {}
        self.launcher: Launcher | None = None
        self.reader: Reader | None = None
        self.stop_signal: int | None = None
        self.stopping: str | None = None  # why no new trial starts: canceled, timeout, failures
        self.final_status: str | None = None
        self.run_id: str | None = None
        self.best: tuple[str, float] | None = None
        self.started_at = time.time()
        self.next_objective = 0.0
        self.row: Any = None

    # -- plumbing ---------------------------------------------------------------------

    def say(self, message: str) -> None:
        """A line of the sweep's own log (what the Logs tab shows)."""
        with open(self.layout.std_log(self.name), "a", encoding="utf-8") as log:
            log.write(f"[amlx] {time.strftime('%H:%M:%S')} {message}\n")
        log_line("controller", message)

    def _on_signal(self, signum: int, _frame: Any) -> None:
        self.stop_signal = signum

    def cancel_requested(self) -> bool:
        if self.stop_signal is not None:
            return True
        rows = self.store.query("SELECT cancel_requested_at FROM jobs WHERE name = ?", (self.name,))
        return bool(rows) and rows[0][0] is not None

    # -- lifecycle ----------------------------------------------------------------------

    def run(self) -> int:
        lock = FileLock(self.layout.supervisor_lock(self.name))
        if not lock.acquire(blocking=False):
            log_line("controller", "another controller already owns this sweep; exiting")
            return 0
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(sig, self._on_signal)
        try:
            return self._run()
        except Exception as exc:
            log_line("controller", "unexpected error:\n" + traceback.format_exc())
            self.say(f"the controller failed: {type(exc).__name__}: {exc}")
            from .sweeps import stop_trials

            stop_trials(self.store, self.layout, self.name, f"Canceled: the sweep's controller failed ({type(exc).__name__}).")
            error = f"The sweep's controller failed: {type(exc).__name__}: {exc}"
            job_index.update(self.store, self.name, {"status": "Failed", "error": error, "ended_at": time.time()})
            return 1
        finally:
            for trial in self.trials.values():
                if trial.lock is not None:
                    trial.lock.release()
            if self.launcher is not None:
                self.launcher.close()
            if self.reader is not None:
                self.reader.close()
            lock.release()

    def _run(self) -> int:
        me = os.getpid()
        job_index.update(self.store, self.name, {"supervisor_pid": me, "supervisor_start": start_time(me)})
        self.row = job_index.get_row(self.store, self.name)
        if self.row["status"] not in job_index.ACTIVE:
            log_line("controller", f"sweep is already {self.row['status']}; nothing to do")
            return 0
        now = time.time()
        job_index.update(self.store, self.name, {"status": "Running", "started_at": now}, only_if=("Queued",))
        self.row = job_index.get_row(self.store, self.name)
        self.started_at = self.row["started_at"] or now
        self.run_id = self.row["mlflow_run_id"]
        self._adopt()
        if not self.trials:
            space = ", ".join(f"{n}: {e.type}" for n, e in self.settings.search_space.items())
            self.say(
                f"sweep of {self.settings.total_trials()} trial(s), {self.settings.limits.concurrent} at once, over {space}; "
                f"objective {self.settings.objective.goal} {self.metric}; sampling {self.settings.sampling_algorithm.type}"
                f" (seed {self.plan.seed})"
            )
            for note in self.settings.notes():
                self.say(f"note: {note}")
        if not self.trials and self.cancel_requested():  # canceled while queued: nothing to start or stop
            job_index.update(self.store, self.name, {"status": "Canceled", "error": "Canceled before it started.",
                                                     "ended_at": time.time()})
            self.say("canceled before any trial started")
            return 0
        self.launcher = self._start_launcher()  # first: its imports take the longest
        ensure_store(self.layout)
        if self.launcher.kind == "cold":  # the warm worker creates the experiment with the parent run
            prepare_experiment(self.layout, self.plan.experiment)
        self._loop()
        self._finish()
        return 0

    def _start_launcher(self) -> Launcher:
        env = job_environment(self.layout, self.name, self.plan.experiment, dict(os.environ))
        env.pop("MLFLOW_RUN_CONTEXT", None)  # the worker itself starts no run
        env.pop("AMLX_JOB_NAME", None)
        if warm_allowed():
            try:
                return WarmLauncher(self.plan.python, self.layout, self.name, env)
            except OSError as exc:
                self.say(f"the warm worker could not start ({exc}); trials start as fresh processes")
        return ColdLauncher(self.layout)

    # -- the loop -------------------------------------------------------------------------

    def _loop(self) -> None:
        while True:
            self._wait()
            assert self.launcher is not None
            self._check_launcher()
            for event in self.launcher.events():
                self._on_event(event)
            self._refresh_rows()
            self._check_exits()
            self._read_objectives()
            self._enforce_limits()
            if self.stopping is None:
                self._sample_new()
            self._ensure_parent_run()
            self._start_queued()
            if not any(t.active for t in self.trials.values()) and (self.stopping is not None or self._exhausted()):
                return

    def _wait(self) -> None:
        fileno = self.launcher.fileno() if self.launcher is not None else None
        if fileno is None:
            time.sleep(TICK)
            return
        select.select([fileno], [], [], TICK)

    def _check_launcher(self) -> None:
        assert self.launcher is not None
        if self.launcher.kind != "warm":
            return
        problem = self.launcher.failed()
        if problem is None:
            return
        self.say(f"{problem}; the next trials start as fresh processes")
        self.launcher.close()
        self.launcher = ColdLauncher(self.layout)
        prepare_experiment(self.layout, self.plan.experiment)

    def _on_event(self, event: dict[str, Any]) -> None:
        if event.get("event") == "task" and not event.get("ok"):
            log_line("controller", f"an MLflow call failed: {event.get('error')}")

    def _exhausted(self) -> bool:
        """Every trial the limits (or the grid) allow exists."""
        return len(self.trials) >= self.settings.total_trials()

    # -- adopting what an earlier controller left -------------------------------------------------

    def _adopt(self) -> None:
        rows = self.store.query("SELECT * FROM jobs WHERE parent = ? ORDER BY seq", (self.name,))
        if rows:
            self.say(f"resuming: {len(rows)} trial(s) exist")
        for row in rows:
            trial = self._trial_from_row(row)
            self.trials[trial.name] = trial
            if not trial.active:
                trial.objective = self._history(trial)
                trial.judged = len(trial.objective)
                continue
            trial.lock = FileLock(self.layout.supervisor_lock(trial.name))
            if not trial.lock.acquire(blocking=False):
                raise RuntimeError(f"trial {trial.name} is held by another process")
            if trial.pruned_at is not None:
                trial.stop_reason = "Stopped early by the policy (its earlier controller had decided so)."
            if trial.pid is None:
                process = self._status_file(trial, "process.json")
                if process is not None:
                    trial.pid = int(process["pid"])
                elif trial.status != "Queued":  # it never got its process: start it again
                    job_index.update(self.store, trial.name, {"status": "Queued", "slot": None}, only_if=("Preparing", "Starting"))
                    trial.status = "Queued"
            job_index.update(self.store, trial.name, {"supervisor_pid": os.getpid(), "supervisor_start": start_time(os.getpid())})
            if trial.stop_reason is not None and trial.pid is not None:
                self._stop(trial)
        self._update_best()

    def _trial_from_row(self, row: Any) -> Trial:
        tags = json.loads(row["tags"])
        parameters = json.loads(row["parameters"])
        values = {k: parameters.get(k) for k in self.settings.search_space}
        return Trial(
            name=row["name"], index=int(tags.get(TRIAL_TAG, row["name"].rsplit("_", 1)[-1])), seq=row["seq"], values=values,
            status=row["status"], pid=row["child_pid"], pid_start=row["child_start"], started_at=row["started_at"],
            run_id=row["mlflow_run_id"], tags=tags,
            pruned_at=int(tags[PRUNED_TAG]) if PRUNED_TAG in tags else None,
        )

    def _status_file(self, trial: Trial, name: str) -> dict[str, Any] | None:
        try:
            return dict(json.loads((self.layout.job_dir(trial.name) / name).read_text()))
        except (OSError, ValueError):
            return None

    # -- new trials -----------------------------------------------------------------------------

    def _sample_new(self) -> None:
        active = sum(1 for t in self.trials.values() if t.active)
        while active < self.settings.limits.concurrent and not self._exhausted():
            if self._failing():
                return
            index = max((t.index for t in self.trials.values()), default=-1) + 1
            point = sample(self.settings, self.plan.seed, index, self._history_for_sampler())
            if point is None:  # a grid with no points left (total_trials() counts it, so only as a safeguard)
                return
            self._create_trial(index, point)
            active += 1

    def _failing(self) -> bool:
        """The first trials all failed: more would fail the same way (a bug in the code, a missing file)."""
        ended = [t for t in self.trials.values() if not t.active]
        failed = [t for t in ended if t.status == "Failed"]
        if len(failed) < max(3, self.settings.limits.concurrent) or len(failed) != len(ended):
            return False
        first = next((t.error for t in failed if t.error), None)
        self.stopping = "failures"
        self.say(f"the first {len(failed)} trials failed; no more are started" + (f" (first error: {first})" if first else ""))
        return True

    def _history_for_sampler(self) -> list[TrialResult]:
        state = {"Completed": "complete", "Canceled": "pruned", "Failed": "failed"}
        results = []
        for trial in self.trials.values():
            kind = "running" if trial.active else state.get(trial.status, "failed")
            if kind == "pruned" and trial.pruned_at is None:
                kind = "failed"  # canceled by a person or a limit: not a judgement on the point
            results.append(TrialResult(trial.index, trial.values, kind, trial.objective))
        return results

    def _create_trial(self, index: int, point: dict[str, Any]) -> Trial:
        name = f"{self.name}_{index}"
        values = {k: as_parameter(v, self.plan.parameters.get(k)) for k, v in point.items()}
        parameters = {**self.plan.parameters, **values}
        argv = build_command(self.plan.command, self.plan.python, self.plan.job_inputs(), parameters)
        folder = self.layout.job_dir(name)
        folder.mkdir()
        populate_folder(self.layout, name, self.layout.code_dir(self.name), hardlink=True)
        lock = FileLock(self.layout.supervisor_lock(name))
        lock.acquire(blocking=False)
        tags = {k: v for k, v in self.plan.tags.items()}
        tags.update({SWEEP_TAG: self.name, TRIAL_TAG: str(index)})
        me = os.getpid()
        with self.store.write() as tx:
            seq = job_index.insert(
                tx,
                {
                    "name": name,
                    "display_name": f"{self.plan.display_name} trial {index}",
                    "experiment": self.plan.experiment,
                    "status": "Queued",
                    "compute": self.row["compute"],
                    "compute_slots": self.row["compute_slots"],
                    "interpreter": self.plan.python,
                    "environment": self.plan.environment,
                    "type": "command",
                    "parent": self.name,
                    "command": json.dumps(argv),
                    "parameters": json.dumps(parameters),
                    "inputs": json.dumps(self.plan.inputs),
                    "tags": json.dumps(tags),
                    "manifest": json.dumps(self.plan.manifest) if self.plan.manifest is not None else None,
                    "cancel_grace": self.row["cancel_grace"],
                    "created_at": time.time(),
                    "supervisor_pid": me,
                    "supervisor_start": start_time(me),
                },
            )
        trial = Trial(name=name, index=index, seq=seq, values=values, status="Queued", lock=lock, tags=tags)
        self.trials[name] = trial
        shown = ", ".join(f"{k}={v!r}" for k, v in values.items())
        self.say(f"trial {index} ({name}) queued with {shown}")
        return trial

    def _start_queued(self) -> None:
        queued = sorted((t for t in self.trials.values() if t.status == "Queued"), key=lambda t: t.seq)
        if not queued:
            return
        if self.stopping is not None:
            for trial in queued:
                self._close(trial, "Canceled", error=self._stopping_sentence() + " It had not started.")
            return
        if self.launcher is None or not self.launcher.ready():
            return
        compute, count = self.row["compute"], self.row["compute_slots"]
        slots = Slots(self.layout, compute, count)
        for trial in queued:
            ahead = self.store.query(
                "SELECT COUNT(*) FROM jobs WHERE status = 'Queued' AND compute = ? AND seq < ?", (compute, trial.seq)
            )[0][0]
            if ahead >= count:
                return
            got = slots.try_acquire()
            if got is None:
                return
            slot, slot_lock = got
            try:
                self._launch(trial, slot, slot_lock)
            finally:
                slot_lock.release()  # the trial's process holds its own copy of the lock for as long as it lives

    def _launch(self, trial: Trial, slot: int, slot_lock: FileLock) -> None:
        assert self.launcher is not None
        if not job_index.update(self.store, trial.name, {"status": "Preparing", "slot": slot}, only_if=("Queued",)):
            trial.status = job_index.get_row(self.store, trial.name)["status"]
            return
        row = job_index.get_row(self.store, trial.name)
        env = job_environment(self.layout, trial.name, self.plan.experiment, dict(os.environ))
        context = {JOB_TAG: trial.name, "mlflow.runName": trial.name}
        if self.run_id:
            context[PARENT_TAG] = self.run_id
        env["MLFLOW_RUN_CONTEXT"] = json.dumps(context)
        request = TrialLaunch(
            name=trial.name, argv=json.loads(row["command"]), cwd=self.layout.code_dir(trial.name), env=env,
            log=self.layout.std_log(trial.name), status_dir=self.layout.job_dir(trial.name), slot_fd=slot_lock.fd,
            learn=self.launcher.kind == "warm" and trial.index < LEARN_TRIALS,
        )
        started = time.time()
        try:
            pid = self.launcher.launch(request)
        except LaunchError as exc:
            if self.launcher.kind == "warm":  # try once more, cold
                self._check_launcher()
                try:
                    pid = self.launcher.launch(request)
                except LaunchError as again:
                    self._close(trial, "Failed", error=str(again))
                    return
            else:
                self._close(trial, "Failed", error=str(exc))
                return
        trial.pid, trial.pid_start, trial.started_at, trial.status = pid, start_time(pid), started, "Running"
        with self.store.write() as tx:
            job_index.update_in(tx, trial.name, {"child_pid": pid, "child_start": trial.pid_start, "started_at": started})
            job_index.update_in(tx, trial.name, {"status": "Running"}, only_if=("Preparing",))
        self.say(f"trial {trial.index} started ({self.launcher.kind}, pid {pid})")

    # -- watching trials ---------------------------------------------------------------------------

    def _refresh_rows(self) -> None:
        """Statuses others changed: a person cancelling one trial, reconcile closing one."""
        active = [t for t in self.trials.values() if t.active]
        if not active:
            return
        marks = ",".join("?" * len(active))
        for row in self.store.query(
            f"SELECT name, status, cancel_requested_at FROM jobs WHERE name IN ({marks})", [t.name for t in active]
        ):
            trial = self.trials[row["name"]]
            if row["status"] not in ACTIVE_TRIAL:
                trial.status = row["status"]
                self._release(trial)
            elif row["cancel_requested_at"] is not None and trial.stop_reason is None:
                trial.stop_reason = "Canceled on request."
                self._stop(trial)

    def _check_exits(self) -> None:
        now = time.monotonic()
        for trial in list(self.trials.values()):
            if not trial.running or trial.pid is None:
                continue
            ended = self._status_file(trial, "exit.json")
            if ended is not None and int(ended.get("pid", trial.pid)) == trial.pid:
                self._ended(trial, int(ended["code"]))
                continue
            if is_alive(trial.pid, trial.pid_start):
                trial.gone_since = None
                continue
            if trial.gone_since is None:
                trial.gone_since = now
            elif now - trial.gone_since >= ORPHAN_GRACE:
                self._ended(trial, None)  # reaped by someone else (its worker died): the MLflow run says how it went

    def _ended(self, trial: Trial, code: int | None) -> None:
        self._sync_trial(trial)
        trial.objective = self._history(trial)
        if trial.stop_reason is not None:
            status, error = "Canceled", trial.stop_reason
        elif code == 0:
            status, error = "Completed", None
        elif code is None:
            run_status = self._run_status(trial)
            if run_status == "FINISHED":
                status, error = "Completed", None
            else:
                status, error = "Failed", "The trial's process ended while no one watched it; its exit status is unknown."
        else:
            error = f"The trial's process was killed by {signal_name(-code)}." if code < 0 else f"The command exited with code {code}."
            summary = failure_summary(self.layout.std_log(trial.name))
            status, error = "Failed", f"{error} {summary}" if summary else error
        self._close(trial, status, error=error, exit_code=code)
        if status != "Completed" or self._run_status(trial) == "RUNNING":
            self._end_run(trial, {"Completed": "FINISHED", "Canceled": "KILLED"}.get(status, "FAILED"))
        value = trial.objective[-1] if trial.objective else None
        outcome = f"{self.metric} {value:.6g}" if value is not None else f"no {self.metric} logged"
        self.say(f"trial {trial.index} {status.lower()} ({outcome})" + (f": {error}" if error and status != "Completed" else ""))
        self._update_best()

    def _close(self, trial: Trial, status: str, *, error: str | None = None, exit_code: int | None = None) -> None:
        changes: dict[str, Any] = {"status": status, "ended_at": time.time(), "error": error, "exit_code": exit_code}
        if trial.pruned_at is not None:
            trial.tags[PRUNED_TAG] = str(trial.pruned_at)
            changes["tags"] = json.dumps(trial.tags)
        job_index.update(self.store, trial.name, changes)
        trial.status = status
        trial.error = error
        self._release(trial)

    def _release(self, trial: Trial) -> None:
        if trial.lock is not None:
            trial.lock.release()
            trial.lock = None

    def _stop(self, trial: Trial) -> None:
        """SIGTERM now (to the trial's process group); ``_enforce_limits`` sends SIGKILL after the grace."""
        if trial.status == "Queued" or trial.pid is None:
            self._close(trial, "Canceled", error=(trial.stop_reason or "Canceled.") + " It had not started.")
            return
        changes: dict[str, Any] = {"status": "CancelRequested"}
        if trial.pruned_at is not None:  # kept now, so that a controller taking over knows why it is stopping
            trial.tags[PRUNED_TAG] = str(trial.pruned_at)
            changes["tags"] = json.dumps(trial.tags)
        job_index.update(self.store, trial.name, changes, only_if=("Preparing", "Starting", "Running", "CancelRequested"))
        trial.status = "CancelRequested"
        if trial.term_sent is None and is_alive(trial.pid, trial.pid_start):
            kill_group(trial.pid, signal.SIGTERM)
        trial.term_sent = time.monotonic()

    # -- objective values and the policy ---------------------------------------------------------

    def _reader(self) -> Reader | None:
        if self.reader is None and self.layout.mlflow_db.exists():
            self.reader = open_reader(self.layout)
        return self.reader

    def _find_run(self, trial: Trial) -> str | None:
        if trial.run_id is None and (reader := self._reader()) is not None:
            ref = reader.find_run(trial.name)
            trial.run_id = ref.run_id if ref is not None else None
        return trial.run_id

    def _history(self, trial: Trial) -> tuple[float | None, ...]:
        run_id = self._find_run(trial)
        reader = self._reader()
        if run_id is None or reader is None:
            return trial.objective
        points = reader.histories(run_id, [self.metric]).get(self.metric, [])
        return tuple(p.value for p in points)

    def _run_status(self, trial: Trial) -> str | None:
        run_id = self._find_run(trial)
        reader = self._reader()
        if run_id is None or reader is None:
            return None
        ref = reader.find_run(trial.name)
        return ref.status if ref is not None else None

    def _read_objectives(self) -> None:
        now = time.monotonic()
        if now < self.next_objective:
            return
        self.next_objective = now + OBJECTIVE_INTERVAL
        running = [t for t in self.trials.values() if t.running and t.stop_reason is None]
        for trial in running:
            trial.objective = self._history(trial)
            if now >= trial.next_sync:
                self._sync_trial(trial)
                trial.next_sync = now + METRICS_INTERVAL
        policy = self.settings.early_termination
        if policy is None:
            return
        everyone = [Progress(t.name, t.objective) for t in self.trials.values() if t.objective]
        for trial in running:
            if len(trial.objective) <= trial.judged:
                continue
            stop = first_stop(policy, self.settings.objective, Progress(trial.name, trial.objective), everyone, trial.judged)
            trial.judged = len(trial.objective)
            if stop is not None:
                trial.pruned_at = stop.interval
                trial.stop_reason = f"Stopped early by the {stop.reason}."
                self.say(f"trial {trial.index} stopped early: {stop.reason}")
                self._stop(trial)

    def _sync_trial(self, trial: Trial) -> None:
        """Copy the trial's latest metrics and params into the index (what listings and ``best`` read)."""
        reader = self._reader()
        run_id = self._find_run(trial)
        if reader is None or run_id is None:
            return
        try:
            ref = reader.find_run(trial.name)
            job_index.replace_run_data(
                self.store, trial.name, trial.seq, reader.latest_metrics(run_id), reader.params(run_id),
                {"mlflow_run_id": run_id, "mlflow_experiment_id": ref.experiment_id if ref else None},
            )
        except Exception as exc:  # metrics are a view; never fail the sweep over them
            log_line("controller", f"could not copy the metrics of {trial.name}: {type(exc).__name__}: {exc}")

    # -- limits and cancellation -------------------------------------------------------------------

    def _stopping_sentence(self) -> str:
        limits = self.settings.limits
        return {
            "canceled": "Canceled with its sweep.",
            "timeout": f"Canceled: the sweep reached its timeout of {limits.timeout} s.",
            "failures": "Canceled: the sweep stopped after its first trials failed.",
        }.get(self.stopping or "", "Canceled.")

    def _enforce_limits(self) -> None:
        limits = self.settings.limits
        if self.stopping is None and self.cancel_requested():
            self.stopping = "canceled"
            self.say("cancel requested: stopping every trial")
        elif self.stopping is None and limits.timeout is not None and time.time() - self.started_at >= limits.timeout:
            self.stopping = "timeout"
            self.say(f"the sweep reached its timeout of {limits.timeout} s: stopping the running trials")
        now = time.monotonic()
        for trial in self.trials.values():
            if not trial.active:
                continue
            if self.stopping in ("canceled", "timeout") and trial.stop_reason is None:
                trial.stop_reason = self._stopping_sentence()
                self._stop(trial)
            elif (limits.trial_timeout is not None and trial.stop_reason is None and trial.started_at is not None
                  and time.time() - trial.started_at >= limits.trial_timeout):
                trial.stop_reason = f"Canceled: the trial ran longer than its trial_timeout of {limits.trial_timeout} s."
                self.say(f"trial {trial.index} reached the trial timeout of {limits.trial_timeout} s")
                self._stop(trial)
            if trial.term_sent is not None and not trial.kill_sent and trial.pid is not None:
                if now - trial.term_sent >= float(self.row["cancel_grace"]):
                    kill_group(trial.pid, signal.SIGKILL)
                    trial.kill_sent = True

    # -- the best trial and the parent run -------------------------------------------------------

    def _update_best(self) -> None:
        objective = self.settings.objective
        best: tuple[str, float] | None = None
        for trial in self.trials.values():
            value = trial.objective[-1] if trial.objective else None
            if trial.status != "Completed" or value is None:
                continue
            if best is None or objective.better(value, best[1]):
                best = (trial.name, value)
        if best is None or best == self.best:
            return
        self.best = best
        row = job_index.get_row(self.store, self.name)
        tags = {**json.loads(row["tags"]), BEST_TRIAL_TAG: best[0], BEST_VALUE_TAG: repr(best[1])}
        job_index.update(self.store, self.name, {"tags": json.dumps(tags)})
        self.say(f"best so far: {best[0]} with {self.metric} {best[1]:.6g}")

    def _ensure_parent_run(self) -> None:
        """The sweep's own MLflow run, parent of the trials' runs (created once, by whichever controller is first)."""
        if self.run_id is not None or self.launcher is None or not self.launcher.ready():
            return
        params = {f"search_space.{n}": describe(e) for n, e in self.settings.search_space.items()}
        params.update(objective=f"{self.settings.objective.goal} {self.metric}", sampling=self.settings.sampling_algorithm.type)
        try:
            result = self.launcher.task(
                "start_run",
                {"experiment": self.plan.experiment, "tags": {JOB_TAG: self.name, "mlflow.runName": self.name}, "params": params,
                 "artifact_root": str(self.layout.artifacts_dir), "lock_path": str(self.layout.locks_dir / "mlflow-experiments.lock")},
                wait=True,
            )
        except LaunchError as exc:
            self.say(f"the sweep's MLflow run could not be created ({exc}); trials are tracked on their own")
            self.run_id = ""
            prepare_experiment(self.layout, self.plan.experiment)
            return
        assert result is not None
        self.run_id = result["run_id"]
        job_index.update(self.store, self.name, {"mlflow_run_id": self.run_id, "mlflow_experiment_id": result["experiment_id"]})

    def _end_run(self, trial: Trial, status: str) -> None:
        """Close a trial's MLflow run its process could not close (killed, crashed)."""
        run_id = self._find_run(trial)
        if run_id is None or self.launcher is None:
            return
        try:
            self.launcher.task("end_run", {"run_id": run_id, "status": status, "only_if_running": True}, wait=False)
        except LaunchError as exc:
            log_line("controller", f"could not end the MLflow run of {trial.name}: {exc}")

    def _finish(self) -> None:
        trials = list(self.trials.values())
        completed = [t for t in trials if t.status == "Completed"]
        if self.stopping == "canceled":
            status, error = "Canceled", "Canceled on request."
            if self.stop_signal is not None:
                error = f"Canceled: the controller received {signal_name(self.stop_signal)}."
        elif self.best is not None:
            status, error = "Completed", None
        elif completed:
            logged = sorted({k for t in completed for k in self._metric_keys(t)})
            status, error = "Failed", (
                f"No trial logged the objective metric {self.metric!r}"
                + (f"; they logged {', '.join(logged)}" if logged else "; they logged no metrics")
                + ". The objective must be the exact name the code passes to mlflow.log_metric."
            )
        elif self.stopping == "timeout":
            status, error = "Failed", f"The sweep reached its timeout of {self.settings.limits.timeout} s before any trial completed."
        else:
            first = next((t.error for t in trials if t.error), None)
            status, error = "Failed", f"All {len(trials)} trial(s) failed" + (f"; the first: {first}" if first else ".")
        if self.run_id and self.launcher is not None:
            metrics = {f"best_{self.metric}": self.best[1]} if self.best else {}
            tags = {BEST_TRIAL_TAG: self.best[0]} if self.best else {}
            try:
                self.launcher.task(
                    "end_run",
                    {"run_id": self.run_id, "status": {"Completed": "FINISHED", "Canceled": "KILLED"}.get(status, "FAILED"),
                     "metrics": metrics, "tags": tags},
                    wait=True,
                )
            except LaunchError as exc:
                log_line("controller", f"could not end the sweep's MLflow run: {exc}")
            self._sync_own_run()
        job_index.update(self.store, self.name, {"status": status, "error": error, "ended_at": time.time()})
        counts: dict[str, int] = {}
        for trial in trials:
            counts[trial.status] = counts.get(trial.status, 0) + 1
        summary = ", ".join(f"{n} {s.lower()}" for s, n in sorted(counts.items()))
        pruned = sum(1 for t in trials if t.pruned_at is not None)
        self.say(
            f"sweep {status.lower()}: {len(trials)} trial(s) ({summary}{f'; {pruned} stopped early' if pruned else ''})"
            + (f"; best {self.best[0]} with {self.metric} {self.best[1]:.6g}" if self.best else "")
            + (f". {error}" if error else "")
        )

    def _metric_keys(self, trial: Trial) -> list[str]:
        return [r[0] for r in self.store.query("SELECT key FROM job_metrics WHERE job_seq = ?", (trial.seq,))]

    def _sync_own_run(self) -> None:
        reader = self._reader()
        if reader is None or not self.run_id:
            return
        try:
            job_index.replace_run_data(
                self.store, self.name, self.row["seq"], reader.latest_metrics(self.run_id), reader.params(self.run_id),
                {"mlflow_run_id": self.run_id},
            )
        except Exception as exc:
            log_line("controller", f"could not copy the sweep's metrics: {type(exc).__name__}: {exc}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run one amlx local sweep (started by LocalBackend.submit_sweep).")
    parser.add_argument("workspace", type=Path)
    parser.add_argument("sweep")
    args = parser.parse_args(argv)
    return SweepController(Layout(args.workspace.resolve()), args.sweep).run()


if __name__ == "__main__":
    sys.exit(main())
