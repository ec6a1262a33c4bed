"""Custom ``score.py`` with Azure ML's contract: ``init()`` once, ``run(raw_data)`` per request.

As in Azure's inference server: ``AZUREML_MODEL_DIR`` is set before the
script is imported, the script's folder is on ``sys.path``, ``run`` receives
the request body as a ``str`` (plus ``request_headers=`` when it declares
that parameter; the Authorization header is removed first so the key never
reaches user code), and its return value is JSON-encoded as is (a returned
``str`` becomes a JSON string, exactly like Azure). An exception in ``run``
is a 500 whose message names the exception; the traceback goes to the log.
"""

from __future__ import annotations

import importlib.util
import inspect
import logging
import os
import sys
from pathlib import Path
from typing import Any

from .errors import ModelLoadError, ScoringFailedError
from .jsonout import encode

log = logging.getLogger("amlx.serving")


def model_dir_for(model: str | os.PathLike[str] | None) -> str | None:
    """The folder ``AZUREML_MODEL_DIR`` points at: the model folder, or a model file's folder."""
    if model is None:
        return None
    p = Path(model).resolve()
    return str(p if p.is_dir() else p.parent)


class ScriptScorer:
    kind = "score_script"

    def __init__(self, script: str | os.PathLike[str], model_dir: str | None = None) -> None:
        path = Path(script).resolve()
        if not path.is_file():
            raise ModelLoadError(f"score script not found: {path}")
        self.path = path
        if model_dir:
            os.environ["AZUREML_MODEL_DIR"] = model_dir
        if str(path.parent) not in sys.path:
            sys.path.insert(0, str(path.parent))
        spec = importlib.util.spec_from_file_location("amlx_score_script", path)
        if spec is None or spec.loader is None:
            raise ModelLoadError(f"cannot import {path.name}")
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        try:
            spec.loader.exec_module(module)
        except Exception as exc:
            raise ModelLoadError(f"importing {path.name} failed: {type(exc).__name__}: {exc}") from exc
        run = getattr(module, "run", None)
        if not callable(run):
            raise ModelLoadError(f"{path.name} has no run() function")
        params = inspect.signature(run).parameters
        self._pass_headers = "request_headers" in params
        if not [p for p in params if p != "request_headers"]:
            raise ModelLoadError(f"{path.name}: run() must take the input data as its first argument")
        self._run = run
        init = getattr(module, "init", None)
        if callable(init):
            try:
                init()
            except Exception as exc:
                raise ModelLoadError(f"{path.name}: init() raised {type(exc).__name__}: {exc}") from exc

    def score(self, body: bytes, headers: dict[str, str]) -> bytes:
        text = body.decode("utf-8", errors="replace")
        try:
            if self._pass_headers:
                visible = {k: v for k, v in headers.items() if k != "authorization"}
                result = self._run(text, request_headers=visible)
            else:
                result = self._run(text)
        except Exception as exc:
            log.exception("run() in %s raised", self.path.name)
            raise ScoringFailedError(f"run() raised {type(exc).__name__}: {str(exc)[:300]}") from None
        return encode(result)

    def describe(self) -> dict[str, Any]:
        return {"kind": self.kind, "script": self.path.name}
