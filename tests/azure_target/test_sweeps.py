"""A sweep on the Azure target: the request azure-ai-ml sends for it, the trials the workspace runs, what reads back."""

from __future__ import annotations

import json
import math
import textwrap
import uuid
from pathlib import Path
from typing import Any

import pytest

from amlx_lab.backends.azure import AzureBackend
from amlx_lab.errors import ValidationError
from amlx_lab.records import JobStatus, JobType
from amlx_lab.specs import CommandJobSpec, JobQuery, SweepJobSpec

from .helpers import arm_calls, matches

pytestmark = pytest.mark.slow

MAIN = """
    import argparse
    import mlflow
    parser = argparse.ArgumentParser()
    parser.add_argument("--alpha", type=float)
    parser.add_argument("--k", type=int)
    parser.add_argument("--label")
    parser.add_argument("--code")
    args = parser.parse_args()
    with mlflow.start_run():
        for step in range(3):
            mlflow.log_metric("loss", args.alpha * args.k + step, step=step)
    print("trial", args.alpha, args.k, args.label, flush=True)
"""


def spec(folder: Path, **settings: Any) -> SweepJobSpec:
    folder.mkdir()
    (folder / "main.py").write_text(f"# {uuid.uuid4()}\n" + textwrap.dedent(MAIN))
    trial = CommandJobSpec(
        code_dir=folder, experiment="azure-sweeps", display_name="loss sweep", tags={"stage": "tune"}, compute="cpu-cluster",
        command=("python", "main.py", "--alpha", "${{inputs.alpha}}", "--k", "${{inputs.k}}", "--label", "fixed one",
                 "--code", "10"),
        parameters={"alpha": 0.5, "k": 1, "label": "fixed one", "code": "10"},
    )
    settings.setdefault("objective", {"primary_metric": "loss", "goal": "minimize"})
    return SweepJobSpec(trial=trial, **settings)


def test_a_sweep_sends_its_settings_runs_named_trials_and_reads_back(
    backend: AzureBackend, emulator: Any, tmp_path: Path
) -> None:
    swept = spec(
        tmp_path / "src",
        search_space={"alpha": "loguniform(-3, 0)", "k": "choice(1, 2)"},
        sampling_algorithm={"type": "random", "rule": "sobol", "seed": 3},
        early_termination={"type": "bandit", "slack_factor": 0.1, "delay_evaluation": 5},
        limits={"max_total_trials": 3, "max_concurrent_trials": 2, "timeout": 3600, "trial_timeout": 600},
    )
    mark = emulator.mark()
    parent = backend.submit_sweep(swept)
    assert parent.type is JobType.SWEEP and parent.parent is None and parent.experiment == "azure-sweeps"
    assert parent.parameters == {"alpha": "loguniform(-3, 0)", "k": "choice(1, 2)", "label": "fixed one", "code": "10"}

    recorded = emulator.requests(mark)
    calls = arm_calls(recorded, emulator.workspace_path)
    puts = matches(calls, "PUT", rf"/jobs/{parent.name}")
    assert len(puts) == 1 and calls[puts[0]][2] == "2024-01-01-preview"
    assert matches(calls, "POST", r"/codes/[^/]+/versions/\d+/startPendingUpload"), "the trial's code was uploaded"
    body = [r for r in recorded if r["method"] == "PUT" and r["path"].endswith(f"/jobs/{parent.name}")][0]["body"]
    props = body["properties"]
    assert props["jobType"] == "Sweep"
    assert props["searchSpace"] == {"alpha": ["loguniform", [-3.0, 0.0]], "k": ["choice", [[1, 2]]]}
    assert props["samplingAlgorithm"] == {"samplingAlgorithmType": "Random", "rule": "sobol", "seed": 3}
    assert props["objective"] == {"primaryMetric": "loss", "goal": "minimize"}
    assert props["earlyTermination"] == {"policyType": "Bandit", "slackFactor": 0.1, "delayEvaluation": 5,
                                         "evaluationInterval": 1}
    assert props["limits"] == {"jobLimitsType": "Sweep", "maxTotalTrials": 3, "maxConcurrentTrials": 2,
                               "timeout": "PT1H", "trialTimeout": "PT10M"}
    assert props["trial"]["command"] == (
        "python main.py --alpha ${{search_space.alpha}} --k ${{search_space.k}} --label '${{inputs.label}}'"
        " --code ${{inputs.code}}"
    )
    assert props["trial"]["codeId"] and props["inputs"]["label"] == {"jobInputType": "literal", "value": "fixed one"}
    assert props["computeId"].endswith("/computes/cpu-cluster") and props["experimentName"] == "azure-sweeps"

    done = _wait(backend, parent.name)
    assert done.status is JobStatus.COMPLETED, done.error
    trials = backend.list_jobs(JobQuery(parent=parent.name, limit=10)).items
    assert sorted(t.name for t in trials) == [f"{parent.name}_{i}" for i in range(3)]
    for trial in trials:
        alpha, k = trial.parameters["alpha"], trial.parameters["k"]
        assert math.exp(-3) <= alpha <= 1 and k in (1, 2) and trial.parameters["label"] == "fixed one"
        assert trial.parameters["code"] == "10", "a fixed parameter keeps the type it was submitted with"
        assert trial.parent == parent.name and trial.status is JobStatus.COMPLETED
        assert trial.command[:6] == ("python", "main.py", "--alpha", json.dumps(alpha), "--k", str(k))
        assert trial.metrics["loss"] == pytest.approx(alpha * k + 2)
        assert backend.get_job(trial.name).parent == parent.name
    top = backend.list_jobs(JobQuery(experiment="azure-sweeps", top_level=True, limit=50)).items
    assert parent.name in [j.name for j in top] and not any(j.parent for j in top)

    details = backend.sweep_details(parent.name)
    best = min(trials, key=lambda t: t.metrics["loss"])
    assert (details.best_trial, details.best_value) == (best.name, pytest.approx(best.metrics["loss"]))
    assert details.settings.model_dump() == type(details.settings).model_validate(
        swept.model_dump(include=set(type(details.settings).model_fields))).model_dump()
    assert details.seed == 3 and details.trials == 3 and details.trial_counts == {"Completed": 3}


def test_a_sweep_on_the_local_machine_is_refused_before_anything_is_created(
    backend: AzureBackend, emulator: Any, tmp_path: Path
) -> None:
    swept = spec(tmp_path / "src", search_space={"alpha": "uniform(0, 1)", "k": "choice(1)"})
    swept = swept.model_copy(update={"trial": swept.trial.model_copy(update={"compute": "local"})})
    mark = emulator.mark()
    with pytest.raises(ValidationError) as refused:
        backend.submit_sweep(swept)
    assert refused.value.status == 400 and "name a cluster" in refused.value.message
    assert not [r for r in emulator.requests(mark) if r["method"] == "PUT"]


def _wait(backend: AzureBackend, name: str, timeout: float = 300) -> Any:
    import time

    deadline = time.monotonic() + timeout
    while True:
        job = backend.get_job(name)
        if job.status.terminal or time.monotonic() > deadline:
            return job
        time.sleep(0.25)
