"""The local model registry with real jobs: register from a pickle and from an MLflow model, versions, download.

One training job per module (a Titanic-like pipeline written to
``outputs/model.pkl`` and, with ``--mlflow``, logged to the job's MLflow run
with a signature) is shared by the tests; registering copies, so tests that
register do not disturb each other beyond version numbers, which each test
reads from what it registered.
"""

from __future__ import annotations

import sqlite3
import sys
import textwrap
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from amlx_lab.backends.local import LocalBackend
from amlx_lab.backends.local.store import _SCHEMA_V1, SCHEMA_VERSION, Store, _statements
from amlx_lab.errors import ConflictError, NotFoundError, ValidationError
from amlx_lab.records import JobStatus
from amlx_lab.specs import CommandJobSpec

from .conftest import stop_everything, write_code

pytestmark = pytest.mark.slow

BARE_PYTHON = str(Path(sys.base_prefix) / "bin" / "python3")

# A Titanic-like pipeline: Age (imputed), Pclass (passthrough), Sex (one-hot).
TRAIN_MAIN = """
    import os, sys
    import joblib
    import numpy as np
    import pandas as pd
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder

    rng = np.random.default_rng(0)
    n = 200
    X = pd.DataFrame({"Age": rng.uniform(1, 80, n).round(), "Pclass": rng.integers(1, 4, n),
                      "Sex": rng.choice(["male", "female"], n)})
    y = ((X["Sex"] == "female") | (X["Pclass"] == 1)).astype(int)
    pre = ColumnTransformer([("age", SimpleImputer(), ["Age"]), ("cls", "passthrough", ["Pclass"]),
                             ("sex", OneHotEncoder(handle_unknown="ignore"), ["Sex"])])
    model = Pipeline([("pre", pre), ("clf", LogisticRegression(max_iter=500))]).fit(X, y)
    os.makedirs("outputs", exist_ok=True)
    joblib.dump(model, "outputs/model.pkl")
    if "--mlflow" in sys.argv:
        import mlflow, mlflow.sklearn
        from mlflow.models import infer_signature
        with mlflow.start_run():
            mlflow.sklearn.log_model(model, name="model", signature=infer_signature(X, model.predict(X)),
                                     input_example=X.head(2), pip_requirements=["scikit-learn"],
                                     skops_trusted_types=["numpy.dtype"])
    print("trained", flush=True)
"""


@dataclass
class Trained:
    backend: LocalBackend
    job: str


# The data file the job "read" (copied into its snapshot, as the slicer copies a small CSV): the first
# passenger has no age, so the first complete row is the second.
PASSENGERS = """\
    Name,Age,Pclass,Sex,Survived
    "Braund, Mr. Owen",,3,male,0
    "Cumings, Mrs. John",38,1,female,1
    """


def train(backend: LocalBackend, folder: Path, *, mlflow: bool) -> str:
    """Run the training job to completion; returns its name."""
    code = write_code(folder, TRAIN_MAIN)
    (code / "data").mkdir()
    (code / "data" / "passengers.csv").write_text(textwrap.dedent(PASSENGERS))
    command = ("python", "main.py", "--mlflow") if mlflow else ("python", "main.py")
    manifest = {"inputs": [{"path": "data/passengers.csv", "kind": "file", "mode": "copied"}]}
    job = backend.submit(CommandJobSpec(code_dir=code, experiment="models", command=command, manifest=manifest))
    done = backend.wait(job.name, timeout=300)
    log = backend.layout.std_log(job.name).read_text(errors="replace")
    assert done.status == JobStatus.COMPLETED, f"{done.error}\n{log[-3000:]}"
    return job.name


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory, amlx_cache: Path) -> Iterator[Trained]:
    root = tmp_path_factory.mktemp("registry")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("AMLX_CACHE_DIR", str(amlx_cache))
        env.setenv("HOME", str(root / "home"))
        env.setenv("MLFLOW_DISABLE_TELEMETRY", "true")
        backend = LocalBackend(root / "ws", compute_slots=2)
        try:
            yield Trained(backend, train(backend, root / "code", mlflow=True))
        finally:
            stop_everything(backend)
            backend.close()


