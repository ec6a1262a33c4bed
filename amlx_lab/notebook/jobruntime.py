"""The ``_amlx_runtime`` package every job package ships: the sources in ``runtime/`` plus its job.json.

The runtime's code is copied, not installed: the job's interpreter (the notebook
kernel's, an Azure ML image) may not have amlx-lab, and a package must run the
same wherever it goes. job.json tells the runtime what the builder knows: the
parameters and job inputs (main.py's options), whether to track and autolog,
and where each cell's code sits in main.py (to name cells in tracebacks). The
runtime trusts that map only while main.py's hash matches ``script_sha256``.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .data_files import PackageInput
from .parameters import Parameter
from .script import RUNTIME_PACKAGE, RenderedScript

__all__ = ["RUNTIME_PACKAGE", "runtime_config", "runtime_files"]

SOURCE_DIR = Path(__file__).parent / "runtime"
CONFIG_NAME = "job.json"


@functools.cache
def _sources() -> tuple[tuple[str, str], ...]:
    return tuple((p.name, p.read_text(encoding="utf-8")) for p in sorted(SOURCE_DIR.glob("*.py")))


def runtime_config(
    *,
    script: RenderedScript,
    notebook: str,
    target_index: int,
    parameters: Sequence[Parameter],
    inputs: Sequence[PackageInput],
    tracking: bool,
    autolog: bool,
) -> dict[str, Any]:
    """job.json's content (JSON-ready)."""
    return {
        "description": f"Cell {target_index} of {notebook} as a job.",
        "script": "main.py",
        "script_sha256": hashlib.sha256(script.text.encode("utf-8")).hexdigest(),
        "parameters": [
            {
                "name": p.name,
                "flag": p.flag,
                "type": p.type,
                "default": p.default,
                "help": f"cell {p.cell_index}, line {p.line}; notebook value {p.notebook_value!r}",
            }
            for p in parameters
        ],
        "inputs": [{"path": i.path, "option": i.option} for i in inputs if i.mode == "job_input"],
        "tracking": tracking,
        "autolog": autolog,
        "cells": [
            {"index": c.index, "id": c.id, "start": c.start, "end": c.end, "inserted": list(c.inserted)} for c in script.cells
        ],
    }


def runtime_files(config: dict[str, Any]) -> dict[str, str]:
    """Relative path in the package -> text, for the runtime's sources and job.json."""
    files = {f"{RUNTIME_PACKAGE}/{name}": text for name, text in _sources()}
    files[f"{RUNTIME_PACKAGE}/{CONFIG_NAME}"] = json.dumps(config, indent=1, sort_keys=True) + "\n"
    return files
