"""Test-only credential plugin: ``"credential": "loopback"`` in a workspace's Azure settings signs in with the
loopback workspace's ``LoopbackCredential`` (no Microsoft Entra ID traffic).

Registered through the ``amlx_lab.azure_credentials`` entry-point group by the distribution metadata next to
this file, so only processes with this folder on their path (test processes: ``RunningEmulator.client_env()``)
can use it. Loads ``credentials.py`` by path, like ``sitecustomize.py``, so it needs no package on the path.
"""

import importlib.util
from pathlib import Path
from typing import Any


def loopback(settings: Any = None) -> Any:
    path = Path(__file__).resolve().parent.parent / "credentials.py"
    spec = importlib.util.spec_from_file_location("_amlx_emulator_credentials", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.LoopbackCredential()
