"""The detached process that owns one local job from Queued to a final status.

Run as ``python -m amlx_lab.backends.local.supervisor <workspace> <job name>``
in its own session, so the death of whoever submitted (Jupyter server, magic,
CLI) does not touch it. It:

1. takes the job's lock file (its liveness signal, see ``reconcile.py``);
2. waits for its turn (jobs take slots in submission order, ``slots.py``), or
   gives up if the job is canceled;
3. at the head of the queue, makes sure the MLflow store and the experiment
   exist (``tracking.py``; the first job of an experiment pays 2-3 s for it, in
   a short-lived helper), then takes a compute slot;
4. starts the command in the job's code folder, in a new process group, with
   stdout and stderr going straight into ``logs/std_log.txt`` (so output
   survives even this process), MLflow pointed at the workspace store, and
   ``AMLX_SYSTEM_LOG`` naming ``logs/system_log.txt`` (where a job package's
   runtime puts MLflow's own messages);
5. every ``METRICS_INTERVAL`` seconds copies the run's latest metrics and
   params into the index, and watches for a cancel request (SIGTERM to the
   process group, SIGKILL after the grace period);
6. records the exit code and the final status.

Linking the job to its MLflow run: the child gets ``MLFLOW_RUN_CONTEXT`` with
the tag ``amlx.job_name=<job>`` (and ``mlflow.runName=<job>``), which MLflow
adds to every run the script starts; the supervisor finds the run by that tag.
Creating the run up front (``MLFLOW_RUN_ID``) would need ``import mlflow``
here, 1.5-2 s of CPU before every job.
"""

from __future__ import annotations

import argparse
import json
import os
import select
import signal
import subprocess
import sys
import time
import traceback
from pathlib import Path
from typing import Any

from .job_index import ACTIVE, get_row, replace_run_data, update, update_in
from .layout import Layout
from .procs import FileLock, kill_group, log_line, signal_name, start_time
from .reconcile import reconcile
from .slots import Slots
from .store import Store
from .tracking import JOB_TAG, Reader, RunRef, open_reader, prepare_experiment, terminate_run

METRICS_INTERVAL = 2.0  # seconds between copies of the run's metrics into the index
POLL = 0.2  # seconds between checks for exit and cancel requests

# Variables of the submitting process that must not leak into a job: the
# notebook's inline plotting backend breaks matplotlib in a script, and MLflow
# settings would point the job at another store or run.
_DROP_PREFIXES = ("JPY_", "MLFLOW_RUN_", "MLFLOW_EXPERIMENT_", "JUPYTER_TOKEN")
_DROP = {"MPLBACKEND", "MLFLOW_TRACKING_URI", "MLFLOW_REGISTRY_URI", "PYDEVD_USE_FRAME_EVAL"}


def job_environment(layout: Layout, name: str, experiment: str, base: dict[str, str]) -> dict[str, str]:
    """The environment of the job's process: ours minus notebook/MLflow leftovers, plus MLflow's pointers."""
    env = {k: v for k, v in base.items() if k not in _DROP and not k.startswith(_DROP_PREFIXES)}
    env.update(
        MLFLOW_TRACKING_URI=layout.mlflow_uri,
        MLFLOW_EXPERIMENT_NAME=experiment,
        MLFLOW_RUN_CONTEXT=json.dumps({JOB_TAG: name, "mlflow.runName": name}),
        PYTHONUNBUFFERED="1",  # lines reach std_log.txt as they are printed
        PYTHONDONTWRITEBYTECODE="1",  # the code folder is the job's snapshot: no __pycache__ appears in it
        AMLX_JOB_NAME=name,
        AMLX_SYSTEM_LOG=str(layout.system_log(name)),  # MLflow's messages, kept out of std_log.txt
    )
    return env


