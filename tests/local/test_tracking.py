"""The workspace's MLflow store: built from a template, read without MLflow, same answers as MLflow."""

from __future__ import annotations

import sqlite3
import subprocess
import sys

import pytest

from amlx_lab.backends.local import tracking
from amlx_lab.backends.local.layout import Layout
from amlx_lab.backends.local.tracking import FallbackRunReader, RunReader, ensure_experiment, ensure_store, open_reader

from .conftest import wait_until


def test_prepare_tracking_builds_the_store_in_the_background(backend):
    assert backend.prepare_tracking() is True
    wait_until(lambda: backend.layout.mlflow_db.exists(), 120, "the MLflow store")
    assert backend.prepare_tracking() is False
    conn = sqlite3.connect(backend.layout.mlflow_db)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    location = conn.execute("SELECT artifact_location FROM experiments WHERE experiment_id = 0").fetchone()[0]
    assert location == str(backend.layout.artifacts_dir / "0")


def test_concurrent_store_creation_yields_one_store(tmp_path):
    root = tmp_path / "ws"
    script = "import sys; from pathlib import Path; from amlx_lab.backends.local.tracking import ensure_store;" \
             "from amlx_lab.backends.local.layout import Layout; ensure_store(Layout(Path(sys.argv[1])))"
    procs = [subprocess.Popen([sys.executable, "-c", script, str(root)]) for _ in range(3)]
    assert [p.wait(timeout=120) for p in procs] == [0, 0, 0]
    assert [p.name for p in (root / "mlflow").iterdir() if p.name.startswith(".")] == []  # no temp files left
    assert ensure_experiment(Layout(root), "Default") == "0"


@pytest.fixture
def run_with_metrics(tmp_path):
    layout = Layout(tmp_path / "ws")
    ensure_store(layout)
    experiment = ensure_experiment(layout, "readers")
    assert ensure_experiment(layout, "readers") == experiment  # found, not created twice
    from mlflow.tracking import MlflowClient

    client = MlflowClient(layout.mlflow_uri)
    parent = client.create_run(experiment, tags={tracking.JOB_TAG: "calm_lamp_reader0000"})
    child = client.create_run(
        experiment, tags={tracking.JOB_TAG: "calm_lamp_reader0000", tracking.PARENT_TAG: parent.info.run_id}
    )
    for step, value in enumerate([0.9, 0.7, float("nan")]):
        client.log_metric(parent.info.run_id, "loss", value, step=step)
    client.log_param(parent.info.run_id, "alpha", "0.5")
    client.log_metric(child.info.run_id, "loss", 0.1)
    return layout, parent.info.run_id


def test_direct_reads_match_mlflow(run_with_metrics):
    layout, run_id = run_with_metrics
    fast, slow = RunReader(layout), FallbackRunReader(layout)
    try:
        assert fast.find_run("calm_lamp_reader0000").run_id == run_id == slow.find_run("calm_lamp_reader0000").run_id
        assert fast.find_run("calm_lamp_nobody0000") is None
        assert fast.params(run_id) == slow.params(run_id) == {"alpha": "0.5"}
        assert [(m.key, m.value) for m in fast.latest_metrics(run_id)] == [("loss", None)]  # NaN -> None
        assert [(m.step, m.value) for m in fast.history(run_id, "loss")] == [
            (m.step, m.value) for m in slow.history(run_id, "loss")
        ] == [(0, 0.9), (1, 0.7), (2, None)]
    finally:
        fast.close()


def test_an_unexpected_schema_falls_back_to_mlflow(run_with_metrics, monkeypatch):
    layout, run_id = run_with_metrics
    monkeypatch.setitem(tracking._REQUIRED_COLUMNS, "runs", {"run_uuid", "a_column_mlflow_dropped"})
    reader = open_reader(layout)
    assert isinstance(reader, FallbackRunReader)
    assert reader.find_run("calm_lamp_reader0000").run_id == run_id
