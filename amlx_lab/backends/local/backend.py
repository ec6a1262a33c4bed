"""Local target: everything lives in one workspace folder on this machine.

``LocalBackend`` only composes the pieces (see ``layout.py`` for the folder,
``store.py`` for the index, ``jobs.py`` for submit, ``supervisor.py`` for
running, ``listing.py`` for reads, ``data_assets.py`` for data, ``models.py``
for the model registry, ``endpoints.py`` for online endpoints). Nothing here
imports MLflow at import time, and only ``metric_history`` may import it at
all (as a fallback when the store's tables are not the expected shape).
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from ...errors import ConflictError, NotFoundError, ValidationError
from ...names import check_job_name
from ...records import (
    AutoMLDetails,
    CodePackage,
    ComputeTarget,
    DataAsset,
    Deployment,
    Endpoint,
    EndpointKeys,
    ExperimentSummary,
    FileEntry,
    Health,
    HealthState,
    InstanceType,
    InvokeResult,
    Job,
    JobChanges,
    JobPage,
    JobStatus,
    JobType,
    LogChunk,
    LogKind,
    MetricPoint,
    ModelCandidate,
    ModelSummary,
    ModelVersion,
    SweepDetails,
    TargetTraits,
)
from ...specs import JOB_SORT_COLUMNS, AutoMLJobSpec, CommandJobSpec, JobQuery, LabelUpdate, SweepJobSpec
from ..base import AutoMLOps, ComputeOps, DataOps, EndpointOps, JobOps, ModelOps, SweepOps
from . import automl, files, interactive, job_index, listing, run_manage, sweeps
from .data_assets import DataAssets
from .endpoint_index import check_name
from .endpoints import Endpoints
from .jobs import COMPUTE, Submitter
from .layout import Layout
from .model_registry import ModelRegistry
from .procs import spawn_detached
from .reconcile import reconcile, supervisor_alive
from .store import Store
from .model_sources import local_path
from .tracking import RunReader, TrackingError, keep_artifacts_in_workspace, open_reader
from ...i18n import N_, _, _n

DEFAULT_CANCEL_GRACE = 10.0
DEFAULT_LOG_CHUNK = 64 * 1024
ENDPOINT_RECONCILE_EVERY = 2.0  # reads bring a lost deployment back within this (a query and a flock probe each)
INTERACTIVE_EVERY = 2.0  # reads bring a notebook's own MLflow runs up to date within this (see interactive.py)


class LocalBackend:
    """The default target; needs no account and no network."""

    name = "local"
    label = N_("Local workspace")

    def __init__(
        self,
        root: Path,
        *,
        compute_slots: int,
        cancel_grace: float = DEFAULT_CANCEL_GRACE,
        reconcile_every: float = 5.0,
        interactive_every: float = INTERACTIVE_EVERY,
    ) -> None:
        self.root = Path(root)
        self.layout = Layout(self.root)
        self.compute_slots = compute_slots
        self.cancel_grace = cancel_grace
        self.reconcile_every = reconcile_every
        self.interactive_every = interactive_every
        self._store: Store | None = None
        self._lock = threading.Lock()
        self._last_reconcile = 0.0
        self._last_endpoint_reconcile = 0.0
        self._last_interactive = float("-inf")
        self._interactive_lock = threading.Lock()
        self._run_reader: RunReader | None = None

    # -- plumbing --------------------------------------------------------------------

    @property
    def store(self) -> Store:
        """The index, opened (and created, in a few ms) on first use."""
        with self._lock:
            if self._store is None:
                self._store = Store(self.layout.index_db)
            return self._store

    @property
    def data(self) -> DataAssets:
        return DataAssets(self.store, self.layout)

    @property
    def models(self) -> ModelRegistry:
        return ModelRegistry(self.store, self.layout)

    @property
    def endpoints(self) -> Endpoints:
        return Endpoints(self.store, self.layout, self.models)

    def _maybe_reconcile(self) -> None:
        """Reads notice dead supervisors on their own, at most every ``reconcile_every`` seconds,
        and a notebook's own MLflow runs at most every ``interactive_every`` seconds."""
        if time.monotonic() - self._last_reconcile >= self.reconcile_every:
            self.reconcile()
        if time.monotonic() - self._last_interactive >= self.interactive_every:
            self.sync_interactive_runs()

    def location(self) -> str:
        return str(self.root)

    def traits(self) -> TargetTraits:
        return TargetTraits(
            compute_targets=(COMPUTE,),
            default_compute=COMPUTE,
            live_updates="long-poll",
            sort_keys=(*JOB_SORT_COLUMNS, "metrics.*"),
        )

    def on_server_start(self) -> None:
        """Build the MLflow store ahead of the first job, and bring back deployments a restart stopped."""
        self.prepare_tracking()
        self.reconcile_endpoints()

    def health(self) -> Health:
        """Usable when the folder exists (it is created here), is writable and its index opens."""
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            return Health(HealthState.ERROR, _("Cannot create the workspace folder {folder}: {reason}.").format(
                folder=self.root, reason=exc.strerror))
        if not os.access(self.root, os.W_OK | os.X_OK):
            return Health(HealthState.ERROR, _("The workspace folder {folder} is not writable.").format(folder=self.root))
        try:
            _store = self.store  # opening it migrates and checks the schema
        except Exception as exc:  # a newer schema, a corrupt file: say so in the header
            message = getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}"
            return Health(HealthState.ERROR, _("Cannot open the workspace index: {message}").format(message=message))
        note = automl.engine_note()
        ready = _n("Local workspace ready with {count} compute slot.", "Local workspace ready with {count} compute slots.",
                   self.compute_slots).format(count=self.compute_slots)
        return Health(HealthState.OK, f"{ready} {note}" if note else ready)

    def close(self) -> None:
        with self._interactive_lock:
            if self._run_reader is not None:
                self._run_reader.close()
                self._run_reader = None
        with self._lock:
            if self._store is not None:
                self._store.close()
                self._store = None

    def prepare_tracking(self) -> bool:
        """Build the MLflow store in the background if it is missing (``True`` if a build was started).

        Call it when a server starts so the first job does not wait for the
        store (a few seconds the very first time on a machine). Costs this
        process nothing: the work happens in a detached process. An existing
        store gets back the trigger that keeps kernel-made experiments' artifacts
        in the workspace, should an MLflow migration have dropped it.
        """
        if self.layout.mlflow_db.exists():
            keep_artifacts_in_workspace(self.layout)
            return False
        self.layout.logs_root.mkdir(parents=True, exist_ok=True)
        spawn_detached(
            [sys.executable, "-m", "amlx_lab.backends.local.tracking", str(self.root)],
            log=self.layout.logs_root / "prepare-tracking.txt",
            cwd=self.root,
        )
        return True

    def tracking_uri(self) -> str:
        """The MLflow tracking URI of this workspace (for ``mlflow ui`` or ``mlflow.search_runs``)."""
        return self.layout.mlflow_uri

    # -- jobs: write side --------------------------------------------------------------

    def _submitter(self) -> Submitter:
        return Submitter(self.store, self.layout, self.data, compute_slots=self.compute_slots, cancel_grace=self.cancel_grace)

    def submit(self, spec: CommandJobSpec) -> Job:
        """Record the job and start its supervisor; returns at once with status Queued."""
        return self._submitter().submit(spec)

    def validate_job(self, spec: CommandJobSpec) -> None:
        """What ``submit`` refuses (compute, interpreter, inputs, command placeholders), without starting anything."""
        self._submitter().check(spec)

    # -- sweeps ----------------------------------------------------------------------------

    def submit_sweep(self, spec: SweepJobSpec) -> Job:
        """Record the sweep and start its controller (``sweep_controller.py``); returns at once with status Queued."""
        return sweeps.submit_sweep(self._submitter(), spec)

    def sweep_details(self, name: str) -> SweepDetails:
        self._maybe_reconcile()
        return sweeps.sweep_details(self.store, self.layout, name)

    def submit_automl(self, spec: AutoMLJobSpec) -> Job:
        """Record the AutoML job and start its supervisor (see ``automl.py``); returns at once with status Queued."""
        submitter = Submitter(
            self.store, self.layout, self.data, compute_slots=self.compute_slots, cancel_grace=self.cancel_grace
        )
        return automl.submit_automl(submitter, self.data, spec)

    def automl_details(self, name: str) -> AutoMLDetails:
        """The AutoML job's settings, leaderboard, best trial, best model and charts, as far as it got."""
        self._maybe_reconcile()
        return automl.automl_details(self.store, self.layout, name)

    def cancel(self, name: str) -> Job:
        """Ask the job to stop (SIGTERM, then SIGKILL after the grace period); returns it as CancelRequested.

        A queued job is canceled before it starts. A finished job, or a notebook's own run, is a conflict.
        """
        check_job_name(name)
        self._maybe_reconcile()
        row = job_index.get_row(self.store, name)
        if interactive.is_interactive(row):
            raise ConflictError(
                _("{name} is an interactive MLflow run (a notebook's own mlflow.start_run()), not a job amlx "
                  "runs: end it where it runs, with mlflow.end_run().").format(
                    name=name),
                details={"job": name, "type": "interactive"},
            )
        cancellable = [s for s in job_index.ACTIVE if s != JobStatus.CANCEL_REQUESTED.value]
        changed = job_index.update(
            self.store, name, {"status": "CancelRequested", "cancel_requested_at": time.time()}, only_if=cancellable
        )
        if not changed:
            row = job_index.get_row(self.store, name)
            if row["status"] != JobStatus.CANCEL_REQUESTED.value:
                raise ConflictError(
                    _("Job {name} is already {value}; only queued or running jobs can be canceled.").format(name=name, value=row['status']),
                    details={"job": name, "status": row["status"]},
                )
        if not supervisor_alive(self.layout, row):
            self.reconcile()  # nobody would act on the request: close it now
        return self.get_job(name)

    # -- managing runs ----------------------------------------------------------------

    def update_job(self, name: str, update: LabelUpdate) -> Job:
        check_job_name(name)
        run_manage.update_labels(self.store, name, update)
        return self.get_job(name)

    def archive_job(self, name: str) -> Job:
        check_job_name(name)
        run_manage.set_archived(self.store, name, True)
        return self.get_job(name)

    def restore_job(self, name: str) -> Job:
        check_job_name(name)
        run_manage.set_archived(self.store, name, False)
        return self.get_job(name)

    def delete_job(self, name: str) -> None:
        check_job_name(name)
        self._maybe_reconcile()
        run_manage.delete(self.store, self.layout, name)

    def reconcile(self) -> tuple[str, ...]:
        """Mark active jobs whose supervisor is gone as Failed (or Canceled if that was asked); returns their names."""
        self._last_reconcile = time.monotonic()
        return tuple(reconcile(self.store, self.layout))

    def sync_interactive_runs(self) -> int:
        """Mirror MLflow runs no job made (a notebook's own runs) into the index; returns the rows changed.

        Reads MLflow's tables only (no MLflow import). Until the store exists, or
        if its tables are not the expected shape, there is nothing to mirror.
        """
        with self._interactive_lock:
            self._last_interactive = time.monotonic()
            if self._run_reader is None:
                if not self.layout.mlflow_db.exists():
                    return 0
                try:
                    self._run_reader = RunReader(self.layout)
                except TrackingError:
                    return 0
            return interactive.sync(self.store, self._run_reader)

    def seed_completed_jobs(self, experiment: str, runs: Iterable[Mapping[str, Any]]) -> int:
        """Bulk-create finished jobs with MLflow runs (benchmarks, demos); see ``seeding.py``."""
        from .seeding import seed_completed_jobs

        return seed_completed_jobs(self.store, self.layout, experiment, runs)

    # -- jobs: read side -----------------------------------------------------------------

    def get_job(self, name: str) -> Job:
        check_job_name(name)
        self._maybe_reconcile()
        return job_index.get_job(self.store, name)

    def list_jobs(self, query: JobQuery) -> JobPage:
        """A page of jobs (newest first by default); sort by a column or ``metrics.<key>``."""
        self._maybe_reconcile()
        return listing.list_jobs(self.store, query)

    def changes(self, cursor: str | None) -> JobChanges:
        """Jobs changed after ``cursor`` (the index's revision counter, written as ``r<N>``)."""
        if cursor is None:
            return JobChanges(jobs=(), cursor=f"r{self.store.revision()}")
        if not isinstance(cursor, str) or not cursor.startswith("r") or not cursor[1:].isdigit() or len(cursor) > 20:
            raise ValidationError(_("The cursor is not one this server handed out (omit it to start)."), field="cursor")
        self._maybe_reconcile()
        jobs, latest, more = job_index.changes_since(self.store, int(cursor[1:]))
        return JobChanges(jobs=tuple(jobs), cursor=f"r{latest}", more=more)

    def wait(self, name: str, timeout: float | None = None, *, poll: float = 0.1) -> Job:
        """The job once it is finished, or as it is when ``timeout`` seconds have passed (tests, benchmarks)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            job = self.get_job(name)
            if job.status.terminal or (deadline is not None and time.monotonic() >= deadline):
                return job
            time.sleep(poll)

    def metric_histories(self, name: str, keys: Sequence[str] | None = None) -> dict[str, tuple[MetricPoint, ...]]:
        """Every logged value of each metric (``None``: all the run logged), by step; read in one store visit."""
        job = self.get_job(name)
        if keys is not None and any(not isinstance(k, str) or not k for k in keys):
            raise ValidationError(_("Name each metric."), field="key")
        wanted = None if keys is None else list(dict.fromkeys(keys))
        empty: dict[str, tuple[MetricPoint, ...]] = {k: () for k in wanted or ()}
        if not self.layout.mlflow_db.exists():
            return empty
        reader = open_reader(self.layout)
        try:
            run_id = job.mlflow_run_id
            if run_id is None:
                found = reader.find_run(name)
                if found is None:
                    return empty
                run_id = found.run_id
            return {
                key: tuple(MetricPoint(key=p.key, value=p.value, step=p.step, timestamp=p.timestamp / 1000) for p in points)
                for key, points in reader.histories(run_id, wanted).items()
            }
        finally:
            reader.close()

    def logs(self, name: str, offset: str | None = None, limit_bytes: int = DEFAULT_LOG_CHUNK, log: LogKind = "user") -> LogChunk:
        """Part of the job's ``std_log.txt`` (or ``system_log.txt``) from ``offset`` (a byte position as text; ``-N``: from the end).

        An interactive run has no log: an empty, complete one (its output is in its notebook).
        """
        if log not in ("user", "system"):
            raise ValidationError(f"log must be 'user' or 'system', not {log!r}.", field="log")
        job = self.get_job(name)
        finished = job.status.terminal or job.type is JobType.INTERACTIVE
        path = self.layout.std_log(name) if log == "user" else self.layout.system_log(name)
        return files.read_log(path, offset, limit_bytes, finished=finished)

    def _outputs_dir(self, job: Job) -> Path | None:
        """The job's ``outputs`` folder; for an interactive run, its MLflow artifacts when they are local."""
        if job.type is not JobType.INTERACTIVE:
            return self.layout.outputs_dir(job.name)
        with self._interactive_lock:
            reader = self._run_reader
            runs = reader.run_summaries([job.mlflow_run_id]) if reader is not None and job.mlflow_run_id else {}
        run = runs.get(job.mlflow_run_id or "")
        return local_path(run.artifact_uri) if run is not None else None

    def list_outputs(self, name: str) -> tuple[FileEntry, ...]:
        """Files the job wrote under ``./outputs`` (an interactive run: its artifacts), with sizes."""
        folder = self._outputs_dir(self.get_job(name))
        return files.list_files(folder) if folder is not None else ()

    def output_file(self, name: str, path: str) -> Path:
        """The real path of one output file, for download; nothing outside the job's outputs."""
        folder = self._outputs_dir(self.get_job(name))
        what = f"outputs of job {name}"
        if folder is None:
            files.check_relpath(path)
            raise NotFoundError(_("There is no file {path!r} in the {what}.").format(path=path, what=what), details={"path": path})
        return files.safe_file(folder, path, what=what)

    def code_package(self, name: str) -> CodePackage:
        """The code snapshot the job ran, its exact command and the slicer's manifest (none for an interactive run)."""
        job = self.get_job(name)
        if job.type is JobType.INTERACTIVE:
            return CodePackage(job=name, files=(), command=(), manifest=None)
        row = job_index.get_row(self.store, name)
        manifest = None if row["manifest"] is None else json.loads(row["manifest"])
        return CodePackage(
            job=name,
            files=files.list_files(self.layout.code_dir(name), skip_top=frozenset({"outputs"})),
            command=job.command,
            manifest=manifest,
        )

    def code_file(self, name: str, path: str) -> Path:
        """The real path of one file of the job's code snapshot (its ``outputs`` link is not code)."""
        job = self.get_job(name)
        what = f"code of job {name}"
        pure = files.check_relpath(path, field="path")
        if job.type is JobType.INTERACTIVE:
            raise NotFoundError(
                _("There is no file {value!r} in the {what}: it is an interactive MLflow run, its code is its notebook.").format(
                    value=str(pure), what=what),
                details={"path": str(pure)},
            )
        if pure.parts[0] == "outputs":
            raise NotFoundError(
                _("There is no file {value!r} in the {what}: the job's outputs are under its outputs, not its code.").format(
                    value=str(pure), what=what),
                details={"path": str(pure)},
            )
        return files.safe_file(self.layout.code_dir(name), path, what=what)

    def list_experiments(self) -> tuple[ExperimentSummary, ...]:
        self._maybe_reconcile()
        # top-level jobs only (trials are listed under their parent), counted on the (experiment, seq) index;
        # the newest job of each is the one with the highest seq
        rows = self.store.query(
            "SELECT g.experiment, g.n, j.created_at AS last FROM "
            "(SELECT experiment, COUNT(*) AS n, MAX(seq) AS newest FROM jobs WHERE parent IS NULL GROUP BY experiment) g "
            "JOIN jobs j ON j.seq = g.newest ORDER BY last DESC"
        )
        return tuple(ExperimentSummary(name=r["experiment"], job_count=r["n"], last_submitted_at=r["last"]) for r in rows)

    # -- computes -----------------------------------------------------------------------------

    def list_computes(self) -> tuple[ComputeTarget, ...]:
        """The one local compute; its ``max_nodes`` are the compute slots (jobs that run at once)."""
        return (ComputeTarget(name=COMPUTE, kind="local", state="Ready", max_nodes=self.compute_slots, default=True),)

    def list_instance_types(self) -> tuple[InstanceType, ...]:
        return ()

    # -- data assets -------------------------------------------------------------------------

    def register_data(
        self, name: str, path: str | os.PathLike[str], description: str | None = None, version: str | int | None = None
    ) -> DataAsset:
        """Copy a file or folder in as the next version of data asset ``name``."""
        return self.data.register(name, path, description=description, version=version)

    def list_data(self, name: str | None = None) -> tuple[DataAsset, ...]:
        """The latest version of each asset, or every version of ``name``."""
        return self.data.list(name)

    def get_data(self, name: str, version: str | int = "latest") -> DataAsset:
        return self.data.get(name, version)

    def resolve_input(self, ref: str) -> Path:
        """The local path a job input reference (asset or file) stands for."""
        return self.data.resolve(ref)[0]

    # -- models ------------------------------------------------------------------------------

    def register_model(
        self,
        name: str,
        *,
        job: str,
        path: str | None = None,
        description: str | None = None,
        tags: dict[str, str] | None = None,
    ) -> ModelVersion:
        """Copy a finished job's model in as the next version of ``name`` (see ``model_sources.choose``)."""
        return self.models.register(name, job=job, path=path, description=description, tags=tags)

    def list_models(self) -> tuple[ModelSummary, ...]:
        return self.models.list()

    def get_model(self, name: str, version: str | int = "latest") -> ModelVersion:
        return self.models.get(name, version)

    def model_versions(self, name: str) -> tuple[ModelVersion, ...]:
        return self.models.versions(name)

    def model_candidates(self, job: str) -> tuple[ModelCandidate, ...]:
        return self.models.candidates(job)

    def update_model(self, name: str, version: str | int, update: LabelUpdate) -> ModelVersion:
        return self.models.update_labels(name, version, update)

    def archive_model(self, name: str, version: str | int, *, archived: bool = True) -> ModelVersion:
        return self.models.set_archived(name, version, archived)

    def set_model_alias(self, name: str, alias: str, version: str | int | None) -> ModelVersion | None:
        return self.models.set_alias(name, alias, version)

    def model_download(self, name: str, version: str | int = "latest") -> tuple[Path, str]:
        """A local file to send for a version (the model file, or a zip of its folder) and its name."""
        return self.models.download(name, version)

    # -- online endpoints -------------------------------------------------------------------

    def reconcile_endpoints(self) -> tuple[str, ...]:
        """Start a supervisor for every wanted deployment that has none (after a reboot, a crash)."""
        self._last_endpoint_reconcile = time.monotonic()
        if not self.layout.index_db.exists():
            return ()
        return self.endpoints.reconcile()

    def _maybe_reconcile_endpoints(self) -> None:
        if time.monotonic() - self._last_endpoint_reconcile >= min(self.reconcile_every, ENDPOINT_RECONCILE_EVERY):
            self.reconcile_endpoints()

    def create_endpoint(self, name: str, *, auth_mode: str = "key", description: str | None = None) -> Endpoint:
        return self.endpoints.create(name, auth_mode=auth_mode, description=description)

    def list_endpoints(self) -> tuple[Endpoint, ...]:
        self._maybe_reconcile_endpoints()
        return self.endpoints.list()

    def get_endpoint(self, name: str) -> Endpoint:
        self._maybe_reconcile_endpoints()
        return self.endpoints.get(name)

    def delete_endpoint(self, name: str) -> None:
        self.endpoints.delete(name)

    def endpoint_keys(self, name: str) -> EndpointKeys:
        return self.endpoints.keys(name)

    def regenerate_key(self, name: str, which: str) -> EndpointKeys:
        return self.endpoints.regenerate_key(name, which)

    def create_deployment(
        self,
        endpoint: str,
        name: str,
        *,
        model: str,
        traffic: int | None = None,
        score_script: Path | None = None,
        instance_type: str | None = None,
        instance_count: int | None = None,
    ) -> Deployment:
        """Provision model ``name[:version]`` as deployment ``name``; returns at once with status Creating."""
        check_name(endpoint, kind="endpoint", field="endpoint")
        check_name(name, kind="deployment")
        if instance_type is not None or instance_count is not None:
            raise ValidationError(
                "The local workspace serves deployments on this machine: it has no instance types or counts.",
                field="instance_type" if instance_type is not None else "instance_count",
            )
        version = self.models.resolve(model)
        return self.endpoints.create_deployment(endpoint, name, model=version, traffic=traffic, score_script=score_script)

    def delete_deployment(self, endpoint: str, name: str) -> None:
        self.endpoints.delete_deployment(endpoint, name)

    def set_traffic(self, endpoint: str, traffic: dict[str, int]) -> Endpoint:
        return self.endpoints.set_traffic(endpoint, traffic)

    def invoke(self, endpoint: str, payload: Any, *, deployment: str | None = None) -> InvokeResult:
        self._maybe_reconcile_endpoints()
        return self.endpoints.invoke(endpoint, payload, deployment=deployment)

    def endpoint_curl(self, endpoint: str, payload: Any = None) -> str:
        return self.endpoints.curl(endpoint, payload)


def _implements_every_capability(
    backend: LocalBackend,
) -> tuple[JobOps, SweepOps, AutoMLOps, DataOps, ModelOps, EndpointOps, ComputeOps]:
    """Never called: the type checker proves here that the local target implements every protocol."""
    return backend, backend, backend, backend, backend, backend, backend