def bare_job(backend: LocalBackend, folder: Path, main: str) -> str:
    """A quick job in an interpreter without MLflow (it writes files, no model is trained)."""
    job = backend.submit(CommandJobSpec(code_dir=write_code(folder, main), interpreter=BARE_PYTHON, experiment="files"))
    done = backend.wait(job.name, timeout=120)
    assert done.status == JobStatus.COMPLETED, done.error
    return job.name


def test_candidates_list_the_mlflow_model_and_the_pickle(trained: Trained) -> None:
    candidates = trained.backend.model_candidates(trained.job)
    assert [(c.source, c.format) for c in candidates] == [("mlflow:model", "mlflow"), ("outputs/model.pkl", "pickle")]
    assert all(c.size > 0 for c in candidates)


def test_register_a_pickle_from_outputs(trained: Trained) -> None:
    backend = trained.backend
    first = backend.register_model("titanic-pkl", job=trained.job, path="outputs/model.pkl", description="first", tags={"k": "v"})
    second = backend.register_model("titanic-pkl", job=trained.job, path="model.pkl")  # both spellings name the file
    assert (first.version, second.version) == ("1", "2")
    assert first.format == "pickle" and first.source == "outputs/model.pkl" and first.job == trained.job
    assert first.description == "first" and first.tags == {"k": "v"}
    assert sorted(p.name for p in backend.models.folder(first).iterdir()) == ["model.pkl"]
    assert first.size == (backend.models.folder(first) / "model.pkl").stat().st_size
    # columns from the fitted pipeline (loaded by the serving code in a helper process); the example is a
    # real passenger: the first complete row of the data the job read, not made-up values
    assert [(c.name, c.type) for c in first.input_columns] == [("Age", "double"), ("Pclass", "any"), ("Sex", "string")]
    assert first.example == {"data": [{"Age": 38.0, "Pclass": 1, "Sex": "female"}]}

    # versions are immutable copies: the job's file changing later does not touch them
    original = (backend.models.folder(first) / "model.pkl").read_bytes()
    (backend.layout.outputs_dir(trained.job) / "model.pkl").write_bytes(original + b"changed")
    try:
        assert (backend.models.folder(first) / "model.pkl").read_bytes() == original
    finally:
        (backend.layout.outputs_dir(trained.job) / "model.pkl").write_bytes(original)

    assert [v.version for v in backend.model_versions("titanic-pkl")] == ["2", "1"]
    assert backend.get_model("titanic-pkl").version == "2"
    assert backend.get_model("titanic-pkl", "1") == first
    summary = next(m for m in backend.list_models() if m.name == "titanic-pkl")
    assert (summary.latest_version, summary.version_count, summary.description) == ("2", 2, "first")

    path, filename = backend.model_download("titanic-pkl", "1")
    assert filename == "model.pkl" and path.read_bytes() == original


def test_register_the_mlflow_model_of_the_run(trained: Trained) -> None:
    backend = trained.backend
    version = backend.register_model("titanic-mlflow", job=trained.job, path="mlflow:model")
    assert (version.version, version.format, version.source) == ("1", "mlflow", "mlflow:model")
    assert (backend.models.folder(version) / "MLmodel").is_file()
    assert [c.name for c in version.input_columns] == ["Age", "Pclass", "Sex"]  # from the signature
    # the example is the model's own: the two rows MLflow saved with it (input_example=X.head(2))
    rows = version.example["data"]
    assert len(rows) == 2 and all(set(row) == {"Age", "Pclass", "Sex"} for row in rows)
    assert all(row["Sex"] in ("female", "male") and row["Pclass"] in (1, 2, 3) for row in rows)
    # with no path the job's MLflow model is the obvious choice
    default = backend.register_model("titanic-mlflow", job=trained.job)
    assert (default.version, default.source) == ("2", "mlflow:model")
    path, filename = backend.model_download("titanic-mlflow", "latest")
    assert filename == "titanic-mlflow-2.zip"
    with zipfile.ZipFile(path) as archive:
        assert "MLmodel" in archive.namelist()


