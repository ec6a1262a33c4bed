"""Plain records the facade returns and every front end renders.

Records are frozen dataclasses so that the REST handlers, the CLI and the
magics serialise exactly the same fields (``to_dict`` gives the JSON shape
documented in ``schema/openapi.yaml``).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Literal, get_args

from .sweep.settings import SweepSettings


_PLAIN = frozenset({str, int, float, bool, type(None)})
_FIELDS: dict[type, tuple[str, ...]] = {}


def to_jsonable(value: Any) -> Any:
    """Turn records, enums, paths and containers into JSON-ready values.

    Listings serialise thousands of fields per answer, so exact plain types
    return first and each record class's field names are looked up once.
    """
    kind = type(value)
    if kind in _PLAIN:
        return value
    fields = _FIELDS.get(kind)
    if fields is None and dataclasses.is_dataclass(kind):
        fields = _FIELDS[kind] = tuple(f.name for f in dataclasses.fields(kind))
    if fields is not None:
        return {name: to_jsonable(getattr(value, name)) for name in fields}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if hasattr(value, "__fspath__"):
        return str(value)
    dump = getattr(value, "model_dump", None)  # a pydantic model (a sweep's settings inside a record)
    if callable(dump):
        return dump(mode="json")
    return value


class Record:
    """Mixin giving every record the same JSON rendering."""

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(self)


class JobStatus(str, Enum):
    """Azure ML's job status vocabulary, used by every target."""

    NOT_STARTED = "NotStarted"
    QUEUED = "Queued"
    PREPARING = "Preparing"
    STARTING = "Starting"
    RUNNING = "Running"
    FINALIZING = "Finalizing"
    CANCEL_REQUESTED = "CancelRequested"
    COMPLETED = "Completed"
    FAILED = "Failed"
    CANCELED = "Canceled"

    @property
    def terminal(self) -> bool:
        return self in TERMINAL_STATUSES


TERMINAL_STATUSES = frozenset({JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.CANCELED})


class HealthState(str, Enum):
    OK = "ok"
    NOT_CONFIGURED = "not_configured"
    ERROR = "error"
    CHECKING = "checking"  # configured, but not yet reached: "configured" is not "reachable"


@dataclass(frozen=True)
class Health(Record):
    """Whether a target can be used now, with a sentence saying why not.

    A remote target also says what it reached (workspace, region, studio
    link, the identity it signed in as) and when it last checked.
    """

    state: HealthState
    message: str
    workspace: str | None = None
    region: str | None = None
    studio_url: str | None = None
    identity: str | None = None
    checked_at: float | None = None  # epoch seconds of the last reachability check; None: never checked


@dataclass(frozen=True)
class Capabilities(Record):
    """What a target can do, so the UI hides what it cannot (cf. jupyter-scheduler's /config).

    The feature flags (``jobs`` .. ``data_assets``) are derived from the
    capability protocols a backend implements (``backends/base.py``), never set
    by hand; the rest is what the backend declares about itself in ``TargetTraits``.
    """

    jobs: bool = False
    sweeps: bool = False
    automl: bool = False
    models: bool = False
    endpoints: bool = False
    data_assets: bool = False
    computes: bool = False
    instance_types: bool = False
    compute_targets: tuple[str, ...] = ()
    live_updates: str = "none"  # "long-poll": the change feed holds a request until something changes
    export_yaml: bool = False
    sort_keys: tuple[str, ...] = ()  # order_by values sorted on the server; "metrics.*" means any metric


@dataclass(frozen=True)
class TargetTraits:
    """What a backend declares about itself beyond the operations it implements."""

    compute_targets: tuple[str, ...] = ()
    default_compute: str | None = None
    instance_types: bool = False
    live_updates: str = "none"
    export_yaml: bool = False
    sort_keys: tuple[str, ...] = ("created_at",)
    #: The service draws a sweep's points with its own sampler, so a preview's points are only an illustration.
    samples_sweeps_itself: bool = False


@dataclass(frozen=True)
class TargetSummary(Record):
    """One selectable target as the workspace header lists it."""

    name: str
    label: str
    health: Health


@dataclass(frozen=True)
class WorkspaceInfo(Record):
    """Answer of ``GET /amlx/api/workspace``: the active target and what it can do."""

    target: str
    label: str
    location: str  # local folder, or the Azure workspace's ARM-ish path
    workspace_dir: str
    version: str
    health: Health
    capabilities: Capabilities
    targets: tuple[TargetSummary, ...] = field(default_factory=tuple)
    warnings: tuple[str, ...] = field(default_factory=tuple)


