"""Load a deployed model from a folder or a file, without importing mlflow when possible.

Accepted:

* an MLflow model folder (``MLmodel``): the ``sklearn`` flavour is loaded
  natively from its pickle/cloudpickle/skops file (no pyfunc wrapper, no schema
  enforcement per request); the signature becomes the input schema. Other
  flavours fall back to ``mlflow.pyfunc.load_model`` (slower to start).
* a ``.pkl``/``.pickle``/``.joblib`` file (``joblib.load`` reads both), a
  ``.skops`` file, or a folder holding exactly one such file (Azure's
  ``outputs/`` folder).

Loading a pickle runs code from the file: deploying a model is the user's
decision to trust it, as with Azure's ``score.py``. skops files are loaded
with skops' trust list: the types listed in ``MLmodel``/the caller's
``trusted_types`` are accepted, anything else is refused with its name.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import ModelLoadError
from .schema import (
    SCHEMA_FILE,
    InputSchema,
    from_estimator,
    from_mlflow_signature,
    read_schema_file,
)

MODEL_SUFFIXES = (".pkl", ".pickle", ".joblib", ".skops")
# Types skops reports as untrusted for ordinary scikit-learn pipelines and that cannot run code.
_SAFE_SKOPS_TYPES = ("numpy.dtype",)


@dataclass
class LoadedModel:
    """A model ready to predict plus what the server needs to shape its input."""

    estimator: Any
    path: Path
    format: str  # "mlflow-sklearn-skops", "mlflow-sklearn-pickle", "mlflow-pyfunc", "pickle", "joblib", "skops"
    schema: InputSchema | None
    n_features: int | None = None
    mlflow_pyfunc: bool = False
    info: dict[str, Any] = field(default_factory=dict)

    def describe(self) -> dict[str, Any]:
        """Metadata for the keyed ``/metadata`` route (no paths beyond the model's own name)."""
        return {
            "format": self.format,
            "estimator": type(self.estimator).__name__,
            "n_features": self.n_features,
            "input_schema": self.schema.to_dict() if self.schema else None,
            **self.info,
        }


def _read_mlmodel(folder: Path) -> dict[str, Any]:
    import yaml  # PyYAML: ~10 ms, versus ~1.5 s for mlflow

    try:
        data = yaml.safe_load((folder / "MLmodel").read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ModelLoadError(f"cannot read {folder.name}/MLmodel: {exc}") from None
    if not isinstance(data, dict):
        raise ModelLoadError(f"{folder.name}/MLmodel is not a YAML mapping")
    return data


def _load_skops(path: Path, trusted: Iterable[str]) -> Any:
    import skops.io as sio

    allowed = set(trusted) | set(_SAFE_SKOPS_TYPES)
    untrusted = [t for t in sio.get_untrusted_types(file=path) if t not in allowed]
    if untrusted:
        raise ModelLoadError(
            f"{path.name} contains types skops does not trust: {untrusted}; "
            "list them as trusted (MLmodel skops_trusted_types or --trust-skops-type) if you trust this model"
        )
    return sio.load(path, trusted=sorted(allowed) or None)


def _load_file(path: Path, trusted: Iterable[str]) -> tuple[Any, str]:
    suffix = path.suffix.lower()
    try:
        if suffix == ".skops":
            return _load_skops(path, trusted), "skops"
        if suffix in (".pkl", ".pickle", ".joblib"):
            import joblib

            return joblib.load(path), "joblib" if suffix == ".joblib" else "pickle"
    except ModelLoadError:
        raise
    except Exception as exc:  # noqa: BLE001 - any unpickling failure is reported the same way
        raise ModelLoadError(f"cannot load {path.name}: {type(exc).__name__}: {exc}") from None
    raise ModelLoadError(f"{path.name}: unsupported model file (expected one of {list(MODEL_SUFFIXES)} or an MLflow model folder)")


def _load_mlflow_folder(folder: Path, trusted: Iterable[str]) -> LoadedModel:
    mlmodel = _read_mlmodel(folder)
    flavors = mlmodel.get("flavors") or {}
    schema = from_mlflow_signature(mlmodel)
    sk = flavors.get("sklearn")
    if isinstance(sk, dict) and sk.get("pickled_model"):
        fmt = sk.get("serialization_format", "pickle")
        file = folder / str(sk["pickled_model"])
        if fmt == "skops":
            est = _load_skops(file, list(trusted) + list(sk.get("skops_trusted_types") or []))
        elif fmt in ("pickle", "cloudpickle"):
            try:
                if fmt == "cloudpickle":
                    import cloudpickle

                    with open(file, "rb") as fh:
                        est = cloudpickle.load(fh)
                else:
                    import pickle

                    with open(file, "rb") as fh:
                        est = pickle.load(fh)
            except Exception as exc:  # noqa: BLE001
                raise ModelLoadError(f"cannot load {folder.name}/{file.name}: {type(exc).__name__}: {exc}") from None
        else:
            raise ModelLoadError(f"{folder.name}/MLmodel: unknown sklearn serialization_format {fmt!r}")
        return LoadedModel(
            est,
            folder,
            f"mlflow-sklearn-{fmt}",
            schema or from_estimator(est),
            getattr(est, "n_features_in_", None),
            info={"mlflow_version": mlmodel.get("mlflow_version")},
        )
    if "python_function" in flavors:
        # MLflow 3.17 refuses to unpickle without this opt-in; deploying the model is that decision.
        previous = os.environ.get("MLFLOW_ALLOW_PICKLE_DESERIALIZATION")
        os.environ["MLFLOW_ALLOW_PICKLE_DESERIALIZATION"] = "true"
        try:
            import mlflow.pyfunc

            model = mlflow.pyfunc.load_model(str(folder))
        except Exception as exc:  # noqa: BLE001
            raise ModelLoadError(f"cannot load the MLflow model {folder.name}: {type(exc).__name__}: {exc}") from None
        finally:
            if previous is None:
                os.environ.pop("MLFLOW_ALLOW_PICKLE_DESERIALIZATION", None)
            else:
                os.environ["MLFLOW_ALLOW_PICKLE_DESERIALIZATION"] = previous
        return LoadedModel(model, folder, "mlflow-pyfunc", schema, None, mlflow_pyfunc=True)
    raise ModelLoadError(f"{folder.name}/MLmodel has neither a sklearn nor a python_function flavour")


def load_model(path: str | os.PathLike[str], *, trusted_types: Iterable[str] = ()) -> LoadedModel:
    """Load ``path`` (see the module docstring); raises ModelLoadError naming the problem."""
    p = Path(path)
    if not p.exists():
        raise ModelLoadError(f"model path not found: {p}")
    if p.is_dir():
        if (p / "MLmodel").is_file():
            return _load_mlflow_folder(p, trusted_types)
        candidates = sorted(c for c in p.iterdir() if c.is_file() and c.suffix.lower() in MODEL_SUFFIXES)
        if len(candidates) != 1:
            found = [c.name for c in candidates]
            raise ModelLoadError(
                f"the folder {p.name} must hold an MLmodel file or exactly one model file {list(MODEL_SUFFIXES)}, found {found}"
            )
        p = candidates[0]
    est, fmt = _load_file(p, trusted_types)
    if not hasattr(est, "predict"):
        raise ModelLoadError(f"{p.name} holds a {type(est).__name__}, which has no predict()")
    schema = read_schema_file(p.parent / SCHEMA_FILE) or from_estimator(est)
    return LoadedModel(est, p, fmt, schema, getattr(est, "n_features_in_", None))
