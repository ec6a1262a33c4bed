"""The Azure ML target: jobs, sweeps, AutoML, data, computes, models and endpoints of one workspace through azure-ai-ml.

``AzureBackend`` only composes the pieces (one concern each): ``connection.py``
(credential, ``MLClient``, REST pipeline, workspace facts), ``health.py``
(reachability), ``submit.py`` and ``environments.py`` (a job spec as a command
job), ``sweeps.py`` (sweep jobs, their trial built as a command job), ``automl.py`` (AutoML jobs:
MLTable training data, leaderboard, best trial), ``job_reads.py`` (records and listings), ``change_feed.py`` (live
updates), ``logs.py`` (range reads of the log), ``tracking.py`` (MLflow REST),
``run_history.py``, ``artifacts.py`` (outputs and code), ``data_assets.py``,
``computes.py``, ``models.py`` (the model registry), ``endpoints.py``
(managed online endpoints, deployments, traffic, keys, scoring),
``failures.py`` (Azure's errors as typed ones) and ``quiet.py`` (the SDK's
chatter). ``azure.ai.ml`` (about 1.7 s to import) and ``azure.identity`` load on the first operation that needs them, never when
JupyterLab starts; every call here blocks, and the REST handlers make it from
a thread pool.
"""

from __future__ import annotations

import contextlib
import dataclasses
import importlib.util
import json
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ...config import AzureSettings
from ...errors import ConflictError, NotFoundError, NotSupportedError, TargetNotConfiguredError, ValidationError
from ...names import check_asset_name, check_job_name
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
    LogKind,
    LogChunk,
    MetricPoint,
    ModelCandidate,
    ModelSummary,
    ModelVersion,
    SweepDetails,
    TargetTraits,
)
from ...specs import AutoMLJobSpec, CommandJobSpec, JobQuery, LabelUpdate, SweepJobSpec
from ..base import AutoMLOps, ComputeOps, DataOps, EndpointOps, JobOps, ModelOps, SweepOps
from ...i18n import N_, _
from . import automl
from . import config as azure_config
from . import submit as submission
from .artifacts import Artifacts, check_relpath
from .change_feed import ChangeFeed
from .computes import Computes
from .connection import Connection
from .data_assets import DataAssets
from .environments import Environments
from .health import HealthCheck
from .job_reads import JobReader
from .job_records import SERVERLESS, job_record, status_of
from .logs import LogReader, parse_offset
from .endpoints import Endpoints
from .models import Models, check_job, choose, find_sources, finished, signature_columns
from .quiet import quiet_streams
from .run_history import RunHistory
from .sweeps import Sweeps
from .tracking import Tracking

DEFAULT_LOG_CHUNK = 64 * 1024
HEALTH_WAIT_S = 2.0
MANIFEST = "amlx-manifest.json"
CODE_API_VERSION = "2023-04-01"  # what azure-ai-ml uses for code versions


@dataclasses.dataclass
class _Parts:
    """Everything that talks to one workspace, built together on first use."""

    connection: Connection
    health: HealthCheck
    history: RunHistory
    tracking: Tracking
    reader: JobReader
    feed: ChangeFeed
    logs: LogReader
    data: DataAssets
    environments: Environments
    artifacts: Artifacts
    computes: Computes
    models: Models
    endpoints: Endpoints
    sweeps: Sweeps


