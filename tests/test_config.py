"""How settings are resolved the same way by the server, the magics and the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from amlx_lab.config import AmlxConfig, write_settings_file
from amlx_lab.errors import ValidationError


def test_explicit_beats_environment_beats_settings_file(tmp_path: Path) -> None:
    write_settings_file(tmp_path, {"target": "azure", "compute_slots": 3})
    assert AmlxConfig.resolve(workspace_dir=tmp_path, environ={}).target == "azure"
    assert AmlxConfig.resolve(workspace_dir=tmp_path, environ={}).compute_slots == 3
    assert AmlxConfig.resolve(workspace_dir=tmp_path, environ={"AMLX_TARGET": "local"}).target == "local"
    assert AmlxConfig.resolve(workspace_dir=tmp_path, target="azure", environ={"AMLX_TARGET": "local"}).target == "azure"


def test_workspace_folder_defaults_under_home(tmp_path: Path) -> None:
    config = AmlxConfig.resolve(environ={"HOME": str(tmp_path)})
    assert config.workspace_dir == tmp_path / ".amlx" / "workspace"
    assert AmlxConfig.resolve(environ={"AMLX_WORKSPACE": str(tmp_path / "x")}).workspace_dir == tmp_path / "x"


def test_bad_stored_values_become_warnings_not_crashes(tmp_path: Path) -> None:
    write_settings_file(tmp_path, {"target": "mars", "compute_slots": -2, "azure": "nope"})
    config = AmlxConfig.resolve(workspace_dir=tmp_path, environ={})
    assert config.target == "local"
    assert config.compute_slots >= 1
    assert len(config.warnings) == 3


def test_explicit_bad_values_are_errors(tmp_path: Path) -> None:
    with pytest.raises(ValidationError) as caught:
        AmlxConfig.resolve(workspace_dir=tmp_path, target="mars", environ={})
    assert caught.value.field == "target"


def test_settings_file_writes_are_merged(tmp_path: Path) -> None:
    write_settings_file(tmp_path, {"target": "azure"})
    write_settings_file(tmp_path, {"azure": {"workspace_name": "w"}})
    assert json.loads((tmp_path / "settings.json").read_text()) == {"azure": {"workspace_name": "w"}, "target": "azure"}


def test_server_extension_and_magics_do_not_import_heavy_sdks() -> None:
    """JupyterLab must start as fast with the extension as without it."""
    code = (
        "import sys, amlx_lab, amlx_lab.extension, amlx_lab.magics, amlx_lab.cli, amlx_lab.handlers\n"
        "from amlx_lab.workspace import Workspace\n"
        "Workspace.from_environment().info('azure')\n"
        "heavy = ('mlflow', 'azure.ai.ml', 'azure.identity', 'sklearn', 'pandas', 'optuna', 'scipy', 'numpy')\n"
        "print(sorted(m for m in heavy if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120).stdout
    assert out.strip() == "[]"
