"""The job's MLflow run: joined, given the parameters, and kept the one run the notebook's code logs to.

With MLFLOW_TRACKING_URI / MLFLOW_EXPERIMENT_NAME / MLFLOW_RUN_ID set (by a runner
or Azure ML) the job logs into that run. Without a tracking URI it logs to
./outputs/mlflow/, so that no stray files appear elsewhere. Without mlflow
installed the job runs untracked.

The notebook's own ``with mlflow.start_run():`` joins the job's run and leaves it
open; its ``set_tracking_uri``/``set_experiment`` are ignored (the runner chose
where the job logs).
"""

from __future__ import annotations

import os
import re
import sys
from typing import Any

from . import systemlog


def start(parameters: dict[str, Any]) -> Any:
    """The ``mlflow`` module with the job's run active, or None when mlflow is not installed."""
    try:
        import mlflow
    except ImportError:
        print("amlx: mlflow is not installed; the job runs without tracking.", flush=True)
        return None
    systemlog.capture()
    env = os.environ
    if not env.get("MLFLOW_TRACKING_URI"):
        folder = os.path.abspath(os.path.join("outputs", "mlflow"))
        os.makedirs(folder, exist_ok=True)
        env["MLFLOW_TRACKING_URI"] = "sqlite:///" + os.path.join(folder, "mlflow.db")
        name = env.setdefault("MLFLOW_EXPERIMENT_NAME", "amlx-job")
        if not env.get("MLFLOW_RUN_ID") and mlflow.get_experiment_by_name(name) is None:
            import pathlib

            mlflow.create_experiment(name, artifact_location=pathlib.Path(folder, "artifacts").as_uri())
        print(f"amlx: MLFLOW_TRACKING_URI is not set; tracking to {folder}", flush=True)
    run = mlflow.start_run()  # joins $MLFLOW_RUN_ID when set (and unsets it), else starts a run
    env["MLFLOW_RUN_ID"] = run.info.run_id  # later start_run() calls and child processes join it
    print(f"amlx: MLflow run {run.info.run_id}", flush=True)
    for key, value in parameters.items():
        try:
            mlflow.log_param(key, value)
        except Exception as exc:  # e.g. the runner logged another value under this name already
            systemlog.write(f"parameter {key!r} not logged: {exc}")
    _keep_one_run(mlflow, run)
    return mlflow


def _keep_one_run(mlflow: Any, run: Any) -> None:
    class JoinedRun(mlflow.ActiveRun):
        """``with mlflow.start_run():`` in the notebook code uses the job's run and leaves it open."""

        def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
            return None

    original_start_run = mlflow.start_run

    def start_run(
        run_id: Any = None, experiment_id: Any = None, run_name: Any = None, nested: bool = False, *args: Any, **kwargs: Any
    ) -> Any:
        active = mlflow.active_run()
        if active is not None and not nested and run_id in (None, active.info.run_id):
            return JoinedRun(active)
        return original_start_run(run_id, experiment_id, run_name, nested, *args, **kwargs)

    def set_tracking_uri(uri: Any) -> None:
        print(f"amlx: mlflow.set_tracking_uri({uri!r}) ignored: the job logs to its own run", flush=True)

    def set_experiment(experiment_name: Any = None, experiment_id: Any = None) -> Any:
        current = mlflow.get_experiment(run.info.experiment_id)  # the job's: the code's own unless overridden
        if experiment_name not in (None, current.name) or experiment_id not in (None, current.experiment_id):
            print(f"amlx: mlflow.set_experiment(...) ignored: the job logs to its run in experiment {current.name!r}",
                  flush=True)
        return current

    mlflow.start_run = start_run
    mlflow.set_tracking_uri = set_tracking_uri
    mlflow.set_experiment = set_experiment


def finish(mlflow: Any, failed: bool) -> None:
    if mlflow is not None and mlflow.active_run() is not None:
        mlflow.end_run("FAILED" if failed else "FINISHED")


def pin_model_requirements(mlflow: Any) -> None:
    """Logged models take their requirements from requirements.txt instead of MLflow's inference.

    MLflow infers a model's requirements by loading it in a subprocess, which costs
    seconds per logged model; requirements.txt beside main.py (in the code folder,
    locally and on Azure ML) already pins the notebook kernel's versions. mlflow is
    left out (MLflow adds its own pin), and so is any package the flavor pins itself
    (its ``fallback``), so that the two can never disagree. If anything is unexpected,
    MLflow's own inference stays in place.
    """
    try:
        import mlflow.models

        infer = getattr(mlflow.models, "infer_pip_requirements", None)
        main = sys.modules.get("__main__")
        folder = os.path.dirname(os.path.abspath(getattr(main, "__file__", "") or "main.py"))
        path = os.path.join(folder, "requirements.txt")
        if not callable(infer) or not os.path.isfile(path):
            return

        def key(line: str) -> str:
            name = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", line)
            return re.sub(r"[-_.]+", "-", name.group(0)).lower() if name else line

        with open(path, encoding="utf-8") as fh:
            lines = [line.strip() for line in fh]
        pinned = [line for line in lines if line and not line.startswith(("#", "-"))]
        pinned = [line for line in pinned if key(line) not in ("mlflow", "mlflow-skinny", "mlflow-tracing")]

        def infer_pip_requirements(model_uri: Any, flavor: Any, fallback: Any = None, *args: Any, **kwargs: Any) -> Any:
            try:
                own = {key(line) for line in fallback or ()}
                return [line for line in pinned if key(line) not in own]
            except Exception:
                return infer(model_uri, flavor, fallback, *args, **kwargs)

        mlflow.models.infer_pip_requirements = infer_pip_requirements
    except Exception as exc:
        systemlog.write(f"logged models' requirements are inferred by MLflow ({exc})")