def failure_summary(log_path: Path) -> str | None:
    """The exception of the last Python traceback in the log, and the notebook cell it was raised in.

    A job package's runtime writes main.py's frames as ``cell 5, line 3, in ...``
    (``notebook/runtime/cells.py``); the innermost such frame, with its source
    line, names where the user's code failed: ``ZeroDivisionError: division by
    zero (cell 5, line 3: print(1 / x))``. Other commands give the exception alone.
    """
    try:
        with open(log_path, "rb") as handle:
            handle.seek(max(0, handle.seek(0, os.SEEK_END) - 32768))
            lines = handle.read().decode("utf-8", errors="replace").splitlines()
    except OSError:
        return None
    starts = [i for i, line in enumerate(lines) if line.startswith("Traceback (most recent call last)")]
    if not starts:
        return None
    block = lines[starts[-1] + 1 :]
    end = next((i for i, line in enumerate(block) if line.strip() and not line.startswith((" ", "\t"))), None)
    if end is None:
        return None
    summary = block[end]
    from ...notebook.runtime.cells import CELL_FRAME  # lazy: only a failed job needs it

    places = [(i, m.group(1)) for i, line in enumerate(block[:end]) if (m := CELL_FRAME.match(line))]
    if places:
        i, where = places[-1]
        source = block[i + 1].strip() if i + 1 < end and block[i + 1].startswith("    ") else ""
        summary += f" ({where}: {source})" if source else f" ({where})"
    return summary[:500]


class PreparationFailed(Exception):
    """The MLflow store or experiment could not be made; the message is the job's error."""


