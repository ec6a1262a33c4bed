"""Models on the Azure target: what azure-ai-ml sends to register a job's model, and the registry read back."""

from __future__ import annotations

import time
import uuid
import zipfile
from pathlib import Path
from typing import Any

import pytest

from amlx_lab.backends.azure import AzureBackend
from amlx_lab.errors import ConflictError, NotFoundError, ValidationError
from amlx_lab.records import JobStatus
from amlx_lab.specs import CommandJobSpec

from .helpers import arm_calls, matches

pytestmark = pytest.mark.slow

WRITES_MODELS = """
import os
os.makedirs("outputs/model", exist_ok=True)
open("outputs/model/MLmodel", "w").write("flavors:\\n  sklearn:\\n    pickled_model: model.pkl\\n")
open("outputs/model/model.pkl", "wb").write(b"inside the mlflow folder")
open("outputs/notes.txt", "w").write("not a model")
open("outputs/extra.joblib", "wb").write(b"joblib bytes")
"""


def _finished(backend: AzureBackend, code: Path) -> str:
    job = backend.submit(CommandJobSpec(code_dir=code, experiment="azure-models"))
    deadline = time.monotonic() + 120
    while not (done := backend.get_job(job.name)).status.terminal:
        assert time.monotonic() < deadline, f"{job.name} still {done.status.value}"
        time.sleep(0.2)
    assert done.status is JobStatus.COMPLETED, done.error
    return job.name


def _body(recorded: list[dict[str, Any]], method: str, fragment: str) -> dict[str, Any]:
    return next(r["body"] for r in recorded if r["method"] == method and fragment in r["path"])


def test_a_file_and_an_mlflow_folder_are_registered_by_reference_to_the_jobs_artifacts(
    backend: AzureBackend, emulator: Any, tmp_path: Path
) -> None:
    code = tmp_path / "code"
    code.mkdir()
    (code / "main.py").write_text(WRITES_MODELS)
    job = _finished(backend, code)
    candidates = backend.model_candidates(job)
    assert [(c.source, c.format) for c in candidates] == [("outputs/extra.joblib", "joblib"), ("outputs/model", "mlflow")]
    name = f"azm-{uuid.uuid4().hex[:8]}"
    mark = emulator.mark()
    first = backend.register_model(name, job=job)  # the one model file is the obvious choice
    recorded = emulator.requests(mark)
    calls = arm_calls(recorded, emulator.workspace_path)
    assert matches(calls, "PUT", rf"/models/{name}/versions/1"), calls
    assert not [c for c in calls if "startPendingUpload" in c[1]], "nothing is uploaded: the job's artifact is referenced"
    put = _body(recorded, "PUT", f"/models/{name}/versions/1")["properties"]
    assert put["modelType"] == "custom_model"
    assert put["modelUri"] == f"azureml://jobs/{job}/outputs/artifacts/paths/outputs/extra.joblib"
    assert (first.version, first.format, first.source, first.size) == ("1", "joblib", "outputs/extra.joblib", 12)

    mark = emulator.mark()
    second = backend.register_model(name, job=job, path="model", description="the folder", tags={"k": "v"})
    body = _body(emulator.requests(mark), "PUT", f"/models/{name}/versions/2")["properties"]
    assert body["modelType"] == "mlflow_model"
    assert body["modelUri"] == f"azureml://jobs/{job}/outputs/artifacts/paths/outputs/model/"
    assert body["properties"]["amlx.source"] == "outputs/model" and body["tags"] == {"k": "v"}
    assert (second.version, second.format, second.source, second.job) == ("2", "mlflow", "outputs/model", job)
    assert second.description == "the folder" and second.tags == {"k": "v"}

    assert [v.version for v in backend.model_versions(name)] == ["2", "1"]
    listed = {m.name: m for m in backend.list_models()}
    assert (listed[name].latest_version, listed[name].version_count) == ("2", 2)
    path, filename = backend.model_download(name, 1)
    assert filename == "extra.joblib" and path.read_bytes() == b"joblib bytes"
    archive, zipname = backend.model_download(name, 2)
    assert zipname == f"{name}-2.zip"
    with zipfile.ZipFile(archive) as z:
        assert sorted(z.namelist()) == ["MLmodel", "model.pkl"]

    with pytest.raises(ValidationError):
        backend.register_model(name, job=job, path="outputs/notes.txt")
    with pytest.raises(NotFoundError):
        backend.register_model(name, job=job, path="outputs/nothing.pkl")
    with pytest.raises(ValidationError):
        backend.register_model(name, job=job, path="../elsewhere.pkl")
    with pytest.raises(NotFoundError):
        backend.get_model(name, 3)
    with pytest.raises(NotFoundError):
        backend.model_versions(f"never-{uuid.uuid4().hex[:6]}")


def test_a_running_job_is_not_registered(backend: AzureBackend, tmp_path: Path) -> None:
    code = tmp_path / "code"
    code.mkdir()
    (code / "main.py").write_text("import time\ntime.sleep(60)\n")
    job = backend.submit(CommandJobSpec(code_dir=code, experiment="azure-models"))
    try:
        with pytest.raises(ConflictError):
            backend.register_model("never", job=job.name)
    finally:
        backend.cancel(job.name)
