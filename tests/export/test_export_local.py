"""A local job and endpoint exported as CLI v2 YAML: azure-ai-ml's loaders read them offline, actionlint
accepts the workflow, the scoring script scores, and bad requests get a sentence."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from amlx_lab.errors import ConflictError, NotFoundError
from amlx_lab.records import ExportResult

from .conftest import Trained, actionlint, workspace_of

pytestmark = pytest.mark.slow


@pytest.fixture
def offline(tmp_path: Path):
    """Refuse every socket that is not on 127.0.0.1 while the SDK loads the files."""
    from azure_emulator.fixtures import guarded

    with guarded(tmp_path / "guard.jsonl") as guard:
        yield guard


def export(trained: Trained, out: Path, **kwargs: object) -> ExportResult:
    ws = workspace_of(trained)
    try:
        return ws.export_job(trained.job.name, out_dir=out, **kwargs)  # type: ignore[arg-type]
    finally:
        ws.close()


def test_job_yml_reloads_offline_as_the_same_command_code_inputs_and_environment(
    trained: Trained, tmp_path: Path, offline: object
) -> None:
    from azure.ai.ml import load_job
    from azure.ai.ml.entities import Command

    result = export(trained, tmp_path / "out")
    folder = tmp_path / "out" / trained.job.name
    assert result.folder == str(folder) and result.files[0] == "job.yml"
    assert {"job.yml", "workflow.yml", "src/main.py", "src/requirements.txt", "environment/conda.yml"} <= set(result.files)
    assert any("serverless" in note for note in result.notes)

    job = load_job(folder / "job.yml")
    assert isinstance(job, Command)
    assert job.command == (
        "python main.py --alpha ${{inputs.alpha}} --label '${{inputs.label}}' --epochs ${{inputs.epochs}} "
        "--scaled ${{inputs.scaled}}"
    )
    literal = {name: value._data for name, value in job.inputs.items()}
    assert literal == {"alpha": 0.7, "label": "first try", "epochs": 3, "scaled": "true"}
    assert job.experiment_name == trained.job.experiment and job.display_name == trained.job.display_name
    assert job.tags["stage"] == "baseline"
    assert job.compute is None
    assert job.code == "./src"  # relative to job.yml, as az ml resolves it
    ran = workspace_of(trained).jobs().code_file(trained.job.name, "main.py")
    assert (folder / "src" / "main.py").read_bytes() == ran.read_bytes()
    pip = job.environment.conda_file["dependencies"][-1]["pip"]
    assert any(line.startswith("scikit-learn==") for line in pip), pip
    assert "azureml-mlflow" in pip
    # the deploy step's template: an MLflow model (sklearn autolog's) needs no scoring script
    from azure.ai.ml import load_online_deployment

    template = load_online_deployment(folder / "deploy" / "deployment.yml")
    assert template.code_configuration is None and template.instance_count == 1
    assert template.endpoint_name.endswith("-ep") and "_" not in template.endpoint_name
    manifest = json.loads((folder / "src" / "amlx-manifest.json").read_text())
    assert manifest.get("root") in (None, "."), "no path of this machine in the exported manifest"


def test_the_workflow_passes_actionlint_and_actionlint_would_catch_a_broken_one(trained: Trained, tmp_path: Path) -> None:
    export(trained, tmp_path / "out", shown_as="amlx-export/train")
    workflow = tmp_path / "out" / trained.job.name / "workflow.yml"
    checked = actionlint(workflow)
    assert checked.returncode == 0, checked.stdout + checked.stderr

    document = yaml.safe_load(workflow.read_text())
    assert document["permissions"] == {"id-token": "write", "contents": "read"}
    assert document["env"]["EXPORT_DIR"] == "amlx-export/train"
    steps = document["jobs"]["train"]["steps"]
    assert any(s.get("uses", "").startswith("azure/login@") for s in steps)
    submit = next(s for s in steps if s.get("id") == "submit")
    assert "az ml job create --file \"job.yml\"" in submit["run"]
    # the first model the job has: sklearn autolog's MLflow model (registered without a scoring script)
    register = next(s for s in document["jobs"]["register"]["steps"] if s.get("id") == "model")
    assert register["env"]["MODEL_TYPE"] == "mlflow_model" and register["env"]["MODEL_PATH"] == "model"

    broken = workflow.read_text().replace("steps.submit.outputs.job_name", "steps.nosuch.outputs.job_name")
    (tmp_path / "broken.yml").write_text(broken)
    assert actionlint(tmp_path / "broken.yml").returncode != 0


def test_an_existing_export_is_replaced_only_when_asked(trained: Trained, tmp_path: Path) -> None:
    export(trained, tmp_path / "out")
    folder = tmp_path / "out" / trained.job.name
    (folder / "job.yml").write_text("# edited by hand\n")
    with pytest.raises(ConflictError, match="already holds an export"):
        export(trained, tmp_path / "out")
    assert (folder / "job.yml").read_text() == "# edited by hand\n", "a refused export changes nothing"

    export(trained, tmp_path / "out", overwrite=True)
    assert (folder / "job.yml").read_text().count("${{inputs.alpha}}") == 1
    assert not list((tmp_path / "out").glob(".*partial")), "no staging folder is left behind"

    (tmp_path / "out2" / trained.job.name).mkdir(parents=True)
    (tmp_path / "out2" / trained.job.name / "notes.txt").write_text("mine")
    with pytest.raises(ConflictError, match="not an amlx export"):
        export(trained, tmp_path / "out2", overwrite=True)
    assert (tmp_path / "out2" / trained.job.name / "notes.txt").read_text() == "mine"


def test_an_unknown_job_is_not_found_and_a_job_without_its_code_is_a_conflict(trained: Trained, tmp_path: Path) -> None:
    ws = workspace_of(trained)
    try:
        with pytest.raises(NotFoundError, match="no job named 'nosuch'"):
            ws.export_job("nosuch", out_dir=tmp_path)
        # a second job whose code snapshot is gone (removed by hand): nothing to resubmit
        from amlx_lab.submission import SubmitRequest

        job = ws.submit(SubmitRequest(notebook="train.ipynb", cell=0, python=sys.executable), base_dir=trained.project)
        ws.wait(job.name, timeout=240)
        shutil.rmtree(trained.workspace_dir / "jobs" / job.name / "code")
        with pytest.raises(ConflictError, match=f"Job {job.name} has no code folder"):
            ws.export_job(job.name, out_dir=tmp_path)
        assert not (tmp_path / job.name).exists()
    finally:
        ws.close()


def test_an_endpoint_and_its_deployment_reload_offline_and_the_scoring_script_scores(
    trained: Trained, tmp_path: Path
) -> None:
    ws = workspace_of(trained)
    endpoint_name = f"exp-{trained.job.name[:8].replace('_', '-').rstrip('-')}"
    model = ws.models().register_model("export-ridge", job=trained.job.name, path="outputs/model.pkl")
    ws.endpoints().create_endpoint(endpoint_name, description="ridge for the export test")
    try:
        ws.create_deployment(endpoint_name, "blue", model=model.ref, traffic=100)
        assert ws.wait_deployment(endpoint_name, "blue", timeout=180).status == "Succeeded"
        result = ws.export_endpoint(endpoint_name, out_dir=tmp_path / "out")
    finally:
        try:
            ws.endpoints().delete_endpoint(endpoint_name)
        finally:
            ws.close()
    folder = tmp_path / "out" / endpoint_name
    assert result.files[:2] == ("endpoint.yml", "deployment-blue.yml")

    from azure.ai.ml import load_online_deployment, load_online_endpoint
    from azure_emulator.fixtures import guarded

    with guarded(tmp_path / "guard.jsonl"):
        endpoint = load_online_endpoint(folder / "endpoint.yml")
        deployment = load_online_deployment(folder / "deployment-blue.yml")
    assert endpoint.name == endpoint_name and endpoint.auth_mode == "key"
    assert endpoint.description == "ridge for the export test"
    assert deployment.endpoint_name == endpoint_name and deployment.model == f"export-ridge:{model.version}"
    assert f"model: azureml:export-ridge:{model.version}" in (folder / "deployment-blue.yml").read_text()
    assert deployment.instance_type and deployment.instance_count == 1
    assert deployment.code_configuration.scoring_script == "score.py"
    assert "scikit-learn" in str(deployment.environment.conda_file)
    assert "blue=100" in (folder / "workflow.yml").read_text()
    checked = actionlint(folder / "workflow.yml")
    assert checked.returncode == 0, checked.stdout + checked.stderr

    # the generated score.py, run as Azure's inference server runs it: init(), then run(body)
    model_dir = tmp_path / "model"
    model_dir.mkdir()
    shutil.copy(trained.workspace_dir / "jobs" / trained.job.name / "outputs" / "model.pkl", model_dir / "model.pkl")
    script = (
        "import json, score\nscore.init()\n"
        "print(json.dumps(score.run(json.dumps({'data': [[3.0], [4.0]]}))))"
    )
    ran = subprocess.run([sys.executable, "-c", script], cwd=folder / "score-blue", capture_output=True, text=True,
                         env={**os.environ, "AZUREML_MODEL_DIR": str(model_dir)}, timeout=120)
    assert ran.returncode == 0, ran.stderr
    predictions = json.loads(ran.stdout.strip().splitlines()[-1])
    assert len(predictions) == 2 and predictions[1] > predictions[0] > 2.0


def test_a_sweep_exports_as_a_sweep_job_that_reloads_with_its_space_and_fixed_inputs(
    trained: Trained, tmp_path: Path, offline: object
) -> None:
    from azure.ai.ml import load_job
    from azure.ai.ml.sweep import SweepJob

    from amlx_lab.submission import SweepRequest

    ws = workspace_of(trained)
    try:
        sweep = ws.sweep(SweepRequest(
            notebook="train.ipynb", cell="aml-train", python=sys.executable,
            sweep={"search_space": {"alpha": "loguniform(-3, 0)"}, "objective": {"primary_metric": "rmse", "goal": "minimize"},
                   "sampling_algorithm": {"type": "random", "rule": "sobol", "seed": 7},
                   "early_termination": {"type": "bandit", "slack_factor": 0.2}, "limits": {"max_total_trials": 2}},
        ), base_dir=trained.project)
        try:
            result = ws.export_job(sweep.name, out_dir=tmp_path)
            assert result.files[0] == "job.yml"
        finally:
            ws.jobs().cancel(sweep.name)
            ws.wait(sweep.name, timeout=120)
    finally:
        ws.close()
    folder = tmp_path / sweep.name
    loaded = load_job(folder / "job.yml")
    assert isinstance(loaded, SweepJob)
    assert loaded.trial.command.startswith("python main.py --alpha ${{search_space.alpha}} --label '${{inputs.label}}'")
    assert {k: v._data if hasattr(v, "_data") else v for k, v in loaded.inputs.items()} == {
        "label": "first try", "epochs": 3, "scaled": "true"}
    space = loaded.search_space["alpha"]
    assert (type(space).__name__, space.min_value, space.max_value) == ("LogUniform", -3, 0)
    assert loaded.objective.primary_metric == "rmse" and loaded.objective.goal == "minimize"
    assert loaded.sampling_algorithm.rule == "sobol" and loaded.sampling_algorithm.seed == 7
    assert loaded.early_termination.slack_factor == 0.2 and loaded.limits.max_total_trials == 2
    assert "best_child_run_id" in (folder / "workflow.yml").read_text()
    checked = actionlint(folder / "workflow.yml")
    assert checked.returncode == 0, checked.stdout + checked.stderr
