"""The REST routes under ``/amlx/api`` (documented in ``schema/openapi.yaml``)."""

from __future__ import annotations

from typing import Any

from .automl import AutoMLDetailsHandler, AutoMLJobsHandler
from .base import UnknownRouteHandler
from .computes import ComputesHandler, InstanceTypesHandler
from .data import ASSET, DataAssetHandler, DataHandler
from .endpoints import (
    DEPLOYMENT,
    ENDPOINT,
    CurlHandler,
    DeploymentHandler,
    DeploymentsHandler,
    EndpointHandler,
    EndpointsHandler,
    InvokeHandler,
    KeysHandler,
    TrafficHandler,
)
from .exports import EndpointExportHandler, JobExportHandler
from .jobs import (
    JOB,
    CancelHandler,
    CodeFileHandler,
    CodeHandler,
    EventsHandler,
    ExperimentsHandler,
    JobHandler,
    JobsHandler,
    LogsHandler,
    MetricHistoriesHandler,
    MetricHistoryHandler,
    OutputFileHandler,
    OutputsHandler,
    PreviewHandler,
)
from .registry import (
    MODEL,
    VERSION,
    ModelCandidatesHandler,
    ModelDownloadHandler,
    ModelHandler,
    ModelsHandler,
    ModelVersionHandler,
)
from .sweeps import SweepDetailsHandler, SweepMetricsHandler, SweepPreviewHandler, SweepsHandler
from .workspace import WorkspaceHandler

API_PREFIX = "/amlx/api"


def routes() -> list[tuple[str, Any]]:
    """URL patterns relative to the server's base URL, most specific first."""
    table = [
        ("/workspace", WorkspaceHandler),
        ("/events", EventsHandler),
        ("/experiments", ExperimentsHandler),
        ("/jobs", JobsHandler),
        ("/jobs/preview", PreviewHandler),
        ("/jobs/sweep", SweepsHandler),
        ("/jobs/sweep/preview", SweepPreviewHandler),
        ("/jobs/automl", AutoMLJobsHandler),
        (f"/jobs/{JOB}", JobHandler),
        (f"/jobs/{JOB}/sweep", SweepDetailsHandler),
        (f"/jobs/{JOB}/sweep/metrics", SweepMetricsHandler),
        (f"/jobs/{JOB}/automl", AutoMLDetailsHandler),
        (f"/jobs/{JOB}/cancel", CancelHandler),
        (f"/jobs/{JOB}/export", JobExportHandler),
        (f"/jobs/{JOB}/logs", LogsHandler),
        (f"/jobs/{JOB}/metrics", MetricHistoriesHandler),
        (f"/jobs/{JOB}/metrics/(?P<key>[^/]+)", MetricHistoryHandler),
        (f"/jobs/{JOB}/outputs", OutputsHandler),
        (f"/jobs/{JOB}/outputs/(?P<path>.+)", OutputFileHandler),
        (f"/jobs/{JOB}/code", CodeHandler),
        (f"/jobs/{JOB}/code/(?P<path>.+)", CodeFileHandler),
        ("/computes", ComputesHandler),
        ("/computes/instance-types", InstanceTypesHandler),
        ("/data", DataHandler),
        (f"/data/{ASSET}", DataAssetHandler),
        (f"/jobs/{JOB}/model-candidates", ModelCandidatesHandler),
        ("/models", ModelsHandler),
        (f"/models/{MODEL}", ModelHandler),
        (f"/models/{MODEL}/versions/{VERSION}", ModelVersionHandler),
        (f"/models/{MODEL}/versions/{VERSION}/download", ModelDownloadHandler),
        ("/endpoints", EndpointsHandler),
        (f"/endpoints/{ENDPOINT}", EndpointHandler),
        (f"/endpoints/{ENDPOINT}/keys", KeysHandler),
        (f"/endpoints/{ENDPOINT}/deployments", DeploymentsHandler),
        (f"/endpoints/{ENDPOINT}/deployments/{DEPLOYMENT}", DeploymentHandler),
        (f"/endpoints/{ENDPOINT}/traffic", TrafficHandler),
        (f"/endpoints/{ENDPOINT}/invoke", InvokeHandler),
        (f"/endpoints/{ENDPOINT}/curl", CurlHandler),
        (f"/endpoints/{ENDPOINT}/export", EndpointExportHandler),
    ]
    return [(API_PREFIX + path, handler) for path, handler in table] + [(rf"{API_PREFIX}/(.*)", UnknownRouteHandler)]
