"""The MLflow REST API at the workspace's tracking URI, from a client through azureml-mlflow: every call the
store makes goes to ``/mlflow/v2.0/<workspace>/api/2.0/mlflow/...`` on the emulator with a bearer token."""

from __future__ import annotations

import time
import uuid
from typing import Any

from .client import RunningEmulator


def test_client_calls_reach_mlflows_own_handlers(ml_client: Any, azure_env: RunningEmulator) -> None:
    from mlflow.entities import Metric, Param, RunTag
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=ml_client.workspaces.get(ml_client.workspace_name).mlflow_tracking_uri)
    mark = azure_env.mark()
    name = f"emulator-mlflow-{uuid.uuid4().hex[:6]}"
    experiment_id = client.create_experiment(name)
    assert client.get_experiment_by_name(name).experiment_id == experiment_id  # type: ignore[union-attr]
    run = client.create_run(experiment_id, run_name="by-hand")
    run_id = run.info.run_id
    client.log_param(run_id, "alpha", "0.1")
    client.log_metric(run_id, "rmse", 0.5, step=0)
    now = int(time.time() * 1000)
    client.log_batch(run_id, metrics=[Metric("rmse", 0.25, now, 1)],
                     params=[Param("beta", "2")],  # type: ignore[no-untyped-call]
                     tags=[RunTag("origin", "emulator-test")])  # type: ignore[no-untyped-call]
    client.set_tag(run_id, "stage", "tested")
    client.set_terminated(run_id, "FINISHED")

    found = client.search_runs([experiment_id], filter_string="metrics.rmse < 0.3")
    assert [r.info.run_id for r in found] == [run_id]
    got = client.get_run(run_id)
    assert got.info.status == "FINISHED" and got.data.params == {"alpha": "0.1", "beta": "2"}
    assert got.data.tags["stage"] == "tested" and got.data.tags["origin"] == "emulator-test"
    assert [m.value for m in client.get_metric_history(run_id, "rmse")] == [0.5, 0.25]
    assert name in {e.name for e in client.search_experiments()}

    prefix = f"/mlflow/v2.0{azure_env.workspace_path}/api/2.0/mlflow/"
    calls = {(r["method"], r["path"].removeprefix(prefix)) for r in azure_env.requests(mark)
             if r["path"].startswith(prefix) and r["authorized"] and r["status"] == 200}
    assert calls >= {
        ("POST", "experiments/create"), ("GET", "experiments/get-by-name"), ("POST", "runs/create"),
        ("POST", "runs/log-parameter"), ("POST", "runs/log-metric"), ("POST", "runs/log-batch"),
        ("POST", "runs/set-tag"), ("POST", "runs/update"), ("POST", "runs/search"), ("GET", "runs/get"),
        ("GET", "metrics/get-history"), ("POST", "experiments/search"),
    }