class ExitWatch:
    """Waits for a child to exit *without reaping it* (so its PID stays ours meanwhile).

    Uses a pidfd where the kernel has them (the wait returns the moment the
    child exits), else polls ``waitid(WNOWAIT)``.
    """

    def __init__(self, pid: int) -> None:
        self.pid = pid
        try:
            self.fd: int | None = os.pidfd_open(pid)
        except (AttributeError, OSError):
            self.fd = None

    def wait(self, timeout: float) -> bool:
        """``True`` once the child has exited; otherwise after ``timeout`` seconds, ``False``."""
        if self.fd is not None:
            ready, _, _ = select.select([self.fd], [], [], timeout)
            return bool(ready)
        deadline = time.monotonic() + timeout
        while True:
            if os.waitid(os.P_PID, self.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None:
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(min(0.02, timeout))

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


class Supervisor:
    """One job's lifecycle; see the module doc."""

    def __init__(self, layout: Layout, name: str) -> None:
        self.layout = layout
        self.name = name
        self.store = Store(layout.index_db)
        self.stop_signal: int | None = None
        self.reader: Reader | None = None
        self.run_ref: RunRef | None = None
        self.row: Any = None  # the job's row as the supervisor first read it

    # -- helpers -------------------------------------------------------------------

    def log(self, message: str) -> None:
        log_line("supervisor", message)

    def _on_signal(self, signum: int, _frame: Any) -> None:
        self.stop_signal = signum

    def cancel_requested(self) -> bool:
        if self.stop_signal is not None:
            return True
        rows = self.store.query("SELECT cancel_requested_at FROM jobs WHERE name = ?", (self.name,))
        return bool(rows) and rows[0][0] is not None

    def finish(
        self, status: str, *, error: str | None = None, exit_code: int | None = None, ended_at: float | None = None
    ) -> None:
        changes = {"status": status, "ended_at": ended_at or time.time(), "error": error, "exit_code": exit_code}
        if not update(self.store, self.name, changes, only_if=ACTIVE):
            self.log("the job was already final; status left unchanged")
        else:
            self.log(f"final status {status}" + (f": {error}" if error else ""))

    def cancel_reason(self) -> str:
        if self.stop_signal is not None:
            return f"Canceled: the supervisor received {signal_name(self.stop_signal)}."
        return "Canceled on request."

    # -- metrics -------------------------------------------------------------------

    def sync_metrics(self, seq: int) -> None:
        """Copy the run's latest metrics and params into the index (no-op until the run exists)."""
        try:
            if self.reader is None:
                if not self.layout.mlflow_db.exists():
                    return
                self.reader = open_reader(self.layout)
            ref = self.reader.find_run(self.name)
            if ref is None:
                return
            self.run_ref = ref
            replace_run_data(
                self.store,
                self.name,
                seq,
                self.reader.latest_metrics(ref.run_id),
                self.reader.params(ref.run_id),
                {"mlflow_run_id": ref.run_id, "mlflow_experiment_id": ref.experiment_id},
            )
            if self.row is not None and self.row["type"] == "automl":
                from .automl_trials import mirror_trials

                mirror_trials(self.store, self.layout, self.row, self.reader)
        except Exception as exc:  # metrics are a view; never fail the job over them
            self.log(f"could not copy metrics: {type(exc).__name__}: {exc}")

    # -- lifecycle -----------------------------------------------------------------

    def run(self) -> int:
        lock = FileLock(self.layout.supervisor_lock(self.name))
        if not lock.acquire(blocking=False):
            self.log("another supervisor already owns this job; exiting")
            return 0
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(sig, self._on_signal)
        try:
            return self._run()
        except Exception as exc:
            self.log("unexpected error:\n" + traceback.format_exc())
            self.finish("Failed", error=f"The supervisor failed: {type(exc).__name__}: {exc}")
            return 1
        finally:
            if self.reader is not None:
                self.reader.close()
            lock.release()

    def _run(self) -> int:
        me = os.getpid()
        update(self.store, self.name, {"supervisor_pid": me, "supervisor_start": start_time(me)})
        row = self.row = get_row(self.store, self.name)
        if row["status"] not in ACTIVE:
            self.log(f"job is already {row['status']}; nothing to do")
            return 0
        seq = row["seq"]
        self.log(f"job {self.name} waiting for one of {row['compute_slots']} '{row['compute']}' slot(s)")

        slots = Slots(self.layout, row["compute"], row["compute_slots"])
        try:
            got = slots.wait(
                jobs_ahead=lambda: self.store.query(
                    "SELECT COUNT(*) FROM jobs WHERE status = 'Queued' AND compute = ? AND seq < ?",
                    (row["compute"], seq),
                )[0][0],
                give_up=self.cancel_requested,
                on_stuck=lambda: reconcile(self.store, self.layout, queued_before=seq),
                at_head=lambda: self._prepare(row["experiment"]),
            )
        except PreparationFailed as exc:
            self.finish("Failed", error=str(exc))
            return 1
        if got is None:
            self.finish("Canceled", error=self.cancel_reason() + " It had not started.")
            return 0
        slot, slot_lock = got
        try:
            return self._run_in_slot(row, slot, slot_lock)
        finally:
            slot_lock.release()

    def _prepare(self, experiment: str) -> None:
        """The MLflow store and the job's experiment, made to exist before the job takes a slot."""
        self.log("next in the queue; preparing the MLflow store")
        try:
            prepare_experiment(self.layout, experiment)
        except Exception as exc:
            self.log("MLflow preparation failed:\n" + traceback.format_exc())
            raise PreparationFailed(f"Could not prepare the MLflow tracking store: {type(exc).__name__}: {exc}") from exc

    def _run_in_slot(self, row: Any, slot: int, slot_lock: FileLock) -> int:
        seq = row["seq"]
        if not update(self.store, self.name, {"status": "Preparing", "slot": slot}, only_if=("Queued",)):
            self.finish("Canceled", error=self.cancel_reason() + " It had not started.")
            return 0
        self.log(f"got slot {slot}")
        if self.cancel_requested():
            self.finish("Canceled", error=self.cancel_reason() + " It had not started.")
            return 0

        argv = json.loads(row["command"])
        env = job_environment(self.layout, self.name, row["experiment"], dict(os.environ))
        log_path = self.layout.std_log(self.name)
        started = time.time()
        with open(log_path, "ab", buffering=0) as log:
            try:
                child = subprocess.Popen(
                    argv,
                    cwd=self.layout.code_dir(self.name),
                    env=env,
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,  # its own process group: cancel reaches its children too
                    pass_fds=(slot_lock.fd,) if slot_lock.fd is not None else (),
                    close_fds=True,
                )
            except OSError as exc:
                message = f"Could not start {argv[0]!r}: {exc.strerror or exc}."
                log.write(f"[amlx] {message}\n".encode())
                self.finish("Failed", error=message)
                return 1
        self.log(f"started pid {child.pid}: {' '.join(argv)}")
        with self.store.write() as tx:
            update_in(
                tx,
                self.name,
                {"child_pid": child.pid, "child_start": start_time(child.pid), "started_at": started},
            )
            update_in(tx, self.name, {"status": "Running"}, only_if=("Preparing",))

        exit_code, canceled = self._watch(child, row["cancel_grace"], seq)
        ended = time.time()  # the job's run ends here and its slot is free from now on, before metrics are synced
        slot_lock.release()
        update(self.store, self.name, {"status": "Finalizing"}, only_if=("Running",))
        self.sync_metrics(seq)

        if canceled:
            self.finish("Canceled", error=self.cancel_reason(), exit_code=exit_code, ended_at=ended)
            run_status = "KILLED"
        elif exit_code == 0:
            self.finish("Completed", exit_code=0, ended_at=ended)
            run_status = "FINISHED"
        else:
            if exit_code < 0:
                error = f"The job's process was killed by {signal_name(-exit_code)}."
            else:
                error = f"The command exited with code {exit_code}."
            summary = failure_summary(log_path)
            self.finish("Failed", error=f"{error} {summary}" if summary else error, exit_code=exit_code, ended_at=ended)
            run_status = "FAILED"
        self._close_run(run_status)
        return 0

    def _watch(self, child: subprocess.Popen[bytes], grace: float, seq: int) -> tuple[int, bool]:
        """Wait for the child, copying metrics and honouring cancel; returns (exit code, canceled).

        The child is reaped only after its process group got SIGKILL: until it
        is reaped its PID (= the group id) cannot be reused, so the signal can
        never reach an unrelated group.
        """
        exited = ExitWatch(child.pid)
        next_sync = time.monotonic() + METRICS_INTERVAL
        term_sent: float | None = None
        kill_sent = False
        try:
            while not exited.wait(POLL):
                now = time.monotonic()
                if term_sent is None and self.cancel_requested():
                    self.log(f"cancel requested: SIGTERM to process group {child.pid}")
                    kill_group(child.pid, signal.SIGTERM)
                    term_sent = now
                elif term_sent is not None and not kill_sent and now - term_sent >= grace:
                    self.log(f"still running after {grace:g} s: SIGKILL to process group {child.pid}")
                    kill_group(child.pid, signal.SIGKILL)
                    kill_sent = True
                if now >= next_sync:
                    self.sync_metrics(seq)
                    next_sync = now + METRICS_INTERVAL
        finally:
            exited.close()
        kill_group(child.pid, signal.SIGKILL)  # whatever the job left behind goes with it
        return child.wait(), term_sent is not None

    def _close_run(self, status: str) -> None:
        """End the MLflow run if the job could not (killed, crashed); MLflow would show it running forever."""
        if self.reader is None:
            return
        try:
            ref = self.reader.find_run(self.name)
            if ref is not None and ref.status == "RUNNING":
                terminate_run(self.layout, ref.run_id, status)
                self.log(f"marked MLflow run {ref.run_id} {status}")
        except Exception as exc:
            self.log(f"could not end the MLflow run: {type(exc).__name__}: {exc}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Supervise one amlx local job (started by LocalBackend.submit).")
    parser.add_argument("workspace", type=Path)
    parser.add_argument("job")
    args = parser.parse_args(argv)
    return Supervisor(Layout(args.workspace.resolve()), args.job).run()


if __name__ == "__main__":
    sys.exit(main())
