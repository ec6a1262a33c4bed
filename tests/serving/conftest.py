"""Fixtures: tiny real models in every supported format, key files, and real server processes."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from collections.abc import Iterator

import numpy as np
import pandas as pd
import pytest

from amlx_lab.serving import ServerProcess, start_server, stop_server, wait_ready, write_key_file

from .helpers import KEY, SECONDARY

HEART_COLUMNS = {
    "age": float, "anaemia": int, "creatinine_phosphokinase": int, "diabetes": int, "ejection_fraction": int,
    "high_blood_pressure": int, "platelets": float, "serum_creatinine": float, "serum_sodium": int, "sex": int,
    "smoking": int, "time": int,
}


@dataclass
class Models:
    root: Path
    diabetes_X: pd.DataFrame
    ridge: Any
    pkl: Path
    joblib: Path
    skops: Path
    mlflow_dir: Path
    titanic_dir: Path
    titanic: Any
    heart_dir: Path
    heart: Any
    heart_frame: pd.DataFrame


def _titanic_frame(n: int = 300) -> tuple[pd.DataFrame, pd.Series]:
    rng = np.random.default_rng(7)
    df = pd.DataFrame(
        {"Age": rng.uniform(1, 80, n).round(), "Pclass": rng.integers(1, 4, n), "Sex": rng.choice(["male", "female"], n)}
    )
    df.loc[rng.choice(n, 20, replace=False), "Age"] = np.nan
    survived = ((df["Sex"] == "female") | (df["Pclass"] == 1)).astype(int)
    return df, survived


def _heart_frame(n: int = 120) -> tuple[pd.DataFrame, pd.Series]:
    rng = np.random.default_rng(11)
    data = {}
    for name, kind in HEART_COLUMNS.items():
        if kind is int:
            data[name] = rng.integers(0, 2, n) if name in {"anaemia", "diabetes", "high_blood_pressure", "sex", "smoking"} else rng.integers(20, 300, n)
        else:
            data[name] = rng.uniform(0.5, 100, n)
    df = pd.DataFrame(data)
    death = (df["ejection_fraction"] < 100) & (df["age"] > 40)
    return df, death.astype(bool)


@pytest.fixture(scope="session")
def models(tmp_path_factory: pytest.TempPathFactory) -> Models:
    """Train once: a Ridge (4 formats), a Titanic-like Pipeline, a heart-failure MLflow model."""
    import joblib
    import skops.io as sio
    from sklearn.compose import ColumnTransformer
    from sklearn.datasets import load_diabetes
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression, Ridge
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    import mlflow.sklearn
    from mlflow.models import infer_signature

    warnings.filterwarnings("ignore", message="Hint: Inferred schema contains integer column")
    root = tmp_path_factory.mktemp("models")
    X, y = load_diabetes(return_X_y=True, as_frame=True)
    ridge = Ridge(alpha=0.5).fit(X, y)
    pkl, jl, sk = root / "ridge.pkl", root / "ridge.joblib", root / "ridge.skops"
    joblib.dump(ridge, pkl)
    joblib.dump(ridge, jl)
    sio.dump(ridge, sk)
    mlflow_dir = root / "ridge_mlflow"
    mlflow.sklearn.save_model(ridge, mlflow_dir, pip_requirements=["scikit-learn"], signature=infer_signature(X, ridge.predict(X)))

    tdf, ty = _titanic_frame()
    pre = ColumnTransformer(
        [
            ("num", Pipeline([("impute", SimpleImputer(strategy="median")), ("scale", StandardScaler())]), ["Age"]),
            ("cat", OneHotEncoder(handle_unknown="ignore"), ["Pclass", "Sex"]),
        ]
    )
    titanic = Pipeline([("pre", pre), ("clf", LogisticRegression())]).fit(tdf, ty)
    titanic_dir = root / "titanic" / "outputs"
    titanic_dir.mkdir(parents=True)
    joblib.dump(titanic, titanic_dir / "model.pkl")

    hdf, hy = _heart_frame()
    heart = LogisticRegression(max_iter=2000).fit(hdf, hy)
    heart_dir = root / "heart_mlflow"
    mlflow.sklearn.save_model(heart, heart_dir, pip_requirements=["scikit-learn"], signature=infer_signature(hdf, heart.predict(hdf)))
    return Models(root, X, ridge, pkl, jl, sk, mlflow_dir, titanic_dir, titanic, heart_dir, heart, hdf)


@pytest.fixture(scope="session")
def key_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("keys") / "keys.json"
    write_key_file(path, primary=KEY, secondary=SECONDARY)
    return path


class ServerFactory:
    """Starts real server processes (in parallel when asked) and stops them all at teardown."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.started: list[ServerProcess] = []
        self._n = 0

    def files(self, name: str) -> dict[str, Path]:
        folder = self.root / name
        folder.mkdir(parents=True, exist_ok=True)
        return {"state_file": folder / "state.json", "log_file": folder / "server.log"}

    def start(self, name: str | None = None, **settings: Any) -> ServerProcess:
        return self.start_many([(name, settings)])[0]

    def start_many(self, specs: list[tuple[str | None, dict[str, Any]]]) -> list[ServerProcess]:
        """Spawn every server first, then wait for each: start-ups overlap."""
        pending = []
        for name, settings in specs:
            self._n += 1
            name = name or f"server{self._n}"
            files = {**self.files(name), **{k: v for k, v in settings.items() if k in ("state_file", "log_file")}}
            rest = {k: v for k, v in settings.items() if k not in ("state_file", "log_file")}
            proc = start_server(wait=False, timeout=60, **files, **rest)
            self.started.append(proc)
            pending.append((proc, files))
        out = []
        for proc, files in pending:
            proc.state = wait_ready(files["state_file"], proc.pid, 90, str(files["log_file"]))
            out.append(proc)
        return out

    def stop_all(self) -> None:
        for proc in self.started:
            stop_server(proc.pid, grace=3.0)
            if proc.popen is not None:
                try:
                    proc.popen.wait(timeout=1)
                except Exception:  # noqa: BLE001
                    pass


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerFactory]:
    factory = ServerFactory(tmp_path_factory.mktemp("servers"))
    yield factory
    factory.stop_all()


@pytest.fixture
def fresh_servers(tmp_path: Path) -> Iterator[ServerFactory]:
    factory = ServerFactory(tmp_path / "servers")
    yield factory
    factory.stop_all()