# -- jobs ------------------------------------------------------------------------
#
# Times are Unix epoch seconds (UTC, float) so that every front end can sort and
# subtract them without parsing; ``None`` means "not yet".

ParameterValue = str | int | float | bool


class JobType(str, Enum):
    """Azure ML's job kinds this product runs: a command, a sweep over its parameters, AutoML.

    ``interactive`` is a run no job made: a notebook kernel's own ``mlflow.start_run()``
    logged to the workspace's tracking store (Azure ML lists such runs next to its jobs
    too). It has metrics, params and artifacts, but no log, code or process to cancel.
    """

    COMMAND = "command"
    SWEEP = "sweep"
    AUTOML = "automl"
    INTERACTIVE = "interactive"


@dataclass(frozen=True)
class JobInput(Record):
    """One job input as resolved at submit time."""

    name: str
    ref: str  # as given: a path, ``azureml:name@latest``, ``name:1``...
    path: str  # the file or folder the job reads
    asset: str | None = None  # ``name:version`` when ``ref`` named a data asset


@dataclass(frozen=True)
class Job(Record):
    """A submitted job, the same shape on every target.

    ``parameters`` are the values submitted; ``params`` and ``metrics`` are what the
    job's MLflow run logged (latest value per metric key; ``None`` for NaN).
    ``environment`` is an environment reference (``azureml:name:version``, a curated
    environment) or ``None`` when the job runs with the requirements captured at
    submit. ``parent`` names the sweep or AutoML job a trial belongs to.
    ``updated_at`` is when the record last changed: of two answers about one job,
    the later one wins.
    """

    name: str
    display_name: str
    experiment: str
    status: JobStatus
    compute: str
    created_at: float
    type: JobType = JobType.COMMAND
    parent: str | None = None
    started_at: float | None = None
    ended_at: float | None = None
    updated_at: float | None = None
    command: tuple[str, ...] = ()
    environment: str | None = None
    parameters: dict[str, Any] = field(default_factory=dict)
    inputs: tuple[JobInput, ...] = ()
    tags: dict[str, str] = field(default_factory=dict)
    metrics: dict[str, float | None] = field(default_factory=dict)
    params: dict[str, str] = field(default_factory=dict)
    exit_code: int | None = None
    error: str | None = None
    mlflow_run_id: str | None = None
    mlflow_experiment_id: str | None = None
    studio_url: str | None = None  # the job in Azure ML studio; None on the local target


@dataclass(frozen=True)
class SweepDetails(Record):
    """What a sweep job searches and how far it got (its trials are the jobs whose ``parent`` it is).

    ``settings`` is the search space, objective, sampling algorithm, early
    termination policy and limits as submitted; ``seed`` is the one the
    sampler used (chosen at submit when none was given). ``best_trial`` and
    ``best_value`` follow the completed trials as they finish (Azure's
    ``best_child_run_id`` and ``score``). ``trial_counts`` counts the trials
    created so far by status; ``pruned`` how many the policy stopped.
    """

    name: str
    settings: SweepSettings
    seed: int | None
    best_trial: str | None
    best_value: float | None
    trials: int
    trial_counts: dict[str, int]
    pruned: int
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class JobPage(Record):
    """One page of a job listing; pass ``next_cursor`` back to get the next one."""

    items: tuple[Job, ...]
    next_cursor: str | None
    total: int | None = None


@dataclass(frozen=True)
class JobChanges(Record):
    """Jobs changed since a cursor, and the cursor to ask from next time.

    Cursors are opaque: a target with a revision counter encodes it, one
    without lists and diffs. ``more`` says further changes are ready now.
    """

    jobs: tuple[Job, ...]
    cursor: str
    more: bool = False


@dataclass(frozen=True)
class MetricPoint(Record):
    """One logged value of a metric (``value`` is ``None`` for NaN)."""

    key: str
    value: float | None
    step: int
    timestamp: float  # epoch seconds


#: Which of a job's logs: ``user`` is std_log.txt (what the code prints); ``system`` holds MLflow's
#: and amlx's messages from inside the job (Azure ML's ``user_logs`` and ``system_logs``).
LogKind = Literal["user", "system"]


@dataclass(frozen=True)
class LogChunk(Record):
    """A slice of a job's ``std_log.txt`` (or of its system log).

    ``offset`` and ``next_offset`` are opaque: pass ``next_offset`` back to read
    on. ``complete`` is true once the job is finished and everything has been
    read; ``size`` is the log's length in bytes when the target knows it.
    """

    text: str
    offset: str
    next_offset: str
    size: int | None
    complete: bool


@dataclass(frozen=True)
class FileEntry(Record):
    """A file in a job's outputs or code folder (``path`` is relative, with ``/``)."""

    path: str
    size: int
    modified: float


