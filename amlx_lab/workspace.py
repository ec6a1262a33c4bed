"""The one facade every front end calls: REST handlers, ``%aml`` magics and the ``amlx`` CLI.

It resolves the target, checks that the target has the capability an
operation needs (a 409 with a sentence when it does not), validates input and
returns plain records; it holds no HTTP, terminal or notebook rendering. Each
user operation is written once, here, on top of the capability protocols of
``backends/base.py``; operations with no logic of their own go straight to the
backend (``jobs()``, ``data()``, ``models()``, ``endpoints()``).
"""

from __future__ import annotations

import os
import shutil
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import __version__
from .backends.base import (
    AutoMLOps,
    ComputeOps,
    DataOps,
    EndpointOps,
    JobOps,
    ModelOps,
    SweepOps,
    Target,
    TrackingStore,
    capabilities_of,
    has_capability,
    require,
)
from .automl.settings import folder_training_data
from .config import TARGETS, AmlxConfig
from .errors import NotFoundError, ValidationError
from .paths import resolve_user_path
from .records import (
    AutoMLDetails,
    DataAsset,
    Deployment,
    Endpoint,
    ExportResult,
    Job,
    JobPage,
    JobStatus,
    JobType,
    MetricPoint,
    SweepDetails,
    TargetSummary,
    WorkspaceInfo,
)
from .specs import AutoMLJobSpec, CommandJobSpec, JobQuery, JobSpec, SweepJobSpec
from .submission import SubmitRequest, SweepRequest
from .i18n import _

if TYPE_CHECKING:
    from .notebook import JobPackage, PackageOptions
    from .sweep.cell import SweepPreview


# How often a followed log is read again when nothing new came (it is a file another process appends to).
FOLLOW_INTERVAL_S = 0.25
# A deployment is followed by reading it again, more slowly as provisioning goes on (Azure takes minutes).
DEPLOYMENT_POLL_S = (0.1, 5.0)
# A display name is at most this long (Azure ML's limit, and the submit request's).
DISPLAY_NAME_LIMIT = 255


