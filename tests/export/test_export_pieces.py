"""The export's pure pieces on constructed records: placeholders and quoting, endpoint names, and the deploy
template of a custom (pickled) model, which azure-ai-ml's loaders read offline."""

from __future__ import annotations

from pathlib import Path

import pytest

from amlx_lab.errors import ConflictError
from amlx_lab.export import DataInput, JobSource, ModelSource, write_job
from amlx_lab.export.command import shell_text, with_placeholders
from amlx_lab.export.workflow import endpoint_name
from amlx_lab.records import Job, JobStatus

from .conftest import actionlint


def test_values_become_placeholders_and_omitted_parameters_are_added() -> None:
    argv = with_placeholders(
        ("python", "main.py", "--alpha", "0.5", "--input-data_big_csv", "/data/big.csv"),
        ["alpha", "label", "input-data_big_csv"],
    )
    assert argv == ["python", "main.py", "--alpha", "${{inputs.alpha}}", "--input-data_big_csv",
                    "${{inputs.input_data_big_csv}}", "--label", "${{inputs.label}}"]
    text = shell_text([*argv, "it's"], {"label": True})
    assert text.endswith("--label '${{inputs.label}}' 'it'\"'\"'s'")


@pytest.mark.parametrize(("job", "expected"), [
    ("nice_pot_2rfrxjdozg", "nice-pot-2rfrxjdozg-ep"),
    ("9lives", "ep-9lives-ep"),
    ("a" * 60, "a" * 29 + "-ep"),
])
def test_default_endpoint_names_follow_azures_rule(job: str, expected: str) -> None:
    name = endpoint_name(job)
    assert name == expected and 3 <= len(name) <= 32 and name[0].isalpha()


def _job(**changes: object) -> Job:
    fields: dict[str, object] = dict(
        name="calm_tree_1", display_name="train cell 3", experiment="titanic", status=JobStatus.COMPLETED,
        compute="cpu-cluster", created_at=0.0, command=("python", "main.py", "--C", "${{inputs.C}}"),
        parameters={"C": 1.0}, tags={"stage": "test"},
    )
    fields.update(changes)
    return Job(**fields)  # type: ignore[arg-type]


def _source(code: Path, job: Job, **changes: object) -> JobSource:
    fields: dict[str, object] = dict(
        job=job, target="azure", code_files=("main.py",), code_file=lambda rel: code / rel,
        conda={"name": "amlx-job", "dependencies": ["python=3.11", "pip", {"pip": ["scikit-learn==1.5.0"]}]},
        image="mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:latest", data={},
        model=ModelSource(type="custom_model", path="outputs/model.pkl"),
        scoring_conda={"name": "amlx-job", "dependencies": ["python=3.11", "pip", {"pip": ["scikit-learn==1.5.0"]}]},
    )
    fields.update(changes)
    return JobSource(**fields)  # type: ignore[arg-type]


def test_a_custom_model_gets_a_scoring_script_in_the_deploy_template(tmp_path: Path) -> None:
    from azure.ai.ml import load_job, load_online_deployment

    code = tmp_path / "code"
    code.mkdir()
    (code / "main.py").write_text("print('hi')\n")
    result = write_job(tmp_path / "out", _source(code, _job()), shown_as="out/calm_tree_1", overwrite=False)
    folder = tmp_path / "out" / "calm_tree_1"
    assert {"deploy/deployment.yml", "deploy/score.py", "deploy/conda.yml"} <= set(result.files)
    template = load_online_deployment(folder / "deploy" / "deployment.yml")
    assert template.code_configuration.scoring_script == "score.py"
    assert template.endpoint_name == "calm-tree-1-ep" and template.model == "calm_tree_1:1"
    job = load_job(folder / "job.yml")
    assert job.compute == "cpu-cluster" and job.command == "python main.py --C ${{inputs.C}}"
    assert "MODEL_TYPE: custom_model" in (folder / "workflow.yml").read_text()
    checked = actionlint(folder / "workflow.yml")
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_a_named_environment_and_a_data_asset_are_written_as_references(tmp_path: Path) -> None:
    from azure.ai.ml import load_job

    code = tmp_path / "code"
    code.mkdir()
    (code / "main.py").write_text("print('hi')\n")
    job = _job(environment="AzureML-sklearn-1.0-ubuntu20.04-py38-cpu@latest", compute="serverless",
               command=("python", "main.py", "--C", "${{inputs.C}}", "--train", "${{inputs.train}}"))
    source = _source(code, job, conda=None, data={"train": DataInput(type="uri_folder", path="azureml:titanic:2")})
    write_job(tmp_path, source, shown_as="x", overwrite=False)
    loaded = load_job(tmp_path / "calm_tree_1" / "job.yml")
    assert loaded.environment == "AzureML-sklearn-1.0-ubuntu20.04-py38-cpu@latest"
    assert loaded.compute is None, "serverless: no compute"
    assert loaded.inputs["train"]._data.type == "uri_folder"
    assert not (tmp_path / "calm_tree_1" / "environment").exists()


def test_a_placeholder_without_a_recorded_value_is_refused(tmp_path: Path) -> None:
    code = tmp_path / "code"
    code.mkdir()
    (code / "main.py").write_text("")
    job = _job(command=("python", "main.py", "--gamma", "${{inputs.gamma}}"))
    with pytest.raises(ConflictError, match=r"uses \$\{\{inputs.gamma\}\}"):
        write_job(tmp_path, _source(code, job), shown_as="x", overwrite=False)
    assert not (tmp_path / "calm_tree_1").exists() and not list(tmp_path.glob(".*partial"))