class AzureBackend:
    """Drives an Azure ML workspace through azure-ai-ml."""

    name = "azure"
    label = N_("Azure ML workspace")

    def __init__(
        self,
        settings: AzureSettings,
        *,
        search_from: Path,
        cache_dir: Path | None = None,
        credential: Any = None,
        health_wait: float = HEALTH_WAIT_S,
    ) -> None:
        self._settings = settings
        self._search_from = search_from
        self._cache_dir = cache_dir or Path.home() / ".amlx" / "azure-cache"
        self._credential = credential
        self._health_wait = health_wait
        self._parts: _Parts | None = None
        self._parts_key: tuple[Any, ...] | None = None
        self._lock = threading.Lock()
        self._code_uris: dict[str, str] = {}

    @property
    def coordinates(self) -> AzureSettings | None:
        return azure_config.resolve(self._settings, self._search_from)

    # -- Target -------------------------------------------------------------------------------

    def location(self) -> str:
        found = self.coordinates
        if not found:
            return "not configured"
        return f"{found.subscription_id}/{found.resource_group}/{found.workspace_name}"

    def traits(self) -> TargetTraits:
        compute = self._settings.compute or None
        return TargetTraits(
            compute_targets=tuple(c for c in (compute, SERVERLESS) if c),
            default_compute=compute,
            instance_types=True,
            live_updates="long-poll",
            sort_keys=("created_at",),  # Azure ML lists newest first and sorts by nothing else on the server
            samples_sweeps_itself=True,
        )

    def on_server_start(self) -> None:
        """Start the first reachability check, off the start-up path (nothing when unconfigured)."""
        if self._unusable() is None:
            try:
                self._get_parts().health.start()
            except ValidationError:
                pass  # bad cloud settings: the health line says so when asked

    def health(self) -> Health:
        """Not installed or not configured say what to do; otherwise the cached reachability check."""
        problem = self._unusable()
        if problem is not None:
            return problem
        try:
            parts = self._get_parts()
        except ValidationError as exc:
            return Health(HealthState.ERROR, exc.message)
        return parts.health.current(self._health_wait)

    def _unusable(self) -> Health | None:
        if not _installed("azure.ai.ml") or not _installed("azure.identity"):
            return Health(
                HealthState.NOT_CONFIGURED,
                _("The Azure packages are not installed: pip install 'amlx_lab[azure]'."),
            )
        if not self.coordinates:
            return Health(
                HealthState.NOT_CONFIGURED,
                _("No Azure ML workspace configured: add subscription_id, resource_group and workspace_name "
                  "under \"azure\" in the workspace settings.json, or place the portal's config.json in this "
                  "folder or a parent."),
            )
        return None

    def close(self) -> None:
        with self._lock:
            if self._parts is not None:
                self._parts.connection.close()
            self._parts = None
            self._parts_key = None

    def _get_parts(self) -> _Parts:
        """The workspace's clients, built once per set of coordinates (a new config.json starts over)."""
        problem = self._unusable()
        if problem is not None:
            raise TargetNotConfiguredError(problem.message, details={"target": self.name})
        coordinates = self.coordinates
        assert coordinates is not None
        key = tuple(
            json.dumps(v, sort_keys=True) if isinstance(v, dict) else v
            for v in dataclasses.astuple(coordinates)
        )
        with self._lock:
            if self._parts is None or self._parts_key != key:
                if self._parts is not None:
                    self._parts.connection.close()
                self._parts = _build(coordinates, self._credential, self._cache_dir)
                self._parts_key = key
            return self._parts

    # -- jobs: write side --------------------------------------------------------------------------

    def submit(self, spec: CommandJobSpec) -> Job:
        """Upload the code, register the environment if new, and create the command job; returns it Queued."""
        parts = self._get_parts()
        with parts.connection.translated():
            job, _definition = self._command_job(parts, spec)
            with quiet_streams():
                created = parts.connection.ml.jobs.create_or_update(job)
        parts.feed.poke()
        return job_record(created)

    def _command_job(self, parts: _Parts, spec: CommandJobSpec) -> tuple[Any, submission.JobDefinition]:
        """The checked azure-ai-ml ``Command`` for ``spec`` (a command job, or a sweep's trial)."""
        settings = parts.connection.settings
        return submission.command_job(
            spec, lookup=parts.data.resolve, environments=parts.environments,
            default_environment=settings.environment, instance_type=settings.instance_type,
            computes=self._compute_names(parts, spec),
        )

    # -- sweeps ------------------------------------------------------------------------------------

    def submit_sweep(self, spec: SweepJobSpec) -> Job:
        """Upload the trial's code and create the sweep job (``command(...)(x=Uniform(...)).sweep(...)``); Queued."""
        parts = self._get_parts()
        job = parts.sweeps.submit(spec, lambda trial: self._command_job(parts, trial))
        parts.feed.poke()
        return job

    def sweep_details(self, name: str) -> SweepDetails:
        return self._get_parts().sweeps.details(name)

    def validate_job(self, spec: CommandJobSpec) -> None:
        """Refuse what ``submit`` would (input names, compute, missing inputs and data assets), creating nothing."""
        parts = self._get_parts()
        with parts.connection.translated():
            submission.check(spec, lookup=parts.data.resolve, computes=self._compute_names(parts, spec))

    @staticmethod
    def _compute_names(parts: _Parts, spec: CommandJobSpec) -> frozenset[str]:
        """The workspace's compute names, listed only when the spec names one."""
        if not spec.compute or spec.compute in ("local", submission.SERVERLESS):
            return frozenset()
        return frozenset(c.name for c in parts.computes.list())

    def cancel(self, name: str) -> Job:
        """Ask Azure to cancel (its long-running operation is not waited for); 409 for a finished job."""
        parts = self._get_parts()
        entity = parts.reader.entity(name)
        status = status_of(entity.status)
        if status.terminal:
            raise ConflictError(
                _(
                    'Job {name} is already {status_value}; only queued or running jobs can be canceled.'
                ).format(name=name, status_value=status.value),
                details={"job": name, "status": status.value},
            )
        if status is not JobStatus.CANCEL_REQUESTED:
            with parts.connection.translated():
                parts.connection.ml.jobs.begin_cancel(name)
        parts.reader.forget(name)
        parts.feed.poke()
        job = parts.reader.get(name)
        if job.status.terminal:
            return job
        return dataclasses.replace(job, status=JobStatus.CANCEL_REQUESTED)

    # -- managing jobs: labels, archive ------------------------------------------------------------

    def update_job(self, name: str, update: LabelUpdate) -> Job:
        """The job's own tags and description: ``jobs.update`` merges, run history's DELETE removes tags."""
        parts = self._get_parts()
        entity = parts.reader.entity(name)
        ml = parts.connection.ml
        with parts.connection.translated(), quiet_streams():
            if update.set_tags or update.sets_description:
                ml.jobs.update(
                    name,
                    tags=update.set_tags or None,
                    description=(update.description or "") if update.sets_description else None,
                )
            if update.removed_tags:
                experiment = str(getattr(entity, "experiment_name", None) or "Default")
                parts.history.delete_tags(experiment, name, list(update.removed_tags))
        return self._changed(parts, name)

    def archive_job(self, name: str) -> Job:
        return self._set_archived(name, True)

    def restore_job(self, name: str) -> Job:
        return self._set_archived(name, False)

    def _set_archived(self, name: str, archived: bool) -> Job:
        """``jobs.archive``/``restore`` on the job, then on each child job (a sweep's trials) run history lists."""
        parts = self._get_parts()
        parts.reader.entity(name)  # 404 first
        ml = parts.connection.ml
        with parts.connection.translated(), quiet_streams():
            children = parts.history.children(name)
            for member in (name, *children):
                (ml.jobs.archive if archived else ml.jobs.restore)(member)
                parts.reader.forget(member)
        return self._changed(parts, name)

    def _changed(self, parts: _Parts, name: str) -> Job:
        parts.reader.forget(name)
        parts.feed.poke()
        return parts.reader.get(name)

    def delete_job(self, name: str) -> None:
        self._get_parts().reader.entity(name)  # 404 for an unknown job, as everywhere
        raise NotSupportedError(
            _('Azure ML keeps every job and has no way to delete one: archive {name} to hide it from the lists.').format(name=name),
            details={"capability": "delete_job", "target": self.name, "job": name},
        )

    # -- jobs: read side ---------------------------------------------------------------------------

    def get_job(self, name: str) -> Job:
        return self._get_parts().reader.get(name)

    def list_jobs(self, query: JobQuery) -> JobPage:
        if query.order_by not in self.traits().sort_keys:
            raise ValidationError(
                _(
                    'The {label} target cannot sort jobs by {query_order_by!r} on the server; it sorts by created_at.'
                ).format(label=self.label, query_order_by=query.order_by),
                field="order_by",
            )
        return self._get_parts().reader.page(query)

    def changes(self, cursor: str | None) -> JobChanges:
        return self._get_parts().feed.changes(cursor)

    def metric_histories(self, name: str, keys: Sequence[str] | None = None) -> dict[str, tuple[MetricPoint, ...]]:
        if keys is not None and any(not isinstance(k, str) or not k for k in keys):
            raise ValidationError(_('Name each metric.'), field="key")
        parts = self._get_parts()
        parts.reader.entity(name)  # 404 for an unknown job
        with parts.connection.translated():
            if keys is None:
                data = parts.tracking.run_data(name)
                wanted = sorted(data.metrics) if data is not None else []
            else:
                wanted = list(dict.fromkeys(keys))
            return {key: parts.tracking.history(name, key) for key in wanted}

    def logs(
        self, name: str, offset: str | None = None, limit_bytes: int = DEFAULT_LOG_CHUNK, log: LogKind = "user"
    ) -> LogChunk:
        check_job_name(name)
        if log not in ("user", "system"):
            raise ValidationError(_("log must be 'user' or 'system', not {log!r}.").format(log=log), field="log")
        parse_offset(offset)  # a bad offset is a 400 before any request
        parts = self._get_parts()
        with parts.connection.translated():
            chunk = parts.logs.read(name, offset, limit_bytes, system=log == "system")
        if chunk is not None:
            return chunk
        job = parts.reader.get(name)  # 404 for an unknown job; else it has no run yet
        here = offset or "0"
        return LogChunk(text="", offset=here, next_offset=here, size=None, complete=job.status.terminal)

    def list_outputs(self, name: str) -> tuple[FileEntry, ...]:
        parts = self._get_parts()
        return parts.artifacts.list_outputs(name, self._data_container(parts, name))

    def output_file(self, name: str, path: str) -> Path:
        check_job_name(name)
        check_relpath(path)
        parts = self._get_parts()
        return parts.artifacts.output_file(name, self._data_container(parts, name), path)

    def _data_container(self, parts: _Parts, name: str) -> str:
        check_job_name(name)
        with parts.connection.translated():
            run = parts.history.run(name)
        if run is None:
            parts.reader.entity(name)  # 404 for an unknown job
        return (run.data_container if run is not None else None) or f"dcid.{name}"

    def code_package(self, name: str) -> CodePackage:
        parts = self._get_parts()
        job = parts.reader.get(name)
        files = parts.artifacts.code_files(name, self._code_uri(parts, name))
        manifest = None
        if any(f.path == MANIFEST for f in files):
            try:
                manifest = json.loads(self.code_file(name, MANIFEST).read_text(encoding="utf-8"))
            except (OSError, ValueError):
                manifest = None
        return CodePackage(job=name, files=files, command=job.command, manifest=manifest)

    def code_file(self, name: str, path: str) -> Path:
        check_job_name(name)
        check_relpath(path)
        parts = self._get_parts()
        return parts.artifacts.code_file(name, self._code_uri(parts, name), path)

    def _code_uri(self, parts: _Parts, name: str) -> str:
        """Where the job's code asset lives in blob storage (remembered: a job's code never changes)."""
        if name in self._code_uris:
            return self._code_uris[name]
        entity = parts.reader.entity(name)
        # a sweep's code is its trial's
        code = str(getattr(entity, "code", None) or getattr(getattr(entity, "trial", None), "code", None) or "")
        arm_id = code[code.find("/subscriptions/"):] if "/subscriptions/" in code else ""
        if "/codes/" not in arm_id or "/versions/" not in arm_id:
            raise NotFoundError(_('Job {name} has no code snapshot in the workspace.').format(name=name), details={"job": name})
        connection = parts.connection
        with connection.translated(
            not_found=lambda: NotFoundError(_('The code of job {name} is no longer in the workspace.').format(name=name))
        ):
            body = connection.rest.json(
                "GET", connection.cloud.resource_manager.rstrip("/") + arm_id, params={"api-version": CODE_API_VERSION}
            )
        uri = str(((body or {}).get("properties") or {}).get("codeUri") or "")
        if not uri:
            raise NotFoundError(_('The code of job {name} has no files in the workspace.').format(name=name), details={"job": name})
        self._code_uris[name] = uri
        return uri

    def list_experiments(self) -> tuple[ExperimentSummary, ...]:
        return self._get_parts().reader.experiments()

    # -- AutoML ------------------------------------------------------------------------------------

    def submit_automl(self, spec: AutoMLJobSpec) -> Job:
        """Upload the training data as an MLTable and create the AutoML job; returns it Queued."""
        parts = self._get_parts()
        with parts.connection.translated():
            compute = automl.compute_of(spec)
            if compute is not None and compute not in {c.name for c in parts.computes.list()}:
                raise ValidationError(
                    _(
                        'This workspace has no compute named {compute!r}; amlx compute lists them, or leave compute '
                        'empty for serverless.'
                    ).format(compute=compute),
                    field="compute",
                )
            job, staging = automl.build(spec, parts.data)
            try:
                with quiet_streams():
                    created = parts.connection.ml.jobs.create_or_update(job)
            finally:
                staging.cleanup()
        parts.feed.poke()
        return job_record(created)

    def automl_details(self, name: str) -> AutoMLDetails:
        parts = self._get_parts()
        with parts.connection.translated():
            return automl.details(parts.reader, name)

    # -- data assets -------------------------------------------------------------------------------

    def register_data(
        self, name: str, path: str | os.PathLike[str], description: str | None = None, version: str | int | None = None
    ) -> DataAsset:
        return self._get_parts().data.register(name, path, description=description, version=version)

    def list_data(self, name: str | None = None) -> tuple[DataAsset, ...]:
        return self._get_parts().data.list(name)

    def get_data(self, name: str, version: str | int = "latest") -> DataAsset:
        return self._get_parts().data.get(name, version)

    # -- models ------------------------------------------------------------------------------------

    def model_candidates(self, job: str) -> tuple[ModelCandidate, ...]:
        """What the job's artifacts hold; for an AutoML job, its best model first (``outputs/model``, in its best trial)."""
        check_job(job)
        parts = self._get_parts()
        found: list[ModelCandidate] = []
        best = automl.best_child(parts.reader.entity(job))
        if best is not None:
            trial_files = parts.artifacts.run_files(self._data_container(parts, best))
            found += [
                dataclasses.replace(s.candidate(), source=automl.BEST_SOURCE)
                for s in find_sources(trial_files) if s.source == automl.BEST_MODEL
            ]
        files = parts.artifacts.run_files(self._data_container(parts, job))
        return (*found, *(s.candidate() for s in find_sources(files)))

    def register_model(
        self,
        name: str,
        *,
        job: str,
        path: str | None = None,
        description: str | None = None,
        tags: dict[str, str] | None = None,
    ) -> ModelVersion:
        """Register the job's model by reference (``azureml://jobs/<job>/outputs/artifacts/paths/...``)."""
        check_asset_name(name, kind="model")
        check_job(job)
        parts = self._get_parts()
        entity = parts.reader.entity(job)
        finished(job, parts.reader.record(entity).status)
        owner = job
        best = automl.best_child(entity)
        if best is not None and path in (None, automl.BEST_SOURCE):
            owner, path = best, automl.BEST_MODEL  # Azure writes an AutoML job's best model in its best trial
        container = self._data_container(parts, owner)
        files = parts.artifacts.run_files(container)
        source = choose(owner, find_sources(files), files, path)
        columns = None
        if source.format == "mlflow" and source.artifact_path.startswith("outputs/"):
            mlmodel = f"{source.artifact_path.removeprefix('outputs/')}MLmodel"
            with contextlib.suppress(NotFoundError):
                columns = signature_columns(parts.artifacts.output_file(owner, container, mlmodel))
        return parts.models.register(
            name, job=owner, source=source, description=description, tags=tags, input_columns=columns,
            automl_job=job if owner != job else None,
        )

    def list_models(self) -> tuple[ModelSummary, ...]:
        return self._get_parts().models.list()

    def get_model(self, name: str, version: str | int = "latest") -> ModelVersion:
        return self._get_parts().models.get(name, version)

    def model_versions(self, name: str) -> tuple[ModelVersion, ...]:
        return self._get_parts().models.versions(name)

    def model_download(self, name: str, version: str | int = "latest") -> tuple[Path, str]:
        return self._get_parts().models.download(name, version)

    def update_model(self, name: str, version: str | int, update: LabelUpdate) -> ModelVersion:
        return self._get_parts().models.update_labels(name, version, update)

    def archive_model(self, name: str, version: str | int, *, archived: bool = True) -> ModelVersion:
        return self._get_parts().models.set_archived(name, version, archived)

    def set_model_alias(self, name: str, alias: str, version: str | int | None) -> ModelVersion | None:
        return self._get_parts().models.set_alias(name, alias, version)

    # -- online endpoints ----------------------------------------------------------------------------

    def create_endpoint(self, name: str, *, auth_mode: str = "key", description: str | None = None) -> Endpoint:
        return self._get_parts().endpoints.create(name, auth_mode=auth_mode, description=description)

    def list_endpoints(self) -> tuple[Endpoint, ...]:
        return self._get_parts().endpoints.all()

    def get_endpoint(self, name: str) -> Endpoint:
        return self._get_parts().endpoints.get(name)

    def delete_endpoint(self, name: str) -> None:
        self._get_parts().endpoints.delete(name)

    def endpoint_keys(self, name: str) -> EndpointKeys:
        return self._get_parts().endpoints.keys(name)

    def regenerate_key(self, name: str, which: str) -> EndpointKeys:
        return self._get_parts().endpoints.regenerate_key(name, which)

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
        return self._get_parts().endpoints.create_deployment(
            endpoint, name, model=model, traffic=traffic, score_script=score_script,
            instance_type=instance_type, instance_count=instance_count,
        )

    def delete_deployment(self, endpoint: str, name: str) -> None:
        self._get_parts().endpoints.delete_deployment(endpoint, name)

    def set_traffic(self, endpoint: str, traffic: dict[str, int]) -> Endpoint:
        return self._get_parts().endpoints.set_traffic(endpoint, traffic)

    def invoke(self, endpoint: str, payload: Any, *, deployment: str | None = None) -> InvokeResult:
        return self._get_parts().endpoints.invoke(endpoint, payload, deployment=deployment)

    def endpoint_curl(self, endpoint: str, payload: Any = None) -> str:
        return self._get_parts().endpoints.curl(endpoint, payload)

    # -- computes ----------------------------------------------------------------------------------

    def list_computes(self) -> tuple[ComputeTarget, ...]:
        return self._get_parts().computes.list()

    def list_instance_types(self) -> tuple[InstanceType, ...]:
        return self._get_parts().computes.instance_types()