class Workspace:
    """Operations on the configured targets; backends are created on first use and cached."""

    def __init__(self, config: AmlxConfig, *, search_from: Path | None = None) -> None:
        self.config = config
        self._search_from = search_from or Path.cwd()
        self._backends: dict[str, Target] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_environment(cls, **overrides: object) -> Workspace:
        """A workspace resolved like the server resolves it (see ``config.AmlxConfig.resolve``)."""
        return cls(AmlxConfig.resolve(**overrides))  # type: ignore[arg-type]

    # -- targets -----------------------------------------------------------------

    def _target_name(self, target: str | None) -> str:
        name = target or self.config.target
        if name not in TARGETS:
            raise ValidationError(_("Unknown target {name!r}: choose one of {items}.").format(
                name=name, items=', '.join(TARGETS)), field="target")
        return name

    def backend(self, target: str | None = None) -> Target:
        """The backend for ``target`` (default: the configured one)."""
        name = self._target_name(target)
        with self._lock:
            if name not in self._backends:
                self._backends[name] = self._create_backend(name)
            return self._backends[name]

    def _create_backend(self, name: str) -> Target:
        if name == "local":
            from .backends.local import LocalBackend

            return LocalBackend(self.config.workspace_dir, compute_slots=self.config.compute_slots)
        from .backends.azure import AzureBackend

        return AzureBackend(
            self.config.azure, search_from=self._search_from, cache_dir=self.config.workspace_dir / "azure-cache"
        )

    # -- operations --------------------------------------------------------------

    def info(self, target: str | None = None) -> WorkspaceInfo:
        """The active target, where it lives, its health and capabilities, and the other targets."""
        backend = self.backend(target)
        summaries = tuple(
            TargetSummary(name=b.name, label=_(b.label), health=b.health())
            for b in (self.backend(n) for n in TARGETS)
        )
        health = next(s.health for s in summaries if s.name == backend.name)
        return WorkspaceInfo(
            target=backend.name,
            label=_(backend.label),
            location=backend.location(),
            workspace_dir=str(self.config.workspace_dir),
            version=__version__,
            health=health,
            capabilities=capabilities_of(backend),
            targets=summaries,
            warnings=self.config.warnings,
        )

    # -- capabilities: the backend as the protocol an operation needs, or a 409 ----------

    def jobs(self, target: str | None = None) -> JobOps:
        return require(self.backend(target), "jobs")

    def sweeps(self, target: str | None = None) -> SweepOps:
        return require(self.backend(target), "sweeps")

    def automl(self, target: str | None = None) -> AutoMLOps:
        return require(self.backend(target), "automl")

    def data(self, target: str | None = None) -> DataOps:
        return require(self.backend(target), "data_assets")

    def models(self, target: str | None = None) -> ModelOps:
        return require(self.backend(target), "models")

    def endpoints(self, target: str | None = None) -> EndpointOps:
        return require(self.backend(target), "endpoints")

    def computes(self, target: str | None = None) -> ComputeOps:
        return require(self.backend(target), "computes")

    def kernel_tracking_uri(self) -> str | None:
        """Where a notebook kernel's own MLflow runs should go: the active target's store, when a kernel can
        log to it directly (the local target); ``None`` otherwise."""
        backend = self.backend()
        return backend.tracking_uri() if isinstance(backend, TrackingStore) else None

    def on_server_start(self) -> None:
        """What each target does when a Jupyter server starts (the local one warms its stores up)."""
        for name in TARGETS:
            self.backend(name).on_server_start()

    # -- notebook cells -> jobs ----------------------------------------------------------

    def preview(
        self, request: SubmitRequest, *, base_dir: Path, confine: bool = False, target: str | None = None
    ) -> JobPackage:
        """The package a submit would run (script, requirements, inputs, parameters, warnings); writes nothing.

        It refuses what submit refuses: the job spec is built from the previewed
        package (experiment, parameters, tags, inputs confined like submit's) and
        the target checks it (compute, interpreter, data assets) without starting it.
        """
        from .notebook import preview_package

        jobs = self.jobs(target)
        compute = request.compute or self.backend(target).traits().default_compute
        source, options = self._package_inputs(request, base_dir, confine)
        package = preview_package(source, cell=request.cell, options=options)
        if request.parameters:
            _check_parameter_names(package, request.parameters)
            overridden = replace(options, parameters_override=request.parameters)
            package = preview_package(source, cell=request.cell, options=overridden)
        jobs.validate_job(self._job_spec(package, request, compute, base_dir=base_dir, confine=confine, code_dir=base_dir))
        return package

    def submit(self, request: SubmitRequest, *, base_dir: Path, confine: bool = False, target: str | None = None) -> Job:
        """Package the cell and start it as a job; returns at once with status Queued."""
        from .notebook import build_package

        jobs = self.jobs(target)
        compute = request.compute or self.backend(target).traits().default_compute
        source, options = self._package_inputs(request, base_dir, confine)
        staging = self.config.workspace_dir / "staging" / uuid.uuid4().hex
        try:
            package = build_package(source, cell=request.cell, out_dir=staging, options=options)
            assert package.root is not None  # a built package has its folder
            spec = self._job_spec(package, request, compute, base_dir=base_dir, confine=confine, code_dir=Path(package.root))
            return jobs.submit(spec)
        finally:
            shutil.rmtree(staging, ignore_errors=True)

    def submit_spec(self, spec: JobSpec, *, target: str | None = None) -> Job:
        """Start a job of any kind from its spec (a re-run, a script): the kind picks the capability."""
        if isinstance(spec, SweepJobSpec):
            return self.sweeps(target).submit_sweep(spec)
        if isinstance(spec, AutoMLJobSpec):
            return self.automl(target).submit_automl(spec)
        return self.jobs(target).submit(spec)

    # -- notebook cells -> sweeps -----------------------------------------------------------

    def preview_sweep(
        self, request: SweepRequest, *, base_dir: Path, confine: bool = False, target: str | None = None
    ) -> SweepPreview:
        """The cell's dimensions and the metrics its earlier runs logged; with a sweep described, its first points."""
        from .sweep import cell, sampling

        package = self.preview(_as_submit(request), base_dir=base_dir, confine=confine)
        settings = request.sweep
        metrics = self._offered_metrics(request, package, target)
        dims = cell.dimensions(package, settings)
        if settings is None:
            return cell.SweepPreview(package=package, dimensions=dims, metrics=metrics)
        cell.check_space(package, settings, request.parameters)
        seed = getattr(settings.sampling_algorithm, "seed", None)
        if seed is None and settings.sampling_algorithm.type != "grid":
            seed = sampling.random_seed()
        points = tuple(
            {name: sampling.as_parameter(v, package.parameters[name].default) for name, v in point.items()}
            for point in sampling.preview(settings, seed or 0, cell.PREVIEW_POINTS)
        )
        notes = list(settings.notes())
        backend = self.backend(target)
        if backend.traits().samples_sweeps_itself and settings.sampling_algorithm.type != "grid":
            notes.append(
                _("The {label} draws the trials' points with its own sampler: these points show the "
                  "search space, and the trials may run others.").format(label=_(backend.label))
            )
        return cell.SweepPreview(
            package=package, dimensions=dims, metrics=metrics, seed=seed, points=points,
            total_trials=settings.total_trials(), notes=tuple(notes),
        )

    def sweep(self, request: SweepRequest, *, base_dir: Path, confine: bool = False, target: str | None = None) -> Job:
        """Package the cell and start it as a sweep job over its parameters; returns the parent job at once."""
        from .notebook import build_package
        from .sweep import cell

        sweeps = self.sweeps(target)
        settings = request.sweep
        if settings is None:
            raise ValidationError(
                _("Describe the sweep: search_space (a cell parameter and its expression) and objective (metric and goal)."),
                field="sweep",
            )
        compute = request.compute or self.backend(target).traits().default_compute
        source, options = self._package_inputs(request, base_dir, confine)
        staging = self.config.workspace_dir / "staging" / uuid.uuid4().hex
        try:
            package = build_package(source, cell=request.cell, out_dir=staging, options=options)
            assert package.root is not None  # a built package has its folder
            cell.check_space(package, settings, request.parameters)
            trial = self._job_spec(
                package, request, compute, base_dir=base_dir, confine=confine, code_dir=Path(package.root)
            )
            notebook = Path(request.notebook).stem if request.notebook else "history"
            trial = trial.model_copy(update={
                "command": tuple(cell.trial_command(package, settings, request.parameters)),
                "display_name": request.display_name or f"{notebook} cell {package.target_cell.index + 1} sweep",
            })
            spec = SweepJobSpec(trial=trial, **{k: getattr(settings, k) for k in type(settings).model_fields})
            return sweeps.submit_sweep(spec)
        finally:
            shutil.rmtree(staging, ignore_errors=True)

    def sweep_trials(self, name: str, *, target: str | None = None) -> list[Job]:
        """Every trial of a sweep, oldest first."""
        jobs = self.jobs(target)
        trials: list[Job] = []
        cursor: str | None = None
        while True:
            page = jobs.list_jobs(JobQuery(parent=name, descending=False, limit=1000, cursor=cursor))
            trials += page.items
            if page.next_cursor is None:
                return trials
            cursor = page.next_cursor

    def sweep_histories(
        self, name: str, key: str | None = None, *, target: str | None = None
    ) -> dict[str, tuple[MetricPoint, ...]]:
        """One metric's history for every trial of a sweep (default: its objective), by trial name.

        What the sweep view draws as "objective over time", in one request.
        """
        metric = key or self.sweeps(target).sweep_details(name).settings.objective.primary_metric
        jobs = self.jobs(target)
        trials = self.sweep_trials(name, target=target)
        return {trial.name: jobs.metric_histories(trial.name, [metric]).get(metric, ()) for trial in trials}

    def follow_sweep(
        self,
        name: str,
        show: Callable[[Job, SweepDetails, list[Job]], object],
        *,
        target: str | None = None,
        interval: float = 0.5,
    ) -> Job:
        """Hand the sweep, its details and its trials to ``show`` whenever they change, until it ends.

        ``amlx sweep --wait`` and ``%%aml sweep --wait`` follow a sweep this way;
        Ctrl+C (KeyboardInterrupt) propagates to the caller.
        """
        sweeps, jobs = self.sweeps(target), self.jobs(target)
        seen: tuple[Any, ...] | None = None
        while True:
            parent = jobs.get_job(name)
            details = sweeps.sweep_details(name)
            trials = self.sweep_trials(name, target=target)
            state = (parent.updated_at, details.best_trial, tuple((t.name, t.updated_at) for t in trials))
            if state != seen:
                seen = state
                show(parent, details, trials)
            if parent.status.terminal:
                return parent
            time.sleep(interval)

    def _offered_metrics(self, request: SubmitRequest, package: JobPackage, target: str | None) -> tuple[str, ...]:
        from .sweep.cell import offered_metrics

        backend = self.backend(target)
        if not has_capability(backend, "jobs"):
            return ()
        notebook = Path(request.notebook).stem if request.notebook else "history"
        experiment = request.experiment or package.experiment or request.default_experiment or notebook  # as _job_spec names it
        page = self.jobs(target).list_jobs(JobQuery(experiment=experiment, limit=200))
        return offered_metrics(page.items, cell=package.target_cell.index, notebook=request.notebook)

    def _package_inputs(self, request: SubmitRequest, base_dir: Path, confine: bool) -> tuple[Any, PackageOptions]:
        from .notebook import PackageOptions

        if request.notebook is not None:
            source: Any = resolve_user_path(request.notebook, base=base_dir, field="notebook", confine=confine)
            folder = None
        else:
            source, folder = list(request.sources or ()), str(base_dir)
        options = PackageOptions(
            include_all_above=request.include_all_above,
            autolog=request.autolog,
            base_dir=folder,
            kernel_python=request.python,
            job_inputs=tuple(request.inputs),  # a path given an input is never copied, so the input replaces it
            target_source=request.cell_source,
        )
        return source, options

    def _job_spec(
        self,
        package: JobPackage,
        request: SubmitRequest,
        compute: str | None,
        *,
        base_dir: Path,
        confine: bool,
        code_dir: Path,
    ) -> CommandJobSpec:
        """Render the package's command with the requested parameters and inputs (``code_dir``: its folder)."""
        from .notebook.parameters import coerce, format_value

        _check_parameter_names(package, request.parameters)
        values: dict[str, Any] = {}
        for name, param in package.parameters.items():
            value = coerce(param, request.parameters.get(name, param.default))
            # lists, dicts and other literals are recorded as the text main.py receives
            values[name] = value if isinstance(value, (str, int, float, bool)) else format_value(param, value)
        command = package.command_line(parameters=request.parameters)
        inputs = self._job_inputs(package, request.inputs, base_dir=base_dir, confine=confine)
        notebook = Path(request.notebook).stem if request.notebook else "history"
        cell = package.target_cell
        tags = {"amlx.notebook": request.notebook or "(kernel history)", "amlx.cell": str(cell.index), **request.tags}
        return CommandJobSpec(
            code_dir=code_dir,
            experiment=request.experiment or package.experiment or request.default_experiment or notebook,
            command=tuple(command),
            parameters=values,
            inputs=inputs,
            display_name=request.display_name or default_display_name(notebook, cell.index, request.parameters),
            compute=compute,
            environment=request.environment,
            interpreter=request.python or package.kernel.python,
            tags=tags,
            manifest={k: v for k, v in package.to_dict().items() if k != "script"},
        )

    def _job_inputs(
        self, package: JobPackage, overrides: dict[str, str], *, base_dir: Path, confine: bool
    ) -> dict[str, str]:
        """Large files the code reads become job inputs; ``overrides`` may point them at data assets."""
        from .notebook import normalise_path

        job_inputs = {i.path: i for i in package.inputs if i.mode == "job_input"}
        result = {(i.option or "").lstrip("-"): i.source for i in job_inputs.values()}
        for key, ref in overrides.items():
            item = job_inputs.get(normalise_path(key))
            if item is None:  # build_package already refused paths the cell does not read
                raise ValidationError(_("The cell reads no job input {key!r}.").format(key=key), field=f"inputs.{key}")
            name = (item.option or "").lstrip("-")
            if _is_asset_ref(ref):
                result[name] = ref
            else:
                result[name] = str(resolve_user_path(ref, base=base_dir, field=f"inputs.{key}", confine=confine))
        return result

    # -- AutoML ----------------------------------------------------------------------

    def submit_automl(
        self, spec: AutoMLJobSpec, *, base_dir: Path, confine: bool = False, target: str | None = None
    ) -> Job:
        """Start an AutoML job; returns at once with the parent job (Queued).

        ``training_data`` that is not a data asset reference is a file path
        relative to ``base_dir`` (the notebook folder; confined to it for REST).
        """
        automl = self.automl(target)
        if not _is_asset_ref(spec.training_data):
            path = resolve_user_path(spec.training_data, base=base_dir, field="training_data", confine=confine)
            if path.is_dir():
                raise ValidationError(folder_training_data(spec.training_data), field="training_data")
            spec = spec.model_copy(update={"training_data": str(path)})
        if spec.compute is None:
            spec = spec.model_copy(update={"compute": self.backend(target).traits().default_compute})
        return automl.submit_automl(spec)

    def register_dataframe(
        self, name: str, frame: Any, *, description: str | None = None, target: str | None = None
    ) -> DataAsset:
        """Save a pandas DataFrame (a kernel variable) as the next version of data asset ``name`` (a CSV file)."""
        data = self.data(target)
        if not hasattr(frame, "to_csv") or not hasattr(frame, "columns"):
            raise ValidationError(f"{type(frame).__name__} is not a pandas DataFrame.", field="data")
        staging = self.config.workspace_dir / "staging" / uuid.uuid4().hex
        staging.mkdir(parents=True, exist_ok=True)
        try:
            path = staging / f"{name}.csv"
            frame.to_csv(path, index=False)
            return data.register_data(name, path, description=description or "saved from a notebook DataFrame")
        finally:
            shutil.rmtree(staging, ignore_errors=True)

    def automl_details(self, name: str, *, target: str | None = None) -> AutoMLDetails:
        return self.automl(target).automl_details(name)

    # -- jobs ------------------------------------------------------------------------

    def list_jobs(self, query: JobQuery | None = None, *, target: str | None = None, **filters: Any) -> JobPage:
        """A page of jobs; ``filters`` are ``JobQuery`` fields (``experiment=``, ``order_by=``...).

        A sort key the target cannot sort on is refused with the keys it can,
        rather than sorted over a partial window without saying so.
        """
        query = query or JobQuery(**filters)
        backend = self.backend(target)
        keys = backend.traits().sort_keys
        if query.order_by not in keys and not (query.metric is not None and "metrics.*" in keys):
            raise ValidationError(
                _("The {label} target cannot sort jobs by {order_by!r} on the server; it sorts by {items}.").format(
                    label=_(backend.label), order_by=query.order_by, items=', '.join(keys)),
                field="order_by",
            )
        return self.jobs(target).list_jobs(query)

    def wait(self, name: str, timeout: float | None = None, *, target: str | None = None, interval: float = 0.25) -> Job:
        """The job once finished, or as it is after ``timeout`` seconds."""
        jobs = self.jobs(target)
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            job = jobs.get_job(name)
            if job.status.terminal or (deadline is not None and time.monotonic() >= deadline):
                return job
            time.sleep(interval)

    def follow_logs(
        self, name: str, write: Callable[[str], object], *, target: str | None = None, interval: float = FOLLOW_INTERVAL_S
    ) -> Job:
        """Hand the job's log to ``write`` as it grows until the job ends; returns the final job.

        The CLI's ``--follow``/``--wait`` and the magics' ``logs --follow``/``submit --wait``
        all stream this way. Ctrl+C (KeyboardInterrupt) propagates to the caller.
        """
        jobs = self.jobs(target)
        offset: str | None = None
        while True:
            chunk = jobs.logs(name, offset)
            if chunk.text:
                write(chunk.text)
            offset = chunk.next_offset
            if chunk.complete:
                return jobs.get_job(name)
            if not chunk.text:
                time.sleep(interval)  # the log is written by another process or service

    def metric_history(self, name: str, key: str, *, target: str | None = None) -> tuple[MetricPoint, ...]:
        """One metric's history (the batch ``metric_histories`` of the backend, for one key)."""
        return self.jobs(target).metric_histories(name, [key])[key]

    def best_job(
        self,
        metric: str | None = None,
        *,
        goal: str | None = None,
        experiment: str | None = None,
        parent: str | None = None,
        target: str | None = None,
    ) -> Job:
        """The completed job with the lowest (``goal="min"``) or highest value of ``metric``.

        Searches one experiment, or the trials of one sweep or AutoML job
        (``parent``), or every job when neither is given. For the trials of a
        sweep, the metric and goal default to its objective; of an AutoML job,
        to its primary metric and its goal. A target that cannot sort by
        metrics on the server is searched over its completed jobs page by page.
        """
        if parent is not None and (metric is None or goal is None):
            metric, goal = self._parent_objective(parent, metric, goal, target)
        goal = goal or "min"
        if metric is None:
            raise ValidationError(
                "Name the metric, e.g. rmse (or the sweep or AutoML job whose objective to use).", field="metric"
            )
        if goal not in ("min", "max"):
            raise ValidationError(_("goal must be min or max."), field="goal")
        if not isinstance(metric, str) or not metric.strip():
            raise ValidationError(_("Name the metric, e.g. rmse."), field="metric")
        backend = self.backend(target)
        scope: dict[str, Any] = {"experiment": experiment, "parent": parent, "status": (JobStatus.COMPLETED,)}
        best: Job | None = None
        if "metrics.*" in backend.traits().sort_keys:
            page = self.jobs(target).list_jobs(
                JobQuery(**scope, order_by=f"metrics.{metric}", descending=goal == "max", limit=1)
            )
            best = page.items[0] if page.items else None
        else:
            best = self._best_by_scanning(metric, goal, scope, target)
        if best is None or best.metrics.get(metric) is None:
            where = (
                _("the trials of {parent}").format(parent=parent) if parent
                else _("experiment {experiment!r}").format(experiment=experiment) if experiment else _("any experiment")
            )
            logged = self._logged_metric_names(scope, metric, target)
            said = _("No completed job in {where} logged the metric {metric!r}.").format(where=where, metric=metric)
            if logged:
                said += " " + _("Metrics they logged: {names}.").format(names=", ".join(logged))
            raise NotFoundError(
                said,
                details={"metric": metric, "experiment": experiment, "parent": parent, "logged": logged},
            )
        return best

    def _logged_metric_names(self, scope: dict[str, Any], wanted: str, target: str | None) -> list[str]:
        """Metric names the newest completed jobs of a scope logged, closest to ``wanted`` first.

        A metric's name is easy to guess wrong (autolog calls the notebook's
        ``accuracy_score(y_test, ...)`` ``accuracy_score_X_test``); the error
        that refuses a name says which ones exist. One bounded page is read.
        """
        import difflib

        names: set[str] = set()
        for job in self.jobs(target).list_jobs(JobQuery(**scope, limit=50)).items:
            names.update(job.metrics)
        if not names:  # difflib refuses n=0
            return []
        close = difflib.get_close_matches(wanted, sorted(names), n=len(names), cutoff=0.0)
        near = [n for n in sorted(names) if wanted.lower() in n.lower()]
        ordered = list(dict.fromkeys([*near, *close]))
        return ordered[:8]

    def _parent_objective(
        self, parent: str, metric: str | None, goal: str | None, target: str | None
    ) -> tuple[str | None, str | None]:
        """The metric and goal a sweep's objective or an AutoML job's primary metric gives, where not named."""
        kind = self.jobs(target).get_job(parent).type.value
        backend = self.backend(target)
        if kind == "sweep" and has_capability(backend, "sweeps"):
            objective = self.sweeps(target).sweep_details(parent).settings.objective
            if metric in (None, objective.primary_metric):
                return objective.primary_metric, goal or ("min" if objective.minimize else "max")
        elif kind == "automl" and has_capability(backend, "automl"):
            details = self.automl_details(parent, target=target)
            if metric in (None, details.primary_metric):
                return details.primary_metric, goal or ("min" if details.goal == "minimize" else "max")
        return metric, goal

    def _best_by_scanning(self, metric: str, goal: str, scope: dict[str, Any], target: str | None) -> Job | None:
        jobs = self.jobs(target)
        best: Job | None = None
        cursor: str | None = None
        while True:
            page = jobs.list_jobs(JobQuery(**scope, limit=1000, cursor=cursor))
            for job in page.items:
                value = job.metrics.get(metric)
                if value is None:
                    continue
                current = None if best is None else best.metrics.get(metric)
                if current is None or (value < current if goal == "min" else value > current):
                    best = job
            if page.next_cursor is None:
                return best
            cursor = page.next_cursor

    # -- data assets -------------------------------------------------------------------

    def register_data(
        self,
        name: str,
        path: str | os.PathLike[str],
        *,
        base_dir: Path,
        confine: bool = False,
        description: str | None = None,
        version: str | int | None = None,
        target: str | None = None,
    ) -> DataAsset:
        """Register a file or folder (relative to ``base_dir``; confined to it for REST) as a data asset."""
        data = self.data(target)
        source = resolve_user_path(path, base=base_dir, field="path", confine=confine)
        return data.register_data(name, source, description=description, version=version)

    # -- online endpoints --------------------------------------------------------------------

    def create_deployment(
        self,
        endpoint: str,
        name: str,
        *,
        model: str,
        traffic: int | None = None,
        score_script: str | os.PathLike[str] | None = None,
        base_dir: Path | None = None,
        confine: bool = False,
        target: str | None = None,
        instance_type: str | None = None,
        instance_count: int | None = None,
    ) -> Deployment:
        """Start deploying ``model`` (``name`` = latest, or ``name:version``) to an endpoint.

        ``score_script`` (Azure's ``init()``/``run()``) is relative to ``base_dir``
        (the notebook folder; confined to it for REST). Returns at once with
        status Creating; ``wait_deployment`` follows it.
        """
        endpoints = self.endpoints(target)
        script = None
        if score_script is not None:
            if not isinstance(score_script, (str, os.PathLike)) or not os.fspath(score_script):
                raise ValidationError(_("score_script must be the path of a .py file."), field="score_script")
            script = resolve_user_path(score_script, base=base_dir or Path.cwd(), field="score_script", confine=confine)
            if not script.is_file() or script.suffix != ".py":
                raise ValidationError(_("score_script {fspath!r} must be a .py file.").format(
                    fspath=os.fspath(score_script)), field="score_script")
        return endpoints.create_deployment(
            endpoint, name, model=model, traffic=traffic, score_script=script,
            instance_type=instance_type, instance_count=instance_count,
        )

    def get_deployment(self, endpoint: str, name: str, *, target: str | None = None) -> Deployment:
        for deployment in self.endpoints(target).get_endpoint(endpoint).deployments:
            if deployment.name == name:
                return deployment
        raise NotFoundError(
            _("Endpoint {endpoint} has no deployment named {name!r}.").format(
                endpoint=endpoint, name=name), details={"endpoint": endpoint, "deployment": name}
        )

    def wait_deployment(
        self, endpoint: str, name: str, *, timeout: float | None = None, target: str | None = None
    ) -> Deployment:
        """Follow a deployment's provisioning until it is ``Succeeded`` or ``Failed`` (or ``timeout`` passes)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        delay, ceiling = DEPLOYMENT_POLL_S
        while True:
            deployment = self.get_deployment(endpoint, name, target=target)
            if deployment.status not in ("Creating", "Updating"):
                return deployment
            if deadline is not None and time.monotonic() >= deadline:
                return deployment
            time.sleep(delay if deadline is None else max(0.0, min(delay, deadline - time.monotonic())))
            delay = min(delay * 1.5, ceiling)

    def deploy(
        self,
        model: str,
        *,
        endpoint: str,
        deployment: str | None = None,
        traffic: int | None = None,
        score_script: str | os.PathLike[str] | None = None,
        base_dir: Path | None = None,
        wait: float | None = None,
        target: str | None = None,
        instance_type: str | None = None,
        instance_count: int | None = None,
    ) -> Endpoint:
        """Create the endpoint if missing and deploy ``model`` to it; returns the endpoint.

        The first deployment is ``blue`` with all traffic; later ones default to
        the next free of ``green``, ``deployment-3``... with no traffic (try it,
        then ``set_traffic``). With ``wait`` (seconds), returns once the
        deployment is ready or Failed (with its ``last_error``), or the time is up.
        """
        endpoints = self.endpoints(target)
        try:
            current = endpoints.get_endpoint(endpoint)
        except NotFoundError:
            current = endpoints.create_endpoint(endpoint)
        if deployment is None:
            taken = {d.name for d in current.deployments}
            options = ["blue", "green", *(f"deployment-{i}" for i in range(3, len(taken) + 4))]
            deployment = next(n for n in options if n not in taken)
        self.create_deployment(
            endpoint, deployment, model=model, traffic=traffic, score_script=score_script, base_dir=base_dir, target=target,
            instance_type=instance_type, instance_count=instance_count,
        )
        if wait is not None:
            self.wait_deployment(endpoint, deployment, timeout=wait, target=target)
        return endpoints.get_endpoint(endpoint)

    # -- export ------------------------------------------------------------------------

    def export_job(
        self, name: str, *, out_dir: Path, shown_as: str | None = None, overwrite: bool = False, target: str | None = None
    ) -> ExportResult:
        """Write ``out_dir/<job>/``: CLI v2 ``job.yml``, the code it names, its conda file and a GitHub Actions workflow.

        Generated from our records (job, code snapshot, manifest), not by azure-ai-ml's ``dump``,
        so the same document comes from either target. ``shown_as`` is how the result names the
        folder (over REST: relative to the notebook folder, never a server path).
        """
        from .export import sources, write_automl_job, write_job

        job = self.jobs(target).get_job(name)
        if job.type is JobType.AUTOML and job.parent is None:
            automl = sources.automl_source(self, job, target)
            return write_automl_job(out_dir, automl, shown_as=shown_as or str(out_dir / name), overwrite=overwrite)
        source = sources.job_source(self, name, target)
        return write_job(out_dir, source, shown_as=shown_as or str(out_dir / name), overwrite=overwrite)

    def export_endpoint(
        self, name: str, *, out_dir: Path, shown_as: str | None = None, overwrite: bool = False, target: str | None = None
    ) -> ExportResult:
        """Write ``out_dir/<endpoint>/``: ``endpoint.yml``, a ``deployment-<name>.yml`` per deployment, and a workflow."""
        from .export import sources, write_endpoint

        source = sources.endpoint_source(self, name, target)
        return write_endpoint(out_dir, source, shown_as=shown_as or str(out_dir / name), overwrite=overwrite)

    def close(self) -> None:
        with self._lock:
            for backend in self._backends.values():
                backend.close()
            self._backends.clear()


def _as_submit(request: SubmitRequest) -> SubmitRequest:
    """The submission part of a sweep request (what packaging the cell needs)."""
    if type(request) is SubmitRequest:
        return request
    return SubmitRequest(**{name: getattr(request, name) for name in SubmitRequest.model_fields})


def default_display_name(notebook: str, cell_index: int, given: Mapping[str, Any]) -> str:
    """``diabetes cell 12 (alpha=2)``: the cell numbered from 1 as JupyterLab users count cells, and the
    parameters the submit set, as given, so that runs of one cell differ by name (CLI, magics and sidebar alike)."""
    name = f"{notebook} cell {cell_index + 1}"
    changed = [f"{key}={_short(given[key])}" for key in given]
    if not changed:
        return name
    return f"{name} ({', '.join(changed)})"[:DISPLAY_NAME_LIMIT]


def _short(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 24 else text[:21] + "..."


def _check_parameter_names(package: JobPackage, parameters: Mapping[str, Any]) -> None:
    unknown = sorted(set(parameters) - set(package.parameters))
    if unknown:
        known = ", ".join(package.parameters) or "none"
        raise ValidationError(_("Unknown parameter {value!r}; this cell's parameters are: {known}.").format(
            value=unknown[0], known=known), field="parameters")


def _is_asset_ref(ref: str) -> bool:
    """``azureml:name@latest``, ``azureml:name:2``, ``name@latest`` or ``name:2`` (not a path)."""
    if ref.startswith("azureml:") or (ref.endswith("@latest") and "/" not in ref):
        return True
    head, sep, version = ref.rpartition(":")
    return bool(sep and head and "/" not in ref and (version.isdigit() or version == "latest"))
