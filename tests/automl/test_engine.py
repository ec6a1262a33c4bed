"""The local engine in this process, on small data with small budgets: forecasting, limits, featurization, the saved model.

No tracking store here (the job runner's MLflow is tested end to end in
``tests/local/test_automl.py``): without ``MLFLOW_TRACKING_URI`` the engine
records trials in its leaderboard file only.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from amlx_lab.automl.engine import UserError, early_termination, run
from amlx_lab.serving.loader import load_model
from amlx_lab.serving.scorer import ModelScorer
from amlx_lab.specs import AutoMLJobSpec

pytestmark = pytest.mark.slow

DATA = Path(__file__).resolve().parents[2] / "examples" / "data"
HEART = DATA / "heart_failure_clinical_records.csv"
TITANIC = DATA / "titanic.csv"


def automl(tmp_path: Path, data: Path, **fields: Any) -> dict[str, Any]:
    spec = AutoMLJobSpec(training_data=str(data), **fields)
    outputs = tmp_path / "outputs"
    run(spec, data, outputs, "test_job")
    return json.loads((outputs / "leaderboard.json").read_text())


def scorer(tmp_path: Path) -> ModelScorer:
    return ModelScorer(load_model(tmp_path / "outputs" / "model"))


def test_early_termination_is_azures_rule() -> None:
    assert not any(early_termination(n, 1) for n in range(1, 31)), "never within 20 landmarks plus a 10-iteration window"
    assert early_termination(31, 21) and not early_termination(31, 22)
    assert not early_termination(34, 25) and early_termination(35, 25)


def test_a_forecast_of_a_small_synthetic_series(tmp_path: Path) -> None:
    days = pd.date_range("2024-01-01", periods=150, freq="D")
    t = np.arange(150)
    noise = np.random.default_rng(0).normal(0, 0.3, 150)
    series = pd.DataFrame({"date": days.strftime("%Y-%m-%d"), "sales": 10 + 0.05 * t + 3 * np.sin(2 * np.pi * t / 7) + noise})
    path = tmp_path / "sales.csv"
    series.to_csv(path, index=False)
    board = automl(
        tmp_path, path, task="forecasting", target_column_name="sales", primary_metric="normalized_root_mean_squared_error",
        forecasting={"time_column_name": "date", "forecast_horizon": 7}, limits={"max_trials": 6, "timeout_minutes": 1},
    )
    assert board["state"] == "finished" and board["validation"].startswith("rolling origin over the latest 35 rows")
    best = next(t for t in board["trials"] if t["name"] == board["best"])
    span = series["sales"].max() - series["sales"].min()
    flat = np.sqrt(np.mean((series["sales"] - series["sales"].mean()) ** 2)) / span
    assert best["score"] < flat / 2, "the forecast must do much better than the series' mean"
    example = json.loads((tmp_path / "outputs" / "model" / "input_example.json").read_text())
    assert [row[0] for row in example["data"]][:2] == ["2024-05-30T00:00:00", "2024-05-31T00:00:00"], "the next 7 days"
    answer = json.loads(scorer(tmp_path).score(json.dumps({"data": [{"date": "2024-06-01"}, {"date": "2024-06-02"}]}).encode(), {}))
    assert len(answer["result"]) == 2 and all(np.isfinite(answer["result"]))
    charts = json.loads((tmp_path / "outputs" / "charts.json").read_text())
    assert charts["kind"] == "regression" and len(charts["predicted"]) == 35 and sum(charts["residual_counts"]) == 35


def test_limits_end_the_search_and_say_why(tmp_path: Path) -> None:
    board = automl(tmp_path, HEART, task="classification", target_column_name="DEATH_EVENT", primary_metric="AUC_weighted",
                   n_cross_validations=3, limits={"max_trials": 5})
    assert len(board["trials"]) == 5 and "max_trials (5)" in board["stop_reason"]
    assert [t["name"] for t in board["trials"]] == [f"test_job_{i}" for i in range(5)]
    assert {t["source"] for t in board["trials"]} == {"default", "search"}
    assert {t["algorithm"] for t in board["trials"][:3]} == {"RandomForest", "GradientBoosting", "LogisticRegression"}
    for trial in board["trials"]:
        assert len(trial["fold_scores"]) == 3 and trial["score"] == pytest.approx(np.mean(trial["fold_scores"]))
    ranked = sorted(board["trials"], key=lambda t: t["rank"])
    assert ranked[0]["name"] == board["best"] and all(a["score"] >= b["score"] for a, b in zip(ranked, ranked[1:]))

    early = automl(tmp_path / "exit", HEART, task="classification", target_column_name="DEATH_EVENT",
                   n_cross_validations=3, limits={"exit_score": 0.5})
    assert len(early["trials"]) == 1 and "exit_score" in early["stop_reason"]


def test_titanic_featurization_and_a_model_that_loads_without_flaml_or_amlx(tmp_path: Path) -> None:
    board = automl(tmp_path, TITANIC, task="classification", target_column_name="Survived", primary_metric="accuracy",
                   n_cross_validations=3, allowed_training_algorithms=["RandomForest", "LightGBM"], limits={"max_trials": 4})
    notes = " ".join(board["notes"])
    for dropped in ("'Name'", "'Ticket'", "'PassengerId'"):
        assert dropped in notes
    assert {t["algorithm"] for t in board["trials"]} <= {"RandomForest", "LightGBM"}
    # the seed's request names three columns; the others are imputed, as in training
    answer = scorer(tmp_path).score(json.dumps({"data": [{"Age": 22, "Pclass": 3, "Sex": "male"}]}).encode(), {})
    assert json.loads(answer)["result"][0] in (0, 1)

    model = tmp_path / "outputs" / "model" / "model.pkl"
    probe = (
        "import sys, cloudpickle, pandas as pd\n"
        "sys.modules['flaml'] = None\nsys.modules['amlx_lab'] = None\n"
        f"m = cloudpickle.load(open({str(model)!r}, 'rb'))\n"
        "print(m.predict(pd.DataFrame([{'Pclass': 1, 'Sex': 'female', 'Age': 30.0, 'SibSp': 0, 'Parch': 0, 'Fare': 80.0,"
        " 'Cabin': None, 'Embarked': 'C'}]))[0])\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() in ("0", "1")
    requirements = (tmp_path / "outputs" / "model" / "requirements.txt").read_text()
    assert "flaml" not in requirements and "amlx" not in requirements


def test_featurization_off_refuses_text_and_a_missing_column_is_named(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="Column 'Name' holds text, and featurization is off"):
        automl(tmp_path, TITANIC, task="classification", target_column_name="Survived", featurization="off")
    with pytest.raises(UserError, match="no column 'DEATH_EVNT'; its columns are: age, anaemia"):
        automl(tmp_path, HEART, task="classification", target_column_name="DEATH_EVNT")
