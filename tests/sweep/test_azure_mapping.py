"""A SweepJobSpec maps one to one onto azure-ai-ml's sweep: checked on the REST body the SDK itself would send (offline)."""

from __future__ import annotations

from typing import Any

import pytest

from amlx_lab.specs import CommandJobSpec, SweepJobSpec
from amlx_lab.sweep.azure_sdk import command_line, sweep_node

pytest.importorskip("azure.ai.ml")

TRIAL = CommandJobSpec(
    code_dir="/tmp", experiment="diabetes", display_name="diabetes sweep", tags={"amlx.cell": "11"},
    command=("python", "main.py", "--n", "5", "--alpha", "${{inputs.alpha}}", "--k", "${{inputs.k}}"),
    parameters={"alpha": 0.5, "k": 1, "n": 5},
)
ENVIRONMENT = "azureml://registries/azureml/environments/sklearn-1.5/labels/latest"


def rest(**settings: Any) -> dict[str, Any]:
    settings.setdefault("objective", {"primary_metric": "rmse", "goal": "minimize"})
    node = sweep_node(SweepJobSpec(trial=TRIAL, **settings), code="/tmp", environment=ENVIRONMENT, compute="cpu-cluster")
    return node._to_job()._to_rest_object().as_dict()["properties"]


def test_every_field_reaches_the_sdks_rest_body() -> None:
    body = rest(
        search_space={"alpha": "loguniform(-6, -1)", "k": "choice(1, 2)"},
        sampling_algorithm={"type": "random", "rule": "sobol", "seed": 3},
        early_termination={"type": "bandit", "slack_factor": 0.1, "delay_evaluation": 5},
        limits={"max_total_trials": 10, "max_concurrent_trials": 2, "timeout": 3600, "trial_timeout": 600},
    )
    assert body["searchSpace"] == {"alpha": ["loguniform", [-6.0, -1.0]], "k": ["choice", [[1, 2]]]}
    assert body["samplingAlgorithm"] == {"rule": "sobol", "seed": 3, "samplingAlgorithmType": "Random"}
    assert body["earlyTermination"] == {"delayEvaluation": 5, "evaluationInterval": 1, "slackFactor": 0.1, "policyType": "Bandit"}
    assert body["limits"] == {"maxConcurrentTrials": 2, "maxTotalTrials": 10, "timeout": "PT1H", "trialTimeout": "PT10M",
                              "jobLimitsType": "Sweep"}
    assert body["objective"] == {"goal": "minimize", "primaryMetric": "rmse"}
    assert body["trial"]["command"] == "python main.py --n 5 --alpha ${{search_space.alpha}} --k ${{search_space.k}}"
    assert (body["experimentName"], body["displayName"], body["tags"]) == ("diabetes", "diabetes sweep", {"amlx.cell": "11"})


@pytest.mark.parametrize(
    "settings, search_space, sampling, policy",
    [
        ({"search_space": {"alpha": "choice(0.1, 0.5)", "k": "choice(1, 2)"}, "sampling_algorithm": "grid"},
         {"alpha": ["choice", [[0.1, 0.5]]], "k": ["choice", [[1, 2]]]}, "Grid", None),
        ({"search_space": {"alpha": "quniform(0, 1, 0.1)", "k": "randint(3)"},
          "early_termination": {"type": "median_stopping", "evaluation_interval": 0}},
         {"alpha": ["quniform", [0.0, 1.0, 0.1]], "k": ["randint", [3]]}, "Random",
         {"policyType": "MedianStopping", "delayEvaluation": 0, "evaluationInterval": 0}),
        ({"search_space": {"alpha": "uniform(0.1, 1)", "k": "choice(1, 2)"}, "sampling_algorithm": "bayesian",
          "early_termination": {"type": "truncation_selection", "truncation_percentage": 20}},
         {"alpha": ["uniform", [0.1, 1.0]], "k": ["choice", [[1, 2]]]}, "Bayesian",
         {"policyType": "TruncationSelection", "truncationPercentage": 20, "delayEvaluation": 0, "evaluationInterval": 1}),
        ({"search_space": {"alpha": "qlognormal(0, 1, 1)", "k": "qnormal(5, 2, 1)"}},
         {"alpha": ["qlognormal", [0.0, 1.0, 1.0]], "k": ["qnormal", [5.0, 2.0, 1.0]]}, "Random", None),
    ],
)
def test_sampling_policies_and_expressions(settings: dict, search_space: dict, sampling: str, policy: dict | None) -> None:
    body = rest(**settings)
    assert body["searchSpace"] == search_space
    assert body["samplingAlgorithm"]["samplingAlgorithmType"] == sampling
    assert body.get("earlyTermination") == policy


def test_the_command_keeps_placeholders_and_quotes_the_rest() -> None:
    assert command_line(["python", "main.py", "--name", "a b", "--x", "${{inputs.x}}"]) == (
        "python main.py --name 'a b' --x ${{inputs.x}}")