def _build(settings: AzureSettings, credential: Any, cache_dir: Path) -> _Parts:
    connection = Connection(settings, credential=credential)
    history = RunHistory(connection)
    tracking = Tracking(connection)
    reader = JobReader(connection, history, tracking)
    data = DataAssets(connection)
    workspace_cache = cache_dir / str(settings.subscription_id) / str(settings.resource_group) / str(
        settings.workspace_name
    )
    models = Models(connection, workspace_cache)
    return _Parts(
        connection=connection,
        health=HealthCheck(connection),
        history=history,
        tracking=tracking,
        reader=reader,
        feed=ChangeFeed(reader),
        logs=LogReader(history),
        data=data,
        environments=Environments(connection, settings.base_image),
        artifacts=Artifacts(connection, workspace_cache),
        computes=Computes(connection, default_compute=settings.compute, instance_type=settings.instance_type),
        models=models,
        endpoints=Endpoints(connection, models, settings),
        sweeps=Sweeps(connection, reader, history),
    )


def _installed(module: str) -> bool:
    """Whether ``module`` can be imported; ``find_spec`` of a dotted name imports its parents, which may be missing."""
    try:
        return importlib.util.find_spec(module) is not None
    except ImportError:
        return False


def _implements_its_capabilities(
    backend: AzureBackend,
) -> tuple[JobOps, SweepOps, AutoMLOps, DataOps, ComputeOps, ModelOps, EndpointOps]:
    """Never called: the type checker proves here that the Azure target implements these protocols."""
    return backend, backend, backend, backend, backend, backend, backend