@dataclass(frozen=True)
class CodePackage(Record):
    """The code a job ran: the snapshot taken at submit, and the slicer's manifest."""

    job: str
    files: tuple[FileEntry, ...]
    command: tuple[str, ...]
    manifest: dict[str, Any] | None = None


@dataclass(frozen=True)
class ExperimentSummary(Record):
    """An experiment as the job index sees it."""

    name: str
    job_count: int
    last_submitted_at: float | None


@dataclass(frozen=True)
class ExportResult(Record):
    """What an export wrote: a folder of Azure ML CLI v2 YAML, the files it names, and a GitHub Actions workflow.

    ``folder`` is as the caller named it (over REST, relative to the notebook
    folder); ``files`` are relative to it, the main YAML document first.
    ``notes`` say what to change before the files run elsewhere (a local data
    file, a compute to name).
    """

    kind: Literal["job", "endpoint"]
    name: str
    target: str
    folder: str
    files: tuple[str, ...]
    notes: tuple[str, ...] = ()


# -- computes --------------------------------------------------------------------


@dataclass(frozen=True)
class ComputeTarget(Record):
    """Somewhere a job can run: the local machine's slots, an Azure ML cluster, or serverless compute.

    ``state`` is the target's own word (``Succeeded``, ``Resizing``, ``Ready``);
    ``max_nodes`` is a cluster's node limit, or the local target's slots.
    ``default`` marks what a submit without ``compute`` runs on.
    """

    name: str
    kind: str  # "local", "amlcompute", "computeinstance", "kubernetes", "serverless", ...
    state: str
    instance_type: str | None = None
    min_nodes: int | None = None
    max_nodes: int | None = None
    current_nodes: int | None = None
    default: bool = False


@dataclass(frozen=True)
class InstanceType(Record):
    """A VM size a serverless job (or a new cluster) may ask for."""

    name: str
    vcpus: int | None = None
    memory_gb: float | None = None
    gpus: int | None = None


# -- AutoML ----------------------------------------------------------------------


@dataclass(frozen=True)
class LeaderboardEntry(Record):
    """One trial of an AutoML job: its algorithm (Azure's name), hyperparameters and validation score.

    ``score`` is the mean of ``fold_scores`` (one per validation split) and
    ``score_std`` their standard deviation, the spread to read a gap between
    two trials against. ``source`` is ``default`` for a plain scikit-learn
    default the job always tries, ``search`` for a trial FLAML proposed.
    ``trial`` is the child job's name (``<job>_<index>``); ``rank`` is 1 for the best.
    """

    trial: str
    index: int
    algorithm: str
    source: str
    learner: str
    score: float | None
    score_std: float | None
    fold_scores: tuple[float | None, ...]
    duration_s: float
    hyperparameters: dict[str, Any]
    status: str
    rank: int | None = None
    is_best: bool = False
    error: str | None = None


@dataclass(frozen=True)
class RocCurve(Record):
    """The ROC curve of one class against the rest (for two classes, of the positive one)."""

    label: str
    auc: float | None
    fpr: tuple[float, ...]
    tpr: tuple[float, ...]


@dataclass(frozen=True)
class ModelCharts(Record):
    """What the best model's charts are drawn from: its out-of-fold predictions on the validation rows.

    Classification fills the confusion matrix (rows: true labels, columns:
    predicted, in ``confusion_labels`` order) and ``roc``; regression and
    forecasting fill ``predicted``/``actual`` (a sample of rows) and the
    residual histogram (``residual_bins`` has one edge more than ``residual_counts``).
    """

    kind: str  # classification | regression
    rows: int
    confusion_labels: tuple[str, ...] = ()
    confusion_matrix: tuple[tuple[int, ...], ...] = ()
    roc: tuple[RocCurve, ...] = ()
    predicted: tuple[float, ...] = ()
    actual: tuple[float, ...] = ()
    residual_bins: tuple[float, ...] = ()
    residual_counts: tuple[int, ...] = ()


@dataclass(frozen=True)
class AutoMLDetails(Record):
    """An AutoML job's settings, its leaderboard (best first) and the best model, as far as the job got.

    ``settings`` is the submitted ``AutoMLJobSpec``. ``validation`` says how
    the trials were validated (``10-fold cross-validation, Azure's choice for
    299 rows``); ``notes`` say where the run differs from what was asked and
    why (columns not used, concurrency on this machine). ``model`` is the
    registrable source of the best model (``outputs/model``) once it is saved;
    ``charts`` come with it.
    """

    name: str
    status: JobStatus
    task: str
    primary_metric: str
    goal: str  # maximize | minimize
    target_column_name: str
    settings: dict[str, Any]
    validation: str | None
    leaderboard: tuple[LeaderboardEntry, ...]
    best_trial: str | None
    best_algorithm: str | None
    best_score: float | None
    best_score_std: float | None
    trials: int
    stop_reason: str | None = None
    model: str | None = None
    charts: ModelCharts | None = None
    notes: tuple[str, ...] = ()