def test_bad_registrations_are_explained(trained: Trained, tmp_path: Path) -> None:
    backend = trained.backend
    cases = [
        (dict(name="bad name!", job=trained.job), ValidationError, "name"),
        (dict(name="m", job="no_such_job_at_all"), NotFoundError, None),
        (dict(name="m", job="Not A Job"), ValidationError, "job"),
        (dict(name="m", job=trained.job, path="../code/main.py"), ValidationError, "path"),
        (dict(name="m", job=trained.job, path="missing.pkl"), NotFoundError, None),
        (dict(name="m", job=trained.job, path="mlflow:other"), NotFoundError, None),
        (dict(name="m", job=trained.job, tags={"k": 1}), ValidationError, "tags.k"),
    ]
    for kwargs, error, field in cases:
        with pytest.raises(error) as caught:
            backend.register_model(**kwargs)
        if field:
            assert caught.value.details.get("field") == field, (kwargs, caught.value.details)
    with pytest.raises(NotFoundError):
        backend.get_model("never-registered")
    with pytest.raises(ValidationError):
        backend.get_model("titanic-pkl", "v1")

    two = bare_job(backend, tmp_path / "two", """
        import os
        os.makedirs("outputs", exist_ok=True)
        for name in ("a.pkl", "b.joblib", "notes.txt"):
            open(os.path.join("outputs", name), "wb").write(b"not a model")
    """)
    with pytest.raises(ValidationError) as caught:
        backend.register_model("ambiguous", job=two)
    assert caught.value.details["candidates"] == ["outputs/a.pkl", "outputs/b.joblib"]
    with pytest.raises(ValidationError) as caught:
        backend.register_model("ambiguous", job=two, path="notes.txt")
    assert "not a model file" in caught.value.message
    # a file that does not load still registers (as on Azure); it just has no known columns
    unreadable = backend.register_model("unreadable", job=two, path="a.pkl")
    assert unreadable.input_columns is None and unreadable.example is None


def test_a_running_job_cannot_register(trained: Trained, tmp_path: Path) -> None:
    backend = trained.backend
    go = tmp_path / "go"
    job = backend.submit(CommandJobSpec(
        code_dir=write_code(tmp_path / "wait", f"import os, time\nwhile not os.path.exists({str(go)!r}): time.sleep(0.05)\n"),
        interpreter=BARE_PYTHON,
    ))
    try:
        with pytest.raises(ConflictError):
            backend.register_model("early", job=job.name)
    finally:
        go.touch()
        backend.wait(job.name, timeout=60)


def test_a_version_1_index_is_migrated_in_place(tmp_path: Path) -> None:
    """Workspaces made before the registry keep their data and gain the new tables."""
    db = tmp_path / "amlx.db"
    conn = sqlite3.connect(db, isolation_level=None)
    for statement in _statements(_SCHEMA_V1):
        conn.execute(statement)
    conn.execute(
        "INSERT INTO data_assets (name, version, type, path, size, created_at) VALUES ('d', '1', 'uri_file', '/x', 1, 0)"
    )
    conn.execute("PRAGMA user_version = 1")
    conn.close()
    store = Store(db)
    try:
        assert store.query("PRAGMA user_version")[0][0] == SCHEMA_VERSION == 3
        assert [r["name"] for r in store.query("SELECT name FROM data_assets")] == ["d"]
        tables = {r[0] for r in store.query("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert {"models", "model_versions", "endpoints", "deployments"} <= tables
    finally:
        store.close()
