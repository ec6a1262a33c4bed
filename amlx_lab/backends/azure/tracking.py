"""Metrics and parameters through the workspace's MLflow REST API, without importing MLflow.

A job's MLflow run id is the job's name (on Azure and on the loopback
workspace alike). Two calls are used: ``runs/get`` (latest value of each metric,
parameters) and ``metrics/get-history`` (every value of one metric, paged).
The requests carry the backend's own token (the ARM scope, which is what
azureml-mlflow asks for too), so no second sign-in and no 1.5 s MLflow import
happen in the Jupyter server.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from ...records import MetricPoint
from .connection import Connection

HISTORY_PAGE = 25000


@dataclass(frozen=True)
class RunData:
    """What the MLflow run of a job logged: latest metric values and parameters."""

    metrics: dict[str, float | None]
    params: dict[str, str]
    experiment_id: str | None


class Tracking:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def _api(self) -> str | None:
        return self._connection.facts().mlflow_api

    def run_data(self, name: str) -> RunData | None:
        """The job's MLflow run (``None`` when there is none yet)."""
        body = self._get("/runs/get", {"run_id": name})
        if body is None:
            return None
        run = body.get("run") or {}
        data = run.get("data") or {}
        info = run.get("info") or {}
        return RunData(
            metrics={m["key"]: number(m.get("value")) for m in data.get("metrics") or () if "key" in m},
            params={p["key"]: str(p.get("value", "")) for p in data.get("params") or () if "key" in p},
            experiment_id=info.get("experiment_id"),
        )

    def history(self, name: str, key: str) -> tuple[MetricPoint, ...]:
        """Every logged value of ``key``, by step then time (empty if the run or metric does not exist)."""
        points: list[MetricPoint] = []
        token: str | None = None
        while True:
            params: dict[str, Any] = {"run_id": name, "metric_key": key, "max_results": HISTORY_PAGE}
            if token:
                params["page_token"] = token
            body = self._get("/metrics/get-history", params)
            if body is None:
                break
            for m in body.get("metrics") or ():
                points.append(MetricPoint(
                    key=key, value=number(m.get("value")), step=int(m.get("step") or 0),
                    timestamp=int(m.get("timestamp") or 0) / 1000,
                ))
            token = body.get("next_page_token")
            if not token:
                break
        points.sort(key=lambda p: (p.step, p.timestamp))
        return tuple(points)

    def _get(self, path: str, params: dict[str, Any]) -> Any:
        from azure.core.exceptions import HttpResponseError

        api = self._api()
        if api is None:
            return None
        try:
            return self._connection.rest.json("GET", api + path, params=params) or {}
        except HttpResponseError as exc:
            if exc.status_code == 404 or _mlflow_code(exc) == "RESOURCE_DOES_NOT_EXIST":
                return None
            raise


def _mlflow_code(exc: Any) -> str | None:
    try:
        body = exc.response.json()
    except Exception:  # noqa: BLE001 - not JSON
        return None
    return body.get("error_code") if isinstance(body, dict) else None


def number(value: Any) -> float | None:
    """A metric value (MLflow writes NaN and infinities as strings); NaN becomes ``None``."""
    try:
        result = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(result) else result
