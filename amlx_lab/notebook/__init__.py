"""Notebook cell -> job package: the heart of amlx-lab.

``build_package(source, cell=..., out_dir=...)`` turns the cell a data
scientist is working on into a folder that runs as a tracked job with
``python main.py``: the cell plus the earlier cells it needs (a minimal slice
found by static analysis, which follows changes made through any other name
for the same data), requirements pinned from the notebook kernel's
environment, the data files it reads, and its literal settings as
``--name value`` parameters. ``preview_package`` returns the same description
without writing anything.

Importing this package is cheap: IPython's transformers, jupyter_client and
the kernel probe are loaded on first use, and mlflow is never imported here
(only the generated main.py imports it).
"""

from __future__ import annotations

from .data_files import PackageInput, normalise_path
from .errors import (
    AmbiguousCellError,
    CellNotFoundError,
    CellSyntaxError,
    CorruptNotebookError,
    NotebookNotFoundError,
    UndefinedNameError,
)
from .package import (
    DEFAULT_MAX_COPY_BYTES,
    MANIFEST_NAME,
    CellRef,
    IncludedCell,
    JobPackage,
    PackageOptions,
    build_package,
    load_package,
    preview_package,
)
from .parameters import Parameter
from .requirements import KernelInfo
from .source import PARAMETERS_TAG, TRAIN_TAG

__all__ = [
    "DEFAULT_MAX_COPY_BYTES",
    "MANIFEST_NAME",
    "PARAMETERS_TAG",
    "TRAIN_TAG",
    "AmbiguousCellError",
    "CellNotFoundError",
    "CellRef",
    "CellSyntaxError",
    "CorruptNotebookError",
    "IncludedCell",
    "JobPackage",
    "KernelInfo",
    "NotebookNotFoundError",
    "PackageInput",
    "PackageOptions",
    "Parameter",
    "UndefinedNameError",
    "build_package",
    "load_package",
    "normalise_path",
    "preview_package",
]