# -- data assets -----------------------------------------------------------------


@dataclass(frozen=True)
class DataAsset(Record):
    """A named, versioned copy of a file (``uri_file``) or folder (``uri_folder``)."""

    name: str
    version: str
    type: Literal["uri_file", "uri_folder"]
    size: int  # bytes (sum of files for a folder)
    created_at: float
    description: str | None = None
    source: str | None = None  # the path it was registered from

    @property
    def ref(self) -> str:
        """The reference a job input uses, Azure style."""
        return f"azureml:{self.name}:{self.version}"


# -- models ----------------------------------------------------------------------
#
# A registered model version is an immutable copy of a job's model files (a
# pickle/joblib/skops file or an MLflow model folder) under the workspace, so
# a deployment loads a folder that never changes.

MODEL_FORMATS = ("mlflow", "pickle", "joblib", "skops")


@dataclass(frozen=True)
class ModelColumn(Record):
    """One input column the model expects (types as MLflow names them: double, long, string, boolean, any)."""

    name: str
    type: str


@dataclass(frozen=True)
class ModelVersion(Record):
    """One registered version of a model.

    ``source`` says where in the job it came from (``outputs/model.pkl`` or
    ``mlflow:model``); ``example`` is a one-row ``{"data": [{...}]}`` request body built from the
    input columns, for a test panel or a copyable curl.
    """

    name: str
    version: str
    job: str | None
    source: str
    format: str
    size: int
    description: str | None
    tags: dict[str, str]
    created_at: float
    input_columns: tuple[ModelColumn, ...] | None = None
    example: dict[str, Any] | None = None

    @property
    def ref(self) -> str:
        """``name:version``, as a deployment names its model."""
        return f"{self.name}:{self.version}"


@dataclass(frozen=True)
class ModelSummary(Record):
    """A model in the list: its newest version and how many there are."""

    name: str
    latest_version: str
    version_count: int
    description: str | None
    updated_at: float


@dataclass(frozen=True)
class ModelCandidate(Record):
    """Something in a job that can be registered as a model (what a "register from a run" picker shows)."""

    source: str  # "outputs/model.pkl", "outputs/model" (an MLflow folder) or "mlflow:model"
    format: str
    size: int


# -- online endpoints --------------------------------------------------------------

EndpointStatus = Literal["Creating", "Succeeded", "Failed", "Updating", "Deleting"]
DeploymentStatus = Literal["Creating", "Succeeded", "Failed", "Restarting", "Stopped"]
ENDPOINT_STATUSES: tuple[str, ...] = get_args(EndpointStatus)
DEPLOYMENT_STATUSES: tuple[str, ...] = get_args(DeploymentStatus)


@dataclass(frozen=True)
class DeploymentStats(Record):
    """Requests a deployment answered itself and their latency (recent window, else since it was created)."""

    requests: int
    errors: int
    p50_ms: float | None
    p99_ms: float | None


@dataclass(frozen=True)
class Deployment(Record):
    """One model served by one scoring server process (restarted by its supervisor when it dies)."""

    name: str
    endpoint: str
    model: str  # "name:version"
    status: DeploymentStatus
    deployment_uri: str | None  # this deployment's own URI; the endpoint's scoring_uri routes by traffic
    restarts: int
    last_error: str | None
    started_at: float | None
    stats: DeploymentStats | None = None
    score_script: str | None = None
    created_at: float | None = None


@dataclass(frozen=True)
class Endpoint(Record):
    """An online endpoint: a stable scoring URI with key auth, and the deployments behind it."""

    name: str
    auth_mode: str
    description: str | None
    scoring_uri: str
    status: EndpointStatus
    traffic: dict[str, int]
    deployments: tuple[Deployment, ...]
    created_at: float


@dataclass(frozen=True)
class EndpointKeys(Record):
    """The endpoint's two keys. Never logged; ``repr`` hides them."""

    primary_key: str = field(repr=False)
    secondary_key: str = field(repr=False)


@dataclass(frozen=True)
class InvokeResult(Record):
    """What the scoring server answered: status and body even for 4xx, so a caller can show its message."""

    status_code: int
    body: Any  # parsed JSON, or the text when it is not JSON
    latency_ms: float
    deployment: str | None  # from the azureml-model-deployment header
