"""amlx-lab: turn a notebook cell into a tracked Azure ML (or local) job.

Importing this package is cheap: the server extension, the magics and the
heavy SDKs (mlflow, azure.ai.ml) are only imported by the entry points below
when Jupyter or IPython call them.
"""

from __future__ import annotations

from typing import Any

try:
    from ._version import __version__
except ImportError:  # running from a source tree that was never built
    __version__ = "0.0.0.dev0"


def _jupyter_labextension_paths() -> list[dict[str, str]]:
    return [{"src": "labextension", "dest": "amlx-lab"}]


def _jupyter_server_extension_points() -> list[dict[str, Any]]:
    from .extension import AmlxApp

    return [{"module": "amlx_lab", "app": AmlxApp}]


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext amlx_lab`` registers the ``%aml`` magic."""
    from .magics import register

    register(ipython)
