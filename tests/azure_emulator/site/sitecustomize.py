"""Loaded by every Python process that has this folder on PYTHONPATH (the emulator's jobs; client
processes pointed at the emulator). Each part is switched on by its variable and costs nothing otherwise:

* ``AMLX_SOCKET_GUARD_LOG``: refuse and record non-loopback connections (``socket_guard.py``).
* ``AMLX_EMULATOR_SETTINGS``: point azure-ai-ml's blob datastore URLs and azureml-mlflow at the emulator
  (``seams.py``) when those packages are imported.
"""

import importlib.util
import os
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent.parent


def _load(name: str):  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(f"_amlx_emulator_{name}", _PACKAGE / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


if os.environ.get("AMLX_SOCKET_GUARD_LOG"):
    _load("socket_guard").SocketGuard(os.environ["AMLX_SOCKET_GUARD_LOG"]).install()
if os.environ.get("AMLX_EMULATOR_SETTINGS"):
    _load("seams").install_on_import(os.environ["AMLX_EMULATOR_SETTINGS"])
